/*
 * test_export.c — the four export formats: the JSON fields CLI.md lists, CSV per
 * RFC 4180 with formula cells neutralised, Markdown escaping, a self-contained and
 * escaped HTML file with its SVG timeline, the rehearsal mark in every format, and
 * exports of a tampered session that still parse and say so.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <sqlite3.h>
#include <string.h>
#include <time.h>

#include "sessfix.h"
#include "steward/export.h"
#include "steward/util.h"

enum { BACKUP, DISABLE_REPL, STOP_SITE, RUN_SETUP, CHECK_LOGS, TIDY };

static struct sfx f;
static struct st_error err;

/* A finished rehearsal with notes, markers (one verify step) and hostile text. */
static void setup(void)
{
	sfx_init(&f, "basic.yaml");
	f.rehearsal = true;
	sfx_start(&f, NULL);
	struct session *s = sfx_open(&f);
	session_set_actor(s, "=HYPERLINK(\"http://x\")", "host1");
	cr_assert_eq(session_note(s, BACKUP, "<script>alert(1)</script> | pipe & \"quote\"\nsecond line", &err),
		     ST_OK);
	session_set_actor(s, "bob", "host1");
	cr_assert_eq(session_complete(s, BACKUP, NULL, "items checked on paper", &err), ST_OK);
	cr_assert_eq(session_complete(s, STOP_SITE, "STOP", NULL, &err), ST_OK);
	sfx_advance(&f, 31 * 60 * 1000);
	cr_assert_eq(session_complete(s, RUN_SETUP, NULL, NULL, &err), ST_OK);
	sfx_advance(&f, 60 * 1000);
	cr_assert_eq(session_record_marker(s, CHECK_LOGS, 0, 0, "/logs/sitecomp.log", 100,
					   "Processing site shutdown transaction  $$<SMS_SITE_COMPONENT_MANAGER>", &err),
		     ST_OK, "%s", err.msg);
	cr_assert_eq(session_record_marker(s, CHECK_LOGS, 0, 1, "/logs/sitecomp.log", 200, "Site shutdown complete",
					   &err),
		     ST_OK);
	cr_assert_eq(session_record_marker(s, CHECK_LOGS, 1, 0, "/logs/hman.log", 5,
					   "Hierarchy Manager <b>ran</b> for ABC", &err),
		     ST_OK);
	cr_assert_eq(session_skip(s, TIDY, "-1 reason that starts with a minus", NULL, &err), ST_OK);
	cr_assert(s->finished);
	session_close(s);
}

static void teardown(void) { sfx_fini(&f); }

TestSuite(export, .init = setup, .fini = teardown);

static char *render(enum export_format fmt)
{
	struct session *s = NULL;
	cr_assert_eq(session_open(f.st, f.id, SESSION_READ, &s, &err), ST_OK, "%s", err.msg);
	struct strbuf out = STRBUF_INIT;
	cr_assert_eq(export_session(s, fmt, &out, &err), ST_OK, "%s", err.msg);
	session_close(s);
	return sb_take(&out);
}

Test(export, format_names)
{
	enum export_format fmt;
	cr_assert(export_format_parse("html", &fmt) && fmt == EXPORT_HTML);
	cr_assert(export_format_parse("markdown", &fmt) && fmt == EXPORT_MD);
	cr_assert_not(export_format_parse("pdf", &fmt));
	cr_assert_str_eq(export_format_name(EXPORT_CSV), "csv");
}

/*
 * The chain's head computed without steward's chain code: the rows as stored (the store's
 * plain reader, either backend),
 * encoded as docs/audit-trail.md says (the time formatted here), each prev_hash
 * checked, SHA-256 over the bytes. What the export's audit head must equal.
 */
static void add_field(struct strbuf *b, const char *v)
{
	if (!v) {
		sb_puts(b, "~\n");
		return;
	}
	sb_printf(b, "%zu:%s\n", strlen(v), v);
}

struct ind_head {
	char prev[65];
	int64_t n;
};

