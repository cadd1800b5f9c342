/*
 * events.c — session rows on PostgreSQL (written once at start; resolved by id or prefix)
 * and the append-only, hash-chained event log: appending one event inside a transaction,
 * reading them in order (the hash itself is computed in ../event_hash.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_priv.h"

/* ---------- sessions ---------- */

enum st_code pg_insert_session(struct store *base, const struct store_session *r, struct st_error *err)
{
	struct pg_store *st = pg_of(base);
	char started[24];
	const char *p[11] = {r->id,
			     r->label,
			     r->op,
			     r->host,
			     r->rehearsal ? "true" : "false",
			     pg_i64(started, r->started_ms),
			     r->runbook_id,
			     r->runbook_title,
			     r->runbook_version,
			     r->runbook_path,
			     r->runbook_sha256};
	/* ON CONFLICT DO NOTHING: a taken id is told by the count, and the transaction
	 * stays usable for the caller's retry with another id. */
	enum st_code rc;
	PGresult *res = pg_exec(st,
				"INSERT INTO sessions (id, label, operator, host, rehearsal, started_ms,"
				" runbook_id, runbook_title, runbook_version, runbook_path, runbook_sha256,"
				" last_activity_ms)"
				" VALUES ($1, $2, $3, $4, $5::boolean, $6::bigint, $7, $8, $9, $10, $11, $6::bigint)"
				" ON CONFLICT (id) DO NOTHING",
				11, p, err, &rc, "creating the session");
	if (!res)
		return rc;
	bool taken = strcmp(PQcmdTuples(res), "0") == 0;
	PQclear(res);
	if (taken)
		return st_set(err, ST_TEMPFAIL, "session id %s is taken", r->id);
	/* The runbook text is bytes (bytea), sent in binary: what was loaded is what is kept. */
	const char *vals[2] = {r->id, r->runbook_text ? r->runbook_text : ""};
	int lens[2] = {0, (int)r->runbook_text_len};
	int fmts[2] = {0, 1};
	res = PQexecParams(st->conn, "INSERT INTO session_runbooks (session_id, text) VALUES ($1, $2::bytea)", 2,
			   NULL, vals, lens, fmts, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = pg_fail(st, res, err, "storing the session's runbook");
	PQclear(res);
	return rc;
}

static enum st_code no_session(struct pg_store *st, const char *id, struct st_error *err)
{
	return st_set(err, ST_NOTFOUND, "no session %s in the PostgreSQL %s — `steward sessions --all` lists them",
		      id, st->server);
}

enum st_code pg_read_session(struct store *base, const char *id, struct store_session *out, struct st_error *err)
{
	struct pg_store *st = pg_of(base);
	memset(out, 0, sizeof *out);
	if (!pg_has_schema(st))
		return no_session(st, id, err);
	enum st_code rc;
	const char *p[1] = {id};
	PGresult *r = pg_exec(st,
			      "SELECT id, label, operator, host, rehearsal, started_ms, runbook_id,"
			      " runbook_title, runbook_version, runbook_path, runbook_sha256"
			      " FROM sessions WHERE id = $1",
			      1, p, err, &rc, "reading a session");
	if (!r)
		return rc;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return no_session(st, id, err);
	}
	out->id = pg_text(r, 0, 0);
	out->label = pg_text(r, 0, 1);
	out->op = pg_text(r, 0, 2);
	out->host = pg_text(r, 0, 3);
	out->rehearsal = strcmp(PQgetvalue(r, 0, 4), "t") == 0;
	out->started_ms = pg_int(r, 0, 5);
	out->runbook_id = pg_text(r, 0, 6);
	out->runbook_title = pg_text(r, 0, 7);
	out->runbook_version = pg_text(r, 0, 8);
	out->runbook_path = pg_text(r, 0, 9);
	out->runbook_sha256 = pg_text(r, 0, 10);
	PQclear(r);
	/* The runbook's bytes, in binary. */
	r = PQexecParams(st->conn, "SELECT text FROM session_runbooks WHERE session_id = $1", 1, NULL, p, NULL,
			 NULL, 1);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		rc = pg_fail(st, r, err, "reading a session's runbook");
		PQclear(r);
		store_session_free(out);
		return rc;
	}
	size_t len = PQntuples(r) == 1 ? (size_t)PQgetlength(r, 0, 0) : 0;
	out->runbook_text = xmalloc(len + 1);
	if (len)
		memcpy(out->runbook_text, PQgetvalue(r, 0, 0), len);
	out->runbook_text[len] = '\0';
	out->runbook_text_len = len;
	PQclear(r);
	return ST_OK;
}

