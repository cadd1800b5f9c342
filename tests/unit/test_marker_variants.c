/*
 * test_marker_variants.c — the shipped runbooks' markers against lines they did not
 * write themselves (issue 16, M4): the lines as the source documents quote them (the SP2
 * checklist's "Search for ..." list, typeset with curly quotes; the management point
 * walkthrough), as the project's corpus writes them (SMS's lower-case inbox folders), and
 * variants in case, quote characters, inner spacing and path case. Each raw line goes
 * through the SMS line parser and the matcher, as `watch` feeds them.
 *
 * What must match follows the format contract (docs/runbook-format.md): a plain `expect`
 * is a substring, compared byte for byte; `case: insensitive` frees the case of the ASCII
 * letters only (of the text and of the substituted ${variables}); any other character —
 * a typographic quote, a second space, a slash for a backslash — makes a different line.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "steward/match.h"
#include "steward/runbook.h"
#include "steward/smslog.h"
#include "steward/util.h"
#include "steward/vars.h"

static struct runbook *rb;
static struct varmap vm;
static struct match_step *m;

static void teardown(void)
{
	match_step_free(m);
	m = NULL;
	varmap_free(&vm);
	runbook_free(rb);
	rb = NULL;
}

/* Loads runbooks/<id>.yaml and compiles step `step` with the variables given as
 * name, value pairs (NULL-terminated). */
static void compile(const char *id, const char *step, ...)
{
	char *path = xasprintf("%s/runbooks/%s.yaml", STEWARD_SOURCE_DIR, id);
	struct rb_diags d = {0};
	int rc = runbook_load_file(path, &rb, &d);
	if (rc != 0)
		rb_diags_print(&d, stderr);
	cr_assert_eq(rc, 0, "%s", path);
	rb_diags_free(&d);
	free(path);
	memset(&vm, 0, sizeof vm);
	va_list ap;
	va_start(ap, step);
	for (const char *name; (name = va_arg(ap, const char *)) != NULL;)
		varmap_set(&vm, name, va_arg(ap, const char *));
	va_end(ap);
	long i = runbook_step_index(rb, step);
	cr_assert_geq(i, 0, "%s: no step %s", id, step);
	struct st_error err;
	cr_assert_eq(match_step_compile(rb, (size_t)i, &vm, &m, &err), ST_OK, "%s", err.msg);
}

static size_t log_of(const char *name)
{
	for (size_t l = 0; l < rb->n_logs; l++)
		if (strcmp(rb->logs[l].name, name) == 0)
			return l;
	cr_assert_fail("no log %s", name);
	return 0;
}

static size_t block_on(const char *log)
{
	for (size_t b = 0; b < match_block_count(m); b++)
		if (match_block_log(m, b) == log_of(log))
			return b;
	cr_assert_fail("no verify block on %s", log);
	return 0;
}

/* One physical line of `log`, parsed as watch parses it; the expect hits on `block`. */
static size_t feed_line(const char *log, size_t block, const char *raw)
{
	struct log_record r;
	smslog_parse(raw, strlen(raw), &r);
	struct match_hit h[8];
	size_t n = match_feed(m, log_of(log), r.text, NULL, true, h, 8), hits = 0;
	for (size_t i = 0; i < n; i++)
		hits += h[i].kind == MATCH_EXPECT && h[i].block == block;
	log_record_free(&r);
	return hits;
}

static size_t fails_on(const char *log, const char *raw)
{
	struct log_record r;
	smslog_parse(raw, strlen(raw), &r);
	struct match_hit h[8];
	size_t n = match_feed(m, log_of(log), r.text, NULL, true, h, 8), hits = 0;
	for (size_t i = 0; i < n; i++)
		hits += h[i].kind == MATCH_FAIL;
	log_record_free(&r);
	return hits;
}

#define SITECOMP(text) text "  $$<SMS_SITE_COMPONENT_MANAGER><06-14-2006 01:55:13.517+240><thread=2384 (0x950)>"
#define HMAN(text) text "  $$<SMS_HIERARCHY_MANAGER><06-14-2006 02:31:02.114+240><thread=3012 (0xBC4)>"
#define INBOX(text) text "  $$<SMS_INBOX_MANAGER><06-14-2006 02:31:05.201+240><thread=1988 (0x7C4)>"
#define MPSETUP(text) "<12-06-2004 15:20:11> " text

