/*
 * test_runbook.c — the loader on a valid runbook that uses every key: the loaded
 * struct, text and hash, lookups, and loading again from the stored text (resume).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "steward/runbook.h"
#include "steward/util.h"

#define FIXTURE(name) STEWARD_SOURCE_DIR "/tests/unit/fixtures/runbooks/" name

static struct runbook *load_ok(const char *path)
{
	struct rb_diags d = {0};
	struct runbook *rb = NULL;
	int rc = runbook_load_file(path, &rb, &d);
	if (rc != 0)
		rb_diags_print(&d, stderr);
	cr_assert_eq(rc, 0, "loading %s failed", path);
	cr_assert_eq(d.n, 0);
	cr_assert_not_null(rb);
	rb_diags_free(&d);
	return rb;
}

Test(runbook, every_key_loads_into_the_struct)
{
	struct runbook *rb = load_ok(FIXTURE("valid-all-keys.yaml"));
	cr_assert_str_eq(rb->id, "all-keys");
	cr_assert_str_eq(rb->title, "Every key for ${site_code}");
	cr_assert_str_eq(rb->version, "2006-06");
	cr_assert_str_eq(rb->summary, "A runbook that uses every key once.\n");
	cr_assert_eq(rb->n_sources, 2);
	cr_assert_str_eq(rb->sources[1], "second source");
	cr_assert_eq(rb->id_pos.line, 3);
	cr_assert_eq(rb->id_pos.col, 5);

	cr_assert_eq(rb->n_variables, 4);
	cr_assert_str_eq(rb->variables[0].name, "site_code");
	cr_assert_str_eq(rb->variables[0].prompt, "Three-character site code");
	cr_assert_str_eq(rb->variables[0].pattern, "^[A-Z0-9]{3}$");
	cr_assert_null(rb->variables[0].def);
	cr_assert_eq(rb->variables[1].n_choices, 2);
	cr_assert_str_eq(rb->variables[1].choices[1], "SP1");
	cr_assert_str_eq(rb->variables[2].def, "C:\\SMS");
	cr_assert_str_eq(rb->variables[3].def, "no");
	cr_assert_eq(rb->variables[3].pos.line, 22);

	cr_assert_eq(rb->n_logs, 3);
	cr_assert_str_eq(rb->logs[0].name, "sitecomp");
	cr_assert_str_eq(rb->logs[0].file, "sitecomp.log");
	cr_assert_str_eq(rb->logs[2].file, "/var/log/sms/mpsetup.log");

	cr_assert_eq(rb->n_phases, 2);
	cr_assert_str_eq(rb->phases[0].id, "prepare");
	cr_assert_str_eq(rb->phases[0].title, "Prepare the site");
	cr_assert_eq(rb->phases[0].first_step, 0);
	cr_assert_eq(rb->phases[0].n_steps, 2);
	cr_assert_eq(rb->phases[1].first_step, 2);
	cr_assert_eq(rb->phases[1].n_steps, 1);
	cr_assert_eq(rb->n_steps, 3);

	const struct rb_step *s = &rb->steps[0];
	cr_assert_str_eq(s->id, "disable-replication");
	cr_assert_eq(s->pos.line, 36);
	cr_assert_eq(s->index, 0);
	cr_assert_eq(s->phase_index, 0);
	cr_assert_eq(s->n_when, 1);
	cr_assert_str_eq(s->when[0].var, "sql_replication");
	cr_assert_eq(s->when[0].n_values, 1);
	cr_assert_str_eq(s->when[0].values[0], "yes", "yes is text, never a boolean");
	cr_assert_str_eq(s->host, "sql-${site_code}");
	cr_assert_str_eq(s->body, "Open Enterprise Manager on ${site_code}.\nThen stop.\n");
	cr_assert_eq(s->n_command, 1);
	cr_assert_str_eq(s->command[0], "setup.exe /testdbupgrade SMS_${site_code}");
	cr_assert_str_eq(s->caution, "Run this on a restored copy only.");
	cr_assert_eq(s->n_checklist, 2);
	cr_assert_str_eq(s->checklist[1], "Restore it on ${sms_dir}");
	cr_assert_str_eq(s->confirm, "DETACH");
	cr_assert_eq(s->wait_s, 5400);
	cr_assert_eq(s->n_references, 2);
	cr_assert_str_eq(s->references[1], "001_36b15f6b40eb3fdd.txt: Is IIS Installed?");
	cr_assert_eq(s->n_verify, 0);
	cr_assert_eq(s->n_fail, 0);

	s = &rb->steps[1];
	cr_assert_str_eq(s->id, "run-setup");
	cr_assert_null(s->host);
	cr_assert_null(s->confirm);
	cr_assert_eq(s->wait_s, -1);
	cr_assert_eq(s->n_when, 2);
	cr_assert_eq(s->when[0].n_values, 2);
	cr_assert_str_eq(s->when[0].values[1], "SP1");
	cr_assert_eq(s->n_command, 2);
	cr_assert_str_eq(s->command[1], "setup.exe /upgrade");

	s = &rb->steps[2];
	cr_assert_str_eq(s->id, "wait-for-site");
	cr_assert_eq(s->phase_index, 1);
	cr_assert_eq(s->n_verify, 2);
	const struct rb_verify *v = &s->verify[0];
	cr_assert_str_eq(v->log, "sitecomp");
	cr_assert_eq(v->log_index, 0);
	cr_assert_eq(v->n_expect, 2);
	cr_assert_not(v->expect[0].is_regex);
	cr_assert_str_eq(v->expect[0].text, "Processing site shutdown transaction");
	cr_assert(v->expect[1].is_regex);
	cr_assert_str_eq(v->expect[1].text,
			 "Waiting for changes to the \".*\\\\Sitectrl\\.box\" for ${site_code}");
	cr_assert_str_eq(v->since, "run-setup");
	cr_assert_eq(v->since_index, 1);
	cr_assert_eq(v->timeout_s, 7200);
	cr_assert_eq(s->verify[1].log_index, 1);
	cr_assert_eq(s->verify[1].since_index, -1);
	cr_assert_eq(s->verify[1].timeout_s, -1);
	cr_assert_str_eq(s->verify[1].expect[0].text, "Site ${site_code} updated");
	cr_assert_eq(s->n_fail, 2);
	cr_assert_str_eq(s->fail[0].log, "mpsetup");
	cr_assert_eq(s->fail[0].log_index, 2);
	cr_assert_not(s->fail[0].match.is_regex);
	cr_assert_str_eq(s->fail[0].match.text, "MP.MSI exited with return code: 1603");
	cr_assert_str_eq(s->fail[0].hint, "KB 886213 - check the IUSR_ accounts on ${site_code}.");
	cr_assert(s->fail[1].match.is_regex);
	cr_assert_null(s->fail[1].hint);
	cr_assert_eq(s->n_practice, 2);
	cr_assert_str_eq(s->practice[0], "Keep the session open until ${site_code} has settled.");
	cr_assert_str_eq(s->practice[1], "A second note, not from the sources.");
	cr_assert_eq(rb->steps[0].n_practice, 0);
	cr_assert_null(rb->steps[0].practice);

	cr_assert_eq(runbook_step(rb, "run-setup"), &rb->steps[1]);
	cr_assert_eq(runbook_step_index(rb, "nope"), -1);
	cr_assert_eq(runbook_variable(rb, "sms_dir"), &rb->variables[2]);
	cr_assert_eq(runbook_log(rb, "hman"), &rb->logs[1]);
	cr_assert_null(runbook_log(rb, "nope"));
	runbook_free(rb);
}

Test(runbook, keeps_text_and_hash_and_reloads_from_text)
{
	size_t len = 0;
	char *text = util_read_file(FIXTURE("valid-all-keys.yaml"), &len);
	cr_assert_not_null(text);
	struct runbook *rb = load_ok(FIXTURE("valid-all-keys.yaml"));
	cr_assert_eq(rb->text_len, len);
	cr_assert_eq(memcmp(rb->text, text, len), 0);
	char hex[65];
	util_sha256_hex(text, len, hex);
	cr_assert_str_eq(rb->sha256, hex);

	struct rb_diags d = {0};
	struct runbook *again = NULL;
	cr_assert_eq(runbook_load_text(rb->text, rb->text_len, "session 01ABC (stored runbook)", &again, &d), 0);
	cr_assert_str_eq(again->path, "session 01ABC (stored runbook)");
	cr_assert_str_eq(again->sha256, rb->sha256);
	cr_assert_eq(again->n_steps, rb->n_steps);
	runbook_free(again);
	runbook_free(rb);
	free(text);
	rb_diags_free(&d);
}

Test(runbook, peek_id_reads_the_claimed_id_of_an_invalid_runbook)
{
	const char *t = "runbook: 2\nid: broken-one\n";
	char *id = runbook_peek_id(t, strlen(t));
	cr_assert_str_eq(id, "broken-one");
	free(id);
	cr_assert_null(runbook_peek_id("[1, 2", 5));
}

Test(runbook, unreadable_file_is_minus_two_with_a_diagnostic)
{
	struct rb_diags d = {0};
	struct runbook *rb = NULL;
	cr_assert_eq(runbook_load_file("/nonexistent/x.yaml", &rb, &d), -2);
	cr_assert_null(rb);
	cr_assert_eq(d.n, 1);
	cr_assert(strstr(d.items[0].msg, "cannot read"));
	rb_diags_free(&d);
}

/* Runbooks edited on Windows: CRLF line ends and a UTF-8 byte-order mark load the same. */
Test(runbook, crlf_and_bom_load_like_lf)
{
	size_t len = 0;
	char *text = util_read_file(FIXTURE("valid-all-keys.yaml"), &len);
	struct strbuf sb = STRBUF_INIT;
	sb_puts(&sb, "\xEF\xBB\xBF");
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\n')
			sb_putc(&sb, '\r');
		sb_putc(&sb, text[i]);
	}
	struct rb_diags d = {0};
	struct runbook *rb = NULL;
	int rc = runbook_load_text(sb.data, sb.len, "crlf.yaml", &rb, &d);
	rb_diags_print(&d, stderr);
	cr_assert_eq(rc, 0);
	cr_assert_str_eq(rb->steps[0].body, "Open Enterprise Manager on ${site_code}.\nThen stop.\n");
	cr_assert_str_eq(rb->title, "Every key for ${site_code}");
	cr_assert_eq(rb->id_pos.line, 3);
	runbook_free(rb);
	rb_diags_free(&d);
	sb_free(&sb);
	free(text);
}

