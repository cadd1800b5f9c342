/*
 * open.c — the PostgreSQL session store: connecting (libpq: a postgresql:// URL, or the
 * libpq environment PGHOST, PGSERVICE ... for what the URL leaves out), error messages
 * that name the server and say what to do, the schema and its migrations (a version
 * table; a newer schema is refused), transactions and reader snapshots. The rest of the
 * backend is in this folder (pg_priv.h lists the files); see store.h for the invariants.
 *
 * Durability: synchronous_commit is set on for every writer's connection, so a COMMIT
 * that returned is in the server's WAL on disk. Readers take REPEATABLE READ READ ONLY
 * snapshots, which never wait for a writer nor make one wait.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pg_priv.h"

/* ---------- errors ---------- */

static bool sqlstate_is(const char *state, const char *prefix)
{
	return state && strncmp(state, prefix, strlen(prefix)) == 0;
}

/* libpq's messages end with a newline and may span lines: one line for ours. */
static char *one_line(const char *msg)
{
	char *s = xstrdup(msg && *msg ? msg : "no message from libpq");
	for (char *p = s; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	size_t n = strlen(s);
	while (n && s[n - 1] == ' ')
		s[--n] = '\0';
	return s;
}

enum st_code pg_fail(struct pg_store *st, const PGresult *res, struct st_error *err, const char *what)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	char *msg = one_line(res && *PQresultErrorMessage(res) ? PQresultErrorMessage(res)
							     : PQerrorMessage(st->conn));
	enum st_code rc;
	bool gone = PQstatus(st->conn) == CONNECTION_BAD || sqlstate_is(state, "08") || sqlstate_is(state, "57P");
	if (gone && strcmp(what, "committing") == 0) /* the server may have committed before it went */
		rc = st_set(err, ST_TEMPFAIL,
			    "lost the connection to the PostgreSQL %s while committing (%s) — this change was "
			    "not acknowledged: it is in the record whole or not at all; when the server is back, "
			    "`steward status SESSION` shows which, then run the command again if it is missing",
			    st->server, msg);
	else if (gone)
		rc = st_set(err, ST_TEMPFAIL,
			    "lost the connection to the PostgreSQL %s while %s (%s) — nothing after the last "
			    "acknowledged change was recorded; when the server is back, run the command "
			    "again (`steward resume SESSION` continues a session)",
			    st->server, what, msg);
	else if (sqlstate_is(state, "40") || sqlstate_is(state, "55P03"))
		rc = st_set(err, ST_TEMPFAIL,
			    "the PostgreSQL %s could not finish %s now (%s): another connection holds what it "
			    "needs — try again in a moment",
			    st->server, what, msg);
	else if (sqlstate_is(state, "42501"))
		rc = st_set(err, ST_CANTCREATE,
			    "the PostgreSQL %s refused %s to role %s (%s) — the database's owner grants a "
			    "writer its privileges with `steward db-init --grant ROLE` (see steward(1))",
			    st->server, what, PQuser(st->conn), msg);
	else if (sqlstate_is(state, "53"))
		rc = st_set(err, ST_CANTCREATE,
			    "the PostgreSQL %s is out of resources while %s (%s) — ask its administrator "
			    "(disk space, connections)",
			    st->server, what, msg);
	else
		rc = st_set(err, ST_CANTCREATE, "the PostgreSQL %s failed while %s: %s", st->server, what, msg);
	free(msg);
	return rc;
}

/* ---------- statement helpers ---------- */

PGresult *pg_exec(struct pg_store *st, const char *sql, int n, const char *const *vals, struct st_error *err,
		  enum st_code *rc, const char *what)
{
	*rc = ST_OK;
	PGresult *r = PQexecParams(st->conn, sql, n, NULL, vals, NULL, NULL, 0);
	ExecStatusType s = PQresultStatus(r);
	if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK)
		return r;
	*rc = pg_fail(st, r, err, what);
	PQclear(r);
	return NULL;
}

