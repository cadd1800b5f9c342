/*
 * test_runbooks_content.c — the shipped runbooks (every runbooks/NAME.yaml) and their rehearsal log
 * text (assets/, layout in assets/README.md).
 *
 * 1. Every runbook in runbooks/ loads, cites its sources, has a summary, and every step cites
 *    a source document section.
 * 2. Each runbook holds what issues 3 and 11 require of it (the source documents' steps,
 *    conditions, commands, markers, signatures, confirms, hosts, waits and since: anchors), and
 *    the runbooks of issue 11 use the format additions (practice:, log_folders, case:) where
 *    the sources call for them. What this section is: a change detector. Its strings are a
 *    second copy, typed by the runbooks' author, of the runbooks' own text: it catches a step,
 *    command or marker that drifts or disappears, not one that was wrong from the start. The
 *    markers are checked against the source documents' own quotes, verbatim, in
 *    test_marker_variants.c (every_marker_matches_the_source_documents_quote).
 * 3. For every step with verify/fail entries, the asset text is in the real line formats, uses
 *    only declared ${variables}, and — fed through the parser and the matcher — the .log
 *    satisfies the step's verify block on that log, the .noise.log alone does not, and each
 *    .fail*.log triggers a failure signature (every signature by at least one file).
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "steward/match.h"
#include "steward/runbook.h"
#include "steward/smslog.h"
#include "steward/util.h"
#include "steward/vars.h"

#define RUNBOOK_DIR STEWARD_SOURCE_DIR "/runbooks"
#define ASSET_DIR STEWARD_SOURCE_DIR "/assets"

/* ------------------------------------------------------------------ loading */

static struct runbook *load_path(const char *path)
{
	struct rb_diags d = {0};
	struct runbook *rb = NULL;
	int rc = runbook_load_file(path, &rb, &d);
	if (rc != 0)
		rb_diags_print(&d, stderr);
	cr_assert_eq(rc, 0, "%s does not load", path);
	cr_assert_eq(d.n, 0, "%s: %zu diagnostics", path, d.n);
	rb_diags_free(&d);
	return rb;
}

static struct runbook *load_id(const char *id)
{
	char *path = xasprintf("%s/%s.yaml", RUNBOOK_DIR, id);
	struct runbook *rb = load_path(path);
	cr_assert_str_eq(rb->id, id, "%s declares id %s", path, rb->id);
	free(path);
	return rb;
}

