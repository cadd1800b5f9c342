/*
 * session.c — the session engine: every transition rule, the fold of events into
 * state, and the transaction that appends events and their projection together.
 *
 * Invariants:
 *  - the in-memory state is exactly a replay of the stored events: live transitions go
 *    through the same apply() as a replay, and only after store_append succeeded; when a
 *    transaction fails, the state is rebuilt from the store;
 *  - every event's payload is a JSON object of valid UTF-8 (untrusted text is repaired);
 *  - rules live in the check_* functions below and nowhere else.
 */
#include "steward/session.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "steward/store.h"
#include "steward/util.h"

/* ---------- names ---------- */

const char *step_status_name(enum step_status st)
{
	switch (st) {
	case STEP_PENDING: return "pending";
	case STEP_ACTIVE: return "active";
	case STEP_DONE: return "done";
	case STEP_SKIPPED: return "skipped";
	case STEP_FAILED: return "failed";
	case STEP_NA: return "not-applicable";
	}
	return "pending";
}

const char *completed_by_name(enum completed_by by)
{
	switch (by) {
	case BY_NONE: return NULL;
	case BY_OPERATOR: return "operator";
	case BY_MARKERS: return "markers";
	case BY_OVERRIDE: return "override";
	}
	return NULL;
}

/* ---------- small helpers ---------- */

/* Valid UTF-8 copy of s: invalid bytes become U+FFFD (jansson refuses anything else). */
static char *utf8_clean(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		unsigned c = *p;
		size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
		bool ok = n > 0;
		uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
		for (size_t i = 1; ok && i < n; i++) {
			if ((p[i] & 0xC0) != 0x80)
				ok = false;
			else
				cp = (cp << 6) | (p[i] & 0x3F);
		}
		if (ok && ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
			   cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)))
			ok = false;
		if (ok) {
			sb_append(&sb, (const char *)p, n);
			p += n;
		} else {
			sb_puts(&sb, "\xEF\xBF\xBD");
			p++;
		}
	}
	return sb_take(&sb);
}

static json_t *jstr(const char *s)
{
	if (!s)
		return json_null();
	char *c = utf8_clean(s);
	json_t *j = json_string(c);
	free(c);
	return j ? j : json_string("");
}

