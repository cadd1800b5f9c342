/*
 * test_match.c — order of expectations, windows (block_open), failure signatures,
 * ${var} substitution in strings and regexes, and the raw-buffer pre-filter.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "steward/match.h"
#include "steward/runbook.h"
#include "steward/vars.h"

static const char rb_text[] =
	"runbook: 1\n"
	"id: t\n"
	"title: T\n"
	"version: \"1\"\n"
	"variables:\n"
	"  - name: site_code\n"
	"    prompt: Site\n"
	"    default: ABC\n"
	"  - name: sms_dir\n"
	"    prompt: Dir\n"
	"    default: 'C:\\SMS'\n"
	"logs:\n"
	"  sitecomp: sitecomp.log\n"
	"  hman: hman.log\n"
	"phases:\n"
	"  - id: p\n"
	"    title: P\n"
	"    steps:\n"
	"      - id: a\n"
	"        title: A\n"
	"        verify:\n"
	"          - log: sitecomp\n"
	"            expect:\n"
	"              - Processing site shutdown transaction\n"
	"              - Site shutdown complete\n"
	"              - regex: 'Waiting for changes to the \"${sms_dir}\\\\Inboxes\\\\Sitectrl\\.box\"'\n"
	"          - log: hman\n"
	"            expect:\n"
	"              - Wait for site control changes for maximum\n"
	"        fail:\n"
	"          - log: sitecomp\n"
	"            match: 'Setup failed for site ${site_code}'\n"
	"            hint: 'Look at ${sms_dir}\\Logs'\n"
	"          - log: hman\n"
	"            match: {regex: '^[0-9]+$'}\n"
	"      - id: b\n"
	"        title: B\n"
	"        verify:\n"
	"          - log: sitecomp\n"
	"            expect: [same line]\n"
	"          - log: sitecomp\n"
	"            expect: [same line]\n";

static struct runbook *rb;
static struct varmap vm;
static struct match_step *m;

static void setup(void)
{
	struct rb_diags d = {0};
	int rc = runbook_load_text(rb_text, sizeof rb_text - 1, "test", &rb, &d);
	if (rc != 0)
		rb_diags_print(&d, stderr);
	cr_assert_eq(rc, 0);
	rb_diags_free(&d);
	memset(&vm, 0, sizeof vm);
	char **probs = NULL;
	size_t np = 0;
	cr_assert(vars_complete(rb, &vm, &probs, &np));
	struct st_error err;
	cr_assert_eq(match_step_compile(rb, 0, &vm, &m, &err), ST_OK, "%s", err.msg);
}

static void teardown(void)
{
	match_step_free(m);
	varmap_free(&vm);
	runbook_free(rb);
}

TestSuite(match, .init = setup, .fini = teardown);

static size_t feed(size_t log, const char *text, struct match_hit *hits)
{
	return match_feed(m, log, text, NULL, true, hits, 8);
}

Test(match, in_order_only)
{
	struct match_hit h[8];
	cr_assert_eq(feed(0, "Site shutdown complete", h), 0); /* out of order: not live */
	cr_assert_eq(feed(0, "Processing site shutdown transaction", h), 1);
	cr_assert_eq(h[0].kind, MATCH_EXPECT);
	cr_assert_eq(h[0].block, 0);
	cr_assert_eq(h[0].expect, 0);
	cr_assert_eq(feed(0, "Waiting for changes to the \"C:\\SMS\\Inboxes\\Sitectrl.box\" or ...", h), 0);
	cr_assert_eq(feed(0, "Site shutdown complete", h), 1);
	cr_assert_eq(h[0].expect, 1);
	cr_assert_not(match_verified(m));
	cr_assert_eq(feed(0, "Waiting for changes to the \"C:\\SMS\\Inboxes\\Sitectrl.box\" or \"C:\\SMS\\Inboxes\\Sitecomp.box\" directories", h), 1);
	cr_assert_eq(h[0].expect, 2);
	cr_assert_eq(match_progress(m, 0), 3);
	cr_assert_not(match_verified(m)); /* the hman block is still open */
	cr_assert_eq(feed(1, "Wait for site control changes for maximum 3600 seconds", h), 1);
	cr_assert(match_verified(m));
}

Test(match, reversed_markers_never_complete)
{
	struct match_hit h[8];
	cr_assert_eq(feed(0, "Waiting for changes to the \"C:\\SMS\\Inboxes\\Sitectrl.box\"", h), 0);
	cr_assert_eq(feed(0, "Site shutdown complete", h), 0);
	cr_assert_eq(feed(0, "Processing site shutdown transaction", h), 1);
	cr_assert_eq(match_progress(m, 0), 1);
}

Test(match, one_record_advances_a_block_by_one)
{
	struct match_hit h[8];
	cr_assert_eq(feed(0, "Processing site shutdown transaction; Site shutdown complete", h), 1);
	cr_assert_eq(match_progress(m, 0), 1);
}

