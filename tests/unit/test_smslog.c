/*
 * test_smslog.c — the line parser and the record assembler, on the lines the source
 * documents quote (seeds 000, 001, 002) and the variants SMS-LOGS.md gathers.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "steward/smslog.h"

static struct log_record parse(const char *s)
{
	struct log_record r;
	smslog_parse(s, strlen(s), &r);
	return r;
}

Test(smslog, sms2003_component_line)
{
	struct log_record r = parse("Processing site shutdown transaction  "
				    "$$<SMS_SITE_COMPONENT_MANAGER><06-14-2006 02:14:07.123+300><thread=2648 (0xA58)>");
	cr_assert_eq(r.format, LOGFMT_SMS);
	cr_assert_str_eq(r.text, "Processing site shutdown transaction");
	cr_assert_str_eq(r.component, "SMS_SITE_COMPONENT_MANAGER");
	cr_assert(r.has_time);
	cr_assert_str_eq(r.local_time, "2006-06-14 02:14:07.123");
	cr_assert(r.has_bias);
	cr_assert_eq(r.bias_min, 300);
	cr_assert(r.has_thread);
	cr_assert_eq(r.thread, 2648);
	cr_assert_eq(r.severity, SEV_INFO);
	log_record_free(&r);
}

/* UTC = local + bias: +300 is US Eastern standard time, -60 is CET. */
Test(smslog, bias_sign)
{
	struct log_record r = parse("x $$<C><01-15-2006 10:00:00.000+300><thread=1 (0x1)>");
	cr_assert_eq(r.utc_ms, 1137319200000LL + 5 * 3600000LL); /* 2006-01-15T15:00:00Z */
	log_record_free(&r);
	r = parse("x $$<C><01-15-2006 10:00:00.000-60><thread=1 (0x1)>");
	cr_assert_eq(r.bias_min, -60);
	cr_assert_eq(r.utc_ms, 1137319200000LL - 3600000LL); /* 09:00Z */
	log_record_free(&r);
}

Test(smslog, seed000_kb886213_mpcontrol_error)
{
	/* Quoted verbatim, with the placeholder for the date. */
	struct log_record r = parse("Http verification .sms_aut failed with status code 401, Unauthorized "
				    "$$<SMS_MP_CONTROL_MANAGER><date time year time zone><thread=2648 (0xA58)>");
	cr_assert_eq(r.format, LOGFMT_SMS);
	cr_assert_str_eq(r.text, "Http verification .sms_aut failed with status code 401, Unauthorized");
	cr_assert_str_eq(r.component, "SMS_MP_CONTROL_MANAGER");
	cr_assert_not(r.has_time);
	cr_assert_eq(r.thread, 2648);
	cr_assert_eq(r.severity, SEV_ERROR); /* "failed" */
	log_record_free(&r);
}

Test(smslog, tilde_marks_and_spacing)
{
	struct log_record r = parse("~Wait for site control changes for maximum -5 seconds...~~"
				    "$$<SMS_HIERARCHY_MANAGER><06-14-2006 02:14:08.5-60><thread=281>");
	cr_assert_str_eq(r.text, "Wait for site control changes for maximum -5 seconds...");
	cr_assert_str_eq(r.local_time, "2006-06-14 02:14:08.500");
	cr_assert_eq(r.thread, 281);
	log_record_free(&r);
	r = parse("  ~  Site shutdown complete ~ \t $$<SMS_SITE_COMPONENT_MANAGER><06-14-2006 02:14:08.1234567+0><thread=5 (0x5)>\r");
	cr_assert_str_eq(r.text, "Site shutdown complete");
	cr_assert_str_eq(r.local_time, "2006-06-14 02:14:08.123");
	cr_assert_eq(r.bias_min, 0);
	log_record_free(&r);
}

Test(smslog, message_holding_dollar_marks_and_component_with_spaces)
{
	struct log_record r = parse("Value $$<not a trailer> and <x> \"q\" \\path  "
				    "$$<SMS Provider><06-14-2006 02:14:07.123+300><thread=12 (0xC)>");
	cr_assert_eq(r.format, LOGFMT_SMS);
	cr_assert_str_eq(r.text, "Value $$<not a trailer> and <x> \"q\" \\path");
	cr_assert_str_eq(r.component, "SMS Provider");
	log_record_free(&r);
	/* a trailer followed by more text is not a trailer */
	r = parse("a $$<C><06-14-2006 02:14:07.123+300><thread=12 (0xC)> tail");
	cr_assert_eq(r.format, LOGFMT_PLAIN);
	log_record_free(&r);
}

