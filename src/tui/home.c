/*
 * home.c — the home screen (tui_home): the runbooks found in the search path
 * (title, version, steps; invalid ones with their first lint message) and the
 * resumable sessions (label, runbook, progress, last activity). Enter starts a
 * runbook (start form) or resumes a session (session screen, with its lock).
 *
 * Invariants: the lists are reloaded whenever a nested screen returns; a session
 * held by another process is never opened for writing: Enter names the holder and
 * says that o observes it (read-only, live: observer mode). Every
 * operator's sessions are listed, each with its holder ("none" when nobody holds it).
 */
#include "steward/tui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "steward/catalog.h"
#include "steward/store.h"
#include "steward/util.h"

#define HOME_REPLAYS 100 /* sessions cached by an older steward, replayed for details */
#define HOME_HOLDERS 100 /* rows whose lock holder is looked up: more than a screen shows */
#include "ui.h"

enum home_list { LIST_RUNBOOKS, LIST_SESSIONS };


struct home {
	struct catalog cat;
	struct session_summary *rows;
	char **holders;        /* per row: who holds its lock, NULL nobody (or not looked up) */
	size_t n_rows;
	bool all;              /* include finished sessions */
	enum home_list focus;
	size_t sel[2];
	int top[2];
};

static void free_holders(struct home *h)
{
	for (size_t i = 0; h->holders && i < h->n_rows; i++)
		free(h->holders[i]);
	free(h->holders);
	h->holders = NULL;
}

static void home_load(struct ui *ui, struct home *h)
{
	catalog_free(&h->cat);
	memset(&h->cat, 0, sizeof h->cat);
	catalog_load(&h->cat, ui->ctx->runbook_dirs, ui->ctx->n_runbook_dirs);
	free_holders(h);
	session_summaries_free(h->rows, h->n_rows);
	h->rows = NULL;
	h->n_rows = 0;
	struct st_error err = {0};
	if (session_list(ui->st, h->all, &h->rows, &h->n_rows, &err) != ST_OK)
		ui_message(ui, ROLE_ERROR, "Sessions: %s", err.msg);
	/* failed and overdue steps and the site, for the list, from the cached glance. Only
	 * sessions cached by an older steward need a replay: the most recent HOME_REPLAYS of
	 * them, more than a screen shows (a row that cannot be replayed keeps its plain
	 * summary: the session screen says why when it is opened). */
	else
		(void)session_summaries_detail(ui->st, h->rows, h->n_rows, util_now_ms(), HOME_REPLAYS, &err);
	/* Who holds each of the most recent HOME_HOLDERS (one look-up each). */
	h->holders = xcalloc(h->n_rows + 1, sizeof *h->holders);
	for (size_t i = 0; i < h->n_rows && i < HOME_HOLDERS; i++)
		(void)session_lock_holder(ui->st, h->rows[i].id, &h->holders[i], &err);
	if (h->sel[LIST_RUNBOOKS] >= h->cat.n)
		h->sel[LIST_RUNBOOKS] = h->cat.n ? h->cat.n - 1 : 0;
	if (h->sel[LIST_SESSIONS] >= h->n_rows)
		h->sel[LIST_SESSIONS] = h->n_rows ? h->n_rows - 1 : 0;
}

static void ago(int64_t ms, char *out, size_t outlen)
{
	int64_t d = (util_now_ms() - ms) / 1000;
	if (d < 0)
		d = 0;
	if (d < 60)
		snprintf(out, outlen, "%llds ago", (long long)d);
	else if (d < 3600)
		snprintf(out, outlen, "%lldm ago", (long long)(d / 60));
	else if (d < 86400)
		snprintf(out, outlen, "%lldh ago", (long long)(d / 3600));
	else
		snprintf(out, outlen, "%lldd ago", (long long)(d / 86400));
}