enum st_code pg_run(struct pg_store *st, const char *sql, int n, const char *const *vals, struct st_error *err,
		    const char *what)
{
	enum st_code rc;
	PGresult *r = pg_exec(st, sql, n, vals, err, &rc, what);
	PQclear(r);
	return rc;
}

enum st_code pg_script(struct pg_store *st, const char *sql, struct st_error *err, const char *what)
{
	PGresult *r = PQexec(st->conn, sql);
	enum st_code rc = ST_OK;
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		rc = pg_fail(st, r, err, what);
	PQclear(r);
	return rc;
}

char *pg_text(const PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col))
		return NULL;
	return xstrndup(PQgetvalue(r, row, col), (size_t)PQgetlength(r, row, col));
}

int64_t pg_int(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? 0 : (int64_t)strtoll(PQgetvalue(r, row, col), NULL, 10);
}

void pg_hash(const PGresult *r, int row, int col, char out[65])
{
	snprintf(out, 65, "%s", PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col));
}

const char *pg_i64(char buf[24], int64_t v)
{
	snprintf(buf, 24, "%lld", (long long)v);
	return buf;
}

bool pg_has_schema(const struct pg_store *st) { return st->schema >= 1; }

/* ---------- schema ---------- */

/*
 * The same tables as the SQLite backend (one projection, one chain), in PostgreSQL's
 * words. Append-only is enforced twice: triggers refuse UPDATE, DELETE and TRUNCATE of
 * events (and of a session's identity and runbook) whoever runs them, and the role
 * steward writes with, when the tables belong to another role, has only SELECT and
 * INSERT on them (grant.c). A trigger tells listeners at commit (pg_notify).
 */
