/*
 * session_tx.c — the transaction every change goes through: BEGIN IMMEDIATE, append the
 * events (each folded into the state as it is written), write the cached state (the
 * projection), COMMIT. Also what follows a completion: activating the next step (with
 * every log's identity and size) and finishing the session.
 *
 * Invariant: when any part fails, the transaction is rolled back and the state rebuilt
 * from the store, so memory never holds what the database does not.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session_priv.h"
#include "steward/logfile.h"
#include "steward/store.h"
#include "steward/util.h"

/* ---------- the transaction ---------- */

/* Refuses a change on a reader, and on a session whose memory could not be rebuilt after
 * a failed change (sess_tx_end): that one reports why the rebuild failed, every time. */
static enum st_code must_write(const struct session *s, struct st_error *err)
{
	if (s->broken.code != ST_OK)
		return st_set(err, s->broken.code, "session %s takes no more changes in this process: after a "
			      "failed change it could not be reloaded: %s", s->id, s->broken.msg);
	if (!s->writable)
		return st_set(err, ST_SOFTWARE, "session %s was opened read-only", s->id);
	return ST_OK;
}

/* Appends one event (data is consumed) and folds it into the state. */
enum st_code sess_emit(struct session *s, const char *type, long step, json_t *data,
			 struct st_error *err)
{
	char *text = json_dumps(data, JSON_COMPACT | JSON_SORT_KEYS);
	if (!text) { /* out of memory, or a payload jansson cannot write: the change is refused
		      * and the caller's sess_tx_end rolls back, as for any failed append */
		json_decref(data);
		return st_set(err, ST_SOFTWARE, "session %s: cannot encode the payload of a %s event", s->id, type);
	}
	struct store_event ev = {
		.at_ms = util_now_ms(), .op = s->actor_op, .host = s->actor_host,
		.type = type, .step = sess_step_id(s, step), .data = text};
	enum st_code rc = store_append(s->store, s->id, s->seq, &ev, err);
	if (rc == ST_OK) {
		rc = sess_apply(s, type, ev.step, data, ev.at_ms, s->actor_op, s->actor_host, err);
		sess_recompute_active(s);
		s->seq = ev.seq;
		memcpy(s->head_hash, ev.hash, sizeof s->head_hash);
	}
	free(text);
	json_decref(data);
	return rc;
}

void session_projection(const struct session *s, struct store_state *out)
{
	memset(out, 0, sizeof *out);
	out->status = xstrdup(s->finished ? "finished" : "active");
	out->finished_ms = s->finished_ms;
	out->last_activity_ms = s->last_activity_ms;
	session_progress(s, &out->n_done, &out->n_applicable);
	out->active_step = s->active >= 0 ? xstrdup(sess_step_id(s, s->active)) : NULL;
	out->head_seq = s->seq;
	memcpy(out->head_hash, s->head_hash, sizeof out->head_hash);
	out->n_steps = s->rb->n_steps;
	out->steps = xcalloc(out->n_steps + 1, sizeof *out->steps);
	for (size_t i = 0; i < out->n_steps; i++) {
		const struct step_state *st = &s->steps[i];
		const char *by = completed_by_name(st->completed_by);
		out->steps[i] = (struct store_step_row){
			.step_id = xstrdup(s->rb->steps[i].id), .status = xstrdup(step_status_name(st->status)),
			.completed_by = by ? xstrdup(by) : NULL, .activated_ms = st->activated_ms,
			.completed_ms = st->completed_ms,
			.op = st->completed_op ? xstrdup(st->completed_op) : NULL};
	}
	out->n_logs = s->rb->n_logs;
	out->logs = xcalloc(out->n_logs + 1, sizeof *out->logs);
	for (size_t l = 0; l < out->n_logs; l++)
		out->logs[l] = (struct store_log_row){
			.name = xstrdup(s->rb->logs[l].name),
			.path = s->logs[l].path ? xstrdup(s->logs[l].path) : NULL, .dev = s->logs[l].dev,
			.ino = s->logs[l].ino, .offset = s->logs[l].offset};
	session_glance(s, &out->glance);
}

static bool differ_str(const char *a, const char *b) { return !util_streq(a, b); }

/* The first difference between a replay (r) and the cache (c), or NULL. */
static char *cache_difference(const struct store_state *r, const struct store_state *c)
{
	if (differ_str(r->status, c->status))
		return xasprintf("status is '%s', the events say '%s'", c->status, r->status);
	if (r->n_done != c->n_done || r->n_applicable != c->n_applicable)
		return xasprintf("progress is %d/%d, the events say %d/%d", c->n_done, c->n_applicable, r->n_done,
				 r->n_applicable);
	if (differ_str(r->active_step, c->active_step))
		return xasprintf("the active step is '%s', the events say '%s'",
				 c->active_step ? c->active_step : "none", r->active_step ? r->active_step : "none");
	if (r->head_seq != c->head_seq || strcmp(r->head_hash, c->head_hash) != 0)
		return xasprintf("the last event is %lld, the events end at %lld", (long long)c->head_seq,
				 (long long)r->head_seq);
	if (r->finished_ms != c->finished_ms || r->last_activity_ms != c->last_activity_ms)
		return xasprintf("the finish or last-activity time differs from the events");
	if (r->n_steps != c->n_steps)
		return xasprintf("%zu step rows, the runbook has %zu steps", c->n_steps, r->n_steps);
	for (size_t i = 0; i < r->n_steps; i++) {
		const struct store_step_row *a = &r->steps[i], *b = &c->steps[i];
		if (differ_str(a->step_id, b->step_id) || differ_str(a->status, b->status) ||
		    differ_str(a->completed_by, b->completed_by) || differ_str(a->op, b->op) ||
		    a->activated_ms != b->activated_ms || a->completed_ms != b->completed_ms)
			return xasprintf("step '%s' is cached as %s, the events say %s", a->step_id,
					 b->status ? b->status : "?", a->status);
	}
	const struct store_glance *rg = &r->glance, *cg = &c->glance;
	if (cg->known && (rg->n_skipped != cg->n_skipped || rg->n_failed != cg->n_failed ||
			  rg->n_na != cg->n_na || rg->n_total != cg->n_total || differ_str(rg->site, cg->site) ||
			  differ_str(rg->overdue_step, cg->overdue_step) ||
			  rg->overdue_at_ms != cg->overdue_at_ms))
		return xasprintf("the listing's summary (counts, site, overdue step) differs from the events");
	if (r->n_logs != c->n_logs)
		return xasprintf("%zu log rows, the runbook has %zu logs", c->n_logs, r->n_logs);
	for (size_t l = 0; l < r->n_logs; l++) {
		const struct store_log_row *a = &r->logs[l], *b = &c->logs[l];
		if (differ_str(a->name, b->name) || differ_str(a->path, b->path) || a->dev != b->dev ||
		    a->ino != b->ino || a->offset != b->offset)
			return xasprintf("the read position of log '%s' differs from the events", a->name);
	}
	return NULL;
}

