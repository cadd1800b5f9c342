/*
 * ui.c — the terminal: curses set-up and tear-down, colour roles, glyphs, the
 * fitted drawing helpers, the status line and the event loop.
 *
 * Invariants: the terminal is restored before any fatal message (fatal hook);
 * the loop blocks only in its poll(); a screen smaller than UI_MIN_COLS x
 * UI_MIN_ROWS shows only "enlarge the terminal"; every drawn string is sanitized.
 */
#include "ui.h"

#include "steward/tui.h"

#include <curses.h>
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "steward/text.h"
#include "steward/util.h"

#define STATUS_MAX_ROWS 4 /* a long status message wraps over at most this many rows */

/* The one process-wide pointer: which terminal the fatal hook must restore. */
static struct ui *fatal_ui;
static int ui_depth; /* nested ui_begin calls share one curses session */

static void restore_terminal(void)
{
	if (fatal_ui && !isendwin())
		endwin();
}

static const struct ui_glyphs glyphs_utf8 = {
	.pending = "\xe2\x97\x8b",  /* ○ */
	.active = "\xe2\x96\xb6",   /* ▶ */
	.done = "\xe2\x9c\x93",     /* ✓ */
	.skipped = "\xe2\x86\xb7",  /* ↷ */
	.failed = "\xe2\x9c\x97",   /* ✗ */
	.na = "\xc2\xb7",           /* · */
	.bar_full = "\xe2\x96\x88", /* █ */
	.bar_empty = "\xe2\x96\x91",/* ░ */
	.tick_on = "[\xe2\x9c\x93]",
	.tick_off = "[ ]",
	.sep = "\xe2\x94\x82",      /* │ */
};

static const struct ui_glyphs glyphs_ascii = {
	.pending = " ", .active = ">", .done = "+", .skipped = "-", .failed = "!", .na = ".",
	.bar_full = "#", .bar_empty = ".", .tick_on = "[x]", .tick_off = "[ ]", .sep = "|",
};

static bool no_color_env(void)
{
	const char *v = getenv("NO_COLOR");
	return v && *v; /* https://no-color.org: set and non-empty */
}

static void setup_colors(struct ui *ui)
{
	static const struct {
		short fg, bg;
		int attr, mono;
	} roles[ROLE_COUNT] = {
#define X(name, f, b, a, m) [name] = {f, b, a, m},
		UI_ROLES(X)
#undef X
	};
	ui->color = !no_color_env() && has_colors();
	if (ui->color) {
		start_color();
		if (use_default_colors() == ERR)
			ui->color = false; /* no default colours: stay monochrome rather than guess */
	}
	for (int r = 0; r < ROLE_COUNT; r++) {
		if (!ui->color) {
			ui->role_attr[r] = roles[r].mono;
			continue;
		}
		int attr = roles[r].attr;
		if (roles[r].fg != -1 || roles[r].bg != -1) {
			if (init_pair((short)(r + 1), roles[r].fg, roles[r].bg) != ERR)
				attr |= COLOR_PAIR(r + 1);
		}
		ui->role_attr[r] = attr;
	}
}

int tui_check_terminal(void)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return cli_error(ST_USAGE, "the interactive screen needs a terminal on stdin and stdout "
					   "— run it in a terminal, or use `steward step`, `note` and "
					   "`watch` from scripts");
	return ST_OK;
}

int ui_begin(struct ui *ui, struct cli_ctx *ctx, struct store *st)
{
	memset(ui, 0, sizeof *ui);
	ui->ctx = ctx;
	ui->st = st;
	int rc = tui_check_terminal();
	if (rc != ST_OK)
		return rc;
	setlocale(LC_ALL, "");
	const char *cs = nl_langinfo(CODESET);
	ui->ascii = !(cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0));
	ui->g = ui->ascii ? glyphs_ascii : glyphs_utf8;
	if (ui_depth++ == 0) {
		set_escdelay(25);
		if (!initscr()) {
			ui_depth = 0;
			return cli_error(ST_SOFTWARE, "cannot initialise the terminal (TERM=%s) — "
						      "set TERM to your terminal type",
					 getenv("TERM") ? getenv("TERM") : "");
		}
		fatal_ui = ui;
		util_set_fatal_hook(restore_terminal);
		cbreak();
		noecho();
		nonl();
		keypad(stdscr, TRUE);
		nodelay(stdscr, TRUE);
		curs_set(0);
	}
	setup_colors(ui);
	getmaxyx(stdscr, ui->rows, ui->cols);
	return ST_OK;
}

