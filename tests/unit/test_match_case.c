/*
 * test_match_case.c — issue 10 findings 4 and 7: `case: insensitive` (item, block and
 * fail-entry forms, ${var} values included, the pre-filter too, ASCII only), its lint
 * errors at FILE:LINE:COL, and the regexes lint refuses because matching them could
 * hang (back-references, too many wildcard positions), in verify, fail and variable
 * patterns.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "steward/match.h"
#include "steward/runbook.h"
#include "steward/rx.h"
#include "steward/vars.h"

#define HEAD                                                                             \
	"runbook: 1\n"                                           /* 1 */                 \
	"id: t\n"                                                /* 2 */                 \
	"title: T\n"                                             /* 3 */                 \
	"version: '1'\n"                                         /* 4 */                 \
	"variables:\n"                                           /* 5 */                 \
	"  - name: sms_dir\n"                                    /* 6 */                 \
	"    prompt: SMS folder\n"                               /* 7 */                 \
	"    default: 'C:\\SMS'\n"                               /* 8 */                 \
	"logs: {sitecomp: sitecomp.log, hman: hman.log}\n"       /* 9 */                 \
	"phases:\n"                                              /* 10 */                \
	"  - id: p\n"                                            /* 11 */                \
	"    title: P\n"                                         /* 12 */                \
	"    steps:\n"                                           /* 13 */                \
	"      - id: s\n"                                        /* 14 */                \
	"        title: S\n"                                     /* 15 */

static const char rb_text[] = HEAD
	"        verify:\n"
	"          - log: sitecomp\n"
	"            expect:\n"
	"              - { text: 'Waiting for changes to the \"${sms_dir}\\Inboxes\\Sitectrl.box\"', case: insensitive }\n"
	"              - { regex: 'Wait for site control changes for maximum -?[0-9]+ seconds', case: insensitive }\n"
	"              - Exact Case\n"
	"          - log: hman\n"
	"            case: insensitive\n"
	"            expect:\n"
	"              - block default applies\n"
	"              - { text: 'Item Wins', case: sensitive }\n"
	"              - { regex: '${sms_dir}\\\\logs' }\n"
	"        fail:\n"
	"          - log: sitecomp\n"
	"            case: insensitive\n"
	"            match: Setup Failed\n";

static struct runbook *rb;
static struct varmap vm;
static struct match_step *m;

static void load(const char *sms_dir)
{
	struct rb_diags d = {0};
	int rc = runbook_load_text(rb_text, sizeof rb_text - 1, "t.yaml", &rb, &d);
	if (rc != 0)
		rb_diags_print(&d, stderr);
	cr_assert_eq(rc, 0);
	rb_diags_free(&d);
	memset(&vm, 0, sizeof vm);
	if (sms_dir)
		varmap_set(&vm, "sms_dir", sms_dir);
	char **probs = NULL;
	size_t np = 0;
	cr_assert(vars_complete(rb, &vm, &probs, &np));
	struct st_error err;
	cr_assert_eq(match_step_compile(rb, 0, &vm, &m, &err), ST_OK, "%s", err.msg);
}

static void teardown(void)
{
	match_step_free(m);
	m = NULL;
	varmap_free(&vm);
	runbook_free(rb);
	rb = NULL;
}

static size_t feed(size_t log, const char *text)
{
	struct match_hit h[8];
	return match_feed(m, log, text, NULL, true, h, 8);
}

Test(nocase, flags_resolved_item_then_block_then_default, .fini = teardown)
{
	load(NULL);
	const struct rb_step *st = &rb->steps[0];
	cr_assert(st->verify[0].expect[0].nocase);
	cr_assert_not(st->verify[0].expect[0].is_regex);
	cr_assert(st->verify[0].expect[1].nocase);
	cr_assert(st->verify[0].expect[1].is_regex);
	cr_assert_not(st->verify[0].expect[2].nocase);
	cr_assert(st->verify[1].expect[0].nocase);     /* the block's default */
	cr_assert_not(st->verify[1].expect[1].nocase); /* the item's own case wins */
	cr_assert(st->verify[1].expect[2].nocase);
	cr_assert(st->fail[0].match.nocase);
}

