/*
 * test_catalog.c — finding runbooks in folders: valid and invalid files, duplicate
 * ids naming both files, a file reached through two folders, catalog_open by id and
 * by path with the right status codes.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "steward/catalog.h"
#include "steward/util.h"

static char tmp[64];

static void make_tmp(void)
{
	strcpy(tmp, "/tmp/steward-catalog-XXXXXX");
	cr_assert_not_null(mkdtemp(tmp));
}

static void cleanup(void)
{
	char *cmd = xasprintf("rm -rf '%s'", tmp);
	cr_assert_eq(system(cmd), 0);
	free(cmd);
}

static void put(const char *rel, const char *id)
{
	char *dir = xasprintf("%s/%s", tmp, rel);
	*strrchr(dir, '/') = '\0';
	util_mkdir_p(dir, 0755);
	free(dir);
	char *path = xasprintf("%s/%s", tmp, rel);
	char *text = xasprintf("runbook: 1\nid: %s\ntitle: Runbook %s\nversion: '1'\nphases:\n"
			       "  - id: p\n    title: P\n    steps:\n      - id: s\n        title: S\n"
			       "      - id: t\n        title: T\n", id, id);
	cr_assert_eq(util_write_file_atomic(path, text, strlen(text), 0644), 0);
	free(text);
	free(path);
}

static void put_text(const char *rel, const char *text)
{
	char *path = xasprintf("%s/%s", tmp, rel);
	cr_assert_eq(util_write_file_atomic(path, text, strlen(text), 0644), 0);
	free(path);
}

TestSuite(catalog, .init = make_tmp, .fini = cleanup);

Test(catalog, finds_yaml_and_yml_keeps_invalid_ones_with_messages)
{
	put("a/one.yaml", "one");
	put("a/two.yml", "two");
	put_text("a/broken.yaml", "runbook: 1\nid: broken\ntilte: x\n");
	put_text("a/notes.txt", "not a runbook");
	put_text("a/.hidden.yaml", "ignored");
	char *dir = xasprintf("%s/a", tmp);
	char missing[] = "/nonexistent/folder";
	char *dirs[] = {dir, missing};
	struct catalog cat;
	catalog_load(&cat, dirs, 2);
	cr_assert_eq(cat.n, 3);
	cr_assert(util_has_suffix(cat.items[0].path, "/broken.yaml"), "sorted by name");
	cr_assert_null(cat.items[0].rb);
	cr_assert_str_eq(cat.items[0].claimed_id, "broken");
	cr_assert_geq(cat.items[0].diags.n, 2);
	cr_assert_str_eq(cat.items[1].rb->id, "one");
	cr_assert_eq(cat.items[1].rb->n_steps, 2);
	cr_assert_str_eq(cat.items[2].rb->id, "two");
	cr_assert_not(catalog_clean(&cat));
	cr_assert_eq(cat.problems.n, 0, "a missing folder of the search path is not a problem");
	catalog_free(&cat);
	free(dir);
}

Test(catalog, duplicate_ids_name_both_files)
{
	put("a/x.yaml", "same");
	put("b/y.yaml", "same");
	char *a = xasprintf("%s/a", tmp), *b = xasprintf("%s/b", tmp);
	char *dirs[] = {a, b};
	struct catalog cat;
	catalog_load(&cat, dirs, 2);
	cr_assert_eq(cat.n, 2);
	cr_assert(cat.items[0].duplicate && cat.items[1].duplicate);
	cr_assert_eq(cat.problems.n, 1);
	cr_assert(strstr(cat.problems.items[0].file, "/b/y.yaml"));
	cr_assert(strstr(cat.problems.items[0].msg, "/a/x.yaml"));
	cr_assert(strstr(cat.problems.items[0].msg, "duplicate runbook id 'same'"));
	cr_assert_eq(cat.problems.items[0].line, 2);
	cr_assert_eq(cat.problems.items[0].col, 5);
	cr_assert_not(catalog_clean(&cat));
	catalog_free(&cat);

	struct runbook *rb = NULL;
	struct rb_diags d = {0};
	struct st_error err;
	cr_assert_eq(catalog_open(dirs, 2, "same", &rb, &d, &err), ST_INVALID);
	cr_assert(strstr(err.msg, "/a/x.yaml") && strstr(err.msg, "/b/y.yaml"), "%s", err.msg);
	cr_assert_null(rb);
	free(a);
	free(b);
}

Test(catalog, the_same_file_through_two_folders_is_listed_once)
{
	put("a/x.yaml", "x");
	char *a = xasprintf("%s/a", tmp), *a2 = xasprintf("%s/a/", tmp);
	char *dirs[] = {a, a2};
	struct catalog cat;
	catalog_load(&cat, dirs, 2);
	cr_assert_eq(cat.n, 1);
	cr_assert(catalog_clean(&cat));
	catalog_free(&cat);
	free(a);
	free(a2);
}

Test(catalog, open_by_id_and_by_path)
{
	put("a/x.yaml", "xid");
	put_text("a/bad.yaml", "runbook: 1\nid: bad\n");
	char *a = xasprintf("%s/a", tmp);
	char *dirs[] = {a};
	struct runbook *rb = NULL;
	struct rb_diags d = {0};
	struct st_error err;

	cr_assert_eq(catalog_open(dirs, 1, "xid", &rb, &d, &err), ST_OK);
	cr_assert_str_eq(rb->id, "xid");
	runbook_free(rb);

	char *path = xasprintf("%s/a/x.yaml", tmp);
	cr_assert_eq(catalog_open(dirs, 0, path, &rb, &d, &err), ST_OK);
	cr_assert_str_eq(rb->path, path);
	runbook_free(rb);
	free(path);

	cr_assert_eq(catalog_open(dirs, 1, "nope", &rb, &d, &err), ST_NOTFOUND);
	cr_assert(strstr(err.msg, "no runbook with the id 'nope'"));
	cr_assert_eq(catalog_open(dirs, 1, "/nonexistent/r.yaml", &rb, &d, &err), ST_NOTFOUND);
	cr_assert_eq(d.n, 1, "the unreadable-file diagnostic");
	rb_diags_free(&d);

	cr_assert_eq(catalog_open(dirs, 1, "bad", &rb, &d, &err), ST_INVALID);
	cr_assert_null(rb);
	cr_assert_geq(d.n, 3, "its lint messages come back");
	cr_assert(strstr(err.msg, "bad.yaml"));
	rb_diags_free(&d);
	free(a);
}
