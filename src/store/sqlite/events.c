/*
 * events.c — session rows in SQLite (written once at start; resolved by id or prefix) and
 * the append-only, hash-chained event log: appending one event inside a transaction,
 * reading them in order (the hash itself is computed in ../event_hash.c).
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_priv.h"

/* ---------- sessions ---------- */


enum st_code sq_insert_session(struct store *base, const struct store_session *r, struct st_error *err)
{
	struct sq_store *st = sq_of(base);
	enum st_code rc;
	sqlite3_stmt *s = sq_prep(st,
			       "INSERT INTO sessions (id, label, operator, host, rehearsal, started_ms,"
			       " runbook_id, runbook_title, runbook_version, runbook_path, runbook_sha256,"
			       " last_activity_ms)"
			       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?6)",
			       err, &rc);
	if (!s)
		return rc;
	sq_bind_text(s, 1, r->id);
	sq_bind_text(s, 2, r->label);
	sq_bind_text(s, 3, r->op);
	sq_bind_text(s, 4, r->host);
	sqlite3_bind_int(s, 5, r->rehearsal ? 1 : 0);
	sqlite3_bind_int64(s, 6, r->started_ms);
	sq_bind_text(s, 7, r->runbook_id);
	sq_bind_text(s, 8, r->runbook_title);
	sq_bind_text(s, 9, r->runbook_version);
	sq_bind_text(s, 10, r->runbook_path);
	sq_bind_text(s, 11, r->runbook_sha256);
	int step = sqlite3_step(s);
	if (step == SQLITE_CONSTRAINT || (sqlite3_extended_errcode(st->db) & 0xff) == SQLITE_CONSTRAINT)
		rc = st_set(err, ST_TEMPFAIL, "session id %s is taken", r->id);
	else if (step != SQLITE_DONE)
		rc = sq_error(st, err, "creating the session");
	sq_done(s);
	if (rc != ST_OK)
		return rc;
	/* The caller's transaction makes the two rows one act. */
	s = sq_prep(st, "INSERT INTO session_runbooks (session_id, text) VALUES (?1, ?2)", err, &rc);
	if (!s)
		return rc;
	sq_bind_text(s, 1, r->id);
	sqlite3_bind_blob(s, 2, r->runbook_text, (int)r->runbook_text_len, SQLITE_TRANSIENT);
	if (sqlite3_step(s) != SQLITE_DONE)
		rc = sq_error(st, err, "storing the session's runbook");
	sq_done(s);
	return rc;
}

enum st_code sq_read_session(struct store *base, const char *id, struct store_session *out,
				struct st_error *err)
{
	struct sq_store *st = sq_of(base);
	memset(out, 0, sizeof *out);
	if (!sq_has_schema(st))
		return st_set(err, ST_NOTFOUND, "no session %s in %s", id, st->base.path);
	enum st_code rc;
	sqlite3_stmt *s = sq_prep(st,
			       "SELECT id, label, operator, host, rehearsal, started_ms, runbook_id,"
			       " runbook_title, runbook_version, runbook_path, runbook_sha256, r.text"
			       " FROM sessions LEFT JOIN session_runbooks r ON r.session_id = sessions.id"
			       " WHERE id = ?1",
			       err, &rc);
	if (!s)
		return rc;
	sq_bind_text(s, 1, id);
	int step = sqlite3_step(s);
	if (step == SQLITE_ROW) {
		out->id = sq_col_text(s, 0);
		out->label = sq_col_text(s, 1);
		out->op = sq_col_text(s, 2);
		out->host = sq_col_text(s, 3);
		out->rehearsal = sqlite3_column_int(s, 4) != 0;
		out->started_ms = sqlite3_column_int64(s, 5);
		out->runbook_id = sq_col_text(s, 6);
		out->runbook_title = sq_col_text(s, 7);
		out->runbook_version = sq_col_text(s, 8);
		out->runbook_path = sq_col_text(s, 9);
		out->runbook_sha256 = sq_col_text(s, 10);
		const void *blob = sqlite3_column_blob(s, 11);
		size_t len = (size_t)sqlite3_column_bytes(s, 11);
		out->runbook_text = xmalloc(len + 1);
		if (len)
			memcpy(out->runbook_text, blob, len);
		out->runbook_text[len] = '\0';
		out->runbook_text_len = len;
	} else if (step == SQLITE_DONE) {
		rc = st_set(err, ST_NOTFOUND, "no session %s in %s — `steward sessions --all` lists them",
			    id, st->base.path);
	} else {
		rc = sq_error(st, err, "reading a session");
	}
	sq_done(s);
	return rc;
}

