/*
 * test_replay.c — `steward replay`'s engine on hand-written site logs: a rotated .lo_
 * read before its .log, file names in another case than the runbook's, SMS, CCM and
 * setup timestamps (a setup log has no bias: it borrows one), untimed lines, steps in
 * order (a step's markers count only after the verify step before it completed; since:
 * from the named step's start), failure signatures, --from.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "steward/replay.h"
#include "steward/util.h"

static const char rb_text[] =
	"runbook: 1\nid: rp\ntitle: Replay fixture\nversion: \"1\"\n"
	"variables:\n  - name: site_code\n    prompt: S\n    default: ABC\n"
	"logs:\n  sitecomp: SiteComp.log\n  ccm: CcmExec.log\n  setup: MPSetup.log\n"
	"phases:\n  - id: p\n    title: P\n    steps:\n"
	"      - id: a-start\n        title: Start setup\n"
	"      - id: b-stop\n        title: Stop\n        verify:\n          - log: sitecomp\n"
	"            expect: [Processing site shutdown transaction, Site shutdown complete]\n"
	"        fail:\n          - log: sitecomp\n            match: Setup failed for site ${site_code}\n"
	"            hint: Read the setup log of ${site_code}.\n"
	"      - id: c-ccm\n        title: Client\n        verify:\n          - log: ccm\n"
	"            expect: [Client agent ready]\n"
	"      - id: d-setup\n        title: Setup\n        verify:\n          - log: setup\n"
	"            expect: [Installation was successful]\n            since: a-start\n"
	"      - id: e-never\n        title: Never\n        verify:\n          - log: sitecomp\n"
	"            expect: [never written]\n";

static char dir[64];
static struct runbook *rb;
static struct varmap vm;

#define SMS(text, hms) text "  $$<SMS_SITE_COMPONENT_MANAGER><06-14-2006 " hms "+240><thread=1 (0x1)>\r\n"
#define CCM(text, hms)                                                                                    \
	"<![LOG[" text "]LOG]!><time=\"" hms "+240\" date=\"06-14-2006\" component=\"CcmExec\" context=\"\" " \
	"type=\"1\" thread=\"1\" file=\"x.cpp:1\">\r\n"

static void put(const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "wb");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	free(p);
}

static void setup(void)
{
	strcpy(dir, "/tmp/steward-replay.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	struct rb_diags d = {0};
	cr_assert_eq(runbook_load_text(rb_text, sizeof rb_text - 1, "rp.yaml", &rb, &d), 0);
	rb_diags_free(&d);
	memset(&vm, 0, sizeof vm);
	varmap_set(&vm, "site_code", "ABC");
	/* the previous generation, in lower case; the live file in upper case */
	put("sitecomp.lo_", SMS("Site Component Manager started.", "09:59:59.000")
				    SMS("Processing site shutdown transaction...", "10:00:01.000")
					    SMS("Setup failed for site ABC: 0x80004005", "10:00:03.000"));
	put("SITECOMP.LOG", SMS("Site shutdown complete.", "10:00:05.000") SMS("Stopped.", "10:00:06.000"));
	/* a "ready" line before the stop completed must not count for c-ccm */
	put("ccmexec.LOG", CCM("Client agent ready (early)", "09:59:00.000") CCM("Client agent ready", "10:00:07.000"));
	put("mpsetup.log", "<06-14-2006 10:00:02> Installation was successful.\r\nplain continuation\r\n");
}

static void teardown(void)
{
	const char *names[] = {"sitecomp.lo_", "SITECOMP.LOG", "ccmexec.LOG", "mpsetup.log", "extra.log"};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		char *p = xasprintf("%s/%s", dir, names[i]);
		unlink(p);
		free(p);
	}
	rmdir(dir);
	runbook_free(rb);
	varmap_free(&vm);
}

TestSuite(replay, .init = setup, .fini = teardown);

static int64_t utc(const char *iso)
{
	int64_t ms;
	cr_assert(util_parse_utc_ms(iso, &ms), "%s", iso);
	return ms;
}

