/*
 * test_runbook_golden.c — every file in tests/unit/fixtures/runbooks/invalid/ must
 * produce exactly the diagnostics in its .diag file (every line:column and message,
 * in order: all problems, not only the first). One fixture per rejection family:
 * syntax, not a mapping, two documents, aliases, keys (missing/unknown/duplicate/
 * empty lists), kinds, ids, references (${}, when:, default, log, since, durations,
 * regexes).
 *
 * What the .diag files are: a snapshot of `steward lint`'s own output (the code under
 * test), reviewed by hand when made. They catch any change of wording or position, but
 * could not catch a wrong position or a missing problem that was already in the snapshot.
 * So a second test holds expectations written by hand from each fixture and the format
 * contract (RUNBOOK-FORMAT.md: every problem is reported; "the line and column point at
 * the offending key or value"; a missing key points at the mapping that lacks it): one
 * row per problem the fixture was written to contain, the position given as the text it
 * must point at (found in the fixture by the test, not by lint), and the words the message
 * must hold. lint must report exactly those problems, each at its place.
 *
 * To regenerate the snapshots after a deliberate message change, run
 *   (cd tests/unit/fixtures/runbooks/invalid && for f in *.yaml; do
 *      ../../../../../steward lint $f 2>&1 | grep -v '^steward lint' > ${f%.yaml}.diag; done)
 * and review the diff line by line.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "steward/runbook.h"
#include "steward/util.h"

#define DIR_INVALID STEWARD_SOURCE_DIR "/tests/unit/fixtures/runbooks/invalid"

static void check_one(const char *name)
{
	char *path = xasprintf("%s/%s", DIR_INVALID, name);
	size_t len = 0;
	char *text = util_read_file(path, &len);
	cr_assert_not_null(text, "%s", path);
	struct rb_diags d = {0};
	struct runbook *rb = NULL;
	cr_assert_eq(runbook_load_text(text, len, name, &rb, &d), -1, "%s loaded", name);

	char *got = NULL;
	size_t got_len = 0;
	FILE *mem = open_memstream(&got, &got_len);
	rb_diags_print(&d, mem);
	fclose(mem);

	char *diag_path = xasprintf("%s/%.*s.diag", DIR_INVALID, (int)(strlen(name) - 5), name);
	char *want = util_read_file(diag_path, NULL);
	cr_assert_not_null(want, "%s is missing", diag_path);
	cr_expect_str_eq(got, want, "%s: diagnostics differ.\n--- got:\n%s--- want:\n%s", name, got, want);
	free(want);
	free(diag_path);
	free(got);
	free(text);
	free(path);
	rb_diags_free(&d);
}

Test(golden, every_invalid_fixture_gives_exactly_its_diagnostics)
{
	DIR *dir = opendir(DIR_INVALID);
	cr_assert_not_null(dir);
	struct dirent *de;
	int n = 0;
	while ((de = readdir(dir)) != NULL) {
		if (!util_has_suffix(de->d_name, ".yaml"))
			continue;
		check_one(de->d_name);
		n++;
	}
	closedir(dir);
	cr_assert_geq(n, 8, "the fixtures are there");
}

/* ---- hand-written expectations ---------------------------------------------------- */

struct expect_diag {
	const char *file;
	const char *at;   /* the text the diagnostic points at: its nth occurrence in the file */
	int nth;          /* 1-based */
	int delta;        /* columns after the start of `at` (to point into a key: value line) */
	const char *w1, *w2; /* words the message must hold (w2 may be NULL) */
};

