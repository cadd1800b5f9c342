/*
 * export.c — loads what every export format needs (the session's state, its stored
 * events, the audit of the hash chain, the intervals each step was active) and hands
 * it to the format's writer. Shared helpers for the writers live here too.
 *
 * Invariant: exporting never writes to the database; it works on a read-only store.
 */
#include "export_priv.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "steward/text.h"
#include "steward/vars.h"

bool export_format_parse(const char *name, enum export_format *out)
{
	static const struct {
		const char *name;
		enum export_format fmt;
	} names[] = {{"json", EXPORT_JSON}, {"csv", EXPORT_CSV}, {"md", EXPORT_MD},
		     {"markdown", EXPORT_MD}, {"html", EXPORT_HTML}};
	for (size_t i = 0; name && i < ARRAY_LEN(names); i++) {
		if (strcmp(name, names[i].name) == 0) {
			*out = names[i].fmt;
			return true;
		}
	}
	return false;
}

const char *export_format_name(enum export_format fmt)
{
	switch (fmt) {
	case EXPORT_JSON: return "json";
	case EXPORT_CSV: return "csv";
	case EXPORT_MD: return "md";
	case EXPORT_HTML: return "html";
	}
	return "json";
}

void export_time(int64_t ms, char out[32])
{
	if (ms == 0)
		out[0] = '\0';
	else
		util_format_utc_ms(ms, out);
}

char *export_step_title(const struct export_doc *d, size_t step)
{
	return vars_subst(d->s->rb->steps[step].title, &d->s->vars);
}

char *export_expect_text(const struct export_doc *d, size_t step, size_t vb, size_t e)
{
	return vars_subst(d->s->rb->steps[step].verify[vb].expect[e].text, &d->s->vars);
}

bool export_step_has_evidence(const struct export_doc *d, size_t step)
{
	return d->s->rb->steps[step].n_verify > 0 || d->s->steps[step].n_failures > 0;
}

char *export_failure_hint(const struct export_doc *d, size_t step, const struct sess_failure *fl)
{
	const struct rb_step *rs = &d->s->rb->steps[step];
	return fl->fail < rs->n_fail ? vars_subst(rs->fail[fl->fail].hint, &d->s->vars) : NULL;
}

char *export_practice_text(const struct export_doc *d, size_t step, size_t k)
{
	return vars_subst(d->s->rb->steps[step].practice[k], &d->s->vars);
}

bool export_has_practice(const struct export_doc *d)
{
	for (size_t i = 0; i < d->s->rb->n_steps; i++)
		if (d->s->rb->steps[i].n_practice)
			return true;
	return false;
}

const struct sess_marker *export_marker(const struct export_doc *d, size_t step, size_t vb, size_t e)
{
	const struct step_state *st = &d->s->steps[step];
	for (size_t m = 0; m < st->n_markers; m++)
		if (st->markers[m].verify == vb && st->markers[m].expect == e)
			return &st->markers[m];
	return NULL;
}

void export_json_string(struct strbuf *out, const char *s)
{
	sb_putc(out, '"');
	size_t len = s ? strlen(s) : 0;
	size_t i = 0, run = 0; /* bytes [i - run, i) are copied as they are */
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			i++;
			run++;
			continue;
		}
		if (c >= 0x80) {
			uint32_t cp;
			size_t n = text_decode(s + i, len - i, &cp);
			bool invalid = cp == 0xFFFD && !(n == 3 && memcmp(s + i, "\xEF\xBF\xBD", 3) == 0);
			if (!invalid) {
				i += n;
				run += n;
				continue;
			}
			sb_append(out, s + i - run, run);
			run = 0;
			sb_puts(out, "\\ufffd");
			i += n;
			continue;
		}
		sb_append(out, s + i - run, run);
		run = 0;
		switch (c) {
		case '"': sb_puts(out, "\\\""); break;
		case '\\': sb_puts(out, "\\\\"); break;
		case '\n': sb_puts(out, "\\n"); break;
		case '\r': sb_puts(out, "\\r"); break;
		case '\t': sb_puts(out, "\\t"); break;
		default: sb_printf(out, "\\u%04x", c); break;
		}
		i++;
	}
	sb_append(out, s + i - run, run);
	sb_putc(out, '"');
}

char *export_clean(const char *s, bool keep_newlines)
{
	if (!s)
		return xstrdup("");
	return text_sanitize(s, strlen(s), keep_newlines ? TEXT_NEWLINES : 0);
}

/* ---------- loading ---------- */

struct load_ctx {
	struct export_doc *d;
	size_t cap;
};

static char *dup_or_null(const char *s) { return s ? xstrdup(s) : NULL; }