static void run(struct replay_result *r, bool has_from, int64_t from)
{
	struct replay_params p = {.rb = rb, .vars = &vm, .log_dir = dir, .has_from = has_from, .from_ms = from};
	struct st_error err = {0};
	cr_assert_eq(replay_run(&p, r, &err), ST_OK, "%s", err.msg);
}

static const struct replay_line *line_of(const struct replay_result *r, const struct replay_hit *h)
{
	return &r->lines[h->line];
}

Test(replay, orders_lines_of_every_format_by_their_own_utc_time)
{
	struct replay_result r;
	run(&r, false, 0);
	cr_assert_eq(r.n_lines, 9);
	for (size_t i = 1; i < r.n_lines; i++)
		cr_assert(r.lines[i - 1].utc_ms <= r.lines[i].utc_ms, "line %zu out of order", i);
	cr_assert_str_eq(r.lines[0].text, "Client agent ready (early)");
	cr_assert_eq(r.lines[0].utc_ms, utc("2006-06-14T13:59:00.000Z"), "CCM time + bias");
	/* the setup line borrowed the other logs' bias; the plain line after it its time */
	const struct replay_file *setup = &r.logs[2].files[0];
	cr_assert(setup->bias_assumed);
	cr_assert_eq(setup->assumed_bias, 240);
	cr_assert_eq(setup->untimed, 1);
	bool seen = false;
	for (size_t i = 0; i < r.n_lines; i++) {
		if (strcmp(r.lines[i].text, "plain continuation") == 0) {
			seen = true;
			cr_assert_eq(r.lines[i].utc_ms, utc("2006-06-14T14:00:02.000Z"));
			cr_assert_not(r.lines[i].own_time);
		}
	}
	cr_assert(seen);
	/* .lo_ found (in another case) and read before the live file */
	cr_assert_eq(r.logs[0].n_files, 2);
	cr_assert(util_has_suffix(r.logs[0].files[0].path, "/sitecomp.lo_"), "%s", r.logs[0].files[0].path);
	cr_assert(util_has_suffix(r.logs[0].files[1].path, "/SITECOMP.LOG"), "%s", r.logs[0].files[1].path);
	replay_result_free(&r);
}

Test(replay, steps_unfold_in_order_and_failures_fire)
{
	struct replay_result r;
	run(&r, false, 0);
	const struct replay_step *b = &r.steps[1], *c = &r.steps[2], *d = &r.steps[3], *e = &r.steps[4];
	/* b-stop: both markers, across the rotation */
	cr_assert(b->verified);
	cr_assert_eq(b->after, -1);
	cr_assert_eq(b->blocks[0].n_matched, 2);
	cr_assert_eq(line_of(&r, &b->blocks[0].matched[0])->file, 0, "first marker in the .lo_");
	cr_assert_eq(line_of(&r, &b->blocks[0].matched[1])->file, 1, "second in the live file");
	cr_assert_eq(line_of(&r, &b->blocks[0].matched[1])->line_no, 1);
	cr_assert_eq(r.lines[b->done_line].utc_ms, utc("2006-06-14T14:00:05.000Z"));
	/* its failure signature fired inside its window, with the hint substituted */
	cr_assert_eq(b->n_failures, 1);
	cr_assert_str_eq(b->hints[0], "Read the setup log of ABC.");
	cr_assert_str_eq(b->failures[0].pattern, "Setup failed for site ABC");
	cr_assert_eq(line_of(&r, &b->failures[0])->line_no, 3);
	/* c-ccm: the early "ready" line came before b-stop completed: only the later one counts */
	cr_assert(c->verified);
	cr_assert_eq(c->after, 1);
	cr_assert_str_eq(line_of(&r, &c->blocks[0].matched[0])->text, "Client agent ready");
	/* d-setup: since a-start, its line came before it started: complete as it started */
	cr_assert(d->verified);
	cr_assert(d->completed_at_start);
	cr_assert_eq(d->blocks[0].start, 0);
	/* e-never */
	cr_assert_not(e->verified);
	cr_assert_eq(e->blocks[0].n_matched, 0);
	cr_assert_eq(r.n_verify_steps, 4);
	cr_assert_eq(r.n_verified, 3);
	cr_assert_eq(r.n_failures, 1);
	cr_assert_not(r.ok);
	replay_result_free(&r);
}

