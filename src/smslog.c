/*
 * smslog.c — parses one log record of SMS 2003 / SMS 2.0 / SMS 1.x component logs,
 * ConfigMgr (CCM) logs, setup logs and plain text; and assembles records that span
 * several physical lines. Pure: no file access, no global state.
 *
 * Invariants: every record's text and raw are valid UTF-8 without NUL (logenc.h
 * repairs anything else); text never holds the `$$<...>` trailer nor the `~` marks;
 * the assembler never holds more than ASM_MAX_BYTES / ASM_MAX_LINES.
 * Time zone: the bias is Windows' bias in minutes, UTC = local + bias (SMS-LOGS.md).
 */
#include "steward/smslog.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "steward/logenc.h"
#include "steward/util.h"

#define ASM_MAX_BYTES (256u * 1024u)
#define ASM_MAX_LINES 256u

const char *log_format_name(enum log_format f)
{
	switch (f) {
	case LOGFMT_SMS: return "sms";
	case LOGFMT_SMS2: return "sms2";
	case LOGFMT_CCM: return "ccm";
	case LOGFMT_SETUP: return "setup";
	case LOGFMT_PLAIN: break;
	}
	return "plain";
}

const char *log_severity_name(enum log_severity s)
{
	switch (s) {
	case SEV_WARNING: return "warning";
	case SEV_ERROR: return "error";
	case SEV_INFO: break;
	}
	return "info";
}

void log_record_free(struct log_record *r)
{
	if (!r)
		return;
	free(r->text);
	free(r->raw);
	free(r->component);
	r->text = r->raw = r->component = NULL;
}

void log_record_move(struct log_record *dst, struct log_record *src)
{
	*dst = *src;
	src->text = src->raw = src->component = NULL;
}

/* ---- small scanners over [p, end) ------------------------------------------------ */

/* Reads between min and max decimal digits; false when fewer than min. */
static bool read_num(const char **pp, const char *end, int min, int max, long *out)
{
	const char *p = *pp;
	long v = 0;
	int n = 0;
	while (p < end && n < max && isdigit((unsigned char)*p)) {
		v = v * 10 + (*p - '0');
		p++, n++;
	}
	if (n < min)
		return false;
	*pp = p;
	*out = v;
	return true;
}

static bool read_char(const char **pp, const char *end, char c)
{
	if (*pp < end && **pp == c) {
		(*pp)++;
		return true;
	}
	return false;
}

static bool read_either(const char **pp, const char *end, char a, char b)
{
	return read_char(pp, end, a) || read_char(pp, end, b);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(long y, long m, long d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int64_t)era * 146097 + doe - 719468;
}

struct stamp {
	long y, mo, d, h, mi, s, ms;
	bool has_ms;
	bool has_bias;
	long bias;
};

static bool stamp_valid(const struct stamp *t)
{
	return t->mo >= 1 && t->mo <= 12 && t->d >= 1 && t->d <= 31 && t->h <= 23 && t->mi <= 59 &&
	       t->s <= 60 && t->y >= 1900 && t->y <= 9999;
}

static void stamp_store(const struct stamp *t, struct log_record *r)
{
	r->has_time = true;
	if (t->has_ms)
		snprintf(r->local_time, sizeof r->local_time, "%04ld-%02ld-%02ld %02ld:%02ld:%02ld.%03ld",
			 t->y, t->mo, t->d, t->h, t->mi, t->s, t->ms);
	else
		snprintf(r->local_time, sizeof r->local_time, "%04ld-%02ld-%02ld %02ld:%02ld:%02ld", t->y,
			 t->mo, t->d, t->h, t->mi, t->s);
	r->has_bias = t->has_bias;
	r->bias_min = (int)t->bias;
	int64_t local = ((days_from_civil(t->y, t->mo, t->d) * 24 + t->h) * 60 + t->mi) * 60 + t->s;
	r->local_ms = local * 1000 + t->ms;
	if (t->has_bias)
		r->utc_ms = r->local_ms + (int64_t)t->bias * 60000;
}