static bool blank(const char *s)
{
	if (!s)
		return true;
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

static const char *jget_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int64_t jget_int(const json_t *o, const char *key)
{
	return (int64_t)json_integer_value(json_object_get(o, key));
}

static char *default_operator(void)
{
	const char *env = getenv("STEWARD_OPERATOR");
	if (env && *env)
		return xstrdup(env);
	struct passwd *pw = getpwuid(geteuid());
	if (pw && pw->pw_name && *pw->pw_name)
		return xstrdup(pw->pw_name);
	const char *user = getenv("USER");
	return xstrdup(user && *user ? user : "unknown");
}

static char *default_host(void)
{
	char buf[HOST_NAME_MAX + 1];
	if (gethostname(buf, sizeof buf) != 0)
		return xstrdup("unknown");
	buf[sizeof buf - 1] = '\0';
	return xstrdup(buf);
}

static const char *step_id(const struct session *s, long i)
{
	return i >= 0 && (size_t)i < s->rb->n_steps ? s->rb->steps[i].id : NULL;
}

/* ---------- state ---------- */

static void step_state_clear_evidence(struct step_state *st)
{
	for (size_t i = 0; i < st->n_markers; i++) {
		free(st->markers[i].line);
		free(st->markers[i].file);
	}
	free(st->markers);
	st->markers = NULL;
	st->n_markers = 0;
	for (size_t i = 0; i < st->n_failures; i++) {
		free(st->failures[i].line);
		free(st->failures[i].file);
	}
	free(st->failures);
	st->failures = NULL;
	st->n_failures = 0;
}

static void state_free(struct session *s)
{
	if (s->steps) {
		for (size_t i = 0; i < s->rb->n_steps; i++) {
			struct step_state *st = &s->steps[i];
			step_state_clear_evidence(st);
			free(st->completed_op);
			free(st->matched);
			free(st->ticked);
			for (size_t l = 0; l < s->rb->n_logs; l++)
				free(st->window[l].path);
			free(st->window);
		}
		free(s->steps);
		s->steps = NULL;
	}
	if (s->logs) {
		for (size_t l = 0; l < s->rb->n_logs; l++)
			free(s->logs[l].path);
		free(s->logs);
		s->logs = NULL;
	}
	for (size_t i = 0; i < s->n_notes; i++) {
		free(s->notes[i].op);
		free(s->notes[i].text);
	}
	free(s->notes);
	s->notes = NULL;
	s->n_notes = 0;
	varmap_free(&s->vars);
	memset(&s->vars, 0, sizeof s->vars);
	free(s->label);
	free(s->op);
	free(s->host);
	free(s->log_dir);
	s->label = s->op = s->host = s->log_dir = NULL;
}

static void state_init(struct session *s)
{
	const struct runbook *rb = s->rb;
	s->steps = xcalloc(rb->n_steps ? rb->n_steps : 1, sizeof *s->steps);
	for (size_t i = 0; i < rb->n_steps; i++) {
		struct step_state *st = &s->steps[i];
		st->status = STEP_PENDING;
		st->matched = xcalloc(rb->steps[i].n_verify + 1, sizeof *st->matched);
		st->ticked = xcalloc(rb->steps[i].n_checklist + 1, sizeof *st->ticked);
		st->window = xcalloc(rb->n_logs + 1, sizeof *st->window);
	}
	s->logs = xcalloc(rb->n_logs + 1, sizeof *s->logs);
	s->active = -1;
	s->finished = false;
	s->finished_ms = 0;
	s->seq = 0;
	s->positioned = false;
	memset(s->head_hash, 0, sizeof s->head_hash);
}

static bool applicable(const struct session *s, size_t i) { return s->steps[i].status != STEP_NA; }

/* First applicable step that is not done or skipped; -1 when none. */
static long first_open(const struct session *s)
{
	for (size_t i = 0; i < s->rb->n_steps; i++) {
		enum step_status st = s->steps[i].status;
		if (st != STEP_NA && st != STEP_DONE && st != STEP_SKIPPED)
			return (long)i;
	}
	return -1;
}

static long status_active(const struct session *s)
{
	for (size_t i = 0; i < s->rb->n_steps; i++)
		if (s->steps[i].status == STEP_ACTIVE)
			return (long)i;
	return -1;
}

static void recompute_active(struct session *s)
{
	long a = status_active(s);
	s->active = a >= 0 ? a : first_open(s);
}

void session_progress(const struct session *s, int *done, int *applicable_out)
{
	int d = 0, a = 0;
	for (size_t i = 0; i < s->rb->n_steps; i++) {
		if (!applicable(s, i))
			continue;
		a++;
		if (s->steps[i].status == STEP_DONE || s->steps[i].status == STEP_SKIPPED)
			d++;
	}
	if (done)
		*done = d;
	if (applicable_out)
		*applicable_out = a;
}

static void add_note(struct session *s, int64_t at, const char *op, long step, const char *text,
		     const char *kind)
{
	if (!text)
		return;
	s->notes = xreallocarray(s->notes, s->n_notes + 1, sizeof *s->notes);
	s->notes[s->n_notes++] = (struct sess_note){
		.at_ms = at, .op = xstrdup(op), .text = xstrdup(text), .step = step, .kind = kind};
}

static void set_completed(struct step_state *st, enum step_status status, enum completed_by by,
			  int64_t at, const char *op)
{
	st->status = status;
	st->completed_by = by;
	st->completed_ms = at;
	free(st->completed_op);
	st->completed_op = op ? xstrdup(op) : NULL;
}

static void set_position(struct log_position *p, const json_t *o)
{
	free(p->path);
	const char *path = jget_str(o, "path");
	p->path = path ? xstrdup(path) : NULL;
	p->dev = (uint64_t)jget_int(o, "dev");
	p->ino = (uint64_t)jget_int(o, "ino");
	p->offset = (uint64_t)(json_object_get(o, "size") ? jget_int(o, "size") : jget_int(o, "offset"));
}

static enum st_code apply_started(struct session *s, const json_t *d, int64_t at, const char *op,
				  const char *host, struct st_error *err)
{
	free(s->label);
	s->label = jget_str(d, "label") ? xstrdup(jget_str(d, "label")) : NULL;
	s->rehearsal = json_is_true(json_object_get(d, "rehearsal"));
	s->started_ms = at;
	free(s->op);
	s->op = xstrdup(op);
	free(s->host);
	s->host = xstrdup(host);
	free(s->log_dir);
	s->log_dir = jget_str(d, "log_dir") ? xstrdup(jget_str(d, "log_dir")) : NULL;
	const char *name;
	json_t *v;
	json_object_foreach(json_object_get(d, "variables"), name, v)
		if (json_is_string(v))
			varmap_set(&s->vars, name, json_string_value(v));
	json_t *logs = json_object_get(d, "logs");
	for (size_t l = 0; l < s->rb->n_logs; l++) {
		const char *path = jget_str(logs, s->rb->logs[l].name);
		if (!path)
			return st_set(err, ST_INVALID, "session %s: the start event has no path for log %s",
				      s->id, s->rb->logs[l].name);
		free(s->logs[l].path);
		s->logs[l].path = xstrdup(path);
	}
	for (size_t i = 0; i < s->rb->n_steps; i++)
		s->steps[i].status = vars_step_applies(&s->rb->steps[i], &s->vars) ? STEP_PENDING : STEP_NA;
	return ST_OK;
}

static void apply_activated(struct session *s, size_t i, const json_t *d, int64_t at)
{
	long prev = status_active(s);
	if (prev >= 0 && (size_t)prev != i)
		s->steps[prev].status = STEP_PENDING;
	struct step_state *st = &s->steps[i];
	st->status = STEP_ACTIVE;
	st->activated_ms = at;
	set_completed(st, STEP_ACTIVE, BY_NONE, 0, NULL);
	step_state_clear_evidence(st);
	memset(st->matched, 0, (s->rb->steps[i].n_verify + 1) * sizeof *st->matched);
	json_t *logs = json_object_get(d, "logs");
	for (size_t l = 0; l < s->rb->n_logs; l++) {
		set_position(&st->window[l], json_array_get(logs, l));
		if (!s->positioned) {
			free(s->logs[l].path);
			s->logs[l] = st->window[l];
			s->logs[l].path = st->window[l].path ? xstrdup(st->window[l].path) : NULL;
		}
	}
	s->positioned = true;
}

static void apply_marker(struct session *s, size_t i, const json_t *d, int64_t at)
{
	struct step_state *st = &s->steps[i];
	size_t vb = (size_t)jget_int(d, "verify"), ex = (size_t)jget_int(d, "expect");
	if (vb >= s->rb->steps[i].n_verify)
		return;
	st->markers = xreallocarray(st->markers, st->n_markers + 1, sizeof *st->markers);
	const char *line = jget_str(d, "line"), *file = jget_str(d, "file");
	st->markers[st->n_markers++] = (struct sess_marker){
		.verify = vb, .expect = ex, .line = xstrdup(line ? line : ""),
		.file = xstrdup(file ? file : ""), .offset = (uint64_t)jget_int(d, "offset"), .at_ms = at};
	if (ex + 1 > st->matched[vb])
		st->matched[vb] = ex + 1;
}

static void apply_failure(struct session *s, size_t i, const json_t *d, int64_t at, const char *op)
{
	struct step_state *st = &s->steps[i];
	st->failures = xreallocarray(st->failures, st->n_failures + 1, sizeof *st->failures);
	const char *line = jget_str(d, "line"), *file = jget_str(d, "file");
	st->failures[st->n_failures++] = (struct sess_failure){
		.fail = (size_t)jget_int(d, "fail"), .line = xstrdup(line ? line : ""),
		.file = xstrdup(file ? file : ""), .offset = (uint64_t)jget_int(d, "offset"), .at_ms = at};
	if (st->status != STEP_FAILED)
		set_completed(st, STEP_FAILED, BY_NONE, at, op);
}

/* The fold: one event into the state. Unknown types are ignored (newer writers). */
static enum st_code apply(struct session *s, const char *type, const char *step, const json_t *d,
			  int64_t at, const char *op, const char *host, struct st_error *err)
{
	long i = -1;
	if (step) {
		i = runbook_step_index(s->rb, step);
		if (i < 0)
			return st_set(err, ST_INVALID,
				      "session %s: an event names step '%s', which its stored runbook lacks",
				      s->id, step);
	}
	s->last_activity_ms = at;
	if (strcmp(type, "session_started") == 0)
		return apply_started(s, d, at, op, host, err);
	if (strcmp(type, "note_added") == 0) {
		add_note(s, at, op, i, jget_str(d, "text"), "note");
		return ST_OK;
	}
	if (strcmp(type, "session_finished") == 0) {
		s->finished = true;
		s->finished_ms = at;
		return ST_OK;
	}
	if (strcmp(type, "positions_saved") == 0) {
		json_t *logs = json_object_get(d, "logs");
		for (size_t l = 0; l < s->rb->n_logs && l < json_array_size(logs); l++)
			set_position(&s->logs[l], json_array_get(logs, l));
		s->positioned = true;
		return ST_OK;
	}
	if (strcmp(type, "log_rotated") == 0)
		return ST_OK;
	if (i < 0)
		return ST_OK;
	struct step_state *st = &s->steps[i];
	if (strcmp(type, "step_activated") == 0) {
		apply_activated(s, (size_t)i, d, at);
	} else if (strcmp(type, "step_completed") == 0) {
		set_completed(st, STEP_DONE, BY_OPERATOR, at, op);
		add_note(s, at, op, i, jget_str(d, "note"), "complete");
	} else if (strcmp(type, "step_overridden") == 0) {
		set_completed(st, STEP_DONE, BY_OVERRIDE, at, op);
		add_note(s, at, op, i, jget_str(d, "note"), "override");
	} else if (strcmp(type, "step_verified") == 0) {
		set_completed(st, STEP_DONE, BY_MARKERS, at, op);
	} else if (strcmp(type, "step_skipped") == 0) {
		set_completed(st, STEP_SKIPPED, BY_NONE, at, op);
		add_note(s, at, op, i, jget_str(d, "reason"), "skip");
	} else if (strcmp(type, "step_failed") == 0) {
		set_completed(st, STEP_FAILED, BY_NONE, at, op);
		add_note(s, at, op, i, jget_str(d, "note"), "fail");
	} else if (strcmp(type, "step_reopened") == 0) {
		set_completed(st, STEP_PENDING, BY_NONE, 0, NULL);
		add_note(s, at, op, i, jget_str(d, "reason"), "reopen");
	} else if (strcmp(type, "checklist_ticked") == 0) {
		size_t item = (size_t)jget_int(d, "item");
		if (item < s->rb->steps[i].n_checklist)
			st->ticked[item] = json_is_true(json_object_get(d, "ticked"));
	} else if (strcmp(type, "marker_seen") == 0) {
		apply_marker(s, (size_t)i, d, at);
	} else if (strcmp(type, "failure_seen") == 0) {
		apply_failure(s, (size_t)i, d, at, op);
	}
	return ST_OK;
}

/* ---------- replay ---------- */

struct replay_ctx {
	struct session *s;
	struct st_error *err;
	enum st_code rc;
};

static bool replay_cb(void *vctx, const struct store_event *ev)
{
	struct replay_ctx *c = vctx;
	json_error_t jerr;
	json_t *d = json_loads(ev->data, 0, &jerr);
	if (!json_is_object(d)) {
		json_decref(d);
		if (c->s->writable) {
			c->rc = st_set(c->err, ST_INVALID,
				       "session %s: event %lld has an unreadable payload (%s) — "
				       "`steward audit` says more; the session cannot be continued",
				       c->s->id, (long long)ev->seq, jerr.text);
			return false;
		}
		/* Readers (export, audit) go on, so that a damaged trail can still be shown. */
		d = json_object();
	}
	if (ev->seq == 1 && strcmp(ev->type, "session_started") != 0) {
		json_decref(d);
		c->rc = st_set(c->err, ST_INVALID, "session %s: the first event is not session_started",
			       c->s->id);
		return false;
	}
	c->rc = apply(c->s, ev->type, ev->step, d, ev->at_ms, ev->op, ev->host, c->err);
	json_decref(d);
	if (c->rc != ST_OK)
		return false;
	recompute_active(c->s);
	c->s->seq = ev->seq;
	memcpy(c->s->head_hash, ev->hash, sizeof c->s->head_hash);
	return true;
}

static enum st_code replay_from(struct session *s, int64_t after, struct st_error *err)
{
	struct replay_ctx c = {.s = s, .err = err, .rc = ST_OK};
	enum st_code rc = store_read_events(s->store, s->id, after, replay_cb, &c, err);
	return rc != ST_OK ? rc : c.rc;
}

static enum st_code reload(struct session *s, struct st_error *err)
{
	state_free(s);
	state_init(s);
	return replay_from(s, 0, err);
}

/* ---------- the transaction ---------- */

static enum st_code must_write(const struct session *s, struct st_error *err)
{
	if (!s->writable)
		return st_set(err, ST_SOFTWARE, "session %s was opened read-only", s->id);
	return ST_OK;
}

/* Appends one event (data is consumed) and folds it into the state. */
static enum st_code emit(struct session *s, const char *type, long step, json_t *data,
			 struct st_error *err)
{
	char *text = json_dumps(data, JSON_COMPACT | JSON_SORT_KEYS);
	if (!text)
		util_fatal("cannot encode the payload of a %s event", type);
	struct store_event ev = {
		.at_ms = util_now_ms(), .op = s->actor_op, .host = s->actor_host,
		.type = type, .step = step_id(s, step), .data = text};
	enum st_code rc = store_append(s->store, s->id, s->seq, &ev, err);
	if (rc == ST_OK) {
		rc = apply(s, type, ev.step, data, ev.at_ms, s->actor_op, s->actor_host, err);
		recompute_active(s);
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
	out->active_step = s->active >= 0 ? xstrdup(step_id(s, s->active)) : NULL;
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

static enum st_code tx_begin(struct session *s, struct st_error *err)
{
	enum st_code rc = must_write(s, err);
	return rc != ST_OK ? rc : store_begin(s->store, err);
}

/* Ends a transaction: commits (with the projection) when rc is ST_OK, else rolls back
 * and rebuilds the state from the store. Returns rc, or the commit's failure. */
static enum st_code tx_end(struct session *s, enum st_code rc, struct st_error *err)
{
	if (rc == ST_OK) {
		struct store_state ss;
		session_projection(s, &ss);
		rc = store_put_state(s->store, s->id, &ss, err);
		store_state_free(&ss);
		if (rc == ST_OK)
			rc = store_commit(s->store, err);
		if (rc == ST_OK)
			return ST_OK;
	}
	store_rollback(s->store);
	struct st_error ignored;
	if (reload(s, &ignored) != ST_OK)
		s->writable = false; /* cannot trust memory any more: refuse further writes */
	return rc;
}

/* ---------- activation, advancing, finishing ---------- */

static json_t *window_json(const struct session *s)
{
	json_t *arr = json_array();
	for (size_t l = 0; l < s->rb->n_logs; l++) {
		const char *path = s->logs[l].path;
		struct stat sb;
		uint64_t dev = 0, ino = 0, size = 0;
		if (path && stat(path, &sb) == 0) {
			dev = (uint64_t)sb.st_dev;
			ino = (uint64_t)sb.st_ino;
			size = (uint64_t)sb.st_size;
		}
		json_array_append_new(arr, json_pack("{s:s, s:o, s:I, s:I, s:I}", "log", s->rb->logs[l].name,
						     "path", jstr(path), "dev", (json_int_t)dev, "ino",
						     (json_int_t)ino, "size", (json_int_t)size));
	}
	return arr;
}

static enum st_code activate(struct session *s, size_t i, const char *why, struct st_error *err)
{
	return emit(s, "step_activated", (long)i, json_pack("{s:o, s:s}", "logs", window_json(s), "why", why),
		    err);
}

/*
 * After a step left the open set (done/skipped/verified) or was reopened: the first
 * applicable step not done or skipped becomes active when nothing is active (or, after
 * a reopen, when it comes before the active step); finished when no open step is left.
 */
static enum st_code advance(struct session *s, bool earliest_wins, struct st_error *err)
{
	long first = first_open(s), act = status_active(s);
	if (first < 0) {
		if (!s->finished)
			return emit(s, "session_finished", -1, json_object(), err);
		return ST_OK;
	}
	if (s->steps[first].status == STEP_PENDING && (act < 0 || (earliest_wins && act > first)))
		return activate(s, (size_t)first, "next", err);
	return ST_OK;
}

/* ---------- rules ---------- */

static enum st_code check_step(const struct session *s, size_t i, struct st_error *err)
{
	if (i >= s->rb->n_steps)
		return st_set(err, ST_USAGE, "no step number %zu in runbook %s (it has %zu)", i + 1,
			      s->rb->id, s->rb->n_steps);
	if (s->steps[i].status == STEP_NA)
		return st_set(err, ST_INVALID,
			      "step '%s' does not apply to this session (its `when:` is false) — nothing "
			      "can be recorded on it", s->rb->steps[i].id);
	return ST_OK;
}

static enum st_code check_open(const struct session *s, struct st_error *err)
{
	if (s->finished)
		return st_set(err, ST_INVALID, "session %s is finished — its steps can no longer change", s->id);
	return ST_OK;
}

/* The step may be completed (or skipped, failed) from its current status. */
static enum st_code check_not_closed(const struct session *s, size_t i, const char *verb,
				     struct st_error *err)
{
	const char *id = s->rb->steps[i].id;
	switch (s->steps[i].status) {
	case STEP_DONE:
		return st_set(err, ST_TEMPFAIL, "step '%s' is already done — reopen it (with a reason) to %s it",
			      id, verb);
	case STEP_SKIPPED:
		return st_set(err, ST_TEMPFAIL, "step '%s' was skipped — reopen it (with a reason) to %s it", id,
			      verb);
	default:
		return ST_OK;
	}
}

static enum st_code check_wait(const struct session *s, size_t i, int64_t now, struct st_error *err)
{
	const struct rb_step *step = &s->rb->steps[i];
	if (step->wait_s <= 0)
		return ST_OK;
	char total[64];
	duration_format(step->wait_s, total, sizeof total);
	if (s->steps[i].activated_ms == 0)
		return st_set(err, ST_TEMPFAIL,
			      "step '%s' has not started: it needs %s after it becomes active — start it first",
			      step->id, total);
	int64_t left = session_wait_remaining_ms(s, i, now);
	if (left <= 0)
		return ST_OK;
	char more[64], since[32];
	duration_format((long)((left + 999) / 1000), more, sizeof more);
	util_format_utc_ms(s->steps[i].activated_ms, since);
	return st_set(err, ST_TEMPFAIL, "step '%s': wait %s more — it needs %s after it became active (%s)",
		      step->id, more, total, since);
}

static enum st_code check_confirm(const struct session *s, size_t i, const char *word,
				  struct st_error *err)
{
	const struct rb_step *step = &s->rb->steps[i];
	if (!step->confirm)
		return ST_OK;
	if (blank(word))
		return st_set(err, ST_TEMPFAIL, "step '%s' needs the confirm word: type %s to complete it",
			      step->id, step->confirm);
	/* Surrounding blanks are forgiven; the word itself must match exactly. */
	while (*word == ' ' || *word == '\t')
		word++;
	size_t n = strlen(word);
	while (n && (word[n - 1] == ' ' || word[n - 1] == '\t' || word[n - 1] == '\n' || word[n - 1] == '\r'))
		n--;
	if (n != strlen(step->confirm) || strncmp(word, step->confirm, n) != 0)
		return st_set(err, ST_TEMPFAIL, "step '%s': wrong confirm word — type %s exactly to complete it",
			      step->id, step->confirm);
	return ST_OK;
}

static enum st_code need_text(const char *text, const char *what, const struct session *s, size_t i,
			      struct st_error *err)
{
	if (blank(text))
		return st_set(err, ST_USAGE, "%s step '%s' needs %s", what, s->rb->steps[i].id,
			      strcmp(what, "to fail") == 0 || strcmp(what, "to override") == 0 ? "a note"
											      : "a reason");
	return ST_OK;
}

static enum st_code check_failed(const struct session *s, size_t i, const char *verb, struct st_error *err)
{
	if (s->steps[i].status == STEP_FAILED)
		return st_set(err, ST_TEMPFAIL, "step '%s' failed — reopen it (with a reason) before you %s it",
			      s->rb->steps[i].id, verb);
	return ST_OK;
}

/* ---------- operator transitions ---------- */

int64_t session_wait_remaining_ms(const struct session *s, size_t step, int64_t now_ms)
{
	if (step >= s->rb->n_steps || s->rb->steps[step].wait_s <= 0)
		return 0;
	int64_t wait_ms = (int64_t)s->rb->steps[step].wait_s * 1000;
	if (s->steps[step].activated_ms == 0)
		return wait_ms;
	int64_t left = s->steps[step].activated_ms + wait_ms - now_ms;
	return left > 0 ? left : 0;
}

int64_t session_window_start_ms(const struct session *s, size_t step, size_t vb)
{
	if (step >= s->rb->n_steps)
		return 0;
	const struct rb_step *st = &s->rb->steps[step];
	if (vb < st->n_verify && st->verify[vb].since_index >= 0)
		return s->steps[st->verify[vb].since_index].activated_ms;
	return s->steps[step].activated_ms;
}

enum st_code session_complete(struct session *s, size_t step, const char *confirm_word, const char *note,
			      struct st_error *err)
{
	enum st_code rc;
	if ((rc = check_step(s, step, err)) || (rc = check_open(s, err)) ||
	    (rc = check_not_closed(s, step, "complete", err)) || (rc = check_failed(s, step, "complete", err)))
		return rc;
	if (s->rb->steps[step].n_verify > 0)
		return st_set(err, ST_TEMPFAIL,
			      "step '%s' completes itself when its log lines are seen — to complete it by "
			      "hand, use override with a note", s->rb->steps[step].id);
	if ((rc = check_wait(s, step, util_now_ms(), err)) || (rc = check_confirm(s, step, confirm_word, err)))
		return rc;
	if ((rc = tx_begin(s, err)) != ST_OK)
		return rc;
	json_t *d = json_object();
	if (s->rb->steps[step].confirm)
		json_object_set_new(d, "confirmed", json_true());
	if (!blank(note))
		json_object_set_new(d, "note", jstr(note));
	rc = emit(s, "step_completed", (long)step, d, err);
	if (rc == ST_OK)
		rc = advance(s, false, err);
	return tx_end(s, rc, err);
}

enum st_code session_override(struct session *s, size_t step, const char *note, struct st_error *err)
{
	enum st_code rc;
	if ((rc = check_step(s, step, err)) || (rc = check_open(s, err)) ||
	    (rc = need_text(note, "to override", s, step, err)) ||
	    (rc = check_not_closed(s, step, "complete", err)) || (rc = check_failed(s, step, "complete", err)))
		return rc;
	if (s->rb->steps[step].n_verify == 0)
		return st_set(err, ST_USAGE, "step '%s' has no log verification to override — complete it instead",
			      s->rb->steps[step].id);
	if ((rc = check_wait(s, step, util_now_ms(), err)) != ST_OK)
		return rc;
	if ((rc = tx_begin(s, err)) != ST_OK)
		return rc;
	rc = emit(s, "step_overridden", (long)step, json_pack("{s:o}", "note", jstr(note)), err);
	if (rc == ST_OK)
		rc = advance(s, false, err);
	return tx_end(s, rc, err);
}

enum st_code session_skip(struct session *s, size_t step, const char *reason, struct st_error *err)
{
	enum st_code rc;
	if ((rc = check_step(s, step, err)) || (rc = check_open(s, err)) ||
	    (rc = need_text(reason, "to skip", s, step, err)) || (rc = check_not_closed(s, step, "skip", err)))
		return rc;
	if ((rc = tx_begin(s, err)) != ST_OK)
		return rc;
	rc = emit(s, "step_skipped", (long)step, json_pack("{s:o}", "reason", jstr(reason)), err);
	if (rc == ST_OK)
		rc = advance(s, false, err);
	return tx_end(s, rc, err);
}

enum st_code session_fail(struct session *s, size_t step, const char *note, struct st_error *err)
{
	enum st_code rc;
	if ((rc = check_step(s, step, err)) || (rc = check_open(s, err)) ||
	    (rc = need_text(note, "to fail", s, step, err)) || (rc = check_not_closed(s, step, "fail", err)))
		return rc;
	if (s->steps[step].status == STEP_FAILED)
		return st_set(err, ST_TEMPFAIL, "step '%s' is already marked failed", s->rb->steps[step].id);
	if ((rc = tx_begin(s, err)) != ST_OK)
		return rc;
	rc = emit(s, "step_failed", (long)step, json_pack("{s:o}", "note", jstr(note)), err);
	return tx_end(s, rc, err);
}

enum st_code session_reopen(struct session *s, size_t step, const char *reason, struct st_error *err)
{
	enum st_code rc;
	if ((rc = check_step(s, step, err)) || (rc = check_open(s, err)) ||
	    (rc = need_text(reason, "to reopen", s, step, err)))
		return rc;
	enum step_status st = s->steps[step].status;
	if (st != STEP_DONE && st != STEP_SKIPPED && st != STEP_FAILED)
		return st_set(err, ST_TEMPFAIL, "step '%s' is %s — only a done, skipped or failed step can be reopened",
			      s->rb->steps[step].id, step_status_name(st));
	if ((rc = tx_begin(s, err)) != ST_OK)
		return rc;
	rc = emit(s, "step_reopened", (long)step, json_pack("{s:o}", "reason", jstr(reason)), err);
	if (rc == ST_OK)
		rc = advance(s, true, err);
	return tx_end(s, rc, err);
}

enum st_code session_activate(struct session *s, size_t step, struct st_error *err)
{
	enum st_code rc;
	if ((rc = check_step(s, step, err)) || (rc = check_open(s, err)) ||
	    (rc = check_not_closed(s, step, "start", err)) || (rc = check_failed(s, step, "start", err)))
		return rc;
	if (s->steps[step].status == STEP_ACTIVE)
		return ST_OK;
	if ((rc = tx_begin(s, err)) != ST_OK)
		return rc;
	rc = activate(s, step, "out-of-order", err);
	return tx_end(s, rc, err);
}

enum st_code session_note(struct session *s, long step, const char *text, struct st_error *err)
{
	enum st_code rc;
	if (step >= 0 && (rc = check_step(s, (size_t)step, err)) != ST_OK)
		return rc;
	if (blank(text))
		return st_set(err, ST_USAGE, "a note needs some text");
	if ((rc = tx_begin(s, err)) != ST_OK)
		return rc;
	rc = emit(s, "note_added", step, json_pack("{s:o}", "text", jstr(text)), err);
	return tx_end(s, rc, err);
}

enum st_code session_tick(struct session *s, size_t step, size_t item, bool ticked, struct st_error *err)
{
	enum st_code rc;
	if ((rc = check_step(s, step, err)) || (rc = check_open(s, err)))
		return rc;
	if (item >= s->rb->steps[step].n_checklist)
		return st_set(err, ST_USAGE, "step '%s' has no checklist item %zu", s->rb->steps[step].id, item + 1);
	if (s->steps[step].ticked[item] == ticked)
		return ST_OK;
	if ((rc = tx_begin(s, err)) != ST_OK)
		return rc;
	rc = emit(s, "checklist_ticked", (long)step,
		  json_pack("{s:I, s:b, s:o}", "item", (json_int_t)item, "ticked", ticked, "text",
			    jstr(s->rb->steps[step].checklist[item])),
		  err);
	return tx_end(s, rc, err);
}

/* ---------- observations (the watch engine) ---------- */

static bool all_verified(const struct session *s, size_t i)
{
	const struct rb_step *step = &s->rb->steps[i];
	for (size_t vb = 0; vb < step->n_verify; vb++)
		if (s->steps[i].matched[vb] < step->verify[vb].n_expect)
			return false;
	return step->n_verify > 0;
}

static enum st_code check_observable(const struct session *s, size_t i, struct st_error *err)
{
	enum st_code rc;
	if ((rc = check_step(s, i, err)) || (rc = check_open(s, err)))
		return rc;
	enum step_status st = s->steps[i].status;
	if (st != STEP_ACTIVE && st != STEP_PENDING)
		return st_set(err, ST_TEMPFAIL, "step '%s' is %s: log lines no longer count for it",
			      s->rb->steps[i].id, step_status_name(st));
	return ST_OK;
}

enum st_code session_record_marker(struct session *s, size_t step, size_t verify, size_t expect,
				   const char *file, uint64_t offset, const char *line, struct st_error *err)
{
	enum st_code rc;
	if ((rc = check_observable(s, step, err)) != ST_OK)
		return rc;
	const struct rb_step *rs = &s->rb->steps[step];
	if (verify >= rs->n_verify || expect >= rs->verify[verify].n_expect)
		return st_set(err, ST_SOFTWARE, "step '%s' has no expect %zu in verify block %zu", rs->id, expect,
			      verify);
	size_t matched = s->steps[step].matched[verify];
	if (expect < matched)
		return ST_OK; /* seen again after a restart: already recorded */
	if (expect > matched)
		return st_set(err, ST_SOFTWARE,
			      "step '%s': expect %zu of verify block %zu recorded before expect %zu", rs->id,
			      expect, verify, matched);
	if ((rc = tx_begin(s, err)) != ST_OK)
		return rc;
	const struct rb_verify *vb = &rs->verify[verify];
	char *expect_text = vars_subst(vb->expect[expect].text, &s->vars);
	rc = emit(s, "marker_seen", (long)step,
		  json_pack("{s:I, s:I, s:s, s:o, s:o, s:o, s:I}", "verify", (json_int_t)verify, "expect",
			    (json_int_t)expect, "log", vb->log, "pattern", jstr(expect_text), "line", jstr(line),
			    "file", jstr(file), "offset", (json_int_t)offset),
		  err);
	free(expect_text);
	if (rc == ST_OK && all_verified(s, step)) {
		rc = emit(s, "step_verified", (long)step, json_object(), err);
		if (rc == ST_OK)
			rc = advance(s, false, err);
	}
	return tx_end(s, rc, err);
}

enum st_code session_record_failure(struct session *s, size_t step, size_t fail, const char *file,
				    uint64_t offset, const char *line, struct st_error *err)
{
	enum st_code rc;
	if ((rc = check_step(s, step, err)) || (rc = check_open(s, err)))
		return rc;
	const struct rb_step *rs = &s->rb->steps[step];
	enum step_status st = s->steps[step].status;
	if (st == STEP_DONE || st == STEP_SKIPPED)
		return st_set(err, ST_TEMPFAIL, "step '%s' is %s: log lines no longer count for it", rs->id,
			      step_status_name(st));
	if (fail >= rs->n_fail)
		return st_set(err, ST_SOFTWARE, "step '%s' has no failure signature %zu", rs->id, fail);
	if ((rc = tx_begin(s, err)) != ST_OK)
		return rc;
	char *hint = vars_subst(rs->fail[fail].hint, &s->vars);
	rc = emit(s, "failure_seen", (long)step,
		  json_pack("{s:I, s:s, s:o, s:o, s:o, s:I}", "fail", (json_int_t)fail, "log", rs->fail[fail].log,
			    "hint", jstr(hint), "line", jstr(line), "file", jstr(file), "offset",
			    (json_int_t)offset),
		  err);
	free(hint);
	return tx_end(s, rc, err);
}

enum st_code session_record_rotation(struct session *s, size_t log, const char *old_file,
				     const char *new_file, struct st_error *err)
{
	if (log >= s->rb->n_logs)
		return st_set(err, ST_SOFTWARE, "runbook %s has no log %zu", s->rb->id, log);
	enum st_code rc = tx_begin(s, err);
	if (rc != ST_OK)
		return rc;
	rc = emit(s, "log_rotated", -1,
		  json_pack("{s:s, s:o, s:o}", "log", s->rb->logs[log].name, "old_file", jstr(old_file),
			    "new_file", jstr(new_file)),
		  err);
	return tx_end(s, rc, err);
}

enum st_code session_record_positions(struct session *s, const struct log_position *pos,
				      struct st_error *err)
{
	enum st_code rc = tx_begin(s, err);
	if (rc != ST_OK)
		return rc;
	json_t *arr = json_array();
	for (size_t l = 0; l < s->rb->n_logs; l++)
		json_array_append_new(arr, json_pack("{s:s, s:o, s:I, s:I, s:I}", "log", s->rb->logs[l].name,
						     "path", jstr(pos[l].path), "dev", (json_int_t)pos[l].dev,
						     "ino", (json_int_t)pos[l].ino, "offset",
						     (json_int_t)pos[l].offset));
	rc = emit(s, "positions_saved", -1, json_pack("{s:o}", "logs", arr), err);
	return tx_end(s, rc, err);
}

/* ---------- opening, creating, listing ---------- */

void session_set_actor(struct session *s, const char *op, const char *host)
{
	if (op) {
		free(s->actor_op);
		s->actor_op = utf8_clean(op);
	}
	if (host) {
		free(s->actor_host);
		s->actor_host = utf8_clean(host);
	}
}

long session_find_step(const struct session *s, const char *key)
{
	if (!key || !*key)
		return -1;
	long i = runbook_step_index(s->rb, key);
	if (i >= 0)
		return i;
	char *end;
	errno = 0;
	long n = strtol(key, &end, 10);
	if (errno == 0 && *end == '\0' && n >= 1 && (size_t)n <= s->rb->n_steps)
		return n - 1;
	return -1;
}

static bool file_differs(const char *path, const char *sha)
{
	size_t len;
	char *text = path ? util_read_file(path, &len) : NULL;
	if (!text)
		return true;
	char now[65];
	util_sha256_hex(text, len, now);
	free(text);
	return strcmp(now, sha) != 0;
}

static struct session *session_alloc(struct store *st, const char *id)
{
	struct session *s = xcalloc(1, sizeof *s);
	s->id = xstrdup(id);
	s->store = st;
	s->active = -1;
	s->actor_op = default_operator();
	s->actor_host = default_host();
	return s;
}

static void session_free(struct session *s)
{
	if (!s)
		return;
	if (s->rb)
		state_free(s);
	runbook_free(s->rb);
	free(s->runbook_path);
	free(s->actor_op);
	free(s->actor_host);
	free(s->id);
	free(s);
}

static enum st_code load_runbook(struct session *s, const struct store_session *row, struct st_error *err)
{
	char *name = xasprintf("session %s (stored runbook)", row->id);
	struct rb_diags diags = {0};
	int r = runbook_load_text(row->runbook_text, row->runbook_text_len, name, &s->rb, &diags);
	enum st_code rc = ST_OK;
	if (r != 0 || !s->rb)
		rc = st_set(err, ST_INVALID, "%s no longer loads: %s", name,
			    diags.n ? diags.items[0].msg : "unreadable");
	rb_diags_free(&diags);
	free(name);
	return rc;
}

enum st_code session_open(struct store *st, const char *prefix, enum session_mode mode, struct session **out,
			  struct st_error *err)
{
	*out = NULL;
	char *id = NULL;
	enum st_code rc = store_resolve_id(st, prefix, &id, err);
	if (rc != ST_OK)
		return rc;
	struct store_session row;
	rc = store_read_session(st, id, &row, err);
	if (rc != ST_OK) {
		free(id);
		return rc;
	}
	struct session *s = session_alloc(st, id);
	free(id);
	s->runbook_path = xstrdup(row.runbook_path);
	rc = load_runbook(s, &row, err);
	if (rc == ST_OK) {
		s->runbook_changed = file_differs(row.runbook_path, row.runbook_sha256);
		if (mode == SESSION_WRITE) {
			if (!store_writable(st))
				rc = st_set(err, ST_SOFTWARE, "database %s was opened read-only", store_path(st));
			else if ((rc = store_lock(st, s->id, err)) == ST_OK)
				s->writable = true;
		}
	}
	if (rc == ST_OK) {
		state_init(s);
		rc = replay_from(s, 0, err);
	}
	store_session_free(&row);
	if (rc != ST_OK) {
		session_close(s);
		return rc;
	}
	*out = s;
	return ST_OK;
}

enum st_code session_refresh(struct session *s, struct st_error *err)
{
	return replay_from(s, s->seq, err);
}

void session_close(struct session *s)
{
	if (!s)
		return;
	if (s->writable)
		store_unlock(s->store, s->id);
	session_free(s);
}

static char *new_session_id(void)
{
	unsigned char rnd[2] = {0, 0};
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	bool got = fd >= 0 && read(fd, rnd, sizeof rnd) == (ssize_t)sizeof rnd;
	if (fd >= 0)
		close(fd);
	if (!got) {
		unsigned v = (unsigned)getpid() ^ (unsigned)util_now_ms();
		rnd[0] = (unsigned char)v;
		rnd[1] = (unsigned char)(v >> 8);
	}
	char utc[32];
	util_format_utc_ms(util_now_ms(), utc); /* 2026-11-22T01:33:14.123Z */
	return xasprintf("%.4s%.2s%.2s-%.2s%.2s%.2s-%02x%02x", utc, utc + 5, utc + 8, utc + 11, utc + 14,
			 utc + 17, rnd[0], rnd[1]);
}

static char *absolute(const char *path)
{
	if (path[0] == '/')
		return xstrdup(path);
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof cwd))
		return xstrdup(path);
	if (strcmp(path, ".") == 0)
		return xstrdup(cwd);
	return xasprintf("%s/%s", cwd, path);
}

/* The resolved path of each log: --log override, else an absolute file, else log_dir/file. */
static enum st_code resolve_logs(const struct runbook *rb, const struct session_params *p, const char *log_dir,
				 json_t *logs, struct st_error *err)
{
	for (size_t o = 0; o < p->n_log_overrides; o++) {
		if (!runbook_log(rb, p->log_override_names[o])) {
			struct strbuf names = STRBUF_INIT;
			for (size_t l = 0; l < rb->n_logs; l++)
				sb_printf(&names, "%s%s", l ? ", " : "", rb->logs[l].name);
			enum st_code rc = st_set(err, ST_USAGE, "--log %s: runbook %s has no log named %s (it has: %s)",
						 p->log_override_names[o], rb->id, p->log_override_names[o],
						 names.len ? sb_str(&names) : "none");
			sb_free(&names);
			return rc;
		}
	}
	for (size_t l = 0; l < rb->n_logs; l++) {
		const char *over = NULL;
		for (size_t o = 0; o < p->n_log_overrides; o++)
			if (strcmp(p->log_override_names[o], rb->logs[l].name) == 0)
				over = p->log_override_paths[o];
		char *path = over ? absolute(over)
			   : rb->logs[l].file[0] == '/' ? xstrdup(rb->logs[l].file)
							  : xasprintf("%s/%s", log_dir, rb->logs[l].file);
		json_object_set_new(logs, rb->logs[l].name, jstr(path));
		free(path);
	}
	return ST_OK;
}

enum st_code session_create(struct store *st, const struct runbook *rb, const struct session_params *p,
			    char **id_out, struct st_error *err)
{
	*id_out = NULL;
	char *log_dir = absolute(p->log_dir && *p->log_dir ? p->log_dir : ".");
	struct stat sb;
	if (p->log_dir && (stat(log_dir, &sb) != 0 || !S_ISDIR(sb.st_mode))) {
		enum st_code rc = st_set(err, ST_NOTFOUND, "log folder %s does not exist — give the folder "
					 "holding the site's logs with --logs DIR", log_dir);
		free(log_dir);
		return rc;
	}
	json_t *logs = json_object();
	enum st_code rc = resolve_logs(rb, p, log_dir, logs, err);
	if (rc != ST_OK) {
		json_decref(logs);
		free(log_dir);
		return rc;
	}
	json_t *vars = json_object();
	for (size_t i = 0; p->vars && i < p->vars->n; i++)
		json_object_set_new(vars, p->vars->names[i], jstr(p->vars->values[i]));
	char *rb_path = rb->path ? realpath(rb->path, NULL) : NULL;
	if (!rb_path)
		rb_path = xstrdup(rb->path ? rb->path : "");
	char *op = p->op && *p->op ? utf8_clean(p->op) : default_operator();
	char *host = default_host();
	struct store_session row = {
		.label = p->label && *p->label ? utf8_clean(p->label) : NULL, .op = op, .host = host,
		.rehearsal = p->rehearsal, .runbook_id = rb->id, .runbook_title = rb->title,
		.runbook_version = rb->version, .runbook_path = rb_path, .runbook_sha256 = xstrdup(rb->sha256),
		.runbook_text = rb->text, .runbook_text_len = rb->text_len};
	struct session *s = NULL;
	for (int attempt = 0; attempt < 8; attempt++) {
		session_close(s);
		char *id = new_session_id();
		s = session_alloc(st, id);
		free(id);
		s->writable = true; /* nobody else knows the id until the commit */
		session_set_actor(s, op, host);
		row.id = s->id;
		row.started_ms = util_now_ms();
		if ((rc = store_begin(st, err)) != ST_OK)
			break;
		rc = store_insert_session(st, &row, err);
		if (rc == ST_OK)
			break;
		store_rollback(st);
		if (rc != ST_TEMPFAIL)
			break; /* a taken id retries with another; anything else is final */
	}
	if (rc == ST_OK) {
		rc = load_runbook(s, &row, err);
		if (rc == ST_OK) {
			state_init(s);
			json_t *d = json_pack("{s:{s:s, s:s, s:s, s:s, s:s}, s:o, s:b, s:o, s:s, s:o}", "runbook",
					      "id", rb->id, "title", rb->title, "version", rb->version, "sha256",
					      rb->sha256, "path", rb_path, "label", jstr(row.label), "rehearsal",
					      p->rehearsal, "variables", vars, "log_dir", log_dir, "logs", logs);
			vars = logs = NULL;
			rc = emit(s, "session_started", -1, d, err);
			if (rc == ST_OK)
				rc = advance(s, false, err);
			if (rc == ST_OK) {
				struct store_state ss;
				session_projection(s, &ss);
				rc = store_put_state(st, s->id, &ss, err);
				store_state_free(&ss);
			}
			if (rc == ST_OK)
				rc = store_commit(st, err);
		}
		if (rc != ST_OK)
			store_rollback(st);
	}
	if (rc == ST_OK)
		*id_out = xstrdup(s->id);
	if (s)
		s->writable = false; /* never held the lock: nothing to release */
	session_close(s);
	json_decref(vars);
	json_decref(logs);
	free(row.label);
	free(row.runbook_sha256);
	free(op);
	free(host);
	free(rb_path);
	free(log_dir);
	return rc;
}

void session_summaries_free(struct session_summary *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].id);
		free(rows[i].label);
		free(rows[i].runbook_id);
		free(rows[i].runbook_title);
		free(rows[i].status);
	}
	free(rows);
}

enum st_code session_list(struct store *st, bool include_finished, struct session_summary **rows, size_t *n,
			  struct st_error *err)
{
	struct store_summary *sr = NULL;
	size_t count = 0;
	*rows = NULL;
	*n = 0;
	enum st_code rc = store_list(st, include_finished, &sr, &count, err);
	if (rc != ST_OK)
		return rc;
	*rows = xcalloc(count + 1, sizeof **rows);
	for (size_t i = 0; i < count; i++) {
		(*rows)[i] = (struct session_summary){
			.id = sr[i].id, .label = sr[i].label, .runbook_id = sr[i].runbook_id,
			.runbook_title = sr[i].runbook_title, .status = sr[i].status,
			.rehearsal = sr[i].rehearsal, .done = sr[i].n_done, .applicable = sr[i].n_applicable,
			.started_ms = sr[i].started_ms, .last_activity_ms = sr[i].last_activity_ms};
	}
	free(sr);
	*n = count;
	return ST_OK;
}
