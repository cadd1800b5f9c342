/*
 * export_json.c — the JSON export (CLI.md lists the fields the tests rely on; more
 * are given). Written as it is produced: the session and each step are built with
 * jansson (small), but notes — which may number hundreds of thousands — are written
 * one by one with the same escaping jansson uses, and the events are written while
 * the audit reads them (one pass over the store), each payload copied as the canonical
 * JSON text the store holds when jsonfixed.h says jansson would write it back
 * unchanged (else parsed and dumped, or shown as a string when it is not JSON any
 * more, so that a tampered payload can never break the document). With a sink
 * (export_session_to) the text leaves in pieces of about 64 KiB, so a 100,000-event
 * export never holds the whole document. DEL and the C1 controls (U+0080-U+009F, which
 * some terminals obey like ESC sequences) are written as \u escapes everywhere,
 * payloads included: the same strings to a JSON reader, and no raw control byte for a
 * terminal (jansson escapes only those below U+0020).
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "export_render.h"
#include "steward/jsonfixed.h"
#include "steward/text.h"

static json_t *jtext(const char *s)
{
	if (!s)
		return json_null();
	json_t *j = json_string(s);
	if (!j) { /* not UTF-8: show it repaired */
		char *c = export_clean(s, true);
		j = json_string(c);
		free(c);
	}
	return j ? j : json_string("");
}

static json_t *jtime(int64_t ms)
{
	if (!ms)
		return json_null();
	char t[32];
	util_format_utc_ms(ms, t);
	return json_string(t);
}

/* Where the text goes: the caller's buffer, handed to the sink (when there is one) in
 * pieces that end between two values, never inside a string. */
struct jout {
	struct strbuf *buf;
	size_t from; /* where this export starts in buf */
	const struct export_sink *sink;
	int failed;  /* errno of a failed write (EIO when the sink did not say) */
};

#define JOUT_PIECE (64 * 1024)

static void escape_c1(struct strbuf *out, size_t from);

static void jout_flush(struct jout *o, bool all)
{
	struct strbuf *b = o->buf;
	if (!o->sink || (!all && b->len - o->from < JOUT_PIECE))
		return;
	escape_c1(b, o->from);
	if (!o->failed && b->len > o->from) {
		errno = 0;
		if (!o->sink->write(o->sink->ctx, b->data + o->from, b->len - o->from))
			o->failed = errno ? errno : EIO;
	}
	b->len = o->from;
	b->data[b->len] = '\0';
}

/* A string as jansson's dump writes it: only ", \ and the C0 controls escaped, \b \f
 * \n \r \t by name and the others as \u00XX in upper case. s is valid UTF-8. */
static void put_jansson_string(struct strbuf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	sb_putc(out, '"');
	const char *run = s;
	for (const char *p = s;; p++) {
		unsigned char c = (unsigned char)*p;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		sb_append(out, run, (size_t)(p - run));
		if (!c)
			break;
		run = p + 1;
		switch (c) {
		case '"': sb_puts(out, "\\\""); break;
		case '\\': sb_puts(out, "\\\\"); break;
		case '\b': sb_puts(out, "\\b"); break;
		case '\f': sb_puts(out, "\\f"); break;
		case '\n': sb_puts(out, "\\n"); break;
		case '\r': sb_puts(out, "\\r"); break;
		case '\t': sb_puts(out, "\\t"); break;
		default: {
			char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			sb_append(out, u, sizeof u);
		}
		}
	}
	sb_putc(out, '"');
}

/* Valid UTF-8 by jansson's rules (which text_decode shares: no overlong forms, no
 * surrogates, nothing past U+10FFFF, nothing truncated). */
static bool utf8_valid(const char *s)
{
	for (const char *p = s; *p;) {
		if ((unsigned char)*p < 0x80) {
			p++;
			continue;
		}
		uint32_t cp;
		size_t n = text_decode(p, strlen(p), &cp);
		if (cp == 0xFFFD && !(n == 3 && memcmp(p, "\xEF\xBF\xBD", 3) == 0))
			return false;
		p += n;
	}
	return true;
}