/* Every *.yaml in runbooks/, sorted. */
static char **shipped_paths(size_t *n)
{
	glob_t g;
	cr_assert_eq(glob(RUNBOOK_DIR "/*.yaml", 0, NULL, &g), 0, "no runbooks in %s", RUNBOOK_DIR);
	char **out = xcalloc(g.gl_pathc + 1, sizeof *out);
	for (size_t i = 0; i < g.gl_pathc; i++)
		out[i] = xstrdup(g.gl_pathv[i]);
	*n = g.gl_pathc;
	globfree(&g);
	return out;
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static const struct rb_step *step(const struct runbook *rb, const char *id)
{
	const struct rb_step *s = runbook_step(rb, id);
	cr_assert_not_null(s, "%s: no step '%s'", rb->id, id);
	return s;
}

/* The step applies only when var is one of the listed values (a single `when:` value). */
static void assert_when(const struct runbook *rb, const char *id, const char *var, const char *value)
{
	const struct rb_step *s = step(rb, id);
	for (size_t i = 0; i < s->n_when; i++) {
		if (strcmp(s->when[i].var, var) == 0) {
			cr_assert_eq(s->when[i].n_values, 1, "%s: when %s", id, var);
			cr_assert_str_eq(s->when[i].values[0], value, "%s: when %s", id, var);
			return;
		}
	}
	cr_assert_fail("%s: step %s has no `when: %s`", rb->id, id, var);
}

static void assert_before(const struct runbook *rb, const char *a, const char *b)
{
	cr_assert_lt(step(rb, a)->index, step(rb, b)->index, "%s: %s must come before %s", rb->id, a, b);
}

static bool has_command(const struct rb_step *s, const char *cmd)
{
	for (size_t i = 0; i < s->n_command; i++)
		if (strcmp(s->command[i], cmd) == 0)
			return true;
	return false;
}

static const struct rb_verify *verify_on(const struct rb_step *s, const char *log)
{
	for (size_t i = 0; i < s->n_verify; i++)
		if (strcmp(s->verify[i].log, log) == 0)
			return &s->verify[i];
	cr_assert_fail("step %s: no verify block on %s", s->id, log);
	return NULL;
}

static bool expects(const struct rb_verify *v, const char *text)
{
	for (size_t i = 0; i < v->n_expect; i++)
		if (!v->expect[i].is_regex && strcmp(v->expect[i].text, text) == 0)
			return true;
	return false;
}

/* The step applies only when var is one of exactly these values. */
static void assert_when_values(const struct runbook *rb, const char *id, const char *var, const char *const *values,
			       size_t n)
{
	const struct rb_step *s = step(rb, id);
	for (size_t i = 0; i < s->n_when; i++) {
		if (strcmp(s->when[i].var, var) != 0)
			continue;
		cr_assert_eq(s->when[i].n_values, n, "%s: when %s has %zu values", id, var, s->when[i].n_values);
		for (size_t k = 0; k < n; k++)
			cr_assert_str_eq(s->when[i].values[k], values[k], "%s: when %s", id, var);
		return;
	}
	cr_assert_fail("%s: step %s has no `when: %s`", rb->id, id, var);
}

static void assert_every_step_has_a_host(const struct runbook *rb)
{
	for (size_t i = 0; i < rb->n_steps; i++)
		cr_assert(rb->steps[i].host && *rb->steps[i].host, "%s: step %s has no host", rb->id, rb->steps[i].id);
}

static bool has_checklist_item(const struct rb_step *s, const char *needle)
{
	for (size_t i = 0; i < s->n_checklist; i++)
		if (strstr(s->checklist[i], needle))
			return true;
	return false;
}

/* A fail entry on log whose plain match contains needle, with a hint. */
static void assert_fail_sig(const struct rb_step *s, const char *log, const char *needle)
{
	for (size_t i = 0; i < s->n_fail; i++) {
		const struct rb_fail *f = &s->fail[i];
		if (strcmp(f->log, log) == 0 && strstr(f->match.text, needle)) {
			cr_assert_not_null(f->hint, "%s: signature '%s' has no hint", s->id, needle);
			return;
		}
	}
	cr_assert_fail("step %s: no failure signature on %s containing '%s'", s->id, log, needle);
}

/* ------------------------------------------------------------------ 1. every runbook */

/* A file name of the project's source collection ("002_45f6a120af3282bb.txt"): runbooks cite
 * documents as an administrator knows them (docs/sources.md), never by these names. */
static bool names_a_seed_file(const char *s)
{
	for (const char *p = s ? strstr(s, ".txt") : NULL; p; p = strstr(p + 1, ".txt")) {
		if (p - s < 20)
			continue;
		const char *q = p - 20;
		bool ok = q[0] >= '0' && q[0] <= '9' && q[1] >= '0' && q[1] <= '9' && q[2] >= '0' && q[2] <= '9' &&
			  q[3] == '_';
		for (size_t i = 4; ok && i < 20; i++)
			ok = (q[i] >= '0' && q[i] <= '9') || (q[i] >= 'a' && q[i] <= 'f');
		if (ok)
			return true;
	}
	return false;
}

static void assert_no_seed_name(const struct runbook *rb, const char *what, const char *s)
{
	cr_assert(!names_a_seed_file(s), "%s: %s names a file of the source collection: %s", rb->id, what, s);
}

static void assert_no_seed_names(const struct runbook *rb, const char *what, char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		assert_no_seed_name(rb, what, v[i]);
}

Test(runbooks_content, the_seed_name_detector_detects)
{
	cr_assert(names_a_seed_file("see 002_45f6a120af3282bb.txt: Steps"));
	cr_assert(names_a_seed_file("'004_d6cfa6d819331755.txt'"));
	cr_assert_not(names_a_seed_file("KB 191138: SUMMARY"));
	cr_assert_not(names_a_seed_file("notes.txt"));
	cr_assert_not(names_a_seed_file("002_45f6a120af3282bX.txt"));
}

Test(runbooks_content, every_shipped_runbook_loads_and_cites_its_sources)
{
	size_t n = 0;
	char **paths = shipped_paths(&n);
	cr_assert_geq(n, 6);
	for (size_t i = 0; i < n; i++) {
		struct runbook *rb = load_path(paths[i]);
		cr_assert_not_null(rb->summary, "%s: no summary", rb->id);
		cr_assert_gt(rb->n_sources, 0, "%s: no sources", rb->id);
		assert_no_seed_names(rb, "sources", rb->sources, rb->n_sources);
		assert_no_seed_name(rb, "summary", rb->summary);
		assert_no_seed_name(rb, "title", rb->title);
		for (size_t j = 0; j < rb->n_logs; j++) {
			const struct rb_log *l = &rb->logs[j];
			for (const char *c = l->name; *c; c++)
				cr_assert(!(*c >= 'A' && *c <= 'Z'), "%s: log key '%s' not lower-case", rb->id, l->name);
			cr_assert_null(strpbrk(l->file, "/\\"), "%s: log %s is not a plain file name", rb->id, l->name);
		}
		for (size_t j = 0; j < rb->n_steps; j++) {
			const struct rb_step *s = &rb->steps[j];
			/* Every step cites "document: section" (or a KB article by number). */
			bool cited = false;
			for (size_t k = 0; k < s->n_references; k++)
				if (strstr(s->references[k], ": ") || strncmp(s->references[k], "KB ", 3) == 0)
					cited = true;
			cr_assert(cited, "%s: step %s cites no 'document: section'", rb->id, s->id);
			assert_no_seed_names(rb, "references", s->references, s->n_references);
			assert_no_seed_name(rb, "a title", s->title);
			assert_no_seed_name(rb, "a body", s->body);
			assert_no_seed_name(rb, "a caution", s->caution);
			assert_no_seed_names(rb, "a checklist", s->checklist, s->n_checklist);
			assert_no_seed_names(rb, "practice", s->practice, s->n_practice);
		}
		runbook_free(rb);
	}
	free_strv(paths, n);
}

/* ------------------------------------------------------------------ 2. what issue 3 requires */

/* Some source of the runbook contains needle. */
static bool cites(const struct runbook *rb, const char *needle)
{
	for (size_t i = 0; i < rb->n_sources; i++)
		if (strstr(rb->sources[i], needle))
			return true;
	return false;
}

static bool step_cites(const struct rb_step *s, const char *needle)
{
	for (size_t i = 0; i < s->n_references; i++)
		if (strstr(s->references[i], needle))
			return true;
	return false;
}

static bool any_contains(char **v, size_t n, const char *needle)
{
	for (size_t i = 0; i < n; i++)
		if (strstr(v[i], needle))
			return true;
	return false;
}

Test(runbooks_content, sp2_upgrade_follows_the_checklist_in_the_authors_order)
{
	struct runbook *rb = load_id("sms2003-sp2-upgrade");
	cr_assert(cites(rb, "SMS 2003 SP2 Upgrade Checklist"));
	cr_assert(cites(rb, "Steps to Upgrade Windows 2003 and SMS"));
	cr_assert(cites(rb, "http://download.microsoft.com/download/8/f/4/"));
	const char *vars[] = {"site_code", "site_server", "sql_server", "site_db", "test_sql_server", "test_where",
			      "sms_dir", "from_version", "site_server_os", "sql_version", "sql_replication",
			      "win2003_sp1_installed", "remote_mp", "remote_consoles", "has_secondaries",
			      "secondary_sites"};
	for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
		cr_assert_not_null(runbook_variable(rb, vars[i]), "variable %s", vars[i]);
	cr_assert_str_eq(runbook_variable(rb, "site_code")->pattern, "^[A-Z0-9]{3}$");
	cr_assert_eq(runbook_variable(rb, "from_version")->n_choices, 2);
	cr_assert_str_eq(runbook_variable(rb, "sms_dir")->def, "C:\\SMS");
	/* OS and SQL alternatives are answers, not a checklist that cannot all be ticked (U4) */
	cr_assert_eq(runbook_variable(rb, "site_server_os")->n_choices, 8);
	cr_assert_eq(runbook_variable(rb, "sql_version")->n_choices, 4);
	cr_assert_eq(step(rb, "site-system-os")->n_checklist, 1);
	cr_assert_null(step(rb, "sql-version")->checklist);
	assert_when(rb, "site-os-unsupported", "site_server_os", "none of these");
	assert_when(rb, "sql-unsupported", "sql_version", "none of these");

	/* every step says where it is done */
	for (size_t i = 0; i < rb->n_steps; i++)
		cr_assert_not_null(rb->steps[i].host, "step %s has no host", rb->steps[i].id);

	/* prerequisites, in the checklist's order */
	assert_before(rb, "site-system-os", "sql-version");
	assert_before(rb, "sql-version", "legacy-clients");
	assert_before(rb, "legacy-clients", "http-port");

	/* the author's order: Windows SP1 and the DCOM resets, then the database test, then SP2 (E1) */
	const char *order[] = {"sp1-download", "sp1-install", "sp1-reboot", "sp1-dcom-reset",
			       "sp1-admins-remote-activation", "drw-primary", "disable-replication", "record-db-size",
			       "backup-site-db", "restore-copy", "run-testdbupgrade", "review-testdbupgrade",
			       "disk-space", "run-setup", "settle", "smssetup-completed", "sitecomp-completed",
			       "hman-completed", "inboxmgr-completed", "admin-consoles", "drw-secondary",
			       "upgrade-secondaries", "advanced-client-upgrade"};
	for (size_t i = 1; i < sizeof order / sizeof *order; i++)
		assert_before(rb, order[i - 1], order[i]);
	cr_assert(step_cites(step(rb, "sp1-install"), "Steps to Upgrade Windows 2003 and SMS"));
	cr_assert(step_cites(step(rb, "backup-site-db"), "Steps to Upgrade Windows 2003 and SMS: step 8"));
	cr_assert(step_cites(step(rb, "run-setup"), "Steps to Upgrade Windows 2003 and SMS: step 9"));

	/* the conditional steps */
	assert_when(rb, "drw-primary", "from_version", "RTM");
	assert_when(rb, "disable-replication", "sql_replication", "yes");
	assert_when(rb, "reenable-replication", "sql_replication", "yes");
	const char *sp1[] = {"sp1-download", "sp1-install", "sp1-reboot", "sp1-dcom-reset", "sp1-admins-remote-activation",
			     "sp1-remote-mp"};
	for (size_t i = 0; i < sizeof sp1 / sizeof *sp1; i++)
		assert_when(rb, sp1[i], "win2003_sp1_installed", "no");
	assert_when(rb, "sp1-remote-mp", "remote_mp", "yes");
	assert_when(rb, "drw-secondary", "has_secondaries", "yes");
	assert_when(rb, "upgrade-secondaries", "has_secondaries", "yes");
	assert_when(rb, "admin-consoles", "remote_consoles", "yes");
	assert_when(rb, "restore-copy", "test_where", "another computer");
	assert_when(rb, "detach-and-restore", "test_where", "the site database server");

	/* SMS Admins Remote Activation on every site server (O2), as Creech's fix gives it */
	const struct rb_step *ra = step(rb, "sp1-admins-remote-activation");
	cr_assert_str_eq(ra->host, "${site_server}");
	cr_assert(any_contains(ra->checklist, ra->n_checklist, "Edit Limits"));
	cr_assert(any_contains(ra->checklist, ra->n_checklist, "SMS Admins group and allow it Remote Activation"));
	const struct rb_step *dc = step(rb, "sp1-dcom-reset");
	cr_assert(any_contains(dc->checklist, dc->n_checklist, "SMS_SERVER_LOCATOR_POINT"));
	cr_assert(any_contains(dc->checklist, dc->n_checklist, "SMS Reporting Users"));
	cr_assert(any_contains(dc->practice, dc->n_practice, "SMS_SERVER_LOCATOR POINT"),
		  "the corrected DCOM name is declared as practice");

	/* error 997 on a remote MP: KB 906570, and upgrading both did not fix it for the reporter (O8) */
	const struct rb_step *mp = step(rb, "sp1-remote-mp");
	cr_assert(step_cites(mp, "KB 906570"));
	cr_assert_not_null(strstr(mp->body, "appeared again"));

	/* the test: before-sizes of data AND log files, disk space after the test (O3, O4) */
	const struct rb_step *rec = step(rb, "record-db-size");
	cr_assert(any_contains(rec->checklist, rec->n_checklist, "data file"));
	cr_assert(any_contains(rec->checklist, rec->n_checklist, "log file"));
	cr_assert_not(any_contains(rec->checklist, rec->n_checklist, "disk space"));
	cr_assert(any_contains(step(rb, "disk-space")->checklist, step(rb, "disk-space")->n_checklist, "autogrow"));
	cr_assert_str_eq(step(rb, "restore-copy")->host, "${test_sql_server}");

	/* confirm words on the irreversible moments (U5) */
	const struct rb_step *t = step(rb, "run-testdbupgrade");
	cr_assert(has_command(t, "Setup.exe /testdbupgrade ${site_db}"));
	cr_assert_str_eq(t->host, "${test_sql_server}");
	cr_assert_str_eq(t->confirm, "COPY");
	cr_assert_not_null(t->caution);
	cr_assert_not_null(strstr(t->caution, "copy"));
	cr_assert_str_eq(step(rb, "detach-and-restore")->confirm, "DETACH");
	const struct rb_step *setup = step(rb, "run-setup");
	cr_assert_str_eq(setup->confirm, "UPGRADE");
	cr_assert(has_command(setup, "${setup_command}"));
	const struct rb_variable *sc = runbook_variable(rb, "setup_command");
	cr_assert_eq(sc->n_choices, 3);
	cr_assert_str_eq(sc->choices[0], "Autorun.exe");
	cr_assert_str_eq(sc->choices[1], "Update.exe /passive");
	cr_assert_str_eq(sc->choices[2], "Update.exe /quiet");

	const struct rb_step *settle = step(rb, "settle");
	cr_assert_eq(settle->wait_s, 30 * 60);

	/* the completion markers, as the checklist quotes them; each counted from the right step */
	struct {
		const char *step, *log, *line, *since;
	} markers[] = {
		{"smssetup-completed", "smssetup", "SMS Setup completed successfully", "run-setup"},
		{"sitecomp-completed", "sitecomp", "Processing site shutdown transaction", "run-setup"},
		{"sitecomp-completed", "sitecomp", "Site shutdown complete", "run-setup"},
		{"sitecomp-completed", "sitecomp",
		 "Waiting for changes to the \"${sms_dir}\\Inboxes\\Sitectrl.box\" or "
		 "\"${sms_dir}\\Inboxes\\Sitecomp.box\" directories", "run-setup"},
		{"inboxmgr-completed", "inboxmgr",
		 "Waiting for changes inbox definition, inbox rules and inbox replication files, max wait = 3600 seconds",
		 "settle"},
	};
	for (size_t i = 0; i < sizeof markers / sizeof *markers; i++) {
		const struct rb_step *s = step(rb, markers[i].step);
		const struct rb_verify *v = verify_on(s, markers[i].log);
		cr_assert(expects(v, markers[i].line), "%s: missing marker '%s'", s->id, markers[i].line);
		cr_assert_str_eq(v->since, markers[i].since, "%s: not anchored at %s", s->id, markers[i].since);
		cr_assert_eq(v->since_index, runbook_step_index(rb, markers[i].since));
		assert_before(rb, "settle", markers[i].step);
	}
	/* Hman and Inboxmgr write their lines in normal operation too: counted only once the site
	 * has stopped (since: settle), Hman's number a regex */
	const struct rb_verify *hv = verify_on(step(rb, "hman-completed"), "hman");
	cr_assert_eq(hv->n_expect, 1);
	cr_assert(hv->expect[0].is_regex);
	cr_assert_str_eq(hv->expect[0].text, "Wait for site control changes for maximum -?[0-9]+ seconds");
	cr_assert_str_eq(hv->since, "settle");
	cr_assert_str_eq(verify_on(step(rb, "inboxmgr-completed"), "inboxmgr")->since, "settle");
	/* ...and only when stamped after the line that proved the site stopped and restarted
	 * (issue 10 finding 5: the quiet site writes them after any activation) */
	cr_assert_eq(hv->after_index, runbook_step_index(rb, "sitecomp-completed"));
	cr_assert_eq(verify_on(step(rb, "inboxmgr-completed"), "inboxmgr")->after_index,
		     runbook_step_index(rb, "sitecomp-completed"));
	/* SiteComp.log markers in the document's order */
	const struct rb_verify *v = verify_on(step(rb, "sitecomp-completed"), "sitecomp");
	cr_assert_eq(v->n_expect, 3);
	cr_assert_str_eq(v->expect[0].text, "Processing site shutdown transaction");
	cr_assert_str_eq(v->expect[1].text, "Site shutdown complete");
	cr_assert_str_eq(runbook_log(rb, "smssetup")->file, "SMSSetup.log");
	cr_assert_str_eq(runbook_log(rb, "sitecomp")->file, "SiteComp.log");
	/* Format additions 1 and 2 (case:, log_folders): pinned in the text until their fields
	 * (rb_pattern.nocase, rb_log.folder) are merged. */
	cr_assert_not_null(strstr(rb->text, "smssetup: { file: SMSSetup.log, folder: system-root }"));
	cr_assert_not_null(strstr(rb->text, "log_folders:\n  system-root:\n    machine: ${site_server}\n"));
	cr_assert_not_null(strstr(rb->text, "Sitecomp.box\" directories', case: insensitive }"));

	/* a real step per remote console, secondary sites by name, SMS 2.0 inventory (O1, O5, O6, U6) */
	cr_assert_null(strstr(step(rb, "admin-consoles")->title, "Plan"));
	cr_assert_not_null(strstr(step(rb, "drw-secondary")->body, "every child secondary site"));
	cr_assert_not_null(strstr(step(rb, "upgrade-secondaries")->title, "${secondary_sites}"));
	cr_assert_not_null(strstr(step(rb, "legacy-client-upgrade")->body, "software"));
	/* KB 913119 re-check, as practice */
	cr_assert(any_contains(step(rb, "inboxmgr-completed")->practice, step(rb, "inboxmgr-completed")->n_practice,
			       "KB 913119"));
	runbook_free(rb);
}

Test(runbooks_content, dcom_reset_applies_each_task_to_its_role)
{
	struct runbook *rb = load_id("win2003-sp1-dcom-reset");
	cr_assert(cites(rb, "SMS 2003 FAQ, Windows Server 2003 SP1"));
	cr_assert(cites(rb, "Real World Problems and Solutions to Upgrading"));
	cr_assert(cites(rb, "Granular COM Permissions"));
	assert_when(rb, "slp-iusr-activation", "is_slp", "yes");
	assert_when(rb, "rp-reporting-users-activation", "is_rp", "yes");
	assert_when(rb, "admins-remote-activation", "is_site_server", "yes");
	assert_when(rb, "provider-remote-activation", "has_sms_provider", "yes");
	assert_when(rb, "provider-remote-activation", "is_site_server", "no");
	cr_assert_gt(step(rb, "provider-remote-activation")->n_practice, 0, "the remote provider is practice");
	assert_when(rb, "scw-remote-wmi", "run_scw", "yes");
	assert_when(rb, "scw-remote-wmi", "has_sms_provider", "yes");
	assert_when(rb, "scw-sql-monitor-ports", "is_remote_site_db", "yes");
	assert_when(rb, "scw-iis-remote-admin", "is_bits_dp", "yes");
	assert_when(rb, "scw-deselect-cap", "is_cap", "no");
	assert_when(rb, "scw-network-security", "run_scw", "yes");
	assert_when(rb, "fw-unsecapp", "runs_admin_console", "yes");
	assert_when(rb, "fw-statview", "runs_admin_console", "yes");
	assert_when(rb, "kb843362", "is_site_server", "yes");
	assert_when(rb, "mp-1603-ccmclean", "is_mp", "yes");

	/* the Security Configuration Wizard's Network Security section turns the firewall on: every
	 * firewall step applies to both ways of enabling it (B1-O6) */
	const struct rb_variable *fwv = runbook_variable(rb, "firewall");
	cr_assert_not_null(strstr(fwv->prompt, "Network Security section"));
	const char *fw_steps[] = {"fw-remote-control", "fw-remote-assistance", "fw-file-printer-sharing", "fw-statview",
				  "fw-unsecapp"};
	for (size_t i = 0; i < sizeof fw_steps / sizeof *fw_steps; i++) {
		const struct rb_step *s = step(rb, fw_steps[i]);
		bool found = false;
		for (size_t k = 0; k < s->n_when; k++) {
			if (strcmp(s->when[k].var, "firewall") != 0)
				continue;
			found = true;
			cr_assert_eq(s->when[k].n_values, 2, "%s", s->id);
			cr_assert_str_eq(s->when[k].values[0], "Control Panel");
			cr_assert_str_eq(s->when[k].values[1], "Security Configuration Wizard");
		}
		cr_assert(found, "%s has no when: firewall", s->id);
	}
	assert_before(rb, "scw-network-security", "fw-remote-control");

	cr_assert(has_command(step(rb, "slp-iusr-activation"), "Dcomcnfg.exe"));
	const struct rb_step *fw = step(rb, "fw-remote-control");
	const char *ports[] = {"2701", "2702", "2703", "2704"};
	cr_assert_eq(fw->n_checklist, 4);
	for (size_t i = 0; i < 4; i++)
		cr_assert_not_null(strstr(fw->checklist[i], ports[i]));
	cr_assert_not_null(strstr(step(rb, "fw-remote-assistance")->title, "helpsvc.exe"));
	cr_assert_not_null(strstr(step(rb, "fw-remote-assistance")->title, "135"));
	cr_assert_not_null(strstr(step(rb, "fw-unsecapp")->title, "unsecapp.exe"));
	cr_assert_not_null(strstr(step(rb, "fw-file-printer-sharing")->title, "File and Printer Sharing"));
	cr_assert_not_null(strstr(step(rb, "admins-remote-activation")->title, "Remote Activation"));
	assert_before(rb, "slp-iusr-activation", "scw-remote-wmi");
	assert_before(rb, "scw-rerun", "fw-remote-control");

	/* error 997: the remedy is hotfix KB 906570; upgrading both servers did not fix it (B2-E1) */
	const struct rb_step *e997 = step(rb, "remote-mp-error-997");
	cr_assert_not_null(strstr(e997->title, "KB 906570"));
	cr_assert_null(strstr(e997->title, "together"));
	cr_assert_not(any_contains(e997->checklist, e997->n_checklist, "together"));
	cr_assert(any_contains(e997->checklist, e997->n_checklist, "KB 906570"));
	cr_assert_not_null(strstr(e997->body, "appeared again"));
	cr_assert_not_null(strstr(e997->body, "TAM"));
	cr_assert_not_null(strstr(e997->body, "advanced security mode"));
	/* the missing symptom and advice (B1-O4, O5) */
	const struct rb_step *mp = step(rb, "mp-1603-ccmclean");
	cr_assert_not_null(strstr(mp->body, "can not create Active X component"));
	cr_assert_not_null(strstr(mp->body, "keep the SMS client off a server until its MP role is installed"));
	/* quotes attributed to whoever said them, never to "the compiler" (B2-E2) */
	for (size_t i = 0; i < rb->n_steps; i++)
		cr_assert_null(rb->steps[i].body ? strstr(rb->steps[i].body, "compiler") : NULL, "step %s",
			       rb->steps[i].id);
	cr_assert_not_null(strstr(step(rb, "rp-web-reports")->body, "[Steve T]"));
	cr_assert_not_null(strstr(step(rb, "mp-1603-ccmclean")->body, "remote child site"));

	for (size_t i = 0; i < rb->n_steps; i++)
		cr_assert_not_null(rb->steps[i].host, "step %s", rb->steps[i].id);
	runbook_free(rb);
}

Test(runbooks_content, ntop_cluster_install_names_a_node_on_every_step)
{
	struct runbook *rb = load_id("ntop-cluster-install");
	for (size_t i = 0; i < rb->n_steps; i++) {
		const struct rb_step *s = &rb->steps[i];
		cr_assert_not_null(s->host, "step %s has no host", s->id);
		cr_assert(strstr(s->host, "${node_a}") || strstr(s->host, "${node_b}"),
			  "step %s: host '%s' names no node", s->id, s->host);
	}
	bool default_group_caution = false;
	for (size_t i = 0; i < rb->n_steps; i++)
		if (rb->steps[i].caution &&
		    strstr(rb->steps[i].caution, "DO NOT INSTALL ANYTHING INTO THE DEFAULT CLUSTER GROUP"))
			default_group_caution = true;
	cr_assert(default_group_caution);

	assert_when(rb, "kb223258", "dtcsetup_installed", "yes");
	assert_when(rb, "msdtc-sql65", "sql65_installed", "yes");
	assert_when(rb, "msdtc-default", "sql65_installed", "no");
	assert_when(rb, "sp4-node-b", "sp4_node_b", "yes");
	assert_when(rb, "sp4-node-a", "sp4_node_a", "yes");
	cr_assert_str_eq(step(rb, "setup-node-b")->host, "${node_b}");
	cr_assert_str_eq(step(rb, "finish-node-a")->host, "${node_a}");
	assert_before(rb, "kb223258", "setup-node-a");
	assert_before(rb, "setup-node-a", "setup-node-b");
	assert_before(rb, "setup-node-b", "sp4-node-b");
	assert_before(rb, "sp4-node-b", "finish-node-a");
	assert_before(rb, "finish-node-a", "sp4-node-a");

	cr_assert(has_command(step(rb, "adsutil-enum"), "adsutil enum w3svc"));
	cr_assert(has_command(step(rb, "adsutil-wamusername"), "adsutil set W3SVC/WAMUserName ${domain}\\IWAM_CLUSTER"));
	cr_assert(has_command(step(rb, "adsutil-wamuserpass"), "adsutil set W3SVC/WAMUserPass IWAM_Password"));
	assert_when(rb, "adsutil-wamusername", "www_used", "yes");

	const struct rb_step *sync = step(rb, "iissync");
	cr_assert(has_command(sync, "iissync ${node_b}"));
	cr_assert_not_null(sync->confirm);
	cr_assert_not_null(sync->caution);
	cr_assert_not_null(strstr(sync->caution, "irreparable damage"));
	assert_before(rb, "mts-replication-node-a", "iissync");
	assert_before(rb, "mts-replication-node-b", "iissync");
	cr_assert_str_eq(step(rb, "mts-replication-node-b")->host, "${node_b}");

	/* issue 11: the confirm is a gate before iissync runs, not only a record after it */
	const struct rb_step *gate = step(rb, "confirm-replication");
	cr_assert_str_eq(gate->confirm, "REPLICATED");
	cr_assert_not_null(strstr(gate->caution, "irreparable damage"));
	cr_assert_eq(gate->index + 1, sync->index, "confirm-replication must come right before iissync");
	assert_before(rb, "mts-replication-node-b", "confirm-replication");
	cr_assert_str_neq(sync->confirm, gate->confirm);

	/* the IUSR_CLUSTER password is typed while its dialog is open, for WWW and for FTP */
	assert_before(rb, "www-anonymous-account", "manual-password");
	assert_before(rb, "manual-password", "www-anonymous-ok");
	assert_before(rb, "www-anonymous-ok", "ftp-anonymous-account");
	assert_before(rb, "ftp-anonymous-account", "ftp-manual-password");
	assert_before(rb, "ftp-manual-password", "ftp-anonymous-apply");
	assert_when(rb, "manual-password", "nodes_are_dcs", "no");
	assert_when(rb, "ftp-manual-password", "nodes_are_dcs", "no");
	assert_when(rb, "www-anonymous-account", "www_used", "yes");
	assert_when(rb, "ftp-anonymous-account", "ftp_used", "yes");
	assert_when(rb, "ftp-anonymous-account", "anonymous_access", "yes");
	assert_when(rb, "adsutil-wamusername", "anonymous_access", "yes");
	for (size_t i = 0; i < step(rb, "www-anonymous-account")->n_checklist; i++)
		cr_assert_null(strstr(step(rb, "www-anonymous-account")->checklist[i], "OK until"),
			       "www-anonymous-account closes the dialog before the password is typed");
	/* the DCOM permissions on both nodes, in the KB's words */
	const struct rb_step *acc = step(rb, "create-cluster-accounts");
	bool dcom = false;
	for (size_t i = 0; i < acc->n_checklist; i++)
		if (strstr(acc->checklist[i], "Dcom Default Access") && strstr(acc->checklist[i], "${node_a}") &&
		    strstr(acc->checklist[i], "${node_b}"))
			dcom = true;
	cr_assert(dcom, "the DCOM default access/launch item names both nodes");
	runbook_free(rb);
}

Test(runbooks_content, site_db_move_detaches_with_confirm_and_branches)
{
	struct runbook *rb = load_id("sccm2007-site-db-move");
	cr_assert(has_command(step(rb, "stop-site"), "Preinst.exe /STOPSITE"));
	const struct rb_step *detach = step(rb, "detach");
	cr_assert_str_eq(detach->confirm, "DETACH");
	assert_before(rb, "backup-all", "stop-site");
	assert_before(rb, "stop-site", "detach");
	assert_before(rb, "detach", "copy-files");
	assert_before(rb, "copy-files", "attach");
	const struct rb_variable *to = runbook_variable(rb, "move_to");
	cr_assert_eq(to->n_choices, 3);
	cr_assert_str_eq(to->choices[1], "other-instance");
	static const char *const moved_server[] = {"other-instance", "other-server"};
	assert_when(rb, "start-services", "move_to", "other-drive");
	assert_when_values(rb, "modify-sql-config", "move_to", moved_server, 2);
	assert_when_values(rb, "stopsite-again", "move_to", moved_server, 2);
	assert_when_values(rb, "grant-site-server-admin", "move_to", moved_server, 2);
	assert_when_values(rb, "restart-site-server", "move_to", moved_server, 2);
	cr_assert(has_command(step(rb, "stopsite-again"), "Preinst /stopsite"));
	assert_before(rb, "attach", "start-services");
	assert_before(rb, "attach", "modify-sql-config");
	assert_when(rb, "susdb-detach", "move_susdb", "yes");
	cr_assert_str_eq(step(rb, "susdb-detach")->confirm, "DETACH");

	/* issue 11: the copy target (old server's view) and the attach path (new server's view) */
	cr_assert_not_null(strstr(step(rb, "copy-files")->body, "${copy_destination}"));
	cr_assert(has_checklist_item(step(rb, "attach"), "${new_location}\\${site_db}.mdf"));
	/* the SMS Provider is moved, after Setup changed the SQL Server configuration */
	assert_when(rb, "move-provider", "provider_on_sql", "yes");
	assert_when(rb, "move-provider", "move_to", "other-server");
	assert_before(rb, "modify-sql-config", "move-provider");
	assert_before(rb, "move-provider", "restart-site-server");
	/* SUSDB: its own host and folders, moved while the site is stopped, services started again */
	cr_assert_str_eq(step(rb, "susdb-stop-services")->host, "${wsus_server}");
	cr_assert_str_eq(step(rb, "susdb-move-files")->host, "${old_sql_server}");
	cr_assert_not_null(strstr(step(rb, "susdb-move-files")->body, "${susdb_move_destination}"));
	cr_assert(has_checklist_item(step(rb, "susdb-attach"), "${susdb_new_location}\\SUSDB.MDF"));
	assert_before(rb, "attach", "susdb-stop-services");
	assert_before(rb, "susdb-stop-services", "susdb-detach");
	assert_before(rb, "susdb-detach", "susdb-move-files");
	assert_before(rb, "susdb-move-files", "susdb-attach");
	assert_before(rb, "susdb-attach", "susdb-start-services");
	assert_before(rb, "susdb-start-services", "start-services");
	assert_before(rb, "susdb-start-services", "stopsite-again");
	/* a rollback path the failing steps point to, last */
	const struct rb_step *rollback = step(rb, "rollback");
	cr_assert_eq(rollback->index, rb->n_steps - 1);
	cr_assert_not_null(strstr(step(rb, "attach")->caution, "rollback"));
	cr_assert_not_null(strstr(step(rb, "modify-sql-config")->caution, "rollback"));
	/* the steps that were only a title now say what to do */
	cr_assert_not_null(step(rb, "check-target")->body);
	cr_assert_not_null(step(rb, "restart-site-server")->body);
	assert_every_step_has_a_host(rb);
	runbook_free(rb);
}

Test(runbooks_content, mp_install_checklist_markers_and_signatures)
{
	struct runbook *rb = load_id("sms2003-mp-install");
	const char *order[] = {"ntfs", "dc-iis-wpg", "iis-installed", "bits-extensions", "port-80",
			       "port-80-listener", "wmi", "task-scheduler", "dtc", "sql-access-group",
			       "spn-user-account", "kerberos-tickets", "remote-registry", "install-mp",
			       "mp-components", "sql-access-status", "sql-access-prepare", "sql-access-osql",
			       "mplist"};
	for (size_t i = 1; i < sizeof order / sizeof *order; i++)
		assert_before(rb, order[i - 1], order[i]);
	assert_when(rb, "dc-iis-wpg", "is_dc", "yes");
	assert_when(rb, "sql-access-localsystem", "security_mode", "advanced");
	assert_before(rb, "install-mp", "sql-access-localsystem");
	/* the netstat/tasklist listener check only where those commands exist, and no svchost item
	 * that a healthy IIS 6 server fails */
	cr_assert(has_command(step(rb, "port-80-listener"), "Netstat -a -n -o"));
	cr_assert(has_command(step(rb, "port-80-listener"), "tasklist /svc"));
	assert_when(rb, "port-80-listener", "mp_os", "Windows Server 2003");
	cr_assert_eq(step(rb, "port-80")->n_command, 0);
	for (size_t i = 0; i < rb->n_steps; i++)
		for (size_t k = 0; k < rb->steps[i].n_checklist; k++)
			cr_assert_null(strstr(rb->steps[i].checklist[k], "svchost"), "step %s: svchost checklist item",
				       rb->steps[i].id);
	cr_assert(has_command(step(rb, "sql-access-osql"), "osql -S ${sql_server} -d ${site_db} -E"));
	cr_assert(has_checklist_item(step(rb, "remote-registry"), "Remote Registry"));
	cr_assert(has_checklist_item(step(rb, "remote-registry"), "ADMIN$"));
	cr_assert(has_checklist_item(step(rb, "mp-components"), "SMS_EXECUTIVE"));
	cr_assert(has_checklist_item(step(rb, "mp-components"), "CCM Server Framework"));
	cr_assert(has_checklist_item(step(rb, "mp-components"), "SMS-MP"));

	const struct rb_step *s = step(rb, "install-mp");
	cr_assert_not_null(strstr(s->body, "every 60"));
	cr_assert_not_null(strstr(s->body, "ERROR: NAL failed"));
	const struct rb_verify *sc = verify_on(s, "sitecomp");
	cr_assert_eq(sc->n_expect, 3);
	cr_assert_str_eq(sc->expect[0].text, "executed successfully on server ${mp_server}");
	cr_assert_str_eq(sc->expect[1].text, "Bootstrap operations completed");
	cr_assert_str_eq(sc->expect[2].text, "Installation successful");
	const struct rb_verify *ms = verify_on(s, "mpsetup");
	cr_assert_str_eq(ms->expect[0].text, "MP.MSI exited with return code: 0");
	cr_assert_str_eq(ms->expect[1].text, "Installation was successful");
	cr_assert_gt(ms->timeout_s, 0);
	const struct rb_verify *mc = verify_on(s, "mpcontrol");
	cr_assert(expects(mc, "Http verification .sms_aut succeeded with status code 200"));
	cr_assert_gt(mc->timeout_s, 0);
	assert_fail_sig(s, "mpsetup", "MP.MSI exited with return code: 1603");
	assert_fail_sig(s, "mpsetup", "MP.MSI exited with return code: 1618");
	assert_fail_sig(s, "mpsetup", "Fatal MSI Error - MP.MSI could not be installed.");
	assert_fail_sig(s, "mpsetup", "IIS Service is not installed");
	assert_fail_sig(s, "mpsetup", "80041315");
	assert_fail_sig(s, "mpsetup", "80020009");
	assert_fail_sig(s, "mpmsi", "80041315");
	/* the document shows 80020009 in MPSetup.log only ("the MPSetup.log might contain") */
	assert_fail_sig(s, "mpmsi", "Failed to grab execution mutex");
	assert_fail_sig(s, "mpmsi", "MainEngineThread is returning 1618");
	assert_fail_sig(s, "mpcontrol", "status code 401");
	assert_fail_sig(s, "mpcontrol", "12029");
	assert_fail_sig(s, "mpcontrol", "Http verification .sms_aut failed with no header received");
	assert_fail_sig(s, "sitecomp", "STATMSG: ID=4908 ");
	for (size_t i = 0; i < s->n_fail; i++)
		cr_assert_null(strstr(s->fail[i].hint ? s->fail[i].hint : "", "Then reinstall"),
			       "a hint still says to reinstall instead of waiting for the 60-minute retry");
	cr_assert_str_eq(runbook_log(rb, "mpsetup")->file, "MPSetup.log");
	cr_assert_str_eq(runbook_log(rb, "mpcontrol")->file, "MPControl.log");
	assert_every_step_has_a_host(rb);
	runbook_free(rb);
}

Test(runbooks_content, secondary_upgrade_restart_follows_the_post)
{
	struct runbook *rb = load_id("sccm2007-secondary-upgrade-restart");
	const char *order[] = {"free-disk-space", "check-status", "backup-primary", "set-status-active",
			       "restart-upgrade", "check-upgrade"};
	for (size_t i = 1; i < sizeof order / sizeof *order; i++)
		assert_before(rb, order[i - 1], order[i]);
	cr_assert_eq(rb->n_steps, sizeof order / sizeof *order);
	assert_every_step_has_a_host(rb);
	cr_assert_str_eq(step(rb, "free-disk-space")->host, "${secondary_site_server}");
	cr_assert_str_eq(step(rb, "set-status-active")->host, "${primary_sql_server}");

	/* the status values 1 to 5, as the post lists them */
	const char *body = step(rb, "check-status")->body;
	const char *values[] = {"1  SITE_STATUS_ACTIVE", "2  SITE_STATUS_PENDING", "3  SITE_STATUS_FAILED",
				"4  SITE_STATUS_DELETED", "5  SITE_STATUS_UPGRADE"};
	for (size_t i = 0; i < 5; i++) {
		const char *at = strstr(body, values[i]);
		cr_assert_not_null(at, "status value '%s' missing", values[i]);
		if (i > 0)
			cr_assert_gt(at, strstr(body, values[i - 1]), "status values out of order");
	}
	cr_assert(has_command(step(rb, "check-status"), "SELECT SiteCode, Status FROM ${primary_site_db}.dbo.Sites "
							"WHERE SiteCode = '${secondary_site_code}'"));

	/* the database change: the SQL as a command, behind a confirm, after the backup */
	const struct rb_step *set = step(rb, "set-status-active");
	cr_assert(has_command(set, "UPDATE ${primary_site_db}.dbo.Sites SET Status = 1 WHERE SiteCode = "
				   "'${secondary_site_code}' AND Status = 5"));
	cr_assert_str_eq(set->confirm, "ACTIVE");
	cr_assert_not_null(set->caution);
	cr_assert_not_null(strstr(set->body, "from 5"));
	/* the author's own warnings */
	const struct rb_step *bk = step(rb, "backup-primary");
	cr_assert_not_null(strstr(bk->caution, "not been officially tested"));
	cr_assert_not_null(strstr(bk->caution, "no guarantee"));
	cr_assert_not_null(strstr(rb->summary, "no guarantee"));
	/* started again from the console; the manual fallback of the post */
	cr_assert_not_null(strstr(step(rb, "restart-upgrade")->body, "Console"));
	cr_assert_not_null(strstr(step(rb, "check-upgrade")->body, "source files"));
	/* no log line in the post: nothing watched, nothing invented */
	cr_assert_eq(rb->n_logs, 0);
	for (size_t i = 0; i < rb->n_sources; i++)
		cr_assert_null(strstr(rb->sources[i], ".txt"), "source names a file of the collection");
	for (size_t i = 0; i < rb->n_steps; i++)
		for (size_t k = 0; k < rb->steps[i].n_references; k++)
			cr_assert_null(strstr(rb->steps[i].references[k], ".txt"), "step %s cites a file name",
				       rb->steps[i].id);
	runbook_free(rb);
}

/* The format additions of this round (docs: FORMAT-ADDITIONS) as the runbook files write them.
 * Read as text so that this test states the intent independently of which loader fields exist:
 * practice notes where the sources are silent, the management point's logs in their own
 * folder, the SiteComp.log marker case-insensitive. */
static char *step_block(const char *text, const char *id)
{
	char *key = xasprintf("\n      - id: %s\n", id);
	const char *at = strstr(text, key);
	cr_assert_not_null(at, "no step %s in the file", id);
	at += strlen(key) - 1;
	const char *end = strstr(at, "\n      - id: ");
	const char *phase = strstr(at, "\n  - id: ");
	if (!end || (phase && phase < end))
		end = phase;
	free(key);
	return end ? xstrndup(at, (size_t)(end - at)) : xstrdup(at);
}

static void assert_practice(const char *text, const char *id)
{
	char *b = step_block(text, id);
	cr_assert_not_null(strstr(b, "\n        practice:"), "step %s has no practice note", id);
	free(b);
}

Test(runbooks_content, issue11_practice_notes_and_log_placement_in_the_files)
{
	char *mp = util_read_file(RUNBOOK_DIR "/sms2003-mp-install.yaml", NULL);
	char *ntop = util_read_file(RUNBOOK_DIR "/ntop-cluster-install.yaml", NULL);
	char *db = util_read_file(RUNBOOK_DIR "/sccm2007-site-db-move.yaml", NULL);
	char *sec = util_read_file(RUNBOOK_DIR "/sccm2007-secondary-upgrade-restart.yaml", NULL);
	cr_assert(mp && ntop && db && sec);

	/* MPSetup.log, MPMSI.log and MPControl.log are read on the management point */
	cr_assert_not_null(strstr(mp, "\nlog_folders:\n  mp-logs:\n    machine: ${mp_server}\n"));
	cr_assert_not_null(strstr(mp, "\n  sitecomp: SiteComp.log\n"));
	cr_assert_not_null(strstr(mp, "\n  mpsetup: { file: MPSetup.log, folder: mp-logs }\n"));
	cr_assert_not_null(strstr(mp, "\n  mpmsi: { file: MPMSI.log, folder: mp-logs }\n"));
	cr_assert_not_null(strstr(mp, "\n  mpcontrol: { file: MPControl.log, folder: mp-logs }\n"));
	cr_assert_not_null(strstr(mp, "{ text: 'executed successfully on server ${mp_server}', case: insensitive }"));
	/* the "(general practice, not in the source)" promise is now a field */
	const char *files[] = {mp, ntop, db};
	for (size_t i = 0; i < 3; i++)
		cr_assert_null(strstr(files[i], "(general practice, not in the source)"));

	const char *mp_steps[] = {"port-80-listener", "sql-access-group", "process-tracking", "install-mp"};
	for (size_t i = 0; i < sizeof mp_steps / sizeof *mp_steps; i++)
		assert_practice(mp, mp_steps[i]);
	const char *ntop_steps[] = {"create-cluster-accounts", "www-anonymous-account", "create-iis-instance",
				    "setup-node-b", "finish-node-a", "move-target-to-a"};
	for (size_t i = 0; i < sizeof ntop_steps / sizeof *ntop_steps; i++)
		assert_practice(ntop, ntop_steps[i]);
	const char *db_steps[] = {"check-target", "note-db-location", "stop-site", "detach", "copy-files",
				  "attach", "start-services", "grant-site-server-admin", "modify-sql-config",
				  "move-provider", "restart-site-server", "susdb-stop-services",
				  "susdb-move-files", "susdb-start-services", "rollback"};
	for (size_t i = 0; i < sizeof db_steps / sizeof *db_steps; i++)
		assert_practice(db, db_steps[i]);
	const char *sec_steps[] = {"check-status", "set-status-active", "restart-upgrade", "check-upgrade"};
	for (size_t i = 0; i < sizeof sec_steps / sizeof *sec_steps; i++)
		assert_practice(sec, sec_steps[i]);
	free(mp);
	free(ntop);
	free(db);
	free(sec);
}

/* ------------------------------------------------------------------ 3. the assets */

/* Values for the variables a test session needs: a default, else the first choice, else a
 * value fitting the variable's pattern. */
static void test_values(const struct runbook *rb, struct varmap *vm)
{
	static const char *const fixed[][2] = {
		{"site_code", "ABC"},        {"site_db", "SMS_ABC"},
		{"sql_server_fqdn", "SQL1.corp.example"},
		{"primary_site_db", "SMS_PRI"}, {"secondary_site_code", "SEC"},
	};
	for (size_t i = 0; i < rb->n_variables; i++) {
		const struct rb_variable *v = &rb->variables[i];
		const char *val = v->def ? v->def : v->n_choices ? v->choices[0] : NULL;
		for (size_t k = 0; !val && k < sizeof fixed / sizeof *fixed; k++)
			if (strcmp(fixed[k][0], v->name) == 0)
				val = fixed[k][1];
		if (!val)
			val = "SERVER1";
		varmap_set(vm, v->name, val);
	}
	char **problems = NULL;
	size_t n = 0;
	bool ok = vars_complete(rb, vm, &problems, &n);
	for (size_t i = 0; i < n; i++) {
		fprintf(stderr, "%s: %s\n", rb->id, problems[i]);
		free(problems[i]);
	}
	free(problems);
	cr_assert(ok, "%s: test values do not fit the variables", rb->id);
}

struct records {
	struct log_record *v;
	size_t n, cap;
};

static void collect(void *ctx, struct log_record *rec)
{
	struct records *r = ctx;
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 32;
		r->v = xreallocarray(r->v, r->cap, sizeof *r->v);
	}
	log_record_move(&r->v[r->n++], rec);
}

