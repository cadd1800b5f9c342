/*
 * test_runbook_reject.c — one failing runbook (at least) per rejection class of
 * RUNBOOK-FORMAT.md, each with the exact line:column asserted, plus "all problems,
 * not just the first".
 */
#include <criterion/criterion.h>
#include <string.h>

#include "steward/runbook.h"
#include "steward/util.h"

/* A valid head that every case below extends (lines 1-12). */
#define HEAD                                                                             \
	"runbook: 1\n"                                           /* 1 */                 \
	"id: t\n"                                                /* 2 */                 \
	"title: T\n"                                             /* 3 */                 \
	"version: '1'\n"                                         /* 4 */                 \
	"variables:\n"                                           /* 5 */                 \
	"  - name: site_code\n"                                  /* 6 */                 \
	"    prompt: Site\n"                                     /* 7 */                 \
	"  - name: ver\n"                                        /* 8 */                 \
	"    prompt: Version\n"                                  /* 9 */                 \
	"    choices: [RTM, SP1]\n"                              /* 10 */                \
	"logs: {sitecomp: sitecomp.log}\n"                       /* 11 */                \
	"phases:\n"                                              /* 12 */

/* Loads text that must be invalid; fails unless a diagnostic sits at line:col and its
 * message contains `needle`. Returns how many diagnostics there were. */
static size_t expect_diag(const char *text, int line, int col, const char *needle)
{
	struct rb_diags d = {0};
	struct runbook *rb = NULL;
	int rc = runbook_load_text(text, strlen(text), "t.yaml", &rb, &d);
	cr_assert_eq(rc, -1, "expected the runbook to be rejected");
	cr_assert_null(rb);
	bool found = false;
	for (size_t i = 0; i < d.n && !found; i++)
		found = d.items[i].line == line && d.items[i].col == col &&
			strstr(d.items[i].msg, needle) && strcmp(d.items[i].file, "t.yaml") == 0;
	if (!found)
		rb_diags_print(&d, stderr);
	cr_assert(found, "no diagnostic %d:%d containing \"%s\"", line, col, needle);
	size_t n = d.n;
	rb_diags_free(&d);
	return n;
}

static void expect_valid(const char *text)
{
	struct rb_diags d = {0};
	struct runbook *rb = NULL;
	int rc = runbook_load_text(text, strlen(text), "t.yaml", &rb, &d);
	if (rc != 0)
		rb_diags_print(&d, stderr);
	cr_assert_eq(rc, 0);
	runbook_free(rb);
	rb_diags_free(&d);
}

#define STEP1 "  - id: p\n    title: P\n    steps:\n      - id: s1\n        title: S1\n"

Test(reject, the_head_with_one_step_is_valid)
{
	expect_valid(HEAD STEP1);
}

Test(reject, yaml_syntax_error_with_position)
{
	expect_diag("runbook: 1\nid: [a, b\ntitle: x\n", 3, 6, "YAML syntax error");
	expect_diag("runbook: 1\n  id: x\n", 2, 5, "YAML syntax error");
}

Test(reject, document_not_a_mapping)
{
	expect_diag("- a\n- b\n", 1, 1, "a runbook is a YAML mapping");
	expect_diag("just text\n", 1, 1, "a runbook is a YAML mapping");
	expect_diag("", 1, 1, "no YAML document");
	expect_diag("# only a comment\n", 1, 1, "no YAML document");
}

/* Issue 13, L-UB: an empty top-level collection closed a container before any child was
 * seen, and yamltree did NULL + 0 and memcpy(NULL, ..., 0) (undefined behaviour: the
 * SANITIZE=1 build stopped here). Now a plain lint error, under UBSan too. */
Test(reject, empty_top_level_collection)
{
	expect_diag("[]\n", 1, 1, "a runbook is a YAML mapping");
	expect_diag("{}\n", 1, 1, "missing required key 'runbook'");
	expect_diag("[[], {}]\n", 1, 1, "a runbook is a YAML mapping");
	expect_diag("runbook: 1\nid: t\ntitle: T\nversion: '1'\nphases: []\n", 5, 9, "phases");
}

