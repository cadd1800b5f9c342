/*
 * form.c — the start form (tui_start): one field per runbook variable (prompt,
 * default, choices as a picker, pattern checked as you type with the reason),
 * the main log folder, one field per runbook log folder (its prompt, machine and
 * hint; left empty it is the main log folder), a label and the rehearsal switch;
 * Start creates the session through session_create and opens the session screen on it.
 *
 * Invariants: the form checks values with vars_check_value / vars_complete (the
 * rules live in vars.c) and creates nothing until every value is valid.
 */
#include "steward/tui.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "steward/store.h"
#include "steward/text.h"
#include "steward/util.h"
#include "steward/vars.h"
#include "ui.h"

enum field_kind { F_VAR, F_LOGDIR, F_FOLDER, F_LABEL, F_REHEARSE, F_START };

struct field {
	enum field_kind kind;
	const struct rb_variable *var; /* F_VAR */
	const struct rb_log_folder *folder; /* F_FOLDER */
	struct strbuf value;           /* typed text (UTF-8) */
	size_t choice;                 /* picker position when var->n_choices (or F_REHEARSE: 0 no, 1 yes);
	                                  NO_CHOICE until one is chosen (no default, none given) */
	char *problem;                 /* why the value is not valid, or NULL */
};

/* A choices variable with no default starts with nothing chosen: the operator must pick
 * one, as a text variable must be typed (tabbing through must not answer for them). */
#define NO_CHOICE ((size_t)-1)

struct form {
	struct cli_ctx *ctx;
	struct store *st;
	const struct runbook *rb;
	const struct session_params *params;
	struct field *f;
	size_t n;
	size_t cur;
	int top;
	int rc;                        /* exit code for tui_start */
	bool created;
	bool cancelled;                /* Esc: nothing was created */
	bool dup_answered;             /* the operator chose a new session over the unfinished one */
	char *dup_id;                  /* the unfinished session of the same runbook and variables */
};

static const char *field_value(const struct field *fl)
{
	if (fl->kind == F_VAR && fl->var->n_choices)
		return fl->choice == NO_CHOICE ? "" : fl->var->choices[fl->choice];
	return sb_str(&fl->value);
}

static void check_field(struct field *fl)
{
	free(fl->problem);
	fl->problem = NULL;
	if (fl->kind == F_VAR) {
		const char *v = field_value(fl);
		if (!*v)
			fl->problem = xstrdup(fl->var->n_choices ? "a value is needed: choose one with ← →"
								 : "a value is needed");
		else
			fl->problem = vars_check_value(fl->var, v);
	} else if (fl->kind == F_LOGDIR || fl->kind == F_FOLDER) {
		const char *v = sb_str(&fl->value);
		if (*v && access(v, R_OK | X_OK) != 0)
			fl->problem = xstrdup(fl->kind == F_LOGDIR
						      ? "no such folder yet (steward waits for the logs to appear)"
						      : "no such folder: mount it first, or leave this empty for the main log folder");
	}
}

static void form_init(struct form *fm)
{
	const struct runbook *rb = fm->rb;
	fm->n = rb->n_variables + rb->n_log_folders + 4;
	fm->f = xcalloc(fm->n, sizeof *fm->f);
	size_t k = 0;
	for (size_t i = 0; i < rb->n_variables; i++, k++) {
		struct field *fl = &fm->f[k];
		const struct rb_variable *var = &rb->variables[i];
		fl->kind = F_VAR;
		fl->var = var;
		const char *given = fm->params && fm->params->vars ? varmap_get(fm->params->vars, var->name) : NULL;
		const char *init = given ? given : var->def;
		sb_puts(&fl->value, init ? init : "");
		fl->choice = NO_CHOICE;
		for (size_t c = 0; c < var->n_choices; c++)
			if (init && strcmp(var->choices[c], init) == 0)
				fl->choice = c;
		check_field(fl);
	}
	fm->f[k].kind = F_LOGDIR;
	char cwd[4096];
	const char *dir = fm->params && fm->params->log_dir ? fm->params->log_dir
							    : (getcwd(cwd, sizeof cwd) ? cwd : ".");
	sb_puts(&fm->f[k].value, dir);
	check_field(&fm->f[k++]);
	for (size_t i = 0; i < rb->n_log_folders; i++, k++) {
		struct field *fl = &fm->f[k];
		fl->kind = F_FOLDER;
		fl->folder = &rb->log_folders[i];
		const char *given = NULL; /* the last --folder naming it */
		for (size_t g = 0; fm->params && g < fm->params->n_folders; g++)
			if (strcmp(fm->params->folder_ids[g], fl->folder->id) == 0)
				given = fm->params->folder_paths[g];
		sb_puts(&fl->value, given ? given : "");
		check_field(fl);
	}
	fm->f[k].kind = F_LABEL;
	sb_puts(&fm->f[k++].value, fm->params && fm->params->label ? fm->params->label : "");
	fm->f[k].kind = F_REHEARSE;
	fm->f[k++].choice = fm->params && fm->params->rehearsal ? 1 : 0;
	fm->f[k].kind = F_START;
	/* Start on the first field that needs attention. */
	for (size_t i = 0; i < fm->n; i++)
		if (fm->f[i].problem && fm->f[i].kind == F_VAR) {
			fm->cur = i;
			return;
		}
	fm->cur = fm->n - 1;
}