Test(match, marker_on_other_log_does_not_count)
{
	struct match_hit h[8];
	cr_assert_eq(feed(1, "Processing site shutdown transaction", h), 0);
	cr_assert_eq(match_progress(m, 0), 0);
}

Test(match, closed_window_does_not_count)
{
	struct match_hit h[8];
	bool open[2] = {false, true};
	cr_assert_eq(match_feed(m, 0, "Processing site shutdown transaction", open, true, h, 8), 0);
	open[0] = true;
	cr_assert_eq(match_feed(m, 0, "Processing site shutdown transaction", open, true, h, 8), 1);
	/* failure signatures count only inside the step's own window */
	cr_assert_eq(match_feed(m, 0, "Setup failed for site ABC", open, false, h, 8), 0);
	cr_assert_eq(match_feed(m, 0, "Setup failed for site ABC", open, true, h, 8), 1);
}

Test(match, progress_restored_from_session)
{
	struct match_hit h[8];
	match_set_progress(m, 0, 2);
	cr_assert_eq(feed(0, "Site shutdown complete", h), 0);
	cr_assert_eq(feed(0, "Waiting for changes to the \"C:\\SMS\\Inboxes\\Sitectrl.box\"", h), 1);
	cr_assert_eq(h[0].expect, 2);
}

Test(match, failure_signature_with_vars_seen_once)
{
	struct match_hit h[8];
	cr_assert_eq(feed(0, "Setup failed for site XYZ", h), 0);
	cr_assert_eq(feed(0, "Setup failed for site ABC (error 5)", h), 1);
	cr_assert_eq(h[0].kind, MATCH_FAIL);
	cr_assert_eq(h[0].fail, 0);
	cr_assert_str_eq(match_fail_hint(m, 0), "Look at C:\\SMS\\Logs");
	cr_assert_eq(feed(0, "Setup failed for site ABC (error 5)", h), 0);
	match_set_fail_seen(m, 0, false);
	cr_assert_eq(feed(0, "Setup failed for site ABC (error 5)", h), 1);
}

Test(match, two_blocks_one_line)
{
	match_step_free(m);
	struct st_error err;
	cr_assert_eq(match_step_compile(rb, 1, &vm, &m, &err), ST_OK);
	struct match_hit h[8];
	cr_assert_eq(feed(0, "the same line", h), 2);
	cr_assert(match_verified(m));
}

Test(match, substituted_regex_value_is_literal)
{
	cr_assert_str_eq(match_expect_text(m, 0, 2), "Waiting for changes to the \"C:\\\\SMS\\\\Inboxes\\\\Sitectrl\\.box\"");
}

Test(match, prefilter_finds_first_live_needle)
{
	const char buf[] = "noise line\nmore noise Setup failed for site ABC\nProcessing site shutdown transaction\n";
	cr_assert(match_can_prefilter(m, 0));
	size_t at = match_prefilter(m, 0, buf, sizeof buf - 1);
	cr_assert_eq(at, (size_t)(strstr(buf, "Setup failed") - buf));
	match_set_fail_seen(m, 0, true);
	at = match_prefilter(m, 0, buf, sizeof buf - 1);
	cr_assert_eq(at, (size_t)(strstr(buf, "Processing") - buf));
	/* only the live entry is searched: the second expect is not */
	const char later[] = "Site shutdown complete\n";
	cr_assert_eq(match_prefilter(m, 0, later, sizeof later - 1), sizeof later - 1);
	/* the hman log has a failure regex without a literal: no pre-filter there */
	cr_assert_not(match_can_prefilter(m, 1));
}

Test(match, prefilter_on_regex_literal)
{
	match_set_progress(m, 0, 2);
	match_set_fail_seen(m, 0, true);
	const char buf[] = "x\nWaiting for changes to the \"C:\\SMS\\Inboxes\\Sitectrl.box\"\n";
	cr_assert(match_can_prefilter(m, 0));
	cr_assert_eq(match_prefilter(m, 0, buf, sizeof buf - 1), 2);
}

Test(match_literal, extraction)
{
	char *s;
	s = match_regex_literal("Waiting for changes to the \".*\\\\Sitectrl\\.box\"");
	cr_assert_str_eq(s, "Waiting for changes to the \"");
	free(s);
	s = match_regex_literal("MP\\.MSI exited with return code: [1-9][0-9]*");
	cr_assert_str_eq(s, "MP.MSI exited with return code: ");
	free(s);
	s = match_regex_literal("abcd?efgh");
	cr_assert_str_eq(s, "efgh");
	free(s);
	s = match_regex_literal("x{2,3}yyyy");
	cr_assert_str_eq(s, "yyyy");
	free(s);
	cr_assert_null(match_regex_literal("abcdef|ghijkl"));
	cr_assert_null(match_regex_literal("^[0-9]+$"));
	s = match_regex_literal("(optional group)?tail word");
	cr_assert_str_eq(s, "tail word");
	free(s);
	s = match_regex_literal("status\\.? code 200");
	cr_assert_str_eq(s, " code 200");
	free(s);
}
