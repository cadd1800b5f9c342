/*
 * cli.h — what every verb receives, and the verb entry points.
 *
 * main.c parses the global options (CLI.md) into a cli_ctx and dispatches on the verb;
 * each verb lives in its own src/cmd_*.c, parses its own options, and returns an
 * exit code (enum st_code). Verbs print errors to stderr as
 * "steward: <what was wrong> — <what to do>".
 */
#ifndef STEWARD_CLI_H
#define STEWARD_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "steward/status.h"

struct cli_ctx {
	const char *argv0;
	char *db_path;         /* resolved: --db, $STEWARD_DB, $XDG_STATE_HOME/steward/steward.db */
	char **runbook_dirs;   /* resolved search path, in order */
	size_t n_runbook_dirs;
	char *op;              /* operator: --operator (per verb), $STEWARD_OPERATOR, login name */
	char *host;            /* this machine's host name */
};

/* Prints "steward: " + message to stderr; returns code. */
int cli_error(enum st_code code, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* The usage text of a verb from main.c's table ("step SESSION STEP ..."). */
const char *cli_usage_of(const char *verb);
/* `steward VERB --help`: the usage, what the verb does, its options and exit codes, on
 * stdout; returns ST_OK. */
int cli_help(const char *verb);
/* Prints "usage: steward <verb_usage>" and returns ST_USAGE: cli_usage(cli_usage_of("step")). */
int cli_usage(const char *verb_usage);
/* Splits "NAME=VALUE" (for --var / --log); false when there is no '='. */
bool cli_split_assign(const char *arg, char **name, char **value);

typedef int (*cli_verb_fn)(struct cli_ctx *ctx, int argc, char **argv);

/* argv[0] is the verb name; options follow. */
int cmd_list(struct cli_ctx *ctx, int argc, char **argv);
int cmd_show(struct cli_ctx *ctx, int argc, char **argv);
int cmd_lint(struct cli_ctx *ctx, int argc, char **argv);
int cmd_start(struct cli_ctx *ctx, int argc, char **argv);
int cmd_resume(struct cli_ctx *ctx, int argc, char **argv);
int cmd_sessions(struct cli_ctx *ctx, int argc, char **argv);
int cmd_status(struct cli_ctx *ctx, int argc, char **argv);
int cmd_step(struct cli_ctx *ctx, int argc, char **argv);
int cmd_note(struct cli_ctx *ctx, int argc, char **argv);
int cmd_watch(struct cli_ctx *ctx, int argc, char **argv);
int cmd_export(struct cli_ctx *ctx, int argc, char **argv);
int cmd_audit(struct cli_ctx *ctx, int argc, char **argv);
int cmd_seal(struct cli_ctx *ctx, int argc, char **argv);
int cmd_log(struct cli_ctx *ctx, int argc, char **argv);
int cmd_simulate(struct cli_ctx *ctx, int argc, char **argv);
int cmd_replay(struct cli_ctx *ctx, int argc, char **argv);
int cmd_db_init(struct cli_ctx *ctx, int argc, char **argv);
int cmd_home(struct cli_ctx *ctx, int argc, char **argv); /* no verb: the TUI home */

#endif
