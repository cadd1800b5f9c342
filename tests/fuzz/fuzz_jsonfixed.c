/*
 * fuzz_jsonfixed.c — libFuzzer target for jsonfixed.h, differential against jansson:
 * whenever json_fixed_object says yes, json_loads must accept the text and a compact
 * json_dumps of it must give back the very same bytes (the export copies such payloads
 * instead of parsing and dumping them). Also checked: a compact dump of whatever jansson
 * parses is recognised when it stays inside the recogniser's documented limits, so the
 * fast path is actually taken; and json_fixed_only_string (the replay's way to read a
 * note) gives the very string jansson reads from {"text": ...}. Any violation aborts.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "steward/jsonfixed.h"
#include "steward/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Inside the documented limits: no real, no key out of order, no deep nesting. */
static bool plain(const json_t *j, int depth)
{
	if (depth > 60)
		return false;
	if (json_is_real(j))
		return false;
	if (json_is_integer(j)) {
		json_int_t v = json_integer_value(j);
		return v > -100000000000000000LL && v < 100000000000000000LL;
	}
	if (json_is_array(j)) {
		size_t i;
		const json_t *v;
		json_array_foreach(j, i, v)
			if (!plain(v, depth + 1))
				return false;
	}
	if (json_is_object(j)) {
		const char *k, *prev = NULL;
		const json_t *v;
		json_object_foreach((json_t *)j, k, v) {
			if (prev && strcmp(prev, k) >= 0)
				return false;
			for (const char *p = k; *p; p++)
				if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
					return false; /* escapes order differently from the characters */
			if (!plain(v, depth + 1))
				return false;
			prev = k;
		}
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	size_t len = strlen(text); /* stored payloads are C strings */
	bool fixed = json_fixed_object(text, len);
	json_t *j = json_loads(text, 0, NULL);
	if (fixed) {
		if (!json_is_object(j))
			abort();
		char *dumped = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
		if (!dumped || strcmp(dumped, text) != 0)
			abort();
		free(dumped);
	}
	if (json_is_object(j) && plain(j, 0)) {
		char *dumped = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
		if (dumped && !json_fixed_object(dumped, strlen(dumped)))
			abort();
		free(dumped);
	}
	struct strbuf note = STRBUF_INIT;
	if (json_fixed_only_string(text, len, "text", &note)) {
		const char *want = json_string_value(json_object_get(j, "text"));
		if (!fixed || json_object_size(j) != 1 || !want || strcmp(want, sb_str(&note)) != 0)
			abort();
	}
	sb_free(&note);
	json_decref(j);
	free(text);
	return 0;
}