/* The operator typed C:\SMS; SiteComp wrote c:\sms\inboxes\sitectrl.box. */
Test(nocase, path_typed_in_another_case_matches, .fini = teardown)
{
	load("C:\\SMS");
	cr_assert_eq(feed(0, "Waiting for changes to the \"c:\\sms\\inboxes\\sitectrl.box\" or \"c:\\sms\\inboxes\\sitecomp.box\" directories"), 1);
	cr_assert_eq(feed(0, "WAIT FOR SITE CONTROL CHANGES FOR MAXIMUM -5 SECONDS..."), 1);
	cr_assert_eq(feed(0, "exact case"), 0); /* sensitive by default */
	cr_assert_eq(feed(0, "Exact Case"), 1);
	cr_assert_eq(match_progress(m, 0), 3);
	cr_assert_eq(feed(0, "setup failed for site ABC"), 1); /* the fail entry's case */
}

Test(nocase, substituted_value_in_regex_follows_the_rule, .fini = teardown)
{
	load("D:\\Program Files\\SMS");
	match_set_progress(m, 1, 2);
	/* the value is escaped (its '\' and ' ' are literal) and matches in any case */
	cr_assert_eq(feed(1, "see d:\\program files\\sms\\Logs for details"), 1);
	cr_assert_eq(match_progress(m, 1), 3);
}

Test(nocase, item_sensitive_inside_insensitive_block, .fini = teardown)
{
	load(NULL);
	cr_assert_eq(feed(1, "BLOCK DEFAULT APPLIES here"), 1);
	cr_assert_eq(feed(1, "item wins"), 0);
	cr_assert_eq(feed(1, "Item Wins"), 1);
}

/* ASCII letters only: É and é are different bytes and stay different. */
Test(nocase, non_ascii_letters_compare_exactly, .fini = teardown)
{
	load("C:\\Données");
	cr_assert_eq(feed(0, "waiting for changes to the \"c:\\DONNÉES\\inboxes\\sitectrl.box\""), 0);
	cr_assert_eq(feed(0, "waiting for changes to the \"c:\\donnÉes\\inboxes\\sitectrl.box\""), 0);
	cr_assert_eq(feed(0, "waiting for changes to the \"c:\\DONNées\\inboxes\\sitectrl.box\""), 1);
}

Test(nocase, prefilter_finds_the_literal_in_any_case, .fini = teardown)
{
	load("C:\\SMS");
	const char buf[] = "noise\nWAITING FOR CHANGES TO THE \"C:\\SMS\\INBOXES\\SITECTRL.BOX\"\n";
	cr_assert(match_can_prefilter(m, 0));
	match_set_fail_seen(m, 0, true);
	cr_assert_eq(match_prefilter(m, 0, buf, sizeof buf - 1), 6);
	match_set_progress(m, 0, 1); /* the regex: its literal "Wait for site control ..." */
	const char buf2[] = "x\nyy\nwait for site control changes for maximum 3600 seconds\n";
	cr_assert_eq(match_prefilter(m, 0, buf2, sizeof buf2 - 1), 5);
}

Test(nocase, casemem)
{
	char needle[] = "Sitectrl.BOX";
	rx_ascii_lower(needle);
	cr_assert_str_eq(needle, "sitectrl.box");
	const char hay[] = "a SITECTRL.bo Sitectrl.Box";
	const char *hit = rx_casemem(hay, strlen(hay), needle, strlen(needle));
	cr_assert_eq(hit, hay + 14);
	cr_assert_null(rx_casemem(hay, strlen(hay) - 1, needle, strlen(needle)));
	const char digits[] = "xx11yy12";
	cr_assert_eq(rx_casemem(digits, 8, "12", 2), digits + 6);
}

/* ---- lint -------------------------------------------------------------------------- */

