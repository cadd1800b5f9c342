/* sessfix.c — see sessfix.h. */
#include "sessfix.h"

#include <criterion/criterion.h>
#include <jansson.h>
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

/* ---- an independent replay ----------------------------------------------------------
 * The cached state and session_projection() both come from the fold under test
 * (sess_apply), so comparing them proves only that the incremental and the batch fold
 * agree. This replay reads the events as stored (the store's plain reader, no fold)
 * and folds them with rules written here, from what each event type means:
 *  - session_started: every step whose `when:` holds for the recorded variables is
 *    pending, the others not applicable; each log is at its recorded path;
 *  - step_activated: the step is active (activated at the event's time, nothing
 *    completed), a step that was active before is pending again; the first activation
 *    records where each log's window starts, which becomes the session's log position;
 *  - step_completed / step_overridden / step_verified: done by operator / override /
 *    markers; step_skipped: skipped; step_failed: failed; failure_seen: failed, unless
 *    it already was; each at the event's time, by its operator;
 *  - step_reopened: pending, nothing completed; positions_saved: the log positions;
 *    session_finished: finished at the event's time; every event is activity;
 *  - the active step is the one active, else the first applicable step not done or
 *    skipped; the head is the last event's seq and hash.
 */
static void ind_set_pos(struct store_log_row *row, const json_t *o)
{
	free(row->path);
	const json_t *p = json_object_get(o, "path");
	row->path = json_is_string(p) ? xstrdup(json_string_value(p)) : NULL;
	row->dev = (uint64_t)json_integer_value(json_object_get(o, "dev"));
	row->ino = (uint64_t)json_integer_value(json_object_get(o, "ino"));
	const json_t *size = json_object_get(o, "size");
	row->offset = (uint64_t)json_integer_value(size ? size : json_object_get(o, "offset"));
}

static void ind_step(struct store_step_row *r, const char *status, const char *by, int64_t at, const char *op)
{
	free(r->status);
	free(r->completed_by);
	free(r->op);
	r->status = xstrdup(status);
	r->completed_by = by ? xstrdup(by) : NULL;
	r->completed_ms = at;
	r->op = op ? xstrdup(op) : NULL;
}

static bool ind_applies(const struct rb_step *st, const json_t *vars)
{
	for (size_t w = 0; w < st->n_when; w++) {
		const char *v = json_string_value(json_object_get(vars, st->when[w].var));
		bool any = false;
		for (size_t k = 0; v && k < st->when[w].n_values; k++)
			any |= strcmp(v, st->when[w].values[k]) == 0;
		if (!any)
			return false;
	}
	return true;
}

struct ind_event {
	int64_t seq, at_ms;
	char *op, *type, *step, *data, hash[65];
};
struct ind_events {
	struct ind_event *v;
	size_t n;
};

static bool ind_collect(void *ctx, const struct store_event *ev)
{
	struct ind_events *c = ctx;
	c->v = xreallocarray(c->v, c->n + 1, sizeof *c->v);
	struct ind_event *e = &c->v[c->n++];
	*e = (struct ind_event){.seq = ev->seq, .at_ms = ev->at_ms, .op = xstrdup(ev->op), .type = xstrdup(ev->type),
				.step = ev->step ? xstrdup(ev->step) : NULL, .data = xstrdup(ev->data)};
	memcpy(e->hash, ev->hash, sizeof e->hash);
	return true;
}

static void ind_events_free(struct ind_events *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].op);
		free(c->v[i].type);
		free(c->v[i].step);
		free(c->v[i].data);
	}
	free(c->v);
}

