/*
 * logpane.c — the live log pane: the records the watcher reports, in columns like
 * the administrators' log viewers (time | component | thread | text), errors and
 * warnings coloured, expected lines highlighted, failure signatures followed by
 * their hint; a filter (the selected step's logs, all logs, one log) and a search.
 *
 * Invariants: lines are sanitized when they arrive (never raw); the ring holds at
 * most LOGPANE_MAX lines; scroll 0 follows the newest line.
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
	free(l->component);
	free(l->thread);
	free(l->text);
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
		line_free(l);
		lp->head = (lp->head + 1) % LOGPANE_MAX;
		if (lp->match > 0)
			lp->match--;
		else
			lp->match = -1;
	} else {
		l = at(lp, lp->n++);
	}
	return l;
}

/* Longest text kept per line, in columns: a 10 MB log line costs at most this much,
 * and no screen shows more of it. */
#define LINE_MAX_COLS 2000

static char *clean(const char *s, bool ascii)
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
	}
	return t;
}

static void add_note(struct logpane *lp, size_t log, enum log_severity sev, const char *text, bool ascii)
{
	struct logline *l = push(lp);
	l->log = log;
	l->time = xstrdup("");
	l->component = xstrdup("steward");
	l->thread = xstrdup("");
	l->text = clean(text, ascii);
	l->sev = sev;
	l->note = true;
}

/* The newest line of log whose text is the record's (sanitized) text. */
static struct logline *find_recent(struct logpane *lp, size_t log, const struct log_record *rec, bool ascii)
{
	if (!rec)
		return NULL;
	char *want = clean(rec->text, ascii);
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

void logpane_event(struct logpane *lp, bool ascii, const struct watch_event *ev)
{
	switch (ev->type) {
	case WEV_LINE: {
		const struct log_record *r = ev->rec;
		if (!r)
			return;
		struct logline *l = push(lp);
		l->log = ev->log;
		/* local_time is "2006-06-14 02:14:07.123": show the clock part. */
		const char *t = r->has_time ? r->local_time : "";
		const char *sp = strchr(t, ' ');
		l->time = xstrndup(sp ? sp + 1 : t, 8);
		l->component = clean(r->component, ascii);
		l->thread = r->has_thread ? xasprintf("%ld", r->thread) : xstrdup("");
		l->text = clean(r->text, ascii);
		l->sev = r->severity;
		l->expected = ev->expected;
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
		char *msg = xasprintf("failure signature seen%s%s", ev->hint ? " — hint: " : "",
				      ev->hint ? ev->hint : "");
		add_note(lp, ev->log, SEV_ERROR, msg, ascii);
		free(msg);
		break;
	}
	case WEV_ROTATED:
	case WEV_PROBLEM:
		add_note(lp, ev->log, SEV_WARNING, ev->message ? ev->message : "log changed", ascii);
		break;
	case WEV_STEP_VERIFIED:
		break;
	}
}

struct evidence {
	int64_t at_ms;
	size_t log;
	const char *line;
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
			ev[k++] = (struct evidence){mk->at_ms, log, mk->line, false};
		}
		for (size_t f = 0; f < ss->n_failures; f++) {
			const struct sess_failure *fl = &ss->failures[f];
			size_t log = fl->fail < st->n_fail ? st->fail[fl->fail].log_index : 0;
			ev[k++] = (struct evidence){fl->at_ms, log, fl->line, true};
		}
	}
	qsort(ev, n, sizeof *ev, evidence_cmp);
	for (size_t i = 0; i < n; i++) {
		struct log_record rec;
		smslog_parse(ev[i].line ? ev[i].line : "", ev[i].line ? strnlen(ev[i].line, 65536) : 0, &rec);
		struct watch_event we = {.type = WEV_LINE, .log = ev[i].log, .step = -1, .rec = &rec,
					 .expected = !ev[i].failure};
		logpane_event(lp, ascii, &we);
		if (ev[i].failure)
			at(lp, lp->n - 1)->failure = true;
		log_record_free(&rec);
	}
	free(ev);
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
	for (size_t i = 0; i < st->n_verify; i++)
		if (st->verify[i].log_index == log)
			return true;
	for (size_t i = 0; i < st->n_fail; i++)
		if (st->fail[i].log_index == log)
			return true;
	return false;
}

void logpane_filter_name(const struct logpane *lp, const struct session *s, size_t sel, char *out,
			 size_t outlen)
{
	if (lp->filter >= 0 && (size_t)lp->filter < s->rb->n_logs) {
		snprintf(out, outlen, "%s only", s->rb->logs[lp->filter].file);
		return;
	}
	if (lp->filter == LOGFILTER_ALL || sel >= s->rb->n_steps) {
		snprintf(out, outlen, "all logs");
		return;
	}
	size_t len = 0;
	out[0] = '\0';
	for (size_t i = 0; i < s->rb->n_logs; i++) {
		const struct rb_step *st = &s->rb->steps[sel];
		bool used = false;
		for (size_t k = 0; k < st->n_verify; k++)
			used |= st->verify[k].log_index == i;
		for (size_t k = 0; k < st->n_fail; k++)
			used |= st->fail[k].log_index == i;
		if (used && len < outlen) {
			int w = snprintf(out + len, outlen - len, "%s%s", len ? ", " : "", s->rb->logs[i].file);
			len += w > 0 ? (size_t)w : 0;
		}
	}
	if (!out[0])
		snprintf(out, outlen, "all logs");
}

