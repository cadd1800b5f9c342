/*
 * test_watch.c — the verification engine over a real session: windows (lines from
 * before a step began never count), order, failure signatures, since: windows already
 * read, rotation while closed, and resume without double counting.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sessfix.h"
#include "steward/util.h"
#include "steward/smslog.h"
#include "steward/watch.h"

static struct sfx f;

/* What the backlog fast path saves is the parsing: the lines it skips never reach the
 * record assembler. This test is linked with -Wl,--wrap=smslog_asm_feed (Makefile,
 * WRAP_test_watch), so every physical line the watcher feeds it is counted here. */
static size_t asm_lines_fed;
void __real_smslog_asm_feed(struct smslog_asm *a, const char *line, size_t len, uint64_t offset,
			    uint64_t end_offset, smslog_cb cb, void *ctx);
void __wrap_smslog_asm_feed(struct smslog_asm *a, const char *line, size_t len, uint64_t offset,
			    uint64_t end_offset, smslog_cb cb, void *ctx);
void __wrap_smslog_asm_feed(struct smslog_asm *a, const char *line, size_t len, uint64_t offset,
			    uint64_t end_offset, smslog_cb cb, void *ctx)
{
	asm_lines_fed++;
	__real_smslog_asm_feed(a, line, len, offset, end_offset, cb, ctx);
}

static void setup(void)
{
	sfx_init(&f, "watch.yaml");
}

static void teardown(void)
{
	sfx_fini(&f);
}

TestSuite(watch, .init = setup, .fini = teardown);

struct events {
	int markers, verified, failures, rotated, lines;
	char last_hint[256];
	char last_file[512];
};

static void on_event(void *ctx, const struct watch_event *ev)
{
	struct events *e = ctx;
	switch (ev->type) {
	case WEV_MARKER:
		e->markers++;
		snprintf(e->last_file, sizeof e->last_file, "%s", ev->file);
		break;
	case WEV_STEP_VERIFIED:
		e->verified++;
		break;
	case WEV_FAILURE:
		e->failures++;
		snprintf(e->last_hint, sizeof e->last_hint, "%s", ev->hint ? ev->hint : "");
		break;
	case WEV_ROTATED:
		e->rotated++;
		break;
	case WEV_LINE:
		e->lines++;
		break;
	default:
		break;
	}
}

static const char *sms(const char *text)
{
	static char buf[512];
	snprintf(buf, sizeof buf, "%s  $$<SMS_SITE_COMPONENT_MANAGER><11-22-2026 01:02:03.456+0><thread=1 (0x1)>\r\n",
		 text);
	return buf;
}

struct run {
	struct session *s;
	struct watcher *w;
	struct events ev;
};

static void run_open(struct run *r)
{
	memset(r, 0, sizeof *r);
	r->s = sfx_open(&f);
	struct st_error err = {0};
	cr_assert_eq(watcher_new(r->s, &r->w, &err), ST_OK, "%s", err.msg);
}

static void run_process(struct run *r)
{
	struct st_error err = {0};
	cr_assert_eq(watcher_process(r->w, on_event, &r->ev, &err), ST_OK, "%s", err.msg);
}

static void run_close(struct run *r)
{
	watcher_free(r->w);
	session_close(r->s);
}

static long step_of(const struct session *s, const char *id) { return session_find_step(s, id); }

