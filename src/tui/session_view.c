/*
 * session_view.c — the session screen (tui_session): header with progress, the
 * step list grouped by phase, the detail pane and the live log pane; the keys
 * that act on steps, each one a call into the session engine; the watcher that
 * follows the logs, driven from the one poll() loop in ui.c.
 *
 * Invariants: no rule lives here — every transition is a session_* call and a
 * refusal is shown as the engine worded it; the selection moves to the active
 * step when the screen opens and after every completion; the watcher is told
 * after every transition made here.
 *
 * Observer mode (a session opened read-only because another writer holds it): a mode
 * line says so and who holds it; there is no watcher (the writer follows the logs and
 * records what it sees); the screen is refreshed from the store on every committed event
 * (follow.h: the store's change notices in the one poll() loop); every key that would
 * change the record is refused with a message, never ignored; when the writer lets the
 * session go, the mode line says so and T (or the question asked then) takes it.
 */
#include "steward/tui.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "panes.h"
#include "steward/follow.h"
#include "steward/seal.h"
#include "steward/store.h"
#include "steward/text.h"
#include "steward/util.h"
#include "steward/vars.h"
#include "steward/watch.h"
#include "ui.h"

/* The screen's proportions: the step list takes STEP_LIST_PERCENT of the width within
 * [MIN, MAX] columns (room for "✓ 12 step-id" and a short title, never more than the ids
 * need), the log pane a third of the height with at least LOG_PANE_MIN_ROWS (a border and
 * three lines). Below HEADER_WIDE_COLS the header's progress bar shrinks; the "runbook
 * changed" notice needs HEADER_MIN_NOTICE_COLS to say anything readable. */
#define STEP_LIST_PERCENT 36
#define STEP_LIST_MIN_COLS 24
#define STEP_LIST_MAX_COLS 48
#define LOG_PANE_MIN_ROWS 4
#define HEADER_WIDE_COLS 90
#define PROGRESS_BAR_WIDE 20
#define PROGRESS_BAR_NARROW 10
#define HEADER_MIN_NOTICE_COLS 20
#define STEPS_PER_PAGE 10 /* PgUp/PgDn in the step list (rows vary: phases take one too) */

enum pane { PANE_STEPS, PANE_DETAIL, PANE_LOG, PANE_COUNT };

enum prompt_tag {
	P_CONFIRM,
	P_OVERRIDE_ASK,
	P_OVERRIDE_NOTE,
	P_SKIP,
	P_FAIL,
	P_NOTE,
	P_SESSION_NOTE,
	P_REOPEN,
	P_SEARCH,
	P_STEP_SEARCH,
	P_ACTIVATE_ASK,
	P_SEAL_QUIT,
	P_OUT_OF_TURN,
	P_CHECKLIST_REASON,
	P_SKIP_WORD,
	P_TAKE_ASK,
};

/* Answers gathered while completing (or skipping) a step, one question at a time. */
struct complete_flow {
	size_t step;
	bool turn_ok;     /* out of order: the operator said yes */
	char *note;       /* override note, or the reason for unticked items; skip's reason */
	bool word_given;
	char word[128];   /* confirm word, or the word that skips a running wait */
};

struct sview {
	struct session *s;
	struct watcher *w;      /* NULL when the logs cannot be followed (message shown) */
	size_t sel;             /* selected step */
	int list_top;           /* first list row shown */
	enum pane focus;
	int detail_scroll;
	int detail_rows;        /* rows the details needed at the last draw */
	int detail_h, log_h;    /* pane heights at the last draw */
	struct logpane lp;
	char *step_search;      /* the last search of the step list, or NULL */
	bool finish_sealed;     /* sealing on finish was tried, or the session was finished when opened */
	struct complete_flow flow;
	/* observer mode (the session opened read-only) */
	bool observing;
	struct follow_wait fw;  /* the store's change notices */
	char *holder;           /* who holds the lock ("siteserver (pid 4242)"), NULL: nobody */
	bool offered;           /* taking it was offered since it was last held */
	bool *take;             /* set when the operator takes the session (the caller opens it) */
	int64_t peeked_ms;      /* when the holder was last looked up */
};

static size_t n_steps(const struct sview *v) { return v->s->rb->n_steps; }

static void select_active(struct sview *v)
{
	if (v->s->active >= 0)
		v->sel = (size_t)v->s->active;
	v->detail_scroll = 0;
}

/* After a completion: the step the work goes on with. A failed step stays the engine's
 * active step until it is reopened or skipped, but the operator who carries on past it
 * wants the next step selected, not the failed one again (! jumps back to it). */
static void select_work(struct sview *v)
{
	const struct session *s = v->s;
	if (s->active >= 0 && s->steps[s->active].status == STEP_FAILED) {
		for (size_t i = 0; i < s->rb->n_steps; i++) {
			if (s->steps[i].status == STEP_ACTIVE || s->steps[i].status == STEP_PENDING) {
				v->sel = i;
				v->detail_scroll = 0;
				return;
			}
		}
	}
	select_active(v);
}

/* The step needs attention: it failed, or its logs are overdue. */
static bool needs_attention(const struct session *s, size_t i, int64_t now_ms)
{
	return s->steps[i].status == STEP_FAILED || session_overdue_ms(s, i, now_ms) > 0;
}

/* ! : the next failed or overdue step after the selection, round the end. */
static unsigned jump_problem(struct ui *ui, struct sview *v)
{
	size_t n = v->s->rb->n_steps;
	int64_t now = util_now_ms();
	for (size_t k = 1; k <= n; k++) {
		size_t i = (v->sel + k) % n;
		if (needs_attention(v->s, i, now)) {
			v->sel = i;
			v->detail_scroll = 0;
			return UI_REDRAW;
		}
	}
	ui_message(ui, ROLE_DONE, "No step has failed or is overdue.");
	return UI_REDRAW;
}

/* ---- drawing ---------------------------------------------------------------- */

