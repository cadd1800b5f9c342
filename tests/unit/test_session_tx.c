/*
 * test_session_tx.c — the transaction every change goes through (session_tx.c): what a
 * session says when a failed change cannot be undone in memory.
 * Fixture: tests/unit/fixtures/session/basic.yaml (see test_session.c).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "sessfix.h"
#include "steward/util.h"

static struct sfx f;

static void setup(void)
{
	sfx_init(&f, "basic.yaml");
	sfx_start(&f, NULL);
}

static void teardown(void) { sfx_fini(&f); }

TestSuite(session_tx, .init = setup, .fini = teardown);

/*
 * Another process appends an event with a payload that is not JSON. The next change here
 * fails (the session moved under it), and the reload that follows the rollback fails on
 * that payload: every later change must name that cause, not claim the session was
 * opened read-only (it was opened for writing and still holds the lock).
 */
Test(session_tx, a_failed_reload_is_reported_by_every_later_change)
{
	struct session *s = sfx_open(&f);
	char sql[512];
	snprintf(sql, sizeof sql,
		 "INSERT INTO events (session_id, seq, at_ms, operator, host, type, step, data, prev_hash, hash)"
		 " VALUES ('%s', %lld, %lld, 'mallory', 'elsewhere', 'note_added', NULL, 'not json', 'x', 'y')",
		 f.id, (long long)s->seq + 1, (long long)f.now);
	sfx_sql(&f, sql);

	struct st_error err = {0};
	cr_assert_eq(session_note(s, -1, "first", &err), ST_TEMPFAIL, "%s", err.msg);
	cr_assert(strstr(err.msg, "changed under this process"), "the change's own failure first: %s", err.msg);

	cr_assert_eq(session_note(s, -1, "second", &err), ST_INVALID, "%s", err.msg);
	cr_assert(strstr(err.msg, "unreadable payload"), "the reload's cause: %s", err.msg);
	cr_assert_null(strstr(err.msg, "read-only"), "%s", err.msg);
	cr_assert_eq(session_note(s, -1, "third", &err), ST_INVALID, "still refused, still the cause: %s", err.msg);
	cr_assert(strstr(err.msg, "unreadable payload"), "%s", err.msg);
	session_close(s);
}