static void records_free(struct records *r)
{
	for (size_t i = 0; i < r->n; i++)
		log_record_free(&r->v[i]);
	free(r->v);
}

/* The raw text, checked: CRLF line ends, ${name} only for variables of rb. */
static char *read_asset(const struct runbook *rb, const char *path)
{
	size_t len = 0;
	char *text = util_read_file(path, &len);
	cr_assert_not_null(text, "cannot read %s", path);
	cr_assert_gt(len, 2, "%s is empty", path);
	cr_assert(text[len - 2] == '\r' && text[len - 1] == '\n', "%s does not end with CRLF", path);
	for (size_t i = 0; i < len; i++)
		if (text[i] == '\n')
			cr_assert(i > 0 && text[i - 1] == '\r', "%s: bare LF at byte %zu", path, i);
	for (const char *p = strstr(text, "${"); p; p = strstr(p + 2, "${")) {
		const char *end = strchr(p, '}');
		cr_assert_not_null(end, "%s: unterminated ${", path);
		char *name = xstrndup(p + 2, (size_t)(end - p - 2));
		cr_assert_not_null(runbook_variable(rb, name), "%s: ${%s} is not a variable of %s", path, name,
				   rb->id);
		free(name);
	}
	return text;
}

/* Substitutes the test values and runs the text through the assembler, line by line. */
static struct records parse_asset(const struct runbook *rb, const struct varmap *vm, const char *path)
{
	char *raw = read_asset(rb, path);
	char *text = vars_subst(raw, vm);
	free(raw);
	cr_assert_null(strstr(text, "${"), "%s: unsubstituted token", path);
	struct records r = {0};
	struct smslog_asm *a = smslog_asm_new();
	uint64_t off = 0;
	for (char *line = text; *line;) {
		char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line + 1) : strlen(line);
		smslog_asm_feed(a, line, n, off, off + n, collect, &r);
		off += n;
		line += n;
	}
	smslog_asm_flush(a, collect, &r);
	smslog_asm_free(a);
	free(text);
	cr_assert_gt(r.n, 0, "%s: no records", path);
	/* One format per file; SMS lines carry component, time, bias and thread. */
	for (size_t i = 0; i < r.n; i++) {
		cr_assert_eq(r.v[i].format, r.v[0].format, "%s line %zu: format changes", path, i + 1);
		if (r.v[i].format == LOGFMT_SMS)
			cr_assert(r.v[i].component && r.v[i].has_time && r.v[i].has_bias && r.v[i].has_thread,
				  "%s: record %zu lacks a field", path, i + 1);
		if (r.v[i].format == LOGFMT_SETUP)
			cr_assert(r.v[i].has_time, "%s: record %zu has no time", path, i + 1);
	}
	return r;
}

