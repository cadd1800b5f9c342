/*
 * test_store.c — the SQLite store: owner-only files, schema version, append-only
 * triggers, the hash chain breaking on any edited, deleted or reordered event (the
 * database edited directly with the triggers dropped), the session lock (a second
 * writer refused while the first lives, taken over once it is killed), readers on a
 * read-only file.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sessfix.h"
#include "steward/util.h"

static struct sfx f;
static struct st_error err;

static void setup(void)
{
	sfx_init(&f, "basic.yaml");
	sfx_start(&f, NULL);
	/* a few more events: complete backup, a note, stop-site */
	struct session *s = sfx_open(&f);
	cr_assert_eq(session_complete(s, 0, NULL, "items checked on paper", &err), ST_OK, "%s", err.msg);
	cr_assert_eq(session_note(s, -1, "a note", &err), ST_OK, "%s", err.msg);
	cr_assert_eq(session_complete(s, 2, "STOP", NULL, &err), ST_OK, "%s", err.msg);
	session_close(s);
}

static void teardown(void) { sfx_fini(&f); }

TestSuite(store, .init = setup, .fini = teardown);

static struct store_audit audit_now(void)
{
	struct store *ro = NULL;
	cr_assert_eq(store_open(f.db, STORE_READ, &ro, &err), ST_OK, "%s", err.msg);
	struct store_audit a;
	cr_assert_eq(store_audit(ro, f.id, &a, NULL, NULL, &err), ST_OK, "%s", err.msg);
	store_close(ro);
	return a;
}

#define UNLOCKED_SQL(body) SFX_UNLOCKED body /* on either backend: see sfx_sql */

Test(store, files_are_owner_only)
{
	SFX_SQLITE_ONLY("file modes");
	struct stat sb;
	char *dir = sfx_path(&f, "state");
	cr_assert_eq(stat(dir, &sb), 0);
	cr_assert_eq(sb.st_mode & 0777, 0700, "folder mode %o", sb.st_mode & 0777);
	cr_assert_eq(stat(f.db, &sb), 0);
	cr_assert_eq(sb.st_mode & 0077, 0, "file mode %o", sb.st_mode & 0777);
	free(dir);
}

Test(store, schema_version_and_pragmas)
{
	SFX_SQLITE_ONLY("PRAGMA user_version and WAL; test_store_pg.c checks the version table");
	sqlite3 *db;
	cr_assert_eq(sqlite3_open(f.db, &db), SQLITE_OK);
	sqlite3_stmt *s;
	cr_assert_eq(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_step(s), SQLITE_ROW);
	cr_assert_eq(sqlite3_column_int(s, 0), 2);
	sqlite3_finalize(s);
	cr_assert_eq(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_step(s), SQLITE_ROW);
	cr_assert_str_eq((const char *)sqlite3_column_text(s, 0), "wal");
	sqlite3_finalize(s);
	sqlite3_close(db);
	/* Reopening migrates nothing and keeps the data. */
	struct store *again = NULL;
	cr_assert_eq(store_open(f.db, STORE_WRITE, &again, &err), ST_OK, "%s", err.msg);
	struct store_state ss;
	cr_assert_eq(store_read_state(again, f.id, &ss, &err), ST_OK);
	cr_assert_eq(ss.head_seq, 7);
	store_state_free(&ss);
	store_close(again);
	/* A newer schema is refused, not clobbered. */
	sfx_sql(&f, "PRAGMA user_version = 99");
	cr_assert_eq(store_open(f.db, STORE_WRITE, &again, &err), ST_CANTCREATE);
	cr_assert(strstr(err.msg, "newer steward"), "%s", err.msg);
	sfx_sql(&f, "PRAGMA user_version = 2");
}

/* Schema 1 had no operator in its lock rows: a writer migrates such a database (keeping
 * its lock rows), a reader of it still peeks, and refusals then name the operator. */