/* Issue 13, L9: libyaml reports a character (not a byte) for "invalid Unicode
 * character"; U+D800 used to be shown as "(byte 0x00)". */
Test(reject, invalid_character_named_as_a_code_point)
{
	expect_diag("runbook: 1\nid: t\ntitle: \"\xed\xa0\x80\"\n", 3, 9, "(U+D800)");
	expect_diag("runbook: 1\nid: \xff\n", 2, 5, "(byte 0xFF)");
}

Test(reject, more_than_one_document)
{
	expect_diag(HEAD STEP1 "---\nrunbook: 1\n", 18, 1, "more than one YAML document");
}

Test(reject, missing_required_key)
{
	expect_diag("runbook: 1\nid: t\nversion: '1'\nphases:\n" STEP1, 1, 1,
		    "missing required key 'title' in the runbook");
	expect_diag(HEAD "  - id: p\n    title: P\n    steps:\n      - title: S1\n", 16, 9,
		    "missing required key 'id' in a step");
	expect_diag(HEAD "  - id: p\n    title: P\n", 13, 5, "missing required key 'steps' in phase 'p'");
}

Test(reject, unknown_key_suggests_the_nearest)
{
	expect_diag(HEAD STEP1 "        tilte: x\n", 18, 9,
		    "unknown key 'tilte' in step 's1' (did you mean 'title'?)");
	expect_diag(HEAD STEP1 "        comand: x\n", 18, 9, "(did you mean 'command'?)");
	expect_diag("summry: x\n" HEAD STEP1, 1, 1, "(did you mean 'summary'?)");
	expect_diag(HEAD STEP1 "        zzzzzzzz: x\n", 18, 9, "(valid keys: id, title, when");
}

Test(reject, wrong_kind_of_value)
{
	expect_diag(HEAD STEP1 "        body: [a, b]\n", 18, 15, "'body' in step 's1' must be a string, not a list");
	expect_diag(HEAD STEP1 "        checklist: just one\n", 18, 20, "must be a list of strings, not a string");
	expect_diag(HEAD STEP1 "        command: {a: b}\n", 18, 18, "a string or a list of strings, not a mapping");
	expect_diag(HEAD STEP1 "        verify: {log: sitecomp}\n", 18, 17, "'verify' in step 's1' must be a list");
	expect_diag(HEAD "  - id: p\n    title: P\n    steps: {a: b}\n", 15, 12, "'steps' in phase 'p' must be a list");
	expect_diag(HEAD STEP1 "        references: [[a]]\n", 18, 22, "items of 'references' in step 's1' must be strings");
	expect_diag("runbook: 1\nid: t\ntitle: T\nversion: '1'\nphases: x\n", 5, 9, "'phases' must be a list");
}

Test(reject, empty_phases_steps_expect)
{
	expect_diag(HEAD " []\n", 13, 2, "'phases' is empty");
	expect_diag(HEAD "  - id: p\n    title: P\n    steps: []\n", 15, 12, "'steps' in phase 'p' is empty");
	expect_diag(HEAD STEP1 "        verify:\n          - log: sitecomp\n            expect: []\n", 20, 21,
		    "'expect' in step 's1' is empty");
}

Test(reject, runbook_version_other_than_1)
{
	expect_diag("runbook: 2\nid: t\ntitle: T\nversion: '1'\nphases:\n" STEP1, 1, 10, "'runbook' must be 1");
	expect_diag("runbook: '1.0'\nid: t\ntitle: T\nversion: '1'\nphases:\n" STEP1, 1, 10, "'runbook' must be 1");
}

Test(reject, bad_ids)
{
	expect_diag("runbook: 1\nid: Upgrade_SMS\ntitle: T\nversion: '1'\nphases:\n" STEP1, 2, 5,
		    "'id' in the runbook is 'Upgrade_SMS'");
	expect_diag(HEAD "  - id: -p\n    title: P\n    steps:\n      - id: s1\n        title: S1\n", 13, 9,
		    "'id' in phase '-p' is '-p'");
	expect_diag(HEAD "  - id: p\n    title: P\n    steps:\n      - id: 's 1'\n        title: S1\n", 16, 13,
		    "'id' in step 's 1' is 's 1'");
	expect_diag("runbook: 1\nid: t\ntitle: T\nversion: '1'\nvariables:\n  - name: Site\n    prompt: x\nphases:\n" STEP1,
		    6, 11, "variable name 'Site' is not valid");
}