void ui_end(struct ui *ui)
{
	(void)ui;
	if (ui_depth > 0 && --ui_depth == 0) {
		endwin();
		util_set_fatal_hook(NULL);
		fatal_ui = NULL;
	}
}

void ui_suspend(struct ui *ui)
{
	(void)ui;
	def_prog_mode();
	endwin();
}

void ui_resume(struct ui *ui)
{
	reset_prog_mode();
	clearok(stdscr, TRUE);
	getmaxyx(stdscr, ui->rows, ui->cols);
}

int ui_attr(const struct ui *ui, enum ui_role role) { return ui->role_attr[role]; }

int ui_text(struct ui *ui, int y, int x, int w, const char *raw, enum ui_role role, unsigned flags)
{
	if (w <= 0 || y < 0 || y >= ui->rows || x >= ui->cols)
		return 0;
	if (x + w > ui->cols)
		w = ui->cols - x;
	char *s = text_sanitize(raw ? raw : "", raw ? strlen(raw) : 0, ui->ascii ? TEXT_ASCII : 0);
	if (flags & UI_ELLIPSIS) {
		char *e = text_ellipsize(s, w, text_ellipsis(ui->ascii));
		free(s);
		s = e;
	}
	int used;
	size_t n = text_fit(s, strlen(s), w, &used);
	attr_t attr = (attr_t)ui->role_attr[role];
	attron(attr);
	mvaddnstr(y, x, s, (int)n);
	if (flags & UI_PAD)
		for (int i = used; i < w; i++)
			mvaddch(y, x + i, ' ');
	attroff(attr);
	free(s);
	return (flags & UI_PAD) ? w : used;
}

int ui_wrapped(struct ui *ui, int y, int x, int w, int max_rows, int skip, const char *raw,
	       enum ui_role role)
{
	if (w <= 0)
		return 0;
	char *s = text_sanitize(raw ? raw : "", raw ? strlen(raw) : 0,
				TEXT_NEWLINES | (ui->ascii ? TEXT_ASCII : 0));
	struct text_span *lines;
	size_t n = text_wrap(s, w, &lines);
	attr_t attr = (attr_t)ui->role_attr[role];
	attron(attr);
	for (size_t i = (size_t)(skip > 0 ? skip : 0), row = 0; i < n && (int)row < max_rows; i++, row++) {
		int used;
		size_t k = text_fit(s + lines[i].off, lines[i].len, w, &used);
		mvaddnstr(y + (int)row, x, s + lines[i].off, (int)k);
	}
	attroff(attr);
	free(lines);
	free(s);
	return (int)n;
}

void ui_fill(struct ui *ui, int y, int x, int w, enum ui_role role)
{
	if (y < 0 || y >= ui->rows)
		return;
	attr_t attr = (attr_t)ui->role_attr[role];
	attron(attr);
	for (int i = 0; i < w && x + i < ui->cols; i++)
		mvaddch(y, x + i, ' ');
	attroff(attr);
}

void ui_message(struct ui *ui, enum ui_role role, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ui->message, sizeof ui->message, fmt, ap);
	va_end(ap);
	ui->message_role = role;
}

void ui_prompt_open(struct ui *ui, enum prompt_kind kind, int tag, size_t step, const char *fmt, ...)
{
	struct ui_prompt *p = &ui->prompt;
	memset(p, 0, sizeof *p);
	p->open = true;
	p->kind = kind;
	p->tag = tag;
	p->step = step;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->label, sizeof p->label, fmt, ap);
	va_end(ap);
	ui->message[0] = '\0';
}

/* The prompt's input as UTF-8 (caller frees). */
static char *prompt_text(const struct ui_prompt *p)
{
	struct strbuf sb = STRBUF_INIT;
	sb_puts(&sb, "");
	for (size_t i = 0; i < p->len; i++) {
		char b[4];
		sb_append(&sb, b, text_encode((uint32_t)p->buf[i], b));
	}
	return sb_take(&sb);
}

