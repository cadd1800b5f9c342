/*
 * export_html.c — the change record as one self-contained HTML file: summary, an
 * inline SVG timeline of when each step was active, the step table, every note, the
 * verification evidence (matched log lines), the audit and the event log.
 *
 * Invariants: no external resource of any kind (inline CSS only, no script, and a
 * Content-Security-Policy that forbids loading anything); every piece of text goes
 * through esc() (sanitised, then &<>"' escaped).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export_render.h"
#include "steward/text.h"

static void esc(struct strbuf *out, const char *s)
{
	char *c = export_clean(s, true);
	for (const char *p = c; *p; p++) {
		switch (*p) {
		case '&': sb_puts(out, "&amp;"); break;
		case '<': sb_puts(out, "&lt;"); break;
		case '>': sb_puts(out, "&gt;"); break;
		case '"': sb_puts(out, "&quot;"); break;
		case '\'': sb_puts(out, "&#39;"); break;
		default: sb_putc(out, *p); break;
		}
	}
	free(c);
}

static void tm(struct strbuf *out, int64_t ms)
{
	char t[32];
	export_time(ms, t);
	if (ms) /* an ISO time is one word: never broken mid-date */
		sb_printf(out, "<span class=\"ts\">%s</span>", t);
	else
		sb_puts(out, "—");
}

static const char *status_colour(enum step_status st)
{
	switch (st) {
	case STEP_DONE: return "#2e7d32";
	case STEP_SKIPPED: return "#9e9e9e";
	case STEP_FAILED: return "#c62828";
	case STEP_ACTIVE: return "#1565c0";
	case STEP_PENDING: return "#90caf9";
	case STEP_NA: return "#e0e0e0";
	}
	return "#90caf9";
}

static const char style[] =
	"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;max-width:1100px;"
	"padding:0 1em;color:#222}"
	"h1{font-size:1.6em}h2{margin-top:1.8em;border-bottom:1px solid #ccc}"
	"table{border-collapse:collapse;margin:.5em 0;width:100%}"
	"th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}"
	"th{background:#f3f3f3}"
	"table.summary th{width:12em}"
	".rehearsal{background:#fff3cd;border:2px solid #e0a800;padding:.6em 1em;font-weight:bold;"
	"font-size:1.1em;margin-bottom:1em}"
	".bad{color:#b00020;font-weight:bold}.ok{color:#2e7d32;font-weight:bold}"
	".mono,code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}"
	".note{white-space:pre-wrap}"
	".st-done{color:#2e7d32}.st-failed{color:#c62828}.st-skipped{color:#757575}"
	".st-active{color:#1565c0;font-weight:bold}.st-not-applicable{color:#9e9e9e}"
	"td.data{overflow-wrap:anywhere;max-width:32em}.ts{white-space:nowrap}"
	".practice{border-left:4px solid #8e24aa;background:#f8f0fb;padding:.3em .8em;margin:.5em 0}"
	".practice .label{color:#6a1b9a;font-weight:bold}"
	"@media print{.rehearsal{border-width:3px}}";

static void head(const struct export_doc *d, struct strbuf *out)
{
	const struct session *s = d->s;
	sb_puts(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		     "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		     "style-src 'unsafe-inline'\">\n<meta name=\"viewport\" content=\"width=device-width\">\n"
		     "<title>");
	if (s->rehearsal)
		sb_puts(out, "[REHEARSAL] ");
	sb_puts(out, "Change record: ");
	char *title = session_title(s);
	esc(out, title);
	free(title);
	sb_puts(out, " — ");
	esc(out, s->id);
	sb_printf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n", style);
	if (s->rehearsal)
		sb_puts(out, "<div class=\"rehearsal\">REHEARSAL — this session was a rehearsal; it records no "
			     "change to a production site.</div>\n");
	if (s->rehearsal && s->wait_divisor > 1)
		sb_printf(out, "<div class=\"rehearsal\">Waits were shortened for this rehearsal: each wait was "
			       "divided by %d (start --short-waits %d).</div>\n", s->wait_divisor, s->wait_divisor);
}

