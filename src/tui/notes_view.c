/*
 * notes_view.c — the notes of a session (H on the session screen): every session note
 * and step note, oldest first, each with its time, operator and what it is about
 * (the session, or the step and why: a skip's reason, a failure's note, ...), so a
 * shift handover can read them on screen and not only in an export.
 *
 * Invariants: reads the session only; note text is untrusted and drawn through
 * ui_wrapped (sanitized); the view is a nested ui_run, closed by Esc, q or H.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "steward/session.h"
#include "steward/util.h"
#include "steward/vars.h"
#include "ui.h"

struct notes_view {
	const struct session *s;
	int scroll;
	int rows;     /* rows the notes needed at the last draw */
	int page;     /* rows shown */
};

/* What a note is about: "session", or "step 3 backup (skip)". */
static char *about(const struct session *s, const struct sess_note *n)
{
	if (n->step < 0 || (size_t)n->step >= s->rb->n_steps)
		return xstrdup("session note");
	const char *kind = n->kind && strcmp(n->kind, "note") != 0 ? n->kind : NULL;
	char *title = vars_subst(s->rb->steps[n->step].title, &s->vars);
	char *a = xasprintf("step %ld %s%s%s%s: %s", n->step + 1, s->rb->steps[n->step].id, kind ? " (" : "",
			    kind ? kind : "", kind ? ")" : "", title);
	free(title);
	return a;
}

static void draw_notes(struct ui *ui, void *self)
{
	struct notes_view *nv = self;
	const struct session *s = nv->s;
	char head[160];
	size_t n_session = 0;
	for (size_t i = 0; i < s->n_notes; i++)
		n_session += s->notes[i].step < 0;
	snprintf(head, sizeof head, " Notes of session %s: %zu (%zu on the session, %zu on steps) — Esc closes",
		 s->id, s->n_notes, n_session, s->n_notes - n_session);
	ui_text(ui, 0, 0, ui->cols, head, ROLE_STATUS, UI_PAD | UI_ELLIPSIS);
	int top = 1, h = ui->rows - 2;
	nv->page = h;
	if (nv->scroll > nv->rows - h)
		nv->scroll = nv->rows - h;
	if (nv->scroll < 0)
		nv->scroll = 0;
	int row = 0; /* rows emitted, before scrolling */
	if (s->n_notes == 0) {
		ui_text(ui, top + 1, 2, ui->cols - 4,
			"(no notes yet: N adds one to the session, n to the selected step, E a long one)", ROLE_DIM,
			UI_ELLIPSIS);
		nv->rows = 0;
		return;
	}
	for (size_t i = 0; i < s->n_notes; i++) {
		const struct sess_note *n = &s->notes[i];
		char when[32];
		ui_datetime(n->at_ms, when);
		char *what = about(s, n);
		char *line = xasprintf("%s  %s  %s", when, n->op ? n->op : "?", what);
		free(what);
		const char *parts[2] = {line, n->text ? n->text : ""};
		for (int p = 0; p < 2; p++) {
			int indent = p ? 4 : 1;
			enum ui_role role = p ? ROLE_NORMAL : (n->step < 0 ? ROLE_TITLE : ROLE_HEADING);
			int y = top + row - nv->scroll;
			int skip = y < top ? top - y : 0;
			int room = h - (y + skip - top);
			int need = ui_wrapped(ui, y + skip, indent, ui->cols - indent - 1, room > 0 ? room : 0, skip,
					      parts[p], role);
			row += need > 0 ? need : 1;
		}
		free(line);
		row++; /* a blank row between notes */
	}
	nv->rows = row;
}

static unsigned notes_action(struct ui *ui, void *self, enum ui_action act, wint_t key)
{
	(void)ui;
	(void)key;
	struct notes_view *nv = self;
	switch (act) {
	case ACT_UP: nv->scroll--; return UI_REDRAW;
	case ACT_DOWN: nv->scroll++; return UI_REDRAW;
	case ACT_PGUP: nv->scroll -= nv->page - 1; return UI_REDRAW;
	case ACT_PGDN: nv->scroll += nv->page - 1; return UI_REDRAW;
	case ACT_TOP: nv->scroll = 0; return UI_REDRAW;
	case ACT_BOTTOM: nv->scroll = nv->rows; return UI_REDRAW;
	case ACT_CLOSE: return UI_QUIT;
	default: return UI_NONE;
	}
}

static const struct ui_view_ops notes_ops = {
	.scope = SCOPE_VIEWER,
	.draw = draw_notes,
	.action = notes_action,
};

void tui_notes_run(struct ui *ui, const struct session *s)
{
	struct notes_view nv = {.s = s};
	ui_run(ui, &notes_ops, &nv);
}
