/* cmd_sessutil.c — see cmd_sessutil.h. */
#include "cmd_sessutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "steward/text.h"

json_t *sessutil_jtime(int64_t ms)
{
	char t[32];
	util_format_utc_ms(ms, t);
	return ms ? json_string(t) : json_null();
}

json_t *sessutil_jtext(const char *s)
{
	if (!s)
		return json_null();
	json_t *j = json_string(s);
	if (!j) {
		char *c = text_sanitize(s, strlen(s), 0);
		j = json_string(c);
		free(c);
	}
	return j;
}

void sessutil_col(const char *s, int w)
{
	char *clean = text_sanitize(s ? s : "", s ? strlen(s) : 0, 0);
	char *fit = text_ellipsize(clean, w, "~");
	int pad = w - text_width(fit);
	fputs(fit, stdout);
	printf("%*s  ", pad > 0 ? pad : 0, "");
	free(fit);
	free(clean);
}

int sessutil_fail(const struct st_error *err) { return cli_error(err->code, "%s", err->msg); }

int sessutil_open_store(const struct cli_ctx *ctx, enum store_mode mode, struct store **st)
{
	struct st_error err = {0};
	enum st_code rc = store_open(ctx->db_path, mode, st, &err);
	if (rc == ST_OK)
		return ST_OK;
	if (rc == ST_NOTFOUND)
		return cli_error(rc, "no session database at %s — start a session first (steward start "
				     "RUNBOOK), or give the database with --db PATH", ctx->db_path);
	return sessutil_fail(&err);
}

static void hold_for_tests(void)
{
	const char *e = getenv("STEWARD_TEST_HOLD_MS");
	long ms = e ? strtol(e, NULL, 10) : 0;
	if (ms <= 0)
		return;
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int sessutil_open(const struct cli_ctx *ctx, struct store *st, const char *id, enum session_mode mode,
		  struct session **s)
{
	struct st_error err = {0};
	enum st_code rc = session_open(st, id, mode, s, &err);
	if (rc != ST_OK)
		return sessutil_fail(&err);
	if (mode != SESSION_READ) {
		if ((*s)->runbook_changed)
			fprintf(stderr,
				"steward: note: the runbook file %s changed or is gone since session %s started — "
				"continuing on the stored version\n",
				(*s)->runbook_path, (*s)->id);
		session_set_actor(*s, ctx->op, ctx->host);
		if ((*s)->taken_over_host)
			fprintf(stderr, "steward: note: took session %s over from process %ld on %s\n", (*s)->id,
				(*s)->taken_over_pid, (*s)->taken_over_host);
		if ((rc = session_record_take_over(*s, &err)) != ST_OK) {
			session_close(*s);
			*s = NULL;
			return sessutil_fail(&err);
		}
		hold_for_tests();
	}
	return ST_OK;
}
