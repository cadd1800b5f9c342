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

Test(simulate, shipped_assets_have_the_expected_lines)
{
	char *dir = simulate_asset_dir();
	if (!dir)
		cr_skip_test("no assets folder");
	struct runbook *rb = NULL;
	struct rb_diags d = {0};
	char *path = xasprintf("%s/runbooks/sms2003-sp2-upgrade.yaml", STEWARD_SOURCE_DIR);
	cr_assert_eq(runbook_load_file(path, &rb, &d), 0);
	rb_diags_free(&d);
	struct varmap vm = {0};
	varmap_set(&vm, "site_code", "ABC");
	varmap_set(&vm, "sms_dir", "C:\\SMS");
	long step = runbook_step_index(rb, "sitecomp-completed");
	cr_assert_geq(step, 0);
	struct sim_script sc;
	struct st_error err;
	cr_assert_eq(simulate_script(rb, (size_t)step, &vm, dir, false, &sc, &err), ST_OK, "%s", err.msg);
	bool found = false;
	for (size_t i = 0; i < sc.n; i++)
		found |= strstr(sc.lines[i].text, "Site shutdown complete") != NULL;
	cr_assert(found);
	sim_script_free(&sc);
	varmap_free(&vm);
	runbook_free(rb);
	free(path);
	free(dir);
}
