/*
 * detail.c — the detail pane of the session screen: what the selected step asks
 * for (host, caution first and prominent, body, command, checklist, confirm word, and
 * apart from them, labelled, the practice notes that are not from the sources),
 * what is going on (wait countdown, verification progress, failures with their
 * hints, "verified by SiteComp.log at 02:14:07", overdue), references and notes.
 *
 * Invariants: reads the session only; runbook text is ${var}-substituted for the
 * session and, like notes and log lines, sanitized by ui_text/ui_wrapped.
 */
#include "panes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "steward/smslog.h"
#include "steward/text.h"
#include "steward/util.h"
#include "steward/vars.h"

const char *step_glyph(const struct ui *ui, enum step_status st)
{
	switch (st) {
	case STEP_PENDING: return ui->g.pending;
	case STEP_ACTIVE: return ui->g.active;
	case STEP_DONE: return ui->g.done;
	case STEP_SKIPPED: return ui->g.skipped;
	case STEP_FAILED: return ui->g.failed;
	case STEP_NA: return ui->g.na;
	}
	return "?";
}

enum ui_role step_role(enum step_status st)
{
	switch (st) {
	case STEP_ACTIVE: return ROLE_ACTIVE;
	case STEP_DONE: return ROLE_DONE;
	case STEP_SKIPPED: return ROLE_DIM;
	case STEP_FAILED: return ROLE_FAILED;
	case STEP_NA: return ROLE_DIM;
	case STEP_PENDING: break;
	}
	return ROLE_NORMAL;
}

static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');
	const char *bs = strrchr(path, '\\');
	if (bs && (!b || bs > b))
		b = bs;
	return b ? b + 1 : path;
}

/* Lines are parsed for display on every frame: a hostile 10 MB line is parsed by its
 * first 64 KiB only (its trailer is then lost, which only changes what is shown). */
static size_t bounded(const char *line)
{
	size_t n = strnlen(line, 65536);
	return n;
}

/* The time the site wrote the line, as written in it; else when steward saw it. */
static void line_clock(const char *line, int64_t seen_ms, char out[16])
{
	struct log_record rec;
	smslog_parse(line, bounded(line), &rec);
	if (rec.has_time && strlen(rec.local_time) >= 19)
		snprintf(out, 16, "%.8s", rec.local_time + 11);
	else
		ui_clock(seen_ms, out);
	log_record_free(&rec);
}

/* Who or what completed, skipped or failed the step, as one phrase: "done 02:14 by jsmith
 * (by hand)", "done 02:14 — verified from the logs", "failed 02:20 — detected in
 * MPSetup.log". A failure seen in a log is credited to the log, not to whoever watched. */
void detail_completion(const struct session *s, size_t sel, const char *when, char *out, size_t outlen)
{
	const struct step_state *ss = &s->steps[sel];
	const char *op = ss->completed_op ? ss->completed_op : "?";
	const char *status = step_status_name(ss->status);
	if (ss->status == STEP_FAILED && ss->failed_by_log && ss->n_failures > 0)
		snprintf(out, outlen, "%s %s — detected in %s", status, when, base_name(ss->failures[ss->n_failures - 1].file));
	else if (ss->status == STEP_DONE && ss->completed_by == BY_MARKERS)
		snprintf(out, outlen, "%s %s — verified from the logs", status, when);
	else if (ss->status == STEP_DONE && ss->completed_by == BY_OVERRIDE)
		snprintf(out, outlen, "%s %s by %s (override, with a note)", status, when, op);
	else if (ss->status == STEP_DONE)
		snprintf(out, outlen, "%s %s by %s (by hand)", status, when, op);
	else
		snprintf(out, outlen, "%s %s by %s", status, when, op);
}

void progress_words(const struct session *s, char *out, size_t outlen)
{
	size_t n[STEP_NA + 1] = {0};
	for (size_t i = 0; i < s->rb->n_steps; i++)
		if ((size_t)s->steps[i].status <= STEP_NA)
			n[s->steps[i].status]++;
	char failed[32] = "";
	if (n[STEP_FAILED])
		snprintf(failed, sizeof failed, "failed %zu, ", n[STEP_FAILED]);
	snprintf(out, outlen, "done %zu, %sskipped %zu, not applicable %zu, of %zu", n[STEP_DONE], failed,
		 n[STEP_SKIPPED], n[STEP_NA], s->rb->n_steps);
}

