/*
 * test_text.c — text_sanitize (escape sequences, controls, invalid UTF-8) and the
 * display-width helpers (CJK, combining marks, ellipsis, wrapping).
 */
#include <criterion/criterion.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "steward/text.h"

static void utf8_locale(void)
{
	/* wcwidth needs an UTF-8 LC_CTYPE, as the TUI sets one from the environment. */
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		cr_assert_not_null(setlocale(LC_CTYPE, "C.utf8"), "no C.UTF-8 locale");
}

TestSuite(text, .init = utf8_locale);

static char *san(const char *s, unsigned flags) { return text_sanitize(s, strlen(s), flags); }

static void expect_san(const char *in, unsigned flags, const char *want)
{
	char *got = san(in, flags);
	cr_expect_str_eq(got, want, "sanitize(%s)", in);
	free(got);
}

/* No ESC, no C1, no DEL, no control other than '\n' — and valid UTF-8. */
static void assert_harmless(const char *s, bool allow_nl)
{
	size_t len = strlen(s), i = 0;
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		cr_assert(c >= 0x20 || (allow_nl && c == '\n'), "control byte 0x%02x at %zu in \"%s\"", c, i, s);
		cr_assert(c != 0x7f, "DEL at %zu", i);
		uint32_t cp;
		size_t n = text_decode(s + i, len - i, &cp);
		cr_assert(!(cp >= 0x80 && cp <= 0x9f), "C1 control at %zu", i);
		if (cp == 0xfffd)
			cr_assert(n == 3 && memcmp(s + i, "\xef\xbf\xbd", 3) == 0, "invalid UTF-8 left at %zu", i);
		i += n;
	}
}

Test(text, plain_text_unchanged)
{
	expect_san("Site shutdown complete", 0, "Site shutdown complete");
	expect_san("", 0, "");
	expect_san("中文 café", 0, "中文 café");
}

Test(text, osc_title_and_clear_screen_removed)
{
	/* The two sequences the acceptance test writes into a log line. */
	expect_san("before\x1b]0;pwned\x07" "after", 0, "beforeafter");
	expect_san("a\x1b]0;title\x1b\\b", 0, "ab");
	expect_san("x\x1b[2Jy\x1b[H", 0, "xy");
	expect_san("\x1b[1;31mred\x1b[0m", 0, "red");
	expect_san("\x1b[?1049h", 0, "");
}

Test(text, osc52_clipboard_write_removed)
{
	expect_san("ok\x1b]52;c;ZXZpbA==\x07!", 0, "ok!");
}

Test(text, other_escapes_removed)
{
	expect_san("a\x1b" "cb", 0, "ab");          /* RIS: full reset */
	expect_san("a\x1b(0b", 0, "ab");            /* charset to line drawing */
	expect_san("a\x1bPqdcs\x1b\\b", 0, "ab");   /* DCS string */
	expect_san("a\x1b_apc\x07" "b", 0, "ab");   /* APC */
	expect_san("end\x1b", 0, "end");            /* lone ESC at the end */
	expect_san("a\x1b\x1b[31mb", 0, "ab");
}

Test(text, c1_controls_removed)
{
	expect_san("a\xc2\x9b" "2Jb", 0, "ab");            /* C1 CSI, UTF-8 encoded */
	expect_san("a\xc2\x9d" "0;t\xc2\x9c" "b", 0, "ab"); /* C1 OSC ... ST */
	expect_san("a\xc2\x85" "b", 0, "ab");               /* NEL */
	expect_san("a\x9b" "2Jb", 0, "a\xef\xbf\xbd" "2Jb"); /* raw 0x9b is invalid UTF-8 */
}

Test(text, unterminated_osc_stops_at_newline)
{
	expect_san("a\x1b]0;title\nnext line", TEXT_NEWLINES, "a\nnext line");
}

Test(text, c0_controls_visible)
{
	char in[] = "a\0b\x07" "c\x08" "d\x7f";
	char *got = text_sanitize(in, sizeof in - 1, 0);
	cr_expect_str_eq(got, "a\xe2\x90\x80" "b\xe2\x90\x87" "c\xe2\x90\x88" "d\xe2\x90\xa1");
	free(got);
	got = text_sanitize(in, sizeof in - 1, TEXT_ASCII);
	cr_expect_str_eq(got, "a^@b^Gc^Hd^?");
	free(got);
}

