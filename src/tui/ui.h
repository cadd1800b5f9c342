/*
 * ui.h — private to src/tui/: the terminal (curses set-up and tear-down, colour
 * roles, glyphs, fitted drawing), the keymap, one-line prompts and the event loop
 * shared by every screen.
 *
 * Invariants: every string drawn goes through ui_text(), which sanitizes it
 * (text.h) and fits it by display columns, so nothing from a log, note or runbook
 * reaches the terminal raw. Handlers return UI_* bits; only ui_run() redraws, and
 * ui_run() is the only place that blocks (one poll() on the terminal, the screen's
 * descriptor and the 1-second tick). Screens are nested by calling ui_run() again.
 */
#ifndef STEWARD_TUI_UI_H
#define STEWARD_TUI_UI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#include "steward/cli.h"

struct store;

/* What a handler changed: the loop redraws, reloads the screen's data, or leaves it. */
enum {
	UI_NONE = 0,
	UI_REDRAW = 1u << 0,
	UI_RELOAD = 1u << 1,
	UI_QUIT = 1u << 2,
};

/* Colour roles: name, foreground, background, attribute in colour, attribute in monochrome. */
#define UI_ROLES(X)                                                                     \
	X(ROLE_NORMAL, -1, -1, 0, 0)                                                    \
	X(ROLE_TITLE, COLOR_CYAN, -1, A_BOLD, A_BOLD)                                   \
	X(ROLE_HEADING, COLOR_BLUE, -1, A_BOLD, A_BOLD | A_UNDERLINE)                   \
	X(ROLE_SELECTED, -1, -1, A_REVERSE, A_REVERSE)                                  \
	X(ROLE_DIM, -1, -1, A_DIM, A_DIM)                                               \
	X(ROLE_DONE, COLOR_GREEN, -1, 0, 0)                                             \
	X(ROLE_ACTIVE, COLOR_YELLOW, -1, A_BOLD, A_BOLD)                                \
	X(ROLE_FAILED, COLOR_RED, -1, A_BOLD, A_BOLD)                                   \
	X(ROLE_CAUTION, COLOR_BLACK, COLOR_YELLOW, A_BOLD, A_REVERSE | A_BOLD)          \
	X(ROLE_WARNING, COLOR_YELLOW, -1, 0, A_BOLD)                                    \
	X(ROLE_ERROR, COLOR_RED, -1, A_BOLD, A_BOLD | A_UNDERLINE)                      \
	X(ROLE_EXPECTED, COLOR_BLACK, COLOR_GREEN, 0, A_REVERSE)                        \
	X(ROLE_MATCH, COLOR_BLACK, COLOR_CYAN, 0, A_UNDERLINE | A_BOLD)                 \
	X(ROLE_REHEARSAL, COLOR_WHITE, COLOR_MAGENTA, A_BOLD, A_REVERSE | A_BOLD)       \
	X(ROLE_STATUS, -1, -1, A_REVERSE, A_REVERSE)                                    \
	X(ROLE_MESSAGE, COLOR_CYAN, -1, A_BOLD, A_BOLD)                                 \
	X(ROLE_KEY, COLOR_CYAN, -1, A_BOLD, A_BOLD)                                     \
	X(ROLE_PRACTICE, COLOR_MAGENTA, -1, 0, A_DIM)

enum ui_role {
#define X(name, fg, bg, attr, mono) name,
	UI_ROLES(X)
#undef X
	ROLE_COUNT
};

/* Step status glyphs, Unicode or ASCII. */
struct ui_glyphs {
	const char *pending, *active, *done, *skipped, *failed, *na;
	const char *bar_full, *bar_empty, *tick_on, *tick_off, *sep;
};

/*
 * Scopes and actions. Each action: identifier, scopes where it applies, help text.
 * The bindings (keys -> action) live in keymap.c; the help screen lists, for every
 * action of the current scope, every key bound to it — from the same tables the
 * input handler reads, so `?` can never drift from the keys.
 */