/* Draws one list's rows into [y, y+hgt); keeps its selection visible. */
static void draw_rows(struct ui *ui, struct home *h, enum home_list which, int y, int hgt)
{
	size_t n = which == LIST_RUNBOOKS ? h->cat.n : h->n_rows;
	size_t sel = h->sel[which];
	int *top = &h->top[which];
	if ((int)sel < *top)
		*top = (int)sel;
	if ((int)sel >= *top + hgt)
		*top = (int)sel - hgt + 1;
	if (*top < 0)
		*top = 0;
	char buf[1024];
	for (int r = 0; r < hgt && (size_t)(*top + r) < n; r++) {
		size_t i = (size_t)(*top + r);
		bool selected = i == sel && which == h->focus;
		int yy = y + r;
		/* Columns by display width (titles may hold any script): each cell is fitted. */
		if (which == LIST_RUNBOOKS) {
			const struct catalog_entry *e = &h->cat.items[i];
			enum ui_role role = selected ? ROLE_SELECTED : (e->rb ? ROLE_NORMAL : ROLE_ERROR);
			ui_fill(ui, yy, 0, ui->cols, role);
			if (e->rb) {
				struct { int w; const char *t; } cols[4];
				snprintf(buf, sizeof buf, "%zu steps", e->rb->n_steps);
				cols[0].w = 30; cols[0].t = e->rb->id;
				cols[1].w = 12; cols[1].t = e->rb->version;
				cols[2].w = 10; cols[2].t = buf;
				cols[3].w = ui->cols; cols[3].t = e->rb->title;
				int x = 1;
				for (size_t c = 0; c < 4 && x < ui->cols; c++)
					x += ui_text(ui, yy, x, c == 3 ? ui->cols - x : cols[c].w - 1, cols[c].t, role,
						     UI_PAD | UI_ELLIPSIS) + 1;
			} else {
				snprintf(buf, sizeof buf, " %s  invalid: %s", e->claimed_id ? e->claimed_id : e->path,
					 e->diags.n ? e->diags.items[0].msg : "cannot be read");
				ui_text(ui, yy, 0, ui->cols, buf, role, UI_PAD | UI_ELLIPSIS);
			}
			continue;
		}
		const struct session_summary *s = &h->rows[i];
		bool finished = strcmp(s->status, "finished") == 0;
		/* a session that needs attention says so in its status column, in colour */
		const char *status = s->failed ? "FAILED" : s->overdue_step ? "OVERDUE" : s->status;
		enum ui_role role = selected ? ROLE_SELECTED
				   : (s->failed || s->overdue_step) ? ROLE_WARNING
				   : (finished ? ROLE_DIM : ROLE_NORMAL);
		ui_fill(ui, yy, 0, ui->cols, role);
		char when[32], prog[32];
		ago(s->last_activity_ms, when, sizeof when);
		snprintf(prog, sizeof prog, "%d/%d", s->done, s->applicable);
		snprintf(buf, sizeof buf, "%s%s%s%s", s->site ? s->site : "", s->site ? "  " : "",
			 s->runbook_title ? s->runbook_title : s->runbook_id, s->rehearsal ? "  [rehearsal]" : "");
		const char *holder = h->holders && h->holders[i] ? h->holders[i]
				     : i < HOME_HOLDERS ? "none" : "?";
		struct { int w; const char *t; } cols[7] = {
			{22, s->id}, {20, s->label && *s->label ? s->label : "-"}, {8, prog},
			{10, when}, {9, status}, {16, holder}, {ui->cols, buf},
		};
		int x = 1;
		for (size_t c = 0; c < 7 && x < ui->cols; c++)
			x += ui_text(ui, yy, x, c == 6 ? ui->cols - x : cols[c].w - 1, cols[c].t, role,
				     UI_PAD | UI_ELLIPSIS) + 1;
	}
	if (n == 0)
		ui_text(ui, y, 2, ui->cols - 2,
			which == LIST_RUNBOOKS ? "(no runbooks found: use --runbooks DIR, or put them in "
						 "~/.config/steward/runbooks)"
					       : "(no session to resume: choose a runbook above and press Enter)",
			ROLE_DIM, UI_ELLIPSIS);
}

static void draw_home(struct ui *ui, void *self)
{
	struct home *h = self;
	ui_text(ui, 0, 0, ui->cols, " steward — runbooks and sessions", ROLE_STATUS, UI_PAD | UI_ELLIPSIS);
	int avail = ui->rows - 5;
	int rb_h = avail / 2, ss_h = avail - rb_h;
	char head[128];
	snprintf(head, sizeof head, "Runbooks (%zu)", h->cat.n);
	ui_text(ui, 1, 0, ui->cols, head, h->focus == LIST_RUNBOOKS ? ROLE_TITLE : ROLE_HEADING, UI_ELLIPSIS);
	draw_rows(ui, h, LIST_RUNBOOKS, 2, rb_h);
	snprintf(head, sizeof head, "%s (%zu)   held by: the process writing it, or none", h->all ? "All sessions" : "Resumable sessions", h->n_rows);
	ui_text(ui, 2 + rb_h, 0, ui->cols, head, h->focus == LIST_SESSIONS ? ROLE_TITLE : ROLE_HEADING, UI_ELLIPSIS);
	draw_rows(ui, h, LIST_SESSIONS, 3 + rb_h, ss_h);
}

