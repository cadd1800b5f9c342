/*
 * cmd_home.c — steward with no verb: the TUI home (runbooks and resumable
 * sessions). Opens the database for writing, since resuming takes a lock.
 */
#include <stdio.h>

#include "steward/cli.h"
#include "steward/store.h"
#include "steward/tui.h"

int cmd_home(struct cli_ctx *ctx, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	int rc = tui_check_terminal();
	if (rc != ST_OK)
		return rc;
	struct store *st = NULL;
	struct st_error err = {0};
	enum st_code sc = store_open(ctx->db_path, STORE_WRITE, &st, &err);
	if (sc != ST_OK)
		return cli_error(sc, "%s", err.msg);
	rc = tui_home(ctx, st);
	store_close(st);
	return rc;
}
