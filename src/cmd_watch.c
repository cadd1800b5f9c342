/*
 * cmd_watch.c — `steward watch SESSION`: headless verification. Holds the session lock,
 * runs the watch engine (watch.h, the same one the TUI uses) and prints one JSON object
 * per event, line-buffered (CLI.md): marker, step_verified, failure, rotated, plus
 * following (inotify or polling, per log), problem, recovered, step_active, overdue
 * (once per activation of a step, when it passes the timeout of a verify block not yet
 * satisfied) and session_finished. Exits 0 when the session finishes or on
 * SIGINT/SIGTERM, 1 when a failure signature was seen, else the engine's error code.
 *
 * Stopping: SIGINT/SIGTERM set a flag the engine checks between lines (and wake the
 * poll through a pipe), so watch saves its positions and releases its lock at once.
 * Should that take longer than STOP_GRACE_MS (a read stuck on a network mount, a very
 * long record), a timer armed by the handler ends the process with _exit: the lock row
 * then names a process that is gone, which the next steward command takes over
 * (src/store/sqlite/lock.c), and the store is exactly as a crash leaves it (every hit committed
 * with its position; later lines are read again).
 */
#include "steward/cli.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd_sessutil.h"
#include "steward/watch.h"

#define STOP_GRACE_MS 700

/* Signal handlers can only reach statics; one watch runs per process. */
static volatile sig_atomic_t watch_stop;
static volatile sig_atomic_t watch_exit_code; /* what _exit reports if the grace ends */
static int wake_pipe[2] = {-1, -1};
static timer_t grace_timer;
static bool grace_armed;

static void on_signal(int sig)
{
	(void)sig;
	int saved = errno;
	watch_stop = 1;
	if (wake_pipe[1] >= 0) {
		ssize_t n = write(wake_pipe[1], "x", 1);
		(void)n; /* a full pipe already wakes the poll */
	}
	if (grace_armed) { /* timer_settime is async-signal-safe */
		struct itimerspec its = {.it_value = {.tv_sec = STOP_GRACE_MS / 1000,
						      .tv_nsec = (STOP_GRACE_MS % 1000) * 1000000L}};
		timer_settime(grace_timer, 0, &its, NULL);
	}
	errno = saved;
}

static void on_grace_over(int sig)
{
	(void)sig;
	_exit(watch_exit_code);
}

/* The stop machinery: a wake-up pipe, the grace timer, the handlers. */
static void stop_setup(void)
{
	watch_stop = 0;
	watch_exit_code = ST_OK;
	if (pipe(wake_pipe) == 0) {
		for (int i = 0; i < 2; i++) {
			fcntl(wake_pipe[i], F_SETFL, O_NONBLOCK);
			fcntl(wake_pipe[i], F_SETFD, FD_CLOEXEC);
		}
	} else {
		wake_pipe[0] = wake_pipe[1] = -1; /* the grace timer still bounds the stop */
	}
	struct sigaction ga = {0};
	ga.sa_handler = on_grace_over;
	sigaction(SIGALRM, &ga, NULL);
	struct sigevent sev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGALRM};
	grace_armed = timer_create(CLOCK_MONOTONIC, &sev, &grace_timer) == 0;
	struct sigaction sa = {0};
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static void stop_teardown(void)
{
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if (grace_armed)
		timer_delete(grace_timer);
	grace_armed = false;
	signal(SIGALRM, SIG_DFL);
	for (int i = 0; i < 2; i++) {
		if (wake_pipe[i] >= 0)
			close(wake_pipe[i]);
		wake_pipe[i] = -1;
	}
}

static void print_obj(json_t *o)
{
	char at[32];
	util_format_utc_ms(util_now_ms(), at);
	json_object_set_new(o, "at", json_string(at));
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (s) {
		fputs(s, stdout);
		fputc('\n', stdout);
		fflush(stdout);
	}
	free(s);
	json_decref(o);
}

static json_t *base(const struct session *s, const char *type)
{
	json_t *o = json_object();
	json_object_set_new(o, "type", json_string(type));
	json_object_set_new(o, "session", json_string(s->id));
	return o;
}

