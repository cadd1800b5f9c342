/*
 * export_md.c — a readable change record in Markdown: summary, steps, notes,
 * verification evidence, the audit result and the full event log.
 *
 * Untrusted text is sanitised (no control characters, newlines folded into spaces)
 * and every Markdown/HTML-significant character is backslash-escaped, so a note can
 * neither break a table nor inject markup.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export_render.h"

static void md(struct strbuf *out, const char *s)
{
	char *c = export_clean(s, false);
	for (const char *p = c; *p; p++) {
		if (strchr("\\`*_[]<>|#&~!{}", *p))
			sb_putc(out, '\\');
		sb_putc(out, *p);
	}
	free(c);
}

/* A code span (log lines, patterns): shown verbatim, so no backslashes needed; the
 * fence is one backtick longer than the longest run inside (CommonMark). */
static void md_code(struct strbuf *out, const char *s)
{
	char *c = export_clean(s, false);
	size_t longest = 0, run = 0;
	for (const char *p = c; *p; p++) {
		run = *p == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	size_t len = strlen(c);
	bool pad = len == 0 || c[0] == '`' || c[len - 1] == '`' || c[0] == ' ' || c[len - 1] == ' ';
	for (size_t i = 0; i <= longest; i++)
		sb_putc(out, '`');
	if (pad)
		sb_putc(out, ' ');
	sb_puts(out, c);
	if (pad)
		sb_putc(out, ' ');
	for (size_t i = 0; i <= longest; i++)
		sb_putc(out, '`');
	free(c);
}

/* Text whose line breaks are the writer's (notes): each line escaped, joined by hard line
 * breaks (a backslash at the end of the line) indented to stay inside a list item. */
static void md_lines(struct strbuf *out, const char *s, const char *indent)
{
	char *c = export_clean(s, true);
	size_t len = strlen(c);
	while (len > 0 && c[len - 1] == '\n')
		c[--len] = '\0';
	char *p = c;
	for (;;) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		/* A line that starts like a list item or heading would start one: escape it. */
		const char *q = p;
		while (*q == ' ')
			q++;
		sb_append(out, p, (size_t)(q - p));
		size_t digits = strspn(q, "0123456789");
		if (*q == '-' || *q == '+' || *q == '=')
			sb_putc(out, '\\');
		else if (digits && (q[digits] == '.' || q[digits] == ')')) {
			sb_append(out, q, digits);
			sb_putc(out, '\\');
			q += digits;
		}
		md(out, q);
		if (!nl)
			break;
		sb_printf(out, "\\\n%s", indent);
		p = nl + 1;
	}
	free(c);
}

static void md_time(struct strbuf *out, int64_t ms)
{
	char t[32];
	export_time(ms, t);
	sb_puts(out, ms ? t : "—");
}

static void summary(const struct export_doc *d, struct strbuf *out)
{
	const struct session *s = d->s;
	const struct runbook *rb = s->rb;
	sb_puts(out, "# Change record: ");
	char *title = session_title(s);
	md(out, title);
	free(title);
	sb_puts(out, "\n\n");
	if (s->rehearsal)
		sb_puts(out, "> **REHEARSAL** — this session was a rehearsal; it records no change to a "
			     "production site.\n\n");
	if (s->rehearsal && s->wait_divisor > 1)
		sb_printf(out, "> Waits were shortened for this rehearsal: each `wait` was divided by %d "
			       "(`start --short-waits %d`).\n\n", s->wait_divisor, s->wait_divisor);
	int done, app;
	session_progress(s, &done, &app);
	sb_puts(out, "| | |\n|---|---|\n| Session | ");
	md(out, s->id);
	sb_puts(out, s->rehearsal ? " (rehearsal)" : "");
	sb_puts(out, " |\n| Label | ");
	md(out, s->label ? s->label : "—");
	sb_puts(out, " |\n| Runbook | ");
	md(out, rb->title);
	sb_puts(out, " (");
	md(out, rb->id);
	sb_puts(out, ", version ");
	md(out, rb->version);
	sb_printf(out, ") |\n| Runbook SHA-256 | %s |\n| Operator | ", rb->sha256);
	md(out, s->op);
	sb_puts(out, " on ");
	md(out, s->host);
	sb_puts(out, " |\n| Started | ");
	md_time(out, s->started_ms);
	sb_puts(out, " |\n| Finished | ");
	if (s->finished)
		md_time(out, s->finished_ms);
	else
		sb_puts(out, "not finished");
	sb_printf(out, " |\n| Progress | %d of %d applicable steps done or skipped |\n| Variables | ", done, app);
	for (size_t i = 0; i < s->vars.n; i++) {
		sb_puts(out, i ? ", " : "");
		md(out, s->vars.names[i]);
		sb_puts(out, " = ");
		md(out, s->vars.values[i]);
	}
	if (s->vars.n == 0)
		sb_puts(out, "—");
	sb_puts(out, " |\n| Audit | ");
	if (d->audit.intact)
		sb_printf(out, "hash chain intact: %zu events verify (head %s)", d->n_ev, d->audit.head);
	else {
		sb_puts(out, "**NOT INTACT** — ");
		md(out, d->audit.problem);
	}
	char *clock = export_clock_note(&d->audit);
	if (clock) {
		sb_puts(out, ". ");
		md(out, clock);
		free(clock);
	}
	sb_puts(out, " |\n\n");
}

