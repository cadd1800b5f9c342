/*
 * test_vars.c — varmap, ${name} substitution (plain and regex-escaped), when:,
 * value checks, vars_complete, durations.
 */
#include <criterion/criterion.h>
#include <regex.h>
#include <string.h>

#include "steward/runbook.h"
#include "steward/util.h"
#include "steward/vars.h"

Test(vars, varmap_set_get_replace)
{
	struct varmap vm = {0};
	cr_assert_null(varmap_get(&vm, "a"));
	for (int i = 0; i < 20; i++) {
		char name[8];
		snprintf(name, sizeof name, "v%d", i);
		varmap_set(&vm, name, name);
	}
	varmap_set(&vm, "v3", "three");
	cr_assert_eq(vm.n, 20);
	cr_assert_str_eq(varmap_get(&vm, "v3"), "three");
	cr_assert_str_eq(varmap_get(&vm, "v19"), "v19");
	varmap_free(&vm);
	cr_assert_eq(vm.n, 0);
}

Test(vars, subst_replaces_known_names_and_leaves_the_rest)
{
	struct varmap vm = {0};
	varmap_set(&vm, "site_code", "ABC");
	varmap_set(&vm, "dir", "C:\\SMS");
	char *s = vars_subst("SMS_${site_code} in ${dir}, ${unknown}, ${Bad}, ${ x}, $5, ${", &vm);
	cr_assert_str_eq(s, "SMS_ABC in C:\\SMS, ${unknown}, ${Bad}, ${ x}, $5, ${");
	free(s);
	s = vars_subst("literal $${site_code} then ${site_code}", &vm);
	cr_assert_str_eq(s, "literal ${site_code} then ABC");
	free(s);
	s = vars_subst("$$<SMS_HIERARCHY_MANAGER>", &vm);
	cr_assert_str_eq(s, "$$<SMS_HIERARCHY_MANAGER>", "SMS log trailers are left alone");
	free(s);
	cr_assert_null(vars_subst(NULL, &vm));
	varmap_free(&vm);
}

Test(vars, subst_regex_escapes_values_so_they_match_literally)
{
	struct varmap vm = {0};
	varmap_set(&vm, "dir", "C:\\SMS\\inboxes\\sitectrl.box (1)+[x]^$|*?{2}");
	char *re = vars_subst_regex("^in ${dir}$", &vm);
	regex_t rx;
	cr_assert_eq(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB), 0, "%s", re);
	cr_assert_eq(regexec(&rx, "in C:\\SMS\\inboxes\\sitectrl.box (1)+[x]^$|*?{2}", 0, NULL, 0), 0);
	cr_assert_neq(regexec(&rx, "in C:\\SMS\\inboxes\\sitectrlXbox (1)+[x]^$|*?{2}", 0, NULL, 0), 0);
	regfree(&rx);
	free(re);
	varmap_free(&vm);
}

Test(vars, check_value_against_pattern_and_choices)
{
	char name[] = "site_code", pattern[] = "^[A-Z0-9]{3}$", rtm[] = "RTM", sp1[] = "SP1";
	char *ch[] = {rtm, sp1};
	struct rb_variable v = {.name = name, .pattern = pattern};
	cr_assert_null(vars_check_value(&v, "AB1"));
	char *why = vars_check_value(&v, "ab");
	cr_assert_str_eq(why, "'ab' does not have the expected form (pattern: ^[A-Z0-9]{3}$)");
	free(why);
	char hint[] = "3 characters, capital letters and digits (e.g. CEN)";
	v.pattern_hint = hint; /* the runbook's words replace the regex */
	why = vars_check_value(&v, "ab");
	cr_assert_str_eq(why, "'ab' is not valid: 3 characters, capital letters and digits (e.g. CEN)");
	free(why);
	v = (struct rb_variable){.name = name, .choices = ch, .n_choices = 2};
	cr_assert_null(vars_check_value(&v, "SP1"));
	why = vars_check_value(&v, "SP2");
	cr_assert_str_eq(why, "'SP2' is not one of: RTM, SP1");
	free(why);
}

