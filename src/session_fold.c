/*
 * session_fold.c — the fold: one event at a time into the session's state. Live
 * transitions (session_tx.c) and a replay from the store go through the same
 * sess_apply(), so the state in memory is always exactly a replay of the events.
 *
 * Invariants: sess_apply() never fails on a well-formed event of a known or unknown
 * type (unknown types are ignored, for newer writers); payload fields of the wrong
 * kind read as absent; every index taken from a payload is bounds-checked here, before
 * it is stored: a marker naming a block or an expect entry the runbook lacks is ignored
 * (it proves nothing), a checklist tick likewise. A failure_seen naming a signature the
 * runbook lacks still fails its step (a failure is never dropped); its `fail` index is
 * then kept as SESS_FAIL_UNKNOWN, which no signature has.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session_priv.h"
#include "steward/jsonfixed.h"
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
char *sess_utf8_clean(const char *s)
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

json_t *sess_jstr(const char *s)
{
	if (!s)
		return json_null();
	char *c = sess_utf8_clean(s);
	json_t *j = json_string(c);
	free(c);
	return j ? j : json_string("");
}

bool session_blank(const char *s)
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


const char *sess_step_id(const struct session *s, long i)
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

void sess_state_free(struct session *s)
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
	for (size_t k = 0; s->folders && k < s->n_folders; k++) {
		free(s->folders[k].id);
		free(s->folders[k].path);
	}
	free(s->folders);
	s->folders = NULL;
	s->n_folders = 0;
	for (size_t l = 0; s->places && l < s->rb->n_logs; l++)
		free(s->places[l].path);
	free(s->places);
	s->places = NULL;
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

void sess_state_init(struct session *s)
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
	s->n_folders = 1 + rb->n_log_folders;
	s->folders = xcalloc(s->n_folders, sizeof *s->folders);
	s->folders[0].id = xstrdup(RB_MAIN_LOG_FOLDER);
	for (size_t k = 0; k < rb->n_log_folders; k++)
		s->folders[k + 1].id = xstrdup(rb->log_folders[k].id);
	s->places = xcalloc(rb->n_logs + 1, sizeof *s->places);
	s->active = -1;
	s->finished = false;
	s->finished_ms = 0;
	s->seq = 0;
	s->positioned = false;
	memset(s->head_hash, 0, sizeof s->head_hash);
}

static bool applicable(const struct session *s, size_t i) { return s->steps[i].status != STEP_NA; }

/* First applicable step that is not done or skipped; -1 when none. */
long sess_first_open(const struct session *s)
{
	for (size_t i = 0; i < s->rb->n_steps; i++) {
		enum step_status st = s->steps[i].status;
		if (st != STEP_NA && st != STEP_DONE && st != STEP_SKIPPED)
			return (long)i;
	}
	return -1;
}

long sess_status_active(const struct session *s)
{
	for (size_t i = 0; i < s->rb->n_steps; i++)
		if (s->steps[i].status == STEP_ACTIVE)
			return (long)i;
	return -1;
}

void sess_recompute_active(struct session *s)
{
	long a = sess_status_active(s);
	s->active = a >= 0 ? a : sess_first_open(s);
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
	/* Room doubles (8, 16, 32 ...: the capacity follows from the count): a session may
	 * carry 100,000 notes, and growing by one each time copied them over and over. */
	size_t n = s->n_notes;
	if (n == 0 || (n >= 8 && (n & (n - 1)) == 0))
		s->notes = xreallocarray(s->notes, n ? n * 2 : 8, sizeof *s->notes);
	s->notes[s->n_notes++] = (struct sess_note){
		.at_ms = at, .op = xstrdup(op), .text = xstrdup(text), .step = step, .kind = kind};
}

static void set_completed(struct step_state *st, enum step_status status, enum completed_by by,
			  int64_t at, const char *op)
{
	st->status = status;
	st->failed_by_log = st->out_of_order = st->wait_overridden = false;
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
	p->mark = (uint64_t)jget_int(o, "mark");
	/* events written before "found" was recorded: 0/0 meant no file */
	if (!logfile_how_parse(jget_str(o, "found"), &p->found))
		p->found = p->dev == 0 && p->ino == 0 ? LOGFILE_ABSENT : LOGFILE_EXACT;
}

/*
 * Where each folder and log was placed, from the start event. Sessions started before
 * log folders existed have neither "log_folders" nor "log_overrides": their main folder
 * is log_dir, and a log whose recorded path is not log_dir/file was given by --log.
 */
