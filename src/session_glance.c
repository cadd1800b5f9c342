/*
 * session_glance.c — a session at a glance, for the readers that list or summarise
 * sessions (`status`, `sessions`, the home screen) and for the duplicate check at
 * start: step counts in one wording, the site, the last seal, overdue and failed
 * steps, unfinished sessions of the same runbook and variables. Reads only.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session_priv.h"
#include "steward/store.h"
#include "steward/util.h"

void session_counts(const struct session *s, struct session_counts *c)
{
	*c = (struct session_counts){.total = (int)s->rb->n_steps};
	for (size_t i = 0; i < s->rb->n_steps; i++) {
		switch (s->steps[i].status) {
		case STEP_DONE: c->done++; break;
		case STEP_SKIPPED: c->skipped++; break;
		case STEP_NA: c->not_applicable++; break;
		case STEP_FAILED: c->failed++; break;
		case STEP_PENDING:
		case STEP_ACTIVE: c->open++; break;
		}
	}
}

char *session_counts_text(const struct session_counts *c)
{
	struct strbuf sb = STRBUF_INIT;
	sb_printf(&sb, "done %d, skipped %d, ", c->done, c->skipped);
	if (c->failed)
		sb_printf(&sb, "failed %d, ", c->failed);
	sb_printf(&sb, "not applicable %d, of %d", c->not_applicable, c->total);
	return sb_take(&sb);
}

char *session_site(const struct session *s)
{
	for (size_t k = 0; k < s->rb->n_variables; k++) {
		const char *v = varmap_get(&s->vars, s->rb->variables[k].name);
		if (v)
			return xasprintf("%s=%s", s->rb->variables[k].name, v);
	}
	return NULL;
}

void session_glance(const struct session *s, struct store_glance *g)
{
	struct session_counts c;
	session_counts(s, &c);
	*g = (struct store_glance){.known = true, .n_skipped = c.skipped, .n_failed = c.failed,
				   .n_na = c.not_applicable, .n_total = c.total, .site = session_site(s)};
	for (size_t i = 0; i < s->rb->n_steps && !s->finished; i++) {
		int64_t at = session_overdue_at_ms(s, i);
		if (at && (!g->overdue_at_ms || at < g->overdue_at_ms)) {
			free(g->overdue_step);
			g->overdue_step = xstrdup(s->rb->steps[i].id);
			g->overdue_at_ms = at;
		}
	}
}

/* ---------- the lock holder ---------- */

enum st_code session_lock_holder(struct store *st, const char *id, char **holder, struct st_error *err)
{
	*holder = NULL;
	struct store_lock_holder h;
	bool stale = false;
	enum st_code rc = store_lock_peek(st, id, &h, &stale, err);
	if (rc != ST_OK)
		return rc;
	if (h.host && !stale)
		*holder = h.op && strcmp(h.op, "?") != 0 ? xasprintf("%s@%s (pid %ld)", h.op, h.host, h.pid)
							 : xasprintf("%s (pid %ld)", h.host, h.pid);
	store_lock_holder_free(&h);
	return ST_OK;
}

/* ---------- the last seal ---------- */

struct seal_scan {
	struct session_seal_info *out;
};

static bool seal_cb(void *vctx, const struct store_event *ev)
{
	struct seal_scan *c = vctx;
	if (strcmp(ev->type, "seal") != 0)
		return true;
	json_t *d = json_loads(ev->data, 0, NULL);
	session_seal_info_free(c->out);
	const char *key = json_string_value(json_object_get(d, "key"));
	const char *head = json_string_value(json_object_get(d, "head"));
	*c->out = (struct session_seal_info){
		.event_seq = ev->seq, .sealed_seq = json_integer_value(json_object_get(d, "seq")), .at_ms = ev->at_ms,
		.op = xstrdup(ev->op), .host = xstrdup(ev->host), .key = key ? xstrdup(key) : NULL,
		.head = head ? xstrdup(head) : NULL};
	json_decref(d);
	return true;
}

