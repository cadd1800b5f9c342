/*
 * test_logenc.c — encodings of log files (issue 13, L7): UTF-16BE with a BOM and UTF-16
 * (LE or BE) without one, detected from the NUL pattern, are decoded like UTF-16LE with
 * a BOM always was — by logenc directly, and through logtail from a real file (lines,
 * CRLF, offsets). UTF-8 with a stray NUL stays UTF-8.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "steward/logenc.h"
#include "steward/logtail.h"
#include "steward/util.h"

static enum logenc detect(const char *p, size_t n, bool final, size_t *bom)
{
	enum logenc enc = (enum logenc)99;
	*bom = logenc_detect((const unsigned char *)p, n, final, &enc);
	return enc;
}

Test(logenc, boms)
{
	size_t bom;
	cr_assert_eq(detect("\xEF\xBB\xBFx", 4, false, &bom), LOGENC_UTF8);
	cr_assert_eq(bom, 3);
	cr_assert_eq(detect("\xFF\xFEh\0", 4, false, &bom), LOGENC_UTF16LE);
	cr_assert_eq(bom, 2);
	cr_assert_eq(detect("\xFE\xFF\0h", 4, false, &bom), LOGENC_UTF16BE);
	cr_assert_eq(bom, 2);
}

Test(logenc, utf16_without_bom_from_the_nul_pattern)
{
	size_t bom;
	static const char le[] = "<\0!\0[\0L\0O\0G\0[\0";
	static const char be[] = "\0<\0!\0[\0L\0O\0G\0[";
	cr_assert_eq(detect(le, sizeof le - 1, false, &bom), LOGENC_UTF16LE);
	cr_assert_eq(bom, 0);
	cr_assert_eq(detect(be, sizeof be - 1, false, &bom), LOGENC_UTF16BE);
	cr_assert_eq(bom, 0);
	/* Non-ASCII text among the ASCII still decides (é is E9 00 in LE). */
	cr_assert_eq(detect("h\0\xE9\0l\0l\0o\0", 10, true, &bom), LOGENC_UTF16LE);
}

Test(logenc, utf8_with_stray_nuls_stays_utf8)
{
	size_t bom;
	cr_assert_eq(detect("a\0b\xff\n", 5, false, &bom), LOGENC_UTF8);
	cr_assert_eq(detect("plain text\n", 11, false, &bom), LOGENC_UTF8);
	cr_assert_eq(detect("ab\0\0cd\n", 7, true, &bom), LOGENC_UTF8);
	/* zeros both ways round: not a UTF-16 pattern */
	cr_assert_eq(detect("a\0\0bc\0\0d", 8, true, &bom), LOGENC_UTF8);
}

Test(logenc, waits_while_undecided_unless_final)
{
	size_t bom;
	detect("\xFE", 1, false, &bom);
	cr_assert_eq(bom, LOGENC_NEED_MORE);
	detect("<\0", 2, false, &bom);
	cr_assert_eq(bom, LOGENC_NEED_MORE);
	cr_assert_eq(detect("<\0", 2, true, &bom), LOGENC_UTF8); /* one unit decides nothing */
	cr_assert_eq(bom, 0);
	cr_assert_eq(detect("ab", 2, false, &bom), LOGENC_UTF8);
}

Test(logenc, utf16be_decoded_with_surrogates)
{
	/* "hé😀" then a lone high surrogate and a NUL, in UTF-16BE */
	static const char be[] = "\0h\0\xE9\xD8\x3D\xDE\x00\xD8\x00\0\0";
	struct strbuf out = STRBUF_INIT;
	logenc_append_utf8(&out, LOGENC_UTF16BE, be, sizeof be - 1);
	cr_assert_str_eq(sb_str(&out), "h\xC3\xA9\xF0\x9F\x98\x80\xEF\xBF\xBD\xE2\x90\x80");
	sb_free(&out);
}

/* ---- through logtail, from a file ---- */

static char dir[64];
static void mkdir_tmp(void)
{
	strcpy(dir, "/tmp/steward-le-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}
static void rm_tmp(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

struct got {
	char *lines[8];
	uint64_t offs[8];
	size_t n;
};

static bool on_line(void *ctx, size_t idx, const struct logtail_line *ln)
{
	(void)idx;
	struct got *g = ctx;
	cr_assert_lt(g->n, 8);
	g->lines[g->n] = xstrdup(ln->text);
	g->offs[g->n++] = ln->offset;
	return true;
}

static const struct logtail_cbs cbs = {.line = on_line};

static void read_lines(const char *name, const char *data, size_t n, struct got *g)
{
	char *p = xasprintf("%s/%s", dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, data, n), (ssize_t)n);
	close(fd);
	struct logtail *t = logtail_new();
	logtail_add(t, p, LT_START_BEGIN, NULL, 0);
	logtail_process(t, &cbs, g);
	logtail_free(t);
	free(p);
}

static void got_free(struct got *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->lines[i]);
}

TestSuite(logenc_files, .init = mkdir_tmp, .fini = rm_tmp);

Test(logenc_files, utf16be_with_bom)
{
	static const char be[] = "\xFE\xFF" "\0h\0\xE9\0\r\0\n" "\0x\0\r\0\n";
	struct got g = {0};
	read_lines("be.log", be, sizeof be - 1, &g);
	cr_assert_eq(g.n, 2);
	cr_assert_str_eq(g.lines[0], "h\xC3\xA9");
	cr_assert_eq(g.offs[0], 2);
	cr_assert_str_eq(g.lines[1], "x");
	cr_assert_eq(g.offs[1], 10);
	got_free(&g);
}

Test(logenc_files, utf16le_without_bom)
{
	static const char le[] = "M\0A\0R\0K\0E\0R\0-\0O\0N\0E\0\r\0\n\0" "z\0\r\0\n\0";
	struct got g = {0};
	read_lines("le.log", le, sizeof le - 1, &g);
	cr_assert_eq(g.n, 2);
	cr_assert_str_eq(g.lines[0], "MARKER-ONE");
	cr_assert_eq(g.offs[0], 0);
	cr_assert_str_eq(g.lines[1], "z");
	cr_assert_eq(g.offs[1], 24);
	got_free(&g);
}

Test(logenc_files, utf16be_without_bom)
{
	static const char be[] = "\0M\0A\0R\0K\0E\0R\0-\0T\0W\0O\0\r\0\n" "\0z\0\n";
	struct got g = {0};
	read_lines("be.log", be, sizeof be - 1, &g);
	cr_assert_eq(g.n, 2);
	cr_assert_str_eq(g.lines[0], "MARKER-TWO");
	cr_assert_str_eq(g.lines[1], "z");
	cr_assert_eq(g.offs[1], 24);
	got_free(&g);
}