/* HH:MM:SS[.f{1,7}][±BIAS] */
static bool read_clock(const char **pp, const char *end, struct stamp *t, bool want_bias)
{
	const char *p = *pp;
	if (!read_num(&p, end, 1, 2, &t->h) || !read_char(&p, end, ':') ||
	    !read_num(&p, end, 2, 2, &t->mi) || !read_char(&p, end, ':') ||
	    !read_num(&p, end, 2, 2, &t->s))
		return false;
	t->ms = 0;
	t->has_ms = false;
	if (p < end && *p == '.' && p + 1 < end && isdigit((unsigned char)p[1])) {
		p++;
		long frac = 0;
		int n = 0;
		while (p < end && isdigit((unsigned char)*p) && n < 7) {
			if (n < 3)
				frac = frac * 10 + (*p - '0');
			p++, n++;
		}
		for (int i = n; i < 3; i++)
			frac *= 10;
		t->ms = frac;
		t->has_ms = true;
	}
	t->has_bias = false;
	t->bias = 0;
	if (want_bias && p < end && (*p == '+' || *p == '-')) {
		const char *q = p + 1;
		long b;
		if (read_num(&q, end, 1, 4, &b) && b <= 1440) {
			t->has_bias = true;
			t->bias = *p == '-' ? -b : b;
			p = q;
		}
	}
	*pp = p;
	return true;
}

/* MM-DD-YYYY or MM/DD/YY[YY] */
static bool read_date(const char **pp, const char *end, struct stamp *t)
{
	const char *p = *pp;
	if (!read_num(&p, end, 1, 2, &t->mo) || !read_either(&p, end, '-', '/') ||
	    !read_num(&p, end, 1, 2, &t->d) || !read_either(&p, end, '-', '/'))
		return false;
	const char *y0 = p;
	if (!read_num(&p, end, 2, 4, &t->y))
		return false;
	if (p - y0 == 2)
		t->y += t->y < 70 ? 2000 : 1900;
	else if (p - y0 != 4)
		return false;
	*pp = p;
	return true;
}

/* SMS 2003 trailer time: MM-DD-YYYY HH:MM:SS.mmm+BIAS (whole field). */
static bool parse_sms_time(const char *p, const char *end, struct stamp *t)
{
	if (!read_date(&p, end, t) || !read_char(&p, end, ' ') || !read_clock(&p, end, t, true))
		return false;
	return p == end && stamp_valid(t);
}

static int month_index(const char *p)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	for (int i = 0; i < 12; i++)
		if (strncmp(months + 3 * i, p, 3) == 0)
			return i + 1;
	return 0;
}

/* SMS 2.0 / 1.x: "Fri Mar 26 10:43:41.547 1999 Eastern Standard Time", "Wed May 21 17:09:02 1997~" */
static bool parse_sms2_time(const char *p, const char *end, struct stamp *t)
{
	if (end - p < 20 || !isalpha((unsigned char)p[0]) || p[3] != ' ')
		return false;
	p += 4;
	t->mo = month_index(p);
	if (!t->mo || p[3] != ' ')
		return false;
	p += 4;
	while (p < end && *p == ' ')
		p++;
	if (!read_num(&p, end, 1, 2, &t->d) || !read_char(&p, end, ' ') || !read_clock(&p, end, t, false) ||
	    !read_char(&p, end, ' ') || !read_num(&p, end, 4, 4, &t->y))
		return false;
	return stamp_valid(t);
}

static bool is_hex_text(const char *p, const char *end)
{
	if (p == end)
		return false;
	for (; p < end; p++)
		if (!isxdigit((unsigned char)*p))
			return false;
	return true;
}