enum {
	SCOPE_HOME = 1u << 0,
	SCOPE_SESSION = 1u << 1,
	SCOPE_FORM = 1u << 2,
	SCOPE_LOGPANE = 1u << 3, /* the session screen with its log pane focused (added to SESSION) */
	SCOPE_VIEWER = 1u << 4,  /* a read-only list over the session screen (the notes) */
	SCOPE_ALL = SCOPE_HOME | SCOPE_SESSION | SCOPE_FORM | SCOPE_LOGPANE | SCOPE_VIEWER,
};

#define UI_ACTIONS(X)                                                                         \
	X(ACT_UP, SCOPE_HOME | SCOPE_SESSION | SCOPE_FORM | SCOPE_VIEWER, "previous step / line / field") \
	X(ACT_DOWN, SCOPE_HOME | SCOPE_SESSION | SCOPE_FORM | SCOPE_VIEWER, "next step / line / field") \
	X(ACT_PGUP, SCOPE_HOME | SCOPE_SESSION | SCOPE_VIEWER, "page up in the focused pane")   \
	X(ACT_PGDN, SCOPE_HOME | SCOPE_SESSION | SCOPE_VIEWER, "page down in the focused pane") \
	X(ACT_TOP, SCOPE_HOME | SCOPE_SESSION | SCOPE_VIEWER, "first step / top of the pane")   \
	X(ACT_BOTTOM, SCOPE_HOME | SCOPE_SESSION | SCOPE_VIEWER, "last step / bottom (log pane: follow)") \
	X(ACT_FOCUS, SCOPE_HOME | SCOPE_SESSION, "next pane (steps, details, log)")           \
	X(ACT_OPEN, SCOPE_HOME, "start the runbook / resume the session")                     \
	X(ACT_ALL, SCOPE_HOME, "show finished sessions too (toggle)")                          \
	X(ACT_COMPLETE, SCOPE_SESSION, "complete the step (confirm word, wait, override)")    \
	X(ACT_SKIP, SCOPE_SESSION, "skip the step (asks for a reason)")                       \
	X(ACT_FAIL, SCOPE_SESSION, "mark the step failed (asks for a note)")                  \
	X(ACT_NOTE, SCOPE_SESSION, "add a note to the step (one line)")                       \
	X(ACT_SESSION_NOTE, SCOPE_SESSION, "add a note to the session (one line)")            \
	X(ACT_EDITOR, SCOPE_SESSION, "write a long note in $EDITOR")                          \
	X(ACT_NOTES, SCOPE_SESSION, "notes: every session and step note, with time and operator") \
	X(ACT_REOPEN, SCOPE_SESSION, "reopen a done, skipped or failed step (asks why)")      \
	X(ACT_START_STEP, SCOPE_SESSION, "start the selected step out of order")              \
	X(ACT_JUMP_ACTIVE, SCOPE_SESSION, "select the active step")                           \
	X(ACT_NEXT_PROBLEM, SCOPE_SESSION, "select the next failed or overdue step")          \
	X(ACT_TICK, SCOPE_SESSION, "tick / untick checklist item 1-9")                        \
	X(ACT_COPY, SCOPE_SESSION, "copy the step's command to the clipboard (OSC 52)")       \
	X(ACT_SEARCH, SCOPE_SESSION, "search: step titles and ids (steps pane) or the log pane; Enter on empty: next match") \
	X(ACT_SEARCH_NEXT, SCOPE_LOGPANE, "log pane focused: next match (newer), as in less")  \
	X(ACT_SEARCH_PREV, SCOPE_LOGPANE, "log pane focused: previous match (older)")         \
	X(ACT_LOG_DETAIL, SCOPE_LOGPANE, "log pane focused: the selected line in full (toggle)") \
	X(ACT_LOG_LEFT, SCOPE_SESSION, "log pane: scroll the text left")                      \
	X(ACT_LOG_RIGHT, SCOPE_SESSION, "log pane: scroll the text right")                    \
	X(ACT_LOG_WRAP, SCOPE_SESSION, "log pane: wrap long lines (toggle)")                  \
	X(ACT_CYCLE_LOG, SCOPE_SESSION, "log pane: the step's logs, all logs (merged by time), each log") \
	X(ACT_NEXT_FIELD, SCOPE_FORM, "next field")                                           \
	X(ACT_CHOICE_PREV, SCOPE_FORM, "previous choice")                                     \
	X(ACT_CHOICE_NEXT, SCOPE_FORM, "next choice")                                         \
	X(ACT_SUBMIT, SCOPE_FORM, "next field; on the last one, start the session")           \
	X(ACT_CANCEL, SCOPE_FORM, "cancel: leave the form, no session is created")            \
	X(ACT_CLOSE, SCOPE_VIEWER, "close")                                                   \
	X(ACT_TAKE, SCOPE_SESSION, "observer mode: take the session once its writer has let it go") \
	X(ACT_OBSERVE, SCOPE_HOME, "observe the session read-only, live (when another writer holds it)") \
	X(ACT_REFRESH, SCOPE_ALL, "redraw the screen")                                        \
	X(ACT_HELP, SCOPE_HOME | SCOPE_SESSION | SCOPE_FORM | SCOPE_VIEWER, "this help: every key") \
	X(ACT_QUIT, SCOPE_HOME | SCOPE_SESSION, "quit (nothing is ever unsaved; offers to seal with your SSH key)")

