/*
 * logpane.c — the live log pane: the records the watcher reports, in columns like
 * the administrators' log viewers (time | component | thread | text), errors and
 * warnings coloured, expected lines highlighted, failure signatures followed by
 * their hint; a filter (the selected step's logs, all logs, one log), a selected
 * line to act on (its detail: CMTrace's bottom pane), horizontal scroll or wrap, and
 * a search with next/previous, a match count and every match highlighted. When the
 * pane shows several logs, their lines are merged by the records' own timestamps
 * (as CMTrace's merge and lnav do), not by the order steward happened to read them.
 *
 * Invariants: lines are sanitized when they arrive (never raw); the ring holds at
 * most LOGPANE_MAX lines; cur 0 follows the newest line.
 */
#include "panes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "steward/text.h"
#include "steward/util.h"

static struct logline *at(struct logpane *lp, size_t pos)
{
	return &lp->lines[(lp->head + pos) % LOGPANE_MAX];
}

static void line_free(struct logline *l)
{
	free(l->time);
	free(l->when);
	free(l->component);
	free(l->thread);
	free(l->text);
	free(l->file);
	memset(l, 0, sizeof *l);
}

void logpane_free(struct logpane *lp)
{
	for (size_t i = 0; i < lp->n; i++)
		line_free(at(lp, i));
	free(lp->lines);
	free(lp->search);
	free(lp->polled);
	memset(lp, 0, sizeof *lp);
}

static struct logline *push(struct logpane *lp)
{
	if (!lp->lines)
		lp->lines = xcalloc(LOGPANE_MAX, sizeof *lp->lines);
	struct logline *l;
	if (lp->n == LOGPANE_MAX) {
		l = at(lp, 0);
		if (lp->cur == l->seq) /* the selected line leaves the ring: select the next one */
			lp->cur = at(lp, 1)->seq;
		line_free(l);
		lp->head = (lp->head + 1) % LOGPANE_MAX;
		l = at(lp, lp->n - 1);
	} else {
		l = at(lp, lp->n++);
	}
	l->seq = ++lp->next_seq;
	return l;
}

/* Longest text kept per line, in columns: a 10 MB log line costs at most this much,
 * and no screen shows more of it. */
#define LINE_MAX_COLS 2000

static char *clean(const char *s, bool ascii, bool *clipped)
{
	size_t len = s ? strlen(s) : 0;
	/* Sanitize a bounded prefix only: columns never exceed bytes, so 4x covers it. */
	size_t take = len > (size_t)LINE_MAX_COLS * 4 ? (size_t)LINE_MAX_COLS * 4 : len;
	char *t = text_sanitize(s ? s : "", take, ascii ? TEXT_ASCII : 0);
	if (take < len || text_width(t) > LINE_MAX_COLS) {
		char *e = text_ellipsize(t, LINE_MAX_COLS, text_ellipsis(ascii));
		if (take < len && strcmp(e, t) == 0) { /* cut by bytes: say so */
			free(e);
			e = xasprintf("%s%s", t, text_ellipsis(ascii));
		}
		free(t);
		t = e;
		if (clipped)
			*clipped = true;
	}
	return t;
}

/* The merge key of a line without a time of its own: that of the line read just before
 * it (of the same log, or of any log for steward's own lines), so it stays beside it;
 * first of all when nothing was read before it. Steward's clock is never mixed with the
 * site's: the two need not agree. */
static int64_t inherited_key(struct logpane *lp, long log)
{
	for (size_t i = lp->n; i-- > 0 && lp->n - i <= 200;) {
		const struct logline *l = at(lp, i);
		if (l->seq && (log < 0 || l->log == (size_t)log))
			return l->key_ms;
	}
	return INT64_MIN;
}

static void add_note(struct logpane *lp, size_t log, enum log_severity sev, const char *text, bool ascii,
		     int64_t now_ms)
{
	int64_t key = inherited_key(lp, -1);
	struct logline *l = push(lp);
	char clock[16];
	ui_clock(now_ms, clock);
	l->log = log;
	l->time = xstrdup(clock);
	l->when = xstrdup("");
	l->component = xstrdup("steward");
	l->thread = xstrdup("");
	l->text = clean(text, ascii, &l->clipped);
	l->sev = sev;
	l->note = true;
	l->key_ms = key;
}