Test(text, newlines_tabs_and_cr)
{
	expect_san("one\r\ntwo", 0, "one two");
	expect_san("one\r\ntwo", TEXT_NEWLINES, "one\ntwo");
	expect_san("fake\rreal", 0, "fakereal");
	expect_san("a\tb", 0, "a       b");
	expect_san("abcdefgh\tb", 0, "abcdefgh        b");
	expect_san("中\tx", 0, "中      x"); /* the CJK character takes two of the eight columns */
}

Test(text, invalid_utf8_replaced)
{
	expect_san("a\xff" "b", 0, "a\xef\xbf\xbd" "b");
	expect_san("\xc0\xaf", 0, "\xef\xbf\xbd\xef\xbf\xbd");           /* overlong '/' */
	expect_san("\xed\xa0\x80", 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* surrogate */
	expect_san("\xf4\x90\x80\x80", 0,
		   "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  /* > U+10FFFF */
	expect_san("x\xe4\xb8", 0, "x\xef\xbf\xbd");                    /* truncated */
	expect_san("\xe4\xb8" "a", 0, "\xef\xbf\xbd" "a");              /* resync on 'a' */
}

Test(text, ascii_mode)
{
	expect_san("café 中", TEXT_ASCII, "caf? ?");
	expect_san("\xff", TEXT_ASCII, "?");
	expect_san("a — b · c…", TEXT_ASCII, "a - b . c...");
	expect_san("← → ✓", TEXT_ASCII, "<- -> +");
}

Test(text, bidi_overrides_dropped)
{
	expect_san("abc\xe2\x80\xae" "fed", 0, "abcfed");
	expect_san("\xef\xbb\xbfstart", 0, "start");
}

Test(text, output_always_harmless)
{
	/* Every 1- and 2-byte input around the dangerous ranges. */
	for (int a = 0; a < 256; a++) {
		for (int b = 0; b < 256; b += (a == 0x1b || a >= 0xc0) ? 1 : 17) {
			char in[3] = {(char)a, (char)b, '['};
			char *got = text_sanitize(in, 3, TEXT_NEWLINES);
			assert_harmless(got, true);
			free(got);
			got = text_sanitize(in, 3, 0);
			assert_harmless(got, false);
			free(got);
		}
	}
}

Test(text, decode)
{
	uint32_t cp;
	cr_expect_eq(text_decode("\xe4\xb8\xad", 3, &cp), 3);
	cr_expect_eq(cp, 0x4e2d);
	cr_expect_eq(text_decode("\xf0\x9f\x98\x80", 4, &cp), 4);
	cr_expect_eq(cp, 0x1f600);
	cr_expect_eq(text_decode("\xe4\x41", 2, &cp), 1);
	cr_expect_eq(cp, 0xfffd);
}

Test(text, widths)
{
	cr_expect_eq(text_width("abc"), 3);
	cr_expect_eq(text_width("中文"), 4);
	cr_expect_eq(text_width("e\xcc\x81"), 1); /* e + combining acute */
	cr_expect_eq(text_width("\xef\xbf\xbd"), 1);
	cr_expect_eq(text_width(""), 0);
	cr_expect_eq(text_width(NULL), 0);
}

Test(text, fit_never_splits_a_wide_character)
{
	int used;
	const char *s = "ab中文";
	cr_expect_eq(text_fit(s, strlen(s), 3, &used), 2);
	cr_expect_eq(used, 2);
	cr_expect_eq(text_fit(s, strlen(s), 4, &used), 5);
	cr_expect_eq(used, 4);
	cr_expect_eq(text_fit(s, strlen(s), 100, &used), strlen(s));
	cr_expect_eq(used, 6);
	cr_expect_eq(text_fit(s, strlen(s), 0, &used), 0);
}

Test(text, fit_keeps_combining_marks_with_their_base)
{
	const char *s = "ae\xcc\x81z";
	int used;
	cr_expect_eq(text_fit(s, strlen(s), 2, &used), 4);
	cr_expect_eq(used, 2);
}

Test(text, ellipsize)
{
	const char *ell = text_ellipsis(false);
	char *r = text_ellipsize("Processing site shutdown", 10, ell);
	cr_expect_str_eq(r, "Processin…");
	cr_expect_eq(text_width(r), 10);
	free(r);
	r = text_ellipsize("short", 10, ell);
	cr_expect_str_eq(r, "short");
	free(r);
	r = text_ellipsize("中文中文中文", 6, ell); /* 5 columns left: two CJK + ellipsis */
	cr_expect_str_eq(r, "中文…");
	cr_expect_leq(text_width(r), 6);
	free(r);
	r = text_ellipsize("abc", 0, ell);
	cr_expect_str_eq(r, "");
	free(r);
	r = text_ellipsize("abcdef", 1, ell);
	cr_expect_str_eq(r, "…");
	free(r);
	r = text_ellipsize("abcdef", 3, text_ellipsis(true));
	cr_expect_str_eq(r, "ab~");
	free(r);
}

static char *span_str(const char *s, const struct text_span *sp) { return strndup(s + sp->off, sp->len); }

static void expect_wrap(const char *s, int cols, size_t n_want, const char *const *want)
{
	struct text_span *l;
	size_t n = text_wrap(s, cols, &l);
	cr_assert_eq(n, n_want, "wrap(\"%s\", %d): %zu lines", s, cols, n);
	for (size_t i = 0; i < n; i++) {
		char *got = span_str(s, &l[i]);
		cr_expect_str_eq(got, want[i], "line %zu", i);
		cr_expect_eq(l[i].width, text_width(got));
		cr_expect_leq(l[i].width, cols);
		free(got);
	}
	free(l);
}

Test(text, wrap_at_spaces)
{
	const char *w1[] = {"Stop the SMS", "services on", "the site", "server"};
	expect_wrap("Stop the SMS services on the site server", 12, 4, w1);
	const char *w2[] = {"abcdefgh", "ij"};
	expect_wrap("abcdefghij", 8, 2, w2);
	const char *w3[] = {"one", "", "two"};
	expect_wrap("one\n\ntwo\n", 20, 3, w3);
	const char *w4[] = {""};
	expect_wrap("", 5, 1, w4);
}

Test(text, wrap_cjk_by_columns)
{
	const char *w[] = {"中文", "中文", "中"};
	expect_wrap("中文中文中", 5, 3, w);
}

Test(text, wrap_wide_character_in_one_column)
{
	struct text_span *l;
	size_t n = text_wrap("中x", 1, &l);
	cr_assert_eq(n, 2);
	cr_expect_eq(l[0].len, 3);
	cr_expect_eq(l[1].len, 1);
	free(l);
}

Test(text, find_ci)
{
	const char *h = "SMS_SITE_COMPONENT_MANAGER: Site Shutdown Complete";
	cr_expect_eq(text_find_ci(h, "site shutdown"), h + 28);
	cr_expect_null(text_find_ci(h, "failed"));
	cr_expect_eq(text_find_ci(h, ""), h);
}

static void expect_reflow(const char *in, const char *want)
{
	char *got = text_reflow(in);
	cr_expect_str_eq(got, want, "reflow(%s)", in);
	free(got);
}

Test(text, reflow_joins_hard_breaks_inside_paragraphs)
{
	expect_reflow("The changes in SP2 are\ndescribed in the document\n", "The changes in SP2 are described in the document");
	expect_reflow("one\n\ntwo\nthree", "one\n\ntwo three");
	expect_reflow("Steps:\n- stop\n- start\n1. first\n2) second", "Steps:\n- stop\n- start\n1. first\n2) second");
	expect_reflow("code:\n  setup.exe /x\nafter", "code:\n  setup.exe /x after");
	expect_reflow("trailing   \nspaces", "trailing spaces");
	expect_reflow("crlf\r\nlines\r\n", "crlf lines");
	expect_reflow("", "");
	char *r = text_reflow(NULL);
	cr_expect_str_eq(r, "");
	free(r);
}