/* thread field: "2648 (0xA58)", "2648", or hex only ("DB", SMS 1.x). */
static bool parse_thread(const char *p, const char *end, bool hex_only, long *out)
{
	const char *sp = memchr(p, ' ', (size_t)(end - p));
	const char *num_end = sp ? sp : end;
	if (!is_hex_text(p, num_end) || num_end - p > 12)
		return false;
	bool all_digits = true;
	for (const char *q = p; q < num_end; q++)
		if (!isdigit((unsigned char)*q))
			all_digits = false;
	char buf[16];
	memcpy(buf, p, (size_t)(num_end - p));
	buf[num_end - p] = '\0';
	if (sp) { /* " (0xHEX)" must follow */
		const char *q = sp + 1;
		if (end - q < 4 || q[0] != '(' || q[1] != '0' || (q[2] != 'x' && q[2] != 'X') ||
		    end[-1] != ')' || !is_hex_text(q + 3, end - 1) || !all_digits)
			return false;
		*out = strtol(buf, NULL, 10);
		return true;
	}
	*out = strtol(buf, NULL, (hex_only || !all_digits) ? 16 : 10);
	return true;
}

/* ---- the SMS trailer ------------------------------------------------------------- */

struct trailer {
	const char *start; /* the "$$<" */
	const char *comp, *comp_end;
	const char *time, *time_end;
	const char *thr, *thr_end;
};

static bool trailer_at(const char *q, const char *end, struct trailer *tr)
{
	const char *p = q + 3;
	const char *ce = memchr(p, '>', (size_t)(end - p));
	if (!ce || ce + 1 >= end || ce[1] != '<')
		return false;
	tr->comp = p, tr->comp_end = ce;
	p = ce + 2;
	const char *te = memchr(p, '>', (size_t)(end - p));
	if (!te || (size_t)(end - te) < 9 || memcmp(te + 1, "<thread=", 8) != 0)
		return false;
	tr->time = p, tr->time_end = te;
	p = te + 9;
	const char *he = memchr(p, '>', (size_t)(end - p));
	if (!he)
		return false;
	tr->thr = p, tr->thr_end = he;
	for (p = he + 1; p < end; p++)
		if (!isspace((unsigned char)*p))
			return false;
	if (memchr(tr->comp, '<', (size_t)(tr->comp_end - tr->comp)) ||
	    memchr(tr->time, '<', (size_t)(tr->time_end - tr->time)))
		return false;
	tr->start = q;
	return true;
}

/* The last "$$<" followed by a well-formed trailer that ends the text. */
static bool find_trailer(const char *s, size_t len, struct trailer *tr)
{
	const char *end = s + len;
	const char *found = NULL;
	for (const char *p = s; (p = memmem(p, (size_t)(end - p), "$$<", 3)) != NULL; p += 3)
		found = p;
	/* Try from the last occurrence backwards (the message may hold "$$<" itself). */
	while (found) {
		if (trailer_at(found, end, tr))
			return true;
		const char *prev = NULL;
		for (const char *p = s; p < found && (p = memmem(p, (size_t)(found - p), "$$<", 3)) != NULL;
		     p += 3)
			prev = p;
		found = prev;
	}
	return false;
}

/* Strips surrounding whitespace and the `~` marks of SMS messages. */
static char *clean_sms_text(const char *p, const char *end)
{
	while (p < end && (isspace((unsigned char)*p) || *p == '~'))
		p++;
	while (end > p && (isspace((unsigned char)end[-1]) || end[-1] == '~'))
		end--;
	return xstrndup(p, (size_t)(end - p));
}

static bool parse_sms(const char *s, size_t len, struct log_record *r)
{
	struct trailer tr;
	if (!memmem(s, len, "$$<", 3) || !find_trailer(s, len, &tr))
		return false;
	r->format = LOGFMT_SMS;
	r->text = clean_sms_text(s, tr.start);
	r->component = xstrndup(tr.comp, (size_t)(tr.comp_end - tr.comp));
	struct stamp t = {0};
	bool hex_only = false;
	if (parse_sms_time(tr.time, tr.time_end, &t)) {
		stamp_store(&t, r);
	} else if (parse_sms2_time(tr.time, tr.time_end, &t)) {
		r->format = LOGFMT_SMS2;
		stamp_store(&t, r);
		hex_only = true;
	}
	long thr;
	if (parse_thread(tr.thr, tr.thr_end, hex_only, &thr)) {
		r->has_thread = true;
		r->thread = thr;
	}
	return true;
}