Test(reject, duplicate_phase_step_variable_ids)
{
	expect_diag(HEAD STEP1 STEP1, 18, 9, "duplicate phase id 'p' (first at line 13)");
	expect_diag(HEAD STEP1 "      - id: s1\n        title: again\n", 18, 13, "duplicate step id 's1' (first at line 16)");
	expect_diag("runbook: 1\nid: t\ntitle: T\nversion: '1'\nvariables:\n  - name: a\n    prompt: x\n"
		    "  - name: a\n    prompt: y\nphases:\n" STEP1, 8, 11, "duplicate variable 'a' (first at line 6)");
}

Test(reject, duplicate_key_in_one_mapping)
{
	expect_diag(HEAD STEP1 "        title: again\n", 18, 9, "duplicate key 'title' in step 's1' (first at line 17, column 9)");
	expect_diag("runbook: 1\nid: t\ntitle: T\nversion: '1'\nlogs:\n  a: a.log\n  a: b.log\nphases:\n" STEP1,
		    7, 3, "duplicate key 'a' in 'logs'");
}

Test(reject, undeclared_variable_in_every_field)
{
	expect_diag(HEAD STEP1 "        body: Go to ${site}\n", 18, 15, "'${site}' in 'body' names no declared variable (did you mean '${site_code}'?)");
	expect_diag(HEAD STEP1 "        host: ${nope}\n", 18, 15, "'${nope}' in 'host'");
	expect_diag(HEAD STEP1 "        command: [a, 'b ${nope}']\n", 18, 22, "'${nope}' in 'command'");
	expect_diag(HEAD STEP1 "        caution: ${nope}\n", 18, 18, "'${nope}' in 'caution'");
	expect_diag(HEAD STEP1 "        confirm: ${nope}\n", 18, 18, "'${nope}' in 'confirm'");
	expect_diag(HEAD STEP1 "        checklist: ['${nope}']\n", 18, 21, "'${nope}' in 'checklist'");
	expect_diag(HEAD STEP1 "        practice: Ask ${nope}\n", 18, 19, "'${nope}' in 'practice'");
	expect_diag(HEAD STEP1 "        practice: [ok, 'x ${nope}']\n", 18, 24, "'${nope}' in 'practice'");
	expect_diag(HEAD "  - id: p\n    title: P\n    steps:\n      - id: s1\n        title: S ${nope}\n", 17, 16, "'${nope}' in 'title'");
	expect_diag(HEAD STEP1 "        verify:\n          - log: sitecomp\n            expect: ['${nope}']\n", 20, 22, "'${nope}' in 'expect'");
	expect_diag(HEAD STEP1 "        verify:\n          - log: sitecomp\n            expect: [{regex: 'a${nope}'}]\n", 20, 30, "'${nope}' in 'expect'");
	expect_diag(HEAD STEP1 "        fail:\n          - log: sitecomp\n            match: x ${nope}\n", 20, 20, "'${nope}' in 'match'");
	expect_diag(HEAD STEP1 "        fail:\n          - log: sitecomp\n            match: x\n            hint: ${nope}\n", 21, 19, "'${nope}' in 'hint'");
	expect_diag(HEAD STEP1 "        body: 'unclosed ${site_code'\n", 18, 15, "without a closing '}'");
	expect_diag(HEAD STEP1 "        body: 'PS ${env:PATH}'\n", 18, 15, "is not a variable reference");
	expect_valid(HEAD STEP1 "        body: 'literal $${env:PATH} and ${site_code}'\n");
}