void detail_verified_by(const struct session *s, size_t step, char *out, size_t outlen)
{
	out[0] = '\0';
	const struct step_state *ss = &s->steps[step];
	if (ss->status != STEP_DONE || ss->completed_by != BY_MARKERS || ss->n_markers == 0)
		return;
	const struct sess_marker *m = &ss->markers[ss->n_markers - 1];
	char clock[16];
	line_clock(m->line, m->at_ms, clock);
	snprintf(out, outlen, "verified by %s at %s", base_name(m->file), clock);
}

/* A row cursor: draws the rows inside the window [skip, skip + h), counts all. */
struct cursor {
	struct ui *ui;
	int y, x, w, h, skip;
	int row; /* rows emitted so far */
	const struct varmap *vars;
};

static void put(struct cursor *c, int indent, enum ui_role role, const char *raw)
{
	int w = c->w - indent;
	if (w < 4)
		w = 4;
	int first = c->row - c->skip; /* window row of this paragraph's first line */
	int skip = first < 0 ? -first : 0;
	int max_rows = c->h - (first < 0 ? 0 : first);
	int y = c->y + (first < 0 ? 0 : first);
	int need;
	if (max_rows > 0)
		need = ui_wrapped(c->ui, y, c->x + indent, w, max_rows, skip, raw, role);
	else {
		struct text_span *l;
		char *san = text_sanitize(raw, strlen(raw), TEXT_NEWLINES);
		need = (int)text_wrap(san, w, &l);
		free(l);
		free(san);
	}
	c->row += need;
}

/* put() of runbook text with the session's variables substituted. */
static void put_rb(struct cursor *c, int indent, enum ui_role role, const char *prefix, const char *tmpl)
{
	char *v = vars_subst(tmpl, c->vars);
	char *line = xasprintf("%s%s", prefix, v ? v : "");
	put(c, indent, role, line);
	free(line);
	free(v);
}

static void blank(struct cursor *c) { c->row++; }

/* Title, where the step stands, how it was completed or verified. */
static void draw_status(struct cursor *c, const struct session *s, size_t sel)
{
	const struct rb_step *st = &s->rb->steps[sel];
	const struct step_state *ss = &s->steps[sel];
	char buf[512], when[32];
	char *title = vars_subst(st->title, &s->vars);
	snprintf(buf, sizeof buf, "%s %s", step_glyph(c->ui, ss->status), title);
	free(title);
	put(c, 0, ROLE_TITLE, buf);
	const struct rb_phase *ph = &s->rb->phases[st->phase_index];
	snprintf(buf, sizeof buf, "%s · step %zu of %zu · %s · %s", ph->title, sel + 1, s->rb->n_steps, st->id,
		 step_status_name(ss->status));
	put(c, 0, ROLE_DIM, buf);
	if (ss->completed_ms && (ss->status == STEP_DONE || ss->status == STEP_SKIPPED ||
				 ss->status == STEP_FAILED)) {
		ui_datetime(ss->completed_ms, when);
		detail_completion(s, sel, when, buf, sizeof buf);
		put(c, 0, step_role(ss->status), buf);
	}
	detail_verified_by(s, sel, buf, sizeof buf);
	if (buf[0]) {
		buf[0] = (char)(buf[0] - 'a' + 'A');
		put(c, 0, ROLE_DONE, buf);
	}
	if (ss->status == STEP_NA)
		put(c, 0, ROLE_DIM, "Not applicable to this session (its `when:` does not hold).");
}

/* What is running now: the wait's countdown. */
static void draw_wait(struct cursor *c, const struct session *s, size_t sel, int64_t now_ms)
{
	const struct rb_step *st = &s->rb->steps[sel];
	if (st->wait_s <= 0 || s->steps[sel].status != STEP_ACTIVE)
		return;
	char buf[512], when[32], dur[32];
	int64_t left = session_wait_remaining_ms(s, sel, now_ms);
	if (left > 0) {
		duration_format((long)((left + 999) / 1000), dur, sizeof dur);
		ui_clock(now_ms + left, when);
		snprintf(buf, sizeof buf, "Wait: %s left — it can be completed at %s%s", dur, when,
			 s->rehearsal ? " (rehearsal: s skips the wait, with a reason)" : "");
		put(c, 0, ROLE_ACTIVE, buf);
	} else {
		duration_format(session_wait_s(s, sel), dur, sizeof dur);
		snprintf(buf, sizeof buf, "Wait of %s elapsed: the step can be completed", dur);
		put(c, 0, ROLE_DONE, buf);
	}
}

/* What the runbook tells the operator to do: host, caution, text, commands, checklist,
 * confirm word, practice notes (apart from the source's text). */