static void expect_diag(const char *text, int line, int col, const char *needle)
{
	struct rb_diags d = {0};
	struct runbook *r = NULL;
	int rc = runbook_load_text(text, strlen(text), "t.yaml", &r, &d);
	cr_assert_eq(rc, -1, "expected the runbook to be rejected");
	bool found = false;
	for (size_t i = 0; i < d.n && !found; i++)
		found = d.items[i].line == line && d.items[i].col == col && strstr(d.items[i].msg, needle);
	if (!found)
		rb_diags_print(&d, stderr);
	cr_assert(found, "no diagnostic %d:%d containing \"%s\"", line, col, needle);
	rb_diags_free(&d);
}

Test(nocase_lint, bad_case_values_with_position)
{
	expect_diag(HEAD "        verify:\n"
			 "          - log: sitecomp\n"
			 "            case: Insensitive\n" /* 18 */
			 "            expect: [x]\n",
		    18, 19, "'case' in a verify block is 'Insensitive': write 'sensitive' or 'insensitive'");
	expect_diag(HEAD "        verify:\n"
			 "          - log: sitecomp\n"
			 "            expect:\n"
			 "              - { text: x, case: yes }\n", /* 19 */
		    19, 34, "'case' in step 's' is 'yes'");
	expect_diag(HEAD "        fail:\n"
			 "          - log: sitecomp\n"
			 "            case: [insensitive]\n" /* 18 */
			 "            match: x\n",
		    18, 19, "'case' in a fail signature must be sensitive or insensitive, not a list");
	expect_diag(HEAD "        verify:\n"
			 "          - log: sitecomp\n"
			 "            expect:\n"
			 "              - { text: x, regex: y }\n", /* 19 */
		    19, 35, "has both 'text' and 'regex'");
	expect_diag(HEAD "        verify:\n"
			 "          - log: sitecomp\n"
			 "            expect:\n"
			 "              - { case: insensitive }\n", /* 19 */
		    19, 17, "needs 'text' (a substring) or 'regex'");
	expect_diag(HEAD "        verify:\n"
			 "          - log: sitecomp\n"
			 "            expect:\n"
			 "              - { text: '', case: insensitive }\n", /* 19 */
		    19, 25, "'text' in step 's' is empty");
}

Test(nocase_lint, back_references_refused_everywhere)
{
	expect_diag(HEAD "        verify:\n"
			 "          - log: sitecomp\n"
			 "            expect:\n"
			 "              - { regex: '(a*)*\\1x' }\n", /* 19 */
		    19, 26, "regex '(a*)*\\1x' is refused: back-references");
	expect_diag(HEAD "        fail:\n"
			 "          - log: sitecomp\n"
			 "            match: { regex: '(ab)\\2', case: insensitive }\n", /* 18 */
		    18, 29, "is refused: back-references");
	/* A variable's pattern with a long default hung lint for over 60 s: refused at once. */
	const char var[] =
		"runbook: 1\nid: t\ntitle: T\nversion: '1'\nvariables:\n"
		"  - name: x\n    prompt: X\n"
		"    pattern: '(a*)*\\1x'\n" /* 8 */
		"    default: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
		"phases:\n  - id: p\n    title: P\n    steps:\n      - id: s\n        title: S\n";
	expect_diag(var, 8, 14, "pattern '(a*)*\\1x' is refused: back-references");
}

Test(nocase_lint, too_many_wildcards_refused)
{
	expect_diag(HEAD "        verify:\n"
			 "          - log: sitecomp\n"
			 "            expect:\n"
			 "              - { regex: 'a[ab]{20}c' }\n", /* 19 */
		    19, 26, "it has 20 wildcard positions");
	expect_diag(HEAD "        verify:\n"
			 "          - log: sitecomp\n"
			 "            expect:\n"
			 "              - { regex: '(.*){1,200}x' }\n", /* 19 */
		    19, 26, "it has 200 wildcard positions");
}