Test(watch, lines_before_the_step_began_do_not_count)
{
	sfx_append_log(&f, "sitecomp.log", sms("Processing site shutdown transaction"));
	sfx_append_log(&f, "sitecomp.log", sms("Site shutdown complete"));
	sfx_start(&f, NULL);
	struct run r;
	run_open(&r);
	run_process(&r);
	cr_assert_eq(r.ev.markers, 0);
	long first = step_of(r.s, "first");
	cr_assert_eq(r.s->steps[first].status, STEP_ACTIVE);
	sfx_append_log(&f, "sitecomp.log", sms("Processing site shutdown transaction"));
	sfx_append_log(&f, "sitecomp.log", sms("~Site shutdown complete~"));
	run_process(&r);
	cr_assert_eq(r.ev.markers, 2);
	cr_assert_eq(r.ev.verified, 1);
	cr_assert_eq(r.s->steps[first].status, STEP_DONE);
	cr_assert_eq(r.s->steps[first].completed_by, BY_MARKERS);
	cr_assert_eq(r.s->steps[first].n_markers, 2);
	cr_assert(util_has_suffix(r.s->steps[first].markers[1].file, "sitecomp.log"));
	cr_assert(strstr(r.s->steps[first].markers[1].line, "$$<SMS_SITE_COMPONENT_MANAGER>"));
	cr_assert_eq(r.s->active, step_of(r.s, "manual"));
	run_close(&r);
	sfx_assert_projection(&f);
}

Test(watch, markers_out_of_order_do_not_complete)
{
	sfx_start(&f, NULL);
	struct run r;
	run_open(&r);
	sfx_append_log(&f, "sitecomp.log", sms("Site shutdown complete"));
	sfx_append_log(&f, "sitecomp.log", sms("Processing site shutdown transaction"));
	run_process(&r);
	long first = step_of(r.s, "first");
	cr_assert_eq(r.ev.markers, 1);
	cr_assert_eq(r.s->steps[first].status, STEP_ACTIVE);
	cr_assert_eq(r.s->steps[first].matched[0], 1);
	run_close(&r);
}

Test(watch, failure_signature_raises_its_hint)
{
	sfx_start(&f, NULL);
	struct run r;
	run_open(&r);
	sfx_append_log(&f, "sitecomp.log", sms("Setup failed for site ABC: error 0x80004005"));
	run_process(&r);
	cr_assert_eq(r.ev.failures, 1);
	cr_assert_str_eq(r.ev.last_hint, "Read the setup log of ABC.");
	cr_assert(watcher_failure_seen(r.w));
	long first = step_of(r.s, "first");
	cr_assert_eq(r.s->steps[first].status, STEP_FAILED);
	cr_assert_eq(r.s->steps[first].n_failures, 1);
	/* a failed step no longer counts markers */
	sfx_append_log(&f, "sitecomp.log", sms("Processing site shutdown transaction"));
	run_process(&r);
	cr_assert_eq(r.ev.markers, 0);
	run_close(&r);
}

/* A line matching a failure signature and an expect entry: the step fails, the watch
 * goes on (it used to stop with "log lines no longer count for it"). */
Test(watch, a_line_with_a_failure_and_a_marker_fails_the_step)
{
	sfx_start(&f, NULL);
	struct run r;
	run_open(&r);
	sfx_append_log(&f, "sitecomp.log", sms("Setup failed for site ABC: Processing site shutdown transaction"));
	run_process(&r);
	long first = step_of(r.s, "first");
	cr_assert_eq(r.ev.failures, 1);
	cr_assert_eq(r.ev.markers, 0);
	cr_assert_eq(r.s->steps[first].status, STEP_FAILED);
	run_close(&r);
	sfx_assert_projection(&f);
}

/* The read position just past a marker's line is in the marker's own commit. */
Test(watch, a_markers_read_position_is_recorded_with_it)
{
	sfx_start(&f, NULL);
	struct run r;
	run_open(&r);
	run_process(&r);
	int64_t seq = r.s->seq;
	const char *line = sms("Processing site shutdown transaction");
	sfx_append_log(&f, "sitecomp.log", line);
	run_process(&r);
	cr_assert_eq(r.ev.markers, 1);
	cr_assert_eq(r.s->seq, seq + 2, "the marker and the positions");
	struct stat st;
	char *path = sfx_path(&f, "sitecomp.log");
	cr_assert_eq(stat(path, &st), 0);
	free(path);
	cr_assert_eq(r.s->logs[0].offset, (uint64_t)st.st_size);
	run_close(&r);
}