void ui_draw_status(struct ui *ui, unsigned scope)
{
	int y = ui->rows - 1;
	if (ui->prompt.open) {
		struct ui_prompt *p = &ui->prompt;
		ui_fill(ui, y, 0, ui->cols, ROLE_NORMAL);
		int x = ui_text(ui, y, 0, ui->cols * 3 / 4, p->label, ROLE_MESSAGE, UI_ELLIPSIS);
		x = ui_text(ui, y, x, 1, " ", ROLE_NORMAL, 0) + x;
		char *t = prompt_text(p);
		/* Show the end of what was typed when it is longer than the room left. */
		int room = ui->cols - x - 1;
		const char *shown = t;
		while (room > 0 && text_width(shown) > room) {
			uint32_t cp;
			shown += text_decode(shown, strlen(shown), &cp);
		}
		int used = ui_text(ui, y, x, room, shown, ROLE_NORMAL, 0);
		free(t);
		if (x + used < ui->cols)
			mvaddch(y, x + used, ' ' | A_REVERSE); /* the cursor */
		return;
	}
	if (ui->message[0]) {
		/* A message longer than the line (a refusal and its way out) takes up to
		 * STATUS_MAX_ROWS rows above it rather than losing its end: the operator must
		 * not have to guess what the cut-off part said. */
		int need = ui_wrapped(ui, y, 0, ui->cols, 0, 0, ui->message, ui->message_role);
		int rows = need < 1 ? 1 : need;
		if (rows > STATUS_MAX_ROWS)
			rows = STATUS_MAX_ROWS;
		if (rows > y + 1)
			rows = y + 1;
		int top = y - rows + 1;
		for (int r = top; r <= y; r++)
			ui_fill(ui, r, 0, ui->cols, ROLE_NORMAL);
		if (rows == 1)
			ui_text(ui, y, 0, ui->cols, ui->message, ui->message_role, UI_ELLIPSIS);
		else {
			ui_wrapped(ui, top, 0, ui->cols, rows, 0, ui->message, ui->message_role);
			if (need > rows)
				ui_text(ui, y, ui->cols - 1, 1, "…", ui->message_role, 0);
		}
		return;
	}
	ui_text(ui, y, 0, ui->cols, keymap_hints(scope), ROLE_STATUS, UI_PAD | UI_ELLIPSIS);
}

/* Feeds one key to the open prompt. */
static unsigned prompt_key(struct ui *ui, const struct ui_view_ops *ops, void *self, wint_t key,
			   bool is_func)
{
	struct ui_prompt *p = &ui->prompt;
	bool accept = false, cancel = false;
	if (is_func) {
		if (key == KEY_ENTER)
			accept = true;
		else if (key == KEY_BACKSPACE || key == KEY_DC) {
			if (p->len)
				p->len--;
		}
		else
			return UI_NONE;
	} else if (key == '\r' || key == '\n') {
		accept = true;
	} else if (key == 27) {
		cancel = true;
	} else if (key == 127 || key == 8) {
		if (p->len)
			p->len--;
	} else if (key == 21) { /* Ctrl-U */
		p->len = 0;
	} else if (p->kind == PROMPT_YESNO) {
		if (key == 'y' || key == 'Y')
			accept = true;
		else if (key == 'n' || key == 'N')
			cancel = true;
		if (accept) {
			p->buf[0] = L'y';
			p->len = 1;
		}
	} else if (key >= 0x20 && key != 0x7f && !(key >= 0x80 && key < 0xa0) &&
		   p->len < ARRAY_LEN(p->buf) - 1 && key <= 0x10ffff && !(key >= 0xd800 && key <= 0xdfff)) {
		p->buf[p->len++] = (wchar_t)key;
	}
	if (!accept && !cancel)
		return UI_REDRAW;
	if (p->kind == PROMPT_YESNO && accept && !(p->len == 1 && (p->buf[0] == L'y' || p->buf[0] == L'Y')))
		cancel = true; /* Enter on a yes/no question means no */
	char *text = cancel ? NULL : prompt_text(p);
	int tag = p->tag;
	size_t step = p->step;
	p->open = false;
	unsigned r = UI_REDRAW;
	if (cancel)
		ui_message(ui, ROLE_DIM, "cancelled");
	if (ops->prompt_done)
		r |= ops->prompt_done(ui, self, tag, step, text);
	free(text);
	return r;
}