/* One stored row, as the store hands it over (on either backend): no chain code. */
static bool ind_head_cb(void *ctx, const struct store_event *ev)
{
	struct ind_head *c = ctx;
	cr_assert_eq(ev->seq, c->n + 1);
	cr_assert_str_eq(ev->prev_hash, c->prev, "event %lld's prev_hash", (long long)ev->seq);
	time_t sec = (time_t)(ev->at_ms / 1000);
	struct tm tm;
	char at[40], date[32], seqs[24];
	cr_assert_not_null(gmtime_r(&sec, &tm));
	strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(at, sizeof at, "%s.%03dZ", date, (int)(ev->at_ms % 1000));
	snprintf(seqs, sizeof seqs, "%lld", (long long)ev->seq);
	struct strbuf b = STRBUF_INIT;
	sb_puts(&b, "steward-event/1\n");
	add_field(&b, f.id);
	add_field(&b, seqs);
	add_field(&b, at);
	add_field(&b, ev->op);
	add_field(&b, ev->host);
	add_field(&b, ev->type);
	add_field(&b, ev->step);
	add_field(&b, ev->data);
	add_field(&b, c->prev);
	util_sha256_hex(sb_str(&b), b.len, c->prev);
	sb_free(&b);
	cr_assert_str_eq(ev->hash, c->prev, "event %lld's stored hash", (long long)ev->seq);
	c->n++;
	return true;
}

static void independent_head(char head[65], int64_t *n_events)
{
	struct ind_head c = {.n = 0};
	memset(c.prev, '0', 64);
	c.prev[64] = '\0';
	cr_assert_eq(store_read_events(f.st, f.id, 0, ind_head_cb, &c, &err), ST_OK, "%s", err.msg);
	memcpy(head, c.prev, 65);
	*n_events = c.n;
}

Test(export, json_has_the_fields_cli_md_lists)
{
	char *text = render(EXPORT_JSON);
	json_error_t je;
	json_t *root = json_loads(text, 0, &je);
	cr_assert_not_null(root, "invalid JSON: %s (line %d)", je.text, je.line);
	json_t *ses = json_object_get(root, "session");
	cr_assert_str_eq(json_string_value(json_object_get(ses, "id")), f.id);
	cr_assert_str_eq(json_string_value(json_object_get(ses, "label")), "test run");
	cr_assert_str_eq(json_string_value(json_object_get(ses, "operator")), "alice");
	cr_assert_not_null(json_string_value(json_object_get(ses, "host")));
	cr_assert_str_eq(json_string_value(json_object_get(ses, "status")), "finished");
	cr_assert(json_is_true(json_object_get(ses, "rehearsal")));
	int64_t ms;
	cr_assert(util_parse_utc_ms(json_string_value(json_object_get(ses, "started_at")), &ms));
	cr_assert_eq(ms, SFX_T0);
	cr_assert(util_parse_utc_ms(json_string_value(json_object_get(ses, "finished_at")), &ms));
	json_t *rb = json_object_get(ses, "runbook");
	cr_assert_str_eq(json_string_value(json_object_get(rb, "id")), "session-fixture");
	cr_assert_str_eq(json_string_value(json_object_get(rb, "title")), "Session engine fixture");
	cr_assert_str_eq(json_string_value(json_object_get(rb, "version")), "1");
	cr_assert_str_eq(json_string_value(json_object_get(rb, "sha256")), f.rb->sha256);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(ses, "variables"), "site_code")), "ABC");

	json_t *steps = json_object_get(root, "steps");
	cr_assert_eq(json_array_size(steps), 6);
	json_t *b = json_array_get(steps, BACKUP);
	cr_assert_str_eq(json_string_value(json_object_get(b, "phase")), "prepare");
	cr_assert_str_eq(json_string_value(json_object_get(b, "id")), "backup");
	cr_assert_str_eq(json_string_value(json_object_get(b, "title")), "Back up the site ABC");
	cr_assert_str_eq(json_string_value(json_object_get(b, "status")), "done");
	cr_assert_str_eq(json_string_value(json_object_get(b, "completed_by")), "operator");
	cr_assert_str_eq(json_string_value(json_object_get(b, "operator")), "bob");
	cr_assert_not_null(json_string_value(json_object_get(b, "started_at")));
	cr_assert_not_null(json_string_value(json_object_get(b, "completed_at")));
	json_t *note = json_array_get(json_object_get(b, "notes"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(note, "text")),
			 "<script>alert(1)</script> | pipe & \"quote\"\nsecond line");
	cr_assert_not_null(json_string_value(json_object_get(note, "at")));
	cr_assert_str_eq(json_string_value(json_object_get(note, "operator")), "=HYPERLINK(\"http://x\")");
	json_t *na = json_array_get(steps, DISABLE_REPL);
	cr_assert_str_eq(json_string_value(json_object_get(na, "status")), "not-applicable");
	cr_assert(json_is_null(json_object_get(na, "completed_by")));

	json_t *cl = json_array_get(steps, CHECK_LOGS);
	cr_assert_str_eq(json_string_value(json_object_get(cl, "completed_by")), "markers");
	json_t *ver = json_object_get(cl, "verification");
	cr_assert_eq(json_array_size(ver), 3);
	json_t *v0 = json_array_get(ver, 0);
	cr_assert_str_eq(json_string_value(json_object_get(v0, "log")), "sitecomp");
	cr_assert_str_eq(json_string_value(json_object_get(v0, "expect")), "Processing site shutdown transaction");
	cr_assert_str_eq(json_string_value(json_object_get(v0, "matched_line")),
			 "Processing site shutdown transaction  $$<SMS_SITE_COMPONENT_MANAGER>");
	cr_assert_str_eq(json_string_value(json_object_get(v0, "file")), "/logs/sitecomp.log");
	cr_assert_not_null(json_string_value(json_object_get(v0, "matched_at")));
	json_t *v2 = json_array_get(ver, 2);
	cr_assert_str_eq(json_string_value(json_object_get(v2, "expect")), "Hierarchy Manager .* ABC", "substituted");

	json_t *events = json_object_get(root, "events");
	cr_assert_gt(json_array_size(events), 10);
	json_t *e1 = json_array_get(events, 0);
	cr_assert_eq(json_integer_value(json_object_get(e1, "seq")), 1);
	cr_assert_str_eq(json_string_value(json_object_get(e1, "type")), "session_started");
	cr_assert(json_is_null(json_object_get(e1, "step")));
	cr_assert(json_is_object(json_object_get(e1, "data")));
	cr_assert_eq(strlen(json_string_value(json_object_get(e1, "prev_hash"))), 64);
	cr_assert_eq(strlen(json_string_value(json_object_get(e1, "hash"))), 64);
	cr_assert_not_null(json_string_value(json_object_get(e1, "operator")));
	cr_assert_not_null(json_string_value(json_object_get(e1, "host")));
	cr_assert_not_null(json_string_value(json_object_get(e1, "at")));
	json_t *last = json_array_get(events, json_array_size(events) - 1);
	cr_assert_str_eq(json_string_value(json_object_get(last, "type")), "session_finished");

	json_t *audit = json_object_get(root, "audit");
	cr_assert(json_is_true(json_object_get(audit, "intact")));
	char head[65];
	int64_t n_events;
	independent_head(head, &n_events);
	cr_assert_str_eq(json_string_value(json_object_get(audit, "head")), head, "the audit head, recomputed apart");
	cr_assert_eq(json_integer_value(json_object_get(audit, "head_seq")), n_events);
	cr_assert_str_eq(json_string_value(json_object_get(last, "hash")), head);
	json_decref(root);
	free(text);
}