static void draw_header(struct ui *ui, struct sview *v)
{
	const struct session *s = v->s;
	char buf[512];
	ui_fill(ui, 0, 0, ui->cols, ROLE_STATUS);
	int x = 0;
	if (s->rehearsal)
		x += ui_text(ui, 0, x, ui->cols, " REHEARSAL ", ROLE_REHEARSAL, 0);
	/* The session id stays visible at the right: it is what `resume`, `export` and a
	 * colleague need; the title gives way first. */
	char idbuf[96];
	snprintf(idbuf, sizeof idbuf, " %s ", s->id);
	int idw = text_width(idbuf);
	int room = ui->cols - x - idw;
	char *title = session_title(s);
	snprintf(buf, sizeof buf, " %s (%s)%s%s", title, s->rb->version, s->label && *s->label ? " · " : "",
		 s->label ? s->label : "");
	free(title);
	x += ui_text(ui, 0, x, room, buf, ROLE_STATUS, UI_ELLIPSIS);
	int right = ui->cols - idw; /* where the id starts */
	if (s->runbook_changed && right - x > HEADER_MIN_NOTICE_COLS)
		ui_text(ui, 0, x, right - x, "  (runbook file changed since start: using the stored copy)", ROLE_STATUS,
			UI_ELLIPSIS);
	if (right > 0)
		ui_text(ui, 0, right, idw, idbuf, ROLE_STATUS, 0);

	int done, applicable;
	session_progress(s, &done, &applicable);
	const char *phase = "";
	if (s->active >= 0)
		phase = s->rb->phases[s->rb->steps[s->active].phase_index].title;
	int bar_w = ui->cols >= HEADER_WIDE_COLS ? PROGRESS_BAR_WIDE : PROGRESS_BAR_NARROW;
	struct strbuf bar = STRBUF_INIT;
	int filled = applicable ? done * bar_w / applicable : bar_w;
	sb_puts(&bar, "[");
	for (int i = 0; i < bar_w; i++)
		sb_puts(&bar, i < filled ? ui->g.bar_full : ui->g.bar_empty);
	char words[160];
	progress_words(s, words, sizeof words);
	sb_printf(&bar, "] %s", words);
	x = ui_text(ui, 1, 0, ui->cols, sb_str(&bar), s->finished ? ROLE_DONE : ROLE_ACTIVE, 0);
	sb_free(&bar);
	/* What needs attention, before anything else on the line: an overdue step (! goes to it) */
	int64_t now = util_now_ms();
	for (size_t i = 0; i < s->rb->n_steps && !s->finished; i++) {
		int64_t over = session_overdue_ms(s, i, now);
		if (over > 0) {
			char dur[32];
			duration_format((long)(over / 1000), dur, sizeof dur);
			snprintf(buf, sizeof buf, "  OVERDUE %s by %s (!)", s->rb->steps[i].id, dur);
			x += ui_text(ui, 1, x, ui->cols - x, buf, ROLE_WARNING, UI_ELLIPSIS);
			break;
		}
	}
	if (s->n_notes) { /* a handover reads them with H */
		snprintf(buf, sizeof buf, "  %zu note%s (H)", s->n_notes, s->n_notes == 1 ? "" : "s");
		x += ui_text(ui, 1, x, ui->cols - x, buf, ROLE_MESSAGE, UI_ELLIPSIS);
	}
	if (s->finished) {
		char when[32];
		ui_datetime(s->finished_ms, when);
		snprintf(buf, sizeof buf, "  FINISHED %s", when);
	} else {
		snprintf(buf, sizeof buf, "  phase: %s", phase);
	}
	x += ui_text(ui, 1, x, ui->cols - x, buf, s->finished ? ROLE_DONE : ROLE_NORMAL, UI_ELLIPSIS);
	snprintf(buf, sizeof buf, "  %s@%s", s->op ? s->op : "?", s->host ? s->host : "?");
	ui_text(ui, 1, x, ui->cols - x, buf, ROLE_DIM, UI_ELLIPSIS);
}

/* List rows: phase headings (index | PHASE_ROW) and steps. */
#define PHASE_ROW ((size_t)1 << (sizeof(size_t) * 8 - 1))

static size_t list_rows(const struct sview *v, size_t **rows)
{
	const struct runbook *rb = v->s->rb;
	size_t *r = xcalloc(rb->n_phases + rb->n_steps + 1, sizeof *r), n = 0;
	for (size_t p = 0; p < rb->n_phases; p++) {
		r[n++] = p | PHASE_ROW;
		for (size_t i = 0; i < rb->phases[p].n_steps; i++)
			r[n++] = rb->phases[p].first_step + i;
	}
	*rows = r;
	return n;
}

static void draw_list(struct ui *ui, struct sview *v, int y, int h, int w)
{
	size_t *rows;
	size_t n = list_rows(v, &rows);
	size_t sel_row = 0;
	int64_t now = util_now_ms();
	for (size_t i = 0; i < n; i++)
		if (rows[i] == v->sel)
			sel_row = i;
	/* Keep the selection visible, with its phase heading when it fits. */
	if ((int)sel_row < v->list_top + 1)
		v->list_top = (int)sel_row - 1;
	if ((int)sel_row >= v->list_top + h)
		v->list_top = (int)sel_row - h + 1;
	if (v->list_top > (int)n - h)
		v->list_top = (int)n - h;
	if (v->list_top < 0)
		v->list_top = 0;
	for (int r = 0; r < h && (size_t)(v->list_top + r) < n; r++) {
		size_t e = rows[v->list_top + r];
		if (e & PHASE_ROW) {
			ui_text(ui, y + r, 0, w, v->s->rb->phases[e & ~PHASE_ROW].title, ROLE_HEADING, UI_ELLIPSIS);
			continue;
		}
		const struct step_state *ss = &v->s->steps[e];
		char *title = vars_subst(v->s->rb->steps[e].title, &v->s->vars);
		bool overdue = session_overdue_ms(v->s, e, now) > 0;
		char *line = xasprintf(" %s %s%s", step_glyph(ui, ss->status), overdue ? "OVERDUE " : "", title);
		bool selected = e == v->sel;
		enum ui_role base = overdue ? ROLE_WARNING : step_role(ss->status);
		enum ui_role role = selected ? ROLE_SELECTED : base;
		if (selected && v->focus != PANE_STEPS)
			role = base;
		ui_text(ui, y + r, 0, w, line, role, UI_PAD | UI_ELLIPSIS);
		if (selected && v->focus != PANE_STEPS)
			mvchgat(y + r, 0, w, A_UNDERLINE | ui_attr(ui, role), 0, NULL);
		free(line);
		free(title);
	}
	free(rows);
}

