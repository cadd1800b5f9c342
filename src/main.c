/*
 * main.c — global options (CLI.md), defaults for the database and the runbook
 * search path, operator identity, and dispatch to the verb.
 */
#include "steward/cli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "steward_config.h" /* STEWARD_VERSION, STEWARD_RUNBOOK_DIR (generated) */

struct verb {
	const char *name;
	cli_verb_fn fn;
	const char *usage;
	const char *summary;
};

static const struct verb verbs[] = {
	{"list", cmd_list, "list [--json]", "the runbooks found"},
	{"show", cmd_show, "show RUNBOOK [--json] [--var NAME=VALUE]...", "a runbook as a readable document"},
	{"lint", cmd_lint, "lint PATH...", "validate runbook files or folders"},
	{"start", cmd_start,
	 "start RUNBOOK [--var NAME=VALUE]... [--logs DIR] [--folder ID=PATH]... [--log NAME=PATH]... "
	 "[--label TEXT] [--operator NAME] [--rehearse] [--detach]",
	 "create a session (and open it in the TUI)"},
	{"resume", cmd_resume, "resume [SESSION] [--take-over]", "open the TUI on a session"},
	{"sessions", cmd_sessions, "sessions [--all] [--json]", "list sessions"},
	{"step", cmd_step, "step SESSION STEP done|skip|fail|reopen [--note TEXT] [--confirm WORD]",
	 "one step transition"},
	{"note", cmd_note, "note SESSION [--step STEP] TEXT", "add a note"},
	{"watch", cmd_watch, "watch SESSION", "follow a session's logs headless (JSON lines)"},
	{"export", cmd_export, "export SESSION [--format json|csv|md|html] [-o FILE]", "the audit trail"},
	{"audit", cmd_audit, "audit SESSION [--signers FILE] [--head HASH]",
	 "verify the hash chain, the seals and a head recorded elsewhere"},
	{"seal", cmd_seal, "seal SESSION [--key FILE]", "sign the session's head with an SSH key"},
	{"log", cmd_log, "log FILE... [--json] [--follow] [--errors]", "read SMS/ConfigMgr logs"},
	{"simulate", cmd_simulate, "simulate SESSION [--speed X] [--fail STEP]",
	 "write rehearsal log lines for a rehearsal session"},
	{"replay", cmd_replay, "replay RUNBOOK LOGDIR [--var NAME=VALUE]... [--log NAME=PATH]... [--from TIME] [--json]",
	 "check a runbook against a site's collected logs"},
};

static void print_help(FILE *out)
{
	fprintf(out,
		"usage: steward [--db PATH] [--runbooks DIR]... [VERB [ARGS]]\n"
		"\n"
		"Walks an operator through a runbook one step at a time and keeps an audit trail.\n"
		"With no verb, opens the terminal interface (runbooks and resumable sessions).\n"
		"\nverbs:\n");
	for (size_t i = 0; i < ARRAY_LEN(verbs); i++)
		fprintf(out, "  %-10s %s\n", verbs[i].name, verbs[i].summary);
	fprintf(out,
		"\nglobal options:\n"
		"  --db PATH        session database (default $STEWARD_DB, else\n"
		"                   $XDG_STATE_HOME/steward/steward.db)\n"
		"  --runbooks DIR   where runbooks are found (repeatable)\n"
		"  --help, --version\n"
		"\nexit codes: 0 ok, 1 tampering/failure seen, 64 usage, 65 invalid runbook,\n"
		"66 not found, 73 database not writable, 75 refused for now.\n"
		"See steward(1) and steward-runbook(5).\n");
}

int cli_error(enum st_code code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("steward: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return (int)code;
}

const char *cli_usage_of(const char *verb)
{
	for (size_t i = 0; i < ARRAY_LEN(verbs); i++)
		if (strcmp(verbs[i].name, verb) == 0)
			return verbs[i].usage;
	return verb;
}

int cli_usage(const char *verb_usage)
{
	fprintf(stderr, "usage: steward %s\n", verb_usage);
	return ST_USAGE;
}

bool cli_split_assign(const char *arg, char **name, char **value)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg)
		return false;
	*name = xstrndup(arg, (size_t)(eq - arg));
	*value = xstrdup(eq + 1);
	return true;
}