/* What dumping jtext(s) writes, without the tree. */
static void put_text(struct strbuf *out, const char *s)
{
	if (!s) {
		sb_puts(out, "null");
		return;
	}
	if (utf8_valid(s)) {
		put_jansson_string(out, s);
		return;
	}
	char *c = export_clean(s, true); /* not UTF-8: shown repaired */
	if (utf8_valid(c))
		put_jansson_string(out, c);
	else
		sb_puts(out, "\"\"");
	free(c);
}

/* ISO 8601 UTC with ms, formatting the date and time once per second: events come in
 * bursts within one second. */
struct at_cache {
	int64_t sec; /* -1: empty */
	char text[32];
};

static void format_at(struct at_cache *c, int64_t ms, char out[32])
{
	if (ms < 0) {
		util_format_utc_ms(ms, out);
		return;
	}
	if (c->sec != ms / 1000) {
		util_format_utc_ms(ms, c->text);
		c->sec = ms / 1000;
	}
	memcpy(out, c->text, 32);
	int frac = (int)(ms % 1000);
	out[20] = (char)('0' + frac / 100);
	out[21] = (char)('0' + frac / 10 % 10);
	out[22] = (char)('0' + frac % 10);
}

/* What dumping jtime(ms) writes. */
static void put_time(struct strbuf *out, struct at_cache *ac, int64_t ms)
{
	if (!ms) {
		sb_puts(out, "null");
		return;
	}
	char t[32];
	format_at(ac, ms, t);
	sb_putc(out, '"');
	sb_puts(out, t);
	sb_putc(out, '"');
}

/* The notes of a step (-1: of the session) as a JSON array, one note at a time: a
 * session may carry a hundred thousand of them. */
static void put_notes(struct jout *o, const struct session *s, long step)
{
	struct strbuf *out = o->buf;
	sb_putc(out, '[');
	bool first = true;
	struct at_cache ac = {.sec = -1};
	for (size_t i = 0; i < s->n_notes; i++) {
		const struct sess_note *n = &s->notes[i];
		if (n->step != step)
			continue;
		sb_puts(out, first ? "{\"at\":" : ",{\"at\":");
		first = false;
		put_time(out, &ac, n->at_ms);
		sb_puts(out, ",\"operator\":");
		put_text(out, n->op);
		sb_puts(out, ",\"text\":");
		put_text(out, n->text);
		sb_puts(out, ",\"kind\":");
		put_jansson_string(out, n->kind);
		sb_putc(out, '}');
		jout_flush(o, false);
	}
	sb_putc(out, ']');
}

static void dump(struct strbuf *out, json_t *j)
{
	char *text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
	if (!text)
		util_fatal("cannot encode the JSON export");
	sb_puts(out, text);
	free(text);
	json_decref(j);
}

/* head, then "notes", then tail, as one object: what dumping head with the notes and
 * then tail's members added to it would write. Takes head and tail. */
static void dump_with_notes(struct jout *o, json_t *head, const struct session *s, long step, json_t *tail)
{
	struct strbuf *out = o->buf;
	size_t mark = out->len;
	dump(out, head);
	out->len--; /* its closing brace */
	sb_puts(out, out->len - mark > 1 ? ",\"notes\":" : "\"notes\":");
	put_notes(o, s, step);
	mark = out->len;
	dump(out, tail);
	if (out->len - mark == 2) { /* {} */
		out->len = mark;
		sb_putc(out, '}');
	} else {
		out->data[mark] = ',';
	}
}

/* Every log folder as fixed at start, the main one first, with the runbook's words. */
static json_t *folders_json(const struct session *s)
{
	json_t *arr = json_array();
	for (size_t k = 0; k < s->n_folders; k++) {
		const struct sess_log_folder *f = &s->folders[k];
		const struct rb_log_folder *rf = k ? &s->rb->log_folders[k - 1] : NULL;
		char *machine = rf ? vars_subst(rf->machine, &s->vars) : NULL;
		char *prompt = rf ? vars_subst(rf->prompt, &s->vars) : NULL;
		char *hint = rf ? vars_subst(rf->hint, &s->vars) : NULL;
		json_t *o = json_object();
		json_object_set_new(o, "id", jtext(f->id));
		json_object_set_new(o, "path", jtext(f->path));
		json_object_set_new(o, "given", json_boolean(f->given));
		json_object_set_new(o, "machine", jtext(machine));
		json_object_set_new(o, "prompt", jtext(prompt));
		json_object_set_new(o, "hint", jtext(hint));
		json_array_append_new(arr, o);
		free(machine);
		free(prompt);
		free(hint);
	}
	return arr;
}