/* Observer mode: one line saying so, who holds the session, and what works. */
static void draw_mode_line(struct ui *ui, struct sview *v, int y)
{
	char buf[512];
	if (v->holder)
		snprintf(buf, sizeof buf, " Observing — held by %s; keys that change the record are disabled", v->holder);
	else if (v->s->finished)
		snprintf(buf, sizeof buf, " Observing — the session is finished and nobody holds it; T takes it (to add notes)");
	else
		snprintf(buf, sizeof buf,
			 " Observing — its writer let the session go: T takes it; keys that change the record are "
			 "disabled");
	ui_text(ui, y, 0, ui->cols, buf, ROLE_CAUTION, UI_PAD | UI_ELLIPSIS);
}

static void draw_session(struct ui *ui, void *self)
{
	struct sview *v = self;
	draw_header(ui, v);
	int body_y = 2, body_h = ui->rows - 3;
	if (v->observing) {
		draw_mode_line(ui, v, 2);
		body_y = 3;
		body_h = ui->rows - 4;
	}
	int log_h = body_h / 3;
	if (log_h < LOG_PANE_MIN_ROWS)
		log_h = LOG_PANE_MIN_ROWS;
	int top_h = body_h - log_h;
	int list_w = ui->cols * STEP_LIST_PERCENT / 100;
	if (list_w < STEP_LIST_MIN_COLS)
		list_w = STEP_LIST_MIN_COLS;
	if (list_w > STEP_LIST_MAX_COLS)
		list_w = STEP_LIST_MAX_COLS;
	draw_list(ui, v, body_y, top_h, list_w);
	for (int r = 0; r < top_h; r++)
		ui_text(ui, body_y + r, list_w, 1, ui->g.sep, ROLE_DIM, 0);
	int dx = list_w + 2, dw = ui->cols - dx - 1;
	if (v->detail_scroll > v->detail_rows - top_h)
		v->detail_scroll = v->detail_rows - top_h;
	if (v->detail_scroll < 0)
		v->detail_scroll = 0;
	if (v->lp.detail && v->focus == PANE_LOG) {
		/* The log pane is drawn first: it decides which line is selected. */
		logpane_draw(ui, &v->lp, v->s, v->sel, body_y + top_h, 0, log_h, ui->cols, true);
		v->detail_rows = logpane_detail_draw(ui, &v->lp, v->s, body_y, dx, top_h, dw, 0);
		v->detail_h = top_h;
		v->log_h = log_h;
		return;
	}
	v->detail_rows = detail_draw(ui, v->s, v->sel, body_y, dx, top_h, dw, v->detail_scroll, util_now_ms());
	if (v->focus == PANE_DETAIL && v->detail_rows > top_h)
		ui_text(ui, body_y + top_h - 1, ui->cols - 10, 10, "(more…)", ROLE_DIM, 0);
	v->detail_h = top_h;
	v->log_h = log_h;
	logpane_draw(ui, &v->lp, v->s, v->sel, body_y + top_h, 0, log_h, ui->cols, v->focus == PANE_LOG);
}

/* ---- transitions --------------------------------------------------------------- */

/* ---- seals -------------------------------------------------------------------- */

/* Signs the session's head with the operator's SSH key and records the seal. The
 * terminal is handed back while ssh-keygen runs: it may ask for the key's passphrase. */
static bool seal_now(struct ui *ui, struct sview *v, const char *key)
{
	struct st_error err = {0};
	int64_t seq = v->s->seq;
	char head[65];
	snprintf(head, sizeof head, "%s", v->s->head_hash);
	char *msg = seal_message(v->s->id, seq, head);
	char *sig = NULL, *fp = NULL;
	ui_suspend(ui);
	enum st_code rc = seal_sign(key, msg, &sig, &fp, &err);
	ui_resume(ui);
	if (rc == ST_OK)
		rc = session_seal(v->s, seq, head, sig, fp, &err);
	if (rc == ST_OK)
		ui_message(ui, ROLE_DONE, "Sealed: events 1-%lld signed with %s; head %.16s…", (long long)seq, fp,
			   v->s->head_hash);
	else
		ui_message(ui, ROLE_ERROR, "Not sealed: %s", err.msg);
	free(msg);
	free(sig);
	free(fp);
	return rc == ST_OK;
}

/* The key the operator seals with, or NULL when none is set up (sealing is then not offered). */
static char *seal_key(void)
{
	char *key = NULL;
	struct st_error err = {0};
	return seal_find_key(NULL, &key, &err) == ST_OK ? key : NULL;
}

/* Events recorded since the last seal (the seal event itself excluded). */
static bool unsealed(const struct session *s)
{
	return session_writable(s) && s->seq > (s->sealed_seq ? s->sealed_seq + 1 : 0);
}

/* When the session has just finished: seal it, once, when a key is set up. */
static void seal_on_finish(struct ui *ui, struct sview *v)
{
	if (!v->s->finished || v->finish_sealed || !unsealed(v->s))
		return;
	v->finish_sealed = true;
	char *key = seal_key();
	if (key)
		seal_now(ui, v, key);
	free(key);
}