Test(watch, rotation_while_closed_still_finds_the_marker)
{
	sfx_start(&f, NULL);
	struct run r;
	run_open(&r);
	sfx_append_log(&f, "sitecomp.log", sms("Processing site shutdown transaction"));
	run_process(&r);
	cr_assert_eq(r.ev.markers, 1);
	run_close(&r);
	/* closed: the marker is written, then the log rolls over to .lo_ */
	sfx_append_log(&f, "sitecomp.log", sms("Site shutdown complete"));
	char *live = sfx_path(&f, "sitecomp.log"), *lo = sfx_path(&f, "sitecomp.lo_");
	cr_assert_eq(rename(live, lo), 0);
	sfx_append_log(&f, "sitecomp.log", sms("after the rollover"));
	run_open(&r);
	run_process(&r);
	cr_assert_eq(r.ev.markers, 1);
	cr_assert_eq(r.ev.rotated, 1);
	cr_assert_str_eq(r.ev.last_file, lo);
	long first = step_of(r.s, "first");
	cr_assert_eq(r.s->steps[first].status, STEP_DONE);
	cr_assert_eq(r.s->steps[first].n_markers, 2);
	run_close(&r);
	/* resumed again: nothing is counted twice */
	run_open(&r);
	run_process(&r);
	cr_assert_eq(r.ev.markers, 0);
	run_close(&r);
	free(live);
	free(lo);
	sfx_assert_projection(&f);
}

Test(watch, since_window_lines_already_read_are_rescanned)
{
	sfx_start(&f, NULL);
	struct run r;
	run_open(&r);
	sfx_append_log(&f, "sitecomp.log", sms("Processing site shutdown transaction"));
	sfx_append_log(&f, "sitecomp.log", sms("Site shutdown complete"));
	run_process(&r);
	long manual = step_of(r.s, "manual"), second = step_of(r.s, "second");
	cr_assert_eq(r.s->active, manual);
	/* while the manual step is active, setup writes its success line; the watcher reads it */
	sfx_append_log(&f, "sitecomp.log", sms("Installation successful"));
	run_process(&r);
	struct st_error err = {0};
	cr_assert_eq(session_complete(r.s, (size_t)manual, NULL, NULL, &err), ST_OK, "%s", err.msg);
	watcher_session_changed(r.w);
	run_process(&r);
	cr_assert_eq(r.s->active, second);
	cr_assert_eq(r.s->steps[second].matched[1], 1, "the since: line was not re-scanned");
	cr_assert_eq(r.s->steps[second].matched[0], 0);
	sfx_append_log(&f, "hman.log", sms("~Wait for site control changes for maximum 3600 seconds~"));
	run_process(&r);
	cr_assert_eq(r.s->steps[second].status, STEP_DONE);
	run_close(&r);
}

Test(watch, resume_after_crash_between_marker_and_position_counts_once)
{
	sfx_start(&f, NULL);
	struct run r;
	run_open(&r);
	/* get to the step that expects "Heartbeat" twice */
	sfx_append_log(&f, "sitecomp.log", sms("Processing site shutdown transaction"));
	sfx_append_log(&f, "sitecomp.log", sms("Site shutdown complete"));
	run_process(&r);
	struct st_error err = {0};
	cr_assert_eq(session_complete(r.s, (size_t)step_of(r.s, "manual"), NULL, NULL, &err), ST_OK);
	long second = step_of(r.s, "second"), twice = step_of(r.s, "twice");
	cr_assert_eq(session_override(r.s, (size_t)second, "checked by hand", &err), ST_OK, "%s", err.msg);
	watcher_session_changed(r.w);
	run_process(&r);
	cr_assert_eq(r.s->active, twice);
	struct log_position saved[2];
	for (int l = 0; l < 2; l++)
		saved[l] = r.s->logs[l];
	saved[0].path = xstrdup(saved[0].path);
	saved[1].path = xstrdup(saved[1].path);
	sfx_append_log(&f, "sitecomp.log", sms("Heartbeat"));
	run_process(&r);
	cr_assert_eq(r.s->steps[twice].matched[0], 1);
	run_close(&r);
	/* as if the process died after the marker event but before the positions event */
	struct session *s = sfx_open(&f);
	cr_assert_eq(session_record_positions(s, saved, &err), ST_OK);
	session_close(s);
	run_open(&r);
	run_process(&r);
	cr_assert_eq(r.s->steps[twice].matched[0], 1, "the same line counted twice");
	sfx_append_log(&f, "sitecomp.log", sms("Heartbeat"));
	run_process(&r);
	cr_assert_eq(r.s->steps[twice].status, STEP_DONE);
	run_close(&r);
	free(saved[0].path);
	free(saved[1].path);
}

