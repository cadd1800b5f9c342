/*
 * cmd_sessions.c — `steward sessions [--all] [--json]`: id, runbook, label, status,
 * done/applicable steps and last activity of each session, most recent first.
 * Reads only (works while writers hold locks and on a read-only database); no
 * database yet means no sessions. Text from the database is sanitised for the terminal.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_sessutil.h"
#include "steward/text.h"

static json_t *jtime(int64_t ms)
{
	char t[32];
	util_format_utc_ms(ms, t);
	return ms ? json_string(t) : json_null();
}

static json_t *jtext(const char *s)
{
	if (!s)
		return json_null();
	json_t *j = json_string(s);
	if (!j) {
		char *c = text_sanitize(s, strlen(s), 0);
		j = json_string(c);
		free(c);
	}
	return j;
}

static void print_json(const struct session_summary *rows, size_t n)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct session_summary *r = &rows[i];
		json_array_append_new(arr, json_pack("{s:o, s:o, s:o, s:o, s:o, s:b, s:i, s:i, s:o, s:o}", "id",
						     jtext(r->id), "runbook", jtext(r->runbook_id), "runbook_title",
						     jtext(r->runbook_title), "label", jtext(r->label), "status",
						     jtext(r->status), "rehearsal", r->rehearsal, "done", r->done,
						     "applicable", r->applicable, "started_at", jtime(r->started_ms),
						     "last_activity_at", jtime(r->last_activity_ms)));
	}
	char *text = json_dumps(arr, JSON_INDENT(2));
	puts(text ? text : "[]");
	free(text);
	json_decref(arr);
}

/* A column of at most w display columns, padded. */
static void col(const char *s, int w)
{
	char *clean = text_sanitize(s ? s : "", s ? strlen(s) : 0, 0);
	char *fit = text_ellipsize(clean, w, "~");
	int pad = w - text_width(fit);
	fputs(fit, stdout);
	printf("%*s  ", pad > 0 ? pad : 0, "");
	free(fit);
	free(clean);
}

static void print_table(const struct session_summary *rows, size_t n)
{
	printf("%-20s  %-24s  %-24s  %-20s  %-7s  %s\n", "ID", "RUNBOOK", "LABEL", "STATUS", "DONE",
	       "LAST ACTIVITY (UTC)");
	for (size_t i = 0; i < n; i++) {
		const struct session_summary *r = &rows[i];
		char status[64], done[32], last[32];
		snprintf(status, sizeof status, "%s%s", r->status, r->rehearsal ? " (rehearsal)" : "");
		snprintf(done, sizeof done, "%d/%d", r->done, r->applicable);
		util_format_utc_ms(r->last_activity_ms, last);
		last[19] = '\0';
		last[10] = ' ';
		col(r->id, 20);
		col(r->runbook_id, 24);
		col(r->label ? r->label : "-", 24);
		col(status, 20);
		col(done, 7);
		printf("%s\n", last);
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
		case 'h': printf("usage: steward %s\n", cli_usage_of("sessions")); return ST_OK;
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
	store_close(st);
	if (rc != ST_OK && rc != ST_NOTFOUND) /* no database yet: no sessions */
		return sessutil_fail(&err);
	if (json)
		print_json(rows, n);
	else if (n == 0)
		fprintf(stderr, all ? "steward: no sessions yet\n"
				    : "steward: no unfinished sessions (--all lists finished ones too)\n");
	else
		print_table(rows, n);
	session_summaries_free(rows, n);
	return ferror(stdout) ? ST_IOERR : ST_OK;
}