static bool load_cb(void *vctx, const struct store_event *ev)
{
	struct load_ctx *c = vctx;
	struct export_doc *d = c->d;
	if (d->n_ev == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 256;
		d->ev = xreallocarray(d->ev, c->cap, sizeof *d->ev);
	}
	struct export_event *e = &d->ev[d->n_ev++];
	e->seq = ev->seq;
	e->at_ms = ev->at_ms;
	e->op = xstrdup(ev->op);
	e->host = xstrdup(ev->host);
	e->type = xstrdup(ev->type);
	e->step = dup_or_null(ev->step);
	e->data = xstrdup(ev->data);
	memcpy(e->prev_hash, ev->prev_hash, sizeof e->prev_hash);
	memcpy(e->hash, ev->hash, sizeof e->hash);
	return true;
}

static void add_interval(struct export_doc *d, size_t step, int64_t from, int64_t to)
{
	d->iv = xreallocarray(d->iv, d->n_iv + 1, sizeof *d->iv);
	d->iv[d->n_iv++] = (struct export_interval){.step = step, .from_ms = from, .to_ms = to < from ? from : to};
}

static bool is_failure(const char *type)
{
	return strcmp(type, "step_failed") == 0 || strcmp(type, "failure_seen") == 0;
}

/* When was each step the active one: from its activation until it was completed,
 * skipped or failed, another step was activated, or the session finished. */
static void compute_intervals(struct export_doc *d)
{
	const struct runbook *rb = d->s->rb;
	long open = -1;
	int64_t since = 0;
	for (size_t i = 0; i < d->n_ev; i++) {
		const struct export_event *e = &d->ev[i];
		long step = e->step ? runbook_step_index(rb, e->step) : -1;
		const char *t = e->type;
		if (strcmp(t, "step_activated") == 0 && step >= 0) {
			if (open >= 0)
				add_interval(d, (size_t)open, since, e->at_ms);
			open = step;
			since = e->at_ms;
		} else if (open >= 0 && step == open &&
			   (strcmp(t, "step_completed") == 0 || strcmp(t, "step_overridden") == 0 ||
			    strcmp(t, "step_verified") == 0 || strcmp(t, "step_skipped") == 0 ||
			    is_failure(t))) {
			add_interval(d, (size_t)open, since, e->at_ms);
			d->iv[d->n_iv - 1].failed = is_failure(t);
			open = -1;
		} else if (open >= 0 && strcmp(t, "session_finished") == 0) {
			add_interval(d, (size_t)open, since, e->at_ms);
			open = -1;
		}
	}
	if (open >= 0)
		add_interval(d, (size_t)open, since, d->end_ms);
}

static void doc_free(struct export_doc *d)
{
	for (size_t i = 0; i < d->n_ev; i++) {
		free(d->ev[i].op);
		free(d->ev[i].host);
		free(d->ev[i].type);
		free(d->ev[i].step);
		free(d->ev[i].data);
	}
	free(d->ev);
	free(d->iv);
}

enum st_code export_session(const struct session *s, enum export_format fmt, struct strbuf *out,
			    struct st_error *err)
{
	if (fmt == EXPORT_JSON)
		return export_json(s, out, NULL, err);
	struct export_doc d = {.s = s};
	struct load_ctx c = {.d = &d};
	enum st_code rc = store_audit(s->store, s->id, &d.audit, load_cb, &c, err);
	if (rc != ST_OK) {
		doc_free(&d);
		return rc;
	}
	d.end_ms = s->finished ? s->finished_ms : util_now_ms();
	if (d.end_ms < s->last_activity_ms)
		d.end_ms = s->last_activity_ms;
	compute_intervals(&d);
	switch (fmt) {
	case EXPORT_JSON: break; /* above */
	case EXPORT_CSV: export_csv(&d, out); break;
	case EXPORT_MD: export_md(&d, out); break;
	case EXPORT_HTML: export_html(&d, out); break;
	}
	doc_free(&d);
	return ST_OK;
}

enum st_code export_session_to(const struct session *s, enum export_format fmt, const struct export_sink *sink,
			       struct st_error *err)
{
	struct strbuf out = STRBUF_INIT;
	enum st_code rc = fmt == EXPORT_JSON ? export_json(s, &out, sink, err) : export_session(s, fmt, &out, err);
	if (rc == ST_OK && fmt != EXPORT_JSON && out.len) {
		errno = 0;
		if (!sink->write(sink->ctx, out.data, out.len))
			rc = st_set(err, ST_IOERR, "cannot write the export: %s", strerror(errno ? errno : EIO));
	}
	sb_free(&out);
	return rc;
}

