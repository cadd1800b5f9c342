/*
 * test_session_folders.c — where a session places its logs (FORMAT-ADDITIONS §2): every
 * folder's and log's path is fixed at start, recorded in the start event, and the same
 * after reopening; a folder not given defaults to the main log folder (and says so);
 * --log still wins for one log; unknown folders and missing folders are refused; a
 * session recorded before log folders existed still loads, with its places derived.
 * Fixture: tests/unit/fixtures/session/placed-logs.yaml
 *   logs: sitecomp (main) · smssetup (system-root) · mpsetup (mp-logs) · hman (folder: logs)
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sessfix.h"
#include "steward/export.h"
#include "steward/util.h"

enum { SITECOMP, SMSSETUP, MPSETUP, HMAN };

static struct sfx f;
static struct st_error err;
static char *main_dir, *croot;

static void setup(void)
{
	sfx_init(&f, "placed-logs.yaml");
	main_dir = sfx_path(&f, "logs");
	croot = sfx_path(&f, "c-root");
	cr_assert_eq(mkdir(main_dir, 0700), 0);
	cr_assert_eq(mkdir(croot, 0700), 0);
}

static void teardown(void)
{
	free(main_dir);
	free(croot);
	sfx_fini(&f);
}

TestSuite(folders, .init = setup, .fini = teardown);

/* Creates a session of the fixture with these folders and overrides; returns its code. */
static enum st_code create(const char **ids, const char **paths, size_t n, const char **over_names,
			   const char **over_paths, size_t n_over)
{
	struct varmap vm = {0};
	varmap_set(&vm, "site_code", "ABC");
	char **problems = NULL;
	size_t np = 0;
	cr_assert(vars_complete(f.rb, &vm, &problems, &np));
	free(problems);
	struct session_params p = {.vars = &vm, .log_dir = main_dir, .folder_ids = ids, .folder_paths = paths,
				   .n_folders = n, .log_override_names = over_names,
				   .log_override_paths = over_paths, .n_log_overrides = n_over, .op = "alice"};
	free(f.id);
	f.id = NULL;
	enum st_code rc = session_create(f.st, f.rb, &p, &f.id, &err);
	varmap_free(&vm);
	return rc;
}

static char *in(const char *dir, const char *file) { return xasprintf("%s/%s", dir, file); }

/* The start event's data, parsed (caller decrefs). */
struct first_event {
	json_t *data;
};
static bool first_cb(void *ctx, const struct store_event *ev)
{
	struct first_event *fe = ctx;
	if (!fe->data && strcmp(ev->type, "session_started") == 0)
		fe->data = json_loads(ev->data, 0, NULL);
	return true;
}

static json_t *start_event(void)
{
	struct first_event fe = {0};
	cr_assert_eq(store_read_events(f.st, f.id, 0, first_cb, &fe, &err), ST_OK, "%s", err.msg);
	cr_assert_not_null(fe.data);
	return fe.data;
}

static void assert_places(const struct session *s, const char *mp_dir)
{
	cr_assert_eq(s->n_folders, 3);
	cr_assert_str_eq(s->folders[0].id, "logs");
	cr_assert_str_eq(s->folders[0].path, main_dir);
	cr_assert(s->folders[0].given);
	cr_assert_str_eq(s->folders[1].id, "system-root");
	cr_assert_str_eq(s->folders[1].path, croot);
	cr_assert(s->folders[1].given);
	cr_assert_str_eq(s->folders[2].id, "mp-logs");
	cr_assert_str_eq(s->folders[2].path, mp_dir, "not given: the main log folder");
	cr_assert_not(s->folders[2].given);

	char *sc = in(main_dir, "SiteComp.log"), *ss = in(croot, "SMSSetup.log"), *mp = in(mp_dir, "MPSetup.log");
	cr_assert_str_eq(s->places[SITECOMP].path, sc);
	cr_assert_eq(s->places[SITECOMP].folder, 0);
	cr_assert_str_eq(s->places[SMSSETUP].path, ss, "SMSSetup.log is read from the other folder");
	cr_assert_eq(s->places[SMSSETUP].folder, 1);
	cr_assert_str_eq(s->places[MPSETUP].path, mp);
	cr_assert_eq(s->places[MPSETUP].folder, 2);
	cr_assert_str_eq(s->places[HMAN].path, "/elsewhere/hman.log");
	cr_assert(s->places[HMAN].overridden, "--log wins over the log's folder");
	cr_assert_eq(s->places[HMAN].folder, -1);
	cr_assert_not(s->places[SMSSETUP].overridden);
	/* What watch reads is what was placed. */
	for (size_t l = 0; l < s->rb->n_logs; l++)
		cr_assert_str_eq(s->logs[l].path, s->places[l].path);
	free(sc);
	free(ss);
	free(mp);
}