enum st_code pg_resolve_id(struct store *base, const char *prefix, char **id_out, struct st_error *err)
{
	struct pg_store *st = pg_of(base);
	*id_out = NULL;
	/* "" is not a prefix of every id: an unset $SID must not pick a session. */
	if (prefix && !*prefix)
		return st_set(err, ST_USAGE, "an empty session id — give the session's id or a unique "
					     "prefix of it (steward sessions lists them)");
	bool latest = !prefix;
	if (!pg_has_schema(st))
		return latest ? st_set(err, ST_NOTFOUND, "no unfinished session in the PostgreSQL %s", st->server)
			      : no_session(st, prefix, err);
	enum st_code rc;
	const char *p[1] = {prefix};
	PGresult *r = latest ? pg_exec(st,
				       "SELECT id FROM sessions WHERE status <> 'finished'"
				       " ORDER BY last_activity_ms DESC, id DESC LIMIT 1",
				       0, NULL, err, &rc, "looking up a session")
			     : pg_exec(st,
				       "SELECT id FROM sessions WHERE substr(id, 1, length($1)) = $1"
				       " ORDER BY id <> $1, id LIMIT 11",
				       1, p, err, &rc, "looking up a session");
	if (!r)
		return rc;
	int n = PQntuples(r);
	if (n == 0) {
		PQclear(r);
		return latest ? st_set(err, ST_NOTFOUND,
				       "no unfinished session in the PostgreSQL %s — start one with `steward start "
				       "RUNBOOK`",
				       st->server)
			      : no_session(st, prefix, err);
	}
	/* An exact id sorts first and wins. */
	if (n == 1 || (!latest && strcmp(PQgetvalue(r, 0, 0), prefix) == 0)) {
		*id_out = pg_text(r, 0, 0);
		PQclear(r);
		return ST_OK;
	}
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < n && i < 10; i++)
		sb_printf(&sb, "%s%s", i ? ", " : "", PQgetvalue(r, i, 0));
	if (n > 10)
		sb_puts(&sb, ", ...");
	PQclear(r);
	rc = st_set(err, ST_USAGE, "session prefix '%s' is ambiguous: %s — give more of the id", prefix,
		    sb_str(&sb));
	sb_free(&sb);
	return rc;
}

/* ---------- events ---------- */

enum st_code pg_append(struct store *base, const char *sid, int64_t expect_seq, struct store_event *ev,
		       struct st_error *err)
{
	struct pg_store *st = pg_of(base);
	enum st_code rc;
	const char *hp[1] = {sid};
	PGresult *r = pg_exec(st, "SELECT seq, hash FROM events WHERE session_id = $1 ORDER BY seq DESC LIMIT 1", 1,
			      hp, err, &rc, "reading the last event");
	if (!r)
		return rc;
	int64_t head = 0;
	char prev[65];
	if (PQntuples(r) == 1) {
		head = pg_int(r, 0, 0);
		pg_hash(r, 0, 1, prev);
	} else {
		snprintf(prev, sizeof prev, "%s", GENESIS_HASH);
	}
	PQclear(r);
	if (head != expect_seq)
		return st_set(err, ST_TEMPFAIL,
			      "session %s changed under this process (event %lld was written elsewhere) — "
			      "reopen it",
			      sid, (long long)head);
	ev->seq = head + 1;
	memcpy(ev->prev_hash, prev, 65);
	store_event_hash(sid, ev, ev->hash);
	char seq[24], at[24];
	const char *p[10] = {sid,     pg_i64(seq, ev->seq), pg_i64(at, ev->at_ms), ev->op,        ev->host,
			     ev->type, ev->step,             ev->data,             ev->prev_hash, ev->hash};
	r = PQexecParams(st->conn,
			 "INSERT INTO events (session_id, seq, at_ms, operator, host, type, step, data,"
			 " prev_hash, hash) VALUES ($1, $2::bigint, $3::bigint, $4, $5, $6, $7, $8, $9, $10)",
			 10, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(r) == PGRES_COMMAND_OK) {
		rc = ST_OK;
	} else {
		const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		if (state && strcmp(state, "23505") == 0) /* unique_violation: another writer's event */
			rc = st_set(err, ST_TEMPFAIL,
				    "session %s changed under this process (event %lld was written elsewhere) — "
				    "reopen it",
				    sid, (long long)ev->seq);
		else
			rc = pg_fail(st, r, err, "appending an event");
	}
	PQclear(r);
	return rc;
}

/* Events are read in pages, each a complete result: the callback may use the store
 * (the connection is free between pages), and a 100,000-event session is never held
 * in memory whole. */
#define PG_EVENT_PAGE 5000

enum st_code pg_read_events(struct store *base, const char *sid, int64_t after_seq, store_event_cb cb, void *ctx,
			    struct st_error *err)
{
	struct pg_store *st = pg_of(base);
	if (!pg_has_schema(st))
		return ST_OK;
	for (;;) {
		char after[24];
		const char *p[2] = {sid, pg_i64(after, after_seq)};
		enum st_code rc;
		PGresult *r = pg_exec(st,
				      "SELECT seq, at_ms, operator, host, type, step, data, prev_hash, hash"
				      " FROM events WHERE session_id = $1 AND seq > $2::bigint ORDER BY seq"
				      " LIMIT " PG_STR(PG_EVENT_PAGE),
				      2, p, err, &rc, "reading events");
		if (!r)
			return rc;
		int n = PQntuples(r);
		for (int i = 0; i < n; i++) {
			struct store_event ev = {
				.seq = pg_int(r, i, 0),
				.at_ms = pg_int(r, i, 1),
				.op = PQgetvalue(r, i, 2),
				.host = PQgetvalue(r, i, 3),
				.type = PQgetvalue(r, i, 4),
				.step = PQgetisnull(r, i, 5) ? NULL : PQgetvalue(r, i, 5),
				.data = PQgetvalue(r, i, 6),
			};
			pg_hash(r, i, 7, ev.prev_hash);
			pg_hash(r, i, 8, ev.hash);
			after_seq = ev.seq;
			if (!cb(ctx, &ev)) {
				PQclear(r);
				return ST_OK;
			}
		}
		PQclear(r);
		if (n < PG_EVENT_PAGE)
			return ST_OK;
	}
}