char *export_clock_note(const struct store_audit *a)
{
	if (a->clock_back <= 0)
		return NULL;
	int64_t ms = a->clock_back_ms;
	char by[48];
	if (ms < 1000)
		snprintf(by, sizeof by, "%lld ms", (long long)ms);
	else if (ms < 120000)
		snprintf(by, sizeof by, "%.1f s", (double)ms / 1000.0);
	else
		snprintf(by, sizeof by, "%.1f min", (double)ms / 60000.0);
	return xasprintf("Recorded times go back %lld time%s (first at event %lld, by up to %s): each time is what "
			 "the recording machine's clock said (a clock set back, or the session continued on "
			 "another machine); the order of events is their sequence, which the hash chain "
			 "fixes.",
			 (long long)a->clock_back, a->clock_back == 1 ? "" : "s", (long long)a->clock_back_seq, by);
}

struct export_seal *export_seals(const struct export_doc *d, size_t *n)
{
	*n = 0;
	struct export_seal *out = NULL;
	size_t cap = 0;
	for (size_t i = 0; i < d->n_ev; i++) {
		const struct export_event *e = &d->ev[i];
		if (strcmp(e->type, "seal") != 0)
			continue;
		json_t *j = json_loads(e->data, 0, NULL);
		const char *head = json_string_value(json_object_get(j, "head"));
		const char *key = json_string_value(json_object_get(j, "key"));
		const char *sig = json_string_value(json_object_get(j, "signature"));
		if (*n == cap) {
			cap = cap ? cap * 2 : 4;
			out = xreallocarray(out, cap, sizeof *out);
		}
		out[(*n)++] = (struct export_seal){
			.event_seq = e->seq, .sealed_seq = json_integer_value(json_object_get(j, "seq")),
			.at_ms = e->at_ms, .op = e->op, .host = e->host, .head = xstrdup(head ? head : ""),
			.key = xstrdup(key ? key : ""), .signature = xstrdup(sig ? sig : "")};
		json_decref(j);
	}
	return out;
}

void export_seals_free(struct export_seal *seals, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(seals[i].head);
		free(seals[i].key);
		free(seals[i].signature);
	}
	free(seals);
}

char *export_seal_note(const struct export_doc *d, size_t n_seals)
{
	const char *id = d->s->id;
	if (n_seals == 0)
		return xasprintf("Not sealed. The hash chain shows damage and naive edits, but whoever can write the "
				 "database could rewrite it unnoticed, and operator names are self-declared. `steward "
				 "seal %s` signs the head with the operator's SSH key.",
				 id);
	return xasprintf("Seals are SSH signatures (namespace \"steward\") over the session id, the sealed event "
			 "and its hash; `steward audit %s --signers FILE` verifies them against an allowed-signers "
			 "file and names who signed. Events after the last seal are not covered by it. Operator "
			 "names are self-declared unless a seal binds them to a key. Head to record in the change "
			 "ticket: event %zu, %s (`steward audit %s --head HASH` checks it).",
			 id, d->n_ev, d->audit.head[0] ? d->audit.head : "(none)", id);
}

char *export_completion(const struct export_doc *d, size_t step)
{
	const struct step_state *st = &d->s->steps[step];
	const struct rb_step *rs = &d->s->rb->steps[step];
	struct strbuf sb = STRBUF_INIT;
	const char *by = completed_by_name(st->completed_by);
	if (st->status == STEP_FAILED && st->failed_by_log && st->n_failures)
		sb_printf(&sb, "failure signature seen in %s", st->failures[st->n_failures - 1].file);
	else
		sb_puts(&sb, by ? by : "—");
	if (st->out_of_order)
		sb_puts(&sb, ", out of order");
	if (st->wait_overridden)
		sb_puts(&sb, ", wait overridden");
	if (st->status == STEP_DONE && rs->n_checklist) {
		size_t unticked = 0;
		for (size_t k = 0; k < rs->n_checklist; k++)
			unticked += !(st->ticked && st->ticked[k]);
		if (unticked)
			sb_printf(&sb, ", %zu of %zu checklist items not ticked", unticked, rs->n_checklist);
	}
	return sb_take(&sb);
}

static void hh_mm(int64_t ms, char out[32])
{
	char t[32];
	util_format_utc_ms(ms, t); /* 2026-12-02T03:06:07.123Z */
	snprintf(out, 32, "%.5s", t + 11);
}