/* ---- CCM ------------------------------------------------------------------------- */

/* The value of attr="..." within [p, end), or false. */
static bool ccm_attr(const char *p, const char *end, const char *name, const char **v, const char **ve)
{
	size_t nl = strlen(name);
	for (const char *q = p; q + nl + 2 <= end; q++) {
		q = memmem(q, (size_t)(end - q), name, nl);
		if (!q || q + nl + 2 > end)
			return false;
		if ((q == p || q[-1] == ' ' || q[-1] == '<') && q[nl] == '=' && q[nl + 1] == '"') {
			*v = q + nl + 2;
			*ve = memchr(*v, '"', (size_t)(end - *v));
			return *ve != NULL;
		}
	}
	return false;
}

static bool parse_ccm(const char *s, size_t len, struct log_record *r, bool *typed)
{
	static const char open[] = "<![LOG[", close[] = "]LOG]!>";
	if (len < sizeof open - 1 || memcmp(s, open, sizeof open - 1) != 0)
		return false;
	const char *end = s + len;
	const char *body = s + sizeof open - 1;
	/* the last "]LOG]!>" (the message may quote the marker) */
	const char *c = NULL;
	for (const char *p = body; (p = memmem(p, (size_t)(end - p), close, sizeof close - 1)) != NULL; p++)
		c = p;
	if (!c)
		return false;
	const char *attrs = c + sizeof close - 1;
	r->format = LOGFMT_CCM;
	r->text = xstrndup(body, (size_t)(c - body));
	const char *v, *ve;
	if (ccm_attr(attrs, end, "component", &v, &ve))
		r->component = xstrndup(v, (size_t)(ve - v));
	struct stamp t = {0};
	const char *dv, *dve;
	if (ccm_attr(attrs, end, "time", &v, &ve) && ccm_attr(attrs, end, "date", &dv, &dve)) {
		const char *p = v, *q = dv;
		if (read_clock(&p, ve, &t, true) && p == ve && read_date(&q, dve, &t) && q == dve &&
		    stamp_valid(&t))
			stamp_store(&t, r);
	}
	if (ccm_attr(attrs, end, "thread", &v, &ve) && ve > v && ve - v < 12) {
		long thr;
		const char *p = v;
		if (read_num(&p, ve, 1, 11, &thr) && p == ve) {
			r->has_thread = true;
			r->thread = thr;
		}
	}
	if (ccm_attr(attrs, end, "type", &v, &ve) && ve - v == 1 && isdigit((unsigned char)*v)) {
		/* the type decides, not the words */
		r->severity = *v == '3' ? SEV_ERROR : *v == '2' ? SEV_WARNING : SEV_INFO;
		*typed = true;
	}
	return true;
}

/* ---- setup logs ------------------------------------------------------------------ */

static bool parse_setup(const char *s, size_t len, struct log_record *r)
{
	const char *p = s, *end = s + len;
	struct stamp t = {0};
	if (!read_char(&p, end, '<') || !read_date(&p, end, &t) || !read_char(&p, end, ' ') ||
	    !read_clock(&p, end, &t, false) || !read_char(&p, end, '>') || !stamp_valid(&t))
		return false;
	r->format = LOGFMT_SETUP;
	stamp_store(&t, r);
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	const char *e = end;
	while (e > p && isspace((unsigned char)e[-1]))
		e--;
	r->text = xstrndup(p, (size_t)(e - p));
	return true;
}

/* ---- severity by words (CMTrace's rule, with cmtraceopen's "fail") ---------------- */

static bool has_word_ci(const char *s, const char *w, const char *except)
{
	size_t wl = strlen(w);
	for (const char *p = s; (p = strcasestr(p, w)) != NULL; p += wl)
		if (!except || strncasecmp(p, except, strlen(except)) != 0)
			return true;
	return false;
}