/* Which log lived where: the paths the session fixed at start, and each folder's machine. */
static void logs(const struct export_doc *d, struct strbuf *out)
{
	const struct runbook *rb = d->s->rb;
	if (rb->n_logs == 0)
		return;
	sb_puts(out, "## Logs\n\n| Log | File | Folder | Machine | Path read |\n|---|---|---|---|---|\n");
	for (size_t l = 0; l < rb->n_logs; l++) {
		struct export_place p;
		export_place(d, l, &p);
		char *folder = export_place_folder_text(&p);
		sb_puts(out, "| ");
		md(out, p.name);
		sb_puts(out, " | ");
		md(out, p.file);
		sb_puts(out, " | ");
		md(out, folder);
		sb_puts(out, " | ");
		md(out, p.machine ? p.machine : "—");
		sb_puts(out, " | ");
		if (p.path)
			md_code(out, p.path);
		else
			sb_puts(out, "not recorded");
		sb_puts(out, " |\n");
		free(folder);
		export_place_free(&p);
	}
	sb_puts(out, "\n");
}

static void steps(const struct export_doc *d, struct strbuf *out)
{
	const struct runbook *rb = d->s->rb;
	sb_puts(out, "## Steps\n\n| # | Phase | Step | Status | Completed by | Operator | Active from | Completed |\n"
		     "|---|---|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < rb->n_steps; i++) {
		const struct step_state *st = &d->s->steps[i];
		char *title = export_step_title(d, i);
		char *by = export_completion(d, i);
		sb_printf(out, "| %zu | ", i + 1);
		md(out, rb->phases[rb->steps[i].phase_index].title);
		sb_puts(out, " | ");
		md(out, title);
		sb_puts(out, " (");
		md(out, rb->steps[i].id);
		sb_printf(out, ") | %s", step_status_name(st->status));
		char *history = export_step_history(d, i);
		if (history) {
			sb_puts(out, " (");
			md(out, history);
			sb_puts(out, ")");
			free(history);
		}
		sb_puts(out, " | ");
		md(out, by);
		sb_puts(out, " | ");
		free(by);
		md(out, st->completed_op ? st->completed_op : "—");
		sb_puts(out, " | ");
		md_time(out, st->activated_ms);
		sb_puts(out, " | ");
		md_time(out, st->completed_ms);
		sb_puts(out, " |\n");
		free(title);
	}
	sb_puts(out, "\n");
}

/* Every checklist with each item's state, numbered as on screen. */
static void checklists(const struct export_doc *d, struct strbuf *out)
{
	const struct runbook *rb = d->s->rb;
	bool any = false;
	for (size_t i = 0; i < rb->n_steps; i++) {
		const struct step_state *st = &d->s->steps[i];
		if (!rb->steps[i].n_checklist || st->status == STEP_NA)
			continue;
		if (!any)
			sb_puts(out, "## Checklists\n\n");
		any = true;
		char *title = export_step_title(d, i);
		sb_printf(out, "%zu. ", i + 1);
		md(out, title);
		sb_printf(out, " — %s\n\n", step_status_name(st->status));
		free(title);
		for (size_t k = 0; k < rb->steps[i].n_checklist; k++) {
			char *item = export_checklist_item(d, i, k);
			bool on = st->ticked && st->ticked[k];
			sb_printf(out, "    %zu. [%s] ", k + 1, on ? "x" : " ");
			md(out, item);
			sb_puts(out, on ? "\n" : " — **not ticked**\n");
			free(item);
		}
		sb_puts(out, "\n");
	}
}

