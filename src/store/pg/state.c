/*
 * state.c — the cached state of a session on PostgreSQL (its row's projection columns,
 * step states, log read positions), replaced in the transaction that appended the events
 * it follows from; and the one-query listing of sessions for `sessions` and the TUI.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_priv.h"

/* The glance columns from column c on: known, skipped, failed, n/a, total, site, overdue
 * step, overdue at. */
static void col_glance(PGresult *r, int row, int c, struct store_glance *g)
{
	*g = (struct store_glance){.known = strcmp(PQgetvalue(r, row, c), "t") == 0,
				   .n_skipped = (int)pg_int(r, row, c + 1), .n_failed = (int)pg_int(r, row, c + 2),
				   .n_na = (int)pg_int(r, row, c + 3), .n_total = (int)pg_int(r, row, c + 4),
				   .site = pg_text(r, row, c + 5), .overdue_step = pg_text(r, row, c + 6),
				   .overdue_at_ms = pg_int(r, row, c + 7)};
}

enum st_code pg_put_state(struct store *base, const char *sid, const struct store_state *ss, struct st_error *err)
{
	struct pg_store *st = pg_of(base);
	char fin[24], last[24], done[24], appl[24], head[24], skip[24], fail[24], na[24], tot[24], due[24];
	const struct store_glance *g = &ss->glance;
	const char *p[16] = {sid,
			    ss->status,
			    pg_i64(fin, ss->finished_ms),
			    pg_i64(last, ss->last_activity_ms),
			    pg_i64(done, ss->n_done),
			    pg_i64(appl, ss->n_applicable),
			    ss->active_step,
			    pg_i64(head, ss->head_seq),
			    ss->head_hash,
			    pg_i64(skip, g->n_skipped),
			    pg_i64(fail, g->n_failed),
			    pg_i64(na, g->n_na),
			    pg_i64(tot, g->n_total),
			    g->site,
			    g->overdue_step,
			    pg_i64(due, g->overdue_at_ms)};
	enum st_code rc = pg_run(st,
				 "UPDATE sessions SET status = $2, finished_ms = $3::bigint,"
				 " last_activity_ms = $4::bigint, n_done = $5::integer, n_applicable = $6::integer,"
				 " active_step = $7, head_seq = $8::bigint, head_hash = $9, glance_known = true,"
				 " n_skipped = $10::integer, n_failed = $11::integer, n_na = $12::integer,"
				 " n_total = $13::integer, site = $14, overdue_step = $15, overdue_at_ms = $16::bigint"
				 " WHERE id = $1",
				 16, p, err, "updating the session state");
	for (size_t i = 0; i < ss->n_steps && rc == ST_OK; i++) {
		const struct store_step_row *r = &ss->steps[i];
		char idx[24], act[24], comp[24];
		const char *q[8] = {sid,
				    pg_i64(idx, (int64_t)i),
				    r->step_id,
				    r->status,
				    r->completed_by,
				    pg_i64(act, r->activated_ms),
				    pg_i64(comp, r->completed_ms),
				    r->op};
		/* rows that did not change are not rewritten */
		rc = pg_run(st,
			    "INSERT INTO step_states AS s (session_id, idx, step_id, status, completed_by,"
			    " activated_ms, completed_ms, operator)"
			    " VALUES ($1, $2::integer, $3, $4, $5, $6::bigint, $7::bigint, $8)"
			    " ON CONFLICT (session_id, idx) DO UPDATE SET step_id = excluded.step_id,"
			    " status = excluded.status, completed_by = excluded.completed_by,"
			    " activated_ms = excluded.activated_ms, completed_ms = excluded.completed_ms,"
			    " operator = excluded.operator"
			    " WHERE (s.step_id, s.status, s.completed_by, s.activated_ms, s.completed_ms, s.operator)"
			    " IS DISTINCT FROM (excluded.step_id, excluded.status, excluded.completed_by,"
			    " excluded.activated_ms, excluded.completed_ms, excluded.operator)",
			    8, q, err, "updating step states");
	}
	for (size_t i = 0; i < ss->n_logs && rc == ST_OK; i++) {
		const struct store_log_row *r = &ss->logs[i];
		char idx[24], dev[24], ino[24], off[24];
		const char *q[7] = {sid,
				    pg_i64(idx, (int64_t)i),
				    r->name,
				    r->path,
				    pg_i64(dev, (int64_t)r->dev),
				    pg_i64(ino, (int64_t)r->ino),
				    pg_i64(off, (int64_t)r->offset)};
		rc = pg_run(st,
			    "INSERT INTO log_positions AS l (session_id, idx, name, path, dev, ino, \"offset\")"
			    " VALUES ($1, $2::integer, $3, $4, $5::bigint, $6::bigint, $7::bigint)"
			    " ON CONFLICT (session_id, idx) DO UPDATE SET name = excluded.name,"
			    " path = excluded.path, dev = excluded.dev, ino = excluded.ino,"
			    " \"offset\" = excluded.\"offset\""
			    " WHERE (l.name, l.path, l.dev, l.ino, l.\"offset\")"
			    " IS DISTINCT FROM (excluded.name, excluded.path, excluded.dev, excluded.ino,"
			    " excluded.\"offset\")",
			    7, q, err, "updating log positions");
	}
	return rc;
}