/* The newest line of log whose text is the record's (sanitized) text. */
static struct logline *find_recent(struct logpane *lp, size_t log, const struct log_record *rec, bool ascii)
{
	if (!rec)
		return NULL;
	char *want = clean(rec->text, ascii, NULL);
	struct logline *found = NULL;
	for (size_t i = lp->n; i-- > 0 && lp->n - i <= 200;) {
		struct logline *l = at(lp, i);
		if (!l->note && l->log == log && strcmp(l->text, want) == 0) {
			found = l;
			break;
		}
	}
	free(want);
	return found;
}

/* A message about a file, shown with the log's name rather than a long path:
 * "/srv/logs/SiteComp.log: not found" -> "SiteComp.log: not found". */
static char *about_log(const char *file, const char *log_file, const char *message)
{
	size_t fl = file ? strlen(file) : 0;
	if (fl && strncmp(message, file, fl) == 0 && message[fl] == ':')
		return xasprintf("%s%s", log_file, message + fl);
	if (log_file && strstr(message, log_file))
		return xstrdup(message);
	return xasprintf("%s: %s", log_file ? log_file : "log", message);
}

void logpane_event(struct logpane *lp, bool ascii, const struct watch_event *ev, const char *log_file,
		   int64_t now_ms)
{
	switch (ev->type) {
	case WEV_LINE: {
		const struct log_record *r = ev->rec;
		if (!r)
			return;
		bool own = r->has_time && r->has_bias;
		int64_t key = own ? r->utc_ms : inherited_key(lp, (long)ev->log);
		struct logline *l = push(lp);
		l->log = ev->log;
		/* local_time is "2006-06-14 02:14:07.123": show the clock part. */
		const char *t = r->has_time ? r->local_time : "";
		const char *sp = strchr(t, ' ');
		l->time = xstrndup(sp ? sp + 1 : t, 8);
		l->when = xstrdup(t);
		l->component = clean(r->component, ascii, NULL);
		l->thread = r->has_thread ? xasprintf("%ld", r->thread) : xstrdup("");
		l->text = clean(r->text, ascii, &l->clipped);
		l->file = ev->file ? xstrdup(ev->file) : NULL;
		l->offset = r->offset;
		l->sev = r->severity;
		l->expected = ev->expected;
		l->key_ms = key;
		l->has_utc = own;
		break;
	}
	case WEV_MARKER: {
		struct logline *l = find_recent(lp, ev->log, ev->rec, ascii);
		if (l)
			l->expected = true;
		break;
	}
	case WEV_FAILURE: {
		struct logline *l = find_recent(lp, ev->log, ev->rec, ascii);
		if (l)
			l->failure = true;
		char *msg = xasprintf("%s: failure signature seen%s%s", log_file ? log_file : "log",
				      ev->hint ? " — hint: " : "", ev->hint ? ev->hint : "");
		add_note(lp, ev->log, SEV_ERROR, msg, ascii, now_ms);
		free(msg);
		break;
	}
	case WEV_ROTATED:
	case WEV_PROBLEM: {
		char *msg = ev->type == WEV_PROBLEM && ev->recovered
				    ? xasprintf("%s: found, reading it (%s)", log_file ? log_file : "log",
						ev->message ? ev->message : "")
				    : about_log(ev->file, log_file, ev->message ? ev->message : "log changed");
		add_note(lp, ev->log, SEV_WARNING, msg, ascii, now_ms);
		free(msg);
		break;
	}
	case WEV_STEP_VERIFIED:
		break;
	}
}

struct evidence {
	int64_t at_ms;
	size_t log;
	const char *line;
	const char *file;
	uint64_t offset;
	bool failure;
};

static int evidence_cmp(const void *a, const void *b)
{
	const struct evidence *x = a, *y = b;
	return (x->at_ms > y->at_ms) - (x->at_ms < y->at_ms);
}

