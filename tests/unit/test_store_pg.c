/*
 * test_store_pg.c — what only the PostgreSQL backend has (the tests both backends share
 * are test_store.c, test_session.c and test_export.c, run once per backend): the schema
 * version table, a writer role that the server itself keeps from rewriting history, the
 * session lock held by the server for a connection (freed when the connection dies, on
 * any machine; a take-over ends the holder's connection), change notices, snapshots that
 * never block the writer, a transaction cut off by the server leaving nothing behind,
 * and the error messages for an unreachable server, a missing database and a refused
 * login. Runs only with STEWARD_TEST_PG_URL (make check starts a cluster).
 */
#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "pgfix.h"
#include "sessfix.h"
#include "steward/util.h"

static struct sfx f;
static struct st_error err;

static void setup(void)
{
	if (!getenv("STEWARD_TEST_PG_URL") || !*getenv("STEWARD_TEST_PG_URL"))
		cr_skip_test("PostgreSQL only: set STEWARD_TEST_PG_URL (tests/tools/pg-cluster.sh start DIR)");
	setenv("STEWARD_TEST_BACKEND", "postgresql", 1);
	sfx_init(&f, "basic.yaml");
	sfx_start(&f, NULL);
	struct session *s = sfx_open(&f);
	cr_assert_eq(session_complete(s, 0, NULL, "items checked on paper", &err), ST_OK, "%s", err.msg);
	cr_assert_eq(session_note(s, -1, "a note", &err), ST_OK, "%s", err.msg);
	session_close(s);
}

static void teardown(void)
{
	if (f.db)
		sfx_fini(&f);
}

TestSuite(store_pg, .init = setup, .fini = teardown);

static struct store_audit audit_now(void)
{
	struct store *ro = NULL;
	cr_assert_eq(store_open(f.db, STORE_READ, &ro, &err), ST_OK, "%s", err.msg);
	struct store_audit a;
	cr_assert_eq(store_audit(ro, f.id, &a, NULL, NULL, &err), ST_OK, "%s", err.msg);
	store_close(ro);
	return a;
}

static int64_t head_seq(void)
{
	struct store_state ss;
	cr_assert_eq(store_read_state(f.st, f.id, &ss, &err), ST_OK, "%s", err.msg);
	int64_t h = ss.head_seq;
	store_state_free(&ss);
	return h;
}

/* The server connection holding the session's lock, from its row. */
static long long holder_backend(void)
{
	char *sql = xasprintf("SELECT backend_pid FROM locks WHERE session_id = '%s'", f.id);
	long long pid = pgfix_query_int(f.db, sql);
	free(sql);
	return pid;
}

/* What an administrator, or a dying machine, does to a connection. */
static void end_connection(long long backend_pid)
{
	char *sql = xasprintf("SELECT pg_terminate_backend(%lld, 10000)", backend_pid);
	cr_assert_eq(pgfix_query_int(f.db, "SELECT 0"), 0);
	char *msg = pgfix_exec(f.db, sql);
	cr_assert_null(msg, "%s", msg);
	free(sql);
}

Test(store_pg, schema_version_table_and_a_newer_schema_refused)
{
	cr_assert_eq(pgfix_query_int(f.db, "SELECT max(version) FROM steward_schema"), 1);
	struct store *again = NULL;
	cr_assert_eq(store_open(f.db, STORE_WRITE, &again, &err), ST_OK, "reopening migrates nothing: %s", err.msg);
	store_close(again);
	sfx_sql(&f, "UPDATE steward_schema SET version = 99");
	cr_assert_eq(store_open(f.db, STORE_WRITE, &again, &err), ST_CANTCREATE);
	cr_assert(strstr(err.msg, "newer steward"), "%s", err.msg);
	cr_assert_eq(store_open(f.db, STORE_READ, &again, &err), ST_CANTCREATE);
	sfx_sql(&f, "UPDATE steward_schema SET version = 1");
	cr_assert_eq(store_backend_name(f.st)[0], 'p');
}

/* The set-up of the README's team section: the tables belong to an administrator role,
 * steward writes with a role granted `steward db-init --grant ROLE`'s privileges. That
 * role records sessions, and the server refuses it every way of rewriting the record. */