enum st_code session_verify_cache(const struct session *s, struct st_error *err)
{
	struct store_state replay, cached;
	enum st_code rc = store_read_state(s->store, s->id, &cached, err);
	if (rc != ST_OK)
		return rc;
	session_projection(s, &replay);
	char *diff = cache_difference(&replay, &cached);
	if (diff)
		rc = st_set(err, ST_FAILED, "session %s: the cached state was altered: %s", s->id, diff);
	free(diff);
	store_state_free(&replay);
	store_state_free(&cached);
	return rc;
}

enum st_code sess_tx_begin(struct session *s, struct st_error *err)
{
	enum st_code rc = must_write(s, err);
	return rc != ST_OK ? rc : store_begin(s->store, err);
}

enum st_code sess_commit_projection(struct session *s, struct st_error *err)
{
	struct store_state ss;
	session_projection(s, &ss);
	enum st_code rc = store_put_state(s->store, s->id, &ss, err);
	store_state_free(&ss);
	return rc != ST_OK ? rc : store_commit(s->store, err);
}

/* Ends a transaction: commits (with the projection) when rc is ST_OK, else rolls back
 * and rebuilds the state from the store. Returns rc, or the commit's failure; err keeps
 * that first failure. When the rebuild fails too, memory can no longer be trusted: the
 * rebuild's error is kept in s->broken and every later change reports it (must_write). */
enum st_code sess_tx_end(struct session *s, enum st_code rc, struct st_error *err)
{
	if (rc == ST_OK && (rc = sess_commit_projection(s, err)) == ST_OK)
		return ST_OK;
	store_rollback(s->store);
	struct st_error why = {0};
	if (sess_reload(s, &why) != ST_OK)
		s->broken = why.code != ST_OK ? why : (struct st_error){.code = ST_SOFTWARE, .msg = "no reason given"};
	return rc;
}

/* ---------- activation, advancing, finishing ---------- */

/*
 * Where each log stands at a step's activation: the file found by the reader's own rule
 * (logfile.h), its identity, where reads end and the mark there. A file that cannot be
 * placed is recorded as such ("found": absent, ambiguous, no-folder), never as a file
 * whose every line counts.
 */
static json_t *window_json(const struct session *s)
{
	json_t *arr = json_array();
	for (size_t l = 0; l < s->rb->n_logs; l++) {
		const char *path = s->logs[l].path;
		struct logfile_found found = {.how = LOGFILE_ABSENT};
		struct logfile_id id = {0};
		if (path && logfile_resolve(path, &found) <= LOGFILE_OTHER_CASE && !logfile_identify(found.path, &id))
			found.how = LOGFILE_NO_FOLDER; /* there, but not a readable file: cannot be placed */
		json_t *o = json_pack("{s:s, s:o, s:I, s:I, s:I, s:I, s:s}", "log", s->rb->logs[l].name, "path",
				      sess_jstr(path), "dev", (json_int_t)id.dev, "ino", (json_int_t)id.ino, "size",
				      (json_int_t)id.size, "mark", (json_int_t)id.mark, "found",
				      logfile_how_name(found.how));
		if (found.how == LOGFILE_OTHER_CASE)
			json_object_set_new(o, "file", sess_jstr(found.path));
		json_array_append_new(arr, o);
		logfile_found_free(&found);
	}
	return arr;
}

enum st_code sess_activate(struct session *s, size_t i, const char *why, struct st_error *err)
{
	return sess_emit(s, "step_activated", (long)i, json_pack("{s:o, s:s}", "logs", window_json(s), "why", why),
		    err);
}

/*
 * After a step left the open set (done/skipped/verified) or was reopened: the first
 * applicable step not done or skipped becomes active when nothing is active (or, after
 * a reopen, when it comes before the active step); finished when no open step is left.
 */
enum st_code sess_advance(struct session *s, bool earliest_wins, struct st_error *err)
{
	long first = sess_first_open(s), act = sess_status_active(s);
	if (first < 0) {
		if (!s->finished)
			return sess_emit(s, "session_finished", -1, json_object(), err);
		return ST_OK;
	}
	if (s->steps[first].status == STEP_PENDING && (act < 0 || (earliest_wins && act > first)))
		return sess_activate(s, (size_t)first, "next", err);
	return ST_OK;
}