void logpane_seed(struct logpane *lp, bool ascii, const struct session *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->rb->n_steps; i++)
		n += s->steps[i].n_markers + s->steps[i].n_failures;
	if (n == 0)
		return;
	struct evidence *ev = xcalloc(n, sizeof *ev);
	size_t k = 0;
	for (size_t i = 0; i < s->rb->n_steps; i++) {
		const struct rb_step *st = &s->rb->steps[i];
		const struct step_state *ss = &s->steps[i];
		for (size_t m = 0; m < ss->n_markers; m++) {
			const struct sess_marker *mk = &ss->markers[m];
			size_t log = mk->verify < st->n_verify ? st->verify[mk->verify].log_index : 0;
			ev[k++] = (struct evidence){mk->at_ms, log, mk->line, mk->file, mk->offset, false};
		}
		for (size_t f = 0; f < ss->n_failures; f++) {
			const struct sess_failure *fl = &ss->failures[f];
			size_t log = fl->fail < st->n_fail ? st->fail[fl->fail].log_index : 0;
			ev[k++] = (struct evidence){fl->at_ms, log, fl->line, fl->file, fl->offset, true};
		}
	}
	qsort(ev, n, sizeof *ev, evidence_cmp);
	for (size_t i = 0; i < n; i++) {
		struct log_record rec;
		smslog_parse(ev[i].line ? ev[i].line : "", ev[i].line ? strnlen(ev[i].line, 65536) : 0, &rec);
		rec.offset = ev[i].offset;
		struct watch_event we = {.type = WEV_LINE, .log = ev[i].log, .step = -1, .rec = &rec,
					 .file = ev[i].file, .expected = !ev[i].failure};
		logpane_event(lp, ascii, &we, NULL, ev[i].at_ms);
		if (ev[i].failure)
			at(lp, lp->n - 1)->failure = true;
		log_record_free(&rec);
	}
	free(ev);
}

/* Does the step follow this log (verify or fail)? */
static bool step_uses(const struct rb_step *st, size_t log)
{
	for (size_t i = 0; i < st->n_verify; i++)
		if (st->verify[i].log_index == log)
			return true;
	for (size_t i = 0; i < st->n_fail; i++)
		if (st->fail[i].log_index == log)
			return true;
	return false;
}

/* Does the filter show lines of this log for the selected step? */
static bool shows(const struct logpane *lp, const struct session *s, size_t sel, size_t log)
{
	if (lp->filter >= 0)
		return (size_t)lp->filter == log;
	if (lp->filter == LOGFILTER_ALL || sel >= s->rb->n_steps)
		return true;
	const struct rb_step *st = &s->rb->steps[sel];
	if (st->n_verify == 0 && st->n_fail == 0)
		return true; /* a step without logs: show them all */
	return step_uses(st, log);
}

/* How many logs the filter can show: more than one, and the lines are merged by time. */
static size_t logs_shown(const struct logpane *lp, const struct session *s, size_t sel)
{
	size_t k = 0;
	for (size_t i = 0; i < s->rb->n_logs; i++)
		k += shows(lp, s, sel, i);
	return k;
}

void logpane_filter_name(const struct logpane *lp, const struct session *s, size_t sel, char *out,
			 size_t outlen)
{
	if (lp->filter >= 0 && (size_t)lp->filter < s->rb->n_logs) {
		snprintf(out, outlen, "%s only", s->rb->logs[lp->filter].file);
		return;
	}
	bool merged = logs_shown(lp, s, sel) > 1;
	if (lp->filter == LOGFILTER_ALL || sel >= s->rb->n_steps) {
		snprintf(out, outlen, "all logs%s", merged ? ", merged by time" : "");
		return;
	}
	/* The step's own logs: named, so that this state never reads like "all logs". */
	const struct rb_step *st = &s->rb->steps[sel];
	size_t len = (size_t)snprintf(out, outlen, "the step's logs: ");
	bool any = false;
	for (size_t i = 0; i < s->rb->n_logs && len < outlen; i++) {
		if (!step_uses(st, i))
			continue;
		int w = snprintf(out + len, outlen - len, "%s%s", any ? ", " : "", s->rb->logs[i].file);
		len += w > 0 ? (size_t)w : 0;
		any = true;
	}
	if (!any)
		snprintf(out, outlen, "the step's logs: none, so all are shown%s", merged ? " (merged by time)" : "");
	else if (merged && len < outlen)
		snprintf(out + len, outlen - len, " (merged by time)");
}

void logpane_cycle(struct logpane *lp, const struct session *s)
{
	if (lp->filter == LOGFILTER_STEP)
		lp->filter = LOGFILTER_ALL;
	else if (lp->filter + 1 < (long)s->rb->n_logs)
		lp->filter++;
	else
		lp->filter = LOGFILTER_STEP;
	lp->cur = 0;
	lp->hscroll = 0;
}

/* ---- the lines shown, in the order shown ------------------------------------------ */

struct view {
	struct logpane *lp;
	size_t *v;   /* ring positions */
	size_t n;
};

