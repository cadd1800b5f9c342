/*
 * test_store.c — the SQLite store: owner-only files, schema version, append-only
 * triggers, the hash chain breaking on any edited, deleted or reordered event (the
 * database edited directly with the triggers dropped), and what it cannot see: a forger
 * who completes the rewrite (rehashes forward with the public encoding, moves the cached
 * head and state back) passes the chain alone and is caught only by a seal or by a head
 * recorded elsewhere. The session lock (a second writer refused while the first lives,
 * taken over once it is killed), readers on a read-only file.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sessfix.h"
#include "steward/seal.h"
#include "testskip.h"
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

/* ---------- the completed attack ----------
 * A forger who can write the database and has read docs/audit-trail.md: drops the
 * append-only triggers, changes what it wants, recomputes every hash from the edit on
 * with the public encoding (store_event_hash), and rebuilds the cached state (head,
 * progress, step rows, last activity) with steward's own replay, so that nothing but
 * the content differs from an honest database. The chain alone cannot tell; a seal or
 * a head recorded elsewhere can. */

/* Recomputes prev_hash and hash of events from..to (inclusive) of the session. */
static void forge_rehash(int64_t from, int64_t to)
{
	sqlite3 *db = NULL;
	cr_assert_eq(sqlite3_open(f.db, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, "DROP TRIGGER events_no_update;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_stmt *rd = NULL, *wr = NULL;
	cr_assert_eq(sqlite3_prepare_v2(db,
					"SELECT seq, at_ms, operator, host, type, step, data, hash FROM events "
					"WHERE session_id = ?1 ORDER BY seq",
					-1, &rd, NULL),
		     SQLITE_OK);
	cr_assert_eq(sqlite3_prepare_v2(db, "UPDATE events SET prev_hash = ?3, hash = ?4 WHERE session_id = ?1 AND seq = ?2",
					-1, &wr, NULL),
		     SQLITE_OK);
	sqlite3_bind_text(rd, 1, f.id, -1, SQLITE_STATIC);
	/* Read them all first: the updates below must not move the cursor. */
	struct { int64_t seq, at_ms; char *op, *host, *type, *step, *data; char hash[65]; } rows[64];
	size_t n = 0;
	while (sqlite3_step(rd) == SQLITE_ROW) {
		cr_assert_lt(n, sizeof rows / sizeof rows[0]);
		const char *step = (const char *)sqlite3_column_text(rd, 5);
		rows[n].seq = sqlite3_column_int64(rd, 0);
		rows[n].at_ms = sqlite3_column_int64(rd, 1);
		rows[n].op = xstrdup((const char *)sqlite3_column_text(rd, 2));
		rows[n].host = xstrdup((const char *)sqlite3_column_text(rd, 3));
		rows[n].type = xstrdup((const char *)sqlite3_column_text(rd, 4));
		rows[n].step = step ? xstrdup(step) : NULL;
		rows[n].data = xstrdup((const char *)sqlite3_column_text(rd, 6));
		snprintf(rows[n].hash, sizeof rows[n].hash, "%s", (const char *)sqlite3_column_text(rd, 7));
		n++;
	}
	sqlite3_finalize(rd);
	char prev[65];
	memset(prev, '0', 64);
	prev[64] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (rows[i].seq >= from && rows[i].seq <= to) {
			struct store_event ev = {.seq = rows[i].seq, .at_ms = rows[i].at_ms, .op = rows[i].op,
						 .host = rows[i].host, .type = rows[i].type, .step = rows[i].step,
						 .data = rows[i].data};
			memcpy(ev.prev_hash, prev, 65);
			store_event_hash(f.id, &ev, rows[i].hash);
			sqlite3_reset(wr);
			sqlite3_bind_text(wr, 1, f.id, -1, SQLITE_STATIC);
			sqlite3_bind_int64(wr, 2, rows[i].seq);
			sqlite3_bind_text(wr, 3, prev, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(wr, 4, rows[i].hash, -1, SQLITE_STATIC);
			cr_assert_eq(sqlite3_step(wr), SQLITE_DONE, "%s", sqlite3_errmsg(db));
		}
		memcpy(prev, rows[i].hash, 65);
		free(rows[i].op);
		free(rows[i].host);
		free(rows[i].type);
		free(rows[i].step);
		free(rows[i].data);
	}
	sqlite3_finalize(wr);
	cr_assert_eq(sqlite3_exec(db,
				  "CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'x'); END;",
				  NULL, NULL, NULL),
		     SQLITE_OK);
	sqlite3_close(db);
}

/* Moves the cached state (sessions.head_seq/head_hash, progress, step and log rows) to
 * what a replay of the forged events says. */
static void forge_cache(void)
{
	struct session *s = NULL;
	cr_assert_eq(session_open(f.st, f.id, SESSION_READ, &s, &err), ST_OK, "%s", err.msg);
	struct store_state ss;
	session_projection(s, &ss);
	session_close(s);
	cr_assert_eq(store_begin(f.st, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(store_put_state(f.st, f.id, &ss, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(store_commit(f.st, &err), ST_OK, "%s", err.msg);
	store_state_free(&ss);
}

/* What `steward audit [--head HEAD]` decides, below the CLI: the chain (store_audit),
 * the cache against a replay, then the seals and the head recorded elsewhere. */
struct verdict {
	struct store_audit chain;
	bool cache_ok;
	struct seal_report seals;
};

static bool collect_cb(void *ctx, const struct store_event *ev)
{
	seal_collect(ctx, ev->seq, ev->hash, ev->type, ev->op, ev->host, ev->data);
	return true;
}

static struct verdict audit_all(const char *head)
{
	struct verdict v = {0};
	struct store *ro = NULL;
	cr_assert_eq(store_open(f.db, STORE_READ, &ro, &err), ST_OK, "%s", err.msg);
	struct seal_ctx *sc = seal_ctx_new();
	cr_assert_eq(store_audit(ro, f.id, &v.chain, collect_cb, sc, &err), ST_OK, "%s", err.msg);
	struct session *s = NULL;
	cr_assert_eq(session_open(ro, f.id, SESSION_READ, &s, &err), ST_OK, "%s", err.msg);
	v.cache_ok = session_verify_cache(s, &err) == ST_OK;
	session_close(s);
	cr_assert_eq(seal_check_all(sc, f.id, NULL, head, &v.seals, &err), ST_OK, "%s", err.msg);
	seal_ctx_free(sc);
	store_close(ro);
	return v;
}

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
	cr_assert_eq(sqlite3_column_int(s, 0), 3);
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
	sfx_sql(&f, "PRAGMA user_version = 3");
}

/* Schemas 1 and 2 had no operator in their lock rows: a writer migrates such a database (keeping
 * its lock rows), a reader of it still peeks, and refusals then name the operator. */
Test(store, schema_2_database_is_migrated_and_refusals_name_the_operator)
{
	SFX_SQLITE_ONLY("PRAGMA user_version");
	store_close(f.st);
	f.st = NULL;
	char *sql = xasprintf("ALTER TABLE locks DROP COLUMN operator; PRAGMA user_version = 2;"
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
	cr_assert_eq(sqlite3_column_int(q, 0), 3);
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
	SFX_SQLITE_ONLY("reads or forges the SQLite file directly");
	/* Editing an event and recomputing its own hash leaves the next event's prev_hash wrong. */
	sfx_sql(&f, UNLOCKED_SQL("UPDATE events SET at_ms = at_ms + 1 WHERE seq = 2;"));
	forge_rehash(2, 2);
	struct store_audit a = audit_now();
	cr_assert_not(a.intact);
	cr_assert_eq(a.bad_seq, 3, "event 2 verifies on its own; event 3 no longer follows it: %s", a.problem);
	cr_assert(strstr(a.problem, "event 3") && strstr(a.problem, "prev_hash differs"), "%s", a.problem);
}

Test(store, deleted_event_breaks_the_chain)
{
	sfx_sql(&f, UNLOCKED_SQL("DELETE FROM events WHERE seq = 3;"));
	struct store_audit a = audit_now();
	cr_assert_not(a.intact);
	cr_assert_eq(a.bad_seq, 3);
	cr_assert(strstr(a.problem, "missing"), "%s", a.problem);
}

Test(store, deleted_last_event_without_moving_the_head_is_noticed)
{
	/* Half the attack: the cached head still names event 7. The completed one is below. */
	sfx_sql(&f, UNLOCKED_SQL("DELETE FROM events WHERE seq = 7;"));
	struct store_audit a = audit_now();
	cr_assert_not(a.intact);
	cr_assert_eq(a.bad_seq, 7);
	cr_assert(strstr(a.problem, "the last events are missing"), "%s", a.problem);
}

Test(store, rewrite_rehashed_forward_is_caught_only_by_a_head_recorded_elsewhere)
{
	SFX_SQLITE_ONLY("reads or forges the SQLite file directly");
	struct verdict before = audit_all(NULL);
	cr_assert(before.chain.intact, "%s", before.chain.problem);
	char ticket[65]; /* the head the operator recorded in the change ticket */
	memcpy(ticket, before.chain.head, 65);
	seal_report_free(&before.seals);

	/* Event 5 is the note: the forger rewrites it, rehashes 5..7 and fixes the cache. */
	sfx_sql(&f, UNLOCKED_SQL("UPDATE events SET data = '{\"text\":\"a forged note\"}' WHERE seq = 5;"));
	forge_rehash(5, 7);
	forge_cache();

	/* What the design guarantees: the chain has no secret, so on its own it verifies ... */
	struct verdict v = audit_all(NULL);
	cr_assert(v.chain.intact, "the chain alone cannot see a completed rewrite: %s", v.chain.problem);
	cr_assert_eq(v.chain.n_events, 7);
	cr_assert(v.cache_ok, "the forger moved the cache too: %s", err.msg);
	cr_assert_str_neq(v.chain.head, ticket, "the rewrite changed the head");
	/* ... and audit must then report it as not sealed (nothing anchors it), not as proven. */
	cr_assert_not(v.seals.failed);
	cr_assert_eq(v.seals.n_seals, 0);
	cr_assert_eq(v.seals.last_sealed_event, 0);
	seal_report_free(&v.seals);

	/* The head recorded elsewhere is not in the rewritten chain. */
	v = audit_all(ticket);
	cr_assert(v.seals.failed, "a head recorded elsewhere must catch the rewrite");
	cr_assert_eq(v.seals.head_found_seq, 0);
	cr_assert(strstr(v.seals.problem, ticket) && strstr(v.seals.problem, "not in this session's chain"), "%s",
		  v.seals.problem);
	seal_report_free(&v.seals);
}

Test(store, dropped_tail_with_the_head_moved_back_is_caught_only_by_a_head_recorded_elsewhere)
{
	struct verdict before = audit_all(NULL);
	char ticket[65];
	memcpy(ticket, before.chain.head, 65);
	seal_report_free(&before.seals);

	/* Events 6 and 7 record that stop-site was done (STOP typed) and run-setup began:
	 * the forger removes them and moves the cached head and step rows back. */
	sfx_sql(&f, UNLOCKED_SQL("DELETE FROM events WHERE seq > 5;"));
	forge_cache();
	struct store_state ss;
	cr_assert_eq(store_read_state(f.st, f.id, &ss, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(ss.head_seq, 5);
	cr_assert_str_eq(ss.active_step, "stop-site", "the cache now says the site was never stopped");
	store_state_free(&ss);

	struct verdict v = audit_all(NULL);
	cr_assert(v.chain.intact, "the chain alone cannot see a dropped tail: %s", v.chain.problem);
	cr_assert_eq(v.chain.n_events, 5);
	cr_assert(v.cache_ok, "%s", err.msg);
	cr_assert_not(v.seals.failed);
	cr_assert_eq(v.seals.last_sealed_event, 0, "reported as not sealed");
	seal_report_free(&v.seals);

	v = audit_all(ticket);
	cr_assert(v.seals.failed, "the head recorded elsewhere must catch the dropped tail");
	cr_assert(strstr(v.seals.problem, "not in this session's chain"), "%s", v.seals.problem);
	seal_report_free(&v.seals);
	/* The head of what remains is found, as the last event: it anchors events 1-5 only. */
	char head5[65];
	memcpy(head5, v.chain.head, 65);
	v = audit_all(head5);
	cr_assert_not(v.seals.failed, "%s", v.seals.problem ? v.seals.problem : "");
	cr_assert_eq(v.seals.head_found_seq, 5);
	seal_report_free(&v.seals);
}

/* Seals the session's head with a key made here (ssh-keygen, as `steward seal` does). */
static void seal_now(void)
{
	char *key = sfx_path(&f, "key");
	char *cmd = xasprintf("ssh-keygen -q -t ed25519 -N '' -C tester -f '%s' </dev/null >/dev/null", key);
	cr_assert_eq(system(cmd), 0, "ssh-keygen (openssh-client) is needed: %s", cmd);
	struct session *s = sfx_open(&f);
	char *msg = seal_message(f.id, s->seq, s->head_hash);
	char *sig = NULL, *fp = NULL;
	cr_assert_eq(seal_sign(key, msg, &sig, &fp, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(session_seal(s, s->seq, s->head_hash, sig, fp, &err), ST_OK, "%s", err.msg);
	session_close(s);
	free(sig);
	free(fp);
	free(msg);
	free(cmd);
	free(key);
}

Test(store, rewrite_before_a_seal_is_caught_by_the_seal)
{
	SFX_SQLITE_ONLY("reads or forges the SQLite file directly");
	seal_now(); /* event 8 seals events 1-7 */
	struct session *s = sfx_open(&f);
	cr_assert_eq(session_note(s, -1, "after the seal", &err), ST_OK, "%s", err.msg);
	session_close(s);
	struct verdict v = audit_all(NULL);
	cr_assert(v.chain.intact && !v.seals.failed, "%s", v.seals.problem ? v.seals.problem : v.chain.problem);
	cr_assert_eq(v.seals.last_sealed_event, 8);
	cr_assert_eq(v.chain.n_events, 9, "event 9 is reported as unsealed");
	seal_report_free(&v.seals);

	sfx_sql(&f, UNLOCKED_SQL("UPDATE events SET data = '{\"text\":\"a forged note\"}' WHERE seq = 5;"));
	forge_rehash(5, 9);
	forge_cache();
	v = audit_all(NULL);
	cr_assert(v.chain.intact, "the chain alone verifies again: %s", v.chain.problem);
	cr_assert(v.cache_ok, "%s", err.msg);
	cr_assert(v.seals.failed, "the seal must catch an edit before it, rehashed forward");
	cr_assert(strstr(v.seals.problem, "the seal of event 8") && strstr(v.seals.problem, "signs another head"),
		  "%s", v.seals.problem);
	seal_report_free(&v.seals);
}

Test(store, rewrite_after_the_last_seal_is_not_covered_by_it)
{
	SFX_SQLITE_ONLY("reads or forges the SQLite file directly");
	seal_now();
	struct session *s = sfx_open(&f);
	cr_assert_eq(session_note(s, -1, "after the seal", &err), ST_OK, "%s", err.msg);
	session_close(s);
	sfx_sql(&f, UNLOCKED_SQL("UPDATE events SET data = '{\"text\":\"forged after the seal\"}' WHERE seq = 9;"));
	forge_rehash(9, 9);
	forge_cache();
	struct verdict v = audit_all(NULL);
	cr_assert(v.chain.intact && v.cache_ok, "%s", v.chain.problem);
	cr_assert_not(v.seals.failed, "nothing covers event 9: %s", v.seals.problem ? v.seals.problem : "");
	cr_assert_eq(v.seals.last_sealed_event, 8, "so audit reports event 9 as unsealed");
	cr_assert_eq(v.chain.n_events, 9);
	seal_report_free(&v.seals);
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
	static const char zeros[] = "0000000000000000000000000000000000000000000000000000000000000000";
	const struct store_event base = {.seq = 1, .at_ms = 5, .op = "a", .host = "h", .type = "t", .step = NULL,
					 .data = "{}"};
	struct store_event ev = base;
	memcpy(ev.prev_hash, zeros, 65);
	char h0[65];
	store_event_hash("S", &ev, h0);
	/* The documented encoding, computed by hand (docs/audit-trail.md):
	 * printf 'steward-event/1\n1:S\n1:1\n24:1970-01-01T00:00:00.005Z\n1:a\n1:h\n1:t\n~\n2:{}\n64:0...0\n' | sha256sum */
	cr_assert_str_eq(h0, "1bf2f715356a88ee727bdcdf82c16b4ef0168c7a5fa765bc646e40b17fbb31d4");

	/* Each of the nine fields changed alone changes the hash, and no two changes collide
	 * (the length prefixes keep "a" + "\n3:..." from reading as two fields). */
	enum { N = 11 };
	char h[N][65];
	const char *what[N] = {"session id", "seq", "at", "operator", "host", "type", "step NULL -> \"\"",
			       "step", "data", "prev_hash", "operator spilling into host"};
	for (int i = 0; i < N; i++) {
		ev = base;
		memcpy(ev.prev_hash, zeros, 65);
		const char *sid = "S";
		switch (i) {
		case 0: sid = "T"; break;
		case 1: ev.seq = 2; break;
		case 2: ev.at_ms = 6; break;
		case 3: ev.op = "b"; break;
		case 4: ev.host = "i"; break;
		case 5: ev.type = "u"; break;
		case 6: ev.step = ""; break;
		case 7: ev.step = "backup"; break;
		case 8: ev.data = "{\"x\":1}"; break;
		case 9: ev.prev_hash[63] = '1'; break;
		case 10: ev.op = "a\n1:h"; ev.host = ""; break;
		}
		store_event_hash(sid, &ev, h[i]);
		cr_assert_str_neq(h[i], h0, "the %s is not covered", what[i]);
		for (int j = 0; j < i; j++)
			cr_assert_str_neq(h[i], h[j], "%s and %s give the same hash", what[i], what[j]);
	}
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

Test(store, read_only_database_refuses_writers)
{
	skip_as_root("a read-only database refusing writers");
	store_close(f.st);
	f.st = NULL;
	cr_assert_eq(chmod(f.db, 0400), 0);
	struct store *w = NULL;
	cr_assert_eq(store_open(f.db, STORE_WRITE, &w, &err), ST_CANTCREATE);
	cr_assert_null(w);
	cr_assert(strstr(err.msg, f.db), "names the path: %s", err.msg);
	chmod(f.db, 0600);
	cr_assert_eq(store_open(f.db, STORE_WRITE, &f.st, &err), ST_OK, "%s", err.msg);
}

Test(store, read_only_database_still_reads)
{
	SFX_SQLITE_ONLY("file permissions");
	store_close(f.st);
	f.st = NULL;
	cr_assert_eq(chmod(f.db, 0400), 0);
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
	skip_as_root("an unwritable folder");
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

/* The cached step rows round-trip whatever text they hold (on PostgreSQL they go to the
 * server as array literals in one statement: quotes, backslashes, commas, braces, the
 * word NULL and real NULLs must all survive), and a second write with one row changed
 * leaves the others as they were. */
Test(store, step_rows_round_trip_any_text)
{
	struct store_state ss;
	cr_assert_eq(store_read_state(f.st, f.id, &ss, &err), ST_OK, "%s", err.msg);
	cr_assert_geq(ss.n_steps, 3);
	const char *odd[] = {"a\"b\\c,{d} e", "NULL", "", "\\\"}{,"};
	for (size_t i = 0; i < ss.n_steps; i++) {
		free(ss.steps[i].completed_by);
		free(ss.steps[i].op);
		ss.steps[i].completed_by = i % 5 == 4 ? NULL : xstrdup(odd[i % 4]);
		ss.steps[i].op = i % 2 ? NULL : xstrdup(odd[(i + 1) % 4]);
		ss.steps[i].completed_ms = (int64_t)i * 1000 + 7;
	}
	for (int round = 0; round < 2; round++) {
		if (round == 1) { /* one row changed */
			free(ss.steps[1].completed_by);
			ss.steps[1].completed_by = xstrdup("changed \"again\"");
		}
		cr_assert_eq(store_begin(f.st, &err), ST_OK, "%s", err.msg);
		cr_assert_eq(store_put_state(f.st, f.id, &ss, &err), ST_OK, "%s", err.msg);
		cr_assert_eq(store_commit(f.st, &err), ST_OK, "%s", err.msg);
		struct store_state back;
		cr_assert_eq(store_read_state(f.st, f.id, &back, &err), ST_OK, "%s", err.msg);
		cr_assert_eq(back.n_steps, ss.n_steps);
		for (size_t i = 0; i < ss.n_steps; i++) {
			const struct store_step_row *a = &ss.steps[i], *b = &back.steps[i];
			cr_assert_str_eq(b->step_id, a->step_id);
			cr_assert_str_eq(b->status, a->status);
			if (a->completed_by)
				cr_assert(b->completed_by && strcmp(b->completed_by, a->completed_by) == 0,
					  "row %zu: completed_by [%s], wanted [%s]", i, b->completed_by ? b->completed_by : "(null)",
					  a->completed_by);
			else
				cr_assert_null(b->completed_by, "row %zu", i);
			if (a->op)
				cr_assert(b->op && strcmp(b->op, a->op) == 0, "row %zu: op", i);
			else
				cr_assert_null(b->op, "row %zu", i);
			cr_assert_eq(b->completed_ms, a->completed_ms);
			cr_assert_eq(b->activated_ms, a->activated_ms);
		}
		store_state_free(&back);
	}
	store_state_free(&ss);
}
