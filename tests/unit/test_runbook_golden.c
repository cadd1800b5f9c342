/*
 * test_runbook_golden.c — every file in tests/unit/fixtures/runbooks/invalid/ must
 * produce exactly the diagnostics in its .diag file (every line:column and message,
 * in order: all problems, not only the first). One fixture per rejection family:
 * syntax, not a mapping, two documents, aliases, keys (missing/unknown/duplicate/
 * empty lists), kinds, ids, references (${}, when:, default, log, since, durations,
 * regexes). To regenerate after a deliberate message change, run
 *   (cd tests/unit/fixtures/runbooks/invalid && for f in *.yaml; do
 *      ../../../../../steward lint $f 2>&1 | grep -v '^steward lint' > ${f%.yaml}.diag; done)
 * and review the diff line by line.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
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