static void form_free(struct form *fm)
{
	for (size_t i = 0; i < fm->n; i++) {
		sb_free(&fm->f[i].value);
		free(fm->f[i].problem);
	}
	free(fm->f);
	free(fm->dup_id);
}

static const char *field_label(const struct field *fl)
{
	switch (fl->kind) {
	case F_VAR: return fl->var->prompt;
	case F_LOGDIR: return "Folder holding the site's logs";
	case F_FOLDER: return fl->folder->prompt;
	case F_LABEL: return "Label for this session (optional)";
	case F_REHEARSE: return "Rehearsal (practice run, marked everywhere)";
	case F_START: return "";
	}
	return "";
}

/* Rows a field takes: label, value, problem; a log folder adds its hint. */
static int field_rows(const struct field *fl)
{
	return fl->kind == F_FOLDER ? 4 : 3;
}

/* The variables as typed so far, for ${vars} in folder prompts, machines and hints. */
static void form_vars(const struct form *fm, struct varmap *vm)
{
	for (size_t i = 0; i < fm->n; i++)
		if (fm->f[i].kind == F_VAR && *field_value(&fm->f[i]))
			varmap_set(vm, fm->f[i].var->name, field_value(&fm->f[i]));
}

static const char *main_dir(const struct form *fm)
{
	for (size_t i = 0; i < fm->n; i++)
		if (fm->f[i].kind == F_LOGDIR)
			return sb_str(&fm->f[i].value);
	return "";
}

/* A log folder: "PROMPT (id, on MACHINE)", the path (empty: the main folder, said so),
 * the runbook's hint, and whether the path is there. */
static void draw_folder(struct ui *ui, const struct form *fm, const struct field *fl, int y, bool cur,
			const struct varmap *vm)
{
	char *prompt = vars_subst(fl->folder->prompt, vm);
	char *machine = vars_subst(fl->folder->machine, vm);
	char *label = machine ? xasprintf("%s (%s, on %s)", prompt, fl->folder->id, machine)
			      : xasprintf("%s (%s)", prompt, fl->folder->id);
	ui_text(ui, y, 1, ui->cols - 2, label, cur ? ROLE_TITLE : ROLE_NORMAL, UI_ELLIPSIS);
	const char *v = sb_str(&fl->value);
	if (*v) {
		ui_text(ui, y + 1, 3, ui->cols - 6, v, cur ? ROLE_SELECTED : ROLE_KEY, cur ? UI_PAD : 0);
	} else {
		const char *dir = main_dir(fm);
		char *dflt = xasprintf("(empty: the main log folder, %s)", *dir ? dir : "the current folder");
		ui_text(ui, y + 1, 3, ui->cols - 6, dflt, cur ? ROLE_SELECTED : ROLE_DIM, (cur ? UI_PAD : 0) | UI_ELLIPSIS);
		free(dflt);
	}
	char *hint = vars_subst(fl->folder->hint, vm);
	if (hint) {
		char *line = xasprintf("hint: %s", hint);
		ui_text(ui, y + 2, 3, ui->cols - 6, line, ROLE_DIM, UI_ELLIPSIS);
		free(line);
	}
	if (fl->problem)
		ui_text(ui, y + 3, 3, ui->cols - 6, fl->problem, ROLE_WARNING, UI_ELLIPSIS);
	free(hint);
	free(label);
	free(machine);
	free(prompt);
}

