/*
 * test_session_hands.c — the rules that keep a step from being done by accident
 * (issue "the operator's hands"): a checklist not all ticked needs a reason, and the
 * unticked items are recorded; a step completed out of order is recorded as such; a
 * production wait is skipped only while it runs and only with a word, as an override;
 * a failure seen in a log is credited to the log; overdue is one engine rule.
 * Fixture: tests/unit/fixtures/session/hands.yaml (basic.yaml of test_session.c, with
 * ${site_code} in its title and a 10m timeout on check-logs).
 */
#include <criterion/criterion.h>
#include <jansson.h>
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

TestSuite(hands, .init = setup, .fini = teardown);

/* The data of the last event of type `type`, parsed (caller decrefs). */
struct last_ctx {
	const char *type;
	json_t *data;
};
static bool last_cb(void *vctx, const struct store_event *ev)
{
	struct last_ctx *c = vctx;
	if (strcmp(ev->type, c->type) == 0) {
		json_decref(c->data);
		c->data = json_loads(ev->data, 0, NULL);
	}
	return true;
}
static json_t *last_event(const char *type)
{
	struct last_ctx c = {.type = type};
	cr_assert_eq(store_read_events(f.st, f.id, 0, last_cb, &c, &err), ST_OK, "%s", err.msg);
	cr_assert_not_null(c.data, "no %s event", type);
	return c.data;
}