enum ui_action {
	ACT_NONE,
#define X(name, scope, help) name,
	UI_ACTIONS(X)
#undef X
	ACT_COUNT
};

/* The action bound to key in scope (ACT_NONE when unbound). key is a curses key code
 * (is_func) or a character. */
enum ui_action keymap_lookup(unsigned scope, wint_t key, bool is_func);
/* Help text lines for scope ("keys  help"), for the help screen. Caller frees each + array. */
size_t keymap_help_lines(unsigned scope, bool ascii, char ***lines);
/* Short hints for the status line of a scope ("Space done  s skip ..."). */
const char *keymap_hints(unsigned scope);

/* One-line prompt: Enter accepts, Esc cancels. */
enum prompt_kind { PROMPT_TEXT, PROMPT_YESNO };
struct ui_prompt {
	bool open;
	enum prompt_kind kind;
	char label[256];
	wchar_t buf[1024];
	size_t len;
	int tag;        /* the screen's own meaning */
	size_t step;    /* the step it concerns */
};

struct ui;
/* A screen. Designated initialisers only. */
struct ui_view_ops {
	unsigned scope;
	unsigned help_scope;                /* what `?` lists; 0 = scope */
	/* Scopes added to scope now (the session screen adds SCOPE_LOGPANE while its log
	 * pane has focus); NULL = none. Bindings of an added scope come first. */
	unsigned (*scope_now)(void *self);
	void (*draw)(struct ui *ui, void *self);
	unsigned (*action)(struct ui *ui, void *self, enum ui_action act, wint_t key);
	/* Keys not in the keymap (typing into a form); NULL = ignored. */
	unsigned (*input)(struct ui *ui, void *self, wint_t key, bool is_func);
	/* A prompt was answered (text NULL when cancelled). */
	unsigned (*prompt_done)(struct ui *ui, void *self, int tag, size_t step, const char *text);
	int (*poll_fd)(void *self);         /* -1 for none */
	int (*timeout_ms)(void *self);      /* -1 for none */
	unsigned (*process)(struct ui *ui, void *self); /* fd readable or timeout passed */
	unsigned (*tick)(struct ui *ui, void *self);    /* once a second */
};