Test(watch, truncation_and_replacement_are_followed)
{
	sfx_start(&f, NULL);
	struct run r;
	run_open(&r);
	sfx_append_log(&f, "sitecomp.log", sms("noise"));
	run_process(&r);
	char *live = sfx_path(&f, "sitecomp.log");
	cr_assert_eq(truncate(live, 0), 0);
	sfx_append_log(&f, "sitecomp.log", sms("Processing site shutdown transaction"));
	run_process(&r);
	cr_assert_eq(r.ev.rotated, 1);
	cr_assert_eq(r.ev.markers, 1);
	cr_assert_eq(unlink(live), 0);
	run_process(&r);
	sfx_append_log(&f, "sitecomp.log", sms("Site shutdown complete"));
	run_process(&r);
	cr_assert_eq(r.ev.markers, 2);
	cr_assert_eq(r.ev.verified, 1);
	run_close(&r);
	free(live);
}

Test(watch, backlog_fast_path_without_line_events)
{
	sfx_start(&f, NULL);
	struct run r;
	run_open(&r);
	watcher_set_line_events(r.w, false);
	/* a few MB of noise, the markers in the middle and at the end */
	char *p = sfx_path(&f, "sitecomp.log");
	FILE *fp = fopen(p, "a");
	for (int i = 0; i < 40000; i++) {
		fputs(sms("Thread SMS_COMPONENT_MONITOR is busy"), fp);
		if (i == 20000)
			fputs(sms("Processing site shutdown transaction"), fp);
	}
	fputs(sms("Site shutdown complete"), fp);
	fclose(fp);
	asm_lines_fed = 0;
	run_process(&r);
	cr_assert_eq(r.ev.markers, 2);
	cr_assert_eq(r.ev.lines, 0);
	/* the 40000 noise lines were skipped, not parsed: only the two marker lines (and at
	 * most a few around read-chunk boundaries) reach the assembler */
	cr_assert_leq(asm_lines_fed, 16, "%zu of 40002 lines parsed", asm_lines_fed);
	cr_assert_geq(asm_lines_fed, 2, "the marker lines are parsed");
	long first = step_of(r.s, "first");
	cr_assert_eq(r.s->steps[first].status, STEP_DONE);
	run_close(&r);
	free(p);
}

/* Regression: the fast path skipped the .lo_'s only (noise) line, so the end of that file
 * carried no identity and the window never opened for the new file. */
Test(watch, skipped_noise_in_lo_still_opens_the_window)
{
	sfx_append_log(&f, "sitecomp.log", sms("before the session"));
	sfx_start(&f, NULL);
	sfx_append_log(&f, "sitecomp.log", sms("noise after the window"));
	char *live = sfx_path(&f, "sitecomp.log"), *lo = sfx_path(&f, "sitecomp.lo_");
	cr_assert_eq(rename(live, lo), 0);
	sfx_append_log(&f, "sitecomp.log", sms("Setup failed for site ABC"));
	struct run r;
	run_open(&r);
	watcher_set_line_events(r.w, false);
	run_process(&r);
	cr_assert_eq(r.ev.failures, 1);
	run_close(&r);
	free(live);
	free(lo);
}

