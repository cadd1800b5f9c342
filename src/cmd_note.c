/*
 * cmd_note.c — `steward note SESSION [--step STEP] TEXT`: adds a note to the session
 * or to one step (words after SESSION are joined with spaces). Holds the lock.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd_sessutil.h"

int cmd_note(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"step", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *step = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': step = optarg; break;
		case 'h': cli_help("note"); return ST_OK;
		default: return cli_usage(cli_usage_of("note"));
		}
	}
	if (argc - optind < 2)
		return cli_usage(cli_usage_of("note"));
	const char *sid = argv[optind];
	struct strbuf text = STRBUF_INIT;
	for (int i = optind + 1; i < argc; i++) {
		if (i > optind + 1)
			sb_putc(&text, ' ');
		sb_puts(&text, argv[i]);
	}
	struct store *st = NULL;
	int rc = sessutil_open_store(ctx, STORE_WRITE, &st);
	struct session *s = NULL;
	if (rc == ST_OK)
		rc = sessutil_open(ctx, st, sid, SESSION_WRITE, &s);
	if (rc == ST_OK) {
		long i = -1;
		struct st_error err = {0};
		if (step && (i = session_find_step(s, step)) < 0)
			rc = cli_error(ST_USAGE, "session %s has no step '%s' — give a step id or its number 1-%zu",
				       s->id, step, s->rb->n_steps);
		else if (session_note(s, i, sb_str(&text), &err) != ST_OK)
			rc = sessutil_fail(&err);
	}
	session_close(s);
	store_close(st);
	sb_free(&text);
	return rc;
}
