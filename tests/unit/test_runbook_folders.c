/*
 * test_runbook_folders.c — `log_folders:` and the mapping form of a `logs:` entry
 * (FORMAT-ADDITIONS §2): what the loader builds, and every rejection with its exact
 * line:column.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "steward/runbook.h"
#include "steward/util.h"

/* Lines 1-8; log_folders and logs follow, then STEPS. */
#define HEAD                                                                             \
	"runbook: 1\n"                                           /* 1 */                 \
	"id: t\n"                                                /* 2 */                 \
	"title: T\n"                                             /* 3 */                 \
	"version: '1'\n"                                         /* 4 */                 \
	"variables:\n"                                           /* 5 */                 \
	"  - name: site_server\n"                                /* 6 */                 \
	"    prompt: Site server\n"                              /* 7 */                 \
	"  - name: mp_server\n"                                  /* 8 */                 \
	"    prompt: Management point\n"                         /* 9 */

#define STEPS "phases:\n  - id: p\n    title: P\n    steps:\n      - id: s1\n        title: S1\n"

static size_t expect_diag(const char *text, int line, int col, const char *needle)
{
	struct rb_diags d = {0};
	struct runbook *rb = NULL;
	int rc = runbook_load_text(text, strlen(text), "t.yaml", &rb, &d);
	cr_assert_eq(rc, -1, "expected the runbook to be rejected");
	cr_assert_null(rb);
	bool found = false;
	for (size_t i = 0; i < d.n && !found; i++)
		found = d.items[i].line == line && d.items[i].col == col && strstr(d.items[i].msg, needle);
	if (!found)
		rb_diags_print(&d, stderr);
	cr_assert(found, "no diagnostic %d:%d containing \"%s\"", line, col, needle);
	size_t n = d.n;
	rb_diags_free(&d);
	return n;
}

static struct runbook *load_ok(const char *text)
{
	struct rb_diags d = {0};
	struct runbook *rb = NULL;
	int rc = runbook_load_text(text, strlen(text), "t.yaml", &rb, &d);
	if (rc != 0)
		rb_diags_print(&d, stderr);
	cr_assert_eq(rc, 0);
	rb_diags_free(&d);
	return rb;
}

Test(folders, valid_folders_and_placed_logs)
{
	struct runbook *rb = load_ok(HEAD
		"log_folders:\n"                                                     /* 10 */
		"  system-root:\n"                                                   /* 11 */
		"    machine: ${site_server}\n"                                      /* 12 */
		"    prompt: Root of the site server's system drive (C:\\)\n"       /* 13 */
		"    hint: 'Mount \\\\${site_server}\\C$ and give its path'\n"      /* 14 */
		"  mp-logs:\n"                                                       /* 15 */
		"    prompt: SMS\\Logs on ${mp_server}\n"                            /* 16 */
		"logs:\n"                                                            /* 17 */
		"  sitecomp: SiteComp.log\n"                                         /* 18 */
		"  smssetup: { file: SMSSetup.log, folder: system-root }\n"          /* 19 */
		"  mpsetup:\n"                                                       /* 20 */
		"    file: MPSetup.log\n"                                            /* 21 */
		"    folder: mp-logs\n"                                              /* 22 */
		"  hman: { file: hman.log, folder: logs }\n"                         /* 23 */
		"  abs: { file: /var/log/x.log }\n"                                  /* 24 */
		STEPS);
	cr_assert_eq(rb->n_log_folders, 2);
	const struct rb_log_folder *sr = runbook_log_folder(rb, "system-root");
	cr_assert_not_null(sr);
	cr_assert_str_eq(sr->machine, "${site_server}"); /* raw: substituted where shown */
	cr_assert_str_eq(sr->prompt, "Root of the site server's system drive (C:\\)");
	cr_assert_str_eq(sr->hint, "Mount \\\\${site_server}\\C$ and give its path");
	cr_assert_eq(sr->pos.line, 11);
	cr_assert_eq(sr->pos.col, 3);
	const struct rb_log_folder *mp = runbook_log_folder(rb, "mp-logs");
	cr_assert_null(mp->machine);
	cr_assert_null(mp->hint);
	cr_assert_null(runbook_log_folder(rb, "logs"), "the main folder is implicit");
	cr_assert_eq(rb->n_logs, 5);
	cr_assert_null(runbook_log(rb, "sitecomp")->folder);
	cr_assert_str_eq(runbook_log(rb, "smssetup")->file, "SMSSetup.log");
	cr_assert_str_eq(runbook_log(rb, "smssetup")->folder, "system-root");
	cr_assert_str_eq(runbook_log(rb, "mpsetup")->folder, "mp-logs");
	cr_assert_null(runbook_log(rb, "hman")->folder, "folder: logs is the main folder (NULL)");
	cr_assert_str_eq(runbook_log(rb, "abs")->file, "/var/log/x.log");
	cr_assert_null(runbook_log(rb, "abs")->folder);
	runbook_free(rb);
}

Test(folders, empty_log_folders_is_absent)
{
	struct runbook *rb = load_ok(HEAD "log_folders:\nlogs: {a: a.log}\n" STEPS);
	cr_assert_eq(rb->n_log_folders, 0);
	runbook_free(rb);
}

