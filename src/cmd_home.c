/*
 * cmd_home.c — steward with no verb: the TUI home (runbooks and resumable
 * sessions). Opens the database for writing, since resuming takes a lock.
 */
#include <stdio.h>

#include "cmd_sessutil.h"
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
	rc = sessutil_open_store(ctx, STORE_WRITE, &st);
	if (rc != ST_OK)
		return rc;
	rc = tui_home(ctx, st);
	store_close(st);
	return rc;
}
