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
	const char *help; /* what `steward VERB --help` says after the usage line */
};

/* Exit codes every help text ends with (CLI.md); verbs add their own meanings above. */
#define EXITS_READ "exit: 0 ok; 64 usage; 66 no such session or database.\n"
#define EXITS_WRITE                                                                   \
	"exit: 0 ok; 64 usage (also: a step that does not apply, a finished session);\n" \
	"66 no such session; 73 the database cannot be written; 75 refused for now\n"     \
	"(another process holds the session, a wait runs, a confirm word is missing).\n"

static const struct verb verbs[] = {
	{"list", cmd_list, "list [--json]", "the runbooks found",
	 "Lists the runbooks in the search path (--runbooks DIR, the installed folder,\n"
	 "$XDG_CONFIG_HOME/steward/runbooks; ./runbooks in the source tree): id, version,\n"
	 "number of steps, title. Invalid files are reported with their lint messages.\n"
	 "\n  --json   one JSON array of {id, version, title, steps, path}\n\n"
	 "exit: 0 ok; 64 usage; 65 a runbook in the path is invalid; 66 no runbooks found.\n"},
	{"show", cmd_show, "show RUNBOOK [--json] [--var NAME=VALUE]...", "a runbook as a readable document",
	 "Prints a runbook (an id from the search path, or a file) as a readable document:\n"
	 "cautions first, then every phase and step with its checklist, waits, log\n"
	 "verification and references. Wrapped to the terminal's width; on a terminal it\n"
	 "goes through $PAGER (default `less -FRX`), as git does; never when piped.\n"
	 "\n  --var NAME=VALUE   substitute a variable (else its default; else ${NAME} stays)\n"
	 "  --json             the runbook as JSON (never paged)\n\n"
	 "exit: 0 ok; 64 usage; 65 invalid runbook; 66 no such runbook.\n"},
	{"lint", cmd_lint, "lint PATH...", "validate runbook files or folders",
	 "Validates runbook files, and every *.yaml / *.yml directly inside a folder. Every\n"
	 "problem goes to stderr as PATH:LINE:COL: message, then one summary line. Ids\n"
	 "must be unique across everything linted in one run.\n\n"
	 "exit: 0 all valid; 64 usage; 65 a runbook is invalid; 66 a PATH does not exist.\n"},
	{"start", cmd_start,
	 "start RUNBOOK [--var NAME=VALUE]... [--logs DIR] [--folder ID=PATH]... [--log NAME=PATH]... "
	 "[--label TEXT] [--operator NAME] [--rehearse [--short-waits N]] [--detach] [--new]",
	 "create a session (and open it in the TUI)",
	 "Creates a session of RUNBOOK and opens the terminal interface on it (its start\n"
	 "form asks for the variables not given).\n"
	 "\n  --var NAME=VALUE   a variable's value (repeatable)\n"
	 "  --logs DIR         the folder holding the runbook's logs (default: here)\n"
	 "  --folder ID=PATH   the path of one of the runbook's log folders (repeatable;\n"
	 "                     --folder logs=DIR is --logs DIR); `show` lists them\n"
	 "  --log NAME=PATH    one log's file, overriding DIR (repeatable)\n"
	 "  --label TEXT       a label, e.g. the change ticket\n"
	 "  --operator NAME    who is acting (default $STEWARD_OPERATOR, else the login)\n"
	 "  --rehearse         a rehearsal (marked in every export; `simulate` runs on it)\n"
	 "  --short-waits N    rehearsal only: every `wait` is divided by N (30m with N=60\n"
	 "                     is 30s), so a wait can be seen ending on its own; recorded\n"
	 "                     in the session and shown in every export\n"
	 "  --detach           create it, print only its id, do not open the TUI; every\n"
	 "                     variable without a default must then be given\n"
	 "  --new              start even when an unfinished session of this runbook with\n"
	 "                     the same variables exists (else --detach refuses, exit 75,\n"
	 "                     naming it: resume it with `steward resume ID`)\n\n"
	 "exit: 0 ok; 64 usage or a missing variable (--detach); 65 invalid runbook or value;\n"
	 "66 no such runbook or log folder; 73 database not writable; 75 a duplicate\n"
	 "unfinished session exists (--detach without --new).\n"},
	{"resume", cmd_resume, "resume [SESSION] [--take-over]", "open the TUI on a session",
	 "Opens the terminal interface on a session (full id or unique prefix), holding its\n"
	 "lock. Without SESSION: the only unfinished session; when there are several, the\n"
	 "home screen opens as the picker (without a terminal they are listed and steward\n"
	 "asks for an id: exit 64).\n"
	 "\n  --take-over   also replace a lock held from another machine that is gone\n"
	 "                (recorded as a lock_taken_over event)\n\n" EXITS_WRITE},
	{"sessions", cmd_sessions, "sessions [--all] [--json]", "list sessions",
	 "Lists the unfinished sessions, most recently active first: id, runbook, site\n"
	 "(the runbook's first variable), label, status (failed and overdue steps flagged),\n"
	 "progress (done or skipped / applicable steps, skipped ones counted), last activity.\n"
	 "A reader: never takes a lock.\n"
	 "\n  --all    finished sessions too\n"
	 "  --json   a JSON array of objects\n\n" EXITS_READ},
	{"status", cmd_status, "status [SESSION] [--json]", "one session at a glance",
	 "One session at a glance: the active step, failed and overdue steps, progress\n"
	 "counts, who holds its lock (process, host, since), the last seal. Without\n"
	 "SESSION: the most recently active unfinished one. A reader: never takes the lock.\n"
	 "\n  --json   one JSON object\n\n" EXITS_READ},
	{"step", cmd_step, "step SESSION STEP done|skip|fail|reopen [--note TEXT] [--confirm WORD]",
	 "one step transition",
	 "One transition of one step (its id, or its 1-based number), by the rules the\n"
	 "TUI follows.\n"
	 "\n  done     complete it; a step verified by its logs is completed by hand with\n"
	 "           --note TEXT (an operator override, recorded as such)\n"
	 "  skip     skip it (--note gives the reason; a production wait that still runs\n"
	 "           also needs --confirm with the step's confirm word, else SKIP-WAIT)\n"
	 "  fail     mark it failed (--note says what happened)\n"
	 "  reopen   reopen a done, skipped or failed step (--note gives the reason)\n"
	 "  --note TEXT      the note or reason (also: completing with unticked checklist items)\n"
	 "  --confirm WORD   the step's confirm word\n\n" EXITS_WRITE},
	{"note", cmd_note, "note SESSION [--step STEP] TEXT", "add a note",
	 "Adds a note to the session, or to one step with --step (id or number). The words\n"
	 "after SESSION are joined with spaces.\n\n" EXITS_WRITE},
	{"watch", cmd_watch, "watch SESSION", "follow a session's logs headless (JSON lines)",
	 "Headless verification: follows the session's logs, records what it sees, and\n"
	 "prints one JSON object per event on stdout (line-buffered): marker,\n"
	 "step_verified, failure, rotated, overdue (once per step, when it passes its\n"
	 "timeout), following, problem, recovered, step_active, session_finished. Stops when\n"
	 "the session finishes, or on SIGINT/SIGTERM. Holds the session's lock.\n\n"
	 "exit: 0 finished or stopped; 1 a failure signature was seen; 64 usage; 66 no such\n"
	 "session; 73 database not writable; 75 another process holds the session.\n"},
	{"export", cmd_export, "export SESSION [--format json|csv|md|html] [-o FILE]", "the audit trail",
	 "The session's audit trail and change record. A reader: never takes the lock.\n"
	 "\n  --format F   json (default), csv, md or html\n"
	 "  -o FILE      write FILE atomically (default: stdout)\n\n"
	 "exit: 0 ok; 64 usage; 66 no such session; 73 FILE cannot be written.\n"},
	{"audit", cmd_audit, "audit SESSION [--signers FILE] [--head HASH]",
	 "verify the hash chain, the seals and a head recorded elsewhere",
	 "Recomputes the session's hash chain and compares the cached state with a replay.\n"
	 "\n  --signers FILE   an OpenSSH allowed-signers file: also verify every seal\n"
	 "                   (without it, each seal is checked only against the key it carries)\n"
	 "  --head HASH      a head recorded elsewhere (a change ticket) must be in the chain\n\n"
	 "exit: 0 intact; 1 tampering found (the first event that does not verify is named);\n"
	 "64 usage; 66 no such session.\n"},
	{"seal", cmd_seal, "seal SESSION [--key FILE]", "sign the session's head with an SSH key",
	 "Signs the session's head with the operator's SSH key (ssh-keygen -Y sign,\n"
	 "namespace steward; a .pub key signs through ssh-agent) and records a seal event.\n"
	 "\n  --key FILE   the key (default: the first of ~/.ssh/id_ed25519, id_ecdsa, id_rsa)\n\n"
	 EXITS_WRITE},
	{"log", cmd_log, "log FILE... [--json] [--follow] [--errors] [--merge]", "read SMS/ConfigMgr logs",
	 "Reads SMS/ConfigMgr logs as CMTrace does: time, component, thread, severity, text.\n"
	 "Each FILE's .lo_ (its previous generation) is read before it.\n"
	 "\n  --json     one JSON object per record (file, line, format, local_time, utc,\n"
	 "             bias, component, thread, severity, text)\n"
	 "  --follow   keep reading as the files grow and rotate (until SIGINT)\n"
	 "  --errors   only warnings and errors\n"
	 "  --merge    interleave several FILEs by their records' own timestamps (UTC\n"
	 "             where the log gives its bias), as lnav and CMTrace's merge do;\n"
	 "             records without a time keep their place after the one before\n\n"
	 "exit: 0 ok; 64 usage; 66 a FILE does not exist.\n"},
	{"simulate", cmd_simulate, "simulate SESSION [--speed X] [--fail STEP]",
	 "write rehearsal log lines for a rehearsal session",
	 "Rehearsal only: whenever a step that is verified by its logs becomes active,\n"
	 "writes that step's realistic SMS log lines into the session's log files. Reads\n"
	 "the session without its lock (runs beside the TUI or `watch`).\n"
	 "\n  --speed X    X times faster than real time between the lines (default 1;\n"
	 "               2 = twice as fast)\n"
	 "  --fail STEP  play that step's failure signature instead of its markers\n\n"
	 "Only inside the rehearsal's own log folders; every line it writes is recorded as\n"
	 "simulated in the events and exports.\n\n"
	 "exit: 0 the session finished or SIGINT/SIGTERM; 64 usage (or not a rehearsal, or a\n"
	 "log outside the rehearsal's folders); 66 no such session.\n"},
	{"replay", cmd_replay, "replay RUNBOOK LOGDIR [--var NAME=VALUE]... [--log NAME=PATH]... [--from TIME] [--json]",
	 "check a runbook against a site's collected logs",
	 "Read-only: checks RUNBOOK against logs collected from a real site (LOGDIR, names\n"
	 "in any case, .lo_ before .log). Orders the lines by their own timestamps (SMS, CCM\n"
	 "and setup formats; UTC from the bias) and reports, per verify block, when its\n"
	 "markers would first have been complete, and every failure signature that would\n"
	 "have fired. Never opens the session database.\n"
	 "\n  --var NAME=VALUE  a variable's value (repeatable; those without a default needed)\n"
	 "  --log NAME=PATH   one log's file instead of LOGDIR's (repeatable)\n"
	 "  --from TIME       start at TIME: 2006-06-14T05:40:00Z, 2006-06-14 01:40:00-04:00\n"
	 "                    (no zone: UTC)\n"
	 "  --json            one JSON document (see steward(1))\n\n"
	 "exit: 0 every verify block would have completed and no failure fired; 1 otherwise;\n"
	 "64 usage; 65 invalid runbook or value; 66 no such runbook, LOGDIR or --log file.\n"},
	{"db-init", cmd_db_init, "db-init [--grant ROLE]", "create or upgrade the database; grant a writer role",
	 "Creates or upgrades the session database's schema (every writer also does this\n"
	 "when it opens the database; this verb does nothing else). With a PostgreSQL\n"
	 "--db, run it as the role that is to own the tables.\n"
	 "\n  --grant ROLE   PostgreSQL: gives ROLE what a writer needs and no more: SELECT\n"
	 "                 and INSERT on events and runbooks (never UPDATE, DELETE or\n"
	 "                 TRUNCATE), UPDATE on the cached state, the lock rows; steward\n"
	 "                 then writes as ROLE (see the README's team section)\n\n"
	 "exit: 0 ok; 64 usage (also --grant on a SQLite file); 73 the database cannot be\n"
	 "created or written, or the grant was refused; 75 the server cannot be reached.\n"},
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

int cli_help(const char *verb)
{
	for (size_t i = 0; i < ARRAY_LEN(verbs); i++)
		if (strcmp(verbs[i].name, verb) == 0) {
			printf("usage: steward %s\n\n%s\n%s", verbs[i].usage, verbs[i].summary, verbs[i].help);
			printf("\nGlobal options (--db PATH, --runbooks DIR) go before the verb. See steward(1).\n");
			return fflush(stdout) == 0 ? ST_OK : ST_IOERR;
		}
	return ST_SOFTWARE;
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