static int merge_cmp(const void *a, const void *b, void *ctx)
{
	struct logpane *lp = ctx;
	const struct logline *x = at(lp, *(const size_t *)a), *y = at(lp, *(const size_t *)b);
	if (x->key_ms != y->key_ms)
		return x->key_ms < y->key_ms ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq); /* stable: arrival order within a time */
}

static struct view view_of(struct logpane *lp, const struct session *s, size_t sel)
{
	struct view vw = {.lp = lp, .v = xcalloc(lp->n ? lp->n : 1, sizeof(size_t))};
	for (size_t i = 0; i < lp->n; i++)
		if (shows(lp, s, sel, at(lp, i)->log))
			vw.v[vw.n++] = i;
	if (vw.n > 1 && logs_shown(lp, s, sel) > 1) {
		qsort_r(vw.v, vw.n, sizeof *vw.v, merge_cmp, lp);
	}
	return vw;
}

static struct logline *vline(const struct view *vw, size_t i) { return at(vw->lp, vw->v[i]); }

/* The index of the selected line in the view (the newest when following or gone). */
static size_t view_cur(const struct view *vw)
{
	if (vw->n == 0)
		return 0;
	if (vw->lp->cur) {
		for (size_t i = 0; i < vw->n; i++)
			if (vline(vw, i)->seq == vw->lp->cur)
				return i;
		/* Filtered out: the nearest line that arrived before it. */
		size_t best = vw->n - 1;
		uint64_t best_seq = 0;
		for (size_t i = 0; i < vw->n; i++) {
			uint64_t q = vline(vw, i)->seq;
			if (q < vw->lp->cur && q >= best_seq) {
				best = i;
				best_seq = q;
			}
		}
		return best;
	}
	return vw->n - 1;
}

static void view_select(struct view *vw, size_t i)
{
	vw->lp->cur = i + 1 >= vw->n ? 0 : vline(vw, i)->seq;
}

void logpane_move(struct logpane *lp, const struct session *s, size_t sel, long delta)
{
	struct view vw = view_of(lp, s, sel);
	if (vw.n) {
		long i = (long)view_cur(&vw) + delta;
		if (i < 0)
			i = 0;
		if (i >= (long)vw.n)
			i = (long)vw.n - 1;
		view_select(&vw, (size_t)i);
		lp->cur_row += (int)delta;
	}
	free(vw.v);
}

void logpane_home(struct logpane *lp, const struct session *s, size_t sel)
{
	struct view vw = view_of(lp, s, sel);
	if (vw.n)
		view_select(&vw, 0);
	lp->cur_row = 0;
	free(vw.v);
}

void logpane_follow(struct logpane *lp) { lp->cur = 0; }

void logpane_hscroll(struct logpane *lp, int cols)
{
	if (lp->wrap)
		return;
	lp->hscroll += cols;
	if (lp->hscroll < 0)
		lp->hscroll = 0;
	if (lp->hscroll > LINE_MAX_COLS)
		lp->hscroll = LINE_MAX_COLS;
}

static bool matches(const struct logline *l, const char *search)
{
	return search && *search && (text_find_ci(l->text, search) || text_find_ci(l->component, search));
}

bool logpane_search(struct logpane *lp, const struct session *s, size_t sel, const char *text, int dir,
		    bool *wrapped)
{
	bool fresh = text && *text;
	if (fresh) {
		free(lp->search);
		lp->search = xstrdup(text);
	}
	if (wrapped)
		*wrapped = false;
	if (!lp->search)
		return false;
	struct view vw = view_of(lp, s, sel);
	bool found = false;
	if (vw.n) {
		size_t c = view_cur(&vw);
		/* A new search may stop on the selected line itself; n and N move off it. */
		for (size_t k = fresh ? 0 : 1; k <= vw.n && !found; k++) {
			long i = dir >= 0 ? (long)c + (long)k : (long)c - (long)k;
			bool round = i < 0 || i >= (long)vw.n;
			i = ((i % (long)vw.n) + (long)vw.n) % (long)vw.n;
			if (matches(vline(&vw, (size_t)i), lp->search)) {
				found = true;
				if (wrapped)
					*wrapped = round;
				lp->cur_row += (int)(i - (long)c);
				view_select(&vw, (size_t)i);
				if ((size_t)i + 1 >= vw.n) /* the newest line: select it, do not follow */
					lp->cur = vline(&vw, (size_t)i)->seq;
			}
		}
	}
	free(vw.v);
	return found;
}