Test(smslog, older_variants)
{
	struct log_record r = parse("Starting  $$<SMS_SITE_COMPONENT_MANAGER><Fri Mar 26 10:43:41.547 1999 "
				    "Eastern Standard Time><thread=281 (0x119)>");
	cr_assert_eq(r.format, LOGFMT_SMS2);
	cr_assert_str_eq(r.local_time, "1999-03-26 10:43:41.547");
	cr_assert_not(r.has_bias);
	cr_assert_eq(r.thread, 281);
	log_record_free(&r);
	r = parse("Despooler started~  $$<SMS_DESPOOLER><Wed May 21 17:09:02 1997~><thread=DB>");
	cr_assert_eq(r.format, LOGFMT_SMS2);
	cr_assert_str_eq(r.text, "Despooler started");
	cr_assert_str_eq(r.local_time, "1997-05-21 17:09:02");
	cr_assert_eq(r.thread, 0xDB);
	log_record_free(&r);
}

Test(smslog, statmsg_severity)
{
	struct log_record r = parse("STATMSG: ID=3306 SEV=W LEV=M SOURCE=\"SMS Server\" COMP=\"SMS_X\"  "
				    "$$<SMS_X><06-14-2006 02:14:07.123+300><thread=1 (0x1)>");
	cr_assert_eq(r.severity, SEV_WARNING);
	log_record_free(&r);
	r = parse("STATMSG: ID=500 SEV=I LEV=M failed-count=0  $$<SMS_X><06-14-2006 02:14:07.123+300><thread=1 (0x1)>");
	cr_assert_eq(r.severity, SEV_INFO);
	log_record_free(&r);
}

Test(smslog, severity_words)
{
	struct log_record r = parse("Failover to the secondary server");
	cr_assert_eq(r.severity, SEV_INFO);
	log_record_free(&r);
	r = parse("WARNING: low disk");
	cr_assert_eq(r.severity, SEV_WARNING);
	log_record_free(&r);
	r = parse("Failed to send http request /SMS_MP/.sms_aut?MPLIST. Error 12029 SMS_MP_CONTROL_MANAGER 12/2/2004 4:35:05 PM 2532 (0x09E4)");
	cr_assert_eq(r.format, LOGFMT_PLAIN);
	cr_assert_eq(r.severity, SEV_ERROR);
	log_record_free(&r);
}

Test(smslog, seed001_setup_lines)
{
	struct log_record r = parse("<12-02-2004 16:06:32>MP Setup Started.... ");
	cr_assert_eq(r.format, LOGFMT_SETUP);
	cr_assert_str_eq(r.text, "MP Setup Started....");
	cr_assert_str_eq(r.local_time, "2004-12-02 16:06:32");
	cr_assert_not(r.has_bias);
	log_record_free(&r);
	r = parse("<12-02-2004 16:54:27> [16:54:27] @@ERR:25006");
	cr_assert_str_eq(r.text, "[16:54:27] @@ERR:25006");
	log_record_free(&r);
	r = parse("<12-02-2004 16:06:32> Error - ");
	cr_assert_eq(r.severity, SEV_ERROR);
	log_record_free(&r);
	r = parse("<12-06-2004 15:43:41> MP.MSI exited with return code: 0 ");
	cr_assert_str_eq(r.text, "MP.MSI exited with return code: 0");
	log_record_free(&r);
	r = parse("<06/14/18 06:26:25> Installation was successful.");
	cr_assert_eq(r.format, LOGFMT_SETUP);
	cr_assert_str_eq(r.local_time, "2018-06-14 06:26:25");
	log_record_free(&r);
	r = parse("<13-45-2004 99:00:00> not a date");
	cr_assert_eq(r.format, LOGFMT_PLAIN);
	log_record_free(&r);
}