char *export_step_history(const struct export_doc *d, size_t step)
{
	const char *id = d->s->rb->steps[step].id;
	struct strbuf sb = STRBUF_INIT;
	bool eventful = false, failed = false;
	for (size_t i = 0; i < d->n_ev; i++) {
		const struct export_event *e = &d->ev[i];
		if (!e->step || strcmp(e->step, id) != 0)
			continue;
		const char *what = NULL;
		if (is_failure(e->type)) {
			if (failed)
				continue; /* a second signature while it is failed changes nothing */
			what = strcmp(e->type, "failure_seen") == 0 ? "failed (seen in its log)" : "failed";
			failed = eventful = true;
		} else if (strcmp(e->type, "step_reopened") == 0) {
			what = "reopened";
			failed = false;
			eventful = true;
		} else if (strcmp(e->type, "step_completed") == 0 || strcmp(e->type, "step_verified") == 0) {
			what = "done";
		} else if (strcmp(e->type, "step_overridden") == 0) {
			what = "done (override)";
		} else if (strcmp(e->type, "step_skipped") == 0) {
			what = "skipped";
		}
		if (!what)
			continue;
		char hm[32];
		hh_mm(e->at_ms, hm);
		sb_printf(&sb, "%s%s %s", sb.len ? ", " : "", what, hm);
	}
	if (!eventful) {
		sb_free(&sb);
		return NULL;
	}
	return sb_take(&sb);
}

static void value_text(struct strbuf *sb, const json_t *v)
{
	if (json_is_string(v)) {
		sb_puts(sb, json_string_value(v));
	} else if (json_is_integer(v)) {
		sb_printf(sb, "%lld", (long long)json_integer_value(v));
	} else if (json_is_true(v) || json_is_false(v)) {
		sb_puts(sb, json_is_true(v) ? "yes" : "no");
	} else if (json_is_null(v)) {
		sb_puts(sb, "—");
	} else {
		char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		sb_puts(sb, s ? s : "");
		free(s);
	}
}

/* An array of log positions ({path, dev, ino, size|offset}): "SiteComp.log at 1234 bytes". */
static bool positions_text(struct strbuf *sb, const json_t *arr)
{
	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return false;
	size_t i;
	const json_t *p;
	json_array_foreach(arr, i, p)
		if (!json_is_object(p) || !json_is_string(json_object_get(p, "path")))
			return false;
	json_array_foreach(arr, i, p) {
		const char *path = json_string_value(json_object_get(p, "path"));
		const char *base = strrchr(path, '/');
		base = base ? base + 1 : path;
		json_t *size = json_object_get(p, "size");
		if (!size)
			size = json_object_get(p, "offset");
		bool absent = json_integer_value(json_object_get(p, "dev")) == 0 &&
			      json_integer_value(json_object_get(p, "ino")) == 0;
		if (absent)
			sb_printf(sb, "%s%s not there yet", i ? ", " : "", base);
		else
			sb_printf(sb, "%s%s at %lld bytes", i ? ", " : "", base, (long long)json_integer_value(size));
	}
	return true;
}

char *export_event_text(const struct export_event *e)
{
	json_t *d = json_loads(e->data, 0, NULL);
	if (!json_is_object(d)) {
		json_decref(d);
		return xstrdup(e->data);
	}
	struct strbuf sb = STRBUF_INIT;
	const char *key;
	json_t *v;
	json_object_foreach(d, key, v) {
		if (sb.len)
			sb_puts(&sb, "; ");
		if (strcmp(key, "logs") == 0) {
			size_t mark = sb.len;
			sb_puts(&sb, "log positions: ");
			if (positions_text(&sb, v))
				continue;
			sb.len = mark;
			sb.data[mark] = '\0';
		}
		sb_printf(&sb, "%s: ", key);
		value_text(&sb, v);
	}
	json_decref(d);
	return sb_take(&sb);
}

char *export_checklist_item(const struct export_doc *d, size_t step, size_t k)
{
	return vars_subst(d->s->rb->steps[step].checklist[k], &d->s->vars);
}

void export_place(const struct export_doc *d, size_t l, struct export_place *out)
{
	const struct session *s = d->s;
	const struct rb_log *log = &s->rb->logs[l];
	const struct sess_log_place *pl = &s->places[l];
	*out = (struct export_place){.name = log->name, .file = log->file, .path = pl->path};
	out->placed_by = pl->overridden ? "--log" : pl->folder < 0 ? "absolute" : "folder";
	if (pl->folder < 0)
		return;
	const struct sess_log_folder *f = &s->folders[pl->folder];
	out->folder = f->id;
	out->defaulted = pl->folder > 0 && !f->given;
	if (pl->folder > 0)
		out->machine = vars_subst(s->rb->log_folders[pl->folder - 1].machine, &s->vars);
}

void export_place_free(struct export_place *p)
{
	free(p->machine);
	p->machine = NULL;
}

char *export_place_folder_text(const struct export_place *p)
{
	if (strcmp(p->placed_by, "--log") == 0)
		return xstrdup("none (placed by --log)");
	if (!p->folder)
		return xstrdup("none (an absolute path in the runbook)");
	if (strcmp(p->folder, RB_MAIN_LOG_FOLDER) == 0)
		return xasprintf("%s (the main log folder)", p->folder);
	if (p->defaulted)
		return xasprintf("%s (not given: defaulted to the main log folder)", p->folder);
	return xstrdup(p->folder);
}