static void draw_form(struct ui *ui, void *self)
{
	struct form *fm = self;
	char buf[512];
	snprintf(buf, sizeof buf, " Start: %s (%s)", fm->rb->title, fm->rb->version);
	ui_text(ui, 0, 0, ui->cols, buf, ROLE_STATUS, UI_PAD | UI_ELLIPSIS);
	ui_text(ui, 1, 1, ui->cols - 2, "Fill in the values, then choose Start. Values are checked as you type.",
		ROLE_DIM, UI_ELLIPSIS);
	/* Rows 3 .. rows-2 hold the fields; scroll so that the current one fits. */
	int room = ui->rows - 4;
	if ((int)fm->cur < fm->top)
		fm->top = (int)fm->cur;
	for (;;) {
		int used = 0;
		for (size_t i = (size_t)fm->top; i <= fm->cur; i++)
			used += field_rows(&fm->f[i]);
		if (used <= room || fm->top >= (int)fm->cur)
			break;
		fm->top++;
	}
	struct varmap vm = {0};
	form_vars(fm, &vm);
	int y = 3;
	for (size_t i = (size_t)fm->top; i < fm->n && y + field_rows(&fm->f[i]) - 1 < ui->rows - 1;
	     y += field_rows(&fm->f[i]), i++) {
		struct field *fl = &fm->f[i];
		bool cur = i == fm->cur;
		if (fl->kind == F_START) {
			bool ok = true;
			for (size_t k = 0; k < fm->n; k++)
				ok &= !(fm->f[k].problem && fm->f[k].kind == F_VAR);
			ui_text(ui, y, 2, ui->cols - 4, ok ? "[ Start the session ]" : "[ Start ] (fix the values above first)",
				cur ? ROLE_SELECTED : (ok ? ROLE_ACTIVE : ROLE_DIM), 0);
			continue;
		}
		if (fl->kind == F_FOLDER) {
			draw_folder(ui, fm, fl, y, cur, &vm);
			continue;
		}
		if (fl->kind == F_VAR)
			snprintf(buf, sizeof buf, "%s (%s)%s", field_label(fl), fl->var->name,
				 fl->var->n_choices ? "  ← → to choose" : "");
		else
			snprintf(buf, sizeof buf, "%s%s", field_label(fl), fl->kind == F_REHEARSE ? "  ← → to choose" : "");
		ui_text(ui, y, 1, ui->cols - 2, buf, cur ? ROLE_TITLE : ROLE_NORMAL, UI_ELLIPSIS);
		const char *val;
		char pick[512];
		if (fl->kind == F_REHEARSE) {
			snprintf(pick, sizeof pick, "< %s >", fl->choice ? "yes" : "no");
			val = pick;
		} else if (fl->kind == F_VAR && fl->var->n_choices && fl->choice == NO_CHOICE) {
			snprintf(pick, sizeof pick, "< choose one of %zu >", fl->var->n_choices);
			val = pick;
		} else if (fl->kind == F_VAR && fl->var->n_choices) {
			snprintf(pick, sizeof pick, "< %s >  (%zu of %zu)", field_value(fl), fl->choice + 1,
				 fl->var->n_choices);
			val = pick;
		} else {
			val = field_value(fl);
		}
		int used = ui_text(ui, y + 1, 3, ui->cols - 6, val, cur ? ROLE_SELECTED : ROLE_KEY, cur ? UI_PAD : 0);
		(void)used;
		if (fl->problem)
			ui_text(ui, y + 2, 3, ui->cols - 6, fl->problem, fl->kind == F_VAR ? ROLE_ERROR : ROLE_WARNING,
				UI_ELLIPSIS);
		else if (fl->kind == F_VAR && fl->var->pattern)
			ui_text(ui, y + 2, 3, ui->cols - 6, "ok", ROLE_DONE, 0);
	}
	varmap_free(&vm);
}

