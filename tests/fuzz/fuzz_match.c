/*
 * fuzz_match.c — libFuzzer target for the matcher (issue 10, findings 4 and 7).
 * Input: byte 0 = flags (bit 0: case-insensitive, bit 1: the pattern is also used raw as
 * a regex, bit 2: the text is repeated to just past 300 KiB, so that records longer than
 * the assembler's 256 KiB are matched even when the fuzzer's inputs stay small), then the
 * pattern up to the first '\n', then the log text (one record per '\n').
 *
 * The pattern goes through rx_problem (what lint accepts); an accepted one is compiled
 * and run on every record. It is also the value of ${v} in a runbook whose step expects
 * it as text and inside a regex, sensitive and insensitive, so substitution, escaping,
 * the case rule and the raw-buffer pre-filter are exercised together.
 * Invariants: nothing crashes, leaks or hangs (run with -timeout); the pre-filter never
 * skips a record that matches; the case-insensitive search agrees with a naive one;
 * an escaped ${v} in a regex matches wherever the plain text does.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "steward/match.h"
#include "steward/runbook.h"
#include "steward/rx.h"
#include "steward/util.h"
#include "steward/vars.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BIG (300u * 1024u) /* past the assembler's largest record (ASM_MAX_BYTES) */

static const char rb_text[] =
	"runbook: 1\nid: f\ntitle: F\nversion: '1'\n"
	"variables:\n  - name: v\n    prompt: V\n"
	"logs: {l: l.log}\n"
	"phases:\n  - id: p\n    title: P\n    steps:\n"
	"      - id: s\n        title: S\n        verify:\n"
	"          - log: l\n            expect: ['${v}']\n"
	"          - log: l\n            expect: [{regex: '${v}'}]\n"
	"          - log: l\n            case: insensitive\n            expect: ['${v}']\n"
	"          - log: l\n            expect: [{regex: 'x${v}', case: insensitive}]\n";

static struct runbook *rb;

static unsigned char low(unsigned char c) { return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c; }

static const char *naive_casemem(const char *h, size_t hl, const char *n, size_t nl)
{
	for (size_t i = 0; i + nl <= hl; i++) {
		size_t k = 0;
		while (k < nl && low((unsigned char)h[i + k]) == low((unsigned char)n[k]))
			k++;
		if (k == nl)
			return h + i;
	}
	return NULL;
}

/* Feeds every record of text (NUL-free copy, records split at '\n') and checks that the
 * pre-filter never lands after a record that produced a hit. */
static void feed_all(struct match_step *m, char *text, size_t len)
{
	size_t block_count = match_block_count(m);
	for (size_t b = 0; b < block_count; b++)
		match_set_progress(m, b, 0);
	bool can = match_can_prefilter(m, 0);
	size_t first = can ? match_prefilter(m, 0, text, len) : 0;
	size_t pos = 0;
	while (pos <= len) {
		char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		char saved = text[end];
		text[end] = '\0';
		struct match_hit hits[16];
		size_t n = match_feed(m, 0, text + pos, NULL, true, hits, 16);
		if (n && can && first > end)
			abort(); /* the pre-filter skipped a record that matches */
		text[end] = saved;
		if (!nl)
			break;
		pos = end + 1;
		/* as the watcher does: search again once past the candidate, or when a hit
		 * changed the live entries (searching after every record is quadratic) */
		if (can && (n || pos > first))
			first = pos + match_prefilter(m, 0, text + pos, len - pos);
	}
	(void)match_verified(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!rb) {
		struct rb_diags d = {0};
		if (runbook_load_text(rb_text, sizeof rb_text - 1, "fuzz", &rb, &d) != 0)
			abort();
		rb_diags_free(&d);
	}
	if (size < 1)
		return 0;
	unsigned flags = data[0];
	const char *p = (const char *)data + 1;
	size_t rest = size - 1;
	const char *nl = memchr(p, '\n', rest);
	size_t plen = nl ? (size_t)(nl - p) : rest;
	if (plen > 4096)
		plen = 4096;
	char *pat = xstrndup(p, plen); /* stops at a NUL: runbook strings hold none */
	size_t given = nl ? rest - (size_t)(nl - p) - 1 : 0;
	size_t tlen = given;
	if ((flags & 4) && given > 0 && given < BIG)
		tlen = (BIG / given + 1) * given;
	char *text = xmalloc(tlen + 1);
	for (size_t off = 0; off < tlen; off += given)
		memcpy(text + off, nl + 1, given);
	text[tlen] = '\0';
	for (size_t i = 0; i < tlen; i++)
		if (!text[i])
			text[i] = ' ';

	/* the pattern raw, as lint and the matcher would take it */
	bool unsafe;
	char *why = rx_problem(pat, RX_LOG_LINE, &unsafe);
	if (!why && (flags & 2)) {
		struct rx r;
		char *cw = NULL;
		if (rx_compile(&r, pat, flags & 1, &cw)) {
			(void)rx_match(&r, text);
			rx_free(&r);
		}
		free(cw);
	}
	free(why);

	/* the case-insensitive search against a naive one */
	size_t pl = strlen(pat);
	char *lowpat = rx_ascii_lower(xstrdup(pat));
	if (rx_casemem(text, tlen, lowpat, pl) != naive_casemem(text, tlen, pat, pl))
		abort();
	free(lowpat);

	/* through a runbook: ${v} as text and escaped in regexes, both cases */
	if (pl > 0) {
		struct varmap vm = {0};
		varmap_set(&vm, "v", pat);
		struct match_step *m = NULL;
		struct st_error err;
		if (match_step_compile(rb, 0, &vm, &m, &err) != ST_OK)
			abort(); /* an escaped value always compiles */
		{
			feed_all(m, text, tlen);
			/* an escaped value matches wherever the text does */
			for (size_t b = 0; b < match_block_count(m); b++)
				match_set_progress(m, b, 0);
			struct match_hit hits[8];
			char *line = xasprintf("<x%s>", pat);
			size_t n = match_feed(m, 0, line, NULL, true, hits, 8);
			if (n != 4)
				abort();
			free(line);
			match_step_free(m);
		}
		varmap_free(&vm);
	}
	free(pat);
	free(text);
	return 0;
}
