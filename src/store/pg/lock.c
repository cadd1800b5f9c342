/*
 * lock.c — the PostgreSQL backend's session lock, enforced by the server across machines:
 * a session-level advisory lock held by the writer's connection (pg_try_advisory_lock on
 * a key derived from the session id), plus a row naming the holder (pid, host, operator,
 * since) for the refusal message. When the holder's connection ends — the process exits,
 * is killed, or its machine or network dies and the server notices — the server releases
 * the lock: the next writer on any machine takes the session without --take-over. The
 * row is only a label; a row whose lock nobody holds is stale.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pg_priv.h"

/* The lock's key: the first 64 bits of a SHA-256 of the session id (the same on every
 * machine and server version). Advisory keys are per database. */
static int64_t lock_key(const char *sid)
{
	char *text = xasprintf("steward-session-lock\n%s", sid);
	char hex[65];
	util_sha256_hex(text, strlen(text), hex);
	free(text);
	hex[16] = '\0';
	return (int64_t)strtoull(hex, NULL, 16);
}

static bool held_here(const struct pg_store *st, const char *sid, size_t *at)
{
	for (size_t i = 0; i < st->n_held; i++)
		if (strcmp(st->held[i], sid) == 0) {
			if (at)
				*at = i;
			return true;
		}
	return false;
}

struct holder {
	bool present;
	long pid;
	char *host, *op;
	int64_t since_ms;
	int backend_pid;
};

static enum st_code read_holder(struct pg_store *st, const char *sid, struct holder *h, struct st_error *err)
{
	*h = (struct holder){0};
	if (!pg_has_schema(st))
		return ST_OK;
	enum st_code rc;
	const char *p[1] = {sid};
	PGresult *r = pg_exec(st, "SELECT pid, host, operator, since_ms, backend_pid FROM locks WHERE session_id = $1",
			      1, p, err, &rc, "reading the session lock");
	if (!r)
		return rc;
	if (PQntuples(r) == 1) {
		h->present = true;
		h->pid = (long)pg_int(r, 0, 0);
		h->host = pg_text(r, 0, 1);
		h->op = pg_text(r, 0, 2);
		h->since_ms = pg_int(r, 0, 3);
		h->backend_pid = (int)pg_int(r, 0, 4);
	}
	PQclear(r);
	return ST_OK;
}

static void holder_free(struct holder *h)
{
	free(h->host);
	free(h->op);
	*h = (struct holder){0};
}

/* The server's own answer: which connection holds the session's advisory lock (0: none). */
static enum st_code lock_owner(struct pg_store *st, const char *sid, int *backend_pid, struct st_error *err)
{
	uint64_t key = (uint64_t)lock_key(sid);
	char hi[24], lo[24];
	const char *p[2] = {pg_i64(hi, (int64_t)(key >> 32)), pg_i64(lo, (int64_t)(key & 0xffffffffu))};
	enum st_code rc;
	PGresult *r = pg_exec(st,
			      "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
			      " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
			      " AND classid::bigint = $1::bigint AND objid::bigint = $2::bigint AND objsubid = 1",
			      2, p, err, &rc, "asking the server who holds the session lock");
	if (!r)
		return rc;
	*backend_pid = PQntuples(r) ? (int)pg_int(r, 0, 0) : 0;
	PQclear(r);
	return ST_OK;
}

static enum st_code try_lock(struct pg_store *st, const char *sid, bool *got, struct st_error *err)
{
	char key[24];
	const char *p[1] = {pg_i64(key, lock_key(sid))};
	enum st_code rc;
	PGresult *r = pg_exec(st, "SELECT pg_try_advisory_lock($1::bigint)", 1, p, err, &rc, "taking the session lock");
	if (!r)
		return rc;
	*got = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	return ST_OK;
}

static void release(struct pg_store *st, const char *sid)
{
	char key[24];
	const char *p[1] = {pg_i64(key, lock_key(sid))};
	PQclear(PQexecParams(st->conn, "SELECT pg_advisory_unlock($1::bigint)", 1, NULL, p, NULL, NULL, 0));
}

/* With the advisory lock held: the row that names us, then remember the lock. */
static enum st_code record_holder(struct pg_store *st, const char *sid, struct st_error *err)
{
	char pid[24], since[24];
	const char *op = st->base.op ? st->base.op : "?";
	const char *p[5] = {sid, pg_i64(pid, (int64_t)getpid()), st->lock_host, op, pg_i64(since, util_now_ms())};
	enum st_code rc = pg_run(st,
				 "INSERT INTO locks (session_id, pid, host, operator, since_ms, backend_pid)"
				 " VALUES ($1, $2::bigint, $3, $4, $5::bigint, pg_backend_pid())"
				 " ON CONFLICT (session_id) DO UPDATE SET pid = excluded.pid, host = excluded.host,"
				 " operator = excluded.operator, since_ms = excluded.since_ms,"
				 " backend_pid = excluded.backend_pid",
				 5, p, err, "recording the session lock's holder");
	if (rc != ST_OK) {
		release(st, sid);
		return rc;
	}
	st->held = xreallocarray(st->held, st->n_held + 1, sizeof *st->held);
	st->held[st->n_held++] = xstrdup(sid);
	return ST_OK;
}