/* What the matcher (match.h) makes of one file of log `log` for step s: which verify blocks
 * it completes and which failure signatures it triggers (everything inside the windows). */
struct outcome {
	bool block_done[16];
	bool fail_hit[32];
};

static struct outcome run_matcher(const struct runbook *rb, const struct rb_step *s, const struct varmap *vm,
				  const char *log, const struct records *r)
{
	cr_assert_leq(s->n_verify, 16);
	cr_assert_leq(s->n_fail, 32);
	struct match_step *m = NULL;
	struct st_error err = {0};
	cr_assert_eq(match_step_compile(rb, s->index, vm, &m, &err), ST_OK, "%s: %s", s->id, err.msg);
	cr_assert_eq(match_block_count(m), s->n_verify);
	cr_assert_eq(match_fail_count(m), s->n_fail);
	const struct rb_log *l = runbook_log(rb, log);
	cr_assert_not_null(l);
	size_t li = (size_t)(l - rb->logs);
	struct outcome o = {0};
	struct match_hit hits[64];
	for (size_t i = 0; i < r->n; i++) {
		size_t n = match_feed(m, li, r->v[i].text, NULL, true, hits, 64);
		for (size_t k = 0; k < n; k++)
			if (hits[k].kind == MATCH_FAIL)
				o.fail_hit[hits[k].fail] = true;
	}
	for (size_t b = 0; b < s->n_verify; b++) {
		cr_assert_eq(match_block_log(m, b), s->verify[b].log_index);
		o.block_done[b] = match_progress(m, b) == s->verify[b].n_expect;
	}
	match_step_free(m);
	return o;
}