void logpane_matches(struct logpane *lp, const struct session *s, size_t sel, size_t *which, size_t *count)
{
	*which = *count = 0;
	if (!lp->search)
		return;
	struct view vw = view_of(lp, s, sel);
	size_t c = view_cur(&vw);
	for (size_t i = 0; i < vw.n; i++) {
		if (matches(vline(&vw, i), lp->search)) {
			++*count;
			if (i == c)
				*which = *count;
		}
	}
	free(vw.v);
}

/* ---- drawing ------------------------------------------------------------------- */

static enum ui_role line_role(const struct logline *l)
{
	if (l->failure)
		return ROLE_ERROR;
	if (l->expected)
		return ROLE_EXPECTED;
	if (l->note)
		return l->sev == SEV_ERROR ? ROLE_CAUTION : ROLE_MESSAGE;
	if (l->sev == SEV_ERROR)
		return ROLE_ERROR;
	if (l->sev == SEV_WARNING)
		return ROLE_WARNING;
	return ROLE_NORMAL;
}

struct cols {
	int tw, cw, thw; /* time, component, thread widths (0: not shown) */
	int text_x;      /* where a record's text starts, from the pane's left */
	int note_x;      /* where steward's own text starts */
};

static struct cols columns(int w)
{
	struct cols c = {.tw = 8};
	bool wide = w >= 70;
	c.cw = w >= 100 ? 27 : (wide ? 20 : 0);
	c.thw = wide ? 5 : 0;
	c.text_x = c.tw + 1 + (c.cw ? c.cw + 1 : 0) + (c.thw ? c.thw + 1 : 0);
	c.note_x = c.tw + 1; /* steward's lines use the whole width after their time */
	return c;
}

static int text_x(const struct cols *c, const struct logline *l) { return l->note ? c->note_x : c->text_x; }

/* The text a line shows after its fixed columns (caller frees). */
static char *line_text(const struct logline *l)
{
	return l->note ? xasprintf("steward: %s", l->text) : xstrdup(l->text);
}

/* The rows of t in a column tw wide: wrapped by columns (a log record is one line: no
 * word breaking that would hide its spaces), or one row scrolled by hscroll. */
static size_t split(const struct logpane *lp, const char *t, bool note, int tw, struct text_span **out)
{
	size_t len = strlen(t), n = 0;
	struct text_span *sp;
	if (lp->wrap && tw >= 4) {
		size_t cap = 4;
		sp = xcalloc(cap, sizeof *sp);
		size_t off = 0;
		do {
			if (n == cap) {
				cap *= 2;
				sp = xreallocarray(sp, cap, sizeof *sp);
			}
			int used;
			size_t k = text_fit(t + off, len - off, tw, &used);
			if (k == 0) { /* a character wider than the column: give it a row */
				uint32_t cp;
				k = text_decode(t + off, len - off, &cp);
				if (k == 0)
					k = 1;
			}
			sp[n++] = (struct text_span){off, k, used};
			off += k;
		} while (off < len);
	} else {
		sp = xcalloc(1, sizeof *sp);
		int used = 0;
		size_t skip = lp->hscroll && !note ? text_fit(t, len, lp->hscroll, &used) : 0;
		sp[n++] = (struct text_span){skip, len - skip, 0};
	}
	*out = sp;
	return n;
}

/* Rows a line takes: 1, or its wrapped rows. */
static int line_rows(const struct logpane *lp, const struct cols *c, const struct logline *l, int w)
{
	if (!lp->wrap)
		return 1;
	char *t = line_text(l);
	struct text_span *sp;
	size_t n = split(lp, t, l->note, w - text_x(c, l), &sp);
	free(sp);
	free(t);
	return (int)n;
}

/* Draws s[0..len) at (y, x) in w columns and lays every match of the search over it. */
static void draw_segment(struct ui *ui, int y, int x, int w, const char *s, size_t len, enum ui_role role,
			 const char *search, bool cut)
{
	if (w <= 0)
		return;
	char *seg = xstrndup(s, len);
	int used = ui_text(ui, y, x, w, seg, role, cut ? UI_ELLIPSIS : 0);
	if (search && *search) {
		size_t nl = strlen(search);
		for (const char *p = seg; (p = text_find_ci(p, search)) != NULL; p += nl ? nl : 1) {
			int col = text_width_n(seg, (size_t)(p - seg));
			if (col >= used)
				break;
			char *m = xstrndup(p, nl);
			ui_text(ui, y, x + col, used - col, m, ROLE_MATCH, 0);
			free(m);
			if (!*p)
				break;
		}
	}
	free(seg);
}

