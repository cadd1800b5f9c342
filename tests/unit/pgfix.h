/*
 * pgfix.h — the PostgreSQL side of the unit tests' fixtures. Tests that run on both
 * backends read STEWARD_TEST_BACKEND (sqlite, the default, or postgresql); the server is
 * the throwaway cluster `make check` starts (tests/tools/pg-cluster.sh), named by
 * STEWARD_TEST_PG_URL. Each fixture gets a fresh schema of its own (search_path in the
 * URL), dropped at the end. Shared helper (linked into every unit test binary).
 */
#ifndef STEWARD_TEST_PGFIX_H
#define STEWARD_TEST_PGFIX_H

#include <stdbool.h>

/* True when STEWARD_TEST_BACKEND=postgresql. */
bool pgfix_backend_is_pg(void);
/* The server's URL (asserts that STEWARD_TEST_PG_URL is set, saying how to set it). */
const char *pgfix_server_url(void);
/* Creates a fresh schema; returns the store name (URL) whose search_path is it, and the
 * schema's name in *schema (caller frees both). */
char *pgfix_new_schema(char **schema);
void pgfix_drop_schema(const char *schema);
/* Runs SQL as the cluster's superuser on the URL's database; NULL on success, else the
 * server's message (caller frees). */
char *pgfix_exec(const char *url, const char *sql);
/* The first column of the first row of a query (asserts it ran), as a number. */
long long pgfix_query_int(const char *url, const char *sql);
/* url with its user replaced by role (caller frees). */
char *pgfix_url_as(const char *url, const char *role);

#endif
