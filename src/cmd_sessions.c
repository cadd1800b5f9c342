/*
 * cmd_sessions.c — `steward sessions [--all] [--json]`: id, runbook, site, label,
 * status (failed and overdue steps flagged), done-or-skipped/applicable steps, last
 * activity and holder (who writes it now, or none) of each session — every operator's —
 * most recent first. Reads only (works while writers hold
 * locks and on a read-only database); no database yet means no sessions. Text from the
 * database is sanitised for the terminal.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_sessutil.h"
#include "steward/text.h"

static void print_json(const struct session_summary *rows, char **holders, size_t n)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct session_summary *r = &rows[i];
		json_t *o = json_pack("{s:o, s:o, s:o, s:o, s:o, s:b, s:i, s:i, s:o, s:o}", "id", sessutil_jtext(r->id),
				      "runbook", sessutil_jtext(r->runbook_id), "runbook_title",
				      sessutil_jtext(r->runbook_title), "label", sessutil_jtext(r->label), "status",
				      sessutil_jtext(r->status), "rehearsal", r->rehearsal, "done", r->done, "applicable",
				      r->applicable, "started_at", sessutil_jtime(r->started_ms), "last_activity_at",
				      sessutil_jtime(r->last_activity_ms));
		if (r->detailed) {
			json_object_set_new(o, "site", sessutil_jtext(r->site));
			json_object_set_new(o, "skipped", json_integer(r->skipped));
			json_object_set_new(o, "failed", json_integer(r->failed));
			json_object_set_new(o, "not_applicable", json_integer(r->not_applicable));
			json_object_set_new(o, "total", json_integer(r->total));
			json_object_set_new(o, "active_step", sessutil_jtext(r->active_step));
			json_object_set_new(o, "overdue",
					    r->overdue_step ? json_pack("{s:s, s:I}", "step", r->overdue_step, "by_ms",
									(json_int_t)r->overdue_ms)
							    : json_null());
		}
		json_object_set_new(o, "holder", sessutil_jtext(holders[i])); /* null: nobody */
		json_array_append_new(arr, o);
	}
	char *text = json_dumps(arr, JSON_INDENT(2));
	puts(text ? text : "[]");
	free(text);
	json_decref(arr);
}

/* "active (rehearsal) · 1 FAILED · OVERDUE 2m 10s": what needs attention, in words. */
static void status_text(const struct session_summary *r, char *out, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	sb_printf(&sb, "%s%s", r->status, r->rehearsal ? " (rehearsal)" : "");
	if (r->failed > 0)
		sb_printf(&sb, " · %d FAILED", r->failed);
	if (r->overdue_step) {
		char d[64];
		duration_format((long)(r->overdue_ms / 1000), d, sizeof d);
		sb_printf(&sb, " · OVERDUE %s", d);
	}
	snprintf(out, len, "%s", sb_str(&sb));
	sb_free(&sb);
}

/* Done or skipped, of the applicable steps, the skipped ones named: "14/24 (2 skipped)". */
static void progress_text(const struct session_summary *r, char *out, size_t len)
{
	if (r->skipped > 0)
		snprintf(out, len, "%d/%d (%d skipped)", r->done, r->applicable, r->skipped);
	else
		snprintf(out, len, "%d/%d", r->done, r->applicable);
}

static void print_table(const struct session_summary *rows, char **holders, size_t n)
{
	printf("%-20s  %-22s  %-16s  %-20s  %-32s  %-16s  %-19s  %s\n", "ID", "RUNBOOK", "SITE", "LABEL", "STATUS",
	       "DONE/APPLICABLE", "LAST ACTIVITY (UTC)", "HOLDER");
	for (size_t i = 0; i < n; i++) {
		const struct session_summary *r = &rows[i];
		char status[160], done[48], last[32];
		status_text(r, status, sizeof status);
		progress_text(r, done, sizeof done);
		util_format_utc_ms(r->last_activity_ms, last);
		last[19] = '\0';
		last[10] = ' ';
		sessutil_col(r->id, 20);
		sessutil_col(r->runbook_id, 22);
		sessutil_col(r->site ? r->site : "-", 16);
		sessutil_col(r->label ? r->label : "-", 20);
		sessutil_col(status, 32);
		sessutil_col(done, 16);
		sessutil_col(last, 19);
		char *h = text_sanitize(holders[i] ? holders[i] : "none", strlen(holders[i] ? holders[i] : "none"), 0);
		printf("%s\n", h);
		free(h);
	}
}

int cmd_sessions(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"all", no_argument, NULL, 'a'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	bool all = false, json = false;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'a': all = true; break;
		case 'j': json = true; break;
		case 'h': cli_help("sessions"); return ST_OK;
		default: return cli_usage(cli_usage_of("sessions"));
		}
	}
	if (optind != argc)
		return cli_usage(cli_usage_of("sessions"));
	struct store *st = NULL;
	struct st_error err = {0};
	struct session_summary *rows = NULL;
	size_t n = 0;
	enum st_code rc = store_open(ctx->db_path, STORE_READ, &st, &err);
	if (rc == ST_OK)
		rc = session_list(st, all, &rows, &n, &err);
	if (rc == ST_OK) {
		/* A session that cannot be replayed is still listed (without details); export
		 * or audit says what is wrong with it. */
		struct st_error derr = {0};
		if (session_summaries_detail(st, rows, n, util_now_ms(), SIZE_MAX, &derr) != ST_OK)
			fprintf(stderr, "steward: note: %s\n", derr.msg);
	}
	char **holders = xcalloc(n + 1, sizeof *holders);
	for (size_t i = 0; rc == ST_OK && i < n; i++) {
		struct st_error herr = {0};
		if (session_lock_holder(st, rows[i].id, &holders[i], &herr) != ST_OK)
			fprintf(stderr, "steward: note: %s\n", herr.msg);
	}
	store_close(st);
	if (rc != ST_OK && rc != ST_NOTFOUND) { /* no database yet: no sessions */
		free(holders);
		return sessutil_fail(&err);
	}
	if (json)
		print_json(rows, holders, n);
	else if (n == 0)
		fprintf(stderr, all ? "steward: no sessions yet\n"
				    : "steward: no unfinished sessions (--all lists finished ones too)\n");
	else
		print_table(rows, holders, n);
	for (size_t i = 0; i < n; i++)
		free(holders[i]);
	free(holders);
	session_summaries_free(rows, n);
	return ferror(stdout) ? ST_IOERR : ST_OK;
}