static enum st_code refuse(struct pg_store *st, const char *sid, const struct holder *h, bool self,
			   struct st_error *err)
{
	if (self)
		return st_set(err, ST_TEMPFAIL, "session %s is held by this process, already writing to it", sid);
	if (!h->present)
		return st_set(err, ST_TEMPFAIL,
			      "session %s is held by another connection to the PostgreSQL %s (it has not named "
			      "itself yet) — try again in a moment",
			      sid, st->server);
	char since[32];
	util_format_utc_ms(h->since_ms, since);
	return st_set(err, ST_TEMPFAIL,
		      "session %s is held by %s (process %ld on %s) since %s — wait for them to finish, or ask "
		      "them to stop steward; if that machine is gone, the server frees the session when its "
		      "connection drops, or take it over now with `steward resume %s --take-over` (recorded in "
		      "the audit trail)",
		      sid, h->op ? h->op : "?", h->pid, h->host ? h->host : "?", since, sid);
}

/* A holder on this machine whose process is alive is never taken over from here. */
static bool alive_here(const struct pg_store *st, const struct holder *h)
{
	if (!h->present || !util_streq(h->host, st->lock_host) || h->pid <= 0)
		return false;
	return kill((pid_t)h->pid, 0) == 0 || errno == EPERM;
}

static enum st_code lock_session(struct pg_store *st, const char *sid, bool take_over,
				 struct store_lock_holder *replaced, struct st_error *err)
{
	if (held_here(st, sid, NULL))
		return refuse(st, sid, NULL, true, err);
	bool got = false;
	enum st_code rc = try_lock(st, sid, &got, err);
	if (rc != ST_OK)
		return rc;
	if (got)
		return record_holder(st, sid, err);
	struct holder h;
	if ((rc = read_holder(st, sid, &h, err)) != ST_OK)
		return rc;
	if (!take_over || alive_here(st, &h)) {
		bool self = h.present && h.pid == (long)getpid() && util_streq(h.host, st->lock_host);
		rc = refuse(st, sid, &h, self, err);
		holder_free(&h);
		return rc;
	}
	/* The operator says the holder's machine is gone: end its connection (the server
	 * lets a role end its own connections, or one with pg_signal_backend), which frees
	 * the lock; the holder, if it was alive after all, gets "connection lost" and has
	 * written nothing it did not commit. */
	int owner = 0;
	if ((rc = lock_owner(st, sid, &owner, err)) == ST_OK && owner > 0) {
		char bp[24];
		const char *p[1] = {pg_i64(bp, owner)};
		PGresult *r = PQexecParams(st->conn, "SELECT pg_terminate_backend($1::integer, 5000)", 1, NULL, p,
					   NULL, NULL, 0);
		PQclear(r);
	}
	if (rc == ST_OK)
		rc = try_lock(st, sid, &got, err);
	if (rc == ST_OK && !got)
		rc = st_set(err, ST_TEMPFAIL,
			    "session %s is held by %s (process %ld on %s) and the PostgreSQL %s did not let this "
			    "role end that connection — ask the server's administrator to end it "
			    "(pg_terminate_backend), or wait for it to drop",
			    sid, h.op ? h.op : "?", h.pid, h.host ? h.host : "?", st->server);
	if (rc == ST_OK)
		rc = record_holder(st, sid, err);
	if (rc == ST_OK && h.present) {
		*replaced = (struct store_lock_holder){.pid = h.pid, .host = h.host, .op = h.op,
						       .since_ms = h.since_ms};
		h.host = h.op = NULL;
	}
	holder_free(&h);
	return rc;
}

enum st_code pg_lock(struct store *base, const char *sid, struct st_error *err)
{
	return lock_session(pg_of(base), sid, false, NULL, err);
}

enum st_code pg_lock_take_over(struct store *base, const char *sid, struct store_lock_holder *replaced,
			       struct st_error *err)
{
	return lock_session(pg_of(base), sid, true, replaced, err); /* store.c frees *replaced on failure */
}

void pg_unlock(struct store *base, const char *sid)
{
	struct pg_store *st = pg_of(base); /* store.c calls this for writers only */
	size_t at;
	if (!held_here(st, sid, &at))
		return;
	free(st->held[at]);
	st->held[at] = st->held[--st->n_held];
	if (PQstatus(st->conn) != CONNECTION_OK)
		return; /* the server released it with the connection */
	const char *p[1] = {sid};
	/* best effort: a row left behind is stale once the lock is released */
	PQclear(PQexecParams(st->conn, "DELETE FROM locks WHERE session_id = $1 AND backend_pid = pg_backend_pid()", 1,
			     NULL, p, NULL, NULL, 0));
	release(st, sid);
}

enum st_code pg_lock_peek(struct store *base, const char *sid, struct store_lock_holder *out, bool *stale,
			  struct st_error *err)
{
	struct pg_store *st = pg_of(base);
	*out = (struct store_lock_holder){0};
	*stale = false;
	struct holder h;
	enum st_code rc = read_holder(st, sid, &h, err);
	if (rc != ST_OK || !h.present)
		return rc;
	int owner = 0;
	if ((rc = lock_owner(st, sid, &owner, err)) != ST_OK) {
		holder_free(&h);
		return rc;
	}
	*stale = owner == 0 || owner != h.backend_pid;
	*out = (struct store_lock_holder){.pid = h.pid, .host = h.host ? h.host : xstrdup("?"),
					  .op = h.op ? h.op : xstrdup("?"), .since_ms = h.since_ms};
	return ST_OK;
}
