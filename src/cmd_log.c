/*
 * cmd_log.c — `steward log FILE... [--json] [--follow] [--errors] [--merge]`: the
 * administrators' log viewer in a terminal (CMTrace's columns: time, component, thread,
 * text), on the same parser (smslog) and, with --follow, the same tail engine (logtail) as
 * `watch`. Each FILE's .lo_ (its previous generation) is read before it. --merge keeps
 * every record and prints them ordered by their own time (UTC from the bias; a log
 * without one is taken as UTC; a record without a time stays after its predecessor). Text is sanitized
 * for the terminal (text_sanitize); --json escapes instead (CLI.md's fields).
 */
#include "steward/cli.h"

#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "steward/logfile.h"
#include "steward/logtail.h"
#include "steward/smslog.h"
#include "steward/text.h"

static volatile sig_atomic_t log_stop;

static void on_signal(int sig)
{
	(void)sig;
	log_stop = 1;
}

struct log_view {
	bool json, errors, many;
	struct smslog_asm **asms; /* one per followed file */
	const char **names;       /* display name per file */
	char **files;             /* path read, per file (updated per line) */
	size_t base;              /* slot of the logtail's file 0 (after the .lo_ pass) */
	bool problem;             /* a file could not be read */
	bool color;               /* a terminal without NO_COLOR: errors red, warnings yellow (CMTrace) */
	struct strbuf out;
	bool merge;               /* --merge: records are kept, then printed in time order */
	struct merged *kept;
	size_t n_kept, cap_kept;
	int64_t *last_key;        /* per file: the time of its last record with one */
};

/* A record kept for --merge, with its sort key. */
struct merged {
	struct log_record r;
	size_t idx;    /* which file slot */
	size_t seq;    /* arrival order: the tie-breaker that keeps each file's own order */
	int64_t key;   /* UTC ms; a record without a time takes its file's previous one */
	char *file;    /* the path it was read from */
};

static void print_json(const char *file, const struct log_record *r)
{
	json_t *o = json_object();
	json_object_set_new(o, "file", json_string(file));
	json_object_set_new(o, "line", r->line_no ? json_integer((json_int_t)r->line_no) : json_null());
	json_object_set_new(o, "format", json_string(log_format_name(r->format)));
	json_object_set_new(o, "local_time", r->has_time ? json_string(r->local_time) : json_null());
	if (r->has_time && r->has_bias) {
		char utc[32];
		util_format_utc_ms(r->utc_ms, utc);
		json_object_set_new(o, "utc", json_string(utc));
		json_object_set_new(o, "bias", json_integer(r->bias_min));
	} else {
		json_object_set_new(o, "utc", json_null());
		json_object_set_new(o, "bias", r->has_bias ? json_integer(r->bias_min) : json_null());
	}
	json_object_set_new(o, "component", r->component ? json_string(r->component) : json_null());
	json_object_set_new(o, "thread", r->has_thread ? json_integer(r->thread) : json_null());
	json_object_set_new(o, "severity", json_string(log_severity_name(r->severity)));
	json_object_set_new(o, "text", json_string(r->text));
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (s) {
		fputs(s, stdout);
		fputc('\n', stdout);
	}
	free(s);
	json_decref(o);
}

static void print_columns(struct log_view *v, const char *name, const struct log_record *r)
{
	struct strbuf *o = &v->out;
	sb_reset(o);
	if (v->many) {
		text_sanitize_sb(o, name, strlen(name), 0);
		sb_puts(o, ": ");
	}
	sb_printf(o, "%-23s  ", r->has_time ? r->local_time : "");
	const char *comp = r->component ? r->component : "";
	size_t before = o->len;
	text_sanitize_sb(o, comp, strlen(comp), 0);
	for (size_t w = o->len - before; w < 28; w++)
		sb_putc(o, ' ');
	sb_puts(o, "  ");
	if (r->has_thread)
		sb_printf(o, "%6ld  ", r->thread);
	else
		sb_puts(o, "        ");
	sb_puts(o, r->severity == SEV_ERROR ? "E " : r->severity == SEV_WARNING ? "W " : "  ");
	text_sanitize_sb(o, r->text, strlen(r->text), 0);
	if (v->color && r->severity != SEV_INFO) {
		/* the line's own text is sanitized; only these SGR codes reach the terminal */
		fputs(r->severity == SEV_ERROR ? "\033[1;31m" : "\033[33m", stdout);
		fwrite(o->data, 1, o->len, stdout);
		fputs("\033[0m\n", stdout);
		return;
	}
	sb_putc(o, '\n');
	fwrite(o->data, 1, o->len, stdout);
}

struct rec_ctx {
	struct log_view *v;
	size_t idx;
};

/* "2006-06-14 02:14:07.123" as if it were UTC (a log that gives no bias), in ms; false when
 * it is not a time. */