static void apply_places(struct session *s, const json_t *d)
{
	const struct runbook *rb = s->rb;
	const json_t *folders = json_object_get(d, "log_folders");
	for (size_t k = 0; k < s->n_folders; k++) {
		struct sess_log_folder *f = &s->folders[k];
		const json_t *o = json_object_get(folders, f->id);
		const char *path = o ? jget_str(o, "path") : k == 0 ? s->log_dir : NULL;
		free(f->path);
		f->path = path ? xstrdup(path) : NULL;
		f->given = o ? json_is_true(json_object_get(o, "given")) : k == 0 && path;
	}
	const json_t *over = json_object_get(d, "log_overrides");
	for (size_t l = 0; l < rb->n_logs; l++) {
		struct sess_log_place *pl = &s->places[l];
		const struct rb_log *log = &rb->logs[l];
		free(pl->path);
		pl->path = s->logs[l].path ? xstrdup(s->logs[l].path) : NULL;
		pl->folder = -1;
		if (log->file[0] != '/') {
			pl->folder = 0;
			for (size_t k = 0; log->folder && k < rb->n_log_folders; k++)
				if (strcmp(rb->log_folders[k].id, log->folder) == 0)
					pl->folder = (long)k + 1;
		}
		pl->overridden = false;
		if (json_is_array(over)) {
			size_t i;
			const json_t *name;
			json_array_foreach(over, i, name)
				if (json_is_string(name) && strcmp(json_string_value(name), log->name) == 0)
					pl->overridden = true;
		} else if (pl->folder >= 0 && pl->path && s->folders[pl->folder].path) {
			char *would = xasprintf("%s/%s", s->folders[pl->folder].path, log->file);
			pl->overridden = strcmp(would, pl->path) != 0;
			free(would);
		}
		if (pl->overridden)
			pl->folder = -1;
	}
}

static enum st_code apply_started(struct session *s, const json_t *d, int64_t at, const char *op,
				  const char *host, struct st_error *err)
{
	free(s->label);
	s->label = jget_str(d, "label") ? xstrdup(jget_str(d, "label")) : NULL;
	s->rehearsal = json_is_true(json_object_get(d, "rehearsal"));
	s->wait_divisor = json_object_get(d, "wait_divisor") ? (int)jget_int(d, "wait_divisor") : 1;
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
	apply_places(s, d);
	for (size_t i = 0; i < s->rb->n_steps; i++)
		s->steps[i].status = vars_step_applies(&s->rb->steps[i], &s->vars) ? STEP_PENDING : STEP_NA;
	return ST_OK;
}

static void apply_activated(struct session *s, size_t i, const json_t *d, int64_t at)
{
	long prev = sess_status_active(s);
	if (prev >= 0 && (size_t)prev != i)
		s->steps[prev].status = STEP_PENDING;
	struct step_state *st = &s->steps[i];
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
	if (vb >= s->rb->steps[i].n_verify || ex >= s->rb->steps[i].verify[vb].n_expect)
		return;
	st->markers = xreallocarray(st->markers, st->n_markers + 1, sizeof *st->markers);
	const char *line = jget_str(d, "line"), *file = jget_str(d, "file");
	st->markers[st->n_markers++] = (struct sess_marker){
		.verify = vb, .expect = ex, .line = xstrdup(line ? line : ""),
		.file = xstrdup(file ? file : ""), .offset = (uint64_t)jget_int(d, "offset"), .at_ms = at,
		.simulated = json_is_true(json_object_get(d, "simulated"))};
	if (ex + 1 > st->matched[vb])
		st->matched[vb] = ex + 1;
}

static void apply_failure(struct session *s, size_t i, const json_t *d, int64_t at, const char *op)
{
	struct step_state *st = &s->steps[i];
	size_t fail = (size_t)jget_int(d, "fail");
	if (fail >= s->rb->steps[i].n_fail)
		fail = SESS_FAIL_UNKNOWN;
	st->failures = xreallocarray(st->failures, st->n_failures + 1, sizeof *st->failures);
	const char *line = jget_str(d, "line"), *file = jget_str(d, "file");
	st->failures[st->n_failures++] = (struct sess_failure){
		.fail = fail, .line = xstrdup(line ? line : ""),
		.file = xstrdup(file ? file : ""), .offset = (uint64_t)jget_int(d, "offset"), .at_ms = at,
		.simulated = json_is_true(json_object_get(d, "simulated"))};
	if (st->status != STEP_FAILED) {
		set_completed(st, STEP_FAILED, BY_NONE, at, op);
		st->failed_by_log = true;
	}
}