static unsigned start_session(struct ui *ui, struct form *fm)
{
	/* A value still missing or not valid: go to it and say what it needs. */
	for (size_t i = 0; i < fm->n; i++) {
		if (fm->f[i].kind == F_VAR && fm->f[i].problem) {
			fm->cur = i;
			ui_message(ui, ROLE_ERROR, "%s: %s", fm->f[i].var->name, fm->f[i].problem);
			return UI_REDRAW;
		}
	}
	struct varmap vm = {0};
	for (size_t i = 0; i < fm->n; i++)
		if (fm->f[i].kind == F_VAR)
			varmap_set(&vm, fm->f[i].var->name, field_value(&fm->f[i]));
	char **problems = NULL;
	size_t n_problems = 0;
	if (!vars_complete(fm->rb, &vm, &problems, &n_problems)) {
		ui_message(ui, ROLE_ERROR, "%s", n_problems ? problems[0] : "some values are not valid");
		for (size_t i = 0; i < n_problems; i++)
			free(problems[i]);
		free(problems);
		varmap_free(&vm);
		return UI_REDRAW;
	}
	struct session_params p = {0};
	if (fm->params)
		p = *fm->params;
	p.vars = &vm;
	const char *dir = NULL, *label = NULL;
	const char **folder_ids = xcalloc(fm->rb->n_log_folders + 1, sizeof *folder_ids);
	const char **folder_paths = xcalloc(fm->rb->n_log_folders + 1, sizeof *folder_paths);
	p.folder_ids = folder_ids;
	p.folder_paths = folder_paths;
	p.n_folders = 0;
	for (size_t i = 0; i < fm->n; i++) {
		if (fm->f[i].kind == F_LOGDIR)
			dir = sb_str(&fm->f[i].value);
		else if (fm->f[i].kind == F_FOLDER && fm->f[i].value.len) {
			folder_ids[p.n_folders] = fm->f[i].folder->id;
			folder_paths[p.n_folders++] = sb_str(&fm->f[i].value);
		}
		else if (fm->f[i].kind == F_LABEL)
			label = sb_str(&fm->f[i].value);
		else if (fm->f[i].kind == F_REHEARSE)
			p.rehearsal = fm->f[i].choice == 1;
	}
	p.log_dir = dir && *dir ? dir : NULL;
	p.label = label && *label ? label : NULL;
	if (!p.op)
		p.op = fm->ctx->op;
	struct st_error err = {0};
	/* The same site already has an unfinished session of this runbook (the engine's rule,
	 * session_find_duplicates, as start --detach): offer it before creating a second. */
	if (!fm->dup_answered) {
		char **ids = NULL;
		size_t n_ids = 0;
		if (session_find_duplicates(fm->st, fm->rb, &vm, &ids, &n_ids, &err) == ST_OK && n_ids > 0) {
			free(fm->dup_id);
			fm->dup_id = xstrdup(ids[0]);
			ui_prompt_open(ui, PROMPT_YESNO, 0, 0,
				       "This site has an unfinished session %s. Resume it? (y resumes it, n starts a new one)",
				       ids[0]);
		}
		for (size_t i = 0; i < n_ids; i++)
			free(ids[i]);
		free(ids);
		if (fm->dup_id) {
			varmap_free(&vm);
			free(folder_ids);
			free(folder_paths);
			return UI_REDRAW;
		}
	}
	char *id = NULL;
	enum st_code rc = session_create(fm->st, fm->rb, &p, &id, &err);
	varmap_free(&vm);
	free(folder_ids);
	free(folder_paths);
	if (rc != ST_OK) {
		ui_message(ui, ROLE_ERROR, "%s", err.msg);
		return UI_REDRAW;
	}
	fm->created = true;
	struct session *s = NULL;
	rc = session_open(fm->st, id, SESSION_WRITE, &s, &err);
	free(id);
	if (rc != ST_OK) {
		ui_message(ui, ROLE_ERROR, "%s", err.msg);
		fm->rc = (int)rc;
		return UI_QUIT;
	}
	fm->rc = tui_session_run(ui, s);
	session_close(s);
	return UI_QUIT;
}

static void move_field(struct form *fm, long d)
{
	long i = (long)fm->cur + d;
	if (i < 0)
		i = (long)fm->n - 1;
	if (i >= (long)fm->n)
		i = 0;
	fm->cur = (size_t)i;
}