Test(smslog, ccm_record)
{
	struct log_record r = parse("<![LOG[Successfully sent location services HTTP request.]LOG]!><time=\"08:30:01.1234567+240\" "
				    "date=\"11-22-2026\" component=\"LocationServices\" context=\"\" type=\"3\" thread=\"3012\" file=\"lsad.cpp:1234\">");
	cr_assert_eq(r.format, LOGFMT_CCM);
	cr_assert_str_eq(r.text, "Successfully sent location services HTTP request.");
	cr_assert_str_eq(r.component, "LocationServices");
	cr_assert_str_eq(r.local_time, "2026-11-22 08:30:01.123");
	cr_assert_eq(r.bias_min, 240);
	cr_assert_eq(r.thread, 3012);
	cr_assert_eq(r.severity, SEV_ERROR); /* type decides, not the words */
	log_record_free(&r);
	r = parse("<![LOG[An error word]LOG]!><time=\"08:30:01.123\" date=\"11-22-2026\" component=\"c\" context=\"\" type=\"1\" thread=\"1\" file=\"\">");
	cr_assert_eq(r.severity, SEV_INFO);
	cr_assert_not(r.has_bias);
	log_record_free(&r);
}

Test(smslog, invalid_bytes_are_repaired_not_dropped)
{
	const char in[] = "bad \xff\x00 bytes \x93quoted\x94";
	struct log_record r;
	smslog_parse(in, sizeof in - 1, &r);
	cr_assert_str_eq(r.text, "bad \xc3\xbf\xe2\x90\x80 bytes \xe2\x80\x9cquoted\xe2\x80\x9d");
	log_record_free(&r);
}

/* ---- assembler ---- */

struct collected {
	struct log_record recs[16];
	size_t n;
};

static void collect(void *ctx, struct log_record *rec)
{
	struct collected *c = ctx;
	cr_assert_lt(c->n, 16);
	struct log_record copy = *rec;
	copy.text = strdup(rec->text);
	copy.raw = strdup(rec->raw);
	copy.component = rec->component ? strdup(rec->component) : NULL;
	c->recs[c->n++] = copy;
}

static void feed_all(struct smslog_asm *a, const char **lines, size_t n, struct collected *c)
{
	uint64_t off = 0;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(lines[i]);
		smslog_asm_feed(a, lines[i], len, off, off + len + 2, collect, c);
		off += len + 2;
	}
}

static void collected_free(struct collected *c)
{
	for (size_t i = 0; i < c->n; i++)
		log_record_free(&c->recs[i]);
}

Test(smslog_asm, multiline_sms_record_joined_to_its_trailer)
{
	const char *lines[] = {
		"first  $$<SMS_X><06-14-2006 02:14:07.123+300><thread=1 (0x1)>",
		"Execute query exec sp_GetSiteInfo",
		"  where SiteCode = 'ABC'  $$<SMS_X><06-14-2006 02:14:08.123+300><thread=1 (0x1)>",
	};
	struct smslog_asm *a = smslog_asm_new();
	struct collected c = {0};
	feed_all(a, lines, 3, &c);
	smslog_asm_flush(a, collect, &c);
	cr_assert_eq(c.n, 2);
	cr_assert_str_eq(c.recs[1].text, "Execute query exec sp_GetSiteInfo\n  where SiteCode = 'ABC'");
	cr_assert_eq(c.recs[1].line_no, 2);
	cr_assert_eq(c.recs[1].offset, strlen(lines[0]) + 2);
	cr_assert_eq(c.recs[1].end_offset, strlen(lines[0]) + strlen(lines[1]) + strlen(lines[2]) + 6);
	collected_free(&c);
	smslog_asm_free(a);
}

Test(smslog_asm, held_plain_lines_flush_one_by_one_when_idle)
{
	const char *lines[] = {
		"first  $$<SMS_X><06-14-2006 02:14:07.123+300><thread=1 (0x1)>",
		"stray one",
		"stray two",
	};
	struct smslog_asm *a = smslog_asm_new();
	struct collected c = {0};
	feed_all(a, lines, 3, &c);
	uint64_t pend;
	cr_assert(smslog_asm_pending(a, &pend));
	cr_assert_eq(pend, strlen(lines[0]) + 2);
	smslog_asm_idle(a, collect, &c);
	cr_assert_not(smslog_asm_pending(a, &pend));
	cr_assert_eq(c.n, 3);
	cr_assert_str_eq(c.recs[1].text, "stray one");
	cr_assert_str_eq(c.recs[2].text, "stray two");
	collected_free(&c);
	smslog_asm_free(a);
}