static void row(struct strbuf *out, const char *name, const char *value)
{
	sb_printf(out, "<tr><th>%s</th><td>", name);
	esc(out, value);
	sb_puts(out, "</td></tr>\n");
}

static void summary(const struct export_doc *d, struct strbuf *out)
{
	const struct session *s = d->s;
	const struct runbook *rb = s->rb;
	sb_puts(out, "<h1>Change record: ");
	char *title = session_title(s);
	esc(out, title);
	free(title);
	sb_puts(out, "</h1>\n<table class=\"summary\">\n");
	row(out, "Session", s->id);
	row(out, "Label", s->label ? s->label : "—");
	sb_puts(out, "<tr><th>Runbook</th><td>");
	esc(out, rb->title);
	sb_puts(out, " (<span class=\"mono\">");
	esc(out, rb->id);
	sb_puts(out, "</span>, version ");
	esc(out, rb->version);
	sb_printf(out, ")<br><span class=\"mono\">SHA-256 %s</span></td></tr>\n", rb->sha256);
	sb_puts(out, "<tr><th>Operator</th><td>");
	esc(out, s->op);
	sb_puts(out, " on ");
	esc(out, s->host);
	sb_puts(out, "</td></tr>\n<tr><th>Started</th><td>");
	tm(out, s->started_ms);
	sb_puts(out, "</td></tr>\n<tr><th>Finished</th><td>");
	if (s->finished)
		tm(out, s->finished_ms);
	else
		sb_puts(out, "not finished");
	int done, app;
	session_progress(s, &done, &app);
	sb_printf(out, "</td></tr>\n<tr><th>Progress</th><td>%d of %d applicable steps done or skipped</td></tr>\n",
		  done, app);
	sb_printf(out, "<tr><th>Kind</th><td>%s</td></tr>\n",
		  s->rehearsal ? "<span class=\"bad\">REHEARSAL</span>" : "change on a live site");
	sb_puts(out, "<tr><th>Variables</th><td>");
	for (size_t i = 0; i < s->vars.n; i++) {
		sb_puts(out, i ? "<br>" : "");
		sb_puts(out, "<span class=\"mono\">");
		esc(out, s->vars.names[i]);
		sb_puts(out, "</span> = ");
		esc(out, s->vars.values[i]);
	}
	sb_puts(out, s->vars.n ? "" : "—");
	sb_puts(out, "</td></tr>\n<tr><th>Audit</th><td>");
	if (d->audit.intact)
		sb_printf(out, "<span class=\"ok\">hash chain intact</span>: %zu events verify", d->n_ev);
	else {
		sb_puts(out, "<span class=\"bad\">NOT INTACT</span> — ");
		esc(out, d->audit.problem);
	}
	char *clock = export_clock_note(&d->audit);
	if (clock) {
		sb_puts(out, "<br>");
		esc(out, clock);
		free(clock);
	}
	sb_puts(out, "</td></tr>\n</table>\n");
}

/* Which log lived where: the paths the session fixed at start, and each folder's machine. */
static void logs(const struct export_doc *d, struct strbuf *out)
{
	const struct runbook *rb = d->s->rb;
	if (rb->n_logs == 0)
		return;
	sb_puts(out, "<h2>Logs</h2>\n<table>\n<tr><th>Log</th><th>File</th><th>Folder</th><th>Machine</th>"
		     "<th>Path read</th></tr>\n");
	for (size_t l = 0; l < rb->n_logs; l++) {
		struct export_place p;
		export_place(d, l, &p);
		char *folder = export_place_folder_text(&p);
		sb_puts(out, "<tr><td class=\"mono\">");
		esc(out, p.name);
		sb_puts(out, "</td><td class=\"mono\">");
		esc(out, p.file);
		sb_puts(out, "</td><td>");
		esc(out, folder);
		sb_puts(out, "</td><td>");
		esc(out, p.machine ? p.machine : "—");
		sb_puts(out, "</td><td class=\"mono\">");
		esc(out, p.path ? p.path : "not recorded");
		sb_puts(out, "</td></tr>\n");
		free(folder);
		export_place_free(&p);
	}
	sb_puts(out, "</table>\n");
}