static bool file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The noise file's lines appear in the .log file, in the same order. */
static void assert_subsequence(const char *noise_path, const char *log_path)
{
	char *a = util_read_file(noise_path, NULL), *b = util_read_file(log_path, NULL);
	cr_assert(a && b);
	char *bp = b;
	for (char *save = NULL, *line = strtok_r(a, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *hit = NULL;
		for (char *p = strstr(bp, line); p && !hit; p = strstr(p + 1, line))
			if ((p == b || p[-1] == '\n') && p[strlen(line)] == '\n')
				hit = p;
		cr_assert_not_null(hit, "%s: line not in %s (in order): %s", noise_path, log_path, line);
		bp = hit + strlen(line);
	}
	free(a);
	free(b);
}

/* The .fail.log and .fail-*.log files of one log, sorted. */
static char **fail_files(const char *dir, const char *log, size_t *n)
{
	char *pat1 = xasprintf("%s/%s.fail.log", dir, log), *pat2 = xasprintf("%s/%s.fail-*.log", dir, log);
	glob_t g;
	int rc = glob(pat1, 0, NULL, &g);
	rc = glob(pat2, rc == 0 ? GLOB_APPEND : 0, NULL, &g);
	(void)rc;
	char **out = xcalloc(g.gl_pathc + 1, sizeof *out);
	for (size_t i = 0; i < g.gl_pathc; i++)
		out[i] = xstrdup(g.gl_pathv[i]);
	*n = g.gl_pathc;
	globfree(&g);
	free(pat1);
	free(pat2);
	return out;
}

/* Every log a step names (verify or fail), once each. */
static size_t step_logs(const struct rb_step *s, const char **out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n_verify + s->n_fail; i++) {
		const char *l = i < s->n_verify ? s->verify[i].log : s->fail[i - s->n_verify].log;
		bool seen = false;
		for (size_t k = 0; k < n; k++)
			seen = seen || strcmp(out[k], l) == 0;
		if (!seen && n < cap)
			out[n++] = l;
	}
	return n;
}