/* A file deleted and recreated may get the same inode number back: a window on the old
 * file must not hide the new file's lines once a marker was admitted. */
Test(watch, window_passed_once_a_marker_was_admitted)
{
	sfx_append_log(&f, "sitecomp.log", sms("a long line from before the session began, padding padding"));
	sfx_start(&f, NULL);
	struct run r;
	run_open(&r);
	sfx_append_log(&f, "sitecomp.log", sms("Processing site shutdown transaction"));
	run_process(&r);
	cr_assert_eq(r.ev.markers, 1);
	run_close(&r);
	char *live = sfx_path(&f, "sitecomp.log");
	cr_assert_eq(truncate(live, 0), 0); /* same inode, shorter than the window's offset */
	sfx_append_log(&f, "sitecomp.log", sms("Site shutdown complete"));
	run_open(&r);
	run_process(&r);
	cr_assert_eq(r.ev.markers, 1);
	cr_assert_eq(r.ev.verified, 1);
	run_close(&r);
	free(live);
}

/* A busy log must not add an event per line to the audit trail: read positions are
 * recorded after a hit, and otherwise at most every few seconds. */
Test(watch, noise_does_not_flood_the_event_log)
{
	sfx_start(&f, NULL);
	struct run r;
	run_open(&r);
	run_process(&r);
	int64_t seq = r.s->seq;
	for (int i = 0; i < 20; i++) {
		sfx_append_log(&f, "sitecomp.log", sms("noise"));
		run_process(&r);
	}
	cr_assert_eq(r.s->seq, seq, "%lld events for 20 noise lines", (long long)(r.s->seq - seq));
	sfx_advance(&f, 6000);
	sfx_append_log(&f, "sitecomp.log", sms("noise"));
	run_process(&r);
	cr_assert_eq(r.s->seq, seq + 1); /* one positions event once the interval passed */
	run_close(&r);
}

/* The resume guard (markers recorded past the saved position) must not hide lines of the
 * same file once it was truncated: after that, offsets start again from 0. */
Test(watch, guard_ends_when_the_file_is_truncated)
{
	sfx_append_log(&f, "sitecomp.log", sms("before"));
	sfx_start(&f, NULL);
	struct run r;
	run_open(&r);
	run_process(&r);
	struct log_position saved[2];
	for (int l = 0; l < 2; l++) {
		saved[l] = r.s->logs[l];
		saved[l].path = xstrdup(saved[l].path);
	}
	sfx_append_log(&f, "sitecomp.log", sms("noise noise noise noise noise noise noise noise"));
	sfx_append_log(&f, "sitecomp.log", sms("noise noise noise noise noise noise noise noise"));
	sfx_append_log(&f, "sitecomp.log", sms("Processing site shutdown transaction"));
	run_process(&r);
	cr_assert_eq(r.ev.markers, 1);
	run_close(&r);
	/* a crash between the marker and its positions event: resume from before the marker */
	struct st_error err = {0};
	struct session *s = sfx_open(&f);
	cr_assert_eq(session_record_positions(s, saved, &err), ST_OK);
	session_close(s);
	free(saved[0].path);
	free(saved[1].path);
	run_open(&r); /* the guard now covers offsets up to that marker in this file */
	run_process(&r);
	cr_assert_eq(r.ev.markers, 0);
	char *live = sfx_path(&f, "sitecomp.log");
	cr_assert_eq(truncate(live, 0), 0);
	sfx_append_log(&f, "sitecomp.log", sms("Site shutdown complete"));
	run_process(&r);
	cr_assert_eq(r.ev.markers, 1, "a line of the truncated file was hidden by the guard");
	cr_assert_eq(r.ev.verified, 1);
	run_close(&r);
	free(live);
}

/* ---- issue 10, finding 1: the window is recorded by the reader's own rule ---------- */