static void clock_label(char out[32], int64_t ms, bool with_date)
{
	char t[32];
	util_format_utc_ms(ms, t); /* 2026-11-22T01:02:03.456Z */
	if (with_date)
		snprintf(out, 32, "%.5s %.5s", t + 5, t + 11);
	else
		snprintf(out, 32, "%.8s", t + 11);
}

static void timeline(const struct export_doc *d, struct strbuf *out)
{
	const struct runbook *rb = d->s->rb;
	const int label_w = 280, chart_w = 700, row_h = 22, top = 26;
	int64_t t0 = d->s->started_ms, t1 = d->end_ms;
	if (t1 <= t0)
		t1 = t0 + 1000;
	double span = (double)(t1 - t0);
	size_t rows = 0;
	for (size_t i = 0; i < rb->n_steps; i++)
		rows += d->s->steps[i].status != STEP_NA;
	int h = top + (int)rows * row_h + 10;
	sb_puts(out, "<h2>Timeline</h2>\n");
	sb_printf(out,
		  "<svg width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		  "role=\"img\" aria-label=\"When each step was active\" font-family=\"sans-serif\" "
		  "font-size=\"11\">\n",
		  label_w + chart_w + 10, h, label_w + chart_w + 10, h);
	bool with_date = t1 - t0 > 20LL * 3600 * 1000;
	/* Whole pixels only: printf's %f would follow a locale's decimal comma. */
	for (int k = 0; k <= 4; k++) {
		int x = label_w + chart_w * k / 4;
		char lbl[32];
		clock_label(lbl, t0 + (int64_t)(span * k / 4.0), with_date);
		sb_printf(out,
			  "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>"
			  "<text x=\"%d\" y=\"14\" text-anchor=\"%s\" fill=\"#555\">%s</text>\n",
			  x, top - 4, x, h - 6, x, k == 0 ? "start" : k == 4 ? "end" : "middle", lbl);
	}
	size_t r = 0;
	for (size_t i = 0; i < rb->n_steps; i++) {
		const struct step_state *st = &d->s->steps[i];
		if (st->status == STEP_NA)
			continue;
		int y = top + (int)r * row_h;
		char *title = export_step_title(d, i);
		char *clean = export_clean(title, false);
		char *shortened = text_ellipsize(clean, 40, "\xe2\x80\xa6");
		sb_printf(out, "<text x=\"0\" y=\"%d\" fill=\"#222\">%zu. ", y + 15, i + 1);
		esc(out, shortened);
		sb_puts(out, "</text>\n");
		if (r % 2 == 0)
			sb_printf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#f7f7f7\"/>\n",
				  label_w, y, chart_w, row_h);
		for (size_t k = 0; k < d->n_iv; k++) {
			const struct export_interval *iv = &d->iv[k];
			if (iv->step != i)
				continue;
			int x = label_w + (int)((double)(iv->from_ms - t0) * chart_w / span);
			int w = (int)((double)(iv->to_ms - iv->from_ms) * chart_w / span + 0.5);
			if (w < 2)
				w = 2;
			char from[32], to[32], dur[64];
			util_format_utc_ms(iv->from_ms, from);
			util_format_utc_ms(iv->to_ms, to);
			duration_format((long)((iv->to_ms - iv->from_ms) / 1000), dur, sizeof dur);
			sb_printf(out,
				  "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"2\" fill=\"%s\">"
				  "<title>",
				  x, y + 4, w, row_h - 8, status_colour(iv->failed ? STEP_FAILED : st->status));
			esc(out, clean);
			sb_printf(out, ": active %s – %s (%s)%s</title></rect>\n", from, to, dur,
				  iv->failed ? ", ended failed" : "");
		}
		free(shortened);
		free(clean);
		free(title);
		r++;
	}
	sb_puts(out, "</svg>\n<p class=\"mono\">Bars: when each step was the active one (UTC). Colour: its "
		     "status now — green done, grey skipped, red failed, blue active — except that a stretch that ended "
		     "with the step failing stays red after it was reopened.</p>\n");
}