/* Minimal RFC 4180 reader: every cell quoted, "" inside, CRLF between records. */
static size_t csv_records(const char *p, char ***cells_out, size_t *n_cells)
{
	size_t records = 0;
	char **cells = NULL;
	size_t n = 0;
	while (*p) {
		cr_assert_eq(*p, '"', "every cell is quoted: %.20s", p);
		p++;
		struct strbuf c = STRBUF_INIT;
		for (;;) {
			cr_assert_neq(*p, '\0', "unterminated cell");
			if (*p == '"' && p[1] == '"') {
				sb_putc(&c, '"');
				p += 2;
			} else if (*p == '"') {
				p++;
				break;
			} else {
				sb_putc(&c, *p++);
			}
		}
		cells = xreallocarray(cells, n + 1, sizeof *cells);
		cells[n++] = sb_take(&c);
		if (*p == ',') {
			p++;
		} else {
			cr_assert(p[0] == '\r' && p[1] == '\n', "records end in CRLF");
			p += 2;
			records++;
		}
	}
	*cells_out = cells;
	*n_cells = n;
	return records;
}

Test(export, csv_is_rfc4180_one_row_per_event_and_neutralises_formulas)
{
	char *text = render(EXPORT_CSV);
	char **cells;
	size_t n;
	size_t records = csv_records(text, &cells, &n);
	struct session *s = NULL;
	cr_assert_eq(session_open(f.st, f.id, SESSION_READ, &s, &err), ST_OK);
	cr_assert_eq(records, (size_t)s->seq + 1, "a header and one row per event");
	session_close(s);
	cr_assert_eq(n % records, 0);
	size_t cols = n / records;
	cr_assert_str_eq(cells[0], "session");
	bool found_formula = false, found_minus = false;
	for (size_t r = 1; r < records; r++) {
		cr_assert_str_eq(cells[r * cols + 1], "REHEARSAL", "every row marks the rehearsal");
		for (size_t c = 0; c < cols; c++) {
			const char *cell = cells[r * cols + c];
			cr_assert(!strchr("=+-@", cell[0]) || cell[0] == '\0', "cell %zu of row %zu starts with %c", c, r,
				  cell[0]);
			if (strcmp(cell, "'=HYPERLINK(\"http://x\")") == 0)
				found_formula = true;
		}
		if (strcmp(cells[r * cols + 9], "'-1 reason that starts with a minus") == 0)
			found_minus = true;
	}
	cr_assert(found_formula, "the operator cell is kept, neutralised");
	cr_assert(found_minus, "the skip reason in the text column, neutralised");
	for (size_t i = 0; i < n; i++)
		free(cells[i]);
	free(cells);
	free(text);
}

