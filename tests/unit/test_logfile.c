/*
 * test_logfile.c — the one rule for finding a log file (exact name, else the one entry
 * differing in case only, several such entries ambiguous), .lo_ names, marks.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "steward/logfile.h"
#include "steward/util.h"

static char dir[64];

static void mkdir_tmp(void)
{
	strcpy(dir, "/tmp/steward-lf-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void rm_tmp(void)
{
	char *cmd = xasprintf("rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
	free(cmd);
}

static char *put(const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", dir, name);
	FILE *fp = fopen(p, "w");
	cr_assert_not_null(fp);
	fputs(text, fp);
	fclose(fp);
	return p;
}

TestSuite(logfile, .init = mkdir_tmp, .fini = rm_tmp);

Test(logfile, exact_name_wins_over_other_cases)
{
	free(put("SiteComp.log", "a\n"));
	free(put("sitecomp.log", "b\n"));
	char *want = xasprintf("%s/SiteComp.log", dir);
	struct logfile_found f;
	cr_assert_eq(logfile_resolve(want, &f), LOGFILE_EXACT);
	cr_assert_str_eq(f.path, want);
	logfile_found_free(&f);
	free(want);
}

Test(logfile, one_entry_in_another_case_is_found)
{
	free(put("SITECOMP.LOG", "a\n"));
	char *want = xasprintf("%s/SiteComp.log", dir);
	struct logfile_found f;
	cr_assert_eq(logfile_resolve(want, &f), LOGFILE_OTHER_CASE);
	cr_assert(util_has_suffix(f.path, "/SITECOMP.LOG"));
	logfile_found_free(&f);
	char *p = logfile_find(want);
	cr_assert(p && util_has_suffix(p, "/SITECOMP.LOG"));
	free(p);
	free(want);
}

Test(logfile, two_entries_differing_in_case_only_are_ambiguous)
{
	free(put("SITECOMP.LOG", "a\n"));
	free(put("sitecomp.log", "b\n"));
	char *want = xasprintf("%s/SiteComp.log", dir);
	struct logfile_found f;
	cr_assert_eq(logfile_resolve(want, &f), LOGFILE_AMBIGUOUS);
	cr_assert_null(f.path);
	char *why = logfile_why_not(want, &f);
	cr_assert(strstr(why, "SITECOMP.LOG") && strstr(why, "sitecomp.log") && strstr(why, "--log"), "%s", why);
	free(why);
	logfile_found_free(&f);
	cr_assert_null(logfile_find(want));
	free(want);
}

Test(logfile, absent_and_unreadable_folder_are_told_apart)
{
	char *want = xasprintf("%s/SiteComp.log", dir);
	struct logfile_found f;
	cr_assert_eq(logfile_resolve(want, &f), LOGFILE_ABSENT);
	logfile_found_free(&f);
	char *nodir = xasprintf("%s/not-mounted/SiteComp.log", dir);
	cr_assert_eq(logfile_resolve(nodir, &f), LOGFILE_NO_FOLDER);
	logfile_found_free(&f);
	free(want);
	free(nodir);
	enum logfile_how how;
	cr_assert(logfile_how_parse("other-case", &how) && how == LOGFILE_OTHER_CASE);
	cr_assert(!logfile_how_parse("bogus", &how));
}

Test(logfile, lo_path)
{
	char *a = logfile_lo_path("/x/SiteComp.log"), *b = logfile_lo_path("/x.d/noext");
	cr_assert_str_eq(a, "/x/SiteComp.lo_");
	cr_assert_str_eq(b, "/x.d/noext.lo_");
	free(a);
	free(b);
}

Test(logfile, mark_tells_a_rewritten_file_from_a_grown_one)
{
	char *p = put("a.log", "line one at 01:02:03\n");
	struct logfile_id before, grown;
	cr_assert(logfile_identify(p, &before));
	cr_assert_eq(before.size, 21);
	cr_assert_neq(before.mark, 0);
	FILE *fp = fopen(p, "a");
	fputs("line two\n", fp);
	fclose(fp);
	cr_assert(logfile_identify(p, &grown));
	int fd = open(p, O_RDONLY);
	cr_assert_eq(logfile_mark(fd, before.size), before.mark); /* only grew */
	close(fd);
	free(put("a.log", "line one at 01:02:04\nline two\n")); /* rewritten in place */
	fd = open(p, O_RDONLY);
	cr_assert_neq(logfile_mark(fd, before.size), before.mark);
	cr_assert_eq(logfile_mark(fd, 0), 0);
	cr_assert_eq(logfile_mark(fd, 4096), 0); /* past the end: cannot be read */
	close(fd);
	free(p);
}