Test(reject, when_undeclared_variable_or_value_outside_choices)
{
	expect_diag(HEAD STEP1 "        when: {nope: x}\n", 18, 16, "'when' in step 's1' names 'nope', which is not a declared variable");
	expect_diag(HEAD STEP1 "        when: {ver: SP2}\n", 18, 21, "'SP2' is not one of the choices of 'ver' (RTM, SP1)");
	expect_diag(HEAD STEP1 "        when:\n          ver: [RTM, SP3]\n", 19, 22, "'SP3' is not one of the choices");
	expect_valid(HEAD STEP1 "        when:\n          ver: [RTM, SP1]\n          site_code: ABC\n");
}

Test(reject, default_failing_its_pattern_or_choices)
{
	expect_diag("runbook: 1\nid: t\ntitle: T\nversion: '1'\nvariables:\n  - name: a\n    prompt: x\n"
		    "    pattern: '^[A-Z]{3}$'\n    default: abc\nphases:\n" STEP1, 9, 14,
		    "default 'abc' of variable 'a' is not a valid value: 'abc' does not have the expected form (pattern: ^[A-Z]{3}$)");
	expect_diag("runbook: 1\nid: t\ntitle: T\nversion: '1'\nvariables:\n  - name: a\n    prompt: x\n"
		    "    choices: [RTM, SP1]\n    default: SP2\nphases:\n" STEP1, 9, 14,
		    "default 'SP2' of variable 'a' is not a valid value: 'SP2' is not one of: RTM, SP1");
}

Test(reject, pattern_hint_without_pattern)
{
	expect_diag("runbook: 1\nid: t\ntitle: T\nversion: '1'\nvariables:\n  - name: a\n    prompt: x\n"
		    "    pattern_hint: three capitals\nphases:\n" STEP1, 8, 19,
		    "'pattern_hint' explains a 'pattern', and this variable has none: add the pattern or remove the hint");
	expect_valid("runbook: 1\nid: t\ntitle: T\nversion: '1'\nvariables:\n  - name: a\n    prompt: x\n"
		     "    pattern: '^[A-Z]{3}$'\n    pattern_hint: three capital letters\nphases:\n" STEP1);
}

Test(reject, log_not_in_logs)
{
	expect_diag(HEAD STEP1 "        verify:\n          - log: sitecmp\n            expect: [x]\n", 19, 18,
		    "log 'sitecmp' in step 's1' is not in 'logs' (did you mean 'sitecomp'?)");
	expect_diag(HEAD STEP1 "        fail:\n          - log: other\n            match: x\n", 19, 18,
		    "log 'other' in step 's1' is not in 'logs'");
}

Test(reject, since_no_step_or_not_earlier)
{
#define S2(since) HEAD STEP1 "      - id: s2\n        title: S2\n        verify:\n          - log: sitecomp\n" \
		  "            expect: [x]\n            since: " since "\n"
	expect_diag(S2("nowhere"), 23, 20, "'since: nowhere' in step 's2' names no step");
	expect_diag(S2("s2"), 23, 20, "names the step itself");
	expect_valid(S2("s1"));
#undef S2
	expect_diag(HEAD STEP1 "        verify:\n          - log: sitecomp\n            expect: [x]\n            since: s2\n"
		    "      - id: s2\n        title: S2\n", 21, 20, "names a step that comes later");
}

Test(reject, after_no_step_not_earlier_or_without_verify)
{
#define S2(after) HEAD STEP1 "      - id: s2\n        title: S2\n        verify:\n          - log: sitecomp\n" \
		  "            expect: [x]\n            after: " after "\n"
	expect_diag(S2("nowhere"), 23, 20, "'after: nowhere' in step 's2' names no step");
	expect_diag(S2("s2"), 23, 20, "names the step itself");
	/* s1 has no verify block: there is no line that verified it */
	expect_diag(S2("s1"), 23, 20, "names a step without a verify block");
#undef S2
	expect_diag(HEAD STEP1 "        verify:\n          - log: sitecomp\n            expect: [x]\n            after: s2\n"
		    "      - id: s2\n        title: S2\n        verify:\n          - log: sitecomp\n"
		    "            expect: [y]\n",
		    21, 20, "names a step that comes later");
	expect_valid(HEAD STEP1 "        verify:\n          - log: sitecomp\n            expect: [x]\n"
			      "      - id: s2\n        title: S2\n        verify:\n          - log: sitecomp\n"
			      "            expect: [y]\n            after: s1\n            since: s1\n");
}