static void steps(const struct export_doc *d, struct strbuf *out)
{
	const struct runbook *rb = d->s->rb;
	sb_puts(out, "<h2>Steps</h2>\n<table>\n<tr><th>#</th><th>Phase</th><th>Step</th><th>Status</th>"
		     "<th>Completed by</th><th>Operator</th><th>Active from</th><th>Completed</th></tr>\n");
	for (size_t i = 0; i < rb->n_steps; i++) {
		const struct step_state *st = &d->s->steps[i];
		char *by = export_completion(d, i);
		char *title = export_step_title(d, i);
		sb_printf(out, "<tr><td>%zu</td><td>", i + 1);
		esc(out, rb->phases[rb->steps[i].phase_index].title);
		sb_puts(out, "</td><td>");
		esc(out, title);
		sb_puts(out, "<br><span class=\"mono\">");
		esc(out, rb->steps[i].id);
		sb_printf(out, "</span></td><td class=\"st-%s\">%s", step_status_name(st->status),
			  step_status_name(st->status));
		char *history = export_step_history(d, i);
		if (history) {
			sb_puts(out, "<br><span class=\"history\">");
			esc(out, history);
			sb_puts(out, "</span>");
			free(history);
		}
		sb_puts(out, "</td><td>");
		esc(out, by);
		free(by);
		sb_puts(out, "</td><td>");
		esc(out, st->completed_op ? st->completed_op : "—");
		sb_puts(out, "</td><td>");
		tm(out, st->activated_ms);
		sb_puts(out, "</td><td>");
		tm(out, st->completed_ms);
		sb_puts(out, "</td></tr>\n");
		free(title);
	}
	sb_puts(out, "</table>\n");
	/* Every checklist with each item's state, numbered as on screen. */
	bool any_list = false;
	for (size_t i = 0; i < rb->n_steps; i++) {
		const struct step_state *st = &d->s->steps[i];
		if (!rb->steps[i].n_checklist || st->status == STEP_NA)
			continue;
		if (!any_list)
			sb_puts(out, "<h2>Checklists</h2>\n");
		any_list = true;
		char *title = export_step_title(d, i);
		sb_printf(out, "<h3>%zu. ", i + 1);
		esc(out, title);
		sb_printf(out, " — %s</h3>\n<ol class=\"checklist\">\n", step_status_name(st->status));
		free(title);
		for (size_t k = 0; k < rb->steps[i].n_checklist; k++) {
			char *item = export_checklist_item(d, i, k);
			bool on = st->ticked && st->ticked[k];
			sb_printf(out, "<li class=\"%s\">%s ", on ? "ticked" : "unticked", on ? "&#9745;" : "&#9744;");
			esc(out, item);
			if (!on)
				sb_puts(out, " <span class=\"bad\">not ticked</span>");
			sb_puts(out, "</li>\n");
			free(item);
		}
		sb_puts(out, "</ol>\n");
	}
}

/* The runbook's advice that is not from its sources, set apart and labelled. */
static void practice(const struct export_doc *d, struct strbuf *out)
{
	if (!export_has_practice(d))
		return;
	const struct runbook *rb = d->s->rb;
	sb_puts(out, "<h2>" RB_PRACTICE_LABEL "</h2>\n<p>Advice the runbook adds to its source documents; "
		     "the sources do not give it.</p>\n");
	for (size_t i = 0; i < rb->n_steps; i++) {
		const struct rb_step *rs = &rb->steps[i];
		if (!rs->n_practice)
			continue;
		char *title = export_step_title(d, i);
		sb_printf(out, "<div class=\"practice\"><span class=\"label\">" RB_PRACTICE_LABEL
			       "</span> — step %zu, ", i + 1);
		esc(out, title);
		sb_puts(out, " <span class=\"mono\">");
		esc(out, rs->id);
		sb_puts(out, "</span>\n<ul>\n");
		for (size_t k = 0; k < rs->n_practice; k++) {
			char *p = export_practice_text(d, i, k);
			sb_puts(out, "<li>");
			esc(out, p);
			sb_puts(out, "</li>\n");
			free(p);
		}
		sb_puts(out, "</ul></div>\n");
		free(title);
	}
}

