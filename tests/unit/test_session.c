/*
 * test_session.c — the session engine: every transition and every refusal of
 * session.h, activation windows, the cached state and the replay equal an independent
 * replay of the stored events (sessfix.c), resume across reopen.
 * Fixture: tests/unit/fixtures/session/basic.yaml
 *   backup (checklist) · disable-replication (when replication=yes) · stop-site
 *   (confirm STOP) · run-setup (wait 30m) · check-logs (verify sitecomp since
 *   run-setup + hman; fail "Setup failed") · tidy
 */
#include <criterion/criterion.h>
#include <regex.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sessfix.h"
#include "steward/util.h"

enum { BACKUP, DISABLE_REPL, STOP_SITE, RUN_SETUP, CHECK_LOGS, TIDY };

static struct sfx f;

static void setup(void)
{
	sfx_init(&f, "basic.yaml");
	sfx_append_log(&f, "sitecomp.log", "old line 1\nold line 2\n");
	sfx_start(&f, NULL);
}

static void teardown(void) { sfx_fini(&f); }

TestSuite(session, .init = setup, .fini = teardown);

static struct st_error err;

/* Walks the fixture to the verify step: backup, stop-site, run-setup (after its wait). */
static void walk_to_check_logs(struct session *s)
{
	cr_assert_eq(session_complete(s, BACKUP, NULL, "items checked on paper", &err), ST_OK, "%s", err.msg);
	cr_assert_eq(session_complete(s, STOP_SITE, "STOP", NULL, &err), ST_OK, "%s", err.msg);
	sfx_advance(&f, 30 * 60 * 1000);
	cr_assert_eq(session_complete(s, RUN_SETUP, NULL, NULL, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(s->active, CHECK_LOGS);
}

Test(session, create_activates_the_first_step_and_marks_not_applicable_ones)
{
	regex_t rx;
	cr_assert_eq(regcomp(&rx, "^[0-9]{8}-[0-9]{6}-[0-9a-f]{4}$", REG_EXTENDED | REG_NOSUB), 0);
	cr_assert_eq(regexec(&rx, f.id, 0, NULL, 0), 0, "id %s", f.id);
	regfree(&rx);
	struct session *s = sfx_open(&f);
	cr_assert_eq(s->active, BACKUP);
	cr_assert_eq(s->steps[BACKUP].status, STEP_ACTIVE);
	cr_assert_eq(s->steps[BACKUP].activated_ms, SFX_T0);
	cr_assert_eq(s->steps[DISABLE_REPL].status, STEP_NA);
	cr_assert_eq(s->steps[STOP_SITE].status, STEP_PENDING);
	cr_assert_str_eq(s->op, "alice");
	cr_assert_str_eq(s->label, "test run");
	cr_assert_str_eq(varmap_get(&s->vars, "site_code"), "ABC");
	cr_assert_str_eq(varmap_get(&s->vars, "replication"), "no");
	cr_assert_not(s->finished);
	cr_assert_not(s->runbook_changed);
	int done, app;
	session_progress(s, &done, &app);
	cr_assert_eq(done, 0);
	cr_assert_eq(app, 5);
	session_close(s);
	sfx_assert_projection(&f);
}

Test(session, activation_records_each_logs_identity_and_size)
{
	struct session *s = sfx_open(&f);
	char *sc = sfx_path(&f, "sitecomp.log"), *hm = sfx_path(&f, "hman.log");
	struct stat sb;
	cr_assert_eq(stat(sc, &sb), 0);
	const struct log_position *w = s->steps[BACKUP].window;
	cr_assert_str_eq(w[0].path, sc);
	cr_assert_eq(w[0].dev, (uint64_t)sb.st_dev);
	cr_assert_eq(w[0].ino, (uint64_t)sb.st_ino);
	cr_assert_eq(w[0].offset, 22);
	cr_assert_str_eq(w[1].path, hm, "log_dir/file");
	cr_assert_eq(w[1].dev, 0, "a missing log is 0/0/0");
	cr_assert_eq(w[1].ino, 0);
	cr_assert_eq(w[1].offset, 0);
	cr_assert_eq(s->logs[0].offset, 22, "read positions start at the first window");
	sfx_append_log(&f, "sitecomp.log", "new line\n");
	sfx_append_log(&f, "hman.log", "hman line\n");
	sfx_advance(&f, 1000);
	cr_assert_eq(session_complete(s, BACKUP, NULL, "items checked on paper", &err), ST_OK, "%s", err.msg);
	cr_assert_eq(s->active, STOP_SITE);
	w = s->steps[STOP_SITE].window;
	cr_assert_eq(w[0].offset, 31);
	cr_assert_eq(w[1].offset, 10);
	cr_assert_neq(w[1].ino, 0);
	cr_assert_eq(s->steps[STOP_SITE].activated_ms, SFX_T0 + 1000);
	cr_assert_eq(s->logs[0].offset, 22, "activation does not move the read position");
	session_close(s);
	free(sc);
	free(hm);
	sfx_assert_projection(&f);
}

Test(session, complete_moves_to_the_next_applicable_step)
{
	struct session *s = sfx_open(&f);
	cr_assert_eq(session_complete(s, BACKUP, NULL, "backup in \\\\nas\\backups", &err), ST_OK, "%s", err.msg);
	cr_assert_eq(s->steps[BACKUP].status, STEP_DONE);
	cr_assert_eq(s->steps[BACKUP].completed_by, BY_OPERATOR);
	cr_assert_str_eq(s->steps[BACKUP].completed_op, "bob");
	cr_assert_eq(s->active, STOP_SITE, "disable-replication does not apply and is passed over");
	cr_assert_eq(s->steps[STOP_SITE].status, STEP_ACTIVE);
	cr_assert_eq(s->n_notes, 1);
	cr_assert_str_eq(s->notes[0].kind, "complete");
	cr_assert_eq(s->notes[0].step, BACKUP);
	session_close(s);
	sfx_assert_projection(&f);
}

Test(session, confirm_word_missing_or_wrong_is_refused)
{
	struct session *s = sfx_open(&f);
	cr_assert_eq(session_complete(s, BACKUP, NULL, "items checked on paper", &err), ST_OK);
	int64_t seq = s->seq;
	cr_assert_eq(session_complete(s, STOP_SITE, NULL, NULL, &err), ST_TEMPFAIL);
	cr_assert(strstr(err.msg, "STOP"), "%s", err.msg);
	cr_assert_eq(session_complete(s, STOP_SITE, "", NULL, &err), ST_TEMPFAIL);
	cr_assert_eq(session_complete(s, STOP_SITE, "stop", NULL, &err), ST_TEMPFAIL, "case matters");
	cr_assert(strstr(err.msg, "wrong confirm word"), "%s", err.msg);
	cr_assert_eq(session_complete(s, STOP_SITE, "STOPX", NULL, &err), ST_TEMPFAIL);
	cr_assert_eq(s->seq, seq, "a refusal writes nothing");
	cr_assert_eq(s->steps[STOP_SITE].status, STEP_ACTIVE);
	cr_assert_eq(session_complete(s, STOP_SITE, " STOP ", NULL, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(s->steps[STOP_SITE].status, STEP_DONE);
	session_close(s);
}

Test(session, wait_refuses_with_the_time_left_and_survives_a_restart)
{
	struct session *s = sfx_open(&f);
	cr_assert_eq(session_complete(s, BACKUP, NULL, "items checked on paper", &err), ST_OK);
	cr_assert_eq(session_complete(s, RUN_SETUP, NULL, NULL, &err), ST_TEMPFAIL,
		     "a pending step with a wait has not started");
	cr_assert(strstr(err.msg, "has not started"), "%s", err.msg);
	cr_assert_eq(session_complete(s, STOP_SITE, "STOP", NULL, &err), ST_OK);
	cr_assert_eq(s->active, RUN_SETUP);
	sfx_advance(&f, 17 * 60 * 1000 + 30 * 1000);
	cr_assert_eq(session_complete(s, RUN_SETUP, NULL, NULL, &err), ST_TEMPFAIL);
	cr_assert(strstr(err.msg, "wait 12m 30s more"), "%s", err.msg);
	cr_assert(strstr(err.msg, "30m"), "%s", err.msg);
	cr_assert_eq(session_wait_remaining_ms(s, RUN_SETUP, f.now), 12 * 60 * 1000 + 30 * 1000);
	session_close(s);

	/* A restart: the deadline comes from the stored activation time. */
	s = sfx_open(&f);
	cr_assert_eq(session_complete(s, RUN_SETUP, NULL, NULL, &err), ST_TEMPFAIL);
	cr_assert(strstr(err.msg, "wait 12m 30s more"), "%s", err.msg);
	sfx_advance(&f, 12 * 60 * 1000 + 29 * 1000);
	cr_assert_eq(session_complete(s, RUN_SETUP, NULL, NULL, &err), ST_TEMPFAIL);
	cr_assert(strstr(err.msg, "wait 1s more"), "%s", err.msg);
	sfx_advance(&f, 1000);
	cr_assert_eq(session_wait_remaining_ms(s, RUN_SETUP, f.now), 0);
	cr_assert_eq(session_complete(s, RUN_SETUP, NULL, NULL, &err), ST_OK, "%s", err.msg);
	session_close(s);
	sfx_assert_projection(&f);
}

Test(session, verify_step_needs_an_override_with_a_note)
{
	struct session *s = sfx_open(&f);
	walk_to_check_logs(s);
	cr_assert_eq(session_complete(s, CHECK_LOGS, NULL, NULL, &err), ST_TEMPFAIL);
	cr_assert(strstr(err.msg, "override"), "%s", err.msg);
	cr_assert_eq(session_complete(s, CHECK_LOGS, NULL, "by hand", &err), ST_TEMPFAIL,
		     "complete with a note is still not an override");
	cr_assert_eq(session_override(s, CHECK_LOGS, NULL, &err), ST_USAGE);
	cr_assert_eq(session_override(s, CHECK_LOGS, "  ", &err), ST_USAGE);
	cr_assert_eq(session_override(s, TIDY, "no verify here", &err), ST_USAGE);
	cr_assert_eq(session_override(s, CHECK_LOGS, "checked the logs on the console", &err), ST_OK, "%s",
		     err.msg);
	cr_assert_eq(s->steps[CHECK_LOGS].status, STEP_DONE);
	cr_assert_eq(s->steps[CHECK_LOGS].completed_by, BY_OVERRIDE);
	cr_assert_str_eq(completed_by_name(BY_OVERRIDE), "override");
	cr_assert_eq(s->active, TIDY);
	session_close(s);
	sfx_assert_projection(&f);
}

Test(session, skip_needs_a_reason)
{
	struct session *s = sfx_open(&f);
	cr_assert_eq(session_skip(s, BACKUP, NULL, NULL, &err), ST_USAGE);
	cr_assert_eq(session_skip(s, BACKUP, "", NULL, &err), ST_USAGE);
	cr_assert(strstr(err.msg, "skipping it needs a reason") != NULL, "message: %s", err.msg);
	cr_assert_eq(session_skip(s, BACKUP, "backed up yesterday", NULL, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(s->steps[BACKUP].status, STEP_SKIPPED);
	cr_assert_eq(s->active, STOP_SITE);
	cr_assert_eq(session_skip(s, BACKUP, "again", NULL, &err), ST_TEMPFAIL, "already skipped");
	cr_assert_eq(session_complete(s, BACKUP, NULL, NULL, &err), ST_TEMPFAIL, "skipped: reopen first");
	cr_assert_str_eq(s->notes[0].kind, "skip");
	cr_assert_str_eq(s->notes[0].text, "backed up yesterday");
	session_close(s);
	sfx_assert_projection(&f);
}

Test(session, fail_needs_a_note_and_reopen_a_reason)
{
	struct session *s = sfx_open(&f);
	cr_assert_eq(session_fail(s, BACKUP, NULL, &err), ST_USAGE);
	cr_assert_eq(session_fail(s, BACKUP, "disk full", &err), ST_OK, "%s", err.msg);
	cr_assert_eq(s->steps[BACKUP].status, STEP_FAILED);
	cr_assert_eq(s->active, BACKUP, "a failed step stays where it is");
	cr_assert_eq(session_fail(s, BACKUP, "again", &err), ST_TEMPFAIL);
	cr_assert_eq(session_complete(s, BACKUP, NULL, NULL, &err), ST_TEMPFAIL, "reopen first");
	cr_assert_eq(session_reopen(s, BACKUP, NULL, &err), ST_USAGE);
	cr_assert_eq(session_reopen(s, STOP_SITE, "why", &err), ST_TEMPFAIL, "pending cannot be reopened");
	sfx_advance(&f, 5000);
	cr_assert_eq(session_reopen(s, BACKUP, "freed some space", &err), ST_OK, "%s", err.msg);
	cr_assert_eq(s->steps[BACKUP].status, STEP_ACTIVE, "reopened and active again");
	cr_assert_eq(s->steps[BACKUP].activated_ms, SFX_T0 + 5000);
	cr_assert_eq(s->steps[BACKUP].completed_ms, 0);
	cr_assert_eq(session_complete(s, BACKUP, NULL, "items checked on paper", &err), ST_OK, "%s", err.msg);
	session_close(s);
	sfx_assert_projection(&f);
}

Test(session, reopen_of_an_earlier_step_makes_it_active)
{
	struct session *s = sfx_open(&f);
	cr_assert_eq(session_complete(s, BACKUP, NULL, "items checked on paper", &err), ST_OK);
	cr_assert_eq(s->active, STOP_SITE);
	cr_assert_eq(session_reopen(s, BACKUP, "forgot to copy the backup", &err), ST_OK, "%s", err.msg);
	cr_assert_eq(s->active, BACKUP);
	cr_assert_eq(s->steps[STOP_SITE].status, STEP_PENDING);
	cr_assert_eq(session_complete(s, BACKUP, NULL, "items checked on paper", &err), ST_OK);
	cr_assert_eq(s->active, STOP_SITE);
	session_close(s);
	sfx_assert_projection(&f);
}

Test(session, not_applicable_steps_refuse_everything)
{
	struct session *s = sfx_open(&f);
	size_t na = DISABLE_REPL;
	int64_t seq = s->seq;
	cr_assert_eq(session_complete(s, na, NULL, NULL, &err), ST_USAGE);
	cr_assert(strstr(err.msg, "does not apply"), "%s", err.msg);
	cr_assert_eq(session_override(s, na, "note", &err), ST_USAGE);
	cr_assert_eq(session_skip(s, na, "reason", NULL, &err), ST_USAGE);
	cr_assert_eq(session_fail(s, na, "note", &err), ST_USAGE);
	cr_assert_eq(session_reopen(s, na, "reason", &err), ST_USAGE);
	cr_assert_eq(session_activate(s, na, &err), ST_USAGE);
	cr_assert_eq(session_note(s, (long)na, "text", &err), ST_USAGE);
	cr_assert_eq(session_tick(s, na, 0, true, &err), ST_USAGE);
	cr_assert_eq(session_record_marker(s, na, 0, 0, "f", 0, "l", &err), ST_USAGE);
	cr_assert_eq(session_record_failure(s, na, 0, "f", 0, "l", &err), ST_USAGE);
	cr_assert_eq(s->seq, seq);
	cr_assert_eq(s->steps[na].status, STEP_NA);
	session_close(s);
}

Test(session, replication_yes_makes_the_step_applicable)
{
	sfx_fini(&f);
	sfx_init(&f, "basic.yaml");
	sfx_start(&f, "yes");
	struct session *s = sfx_open(&f);
	cr_assert_eq(s->steps[DISABLE_REPL].status, STEP_PENDING);
	cr_assert_eq(session_complete(s, BACKUP, NULL, "items checked on paper", &err), ST_OK);
	cr_assert_eq(s->active, DISABLE_REPL);
	session_close(s);
}

Test(session, out_of_order_completion_keeps_the_active_step)
{
	struct session *s = sfx_open(&f);
	cr_assert_eq(session_complete(s, TIDY, NULL, NULL, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(s->steps[TIDY].status, STEP_DONE);
	cr_assert_eq(s->active, BACKUP);
	cr_assert_eq(s->steps[BACKUP].activated_ms, SFX_T0, "the active step's window is untouched");
	sfx_advance(&f, 1000);
	cr_assert_eq(session_activate(s, STOP_SITE, &err), ST_OK);
	cr_assert_eq(s->active, STOP_SITE);
	cr_assert_eq(s->steps[BACKUP].status, STEP_PENDING);
	cr_assert_eq(session_activate(s, STOP_SITE, &err), ST_OK, "already active: nothing to do");
	cr_assert_eq(session_complete(s, STOP_SITE, "STOP", NULL, &err), ST_OK);
	cr_assert_eq(s->active, BACKUP, "back to the first open step");
	cr_assert_eq(s->steps[BACKUP].activated_ms, SFX_T0 + 1000);
	cr_assert_eq(session_activate(s, TIDY, &err), ST_TEMPFAIL, "done steps are not started");
	session_close(s);
	sfx_assert_projection(&f);
}

Test(session, markers_verify_the_step_in_order)
{
	struct session *s = sfx_open(&f);
	walk_to_check_logs(s);
	cr_assert_eq(session_window_step(s, CHECK_LOGS, 0), RUN_SETUP, "since:");
	cr_assert_eq(session_window_step(s, CHECK_LOGS, 1), CHECK_LOGS);
	cr_assert_eq(session_record_marker(s, CHECK_LOGS, 0, 1, "sitecomp.log", 10, "Site shutdown complete", &err),
		     ST_SOFTWARE, "out of order");
	cr_assert_eq(session_record_marker(s, CHECK_LOGS, 0, 0, "sitecomp.log", 10,
					   "Processing site shutdown transaction", &err),
		     ST_OK, "%s", err.msg);
	int64_t seq = s->seq;
	cr_assert_eq(session_record_marker(s, CHECK_LOGS, 0, 0, "sitecomp.log", 10, "again", &err), ST_OK);
	cr_assert_eq(s->seq, seq, "seen again: nothing recorded");
	cr_assert_eq(session_record_marker(s, CHECK_LOGS, 0, 1, "sitecomp.log", 80, "Site shutdown complete", &err),
		     ST_OK);
	cr_assert_eq(s->steps[CHECK_LOGS].matched[0], 2);
	cr_assert_eq(s->steps[CHECK_LOGS].status, STEP_ACTIVE, "the hman block is still open");
	cr_assert_eq(session_record_marker(s, CHECK_LOGS, 1, 0, "hman.log", 0, "Hierarchy Manager ran for ABC", &err),
		     ST_OK);
	cr_assert_eq(s->steps[CHECK_LOGS].status, STEP_DONE);
	cr_assert_eq(s->steps[CHECK_LOGS].completed_by, BY_MARKERS);
	cr_assert_eq(s->steps[CHECK_LOGS].n_markers, 3);
	cr_assert_str_eq(s->steps[CHECK_LOGS].markers[2].line, "Hierarchy Manager ran for ABC");
	cr_assert_eq(s->steps[CHECK_LOGS].markers[1].offset, 80);
	cr_assert_eq(s->active, TIDY);
	cr_assert_eq(session_record_marker(s, CHECK_LOGS, 1, 0, "hman.log", 0, "x", &err), ST_TEMPFAIL,
		     "a done step takes no more markers");
	session_close(s);
	sfx_assert_projection(&f);
}

Test(session, failure_signature_marks_the_step_failed)
{
	struct session *s = sfx_open(&f);
	walk_to_check_logs(s);
	cr_assert_eq(session_record_failure(s, CHECK_LOGS, 3, "sitecomp.log", 0, "x", &err), ST_SOFTWARE);
	cr_assert_eq(session_record_failure(s, CHECK_LOGS, 0, "sitecomp.log", 120, "Setup failed: 1603", &err), ST_OK,
		     "%s", err.msg);
	cr_assert_eq(s->steps[CHECK_LOGS].status, STEP_FAILED);
	cr_assert_eq(s->steps[CHECK_LOGS].n_failures, 1);
	cr_assert_str_eq(s->steps[CHECK_LOGS].failures[0].line, "Setup failed: 1603");
	cr_assert_eq(s->steps[CHECK_LOGS].failures[0].offset, 120);
	cr_assert_eq(session_record_marker(s, CHECK_LOGS, 0, 0, "f", 0, "l", &err), ST_TEMPFAIL);
	session_close(s);
	sfx_assert_projection(&f);
}

Test(session, a_line_records_its_observations_and_position_in_one_commit)
{
	struct session *s = sfx_open(&f);
	walk_to_check_logs(s);
	char path[] = "/x/sitecomp.log";
	struct log_position pos[2] = {{.path = path, .dev = 1, .ino = 2, .offset = 500}, {0}};
	size_t taken = 99;
	/* all or nothing: a bad observation after a good one records neither, nor the position */
	struct sess_observation bad[2] = {{.verify = 0, .expect = 0}, {.verify = 7, .expect = 0}};
	int64_t seq = s->seq;
	cr_assert_eq(session_record_line(s, CHECK_LOGS, bad, 2, "sitecomp.log", 0, "x", pos, &taken, &err),
		     ST_SOFTWARE);
	cr_assert_eq(taken, 0);
	cr_assert_eq(s->seq, seq);
	cr_assert_eq(s->steps[CHECK_LOGS].matched[0], 0);
	cr_assert_neq(s->logs[0].offset, 500);
	cr_assert(s->writable);
	session_close(s);
	s = sfx_open(&f);
	cr_assert_eq(s->seq, seq, "nothing of the refused line reached the store");
	/* one line satisfying both entries of the sitecomp block, with the position past it */
	pos[0].offset = 120;
	struct sess_observation two[2] = {{.verify = 0, .expect = 0}, {.verify = 0, .expect = 1}};
	cr_assert_eq(session_record_line(s, CHECK_LOGS, two, 2, "sitecomp.log", 80, "both", pos, &taken, &err), ST_OK,
		     "%s", err.msg);
	cr_assert_eq(taken, 2);
	cr_assert_eq(s->seq, seq + 3, "two markers and the positions");
	cr_assert_eq(s->steps[CHECK_LOGS].matched[0], 2);
	cr_assert_eq(s->logs[0].offset, 120);
	/* a failure signature and a marker on the same line: the failure wins, the marker is
	 * not an error (it used to end the watch with "log lines no longer count") */
	struct sess_observation both[2] = {{.failure = true, .fail = 0}, {.verify = 1, .expect = 0}};
	cr_assert_eq(session_record_line(s, CHECK_LOGS, both, 2, "sitecomp.log", 200, "Setup failed, Hierarchy Manager",
					 NULL, &taken, &err),
		     ST_OK, "%s", err.msg);
	cr_assert_eq(taken, 1);
	cr_assert_eq(s->steps[CHECK_LOGS].status, STEP_FAILED);
	cr_assert_eq(s->steps[CHECK_LOGS].matched[1], 0);
	session_close(s);
	sfx_assert_projection(&f);
}

Test(session, finishing_is_an_event_and_closes_the_session)
{
	struct session *s = sfx_open(&f);
	walk_to_check_logs(s);
	cr_assert_eq(session_skip(s, CHECK_LOGS, "verified on the console", NULL, &err), ST_OK);
	cr_assert_not(s->finished);
	sfx_advance(&f, 2000);
	cr_assert_eq(session_complete(s, TIDY, NULL, NULL, &err), ST_OK);
	cr_assert(s->finished);
	cr_assert_eq(s->finished_ms, f.now);
	cr_assert_eq(s->active, -1);
	int done, app;
	session_progress(s, &done, &app);
	cr_assert_eq(done, app);
	cr_assert_eq(session_reopen(s, TIDY, "oops", &err), ST_USAGE);
	cr_assert_eq(session_complete(s, TIDY, NULL, NULL, &err), ST_USAGE);
	cr_assert_eq(session_note(s, -1, "all good, closing the change", &err), ST_OK, "notes are still welcome");
	session_close(s);
	sfx_assert_projection(&f);

	struct session_summary *rows;
	size_t n;
	cr_assert_eq(session_list(f.st, false, &rows, &n, &err), ST_OK);
	cr_assert_eq(n, 0, "finished sessions are listed only with --all");
	session_summaries_free(rows, n);
	cr_assert_eq(session_list(f.st, true, &rows, &n, &err), ST_OK);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(rows[0].status, "finished");
	cr_assert_eq(rows[0].done, 5);
	cr_assert_eq(rows[0].applicable, 5);
	cr_assert_str_eq(rows[0].runbook_id, "session-fixture");
	session_summaries_free(rows, n);
}

Test(session, notes_ticks_positions_and_rotation_are_recorded)
{
	struct session *s = sfx_open(&f);
	cr_assert_eq(session_note(s, -1, "", &err), ST_USAGE);
	cr_assert_eq(session_note(s, -1, "change CHG-1234 approved", &err), ST_OK);
	cr_assert_eq(session_note(s, BACKUP, "bad utf-8: \xff\xfe end", &err), ST_OK);
	cr_assert_eq(session_tick(s, BACKUP, 5, true, &err), ST_USAGE);
	cr_assert_eq(session_tick(s, BACKUP, 1, true, &err), ST_OK);
	cr_assert(s->steps[BACKUP].ticked[1]);
	char lo[] = "/x/sitecomp.lo_";
	struct log_position pos[2] = {{.path = lo, .dev = 1, .ino = 2, .offset = 300},
				      {.path = NULL, .dev = 0, .ino = 0, .offset = 0}};
	cr_assert_eq(session_record_rotation(s, 0, "/x/sitecomp.log", "/x/sitecomp.lo_", &err), ST_OK);
	cr_assert_eq(session_record_positions(s, pos, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(s->logs[0].offset, 300);
	session_close(s);

	s = sfx_open(&f);
	cr_assert_eq(s->n_notes, 2);
	cr_assert_eq(s->notes[0].step, -1);
	cr_assert_str_eq(s->notes[1].text, "bad utf-8: \xEF\xBF\xBD\xEF\xBF\xBD end");
	cr_assert(s->steps[BACKUP].ticked[1]);
	cr_assert_not(s->steps[BACKUP].ticked[0]);
	cr_assert_str_eq(s->logs[0].path, "/x/sitecomp.lo_");
	cr_assert_eq(s->logs[0].ino, 2);
	session_close(s);
	sfx_assert_projection(&f);
}

Test(session, stored_runbook_is_used_when_the_file_changes)
{
	size_t len;
	char *text = util_read_file(f.rb_path, &len);
	char *changed = xasprintf("%s", text);
	char *t = strstr(changed, "title: Tidy up");
	cr_assert_not_null(t);
	memcpy(t, "title: XXXX up", 14);
	cr_assert_eq(util_write_file_atomic(f.rb_path, changed, strlen(changed), 0644), 0);
	struct session *s = sfx_open(&f);
	cr_assert(s->runbook_changed);
	cr_assert_str_eq(s->rb->steps[TIDY].title, "Tidy up");
	session_close(s);
	unlink(f.rb_path);
	s = sfx_open(&f);
	cr_assert(s->runbook_changed, "a missing file differs too");
	cr_assert_eq(s->rb->n_steps, 6);
	session_close(s);
	free(text);
	free(changed);
}

Test(session, prefixes_resolve_uniquely)
{
	struct session *s = NULL;
	char prefix[9];
	memcpy(prefix, f.id, 8);
	prefix[8] = '\0';
	cr_assert_eq(session_open(f.st, prefix, SESSION_READ, &s, &err), ST_OK, "%s", err.msg);
	session_close(s);
	cr_assert_eq(session_open(f.st, NULL, SESSION_READ, &s, &err), ST_OK, "latest unfinished");
	cr_assert_str_eq(s->id, f.id);
	session_close(s);
	char *first = xstrdup(f.id);
	free(f.id);
	sfx_start(&f, NULL);
	/* The fixed clock gives both sessions the same date and time: their ids share all
	 * but the random tail, so this prefix names both. */
	cr_assert_str_neq(first, f.id);
	cr_assert_eq(strncmp(first, f.id, 8), 0, "same date prefix: %s, %s", first, f.id);
	cr_assert_eq(session_open(f.st, prefix, SESSION_READ, &s, &err), ST_USAGE, "an ambiguous prefix is refused");
	cr_assert(strstr(err.msg, first) && strstr(err.msg, f.id), "names both candidates: %s", err.msg);
	cr_assert_eq(session_open(f.st, "19990101", SESSION_READ, &s, &err), ST_NOTFOUND);
	cr_assert_eq(session_open(f.st, first, SESSION_READ, &s, &err), ST_OK, "a full id");
	session_close(s);
	free(first);
}

Test(session, readers_work_while_a_writer_holds_the_lock)
{
	struct session *w = sfx_open(&f);
	struct store *ro = NULL;
	cr_assert_eq(store_open(f.db, STORE_READ, &ro, &err), ST_OK, "%s", err.msg);
	struct session *r = NULL;
	cr_assert_eq(session_open(ro, f.id, SESSION_READ, &r, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(session_complete(r, BACKUP, NULL, "items checked on paper", &err), ST_SOFTWARE, "readers cannot write");
	cr_assert_eq(session_complete(w, BACKUP, NULL, "items checked on paper", &err), ST_OK);
	cr_assert_eq(r->active, BACKUP);
	cr_assert_eq(session_refresh(r, &err), ST_OK);
	cr_assert_eq(r->active, STOP_SITE, "refresh picks up the writer's events");
	session_close(r);
	store_close(ro);
	session_close(w);
}

Test(session, log_paths_resolve_overrides_and_the_log_folder)
{
	char *other = sfx_path(&f, "elsewhere");
	cr_assert_eq(mkdir(other, 0700), 0);
	cr_assert_eq(chdir(other), 0);
	struct varmap vm = {0};
	varmap_set(&vm, "site_code", "ABC");
	char **problems = NULL;
	size_t np = 0;
	cr_assert(vars_complete(f.rb, &vm, &problems, &np));
	const char *names[] = {"hman"}, *paths[] = {"relative/hman.log"};
	struct session_params p = {.vars = &vm, .log_dir = NULL, .log_override_names = names,
				   .log_override_paths = paths, .n_log_overrides = 1, .op = "carol"};
	char *id = NULL;
	cr_assert_eq(session_create(f.st, f.rb, &p, &id, &err), ST_OK, "%s", err.msg);
	struct session *s = NULL;
	cr_assert_eq(session_open(f.st, id, SESSION_READ, &s, &err), ST_OK);
	char *sc = xasprintf("%s/sitecomp.log", other), *hm = xasprintf("%s/relative/hman.log", other);
	cr_assert_str_eq(s->logs[0].path, sc, "default log folder: the current folder, made absolute");
	cr_assert_str_eq(s->logs[1].path, hm, "--log override, made absolute");
	cr_assert_str_eq(s->log_dir, other);
	session_close(s);
	const char *bad[] = {"nosuch"};
	p.log_override_names = bad;
	char *id2 = NULL;
	cr_assert_eq(session_create(f.st, f.rb, &p, &id2, &err), ST_USAGE);
	cr_assert(strstr(err.msg, "sitecomp, hman"), "lists the logs: %s", err.msg);
	p.n_log_overrides = 0;
	p.log_dir = "missing-folder";
	cr_assert_eq(session_create(f.st, f.rb, &p, &id2, &err), ST_NOTFOUND);
	cr_assert_eq(chdir("/"), 0);
	free(problems);
	free(sc);
	free(hm);
	free(id);
	free(other);
	varmap_free(&vm);
}

Test(session, every_other_refusal)
{
	struct session *s = sfx_open(&f);
	cr_assert_eq(session_complete(s, BACKUP, NULL, "items checked on paper", &err), ST_OK);
	int64_t seq = s->seq;
	cr_assert_eq(session_complete(s, BACKUP, NULL, NULL, &err), ST_TEMPFAIL, "already done");
	cr_assert(strstr(err.msg, "already done"), "%s", err.msg);
	cr_assert_eq(session_skip(s, BACKUP, "r", NULL, &err), ST_TEMPFAIL, "done: reopen before skipping");
	cr_assert_eq(session_fail(s, BACKUP, "n", &err), ST_TEMPFAIL, "done: reopen before failing");
	cr_assert_eq(session_activate(s, BACKUP, &err), ST_TEMPFAIL, "done steps are not started");
	cr_assert_eq(session_complete(s, 99, NULL, NULL, &err), ST_USAGE, "no such step");
	cr_assert_eq(session_note(s, 99, "x", &err), ST_USAGE);
	cr_assert_eq(session_record_rotation(s, 7, "a", "b", &err), ST_SOFTWARE);
	cr_assert_eq(session_record_marker(s, CHECK_LOGS, 5, 0, "f", 0, "l", &err), ST_SOFTWARE);
	cr_assert_eq(session_tick(s, BACKUP, 9, true, &err), ST_USAGE);
	cr_assert_eq(s->seq, seq, "no refusal writes anything");
	cr_assert_eq(session_fail(s, STOP_SITE, "it would not stop", &err), ST_OK);
	cr_assert_eq(session_activate(s, STOP_SITE, &err), ST_TEMPFAIL, "failed: reopen first");
	cr_assert_eq(session_override(s, STOP_SITE, "n", &err), ST_TEMPFAIL);
	cr_assert_eq(session_skip(s, STOP_SITE, "stopped by hand in the console", NULL, &err), ST_OK,
		     "a failed step may be skipped with a reason");
	cr_assert_eq(s->active, RUN_SETUP);
	session_close(s);
	sfx_assert_projection(&f);
}

Test(session, an_override_waits_too_but_markers_do_not)
{
	sfx_fini(&f);
	sfx_init(&f, "wait-verify.yaml");
	struct varmap vm = {0};
	struct session_params p = {.vars = &vm, .log_dir = f.dir, .op = "dave"};
	cr_assert_eq(session_create(f.st, f.rb, &p, &f.id, &err), ST_OK, "%s", err.msg);
	struct session *s = sfx_open(&f);
	sfx_advance(&f, 60 * 1000);
	cr_assert_eq(session_override(s, 0, "looked at the console", &err), ST_TEMPFAIL);
	cr_assert(strstr(err.msg, "wait 9m more"), "%s", err.msg);
	sfx_advance(&f, 9 * 60 * 1000);
	cr_assert_eq(session_override(s, 0, "looked at the console", &err), ST_OK, "%s", err.msg);
	cr_assert_eq(session_reopen(s, 0, "redo it with the log", &err), ST_OK);
	cr_assert_eq(session_wait_remaining_ms(s, 0, f.now), 10 * 60 * 1000, "the wait restarts on activation");
	cr_assert_eq(session_record_marker(s, 0, 0, 0, "setup.log", 0, "Setup completed", &err), ST_OK);
	cr_assert_eq(s->steps[0].completed_by, BY_MARKERS, "log evidence is not held back by the wait");
	cr_assert_eq(s->active, 1);
	session_close(s);
	varmap_free(&vm);
	sfx_assert_projection(&f);
}