static void draw_too_small(struct ui *ui)
{
	erase();
	char need[64];
	snprintf(need, sizeof need, "at least %dx%d", UI_MIN_COLS, UI_MIN_ROWS);
	char now[32];
	snprintf(now, sizeof now, "now %dx%d", ui->cols, ui->rows);
	const char *lines[] = {"Please enlarge", "the terminal", need, now, "(q quits)"};
	int top = (ui->rows - (int)ARRAY_LEN(lines)) / 2;
	for (size_t i = 0; i < ARRAY_LEN(lines); i++) {
		int w = text_width(lines[i]);
		int x = (ui->cols - w) / 2;
		ui_text(ui, top + (int)i, x < 0 ? 0 : x, ui->cols, lines[i], i < 2 ? ROLE_ACTIVE : ROLE_NORMAL,
			0);
	}
}

static void draw_help(struct ui *ui, unsigned scope)
{
	erase();
	char **lines;
	size_t n = keymap_help_lines(scope, ui->ascii, &lines);
	ui_text(ui, 0, 0, ui->cols, "Keys — Esc, q or ? closes this help", ROLE_TITLE, UI_PAD | UI_ELLIPSIS);
	int room = ui->rows - 2;
	if (ui->help_scroll > (int)n - room)
		ui->help_scroll = (int)n - room;
	if (ui->help_scroll < 0)
		ui->help_scroll = 0;
	for (int r = 0; r < room && (size_t)(r + ui->help_scroll) < n; r++)
		ui_text(ui, r + 1, 1, ui->cols - 2, lines[r + ui->help_scroll], ROLE_NORMAL, UI_ELLIPSIS);
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	ui_text(ui, ui->rows - 1, 0, ui->cols, "↑↓ scroll   Esc/q/? close", ROLE_STATUS, UI_PAD | UI_ELLIPSIS);
}

static unsigned help_key(struct ui *ui, wint_t key, bool is_func)
{
	if (is_func) {
		if (key == KEY_UP)
			ui->help_scroll--;
		else if (key == KEY_DOWN)
			ui->help_scroll++;
		else if (key == KEY_PPAGE)
			ui->help_scroll -= ui->rows - 3;
		else if (key == KEY_NPAGE)
			ui->help_scroll += ui->rows - 3;
		else if (key == KEY_F(1))
			ui->help_open = false;
		return UI_REDRAW;
	}
	if (key == 'k')
		ui->help_scroll--;
	else if (key == 'j')
		ui->help_scroll++;
	else if (key == 27 || key == 'q' || key == '?' || key == '\r' || key == '\n')
		ui->help_open = false;
	return UI_REDRAW;
}

/* The scopes the screen's keys are looked up in now. */
static unsigned scope_of(const struct ui_view_ops *ops, void *self)
{
	return ops->scope | (ops->scope_now ? ops->scope_now(self) : 0);
}

static void draw(struct ui *ui, const struct ui_view_ops *ops, void *self)
{
	getmaxyx(stdscr, ui->rows, ui->cols);
	if (ui->cols < UI_MIN_COLS || ui->rows < UI_MIN_ROWS) {
		draw_too_small(ui);
	} else if (ui->help_open) {
		draw_help(ui, ops->help_scope ? ops->help_scope : ops->scope);
	} else {
		erase();
		ops->draw(ui, self);
		ui_draw_status(ui, scope_of(ops, self));
	}
	refresh();
}

