/*
 * test_export_stream.c — the JSON export, byte for byte, for sessions with odd data:
 * control characters (C0, DEL, C1), invalid UTF-8, a note far larger than any output
 * buffer, session-level (NULL step) and step notes, every kind of event the engine
 * writes, and a tampered copy whose payloads are invalid UTF-8, not JSON, or JSON in
 * a form other than the canonical one.
 *
 * The expected documents in fixtures/export/ were written by the export as it was
 * before the events were streamed (jansson trees, one buffer); the writer must keep
 * producing them. What differs from run to run — the temporary folder, the session id,
 * this machine's name, and so every hash — is masked on both sides before comparing.
 * STEWARD_UPDATE_GOLDEN=1 rewrites the expected files (only when the format changes on
 * purpose; say so in the commit).
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sessfix.h"
#include "steward/export.h"
#include "steward/util.h"

enum { BACKUP, DISABLE_REPL, STOP_SITE, RUN_SETUP, CHECK_LOGS, TIDY };

static struct sfx f;
static struct st_error err;

static void teardown(void) { sfx_fini(&f); }

/* 100,000 bytes: ASCII, 2-, 3- and 4-byte UTF-8, DEL, C1 controls, quotes, backslashes. */
static char *huge_note(void)
{
	static const char *const parts[] = {"plain text ", "\xc3\xa9t\xc3\xa9 ", "\xe2\x82\xac ", "\xf0\x9f\x98\x80 ",
					    "\x7f", "\xc2\x9b[31m", "\"q\" ", "back\\slash ", "tab\there ",
					    "\xe2\x80\xa8 ", "/slash/ "};
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; sb.len < 100000; i++)
		sb_puts(&sb, parts[i % (sizeof parts / sizeof *parts)]);
	sb.len = 100000;
	while ((sb.data[sb.len - 1] & 0xC0) == 0x80 || (unsigned char)sb.data[sb.len - 1] >= 0xC0)
		sb.len--; /* end on a whole character */
	sb.data[sb.len] = '\0';
	return sb_take(&sb);
}

