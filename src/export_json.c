/*
 * export_json.c — the JSON export (CLI.md lists the fields the tests rely on; more
 * are given). The session, steps and audit are built with jansson; the events, which
 * may number hundreds of thousands, are streamed one per line, each payload embedded
 * as the canonical JSON text the store holds (re-parsed only when the chain does not
 * verify, so that a tampered payload can never break the document). DEL and the C1
 * controls (U+0080-U+009F, which some terminals obey like ESC sequences) are written
 * as \u escapes everywhere, payloads included: the same strings to a JSON reader, and
 * no raw control byte for a terminal (jansson escapes only those below U+0020).
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "export_render.h"

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

static json_t *notes_json(const struct session *s, long step)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < s->n_notes; i++) {
		const struct sess_note *n = &s->notes[i];
		if (n->step != step)
			continue;
		/* (direct calls: json_pack would parse its format once per note) */
		json_t *o = json_object();
		json_object_set_new_nocheck(o, "at", jtime(n->at_ms));
		json_object_set_new_nocheck(o, "operator", jtext(n->op));
		json_object_set_new_nocheck(o, "text", jtext(n->text));
		json_object_set_new_nocheck(o, "kind", json_string_nocheck(n->kind));
		json_array_append_new(arr, o);
	}
	return arr;
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

static json_t *session_json(const struct export_doc *d)
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
	json_t *j = json_pack("{s:s, s:o, s:o, s:o, s:s, s:b, s:o, s:o, s:o,"
			 " s:{s:o, s:o, s:o, s:s, s:o, s:b},"
			 " s:o, s:o, s:o, s:{s:i, s:i}, s:o, s:o}",
			 "id", s->id, "label", jtext(s->label), "operator", jtext(s->op), "host", jtext(s->host),
			 "status", s->finished ? "finished" : "active", "rehearsal", s->rehearsal, "started_at",
			 jtime(s->started_ms), "finished_at", jtime(s->finished_ms), "last_activity_at",
			 jtime(s->last_activity_ms), "runbook", "id", jtext(rb->id), "title", jtext(rb->title),
			 "version", jtext(rb->version), "sha256", rb->sha256, "path", jtext(s->runbook_path),
			 "changed_on_disk", s->runbook_changed, "variables", vars, "log_dir", jtext(s->log_dir),
			 "logs", logs, "progress", "done", done, "applicable", app, "active_step",
			 s->active >= 0 ? jtext(rb->steps[s->active].id) : json_null(), "notes",
			 notes_json(s, -1));
	/* The runbook's title as this session reads it (its ${vars} substituted); runbook.title
	 * stays the runbook's own. */
	json_object_set_new(j, "title", jtext(title));
	free(title);
	json_object_set_new(j, "log_folders", folders_json(s));
	json_object_set_new(j, "log_places", places_json(d));
	/* a rehearsal's shortened waits (start --short-waits): every wait divided by this */
	json_object_set_new(j, "wait_divisor", json_integer(s->wait_divisor > 1 ? s->wait_divisor : 1));
	return j;
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

static json_t *step_json(const struct export_doc *d, size_t i)
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
	json_t *o = json_pack("{s:s, s:s, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "phase",
			      rb->phases[rs->phase_index].id, "id", rs->id, "title", jtext(title), "status",
			      step_status_name(st->status), "completed_by", by ? json_string(by) : json_null(),
			      "started_at", jtime(st->activated_ms), "completed_at", jtime(st->completed_ms),
			      "operator", jtext(st->completed_op), "notes", notes_json(d->s, (long)i),
			      "verification", verification_json(d, i), "failures", failures_json(d, i),
			      "checklist", checklist);
	if (rs->wait_s > 0)
		json_object_set_new(o, "wait_seconds", json_integer(rs->wait_s));
	if (rs->confirm)
		json_object_set_new(o, "confirm", jtext(rs->confirm));
	if (rs->n_practice) { /* advice not from the sources, under a key of its own */
		json_t *pr = json_array();
		for (size_t k = 0; k < rs->n_practice; k++) {
			char *p = export_practice_text(d, i, k);
			json_array_append_new(pr, jtext(p));
			free(p);
		}
		json_object_set_new(o, "practice", pr);
		json_object_set_new(o, "practice_label", json_string(RB_PRACTICE_LABEL));
	}
	free(title);
	return o;
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