/* Which log lived where: {name: {file, path, folder, machine, placed_by, defaulted}}. */
static json_t *places_json(const struct export_doc *d)
{
	json_t *obj = json_object();
	for (size_t l = 0; l < d->s->rb->n_logs; l++) {
		struct export_place p;
		export_place(d, l, &p);
		json_t *o = json_object();
		json_object_set_new(o, "file", jtext(p.file));
		json_object_set_new(o, "path", jtext(p.path));
		json_object_set_new(o, "folder", jtext(p.folder));
		json_object_set_new(o, "machine", jtext(p.machine));
		json_object_set_new(o, "placed_by", json_string(p.placed_by));
		json_object_set_new(o, "defaulted", json_boolean(p.defaulted));
		json_object_set_new(obj, p.name, o);
		export_place_free(&p);
	}
	return obj;
}

static void session_write(const struct export_doc *d, struct jout *o)
{
	const struct session *s = d->s;
	const struct runbook *rb = s->rb;
	json_t *vars = json_object();
	for (size_t i = 0; i < s->vars.n; i++)
		json_object_set_new(vars, s->vars.names[i], jtext(s->vars.values[i]));
	json_t *logs = json_object();
	for (size_t l = 0; l < rb->n_logs; l++)
		json_object_set_new(logs, rb->logs[l].name, jtext(s->logs[l].path));
	int done, app;
	session_progress(s, &done, &app);
	char *title = session_title(s);
	json_t *head = json_pack("{s:s, s:o, s:o, s:o, s:s, s:b, s:o, s:o, s:o,"
				 " s:{s:o, s:o, s:o, s:s, s:o, s:b},"
				 " s:o, s:o, s:o, s:{s:i, s:i}, s:o}",
				 "id", s->id, "label", jtext(s->label), "operator", jtext(s->op), "host",
				 jtext(s->host), "status", s->finished ? "finished" : "active", "rehearsal",
				 s->rehearsal, "started_at", jtime(s->started_ms), "finished_at",
				 jtime(s->finished_ms), "last_activity_at", jtime(s->last_activity_ms), "runbook",
				 "id", jtext(rb->id), "title", jtext(rb->title), "version", jtext(rb->version),
				 "sha256", rb->sha256, "path", jtext(s->runbook_path), "changed_on_disk",
				 s->runbook_changed, "variables", vars, "log_dir", jtext(s->log_dir), "logs", logs,
				 "progress", "done", done, "applicable", app, "active_step",
				 s->active >= 0 ? jtext(rb->steps[s->active].id) : json_null());
	/* The runbook's title as this session reads it (its ${vars} substituted); runbook.title
	 * stays the runbook's own. */
	json_t *tail = json_object();
	json_object_set_new(tail, "title", jtext(title));
	free(title);
	json_object_set_new(tail, "log_folders", folders_json(s));
	json_object_set_new(tail, "log_places", places_json(d));
	/* a rehearsal's shortened waits (start --short-waits): every wait divided by this */
	json_object_set_new(tail, "wait_divisor", json_integer(s->wait_divisor > 1 ? s->wait_divisor : 1));
	dump_with_notes(o, head, s, -1, tail);
}

