/* test_util.c — allocation helpers, strbuf, UTC formatting, SHA-256, atomic writes. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "steward/status.h"
#include "steward/util.h"

Test(strbuf, append_printf_take)
{
	struct strbuf sb = STRBUF_INIT;
	cr_assert_str_eq(sb_str(&sb), "");
	sb_puts(&sb, "abc");
	sb_putc(&sb, '-');
	sb_printf(&sb, "%d/%s", 42, "x");
	cr_assert_eq(sb.len, 8);
	cr_assert_str_eq(sb_str(&sb), "abc-42/x");
	char *s = sb_take(&sb);
	cr_assert_str_eq(s, "abc-42/x");
	cr_assert_null(sb.data);
	free(s);
	s = sb_take(&sb); /* empty buffer still gives a string */
	cr_assert_str_eq(s, "");
	free(s);
}

Test(strbuf, grows_past_initial_capacity)
{
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < 10000; i++)
		sb_putc(&sb, (char)('a' + i % 26));
	cr_assert_eq(sb.len, 10000);
	cr_assert_eq(sb.data[9999], (char)('a' + 9999 % 26));
	cr_assert_eq(sb.data[10000], '\0');
	sb_free(&sb);
}

Test(time, format_and_parse_roundtrip)
{
	char buf[32];
	util_format_utc_ms(1795309323456LL, buf);
	cr_assert_str_eq(buf, "2026-11-22T01:02:03.456Z");
	int64_t back = 0;
	cr_assert(util_parse_utc_ms(buf, &back));
	cr_assert_eq(back, 1795309323456LL);
	cr_assert_not(util_parse_utc_ms("2026-11-22 01:02:03", &back));
	cr_assert_not(util_parse_utc_ms("2026-11-22T01:02:03.456Zjunk", &back));
}

Test(time, override_is_resettable)
{
	util_clock_override(1000);
	cr_assert_eq(util_now_ms(), 1000);
	util_clock_override(0);
	cr_assert_gt(util_now_ms(), 1700000000000LL);
}

Test(sha256, known_vectors)
{
	char hex[65];
	util_sha256_hex("", 0, hex);
	cr_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	util_sha256_hex("abc", 3, hex);
	cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

Test(files, atomic_write_and_read_back)
{
	char dir[] = "/tmp/steward-util-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char *sub = xasprintf("%s/a/b/c", dir);
	cr_assert_eq(util_mkdir_p(sub, 0700), 0);
	cr_assert_eq(util_mkdir_p(sub, 0700), 0, "mkdir -p of an existing folder succeeds");
	char *path = xasprintf("%s/out.txt", sub);
	cr_assert_eq(util_write_file_atomic(path, "hello\n", 6, 0600), 0);
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	size_t len = 0;
	char *text = util_read_file(path, &len);
	cr_assert_eq(len, 6);
	cr_assert_str_eq(text, "hello\n");
	free(text);
	cr_assert_null(util_read_file("/nonexistent/steward", NULL));
	cr_assert_eq(errno, ENOENT);
	char *cmd = xasprintf("rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
	free(cmd);
	free(path);
	free(sub);
}

Test(status, set_returns_code_and_message)
{
	struct st_error err = {0};
	cr_assert_eq(st_set(&err, ST_TEMPFAIL, "held by pid %d", 42), ST_TEMPFAIL);
	cr_assert_eq(err.code, ST_TEMPFAIL);
	cr_assert_str_eq(err.msg, "held by pid 42");
	cr_assert_eq((int)ST_TEMPFAIL, 75);
	cr_assert_str_eq(st_code_text(ST_USAGE), "usage error");
}