static void event_json(const struct export_doc *d, const struct export_event *e, struct strbuf *out)
{
	/* Hot loop (one call per event): plain appends rather than printf. */
	char at[32], seq[24];
	util_format_utc_ms(e->at_ms, at);
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
	json_t *parsed = NULL;
	if (d->audit.intact)
		sb_puts(out, e->data);
	else if ((parsed = json_loads(e->data, 0, NULL)) != NULL && json_is_object(parsed))
		dump(out, parsed);
	else {
		json_decref(parsed);
		export_json_string(out, e->data); /* not JSON any more: shown as text */
	}
	sb_puts(out, ",\"prev_hash\":\"");
	sb_puts(out, e->prev_hash);
	sb_puts(out, "\",\"hash\":\"");
	sb_puts(out, e->hash);
	sb_puts(out, "\"}");
}

/* DEL, or the UTF-8 encoding of a C1 control, at out[i] (out is NUL-terminated). */
static bool control_at(const struct strbuf *out, size_t i)
{
	unsigned char c = (unsigned char)out->data[i], next = (unsigned char)out->data[i + 1];
	return c == 0x7F || (c == 0xC2 && next >= 0x80 && next <= 0x9F);
}

/* Rewrites out[from..] with each of those as a \u escape. Every byte of JSON outside a
 * string is ASCII, so such a byte is always inside a string. */
static void escape_c1(struct strbuf *out, size_t from)
{
	size_t i = from;
	while (i < out->len && !control_at(out, i))
		i++;
	if (i == out->len)
		return; /* the usual case: nothing to escape */
	struct strbuf tail = STRBUF_INIT;
	for (size_t k = i; k < out->len; k++) {
		if (!control_at(out, k)) {
			sb_putc(&tail, out->data[k]);
			continue;
		}
		if (out->data[k] != 0x7F)
			k++;
		sb_printf(&tail, "\\u%04x", (unsigned char)out->data[k]);
	}
	out->len = i;
	sb_append(out, tail.data, tail.len);
	sb_free(&tail);
}

void export_json(const struct export_doc *d, struct strbuf *out)
{
	size_t from = out->len;
	sb_puts(out, "{\n\"session\": ");
	dump(out, session_json(d));
	sb_puts(out, ",\n\"steps\": [");
	for (size_t i = 0; i < d->s->rb->n_steps; i++) {
		sb_puts(out, i ? ",\n  " : "\n  ");
		dump(out, step_json(d, i));
	}
	sb_puts(out, "\n],\n\"events\": [");
	sb_grow(out, d->n_ev * 400);
	for (size_t i = 0; i < d->n_ev; i++) {
		sb_puts(out, i ? ",\n  " : "\n  ");
		event_json(d, &d->ev[i], out);
	}
	sb_puts(out, "\n],\n\"seals\": ");
	size_t n_seals;
	struct export_seal *seals = export_seals(d, &n_seals);
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
	char *seal_note = export_seal_note(d, n_seals);
	export_seals_free(seals, n_seals);
	sb_puts(out, ",\n\"audit\": ");
	const struct store_audit *a = &d->audit;
	char *clock = export_clock_note(a);
	dump(out, json_pack("{s:b, s:o, s:I, s:I, s:o, s:o, s:o, s:o}", "intact", a->intact, "head",
			    a->head[0] ? json_string(a->head) : json_null(), "head_seq", (json_int_t)a->n_events,
			    "events", (json_int_t)d->n_ev, "seals", jtext(seal_note),
			    "first_bad_event", a->intact ? json_null() : json_integer(a->bad_seq), "problem",
			    a->intact ? json_null() : jtext(a->problem), "clock_went_back",
			    clock ? json_pack("{s:I, s:I, s:I, s:o}", "events", (json_int_t)a->clock_back, "first_event",
					      (json_int_t)a->clock_back_seq, "largest_ms", (json_int_t)a->clock_back_ms,
					      "note", jtext(clock))
				  : json_null()));
	free(clock);
	free(seal_note);
	sb_puts(out, "\n}\n");
	escape_c1(out, from);
}