Test(reject, bad_durations)
{
	expect_diag(HEAD STEP1 "        wait: 30\n", 18, 15, "'wait' in step 's1' is '30', not a duration");
	expect_diag(HEAD STEP1 "        wait: 30x\n", 18, 15, "not a duration");
	expect_diag(HEAD STEP1 "        wait: 0s\n", 18, 15, "not a duration");
	expect_diag(HEAD STEP1 "        wait: 30m1h\n", 18, 15, "not a duration");
	expect_diag(HEAD STEP1 "        verify:\n          - log: sitecomp\n            expect: [x]\n            timeout: soon\n",
		    21, 22, "'timeout' in a verify block is 'soon', not a duration");
}

Test(reject, pattern_or_regex_that_does_not_compile)
{
	expect_diag("runbook: 1\nid: t\ntitle: T\nversion: '1'\nvariables:\n  - name: a\n    prompt: x\n"
		    "    pattern: '^[A-Z'\nphases:\n" STEP1, 8, 14, "pattern '^[A-Z' does not compile");
	expect_diag(HEAD STEP1 "        verify:\n          - log: sitecomp\n            expect:\n              - regex: 'a(b'\n",
		    21, 24, "regex 'a(b' does not compile");
	expect_diag(HEAD STEP1 "        fail:\n          - log: sitecomp\n            match: {regex: '*['}\n",
		    20, 28, "does not compile");
	/* ${var} inside a regex is checked after substitution, so this one is valid. */
	expect_valid(HEAD STEP1 "        verify:\n          - log: sitecomp\n            expect:\n"
		     "              - regex: '^site ${site_code} (up|down)$'\n");
}

Test(reject, every_problem_is_reported_not_only_the_first)
{
	size_t n = expect_diag("runbook: 3\nid: Bad\ntitle: [x]\nversion: '1'\nphases:\n"
			       "  - id: p\n    title: P\n    steps:\n      - id: s1\n        title: S1\n"
			       "        tilte: x\n        wait: forever\n", 1, 10, "'runbook' must be 1");
	cr_assert_eq(n, 5);
}

Test(reject, aliases_are_refused)
{
	expect_diag("a: &x [1, 2]\nb: *x\n", 2, 4, "YAML aliases (*x) are not allowed");
	/* billion laughs: refused at the first alias, nothing expanded */
	expect_diag("a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
		    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\n", 2, 8, "aliases");
}

Test(reject, deep_nesting_is_refused)
{
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < 200; i++)
		sb_putc(&sb, '[');
	expect_diag(sb_str(&sb), 1, 65, "nesting deeper than 64");
	sb_free(&sb);
}

Test(reject, nul_byte_and_huge_text)
{
	const char t[] = "runbook: 1\nid: a\0b\n";
	struct rb_diags d = {0};
	struct runbook *rb = NULL;
	cr_assert_eq(runbook_load_text(t, sizeof t - 1, "t.yaml", &rb, &d), -1);
	cr_assert_eq(d.items[0].line, 2);
	cr_assert_eq(d.items[0].col, 6);
	rb_diags_free(&d);

	size_t big = (4u << 20) + 1;
	char *huge = xmalloc(big);
	memset(huge, ' ', big);
	cr_assert_eq(runbook_load_text(huge, big, "t.yaml", &rb, &d), -1);
	cr_assert(strstr(d.items[0].msg, "at most"));
	rb_diags_free(&d);
	free(huge);
}

/* A bound for the two "quickly" / "bounded time" tests below: each takes well under a
 * second (0.2 s and 0.4 s unsanitized on the project's 2-core machine); the bound is
 * generous enough for ASan on a loaded machine and still fails the blow-ups they guard
 * against (regcomp expanding a repetition 2^64 times, a quadratic pass over 6000 steps). */
#define BOUNDED_S 10