/* After a successful transition: tell the watcher, follow the active step, say so. */
static unsigned transitioned(struct ui *ui, struct sview *v, bool completion, const char *what)
{
	if (v->w)
		watcher_session_changed(v->w);
	if (completion)
		select_work(v);
	if (v->s->finished)
		ui_message(ui, ROLE_DONE, "%s — the session is finished: every applicable step is done or skipped",
			   what);
	else
		ui_message(ui, ROLE_DONE, "%s", what);
	seal_on_finish(ui, v);
	return UI_REDRAW;
}

static unsigned refused(struct ui *ui, const struct st_error *err)
{
	ui_message(ui, ROLE_ERROR, "%s", err->msg[0] ? err->msg : st_code_text(err->code));
	return UI_REDRAW;
}

/*
 * Completing a step asks, in this order and only what applies: whether to complete it out
 * of order, why it is overridden (a step that verifies from logs) or why it is completed
 * with checklist items not ticked, and its confirm word, last. The rules themselves are
 * the engine's: it is asked first whether the step can be completed now at all, and it
 * has the last word (its refusal is shown as it is).
 */
static void flow_reset(struct sview *v)
{
	free(v->flow.note);
	v->flow = (struct complete_flow){0};
}

static unsigned complete_next(struct ui *ui, struct sview *v)
{
	size_t i = v->flow.step;
	const struct rb_step *st = &v->s->rb->steps[i];
	if (!v->flow.turn_ok && session_step_out_of_turn(v->s, i)) {
		char *active = v->s->active >= 0 ? vars_subst(v->s->rb->steps[v->s->active].title, &v->s->vars)
						 : xstrdup("none");
		ui_prompt_open(ui, PROMPT_YESNO, P_OUT_OF_TURN, i,
			       "Complete this step out of order? (y/n) The active step is %zu. %s",
			       (size_t)v->s->active + 1, active);
		free(active);
		return UI_REDRAW;
	}
	if (st->n_verify && !v->flow.note) {
		ui_prompt_open(ui, PROMPT_YESNO, P_OVERRIDE_ASK, i,
			       "This step completes itself from the logs. Override by hand? (y/n)");
		return UI_REDRAW;
	}
	struct st_error err = {0};
	enum st_code rc;
	if (st->n_verify) {
		rc = session_override(v->s, i, v->flow.note, &err);
		flow_reset(v);
		return rc == ST_OK ? transitioned(ui, v, true, "Step completed by override.") : refused(ui, &err);
	}
	size_t unticked = session_unticked(v->s, i);
	if (unticked && !v->flow.note) {
		ui_prompt_open(ui, PROMPT_TEXT, P_CHECKLIST_REASON, i,
			       "%zu of %zu checklist items not ticked — reason to complete anyway:",
			       unticked, st->n_checklist);
		return UI_REDRAW;
	}
	if (st->confirm && !v->flow.word_given) {
		char *word = vars_subst(st->confirm, &v->s->vars);
		ui_prompt_open(ui, PROMPT_TEXT, P_CONFIRM, i, "Type %s to complete:", word);
		free(word);
		return UI_REDRAW;
	}
	rc = session_complete(v->s, i, v->flow.word, v->flow.note, &err);
	flow_reset(v);
	return rc == ST_OK ? transitioned(ui, v, true, "Step done.") : refused(ui, &err);
}

static unsigned do_complete(struct ui *ui, struct sview *v)
{
	size_t i = v->sel;
	struct st_error err = {0};
	if (session_can_complete(v->s, i, &err) != ST_OK) {
		if (session_wait_remaining_ms(v->s, i, util_now_ms()) > 0 && v->s->steps[i].activated_ms)
			ui_message(ui, ROLE_WARNING, "%s — %s", err.msg,
				   v->s->rehearsal ? "in a rehearsal, s skips it (with a reason)"
						   : "s skips it, as an override (with a reason and a word)");
		else
			refused(ui, &err);
		return UI_REDRAW;
	}
	flow_reset(v);
	v->flow.step = i;
	return complete_next(ui, v);
}

/* Searches the log pane (text NULL or empty: the last search again) and says where it is. */
static unsigned log_search(struct ui *ui, struct sview *v, const char *text, int dir)
{
	const char *want = text && *text ? text : v->lp.search;
	if (!want) {
		ui_message(ui, ROLE_WARNING, "No search yet: / searches the log pane");
		return UI_REDRAW;
	}
	bool wrapped = false;
	if (!logpane_search(&v->lp, v->s, v->sel, text && *text ? text : NULL, dir, &wrapped)) {
		ui_message(ui, ROLE_WARNING, "Not found in the log pane: %s", want);
		return UI_REDRAW;
	}
	size_t which, count;
	logpane_matches(&v->lp, v->s, v->sel, &which, &count);
	ui_message(ui, ROLE_MESSAGE, "/%s: match %zu of %zu%s — n next, N previous, Enter shows the line", want,
		   which, count, wrapped ? (dir > 0 ? " (went round to the oldest)" : " (went round to the newest)") : "");
	return UI_REDRAW;
}

static bool step_matches(const struct sview *v, size_t i, const char *want)
{
	char *title = vars_subst(v->s->rb->steps[i].title, &v->s->vars);
	bool m = text_find_ci(title, want) || text_find_ci(v->s->rb->steps[i].id, want);
	free(title);
	return m;
}

