/*
 * test_simulate.c — the rehearsal writer's pure parts: re-stamping every time format to
 * now, and the script of a step (assets, .fail.log, or the runbook's own strings).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "steward/simulate.h"
#include "steward/smslog.h"
#include "steward/util.h"

/* 2026-11-22T01:02:03.456Z */
#define NOW 1795309323456LL

static void set_tz(void)
{
	setenv("TZ", "EST5EDT", 1);
	tzset();
}

TestSuite(simulate, .init = set_tz);

Test(simulate, restamps_sms_trailer_with_local_bias)
{
	char *s = simulate_restamp("Site shutdown complete  $$<SMS_SITE_COMPONENT_MANAGER><06-14-2006 02:14:07.123+240><thread=1 (0x1)>", NOW);
	cr_assert_str_eq(s, "Site shutdown complete  $$<SMS_SITE_COMPONENT_MANAGER><11-21-2026 20:02:03.456+300><thread=1 (0x1)>");
	struct log_record r;
	smslog_parse(s, strlen(s), &r);
	cr_assert(r.has_bias);
	cr_assert_eq(r.utc_ms, NOW); /* the parser reads back the instant it was stamped with */
	log_record_free(&r);
	free(s);
}

Test(simulate, restamps_setup_and_ccm_lines)
{
	char *s = simulate_restamp("<06-14-2006 02:24:38> MP.MSI exited with return code: 0", NOW);
	cr_assert_str_eq(s, "<11-21-2026 20:02:03> MP.MSI exited with return code: 0");
	free(s);
	s = simulate_restamp("<![LOG[x]LOG]!><time=\"08:30:01.123+240\" date=\"06-14-2006\" component=\"c\" context=\"\" type=\"1\" thread=\"1\" file=\"\">", NOW);
	cr_assert_str_eq(s, "<![LOG[x]LOG]!><time=\"20:02:03.456+300\" date=\"11-21-2026\" component=\"c\" context=\"\" type=\"1\" thread=\"1\" file=\"\">");
	free(s);
	s = simulate_restamp("no time here", NOW);
	cr_assert_str_eq(s, "no time here");
	free(s);
}

static const char rb_text[] =
	"runbook: 1\nid: simfix\ntitle: T\nversion: \"1\"\n"
	"variables:\n  - name: site_code\n    prompt: S\n    default: ABC\n"
	"logs:\n  sitecomp: sitecomp.log\n"
	"phases:\n  - id: p\n    title: P\n    steps:\n"
	"      - id: a\n        title: A\n        verify:\n          - log: sitecomp\n"
	"            expect: ['Processing site ${site_code}', {regex: 'x[0-9]+'}]\n"
	"        fail:\n          - log: sitecomp\n            match: Setup failed\n";