static const char *const migration_1[] = {
	"CREATE TABLE sessions ("
	"  id text PRIMARY KEY,"
	"  label text,"
	"  operator text NOT NULL,"
	"  host text NOT NULL,"
	"  rehearsal boolean NOT NULL,"
	"  started_ms bigint NOT NULL,"
	"  runbook_id text NOT NULL,"
	"  runbook_title text NOT NULL,"
	"  runbook_version text NOT NULL,"
	"  runbook_path text NOT NULL,"
	"  runbook_sha256 text NOT NULL,"
	"  status text NOT NULL DEFAULT 'active',"
	"  finished_ms bigint NOT NULL DEFAULT 0,"
	"  last_activity_ms bigint NOT NULL,"
	"  n_done integer NOT NULL DEFAULT 0,"
	"  n_applicable integer NOT NULL DEFAULT 0,"
	"  active_step text,"
	"  head_seq bigint NOT NULL DEFAULT 0,"
	"  head_hash text NOT NULL DEFAULT '',"
	/* the glance (store_glance): listings without a replay */
	"  glance_known boolean NOT NULL DEFAULT false,"
	"  n_skipped integer NOT NULL DEFAULT 0,"
	"  n_failed integer NOT NULL DEFAULT 0,"
	"  n_na integer NOT NULL DEFAULT 0,"
	"  n_total integer NOT NULL DEFAULT 0,"
	"  site text,"
	"  overdue_step text,"
	"  overdue_at_ms bigint NOT NULL DEFAULT 0"
	");"
	"CREATE INDEX sessions_by_activity ON sessions(last_activity_ms);"
	"CREATE FUNCTION steward_refuse() RETURNS trigger LANGUAGE plpgsql AS $$"
	"  BEGIN RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation'; END $$;"
	"CREATE FUNCTION steward_session_identity() RETURNS trigger LANGUAGE plpgsql AS $$"
	"  BEGIN"
	"    IF (NEW.id, NEW.label, NEW.operator, NEW.host, NEW.rehearsal, NEW.started_ms,"
	"        NEW.runbook_id, NEW.runbook_title, NEW.runbook_version, NEW.runbook_path,"
	"        NEW.runbook_sha256) IS DISTINCT FROM"
	"       (OLD.id, OLD.label, OLD.operator, OLD.host, OLD.rehearsal, OLD.started_ms,"
	"        OLD.runbook_id, OLD.runbook_title, OLD.runbook_version, OLD.runbook_path,"
	"        OLD.runbook_sha256) THEN"
	"      RAISE EXCEPTION 'a session''s identity never changes' USING ERRCODE = 'restrict_violation';"
	"    END IF;"
	"    RETURN NEW;"
	"  END $$;"
	"CREATE TRIGGER sessions_identity_fixed BEFORE UPDATE ON sessions"
	"  FOR EACH ROW EXECUTE FUNCTION steward_session_identity();"
	"CREATE TRIGGER sessions_no_delete BEFORE DELETE ON sessions"
	"  FOR EACH ROW EXECUTE FUNCTION steward_refuse('sessions are never deleted');"
	"CREATE TRIGGER sessions_no_truncate BEFORE TRUNCATE ON sessions"
	"  FOR EACH STATEMENT EXECUTE FUNCTION steward_refuse('sessions are never deleted');"
	,
	"CREATE TABLE session_runbooks ("
	"  session_id text PRIMARY KEY REFERENCES sessions(id),"
	"  text bytea NOT NULL"
	");"
	"CREATE TRIGGER session_runbooks_fixed BEFORE UPDATE ON session_runbooks"
	"  FOR EACH ROW EXECUTE FUNCTION steward_refuse('a session''s runbook never changes');"
	"CREATE TRIGGER session_runbooks_no_delete BEFORE DELETE ON session_runbooks"
	"  FOR EACH ROW EXECUTE FUNCTION steward_refuse('a session''s runbook is never deleted');"
	"CREATE TRIGGER session_runbooks_no_truncate BEFORE TRUNCATE ON session_runbooks"
	"  FOR EACH STATEMENT EXECUTE FUNCTION steward_refuse('a session''s runbook is never deleted');"
	,
	"CREATE TABLE events ("
	"  session_id text NOT NULL REFERENCES sessions(id),"
	"  seq bigint NOT NULL,"
	"  at_ms bigint NOT NULL,"
	"  operator text NOT NULL,"
	"  host text NOT NULL,"
	"  type text NOT NULL,"
	"  step text,"
	"  data text NOT NULL,"
	"  prev_hash text NOT NULL,"
	"  hash text NOT NULL,"
	"  PRIMARY KEY (session_id, seq)"
	");"
	"CREATE TRIGGER events_no_update BEFORE UPDATE ON events"
	"  FOR EACH ROW EXECUTE FUNCTION steward_refuse('events are append-only');"
	"CREATE TRIGGER events_no_delete BEFORE DELETE ON events"
	"  FOR EACH ROW EXECUTE FUNCTION steward_refuse('events are append-only');"
	"CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events"
	"  FOR EACH STATEMENT EXECUTE FUNCTION steward_refuse('events are append-only');"
	/* Delivered when the inserting transaction commits, once per session and transaction. */
	"CREATE FUNCTION steward_notify() RETURNS trigger LANGUAGE plpgsql AS $$"
	"  BEGIN PERFORM pg_notify('steward_events', NEW.session_id); RETURN NULL; END $$;"
	"CREATE TRIGGER events_notify AFTER INSERT ON events"
	"  FOR EACH ROW EXECUTE FUNCTION steward_notify();"
	,
	"CREATE TABLE step_states ("
	"  session_id text NOT NULL REFERENCES sessions(id),"
	"  idx integer NOT NULL,"
	"  step_id text NOT NULL,"
	"  status text NOT NULL,"
	"  completed_by text,"
	"  activated_ms bigint NOT NULL,"
	"  completed_ms bigint NOT NULL,"
	"  operator text,"
	"  PRIMARY KEY (session_id, idx)"
	");"
	"CREATE TABLE log_positions ("
	"  session_id text NOT NULL REFERENCES sessions(id),"
	"  idx integer NOT NULL,"
	"  name text NOT NULL,"
	"  path text,"
	"  dev bigint NOT NULL,"
	"  ino bigint NOT NULL,"
	"  \"offset\" bigint NOT NULL,"
	"  PRIMARY KEY (session_id, idx)"
	");"
	/* Who holds a session's advisory lock, for the refusal message and `status`: the
	 * lock itself is the server's (pg_locks); a row whose lock is gone is stale. */
	"CREATE TABLE locks ("
	"  session_id text PRIMARY KEY REFERENCES sessions(id),"
	"  pid bigint NOT NULL,"
	"  host text NOT NULL,"
	"  operator text NOT NULL,"
	"  since_ms bigint NOT NULL,"
	"  backend_pid integer NOT NULL"
	");",
	NULL,
};