/* SiteComp.log, step sitecomp-completed: the first two markers keep their case. */
Test(marker_variants, sitecomp_status_words_keep_their_case_and_spacing, .fini = teardown)
{
	compile("sms2003-sp2-upgrade", "sitecomp-completed", "sms_dir", "C:\\SMS", NULL);
	size_t b = block_on("sitecomp");
	cr_assert_eq(feed_line("sitecomp", b, SITECOMP("processing site shutdown transaction...")), 0);
	cr_assert_eq(feed_line("sitecomp", b, SITECOMP("PROCESSING SITE SHUTDOWN TRANSACTION...")), 0);
	cr_assert_eq(feed_line("sitecomp", b, SITECOMP("Processing  site shutdown transaction...")), 0);
	cr_assert_eq(feed_line("sitecomp", b, SITECOMP("Processing site shutdown\ttransaction...")), 0);
	cr_assert_eq(match_progress(m, b), 0);
	cr_assert_eq(feed_line("sitecomp", b, SITECOMP("Processing site shutdown transaction...")), 1);
	cr_assert_eq(feed_line("sitecomp", b, SITECOMP("Site  shutdown complete.")), 0);
	cr_assert_eq(feed_line("sitecomp", b, SITECOMP("site shutdown complete.")), 0);
	cr_assert_eq(feed_line("sitecomp", b, SITECOMP("Site Shutdown Complete.")), 0);
	cr_assert_eq(match_progress(m, b), 1);
	/* the checklist's own words, with SMS's "~" marks and trailing dots */
	cr_assert_eq(feed_line("sitecomp", b, SITECOMP("~Site shutdown complete.~")), 1);
	cr_assert_eq(match_progress(m, b), 2);
}

/* The third marker is `case: insensitive`: the inbox path may be written in any case. */
Test(marker_variants, sitecomp_inbox_path_in_any_case, .fini = teardown)
{
	compile("sms2003-sp2-upgrade", "sitecomp-completed", "sms_dir", "C:\\SMS", NULL);
	size_t b = block_on("sitecomp");
	match_set_progress(m, b, 2);
	/* as the corpus's site writes it: lower-case inbox folders, the polling note after */
	cr_assert_eq(feed_line("sitecomp", b,
			       SITECOMP("Waiting for changes to the \"C:\\SMS\\inboxes\\sitectrl.box\" or "
					"\"C:\\SMS\\inboxes\\sitecomp.box\" directories, updates will be polled "
					"every 600 seconds...")),
		     1);
	cr_assert(match_verified(m));

	match_set_progress(m, b, 2);
	cr_assert_eq(feed_line("sitecomp", b,
			       SITECOMP("WAITING FOR CHANGES TO THE \"c:\\sms\\INBOXES\\SITECTRL.BOX\" OR "
					"\"c:\\sms\\INBOXES\\SITECOMP.BOX\" DIRECTORIES.")),
		     1);
}

/* The operator typed the folder in another case than SMS writes it. */
Test(marker_variants, sitecomp_inbox_path_typed_in_another_case, .fini = teardown)
{
	compile("sms2003-sp2-upgrade", "sitecomp-completed", "sms_dir", "c:\\sms", NULL);
	size_t b = block_on("sitecomp");
	match_set_progress(m, b, 2);
	cr_assert_eq(feed_line("sitecomp", b,
			       SITECOMP("Waiting for changes to the \"C:\\SMS\\Inboxes\\Sitectrl.box\" or "
					"\"C:\\SMS\\Inboxes\\Sitecomp.box\" directories.")),
		     1);
}

/* Any case, but nothing else: the checklist's typographic quotes (“ ”, as the document
 * prints the line), a second space, forward slashes, another folder are other lines. */