void logpane_cycle(struct logpane *lp, const struct session *s)
{
	if (lp->filter == LOGFILTER_STEP)
		lp->filter = LOGFILTER_ALL;
	else if (lp->filter + 1 < (long)s->rb->n_logs)
		lp->filter++;
	else
		lp->filter = LOGFILTER_STEP;
	lp->scroll = 0;
	lp->match = -1;
}

void logpane_scroll(struct logpane *lp, int rows)
{
	lp->scroll += rows;
	if (lp->scroll < 0)
		lp->scroll = 0;
	if (lp->scroll > (int)lp->n)
		lp->scroll = (int)lp->n;
}

/* Ring positions shown by the filter, oldest first; returns the count. */
static size_t visible(struct logpane *lp, const struct session *s, size_t sel, size_t **out)
{
	size_t *v = xcalloc(lp->n ? lp->n : 1, sizeof *v), k = 0;
	for (size_t i = 0; i < lp->n; i++)
		if (shows(lp, s, sel, at(lp, i)->log))
			v[k++] = i;
	*out = v;
	return k;
}

bool logpane_search(struct logpane *lp, const struct session *s, size_t sel, const char *text)
{
	if (text && *text) {
		free(lp->search);
		lp->search = xstrdup(text);
		lp->match = -1;
	}
	if (!lp->search)
		return false;
	size_t *v;
	size_t n = visible(lp, s, sel, &v);
	/* Start just above the current match, else from the newest line. */
	size_t start = n;
	if (lp->match >= 0)
		for (size_t i = 0; i < n; i++)
			if ((long)v[i] == lp->match)
				start = i;
	bool found = false;
	for (size_t pass = 0; pass < 2 && !found; pass++) {
		for (size_t i = start; i-- > 0;) {
			if (text_find_ci(at(lp, v[i])->text, lp->search)) {
				lp->match = (long)v[i];
				lp->scroll = (int)(n - 1 - i) > 0 ? (int)(n - 1 - i) - 2 : 0;
				if (lp->scroll < 0)
					lp->scroll = 0;
				found = true;
				break;
			}
		}
		start = n; /* wrap around to the newest */
	}
	free(v);
	return found;
}

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

void logpane_draw(struct ui *ui, struct logpane *lp, const struct session *s, size_t sel, int y, int x,
		  int h, int w, bool focused)
{
	if (h < 2 || w < 10)
		return;
	char filt[256], head[400];
	logpane_filter_name(lp, s, sel, filt, sizeof filt);
	bool polled = false; /* is any log shown here followed by polling? */
	for (size_t i = 0; lp->polled && i < s->rb->n_logs; i++)
		polled |= lp->polled[i] && shows(lp, s, sel, i);
	snprintf(head, sizeof head, " Log: %s%s%s", filt,
		 polled ? " · polled every few seconds (network mount: no inotify)" : "",
		 lp->scroll ? " · scrolled (G follows)" : "");
	ui_text(ui, y, x, w, head, focused ? ROLE_SELECTED : ROLE_HEADING, UI_PAD | UI_ELLIPSIS);
	bool wide = w >= 70;
	int tw = 8, cw = w >= 100 ? 27 : (wide ? 20 : 0), thw = wide ? 5 : 0;
	size_t *v;
	size_t n = visible(lp, s, sel, &v);
	int rows = h - 1;
	if (n == 0) {
		ui_text(ui, y + 1, x + 1, w - 1,
			s->rb->n_logs ? "(no lines yet: new lines appear here as the site writes them)"
				      : "(this runbook follows no logs)",
			ROLE_DIM, UI_ELLIPSIS);
		free(v);
		return;
	}
	if (lp->scroll > (int)n - 1)
		lp->scroll = (int)n - 1;
	long last = (long)n - 1 - lp->scroll;
	long first = last - rows + 1;
	if (first < 0)
		first = 0;
	for (long i = first, row = 1; i <= last; i++, row++) {
		struct logline *l = at(lp, v[i]);
		enum ui_role role = line_role(l);
		if (lp->match >= 0 && (long)v[i] == lp->match)
			role = ROLE_MATCH;
		int cx = x;
		ui_fill(ui, y + (int)row, x, w, role == ROLE_NORMAL ? ROLE_NORMAL : role);
		cx += ui_text(ui, y + (int)row, cx, tw, l->time, role, UI_PAD) + 1;
		if (wide) {
			cx += ui_text(ui, y + (int)row, cx, cw, l->component, role, UI_PAD | UI_ELLIPSIS) + 1;
			cx += ui_text(ui, y + (int)row, cx, thw, l->thread, role, UI_PAD) + 1;
		}
		ui_text(ui, y + (int)row, cx, w - (cx - x), l->text, role, UI_ELLIPSIS);
	}
	free(v);
}