Test(simulate, script_from_the_runbook_when_there_are_no_assets)
{
	struct runbook *rb = NULL;
	struct rb_diags d = {0};
	cr_assert_eq(runbook_load_text(rb_text, sizeof rb_text - 1, "t", &rb, &d), 0);
	rb_diags_free(&d);
	struct varmap vm = {0};
	varmap_set(&vm, "site_code", "XYZ");
	struct sim_script sc;
	struct st_error err;
	cr_assert_eq(simulate_script(rb, 0, &vm, "/nonexistent", false, &sc, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(sc.n, 1); /* the regex cannot be written back */
	cr_assert(strstr(sc.lines[0].text, "Processing site XYZ  $$<"));
	sim_script_free(&sc);
	cr_assert_eq(simulate_script(rb, 0, &vm, NULL, true, &sc, &err), ST_OK);
	cr_assert_eq(sc.n, 1);
	cr_assert(strstr(sc.lines[0].text, "Setup failed"));
	sim_script_free(&sc);
	varmap_free(&vm);
	runbook_free(rb);
}

/* Replaces every "${name}" in text with value (the test's own substitution). */
static char *subst(const char *text, const char *name, const char *value)
{
	char *ref = xasprintf("${%s}", name);
	struct strbuf sb = STRBUF_INIT;
	const char *p = text, *q;
	while ((q = strstr(p, ref)) != NULL) {
		sb_append(&sb, p, (size_t)(q - p));
		sb_puts(&sb, value);
		p = q + strlen(ref);
	}
	sb_puts(&sb, p);
	free(ref);
	return sb_take(&sb);
}

/* The script of a step with assets is the asset file, line by line, substituted: found
 * through the source tree this test was built from (never the current folder, so it
 * runs, and can fail, wherever it is started). */
Test(simulate, shipped_assets_have_the_expected_lines)
{
	const char *dir = STEWARD_SOURCE_DIR "/assets";
	struct runbook *rb = NULL;
	struct rb_diags d = {0};
	char *path = xasprintf("%s/runbooks/sms2003-sp2-upgrade.yaml", STEWARD_SOURCE_DIR);
	cr_assert_eq(runbook_load_file(path, &rb, &d), 0);
	rb_diags_free(&d);
	struct varmap vm = {0};
	varmap_set(&vm, "site_code", "ABC");
	varmap_set(&vm, "sms_dir", "C:\\SMS");
	varmap_set(&vm, "site_server", "SRV1");
	long step = runbook_step_index(rb, "sitecomp-completed");
	cr_assert_geq(step, 0);
	size_t log = 0;
	while (log < rb->n_logs && strcmp(rb->logs[log].name, "sitecomp") != 0)
		log++;
	cr_assert_lt(log, rb->n_logs);
	struct sim_script sc;
	struct st_error err;
	cr_assert_eq(simulate_script(rb, (size_t)step, &vm, dir, false, &sc, &err), ST_OK, "%s", err.msg);
	cr_assert(util_has_suffix(sc.source, "/sms2003-sp2-upgrade/sitecomp-completed"), "played from %s", sc.source);

	char *apath = xasprintf("%s/sms2003-sp2-upgrade/sitecomp-completed/sitecomp.log", dir);
	size_t len = 0;
	char *text = util_read_file(apath, &len);
	cr_assert_not_null(text, "%s", apath);
	size_t n = 0;
	for (char *line = text, *eol; *line; line = eol + 1, n++) {
		eol = strstr(line, "\r\n");
		cr_assert_not_null(eol, "%s: line %zu has no CRLF", apath, n + 1);
		*eol++ = 0;
		char *a = subst(line, "site_code", "ABC"), *b = subst(a, "sms_dir", "C:\\SMS");
		char *want = subst(b, "site_server", "SRV1");
		cr_assert_lt(n, sc.n, "the script is shorter than %s", apath);
		cr_assert_eq(sc.lines[n].log, log);
		cr_assert_str_eq(sc.lines[n].text, want, "line %zu", n + 1);
		free(a), free(b), free(want);
	}
	cr_assert_eq(sc.n, n, "%zu lines played, %zu in %s", sc.n, n, apath);
	cr_assert_gt(n, 30);
	free(text);
	free(apath);
	sim_script_free(&sc);
	varmap_free(&vm);
	runbook_free(rb);
	free(path);
}

/* ---- the ledger of simulated lines, and where the simulator may write ---------------- */

#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "steward/simledger.h"
#include "steward/util.h"

Test(simulate, ledger_reads_its_entries_and_skips_anything_else)
{
	static const char text[] = "{\"created\":[1,2]}\n"
				   "{\"line\":[1,2,100,50]}\n"
				   "not json\n{\"line\":[1,2,-5,10]}\n{\"line\":[1,2,3]}\n"
				   "{\"created\":[1,2],\"line\":[9,9,9,9]}\n{\"line\":[1,3,0,10]}";
	struct simledger l;
	simledger_parse(text, sizeof text - 1, &l);
	cr_assert_eq(l.n_created, 1);
	cr_assert_eq(l.n_lines, 2);
	cr_assert(simledger_created(&l, 1, 2));
	cr_assert_not(simledger_created(&l, 1, 3));
	cr_assert(simledger_covers(&l, 1, 2, 100));
	cr_assert(simledger_covers(&l, 1, 2, 149));
	cr_assert_not(simledger_covers(&l, 1, 2, 150));
	cr_assert_not(simledger_covers(&l, 1, 2, 99));
	cr_assert(simledger_covers(&l, 1, 3, 0));
	cr_assert_not(simledger_covers(&l, 9, 9, 9), "an entry with two keys is not one");
	simledger_free(&l);
}

Test(simulate, writer_refuses_paths_outside_the_log_folder)
{
	char dir[] = "/tmp/steward-simw.XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char *logs = xasprintf("%s/logs", dir), *out = xasprintf("%s/out", dir);
	cr_assert_eq(mkdir(logs, 0700), 0);
	cr_assert_eq(mkdir(out, 0700), 0);
	struct runbook *rb = NULL;
	struct rb_diags dg = {0};
	cr_assert_eq(runbook_load_text(rb_text, sizeof rb_text - 1, "x.yaml", &rb, &dg), 0);
	struct st_error err = {0};
	struct simulator *sim = NULL;
	char *inside = xasprintf("%s/sitecomp.log", logs);
	char *paths[2] = {inside, NULL};
	cr_assert_eq(simulator_new(rb, (const char *const[]){logs}, 1, paths, &sim, &err), ST_OK, "%s", err.msg);
	simulator_free(sim);
	const char *bad[] = {"/../out/sitecomp.log", "/etc/passwd", "/link.log", "/sub/x.log"};
	char *link = xasprintf("%s/link.log", logs), *target = xasprintf("%s/t", out), *sub = xasprintf("%s/sub", logs);
	cr_assert_eq(symlink(target, link), 0);
	cr_assert_eq(symlink(out, sub), 0);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char *p = i == 1 ? xstrdup(bad[i]) : xasprintf("%s%s", logs, bad[i]);
		paths[0] = p;
		sim = NULL;
		cr_assert_eq(simulator_new(rb, (const char *const[]){logs}, 1, paths, &sim, &err), ST_USAGE, "%s accepted", p);
		cr_assert_null(sim);
		free(p);
	}
	cr_assert_eq(access(target, F_OK), -1, "nothing created through the link");
	/* A rehearsal's second log folder (a runbook log_folders entry placed at start) is its
	 * own too: a file there is accepted once that folder is given, and only then. */
	char *in_out = xasprintf("%s/SMSSetup.log", out);
	paths[0] = in_out;
	sim = NULL;
	cr_assert_eq(simulator_new(rb, (const char *const[]){logs}, 1, paths, &sim, &err), ST_USAGE);
	cr_assert_eq(simulator_new(rb, (const char *const[]){logs, out}, 2, paths, &sim, &err), ST_OK, "%s", err.msg);
	simulator_free(sim);
	free(in_out);
	unlink(link);
	unlink(sub);
	rmdir(logs);
	rmdir(out);
	rmdir(dir);
	free(link), free(target), free(sub), free(inside), free(logs), free(out);
	runbook_free(rb);
	rb_diags_free(&dg);
}