Test(folders, unknown_folder_id_suggests_or_lists)
{
	const char *folders = "log_folders:\n  system-root: {prompt: C drive}\n"; /* 10-11 */
	char *t = xasprintf("%s%slogs:\n  smssetup: { file: SMSSetup.log, folder: sytem-root }\n%s", HEAD,
			    folders, STEPS);
	expect_diag(t, 13, 43, "folder 'sytem-root' of log 'smssetup' is not declared in 'log_folders' "
			       "(did you mean 'system-root'?)");
	free(t);
	t = xasprintf("%s%slogs:\n  smssetup: { file: SMSSetup.log, folder: elsewhere }\n%s", HEAD, folders,
		      STEPS);
	expect_diag(t, 13, 43, "(valid folders: logs, system-root)");
	free(t);
	/* No log_folders at all: only the main folder exists. */
	t = xasprintf("%slogs:\n  smssetup:\n    file: SMSSetup.log\n    folder: system-root\n%s", HEAD, STEPS);
	expect_diag(t, 13, 13, "(valid folders: logs)");
	free(t);
}

Test(folders, missing_prompt)
{
	expect_diag(HEAD "log_folders:\n  system-root:\n    machine: ${site_server}\n" STEPS, 12, 5,
		    "missing required key 'prompt' in log folder 'system-root'");
	expect_diag(HEAD "log_folders:\n  system-root: {prompt: ''}\n" STEPS, 11, 25,
		    "'prompt' in log folder 'system-root' is empty");
}

Test(folders, duplicate_id)
{
	expect_diag(HEAD "log_folders:\n  c-root: {prompt: A}\n  c-root: {prompt: B}\n" STEPS, 12, 3,
		    "duplicate key 'c-root' in 'log_folders' (first at line 11, column 3)");
}

Test(folders, main_folder_id_is_reserved)
{
	expect_diag(HEAD "log_folders:\n  logs: {prompt: The Logs folder}\n" STEPS, 11, 3,
		    "log folder id 'logs' is the session's main log folder");
}

Test(folders, invalid_id)
{
	expect_diag(HEAD "log_folders:\n  System_Root: {prompt: C}\n" STEPS, 11, 3,
		    "log folder id 'System_Root' is not valid");
}

Test(folders, variables_in_machine_prompt_hint_are_checked)
{
	expect_diag(HEAD "log_folders:\n  c-root:\n    machine: ${site_srv}\n    prompt: C\n" STEPS, 12, 14,
		    "'${site_srv}' in 'machine' names no declared variable (did you mean '${site_server}'?)");
	expect_diag(HEAD "log_folders:\n  c-root:\n    prompt: C on ${nobody}\n" STEPS, 12, 13,
		    "'${nobody}' in 'prompt' names no declared variable");
	expect_diag(HEAD "log_folders:\n  c-root:\n    prompt: C\n    hint: 'mount ${mp_server'\n" STEPS, 13, 11,
		    "'${' without a closing '}' in 'hint'");
}

Test(folders, unknown_and_wrongly_typed_keys)
{
	expect_diag(HEAD "log_folders:\n  c-root: {prompt: C, machin: x}\n" STEPS, 11, 23,
		    "unknown key 'machin' in log folder 'c-root' (did you mean 'machine'?)");
	expect_diag(HEAD "log_folders:\n  c-root: C drive\n" STEPS, 11, 11,
		    "log folder 'c-root' must be a mapping");
	expect_diag(HEAD "log_folders: [c-root]\n" STEPS, 10, 14,
		    "'log_folders' must be a mapping of folder id to {prompt: ...}, not a list");
	expect_diag(HEAD "log_folders:\n  c-root: {prompt: [a]}\n" STEPS, 11, 20,
		    "'prompt' in log folder 'c-root' must be a string");
}

Test(folders, log_mapping_rejections)
{
	const char *folders = "log_folders:\n  c-root: {prompt: C}\n"; /* 10-11 */
	char *t = xasprintf("%s%slogs:\n  a: { folder: c-root }\n%s", HEAD, folders, STEPS);
	expect_diag(t, 13, 6, "missing required key 'file' in log 'a'");
	free(t);
	t = xasprintf("%s%slogs:\n  a: { file: A.log, folder: c-root, case: x }\n%s", HEAD, folders, STEPS);
	expect_diag(t, 13, 37, "unknown key 'case' in log 'a' (valid keys: file, folder)");
	free(t);
	t = xasprintf("%s%slogs:\n  a: { file: /abs/A.log, folder: c-root }\n%s", HEAD, folders, STEPS);
	expect_diag(t, 13, 14, "file '/abs/A.log' of log 'a' is absolute, so it is in no folder");
	free(t);
	t = xasprintf("%s%slogs:\n  a: [A.log]\n%s", HEAD, folders, STEPS);
	expect_diag(t, 13, 6, "log 'a' in 'logs' must be a file name or {file: ..., folder: ...}, not a list");
	free(t);
	t = xasprintf("%s%slogs:\n  a: { file: '', folder: c-root }\n%s", HEAD, folders, STEPS);
	expect_diag(t, 13, 14, "'file' in log 'a' is empty");
	free(t);
}

Test(folders, every_problem_is_reported)
{
	size_t n = expect_diag(HEAD
		"log_folders:\n"
		"  c-root: {machine: '${x}'}\n"       /* 11: missing prompt, ${x} */
		"  logs: {prompt: p}\n"               /* 12: reserved */
		"logs:\n"
		"  a: { file: A.log, folder: d-root }\n" /* 14: unknown folder */
		STEPS, 14, 29, "folder 'd-root' of log 'a'");
	cr_assert_eq(n, 4);
}