static json_t *jstr_or_null(const char *s) { return s ? json_string(s) : json_null(); }

static void on_event(void *ctx, const struct watch_event *ev)
{
	const struct session *s = ctx;
	const char *step = ev->step >= 0 ? s->rb->steps[ev->step].id : NULL;
	const char *log = ev->log < s->rb->n_logs ? s->rb->logs[ev->log].name : NULL;
	json_t *o;
	switch (ev->type) {
	case WEV_LINE:
		return;
	case WEV_MARKER:
		o = base(s, "marker");
		json_object_set_new(o, "step", jstr_or_null(step));
		json_object_set_new(o, "log", jstr_or_null(log));
		json_object_set_new(o, "verify", json_integer((json_int_t)ev->verify));
		json_object_set_new(o, "index", json_integer((json_int_t)ev->expect));
		json_object_set_new(o, "expect", jstr_or_null(ev->pattern));
		json_object_set_new(o, "line", jstr_or_null(ev->rec ? ev->rec->raw : NULL));
		json_object_set_new(o, "text", jstr_or_null(ev->rec ? ev->rec->text : NULL));
		json_object_set_new(o, "file", jstr_or_null(ev->file));
		json_object_set_new(o, "offset", json_integer((json_int_t)ev->offset));
		if (ev->simulated)
			json_object_set_new(o, "simulated", json_true());
		break;
	case WEV_STEP_VERIFIED:
		o = base(s, "step_verified");
		json_object_set_new(o, "step", jstr_or_null(step));
		break;
	case WEV_FAILURE:
		o = base(s, "failure");
		json_object_set_new(o, "step", jstr_or_null(step));
		json_object_set_new(o, "log", jstr_or_null(log));
		json_object_set_new(o, "line", jstr_or_null(ev->rec ? ev->rec->raw : NULL));
		json_object_set_new(o, "hint", jstr_or_null(ev->hint));
		json_object_set_new(o, "file", jstr_or_null(ev->file));
		json_object_set_new(o, "offset", json_integer((json_int_t)ev->offset));
		if (ev->simulated)
			json_object_set_new(o, "simulated", json_true());
		break;
	case WEV_ROTATED:
		o = base(s, "rotated");
		json_object_set_new(o, "log", jstr_or_null(log));
		json_object_set_new(o, "old_file", jstr_or_null(ev->old_file));
		json_object_set_new(o, "new_file", jstr_or_null(ev->file));
		json_object_set_new(o, "message", jstr_or_null(ev->message));
		break;
	case WEV_PROBLEM:
		o = base(s, ev->recovered ? "recovered" : "problem");
		json_object_set_new(o, "log", jstr_or_null(log));
		json_object_set_new(o, ev->recovered ? "file" : "message", jstr_or_null(ev->message));
		break;
	default:
		return;
	}
	print_obj(o);
}

/* Overdue: said once per activation of a step (a reopened step may be overdue again). */
struct overdue_watch {
	long step;           /* the step last reported, -1 none */
	int64_t activated;   /* its activation then */
};

/* Reports the active step when it has just become overdue; returns how long poll may
 * sleep before it next could (ms, capped at cap; cap when it cannot). */
static int check_overdue(const struct session *s, struct overdue_watch *ow, int cap)
{
	if (s->active < 0 || s->finished)
		return cap;
	size_t a = (size_t)s->active;
	if (ow->step == s->active && ow->activated == s->steps[a].activated_ms)
		return cap;
	int64_t now = util_now_ms(), over = session_overdue_ms(s, a, now);
	if (over > 0) {
		ow->step = s->active;
		ow->activated = s->steps[a].activated_ms;
		char since[32];
		util_format_utc_ms(s->steps[a].activated_ms, since);
		json_t *o = base(s, "overdue");
		json_object_set_new(o, "step", json_string(s->rb->steps[a].id));
		json_object_set_new(o, "by_ms", json_integer(over));
		json_object_set_new(o, "active_since", json_string(since));
		print_obj(o);
		return cap;
	}
	int64_t at = session_overdue_at_ms(s, a);
	if (!at)
		return cap;
	int64_t wait = at - now + 1;
	if (wait > INT_MAX)
		wait = INT_MAX;
	return (cap >= 0 && wait > cap) ? cap : (int)(wait < 0 ? 0 : wait);
}