/* migrations[v] takes schema v to v + 1: scripts run in order, in one transaction. */
static const char *const *const migrations[] = {migration_1};

/* Writers opening a new database at once: the first creates the schema, the others wait
 * for it (a transaction-level advisory lock on a key of steward's own). */
#define PG_MIGRATE_KEY "7309431852364519001"

static enum st_code read_version(struct pg_store *st, int *v, struct st_error *err)
{
	enum st_code rc;
	*v = 0;
	PGresult *r = pg_exec(st, "SELECT to_regclass('steward_schema') IS NOT NULL", 0, NULL, err, &rc,
			      "reading the schema version");
	if (!r)
		return rc;
	bool exists = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	if (!exists)
		return ST_OK;
	r = pg_exec(st, "SELECT max(version) FROM steward_schema", 0, NULL, err, &rc, "reading the schema version");
	if (!r)
		return rc;
	*v = (int)pg_int(r, 0, 0);
	PQclear(r);
	return ST_OK;
}

static enum st_code newer_schema(struct pg_store *st, int v, struct st_error *err)
{
	return st_set(err, ST_CANTCREATE,
		      "the PostgreSQL %s was written by a newer steward (schema %d, this one knows %d) — "
		      "use that version, or another database with --db",
		      st->server, v, PG_SCHEMA_VERSION);
}

static enum st_code migrate(struct pg_store *st, struct st_error *err)
{
	/* Most opens find the schema current: no lock, no DDL (a writer role without the
	 * right to create tables opens a database its owner set up). */
	enum st_code rc = read_version(st, &st->schema, err);
	if (rc != ST_OK)
		return rc;
	if (st->schema > PG_SCHEMA_VERSION)
		return newer_schema(st, st->schema, err);
	if (st->schema == PG_SCHEMA_VERSION)
		return ST_OK;
	if ((rc = pg_begin(&st->base, err)) != ST_OK)
		return rc;
	int v = 0;
	if ((rc = pg_run(st, "SELECT pg_advisory_xact_lock(" PG_MIGRATE_KEY ")", 0, NULL, err,
			 "waiting for another steward creating the schema")) != ST_OK ||
	    (rc = read_version(st, &v, err)) != ST_OK)
		goto fail;
	if (v > PG_SCHEMA_VERSION) {
		rc = newer_schema(st, v, err);
		goto fail;
	}
	if (v == 0 && (rc = pg_run(st, "CREATE TABLE steward_schema (version integer NOT NULL)", 0, NULL, err,
				   "creating the schema")) != ST_OK)
		goto fail;
	for (; v < PG_SCHEMA_VERSION; v++) {
		char next[24];
		const char *p[1] = {pg_i64(next, v + 1)};
		for (const char *const *m = migrations[v]; *m && rc == ST_OK; m++)
			rc = pg_script(st, *m, err, "creating the schema");
		if (rc != ST_OK ||
		    (rc = pg_run(st, "DELETE FROM steward_schema", 0, NULL, err, "setting the schema version")) !=
			    ST_OK ||
		    (rc = pg_run(st, "INSERT INTO steward_schema (version) VALUES ($1::integer)", 1, p, err,
				 "setting the schema version")) != ST_OK)
			goto fail;
	}
	if ((rc = pg_commit(&st->base, err)) != ST_OK)
		return rc;
	st->schema = v;
	return ST_OK;
fail:
	pg_rollback(&st->base);
	return rc;
}

