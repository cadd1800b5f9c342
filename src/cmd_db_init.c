/*
 * cmd_db_init.c — `steward db-init [--grant ROLE]`: creates or upgrades the session
 * database's schema (any writer does this on its own; this verb does only that), and on
 * PostgreSQL, run by the role that owns the tables, gives ROLE the privileges a writer
 * needs and no more (store_grant_writer): the team set-up of the README, in which the
 * role steward writes with cannot rewrite the record.
 */
#include <getopt.h>
#include <stdio.h>

#include "cmd_sessutil.h"

int cmd_db_init(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"grant", required_argument, NULL, 'g'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *role = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'g': role = optarg; break;
		case 'h': cli_help("db-init"); return ST_OK;
		default: return cli_usage(cli_usage_of("db-init"));
		}
	}
	if (optind != argc || (role && !*role))
		return cli_usage(cli_usage_of("db-init"));
	struct store *st = NULL;
	int rc = sessutil_open_store(ctx, STORE_WRITE, &st);
	if (rc != ST_OK)
		return rc;
	struct st_error err = {0};
	if (role && store_grant_writer(st, role, &err) != ST_OK)
		rc = sessutil_fail(&err);
	if (rc == ST_OK)
		printf("%s store ready%s%s\n", store_backend_name(st), role ? "; writer role granted: " : "",
		       role ? role : "");
	store_close(st);
	return rc;
}
