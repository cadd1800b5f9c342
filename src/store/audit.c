/*
 * audit.c — the same for every backend: recomputing a session's hash chain in one pass: every seq present
 * and in order, every prev_hash the previous hash, every hash its contents', the last
 * recorded event still there, the stored runbook text the one the first event names.
 * Also counts events whose time goes back (a fact for the auditor, not tampering).
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"

/* ---------- audit ---------- */

struct audit_ctx {
	const char *sid;
	struct store_audit *a;
	char prev[65];
	int64_t prev_at_ms;
	int64_t expect_seq;
	char *first_data; /* the start event's payload */
	store_event_cb each;
	void *each_ctx;
	struct at_cache at;
	struct strbuf buf; /* reused for every event's encoding */
};

static void audit_check(struct audit_ctx *c, const struct store_event *ev)
{
	struct store_audit *a = c->a;
	char at[32] = "";
	if (ev->seq != c->expect_seq || strcmp(ev->prev_hash, c->prev) != 0)
		util_format_utc_ms(ev->at_ms, at);
	if (ev->seq != c->expect_seq) {
		a->bad_seq = c->expect_seq;
		snprintf(a->problem, sizeof a->problem,
			 "event %lld is missing (the next stored event is %lld, %s at %s)",
			 (long long)c->expect_seq, (long long)ev->seq, ev->type, at);
		return;
	}
	if (strcmp(ev->prev_hash, c->prev) != 0) {
		a->bad_seq = ev->seq;
		snprintf(a->problem, sizeof a->problem,
			 "event %lld (%s at %s) does not follow the event before it (prev_hash differs)",
			 (long long)ev->seq, ev->type, at);
		return;
	}
	char h[65];
	store_event_hash_cached(c->sid, ev, &c->at, &c->buf, h);
	if (strcmp(h, ev->hash) != 0) {
		util_format_utc_ms(ev->at_ms, at);
		a->bad_seq = ev->seq;
		snprintf(a->problem, sizeof a->problem,
			 "event %lld (%s at %s) was altered: its hash does not match its contents",
			 (long long)ev->seq, ev->type, at);
		return;
	}
	if (ev->seq == 1)
		c->first_data = xstrdup(ev->data);
	else if (ev->at_ms < c->prev_at_ms) {
		if (a->clock_back++ == 0)
			a->clock_back_seq = ev->seq;
		if (c->prev_at_ms - ev->at_ms > a->clock_back_ms)
			a->clock_back_ms = c->prev_at_ms - ev->at_ms;
	}
	c->prev_at_ms = ev->at_ms;
	memcpy(c->prev, ev->hash, 65);
	a->n_events = ev->seq;
	c->expect_seq++;
}

/* Checks one event (until the first that does not verify), then hands it on. */
static bool audit_cb(void *vctx, const struct store_event *ev)
{
	struct audit_ctx *c = vctx;
	if (!c->a->bad_seq)
		audit_check(c, ev);
	return c->each ? c->each(c->each_ctx, ev) : !c->a->bad_seq;
}

/* The start event (seq 1) records {"runbook": {"sha256": ...}}. */
static bool start_names_runbook(const char *data, const char *sha)
{
	if (!data)
		return false;
	json_t *root = json_loads(data, 0, NULL);
	const char *rec = json_string_value(json_object_get(json_object_get(root, "runbook"), "sha256"));
	bool ok = rec && strcmp(rec, sha) == 0;
	json_decref(root);
	return ok;
}

enum st_code store_audit(struct store *st, const char *sid, struct store_audit *a, store_event_cb each,
			 void *each_ctx, struct st_error *err)
{
	memset(a, 0, sizeof *a);
	struct store_state ss;
	enum st_code rc = store_read_state(st, sid, &ss, err);
	if (rc != ST_OK)
		return rc;
	struct store_session row;
	if ((rc = store_read_session(st, sid, &row, err)) != ST_OK) {
		store_state_free(&ss);
		return rc;
	}
	struct audit_ctx c = {.sid = sid, .a = a, .expect_seq = 1, .each = each, .each_ctx = each_ctx,
			      .at = {.sec = -1}, .buf = STRBUF_INIT};
	memcpy(c.prev, GENESIS_HASH, 65);
	a->intact = true;
	rc = store_read_events(st, sid, 0, audit_cb, &c, err);
	if (rc == ST_OK) {
		if (a->bad_seq) {
			a->intact = false;
		} else if (a->n_events < ss.head_seq || (ss.head_seq == a->n_events &&
							 a->n_events > 0 &&
							 strcmp(ss.head_hash, c.prev) != 0)) {
			a->intact = false;
			a->bad_seq = a->n_events + 1;
			snprintf(a->problem, sizeof a->problem,
				 "the last events are missing: the session recorded %lld events, %lld remain",
				 (long long)ss.head_seq, (long long)a->n_events);
		} else if (a->n_events == 0) {
			a->intact = false;
			a->bad_seq = 1;
			snprintf(a->problem, sizeof a->problem, "the session has no events");
		} else {
			/* The stored runbook text must be the one the start event names. */
			char sha[65];
			util_sha256_hex(row.runbook_text, row.runbook_text_len, sha);
			if (!start_names_runbook(c.first_data, sha) ||
			    strcmp(sha, row.runbook_sha256) != 0) {
				a->intact = false;
				a->bad_seq = 1;
				snprintf(a->problem, sizeof a->problem,
					 "the stored runbook text does not match the SHA-256 recorded by event 1");
			}
		}
		snprintf(a->head, sizeof a->head, "%s", a->n_events ? c.prev : "");
	}
	free(c.first_data);
	sb_free(&c.buf);
	store_session_free(&row);
	store_state_free(&ss);
	return rc;
}