Test(hands, a_checklist_not_all_ticked_needs_a_reason_and_is_recorded)
{
	struct session *s = sfx_open(&f);
	cr_assert_eq(session_complete(s, BACKUP, NULL, NULL, &err), ST_TEMPFAIL);
	cr_assert(strstr(err.msg, "items 1, 2 not ticked (2 of 2)"), "%s", err.msg);
	cr_assert_eq(session_unticked(s, BACKUP), 2);
	cr_assert_eq(session_tick(s, BACKUP, 0, true, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(session_complete(s, BACKUP, NULL, "  ", &err), ST_TEMPFAIL, "a blank reason is none");
	cr_assert(strstr(err.msg, "item 2 not ticked (1 of 2)"), "%s", err.msg);
	cr_assert_eq(s->steps[BACKUP].status, STEP_ACTIVE, "a refusal writes nothing");
	cr_assert_eq(session_complete(s, BACKUP, NULL, "the copy goes off site tomorrow", &err), ST_OK, "%s",
		     err.msg);
	json_t *d = last_event("step_completed");
	json_t *u = json_object_get(d, "unticked");
	cr_assert(json_is_array(u) && json_array_size(u) == 1 && json_integer_value(json_array_get(u, 0)) == 2,
		  "unticked items are recorded 1-based");
	json_decref(d);
	session_close(s);
	sfx_assert_projection(&f);
}

Test(hands, a_fully_ticked_checklist_needs_no_reason)
{
	struct session *s = sfx_open(&f);
	cr_assert_eq(session_tick(s, BACKUP, 0, true, &err), ST_OK);
	cr_assert_eq(session_tick(s, BACKUP, 1, true, &err), ST_OK);
	cr_assert_eq(session_complete(s, BACKUP, NULL, NULL, &err), ST_OK, "%s", err.msg);
	json_t *d = last_event("step_completed");
	cr_assert_null(json_object_get(d, "unticked"));
	cr_assert_null(json_object_get(d, "out_of_order"));
	json_decref(d);
	session_close(s);
}

Test(hands, a_step_completed_out_of_order_is_recorded_and_survives_a_reload)
{
	struct session *s = sfx_open(&f);
	cr_assert(session_step_out_of_turn(s, STOP_SITE));
	cr_assert_not(session_step_out_of_turn(s, BACKUP));
	cr_assert_eq(session_complete(s, STOP_SITE, "STOP", NULL, &err), ST_OK, "%s", err.msg);
	cr_assert(s->steps[STOP_SITE].out_of_order);
	cr_assert_eq(s->active, BACKUP, "the active step stays");
	session_close(s);
	s = sfx_open(&f);
	cr_assert(s->steps[STOP_SITE].out_of_order, "the fold reads it back");
	cr_assert_eq(session_reopen(s, STOP_SITE, "redo in turn", &err), ST_OK);
	cr_assert_not(s->steps[STOP_SITE].out_of_order, "a reopen clears it");
	session_close(s);
}

static void to_run_setup(struct session *s)
{
	cr_assert_eq(session_complete(s, BACKUP, NULL, "on paper", &err), ST_OK, "%s", err.msg);
	cr_assert_eq(session_complete(s, STOP_SITE, "STOP", NULL, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(s->active, RUN_SETUP);
}

Test(hands, a_production_wait_is_skipped_only_while_it_runs_and_only_with_the_word)
{
	cr_assert_not(f.rehearsal, "the fixture session is a production one");
	struct session *s = sfx_open(&f);
	/* Not yet active: refused, whatever the word. */
	cr_assert_eq(session_skip(s, RUN_SETUP, "impatient", "SKIP-WAIT", &err), ST_TEMPFAIL);
	cr_assert(strstr(err.msg, "has not started"), "%s", err.msg);
	to_run_setup(s);
	sfx_advance(&f, 60 * 1000);
	cr_assert_eq(session_skip_needs_word(s, RUN_SETUP, util_now_ms()), 29 * 60 * 1000);
	cr_assert_str_eq(session_skip_wait_word(s, RUN_SETUP), "SKIP-WAIT");
	cr_assert_eq(session_skip(s, RUN_SETUP, "setup already ran", NULL, &err), ST_TEMPFAIL);
	cr_assert(strstr(err.msg, "type SKIP-WAIT"), "%s", err.msg);
	cr_assert_eq(session_skip(s, RUN_SETUP, "setup already ran", "skip-wait", &err), ST_TEMPFAIL,
		     "the word is exact");
	cr_assert_eq(session_skip(s, RUN_SETUP, "setup already ran", "SKIP-WAIT", &err), ST_OK, "%s", err.msg);
	cr_assert(s->steps[RUN_SETUP].wait_overridden);
	json_t *d = last_event("step_skipped");
	cr_assert(json_is_true(json_object_get(d, "wait_overridden")));
	cr_assert_eq(json_integer_value(json_object_get(d, "wait_left_ms")), 29 * 60 * 1000);
	json_decref(d);
	session_close(s);
	sfx_assert_projection(&f);
}

Test(hands, an_elapsed_production_wait_skips_with_a_reason_alone)
{
	struct session *s = sfx_open(&f);
	to_run_setup(s);
	sfx_advance(&f, 30 * 60 * 1000);
	cr_assert_eq(session_skip_needs_word(s, RUN_SETUP, util_now_ms()), 0);
	cr_assert_eq(session_skip(s, RUN_SETUP, "ran it from the console", NULL, &err), ST_OK, "%s", err.msg);
	cr_assert_not(s->steps[RUN_SETUP].wait_overridden);
	session_close(s);
}

Test(hands, a_rehearsal_skips_a_running_wait_with_a_reason_alone)
{
	sfx_fini(&f);
	sfx_init(&f, "hands.yaml");
	f.rehearsal = true;
	sfx_start(&f, NULL);
	struct session *s = sfx_open(&f);
	to_run_setup(s);
	cr_assert_eq(session_skip_needs_word(s, RUN_SETUP, util_now_ms()), 0);
	cr_assert_eq(session_skip(s, RUN_SETUP, "rehearsal", NULL, &err), ST_OK, "%s", err.msg);
	session_close(s);
}

Test(hands, a_failure_seen_in_a_log_is_credited_to_the_log)
{
	struct session *s = sfx_open(&f);
	to_run_setup(s);
	sfx_advance(&f, 30 * 60 * 1000);
	cr_assert_eq(session_complete(s, RUN_SETUP, NULL, NULL, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(session_record_failure(s, CHECK_LOGS, 0, "/logs/sitecomp.log", 10, "Setup failed", &err), ST_OK,
		     "%s", err.msg);
	cr_assert_eq(s->steps[CHECK_LOGS].status, STEP_FAILED);
	cr_assert(s->steps[CHECK_LOGS].failed_by_log);
	cr_assert_eq(session_reopen(s, CHECK_LOGS, "fixed the account", &err), ST_OK);
	cr_assert_eq(session_fail(s, CHECK_LOGS, "the console shows errors", &err), ST_OK);
	cr_assert_not(s->steps[CHECK_LOGS].failed_by_log, "failed by hand this time");
	session_close(s);
}

Test(hands, overdue_is_counted_from_activation_past_an_unsatisfied_timeout)
{
	struct session *s = sfx_open(&f);
	cr_assert_eq(session_overdue_ms(s, BACKUP, util_now_ms() + 999999999), 0, "no timeout, never overdue");
	to_run_setup(s);
	sfx_advance(&f, 30 * 60 * 1000);
	cr_assert_eq(session_complete(s, RUN_SETUP, NULL, NULL, &err), ST_OK, "%s", err.msg);
	int64_t t = util_now_ms();
	cr_assert_eq(session_overdue_ms(s, CHECK_LOGS, t + 10 * 60 * 1000), 0, "exactly at the timeout: not yet");
	cr_assert_eq(session_overdue_ms(s, CHECK_LOGS, t + 12 * 60 * 1000), 2 * 60 * 1000);
	cr_assert_eq(session_overdue_ms(s, STOP_SITE, t + 12 * 60 * 1000), 0, "a done step is never overdue");
	session_close(s);
}

Test(hands, the_session_title_substitutes_variables)
{
	struct session *s = sfx_open(&f);
	char *t = session_title(s);
	cr_assert_str_eq(t, "Hands fixture for site ABC");
	free(t);
	session_close(s);
}

Test(hands, a_tick_is_recorded_numbered_from_one_with_variables_substituted)
{
	struct session *s = sfx_open(&f);
	cr_assert_eq(session_tick(s, BACKUP, 1, true, &err), ST_OK, "%s", err.msg);
	json_t *d = last_event("checklist_ticked");
	cr_assert_eq(json_integer_value(json_object_get(d, "number")), 2, "numbered as on screen");
	cr_assert_null(json_object_get(d, "item"), "no 0-based item in new events");
	cr_assert_str_eq(json_string_value(json_object_get(d, "text")), "Copy the backup of ABC off the server");
	json_decref(d);
	session_close(s);
	s = sfx_open(&f);
	cr_assert(!s->steps[BACKUP].ticked[0] && s->steps[BACKUP].ticked[1], "the replay reads the number");
	session_close(s);
	sfx_assert_projection(&f);
}

Test(hands, an_old_tick_event_with_a_0_based_item_still_replays)
{
	struct session *s = sfx_open(&f);
	int64_t seq = s->seq;
	session_close(s);
	/* as steward recorded it before: {"item":0,"text":<raw>,"ticked":true} */
	struct store_event ev = {.at_ms = f.now, .op = "old", .host = "h", .type = "checklist_ticked",
				 .step = "backup", .data = "{\"item\":0,\"text\":\"Back up the site database\",\"ticked\":true}"};
	cr_assert_eq(store_begin(f.st, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(store_append(f.st, f.id, seq, &ev, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(store_commit(f.st, &err), ST_OK, "%s", err.msg);
	s = sfx_open(&f);
	cr_assert(s->steps[BACKUP].ticked[0] && !s->steps[BACKUP].ticked[1], "item 0 is the first item");
	session_close(s);
}