static const struct expect_diag hand[] = {
	/* keys.yaml */
	{"keys.yaml", "runbook: 1", 1, 0, "missing required key 'title'", "the runbook"},
	{"keys.yaml", "[1, 2]", 1, 0, "'version'", "must be a string"},
	{"keys.yaml", "sumary", 1, 0, "unknown key 'sumary'", "did you mean 'summary'"},
	{"keys.yaml", "titel", 1, 0, "unknown key 'titel'", "did you mean 'title'"},
	{"keys.yaml", "title: S1 again", 1, 0, "duplicate key 'title'", "line 12"},
	{"keys.yaml", "comand", 1, 0, "unknown key 'comand'", "did you mean 'command'"},
	{"keys.yaml", "not a list", 1, 0, "'checklist'", "list of strings"},
	{"keys.yaml", "log: sitecomp", 1, 5, "log 'sitecomp'", "not in 'logs'"},
	{"keys.yaml", "[]", 1, 0, "'expect'", "empty"},
	{"keys.yaml", "title: no id", 1, 0, "missing required key 'id'", "step"},
	{"keys.yaml", "[]", 2, 0, "'steps'", "empty"},
	{"keys.yaml", "just a string", 1, 0, "a phase must be a mapping", NULL},
	/* kinds.yaml */
	{"kinds.yaml", "a string", 1, 0, "'sources'", "list of strings"},
	{"kinds.yaml", "{name: x}", 1, 0, "'variables'", "not a mapping"},
	{"kinds.yaml", "[a, b]", 1, 0, "'logs'", "not a list"},
	{"kinds.yaml", "{a: b}", 1, 0, "'title' in phase 'p'", "must be a string"},
	{"kinds.yaml", "when: [a]", 1, 6, "'when' in step 's1'", "not a list"},
	{"kinds.yaml", "{a: b}", 2, 0, "'command' in step 's1'", "not a mapping"},
	{"kinds.yaml", "[nested]", 1, 0, "'references'", "must be strings"},
	{"kinds.yaml", "{log: x}", 1, 0, "'verify' in step 's1'", "not a mapping"},
	{"kinds.yaml", "log: l", 1, 5, "log 'l'", "not in 'logs'"},
	{"kinds.yaml", "match: [a]", 1, 7, "'match' in step 's1'", "not a list"},
	{"kinds.yaml", "extra", 1, 0, "unknown key 'extra'", "fail signature"},
	{"kinds.yaml", "just text", 1, 0, "a fail signature must be a mapping", NULL},
	/* ids.yaml */
	{"ids.yaml", "runbook: 2", 1, 9, "'runbook' must be 1", NULL},
	{"ids.yaml", "Bad_Runbook", 1, 0, "'Bad_Runbook'", "a-z, 0-9 and '-'"},
	{"ids.yaml", "site_code", 2, 0, "duplicate variable 'site_code'", "line 6"},
	{"ids.yaml", "9lives", 1, 0, "variable name '9lives'", "not valid"},
	{"ids.yaml", "id: S2", 1, 4, "'S2'", "a-z, 0-9 and '-'"},
	{"ids.yaml", "id: p", 2, 4, "duplicate phase id 'p'", "line 13"},
	{"ids.yaml", "id: s1", 2, 4, "duplicate step id 's1'", "line 16"},
	/* references.yaml */
	{"references.yaml", "default: abc", 1, 9, "default 'abc' of variable 'site_code'", NULL},
	{"references.yaml", "default: SP2", 1, 9, "default 'SP2' of variable 'from_version'", "not one of"},
	{"references.yaml", "'^[A-Z'", 1, 0, "pattern '^[A-Z'", "does not compile"},
	{"references.yaml", "S1 on ${site}", 1, 0, "'${site}' in 'title'", "did you mean '${site_code}'"},
	{"references.yaml", "from_version: SP2", 1, 14, "'SP2' is not one of the choices of 'from_version'", NULL},
	{"references.yaml", "sql_replication", 1, 0, "'sql_replication'", "not a declared variable"},
	{"references.yaml", "${server}", 1, 0, "'${server}' in 'host'", NULL},
	{"references.yaml", "body: |", 1, 6, "'${sms_dir}' in 'body'", NULL},
	{"references.yaml", "'not ${ok}'", 1, 0, "'${ok}' in 'command'", NULL},
	{"references.yaml", "caution: ${nope}", 1, 9, "'${nope}' in 'caution'", NULL},
	{"references.yaml", "['${nope}']", 1, 1, "'${nope}' in 'checklist'", NULL},
	{"references.yaml", "wait: 30", 1, 6, "'wait' in step 's1' is '30'", "not a duration"},
	{"references.yaml", "sitecmp", 1, 0, "log 'sitecmp'", "did you mean 'sitecomp'"},
	{"references.yaml", "line ${nope}", 1, 0, "'${nope}' in 'expect'", NULL},
	{"references.yaml", "'a(b'", 1, 0, "regex 'a(b'", "does not compile"},
	{"references.yaml", "since: s2", 1, 7, "'since: s2' in step 's1'", "earlier step"},
	{"references.yaml", "timeout: 0s", 1, 9, "'timeout'", "not a duration"},
	{"references.yaml", "since: nowhere", 1, 7, "'since: nowhere'", "names no step"},
	{"references.yaml", "log: mpsetup", 1, 5, "log 'mpsetup'", "not in 'logs'"},
	{"references.yaml", "'*['", 1, 0, "regex '*['", "does not compile"},
	{"references.yaml", "hint: ${nope}", 1, 6, "'${nope}' in 'hint'", NULL},
	{"references.yaml", "since: s2", 2, 7, "'since: s2' in step 's2'", "the step itself"},
	/* one problem each */
	{"aliases.yaml", "*name", 1, 0, "YAML aliases (*name)", "not allowed"},
	{"not-a-mapping.yaml", "- runbook", 1, 0, "a runbook is a YAML mapping", "not a list"},
	/* libyaml reports where it noticed the unterminated quote: just inside the next quote */
	{"syntax-error.yaml", "\"1\"", 1, 1, "YAML syntax error", NULL},
	{"two-documents.yaml", "---", 1, 0, "more than one YAML document", NULL},
};

