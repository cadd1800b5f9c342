/* cmd_pending.c — TEMPORARY during initial parallel development: weak fallbacks for
 * verbs whose modules are being written. Each real cmd_*.c overrides these. To be
 * deleted before the first landing. */
#include "steward/cli.h"

#define PENDING(fn)                                                                  \
	__attribute__((weak)) int fn(struct cli_ctx *ctx, int argc, char **argv)    \
	{                                                                            \
		(void)ctx;                                                           \
		(void)argc;                                                          \
		return cli_error(ST_SOFTWARE, "%s: not built yet", argv ? argv[0] : "home"); \
	}
PENDING(cmd_list)
PENDING(cmd_show)
PENDING(cmd_lint)
PENDING(cmd_start)
PENDING(cmd_resume)
PENDING(cmd_sessions)
PENDING(cmd_step)
PENDING(cmd_note)
PENDING(cmd_watch)
PENDING(cmd_export)
PENDING(cmd_audit)
PENDING(cmd_log)
PENDING(cmd_simulate)
PENDING(cmd_home)
