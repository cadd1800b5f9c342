/*
 * test_watch_after.c — `after: STEP` in the watch engine: a line counts only when its own
 * timestamp is not earlier than that of the line that verified STEP; never when STEP was
 * not verified by markers; lines read before STEP verified are considered again.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "sessfix.h"
#include "steward/watch.h"

static struct sfx f;

static void setup(void) { sfx_init(&f, "after.yaml"); }
static void teardown(void) { sfx_fini(&f); }

TestSuite(watch_after, .init = setup, .fini = teardown);

static void on_event(void *ctx, const struct watch_event *ev)
{
	(void)ctx, (void)ev;
}

/* An SMS line written at hh:mm:ss on 11-22-2026, bias +240 (UTC = local + 4 h). */
static const char *at(const char *component, const char *hms, const char *text)
{
	static char buf[512];
	snprintf(buf, sizeof buf, "%s  $$<%s><11-22-2026 %s.000+240><thread=1 (0x1)>\r\n", text, component, hms);
	return buf;
}

static const char *hman(const char *hms, int secs)
{
	char text[128];
	snprintf(text, sizeof text, "~Wait for site control changes for maximum %d seconds...", secs);
	return at("SMS_HIERARCHY_MANAGER", hms, text);
}

static void restart_at(const char *hms)
{
	sfx_append_log(&f, "sitecomp.log", at("SMS_SITE_COMPONENT_MANAGER", "01:00:00", "Site shutdown complete"));
	sfx_append_log(&f, "sitecomp.log",
		       at("SMS_SITE_COMPONENT_MANAGER", hms, "Waiting for changes to the sitectrl.box directory"));
}

static void process(struct watcher *w)
{
	struct st_error err = {0};
	cr_assert_eq(watcher_process(w, on_event, NULL, &err), ST_OK, "%s", err.msg);
}

static struct watcher *open_watcher(struct session *s)
{
	struct watcher *w = NULL;
	struct st_error err = {0};
	cr_assert_eq(watcher_new(s, &w, &err), ST_OK, "%s", err.msg);
	return w;
}

Test(watch_after, a_line_written_before_the_anchor_does_not_count_one_after_does)
{
	sfx_start(&f, NULL);
	struct session *s = sfx_open(&f);
	struct watcher *w = open_watcher(s);
	long restart = session_find_step(s, "restart"), done = session_find_step(s, "hman-done");
	/* Hman idles at 01:04, before the site restarted (its anchor is written at 01:05) */
	sfx_append_log(&f, "hman.log", hman("01:04:00", 3600));
	restart_at("01:05:00");
	process(w);
	cr_assert_eq(s->steps[restart].completed_by, BY_MARKERS);
	cr_assert_eq(s->active, done);
	int64_t anchor = 0;
	cr_assert_eq(session_after_anchor(s, (size_t)done, 0, &anchor), AFTER_ANCHORED);
	cr_assert_eq(anchor, 1795323900000LL, "2026-11-22 01:05:00 +240 is 05:05:00 UTC");
	cr_assert_eq(s->steps[done].matched[0], 0, "a line written before the anchor counted");
	/* written later but stamped a second before the anchor: still not */
	sfx_append_log(&f, "hman.log", hman("01:04:59", 12));
	process(w);
	cr_assert_eq(s->steps[done].matched[0], 0, "a line stamped before the anchor counted");
	cr_assert_eq(s->steps[done].status, STEP_ACTIVE);
	/* the same second as the anchor counts (not earlier) */
	sfx_append_log(&f, "hman.log", hman("01:05:00", -5));
	process(w);
	cr_assert_eq(s->steps[done].status, STEP_DONE);
	cr_assert_eq(s->steps[done].completed_by, BY_MARKERS);
	cr_assert(strstr(s->steps[done].markers[0].line, "01:05:00"));
	watcher_free(w);
	session_close(s);
	sfx_assert_projection(&f);
}

Test(watch_after, anchor_step_overridden_never_counts)
{
	sfx_start(&f, NULL);
	struct session *s = sfx_open(&f);
	long restart = session_find_step(s, "restart"), done = session_find_step(s, "hman-done");
	struct st_error err = {0};
	cr_assert_eq(session_override(s, (size_t)restart, "checked on the console", &err), ST_OK, "%s", err.msg);
	cr_assert_eq(s->active, done);
	int64_t anchor = 0;
	cr_assert_eq(session_after_anchor(s, (size_t)done, 0, &anchor), AFTER_NOT_VERIFIED);
	struct watcher *w = open_watcher(s);
	process(w);
	sfx_append_log(&f, "hman.log", hman("23:59:59", 3600));
	process(w);
	cr_assert_eq(s->steps[done].matched[0], 0, "a line counted without an anchor");
	cr_assert_eq(s->steps[done].status, STEP_ACTIVE);
	watcher_free(w);
	session_close(s);
}

Test(watch_after, a_line_read_before_the_anchor_step_verified_is_considered_again)
{
	sfx_start(&f, NULL);
	struct session *s = sfx_open(&f);
	struct watcher *w = open_watcher(s);
	long restart = session_find_step(s, "restart"), done = session_find_step(s, "hman-done");
	process(w);
	/* Hman writes (01:05:01) right after SiteComp's anchor (01:05:00), but the watcher reads
	 * hman.log first: the step it belongs to is not active yet */
	sfx_append_log(&f, "hman.log", hman("01:05:01", 3600));
	process(w);
	cr_assert_eq(s->active, restart);
	restart_at("01:05:00");
	process(w);
	cr_assert_eq(s->steps[restart].completed_by, BY_MARKERS);
	cr_assert_eq(s->steps[done].status, STEP_DONE, "the line already read was not considered again");
	cr_assert_eq(s->steps[done].completed_by, BY_MARKERS);
	watcher_free(w);
	session_close(s);
	sfx_assert_projection(&f);
}