static bool local_ms(const char *s, int64_t *out)
{
	int y, mo, d, h, mi, sec, ms = 0;
	if (sscanf(s, "%d-%d-%d %d:%d:%d.%d", &y, &mo, &d, &h, &mi, &sec, &ms) < 6)
		return false;
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi,
			.tm_sec = sec};
	time_t tt = timegm(&tm);
	if (tt == (time_t)-1)
		return false;
	*out = (int64_t)tt * 1000 + ms;
	return true;
}

static void keep(struct log_view *v, size_t idx, const char *file, const struct log_record *r)
{
	int64_t key = v->last_key[idx];
	if (r->has_time && r->has_bias)
		key = r->utc_ms;
	else if (r->has_time)
		local_ms(r->local_time, &key);
	v->last_key[idx] = key;
	if (v->n_kept == v->cap_kept) {
		v->cap_kept = v->cap_kept ? v->cap_kept * 2 : 256;
		v->kept = xreallocarray(v->kept, v->cap_kept, sizeof *v->kept);
	}
	struct merged *m = &v->kept[v->n_kept];
	*m = (struct merged){.r = *r, .idx = idx, .seq = v->n_kept, .key = key, .file = xstrdup(file)};
	m->r.text = xstrdup(r->text ? r->text : "");
	m->r.raw = r->raw ? xstrdup(r->raw) : NULL;
	m->r.component = r->component ? xstrdup(r->component) : NULL;
	v->n_kept++;
}