/* Review §C test D: the log's name on disk differs in case from the runbook's spelling
 * (a case-sensitive mount, an rsync'd copy) and holds old completion lines. The window was
 * recorded with a plain stat() of the runbook's spelling (not found: "everything counts")
 * while the reader found the file case-insensitively, so the old lines completed the step. */
Test(watch, old_lines_in_a_file_named_in_another_case_do_not_count)
{
	sfx_append_log(&f, "SITECOMP.LOG", sms("Processing site shutdown transaction"));
	sfx_append_log(&f, "SITECOMP.LOG", sms("Site shutdown complete"));
	sfx_start(&f, NULL);
	struct run r;
	run_open(&r);
	run_process(&r);
	long first = step_of(r.s, "first");
	cr_assert_eq(r.ev.markers, 0, "old lines in SITECOMP.LOG counted for today's step");
	cr_assert_eq(r.s->steps[first].status, STEP_ACTIVE);
	cr_assert_eq(r.s->steps[first].window[0].found, LOGFILE_OTHER_CASE);
	/* lines written after the activation do count, read from the same file */
	sfx_append_log(&f, "SITECOMP.LOG", sms("Processing site shutdown transaction"));
	sfx_append_log(&f, "SITECOMP.LOG", sms("Site shutdown complete"));
	run_process(&r);
	cr_assert_eq(r.ev.markers, 2);
	cr_assert_eq(r.s->steps[first].status, STEP_DONE);
	cr_assert(util_has_suffix(r.s->steps[first].markers[0].file, "/SITECOMP.LOG"));
	run_close(&r);
	sfx_assert_projection(&f);
}

/* Two files differ from the runbook's name only in case: none is read, and when one goes
 * away the other's old content still does not count (the window could not be placed at
 * the activation: only lines written after the file is first found count). */
Test(watch, ambiguous_names_are_not_read_and_old_content_never_counts)
{
	sfx_append_log(&f, "SITECOMP.LOG", sms("Processing site shutdown transaction"));
	sfx_append_log(&f, "SiteComp.Log", sms("Processing site shutdown transaction"));
	sfx_append_log(&f, "SiteComp.Log", sms("Site shutdown complete"));
	sfx_start(&f, NULL);
	struct run r;
	run_open(&r);
	run_process(&r);
	long first = step_of(r.s, "first");
	cr_assert_eq(r.s->steps[first].window[0].found, LOGFILE_AMBIGUOUS);
	cr_assert_eq(r.ev.markers, 0);
	char *upper = sfx_path(&f, "SITECOMP.LOG");
	cr_assert_eq(unlink(upper), 0); /* now SiteComp.Log is the one file: its old lines stay old */
	run_process(&r);
	cr_assert_eq(r.ev.markers, 0, "old lines of the remaining file counted");
	sfx_append_log(&f, "SiteComp.Log", sms("Processing site shutdown transaction"));
	sfx_append_log(&f, "SiteComp.Log", sms("Site shutdown complete"));
	run_process(&r);
	cr_assert_eq(r.ev.markers, 2);
	cr_assert_eq(r.s->steps[first].status, STEP_DONE);
	run_close(&r);
	free(upper);
}

/* No file by any spelling at the activation: one that appears afterwards is new and is read
 * from its first byte. */
Test(watch, a_log_that_appears_after_the_activation_counts_from_its_first_byte)
{
	sfx_start(&f, NULL);
	struct run r;
	run_open(&r);
	run_process(&r);
	cr_assert_eq(r.s->steps[step_of(r.s, "first")].window[0].found, LOGFILE_ABSENT);
	sfx_append_log(&f, "SiteComp.LOG", sms("Processing site shutdown transaction"));
	sfx_append_log(&f, "SiteComp.LOG", sms("Site shutdown complete"));
	run_process(&r);
	cr_assert_eq(r.ev.markers, 2);
	cr_assert_eq(r.s->steps[step_of(r.s, "first")].status, STEP_DONE);
	run_close(&r);
}

/* ---- issue 10, finding 3: nothing written after the window opened is lost ---------- */

