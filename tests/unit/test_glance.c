/*
 * test_glance.c — a session at a glance, cached with its state so that the home screen
 * and `sessions` list a thousand sessions without replaying one: the counts, the site,
 * the first wait to run out (and so what is overdue now) come from the cache, equal
 * to a replay; a session cached by an older steward (no glance) is replayed instead, and
 * a database of schema 1 is still read.
 * Fixture: tests/unit/fixtures/session/hands.yaml (six steps, one not applicable with
 * replication=no, a 30m wait on run-setup, a 10m timeout on check-logs' log check).
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "sessfix.h"
#include "steward/util.h"

enum { BACKUP, DISABLE_REPL, STOP_SITE, RUN_SETUP, CHECK_LOGS, TIDY };

static struct sfx f;
static struct st_error err;

static void setup(void)
{
	sfx_init(&f, "hands.yaml");
	sfx_start(&f, NULL);
}

static void teardown(void) { sfx_fini(&f); }

TestSuite(glance, .init = setup, .fini = teardown);

/* The one session listed by a fresh reader (so nothing of the writer's memory helps). */
static struct session_summary *list_one(struct store **ro, size_t *n)
{
	cr_assert_eq(store_open(f.db, STORE_READ, ro, &err), ST_OK, "%s", err.msg);
	struct session_summary *rows = NULL;
	cr_assert_eq(session_list(*ro, true, &rows, n, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(*n, 1);
	return rows;
}

/* Walks to check-logs: its 10m log check is then the first wait to run out. */
static int64_t walk_to_check_logs(void)
{
	struct session *s = sfx_open(&f);
	cr_assert_eq(session_tick(s, BACKUP, 0, true, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(session_tick(s, BACKUP, 1, true, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(session_complete(s, BACKUP, NULL, NULL, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(session_complete(s, STOP_SITE, "STOP", NULL, &err), ST_OK, "%s", err.msg);
	sfx_advance(&f, 31 * 60 * 1000);
	cr_assert_eq(session_complete(s, RUN_SETUP, NULL, NULL, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(s->steps[CHECK_LOGS].status, STEP_ACTIVE);
	int64_t activated = s->steps[CHECK_LOGS].activated_ms;
	session_close(s);
	return activated;
}

Test(glance, a_listing_reads_counts_site_and_the_first_wait_from_the_cache)
{
	int64_t activated = walk_to_check_logs();
	struct store *ro = NULL;
	size_t n = 0;
	struct session_summary *rows = list_one(&ro, &n);
	struct session_summary *r = &rows[0];
	cr_assert(r->glance_known, "a session written by this steward has its glance cached");
	cr_assert_eq(r->total, 6);
	cr_assert_eq(r->not_applicable, 1, "disable-replication does not apply with replication=no");
	cr_assert_eq(r->skipped, 0);
	cr_assert_eq(r->failed, 0);
	cr_assert_str_eq(r->site, "site_code=ABC");
	cr_assert_str_eq(r->active_step, "check-logs");
	cr_assert_str_eq(r->wait_step, "check-logs");
	cr_assert_eq(r->wait_ends_ms, activated + 10 * 60 * 1000);

	/* Not overdue a minute before the timeout, overdue by a minute a minute after. */
	cr_assert_eq(session_summaries_detail(ro, rows, n, activated + 9 * 60 * 1000, 0, &err), ST_OK);
	cr_assert(r->detailed);
	cr_assert_null(r->overdue_step);
	cr_assert_eq(session_summaries_detail(ro, rows, n, activated + 11 * 60 * 1000, 0, &err), ST_OK);
	cr_assert_str_eq(r->overdue_step, "check-logs");
	cr_assert_eq(r->overdue_ms, 60 * 1000);
	session_summaries_free(rows, n);
	store_close(ro);
	sfx_assert_projection(&f);
}

Test(glance, a_failed_step_is_counted_and_ends_the_wait)
{
	walk_to_check_logs();
	struct session *s = sfx_open(&f);
	cr_assert_eq(session_fail(s, CHECK_LOGS, "SiteComp.log shows the reinstall failing", &err), ST_OK, "%s",
		     err.msg);
	session_close(s);
	struct store *ro = NULL;
	size_t n = 0;
	struct session_summary *rows = list_one(&ro, &n);
	cr_assert_eq(rows[0].failed, 1);
	cr_assert_null(rows[0].wait_step, "a failed step waits for nothing");
	session_summaries_free(rows, n);
	store_close(ro);
	sfx_assert_projection(&f);
}

Test(glance, an_altered_glance_is_caught_like_any_cached_column)
{
	sfx_sql(&f, "UPDATE sessions SET n_failed = 3");
	struct session *s = NULL;
	cr_assert_eq(session_open(f.st, f.id, SESSION_READ, &s, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(session_verify_cache(s, &err), ST_FAILED);
	cr_assert(strstr(err.msg, "summary"), "%s", err.msg);
	session_close(s);
}

Test(glance, a_session_cached_without_a_glance_is_replayed_within_the_limit)
{
	int64_t activated = walk_to_check_logs();
	/* What an older steward left: no glance in the row. */
	sfx_sql(&f, "UPDATE sessions SET glance_known = false, n_total = 0, n_na = 0, site = NULL,"
		    " overdue_step = NULL, overdue_at_ms = 0");
	struct store *ro = NULL;
	size_t n = 0;
	struct session_summary *rows = list_one(&ro, &n);
	cr_assert_not(rows[0].glance_known);
	cr_assert_eq(session_summaries_detail(ro, rows, n, activated + 11 * 60 * 1000, 0, &err), ST_OK);
	cr_assert_not(rows[0].detailed, "no replay allowed: the row stays plain");
	cr_assert_eq(session_summaries_detail(ro, rows, n, activated + 11 * 60 * 1000, SIZE_MAX, &err), ST_OK);
	cr_assert(rows[0].detailed);
	cr_assert_eq(rows[0].total, 6);
	cr_assert_eq(rows[0].not_applicable, 1);
	cr_assert_str_eq(rows[0].site, "site_code=ABC");
	cr_assert_str_eq(rows[0].overdue_step, "check-logs");
	cr_assert_eq(rows[0].overdue_ms, 60 * 1000);
	session_summaries_free(rows, n);
	store_close(ro);
}

Test(glance, a_schema_1_database_is_read_and_migrated_by_the_next_writer)
{
	SFX_SQLITE_ONLY("PRAGMA user_version and SQLite's migrations");
	walk_to_check_logs();
	store_close(f.st);
	f.st = NULL;
	sfx_sql(&f, "ALTER TABLE sessions DROP COLUMN glance_known; ALTER TABLE sessions DROP COLUMN n_skipped;"
		    "ALTER TABLE sessions DROP COLUMN n_failed; ALTER TABLE sessions DROP COLUMN n_na;"
		    "ALTER TABLE sessions DROP COLUMN n_total; ALTER TABLE sessions DROP COLUMN site;"
		    "ALTER TABLE sessions DROP COLUMN overdue_step; ALTER TABLE sessions DROP COLUMN overdue_at_ms;"
		    "ALTER TABLE locks DROP COLUMN operator; PRAGMA user_version = 1");
	struct store *ro = NULL;
	size_t n = 0;
	struct session_summary *rows = list_one(&ro, &n);
	cr_assert_not(rows[0].glance_known, "schema 1 has no glance");
	cr_assert_str_eq(rows[0].active_step, "check-logs");
	cr_assert_eq(session_summaries_detail(ro, rows, n, util_now_ms(), SIZE_MAX, &err), ST_OK, "%s", err.msg);
	cr_assert_str_eq(rows[0].site, "site_code=ABC");
	session_summaries_free(rows, n);
	store_close(ro);

	cr_assert_eq(store_open(f.db, STORE_WRITE, &f.st, &err), ST_OK, "%s", err.msg);
	struct session *s = sfx_open(&f);
	cr_assert_eq(session_note(s, CHECK_LOGS, "the next event writes the glance", &err), ST_OK, "%s", err.msg);
	session_close(s);
	rows = list_one(&ro, &n);
	cr_assert(rows[0].glance_known);
	cr_assert_str_eq(rows[0].site, "site_code=ABC");
	session_summaries_free(rows, n);
	store_close(ro);
	sfx_assert_projection(&f);
}