Test(smslog_asm, plain_log_is_not_held)
{
	const char *lines[] = {"MSI (c) (A0:18): Cloaking enabled.", "Counter after decrement: -1"};
	struct smslog_asm *a = smslog_asm_new();
	struct collected c = {0};
	feed_all(a, lines, 2, &c);
	cr_assert_eq(c.n, 2);
	collected_free(&c);
	smslog_asm_free(a);
}

Test(smslog_asm, ccm_record_spanning_lines)
{
	const char *lines[] = {
		"<![LOG[Policy evaluation",
		"second line]LOG]!><time=\"08:30:01.123+240\" date=\"11-22-2026\" component=\"PolicyAgent\" context=\"\" type=\"2\" thread=\"7\" file=\"p.cpp:1\">",
		"<![LOG[next]LOG]!><time=\"08:30:02.123+240\" date=\"11-22-2026\" component=\"PolicyAgent\" context=\"\" type=\"1\" thread=\"7\" file=\"p.cpp:1\">",
	};
	struct smslog_asm *a = smslog_asm_new();
	struct collected c = {0};
	feed_all(a, lines, 1, &c);
	smslog_asm_idle(a, collect, &c); /* an open CCM record stays held */
	cr_assert_eq(c.n, 0);
	feed_all(a, lines + 1, 2, &c);
	cr_assert_eq(c.n, 2);
	cr_assert_str_eq(c.recs[0].text, "Policy evaluation\nsecond line");
	cr_assert_eq(c.recs[0].severity, SEV_WARNING);
	cr_assert_str_eq(c.recs[1].text, "next");
	collected_free(&c);
	smslog_asm_free(a);
}

struct counted {
	size_t n, first_len;
	enum log_format first_format;
};

static void count(void *ctx, struct log_record *rec)
{
	struct counted *c = ctx;
	if (c->n++ == 0) {
		c->first_len = strlen(rec->raw);
		c->first_format = rec->format;
	}
}

/* The assembler's bounds (smslog.c: ASM_MAX_LINES 256 lines, ASM_MAX_BYTES 256 KiB): an
 * unclosed CCM record is held up to 256 physical lines and flushed, as one plain record,
 * when the 257th arrives — not before, not later. */
Test(smslog_asm, unclosed_ccm_record_is_bounded)
{
	struct smslog_asm *a = smslog_asm_new();
	struct counted c = {0};
	smslog_asm_feed(a, "<![LOG[never closes", 19, 0, 20, count, &c);
	for (int i = 0; i < 255; i++)
		smslog_asm_feed(a, "x", 1, 20 + 2 * (uint64_t)i, 22 + 2 * (uint64_t)i, count, &c);
	cr_assert_eq(c.n, 0, "flushed before the bound (256 lines held)");
	smslog_asm_feed(a, "x", 1, 20 + 2 * 255, 22 + 2 * 255, count, &c);
	cr_assert_geq(c.n, 1, "not flushed at the 257th line");
	cr_assert_eq(c.first_format, LOGFMT_PLAIN);
	cr_assert_eq(c.first_len, 19 + 2 * 255, "the first record holds the 256 lines: %zu bytes", c.first_len);
	smslog_asm_free(a);
}

/* The byte bound: 64 KiB lines of an unclosed CCM record; the fourth would take the held
 * text past 256 KiB, so the three held are flushed as the fourth arrives. */
Test(smslog_asm, unclosed_ccm_record_is_bounded_in_bytes)
{
	enum { LINE = 64 * 1024 };
	char *line = malloc(LINE);
	cr_assert_not_null(line);
	memset(line, 'x', LINE);
	memcpy(line, "<![LOG[", 7);
	struct smslog_asm *a = smslog_asm_new();
	struct counted c = {0};
	uint64_t off = 0;
	for (int i = 0; i < 3; i++, off += LINE + 2) {
		smslog_asm_feed(a, line, LINE, off, off + LINE + 2, count, &c);
		line[0] = 'x'; /* the next lines continue the record */
		memset(line, 'x', 7);
	}
	cr_assert_eq(c.n, 0, "flushed before 256 KiB were held");
	smslog_asm_feed(a, line, LINE, off, off + LINE + 2, count, &c);
	cr_assert_geq(c.n, 1, "more than 256 KiB held");
	cr_assert_eq(c.first_len, 3 * (size_t)LINE + 2, "%zu", c.first_len);
	smslog_asm_free(a);
	free(line);
}