static void independent_replay(const struct sfx *f, struct store_state *out)
{
	const struct runbook *rb = f->rb;
	memset(out, 0, sizeof *out);
	out->status = xstrdup("active");
	out->n_steps = rb->n_steps;
	out->steps = xcalloc(rb->n_steps + 1, sizeof *out->steps);
	for (size_t i = 0; i < rb->n_steps; i++) {
		out->steps[i].step_id = xstrdup(rb->steps[i].id);
		out->steps[i].status = xstrdup("pending");
	}
	out->n_logs = rb->n_logs;
	out->logs = xcalloc(rb->n_logs + 1, sizeof *out->logs);
	for (size_t l = 0; l < rb->n_logs; l++)
		out->logs[l].name = xstrdup(rb->logs[l].name);
	bool positioned = false;

	/* The rows as stored, through the store's plain reader (either backend): the fold
	 * below is what this replay is independent of. */
	struct ind_events evs = {0};
	struct st_error rerr = {0};
	cr_assert_eq(store_read_events(f->st, f->id, 0, ind_collect, &evs, &rerr), ST_OK, "%s", rerr.msg);
	for (size_t e = 0; e < evs.n; e++) {
		const struct ind_event *ev = &evs.v[e];
		int64_t seq = ev->seq, at = ev->at_ms;
		const char *op = ev->op, *type = ev->type, *step = ev->step;
		json_error_t je;
		json_t *d = json_loads(ev->data, 0, &je);
		cr_assert_not_null(d, "event %lld: %s", (long long)seq, je.text);
		out->head_seq = seq;
		snprintf(out->head_hash, sizeof out->head_hash, "%s", ev->hash);
		out->last_activity_ms = at;
		long i = step ? runbook_step_index(rb, step) : -1;
		struct store_step_row *r = i >= 0 ? &out->steps[i] : NULL;
		if (strcmp(type, "session_started") == 0) {
			for (size_t k = 0; k < rb->n_steps; k++)
				if (!ind_applies(&rb->steps[k], json_object_get(d, "variables")))
					ind_step(&out->steps[k], "not-applicable", NULL, 0, NULL);
			for (size_t l = 0; l < rb->n_logs; l++) {
				const char *p = json_string_value(json_object_get(json_object_get(d, "logs"), rb->logs[l].name));
				cr_assert_not_null(p, "the start event has no path for log %s", rb->logs[l].name);
				out->logs[l].path = xstrdup(p);
			}
		} else if (strcmp(type, "session_finished") == 0) {
			free(out->status);
			out->status = xstrdup("finished");
			out->finished_ms = at;
		} else if (strcmp(type, "positions_saved") == 0) {
			const json_t *logs = json_object_get(d, "logs");
			for (size_t l = 0; l < rb->n_logs && l < json_array_size(logs); l++)
				ind_set_pos(&out->logs[l], json_array_get(logs, l));
			positioned = true;
		} else if (r && strcmp(type, "step_activated") == 0) {
			for (size_t k = 0; k < rb->n_steps; k++)
				if ((long)k != i && strcmp(out->steps[k].status, "active") == 0) {
					free(out->steps[k].status);
					out->steps[k].status = xstrdup("pending");
				}
			ind_step(r, "active", NULL, 0, NULL);
			r->activated_ms = at;
			if (!positioned)
				for (size_t l = 0; l < rb->n_logs; l++)
					ind_set_pos(&out->logs[l], json_array_get(json_object_get(d, "logs"), l));
			positioned = true;
		} else if (r && strcmp(type, "step_completed") == 0) {
			ind_step(r, "done", "operator", at, op);
		} else if (r && strcmp(type, "step_overridden") == 0) {
			ind_step(r, "done", "override", at, op);
		} else if (r && strcmp(type, "step_verified") == 0) {
			ind_step(r, "done", "markers", at, op);
		} else if (r && strcmp(type, "step_skipped") == 0) {
			ind_step(r, "skipped", NULL, at, op);
		} else if (r && strcmp(type, "step_failed") == 0) {
			ind_step(r, "failed", NULL, at, op);
		} else if (r && strcmp(type, "failure_seen") == 0) {
			if (strcmp(r->status, "failed") != 0)
				ind_step(r, "failed", NULL, at, op);
		} else if (r && strcmp(type, "step_reopened") == 0) {
			ind_step(r, "pending", NULL, 0, NULL);
		}
		json_decref(d);
	}
	ind_events_free(&evs);

	long active = -1, open = -1;
	for (size_t k = 0; k < rb->n_steps; k++) {
		const char *st = out->steps[k].status;
		bool na = strcmp(st, "not-applicable") == 0;
		bool closed = strcmp(st, "done") == 0 || strcmp(st, "skipped") == 0;
		if (active < 0 && strcmp(st, "active") == 0)
			active = (long)k;
		if (open < 0 && !na && !closed)
			open = (long)k;
		out->n_applicable += !na;
		out->n_done += closed;
	}
	if (active < 0)
		active = open;
	out->active_step = active >= 0 ? xstrdup(rb->steps[active].id) : NULL;
}

