/*
 * cmd_resume.c — `steward resume [SESSION]`: opens the TUI on a session (by id or
 * unique prefix; without one, the only unfinished session — several are listed and
 * exit 64 asks for an id), holding its
 * lock; exit 75 naming the holder when another process has it. --take-over also
 * replaces a lock held from another machine (recorded as a lock_taken_over event).
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_sessutil.h"
#include "steward/cli.h"
#include "steward/session.h"
#include "steward/store.h"
#include "steward/text.h"
#include "steward/tui.h"

/* Without an id, resuming is unambiguous only when one session is unfinished: with
 * several, the operator names one — on a terminal in the TUI home, which lists them
 * (the picker: *pick is set), else from the list printed here (64). */
static int one_unfinished(struct store *st, bool *pick)
{
	struct session_summary *rows = NULL;
	size_t n = 0;
	struct st_error err = {0};
	*pick = false;
	if (session_list(st, false, &rows, &n, &err) != ST_OK)
		return sessutil_fail(&err);
	int rc = ST_OK;
	if (n > 1 && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
		*pick = true;
	} else if (n > 1) {
		session_summaries_detail(st, rows, n, util_now_ms(), SIZE_MAX, &err);
		rc = cli_error(ST_USAGE, "%zu sessions are unfinished — say which to resume: steward resume ID", n);
		for (size_t i = 0; i < n; i++) {
			char last[32];
			util_format_utc_ms(rows[i].last_activity_ms, last);
			char *line = xasprintf("  %s  %s  %s  %s  %d/%d  last activity %s", rows[i].id, rows[i].runbook_id,
					       rows[i].site ? rows[i].site : "-", rows[i].label ? rows[i].label : "-",
					       rows[i].done, rows[i].applicable, last);
			char *clean = text_sanitize(line, strlen(line), 0);
			fprintf(stderr, "%s\n", clean);
			free(clean);
			free(line);
		}
	}
	session_summaries_free(rows, n);
	return rc;
}

int cmd_resume(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{"take-over", no_argument, NULL, 'T'},
		{NULL, 0, NULL, 0},
	};
	int c;
	enum session_mode mode = SESSION_WRITE;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			cli_help("resume");
			return ST_OK;
		}
		if (c == 'T') {
			mode = SESSION_TAKE_OVER;
			continue;
		}
		return cli_usage(cli_usage_of("resume"));
	}
	if (argc - optind > 1)
		return cli_usage(cli_usage_of("resume"));
	const char *id = optind < argc ? argv[optind] : NULL;
	struct store *st = NULL;
	int rc = sessutil_open_store(ctx, STORE_WRITE, &st);
	bool pick = false;
	if (rc == ST_OK && !id)
		rc = one_unfinished(st, &pick);
	if (rc == ST_OK && pick) { /* several unfinished: the home screen is the picker */
		rc = tui_home(ctx, st);
		store_close(st);
		return rc;
	}
	if (rc == ST_OK)
		rc = tui_check_terminal();
	if (rc != ST_OK) {
		store_close(st);
		return rc;
	}
	/* Same opening as every writer verb: the lock, the actor (operator, host), and a
	 * note on stderr when the runbook file changed (the screen says so too). */
	struct session *s = NULL;
	rc = sessutil_open(ctx, st, id, mode, &s);
	if (rc == ST_TEMPFAIL) /* held by another writer: it can still be watched live */
		fprintf(stderr, "steward: to watch it live meanwhile (read-only, no lock): steward follow %s --tui\n",
			id ? id : "SESSION");
	if (rc != ST_OK) {
		store_close(st);
		return rc;
	}
	rc = tui_session(ctx, s);
	session_close(s);
	store_close(st);
	return rc;
}