/* Searches the step list, titles and ids, from the step after the selection, round the end. */
static unsigned step_search(struct ui *ui, struct sview *v, const char *text)
{
	if (text && *text) {
		free(v->step_search);
		v->step_search = xstrdup(text);
	}
	if (!v->step_search) {
		ui_message(ui, ROLE_WARNING, "No search yet: type what to look for in the step titles or ids");
		return UI_REDRAW;
	}
	size_t n = n_steps(v), count = 0, which = 0, found = n;
	for (size_t k = 1; k <= n && found == n; k++)
		if (step_matches(v, (v->sel + k) % n, v->step_search))
			found = (v->sel + k) % n;
	if (found == n) {
		ui_message(ui, ROLE_WARNING, "No step title or id has: %s", v->step_search);
		return UI_REDRAW;
	}
	for (size_t i = 0; i < n; i++)
		if (step_matches(v, i, v->step_search)) {
			count++;
			if (i == found)
				which = count;
		}
	v->sel = found;
	v->detail_scroll = 0;
	ui_message(ui, ROLE_MESSAGE, "Steps with \"%s\": %zu of %zu — / then Enter: next", v->step_search, which,
		   count);
	return UI_REDRAW;
}

static unsigned take_session(struct ui *ui, struct sview *v);

static unsigned prompt_done(struct ui *ui, void *self, int tag, size_t step, const char *text)
{
	struct sview *v = self;
	struct st_error err = {0};
	enum st_code rc = ST_OK;
	if (tag == P_SEAL_QUIT) { /* y seals, then quits; anything else quits unsealed */
		char *key = text ? seal_key() : NULL;
		bool ok = !key || seal_now(ui, v, key);
		free(key);
		return ok ? UI_QUIT : UI_REDRAW; /* a failed seal stays, showing why */
	}
	if (!text) {
		flow_reset(v); /* a question cancelled ends the whole completion */
		return UI_REDRAW;
	}
	switch ((enum prompt_tag)tag) {
	case P_OUT_OF_TURN:
		v->flow.turn_ok = true;
		return complete_next(ui, v);
	case P_CHECKLIST_REASON:
		if (session_blank(text)) {
			flow_reset(v);
			ui_message(ui, ROLE_WARNING, "Not completed: a reason is needed when items are not ticked");
			return UI_REDRAW;
		}
		v->flow.note = xstrdup(text);
		return complete_next(ui, v);
	case P_CONFIRM:
		v->flow.word_given = true;
		snprintf(v->flow.word, sizeof v->flow.word, "%s", text);
		return complete_next(ui, v);
	case P_OVERRIDE_ASK:
		ui_prompt_open(ui, PROMPT_TEXT, P_OVERRIDE_NOTE, step, "Why override (note):");
		return UI_REDRAW;
	case P_OVERRIDE_NOTE:
		if (session_blank(text)) {
			flow_reset(v);
			ui_message(ui, ROLE_WARNING, "Not completed: an override needs a note");
			return UI_REDRAW;
		}
		v->flow.note = xstrdup(text);
		return complete_next(ui, v);
	case P_SKIP:
		if (session_skip_needs_word(v->s, step, util_now_ms()) > 0 && !session_blank(text)) {
			/* A production wait: the reason is kept, the word is asked for next. */
			flow_reset(v);
			v->flow.step = step;
			v->flow.note = xstrdup(text);
			char more[64];
			duration_format((long)((session_skip_needs_word(v->s, step, util_now_ms()) + 999) / 1000), more,
					sizeof more);
			ui_prompt_open(ui, PROMPT_TEXT, P_SKIP_WORD, step,
				       "Type %s to skip the wait (an override; %s left):", session_skip_wait_word(v->s, step),
				       more);
			return UI_REDRAW;
		}
		rc = session_skip(v->s, step, text, NULL, &err);
		return rc == ST_OK ? transitioned(ui, v, true, "Step skipped.") : refused(ui, &err);
	case P_SKIP_WORD:
		rc = session_skip(v->s, step, v->flow.note, text, &err);
		flow_reset(v);
		return rc == ST_OK ? transitioned(ui, v, true, "Step skipped (the wait was overridden).")
				   : refused(ui, &err);
	case P_FAIL:
		rc = session_fail(v->s, step, text, &err);
		return rc == ST_OK ? transitioned(ui, v, false, "Step marked failed.") : refused(ui, &err);
	case P_REOPEN:
		rc = session_reopen(v->s, step, text, &err);
		return rc == ST_OK ? transitioned(ui, v, false, "Step reopened.") : refused(ui, &err);
	case P_NOTE:
		rc = session_note(v->s, (long)step, text, &err);
		return rc == ST_OK ? transitioned(ui, v, false, "Note saved.") : refused(ui, &err);
	case P_SESSION_NOTE:
		rc = session_note(v->s, -1, text, &err);
		return rc == ST_OK ? transitioned(ui, v, false, "Session note saved.") : refused(ui, &err);
	case P_SEAL_QUIT: break; /* answered above */
	case P_TAKE_ASK: return take_session(ui, v);
	case P_ACTIVATE_ASK:
		rc = session_activate(v->s, step, &err);
		if (rc != ST_OK)
			return refused(ui, &err);
		return transitioned(ui, v, false, "Step started out of order.");
	case P_SEARCH:
		v->focus = PANE_LOG;
		return log_search(ui, v, text, 1);
	case P_STEP_SEARCH: return step_search(ui, v, text);
	}
	return UI_REDRAW;
}

static unsigned copy_command(struct ui *ui, struct sview *v)
{
	const struct rb_step *st = &v->s->rb->steps[v->sel];
	if (!st->n_command) {
		ui_message(ui, ROLE_WARNING, "This step has no command to copy");
		return UI_REDRAW;
	}
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < st->n_command; i++) {
		char *c = vars_subst(st->command[i], &v->s->vars);
		sb_printf(&sb, "%s%s", i ? "\n" : "", c);
		free(c);
	}
	ui_clipboard_copy(ui, sb_str(&sb));
	ui_message(ui, ROLE_DONE, "Copied to the clipboard (OSC 52): %s", sb_str(&sb));
	sb_free(&sb);
	return UI_REDRAW;
}

static void move_sel(struct sview *v, long delta)
{
	long n = (long)n_steps(v), i = (long)v->sel + delta;
	if (i < 0)
		i = 0;
	if (i >= n)
		i = n - 1;
	if ((size_t)i != v->sel)
		v->detail_scroll = 0;
	v->sel = (size_t)i;
}