enum st_code sq_resolve_id(struct store *base, const char *prefix, char **id_out, struct st_error *err)
{
	struct sq_store *st = sq_of(base);
	*id_out = NULL;
	/* "" is not a prefix of every id: an unset $SID must not pick a session. */
	if (prefix && !*prefix)
		return st_set(err, ST_USAGE, "an empty session id — give the session's id or a unique "
					     "prefix of it (steward sessions lists them)");
	bool latest = !prefix;
	if (!sq_has_schema(st))
		return latest ? st_set(err, ST_NOTFOUND, "no unfinished session in %s", st->base.path)
			      : st_set(err, ST_NOTFOUND, "no session %s in %s", prefix, st->base.path);
	enum st_code rc;
	sqlite3_stmt *s =
		latest ? sq_prep(st,
			      "SELECT id FROM sessions WHERE status <> 'finished'"
			      " ORDER BY last_activity_ms DESC, id DESC LIMIT 1",
			      err, &rc)
		       : sq_prep(st,
			      "SELECT id FROM sessions WHERE substr(id, 1, length(?1)) = ?1"
			      " ORDER BY id LIMIT 11",
			      err, &rc);
	if (!s)
		return rc;
	if (!latest)
		sq_bind_text(s, 1, prefix);
	char *ids[11];
	size_t n = 0;
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW && n < 11) {
		ids[n++] = sq_col_text(s, 0);
		if (!latest && util_streq(ids[n - 1], prefix)) { /* an exact id wins */
			for (size_t i = 0; i + 1 < n; i++)
				free(ids[i]);
			ids[0] = ids[n - 1];
			n = 1;
			break;
		}
	}
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		rc = sq_error(st, err, "looking up a session");
	sq_done(s);
	if (rc != ST_OK) {
		for (size_t i = 0; i < n; i++)
			free(ids[i]);
		return rc;
	}
	if (n == 0)
		return latest ? st_set(err, ST_NOTFOUND,
				       "no unfinished session in %s — start one with `steward start RUNBOOK`",
				       st->base.path)
			      : st_set(err, ST_NOTFOUND,
				       "no session %s in %s — `steward sessions --all` lists them", prefix,
				       st->base.path);
	if (n == 1) {
		*id_out = ids[0];
		return ST_OK;
	}
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n && i < 10; i++) {
		sb_printf(&sb, "%s%s", i ? ", " : "", ids[i]);
		free(ids[i]);
	}
	if (n > 10) {
		sb_puts(&sb, ", ...");
		free(ids[10]);
	}
	rc = st_set(err, ST_USAGE, "session prefix '%s' is ambiguous: %s — give more of the id", prefix,
		    sb_str(&sb));
	sb_free(&sb);
	return rc;
}

/* ---------- events ---------- */





static enum st_code read_head(struct sq_store *st, const char *sid, int64_t *seq, char hash[65],
			      struct st_error *err)
{
	enum st_code rc;
	sqlite3_stmt *s = sq_prep(st,
			       "SELECT seq, hash FROM events WHERE session_id = ?1 ORDER BY seq DESC LIMIT 1",
			       err, &rc);
	if (!s)
		return rc;
	sq_bind_text(s, 1, sid);
	int step = sqlite3_step(s);
	if (step == SQLITE_ROW) {
		*seq = sqlite3_column_int64(s, 0);
		sq_col_hash(s, 1, hash);
	} else if (step == SQLITE_DONE) {
		*seq = 0;
		snprintf(hash, 65, "%s", GENESIS_HASH);
	} else {
		rc = sq_error(st, err, "reading the last event");
	}
	sq_done(s);
	return rc;
}

enum st_code sq_append(struct store *base, const char *sid, int64_t expect_seq, struct store_event *ev,
			  struct st_error *err)
{
	struct sq_store *st = sq_of(base);
	int64_t head = 0;
	char prev[65] = "";
	enum st_code rc = read_head(st, sid, &head, prev, err);
	if (rc != ST_OK)
		return rc;
	if (head != expect_seq)
		return st_set(err, ST_TEMPFAIL,
			      "session %s changed under this process (event %lld was written elsewhere) — "
			      "reopen it", sid, (long long)head);
	ev->seq = head + 1;
	memcpy(ev->prev_hash, prev, 65);
	store_event_hash(sid, ev, ev->hash);
	sqlite3_stmt *s = sq_prep(st,
			       "INSERT INTO events (session_id, seq, at_ms, operator, host, type, step, data,"
			       " prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
			       err, &rc);
	if (!s)
		return rc;
	sq_bind_text(s, 1, sid);
	sqlite3_bind_int64(s, 2, ev->seq);
	sqlite3_bind_int64(s, 3, ev->at_ms);
	sq_bind_text(s, 4, ev->op);
	sq_bind_text(s, 5, ev->host);
	sq_bind_text(s, 6, ev->type);
	sq_bind_text(s, 7, ev->step);
	sq_bind_text(s, 8, ev->data);
	sq_bind_text(s, 9, ev->prev_hash);
	sq_bind_text(s, 10, ev->hash);
	if (sqlite3_step(s) != SQLITE_DONE)
		rc = sq_error(st, err, "appending an event");
	sq_done(s);
	return rc;
}

enum st_code sq_read_events(struct store *base, const char *sid, int64_t after_seq, store_event_cb cb,
			       void *ctx, struct st_error *err)
{
	struct sq_store *st = sq_of(base);
	if (!sq_has_schema(st))
		return ST_OK;
	enum st_code rc;
	sqlite3_stmt *s = sq_prep(st,
			       "SELECT seq, at_ms, operator, host, type, step, data, prev_hash, hash"
			       " FROM events WHERE session_id = ?1 AND seq > ?2 ORDER BY seq",
			       err, &rc);
	if (!s)
		return rc;
	sq_bind_text(s, 1, sid);
	sqlite3_bind_int64(s, 2, after_seq);
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_event ev = {
			.seq = sqlite3_column_int64(s, 0),
			.at_ms = sqlite3_column_int64(s, 1),
			.op = (const char *)sqlite3_column_text(s, 2),
			.host = (const char *)sqlite3_column_text(s, 3),
			.type = (const char *)sqlite3_column_text(s, 4),
			.step = (const char *)sqlite3_column_text(s, 5),
			.data = (const char *)sqlite3_column_text(s, 6),
		};
		sq_col_hash(s, 7, ev.prev_hash);
		sq_col_hash(s, 8, ev.hash);
		if (!ev.op)
			ev.op = "";
		if (!ev.host)
			ev.host = "";
		if (!ev.type)
			ev.type = "";
		if (!ev.data)
			ev.data = "{}";
		if (!cb(ctx, &ev)) {
			step = SQLITE_DONE;
			break;
		}
	}
	if (step != SQLITE_DONE)
		rc = sq_error(st, err, "reading events");
	sq_done(s);
	return rc;
}