Test(marker_variants, sitecomp_inbox_line_differs_in_anything_but_case, .fini = teardown)
{
	compile("sms2003-sp2-upgrade", "sitecomp-completed", "sms_dir", "C:\\SMS", NULL);
	size_t b = block_on("sitecomp");
	match_set_progress(m, b, 2);
	const char *other[] = {
		/* the SP2 checklist's "Search for" line, quotes as typeset */
		SITECOMP("Waiting for changes to the \xE2\x80\x9C" "C:\\SMS\\Inboxes\\Sitectrl.box\xE2\x80\x9D or "
			 "\xE2\x80\x9C" "C:\\SMS\\Inboxes\\Sitecomp.box\xE2\x80\x9D directories."),
		SITECOMP("Waiting for changes to the  \"C:\\SMS\\Inboxes\\Sitectrl.box\" or "
			 "\"C:\\SMS\\Inboxes\\Sitecomp.box\" directories."),
		SITECOMP("Waiting for changes to the \"C:\\SMS\\Inboxes\\Sitectrl.box\"  or "
			 "\"C:\\SMS\\Inboxes\\Sitecomp.box\" directories."),
		SITECOMP("Waiting for changes to the \"C:/SMS/Inboxes/Sitectrl.box\" or "
			 "\"C:/SMS/Inboxes/Sitecomp.box\" directories."),
		SITECOMP("Waiting for changes to the \"D:\\SMS\\Inboxes\\Sitectrl.box\" or "
			 "\"D:\\SMS\\Inboxes\\Sitecomp.box\" directories."),
		SITECOMP("Waiting for changes to the 'C:\\SMS\\Inboxes\\Sitectrl.box' or "
			 "'C:\\SMS\\Inboxes\\Sitecomp.box' directories."),
	};
	for (size_t i = 0; i < sizeof other / sizeof *other; i++)
		cr_assert_eq(feed_line("sitecomp", b, other[i]), 0, "matched: %s", other[i]);
	cr_assert_eq(match_progress(m, b), 2);
	cr_assert_not(match_verified(m));
}

/* Hman.log: a regex, case-sensitive; any number of seconds (KB 887603's -5). */
Test(marker_variants, hman_wait_line_variants, .fini = teardown)
{
	compile("sms2003-sp2-upgrade", "hman-completed", NULL);
	size_t b = block_on("hman");
	cr_assert_eq(feed_line("hman", b, HMAN("~wait for site control changes for maximum 3600 seconds...~")), 0);
	cr_assert_eq(feed_line("hman", b, HMAN("~Wait for site control changes for maximum  3600 seconds...~")), 0);
	cr_assert_eq(feed_line("hman", b, HMAN("~Wait for site control changes for maximum 3600 second...~")), 0);
	cr_assert_eq(feed_line("hman", b, HMAN("~Wait for site control changes for maximum -5 seconds...~")), 1);
	match_set_progress(m, b, 0);
	cr_assert_eq(feed_line("hman", b, HMAN("Wait for site control changes for maximum 3600 seconds.")), 1);
}

/* Inboxmgr.log: plain text, case and spacing as the checklist writes it. */
Test(marker_variants, inboxmgr_wait_line_variants, .fini = teardown)
{
	compile("sms2003-sp2-upgrade", "inboxmgr-completed", NULL);
	size_t b = block_on("inboxmgr");
	const char *other[] = {
		INBOX("Waiting for changes inbox definition, inbox rules and inbox replication files, max wait=3600 seconds..."),
		INBOX("Waiting for changes inbox definition, inbox rules and inbox replication files, Max Wait = 3600 seconds..."),
		INBOX("Waiting for changes inbox definition,inbox rules and inbox replication files, max wait = 3600 seconds..."),
		INBOX("Waiting for changes inbox definition, inbox rules and inbox replication files, max wait = 600 seconds..."),
	};
	for (size_t i = 0; i < sizeof other / sizeof *other; i++)
		cr_assert_eq(feed_line("inboxmgr", b, other[i]), 0, "matched: %s", other[i]);
	cr_assert_eq(feed_line("inboxmgr", b,
			       INBOX("Waiting for changes inbox definition, inbox rules and inbox replication files, "
				     "max wait = 3600 seconds...")),
		     1);
}

/* The walkthrough's bootstrap line names the server as the site typed it; the runbook
 * matches it in any case (`case: insensitive`), the operator's value too. */