/* Draws one line from row y, at most max_rows rows (skipping its first `skip` rows). */
static void draw_line(struct ui *ui, struct logpane *lp, const struct cols *c, const struct logline *l, int y,
		      int x, int w, int skip, int max_rows, bool selected, bool focused)
{
	enum ui_role role = line_role(l);
	if (selected)
		role = focused ? ROLE_SELECTED : role;
	const char *search = lp->search;
	int tx = text_x(c, l);
	int tw = w - tx;
	char *t = line_text(l);
	struct text_span *spans;
	size_t n_spans = split(lp, t, l->note, tw, &spans);
	for (size_t r = (size_t)skip, row = 0; r < n_spans && (int)row < max_rows; r++, row++) {
		int yy = y + (int)row;
		ui_fill(ui, yy, x, w, role);
		if (r == 0) {
			ui_text(ui, yy, x, c->tw, l->time, role, UI_PAD);
			if (!l->note && c->cw) {
				ui_text(ui, yy, x + c->tw + 1, c->cw, l->component, role, UI_PAD | UI_ELLIPSIS);
				ui_text(ui, yy, x + c->tw + 1 + c->cw + 1, c->thw, l->thread, role, UI_PAD);
			}
		}
		draw_segment(ui, yy, x + tx, tw, t + spans[r].off, spans[r].len, role, search, !lp->wrap);
	}
	free(spans);
	free(t);
}

void logpane_draw(struct ui *ui, struct logpane *lp, const struct session *s, size_t sel, int y, int x,
		  int h, int w, bool focused)
{
	lp->shown = 0;
	if (h < 2 || w < 10)
		return;
	char filt[256], head[600], extra[200] = "";
	logpane_filter_name(lp, s, sel, filt, sizeof filt);
	bool polled = false; /* is any log shown here followed by polling? */
	for (size_t i = 0; lp->polled && i < s->rb->n_logs; i++)
		polled |= lp->polled[i] && shows(lp, s, sel, i);
	size_t which, count;
	logpane_matches(lp, s, sel, &which, &count);
	size_t el = 0;
	if (lp->search) {
		char *q = text_ellipsize(lp->search, 24, text_ellipsis(ui->ascii));
		if (which)
			el += (size_t)snprintf(extra + el, sizeof extra - el, " · /%s: match %zu of %zu", q, which, count);
		else
			el += (size_t)snprintf(extra + el, sizeof extra - el, " · /%s: %zu match%s", q, count,
					       count == 1 ? "" : "es");
		free(q);
	}
	if (lp->wrap && el < sizeof extra)
		el += (size_t)snprintf(extra + el, sizeof extra - el, " · wrapped (w cuts)");
	else if (lp->hscroll && el < sizeof extra)
		el += (size_t)snprintf(extra + el, sizeof extra - el, " · text from column %d", lp->hscroll + 1);
	snprintf(head, sizeof head, " Log: %s%s%s%s", filt,
		 polled ? " · polled every few seconds (network mount: no inotify)" : "",
		 lp->cur ? " · line selected (G follows)" : "", extra);
	ui_text(ui, y, x, w, head, focused ? ROLE_SELECTED : ROLE_HEADING, UI_PAD | UI_ELLIPSIS);
	struct cols c = columns(w);
	struct view vw = view_of(lp, s, sel);
	int rows = h - 1;
	if (vw.n == 0) {
		ui_text(ui, y + 1, x + 1, w - 1,
			s->rb->n_logs ? "(no lines yet: new lines appear here as the site writes them)"
				      : "(this runbook follows no logs)",
			ROLE_DIM, UI_ELLIPSIS);
		free(vw.v);
		return;
	}
	size_t ci = view_cur(&vw);
	/* Keep the selected line where it was (cur_row), within the pane, and the pane full. */
	int r0 = lp->cur ? lp->cur_row : rows - 1;
	if (r0 > rows - 1)
		r0 = rows - 1;
	if (r0 < 0)
		r0 = 0;
	int own = line_rows(lp, &c, vline(&vw, ci), w); /* the selected line is seen whole when it fits */
	if (r0 > rows - own)
		r0 = rows - own > 0 ? rows - own : 0;
	size_t first = ci;
	int above = 0;
	while (first > 0 && above + line_rows(lp, &c, vline(&vw, first - 1), w) <= r0) {
		above += line_rows(lp, &c, vline(&vw, first - 1), w);
		first--;
	}
	int below = 0; /* rows from first to the end */
	for (size_t i = first; i < vw.n && below < rows; i++)
		below += line_rows(lp, &c, vline(&vw, i), w);
	while (first > 0 && below + line_rows(lp, &c, vline(&vw, first - 1), w) <= rows) {
		below += line_rows(lp, &c, vline(&vw, first - 1), w);
		above += line_rows(lp, &c, vline(&vw, first - 1), w);
		first--;
	}
	lp->cur_row = above;
	lp->shown = vline(&vw, ci)->seq;
	int row = 0;
	for (size_t i = first; i < vw.n && row < rows; i++) {
		const struct logline *l = vline(&vw, i);
		int need = line_rows(lp, &c, l, w);
		draw_line(ui, lp, &c, l, y + 1 + row, x, w, 0, rows - row, i == ci && (focused || lp->cur),
			  focused);
		row += need;
	}
	free(vw.v);
}