static json_t *verification_json(const struct export_doc *d, size_t i)
{
	const struct rb_step *rs = &d->s->rb->steps[i];
	json_t *arr = json_array();
	for (size_t vb = 0; vb < rs->n_verify; vb++) {
		for (size_t e = 0; e < rs->verify[vb].n_expect; e++) {
			char *expect = export_expect_text(d, i, vb, e);
			const struct sess_marker *m = export_marker(d, i, vb, e);
			json_array_append_new(
				arr, json_pack("{s:s, s:o, s:b, s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "log", rs->verify[vb].log,
					       "expect", jtext(expect), "regex", rs->verify[vb].expect[e].is_regex,
					       "any_case", rs->verify[vb].expect[e].nocase,
					       "since", jtext(rs->verify[vb].since), "after", jtext(rs->verify[vb].after),
					       "matched_line",
					       m ? jtext(m->line) : json_null(), "file", m ? jtext(m->file) : json_null(),
					       "offset", m ? json_integer((json_int_t)m->offset) : json_null(),
					       "matched_at", m ? jtime(m->at_ms) : json_null(), "simulated",
					       m ? json_boolean(m->simulated) : json_null()));
			free(expect);
		}
	}
	return arr;
}

static json_t *failures_json(const struct export_doc *d, size_t i)
{
	const struct rb_step *rs = &d->s->rb->steps[i];
	const struct step_state *st = &d->s->steps[i];
	json_t *arr = json_array();
	for (size_t k = 0; k < st->n_failures; k++) {
		const struct sess_failure *fl = &st->failures[k];
		const struct rb_fail *rf = fl->fail < rs->n_fail ? &rs->fail[fl->fail] : NULL;
		char *hint = rf ? vars_subst(rf->hint, &d->s->vars) : NULL;
		json_array_append_new(arr, json_pack("{s:o, s:o, s:o, s:o, s:I, s:o, s:b}", "log",
						     jtext(rf ? rf->log : NULL), "hint", jtext(hint), "line",
						     jtext(fl->line), "file", jtext(fl->file), "offset",
						     (json_int_t)fl->offset, "seen_at", jtime(fl->at_ms), "simulated",
						     fl->simulated));
		free(hint);
	}
	return arr;
}

static void step_write(const struct export_doc *d, size_t i, struct jout *o)
{
	const struct runbook *rb = d->s->rb;
	const struct rb_step *rs = &rb->steps[i];
	const struct step_state *st = &d->s->steps[i];
	char *title = export_step_title(d, i);
	const char *by = completed_by_name(st->completed_by);
	json_t *checklist = json_array();
	for (size_t k = 0; k < rs->n_checklist; k++) {
		char *item = vars_subst(rs->checklist[k], &d->s->vars);
		json_array_append_new(checklist, json_pack("{s:o, s:b}", "text", jtext(item), "ticked", st->ticked[k]));
		free(item);
	}
	json_t *head = json_pack("{s:s, s:s, s:o, s:s, s:o, s:o, s:o, s:o}", "phase",
				 rb->phases[rs->phase_index].id, "id", rs->id, "title", jtext(title), "status",
				 step_status_name(st->status), "completed_by", by ? json_string(by) : json_null(),
				 "started_at", jtime(st->activated_ms), "completed_at", jtime(st->completed_ms),
				 "operator", jtext(st->completed_op));
	json_t *o2 = json_pack("{s:o, s:o, s:o}", "verification", verification_json(d, i), "failures",
			       failures_json(d, i), "checklist", checklist);
	if (rs->wait_s > 0)
		json_object_set_new(o2, "wait_seconds", json_integer(rs->wait_s));
	if (rs->confirm)
		json_object_set_new(o2, "confirm", jtext(rs->confirm));
	if (rs->n_practice) { /* advice not from the sources, under a key of its own */
		json_t *pr = json_array();
		for (size_t k = 0; k < rs->n_practice; k++) {
			char *p = export_practice_text(d, i, k);
			json_array_append_new(pr, jtext(p));
			free(p);
		}
		json_object_set_new(o2, "practice", pr);
		json_object_set_new(o2, "practice_label", json_string(RB_PRACTICE_LABEL));
	}
	free(title);
	dump_with_notes(o, head, d->s, (long)i, o2);
}

static void put_data(struct strbuf *out, const char *data)
{
	size_t len = strlen(data);
	if (json_fixed_object(data, len)) { /* parsing and dumping would give these bytes */
		sb_append(out, data, len);
		return;
	}
	json_t *parsed = json_loads(data, 0, NULL);
	if (parsed && json_is_object(parsed)) {
		dump(out, parsed);
		return;
	}
	json_decref(parsed);
	export_json_string(out, data); /* not JSON any more: shown as text */
}

