/*
 * main.c — global options (CLI.md), defaults for the database and the runbook
 * search path, operator identity, and dispatch to the verb. The top of the program:
 * it defines nothing any other file uses (reporting is cli_report.c, the verbs' texts
 * cli_verbs.c, shared option parsing cli_args.c).
 */
#include "steward/cli.h"

#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "steward_config.h" /* STEWARD_VERSION, STEWARD_RUNBOOK_DIR (generated) */

/* The verbs (cli.h's CLI_VERBS): each is cmd_<verb>, its texts are in cli_verbs.c. */
static const cli_verb_fn verb_fns[CLI_VERB_COUNT] = {
#define X(v) [CLI_VERB_##v] = cmd_##v,
	CLI_VERBS(X)
#undef X
};

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
			cli_print_help(stdout);
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
	long v = cli_verb_find(name);
	if (v >= 0 && verb_fns[v]) {
		/* Each verb parses its own argv (argv[0] = the verb) with getopt_long;
		 * optind = 0 makes glibc's getopt start afresh. */
		int vi = optind;
		optind = 0;
		opterr = 1;
		rc = verb_fns[v](&ctx, argc - vi, argv + vi);
		goto out;
	}
	fprintf(stderr, "steward: unknown verb '%s'\n", name);
	rc = cli_usage("[--db PATH] [--runbooks DIR]... [VERB [ARGS]]  (see steward --help)");
out:
	ctx_free(&ctx);
	return rc;
}
