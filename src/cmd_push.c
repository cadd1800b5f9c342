/*
 * cmd_push.c — `steward push SESSION --to DB [--force] [--json]`: sends a session
 * recorded in this database (--db) to another one, typically the team's PostgreSQL
 * server; again later, only the new events. The rules are push.c's; this prints one
 * line per outcome (or one JSON object) and says how the session goes on.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd_sessutil.h"
#include "steward/push.h"

static void print_json(const struct push_result *r, const char *to)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:I, s:o, s:o, s:I, s:s, s:b}", "session", r->id, "to", to,
			      "outcome", r->n_sent ? "pushed" : "nothing", "created", r->created, "sent",
			      (json_int_t)r->n_sent, "first_seq",
			      r->n_sent ? json_integer(r->first_seq) : json_null(), "last_seq",
			      r->n_sent ? json_integer(r->last_seq) : json_null(), "events", (json_int_t)r->n_events,
			      "head", r->head, "finished", r->finished);
	char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	puts(text);
	free(text);
	json_decref(o);
}

static void print_text(const struct push_result *r, const char *to)
{
	if (r->n_sent == 0)
		printf("nothing to push: %s already has all %lld events of session %s; head %s\n", to,
		       (long long)r->n_events, r->id, r->head);
	else
		printf("pushed %lld event%s (%lld..%lld) of session %s to %s%s; head %s\n", (long long)r->n_sent,
		       r->n_sent == 1 ? "" : "s", (long long)r->first_seq, (long long)r->last_seq, r->id, to,
		       r->created ? " (new there)" : "", r->head);
}

int cmd_push(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"to", required_argument, NULL, 't'},
		{"force", no_argument, NULL, 'f'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *to = NULL;
	bool json = false;
	struct push_opts po = {0};
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't': to = optarg; break;
		case 'f': po.force = true; break;
		case 'j': json = true; break;
		case 'h': return cli_help("push");
		default: return cli_usage(cli_usage_of("push"));
		}
	}
	if (argc - optind != 1 || !to)
		return cli_usage(cli_usage_of("push"));
	if (!*to)
		return cli_error(ST_USAGE, "--to needs a database: a SQLite file or a postgresql:// URL");
	struct store *src = NULL, *dst = NULL;
	int rc = sessutil_open_store(ctx, STORE_READ, &src);
	struct st_error err = {0};
	char *id = NULL;
	/* The session must exist here before the target is opened (and perhaps created). */
	if (rc == ST_OK && store_resolve_id(src, argv[optind], &id, &err) != ST_OK)
		rc = sessutil_fail(&err);
	if (rc == ST_OK && store_open(to, STORE_WRITE, &dst, &err) != ST_OK)
		rc = sessutil_fail(&err);
	if (rc == ST_OK)
		store_set_operator(dst, ctx->op); /* push holds the target's lock: named to others */
	struct push_result r;
	if (rc == ST_OK && push_session(src, id, dst, &po, &r, &err) != ST_OK)
		rc = sessutil_fail(&err);
	free(id);
	if (rc == ST_OK) {
		char *shown = push_display_name(to);
		if (json)
			print_json(&r, shown);
		else
			print_text(&r, shown);
		if (r.source_held)
			fprintf(stderr, "steward: note: session %s is still being recorded here (--force): push again "
					"later to send the rest, and continue it in one place only\n", r.id);
		else if (!r.finished && r.n_sent)
			fprintf(stderr, "steward: note: session %s is not finished — continue it in one place only: "
					"there (steward --db %s resume %s), or here and push again; recording in both "
					"makes the next push a conflict\n", r.id, shown, r.id);
		free(shown);
		push_result_free(&r);
		if (fflush(stdout) != 0)
			rc = ST_IOERR;
	}
	store_close(dst);
	store_close(src);
	return rc;
}
