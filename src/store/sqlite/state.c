/*
 * state.c — the cached state of a session (its row's projection columns, step
 * states, log read positions), replaced in the transaction that appended the events it
 * follows from; and the one-query listing of sessions for `sessions` and the TUI.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_priv.h"

/* ---------- cached state ---------- */

/* The glance columns, from column i on: known, skipped, failed, n/a, total, site,
 * overdue step, overdue at. */
static void col_glance(sqlite3_stmt *s, int i, struct store_glance *g)
{
	*g = (struct store_glance){
		.known = sqlite3_column_int(s, i) != 0, .n_skipped = sqlite3_column_int(s, i + 1),
		.n_failed = sqlite3_column_int(s, i + 2), .n_na = sqlite3_column_int(s, i + 3),
		.n_total = sqlite3_column_int(s, i + 4), .site = sq_col_text(s, i + 5),
		.overdue_step = sq_col_text(s, i + 6), .overdue_at_ms = sqlite3_column_int64(s, i + 7)};
}

static enum st_code run_done(struct sq_store *st, sqlite3_stmt *s, struct st_error *err, const char *what)
{
	enum st_code rc = ST_OK;
	if (sqlite3_step(s) != SQLITE_DONE)
		rc = sq_error(st, err, what);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc;
}

enum st_code sq_put_state(struct store *base, const char *sid, const struct store_state *ss,
			     struct st_error *err)
{
	struct sq_store *st = sq_of(base);
	enum st_code rc;
	sqlite3_stmt *s = sq_prep(st,
			       "UPDATE sessions SET status = ?2, finished_ms = ?3, last_activity_ms = ?4,"
			       " n_done = ?5, n_applicable = ?6, active_step = ?7, head_seq = ?8,"
			       " head_hash = ?9, glance_known = 1, n_skipped = ?10, n_failed = ?11,"
			       " n_na = ?12, n_total = ?13, site = ?14, overdue_step = ?15,"
			       " overdue_at_ms = ?16 WHERE id = ?1",
			       err, &rc);
	if (!s)
		return rc;
	sq_bind_text(s, 1, sid);
	sq_bind_text(s, 2, ss->status);
	sqlite3_bind_int64(s, 3, ss->finished_ms);
	sqlite3_bind_int64(s, 4, ss->last_activity_ms);
	sqlite3_bind_int(s, 5, ss->n_done);
	sqlite3_bind_int(s, 6, ss->n_applicable);
	sq_bind_text(s, 7, ss->active_step);
	sqlite3_bind_int64(s, 8, ss->head_seq);
	sq_bind_text(s, 9, ss->head_hash);
	sqlite3_bind_int(s, 10, ss->glance.n_skipped);
	sqlite3_bind_int(s, 11, ss->glance.n_failed);
	sqlite3_bind_int(s, 12, ss->glance.n_na);
	sqlite3_bind_int(s, 13, ss->glance.n_total);
	sq_bind_text(s, 14, ss->glance.site);
	sq_bind_text(s, 15, ss->glance.overdue_step);
	sqlite3_bind_int64(s, 16, ss->glance.overdue_at_ms);
	rc = run_done(st, s, err, "updating the session state");
	sq_done(s);
	if (rc != ST_OK)
		return rc;