static unsigned form_action(struct ui *ui, void *self, enum ui_action act, wint_t key)
{
	(void)key;
	struct form *fm = self;
	struct field *fl = &fm->f[fm->cur];
	switch (act) {
	case ACT_UP: move_field(fm, -1); return UI_REDRAW;
	case ACT_DOWN:
	case ACT_NEXT_FIELD: move_field(fm, 1); return UI_REDRAW;
	case ACT_CHOICE_PREV:
	case ACT_CHOICE_NEXT: {
		size_t n = fl->kind == F_REHEARSE ? 2 : (fl->kind == F_VAR ? fl->var->n_choices : 0);
		if (n == 0)
			return UI_REDRAW;
		if (fl->choice == NO_CHOICE) /* nothing chosen yet: → the first, ← the last */
			fl->choice = act == ACT_CHOICE_NEXT ? 0 : n - 1;
		else
			fl->choice = (fl->choice + (act == ACT_CHOICE_NEXT ? 1 : n - 1)) % n;
		check_field(fl);
		return UI_REDRAW;
	}
	case ACT_SUBMIT:
		if (fl->kind == F_START)
			return start_session(ui, fm);
		move_field(fm, 1);
		return UI_REDRAW;
	case ACT_CANCEL:
		fm->rc = ST_OK; /* the operator's choice, not an error (steward(1), start) */
		fm->cancelled = true;
		return UI_QUIT;
	default: return UI_NONE;
	}
}

static unsigned form_input(struct ui *ui, void *self, wint_t key, bool is_func)
{
	(void)ui;
	struct form *fm = self;
	struct field *fl = &fm->f[fm->cur];
	bool editable = fl->kind == F_LOGDIR || fl->kind == F_FOLDER || fl->kind == F_LABEL || (fl->kind == F_VAR && !fl->var->n_choices);
	if (!editable)
		return UI_REDRAW;
	struct strbuf *v = &fl->value;
	if ((is_func && key == KEY_BACKSPACE) || (!is_func && (key == 127 || key == 8))) {
		/* Remove the last UTF-8 character. */
		while (v->len > 0) {
			unsigned char c = (unsigned char)v->data[--v->len];
			if ((c & 0xc0) != 0x80)
				break;
		}
		if (v->data)
			v->data[v->len] = '\0';
	} else if (!is_func && key == 21) { /* Ctrl-U */
		sb_reset(v);
	} else if (!is_func && key >= 0x20 && key != 0x7f && !(key >= 0x80 && key < 0xa0) && key <= 0x10ffff &&
		   !(key >= 0xd800 && key <= 0xdfff) && v->len < 4000) {
		char b[4];
		sb_append(v, b, text_encode((uint32_t)key, b));
	} else {
		return UI_REDRAW;
	}
	check_field(fl);
	return UI_REDRAW;
}

/* The answer to "resume the unfinished session?": y opens it; n (or Esc) starts anew. */
static unsigned form_prompt_done(struct ui *ui, void *self, int tag, size_t step, const char *text)
{
	(void)tag, (void)step;
	struct form *fm = self;
	if (!fm->dup_id)
		return UI_REDRAW;
	char *id = fm->dup_id;
	fm->dup_id = NULL;
	unsigned r = UI_REDRAW;
	if (text) {
		struct session *s = NULL;
		struct st_error err = {0};
		if (session_open(fm->st, id, SESSION_WRITE, &s, &err) != ST_OK) {
			ui_message(ui, ROLE_ERROR, "%s", err.msg);
		} else {
			fm->created = true; /* a session was opened: not a cancel */
			fm->rc = tui_session_run(ui, s);
			session_close(s);
			r = UI_QUIT;
		}
	} else {
		fm->dup_answered = true;
		r = start_session(ui, fm);
	}
	free(id);
	return r;
}

static const struct ui_view_ops form_ops = {
	.scope = SCOPE_FORM,
	.draw = draw_form,
	.action = form_action,
	.input = form_input,
	.prompt_done = form_prompt_done,
};

int tui_start_run(struct ui *ui, const struct runbook *rb, const struct session_params *params, bool *cancelled)
{
	struct form fm = {.ctx = ui->ctx, .st = ui->st, .rb = rb, .params = params};
	form_init(&fm);
	ui_run(ui, &form_ops, &fm);
	form_free(&fm);
	if (cancelled)
		*cancelled = fm.cancelled;
	return fm.rc;
}

int tui_start(struct cli_ctx *ctx, struct store *st, const struct runbook *rb,
	      const struct session_params *params)
{
	struct ui ui;
	int rc = ui_begin(&ui, ctx, st);
	if (rc != ST_OK)
		return rc;
	bool cancelled = false;
	rc = tui_start_run(&ui, rb, params, &cancelled);
	ui_end(&ui);
	if (cancelled) /* the screen is gone: say it where the command was typed */
		fprintf(stderr, "steward: start cancelled (Esc in the form): no session was created\n");
	return rc;
}
