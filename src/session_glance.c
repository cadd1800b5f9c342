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
		*holder = xasprintf("%s (pid %ld)", h.host, h.pid);
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

static void detail_row(const struct session *s, struct session_summary *r, int64_t now_ms)
{
	struct session_counts c;
	session_counts(s, &c);
	r->skipped = c.skipped;
	r->failed = c.failed;
	r->not_applicable = c.not_applicable;
	r->total = c.total;
	r->site = session_site(s);
	r->active_step = s->active >= 0 ? xstrdup(s->rb->steps[s->active].id) : NULL;
	for (size_t i = 0; i < s->rb->n_steps && !s->finished; i++) {
		int64_t over = session_overdue_ms(s, i, now_ms);
		if (over > r->overdue_ms) {
			free(r->overdue_step);
			r->overdue_step = xstrdup(s->rb->steps[i].id);
			r->overdue_ms = over;
		}
	}
	r->detailed = true;
}

enum st_code session_summaries_detail(struct store *st, struct session_summary *rows, size_t n, int64_t now_ms,
				      struct st_error *err)
{
	enum st_code first = ST_OK;
	for (size_t i = 0; i < n; i++) {
		struct session *s = NULL;
		struct st_error e = {0};
		enum st_code rc = session_open(st, rows[i].id, SESSION_READ, &s, &e);
		if (rc == ST_OK)
			detail_row(s, &rows[i], now_ms);
		else if (first == ST_OK)
			first = st_set(err, rc, "%s", e.msg);
		session_close(s);
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
