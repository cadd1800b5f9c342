/*
 * smslog.h — one log record from SMS 2003 / ConfigMgr / setup logs:
 * {text, component, time, thread, severity}. Pure parsing: no file access.
 *
 * Formats (see ../shared/design/SMS-LOGS.md and CLI.md `log --json`):
 *   sms   text  $$<COMPONENT><MM-DD-YYYY HH:MM:SS.mmm+BIAS><thread=N (0xHEX)>
 *   sms2  older SMS 2.0 / 1.x variants of the same trailer
 *   ccm   <![LOG[text]LOG]!><time="..." date="..." component="..." context="" type="N" thread="N" file="...">
 *   setup <MM-DD-YYYY HH:MM:SS> text
 *   plain anything else
 * Records may span several physical lines; the assembler joins them.
 */
#ifndef STEWARD_SMSLOG_H
#define STEWARD_SMSLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum log_format { LOGFMT_PLAIN, LOGFMT_SMS, LOGFMT_SMS2, LOGFMT_CCM, LOGFMT_SETUP };
const char *log_format_name(enum log_format f); /* "plain", "sms", "sms2", "ccm", "setup" */

enum log_severity { SEV_INFO, SEV_WARNING, SEV_ERROR };
const char *log_severity_name(enum log_severity s); /* "info", "warning", "error" */

struct log_record {
	enum log_format format;
	char *text;          /* cleaned message: no trailer, no ~ marks; owned; valid UTF-8 */
	char *raw;           /* the physical line(s) as read (after decoding); owned */
	char *component;     /* NULL when the format has none */
	bool has_time;
	char local_time[32]; /* "2006-06-14 02:14:07.123" as written (local), "" when none */
	bool has_bias;
	int bias_min;        /* UTC = local + bias */
	int64_t utc_ms;      /* valid when has_time && has_bias */
	int64_t local_ms;    /* the written time read as if it were UTC (valid when has_time):
	                        utc_ms = local_ms + bias_min * 60000 */
	bool has_thread;
	long thread;
	enum log_severity severity;
	uint64_t line_no;    /* first physical line of the record, 1-based, within its file
	                        (counted from where reading started when that was mid-file) */
	uint64_t offset;     /* byte offset of the record's first line in its file */
	uint64_t end_offset; /* byte offset just past the record's last line */
};

void log_record_free(struct log_record *r); /* frees the members, not r */
void log_record_move(struct log_record *dst, struct log_record *src);

/* Parses one complete record (joined physical lines, no trailing newline). */
void smslog_parse(const char *text, size_t len, struct log_record *out);

/*
 * Assembler: feed physical lines in order; it emits complete records through cb.
 * A line without an SMS trailer is held and attached to the next trailer line (bounded:
 * flushed as plain text past a limit); a CCM record runs until its closing `">`.
 */
struct smslog_asm;
typedef void (*smslog_cb)(void *ctx, struct log_record *rec); /* rec is borrowed for the call */
struct smslog_asm *smslog_asm_new(void);
void smslog_asm_free(struct smslog_asm *a);
void smslog_asm_feed(struct smslog_asm *a, const char *line, size_t len, uint64_t offset,
		     uint64_t end_offset, smslog_cb cb, void *ctx);
void smslog_asm_flush(struct smslog_asm *a, smslog_cb cb, void *ctx); /* end of input */
/* No more input for now: releases plain lines held for a trailer (CCM records stay held
 * until they close or grow past the bound). */
void smslog_asm_idle(struct smslog_asm *a, smslog_cb cb, void *ctx);
/* Drops anything held; the next line fed is physical line next_line_no (0 = unknown). */
void smslog_asm_reset(struct smslog_asm *a, uint64_t next_line_no);
/* True when lines are held; *offset is the first held line's offset (a read position
 * saved for resume must not pass it). */
bool smslog_asm_pending(const struct smslog_asm *a, uint64_t *offset);

#endif
