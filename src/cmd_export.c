/*
 * cmd_export.c — `steward export SESSION [--format json|csv|md|html] [-o FILE]`:
 * the audit trail, to stdout (also `-o -`) or to FILE: a regular file is replaced
 * atomically with mode 0600 like the database, a device or pipe is written through
 * (fileio.h). A reader: works while another process holds the session and on a
 * read-only database. To standard output the export is written as it is produced
 * (export_session_to), so that a session of any size is exported in flat memory.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_sessutil.h"
#include "steward/export.h"
#include "steward/fileio.h"

struct stdout_sink {
	int err; /* errno of the first failed write */
};

static bool stdout_write(void *vctx, const char *data, size_t len)
{
	struct stdout_sink *c = vctx;
	if (fwrite(data, 1, len, stdout) == len)
		return true;
	c->err = errno ? errno : EIO;
	errno = c->err;
	return false;
}

int cmd_export(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	enum export_format fmt = EXPORT_JSON;
	const char *out_path = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "ho:f:", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (!export_format_parse(optarg, &fmt))
				return cli_error(ST_USAGE, "--format %s: use json, csv, md or html", optarg);
			break;
		case 'o': out_path = optarg; break;
		case 'h': cli_help("export"); return ST_OK;
		default: return cli_usage(cli_usage_of("export"));
		}
	}
	if (argc - optind != 1)
		return cli_usage(cli_usage_of("export"));
	struct store *st = NULL;
	int rc = sessutil_open_store(ctx, STORE_READ, &st);
	struct session *s = NULL;
	struct strbuf out = STRBUF_INIT;
	struct st_error err = {0};
	/* One snapshot for the replay and the events: a writer committing meanwhile
	 * cannot make the two disagree. */
	if (rc == ST_OK && store_snapshot_begin(st, &err) != ST_OK)
		rc = sessutil_fail(&err);
	if (rc == ST_OK)
		rc = sessutil_open(ctx, st, argv[optind], SESSION_READ, &s);
	bool to_file = out_path && strcmp(out_path, "-") != 0;
	struct stdout_sink so = {0};
	if (rc == ST_OK && to_file && export_session(s, fmt, &out, &err) != ST_OK)
		rc = sessutil_fail(&err);
	if (rc == ST_OK && !to_file) {
		struct export_sink sink = {.write = stdout_write, .ctx = &so};
		if (export_session_to(s, fmt, &sink, &err) != ST_OK && !so.err)
			rc = sessutil_fail(&err);
		else if (!so.err && fflush(stdout) != 0)
			so.err = errno ? errno : EIO;
		if (so.err)
			rc = cli_error(ST_IOERR, "cannot write the export to standard output: %s", strerror(so.err));
	}
	if (st)
		store_snapshot_end(st);
	if (rc == ST_OK && to_file) {
		/* The database's own mode: an export holds the same notes and log lines. */
		char *why = NULL;
		if (fio_write_output(out_path, sb_str(&out), out.len, 0600, &why) != 0)
			rc = cli_error(ST_CANTCREATE, "cannot write %s: %s — choose another file with -o FILE",
				       out_path, why);
		free(why);
	}
	sb_free(&out);
	session_close(s);
	store_close(st);
	return rc;
}