static void event_write(const struct store_event *e, struct at_cache *ac, struct strbuf *out)
{
	/* Hot loop (one call per event): plain appends rather than printf. */
	char at[32], seq[24];
	format_at(ac, e->at_ms, at);
	size_t n = sizeof seq;
	unsigned long long v = (unsigned long long)e->seq;
	do {
		seq[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v && n);
	sb_puts(out, "{\"seq\":");
	sb_append(out, seq + n, sizeof seq - n);
	sb_puts(out, ",\"at\":\"");
	sb_puts(out, at);
	sb_puts(out, "\",\"operator\":");
	export_json_string(out, e->op);
	sb_puts(out, ",\"host\":");
	export_json_string(out, e->host);
	sb_puts(out, ",\"type\":");
	export_json_string(out, e->type);
	sb_puts(out, ",\"step\":");
	if (e->step)
		export_json_string(out, e->step);
	else
		sb_puts(out, "null");
	sb_puts(out, ",\"data\":");
	put_data(out, e->data);
	sb_puts(out, ",\"prev_hash\":\"");
	sb_puts(out, e->prev_hash);
	sb_puts(out, "\",\"hash\":\"");
	sb_puts(out, e->hash);
	sb_puts(out, "\"}");
}

/* The events pass: each event as the audit reads it; the seals kept for their section. */
struct events_ctx {
	struct jout *o;
	size_t n_ev;
	struct at_cache at;
	struct export_event *seals; /* the seal events (owned copies) */
	size_t n_seals, cap;
};

static bool event_cb(void *vctx, const struct store_event *ev)
{
	struct events_ctx *c = vctx;
	sb_puts(c->o->buf, c->n_ev++ ? ",\n  " : "\n  ");
	event_write(ev, &c->at, c->o->buf);
	if (strcmp(ev->type, "seal") == 0) {
		if (c->n_seals == c->cap) {
			c->cap = c->cap ? c->cap * 2 : 4;
			c->seals = xreallocarray(c->seals, c->cap, sizeof *c->seals);
		}
		struct export_event *e = &c->seals[c->n_seals++];
		*e = (struct export_event){.seq = ev->seq, .at_ms = ev->at_ms, .op = xstrdup(ev->op),
					   .host = xstrdup(ev->host), .type = xstrdup(ev->type),
					   .step = ev->step ? xstrdup(ev->step) : NULL, .data = xstrdup(ev->data)};
		memcpy(e->prev_hash, ev->prev_hash, sizeof e->prev_hash);
		memcpy(e->hash, ev->hash, sizeof e->hash);
	}
	jout_flush(c->o, false);
	return !c->o->failed; /* the reader cannot take more: stop reading */
}

static void seals_free(struct events_ctx *c)
{
	for (size_t i = 0; i < c->n_seals; i++) {
		free(c->seals[i].op);
		free(c->seals[i].host);
		free(c->seals[i].type);
		free(c->seals[i].step);
		free(c->seals[i].data);
	}
	free(c->seals);
}

/* Rewrites out[from..] with DEL and each C1 control as a \u escape. Every byte of JSON
 * outside a string is ASCII, so such a byte is always inside a string; the text never
 * holds a NUL (every string is escaped), so strpbrk finds the candidates. */
static void escape_c1(struct strbuf *out, size_t from)
{
	if (out->len == from)
		return;
	char *p = out->data + from;
	while ((p = strpbrk(p, "\x7f\xc2")) != NULL) {
		if (*p == 0x7F || ((unsigned char)p[1] >= 0x80 && (unsigned char)p[1] <= 0x9F))
			break;
		p++;
	}
	if (!p)
		return; /* the usual case: nothing to escape */
	size_t i = (size_t)(p - out->data);
	struct strbuf tail = STRBUF_INIT;
	for (size_t k = i; k < out->len; k++) {
		unsigned char c = (unsigned char)out->data[k], next = (unsigned char)out->data[k + 1];
		if (!(c == 0x7F || (c == 0xC2 && next >= 0x80 && next <= 0x9F))) {
			sb_putc(&tail, (char)c);
			continue;
		}
		if (c != 0x7F)
			k++;
		sb_printf(&tail, "\\u%04x", (unsigned char)out->data[k]);
	}
	out->len = i;
	sb_append(out, tail.data, tail.len);
	sb_free(&tail);
}

enum st_code export_json(const struct session *s, struct strbuf *out, const struct export_sink *sink,
			 struct st_error *err)
{
	struct export_doc d = {.s = s};
	struct jout o = {.buf = out, .from = out->len, .sink = sink};
	sb_puts(out, "{\n\"session\": ");
	session_write(&d, &o);
	sb_puts(out, ",\n\"steps\": [");
	for (size_t i = 0; i < s->rb->n_steps; i++) {
		sb_puts(out, i ? ",\n  " : "\n  ");
		step_write(&d, i, &o);
		jout_flush(&o, false);
	}
	sb_puts(out, "\n],\n\"events\": [");
	/* One pass: the audit recomputes every hash and hands each event on to be written. */
	struct events_ctx ec = {.o = &o, .at = {.sec = -1}};
	enum st_code rc = store_audit(s->store, s->id, &d.audit, event_cb, &ec, err);
	if (rc != ST_OK || o.failed) {
		seals_free(&ec);
		if (!sink) { /* nothing of a failed export is left in the caller's buffer */
			out->len = o.from;
			out->data[out->len] = '\0';
		}
		if (rc == ST_OK)
			rc = st_set(err, ST_IOERR, "cannot write the export: %s", strerror(o.failed));
		return rc;
	}
	d.n_ev = ec.n_ev;
	sb_puts(out, "\n],\n\"seals\": ");
	struct export_doc sd = d; /* the seal events alone, for export_seals */
	sd.ev = ec.seals;
	sd.n_ev = ec.n_seals;
	size_t n_seals;
	struct export_seal *seals = export_seals(&sd, &n_seals);
	json_t *js = json_array();
	for (size_t i = 0; i < n_seals; i++) {
		char at[32];
		export_time(seals[i].at_ms, at);
		json_array_append_new(js, json_pack("{s:I, s:I, s:s, s:o, s:o, s:o, s:o, s:o}", "event",
						    (json_int_t)seals[i].event_seq, "seq", (json_int_t)seals[i].sealed_seq,
						    "at", at, "operator", jtext(seals[i].op), "host", jtext(seals[i].host),
						    "head", jtext(seals[i].head), "key", jtext(seals[i].key),
						    "signature", jtext(seals[i].signature)));
	}
	dump(out, js);
	char *seal_note = export_seal_note(&d, n_seals);
	export_seals_free(seals, n_seals);
	seals_free(&ec);
	sb_puts(out, ",\n\"audit\": ");
	const struct store_audit *a = &d.audit;
	char *clock = export_clock_note(a);
	dump(out, json_pack("{s:b, s:o, s:I, s:I, s:o, s:o, s:o, s:o}", "intact", a->intact, "head",
			    a->head[0] ? json_string(a->head) : json_null(), "head_seq", (json_int_t)a->n_events,
			    "events", (json_int_t)d.n_ev, "seals", jtext(seal_note),
			    "first_bad_event", a->intact ? json_null() : json_integer(a->bad_seq), "problem",
			    a->intact ? json_null() : jtext(a->problem), "clock_went_back",
			    clock ? json_pack("{s:I, s:I, s:I, s:o}", "events", (json_int_t)a->clock_back, "first_event",
					      (json_int_t)a->clock_back_seq, "largest_ms", (json_int_t)a->clock_back_ms,
					      "note", jtext(clock))
				  : json_null()));
	free(clock);
	free(seal_note);
	sb_puts(out, "\n}\n");
	if (sink)
		jout_flush(&o, true);
	else
		escape_c1(out, o.from);
	if (o.failed)
		return st_set(err, ST_IOERR, "cannot write the export: %s", strerror(o.failed));
	return ST_OK;
}
