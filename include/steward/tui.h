/*
 * tui.h — entry points into the ncurses interface (src/tui/). Only the program
 * (main.c, cmd_*.c) calls these; the core library never does.
 * Each returns an exit code (enum st_code) after restoring the terminal.
 */
#ifndef STEWARD_TUI_H
#define STEWARD_TUI_H

#include "steward/cli.h"
#include "steward/runbook.h"
#include "steward/session.h"

struct store;

/* ST_OK when stdin and stdout are terminals; otherwise prints why (and what to use
 * instead) and returns ST_USAGE. Verbs call it before taking a session's lock. */
int tui_check_terminal(void);

/* Home screen: runbooks (from ctx->runbook_dirs) and resumable sessions. */
int tui_home(struct cli_ctx *ctx, struct store *st);
/* The start form for rb, pre-filled from *params (variables given with --var, log
 * folder, label, ...); creates the session through session_create and opens it. */
int tui_start(struct cli_ctx *ctx, struct store *st, const struct runbook *rb,
	      const struct session_params *params);
/* The session screen on a session already opened with SESSION_WRITE; does not close it. */
int tui_session(struct cli_ctx *ctx, struct session *s);
/* Observer mode: the session screen on a session opened with SESSION_READ (held by another
 * writer), refreshed on every committed event; keys that would change the record are
 * refused with a message. When the writer lets the session go, offers to take it (then
 * the session screen goes on as its writer). Does not close s. */
int tui_observe(struct cli_ctx *ctx, struct session *s);

#endif