/* Fuzzer finding (oom-94aa5e0e...): "p++++...+" in a regex made glibc's regcomp copy
 * the subexpression 2^64 times and run out of memory. Now refused before regcomp. */
Test(reject, fuzz_regex_with_exploding_repetitions_is_refused_quickly, .timeout = BOUNDED_S)
{
	struct rb_diags d = {0};
	struct runbook *rb = NULL;
	cr_assert_eq(runbook_load_file(STEWARD_SOURCE_DIR "/tests/unit/fixtures/runbooks/fuzz/oom-regex-plus.yaml",
				       &rb, &d), -1);
	bool found = false;
	for (size_t i = 0; i < d.n; i++)
		found |= d.items[i].line == 78 && d.items[i].col == 28 &&
			 strstr(d.items[i].msg, "expand to more than the matcher accepts") != NULL;
	if (!found)
		rb_diags_print(&d, stderr);
	cr_assert(found);
	rb_diags_free(&d);
}

Test(reject, regex_repetition_bounds)
{
	expect_diag(HEAD STEP1 "        fail:\n          - log: sitecomp\n            match: {regex: '((a{100}){100}){100}'}\n",
		    20, 28, "expand to more than the matcher accepts");
	expect_diag("runbook: 1\nid: t\ntitle: T\nversion: '1'\nvariables:\n  - name: a\n    prompt: x\n"
		    "    pattern: '^(x{1,200}){200}$'\nphases:\n" STEP1, 8, 14, "expand to more");
	expect_valid(HEAD STEP1 "        fail:\n          - log: sitecomp\n            match: {regex: '^[0-9]{1,5} (ab|cd)+ x{3} [[:alpha:]]{2,}'}\n");
}

/* Hostile sizes: the checks that compare everything with everything stay bounded. */
Test(reject, too_many_steps_keys_or_problems_are_refused_in_bounded_time, .timeout = BOUNDED_S)
{
	struct strbuf sb = STRBUF_INIT;
	sb_puts(&sb, HEAD "  - id: p\n    title: P\n    steps:\n");
	for (int i = 0; i < 6000; i++)
		sb_printf(&sb, "      - {id: s%d, title: S}\n", i);
	expect_diag(sb_str(&sb), 13, 3, "more than 500 phases or 5000 steps");

	sb_reset(&sb);
	sb_puts(&sb, HEAD STEP1 "        when:\n");
	for (int i = 0; i < 1500; i++)
		sb_printf(&sb, "          v%d: x\n", i);
	expect_diag(sb_str(&sb), 19, 11, "'when' has 1500 keys; more than 1000");

	sb_reset(&sb);
	sb_puts(&sb, HEAD STEP1 "        body: \"");
	for (int i = 0; i < 100000; i++)
		sb_puts(&sb, "${undeclared_name} ");
	sb_puts(&sb, "\"\n");
	size_t n = expect_diag(sb_str(&sb), 1, 1, "100000 problems; only the first 500 are listed");
	cr_assert_eq(n, 501);
	sb_free(&sb);
}

/* Items are ticked with the keys 1-9: a tenth item could never be ticked. */
Test(reject, a_checklist_longer_than_the_keys_that_tick_it)
{
	expect_valid(HEAD STEP1 "        checklist: [a, b, c, d, e, f, g, h, i]\n");
	expect_diag(HEAD STEP1 "        checklist: [a, b, c, d, e, f, g, h, i, j]\n", 18, 20,
		    "a checklist has at most 9 items");
}

Test(reject, practice_of_the_wrong_kind_or_empty)
{
	expect_diag(HEAD STEP1 "        practice: {a: b}\n", 18, 19,
		    "'practice' in step 's1' must be a string or a list of strings, not a mapping");
	expect_diag(HEAD STEP1 "        practice: [[a]]\n", 18, 20, "items of 'practice' in step 's1' must be strings");
	expect_diag(HEAD STEP1 "        practice: ['']\n", 18, 20, "an empty 'practice' note in step 's1'");
	expect_diag(HEAD STEP1 "        practise: x\n", 18, 9, "unknown key 'practise' in step 's1' (did you mean 'practice'?)");
}