static void draw_instructions(struct cursor *c, const struct session *s, size_t sel)
{
	const struct rb_step *st = &s->rb->steps[sel];
	const struct step_state *ss = &s->steps[sel];
	char buf[64];
	if (st->host)
		put_rb(c, 0, ROLE_KEY, "On: ", st->host);
	if (st->caution) {
		blank(c);
		char *caution = text_reflow(st->caution);
		put_rb(c, 0, ROLE_CAUTION, c->ui->ascii ? " CAUTION: " : " \xe2\x9a\xa0 CAUTION: ", caution);
		free(caution);
	}
	if (st->body) {
		blank(c);
		char *body = text_reflow(st->body);
		put_rb(c, 0, ROLE_NORMAL, "", body);
		free(body);
	}
	if (st->n_command) {
		blank(c);
		put(c, 0, ROLE_HEADING, st->n_command > 1 ? "Commands (y copies them):" : "Command (y copies it):");
		for (size_t i = 0; i < st->n_command; i++)
			put_rb(c, 2, ROLE_KEY, "", st->command[i]);
	}
	if (st->n_checklist) {
		blank(c);
		put(c, 0, ROLE_HEADING, "Checklist (1-9 ticks):");
		for (size_t i = 0; i < st->n_checklist; i++) {
			bool on = ss->ticked && ss->ticked[i];
			snprintf(buf, sizeof buf, "%zu %s ", i + 1, on ? c->ui->g.tick_on : c->ui->g.tick_off);
			put_rb(c, 2, on ? ROLE_DONE : ROLE_NORMAL, buf, st->checklist[i]);
		}
	}
	if (st->confirm) {
		blank(c);
		put_rb(c, 0, ROLE_ACTIVE, "To complete, type the word: ", st->confirm);
	}
	if (st->n_practice) {
		/* Never mixed into the source's text: its own heading and colour. */
		blank(c);
		put(c, 0, ROLE_PRACTICE, RB_PRACTICE_LABEL ":");
		for (size_t i = 0; i < st->n_practice; i++) {
			char *note = text_reflow(st->practice[i]);
			put_rb(c, 2, ROLE_PRACTICE, "~ ", note);
			free(note);
		}
	}
}

/* One verify block: its log, its `after:` anchor, each expected line (seen or not, and
 * when), and its timeout. */
static void draw_verify_block(struct cursor *c, const struct session *s, size_t sel, size_t v, int64_t now_ms)
{
	const struct rb_verify *vb = &s->rb->steps[sel].verify[v];
	const struct step_state *ss = &s->steps[sel];
	const struct rb_log *lg = &s->rb->logs[vb->log_index];
	char buf[512], when[32];
	snprintf(buf, sizeof buf, "in %s%s%s:", lg->file, vb->since ? ", since step " : "", vb->since ? vb->since : "");
	put(c, 1, ROLE_NORMAL, buf);
	if (vb->after) {
		/* the anchor's state: counting, or why no line can count */
		int64_t anchor_ms;
		enum after_anchor an = session_after_anchor(s, sel, v, &anchor_ms);
		snprintf(buf, sizeof buf, "%s%s%s", RB_AFTER_PHRASE, vb->after,
			 an == AFTER_NOT_VERIFIED ? ": it has not been verified by its log lines, so no line counts "
						    "(override with a note)"
			 : an == AFTER_NO_TIME	  ? ": that line has no time, so no line counts "
						    "(override with a note)"
						  : "");
		put(c, 3, an == AFTER_ANCHORED ? ROLE_DIM : ROLE_WARNING, buf);
	}
	size_t matched = ss->matched ? ss->matched[v] : 0;
	for (size_t e = 0; e < vb->n_expect; e++) {
		bool seen = e < matched;
		snprintf(buf, sizeof buf, "%s %s", seen ? c->ui->g.done : c->ui->g.pending,
			 vb->expect[e].is_regex ? "/" : "");
		char *pat = vars_subst(vb->expect[e].text, &s->vars);
		char at[32] = "";
		for (size_t m = 0; seen && m < ss->n_markers; m++)
			if (ss->markers[m].verify == v && ss->markers[m].expect == e) {
				char clock[16];
				line_clock(ss->markers[m].line, ss->markers[m].at_ms, clock);
				snprintf(at, sizeof at, "  (%s)", clock);
			}
		char *line = xasprintf("%s%s%s%s%s", buf, pat, vb->expect[e].is_regex ? "/" : "",
				       vb->expect[e].nocase ? " (any case)" : "", at);
		put(c, 3, seen ? ROLE_DONE : ROLE_NORMAL, line);
		free(line);
		free(pat);
	}
	if (vb->timeout_s > 0 && matched < vb->n_expect && ss->status == STEP_ACTIVE && ss->activated_ms) {
		int64_t over = session_overdue_ms(s, sel, now_ms);
		char dur[32];
		if (over > 0) {
			duration_format((long)(over / 1000), dur, sizeof dur);
			snprintf(buf, sizeof buf, "Overdue by %s: check the log and the site", dur);
			put(c, 3, ROLE_WARNING, buf);
		} else {
			duration_format(vb->timeout_s, dur, sizeof dur);
			ui_clock(ss->activated_ms + (int64_t)vb->timeout_s * 1000, when);
			snprintf(buf, sizeof buf, "Overdue after %s (at %s) if not seen by then", dur, when);
			put(c, 3, ROLE_DIM, buf);
		}
	}
}

