/*
 * cli_verbs.c — what each verb is for: its usage line, summary and help text, and the
 * list `steward --help` prints. Text only: main.c dispatches (cmd_<verb>), and the verbs
 * ask for their own usage here, so nothing below main.c reaches back up into it. The
 * verbs themselves are listed once, in cli.h's CLI_VERBS.
 */
#include "steward/cli.h"

#include <stdio.h>
#include <string.h>

struct verb {
	const char *name;
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

static const struct verb verbs[CLI_VERB_COUNT] = {
	[CLI_VERB_list] = {"list", "list [--json]", "the runbooks found",
	 "Lists the runbooks in the search path (--runbooks DIR, the installed folder,\n"
	 "$XDG_CONFIG_HOME/steward/runbooks; ./runbooks in the source tree): id, version,\n"
	 "number of steps, title. Invalid files are reported with their lint messages.\n"
	 "\n  --json   one JSON array of {id, version, title, steps, path}\n\n"
	 "exit: 0 ok; 64 usage; 65 a runbook in the path is invalid; 66 no runbooks found.\n"},
	[CLI_VERB_show] = {"show", "show RUNBOOK [--json] [--var NAME=VALUE]...", "a runbook as a readable document",
	 "Prints a runbook (an id from the search path, or a file) as a readable document:\n"
	 "cautions first, then every phase and step with its checklist, waits, log\n"
	 "verification and references. Wrapped to the terminal's width; on a terminal it\n"
	 "goes through $PAGER (default `less -FRX`), as git does; never when piped.\n"
	 "\n  --var NAME=VALUE   substitute a variable (else its default; else ${NAME} stays)\n"
	 "  --json             the runbook as JSON (never paged)\n\n"
	 "exit: 0 ok; 64 usage; 65 invalid runbook; 66 no such runbook.\n"},
	[CLI_VERB_lint] = {"lint", "lint PATH...", "validate runbook files or folders",
	 "Validates runbook files, and every *.yaml / *.yml directly inside a folder. Every\n"
	 "problem goes to stderr as PATH:LINE:COL: message, then one summary line. Ids\n"
	 "must be unique across everything linted in one run.\n\n"
	 "exit: 0 all valid; 64 usage; 65 a runbook is invalid; 66 a PATH does not exist.\n"},
	[CLI_VERB_start] = {"start",
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
	[CLI_VERB_resume] = {"resume", "resume [SESSION] [--take-over]", "open the TUI on a session",
	 "Opens the terminal interface on a session (full id or unique prefix), holding its\n"
	 "lock. Without SESSION: the only unfinished session; when there are several, the\n"
	 "home screen opens as the picker (without a terminal they are listed and steward\n"
	 "asks for an id: exit 64).\n"
	 "\n  --take-over   also replace a lock held from another machine that is gone\n"
	 "                (recorded as a lock_taken_over event)\n\n" EXITS_WRITE},
	[CLI_VERB_sessions] = {"sessions", "sessions [--all] [--json]", "list sessions",
	 "Lists the unfinished sessions, most recently active first: id, runbook, site\n"
	 "(the runbook's first variable), label, status (failed and overdue steps flagged),\n"
	 "progress (done or skipped / applicable steps, skipped ones counted), last activity.\n"
	 "A reader: never takes a lock.\n"
	 "\n  --all    finished sessions too\n"
	 "  --json   a JSON array of objects\n\n" EXITS_READ},
	[CLI_VERB_status] = {"status", "status [SESSION] [--json]", "one session at a glance",
	 "One session at a glance: the active step, failed and overdue steps, progress\n"
	 "counts, who holds its lock (process, host, since), the last seal. Without\n"
	 "SESSION: the most recently active unfinished one. A reader: never takes the lock.\n"
	 "\n  --json   one JSON object\n\n" EXITS_READ},
	[CLI_VERB_step] = {"step", "step SESSION STEP done|skip|fail|reopen [--note TEXT] [--confirm WORD]",
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
	[CLI_VERB_note] = {"note", "note SESSION [--step STEP] TEXT", "add a note",
	 "Adds a note to the session, or to one step with --step (id or number). The words\n"
	 "after SESSION are joined with spaces.\n\n" EXITS_WRITE},
	[CLI_VERB_watch] = {"watch", "watch SESSION", "follow a session's logs headless (JSON lines)",
	 "Headless verification: follows the session's logs, records what it sees, and\n"
	 "prints one JSON object per event on stdout (line-buffered): marker,\n"
	 "step_verified, failure, rotated, overdue (once per step, when it passes its\n"
	 "timeout), following, problem, recovered, step_active, session_finished. Stops when\n"
	 "the session finishes, or on SIGINT/SIGTERM. Holds the session's lock.\n\n"
	 "exit: 0 finished or stopped; 1 a failure signature was seen; 64 usage; 66 no such\n"
	 "session; 73 database not writable; 75 another process holds the session.\n"},
	[CLI_VERB_follow] = {"follow", "follow SESSION [--from-now] [--json|--text] [--tui]",
	 "print a session's events live as they are recorded (read-only)",
	 "A reader: prints the session's events, from the first (or, with --from-now, from\n"
	 "the next one recorded), then every new one as soon as it is committed, while\n"
	 "another process or machine writes the session. Never takes the lock. Woken by the\n"
	 "store's change notices (no polling loop). Stops when the session finishes, or on\n"
	 "SIGINT/SIGTERM.\n"
	 "\n  --json       one JSON object per event, line-buffered (the default): the `watch`\n"
	 "               stream's types (marker, step_verified, failure, rotated,\n"
	 "               step_active, session_finished) and every other recorded event under\n"
	 "               its own type with its data; each with seq, operator, host and at\n"
	 "               (when it was recorded)\n"
	 "  --text       one readable line per event instead\n"
	 "  --from-now   only the events recorded from now on\n"
	 "  --tui        the terminal interface's observer mode instead (read-only; offers\n"
	 "               to take the session when its writer lets it go)\n\n" EXITS_READ},
	[CLI_VERB_export] = {"export", "export SESSION [--format json|csv|md|html] [-o FILE]", "the audit trail",
	 "The session's audit trail and change record. A reader: never takes the lock.\n"
	 "\n  --format F   json (default), csv, md or html\n"
	 "  -o FILE      write FILE atomically (default: stdout)\n\n"
	 "exit: 0 ok; 64 usage; 66 no such session; 73 FILE cannot be written.\n"},
	[CLI_VERB_audit] = {"audit", "audit SESSION [--signers FILE] [--head HASH]",
	 "verify the hash chain, the seals and a head recorded elsewhere",
	 "Recomputes the session's hash chain and compares the cached state with a replay.\n"
	 "\n  --signers FILE   an OpenSSH allowed-signers file: also verify every seal\n"
	 "                   (without it, each seal is checked only against the key it carries)\n"
	 "  --head HASH      a head recorded elsewhere (a change ticket) must be in the chain\n\n"
	 "exit: 0 intact; 1 tampering found (the first event that does not verify is named);\n"
	 "64 usage; 66 no such session.\n"},
	[CLI_VERB_seal] = {"seal", "seal SESSION [--key FILE]", "sign the session's head with an SSH key",
	 "Signs the session's head with the operator's SSH key (ssh-keygen -Y sign,\n"
	 "namespace steward; a .pub key signs through ssh-agent) and records a seal event.\n"
	 "\n  --key FILE   the key (default: the first of ~/.ssh/id_ed25519, id_ecdsa, id_rsa)\n\n"
	 EXITS_WRITE},
	[CLI_VERB_log] = {"log", "log FILE... [--json] [--follow] [--errors] [--merge]", "read SMS/ConfigMgr logs",
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
	[CLI_VERB_simulate] = {"simulate", "simulate SESSION [--speed X] [--fail STEP]",
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
	[CLI_VERB_push] = {"push", "push SESSION --to DB [--force] [--json]",
	 "copy a session to another database (the team's server)",
	 "Copies a session from this database (--db) to DB (a SQLite file, or a\n"
	 "postgresql:// URL): the same events with the same ids, times, operators, hosts and\n"
	 "hashes, the chain audited on both sides, all in one transaction there. Again\n"
	 "later: only the new events. A session continued in both places is refused and\n"
	 "explained, never merged. Nothing is written here. See docs/push.md.\n"
	 "\n  --to DB   the database to copy to (created when it is a new SQLite file)\n"
	 "  --force   push even while a live process records the session here (what is\n"
	 "            recorded so far; push again later for the rest)\n"
	 "  --json    one JSON object: session, to, outcome, created, sent, first_seq,\n"
	 "            last_seq, events, head, finished\n\n"
	 "exit: 0 pushed, or nothing to push; 1 a chain does not verify (this one or the\n"
	 "copy there); 64 usage; 65 the session diverged, DB is ahead, or DB holds another\n"
	 "session with that id; 66 no such session; 73 DB cannot be written; 75 a live\n"
	 "process holds the session there (or here: --force).\n"},
	[CLI_VERB_db_init] = {"db-init", "db-init [--grant ROLE]", "create or upgrade the database; grant a writer role",
	 "Creates or upgrades the session database's schema (every writer also does this\n"
	 "when it opens the database; this verb does nothing else). With a PostgreSQL\n"
	 "--db, run it as the role that is to own the tables.\n"
	 "\n  --grant ROLE   PostgreSQL: gives ROLE what a writer needs and no more: SELECT\n"
	 "                 and INSERT on events and runbooks (never UPDATE, DELETE or\n"
	 "                 TRUNCATE), UPDATE on the cached state, the lock rows; steward\n"
	 "                 then writes as ROLE (see the README's team section)\n\n"
	 "exit: 0 ok; 64 usage (also --grant on a SQLite file); 73 the database cannot be\n"
	 "created or written, or the grant was refused; 75 the server cannot be reached.\n"},
	[CLI_VERB_replay] = {"replay", "replay RUNBOOK LOGDIR [--var NAME=VALUE]... [--log NAME=PATH]... [--from TIME] [--json]",
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
};

void cli_print_help(FILE *out)
{
	fprintf(out,
		"usage: steward [--db PATH] [--runbooks DIR]... [VERB [ARGS]]\n"
		"\n"
		"Walks an operator through a runbook one step at a time and keeps an audit trail.\n"
		"With no verb, opens the terminal interface (runbooks and resumable sessions).\n"
		"\nverbs:\n");
	for (size_t i = 0; i < ARRAY_LEN(verbs); i++)
		if (verbs[i].name)
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

long cli_verb_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(verbs); i++)
		if (verbs[i].name && strcmp(verbs[i].name, name) == 0)
			return (long)i;
	return -1;
}

int cli_help(const char *verb)
{
	long i = cli_verb_find(verb);
	if (i < 0)
		return ST_SOFTWARE;
	printf("usage: steward %s\n\n%s\n%s", verbs[i].usage, verbs[i].summary, verbs[i].help);
	printf("\nGlobal options (--db PATH, --runbooks DIR) go before the verb. See steward(1).\n");
	return fflush(stdout) == 0 ? ST_OK : ST_IOERR;
}

const char *cli_usage_of(const char *verb)
{
	long i = cli_verb_find(verb);
	return i >= 0 ? verbs[i].usage : verb;
}