Test(rx, wildcard_count)
{
	cr_assert_eq(rx_wildcards("Processing site shutdown transaction"), 0);
	cr_assert_eq(rx_wildcards("for maximum -?[0-9]+ seconds"), 1);
	cr_assert_eq(rx_wildcards("\".*[Ss]itectrl\\.box\" or \".*[Ss]itecomp\\.box\""), 4);
	cr_assert_eq(rx_wildcards("[0-9]{4}-[0-9]{2}-[0-9]{2}"), 8);
	cr_assert_eq(rx_wildcards("(a|b)*a(a|b){11}c"), 12);
	cr_assert_eq(rx_wildcards("x{50}"), 0);        /* a literal repeated: no ambiguity */
	cr_assert_eq(rx_wildcards("[{]{3}"), 3);       /* a '{' inside brackets is a member */
	cr_assert_eq(rx_wildcards("((a|b){3}){4}"), 12);
	cr_assert_eq(rx_wildcards("\\w\\s\\."), 2);
	bool unsafe;
	char *why = rx_problem("((a|b){3}){5}", RX_LOG_LINE, &unsafe);
	cr_assert_not_null(why);
	cr_assert(unsafe);
	free(why);
	why = rx_problem("a(b", RX_LOG_LINE, &unsafe);
	cr_assert_not_null(why);
	cr_assert_not(unsafe);
	free(why);
	cr_assert_null(rx_problem("[\\1]x", RX_LOG_LINE, &unsafe)); /* a backslash in brackets is literal */
}

/* The anchored form keeps the meaning of ^, $, alternation and ICASE. */
Test(rx, anchored_form_keeps_semantics)
{
	struct rx r;
	char *why;
	cr_assert(rx_compile(&r, "^abc|xyz$", false, &why));
	cr_assert(rx_match(&r, "abcdef"));
	cr_assert(rx_match(&r, "--xyz"));
	cr_assert_not(rx_match(&r, "-abc"));
	cr_assert_not(rx_match(&r, "xyz-"));
	rx_free(&r);
	cr_assert(rx_compile(&r, "Sitectrl\\.box", true, &why));
	cr_assert(rx_match(&r, "x SITECTRL.BOX"));
	cr_assert_not(rx_match(&r, "x SITECTRLxBOX"));
	rx_free(&r);
	cr_assert(rx_compile(&r, "é", true, &why)); /* bytes, C locale: É does not fold */
	cr_assert_not(rx_match(&r, "É"));
	cr_assert(rx_match(&r, "é"));
	rx_free(&r);
	/* a value that spans lines of a multi-line record */
	cr_assert(rx_compile(&r, "first.*second", false, &why));
	cr_assert(rx_match(&r, "first\nsecond"));
	rx_free(&r);
	cr_assert_not(rx_compile(&r, "a)|(b", false, &why));
	free(why);
}

/* A variable's pattern checks a typed value of at most RX_MAX_VALUE bytes, not a log line:
 * the wildcard bound does not apply (a NetBIOS name pattern has 15), back-references
 * still do, and a longer value is refused before the pattern runs. */
Test(rx, variable_patterns_are_bounded_by_the_value_not_the_wildcards)
{
	bool unsafe;
	char *why = rx_problem("^[A-Za-z0-9-]{1,15}$", RX_LOG_LINE, &unsafe);
	cr_assert_not_null(why, "as a verify regex it has 15 wildcard positions");
	free(why);
	cr_assert_null(rx_problem("^[A-Za-z0-9-]{1,15}$", RX_VALUE, &unsafe));
	why = rx_problem("(a*)*\\1x", RX_VALUE, &unsafe);
	cr_assert_not_null(why, "back-references are refused for values too");
	cr_assert(unsafe);
	free(why);
	char name[] = "site_server", pattern[] = "^[A-Za-z0-9-]{1,15}$";
	struct rb_variable var = {.name = name, .pattern = pattern};
	cr_assert_null(vars_check_value(&var, "SMS-CEN01"));
	char *msg = vars_check_value(&var, "SMS_CEN01");
	cr_assert_not_null(msg);
	free(msg);
	char *big = xmalloc(RX_MAX_VALUE + 2);
	memset(big, 'a', RX_MAX_VALUE + 1);
	big[RX_MAX_VALUE + 1] = '\0';
	msg = vars_check_value(&var, big);
	cr_assert(msg && strstr(msg, "at most 4096"), "%s", msg ? msg : "(accepted)");
	free(msg);
	free(big);
}