/* H3: a fresh watcher whose first event is a truncation (an installer recreating its log):
 * the window never opened because the file end carried the identity of the last line
 * delivered (none), so the new content — a failure signature and markers — was ignored. */
Test(watch, truncated_before_any_line_was_delivered_fresh_watcher)
{
	for (int i = 0; i < 8; i++)
		sfx_append_log(&f, "sitecomp.log", sms("yesterday's noise, long enough to pass the new content"));
	sfx_start(&f, NULL);
	char *live = sfx_path(&f, "sitecomp.log");
	cr_assert_eq(truncate(live, 0), 0);
	sfx_append_log(&f, "sitecomp.log", sms("Setup failed for site ABC"));
	struct run r;
	run_open(&r);
	run_process(&r);
	cr_assert_eq(r.ev.failures, 1, "the failure signature in the recreated log was not seen");
	run_close(&r);
	free(live);
}

/* H3: resume, then SMS rotates at its next write (rename to .lo_, a new file): the new
 * file's markers must count, and the saved position must not move past them. */
Test(watch, rotation_right_after_resume_keeps_the_new_files_lines)
{
	sfx_append_log(&f, "sitecomp.log", sms("before the session"));
	sfx_start(&f, NULL);
	struct run r;
	run_open(&r);
	run_process(&r);
	run_close(&r);
	run_open(&r); /* resume: nothing delivered yet */
	run_process(&r);
	char *live = sfx_path(&f, "sitecomp.log"), *lo = sfx_path(&f, "sitecomp.lo_");
	cr_assert_eq(rename(live, lo), 0);
	sfx_append_log(&f, "sitecomp.log", sms("Processing site shutdown transaction"));
	sfx_append_log(&f, "sitecomp.log", sms("Site shutdown complete"));
	run_process(&r);
	long first = step_of(r.s, "first");
	cr_assert_eq(r.ev.markers, 2, "markers in the new file were not seen");
	cr_assert_eq(r.s->steps[first].status, STEP_DONE);
	run_close(&r);
	free(live);
	free(lo);
}

/* The same, with the rotation while no watcher runs and a failure in the new file; a third
 * watcher must still find it (the position was not saved past it). */
Test(watch, replaced_while_closed_before_any_line_was_delivered)
{
	sfx_append_log(&f, "sitecomp.log", sms("before the session"));
	sfx_start(&f, NULL);
	char *live = sfx_path(&f, "sitecomp.log"), *lo = sfx_path(&f, "sitecomp.lo_");
	cr_assert_eq(rename(live, lo), 0);
	cr_assert_eq(unlink(lo), 0); /* rotated twice: the old file is gone */
	sfx_append_log(&f, "sitecomp.log", sms("Setup failed for site ABC"));
	struct run r;
	run_open(&r);
	run_process(&r);
	cr_assert_eq(r.ev.failures, 1);
	run_close(&r);
	free(live);
	free(lo);
}

/* Truncated and written past the window's offset before any watcher ran: the position's
 * mark no longer reads back, so the file is read again from its first byte and all of it
 * counts (it was all written after the window opened). */
Test(watch, rewritten_past_the_window_before_the_watcher_started)
{
	sfx_append_log(&f, "sitecomp.log", sms("old 1"));
	sfx_start(&f, NULL);
	char *live = sfx_path(&f, "sitecomp.log");
	cr_assert_eq(truncate(live, 0), 0);
	sfx_append_log(&f, "sitecomp.log", sms("Processing site shutdown transaction"));
	sfx_append_log(&f, "sitecomp.log", sms("Site shutdown complete"));
	struct run r;
	run_open(&r);
	run_process(&r);
	long first = step_of(r.s, "first");
	cr_assert_eq(r.ev.markers, 2, "lines of the rewritten log before the old offset were lost");
	cr_assert_eq(r.s->steps[first].status, STEP_DONE);
	run_close(&r);
	free(live);
}