Test(store, schema_1_database_is_migrated_and_refusals_name_the_operator)
{
	SFX_SQLITE_ONLY("PRAGMA user_version");
	store_close(f.st);
	f.st = NULL;
	char *sql = xasprintf("ALTER TABLE locks DROP COLUMN operator; PRAGMA user_version = 1;"
			      "INSERT INTO locks (session_id, pid, host, proc_start, since_ms)"
			      " VALUES ('%s', 4242, 'old-host', 1, 1700000000000)",
			      f.id);
	sfx_sql(&f, sql);
	free(sql);
	struct store *r = NULL;
	struct store_lock_holder h;
	bool stale;
	cr_assert_eq(store_open(f.db, STORE_READ, &r, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(store_lock_peek(r, f.id, &h, &stale, &err), ST_OK, "%s", err.msg);
	cr_assert_str_eq(h.host, "old-host");
	cr_assert_str_eq(h.op, "?");
	store_lock_holder_free(&h);
	store_close(r);

	cr_assert_eq(store_open(f.db, STORE_WRITE, &f.st, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(store_lock_peek(f.st, f.id, &h, &stale, &err), ST_OK, "%s", err.msg);
	cr_assert_str_eq(h.host, "old-host", "the lock row survived the migration");
	store_lock_holder_free(&h);
	sfx_sql(&f, "DELETE FROM locks");
	store_set_operator(f.st, "carol");
	struct session *s = NULL;
	cr_assert_eq(session_open(f.st, f.id, SESSION_WRITE, &s, &err), ST_OK, "%s", err.msg);
	struct store *other = NULL;
	cr_assert_eq(store_open(f.db, STORE_READ, &other, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(store_lock_peek(other, f.id, &h, &stale, &err), ST_OK, "%s", err.msg);
	cr_assert_str_eq(h.op, "carol");
	store_lock_holder_free(&h);
	store_close(other);
	session_close(s);
	sqlite3 *db;
	cr_assert_eq(sqlite3_open(f.db, &db), SQLITE_OK);
	sqlite3_stmt *q;
	cr_assert_eq(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
	cr_assert_eq(sqlite3_column_int(q, 0), 2);
	sqlite3_finalize(q);
	sqlite3_close(db);
}

/* Refused by the database itself, whoever asks (on PostgreSQL even its superuser). */
static void refused(const char *sql, const char *why)
{
	char *msg = sfx_sql_error(&f, sql);
	cr_assert_not_null(msg, "%s was allowed", sql);
	if (why)
		cr_assert(strstr(msg, why), "%s: %s", sql, msg);
	free(msg);
}

Test(store, events_refuse_update_and_delete)
{
	refused("UPDATE events SET data = '{}' WHERE seq = 2", "append-only");
	refused("DELETE FROM events WHERE seq = 2", "append-only");
	refused("UPDATE sessions SET runbook_sha256 = 'x'", "identity");
	refused("UPDATE session_runbooks SET text = 'x'", "never changes");
	refused("DELETE FROM session_runbooks", NULL);
	refused("DELETE FROM sessions", NULL);
	if (sfx_is_pg())
		refused("TRUNCATE events", "append-only");
	struct store_audit a = audit_now();
	cr_assert(a.intact, "%s", a.problem);
}

Test(store, intact_chain_verifies)
{
	struct store_audit a = audit_now();
	cr_assert(a.intact, "%s", a.problem);
	cr_assert_eq(a.n_events, 7);
	cr_assert_eq(strlen(a.head), 64);
}

Test(store, edited_event_breaks_the_chain)
{
	sfx_sql(&f, UNLOCKED_SQL("UPDATE events SET data = '{\"text\":\"a different note\"}' WHERE seq = 5;"));
	struct store_audit a = audit_now();
	cr_assert_not(a.intact);
	cr_assert_eq(a.bad_seq, 5);
	cr_assert(strstr(a.problem, "event 5"), "%s", a.problem);
}

Test(store, edited_operator_or_time_breaks_the_chain)
{
	sfx_sql(&f, UNLOCKED_SQL("UPDATE events SET operator = 'mallory' WHERE seq = 3;"));
	struct store_audit a = audit_now();
	cr_assert_not(a.intact);
	cr_assert_eq(a.bad_seq, 3);
}

Test(store, rehashed_edit_breaks_the_next_link)
{
	/* Editing an event and recomputing its own hash leaves the next event's prev_hash wrong. */
	sfx_sql(&f, UNLOCKED_SQL("UPDATE events SET at_ms = at_ms + 1, hash = 'f' || substr(hash, 2) WHERE seq = 2;"));
	struct store_audit a = audit_now();
	cr_assert_not(a.intact);
	cr_assert_eq(a.bad_seq, 2);
}

Test(store, deleted_event_breaks_the_chain)
{
	sfx_sql(&f, UNLOCKED_SQL("DELETE FROM events WHERE seq = 3;"));
	struct store_audit a = audit_now();
	cr_assert_not(a.intact);
	cr_assert_eq(a.bad_seq, 3);
	cr_assert(strstr(a.problem, "missing"), "%s", a.problem);
}

Test(store, deleted_last_event_is_noticed)
{
	sfx_sql(&f, UNLOCKED_SQL("DELETE FROM events WHERE seq = 7;"));
	struct store_audit a = audit_now();
	cr_assert_not(a.intact);
	cr_assert_eq(a.bad_seq, 7);
}

Test(store, reordered_events_break_the_chain)
{
	sfx_sql(&f, UNLOCKED_SQL("UPDATE events SET seq = 100 WHERE seq = 3;"
				 "UPDATE events SET seq = 3 WHERE seq = 4;"
				 "UPDATE events SET seq = 4 WHERE seq = 100;"));
	struct store_audit a = audit_now();
	cr_assert_not(a.intact);
	cr_assert_eq(a.bad_seq, 3);
}

Test(store, swapped_runbook_text_is_noticed)
{
	SFX_SQLITE_ONLY("SQLite SQL; test_store_pg.c swaps it on PostgreSQL");
	sfx_sql(&f, "DROP TRIGGER session_runbooks_fixed;"
		    "UPDATE session_runbooks SET text = CAST(replace(CAST(text AS TEXT), 'Tidy up', 'Tidy') AS BLOB);");
	struct store_audit a = audit_now();
	cr_assert_not(a.intact);
	cr_assert_eq(a.bad_seq, 1);
	cr_assert(strstr(a.problem, "runbook"), "%s", a.problem);
}

Test(store, event_hash_covers_every_field)
{
	struct store_event ev = {.seq = 1, .at_ms = 5, .op = "a", .host = "h", .type = "t", .step = NULL,
				 .data = "{}", .prev_hash = "0"};
	char h0[65], h1[65];
	store_event_hash("S", &ev, h0);
	ev.step = "";
	store_event_hash("S", &ev, h1);
	cr_assert_str_neq(h0, h1, "NULL and empty step differ");
	ev.step = NULL;
	store_event_hash("T", &ev, h1);
	cr_assert_str_neq(h0, h1, "the session id counts");
	ev.op = "a\n3:";
	ev.host = "h";
	store_event_hash("S", &ev, h1);
	cr_assert_str_neq(h0, h1);
}

Test(store, second_writer_is_refused_until_the_first_dies)
{
	int ready[2];
	cr_assert_eq(pipe(ready), 0);
	pid_t child = fork();
	cr_assert_neq(child, -1);
	if (child == 0) {
		struct store *cst = NULL;
		struct session *cs = NULL;
		struct st_error cerr;
		if (store_open(f.db, STORE_WRITE, &cst, &cerr) != ST_OK ||
		    session_open(cst, f.id, SESSION_WRITE, &cs, &cerr) != ST_OK)
			_exit(3);
		if (write(ready[1], "x", 1) != 1)
			_exit(4);
		for (;;)
			pause();
	}
	close(ready[1]);
	char c;
	cr_assert_eq(read(ready[0], &c, 1), 1, "the holder took the lock");
	close(ready[0]);

	struct session *s = NULL;
	cr_assert_eq(session_open(f.st, f.id, SESSION_WRITE, &s, &err), ST_TEMPFAIL);
	char pid[32];
	snprintf(pid, sizeof pid, "process %ld", (long)child);
	cr_assert(strstr(err.msg, pid), "names the holder: %s", err.msg);
	cr_assert(strstr(err.msg, " since "), "%s", err.msg);
	/* Readers still work. */
	cr_assert_eq(session_open(f.st, f.id, SESSION_READ, &s, &err), ST_OK, "%s", err.msg);
	session_close(s);

	kill(child, SIGKILL);
	int status;
	waitpid(child, &status, 0);
	cr_assert_eq(session_open(f.st, f.id, SESSION_WRITE, &s, &err), ST_OK, "a dead holder's lock: %s", err.msg);
	struct session *again = NULL;
	cr_assert_eq(session_open(f.st, f.id, SESSION_WRITE, &again, &err), ST_TEMPFAIL, "held by this process");
	session_close(s);
	cr_assert_eq(session_open(f.st, f.id, SESSION_WRITE, &s, &err), ST_OK, "released on close: %s", err.msg);
	session_close(s);
}

/* A lock held from another machine never looks stale (its processes cannot be seen
 * from here): it refuses with the way out, and only --take-over replaces it, on the
 * record. A live holder on this host is not taken over. */
Test(store, lock_from_another_host_is_replaced_only_by_a_take_over)
{
	SFX_SQLITE_ONLY("a lock row is the lock; test_store_pg.c has the advisory lock");
	char *sql = xasprintf("INSERT INTO locks (session_id, pid, host, proc_start, since_ms)"
			      " VALUES ('%s', 4242, 'jump-host-gone', 1, 1700000000000)",
			      f.id);
	sfx_sql(&f, sql);
	free(sql);
	struct session *s = NULL;
	cr_assert_eq(session_open(f.st, f.id, SESSION_WRITE, &s, &err), ST_TEMPFAIL);
	cr_assert(strstr(err.msg, "process 4242 on jump-host-gone"), "%s", err.msg);
	cr_assert(strstr(err.msg, "--take-over"), "says the way out: %s", err.msg);
	int64_t seq_before;
	cr_assert_eq(session_open(f.st, f.id, SESSION_READ, &s, &err), ST_OK, "%s", err.msg);
	seq_before = s->seq;
	session_close(s);

	cr_assert_eq(session_open(f.st, f.id, SESSION_TAKE_OVER, &s, &err), ST_OK, "%s", err.msg);
	cr_assert_str_eq(s->taken_over_host, "jump-host-gone");
	cr_assert_eq(s->taken_over_pid, 4242);
	session_set_actor(s, "night-shift", NULL);
	cr_assert_eq(session_record_take_over(s, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(s->seq, seq_before + 1);
	cr_assert_null(s->taken_over_host);
	cr_assert_eq(session_record_take_over(s, &err), ST_OK);
	cr_assert_eq(s->seq, seq_before + 1, "recorded once");
	/* now held by this process, which is alive: a take-over from here does not replace it */
	struct session *second = NULL;
	cr_assert_eq(session_open(f.st, f.id, SESSION_TAKE_OVER, &second, &err), ST_TEMPFAIL);
	cr_assert(strstr(err.msg, "this process"), "%s", err.msg);
	session_close(s);

	cr_assert_eq(session_open(f.st, f.id, SESSION_READ, &s, &err), ST_OK, "%s", err.msg);
	session_close(s);
	struct store_audit a = audit_now();
	cr_assert(a.intact, "%s", a.problem);
	sqlite3 *db = NULL;
	cr_assert_eq(sqlite3_open_v2(f.db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *q = NULL;
	cr_assert_eq(sqlite3_prepare_v2(db, "SELECT operator, data FROM events WHERE type = 'lock_taken_over'", -1, &q,
					NULL),
		     SQLITE_OK);
	cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
	cr_assert_str_eq((const char *)sqlite3_column_text(q, 0), "night-shift");
	const char *data = (const char *)sqlite3_column_text(q, 1);
	cr_assert(strstr(data, "\"host\":\"jump-host-gone\"") && strstr(data, "\"pid\":4242"), "%s", data);
	cr_assert(strstr(data, "since 2023-11-14"), "%s", data);
	sqlite3_finalize(q);
	sqlite3_close(db);
}

Test(store, read_only_database_still_reads)
{
	SFX_SQLITE_ONLY("file permissions");
	store_close(f.st);
	f.st = NULL;
	cr_assert_eq(chmod(f.db, 0400), 0);
	struct store *w = NULL;
	if (geteuid() != 0) { /* root writes anyway */
		cr_assert_eq(store_open(f.db, STORE_WRITE, &w, &err), ST_CANTCREATE);
		cr_assert(strstr(err.msg, f.db), "names the path: %s", err.msg);
	}
	char *dir = sfx_path(&f, "state");
	cr_assert_eq(chmod(dir, 0500), 0);
	struct store *r = NULL;
	cr_assert_eq(store_open(f.db, STORE_READ, &r, &err), ST_OK, "%s", err.msg);
	struct store_audit a;
	cr_assert_eq(store_audit(r, f.id, &a, NULL, NULL, &err), ST_OK, "%s", err.msg);
	cr_assert(a.intact, "%s", a.problem);
	struct session *s = NULL;
	cr_assert_eq(session_open(r, f.id, SESSION_READ, &s, &err), ST_OK, "%s", err.msg);
	session_close(s);
	store_close(r);
	chmod(dir, 0700);
	chmod(f.db, 0600);
	free(dir);
	cr_assert_eq(store_open(f.db, STORE_WRITE, &f.st, &err), ST_OK, "%s", err.msg);
}

Test(store, missing_database_for_readers_is_not_found)
{
	SFX_SQLITE_ONLY("a file path; test_store_pg.c names a missing database");
	struct store *r = NULL;
	char *p = sfx_path(&f, "nope/steward.db");
	cr_assert_eq(store_open(p, STORE_READ, &r, &err), ST_NOTFOUND);
	free(p);
}

Test(store, unwritable_folder_is_a_clear_error)
{
	SFX_SQLITE_ONLY("file permissions");
	if (geteuid() == 0)
		return;
	char *dir = sfx_path(&f, "ro");
	cr_assert_eq(mkdir(dir, 0500), 0);
	char *p = xasprintf("%s/sub/steward.db", dir);
	struct store *w = NULL;
	cr_assert_eq(store_open(p, STORE_WRITE, &w, &err), ST_CANTCREATE);
	cr_assert(strstr(err.msg, "--db"), "says what to do: %s", err.msg);
	chmod(dir, 0700);
	free(p);
	free(dir);
}

Test(store, locked_database_is_a_clear_temporary_refusal)
{
	SFX_SQLITE_ONLY("SQLite locking; test_store_pg.c locks a table");
	struct session *s = sfx_open(&f);
	store_set_busy_timeout(f.st, 50);
	sqlite3 *other;
	cr_assert_eq(sqlite3_open(f.db, &other), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	int64_t seq = s->seq;
	cr_assert_eq(session_note(s, -1, "while another process writes", &err), ST_TEMPFAIL);
	cr_assert(strstr(err.msg, "locked"), "%s", err.msg);
	cr_assert(strstr(err.msg, f.db), "names the database: %s", err.msg);
	cr_assert_eq(s->seq, seq);
	sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(other);
	cr_assert_eq(session_note(s, -1, "after it finished", &err), ST_OK, "%s", err.msg);
	session_close(s);
	sfx_assert_projection(&f);
}

Test(store, an_edited_cache_is_noticed)
{
	struct session *s = NULL;
	cr_assert_eq(session_open(f.st, f.id, SESSION_READ, &s, &err), ST_OK);
	cr_assert_eq(session_verify_cache(s, &err), ST_OK, "%s", err.msg);
	sfx_sql(&f, "UPDATE step_states SET status = 'done' WHERE step_id = 'run-setup';");
	cr_assert_eq(session_verify_cache(s, &err), ST_FAILED);
	cr_assert(strstr(err.msg, "run-setup"), "%s", err.msg);
	sfx_sql(&f, "UPDATE step_states SET status = 'active' WHERE step_id = 'run-setup';"
		    "UPDATE sessions SET n_done = 5;");
	cr_assert_eq(session_verify_cache(s, &err), ST_FAILED);
	cr_assert(strstr(err.msg, "progress"), "%s", err.msg);
	session_close(s);
}

/* Refusals name the holder's operator and host (issue 14), on either backend. */
Test(store, a_refused_writer_learns_the_holders_operator)
{
	int ready[2];
	cr_assert_eq(pipe(ready), 0);
	pid_t child = fork();
	cr_assert_neq(child, -1);
	if (child == 0) {
		struct store *cst = NULL;
		struct session *cs = NULL;
		struct st_error cerr;
		if (store_open(f.db, STORE_WRITE, &cst, &cerr) != ST_OK)
			_exit(3);
		store_set_operator(cst, "dave-on-nights");
		if (session_open(cst, f.id, SESSION_WRITE, &cs, &cerr) != ST_OK)
			_exit(3);
		if (write(ready[1], "x", 1) != 1)
			_exit(4);
		for (;;)
			pause();
	}
	close(ready[1]);
	char c;
	cr_assert_eq(read(ready[0], &c, 1), 1, "the holder took the lock");
	close(ready[0]);
	struct session *s = NULL;
	enum st_code rc = session_open(f.st, f.id, SESSION_WRITE, &s, &err);
	char *host = util_host_name();
	struct store_lock_holder h;
	bool stale = true;
	enum st_code prc = store_lock_peek(f.st, f.id, &h, &stale, &err);
	kill(child, SIGKILL);
	int status;
	waitpid(child, &status, 0);
	cr_assert_eq(rc, ST_TEMPFAIL);
	cr_assert(strstr(err.msg, "dave-on-nights"), "names the operator: %s", err.msg);
	cr_assert(strstr(err.msg, host), "names the host: %s", err.msg);
	cr_assert_eq(prc, ST_OK);
	cr_assert_str_eq(h.op, "dave-on-nights");
	cr_assert_not(stale, "a live holder is not stale");
	store_lock_holder_free(&h);
	free(host);
}