Test(folders, paths_are_fixed_at_start_and_recorded_in_the_start_event)
{
	const char *ids[] = {"system-root"}, *paths[] = {croot};
	const char *on[] = {"hman"}, *op[] = {"/elsewhere/hman.log"};
	cr_assert_eq(create(ids, paths, 1, on, op, 1), ST_OK, "%s", err.msg);

	json_t *d = start_event();
	json_t *lf = json_object_get(d, "log_folders");
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(lf, "system-root"), "path")), croot);
	cr_assert(json_is_true(json_object_get(json_object_get(lf, "system-root"), "given")));
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(lf, "mp-logs"), "path")), main_dir);
	cr_assert(json_is_false(json_object_get(json_object_get(lf, "mp-logs"), "given")));
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(lf, "logs"), "path")), main_dir);
	char *ss = in(croot, "SMSSetup.log");
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(d, "logs"), "smssetup")), ss);
	free(ss);
	json_t *ov = json_object_get(d, "log_overrides");
	cr_assert_eq(json_array_size(ov), 1);
	cr_assert_str_eq(json_string_value(json_array_get(ov, 0)), "hman");
	json_decref(d);

	struct session *s = sfx_open(&f);
	assert_places(s, main_dir);
	session_close(s);
	/* Resume: the same places, whatever the folders hold now. */
	cr_assert_eq(rmdir(croot), 0);
	s = sfx_open(&f);
	assert_places(s, main_dir);
	session_close(s);
	sfx_assert_projection(&f);
}

Test(folders, the_main_folder_given_as_folder_logs)
{
	char *other = sfx_path(&f, "other-logs");
	cr_assert_eq(mkdir(other, 0700), 0);
	const char *ids[] = {"logs", "system-root"}, *paths[] = {other, croot};
	cr_assert_eq(create(ids, paths, 2, NULL, NULL, 0), ST_OK, "%s", err.msg);
	struct session *s = sfx_open(&f);
	cr_assert_str_eq(s->folders[0].path, other, "--folder logs=DIR is --logs DIR (and wins over it)");
	cr_assert_str_eq(s->log_dir, other);
	cr_assert_str_eq(s->folders[2].path, other, "a folder not given defaults to the main folder");
	char *sc = in(other, "SiteComp.log");
	cr_assert_str_eq(s->places[SITECOMP].path, sc);
	free(sc);
	session_close(s);
	free(other);
}

Test(folders, unknown_folder_is_a_usage_error_naming_the_valid_ids)
{
	const char *ids[] = {"sytem-root"}, *paths[] = {croot};
	cr_assert_eq(create(ids, paths, 1, NULL, NULL, 0), ST_USAGE);
	cr_assert(strstr(err.msg, "--folder sytem-root"), "%s", err.msg);
	cr_assert(strstr(err.msg, "logs, system-root, mp-logs"), "names the valid ids: %s", err.msg);
	cr_assert_null(f.id);
}

Test(folders, a_given_folder_that_does_not_exist_is_refused)
{
	const char *ids[] = {"system-root"}, *paths[] = {"/nonexistent/c-root"};
	cr_assert_eq(create(ids, paths, 1, NULL, NULL, 0), ST_NOTFOUND);
	cr_assert(strstr(err.msg, "log folder system-root"), "%s", err.msg);
	cr_assert(strstr(err.msg, "Root of the site server's system drive"), "shows the prompt: %s", err.msg);
	cr_assert(strstr(err.msg, "--folder system-root=PATH"), "%s", err.msg);
}

