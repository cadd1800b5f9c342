/*
 * cmd_follow.c — `steward follow SESSION [--from-now] [--json|--text] [--tui]`: a reader that
 * prints the session's events as they are committed, from any machine that reaches the
 * store, while another process writes it. Never takes the lock; the session is opened
 * read-only. Woken by the store's change notices (follow.h: no polling loop).
 *
 * Output (CLI.md: the `watch` event stream; more fields and types are welcome): one JSON
 * object per line, line-buffered, for every event recorded — the types `watch` prints where
 * a recorded event is one of them (marker, step_verified, failure, rotated, step_active,
 * session_finished), with their fields, and every other recorded event under its own type
 * (step_completed, step_skipped, note_added, ...) with its "step" and "data". Every object
 * also carries "seq", "operator", "host", and "at" is when the event was recorded (watch's
 * "at" is when it printed; a follower shows what was recorded, and when). --text prints
 * one readable line per event instead, terminal controls stripped.
 *
 * Stops with exit 0 when the session finishes (after printing session_finished) or on
 * SIGINT/SIGTERM. --tui opens the TUI's observer mode on the session instead.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_sessutil.h"
#include "steward/follow.h"
#include "steward/smslog.h"
#include "steward/text.h"
#include "steward/tui.h"

/* Signal handlers reach only statics; one follow runs per process (reset on entry). */
static volatile sig_atomic_t follow_stop;
static int stop_pipe[2] = {-1, -1};

static void on_stop(int sig)
{
	(void)sig;
	int saved = errno;
	follow_stop = 1;
	if (stop_pipe[1] >= 0) {
		ssize_t n = write(stop_pipe[1], "x", 1);
		(void)n; /* a full pipe already wakes the poll */
	}
	errno = saved;
}

