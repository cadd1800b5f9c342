/*
 * cmd_resume.c — `steward resume [SESSION]`: opens the TUI on a session (by id or
 * unique prefix; default the most recently active unfinished one), holding its
 * lock; exit 75 naming the holder when another process has it.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "steward/cli.h"
#include "steward/session.h"
#include "steward/store.h"
#include "steward/tui.h"

int cmd_resume(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			printf("usage: steward %s\n", cli_usage_of("resume"));
			return ST_OK;
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
	struct st_error err = {0};
	enum st_code sc = store_open(ctx->db_path, STORE_WRITE, &st, &err);
	if (sc != ST_OK)
		return cli_error(sc, "%s", err.msg);
	struct session *s = NULL;
	sc = session_open(st, id, SESSION_WRITE, &s, &err);
	if (sc != ST_OK) {
		rc = cli_error(sc, "%s", err.msg);
		store_close(st);
		return rc;
	}
	rc = tui_session(ctx, s);
	session_close(s);
	store_close(st);
	return rc;
}