static int by_time(const void *a, const void *b)
{
	const struct merged *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void print_merged(struct log_view *v)
{
	qsort(v->kept, v->n_kept, sizeof *v->kept, by_time);
	for (size_t i = 0; i < v->n_kept; i++) {
		struct merged *m = &v->kept[i];
		if (v->json)
			print_json(m->file, &m->r);
		else
			print_columns(v, v->names[m->idx], &m->r);
		log_record_free(&m->r);
		free(m->file);
	}
	free(v->kept);
	v->kept = NULL;
	v->n_kept = v->cap_kept = 0;
}

static void on_record(void *ctx, struct log_record *r)
{
	struct rec_ctx *rc = ctx;
	struct log_view *v = rc->v;
	if (v->errors && r->severity == SEV_INFO)
		return;
	const char *file = v->files[rc->idx] ? v->files[rc->idx] : v->names[rc->idx];
	if (v->merge)
		keep(v, rc->idx, file, r);
	else if (v->json)
		print_json(file, r);
	else
		print_columns(v, v->names[rc->idx], r);
}

static bool on_line(void *ctx, size_t idx, const struct logtail_line *ln)
{
	struct log_view *v = ctx;
	idx += v->base;
	if (!v->files[idx] || strcmp(v->files[idx], ln->file) != 0) {
		free(v->files[idx]);
		v->files[idx] = xstrdup(ln->file);
	}
	struct rec_ctx rc = {v, idx};
	smslog_asm_feed(v->asms[idx], ln->text, ln->len, ln->offset, ln->end_offset, on_record, &rc);
	return true;
}

static void on_note(void *ctx, size_t idx, enum logtail_note what, const char *old_file,
		    const char *new_file, const char *msg)
{
	struct log_view *v = ctx;
	idx += v->base;
	struct rec_ctx rc = {v, idx};
	switch (what) {
	case LTN_FILE_END:
		smslog_asm_flush(v->asms[idx], on_record, &rc);
		smslog_asm_reset(v->asms[idx], 1);
		break;
	case LTN_IDLE:
		smslog_asm_idle(v->asms[idx], on_record, &rc);
		fflush(stdout);
		break;
	case LTN_PROBLEM: {
		char *m = text_sanitize(msg, strlen(msg), 0);
		fprintf(stderr, "steward: log: %s\n", m);
		free(m);
		v->problem = true;
		break;
	}
	case LTN_ROTATED:
	case LTN_REPLACED:
	case LTN_TRUNCATED:
		if (!v->json) {
			struct strbuf sb = STRBUF_INIT;
			sb_printf(&sb, "-- %s: %s", new_file ? new_file : "", msg ? msg : "");
			if (old_file)
				sb_printf(&sb, " (old lines read from %s)", old_file);
			sb_puts(&sb, " --");
			char *s = text_sanitize(sb.data, sb.len, 0);
			puts(s);
			free(s);
			sb_free(&sb);
		}
		break;
	case LTN_RECOVERED:
		break;
	}
}

/* "x.log" -> "x.lo_" when that exists (found case-insensitively), else NULL. */
static char *previous_generation(const char *path)
{
	size_t n = strlen(path);
	if (n >= 4 && strcasecmp(path + n - 4, ".lo_") == 0)
		return NULL;
	char *lo = logfile_lo_path(path);
	char *real = logfile_find(lo);
	free(lo);
	return real;
}

int cmd_log(struct cli_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	struct log_view v = {0};
	bool follow = false;
	const char **paths = xcalloc((size_t)argc, sizeof *paths);
	size_t n_paths = 0;
	bool opts_done = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!opts_done && strcmp(a, "--") == 0)
			opts_done = true;
		else if (!opts_done && strcmp(a, "--json") == 0)
			v.json = true;
		else if (!opts_done && strcmp(a, "--follow") == 0)
			follow = true;
		else if (!opts_done && strcmp(a, "--errors") == 0)
			v.errors = true;
		else if (!opts_done && strcmp(a, "--merge") == 0)
			v.merge = true;
		else if (!opts_done && (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)) {
			free(paths);
			return cli_help("log");
		}
		else if (!opts_done && a[0] == '-' && a[1]) {
			free(paths);
			cli_error(ST_USAGE, "log: unknown option %s", a);
			return cli_usage(cli_usage_of("log"));
		} else
			paths[n_paths++] = a;
	}
	if (n_paths == 0) {
		free(paths);
		return cli_usage(cli_usage_of("log"));
	}
	if (v.merge && follow) {
		free(paths);
		return cli_error(ST_USAGE, "log: --merge orders what the files hold; with --follow new lines are "
					   "shown as they come — use one or the other");
	}
	for (size_t i = 0; i < n_paths; i++) {
		struct logfile_found found;
		if (logfile_resolve(paths[i], &found) != LOGFILE_EXACT && found.how != LOGFILE_OTHER_CASE) {
			int rc = found.how == LOGFILE_AMBIGUOUS
					 ? cli_error(ST_NOTFOUND, "log: %s: several files differ from this name only in "
							"case (%s, %s) — give the one to read", paths[i], found.other,
						     found.other2)
					 : cli_error(ST_NOTFOUND, "log: %s: no such file — check the path", paths[i]);
			logfile_found_free(&found);
			free(paths);
			return rc;
		}
		logfile_found_free(&found);
	}
	/* One-shot pass over every .lo_ then its .log; --follow then follows the .log files. */
	struct logtail *t = logtail_new();
	logtail_set_oneshot(t, !follow);
	size_t cap = n_paths * 2;
	v.asms = xcalloc(cap, sizeof *v.asms);
	v.names = xcalloc(cap, sizeof *v.names);
	v.files = xcalloc(cap, sizeof *v.files);
	v.last_key = xcalloc(cap, sizeof *v.last_key);
	v.many = n_paths > 1;
	const char *no_color = getenv("NO_COLOR");
	v.color = !v.json && isatty(STDOUT_FILENO) && !(no_color && *no_color);
	char **los = xcalloc(n_paths, sizeof *los);
	struct logtail *pre = logtail_new();
	logtail_set_oneshot(pre, true);
	size_t n_pre = 0;
	for (size_t i = 0; i < n_paths; i++) {
		los[i] = previous_generation(paths[i]);
		if (los[i]) {
			size_t k = logtail_add(pre, los[i], LT_START_BEGIN, NULL, 0);
			v.asms[k] = smslog_asm_new();
			v.names[k] = los[i];
			n_pre++;
		}
	}
	struct logtail_cbs cbs = {.line = on_line, .note = on_note};
	if (n_pre)
		logtail_process(pre, &cbs, &v);
	for (size_t k = 0; k < n_pre; k++)
		on_note(&v, k, LTN_FILE_END, NULL, NULL, NULL);
	logtail_free(pre);
	/* the .log files use their own slots after the .lo_ ones */
	v.base = n_pre;
	for (size_t i = 0; i < n_paths; i++) {
		size_t k = n_pre + logtail_add(t, paths[i], LT_START_BEGIN, NULL, 0);
		v.asms[k] = smslog_asm_new();
		v.names[k] = paths[i];
	}
	if (follow) {
		setvbuf(stdout, NULL, _IOLBF, 0);
		struct sigaction sa = {0};
		sa.sa_handler = on_signal;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	do {
		logtail_process(t, &cbs, &v);
		if (!follow)
			break;
		struct pollfd pfd = {.fd = logtail_fd(t), .events = POLLIN};
		if (poll(&pfd, pfd.fd >= 0 ? 1 : 0, logtail_timeout_ms(t)) < 0 && errno != EINTR)
			break;
	} while (!log_stop);
	v.base = 0;
	for (size_t k = 0; k < n_paths; k++)
		on_note(&v, n_pre + k, LTN_FILE_END, NULL, NULL, NULL);
	logtail_free(t);
	if (v.merge)
		print_merged(&v);
	fflush(stdout);
	for (size_t k = 0; k < n_pre + n_paths; k++) {
		smslog_asm_free(v.asms[k]);
		free(v.files[k]);
	}
	for (size_t i = 0; i < n_paths; i++)
		free(los[i]);
	free(los);
	free(v.asms);
	free(v.names);
	free(v.files);
	free(v.last_key);
	free(paths);
	sb_free(&v.out);
	return v.problem ? ST_IOERR : ST_OK;
}