static void stop_setup(void)
{
	follow_stop = 0;
	if (pipe2(stop_pipe, O_NONBLOCK | O_CLOEXEC) != 0)
		stop_pipe[0] = stop_pipe[1] = -1; /* the flag still ends the loop at its next wake */
	struct sigaction sa = {0};
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void stop_teardown(void)
{
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	for (int i = 0; i < 2; i++) {
		if (stop_pipe[i] >= 0)
			close(stop_pipe[i]);
		stop_pipe[i] = -1;
	}
}

struct follow_out {
	const char *sid;
	bool text;
	int64_t last;   /* the last seq printed */
	bool finished;  /* session_finished printed */
	bool broken;    /* stdout cannot be written any more */
};

static void copy_field(json_t *o, const json_t *d, const char *from, const char *to)
{
	json_t *v = json_object_get(d, from);
	json_object_set(o, to, v ? v : json_null());
}

/* The watch stream's object for a recorded event (fields as cmd_watch.c prints them). */
static json_t *stream_object(const char *sid, const struct store_event *ev, json_t *d)
{
	static const struct {
		const char *recorded, *stream;
	} renamed[] = {
		{"marker_seen", "marker"}, {"failure_seen", "failure"}, {"log_rotated", "rotated"},
		{"step_activated", "step_active"}, {"step_verified", "step_verified"},
		{"session_finished", "session_finished"},
	};
	const char *type = ev->type;
	bool known = false;
	for (size_t i = 0; i < ARRAY_LEN(renamed); i++)
		if (strcmp(ev->type, renamed[i].recorded) == 0) {
			type = renamed[i].stream;
			known = true;
		}
	json_t *o = json_object();
	json_object_set_new(o, "type", json_string(type));
	json_object_set_new(o, "session", sessutil_jtext(sid));
	json_object_set_new(o, "seq", json_integer((json_int_t)ev->seq));
	json_object_set_new(o, "step", sessutil_jtext(ev->step));
	if (strcmp(type, "marker") == 0) {
		copy_field(o, d, "log", "log");
		copy_field(o, d, "verify", "verify");
		copy_field(o, d, "expect", "index");
		copy_field(o, d, "pattern", "expect");
		copy_field(o, d, "line", "line");
		const char *line = json_string_value(json_object_get(d, "line"));
		if (line) { /* the record's text, as watch gives it (without the SMS trailer) */
			struct log_record rec = {0};
			smslog_parse(line, strlen(line), &rec);
			json_object_set_new(o, "text", sessutil_jtext(rec.text));
			log_record_free(&rec);
		} else {
			json_object_set_new(o, "text", json_null());
		}
		copy_field(o, d, "file", "file");
		copy_field(o, d, "offset", "offset");
	} else if (strcmp(type, "failure") == 0) {
		copy_field(o, d, "log", "log");
		copy_field(o, d, "line", "line");
		copy_field(o, d, "hint", "hint");
		copy_field(o, d, "file", "file");
		copy_field(o, d, "offset", "offset");
	} else if (strcmp(type, "rotated") == 0) {
		copy_field(o, d, "log", "log");
		copy_field(o, d, "old_file", "old_file");
		copy_field(o, d, "new_file", "new_file");
	} else if (!known) {
		json_object_set(o, "data", d ? d : json_null());
	}
	if (known && json_is_true(json_object_get(d, "simulated")))
		json_object_set_new(o, "simulated", json_true());
	json_object_set_new(o, "operator", sessutil_jtext(ev->op));
	json_object_set_new(o, "host", sessutil_jtext(ev->host));
	json_object_set_new(o, "at", sessutil_jtime(ev->at_ms));
	return o;
}

/* One readable line: "AT  #SEQ  OPERATOR@HOST  TYPE  STEP  key: value; ..." (sanitized). */
static char *text_line(json_t *o)
{
	struct strbuf sb = STRBUF_INIT;
	const char *op = json_string_value(json_object_get(o, "operator"));
	const char *host = json_string_value(json_object_get(o, "host"));
	const char *step = json_string_value(json_object_get(o, "step"));
	sb_printf(&sb, "%s  #%lld  %s@%s  %s", json_string_value(json_object_get(o, "at")),
		  (long long)json_integer_value(json_object_get(o, "seq")), op ? op : "?", host ? host : "?",
		  json_string_value(json_object_get(o, "type")));
	if (step)
		sb_printf(&sb, "  %s", step);
	static const char *const shown_above[] = {"type", "session", "seq", "step", "operator", "host", "at"};
	json_t *fields = json_object_get(o, "data");
	fields = json_is_object(fields) ? fields : o;
	const char *key;
	json_t *v;
	bool first = true;
	json_object_foreach(fields, key, v) {
		bool skip = json_is_null(v) || (fields == o && strcmp(key, "text") == 0);
		for (size_t i = 0; i < ARRAY_LEN(shown_above) && !skip; i++)
			skip = fields == o && strcmp(key, shown_above[i]) == 0;
		if (skip)
			continue;
		sb_puts(&sb, first ? "  " : "; ");
		first = false;
		char *val = json_is_string(v) ? xstrdup(json_string_value(v)) : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		sb_printf(&sb, "%s: %s", key, val ? val : "");
		free(val);
	}
	char *clean = text_sanitize(sb_str(&sb), sb.len, 0);
	sb_free(&sb);
	return clean;
}

static bool print_event(void *ctx, const struct store_event *ev)
{
	struct follow_out *out = ctx;
	json_t *d = json_loads(ev->data ? ev->data : "{}", 0, NULL);
	json_t *o = stream_object(out->sid, ev, d);
	char *s = out->text ? text_line(o) : json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (s) {
		fputs(s, stdout);
		fputc('\n', stdout);
	}
	free(s);
	json_decref(o);
	json_decref(d);
	out->last = ev->seq;
	if (strcmp(ev->type, "session_finished") == 0)
		out->finished = true;
	if (fflush(stdout) != 0 || ferror(stdout))
		out->broken = true;
	return !out->broken && !follow_stop;
}

static int follow_stream(struct store *st, const struct session *s, bool from_now, bool text)
{
	struct follow_out out = {.sid = s->id, .text = text, .last = from_now ? s->seq : 0};
	struct follow_wait fw;
	follow_wait_init(&fw, st, s->id); /* before the first read: nothing committed between is missed */
	if (fw.why[0])
		fprintf(stderr, "steward: note: %s — re-reading the session every %d ms instead\n", fw.why,
			FOLLOW_REREAD_MS);
	setvbuf(stdout, NULL, _IOLBF, 0);
	stop_setup();
	struct st_error err = {0};
	enum st_code rc = ST_OK;
	bool due = true;
	while (!follow_stop) {
		if (due) {
			rc = store_read_events(st, s->id, out.last, print_event, &out, &err);
			if (rc != ST_OK || out.broken || out.finished || (from_now && s->finished))
				break;
		}
		struct pollfd pfd[2] = {{.fd = follow_wait_fd(&fw), .events = POLLIN},
					{.fd = stop_pipe[0], .events = POLLIN}};
		if (poll(pfd, 2, follow_wait_timeout_ms(&fw)) < 0 && errno != EINTR) {
			rc = st_set(&err, ST_IOERR, "poll: %s", strerror(errno));
			break;
		}
		due = follow_wait_due(&fw, pfd[0].fd >= 0 && (pfd[0].revents & (POLLIN | POLLERR | POLLHUP)));
	}
	stop_teardown();
	if (rc != ST_OK)
		return cli_error(rc, "follow: %s", err.msg);
	if (out.broken && errno != EPIPE)
		return cli_error(ST_IOERR, "follow: cannot write the output: %s", strerror(errno));
	return ST_OK;
}

int cmd_follow(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"from-now", no_argument, NULL, 'n'}, {"json", no_argument, NULL, 'j'},
		{"text", no_argument, NULL, 't'},     {"tui", no_argument, NULL, 'T'},
		{"help", no_argument, NULL, 'h'},     {NULL, 0, NULL, 0},
	};
	bool from_now = false, text = false, tui = false;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': from_now = true; break;
		case 'j': text = false; break;
		case 't': text = true; break;
		case 'T': tui = true; break;
		case 'h': return cli_help("follow");
		default: return cli_usage(cli_usage_of("follow"));
		}
	}
	if (argc - optind != 1)
		return cli_usage(cli_usage_of("follow"));
	if (tui && tui_check_terminal() != ST_OK)
		return ST_USAGE;
	struct store *st = NULL;
	int rc = sessutil_open_store(ctx, STORE_READ, &st);
	if (rc != ST_OK)
		return rc;
	struct session *s = NULL;
	rc = sessutil_open(ctx, st, argv[optind], SESSION_READ, &s);
	if (rc == ST_OK)
		rc = tui ? tui_observe(ctx, s) : follow_stream(st, s, from_now, text);
	session_close(s);
	store_close(st);
	return rc;
}