static void notes(const struct export_doc *d, struct strbuf *out)
{
	const struct session *s = d->s;
	sb_puts(out, "<h2>Notes</h2>\n");
	if (s->n_notes == 0) {
		sb_puts(out, "<p>No notes.</p>\n");
		return;
	}
	sb_puts(out, "<table>\n<tr><th>Time (UTC)</th><th>Operator</th><th>About</th><th>Kind</th><th>Note</th></tr>\n");
	for (size_t i = 0; i < s->n_notes; i++) {
		const struct sess_note *n = &s->notes[i];
		sb_puts(out, "<tr><td>");
		tm(out, n->at_ms);
		sb_puts(out, "</td><td>");
		esc(out, n->op);
		sb_puts(out, "</td><td>");
		if (n->step >= 0) {
			char *title = export_step_title(d, (size_t)n->step);
			esc(out, title);
			free(title);
		} else {
			sb_puts(out, "the session");
		}
		sb_printf(out, "</td><td>%s</td><td class=\"note\">", n->kind);
		esc(out, n->text);
		sb_puts(out, "</td></tr>\n");
	}
	sb_puts(out, "</table>\n");
}

static void evidence(const struct export_doc *d, struct strbuf *out)
{
	const struct runbook *rb = d->s->rb;
	sb_puts(out, "<h2>Verification evidence</h2>\n");
	bool any = false;
	for (size_t i = 0; i < rb->n_steps; i++) {
		const struct rb_step *rs = &rb->steps[i];
		const struct step_state *st = &d->s->steps[i];
		if (!export_step_has_evidence(d, i))
			continue;
		any = true;
		char *title = export_step_title(d, i);
		sb_printf(out, "<h3>%zu. ", i + 1);
		esc(out, title);
		free(title);
		const char *by = completed_by_name(st->completed_by);
		sb_printf(out, "</h3>\n<p>Status: <span class=\"st-%s\">%s</span>%s%s</p>\n",
			  step_status_name(st->status), step_status_name(st->status), by ? ", completed by " : "",
			  by ? by : "");
		sb_puts(out, "<table>\n<tr><th>Log</th><th>Expected</th><th>Matched line</th><th>File</th>"
			     "<th>Seen at</th></tr>\n");
		for (size_t vb = 0; vb < rs->n_verify; vb++) {
			for (size_t e = 0; e < rs->verify[vb].n_expect; e++) {
				char *expect = export_expect_text(d, i, vb, e);
				const struct sess_marker *m = export_marker(d, i, vb, e);
				sb_puts(out, "<tr><td>");
				esc(out, rs->verify[vb].log);
				sb_puts(out, "</td><td class=\"mono\">");
				if (rs->verify[vb].expect[e].is_regex)
					sb_puts(out, "regex: ");
				esc(out, expect);
				if (rs->verify[vb].expect[e].nocase)
					sb_puts(out, " (any case)");
				if (rs->verify[vb].after) {
					sb_puts(out, " (" RB_AFTER_PHRASE);
					esc(out, rs->verify[vb].after);
					sb_puts(out, ")");
				}
				sb_puts(out, "</td><td class=\"mono\">");
				if (m && m->simulated)
					sb_puts(out, "<span class=\"bad\">" EXPORT_SIMULATED "</span><br>");
				if (m)
					esc(out, m->line);
				else
					sb_puts(out, "<span class=\"bad\">not seen</span>");
				sb_puts(out, "</td><td class=\"mono\">");
				if (m) {
					esc(out, m->file);
					sb_printf(out, " @%llu", (unsigned long long)m->offset);
				}
				sb_puts(out, "</td><td>");
				if (m)
					tm(out, m->at_ms);
				sb_puts(out, "</td></tr>\n");
				free(expect);
			}
		}
		for (size_t k = 0; k < st->n_failures; k++) {
			const struct sess_failure *fl = &st->failures[k];
			sb_puts(out, "<tr><td class=\"bad\">failure</td><td>");
			if (fl->fail < rs->n_fail) {
				char *hint = export_failure_hint(d, i, fl);
				esc(out, hint ? hint : rs->fail[fl->fail].match.text);
				free(hint);
			}
			sb_puts(out, "</td><td class=\"mono\">");
			if (fl->simulated)
				sb_puts(out, "<span class=\"bad\">" EXPORT_SIMULATED "</span><br>");
			esc(out, fl->line);
			sb_puts(out, "</td><td class=\"mono\">");
			esc(out, fl->file);
			sb_printf(out, " @%llu</td><td>", (unsigned long long)fl->offset);
			tm(out, fl->at_ms);
			sb_puts(out, "</td></tr>\n");
		}
		sb_puts(out, "</table>\n");
	}
	if (!any)
		sb_puts(out, "<p>This runbook verifies no step from logs.</p>\n");
}