Test(export, markdown_is_a_readable_escaped_change_record)
{
	char *text = render(EXPORT_MD);
	cr_assert(strstr(text, "# Change record: Session engine fixture"), "%s", text);
	cr_assert(strstr(text, "**REHEARSAL**"));
	cr_assert(strstr(text, "## Steps"));
	cr_assert(strstr(text, "## Notes"));
	cr_assert(strstr(text, "## Verification evidence"));
	cr_assert(strstr(text, "hash chain intact"));
	cr_assert(strstr(text, "\\<script\\>alert(1)\\</script\\> \\| pipe \\& \"quote\"\\\n  second line"),
		  "notes are escaped and keep their lines (a hard break inside the list item)");
	cr_assert_null(strstr(text, "<script>"));
	cr_assert(strstr(text, "Site shutdown complete"));
	cr_assert(strstr(text, "`Hierarchy Manager <b>ran</b> for ABC`"), "log lines are code spans (shown, not run)");
	free(text);
}

Test(export, html_is_self_contained_escaped_and_has_a_timeline)
{
	char *text = render(EXPORT_HTML);
	cr_assert(strncmp(text, "<!DOCTYPE html>", 15) == 0);
	cr_assert_null(strstr(text, "<script"), "no script, and the note's script is escaped");
	cr_assert(strstr(text, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	cr_assert(strstr(text, "Hierarchy Manager &lt;b&gt;ran&lt;/b&gt; for ABC"), "matched lines escaped");
	cr_assert_null(strstr(text, "<b>ran"));
	cr_assert_null(strstr(text, "src="));
	cr_assert_null(strstr(text, "<link"));
	cr_assert_null(strstr(text, "url("));
	cr_assert_null(strstr(text, "@import"));
	cr_assert_null(strstr(text, "href="));
	cr_assert_null(strstr(text, "=\"http"), "no attribute names a URL");
	cr_assert(strstr(text, "=HYPERLINK(&quot;http:"), "operator escaped");
	cr_assert(strstr(text, "<svg"));
	cr_assert(strstr(text, "</svg>"));
	cr_assert(strstr(text, "<rect"), "timeline bars");
	cr_assert(strstr(text, "REHEARSAL"));
	cr_assert(strstr(text, "Processing site shutdown transaction  $$&lt;SMS_SITE_COMPONENT_MANAGER&gt;"));
	cr_assert(strstr(text, "hash chain intact"));
	cr_assert(strstr(text, "</html>"));
	free(text);
}

Test(export, non_rehearsal_is_not_marked)
{
	sfx_fini(&f);
	sfx_init(&f, "basic.yaml");
	sfx_start(&f, NULL);
	char *md = render(EXPORT_MD), *html = render(EXPORT_HTML), *csv = render(EXPORT_CSV);
	cr_assert_null(strstr(md, "REHEARSAL"));
	cr_assert_null(strstr(html, "REHEARSAL"));
	cr_assert_null(strstr(csv, "REHEARSAL"));
	free(md);
	free(html);
	free(csv);
}

Test(export, tampered_session_still_exports_and_says_so)
{
	sfx_sql(&f, SFX_UNLOCKED "UPDATE events SET data = 'not json {' WHERE seq = 3;");
	char *text = render(EXPORT_JSON);
	json_error_t je;
	json_t *root = json_loads(text, 0, &je);
	cr_assert_not_null(root, "still valid JSON: %s", je.text);
	json_t *audit = json_object_get(root, "audit");
	cr_assert(json_is_false(json_object_get(audit, "intact")));
	cr_assert_eq(json_integer_value(json_object_get(audit, "first_bad_event")), 3);
	json_t *e3 = json_array_get(json_object_get(root, "events"), 2);
	cr_assert_str_eq(json_string_value(json_object_get(e3, "data")), "not json {");
	json_decref(root);
	free(text);
	char *md = render(EXPORT_MD);
	cr_assert(strstr(md, "NOT INTACT"));
	free(md);
}

Test(export, position_checkpoints_are_summarised_in_the_readable_formats)
{
	struct session *s = NULL;
	cr_assert_eq(session_open(f.st, f.id, SESSION_WRITE, &s, &err), ST_OK, "%s", err.msg);
	char p0[] = "/logs/sitecomp.log", p1[] = "/logs/hman.log";
	struct log_position pos[2] = {{.path = p0, .dev = 1, .ino = 2, .offset = 10},
				      {.path = p1, .dev = 1, .ino = 3, .offset = 20}};
	for (int i = 0; i < 3; i++) {
		pos[0].offset += 10;
		cr_assert_eq(session_record_positions(s, pos, &err), ST_OK, "%s", err.msg);
	}
	session_close(s);
	char *md = render(EXPORT_MD), *html = render(EXPORT_HTML), *json = render(EXPORT_JSON);
	cr_assert(strstr(md, "3 log-position checkpoints"), "md");
	cr_assert(strstr(html, "3 log-position checkpoints"), "html");
	cr_assert_null(strstr(md, "| positions\\_saved |"));
	size_t n = 0;
	for (const char *p = json; (p = strstr(p, "\"positions_saved\"")) != NULL; p++)
		n++;
	cr_assert_eq(n, 3, "the JSON export keeps every event");
	free(md);
	free(html);
	free(json);
}

/* Times that go back are not tampering, but the auditor is told, in every format. */
Test(export, a_clock_set_back_is_noted_for_the_auditor)
{
	char *json = render(EXPORT_JSON);
	json_t *root = json_loads(json, 0, NULL);
	cr_assert(json_is_null(json_object_get(json_object_get(root, "audit"), "clock_went_back")),
		  "never went back in the fixture");
	json_decref(root);
	free(json);

	struct session *s = NULL;
	cr_assert_eq(session_open(f.st, f.id, SESSION_WRITE, &s, &err), ST_OK, "%s", err.msg);
	sfx_advance(&f, -90 * 1000); /* the clock is set back a minute and a half */
	cr_assert_eq(session_note(s, -1, "written after the clock was set back", &err), ST_OK, "%s", err.msg);
	int64_t seq = s->seq;
	sfx_advance(&f, -1000);
	cr_assert_eq(session_note(s, -1, "and again", &err), ST_OK, "%s", err.msg);
	session_close(s);

	json = render(EXPORT_JSON);
	root = json_loads(json, 0, NULL);
	json_t *audit = json_object_get(root, "audit");
	cr_assert(json_is_true(json_object_get(audit, "intact")), "not tampering");
	json_t *back = json_object_get(audit, "clock_went_back");
	cr_assert_eq(json_integer_value(json_object_get(back, "events")), 2);
	cr_assert_eq(json_integer_value(json_object_get(back, "first_event")), seq);
	cr_assert_eq(json_integer_value(json_object_get(back, "largest_ms")), 90 * 1000);
	json_decref(root);
	free(json);
	char *md = render(EXPORT_MD), *html = render(EXPORT_HTML);
	char first[64];
	snprintf(first, sizeof first, "first at event %lld, by up to 90.0 s", (long long)seq);
	cr_assert(strstr(md, "Recorded times go back 2 times") && strstr(md, first), "md: %s", strstr(md, "Audit"));
	cr_assert(strstr(html, "Recorded times go back 2 times") && strstr(html, first), "html");
	free(md);
	free(html);
}

/* A step's `practice:` (tidy, in the fixture) is set apart under its own label in the
 * readable formats and its own key in JSON, substituted and escaped. */
Test(export, practice_notes_are_labelled_apart_and_escaped)
{
	char *md = render(EXPORT_MD);
	const char *sec = strstr(md, "## Practice (not from the sources)");
	cr_assert_not_null(sec, "%s", md);
	cr_assert_lt(strstr(md, "## Steps"), sec);
	cr_assert_gt(strstr(md, "## Notes"), sec);
	cr_assert(strstr(sec, "Step 6, Tidy up (tidy):"), "%s", sec);
	cr_assert(strstr(sec, "*Practice:* Keep the backup of ABC \\<b\\>a week\\</b\\> \\& more \\| not from the source."),
		  "%s", sec);
	free(md);

	char *html = render(EXPORT_HTML);
	const char *hs = strstr(html, "<h2>Practice (not from the sources)</h2>");
	cr_assert_not_null(hs);
	cr_assert(strstr(hs, "<div class=\"practice\"><span class=\"label\">Practice (not from the sources)</span>"));
	cr_assert(strstr(hs, "<li>Keep the backup of ABC &lt;b&gt;a week&lt;/b&gt; &amp; more | not from the source.</li>"));
	cr_assert_null(strstr(html, "<b>a week"));
	free(html);

	char *text = render(EXPORT_JSON);
	json_t *root = json_loads(text, 0, NULL);
	cr_assert_not_null(root);
	json_t *steps = json_object_get(root, "steps");
	json_t *pr = json_object_get(json_array_get(steps, TIDY), "practice");
	cr_assert_eq(json_array_size(pr), 1);
	cr_assert_str_eq(json_string_value(json_array_get(pr, 0)),
			 "Keep the backup of ABC <b>a week</b> & more | not from the source.");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(steps, TIDY), "practice_label")),
			 "Practice (not from the sources)");
	cr_assert_null(json_object_get(json_array_get(steps, BACKUP), "practice"), "only steps that have it");
	json_decref(root);
	free(text);
}