Test(store_pg, the_writer_role_cannot_rewrite_history)
{
	char *role = xasprintf("w_%s", f.pg_schema);
	char *sql = xasprintf("CREATE ROLE %s LOGIN", role);
	sfx_sql(&f, sql);
	free(sql);
	cr_assert_eq(store_grant_writer(f.st, role, &err), ST_OK, "%s", err.msg);
	char *url = pgfix_url_as(f.db, role);

	struct store *w = NULL;
	cr_assert_eq(store_open(url, STORE_WRITE, &w, &err), ST_OK, "%s", err.msg);
	struct session *s = NULL;
	cr_assert_eq(session_open(w, f.id, SESSION_WRITE, &s, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(session_note(s, -1, "written by the writer role", &err), ST_OK, "%s", err.msg);
	session_close(s);
	char *id = NULL;
	struct session_params p = {.log_dir = f.dir, .op = "erin"};
	struct varmap vm = {0};
	varmap_set(&vm, "site_code", "XYZ");
	p.vars = &vm;
	cr_assert_eq(session_create(w, f.rb, &p, &id, &err), ST_OK, "a new session: %s", err.msg);
	varmap_free(&vm);
	free(id);
	store_close(w);

	const char *const denied[] = {
		"UPDATE events SET data = '{}' WHERE seq = 2",
		"DELETE FROM events",
		"TRUNCATE events",
		"UPDATE session_runbooks SET text = 'x'",
		"SET session_replication_role = replica",
		"ALTER TABLE events DISABLE TRIGGER ALL",
		"DROP TRIGGER events_no_update ON events",
		"DROP TABLE events",
	};
	for (size_t i = 0; i < sizeof denied / sizeof *denied; i++) {
		char *msg = pgfix_exec(url, denied[i]);
		cr_assert_not_null(msg, "the writer role may: %s", denied[i]);
		cr_assert(strstr(msg, "permission denied") || strstr(msg, "must be owner"), "%s: %s", denied[i], msg);
		free(msg);
	}
	struct store_audit a = audit_now();
	cr_assert(a.intact, "%s", a.problem);
	cr_assert_eq(a.n_events, head_seq());

	/* A role without the grants is told what to do, not shown a bare SQL error. */
	char *none = xasprintf("n_%s", f.pg_schema);
	sql = xasprintf("CREATE ROLE %s LOGIN; GRANT USAGE ON SCHEMA %s TO %s", none, f.pg_schema, none);
	sfx_sql(&f, sql);
	free(sql);
	char *nurl = pgfix_url_as(f.db, none);
	cr_assert_eq(store_open(nurl, STORE_WRITE, &w, &err), ST_CANTCREATE);
	cr_assert(strstr(err.msg, "db-init --grant") && strstr(err.msg, none), "%s", err.msg);
	sql = xasprintf("DROP OWNED BY %s, %s; DROP ROLE %s; DROP ROLE %s", role, none, role, none);
	sfx_sql(&f, sql);
	free(sql);
	free(nurl);
	free(none);
	free(url);
	free(role);
}

/* The holder's machine died (its connection ended): any machine takes the session
 * without --take-over, whatever host the holder's row names. */
Test(store_pg, a_dead_connection_frees_the_lock_on_every_machine)
{
	struct store *a = NULL;
	cr_assert_eq(store_open(f.db, STORE_WRITE, &a, &err), ST_OK, "%s", err.msg);
	store_set_operator(a, "frank");
	struct session *sa = NULL;
	cr_assert_eq(session_open(a, f.id, SESSION_WRITE, &sa, &err), ST_OK, "%s", err.msg);
	sfx_sql(&f, "UPDATE locks SET host = 'site-server-7'");
	struct session *s = NULL;
	cr_assert_eq(session_open(f.st, f.id, SESSION_WRITE, &s, &err), ST_TEMPFAIL);
	cr_assert(strstr(err.msg, "frank") && strstr(err.msg, "site-server-7"), "%s", err.msg);
	struct store_lock_holder h;
	bool stale = true;
	cr_assert_eq(store_lock_peek(f.st, f.id, &h, &stale, &err), ST_OK, "%s", err.msg);
	cr_assert_not(stale);
	store_lock_holder_free(&h);

	end_connection(holder_backend());
	cr_assert_eq(store_lock_peek(f.st, f.id, &h, &stale, &err), ST_OK, "%s", err.msg);
	cr_assert(stale, "a holder whose connection ended is stale");
	cr_assert_str_eq(h.host, "site-server-7");
	store_lock_holder_free(&h);
	cr_assert_eq(session_open(f.st, f.id, SESSION_WRITE, &s, &err), ST_OK, "%s", err.msg);
	cr_assert_null(s->taken_over_host, "not a take-over");
	/* the dead writer learns it lost the server, and wrote nothing */
	int64_t before = head_seq();
	cr_assert_eq(session_note(sa, -1, "too late", &err), ST_TEMPFAIL);
	cr_assert(strstr(err.msg, "lost the connection"), "%s", err.msg);
	cr_assert_eq(head_seq(), before);
	session_close(sa);
	store_close(a);
	session_close(s);
}

/* --take-over from another machine: the server ends the holder's connection. */
Test(store_pg, a_take_over_ends_the_holders_connection)
{
	struct store *a = NULL;
	cr_assert_eq(store_open(f.db, STORE_WRITE, &a, &err), ST_OK, "%s", err.msg);
	store_set_operator(a, "grace");
	struct session *sa = NULL;
	cr_assert_eq(session_open(a, f.id, SESSION_WRITE, &sa, &err), ST_OK, "%s", err.msg);
	sfx_sql(&f, "UPDATE locks SET host = 'jump-host', pid = 4242");
	struct session *s = NULL;
	cr_assert_eq(session_open(f.st, f.id, SESSION_WRITE, &s, &err), ST_TEMPFAIL);
	cr_assert(strstr(err.msg, "--take-over"), "%s", err.msg);
	cr_assert_eq(session_open(f.st, f.id, SESSION_TAKE_OVER, &s, &err), ST_OK, "%s", err.msg);
	cr_assert_str_eq(s->taken_over_host, "jump-host");
	cr_assert_eq(s->taken_over_pid, 4242);
	session_set_actor(s, "night-shift", NULL);
	cr_assert_eq(session_record_take_over(s, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(session_note(sa, -1, "the old holder", &err), ST_TEMPFAIL);
	session_close(sa);
	store_close(a);
	cr_assert_eq(session_note(s, -1, "the new holder", &err), ST_OK, "%s", err.msg);
	session_close(s);
	struct store_audit au = audit_now();
	cr_assert(au.intact, "%s", au.problem);
}

/* A transaction the server cut off before COMMIT leaves nothing behind. */
Test(store_pg, a_half_written_transaction_leaves_nothing)
{
	struct store *a = NULL;
	cr_assert_eq(store_open(f.db, STORE_WRITE, &a, &err), ST_OK, "%s", err.msg);
	struct session *sa = NULL;
	cr_assert_eq(session_open(a, f.id, SESSION_WRITE, &sa, &err), ST_OK, "%s", err.msg);
	int64_t before = head_seq();
	cr_assert_eq(store_begin(a, &err), ST_OK, "%s", err.msg);
	struct store_event ev = {.at_ms = util_now_ms(), .op = "x", .host = "h", .type = "note", .data = "{}"};
	cr_assert_eq(store_append(a, f.id, before, &ev, &err), ST_OK, "%s", err.msg);
	end_connection(holder_backend());
	cr_assert_eq(store_commit(a, &err), ST_TEMPFAIL);
	cr_assert(strstr(err.msg, "lost the connection") && strstr(err.msg, "when the server is back"), "%s",
		  err.msg);
	session_close(sa);
	store_close(a);
	cr_assert_eq(head_seq(), before);
	char *sql = xasprintf("SELECT count(*) FROM events WHERE session_id = '%s'", f.id);
	cr_assert_eq(pgfix_query_int(f.db, sql), before);
	free(sql);
	struct store_audit au = audit_now();
	cr_assert(au.intact, "%s", au.problem);
}

/* A reader's snapshot sees the database as it was, and the writer does not wait for it. */
Test(store_pg, readers_never_block_the_writer)
{
	struct store *r = NULL;
	cr_assert_eq(store_open(f.db, STORE_READ, &r, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(store_snapshot_begin(r, &err), ST_OK, "%s", err.msg);
	struct store_state ss;
	cr_assert_eq(store_read_state(r, f.id, &ss, &err), ST_OK, "%s", err.msg);
	int64_t seen = ss.head_seq;
	store_state_free(&ss);
	struct session *s = sfx_open(&f);
	store_set_busy_timeout(f.st, 100); /* a writer that waited would fail, not hang */
	cr_assert_eq(session_note(s, -1, "while a reader reads", &err), ST_OK, "%s", err.msg);
	session_close(s);
	cr_assert_eq(store_read_state(r, f.id, &ss, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(ss.head_seq, seen, "the snapshot does not move");
	store_state_free(&ss);
	store_snapshot_end(r);
	cr_assert_eq(store_read_state(r, f.id, &ss, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(ss.head_seq, seen + 1);
	store_state_free(&ss);
	/* and a reader may not write, even by mistake */
	cr_assert_eq(store_begin(r, &err), ST_SOFTWARE);
	store_close(r);
}

static bool readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	/* a bound against a hang, not a timing assertion: the notice comes at commit */
	return poll(&p, 1, 20000) == 1;
}

Test(store_pg, committed_events_are_told_to_listeners)
{
	struct store *r = NULL;
	cr_assert_eq(store_open(f.db, STORE_READ, &r, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(store_listen_fd(r), -1);
	cr_assert_eq(store_listen(r, f.id, &err), ST_OK, "%s", err.msg);
	int fd = store_listen_fd(r);
	cr_assert_geq(fd, 0);
	cr_assert_not(store_listen_drain(r), "nothing yet");
	struct session *s = sfx_open(&f);
	cr_assert_eq(session_note(s, -1, "followed live", &err), ST_OK, "%s", err.msg);
	cr_assert(readable(fd));
	cr_assert(store_listen_drain(r));
	cr_assert_not(store_listen_drain(r), "drained");
	session_close(s);
	/* another session's events are not this listener's news */
	char *other = f.id;
	f.id = NULL;
	sfx_start(&f, NULL);
	cr_assert(readable(fd));
	cr_assert_not(store_listen_drain(r), "a notice for another session");
	free(f.id);
	f.id = other;
	store_close(r);
}

Test(store_pg, swapped_runbook_text_is_noticed)
{
	sfx_sql(&f, SFX_UNLOCKED "UPDATE session_runbooks SET text = convert_to(replace(convert_from(text, 'UTF8'),"
				 " 'Tidy up', 'Tidy'), 'UTF8')");
	struct store_audit a = audit_now();
	cr_assert_not(a.intact);
	cr_assert_eq(a.bad_seq, 1);
	cr_assert(strstr(a.problem, "runbook"), "%s", a.problem);
}

Test(store_pg, a_locked_table_is_a_temporary_refusal)
{
	struct session *s = sfx_open(&f);
	store_set_busy_timeout(f.st, 50);
	PGconn *c = PQconnectdb(f.db);
	cr_assert_eq(PQstatus(c), CONNECTION_OK);
	PQclear(PQexec(c, "BEGIN; LOCK TABLE events IN EXCLUSIVE MODE"));
	int64_t seq = s->seq;
	enum st_code rc = session_note(s, -1, "while another connection locks", &err);
	int64_t after = s->seq;
	PQclear(PQexec(c, "ROLLBACK"));
	PQfinish(c); /* before any assertion: the fixture's teardown would wait for the lock */
	cr_assert_eq(rc, ST_TEMPFAIL, "%s", err.msg);
	cr_assert(strstr(err.msg, "try again"), "%s", err.msg);
	cr_assert_eq(after, seq, "%s", err.msg);
	cr_assert_eq(session_note(s, -1, "after it finished", &err), ST_OK, "%s", err.msg);
	session_close(s);
	sfx_assert_projection(&f);
}

/* Connection errors name the server (never a password) and say what to do. */
Test(store_pg, connection_errors_say_what_to_do)
{
	struct store *st = NULL;
	cr_assert_eq(store_open("postgresql://steward:s3cret@/steward?host=/nonexistent-socket-dir", STORE_WRITE, &st,
				&err),
		     ST_TEMPFAIL);
	cr_assert(strstr(err.msg, "cannot reach the PostgreSQL server /nonexistent-socket-dir"), "%s", err.msg);
	cr_assert_null(strstr(err.msg, "s3cret"), "no password in messages: %s", err.msg);

	char *url = xasprintf("%s", pgfix_server_url());
	char *q = strchr(url, '?');
	char *missing = xasprintf("postgresql:///no_such_db_here%s", q);
	cr_assert_eq(store_open(missing, STORE_READ, &st, &err), ST_NOTFOUND);
	cr_assert(strstr(err.msg, "does not exist"), "%s", err.msg);
	cr_assert_eq(store_open(missing, STORE_WRITE, &st, &err), ST_CANTCREATE);
	cr_assert(strstr(err.msg, "createdb"), "%s", err.msg);
	char *stranger = pgfix_url_as(pgfix_server_url(), "no_such_role_here");
	cr_assert_eq(store_open(stranger, STORE_READ, &st, &err), ST_CANTCREATE);
	cr_assert(strstr(err.msg, "refused the login of role no_such_role_here"), "%s", err.msg);
	free(stranger);
	free(missing);
	free(url);
}
