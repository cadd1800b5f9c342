/*
 * cmd_resume.c — `steward resume [SESSION]`: opens the TUI on a session (by id or
 * unique prefix; default the most recently active unfinished one), holding its
 * lock; exit 75 naming the holder when another process has it. --take-over also
 * replaces a lock held from another machine (recorded as a lock_taken_over event).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd_sessutil.h"
#include "steward/cli.h"
#include "steward/session.h"
#include "steward/store.h"
#include "steward/tui.h"

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
	int rc = tui_check_terminal();
	if (rc != ST_OK)
		return rc;
	struct store *st = NULL;
	rc = sessutil_open_store(ctx, STORE_WRITE, &st);
	if (rc != ST_OK)
		return rc;
	/* Same opening as every writer verb: the lock, the actor (operator, host), and a
	 * note on stderr when the runbook file changed (the screen says so too). */
	struct session *s = NULL;
	rc = sessutil_open(ctx, st, id, mode, &s);
	if (rc != ST_OK) {
		store_close(st);
		return rc;
	}
	rc = tui_session(ctx, s);
	session_close(s);
	store_close(st);
	return rc;
}