static unsigned open_selected(struct ui *ui, struct home *h)
{
	struct st_error err = {0};
	if (h->focus == LIST_RUNBOOKS) {
		if (h->cat.n == 0)
			return UI_REDRAW;
		const struct catalog_entry *e = &h->cat.items[h->sel[LIST_RUNBOOKS]];
		if (!e->rb) {
			ui_message(ui, ROLE_ERROR, "%s is not valid: run `steward lint %s`", e->path, e->path);
			return UI_REDRAW;
		}
		struct session_params p = {.op = ui->ctx->op};
		bool cancelled = false;
		tui_start_run(ui, e->rb, &p, &cancelled);
		home_load(ui, h);
		if (cancelled) {
			ui_message(ui, ROLE_WARNING, "Start cancelled: no session was created.");
			return UI_RELOAD;
		}
		if (h->n_rows)
			h->focus = LIST_SESSIONS;
		h->sel[LIST_SESSIONS] = 0;
		return UI_RELOAD;
	}
	if (h->n_rows == 0)
		return UI_REDRAW;
	struct session *s = NULL;
	enum st_code rc = session_open(ui->st, h->rows[h->sel[LIST_SESSIONS]].id, SESSION_WRITE, &s, &err);
	if (rc == ST_TEMPFAIL) { /* another writer holds it: it can still be watched live */
		ui_message(ui, ROLE_ERROR, "%s — meanwhile, o observes it read-only, live", err.msg);
		return UI_REDRAW;
	}
	if (rc != ST_OK) {
		ui_message(ui, ROLE_ERROR, "%s", err.msg);
		return UI_REDRAW;
	}
	tui_session_run(ui, s);
	session_close(s);
	home_load(ui, h);
	return UI_RELOAD;
}

/* o: the selected session in observer mode. */
static unsigned observe_selected(struct ui *ui, struct home *h)
{
	if (h->focus != LIST_SESSIONS || h->n_rows == 0) {
		ui_message(ui, ROLE_WARNING, "Select a session first (Tab goes to the sessions)");
		return UI_REDRAW;
	}
	struct session *s = NULL;
	struct st_error err = {0};
	if (session_open(ui->st, h->rows[h->sel[LIST_SESSIONS]].id, SESSION_READ, &s, &err) != ST_OK) {
		ui_message(ui, ROLE_ERROR, "%s", err.msg);
		return UI_REDRAW;
	}
	ui->message[0] = '\0';
	tui_observe_run(ui, s);
	session_close(s);
	home_load(ui, h);
	return UI_RELOAD;
}



static unsigned home_action(struct ui *ui, void *self, enum ui_action act, wint_t key)
{
	(void)key;
	struct home *h = self;
	size_t n = h->focus == LIST_RUNBOOKS ? h->cat.n : h->n_rows;
	size_t *sel = &h->sel[h->focus];
	int page = (ui->rows - 5) / 2;
	switch (act) {
	case ACT_UP:
		if (*sel > 0)
			(*sel)--;
		else if (h->focus == LIST_SESSIONS && h->cat.n) {
			h->focus = LIST_RUNBOOKS;
			h->sel[LIST_RUNBOOKS] = h->cat.n - 1;
		}
		return UI_REDRAW;
	case ACT_DOWN:
		if (*sel + 1 < n)
			(*sel)++;
		else if (h->focus == LIST_RUNBOOKS && h->n_rows) {
			h->focus = LIST_SESSIONS;
			h->sel[LIST_SESSIONS] = 0;
		}
		return UI_REDRAW;
	case ACT_PGUP: *sel = *sel > (size_t)page ? *sel - (size_t)page : 0; return UI_REDRAW;
	case ACT_PGDN: *sel = n ? (*sel + (size_t)page < n ? *sel + (size_t)page : n - 1) : 0; return UI_REDRAW;
	case ACT_TOP: *sel = 0; return UI_REDRAW;
	case ACT_BOTTOM: *sel = n ? n - 1 : 0; return UI_REDRAW;
	case ACT_FOCUS: h->focus = h->focus == LIST_RUNBOOKS ? LIST_SESSIONS : LIST_RUNBOOKS; return UI_REDRAW;
	case ACT_ALL:
		h->all = !h->all;
		home_load(ui, h);
		return UI_RELOAD;
	case ACT_OPEN: return open_selected(ui, h);
	case ACT_OBSERVE: return observe_selected(ui, h);
	case ACT_QUIT: return UI_QUIT;
	default: return UI_NONE;
	}
}

static unsigned home_tick(struct ui *ui, void *self)
{
	(void)ui;
	(void)self;
	return UI_REDRAW; /* "last activity" ages */
}

static const struct ui_view_ops home_ops = {
	.scope = SCOPE_HOME,
	.draw = draw_home,
	.action = home_action,
	.tick = home_tick,
};

int tui_home(struct cli_ctx *ctx, struct store *st)
{
	struct ui ui;
	int rc = ui_begin(&ui, ctx, st);
	if (rc != ST_OK)
		return rc;
	struct home h = {.focus = LIST_RUNBOOKS};
	home_load(&ui, &h);
	if (h.n_rows)
		h.focus = LIST_SESSIONS;
	ui_run(&ui, &home_ops, &h);
	catalog_free(&h.cat);
	free_holders(&h);
	session_summaries_free(h.rows, h.n_rows);
	ui_end(&ui);
	return ST_OK;
}