static bool step_verifies(const struct rb_step *s, const char *log)
{
	for (size_t i = 0; i < s->n_verify; i++)
		if (strcmp(s->verify[i].log, log) == 0)
			return true;
	return false;
}

static size_t check_step_assets(const struct runbook *rb, const struct rb_step *s, const struct varmap *vm)
{
	size_t files = 0;
	char *dir = xasprintf("%s/%s/%s", ASSET_DIR, rb->id, s->id);
	const char *logs[16];
	size_t n_logs = step_logs(s, logs, 16);
	bool *fail_seen = xcalloc(s->n_fail + 1, sizeof *fail_seen);
	for (size_t li = 0; li < n_logs; li++) {
		const char *log = logs[li];
		char *good = xasprintf("%s/%s.log", dir, log), *noise = xasprintf("%s/%s.noise.log", dir, log);
		cr_assert(file_exists(noise), "missing %s", noise);
		struct records rn = parse_asset(rb, vm, noise);
		struct outcome on = run_matcher(rb, s, vm, log, &rn);
		files++;
		for (size_t i = 0; i < s->n_verify; i++)
			cr_assert(!on.block_done[i], "%s alone satisfies %s's verify block", noise, s->id);
		for (size_t i = 0; i < s->n_fail; i++)
			cr_assert(!on.fail_hit[i], "%s triggers '%s'", noise, s->fail[i].match.text);
		records_free(&rn);

		if (step_verifies(s, log)) {
			cr_assert(file_exists(good), "missing %s", good);
			assert_subsequence(noise, good);
			struct records rg = parse_asset(rb, vm, good);
			struct outcome og = run_matcher(rb, s, vm, log, &rg);
			files++;
			for (size_t i = 0; i < s->n_verify; i++)
				if (strcmp(s->verify[i].log, log) == 0)
					cr_assert(og.block_done[i], "%s does not satisfy %s's verify block on %s", good,
						  s->id, log);
			for (size_t i = 0; i < s->n_fail; i++)
				cr_assert(!og.fail_hit[i], "%s (a success) triggers '%s'", good, s->fail[i].match.text);
			records_free(&rg);
		} else {
			cr_assert(!file_exists(good), "%s exists but %s verifies nothing on %s", good, s->id, log);
		}

		size_t n_ff = 0;
		char **ff = fail_files(dir, log, &n_ff);
		bool has_sig = false;
		for (size_t i = 0; i < s->n_fail; i++)
			has_sig = has_sig || strcmp(s->fail[i].log, log) == 0;
		if (has_sig) {
			char *deflt = xasprintf("%s/%s.fail.log", dir, log);
			cr_assert(file_exists(deflt), "missing %s (the default failure)", deflt);
			free(deflt);
		} else {
			cr_assert_eq(n_ff, 0, "%s: %s has no failure signature on %s but has .fail files", dir, s->id,
				     log);
		}
		for (size_t k = 0; k < n_ff; k++) {
			struct records rf = parse_asset(rb, vm, ff[k]);
			struct outcome of = run_matcher(rb, s, vm, log, &rf);
			files++;
			bool any = false;
			for (size_t i = 0; i < s->n_fail; i++) {
				if (of.fail_hit[i]) {
					any = true;
					fail_seen[i] = true;
				}
			}
			cr_assert(any, "%s triggers none of %s's failure signatures", ff[k], s->id);
			for (size_t i = 0; i < s->n_verify; i++)
				cr_assert(!of.block_done[i], "%s (a failure) satisfies %s", ff[k], s->id);
			records_free(&rf);
		}
		free_strv(ff, n_ff);
		free(good);
		free(noise);
	}
	for (size_t i = 0; i < s->n_fail; i++)
		cr_assert(fail_seen[i], "%s: signature '%s' on %s is triggered by no .fail*.log", s->id,
			  s->fail[i].match.text, s->fail[i].log);
	free(fail_seen);

	/* Nothing in the directory that the contract does not name. */
	DIR *d = opendir(dir);
	cr_assert_not_null(d, "missing %s", dir);
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		bool known = false;
		for (size_t li = 0; li < n_logs && !known; li++) {
			size_t ln = strlen(logs[li]);
			known = strncmp(e->d_name, logs[li], ln) == 0 && e->d_name[ln] == '.' &&
				util_has_suffix(e->d_name, ".log");
		}
		cr_assert(known, "%s/%s belongs to no log of step %s", dir, e->d_name, s->id);
	}
	closedir(d);
	free(dir);
	return files;
}

