/*
 * watch.h — the verification engine shared by `steward watch` and the TUI:
 * follows a session's logs (logtail.h), parses each line (smslog.h), matches the
 * active step's expectations and failure signatures (match.h) and records every
 * observation through the session engine (session_record_*). It never blocks:
 * the caller polls watcher_fd() (or sleeps watcher_timeout_ms()) and then calls
 * watcher_process().
 */
#ifndef STEWARD_WATCH_H
#define STEWARD_WATCH_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "steward/session.h"
#include "steward/smslog.h"
#include "steward/status.h"

enum watch_event_type {
	WEV_LINE,          /* a parsed record of a watched log (for the live log pane) */
	WEV_MARKER,        /* an expected line seen */
	WEV_STEP_VERIFIED, /* every verify block of the step satisfied: step completed by markers */
	WEV_FAILURE,       /* a failure signature seen while its step was active */
	WEV_ROTATED,       /* the log rolled to .lo_ (or was replaced / truncated) */
	WEV_PROBLEM,       /* a log missing, unreadable, ... (reported once per condition);
	                      with `recovered`, the condition cleared */
};

struct watch_event {
	enum watch_event_type type;
	size_t log;                     /* index into session->rb->logs */
	long step;                      /* step index or -1 */
	size_t verify, expect;          /* for WEV_MARKER */
	const struct log_record *rec;   /* for WEV_LINE / WEV_MARKER / WEV_FAILURE; borrowed */
	const char *file;               /* the file read */
	uint64_t offset;
	const char *hint;               /* for WEV_FAILURE (substituted) */
	const char *message;            /* for WEV_ROTATED / WEV_PROBLEM */
	bool expected;                  /* WEV_LINE: this line satisfied an expectation */
	const char *old_file;           /* WEV_ROTATED: where the old lines were finished from */
	const char *pattern;            /* WEV_MARKER: the expect entry (substituted) */
	bool recovered;                 /* WEV_PROBLEM: the problem cleared (file found, readable) */
	bool simulated;                 /* WEV_MARKER / WEV_FAILURE: the line was written by
	                                   `steward simulate` (rehearsals only) */
};

typedef void (*watch_cb)(void *ctx, const struct watch_event *ev);

struct watcher;

/* The session must be open for writing. */
enum st_code watcher_new(struct session *s, struct watcher **out, struct st_error *err);
void watcher_free(struct watcher *w);
/* A descriptor to poll for input (inotify), or -1 when every log is polled. */
int watcher_fd(const struct watcher *w);
/* Milliseconds until watcher_process should run again even without input (polling). */
int watcher_timeout_ms(const struct watcher *w);
/* Reads what was appended, matches, records, and calls cb for every event. */
enum st_code watcher_process(struct watcher *w, watch_cb cb, void *ctx, struct st_error *err);
/* Records the read positions now (watcher_process records them after every hit and
 * otherwise at most every few seconds; watcher_free saves them too, ignoring errors). */
enum st_code watcher_save_positions(struct watcher *w, struct st_error *err);
/* Call after any transition made elsewhere (the active step may have changed). */
void watcher_session_changed(struct watcher *w);
/* True when this log is followed by polling (network mount, no inotify). */
bool watcher_is_polling(const struct watcher *w, size_t log);
/* WEV_LINE events for every record (default on, for the live log pane). Off, a large
 * backlog is scanned with the raw-buffer pre-filter and only the lines it hits are parsed;
 * on, only the last LINE_TAIL_KEEP bytes of a backlog are delivered line by line. */
void watcher_set_line_events(struct watcher *w, bool on);
/* A flag (set by a signal handler) that makes watcher_process return soon: after the
 * line being matched, before the next one is read. NULL (the default): never. */
void watcher_set_stop_flag(struct watcher *w, const volatile sig_atomic_t *stop);
/* True once a failure signature was recorded by this watcher. */
bool watcher_failure_seen(const struct watcher *w);

#endif