enum st_code pg_read_state(struct store *base, const char *sid, struct store_state *out, struct st_error *err)
{
	struct pg_store *st = pg_of(base);
	memset(out, 0, sizeof *out);
	if (!pg_has_schema(st))
		return st_set(err, ST_NOTFOUND, "no session %s in the PostgreSQL %s", sid, st->server);
	enum st_code rc;
	const char *p[1] = {sid};
	PGresult *r = pg_exec(st,
			      "SELECT status, finished_ms, last_activity_ms, n_done, n_applicable,"
			      " active_step, head_seq, head_hash, glance_known, n_skipped, n_failed, n_na,"
			      " n_total, site, overdue_step, overdue_at_ms FROM sessions WHERE id = $1",
			      1, p, err, &rc, "reading the session state");
	if (!r)
		return rc;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return st_set(err, ST_NOTFOUND, "no session %s in the PostgreSQL %s", sid, st->server);
	}
	out->status = pg_text(r, 0, 0);
	out->finished_ms = pg_int(r, 0, 1);
	out->last_activity_ms = pg_int(r, 0, 2);
	out->n_done = (int)pg_int(r, 0, 3);
	out->n_applicable = (int)pg_int(r, 0, 4);
	out->active_step = pg_text(r, 0, 5);
	out->head_seq = pg_int(r, 0, 6);
	pg_hash(r, 0, 7, out->head_hash);
	col_glance(r, 0, 8, &out->glance);
	PQclear(r);

	r = pg_exec(st,
		    "SELECT step_id, status, completed_by, activated_ms, completed_ms, operator"
		    " FROM step_states WHERE session_id = $1 ORDER BY idx",
		    1, p, err, &rc, "reading step states");
	if (!r)
		goto fail;
	int n = PQntuples(r);
	out->steps = n ? xcalloc((size_t)n, sizeof *out->steps) : NULL;
	for (int i = 0; i < n; i++) {
		struct store_step_row *s = &out->steps[out->n_steps++];
		s->step_id = pg_text(r, i, 0);
		s->status = pg_text(r, i, 1);
		s->completed_by = pg_text(r, i, 2);
		s->activated_ms = pg_int(r, i, 3);
		s->completed_ms = pg_int(r, i, 4);
		s->op = pg_text(r, i, 5);
	}
	PQclear(r);

	r = pg_exec(st,
		    "SELECT name, path, dev, ino, \"offset\" FROM log_positions WHERE session_id = $1 ORDER BY idx",
		    1, p, err, &rc, "reading log positions");
	if (!r)
		goto fail;
	n = PQntuples(r);
	out->logs = n ? xcalloc((size_t)n, sizeof *out->logs) : NULL;
	for (int i = 0; i < n; i++) {
		struct store_log_row *l = &out->logs[out->n_logs++];
		l->name = pg_text(r, i, 0);
		l->path = pg_text(r, i, 1);
		l->dev = (uint64_t)pg_int(r, i, 2);
		l->ino = (uint64_t)pg_int(r, i, 3);
		l->offset = (uint64_t)pg_int(r, i, 4);
	}
	PQclear(r);
	return ST_OK;
fail:
	store_state_free(out);
	return rc;
}

enum st_code pg_list(struct store *base, bool include_finished, struct store_summary **rows, size_t *n,
		     struct st_error *err)
{
	struct pg_store *st = pg_of(base);
	*rows = NULL;
	*n = 0;
	if (!pg_has_schema(st))
		return ST_OK;
	enum st_code rc;
	const char *p[1] = {include_finished ? "true" : "false"};
	PGresult *r = pg_exec(st,
			      "SELECT id, label, runbook_id, runbook_title, status, rehearsal, n_done,"
			      " n_applicable, started_ms, last_activity_ms, active_step, glance_known, n_skipped,"
			      " n_failed, n_na, n_total, site, overdue_step, overdue_at_ms FROM sessions"
			      " WHERE $1::boolean OR status <> 'finished' ORDER BY last_activity_ms DESC, id DESC",
			      1, p, err, &rc, "listing sessions");
	if (!r)
		return rc;
	int k = PQntuples(r);
	*rows = k ? xcalloc((size_t)k, sizeof **rows) : NULL;
	for (int i = 0; i < k; i++) {
		struct store_summary *s = &(*rows)[(*n)++];
		s->id = pg_text(r, i, 0);
		s->label = pg_text(r, i, 1);
		s->runbook_id = pg_text(r, i, 2);
		s->runbook_title = pg_text(r, i, 3);
		s->status = pg_text(r, i, 4);
		s->rehearsal = strcmp(PQgetvalue(r, i, 5), "t") == 0;
		s->n_done = (int)pg_int(r, i, 6);
		s->n_applicable = (int)pg_int(r, i, 7);
		s->started_ms = pg_int(r, i, 8);
		s->last_activity_ms = pg_int(r, i, 9);
		s->active_step = pg_text(r, i, 10);
		col_glance(r, i, 11, &s->glance);
	}
	PQclear(r);
	return ST_OK;
}