/* A session through every transition, with hostile text in every free-text field. */
static void record_odd_session(void)
{
	sfx_init(&f, "basic.yaml");
	sfx_start(&f, "yes");
	struct session *s = sfx_open(&f);
	session_set_actor(s, "op\x01\x1b[31m\x7f\xc2\x9b" "2J\xe2\x80\xa8", "host\"\\/\t");
	char *big = huge_note();
	cr_assert_eq(session_note(s, -1, "C0 \b\f\n\r\t\x01\x1f end", &err), ST_OK, "%s", err.msg);
	cr_assert_eq(session_note(s, -1, "bad UTF-8: \xff\xfe \xc3( \xed\xa0\x80 \xf4\x90\x80\x80 \xc0\xaf", &err),
		     ST_OK, "%s", err.msg);
	cr_assert_eq(session_note(s, -1, big, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(session_note(s, BACKUP, "step note </script> & <b> \xc2\x85 \xc2\x9f \x7f", &err), ST_OK);
	sfx_advance(&f, 1234);
	cr_assert_eq(session_tick(s, BACKUP, 0, true, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(session_tick(s, BACKUP, 0, false, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(session_complete(s, BACKUP, NULL, "not ticked: \x1b]0;title\x07", &err), ST_OK, "%s", err.msg);
	cr_assert_eq(session_complete(s, DISABLE_REPL, NULL, NULL, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(session_fail(s, STOP_SITE, "it failed \xc2\x80", &err), ST_OK, "%s", err.msg);
	sfx_advance(&f, 60 * 1000 + 7);
	cr_assert_eq(session_reopen(s, STOP_SITE, "retry \x0b\x0c", &err), ST_OK, "%s", err.msg);
	cr_assert_eq(session_complete(s, STOP_SITE, "STOP", NULL, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(session_skip(s, RUN_SETUP, "=cmd|' /C calc'!A0", "SKIP-WAIT", &err), ST_OK, "%s", err.msg);
	cr_assert_eq(session_record_marker(s, CHECK_LOGS, 0, 0, "/logs/site\x1b" "comp.log", 100,
					   "Processing site shutdown transaction \xc2\x9b" "1m", &err),
		     ST_OK, "%s", err.msg);
	cr_assert_eq(session_record_failure(s, CHECK_LOGS, 0, "/logs/sitecomp.log", 300, "Setup failed \x7f\x01", &err),
		     ST_OK, "%s", err.msg);
	cr_assert_eq(session_reopen(s, CHECK_LOGS, "once more", &err), ST_OK, "%s", err.msg);
	cr_assert_eq(session_record_rotation(s, 0, "sitecomp.lo_", "sitecomp\n.log", &err), ST_OK, "%s", err.msg);
	char p0[] = "/logs/sitecomp.log", p1[] = "/logs/h\xe2\x80\xa9man.log"; /* one per runbook log */
	struct log_position pos[2] = {{.path = p0, .dev = 1, .ino = 2, .offset = 3},
				      {.path = p1, .dev = 0, .ino = 0, .offset = 0}};
	cr_assert_eq(session_record_positions(s, pos, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(session_record_marker(s, CHECK_LOGS, 0, 0, "/logs/sitecomp.log", 400,
					   "Processing site shutdown transaction", &err),
		     ST_OK, "%s", err.msg);
	cr_assert_eq(session_record_marker(s, CHECK_LOGS, 0, 1, "/logs/sitecomp.log", 500, "Site shutdown complete",
					   &err),
		     ST_OK, "%s", err.msg);
	cr_assert_eq(session_record_marker(s, CHECK_LOGS, 1, 0, "/logs/hman.log", 5, "Hierarchy Manager ran for ABC",
					   &err),
		     ST_OK, "%s", err.msg);
	cr_assert_eq(session_reopen(s, CHECK_LOGS, "verified, then reopened", &err), ST_OK, "%s", err.msg);
	cr_assert_eq(session_override(s, CHECK_LOGS, "by hand \\ \"quoted\"", &err), ST_OK, "%s", err.msg);
	cr_assert_eq(session_note(s, TIDY, big, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(session_skip(s, TIDY, "done \xe2\x80\x8b", NULL, &err), ST_OK, "%s", err.msg);
	cr_assert(s->finished);
	cr_assert_eq(session_seal(s, s->seq, s->head_hash, "-----BEGIN SSH SIGNATURE-----\nAAAA\x7f\n-----END",
				  "SHA256:fake\xc2\x9b", &err),
		     ST_OK, "%s", err.msg);
	cr_assert_eq(session_note(s, -1, "after the seal", &err), ST_OK, "%s", err.msg);
	free(big);
	session_close(s);
}

static char *render_json(void)
{
	struct session *s = NULL;
	cr_assert_eq(session_open(f.st, f.id, SESSION_READ, &s, &err), ST_OK, "%s", err.msg);
	struct strbuf out = STRBUF_INIT;
	cr_assert_eq(export_session(s, EXPORT_JSON, &out, &err), ST_OK, "%s", err.msg);
	session_close(s);
	return sb_take(&out);
}

static void replace_all(struct strbuf *sb, const char *what, const char *with)
{
	struct strbuf out = STRBUF_INIT;
	size_t n = strlen(what);
	const char *p = sb_str(sb), *hit;
	while ((hit = strstr(p, what)) != NULL) {
		sb_append(&out, p, (size_t)(hit - p));
		sb_puts(&out, with);
		p = hit + n;
	}
	sb_puts(&out, p);
	sb_free(sb);
	*sb = out;
}

static bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

/* The run-dependent parts as fixed tokens. */
static char *masked(const char *doc)
{
	struct strbuf sb = STRBUF_INIT;
	sb_puts(&sb, doc);
	replace_all(&sb, f.dir, "@DIR@");
	replace_all(&sb, f.id, "@ID@");
	char host[256] = "";
	cr_assert_eq(gethostname(host, sizeof host - 1), 0);
	char *quoted = xasprintf("\"host\":\"%s\"", host);
	replace_all(&sb, quoted, "\"host\":\"@HOST@\"");
	free(quoted);
	struct strbuf out = STRBUF_INIT;
	for (size_t i = 0; i < sb.len;) {
		size_t k = i;
		while (k < sb.len && is_hex(sb.data[k]))
			k++;
		if (k - i == 64 && (i == 0 || !is_hex(sb.data[i - 1]))) {
			sb_puts(&out, "@SHA256@");
			i = k;
		} else if (k > i) {
			sb_append(&out, sb.data + i, k - i);
			i = k;
		} else {
			sb_putc(&out, sb.data[i++]);
		}
	}
	sb_free(&sb);
	return sb_take(&out);
}

static void assert_golden(const char *name, const char *doc)
{
	json_error_t je;
	json_t *root = json_loads(doc, 0, &je);
	cr_assert_not_null(root, "%s: not JSON: %s (line %d, column %d)", name, je.text, je.line, je.column);
	json_decref(root);
	char *m = masked(doc);
	char *path = xasprintf("%s/tests/unit/fixtures/export/%s", STEWARD_SOURCE_DIR, name);
	const char *update = getenv("STEWARD_UPDATE_GOLDEN");
	if (update && *update == '1') {
		FILE *fp = fopen(path, "w");
		cr_assert_not_null(fp, "cannot write %s", path);
		cr_assert_eq(fwrite(m, 1, strlen(m), fp), strlen(m));
		cr_assert_eq(fclose(fp), 0);
	}
	size_t len = 0;
	char *want = util_read_file(path, &len);
	cr_assert_not_null(want, "cannot read %s (STEWARD_UPDATE_GOLDEN=1 writes it)", path);
	size_t i = 0;
	while (m[i] && m[i] == want[i])
		i++;
	cr_assert(m[i] == '\0' && want[i] == '\0',
		  "%s differs at byte %zu:\n got: %.120s\nwant: %.120s", name, i, m + (i > 40 ? i - 40 : 0),
		  want + (i > 40 ? i - 40 : 0));
	free(want);
	free(path);
	free(m);
}

Test(export_stream, odd_session_is_the_same_document, .fini = teardown)
{
	record_odd_session();
	char *doc = render_json();
	assert_golden("odd-intact.json", doc);
	free(doc);
}

/* Payloads an attacker with write access could leave: every fallback of the writer. */
Test(export_stream, tampered_payloads_are_the_same_document, .fini = teardown)
{
	record_odd_session();
	sfx_sql(&f, "DROP TRIGGER events_no_update;"
		    "UPDATE events SET data = CAST(X'7b2274657874223a2262616420ff227d' AS TEXT) WHERE seq = 2;"
		    "UPDATE events SET data = 'not json {' WHERE seq = 3;"
		    "UPDATE events SET data = '{ \"text\" : \"spaced\" }' WHERE seq = 4;"
		    "UPDATE events SET data = '{\"text\":\"\\/ \\u0041 \\u001b \\u001B \\ud83d\\ude00\"}' WHERE seq = 5;"
		    "UPDATE events SET data = '{\"text\":\"lone \\ud800\"}' WHERE seq = 6;"
		    "UPDATE events SET data = '{\"a\":1.0,\"b\":-0,\"c\":1e3,\"d\":12345678901234567890}' WHERE seq = 7;"
		    "UPDATE events SET data = '{\"a\":1,\"a\":2}' WHERE seq = 8;"
		    "UPDATE events SET data = '[1,2,3]' WHERE seq = 9;"
		    "UPDATE events SET data = '{\"b\":1,\"a\":{\"z\":[true,false,null,\"\"],\"y\":{}}}' WHERE seq = 10;"
		    "UPDATE events SET data = '{\"text\":\"nul \\u0000 here\"}' WHERE seq = 11;"
		    "UPDATE events SET data = '{\"text\":\"x\"} ' WHERE seq = 12;"
		    "UPDATE events SET data = '' WHERE seq = 13;"
		    "UPDATE events SET data = '{\"t\":\"raw \x01 control\"}' WHERE seq = 14;"
		    "UPDATE events SET data = '{\"n\":007,\"m\":-12,\"o\":0}' WHERE seq = 15;");
	char *doc = render_json();
	assert_golden("odd-tampered.json", doc);
	free(doc);
}

struct last_event {
	struct store_event ev;
	char *op, *host, *type, *step;
};

static bool keep_last(void *ctx, const struct store_event *ev)
{
	struct last_event *l = ctx;
	free(l->op);
	free(l->host);
	free(l->type);
	free(l->step);
	l->ev = *ev;
	l->ev.op = l->op = xstrdup(ev->op);
	l->ev.host = l->host = xstrdup(ev->host);
	l->ev.type = l->type = xstrdup(ev->type);
	l->ev.step = l->step = ev->step ? xstrdup(ev->step) : NULL;
	l->ev.data = NULL;
	return true;
}

/* Whoever can write the database can also recompute the hashes: an intact chain does not
 * make a payload valid JSON, and the document must stay parseable (before, an intact
 * chain's payloads were copied unchecked and this gave invalid JSON). */
Test(export_stream, rewritten_chain_with_a_non_json_payload_still_parses, .fini = teardown)
{
	record_odd_session();
	struct last_event l = {0};
	cr_assert_eq(store_read_events(f.st, f.id, 0, keep_last, &l, &err), ST_OK, "%s", err.msg);
	l.ev.data = "}{\"not\": json";
	char h[65];
	store_event_hash(f.id, &l.ev, h);
	char *sql = xasprintf("DROP TRIGGER events_no_update;"
			      "UPDATE events SET data = '}{\"not\": json', hash = '%s' WHERE seq = %lld;"
			      "UPDATE sessions SET head_hash = '%s';",
			      h, (long long)l.ev.seq, h);
	sfx_sql(&f, sql);
	free(sql);
	char *doc = render_json();
	json_error_t je;
	json_t *root = json_loads(doc, 0, &je);
	cr_assert_not_null(root, "not JSON: %s (line %d, column %d)", je.text, je.line, je.column);
	cr_assert(json_is_true(json_object_get(json_object_get(root, "audit"), "intact")), "the rewrite is not seen");
	json_t *events = json_object_get(root, "events");
	json_t *last = json_array_get(events, json_array_size(events) - 1);
	cr_assert_str_eq(json_string_value(json_object_get(last, "data")), "}{\"not\": json");
	json_decref(root);
	free(doc);
	free(l.op);
	free(l.host);
	free(l.type);
	free(l.step);
}