Test(vars, complete_fills_defaults_and_lists_problems)
{
	const char *text = "runbook: 1\nid: t\ntitle: T\nversion: '1'\nvariables:\n"
			   "  - name: site_code\n    prompt: S\n    pattern: '^[A-Z]{3}$'\n"
			   "  - name: dir\n    prompt: D\n    default: 'C:\\SMS'\n"
			   "  - name: ver\n    prompt: V\n    choices: [RTM, SP1]\n"
			   "phases:\n  - id: p\n    title: P\n    steps:\n      - id: s\n        title: S\n";
	struct rb_diags d = {0};
	struct runbook *rb = NULL;
	cr_assert_eq(runbook_load_text(text, strlen(text), "t", &rb, &d), 0);
	struct varmap vm = {0};
	varmap_set(&vm, "site_code", "ab");
	char **problems = NULL;
	size_t n = 0;
	cr_assert_not(vars_complete(rb, &vm, &problems, &n));
	cr_assert_eq(n, 2);
	cr_assert_str_eq(problems[0], "site_code: 'ab' does not have the expected form (pattern: ^[A-Z]{3}$)");
	cr_assert_str_eq(problems[1], "ver: no value given and no default");
	cr_assert_str_eq(varmap_get(&vm, "dir"), "C:\\SMS");
	for (size_t i = 0; i < n; i++)
		free(problems[i]);
	free(problems);
	problems = NULL;
	n = 0;
	varmap_set(&vm, "site_code", "ABC");
	varmap_set(&vm, "ver", "SP1");
	cr_assert(vars_complete(rb, &vm, &problems, &n));
	cr_assert_eq(n, 0);
	varmap_free(&vm);
	runbook_free(rb);
	rb_diags_free(&d);
}

Test(vars, step_applies_when_every_condition_holds)
{
	char yes[] = "yes", rtm[] = "RTM", sp1[] = "SP1", repl[] = "repl", ver[] = "ver";
	char *v1[] = {yes};
	char *v2[] = {rtm, sp1};
	struct rb_when w[2] = {{repl, v1, 1}, {ver, v2, 2}};
	struct rb_step st = {0};
	struct varmap vm = {0};
	cr_assert(vars_step_applies(&st, &vm), "no when: always applies");
	st.when = w;
	st.n_when = 2;
	cr_assert_not(vars_step_applies(&st, &vm), "unset variable: does not apply");
	varmap_set(&vm, "repl", "yes");
	varmap_set(&vm, "ver", "SP1");
	cr_assert(vars_step_applies(&st, &vm));
	varmap_set(&vm, "ver", "SP2");
	cr_assert_not(vars_step_applies(&st, &vm));
	varmap_set(&vm, "ver", "RTM");
	varmap_set(&vm, "repl", "true");
	cr_assert_not(vars_step_applies(&st, &vm), "yes is text, not a boolean");
	varmap_free(&vm);
}

Test(vars, duration_parse_accepts_the_format)
{
	long s = 0;
	cr_assert(duration_parse("90s", &s));
	cr_assert_eq(s, 90);
	cr_assert(duration_parse("30m", &s));
	cr_assert_eq(s, 1800);
	cr_assert(duration_parse("1h30m", &s));
	cr_assert_eq(s, 5400);
	cr_assert(duration_parse("2h", &s));
	cr_assert_eq(s, 7200);
	cr_assert(duration_parse("1h 05m 03s", &s), "what duration_format prints reads back");
	cr_assert_eq(s, 3903);
	cr_assert(duration_parse("90m", &s));
	cr_assert_eq(s, 5400);
}

Test(vars, duration_parse_rejects_malformed)
{
	long s = 42;
	const char *bad[] = {"", " ", "30", "m", "1x", "30m1h", "1h1h", "0s", "0h0m", "-5m", "1.5h",
			     "99999999999999999999s", "9000h", "1h30", "h1", "1 h"};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		cr_assert_not(duration_parse(bad[i], &s), "'%s' accepted", bad[i]);
	cr_assert_not(duration_parse(NULL, &s));
	cr_assert_eq(s, 42, "untouched on failure");
}

Test(vars, duration_format_is_short)
{
	char b[32];
	struct { long s; const char *want; } cases[] = {
		{0, "0s"}, {30, "30s"}, {90, "1m 30s"}, {600, "10m"}, {3600, "1h"},
		{5400, "1h 30m"}, {3723, "1h 02m 03s"}, {-90, "-1m 30s"},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		duration_format(cases[i].s, b, sizeof b);
		cr_assert_str_eq(b, cases[i].want);
	}
}