/* `practice:` is a string (a list of one) or a list of strings; ${vars} are checked. */
Test(runbook, practice_is_a_string_or_a_list)
{
	const char *text = "runbook: 1\nid: p\ntitle: P\nversion: '1'\n"
			   "variables: [{name: site_code, prompt: Site}]\n"
			   "phases:\n  - id: a\n    title: A\n    steps:\n"
			   "      - id: one\n        title: One\n        practice: Check ${site_code} twice.\n"
			   "      - id: two\n        title: Two\n        practice: [x, 'y ${site_code}']\n"
			   "      - id: three\n        title: Three\n        practice:\n";
	struct rb_diags d = {0};
	struct runbook *rb = NULL;
	int rc = runbook_load_text(text, strlen(text), "p.yaml", &rb, &d);
	rb_diags_print(&d, stderr);
	cr_assert_eq(rc, 0);
	cr_assert_eq(rb->steps[0].n_practice, 1);
	cr_assert_str_eq(rb->steps[0].practice[0], "Check ${site_code} twice.");
	cr_assert_eq(rb->steps[1].n_practice, 2);
	cr_assert_str_eq(rb->steps[1].practice[1], "y ${site_code}");
	cr_assert_eq(rb->steps[2].n_practice, 0, "`practice:` with nothing is absent");
	runbook_free(rb);
	rb_diags_free(&d);
}
