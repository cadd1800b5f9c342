/*
 * export_csv.c — one row per event, RFC 4180: CRLF line ends, every cell quoted,
 * quotes doubled. Besides the event's raw JSON payload, a `text` column carries what
 * a person wrote or the log said (note, reason, matched line) for reading in a sheet.
 * A cell that a spreadsheet would run as a formula (it starts with =, +, -, @, a tab
 * or a CR) is neutralised with a leading apostrophe (and so is one that starts with an
 * apostrophe, which keeps the rule reversible). No cell drives a terminal: a control
 * character (U+0000-U+001F but TAB and LF, DEL, the C1 controls U+0080-U+009F: ESC]52,
 * CSI and the like) is written as U+241B (the picture of ESC, "␛") and two lowercase hex
 * digits, and a U+241B of the text as two of them: reversible too, because the hashed
 * columns must come back exactly (docs/audit-trail.md). Every row carries the session id and,
 * for a rehearsal, the word REHEARSAL; the last column says SIMULATED on the evidence
 * (marker_seen, failure_seen) of a line `steward simulate` wrote. The columns hold everything needed to recompute
 * the hash chain without steward (docs/audit-trail.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "export_render.h"

#define CTRL_MARK "\xE2\x90\x9B" /* U+241B SYMBOL FOR ESCAPE */

/* s with every control character and U+241B written as described above. */
static void unctrl(struct strbuf *out, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned c = *p;
		if (c == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) /* a C1 control in UTF-8 */
			c = *++p;
		else if (c == 0xE2 && p[1] == 0x90 && p[2] == 0x9B) {
			sb_puts(out, CTRL_MARK CTRL_MARK);
			p += 2;
			continue;
		} else if ((c >= 0x20 && c != 0x7F) || c == '\t' || c == '\n') {
			sb_putc(out, (char)c);
			continue;
		}
		sb_puts(out, CTRL_MARK);
		sb_putc(out, hex[c >> 4]);
		sb_putc(out, hex[c & 15]);
	}
}

static void cell(struct strbuf *out, const char *s, bool last)
{
	struct strbuf safe = STRBUF_INIT;
	unctrl(&safe, s ? s : "");
	s = sb_str(&safe);
	sb_putc(out, '"');
	/* The apostrophe itself is prefixed too, so that a reader (docs/audit-trail.md)
	 * gets the exact text back by dropping one leading apostrophe. */
	if (*s == '=' || *s == '+' || *s == '-' || *s == '@' || *s == '\t' || *s == '\r' || *s == '\'')
		sb_putc(out, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			sb_putc(out, '"');
		sb_putc(out, *p);
	}
	sb_putc(out, '"');
	sb_puts(out, last ? "\r\n" : ",");
	sb_free(&safe);
}

/* The human part of an event's payload, or NULL. */
static char *event_text(const struct export_event *e)
{
	static const char *const keys[] = {"text", "reason", "note", "line"};
	json_t *d = json_loads(e->data, 0, NULL);
	char *text = NULL;
	for (size_t i = 0; !text && i < ARRAY_LEN(keys); i++) {
		const char *v = json_string_value(json_object_get(d, keys[i]));
		if (v)
			text = xstrdup(v);
	}
	if (!text && strcmp(e->type, "log_rotated") == 0) {
		const char *from = json_string_value(json_object_get(d, "old_file"));
		const char *to = json_string_value(json_object_get(d, "new_file"));
		text = xasprintf("%s -> %s", from ? from : "?", to ? to : "?");
	}
	json_decref(d);
	return text;
}

/* A marker or failure from a line `steward simulate` wrote (its payload says so). */
static bool event_simulated(const struct export_event *e)
{
	if (strcmp(e->type, "marker_seen") != 0 && strcmp(e->type, "failure_seen") != 0)
		return false;
	json_t *d = json_loads(e->data, 0, NULL);
	bool yes = json_is_true(json_object_get(d, "simulated"));
	json_decref(d);
	return yes;
}

void export_csv(const struct export_doc *d, struct strbuf *out)
{
	static const char *const header[] = {"session", "rehearsal", "seq", "at", "operator", "host",
					     "type", "step", "step_title", "text", "data", "prev_hash", "hash",
					     "simulated"};
	for (size_t i = 0; i < ARRAY_LEN(header); i++)
		cell(out, header[i], i + 1 == ARRAY_LEN(header));
	const char *mark = d->s->rehearsal ? "REHEARSAL" : "";
	for (size_t i = 0; i < d->n_ev; i++) {
		const struct export_event *e = &d->ev[i];
		char seq[32], at[32];
		snprintf(seq, sizeof seq, "%lld", (long long)e->seq);
		util_format_utc_ms(e->at_ms, at);
		long step = e->step ? runbook_step_index(d->s->rb, e->step) : -1;
		char *title = step >= 0 ? export_step_title(d, (size_t)step) : NULL;
		cell(out, d->s->id, false);
		cell(out, mark, false);
		cell(out, seq, false);
		cell(out, at, false);
		cell(out, e->op, false);
		cell(out, e->host, false);
		cell(out, e->type, false);
		cell(out, e->step, false);
		cell(out, title, false);
		char *text = event_text(e);
		cell(out, text, false);
		free(text);
		cell(out, e->data, false);
		cell(out, e->prev_hash, false);
		cell(out, e->hash, false);
		cell(out, event_simulated(e) ? "SIMULATED" : "", true);
		free(title);
	}
}