static enum log_severity severity_of_text(const char *t)
{
	const char *sm = strstr(t, "STATMSG:");
	if (sm) {
		const char *sev = strstr(sm, " SEV=");
		if (sev) {
			if (sev[5] == 'E')
				return SEV_ERROR;
			if (sev[5] == 'W')
				return SEV_WARNING;
			if (sev[5] == 'I')
				return SEV_INFO;
		}
	}
	if (has_word_ci(t, "error", NULL) || has_word_ci(t, "fail", "failover"))
		return SEV_ERROR;
	if (has_word_ci(t, "warn", NULL))
		return SEV_WARNING;
	return SEV_INFO;
}

/* ---- entry point ----------------------------------------------------------------- */

void smslog_parse(const char *text, size_t len, struct log_record *out)
{
	memset(out, 0, sizeof *out);
	struct strbuf clean = STRBUF_INIT;
	if (!logenc_is_clean_utf8(text, len)) {
		logenc_append_utf8(&clean, LOGENC_UTF8, text, len);
		text = clean.data;
		len = clean.len;
	}
	/* a trailing CR (a CRLF log read with its line end) is not part of the record */
	while (len && (text[len - 1] == '\r' || text[len - 1] == '\n'))
		len--;
	out->raw = xstrndup(text, len);
	bool typed = false;
	if (parse_ccm(text, len, out, &typed)) {
		/* severity from type= when present */
	} else if (!parse_sms(text, len, out) && !parse_setup(text, len, out)) {
		out->format = LOGFMT_PLAIN;
		out->text = xstrndup(text, len);
	}
	if (!typed)
		out->severity = severity_of_text(out->text);
	sb_free(&clean);
}

/* ---- assembler ------------------------------------------------------------------- */

enum hold_mode { HOLD_NONE, HOLD_SMS, HOLD_CCM };

struct held_line {
	size_t at, len;          /* within held */
	uint64_t off, end_off, line_no;
};

struct smslog_asm {
	struct strbuf held;  /* held physical lines joined by "\n" */
	size_t held_lines;
	struct held_line *lines; /* where each held line is, to flush them one by one */
	size_t lines_cap;
	uint64_t held_off, held_end, held_line_no;
	enum hold_mode mode;
	bool seen_sms;       /* this stream has SMS trailers: hold lines without one */
	uint64_t line_no;    /* physical lines fed */
};

struct smslog_asm *smslog_asm_new(void) { return xcalloc(1, sizeof(struct smslog_asm)); }

void smslog_asm_free(struct smslog_asm *a)
{
	if (!a)
		return;
	sb_free(&a->held);
	free(a->lines);
	free(a);
}

static void emit(const char *s, size_t len, uint64_t line_no, uint64_t off, uint64_t end_off,
		 smslog_cb cb, void *ctx)
{
	struct log_record r;
	smslog_parse(s, len, &r);
	r.line_no = line_no;
	r.offset = off;
	r.end_offset = end_off;
	cb(ctx, &r);
	log_record_free(&r);
}

/* Emits the held lines: as one record (joined) or each line as a record of its own. */
static void emit_held_as(struct smslog_asm *a, bool joined, smslog_cb cb, void *ctx)
{
	if (a->mode == HOLD_NONE)
		return;
	if (joined || a->held_lines <= 1) {
		emit(a->held.data, a->held.len, a->held_line_no, a->held_off, a->held_end, cb, ctx);
	} else {
		for (size_t i = 0; i < a->held_lines; i++) {
			const struct held_line *h = &a->lines[i];
			emit(a->held.data + h->at, h->len, h->line_no, h->off, h->end_off, cb, ctx);
		}
	}
	sb_reset(&a->held);
	a->held_lines = 0;
	a->mode = HOLD_NONE;
}

/* Held lines that never met their end: each is plain text of its own (a CCM record
 * that never closed stays one record, as it began as one). */
static void emit_held(struct smslog_asm *a, smslog_cb cb, void *ctx)
{
	emit_held_as(a, a->mode == HOLD_CCM, cb, ctx);
}