/* ---------- open / close ---------- */

/* Notices (NOTICE, WARNING from the server) are not the operator's business: libpq
 * would print them on stderr, over the TUI. */
static void quiet_notices(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* "server HOST:PORT, database DB" — never the password a URL may carry. */
static char *describe_server(PGconn *c)
{
	const char *host = PQhost(c), *port = PQport(c), *db = PQdb(c);
	return xasprintf("server %s%s%s, database %s", host && *host ? host : "(default)",
			 port && *port ? ":" : "", port && *port ? port : "", db && *db ? db : "?");
}

static enum st_code connect_failed(struct pg_store *st, enum store_mode mode, struct st_error *err)
{
	char *msg = one_line(PQerrorMessage(st->conn));
	enum st_code rc;
	if (strstr(msg, "does not exist") && strstr(msg, "database"))
		rc = mode == STORE_READ
			     ? st_set(err, ST_NOTFOUND, "the PostgreSQL %s does not exist (%s) — no session was "
							"recorded there yet; check the name in --db",
				      st->server, msg)
			     : st_set(err, ST_CANTCREATE,
				      "the PostgreSQL %s does not exist (%s) — its administrator creates it "
				      "(createdb), see the README's team section",
				      st->server, msg);
	else if (strstr(msg, "authentication") || strstr(msg, "password") || strstr(msg, "pg_hba.conf") ||
		 (strstr(msg, "role") && strstr(msg, "does not exist")))
		rc = st_set(err, ST_CANTCREATE,
			    "the PostgreSQL %s refused the login of role %s (%s) — check the user and "
			    "password (URL, ~/.pgpass or PGPASSWORD) and the server's pg_hba.conf",
			    st->server, PQuser(st->conn) ? PQuser(st->conn) : "?", msg);
	else
		rc = st_set(err, ST_TEMPFAIL,
			    "cannot reach the PostgreSQL %s (%s) — check that the server runs and that this "
			    "machine reaches it, then try again",
			    st->server, msg);
	free(msg);
	return rc;
}

static const struct store_ops pg_ops = {
	.name = "postgresql",
	.close = pg_close,
	.grant_writer = pg_grant_writer,
	.set_durable = pg_set_durable,
	.set_busy_timeout = pg_set_busy_timeout,
	.defer_checkpoints = pg_defer_checkpoints,
	.checkpoint_idle = pg_checkpoint_idle,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.snapshot_begin = pg_snapshot_begin,
	.snapshot_end = pg_snapshot_end,
	.insert_session = pg_insert_session,
	.read_session = pg_read_session,
	.resolve_id = pg_resolve_id,
	.append = pg_append,
	.read_events = pg_read_events,
	.put_state = pg_put_state,
	.read_state = pg_read_state,
	.list = pg_list,
	.lock = pg_lock,
	.lock_take_over = pg_lock_take_over,
	.unlock = pg_unlock,
	.lock_peek = pg_lock_peek,
	.listen = pg_listen,
	.listen_fd = pg_listen_fd,
	.listen_drain = pg_listen_drain,
};

PGconn *pg_connect(const char *name)
{
	/* The URL's own settings win over these defaults (expand_dbname: later wins). */
	const char *const keys[] = {"connect_timeout", "fallback_application_name", "dbname", NULL};
	const char *const vals[] = {PG_CONNECT_TIMEOUT_S, "steward", name, NULL};
	return PQconnectdbParams(keys, vals, 1);
}

enum st_code pg_store_open(const char *path, enum store_mode mode, struct store **out, struct st_error *err)
{
	*out = NULL;
	struct pg_store *st = xcalloc(1, sizeof *st);
	st->base.ops = &pg_ops;
	st->base.path = xstrdup(path);
	st->base.writable = mode == STORE_WRITE;
	st->lock_host = store_this_host();
	st->conn = pg_connect(path);
	if (!st->conn)
		util_fatal("pg/open.c: libpq could not allocate a connection");
	st->server = describe_server(st->conn);
	enum st_code rc = ST_OK;
	if (PQstatus(st->conn) != CONNECTION_OK) {
		rc = connect_failed(st, mode, err);
		goto done;
	}
	PQsetNoticeProcessor(st->conn, quiet_notices, NULL);
	/* Writers: durable before acknowledged, whatever the server's default. Readers: the
	 * server refuses any write of theirs. UTC and UTF-8 whatever the role's defaults. */
	rc = pg_script(st,
		    mode == STORE_WRITE ? "SET synchronous_commit = on; SET client_encoding = 'UTF8';"
					  " SET TimeZone = 'UTC'; SET lock_timeout = 5000"
					: "SET default_transaction_read_only = on; SET client_encoding = 'UTF8';"
					  " SET TimeZone = 'UTC'",
		    err, "setting up the connection");
	if (rc != ST_OK)
		goto done;
	if (mode == STORE_WRITE) {
		rc = migrate(st, err);
	} else {
		rc = read_version(st, &st->schema, err);
		if (rc == ST_OK && st->schema > PG_SCHEMA_VERSION)
			rc = newer_schema(st, st->schema, err);
	}
done:
	if (rc != ST_OK) {
		pg_close(&st->base);
		return rc;
	}
	*out = &st->base;
	return ST_OK;
}

void pg_close(struct store *base)
{
	struct pg_store *st = pg_of(base);
	if (!st)
		return;
	pg_listen_close(st);
	if (st->conn)
		PQfinish(st->conn); /* the server releases this connection's advisory locks */
	for (size_t i = 0; i < st->n_held; i++)
		free(st->held[i]);
	free(st->held);
	free(st->server);
	free(st->base.path);
	free(st->lock_host);
	free(st);
}

/* Benchmarks' bulk generators only. */
void pg_set_durable(struct store *base, bool durable)
{
	struct pg_store *st = pg_of(base);
	PQclear(PQexec(st->conn, durable ? "SET synchronous_commit = on" : "SET synchronous_commit = off"));
}

/* How long a statement waits for a row another connection has locked. */
void pg_set_busy_timeout(struct store *base, int ms)
{
	struct pg_store *st = pg_of(base);
	char v[24];
	const char *p[1] = {pg_i64(v, ms)};
	PQclear(PQexecParams(st->conn, "SELECT set_config('lock_timeout', $1, false)", 1, NULL, p, NULL, NULL, 0));
}

/* The server checkpoints on its own schedule, never inside our COMMIT. */
void pg_defer_checkpoints(struct store *base) { (void)base; }
void pg_checkpoint_idle(struct store *base) { (void)base; }

/* ---------- transactions ---------- */

enum st_code pg_begin(struct store *base, struct st_error *err)
{
	return pg_run(pg_of(base), "BEGIN", 0, NULL, err, "starting a transaction");
}

enum st_code pg_commit(struct store *base, struct st_error *err)
{
	struct pg_store *st = pg_of(base);
	enum st_code rc = pg_run(st, "COMMIT", 0, NULL, err, "committing");
	if (rc != ST_OK)
		pg_rollback(base);
	return rc;
}

enum st_code pg_snapshot_begin(struct store *base, struct st_error *err)
{
	return pg_run(pg_of(base), "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, err,
		      "starting a read");
}

void pg_snapshot_end(struct store *base) { pg_rollback(base); }

void pg_rollback(struct store *base)
{
	struct pg_store *st = pg_of(base);
	if (PQstatus(st->conn) == CONNECTION_OK && PQtransactionStatus(st->conn) != PQTRANS_IDLE)
		PQclear(PQexec(st->conn, "ROLLBACK"));
}