/* The runbook's advice that is not from its sources, in a section of its own so that a
 * reader of the record never takes it for the source's. */
static void practice(const struct export_doc *d, struct strbuf *out)
{
	if (!export_has_practice(d))
		return;
	const struct runbook *rb = d->s->rb;
	sb_puts(out, "## " RB_PRACTICE_LABEL "\n\nAdvice the runbook adds to its source documents; "
		     "the sources do not give it.\n\n");
	for (size_t i = 0; i < rb->n_steps; i++) {
		const struct rb_step *rs = &rb->steps[i];
		if (!rs->n_practice)
			continue;
		char *title = export_step_title(d, i);
		sb_printf(out, "- Step %zu, ", i + 1);
		md(out, title);
		sb_puts(out, " (");
		md(out, rs->id);
		sb_puts(out, "):\n");
		for (size_t k = 0; k < rs->n_practice; k++) {
			char *p = export_practice_text(d, i, k);
			sb_puts(out, "  - *Practice:* ");
			md(out, p);
			sb_puts(out, "\n");
			free(p);
		}
		free(title);
	}
	sb_puts(out, "\n");
}

static void notes(const struct export_doc *d, struct strbuf *out)
{
	const struct session *s = d->s;
	sb_puts(out, "## Notes\n\n");
	if (s->n_notes == 0)
		sb_puts(out, "No notes.\n");
	for (size_t i = 0; i < s->n_notes; i++) {
		const struct sess_note *n = &s->notes[i];
		sb_puts(out, "- ");
		md_time(out, n->at_ms);
		sb_puts(out, " — **");
		md(out, n->op);
		sb_puts(out, "** — ");
		if (n->step >= 0) {
			char *title = export_step_title(d, (size_t)n->step);
			sb_puts(out, "step ");
			md(out, title);
			free(title);
		} else {
			sb_puts(out, "session");
		}
		if (strcmp(n->kind, "note") != 0)
			sb_printf(out, " (%s)", n->kind);
		sb_puts(out, ": ");
		md_lines(out, n->text, "  ");
		sb_puts(out, "\n");
	}
	sb_puts(out, "\n");
}

static void evidence(const struct export_doc *d, struct strbuf *out)
{
	const struct runbook *rb = d->s->rb;
	sb_puts(out, "## Verification evidence\n\n");
	bool any = false;
	for (size_t i = 0; i < rb->n_steps; i++) {
		const struct rb_step *rs = &rb->steps[i];
		const struct step_state *st = &d->s->steps[i];
		if (!export_step_has_evidence(d, i))
			continue;
		any = true;
		char *title = export_step_title(d, i);
		sb_printf(out, "### %zu. ", i + 1);
		md(out, title);
		free(title);
		const char *by = completed_by_name(st->completed_by);
		sb_printf(out, "\n\nStatus: %s%s%s.\n\n", step_status_name(st->status), by ? ", completed by " : "",
			  by ? by : "");
		for (size_t vb = 0; vb < rs->n_verify; vb++) {
			for (size_t e = 0; e < rs->verify[vb].n_expect; e++) {
				char *expect = export_expect_text(d, i, vb, e);
				const struct sess_marker *m = export_marker(d, i, vb, e);
				sb_puts(out, "- **");
				md(out, rs->verify[vb].log);
				sb_puts(out, rs->verify[vb].expect[e].is_regex ? "** expects regex " : "** expects ");
				md_code(out, expect);
				if (rs->verify[vb].expect[e].nocase)
					sb_puts(out, " (any case)");
				if (rs->verify[vb].after) {
					sb_puts(out, " (" RB_AFTER_PHRASE);
					md(out, rs->verify[vb].after);
					sb_puts(out, ")");
				}
				sb_puts(out, " — ");
				if (m) {
					sb_puts(out, "seen ");
					md_time(out, m->at_ms);
					sb_puts(out, ": ");
					md_code(out, m->line);
					sb_puts(out, " (");
					md(out, m->file);
					sb_printf(out, ", offset %llu)", (unsigned long long)m->offset);
					if (m->simulated)
						sb_puts(out, " — **" EXPORT_SIMULATED "**");
					sb_puts(out, "\n");
				} else {
					sb_puts(out, "not seen\n");
				}
				free(expect);
			}
		}
		for (size_t k = 0; k < st->n_failures; k++) {
			const struct sess_failure *fl = &st->failures[k];
			sb_puts(out, "- **failure signature** seen ");
			md_time(out, fl->at_ms);
			sb_puts(out, ": ");
			md_code(out, fl->line);
			sb_puts(out, " (");
			md(out, fl->file);
			sb_puts(out, ")");
			if (fl->simulated)
				sb_puts(out, " — **" EXPORT_SIMULATED "**");
			char *hint = export_failure_hint(d, i, fl);
			if (hint) {
				sb_puts(out, " — hint: ");
				md(out, hint);
				free(hint);
			}
			sb_puts(out, "\n");
		}
		sb_puts(out, "\n");
	}
	if (!any)
		sb_puts(out, "This runbook verifies no step from logs.\n\n");
}