Test(replay, from_skips_earlier_lines_and_an_incomplete_step_starts_the_next_where_it_started)
{
	struct replay_result r;
	run(&r, true, utc("2006-06-14T14:00:02.000Z"));
	const struct replay_step *b = &r.steps[1], *c = &r.steps[2];
	cr_assert_eq(r.lines[r.from_index].utc_ms, utc("2006-06-14T14:00:02.000Z"));
	cr_assert_not(b->verified, "its first marker came before --from");
	cr_assert_eq(b->blocks[0].n_matched, 0, "the second marker never counts before the first");
	cr_assert_eq(b->n_failures, 1, "the failure line is after --from");
	cr_assert(c->after_incomplete);
	cr_assert_eq(c->start, b->start);
	cr_assert(c->verified);
	replay_result_free(&r);
}

Test(replay, a_missing_log_never_completes_and_a_missing_folder_is_not_found)
{
	char *p = xasprintf("%s/ccmexec.LOG", dir);
	unlink(p);
	free(p);
	struct replay_result r;
	run(&r, false, 0);
	cr_assert_eq(r.logs[1].n_files, 0);
	cr_assert_not(r.steps[2].verified);
	replay_result_free(&r);
	struct replay_params bad = {.rb = rb, .vars = &vm, .log_dir = "/nonexistent/steward"};
	struct st_error err = {0};
	cr_assert_eq(replay_run(&bad, &r, &err), ST_NOTFOUND);
	replay_result_free(&r);
}

Test(replay, an_explicit_log_path_replaces_the_folder_one)
{
	put("extra.log", SMS("Client agent ready", "11:00:00.000"));
	char *extra = xasprintf("%s/extra.log", dir);
	const char *paths[3] = {NULL, extra, NULL};
	struct replay_params p = {.rb = rb, .vars = &vm, .log_dir = dir, .log_paths = paths};
	struct replay_result r;
	struct st_error err = {0};
	cr_assert_eq(replay_run(&p, &r, &err), ST_OK);
	cr_assert_eq(r.logs[1].n_files, 1);
	cr_assert_str_eq(r.logs[1].files[0].path, extra);
	cr_assert(r.steps[2].verified);
	replay_result_free(&r);
	char missing[] = "/nonexistent/x.log";
	paths[1] = missing;
	cr_assert_eq(replay_run(&p, &r, &err), ST_NOTFOUND);
	replay_result_free(&r);
	free(extra);
}

Test(replay, from_times)
{
	int64_t ms;
	cr_assert(replay_parse_time("2006-06-14T14:00:02Z", &ms));
	cr_assert_eq(ms, utc("2006-06-14T14:00:02.000Z"));
	cr_assert(replay_parse_time("2006-06-14 10:00:02.5-04:00", &ms));
	cr_assert_eq(ms, utc("2006-06-14T14:00:02.500Z"));
	cr_assert(replay_parse_time("2006-06-14T14:00", &ms), "no zone: UTC");
	cr_assert_eq(ms, utc("2006-06-14T14:00:00.000Z"));
	cr_assert(replay_parse_time("2006-06-14T15:00:00+0100", &ms));
	cr_assert_eq(ms, utc("2006-06-14T14:00:00.000Z"));
	const char *bad[] = {"", "2006-06-14", "2006-13-01T00:00Z", "2006-06-14T14:00:02Zx", "2006-06-14T14:00:02.Z",
			     "06-14-2006 10:00:00", "2006-06-14T14:00+25:00", "2006-06-14T24:00Z"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		cr_assert_not(replay_parse_time(bad[i], &ms), "%s accepted", bad[i]);
}
