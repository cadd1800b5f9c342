/* pgfix.c — see pgfix.h. */
#include "pgfix.h"

#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "steward/util.h"

bool pgfix_backend_is_pg(void)
{
	const char *b = getenv("STEWARD_TEST_BACKEND");
	return b && strcmp(b, "postgresql") == 0;
}

const char *pgfix_server_url(void)
{
	const char *u = getenv("STEWARD_TEST_PG_URL");
	cr_assert(u && *u, "STEWARD_TEST_BACKEND=postgresql needs STEWARD_TEST_PG_URL: start a server with "
			   "`tests/tools/pg-cluster.sh start DIR` and export the URL it prints");
	return u;
}

char *pgfix_exec(const char *url, const char *sql)
{
	PGconn *c = PQconnectdb(url);
	char *msg = NULL;
	if (PQstatus(c) != CONNECTION_OK) {
		msg = xstrdup(PQerrorMessage(c));
	} else {
		PQclear(PQexec(c, "SET client_min_messages = warning"));
		PGresult *r = PQexec(c, sql);
		if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
			msg = xstrdup(PQresultErrorMessage(r));
		PQclear(r);
	}
	PQfinish(c);
	return msg;
}

char *pgfix_new_schema(char **schema)
{
	static unsigned counter;
	const char *base = pgfix_server_url();
	*schema = xasprintf("t_%ld_%u_%ld", (long)getpid(), counter++, (long)(util_now_ms() % 1000000));
	char *sql = xasprintf("CREATE SCHEMA %s", *schema);
	char *msg = pgfix_exec(base, sql);
	cr_assert_null(msg, "%s: %s", sql, msg);
	free(sql);
	/* options=-csearch_path=SCHEMA, URL-encoded */
	return xasprintf("%s%soptions=-csearch_path%%3D%s", base, strchr(base, '?') ? "&" : "?", *schema);
}

void pgfix_drop_schema(const char *schema)
{
	char *sql = xasprintf("DROP SCHEMA %s CASCADE", schema);
	char *msg = pgfix_exec(pgfix_server_url(), sql);
	if (msg)
		fprintf(stderr, "pgfix: %s: %s\n", sql, msg);
	free(msg);
	free(sql);
}

char *pgfix_url_as(const char *url, const char *role)
{
	/* our URLs carry the user as a query parameter: user=NAME */
	const char *u = strstr(url, "user=");
	cr_assert_not_null(u, "no user= in %s", url);
	const char *end = u + strcspn(u, "&");
	return xasprintf("%.*suser=%s%s", (int)(u - url), url, role, end);
}

long long pgfix_query_int(const char *url, const char *sql)
{
	PGconn *c = PQconnectdb(url);
	cr_assert_eq(PQstatus(c), CONNECTION_OK, "%s", PQerrorMessage(c));
	PGresult *r = PQexec(c, sql);
	cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK, "%s: %s", sql, PQresultErrorMessage(r));
	cr_assert(PQntuples(r) >= 1, "%s: no row", sql);
	long long v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	PQfinish(c);
	return v;
}
