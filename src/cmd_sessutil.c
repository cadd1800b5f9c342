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
	return j ? j : json_string("");
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
	if (rc == ST_OK) {
		if (mode == STORE_WRITE) /* named in the lock rows: a refused writer learns who */
			store_set_operator(*st, ctx->op);
		return ST_OK;
	}
	if (rc == ST_NOTFOUND && !store_name_is_pg(ctx->db_path))
		return cli_error(rc, "no session database at %s — start a session first (steward start "
				     "RUNBOOK), or give the database with --db PATH", ctx->db_path);
	return sessutil_fail(&err);
}

/* Test builds only (the Makefile's TEST_HOOKS=1): the lock test holds the lock on purpose. */
static void hold_for_tests(void)
{
#ifdef STEWARD_TEST_HOOKS
	const char *e = getenv("STEWARD_TEST_HOLD_MS");
	long ms = e ? strtol(e, NULL, 10) : 0;
	if (ms <= 0)
		return;
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
#endif
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
		long pid;
		const char *was = session_taken_over(*s, &pid, NULL);
		if (was)
			fprintf(stderr, "steward: note: took session %s over from process %ld on %s\n", (*s)->id, pid,
				was);
		if (session_record_take_over(*s, &err) != ST_OK) {
			session_close(*s);
			*s = NULL;
			return sessutil_fail(&err);
		}
		hold_for_tests();
	}
	return ST_OK;
}

/* Every --var names a declared variable and holds a valid value. */
int sessutil_check_vars(const struct runbook *rb, const struct varmap *vm)
{
	for (size_t i = 0; i < vm->n; i++) {
		const struct rb_variable *var = runbook_variable(rb, vm->names[i]);
		if (!var) {
			char *why = runbook_no_such_name(rb, RB_NAMED_VARIABLE, vm->names[i]);
			int rc = cli_error(ST_USAGE, "--var %s: %s", vm->names[i], why);
			free(why);
			return rc;
		}
		char *why = vars_check_value(var, vm->values[i]);
		if (why) {
			int rc = cli_error(ST_INVALID, "--var %s: %s", vm->names[i], why);
			free(why);
			return rc;
		}
	}
	return ST_OK;
}

/* --detach, replay: nothing can be asked later, so every variable needs a value now. */
int sessutil_require_vars(const struct runbook *rb, struct varmap *vm)
{
	struct strbuf missing = STRBUF_INIT;
	for (size_t k = 0; k < rb->n_variables; k++) {
		const struct rb_variable *var = &rb->variables[k];
		if (!var->def && !varmap_get(vm, var->name))
			sb_printf(&missing, "%s%s (%s)", missing.len ? ", " : "", var->name, var->prompt);
	}
	if (missing.len) {
		int rc = cli_error(ST_USAGE, "missing variables for runbook %s: %s — give each with --var NAME=VALUE",
				   rb->id, sb_str(&missing));
		sb_free(&missing);
		return rc;
	}
	char **problems = NULL;
	size_t n = 0;
	int rc = ST_OK;
	if (!vars_complete(rb, vm, &problems, &n)) {
		for (size_t i = 0; i < n; i++)
			cli_error(ST_INVALID, "%s", problems[i]);
		rc = ST_INVALID;
	}
	for (size_t i = 0; i < n; i++)
		free(problems[i]);
	free(problems);
	return rc;
}
