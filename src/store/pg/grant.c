/*
 * grant.c — the privileges of the role steward writes with, when the tables belong to
 * another role (`steward db-init --grant ROLE`, run by the tables' owner): SELECT and
 * INSERT on the record (events, sessions' identity, their runbooks), UPDATE only where
 * the cached state lives, and the lock rows. Never UPDATE, DELETE or TRUNCATE on events
 * or runbooks: the server itself refuses to let that role rewrite history, beside the
 * triggers (which the owner could drop; the role cannot, not owning them).
 */
#include <stdlib.h>
#include <string.h>

#include "pg_priv.h"

enum st_code pg_grant_writer(struct store *base, const char *role, struct st_error *err)
{
	struct pg_store *st = pg_of(base);
	/* Identifiers cannot be bound: quoted by libpq, never spliced raw. */
	enum st_code rc;
	/* The server lets anyone run GRANT on tables they do not own, granting nothing with
	 * a warning: ask first who owns them. */
	PGresult *r = pg_exec(st,
			      "SELECT pg_get_userbyid(relowner), pg_has_role(current_user, relowner, 'USAGE')"
			      " FROM pg_class WHERE oid = 'events'::regclass",
			      0, NULL, err, &rc, "finding the owner of the tables");
	if (!r)
		return rc;
	bool owner = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 1), "t") == 0;
	char *who = PQntuples(r) == 1 ? pg_text(r, 0, 0) : xstrdup("?");
	PQclear(r);
	if (!owner) {
		rc = st_set(err, ST_CANTCREATE,
			    "role %s does not own steward's tables on the PostgreSQL %s (role %s does) — run "
			    "`steward db-init --grant ROLE` as %s",
			    PQuser(st->conn), st->server, who, who);
		free(who);
		return rc;
	}
	free(who);
	r = pg_exec(st, "SELECT current_schema()", 0, NULL, err, &rc, "finding the schema");
	if (!r)
		return rc;
	char *schema = PQntuples(r) == 1 && !PQgetisnull(r, 0, 0) ? pg_text(r, 0, 0) : xstrdup("public");
	PQclear(r);
	char *q = PQescapeIdentifier(st->conn, role, strlen(role));
	char *qs = PQescapeIdentifier(st->conn, schema, strlen(schema));
	free(schema);
	if (!q || !qs) {
		PQfreemem(q);
		PQfreemem(qs);
		return pg_fail(st, NULL, err, "quoting the role name");
	}
	char *sql = xasprintf("GRANT USAGE ON SCHEMA %s TO %s;"
			      "REVOKE ALL ON events, session_runbooks, sessions, step_states, log_positions, locks,"
			      " steward_schema FROM %s;"
			      "GRANT SELECT, INSERT ON events, session_runbooks TO %s;"
			      "GRANT SELECT, INSERT, UPDATE ON sessions, step_states, log_positions TO %s;"
			      "GRANT SELECT, INSERT, UPDATE, DELETE ON locks TO %s;"
			      "GRANT SELECT ON steward_schema TO %s;",
			      qs, q, q, q, q, q, q);
	PQfreemem(q);
	PQfreemem(qs);
	rc = pg_begin(base, err);
	if (rc == ST_OK && (rc = pg_script(st, sql, err, "granting a writer role its privileges")) == ST_OK)
		rc = pg_commit(base, err);
	else
		pg_rollback(base);
	free(sql);
	return rc;
}
