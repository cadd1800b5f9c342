/*
 * lock.c — the SQLite backend's session lock: one writer per session, recorded as (pid, host,
 * process start time, since). A holder that is gone — no such pid on this host, or a
 * pid now owned by a process that started at another time — is taken over. A holder on
 * another host cannot be checked: only an explicit take-over replaces it.
 */
#include <signal.h>
#include <unistd.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_priv.h"

/* ---------- the session lock ---------- */



struct holder {
	long pid;
	char *host;
	char *op; /* NULL in a lock row written before schema 3 */
	long long proc_start;
	int64_t since_ms;
};

/* True when the holder is certainly gone: same host, and its pid is free or now
 * belongs to a process that started at a different time (pid reuse). */
static bool holder_gone(const struct sq_store *st, const struct holder *h)
{
	if (!util_streq(h->host, st->lock_host))
		return false; /* cannot see another machine's processes */
	if (h->pid <= 0)
		return true;
	if (kill((pid_t)h->pid, 0) != 0 && errno == ESRCH)
		return true;
	long long start = store_proc_start_time(h->pid);
	return start != 0 && h->proc_start != 0 && start != h->proc_start;
}

/* take_remote: a holder on another host (whose processes cannot be seen from here) is
 * replaced too, and named in *replaced. */
static enum st_code lock_session(struct sq_store *st, const char *sid, bool take_remote,
				 struct store_lock_holder *replaced, struct st_error *err)
{
	enum st_code rc = store_begin(&st->base, err);
	if (rc != ST_OK)
		return rc;
	sqlite3_stmt *s = sq_prep(st, "SELECT pid, host, proc_start, since_ms, operator FROM locks WHERE session_id = ?1",
			       err, &rc);
	if (!s)
		goto fail;
	sq_bind_text(s, 1, sid);
	struct holder h = {0};
	bool held = false;
	int step = sqlite3_step(s);
	if (step == SQLITE_ROW) {
		held = true;
		h.pid = (long)sqlite3_column_int64(s, 0);
		h.host = sq_col_text(s, 1);
		h.proc_start = sqlite3_column_int64(s, 2);
		h.since_ms = sqlite3_column_int64(s, 3);
		h.op = sq_col_text(s, 4);
	} else if (step != SQLITE_DONE) {
		rc = sq_error(st, err, "reading the session lock");
	}
	sq_done(s);
	if (rc != ST_OK)
		goto fail;
	bool remote = held && !util_streq(h.host, st->lock_host);
	if (held && !holder_gone(st, &h) && !(remote && take_remote)) {
		char since[32];
		util_format_utc_ms(h.since_ms, since);
		bool self = h.pid == (long)getpid() && util_streq(h.host, st->lock_host);
		const char *who = h.op ? h.op : "?";
		if (remote)
			rc = st_set(err, ST_TEMPFAIL,
				    "session %s is held by %s (process %ld on %s) since %s — another machine, whose "
				    "processes steward cannot see from here: stop steward there, or, if that "
				    "machine is gone, take the session over with `steward resume %s --take-over` "
				    "(recorded in the audit trail)",
				    sid, who, h.pid, h.host ? h.host : "?", since, sid);
		else if (self)
			rc = st_set(err, ST_TEMPFAIL,
				    "session %s is held by this process, %ld on %s, since %s — already writing to it",
				    sid, h.pid, h.host ? h.host : "?", since);
		else
			rc = st_set(err, ST_TEMPFAIL,
				    "session %s is held by %s (process %ld on %s) since %s — wait for it to finish or "
				    "stop that process",
				    sid, who, h.pid, h.host ? h.host : "?", since);
		free(h.host);
		free(h.op);
		goto fail;
	}
	if (replaced && remote) {
		*replaced = (struct store_lock_holder){.pid = h.pid, .host = h.host, .op = h.op, .since_ms = h.since_ms};
		h.host = h.op = NULL;
	}
	free(h.host);
	free(h.op);
	s = sq_prep(st,
		 "INSERT OR REPLACE INTO locks (session_id, pid, host, proc_start, since_ms, operator)"
		 " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
		 err, &rc);
	if (!s)
		goto fail;
	sq_bind_text(s, 1, sid);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)getpid());
	sq_bind_text(s, 3, st->lock_host);
	sqlite3_bind_int64(s, 4, st->lock_start);
	sqlite3_bind_int64(s, 5, util_now_ms());
	sq_bind_text(s, 6, st->base.op);
	if (sqlite3_step(s) != SQLITE_DONE)
		rc = sq_error(st, err, "taking the session lock");
	sq_done(s);
	if (rc != ST_OK)
		goto fail;
	return store_commit(&st->base, err);
fail:
	store_rollback(&st->base);
	return rc;
}

enum st_code sq_lock(struct store *base, const char *sid, struct st_error *err)
{
	struct sq_store *st = sq_of(base);
	return lock_session(st, sid, false, NULL, err);
}

enum st_code sq_lock_take_over(struct store *base, const char *sid, struct store_lock_holder *replaced,
				  struct st_error *err)
{
	return lock_session(sq_of(base), sid, true, replaced, err); /* store.c frees *replaced on failure */
}


void sq_unlock(struct store *base, const char *sid)
{
	struct sq_store *st = sq_of(base); /* store.c calls this for writers only */
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(st->db, "DELETE FROM locks WHERE session_id = ?1 AND pid = ?2 AND host = ?3",
			       -1, &s, NULL) == SQLITE_OK) {
		sq_bind_text(s, 1, sid);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)getpid());
		sq_bind_text(s, 3, st->lock_host);
		sqlite3_step(s); /* best effort: a lock left behind is stale once we exit */
	}
	sqlite3_finalize(s);
}

enum st_code sq_lock_peek(struct store *base, const char *sid, struct store_lock_holder *out, bool *stale,
			     struct st_error *err)
{
	struct sq_store *st = sq_of(base);
	*out = (struct store_lock_holder){0};
	*stale = false;
	if (!sq_has_schema(st))
		return ST_OK;
	enum st_code rc;
	/* A reader may meet a database of schema 1 or 2, before lock rows named the operator. */
	sqlite3_stmt *s = st->schema >= 3
				  ? sq_prep(st, "SELECT pid, host, proc_start, since_ms, operator FROM locks WHERE session_id = ?1",
					    err, &rc)
				  : sq_prep(st, "SELECT pid, host, proc_start, since_ms, NULL FROM locks WHERE session_id = ?1",
					    err, &rc);
	if (!s)
		return rc;
	sq_bind_text(s, 1, sid);
	int step = sqlite3_step(s);
	if (step == SQLITE_ROW) {
		struct holder h = {.pid = (long)sqlite3_column_int64(s, 0), .host = sq_col_text(s, 1),
				   .proc_start = sqlite3_column_int64(s, 2), .since_ms = sqlite3_column_int64(s, 3)};
		*stale = holder_gone(st, &h);
		char *op = sq_col_text(s, 4);
		*out = (struct store_lock_holder){.pid = h.pid, .host = h.host ? h.host : xstrdup("?"),
						  .op = op ? op : xstrdup("?"), .since_ms = h.since_ms};
	} else if (step != SQLITE_DONE) {
		rc = sq_error(st, err, "reading the session lock");
	}
	sq_done(s);
	return rc;
}