	s = sq_prep(st,
		 "INSERT INTO step_states (session_id, idx, step_id, status, completed_by, activated_ms,"
		 " completed_ms, operator) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
		 " ON CONFLICT (session_id, idx) DO UPDATE SET step_id = excluded.step_id,"
		 " status = excluded.status, completed_by = excluded.completed_by,"
		 " activated_ms = excluded.activated_ms, completed_ms = excluded.completed_ms,"
		 " operator = excluded.operator"
		 /* rows that did not change are not rewritten: fewer pages in every commit */
		 " WHERE (step_id, status, completed_by, activated_ms, completed_ms, operator)"
		 " IS NOT (excluded.step_id, excluded.status, excluded.completed_by,"
		 " excluded.activated_ms, excluded.completed_ms, excluded.operator)",
		 err, &rc);
	if (!s)
		return rc;
	for (size_t i = 0; i < ss->n_steps && rc == ST_OK; i++) {
		const struct store_step_row *r = &ss->steps[i];
		sq_bind_text(s, 1, sid);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)i);
		sq_bind_text(s, 3, r->step_id);
		sq_bind_text(s, 4, r->status);
		sq_bind_text(s, 5, r->completed_by);
		sqlite3_bind_int64(s, 6, r->activated_ms);
		sqlite3_bind_int64(s, 7, r->completed_ms);
		sq_bind_text(s, 8, r->op);
		rc = run_done(st, s, err, "updating step states");
	}
	sq_done(s);
	if (rc != ST_OK)
		return rc;

	s = sq_prep(st,
		 "INSERT INTO log_positions (session_id, idx, name, path, dev, ino, offset)"
		 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
		 " ON CONFLICT (session_id, idx) DO UPDATE SET name = excluded.name,"
		 " path = excluded.path, dev = excluded.dev, ino = excluded.ino, offset = excluded.offset"
		 " WHERE (name, path, dev, ino, offset)"
		 " IS NOT (excluded.name, excluded.path, excluded.dev, excluded.ino, excluded.offset)",
		 err, &rc);
	if (!s)
		return rc;
	for (size_t i = 0; i < ss->n_logs && rc == ST_OK; i++) {
		const struct store_log_row *r = &ss->logs[i];
		sq_bind_text(s, 1, sid);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)i);
		sq_bind_text(s, 3, r->name);
		sq_bind_text(s, 4, r->path);
		sqlite3_bind_int64(s, 5, (sqlite3_int64)r->dev);
		sqlite3_bind_int64(s, 6, (sqlite3_int64)r->ino);
		sqlite3_bind_int64(s, 7, (sqlite3_int64)r->offset);
		rc = run_done(st, s, err, "updating log positions");
	}
	sq_done(s);
	return rc;
}

enum st_code sq_read_state(struct store *base, const char *sid, struct store_state *out,
			      struct st_error *err)
{
	struct sq_store *st = sq_of(base);
	memset(out, 0, sizeof *out);
	if (!sq_has_schema(st))
		return st_set(err, ST_NOTFOUND, "no session %s in %s", sid, st->base.path);
	enum st_code rc;
	/* A reader of a database no writer has migrated yet sees schema 1: no glance. */
	sqlite3_stmt *s = sq_prep(st,
			       st->schema >= 2
				       ? "SELECT status, finished_ms, last_activity_ms, n_done, n_applicable,"
					 " active_step, head_seq, head_hash, glance_known, n_skipped, n_failed,"
					 " n_na, n_total, site, overdue_step, overdue_at_ms"
					 " FROM sessions WHERE id = ?1"
				       : "SELECT status, finished_ms, last_activity_ms, n_done, n_applicable,"
					 " active_step, head_seq, head_hash FROM sessions WHERE id = ?1",
			       err, &rc);
	if (!s)
		return rc;
	sq_bind_text(s, 1, sid);
	int step = sqlite3_step(s);
	if (step == SQLITE_ROW) {
		out->status = sq_col_text(s, 0);
		out->finished_ms = sqlite3_column_int64(s, 1);
		out->last_activity_ms = sqlite3_column_int64(s, 2);
		out->n_done = sqlite3_column_int(s, 3);
		out->n_applicable = sqlite3_column_int(s, 4);
		out->active_step = sq_col_text(s, 5);
		out->head_seq = sqlite3_column_int64(s, 6);
		sq_col_hash(s, 7, out->head_hash);
		if (st->schema >= 2)
			col_glance(s, 8, &out->glance);
	} else if (step == SQLITE_DONE) {
		rc = st_set(err, ST_NOTFOUND, "no session %s in %s", sid, st->base.path);
	} else {
		rc = sq_error(st, err, "reading the session state");
	}
	sq_done(s);
	if (rc != ST_OK)
		return rc;