static void draw_verification(struct cursor *c, const struct session *s, size_t sel, int64_t now_ms)
{
	const struct rb_step *st = &s->rb->steps[sel];
	if (!st->n_verify)
		return;
	blank(c);
	put(c, 0, ROLE_HEADING, "Completes itself when the logs show, in order:");
	for (size_t v = 0; v < st->n_verify; v++)
		draw_verify_block(c, s, sel, v, now_ms);
	if (s->steps[sel].status == STEP_ACTIVE)
		put(c, 0, ROLE_DIM, "Space overrides by hand, with a note.");
}

/* Each failure signature seen, with its line (the message only) and its hint. */
static void draw_failures(struct cursor *c, const struct session *s, size_t sel)
{
	const struct rb_step *st = &s->rb->steps[sel];
	const struct step_state *ss = &s->steps[sel];
	char buf[512], when[32];
	for (size_t f = 0; f < ss->n_failures; f++) {
		const struct sess_failure *fl = &ss->failures[f];
		blank(c);
		ui_clock(fl->at_ms, when);
		snprintf(buf, sizeof buf, " FAILURE seen in %s at %s:", base_name(fl->file), when);
		put(c, 0, ROLE_ERROR, buf);
		struct log_record rec; /* the message without the SMS trailer */
		smslog_parse(fl->line, bounded(fl->line), &rec);
		/* A hostile 10 MB line is shown by its first screenfuls only. */
		char *shown = text_ellipsize(rec.text ? rec.text : fl->line, 4 * c->w, text_ellipsis(c->ui->ascii));
		put(c, 2, ROLE_ERROR, shown);
		free(shown);
		log_record_free(&rec);
		if (fl->fail < st->n_fail && st->fail[fl->fail].hint)
			put_rb(c, 2, ROLE_CAUTION, " Hint: ", st->fail[fl->fail].hint);
	}
}

/* The step's references, then the notes left on it. */
static void draw_references_and_notes(struct cursor *c, const struct session *s, size_t sel)
{
	const struct rb_step *st = &s->rb->steps[sel];
	char buf[512], when[32];
	if (st->n_references) {
		blank(c);
		put(c, 0, ROLE_HEADING, "References:");
		for (size_t i = 0; i < st->n_references; i++)
			put_rb(c, 2, ROLE_NORMAL, "", st->references[i]);
	}
	bool heading = false;
	for (size_t i = 0; i < s->n_notes; i++) {
		const struct sess_note *n = &s->notes[i];
		if (n->step != (long)sel)
			continue;
		if (!heading) {
			blank(c);
			put(c, 0, ROLE_HEADING, "Notes:");
			heading = true;
		}
		ui_datetime(n->at_ms, when);
		snprintf(buf, sizeof buf, "%s %s:", when, n->op ? n->op : "?");
		put(c, 1, ROLE_DIM, buf);
		put(c, 3, ROLE_NORMAL, n->text ? n->text : "");
	}
}

int detail_draw(struct ui *ui, const struct session *s, size_t sel, int y, int x, int h, int w,
		int scroll, int64_t now_ms)
{
	if (sel >= s->rb->n_steps || w < 8 || h < 1)
		return 0;
	struct cursor c = {.ui = ui, .y = y, .x = x, .w = w, .h = h, .skip = scroll, .vars = &s->vars};
	draw_status(&c, s, sel);
	draw_wait(&c, s, sel, now_ms);
	draw_instructions(&c, s, sel);
	draw_verification(&c, s, sel, now_ms);
	draw_failures(&c, s, sel);
	draw_references_and_notes(&c, s, sel);
	return c.row;
}
