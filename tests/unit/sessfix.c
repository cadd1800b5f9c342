/* sessfix.c — see sessfix.h. */
#include "sessfix.h"

#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pgfix.h"
#include "steward/util.h"

bool sfx_is_pg(void) { return pgfix_backend_is_pg(); }

char *sfx_path(const struct sfx *f, const char *name) { return xasprintf("%s/%s", f->dir, name); }

void sfx_init(struct sfx *f, const char *fixture)
{
	memset(f, 0, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/steward-test-XXXXXX");
	cr_assert_not_null(mkdtemp(f->dir));
	f->now = SFX_T0;
	util_clock_override(f->now);
	char *src = xasprintf("%s/tests/unit/fixtures/session/%s", STEWARD_SOURCE_DIR, fixture);
	size_t len;
	char *text = util_read_file(src, &len);
	cr_assert_not_null(text, "cannot read %s", src);
	f->rb_path = sfx_path(f, fixture);
	cr_assert_eq(util_write_file_atomic(f->rb_path, text, len, 0644), 0);
	free(text);
	free(src);
	struct rb_diags d = {0};
	int r = runbook_load_file(f->rb_path, &f->rb, &d);
	cr_assert_eq(r, 0, "fixture %s: %s", fixture, d.n ? d.items[0].msg : "?");
	rb_diags_free(&d);
	f->db = pgfix_backend_is_pg() ? pgfix_new_schema(&f->pg_schema) : sfx_path(f, "state/steward.db");
	struct st_error err = {0};
	cr_assert_eq(store_open(f->db, STORE_WRITE, &f->st, &err), ST_OK, "%s", err.msg);
}

void sfx_start(struct sfx *f, const char *replication)
{
	struct varmap vm = {0};
	varmap_set(&vm, "site_code", "ABC");
	if (replication)
		varmap_set(&vm, "replication", replication);
	char **problems = NULL;
	size_t np = 0;
	cr_assert(vars_complete(f->rb, &vm, &problems, &np));
	free(problems);
	struct session_params p = {.vars = &vm, .log_dir = f->dir, .label = "test run", .op = "alice",
				   .rehearsal = f->rehearsal};
	struct st_error err = {0};
	cr_assert_eq(session_create(f->st, f->rb, &p, &f->id, &err), ST_OK, "%s", err.msg);
	varmap_free(&vm);
}

struct session *sfx_open(struct sfx *f)
{
	struct session *s = NULL;
	struct st_error err = {0};
	cr_assert_eq(session_open(f->st, f->id, SESSION_WRITE, &s, &err), ST_OK, "%s", err.msg);
	session_set_actor(s, "bob", "testhost");
	return s;
}

void sfx_advance(struct sfx *f, int64_t ms)
{
	f->now += ms;
	util_clock_override(f->now);
}

void sfx_append_log(struct sfx *f, const char *file, const char *text)
{
	char *p = sfx_path(f, file);
	FILE *fp = fopen(p, "a");
	cr_assert_not_null(fp);
	fputs(text, fp);
	fclose(fp);
	free(p);
}

#define SQLITE_TRIGGERS_OFF "DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;"
#define SQLITE_TRIGGERS_ON                                                                             \
	"CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'x'); END;" \
	"CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'x'); END;"

char *sfx_sql_error(const struct sfx *f, const char *sql)
{
	bool unlocked = strncmp(sql, SFX_UNLOCKED, strlen(SFX_UNLOCKED)) == 0;
	if (f->pg_schema) {
		char *full = xasprintf("%s%s", unlocked ? "SET session_replication_role = replica;" : "", sql);
		char *msg = pgfix_exec(f->db, full);
		free(full);
		return msg;
	}
	char *full = unlocked ? xasprintf(SQLITE_TRIGGERS_OFF "%s" SQLITE_TRIGGERS_ON, sql) : xstrdup(sql);
	sqlite3 *db = NULL;
	cr_assert_eq(sqlite3_open(f->db, &db), SQLITE_OK);
	char *msg = NULL, *out = NULL;
	if (sqlite3_exec(db, full, NULL, NULL, &msg) != SQLITE_OK)
		out = xstrdup(msg ? msg : "?");
	sqlite3_free(msg);
	sqlite3_close(db);
	free(full);
	return out;
}

void sfx_sql(const struct sfx *f, const char *sql)
{
	char *msg = sfx_sql_error(f, sql);
	cr_assert_null(msg, "%s: %s", sql, msg);
}

void sfx_assert_projection(struct sfx *f)
{
	struct st_error err = {0};
	struct session *s = NULL;
	cr_assert_eq(session_open(f->st, f->id, SESSION_READ, &s, &err), ST_OK, "%s", err.msg);
	struct store_state replay, cached;
	session_projection(s, &replay);
	cr_assert_eq(store_read_state(f->st, f->id, &cached, &err), ST_OK, "%s", err.msg);
	cr_assert_str_eq(replay.status, cached.status);
	cr_assert_eq(replay.finished_ms, cached.finished_ms);
	cr_assert_eq(replay.last_activity_ms, cached.last_activity_ms);
	cr_assert_eq(replay.n_done, cached.n_done);
	cr_assert_eq(replay.n_applicable, cached.n_applicable);
	cr_assert(util_streq(replay.active_step, cached.active_step), "active %s vs %s",
		  replay.active_step ? replay.active_step : "-", cached.active_step ? cached.active_step : "-");
	cr_assert_eq(replay.head_seq, cached.head_seq);
	cr_assert_str_eq(replay.head_hash, cached.head_hash);
	cr_assert_eq(replay.n_steps, cached.n_steps);
	for (size_t i = 0; i < replay.n_steps; i++) {
		cr_assert_str_eq(replay.steps[i].step_id, cached.steps[i].step_id);
		cr_assert_str_eq(replay.steps[i].status, cached.steps[i].status, "step %zu", i);
		cr_assert(util_streq(replay.steps[i].completed_by, cached.steps[i].completed_by));
		cr_assert_eq(replay.steps[i].activated_ms, cached.steps[i].activated_ms);
		cr_assert_eq(replay.steps[i].completed_ms, cached.steps[i].completed_ms);
		cr_assert(util_streq(replay.steps[i].op, cached.steps[i].op));
	}
	cr_assert_eq(replay.n_logs, cached.n_logs);
	for (size_t l = 0; l < replay.n_logs; l++) {
		cr_assert_str_eq(replay.logs[l].name, cached.logs[l].name);
		cr_assert(util_streq(replay.logs[l].path, cached.logs[l].path));
		cr_assert_eq(replay.logs[l].dev, cached.logs[l].dev);
		cr_assert_eq(replay.logs[l].ino, cached.logs[l].ino);
		cr_assert_eq(replay.logs[l].offset, cached.logs[l].offset);
	}
	store_state_free(&replay);
	store_state_free(&cached);
	cr_assert_eq(session_verify_cache(s, &err), ST_OK, "%s", err.msg);
	session_close(s);
}

void sfx_fini(struct sfx *f)
{
	store_close(f->st);
	f->st = NULL;
	if (f->pg_schema)
		pgfix_drop_schema(f->pg_schema);
	free(f->pg_schema);
	runbook_free(f->rb);
	char *cmd = xasprintf("rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(cmd);
	free(f->db);
	free(f->rb_path);
	free(f->id);
	util_clock_override(0);
}