/* Line and column (1-based) of the nth occurrence of at in text, plus delta columns. */
static void position_of(const char *text, const char *at, int nth, int delta, int *line, int *col)
{
	const char *p = text;
	for (int k = 0; k < nth; k++) {
		p = strstr(k ? p + 1 : p, at);
		cr_assert_not_null(p, "'%s' occurs fewer than %d times", at, nth);
	}
	*line = 1;
	const char *bol = text;
	for (const char *q = text; q < p; q++)
		if (*q == '\n')
			(*line)++, bol = q + 1;
	*col = (int)(p - bol) + 1 + delta;
}

Test(golden, every_problem_is_reported_where_the_fixture_has_it)
{
	static const char *files[] = {"keys.yaml", "kinds.yaml", "ids.yaml", "references.yaml",
				      "aliases.yaml", "not-a-mapping.yaml", "syntax-error.yaml", "two-documents.yaml"};
	size_t covered = 0;
	for (size_t fi = 0; fi < sizeof files / sizeof *files; fi++) {
		char *path = xasprintf("%s/%s", DIR_INVALID, files[fi]);
		size_t len = 0;
		char *text = util_read_file(path, &len);
		cr_assert_not_null(text, "%s", path);
		struct rb_diags d = {0};
		struct runbook *rb = NULL;
		cr_assert_eq(runbook_load_text(text, len, files[fi], &rb, &d), -1, "%s loaded", files[fi]);
		bool *used = calloc(d.n + 1, sizeof *used);
		size_t want = 0;
		for (size_t e = 0; e < sizeof hand / sizeof *hand; e++) {
			const struct expect_diag *x = &hand[e];
			if (strcmp(x->file, files[fi]) != 0)
				continue;
			want++;
			int line, col;
			position_of(text, x->at, x->nth, x->delta, &line, &col);
			size_t i = 0;
			for (; i < d.n; i++)
				if (!used[i] && d.items[i].line == line && d.items[i].col == col &&
				    strstr(d.items[i].msg, x->w1) && (!x->w2 || strstr(d.items[i].msg, x->w2)))
					break;
			if (i == d.n)
				rb_diags_print(&d, stderr);
			cr_assert_lt(i, d.n, "%s: no diagnostic at %d:%d (at '%s') saying '%s'%s%s", files[fi], line, col,
				     x->at, x->w1, x->w2 ? " ... " : "", x->w2 ? x->w2 : "");
			used[i] = true;
		}
		cr_assert_eq(d.n, want, "%s: %zu diagnostics, the fixture holds %zu problems", files[fi], d.n, want);
		covered += want;
		free(used);
		rb_diags_free(&d);
		free(text);
		free(path);
	}
	cr_assert_eq(covered, sizeof hand / sizeof *hand, "every row names one of the fixtures");
}