static void event_log(const struct export_doc *d, struct strbuf *out)
{
	sb_puts(out, "## Event log\n\n| Seq | Time (UTC) | Operator | Host | Event | Step | Data | Hash |\n"
		     "|---|---|---|---|---|---|---|---|\n");
	size_t checkpoints = 0;
	for (size_t i = 0; i < d->n_ev; i++) {
		const struct export_event *e = &d->ev[i];
		if (strcmp(e->type, "positions_saved") == 0) { /* bookkeeping, not actions */
			checkpoints++;
			continue;
		}
		sb_printf(out, "| %lld | ", (long long)e->seq);
		md_time(out, e->at_ms);
		sb_puts(out, " | ");
		md(out, e->op);
		sb_puts(out, " | ");
		md(out, e->host);
		sb_puts(out, " | ");
		md(out, e->type);
		sb_puts(out, " | ");
		md(out, e->step ? e->step : "—");
		sb_puts(out, " | ");
		char *text = export_event_text(e);
		md(out, text);
		free(text);
		sb_printf(out, " | %.12s… |\n", e->hash);
	}
	if (checkpoints)
		sb_printf(out, "\n%zu log-position checkpoints (positions\\_saved) are not listed here; the JSON "
			       "and CSV exports hold every event.\n",
			  checkpoints);
	sb_puts(out, "\nEach event's hash is the SHA-256 of its contents and of the previous event's hash; "
		     "`steward audit` recomputes the chain.\n");
}

/* A section (export_doc.h) as Markdown: a heading, a table, the note. */
static void section(const struct export_section *sec, struct strbuf *out)
{
	sb_printf(out, "## %s\n\n", sec->title);
	if (sec->n_rows) {
		for (size_t c = 0; c < sec->n_cols; c++)
			sb_printf(out, "| %s ", sec->cols[c].head);
		sb_puts(out, "|\n");
		for (size_t c = 0; c < sec->n_cols; c++)
			sb_puts(out, "|---");
		sb_puts(out, "|\n");
		for (size_t r = 0; r < sec->n_rows; r++) {
			for (size_t c = 0; c < sec->n_cols; c++) {
				sb_puts(out, c ? " | " : "| ");
				md(out, sec->cells[r * sec->n_cols + c]);
			}
			sb_puts(out, " |\n");
		}
		sb_puts(out, "\n");
	}
	md(out, sec->note);
	sb_puts(out, "\n\n");
}

static void seals_section(const struct export_doc *d, struct strbuf *out)
{
	struct export_section sec;
	export_seals_section(d, &sec);
	section(&sec, out);
	export_section_free(&sec);
}

void export_md(const struct export_doc *d, struct strbuf *out)
{
	summary(d, out);
	logs(d, out);
	steps(d, out);
	checklists(d, out);
	practice(d, out);
	notes(d, out);
	evidence(d, out);
	seals_section(d, out);
	event_log(d, out);
}