static void print_active(const struct session *s)
{
	json_t *o = base(s, "step_active");
	json_object_set_new(o, "step", s->active >= 0 ? json_string(s->rb->steps[s->active].id) : json_null());
	print_obj(o);
}

int cmd_watch(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *id = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return cli_help("watch");
		if (argv[i][0] == '-' && argv[i][1]) {
			cli_error(ST_USAGE, "watch: unknown option %s", argv[i]);
			return cli_usage(cli_usage_of("watch"));
		}
		if (id) {
			cli_error(ST_USAGE, "watch: one session at a time");
			return cli_usage(cli_usage_of("watch"));
		}
		id = argv[i];
	}
	if (!id)
		return cli_usage(cli_usage_of("watch"));
	struct st_error err = {0};
	struct store *st = NULL;
	int orc = sessutil_open_store(ctx, STORE_WRITE, &st);
	if (orc != ST_OK)
		return orc;
	struct session *s = NULL;
	orc = sessutil_open(ctx, st, id, SESSION_WRITE, &s);
	if (orc != ST_OK) {
		store_close(st);
		return orc;
	}
	enum st_code rc;
	struct watcher *w = NULL;
	rc = watcher_new(s, &w, &err);
	if (rc != ST_OK) {
		session_close(s);
		store_close(st);
		return cli_error(rc, "watch: %s", err.msg);
	}
	watcher_set_line_events(w, false);
	setvbuf(stdout, NULL, _IOLBF, 0);
	stop_setup();
	watcher_set_stop_flag(w, &watch_stop);
	signal(SIGPIPE, SIG_IGN);
	long active = -2;
	bool told_mode = false;
	struct overdue_watch ow = {.step = -1};
	while (!watch_stop) {
		rc = watcher_process(w, on_event, s, &err);
		if (rc != ST_OK)
			break;
		if (watcher_failure_seen(w))
			watch_exit_code = ST_FAILED;
		if (!told_mode) { /* say how each log is followed (network mounts are polled) */
			told_mode = true;
			for (size_t l = 0; l < s->rb->n_logs; l++) {
				json_t *o = base(s, "following");
				json_object_set_new(o, "log", json_string(s->rb->logs[l].name));
				json_object_set_new(o, "file", jstr_or_null(s->logs[l].path));
				json_object_set_new(o, "mode", json_string(watcher_is_polling(w, l) ? "polling" : "inotify"));
				print_obj(o);
			}
		}
		if (s->active != active) {
			active = s->active;
			if (!s->finished)
				print_active(s);
		}
		if (s->finished) {
			print_obj(base(s, "session_finished"));
			break;
		}
		if (watch_stop)
			break;
		int sleep_ms = check_overdue(s, &ow, watcher_timeout_ms(w));
		struct pollfd pfd[2] = {{.fd = watcher_fd(w), .events = POLLIN},
					{.fd = wake_pipe[0], .events = POLLIN}};
		if (poll(pfd, 2, sleep_ms) < 0 && errno != EINTR) {
			rc = st_set(&err, ST_IOERR, "poll: %s", strerror(errno));
			break;
		}
	}
	/* a failure seen now, or the step left failed by an earlier run */
	if (rc == ST_OK)
		rc = watcher_save_positions(w, &err);
	bool failed = watcher_failure_seen(w) ||
		      (s->active >= 0 && s->steps[s->active].status == STEP_FAILED);
	watcher_free(w);
	session_close(s);
	store_close(st);
	stop_teardown();
	if (rc != ST_OK)
		return cli_error(rc, "watch: %s", err.msg);
	return failed ? ST_FAILED : ST_OK;
}