Test(marker_variants, mp_bootstrap_line_names_the_server_in_any_case, .fini = teardown)
{
	compile("sms2003-mp-install", "install-mp", "mp_server", "mgtpoint1", "site_server", "SERVER1", NULL);
	size_t b = block_on("sitecomp");
	/* seed 001's walkthrough, joined as its note asks */
	cr_assert_eq(feed_line("sitecomp", b,
			       SITECOMP("\"\\\\MGTPOINT1\\ADMIN$\\system32\\smsmsgs\\provmsgs.cmd /install "
					"/siteserver:SERVER1\" executed successfully on server MGTPOINT1.")),
		     1);
	match_set_progress(m, b, 0);
	cr_assert_eq(feed_line("sitecomp", b, SITECOMP("... Executed Successfully On Server Mgtpoint1.")), 1);
	match_set_progress(m, b, 0);
	cr_assert_eq(feed_line("sitecomp", b, SITECOMP("... executed successfully on server MGTPOINT2.")), 0);
	cr_assert_eq(feed_line("sitecomp", b, SITECOMP("... executed  successfully on server MGTPOINT1.")), 0);
	/* the next marker keeps its case */
	match_set_progress(m, b, 1);
	cr_assert_eq(feed_line("sitecomp", b, SITECOMP("bootstrap operations completed.")), 0);
	cr_assert_eq(feed_line("sitecomp", b, SITECOMP("Bootstrap operations completed.")), 1);
}

/* A failure signature, plain and case-sensitive: the return code as MPSetup.log writes it. */
Test(marker_variants, mp_return_code_signature_variants, .fini = teardown)
{
	compile("sms2003-mp-install", "install-mp", "mp_server", "MGTPOINT1", NULL);
	cr_assert_eq(fails_on("mpsetup", MPSETUP("mp.msi exited with return code: 1603")), 0);
	cr_assert_eq(fails_on("mpsetup", MPSETUP("MP.MSI exited with return code:1603")), 0);
	cr_assert_eq(fails_on("mpsetup", MPSETUP("MP.MSI exited with return code: 1603")), 1);
}

/* ---- every marker against the source documents' own words (L20) ----------------------
 * test_runbooks_content.c section 2 pins the runbooks' markers against a second copy typed
 * by the runbooks' author (a change detector). Here the oracle is the source documents:
 * each row is the line a document quotes, verbatim (lines the document splits "for
 * readability" joined by one space, as its notes ask), with the document's own example
 * values for the variables. The only change made to a quote is the one the runbook
 * declares: the SP2 checklist's typographic quotes are SMS's straight ones (the step's
 * practice note). Every expect entry of these steps must have a row, and the quote must
 * satisfy it through the matcher. */
struct quote {
	const char *runbook, *step, *log;
	size_t expect;      /* the entry of the block on `log` */
	const char *source; /* where the document says it */
	const char *text;   /* verbatim */
};

#define SP2 "sms2003-sp2-upgrade"
#define MPI "sms2003-mp-install"
#define KB_SP2 "SP2 Upgrade Checklist, Determining That SMS Setup Has Completed"
#define MP_WALK "Installing Management Points, Management Point Installation Walkthrough"
static const struct quote quotes[] = {
	{SP2, "smssetup-completed", "smssetup", 0, KB_SP2,
	 "You can check the C:\\SMSSetup log for the SMS Setup completed successfully entry."},
	{SP2, "sitecomp-completed", "sitecomp", 0, KB_SP2, "Search for Processing site shutdown transaction."},
	{SP2, "sitecomp-completed", "sitecomp", 1, KB_SP2, "Search for Site shutdown complete."},
	{SP2, "sitecomp-completed", "sitecomp", 2, KB_SP2,
	 "Search for Waiting for changes to the \xE2\x80\x9C" "C:\\SMS\\Inboxes\\Sitectrl.box\xE2\x80\x9D or "
	 "\xE2\x80\x9C" "C:\\SMS\\Inboxes\\Sitecomp.box\xE2\x80\x9D directories."},
	{SP2, "hman-completed", "hman", 0, KB_SP2, "Search for Wait for site control changes for maximum 3600 seconds."},
	{SP2, "inboxmgr-completed", "inboxmgr", 0, KB_SP2,
	 "Search for Waiting for changes inbox definition, inbox rules and inbox replication files, max wait = 3600 "
	 "seconds."},
	{MPI, "install-mp", "sitecomp", 0, MP_WALK " (step 12)",
	 "\"\\\\MGTPOINT1\\ADMIN$\\system32\\smsmsgs\\provmsgs.cmd /install /siteserver:SERVER1\" executed "
	 "successfully on server MGTPOINT1."},
	{MPI, "install-mp", "sitecomp", 1, MP_WALK, "Bootstrap operations completed."},
	{MPI, "install-mp", "sitecomp", 2, MP_WALK, "Installation successful."},
	{MPI, "install-mp", "mpsetup", 0, MP_WALK " (step 15)", "<12-06-2004 15:43:41> MP.MSI exited with return code: 0"},
	{MPI, "install-mp", "mpsetup", 1, MP_WALK " (step 15)", "<12-06-2004 15:43:41>Installation was successful."},
	{MPI, "install-mp", "mpcontrol", 0, "Installing Management Points, MPcontrol.log when the MP works",
	 "Http verification .sms_aut succeeded with status code 200, OK SMS_MP_CONTROL_MANAGER"},
};