static void assert_same_state(const struct store_state *want, const struct store_state *got, const char *what)
{
	cr_assert_str_eq(got->status, want->status, "%s: status", what);
	cr_assert_eq(got->finished_ms, want->finished_ms, "%s: finished_ms", what);
	cr_assert_eq(got->last_activity_ms, want->last_activity_ms, "%s: last_activity_ms", what);
	cr_assert_eq(got->n_done, want->n_done, "%s: %d done, the replay says %d", what, got->n_done, want->n_done);
	cr_assert_eq(got->n_applicable, want->n_applicable, "%s: n_applicable", what);
	cr_assert(util_streq(got->active_step, want->active_step), "%s: active %s, the replay says %s", what,
		  got->active_step ? got->active_step : "-", want->active_step ? want->active_step : "-");
	cr_assert_eq(got->head_seq, want->head_seq, "%s: head_seq", what);
	cr_assert_str_eq(got->head_hash, want->head_hash, "%s: head_hash", what);
	cr_assert_eq(got->n_steps, want->n_steps, "%s: steps", what);
	for (size_t i = 0; i < want->n_steps; i++) {
		const struct store_step_row *w = &want->steps[i], *g = &got->steps[i];
		cr_assert_str_eq(g->step_id, w->step_id, "%s: step %zu", what, i);
		cr_assert_str_eq(g->status, w->status, "%s: step %s", what, w->step_id);
		cr_assert(util_streq(g->completed_by, w->completed_by), "%s: step %s completed by %s, the replay says %s",
			  what, w->step_id, g->completed_by ? g->completed_by : "-", w->completed_by ? w->completed_by : "-");
		cr_assert_eq(g->activated_ms, w->activated_ms, "%s: step %s activated_ms", what, w->step_id);
		cr_assert_eq(g->completed_ms, w->completed_ms, "%s: step %s completed_ms", what, w->step_id);
		cr_assert(util_streq(g->op, w->op), "%s: step %s op %s, the replay says %s", what, w->step_id,
			  g->op ? g->op : "-", w->op ? w->op : "-");
	}
	cr_assert_eq(got->n_logs, want->n_logs, "%s: logs", what);
	for (size_t l = 0; l < want->n_logs; l++) {
		cr_assert_str_eq(got->logs[l].name, want->logs[l].name, "%s: log %zu", what, l);
		cr_assert(util_streq(got->logs[l].path, want->logs[l].path), "%s: log %s path", what, want->logs[l].name);
		cr_assert_eq(got->logs[l].dev, want->logs[l].dev, "%s: log %s dev", what, want->logs[l].name);
		cr_assert_eq(got->logs[l].ino, want->logs[l].ino, "%s: log %s ino", what, want->logs[l].name);
		cr_assert_eq(got->logs[l].offset, want->logs[l].offset, "%s: log %s offset", what, want->logs[l].name);
	}
}

void sfx_assert_projection(struct sfx *f)
{
	struct st_error err = {0};
	struct store_state want, replay, cached;
	independent_replay(f, &want);
	struct session *s = NULL;
	cr_assert_eq(session_open(f->st, f->id, SESSION_READ, &s, &err), ST_OK, "%s", err.msg);
	session_projection(s, &replay);
	cr_assert_eq(store_read_state(f->st, f->id, &cached, &err), ST_OK, "%s", err.msg);
	assert_same_state(&want, &replay, "the session's replay");
	assert_same_state(&want, &cached, "the cached state");
	store_state_free(&want);
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