struct ui {
	struct cli_ctx *ctx;
	struct store *st;
	bool ascii;       /* the locale is not UTF-8: ASCII glyphs and text */
	bool color;
	int rows, cols;   /* current size */
	int role_attr[ROLE_COUNT];
	struct ui_glyphs g;
	struct ui_prompt prompt;
	bool help_open;
	int help_scroll;
	char message[512]; /* status line message, shown until the next key */
	enum ui_role message_role;
	int exit_code;
};

/* Minimum usable size; below it the screen only says to enlarge the terminal. */
#define UI_MIN_COLS 60
#define UI_MIN_ROWS 16

/* Sets up curses (refuses a non-terminal stdin with a message on stderr: returns
 * ST_USAGE). Registers the fatal hook that restores the terminal. */
int ui_begin(struct ui *ui, struct cli_ctx *ctx, struct store *st);
void ui_end(struct ui *ui);
/* Runs a screen until a handler returns UI_QUIT. */
void ui_run(struct ui *ui, const struct ui_view_ops *ops, void *self);
/* Leaves curses temporarily (for $EDITOR) and comes back. */
void ui_suspend(struct ui *ui);
void ui_resume(struct ui *ui);

/* Draw helpers. Flags for ui_text: */
enum { UI_PAD = 1u << 0, UI_ELLIPSIS = 1u << 1, UI_MULTILINE = 1u << 2 };
/* Draws untrusted text at (y, x) in at most w columns; returns the columns used. */
int ui_text(struct ui *ui, int y, int x, int w, const char *raw, enum ui_role role, unsigned flags);
/* Draws text wrapped to w columns from row y, at most max_rows rows, skipping the first
 * `skip` wrapped rows; returns the number of rows the whole text needs. */
int ui_wrapped(struct ui *ui, int y, int x, int w, int max_rows, int skip, const char *raw,
	       enum ui_role role);
void ui_fill(struct ui *ui, int y, int x, int w, enum ui_role role);
int ui_attr(const struct ui *ui, enum ui_role role);
/* Sets the status-line message (printf-like). */
void ui_message(struct ui *ui, enum ui_role role, const char *fmt, ...) PRINTF_LIKE(3, 4);
/* Opens a prompt. */
void ui_prompt_open(struct ui *ui, enum prompt_kind kind, int tag, size_t step, const char *fmt, ...)
	PRINTF_LIKE(5, 6);
/* Draws the bottom line: the prompt, else the message, else the hints. */
void ui_draw_status(struct ui *ui, unsigned scope);

/* Copies text to the terminal's clipboard with OSC 52 (tmux, xterm, ...). */
void ui_clipboard_copy(struct ui *ui, const char *text);
/* Edits text in $EDITOR (curses suspended); returns the new text or NULL when
 * unchanged/empty/failed (with a message set). */
char *ui_edit_text(struct ui *ui, const char *initial);

struct session;
/* The session screen inside an already started terminal (home and start form nest it). */
int tui_session_run(struct ui *ui, struct session *s);
/* Observer mode (s opened with SESSION_READ): the session screen refreshed on every
 * committed event, keys that change the record refused; when the writer lets the session
 * go and the operator takes it, goes on as its writer (a session of its own, closed here). */
int tui_observe_run(struct ui *ui, struct session *s);
/* The session screen itself; *take (may be NULL) is set when an observer chose to take
 * the session (the caller opens it as a writer). */
int tui_session_view(struct ui *ui, struct session *s, bool *take);
/* The notes of a session (session and step notes, oldest first) over the current screen. */
void tui_notes_run(struct ui *ui, const struct session *s);
struct runbook;
struct session_params;
/* The start form inside an already started terminal; opens the session it creates.
 * *cancelled (may be NULL) tells whether the operator left it with Esc (nothing created). */
int tui_start_run(struct ui *ui, const struct runbook *rb, const struct session_params *params,
		  bool *cancelled);

/* Formats a UTC instant as local time: "HH:MM:SS" or "YYYY-MM-DD HH:MM". */
void ui_clock(int64_t ms, char out[16]);
void ui_datetime(int64_t ms, char out[32]);

#endif