	s = sq_prep(st,
		 "SELECT step_id, status, completed_by, activated_ms, completed_ms, operator"
		 " FROM step_states WHERE session_id = ?1 ORDER BY idx",
		 err, &rc);
	if (!s)
		goto fail;
	sq_bind_text(s, 1, sid);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		out->steps = xreallocarray(out->steps, out->n_steps + 1, sizeof *out->steps);
		struct store_step_row *r = &out->steps[out->n_steps++];
		r->step_id = sq_col_text(s, 0);
		r->status = sq_col_text(s, 1);
		r->completed_by = sq_col_text(s, 2);
		r->activated_ms = sqlite3_column_int64(s, 3);
		r->completed_ms = sqlite3_column_int64(s, 4);
		r->op = sq_col_text(s, 5);
	}
	if (step != SQLITE_DONE)
		rc = sq_error(st, err, "reading step states");
	sq_done(s);
	if (rc != ST_OK)
		goto fail;

	s = sq_prep(st,
		 "SELECT name, path, dev, ino, offset FROM log_positions WHERE session_id = ?1 ORDER BY idx",
		 err, &rc);
	if (!s)
		goto fail;
	sq_bind_text(s, 1, sid);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		out->logs = xreallocarray(out->logs, out->n_logs + 1, sizeof *out->logs);
		struct store_log_row *r = &out->logs[out->n_logs++];
		r->name = sq_col_text(s, 0);
		r->path = sq_col_text(s, 1);
		r->dev = (uint64_t)sqlite3_column_int64(s, 2);
		r->ino = (uint64_t)sqlite3_column_int64(s, 3);
		r->offset = (uint64_t)sqlite3_column_int64(s, 4);
	}
	if (step != SQLITE_DONE)
		rc = sq_error(st, err, "reading log positions");
	sq_done(s);
	if (rc == ST_OK)
		return ST_OK;
fail:
	store_state_free(out);
	return rc;
}

enum st_code sq_list(struct store *base, bool include_finished, struct store_summary **rows, size_t *n,
			struct st_error *err)
{
	struct sq_store *st = sq_of(base);
	*rows = NULL;
	*n = 0;
	if (!sq_has_schema(st))
		return ST_OK;
	enum st_code rc;
	sqlite3_stmt *s = sq_prep(st,
			       st->schema >= 2
				       ? "SELECT id, label, runbook_id, runbook_title, status, rehearsal, n_done,"
					 " n_applicable, started_ms, last_activity_ms, active_step, glance_known, n_skipped,"
					 " n_failed, n_na, n_total, site, overdue_step, overdue_at_ms FROM sessions"
					 " WHERE ?1 OR status <> 'finished' ORDER BY last_activity_ms DESC, id DESC"
				       : "SELECT id, label, runbook_id, runbook_title, status, rehearsal, n_done,"
					 " n_applicable, started_ms, last_activity_ms, active_step FROM sessions"
					 " WHERE ?1 OR status <> 'finished' ORDER BY last_activity_ms DESC, id DESC",
			       err, &rc);
	if (!s)
		return rc;
	sqlite3_bind_int(s, 1, include_finished ? 1 : 0);
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		*rows = xreallocarray(*rows, *n + 1, sizeof **rows);
		struct store_summary *r = &(*rows)[(*n)++];
		*r = (struct store_summary){0};
		r->id = sq_col_text(s, 0);
		r->label = sq_col_text(s, 1);
		r->runbook_id = sq_col_text(s, 2);
		r->runbook_title = sq_col_text(s, 3);
		r->status = sq_col_text(s, 4);
		r->rehearsal = sqlite3_column_int(s, 5) != 0;
		r->n_done = sqlite3_column_int(s, 6);
		r->n_applicable = sqlite3_column_int(s, 7);
		r->started_ms = sqlite3_column_int64(s, 8);
		r->last_activity_ms = sqlite3_column_int64(s, 9);
		r->active_step = sq_col_text(s, 10);
		if (st->schema >= 2)
			col_glance(s, 11, &r->glance);
	}
	if (step != SQLITE_DONE)
		rc = sq_error(st, err, "listing sessions");
	sq_done(s);
	return rc;
}