static unsigned move_focus(struct sview *v, long delta, bool page)
{
	switch (v->focus) {
	case PANE_STEPS:
		move_sel(v, page ? delta * STEPS_PER_PAGE : delta);
		break;
	case PANE_DETAIL:
		v->detail_scroll += (int)(page ? delta * (v->detail_h - 1) : delta);
		break;
	case PANE_LOG:
		logpane_move(&v->lp, v->s, v->sel, page ? delta * (v->log_h - 2) : delta);
		break;
	case PANE_COUNT:
		break;
	}
	return UI_REDRAW;
}

/* Observer mode: what a key that changes the record would have done, or NULL for keys
 * that only look. */
static const char *changes_record(enum ui_action act)
{
	switch (act) {
	case ACT_COMPLETE: return "completing a step";
	case ACT_SKIP: return "skipping a step";
	case ACT_FAIL: return "marking a step failed";
	case ACT_NOTE:
	case ACT_SESSION_NOTE:
	case ACT_EDITOR: return "adding a note";
	case ACT_REOPEN: return "reopening a step";
	case ACT_START_STEP: return "starting a step";
	case ACT_TICK: return "ticking a checklist item";
	default: return NULL;
	}
}

static unsigned observer_refuses(struct ui *ui, struct sview *v, const char *what)
{
	if (v->holder)
		ui_message(ui, ROLE_WARNING, "Observing: %s would change the record, and %s holds the session — "
					     "only its writer can; T takes it once it is let go",
			   what, v->holder);
	else
		ui_message(ui, ROLE_WARNING, "Observing: %s would change the record — take the session first with T",
			   what);
	return UI_REDRAW;
}

/* T: the session is taken when nobody holds it (the caller reopens it as its writer). */
static unsigned take_session(struct ui *ui, struct sview *v)
{
	if (!v->observing) {
		ui_message(ui, ROLE_MESSAGE, "This screen is the session's writer already.");
		return UI_REDRAW;
	}
	if (v->holder) {
		ui_message(ui, ROLE_WARNING, "Not taken: %s still holds the session — wait for it to let go", v->holder);
		return UI_REDRAW;
	}
	if (v->take)
		*v->take = true;
	return UI_QUIT;
}

static unsigned action(struct ui *ui, void *self, enum ui_action act, wint_t key)
{
	struct sview *v = self;
	size_t i = v->sel;
	const struct step_state *ss = &v->s->steps[i];
	struct st_error err = {0};
	if (v->observing && changes_record(act))
		return observer_refuses(ui, v, changes_record(act));
	switch (act) {
	case ACT_TAKE: return take_session(ui, v);
	case ACT_UP: return move_focus(v, -1, false);
	case ACT_DOWN: return move_focus(v, 1, false);
	case ACT_PGUP: return move_focus(v, -1, true);
	case ACT_PGDN: return move_focus(v, 1, true);
	case ACT_TOP:
		if (v->focus == PANE_STEPS)
			move_sel(v, -(long)n_steps(v));
		else if (v->focus == PANE_DETAIL)
			v->detail_scroll = 0;
		else
			logpane_home(&v->lp, v->s, v->sel);
		return UI_REDRAW;
	case ACT_BOTTOM:
		if (v->focus == PANE_STEPS)
			move_sel(v, (long)n_steps(v));
		else if (v->focus == PANE_DETAIL)
			v->detail_scroll = v->detail_rows;
		else
			logpane_follow(&v->lp);
		return UI_REDRAW;
	case ACT_FOCUS:
		v->focus = (enum pane)((v->focus + 1) % PANE_COUNT);
		return UI_REDRAW;
	case ACT_COMPLETE: return do_complete(ui, v);
	case ACT_SKIP:
		ui_prompt_open(ui, PROMPT_TEXT, P_SKIP, i, "Reason for skipping:");
		return UI_REDRAW;
	case ACT_FAIL:
		ui_prompt_open(ui, PROMPT_TEXT, P_FAIL, i, "What went wrong (note):");
		return UI_REDRAW;
	case ACT_NOTE:
		ui_prompt_open(ui, PROMPT_TEXT, P_NOTE, i, "Note:");
		return UI_REDRAW;
	case ACT_SESSION_NOTE:
		ui_prompt_open(ui, PROMPT_TEXT, P_SESSION_NOTE, i, "Session note:");
		return UI_REDRAW;
	case ACT_REOPEN:
		ui_prompt_open(ui, PROMPT_TEXT, P_REOPEN, i, "Reason for reopening:");
		return UI_REDRAW;
	case ACT_START_STEP:
		ui_prompt_open(ui, PROMPT_YESNO, P_ACTIVATE_ASK, i, "Start this step out of order? (y/n)");
		return UI_REDRAW;
	case ACT_JUMP_ACTIVE:
		select_active(v);
		return UI_REDRAW;
	case ACT_NEXT_PROBLEM: return jump_problem(ui, v);
	case ACT_EDITOR: {
		char *text = ui_edit_text(ui, "");
		if (!text)
			return UI_REDRAW;
		enum st_code rc = session_note(v->s, (long)i, text, &err);
		free(text);
		return rc == ST_OK ? transitioned(ui, v, false, "Note saved.") : refused(ui, &err);
	}
	case ACT_TICK: {
		size_t item = (size_t)(key - '1');
		const struct rb_step *st = &v->s->rb->steps[i];
		if (item >= st->n_checklist) {
			ui_message(ui, ROLE_WARNING, "This step has no checklist item %zu", item + 1);
			return UI_REDRAW;
		}
		bool now = !(ss->ticked && ss->ticked[item]);
		if (session_tick(v->s, i, item, now, &err) != ST_OK)
			return refused(ui, &err);
		ui_message(ui, ROLE_DONE, "Item %zu %s.", item + 1, now ? "ticked" : "unticked");
		return UI_REDRAW;
	}
	case ACT_COPY: return copy_command(ui, v);
	case ACT_SEARCH:
		if (v->focus == PANE_STEPS)
			ui_prompt_open(ui, PROMPT_TEXT, P_STEP_SEARCH, i, "Search the steps (title or id; Enter on empty: next):");
		else
			ui_prompt_open(ui, PROMPT_TEXT, P_SEARCH, i, "Search the log pane (Enter on empty: next; then n/N):");
		return UI_REDRAW;
	case ACT_SEARCH_NEXT:
	case ACT_SEARCH_PREV: return log_search(ui, v, NULL, act == ACT_SEARCH_NEXT ? 1 : -1);
	case ACT_LOG_DETAIL:
		v->lp.detail = !v->lp.detail;
		return UI_REDRAW;
	case ACT_LOG_LEFT:
	case ACT_LOG_RIGHT:
		if (v->lp.wrap) {
			ui_message(ui, ROLE_MESSAGE, "Long lines are wrapped: w cuts them again, then Left/Right scroll");
			return UI_REDRAW;
		}
		logpane_hscroll(&v->lp, act == ACT_LOG_RIGHT ? ui->cols / 2 : -(ui->cols / 2));
		return UI_REDRAW;
	case ACT_LOG_WRAP:
		v->lp.wrap = !v->lp.wrap;
		v->lp.hscroll = 0;
		ui_message(ui, ROLE_MESSAGE, v->lp.wrap ? "Log pane: long lines wrap (w cuts them again)"
							: "Log pane: long lines are cut (Left/Right scroll, w wraps)");
		return UI_REDRAW;
	case ACT_NOTES:
		tui_notes_run(ui, v->s);
		return UI_REDRAW;
	case ACT_CYCLE_LOG: {
		logpane_cycle(&v->lp, v->s);
		char name[256];
		logpane_filter_name(&v->lp, v->s, v->sel, name, sizeof name);
		ui_message(ui, ROLE_MESSAGE, "Log pane: %s", name);
		return UI_REDRAW;
	}
	case ACT_QUIT: {
		char *seal_with = unsealed(v->s) ? seal_key() : NULL;
		if (!seal_with)
			return UI_QUIT;
		free(seal_with);
		ui_prompt_open(ui, PROMPT_YESNO, P_SEAL_QUIT, i,
			       "Seal the session with your SSH key before quitting? (y seals, n quits unsealed)");
		return UI_REDRAW;
	}
	default: return UI_NONE;
	}
}