static unsigned handle_key(struct ui *ui, const struct ui_view_ops *ops, void *self, wint_t key,
			   bool is_func)
{
	if (is_func && key == KEY_RESIZE)
		return UI_REDRAW;
	if (ui->cols < UI_MIN_COLS || ui->rows < UI_MIN_ROWS) {
		/* Only quitting makes sense on the "enlarge" screen; a prompt stays open. */
		if (!is_func && key == 'q' && !ui->prompt.open)
			return UI_QUIT;
		return UI_NONE;
	}
	if (ui->help_open)
		return help_key(ui, key, is_func);
	if (ui->prompt.open)
		return prompt_key(ui, ops, self, key, is_func);
	ui->message[0] = '\0';
	enum ui_action act = keymap_lookup(scope_of(ops, self), key, is_func);
	if (act == ACT_HELP) {
		ui->help_open = true;
		ui->help_scroll = 0;
		return UI_REDRAW;
	}
	if (act == ACT_REFRESH) {
		clearok(stdscr, TRUE);
		return UI_REDRAW;
	}
	if (act != ACT_NONE && ops->action) {
		unsigned r = ops->action(ui, self, act, key);
		/* A form types letters that are also keys: unhandled actions fall through. */
		if (r != UI_NONE || !ops->input)
			return r | UI_REDRAW;
	}
	if (ops->input)
		return ops->input(ui, self, key, is_func) | UI_REDRAW;
	return UI_REDRAW;
}

void ui_run(struct ui *ui, const struct ui_view_ops *ops, void *self)
{
	unsigned bits = UI_REDRAW;
	int64_t last_tick = util_now_ms() / 1000;
	int empty_reads = 0; /* stdin readable but no key, in a row */
	ui->help_open = false;
	ui->prompt.open = false;
	/* Benchmark hook (bench/bench_tui.sh): leave once the first frame is on the terminal. */
#ifdef STEWARD_TEST_HOOKS
	const char *first_only = getenv("STEWARD_TUI_EXIT_AFTER_FIRST_FRAME");
#else
	const char *first_only = NULL;
#endif
	for (;;) {
		if (bits & UI_QUIT)
			break;
		if (bits & (UI_REDRAW | UI_RELOAD))
			draw(ui, ops, self);
		if (first_only && *first_only)
			break;
		bits = UI_NONE;

		struct pollfd pfd[2] = {{.fd = STDIN_FILENO, .events = POLLIN}, {.fd = -1}};
		int nfd = 1;
		int vfd = ops->poll_fd ? ops->poll_fd(self) : -1;
		if (vfd >= 0) {
			pfd[1] = (struct pollfd){.fd = vfd, .events = POLLIN};
			nfd = 2;
		}
		int64_t now = util_now_ms();
		int timeout = (int)(1000 - now % 1000) + 5; /* the next whole second */
		int vt = ops->timeout_ms ? ops->timeout_ms(self) : -1;
		if (vt >= 0 && vt < timeout)
			timeout = vt;
		int pr = poll(pfd, (nfds_t)nfd, timeout);
		if (pr < 0 && errno != EINTR) {
			ui_message(ui, ROLE_ERROR, "poll: %s", strerror(errno));
			bits |= UI_REDRAW;
		}
		/* Keys: drain everything curses has (SIGWINCH interrupts poll: KEY_RESIZE). */
		int n_keys = 0;
		for (;;) {
			wint_t key;
			int kr = get_wch(&key);
			if (kr == ERR)
				break;
			n_keys++;
			bits |= handle_key(ui, ops, self, key, kr == KEY_CODE_YES);
			if (bits & UI_QUIT)
				break;
		}
		if (bits & UI_QUIT)
			break;
		/* The terminal went away (SSH dropped, SIGHUP ignored): nothing is unsaved, leave
		 * rather than spin on a descriptor that is always "ready". */
		if (pr > 0 && (pfd[0].revents & (POLLHUP | POLLERR | POLLNVAL)))
			break;
		/* A terminal at end of file polls readable forever and yields no key. */
		empty_reads = (pr > 0 && (pfd[0].revents & POLLIN) && n_keys == 0) ? empty_reads + 1 : 0;
		if (empty_reads > 100)
			break;
		bool ready = nfd == 2 && pr > 0 && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR));
		bool due = vt >= 0 && (pr == 0 || util_now_ms() - now >= vt);
		if (ops->process && (ready || due))
			bits |= ops->process(ui, self);
		int64_t sec = util_now_ms() / 1000;
		if (sec != last_tick) {
			last_tick = sec;
			if (ops->tick)
				bits |= ops->tick(ui, self);
		}
	}
	ui->prompt.open = false;
	ui->help_open = false;
}

void ui_clock(int64_t ms, char out[16])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(out, 16, "%H:%M:%S", &tm);
}

void ui_datetime(int64_t ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%d %H:%M", &tm);
}