/* ---- the selected line in full -------------------------------------------------- */

static const char *severity_name(enum log_severity sev)
{
	switch (sev) {
	case SEV_ERROR: return "error";
	case SEV_WARNING: return "warning";
	default: return "information";
	}
}

int logpane_detail_draw(struct ui *ui, struct logpane *lp, const struct session *s, int y, int x, int h,
			int w, int scroll)
{
	const struct logline *l = NULL;
	for (size_t i = 0; lp->shown && i < lp->n; i++)
		if (at(lp, i)->seq == lp->shown)
			l = at(lp, i);
	int row = 0;
#define PUT(role, indent, text)                                                                  \
	do {                                                                                     \
		int need_ = ui_wrapped(ui, y + row - scroll, x + (indent), w - (indent),             \
				       row - scroll >= 0 ? h - (row - scroll) : 0, 0, (text), (role)); \
		row += need_ > 0 ? need_ : 1;                                                    \
	} while (0)
	if (!l) {
		PUT(ROLE_DIM, 0, "No line selected: the log pane is empty.");
		return row;
	}
	char buf[512];
	const char *log_file = l->log < s->rb->n_logs ? s->rb->logs[l->log].file : "?";
	PUT(ROLE_TITLE, 0, "Log line (Enter closes, j/k move)");
	if (l->note) {
		snprintf(buf, sizeof buf, "Time:       %s (when steward wrote it)", l->time);
		PUT(ROLE_NORMAL, 0, buf);
		snprintf(buf, sizeof buf, "From:       steward, about %s", log_file);
		PUT(ROLE_NORMAL, 0, buf);
	} else {
		snprintf(buf, sizeof buf, "Time:       %s%s", *l->when ? l->when : "(the record has none)",
			 l->has_utc ? "" : (*l->when ? " (no time zone in the record)" : ""));
		PUT(ROLE_NORMAL, 0, buf);
		snprintf(buf, sizeof buf, "Component:  %s", *l->component ? l->component : "(none)");
		PUT(ROLE_NORMAL, 0, buf);
		snprintf(buf, sizeof buf, "Thread:     %s", *l->thread ? l->thread : "(none)");
		PUT(ROLE_NORMAL, 0, buf);
	}
	snprintf(buf, sizeof buf, "Severity:   %s%s%s", severity_name(l->sev),
		 l->expected ? " · an expected line (verification)" : "",
		 l->failure ? " · a failure signature" : "");
	PUT(l->sev == SEV_ERROR || l->failure ? ROLE_ERROR : ROLE_NORMAL, 0, buf);
	snprintf(buf, sizeof buf, "Log:        %s", log_file);
	PUT(ROLE_NORMAL, 0, buf);
	if (l->file) {
		char *f = xasprintf("File:       %s at byte %llu", l->file, (unsigned long long)l->offset);
		PUT(ROLE_NORMAL, 0, f);
		free(f);
	}
	row++;
	PUT(ROLE_HEADING, 0, l->clipped ? "Text (cut at 2000 columns):" : "Text:");
	PUT(line_role(l) == ROLE_NORMAL ? ROLE_KEY : line_role(l), 2, l->text);
#undef PUT
	return row;
}