/* ---- the watcher -------------------------------------------------------------- */

struct watch_ctx {
	struct ui *ui;
	struct sview *v;
	unsigned bits;
};

static void on_event(void *arg, const struct watch_event *ev)
{
	struct watch_ctx *c = arg;
	struct sview *v = c->v;
	logpane_event(&v->lp, c->ui->ascii, ev, ev->log < v->s->rb->n_logs ? v->s->rb->logs[ev->log].file : NULL,
		      util_now_ms());
	c->bits |= UI_REDRAW;
	if (ev->type == WEV_STEP_VERIFIED && ev->step >= 0) {
		char by[256];
		detail_verified_by(v->s, (size_t)ev->step, by, sizeof by);
		char *title = vars_subst(v->s->rb->steps[ev->step].title, &v->s->vars);
		ui_message(c->ui, ROLE_DONE, "%s %s: %s", c->ui->g.done, title, by[0] ? by : "verified");
		free(title);
		select_work(v); /* after every completion, the step the work goes on with is selected */
		seal_on_finish(c->ui, v);
		if (c->ui->prompt.open && c->ui->prompt.step == (size_t)ev->step) {
			/* The logs answered first: an override question or note is moot now. */
			c->ui->prompt.open = false;
		}
	} else if (ev->type == WEV_FAILURE) {
		ui_message(c->ui, ROLE_ERROR, "Failure signature seen in %s%s%s",
			   v->s->rb->logs[ev->log].file, ev->hint ? " — " : "", ev->hint ? ev->hint : "");
	}
}

static int poll_fd(void *self)
{
	struct sview *v = self;
	if (v->observing)
		return follow_wait_fd(&v->fw);
	return v->w ? watcher_fd(v->w) : -1;
}

static int timeout_ms(void *self)
{
	struct sview *v = self;
	if (v->observing)
		return follow_wait_timeout_ms(&v->fw);
	return v->w ? watcher_timeout_ms(v->w) : -1;
}

#define OBSERVE_PEEK_MS 2000 /* a writer that died without unlocking commits nothing: look */

/* Observer mode: who holds the session now; when its writer has let it go, say so and
 * (ask) ask, once, whether to take it. */
static unsigned observe_holder(struct ui *ui, struct sview *v, bool ask)
{
	v->peeked_ms = util_now_ms();
	char *holder = NULL;
	struct st_error err = {0};
	if (session_lock_holder(v->s->store, v->s->id, &holder, &err) != ST_OK) {
		ui_message(ui, ROLE_ERROR, "Who holds the session: %s", err.msg);
		return UI_REDRAW;
	}
	bool was_held = v->holder != NULL, changed = !util_streq(holder, v->holder);
	free(v->holder);
	v->holder = holder;
	if (holder) {
		v->offered = false;
		return changed ? UI_REDRAW : UI_NONE;
	}
	if (ask && !v->offered && !ui->prompt.open) {
		v->offered = true;
		ui_prompt_open(ui, PROMPT_YESNO, P_TAKE_ASK, v->sel, "%s — take the session? (y/n)",
			       was_held ? "Its writer let it go" : "Nobody holds it");
	}
	return changed ? UI_REDRAW : UI_NONE;
}

/* Observer mode: re-read what the writer committed; the log pane shows the evidence
 * recorded (the observer reads no log itself). */