/* The story of a step that failed and was reopened, readable in md and html (issue 12). */
static char *render_story(enum export_format fmt)
{
	sfx_init(&f, "basic.yaml");
	sfx_start(&f, NULL);
	struct session *s = sfx_open(&f);
	cr_assert_eq(session_tick(s, BACKUP, 0, true, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(session_tick(s, BACKUP, 1, true, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(session_complete(s, BACKUP, NULL, NULL, &err), ST_OK, "%s", err.msg);
	sfx_advance(&f, 60 * 1000);
	cr_assert_eq(session_fail(s, STOP_SITE, "the service hung", &err), ST_OK, "%s", err.msg);
	sfx_advance(&f, 60 * 1000);
	cr_assert_eq(session_reopen(s, STOP_SITE, "killed the hung service\n- then checked\n  twice", &err), ST_OK,
		     "%s", err.msg);
	cr_assert_eq(session_complete(s, STOP_SITE, "STOP", NULL, &err), ST_OK, "%s", err.msg);
	session_close(s);
	return render(fmt);
}

Test(export_story, markdown_tells_a_failed_then_reopened_step_and_reads_like_a_log)
{
	char *text = render_story(EXPORT_MD);
	cr_assert(strstr(text, "| done (failed "), "the history is in the status column:\n%s", text);
	cr_assert(strstr(text, ", reopened "), "%s", text);
	const char *hist = strstr(text, "| done (failed ");
	cr_assert(hist && strstr(hist, ", done ") && strstr(hist, ", done ") < strchr(hist + 2, '|'), "%s", hist);
	cr_assert(strstr(text, "killed the hung service\\\n  \\- then checked\\\n    twice"),
		  "a multi-line note keeps its lines:\n%s", text);
	cr_assert_null(strstr(text, "\"dev\""), "no raw log positions in the event log");
	cr_assert(strstr(text, "log positions: sitecomp.log not there yet"), "%s", text);
	cr_assert(strstr(text, "number: 2; text: Copy the backup off the server; ticked: yes"),
		  "checklist events read as on screen: %s", text);
	free(text);
	sfx_fini(&f);
}

Test(export_story, html_tells_a_failed_then_reopened_step_and_colours_the_failed_stretch)
{
	char *text = render_story(EXPORT_HTML);
	cr_assert(strstr(text, "<span class=\"history\">failed "), "%s", text);
	cr_assert(strstr(text, "ended failed</title>"), "the stretch that ended in failure is marked");
	const char *bar = strstr(text, "ended failed</title>");
	const char *rect = bar;
	while (rect > text && strncmp(rect, "<rect", 5) != 0)
		rect--;
	cr_assert(strstr(rect, "fill=\"#c62828\"") && strstr(rect, "fill=\"#c62828\"") < bar,
		  "and coloured red although the step is done now");
	cr_assert_null(strstr(text, "&quot;dev&quot;"), "no raw log positions in the event log");
	cr_assert(strstr(text, "<span class=\"ts\">"), "times do not wrap mid-date");
	cr_assert(strstr(text, ".ts{white-space:nowrap}"));
	cr_assert(strstr(text, "killed the hung service\n- then checked"), "html keeps a note's lines");
	free(text);
	sfx_fini(&f);
}