Test(runbooks_content, assets_satisfy_verify_blocks_and_trigger_signatures)
{
	size_t n = 0, files = 0, steps = 0;
	char **paths = shipped_paths(&n);
	for (size_t i = 0; i < n; i++) {
		struct runbook *rb = load_path(paths[i]);
		struct varmap vm = {0};
		test_values(rb, &vm);
		for (size_t j = 0; j < rb->n_steps; j++) {
			const struct rb_step *s = &rb->steps[j];
			if (s->n_verify + s->n_fail == 0)
				continue;
			files += check_step_assets(rb, s, &vm);
			steps++;
		}
		varmap_free(&vm);
		runbook_free(rb);
	}
	free_strv(paths, n);
	/* SP2: 4 steps x (log + noise); MP: sitecomp, mpsetup, mpmsi, mpcontrol with their failures */
	cr_assert_geq(steps, 5);
	cr_assert_geq(files, 20);
}

/* Asset directories exist only for steps that verify or fail. */
Test(runbooks_content, no_asset_directory_without_a_step)
{
	DIR *top = opendir(ASSET_DIR);
	cr_assert_not_null(top);
	for (struct dirent *e; (e = readdir(top));) {
		if (e->d_name[0] == '.' || strcmp(e->d_name, "README.md") == 0)
			continue;
		char *rbpath = xasprintf("%s/%s.yaml", RUNBOOK_DIR, e->d_name);
		cr_assert(file_exists(rbpath), "assets/%s matches no runbook", e->d_name);
		struct runbook *rb = load_path(rbpath);
		char *sub = xasprintf("%s/%s", ASSET_DIR, e->d_name);
		DIR *d = opendir(sub);
		cr_assert_not_null(d);
		for (struct dirent *s; (s = readdir(d));) {
			if (s->d_name[0] == '.')
				continue;
			const struct rb_step *st = runbook_step(rb, s->d_name);
			cr_assert_not_null(st, "assets/%s/%s matches no step", e->d_name, s->d_name);
			cr_assert_gt(st->n_verify + st->n_fail, 0, "assets/%s/%s: the step verifies nothing",
				     e->d_name, s->d_name);
		}
		closedir(d);
		free(sub);
		runbook_free(rb);
		free(rbpath);
	}
	closedir(top);
}