/* A section (export_doc.h) as HTML: a heading, a table, the note. */
static void section(const struct export_section *sec, struct strbuf *out)
{
	sb_printf(out, "<h2>%s</h2>\n", sec->title);
	if (sec->n_rows) {
		sb_puts(out, "<table>\n<tr>");
		for (size_t c = 0; c < sec->n_cols; c++)
			sb_printf(out, "<th>%s</th>", sec->cols[c].head);
		sb_puts(out, "</tr>\n");
		for (size_t r = 0; r < sec->n_rows; r++) {
			sb_puts(out, "<tr>");
			for (size_t c = 0; c < sec->n_cols; c++) {
				sb_puts(out, sec->cols[c].mono ? "<td class=\"mono\">" : "<td>");
				esc(out, sec->cells[r * sec->n_cols + c]);
				sb_puts(out, "</td>");
			}
			sb_puts(out, "</tr>\n");
		}
		sb_puts(out, "</table>\n");
	}
	sb_puts(out, "<p>");
	esc(out, sec->note);
	sb_puts(out, "</p>\n");
}

static void events(const struct export_doc *d, struct strbuf *out)
{
	sb_puts(out, "<h2>Audit</h2>\n<p>");
	if (d->audit.intact)
		sb_printf(out, "<span class=\"ok\">The hash chain is intact</span>: %zu events; head "
			       "<span class=\"mono\">%s</span>.",
			  d->n_ev, d->audit.head);
	else {
		sb_puts(out, "<span class=\"bad\">The hash chain does not verify</span>: ");
		esc(out, d->audit.problem);
	}
	sb_puts(out, " Each event's hash is the SHA-256 of its contents and of the previous event's hash; "
		     "<span class=\"mono\">steward audit</span> recomputes the chain.</p>\n");
	struct export_section seals;
	export_seals_section(d, &seals);
	section(&seals, out);
	export_section_free(&seals);
	sb_puts(out, "<h2>Event log</h2>\n<table>\n<tr><th>Seq</th><th>Time (UTC)</th><th>Operator</th>"
		     "<th>Host</th><th>Event</th><th>Step</th><th>Data</th><th>Hash</th></tr>\n");
	size_t checkpoints = 0;
	for (size_t i = 0; i < d->n_ev; i++) {
		const struct export_event *e = &d->ev[i];
		if (strcmp(e->type, "positions_saved") == 0) { /* bookkeeping, not actions */
			checkpoints++;
			continue;
		}
		sb_printf(out, "<tr><td>%lld</td><td>", (long long)e->seq);
		tm(out, e->at_ms);
		sb_puts(out, "</td><td>");
		esc(out, e->op);
		sb_puts(out, "</td><td>");
		esc(out, e->host);
		sb_puts(out, "</td><td>");
		esc(out, e->type);
		sb_puts(out, "</td><td>");
		esc(out, e->step ? e->step : "");
		sb_puts(out, "</td><td class=\"mono data\">");
		char *text = export_event_text(e);
		esc(out, text);
		free(text);
		sb_printf(out, "</td><td class=\"mono\" title=\"%s\">%.12s…</td></tr>\n", e->hash, e->hash);
	}
	sb_puts(out, "</table>\n");
	if (checkpoints)
		sb_printf(out, "<p>%zu log-position checkpoints (positions_saved) are not listed here; the JSON "
			       "and CSV exports hold every event.</p>\n",
			  checkpoints);
}

void export_html(const struct export_doc *d, struct strbuf *out)
{
	head(d, out);
	summary(d, out);
	logs(d, out);
	timeline(d, out);
	steps(d, out);
	practice(d, out);
	notes(d, out);
	evidence(d, out);
	events(d, out);
	sb_puts(out, "</body>\n</html>\n");
}
