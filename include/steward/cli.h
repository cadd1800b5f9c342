/*
 * cli.h — what every verb receives, and the verb entry points.
 *
 * main.c parses the global options (CLI.md) into a cli_ctx and dispatches on the verb;
 * each verb lives in its own src/cmd_*.c, parses its own options, and returns an
 * exit code (enum st_code). Verbs print errors to stderr as
 * "steward: <what was wrong> — <what to do>".
 *
 * Layers, top down: main.c -> the verbs (cmd_*.c) and the TUI (src/tui/) -> the shared
 * pieces below (cli_report.c, cli_verbs.c, cli_args.c, cmd_sessutil.c) -> the core
 * (libsteward). Nothing calls up: main.c defines nothing another file uses.
 */
#ifndef STEWARD_CLI_H
#define STEWARD_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "steward/status.h"
#include "steward/vars.h"

/* Every verb, in the order `steward --help` lists them: main.c dispatches each to
 * cmd_<verb>, cli_verbs.c holds its usage and help. One list, so neither misses one. */
#define CLI_VERBS(X)                                                                       \
	X(list) X(show) X(lint) X(start) X(resume) X(sessions) X(status) X(step) X(note)   \
	X(watch) X(follow) X(export) X(audit) X(seal) X(log) X(simulate) X(push) X(replay) X(db_init)
enum cli_verb {
#define X(v) CLI_VERB_##v,
	CLI_VERBS(X)
#undef X
	CLI_VERB_COUNT
};

struct cli_ctx {
	const char *argv0;
	char *db_path;         /* resolved: --db, $STEWARD_DB, $XDG_STATE_HOME/steward/steward.db */
	char **runbook_dirs;   /* resolved search path, in order */
	size_t n_runbook_dirs;
	char *op;              /* operator: --operator (per verb), $STEWARD_OPERATOR, login name */
	char *host;            /* this machine's host name */
};

/* cli_report.c: prints "steward: " + message to stderr; returns code. */
int cli_error(enum st_code code, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* cli_report.c: prints "usage: steward <verb_usage>" and returns ST_USAGE:
 * cli_usage(cli_usage_of("step")). */
int cli_usage(const char *verb_usage);

/* cli_verbs.c: the verb named name (an enum cli_verb), or -1. */
long cli_verb_find(const char *name);
/* cli_verbs.c: the usage text of a verb ("step SESSION STEP ..."). */
const char *cli_usage_of(const char *verb);
/* cli_verbs.c: `steward VERB --help`: the usage, what the verb does, its options and exit
 * codes, on stdout; returns ST_OK. */
int cli_help(const char *verb);
/* cli_verbs.c: `steward --help`: the global usage, every verb with its summary. */
void cli_print_help(FILE *out);

/* cli_args.c: splits "NAME=VALUE" (for --var / --log); false when there is no '=' or
 * the name is empty. */
bool cli_split_assign(const char *arg, char **name, char **value);
/* cli_args.c: --var NAME=VALUE into vars (a later value for a name wins). ST_OK, or
 * ST_USAGE (printed, after "VERB: " when verb is not NULL) when arg is not NAME=VALUE. */
int cli_take_var(const char *verb, const char *arg, struct varmap *vars);
/* NAME=VALUE options kept in the order given (--log NAME=PATH): names[i] and values[i]
 * point into strings the pairs own (cli_pairs_free). */
struct cli_pairs {
	const char **names, **values;
	size_t n;
	char **owned; /* 2 * n strings */
};
/* cli_args.c: adds arg to p; ST_USAGE (printed as "[VERB: ]OPT ARG: expected FORM") when
 * it is not NAME=VALUE. */
int cli_take_pair(const char *verb, const char *opt, const char *form, const char *arg, struct cli_pairs *p);
void cli_pairs_free(struct cli_pairs *p);

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
int cmd_follow(struct cli_ctx *ctx, int argc, char **argv);
int cmd_audit(struct cli_ctx *ctx, int argc, char **argv);
int cmd_seal(struct cli_ctx *ctx, int argc, char **argv);
int cmd_log(struct cli_ctx *ctx, int argc, char **argv);
int cmd_simulate(struct cli_ctx *ctx, int argc, char **argv);
int cmd_replay(struct cli_ctx *ctx, int argc, char **argv);
int cmd_push(struct cli_ctx *ctx, int argc, char **argv);
int cmd_db_init(struct cli_ctx *ctx, int argc, char **argv);
int cmd_home(struct cli_ctx *ctx, int argc, char **argv); /* no verb: the TUI home */

#endif