static unsigned observe_process(struct ui *ui, struct sview *v)
{
	unsigned bits = UI_NONE;
	if (follow_wait_due(&v->fw, true)) {
		int64_t before = v->s->seq;
		struct st_error err = {0};
		if (session_refresh(v->s, &err) != ST_OK) {
			ui_message(ui, ROLE_ERROR, "Re-reading the session: %s", err.msg);
			return UI_REDRAW;
		}
		if (v->s->seq != before) {
			/* The pane is seeded again from the evidence; how it is viewed stays. */
			struct logpane keep = {.filter = v->lp.filter, .polled = v->lp.polled, .search = v->lp.search,
					       .wrap = v->lp.wrap, .hscroll = v->lp.hscroll, .detail = v->lp.detail};
			v->lp.polled = NULL;
			v->lp.search = NULL;
			logpane_free(&v->lp);
			v->lp = keep;
			logpane_seed(&v->lp, ui->ascii, v->s);
			bits |= UI_REDRAW;
		}
		bits |= observe_holder(ui, v, true); /* a lock released is a commit too */
	}
	return bits;
}

static unsigned process(struct ui *ui, void *self)
{
	struct sview *v = self;
	if (v->observing)
		return observe_process(ui, v);
	if (!v->w)
		return UI_NONE;
	struct watch_ctx c = {.ui = ui, .v = v};
	struct st_error err = {0};
	if (watcher_process(v->w, on_event, &c, &err) != ST_OK) {
		ui_message(ui, ROLE_ERROR, "Following the logs: %s", err.msg);
		c.bits |= UI_REDRAW;
	}
	return c.bits;
}

static unsigned tick(struct ui *ui, void *self)
{
	struct sview *v = self;
	if (v->observing && util_now_ms() - v->peeked_ms >= OBSERVE_PEEK_MS)
		return observe_holder(ui, v, true) | (v->s->active >= 0 ? UI_REDRAW : UI_NONE);
	/* Countdowns and overdue marks change by the second while a step is active. */
	return v->s->active >= 0 ? UI_REDRAW : UI_NONE;
}

static unsigned scope_now(void *self)
{
	const struct sview *v = self;
	return v->focus == PANE_LOG ? SCOPE_LOGPANE : 0;
}

static const struct ui_view_ops session_ops = {
	.scope = SCOPE_SESSION,
	.help_scope = SCOPE_SESSION | SCOPE_LOGPANE,
	.scope_now = scope_now,
	.draw = draw_session,
	.action = action,
	.prompt_done = prompt_done,
	.poll_fd = poll_fd,
	.timeout_ms = timeout_ms,
	.process = process,
	.tick = tick,
};

int tui_session_run(struct ui *ui, struct session *s) { return tui_session_view(ui, s, NULL); }

int tui_session_view(struct ui *ui, struct session *s, bool *take)
{
	/* A session opened finished was sealed (or not) when it finished: later notes are
	 * offered a seal on quit instead. */
	struct sview v = {.s = s, .focus = PANE_STEPS, .lp = {.filter = LOGFILTER_STEP},
			  .finish_sealed = s->finished, .observing = !s->writable, .take = take};
	if (take)
		*take = false;
	if (s->rb->n_steps == 0)
		return cli_error(ST_INVALID, "session %s: its runbook has no steps", s->id);
	select_active(&v);
	logpane_seed(&v.lp, ui->ascii, s);
	if (s->active < 0)
		v.sel = 0;
	struct st_error err = {0};
	if (v.observing) {
		/* Listen first, then look: nothing committed in between is missed. */
		follow_wait_init(&v.fw, s->store, s->id);
		if (session_refresh(s, &err) != ST_OK)
			ui_message(ui, ROLE_ERROR, "Re-reading the session: %s", err.msg);
		/* The question, when nobody holds it, is asked at the first tick: ui_run starts
		 * with no prompt open. */
		observe_holder(ui, &v, false);
		v.peeked_ms = 0;
		if (v.fw.why[0] && !ui->message[0])
			ui_message(ui, ROLE_WARNING, "%s — the screen is re-read every %d s instead", v.fw.why,
				   FOLLOW_REREAD_MS / 1000);
	} else if (!s->finished && s->rb->n_logs > 0) {
		if (watcher_new(s, &v.w, &err) != ST_OK) {
			v.w = NULL;
			ui_message(ui, ROLE_ERROR, "The logs are not followed: %s", err.msg);
		}
	}
	if (v.w) {
		v.lp.polled = xcalloc(s->rb->n_logs, sizeof *v.lp.polled);
		for (size_t i = 0; i < s->rb->n_logs; i++)
			v.lp.polled[i] = watcher_is_polling(v.w, i);
		/* What was written while steward was closed counts now (and fills the pane); the
		 * first frame is drawn below whatever process() asks for. */
		process(ui, &v);
	}
	const struct sess_note *last = NULL; /* on resume, the last word left on the session */
	for (size_t i = 0; i < s->n_notes; i++)
		if (s->notes[i].step < 0)
			last = &s->notes[i];
	if (last && !ui->message[0]) {
		char when[32];
		ui_datetime(last->at_ms, when);
		ui_message(ui, ROLE_MESSAGE, "Last session note (%s, %s): %s — H shows all %zu notes", when,
			   last->op ? last->op : "?", last->text ? last->text : "", s->n_notes);
	} else if (s->rehearsal && !ui->message[0])
		ui_message(ui, ROLE_MESSAGE, "Rehearsal session: recorded and exported as a rehearsal.");
	ui_run(ui, &session_ops, &v);
	if (v.w)
		watcher_free(v.w);
	logpane_free(&v.lp);
	free(v.holder);
	free(v.step_search);
	flow_reset(&v);
	return ST_OK;
}

int tui_session(struct cli_ctx *ctx, struct session *s)
{
	struct ui ui;
	int rc = ui_begin(&ui, ctx, NULL);
	if (rc != ST_OK)
		return rc;
	rc = tui_session_run(&ui, s);
	ui_end(&ui);
	return rc;
}