enum st_code session_last_seal(const struct session *s, struct session_seal_info *out, struct st_error *err)
{
	*out = (struct session_seal_info){0};
	if (s->sealed_seq <= 0)
		return ST_OK;
	/* The seal event comes after the last event it covers: only the tail is read. */
	struct seal_scan c = {.out = out};
	enum st_code rc = store_read_events(s->store, s->id, s->sealed_seq, seal_cb, &c, err);
	if (rc != ST_OK)
		session_seal_info_free(out);
	return rc;
}

void session_seal_info_free(struct session_seal_info *si)
{
	free(si->op);
	free(si->host);
	free(si->key);
	free(si->head);
	*si = (struct session_seal_info){0};
}

/* ---------- listings ---------- */

/* Overdue as of now_ms, from the first wait to run out. */
static void overdue_now(struct session_summary *r, int64_t now_ms)
{
	free(r->overdue_step);
	r->overdue_step = NULL;
	r->overdue_ms = 0;
	if (r->wait_ends_ms && r->wait_step && now_ms > r->wait_ends_ms) {
		r->overdue_step = xstrdup(r->wait_step);
		r->overdue_ms = now_ms - r->wait_ends_ms;
	}
	r->detailed = true;
}

void sess_summary_take_glance(struct session_summary *r, struct store_glance *g)
{
	r->glance_known = g->known;
	r->skipped = g->n_skipped;
	r->failed = g->n_failed;
	r->not_applicable = g->n_na;
	r->total = g->n_total;
	free(r->site);
	r->site = g->site;
	free(r->wait_step);
	r->wait_step = g->overdue_step;
	r->wait_ends_ms = g->overdue_at_ms;
	g->site = g->overdue_step = NULL;
}

/* A row cached without a glance (an older steward): replay its session for one. */
static enum st_code detail_by_replay(struct store *st, struct session_summary *r, struct st_error *err)
{
	struct session *s = NULL;
	enum st_code rc = session_open(st, r->id, SESSION_READ, &s, err);
	if (rc == ST_OK) {
		struct store_glance g;
		session_glance(s, &g); /* known = true */
		sess_summary_take_glance(r, &g);
	}
	session_close(s);
	return rc;
}

enum st_code session_summaries_detail(struct store *st, struct session_summary *rows, size_t n, int64_t now_ms,
				      size_t max_replays, struct st_error *err)
{
	enum st_code first = ST_OK;
	size_t replays = 0;
	for (size_t i = 0; i < n; i++) {
		if (!rows[i].glance_known && replays++ >= max_replays)
			continue;
		struct st_error e = {0};
		enum st_code rc = rows[i].glance_known ? ST_OK : detail_by_replay(st, &rows[i], &e);
		if (rc == ST_OK)
			overdue_now(&rows[i], now_ms);
		else if (first == ST_OK)
			first = st_set(err, rc, "%s", e.msg);
	}
	return first;
}

enum st_code session_find_duplicates(struct store *st, const struct runbook *rb, const struct varmap *vars,
				     char ***ids, size_t *n, struct st_error *err)
{
	*ids = NULL;
	*n = 0;
	struct session_summary *rows = NULL;
	size_t count = 0;
	enum st_code rc = session_list(st, false, &rows, &count, err);
	for (size_t i = 0; rc == ST_OK && i < count; i++) {
		if (strcmp(rows[i].runbook_id, rb->id) != 0)
			continue;
		struct session *s = NULL;
		rc = session_open(st, rows[i].id, SESSION_READ, &s, err);
		if (rc != ST_OK)
			break;
		bool same = !s->finished;
		for (size_t k = 0; same && k < rb->n_variables; k++)
			same = util_streq(varmap_get(&s->vars, rb->variables[k].name),
					  varmap_get(vars, rb->variables[k].name));
		if (same) {
			*ids = xreallocarray(*ids, *n + 1, sizeof **ids);
			(*ids)[(*n)++] = xstrdup(s->id);
		}
		session_close(s);
	}
	session_summaries_free(rows, count);
	if (rc != ST_OK) {
		for (size_t i = 0; i < *n; i++)
			free((*ids)[i]);
		free(*ids);
		*ids = NULL;
		*n = 0;
	}
	return rc;
}