/* The fold: one event into the state. Unknown types are ignored (newer writers). */
/* sess_apply, where a note's text may come read already (note_text; d is then unused). */
static enum st_code apply_event(struct session *s, const char *type, const char *step, const json_t *d,
				const char *note_text, int64_t at, const char *op, const char *host,
				struct st_error *err)
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
		add_note(s, at, op, i, note_text ? note_text : jget_str(d, "text"), "note");
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
	if (strcmp(type, "seal") == 0) {
		s->sealed_seq = jget_int(d, "seq");
		return ST_OK;
	}
	if (i < 0)
		return ST_OK;
	struct step_state *st = &s->steps[i];
	if (strcmp(type, "step_activated") == 0) {
		apply_activated(s, (size_t)i, d, at);
	} else if (strcmp(type, "step_completed") == 0) {
		set_completed(st, STEP_DONE, BY_OPERATOR, at, op);
		st->out_of_order = json_is_true(json_object_get(d, "out_of_order"));
		add_note(s, at, op, i, jget_str(d, "note"), "complete");
	} else if (strcmp(type, "step_overridden") == 0) {
		set_completed(st, STEP_DONE, BY_OVERRIDE, at, op);
		st->out_of_order = json_is_true(json_object_get(d, "out_of_order"));
		add_note(s, at, op, i, jget_str(d, "note"), "override");
	} else if (strcmp(type, "step_verified") == 0) {
		set_completed(st, STEP_DONE, BY_MARKERS, at, op);
	} else if (strcmp(type, "step_skipped") == 0) {
		set_completed(st, STEP_SKIPPED, BY_NONE, at, op);
		st->out_of_order = json_is_true(json_object_get(d, "out_of_order"));
		st->wait_overridden = json_is_true(json_object_get(d, "wait_overridden"));
		add_note(s, at, op, i, jget_str(d, "reason"), "skip");
	} else if (strcmp(type, "step_failed") == 0) {
		set_completed(st, STEP_FAILED, BY_NONE, at, op);
		add_note(s, at, op, i, jget_str(d, "note"), "fail");
	} else if (strcmp(type, "step_reopened") == 0) {
		set_completed(st, STEP_PENDING, BY_NONE, 0, NULL);
		add_note(s, at, op, i, jget_str(d, "reason"), "reopen");
	} else if (strcmp(type, "checklist_ticked") == 0) {
		/* "number" (1-based, since issue 12), or "item" (0-based) in older events */
		json_t *num = json_object_get(d, "number");
		size_t item = num ? (size_t)(json_integer_value(num) - 1) : (size_t)jget_int(d, "item");
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

enum st_code sess_apply(struct session *s, const char *type, const char *step, const json_t *d,
			  int64_t at, const char *op, const char *host, struct st_error *err)
{
	return apply_event(s, type, step, d, NULL, at, op, host, err);
}

struct replay_ctx {
	struct session *s;
	struct st_error *err;
	enum st_code rc;
	struct strbuf text; /* a note's text, reused */
};

static bool replay_cb(void *vctx, const struct store_event *ev)
{
	struct replay_ctx *c = vctx;
	/* Notes can be most of a long session's events: their one member is read without a
	 * tree when the payload has jansson's own form (jsonfixed.h: the same text). */
	const char *note = NULL;
	json_t *d = NULL;
	json_error_t jerr;
	sb_reset(&c->text);
	if (strcmp(ev->type, "note_added") == 0 &&
	    json_fixed_only_string(ev->data, strlen(ev->data), "text", &c->text))
		note = sb_str(&c->text);
	else
		d = json_loads(ev->data, 0, &jerr);
	if (!note && !json_is_object(d)) {
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
	c->rc = apply_event(c->s, ev->type, ev->step, d, note, ev->at_ms, ev->op, ev->host, c->err);
	json_decref(d);
	if (c->rc != ST_OK)
		return false;
	sess_recompute_active(c->s);
	c->s->seq = ev->seq;
	memcpy(c->s->head_hash, ev->hash, sizeof c->s->head_hash);
	return true;
}

enum st_code sess_replay_from(struct session *s, int64_t after, struct st_error *err)
{
	struct replay_ctx c = {.s = s, .err = err, .rc = ST_OK, .text = STRBUF_INIT};
	enum st_code rc = store_read_events(s->store, s->id, after, replay_cb, &c, err);
	sb_free(&c.text);
	return rc != ST_OK ? rc : c.rc;
}

enum st_code sess_reload(struct session *s, struct st_error *err)
{
	sess_state_free(s);
	sess_state_init(s);
	return sess_replay_from(s, 0, err);
}