static void hold(struct smslog_asm *a, enum hold_mode mode, const char *line, size_t len, uint64_t off,
		 uint64_t end_off)
{
	if (a->mode == HOLD_NONE) {
		a->mode = mode;
		a->held_off = off;
		a->held_line_no = a->line_no;
		sb_reset(&a->held);
	} else {
		sb_putc(&a->held, '\n');
	}
	if (a->held_lines == a->lines_cap) {
		a->lines_cap = a->lines_cap ? a->lines_cap * 2 : 8;
		a->lines = xreallocarray(a->lines, a->lines_cap, sizeof *a->lines);
	}
	a->lines[a->held_lines] = (struct held_line){a->held.len, len, off, end_off, a->line_no};
	sb_append(&a->held, line, len);
	a->held_lines++;
	a->held_end = end_off;
}

static bool held_too_big(const struct smslog_asm *a, size_t more)
{
	return a->held.len + more > ASM_MAX_BYTES || a->held_lines >= ASM_MAX_LINES;
}

static bool ccm_closes(const char *line, size_t len)
{
	while (len && isspace((unsigned char)line[len - 1]))
		len--;
	return len >= 2 && line[len - 2] == '"' && line[len - 1] == '>' && memmem(line, len, "]LOG]!>", 7);
}

static bool is_setup_line(const char *line, size_t len)
{
	struct log_record r;
	if (len < 2 || line[0] != '<' || !isdigit((unsigned char)line[1]))
		return false;
	memset(&r, 0, sizeof r);
	bool ok = parse_setup(line, len, &r);
	log_record_free(&r);
	return ok;
}

static bool has_trailer(const char *line, size_t len)
{
	struct trailer tr;
	return memmem(line, len, "$$<", 3) && find_trailer(line, len, &tr);
}

void smslog_asm_feed(struct smslog_asm *a, const char *line, size_t len, uint64_t offset,
		     uint64_t end_offset, smslog_cb cb, void *ctx)
{
	a->line_no++;
	while (len && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		len--;
	if (a->mode == HOLD_CCM) {
		if (held_too_big(a, len)) {
			emit_held(a, cb, ctx); /* flushed as plain text: it never closed */
		} else {
			hold(a, HOLD_CCM, line, len, offset, end_offset);
			if (ccm_closes(line, len))
				emit_held_as(a, true, cb, ctx);
			return;
		}
	}
	if (len >= 7 && memcmp(line, "<![LOG[", 7) == 0) {
		emit_held(a, cb, ctx);
		if (ccm_closes(line, len))
			emit(line, len, a->line_no, offset, end_offset, cb, ctx);
		else
			hold(a, HOLD_CCM, line, len, offset, end_offset);
		return;
	}
	if (has_trailer(line, len)) {
		a->seen_sms = true;
		if (a->mode == HOLD_SMS && !held_too_big(a, len)) {
			hold(a, HOLD_SMS, line, len, offset, end_offset);
			emit_held_as(a, true, cb, ctx);
		} else {
			emit_held(a, cb, ctx);
			emit(line, len, a->line_no, offset, end_offset, cb, ctx);
		}
		return;
	}
	if (!a->seen_sms || is_setup_line(line, len)) {
		emit_held(a, cb, ctx);
		emit(line, len, a->line_no, offset, end_offset, cb, ctx);
		return;
	}
	if (a->mode == HOLD_SMS && held_too_big(a, len))
		emit_held(a, cb, ctx);
	hold(a, HOLD_SMS, line, len, offset, end_offset);
}

void smslog_asm_idle(struct smslog_asm *a, smslog_cb cb, void *ctx)
{
	if (a->mode == HOLD_SMS)
		emit_held(a, cb, ctx);
}

void smslog_asm_flush(struct smslog_asm *a, smslog_cb cb, void *ctx) { emit_held(a, cb, ctx); }

void smslog_asm_reset(struct smslog_asm *a, uint64_t next_line_no)
{
	sb_reset(&a->held);
	a->held_lines = 0;
	a->mode = HOLD_NONE;
	a->line_no = next_line_no ? next_line_no - 1 : 0;
}

bool smslog_asm_pending(const struct smslog_asm *a, uint64_t *offset)
{
	if (a->mode == HOLD_NONE)
		return false;
	*offset = a->held_off;
	return true;
}