/* Seed 001 prints one mpcontrol.log record over three lines "for better readability",
 * breaking inside its trailer. Fed to the assembler as printed, no line carries a whole
 * trailer, so nothing is taken for an SMS record (no component, no time): the display form
 * stays plain text. Joined as the note asks (one physical line), the assembler reads one
 * SMS record with the component and thread of the trailer. */
Test(smslog_asm, seed001_record_split_for_readability_is_plain_until_joined)
{
	const char *printed[] = {
		"Http verification .sms_aut failed with status code 401, ",
		"Unauthorized $$<SMS_MP_CONTROL_MANAGER><date",
		"time year time zone><thread=2648 (0xA58)>",
	};
	struct smslog_asm *a = smslog_asm_new();
	struct collected c = {0};
	feed_all(a, printed, 3, &c);
	smslog_asm_flush(a, collect, &c);
	cr_assert_eq(c.n, 3);
	for (size_t i = 0; i < c.n; i++) {
		cr_assert_eq(c.recs[i].format, LOGFMT_PLAIN, "line %zu", i + 1);
		cr_assert_null(c.recs[i].component);
		cr_assert_not(c.recs[i].has_time);
	}
	collected_free(&c);
	smslog_asm_free(a);

	/* joined: the three lines end to end (the first keeps its trailing space) */
	char joined[256];
	snprintf(joined, sizeof joined, "%s%s %s", printed[0], printed[1], printed[2]);
	const char *one[] = {joined};
	a = smslog_asm_new();
	memset(&c, 0, sizeof c);
	feed_all(a, one, 1, &c);
	smslog_asm_flush(a, collect, &c);
	cr_assert_eq(c.n, 1);
	cr_assert_eq(c.recs[0].format, LOGFMT_SMS);
	cr_assert_str_eq(c.recs[0].text, "Http verification .sms_aut failed with status code 401, Unauthorized");
	cr_assert_str_eq(c.recs[0].component, "SMS_MP_CONTROL_MANAGER");
	cr_assert(c.recs[0].has_thread);
	cr_assert_eq(c.recs[0].thread, 2648);
	cr_assert_not(c.recs[0].has_time); /* "date time year time zone" is a placeholder */
	collected_free(&c);
	smslog_asm_free(a);
}

Test(smslog, names)
{
	cr_assert_str_eq(log_format_name(LOGFMT_SMS2), "sms2");
	cr_assert_str_eq(log_format_name(LOGFMT_PLAIN), "plain");
	cr_assert_str_eq(log_severity_name(SEV_WARNING), "warning");
}

/* Seed 003 quotes SMSTS.log / PkgMgr.log as copied from CMTrace's display (text, then the
 * component): no trailer survives, so they are plain text judged by their words. */
Test(smslog, seed003_copied_display_lines_are_plain)
{
	struct log_record r = parse("Windows setup failed, code 3221225478 OSDSetupWindows");
	cr_assert_eq(r.format, LOGFMT_PLAIN);
	cr_assert_eq(r.severity, SEV_ERROR);
	cr_assert_null(r.component);
	log_record_free(&r);
	r = parse("Process completed with exit code 0 OSDSetupWindows");
	cr_assert_eq(r.severity, SEV_INFO);
	log_record_free(&r);
	r = parse("<Date> <Time>, Info CBS Pkgmgr: called with: \"\"X:\\windows\\Pkgmgr\\pkgmgr.exe\"");
	cr_assert_eq(r.format, LOGFMT_PLAIN);
	cr_assert_not(r.has_time);
	log_record_free(&r);
	r = parse("Unspecified error (Error: 80004005; Source: Windows) TSManager");
	cr_assert_eq(r.severity, SEV_ERROR);
	log_record_free(&r);
}