static char *default_db_path(void)
{
	const char *env = getenv("STEWARD_DB");
	if (env && *env)
		return xstrdup(env);
	const char *state = getenv("XDG_STATE_HOME");
	if (state && *state == '/')
		return xasprintf("%s/steward/steward.db", state);
	const char *home = getenv("HOME");
	if (!home || !*home) {
		struct passwd *pw = getpwuid(getuid());
		home = pw ? pw->pw_dir : "/tmp";
	}
	return xasprintf("%s/.local/state/steward/steward.db", home);
}

static void add_dir(struct cli_ctx *ctx, char *dir)
{
	ctx->runbook_dirs = xreallocarray(ctx->runbook_dirs, ctx->n_runbook_dirs + 1, sizeof(char *));
	ctx->runbook_dirs[ctx->n_runbook_dirs++] = dir;
}

/* Default search path: the installed folder — or, when run from the source tree,
 * ./runbooks in its place (both would hold the same ids, and a duplicate id is an
 * error) — then $XDG_CONFIG_HOME/steward/runbooks; missing folders are skipped. */
static void default_runbook_dirs(struct cli_ctx *ctx)
{
	if (util_is_dir("runbooks") && access("src/main.c", F_OK) == 0)
		add_dir(ctx, xstrdup("runbooks"));
	else if (util_is_dir(STEWARD_RUNBOOK_DIR))
		add_dir(ctx, xstrdup(STEWARD_RUNBOOK_DIR));
	const char *cfg = getenv("XDG_CONFIG_HOME");
	char *user = (cfg && *cfg == '/') ? xasprintf("%s/steward/runbooks", cfg) : NULL;
	if (!user) {
		const char *home = getenv("HOME");
		if (home && *home)
			user = xasprintf("%s/.config/steward/runbooks", home);
	}
	if (user && util_is_dir(user))
		add_dir(ctx, user);
	else
		free(user);
}

static void ctx_free(struct cli_ctx *ctx)
{
	free(ctx->db_path);
	for (size_t i = 0; i < ctx->n_runbook_dirs; i++)
		free(ctx->runbook_dirs[i]);
	free(ctx->runbook_dirs);
	free(ctx->op);
	free(ctx->host);
}

int main(int argc, char **argv)
{
	struct cli_ctx ctx = {.argv0 = argv[0]};
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		{"runbooks", required_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	/* '+' stops at the first non-option: the verb and its options follow. */
	int c, rc = ST_OK;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			free(ctx.db_path);
			ctx.db_path = xstrdup(optarg);
			break;
		case 'r':
			if (!util_is_dir(optarg)) {
				rc = cli_error(ST_NOTFOUND, "--runbooks %s: no such folder", optarg);
				goto out;
			}
			add_dir(&ctx, xstrdup(optarg));
			break;
		case 'h':
			print_help(stdout);
			goto out;
		case 'V':
			printf("steward %s\n", STEWARD_VERSION);
			goto out;
		default:
			fprintf(stderr, "steward: unknown or incomplete option '%s'\n", argv[optind - 1]);
			rc = cli_usage("[--db PATH] [--runbooks DIR]... [VERB [ARGS]]  (see steward --help)");
			goto out;
		}
	}
	if (!ctx.db_path)
		ctx.db_path = default_db_path();
	if (ctx.n_runbook_dirs == 0)
		default_runbook_dirs(&ctx);
	ctx.op = util_default_operator();
	ctx.host = util_host_name();

	if (optind >= argc) {
		rc = cmd_home(&ctx, 0, NULL);
		goto out;
	}
	const char *name = argv[optind];
	for (size_t i = 0; i < ARRAY_LEN(verbs); i++) {
		if (strcmp(verbs[i].name, name) == 0) {
			/* Each verb parses its own argv (argv[0] = the verb) with getopt_long;
			 * optind = 0 makes glibc's getopt start afresh. */
			int vi = optind;
			optind = 0;
			opterr = 1;
			rc = verbs[i].fn(&ctx, argc - vi, argv + vi);
			goto out;
		}
	}
	fprintf(stderr, "steward: unknown verb '%s'\n", name);
	rc = cli_usage("[--db PATH] [--runbooks DIR]... [VERB [ARGS]]  (see steward --help)");
out:
	ctx_free(&ctx);
	return rc;
}
