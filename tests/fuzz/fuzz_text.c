/*
 * fuzz_text.c — libFuzzer target for text.h: any bytes (a log line, a note) go
 * through text_sanitize in every mode, and the result must be harmless (no ESC, no
 * C1, no DEL, no control but the kept newline, valid UTF-8; pure ASCII in ASCII
 * mode); the width helpers, ellipsis, wrapping and reflow then run on it and must
 * stay inside their bounds. Any violation aborts.
 */
#include <locale.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "steward/text.h"
#include "steward/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_harmless(const char *s, unsigned flags)
{
	size_t len = strlen(s), i = 0;
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 && !(c == '\n' && (flags & TEXT_NEWLINES)))
			abort();
		if (c == 0x7f)
			abort();
		if ((flags & TEXT_ASCII) && c >= 0x80)
			abort();
		uint32_t cp;
		size_t n = text_decode(s + i, len - i, &cp);
		if (cp >= 0x80 && cp <= 0x9f)
			abort();
		if (cp == 0xfffd && !(n == 3 && memcmp(s + i, "\xef\xbf\xbd", 3) == 0))
			abort(); /* an invalid sequence survived */
		i += n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;
	if (!init) {
		setlocale(LC_CTYPE, "C.UTF-8");
		init = true;
	}
	const char *in = (const char *)data;
	static const unsigned modes[] = {0, TEXT_NEWLINES, TEXT_ASCII, TEXT_NEWLINES | TEXT_ASCII};
	for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
		char *s = text_sanitize(in, size, modes[m]);
		check_harmless(s, modes[m]);
		int cols = size ? (int)(data[0] % 40) : 5;
		size_t len = strlen(s);
		int used;
		size_t fit = text_fit(s, len, cols, &used);
		if (fit > len || used > cols || text_width_n(s, fit) != used)
			abort();
		char *e = text_ellipsize(s, cols, text_ellipsis(modes[m] & TEXT_ASCII));
		if (text_width(e) > cols)
			abort();
		free(e);
		struct text_span *lines;
		size_t n = text_wrap(s, cols, &lines);
		if (n == 0)
			abort();
		for (size_t i = 0; i < n; i++) {
			if (lines[i].off + lines[i].len > len)
				abort();
			/* A line is never wider than asked, unless it is one character too wide. */
			if (lines[i].width > (cols < 1 ? 1 : cols) && text_width_n(s + lines[i].off, lines[i].len) > 2)
				abort();
		}
		free(lines);
		char *r = text_reflow(s);
		check_harmless(r, modes[m] | TEXT_NEWLINES);
		free(r);
		(void)text_find_ci(s, "site");
		free(s);
	}
	return 0;
}