Test(folders, export_json_says_which_log_lived_where)
{
	const char *ids[] = {"system-root"}, *paths[] = {croot};
	const char *on[] = {"hman"}, *op[] = {"/elsewhere/hman.log"};
	cr_assert_eq(create(ids, paths, 1, on, op, 1), ST_OK, "%s", err.msg);
	struct session *s = NULL;
	cr_assert_eq(session_open(f.st, f.id, SESSION_READ, &s, &err), ST_OK, "%s", err.msg);
	struct strbuf out = STRBUF_INIT;
	cr_assert_eq(export_session(s, EXPORT_JSON, &out, &err), ST_OK, "%s", err.msg);
	json_t *j = json_loads(sb_str(&out), 0, NULL);
	cr_assert_not_null(j);
	json_t *sess = json_object_get(j, "session");
	json_t *places = json_object_get(sess, "log_places");
	json_t *ss = json_object_get(places, "smssetup");
	char *ssp = in(croot, "SMSSetup.log");
	cr_assert_str_eq(json_string_value(json_object_get(ss, "path")), ssp);
	cr_assert_str_eq(json_string_value(json_object_get(ss, "folder")), "system-root");
	cr_assert_str_eq(json_string_value(json_object_get(ss, "machine")), "SERVER1", "${site_server} substituted");
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(places, "hman"), "placed_by")), "--log");
	cr_assert(json_is_null(json_object_get(json_object_get(places, "hman"), "folder")));
	json_t *folders = json_object_get(sess, "log_folders");
	cr_assert_eq(json_array_size(folders), 3);
	json_t *mp = json_array_get(folders, 2);
	cr_assert_str_eq(json_string_value(json_object_get(mp, "id")), "mp-logs");
	cr_assert(json_is_false(json_object_get(mp, "given")));
	cr_assert_str_eq(json_string_value(json_object_get(mp, "machine")), "MGTPOINT1");
	json_decref(j);

	/* The readable formats' session header too. */
	for (int fmt = EXPORT_MD; fmt <= EXPORT_HTML; fmt++) {
		sb_reset(&out);
		cr_assert_eq(export_session(s, (enum export_format)fmt, &out, &err), ST_OK, "%s", err.msg);
		const char *doc = sb_str(&out);
		cr_assert(strstr(doc, ssp), "format %d names SMSSetup.log's path", fmt);
		cr_assert(strstr(doc, "system-root"), "format %d names its folder", fmt);
		cr_assert(strstr(doc, "SERVER1"), "format %d names its machine", fmt);
		cr_assert(strstr(doc, "defaulted to the main log folder"), "format %d says mp-logs defaulted", fmt);
		cr_assert(strstr(doc, "--log"), "format %d says hman was placed by --log", fmt);
	}
	free(ssp);
	session_close(s);
	sb_free(&out);
}

/* ---- a session recorded before log folders existed -------------------------------- */

static struct sfx g;

static void setup_old(void) { sfx_init(&g, "basic.yaml"); }
static void teardown_old(void) { sfx_fini(&g); }

TestSuite(folders_old, .init = setup_old, .fini = teardown_old);

/* Writes what steward wrote at start before log folders existed (no log_folders, no
 * log_overrides), for basic.yaml: sitecomp in the log folder, hman given by --log. */
Test(folders_old, a_session_started_before_log_folders_still_loads)
{
	char id[] = "20260101-000000-0001", op[] = "alice", host[] = "h", sha[65];
	memcpy(sha, g.rb->sha256, sizeof sha);
	struct store_session row = {.id = id, .op = op, .host = host, .started_ms = SFX_T0,
				    .runbook_id = g.rb->id, .runbook_title = g.rb->title,
				    .runbook_version = g.rb->version, .runbook_path = g.rb_path,
				    .runbook_sha256 = sha, .runbook_text = g.rb->text,
				    .runbook_text_len = g.rb->text_len};
	char *sc = in(g.dir, "sitecomp.log");
	json_t *d = json_pack("{s:{s:s, s:s, s:s, s:s, s:s}, s:n, s:b, s:{s:s}, s:s, s:{s:s, s:s}}", "runbook", "id",
			      g.rb->id, "title", g.rb->title, "version", g.rb->version, "sha256", g.rb->sha256, "path",
			      g.rb_path, "label", "rehearsal", 0, "variables", "site_code", "ABC", "log_dir", g.dir,
			      "logs", "sitecomp", sc, "hman", "/mnt/other/hman.log");
	char *data = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
	struct store_event ev = {.at_ms = SFX_T0, .op = "alice", .host = "h", .type = "session_started",
				 .data = data};
	cr_assert_eq(store_begin(g.st, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(store_insert_session(g.st, &row, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(store_append(g.st, row.id, 0, &ev, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(store_commit(g.st, &err), ST_OK, "%s", err.msg);

	struct session *s = NULL;
	cr_assert_eq(session_open(g.st, row.id, SESSION_READ, &s, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(s->n_folders, 1);
	cr_assert_str_eq(s->folders[0].id, "logs");
	cr_assert_str_eq(s->folders[0].path, g.dir, "the main folder is the recorded log_dir");
	cr_assert(s->folders[0].given);
	cr_assert_str_eq(s->places[0].path, sc);
	cr_assert_eq(s->places[0].folder, 0);
	cr_assert_not(s->places[0].overridden);
	cr_assert_str_eq(s->places[1].path, "/mnt/other/hman.log");
	cr_assert(s->places[1].overridden, "a path that is not log_dir/file came from --log");
	cr_assert_eq(s->places[1].folder, -1);
	struct strbuf out = STRBUF_INIT;
	cr_assert_eq(export_session(s, EXPORT_MD, &out, &err), ST_OK, "%s", err.msg);
	sb_free(&out);
	session_close(s);
	free(data);
	json_decref(d);
	free(sc);
}
