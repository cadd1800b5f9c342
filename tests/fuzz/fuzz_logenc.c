/*
 * fuzz_logenc.c — libFuzzer target for the byte hygiene of log text (logenc.h): any
 * bytes, read as UTF-8 (with the Windows-1252 fallback) or as UTF-16LE/BE, must come out
 * as valid UTF-8 without NUL, and clean input must pass through unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "steward/logenc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	enum logenc enc;
	size_t bom = logenc_detect(data, size, true, &enc);
	if (bom > size || (size_t)enc > LOGENC_UTF16BE)
		abort();
	static const enum logenc encs[] = {LOGENC_UTF8, LOGENC_UTF16LE, LOGENC_UTF16BE};
	for (int e = 0; e < 3; e++) {
		struct strbuf out = STRBUF_INIT;
		logenc_append_utf8(&out, encs[e], s, size);
		if (out.len && (!logenc_is_clean_utf8(out.data, out.len) || strlen(out.data) != out.len))
			abort();
		if (!e && logenc_is_clean_utf8(s, size) && (out.len != size || memcmp(out.data, s, size) != 0))
			abort();
		sb_free(&out);
	}
	return 0;
}
