/*
 * test_session_fold.c — the fold (session_fold.c) on events it did not write: indexes
 * taken from a payload are bounds-checked when the event is folded, not left for every
 * reader of the state to check.
 * Fixture: tests/unit/fixtures/session/basic.yaml (check-logs: two verify blocks, the
 * first with two expect entries; one failure signature).
 */
#include <criterion/criterion.h>
#include <stdio.h>

#include "sessfix.h"

enum { CHECK_LOGS = 4 };

static struct sfx f;

static void setup(void)
{
	sfx_init(&f, "basic.yaml");
	sfx_start(&f, NULL);
}

static void teardown(void) { sfx_fini(&f); }

TestSuite(session_fold, .init = setup, .fini = teardown);

/* Appends an event to the session as another writer would (no hash chain: replay does
 * not check it; `audit` does). */
static void append_event(int64_t seq, const char *type, const char *step, const char *data)
{
	char sql[1024];
	snprintf(sql, sizeof sql,
		 "INSERT INTO events (session_id, seq, at_ms, operator, host, type, step, data, prev_hash, hash)"
		 " VALUES ('%s', %lld, %lld, 'mallory', 'elsewhere', '%s', '%s', '%s', 'x', 'y')",
		 f.id, (long long)seq, (long long)f.now, type, step, data);
	sfx_sql(&f, sql);
}

static struct session *open_reader(void)
{
	struct session *s = NULL;
	struct st_error err = {0};
	cr_assert_eq(session_open(f.st, f.id, SESSION_READ, &s, &err), ST_OK, "%s", err.msg);
	return s;
}

Test(session_fold, a_marker_naming_an_expect_entry_the_runbook_lacks_is_ignored)
{
	struct session *s = open_reader();
	int64_t head = s->seq;
	session_close(s);
	append_event(head + 1, "marker_seen", "check-logs",
		     "{\"verify\":0,\"expect\":99,\"line\":\"forged\",\"file\":\"sitecomp.log\",\"offset\":0}");
	s = open_reader();
	cr_assert_eq(s->seq, head + 1, "the event was folded");
	cr_assert_eq(s->steps[CHECK_LOGS].n_markers, 0, "a marker for expect entry 99 of a 2-entry block");
	cr_assert_eq(s->steps[CHECK_LOGS].matched[0], 0, "matched %zu", s->steps[CHECK_LOGS].matched[0]);
	session_close(s);
}

Test(session_fold, a_failure_naming_no_signature_still_fails_the_step)
{
	struct session *s = open_reader();
	int64_t head = s->seq;
	session_close(s);
	append_event(head + 1, "failure_seen", "check-logs",
		     "{\"fail\":7,\"line\":\"Setup failed\",\"file\":\"sitecomp.log\",\"offset\":0}");
	s = open_reader();
	cr_assert_eq(s->steps[CHECK_LOGS].status, STEP_FAILED, "a failure is never dropped");
	cr_assert_eq(s->steps[CHECK_LOGS].n_failures, 1);
	cr_assert_eq(s->steps[CHECK_LOGS].failures[0].fail, SESS_FAIL_UNKNOWN, "index %zu",
		     s->steps[CHECK_LOGS].failures[0].fail);
	session_close(s);
}