/* The quote as the site's log writes it: typographic double quotes become straight. */
static char *as_logged(const char *q)
{
	char *out = xstrdup(q), *w = out;
	for (const char *p = q; *p;) {
		if (strncmp(p, "\xE2\x80\x9C", 3) == 0 || strncmp(p, "\xE2\x80\x9D", 3) == 0) {
			*w++ = '"';
			p += 3;
		} else {
			*w++ = *p++;
		}
	}
	*w = 0;
	return out;
}

Test(marker_variants, every_marker_matches_the_source_documents_quote, .fini = teardown)
{
	const struct {
		const char *runbook, *step;
	} steps[] = {{SP2, "smssetup-completed"}, {SP2, "sitecomp-completed"}, {SP2, "hman-completed"},
		     {SP2, "inboxmgr-completed"}, {MPI, "install-mp"}};
	size_t used = 0;
	for (size_t k = 0; k < sizeof steps / sizeof *steps; k++) {
		/* the documents' own example values */
		compile(steps[k].runbook, steps[k].step, "sms_dir", "C:\\SMS", "mp_server", "MGTPOINT1", "site_server",
			"SERVER1", NULL);
		for (size_t b = 0; b < match_block_count(m); b++) {
			const char *log = rb->logs[match_block_log(m, b)].name;
			const struct rb_step *st = &rb->steps[runbook_step_index(rb, steps[k].step)];
			for (size_t e = 0; e < st->verify[b].n_expect; e++) {
				const struct quote *q = NULL;
				for (size_t i = 0; i < sizeof quotes / sizeof *quotes; i++)
					if (strcmp(quotes[i].runbook, steps[k].runbook) == 0 &&
					    strcmp(quotes[i].step, steps[k].step) == 0 && strcmp(quotes[i].log, log) == 0 &&
					    quotes[i].expect == e)
						q = &quotes[i];
				cr_assert_not_null(q, "%s, step %s, log %s: marker %zu ('%s') has no source quote", rb->id,
						   steps[k].step, log, e + 1, match_expect_text(m, b, e));
				used++;
				char *line = as_logged(q->text);
				struct log_record r;
				smslog_parse(line, strlen(line), &r);
				match_set_progress(m, b, e);
				struct match_hit h[8];
				size_t n = match_feed(m, match_block_log(m, b), r.text, NULL, false, h, 8), hit = 0;
				for (size_t i = 0; i < n; i++)
					hit += h[i].kind == MATCH_EXPECT && h[i].block == b && h[i].expect == e;
				cr_assert_eq(hit, 1, "%s, step %s: marker '%s' does not match the line %s quotes: %s", rb->id,
					     steps[k].step, match_expect_text(m, b, e), q->source, q->text);
				log_record_free(&r);
				free(line);
			}
		}
		teardown();
	}
	cr_assert_eq(used, sizeof quotes / sizeof *quotes, "every quote belongs to a marker");
}
