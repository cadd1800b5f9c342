/*
 * session.h — the session engine: the one place for every transition rule.
 *
 * A session is a fold over its append-only, hash-chained events (store.h). Every
 * operator action and every log observation goes through a function here, which
 * checks the rule, appends the event durably (synchronous=FULL) and updates the
 * in-memory state; nothing the operator sees exists only in memory. The TUI and
 * the CLI verbs (step, note, watch, ...) are thin front ends over these functions.
 *
 * Rules (each refusal returns a non-OK code and a one-line message in err):
 *  - complete: refused with ST_TEMPFAIL while a `wait` runs (message says the time
 *    left; the deadline is activation time + wait, so it survives restarts), with
 *    ST_TEMPFAIL when the `confirm` word is missing or wrong; on a step with
 *    `verify` a plain complete is refused (ST_TEMPFAIL, "use override with a note").
 *  - skip needs a reason, fail a note, reopen a reason, override a note (ST_USAGE).
 *  - complete (and override) with checklist items not ticked needs a note (ST_TEMPFAIL);
 *    the items left unticked are recorded, and so is a completion out of order.
 *  - every transition on a not-applicable step is refused (ST_USAGE: exit 64, as for an
 *    unknown step; not 65, which means an invalid runbook).
 *  - after every completion the first applicable step not done/skipped becomes active
 *    (an activation event, recording every log's identity and size).
 *  - the session finishes (an event) when every applicable step is done or skipped.
 *
 * Details fixed by session_rules.c (the one place they live; session.c opens and creates,
 * session_fold.c folds, session_tx.c commits):
 *  - the active step is the step whose status is STEP_ACTIVE, else the first applicable
 *    step that is not done or skipped (a failed step stays where it is until it is
 *    reopened or skipped); at most one step is STEP_ACTIVE;
 *  - complete/override/skip/fail/reopen of a step in the wrong state (completing a done
 *    step, reopening a pending one, completing a failed one without reopening it) is
 *    refused with ST_TEMPFAIL; a pending step may be completed or skipped out of order
 *    (it keeps the active step where it is), except that a step with a `wait` must have
 *    been active for that long;
 *  - after a reopen, the first applicable step not done or skipped becomes active when it
 *    comes before the active one (or nothing is active);
 *  - an override waits like a completion; log evidence (record_marker) completes a
 *    step whatever its wait, and counts while the step is active or pending;
 *  - a failure signature (session_record_failure) marks its step failed;
 *  - a finished session refuses every transition (ST_USAGE) but still takes notes;
 *  - a not-applicable step refuses everything, notes included (ST_USAGE).
 */
#ifndef STEWARD_SESSION_H
#define STEWARD_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "steward/logfile.h"
#include "steward/runbook.h"
#include "steward/status.h"
#include "steward/vars.h"

struct store;

enum step_status {
	STEP_PENDING,
	STEP_ACTIVE,
	STEP_DONE,
	STEP_SKIPPED,
	STEP_FAILED,
	STEP_NA, /* its `when:` is false for this session */
};
const char *step_status_name(enum step_status st); /* "pending", ..., "not-applicable" */

enum completed_by { BY_NONE, BY_OPERATOR, BY_MARKERS, BY_OVERRIDE };
const char *completed_by_name(enum completed_by by); /* NULL, "operator", "markers", "override" */

struct sess_note {
	int64_t at_ms;
	char *op;   /* operator */
	char *text;
	long step;  /* step index, or -1 for a session note */
	const char *kind; /* static: "note", or the transition it explains: "complete",
	                     "override", "skip", "fail", "reopen" */
};

/* One expected line seen (evidence). */
struct sess_marker {
	size_t verify;   /* index into step->verify */
	size_t expect;   /* index into that block's expect */
	char *line;      /* the full raw line as read */
	char *file;      /* the file it was read from (may be the .lo_) */
	uint64_t offset; /* byte offset of the line in that file */
	int64_t at_ms;   /* when steward saw it */
	bool simulated;  /* written by `steward simulate` (a rehearsal), not by the site */
};

#define SESS_FAIL_UNKNOWN SIZE_MAX /* sess_failure.fail of an event naming no signature */
struct sess_failure {
	size_t fail;     /* index into step->fail, or SESS_FAIL_UNKNOWN */
	char *line;
	char *file;
	uint64_t offset;
	int64_t at_ms;
	bool simulated;  /* written by `steward simulate` */
};

/* Where a log is to be read from (recorded at activation, advanced as lines are consumed). */
struct log_position {
	char *path;      /* resolved path of the live file (log folder + file name, or override) */
	uint64_t dev;    /* identity of the file the offset belongs to; 0/0 = not found */
	uint64_t ino;
	uint64_t offset; /* next byte to read */
	uint64_t mark;   /* logfile_mark() of the bytes before offset; 0 = not known */
	/* A window (step_state.window): how the file was found at the activation
	 * (logfile.h): EXACT/OTHER_CASE (dev/ino/offset hold), ABSENT (no file by any
	 * spelling: one appearing later is new, read from its first byte), AMBIGUOUS or
	 * NO_FOLDER (could not be placed: only lines written after the file is first
	 * found count). Positions are always EXACT. */
	enum logfile_how found;
};

/* A log folder as fixed at start: the main log folder or one of the runbook's log_folders. */
struct sess_log_folder {
	char *id;   /* RB_MAIN_LOG_FOLDER ("logs") or a log_folders id */
	char *path; /* absolute, fixed at start; NULL when the start event does not say (a
	               session started before log folders existed, for a runbook folder) */
	bool given; /* a path was given at start; false = it defaulted to the main log folder */
};

/* Where a log was placed at start (the start event records it; nothing moves it later). */
struct sess_log_place {
	char *path;      /* the resolved path fixed at start */
	long folder;     /* index into session.folders; -1 when the runbook gives an absolute
	                    path or --log NAME=PATH gave one */
	bool overridden; /* --log NAME=PATH gave the path */
};

struct step_state {
	enum step_status status;
	enum completed_by completed_by;
	int64_t activated_ms;   /* last activation; 0 = never */
	int64_t completed_ms;   /* 0 = not completed */
	char *completed_op;     /* who completed/skipped/failed it (for a failure seen in a log:
	                           whoever was watching, recorded on the event) */
	bool failed_by_log;     /* failed because a failure signature was seen, not by hand */
	bool out_of_order;      /* completed or skipped while another step was the active one */
	bool wait_overridden;   /* skipped while its wait still ran (production: with a word) */
	size_t *matched;        /* per verify block: how many expect entries are satisfied */
	struct sess_marker *markers;
	size_t n_markers;
	struct sess_failure *failures;
	size_t n_failures;
	bool *ticked;           /* per checklist item */
	struct log_position *window; /* per runbook log: identity and size at the last
	                                activation — where this step's window of lines begins */
};

struct session {
	char *id;             /* e.g. "20261122-013314-4f2a" */
	char *label;
	char *op;             /* operator who started it */
	char *host;
	bool rehearsal;
	int wait_divisor;     /* rehearsal only: every `wait` divided by this (1 = as written) */
	bool finished;
	int64_t started_ms;
	int64_t finished_ms;  /* 0 when unfinished */
	int64_t last_activity_ms;
	int64_t sealed_seq;   /* the last event covered by a seal (seal.h); 0 = never sealed */
	struct runbook *rb;   /* owned: parsed from the text stored at start */
	bool runbook_changed; /* the file on disk now differs from the stored text */
	char *runbook_path;   /* where it was loaded from at start */
	struct varmap vars;
	char *log_dir;
	struct step_state *steps; /* rb->n_steps entries */
	long active;          /* index of the active step, -1 when none */
	struct log_position *logs; /* rb->n_logs entries: the read position for each log */
	struct sess_log_folder *folders; /* [0] the main log folder, then rb->log_folders[k] at k + 1 */
	size_t n_folders;     /* 1 + rb->n_log_folders */
	struct sess_log_place *places; /* rb->n_logs entries: where each log was placed at start */
	struct sess_note *notes;
	size_t n_notes;
	int64_t seq;          /* the head: the last event applied */
	char head_hash[65];   /* hash of that event */
	/* The engine's own (src/session*.c): other modules read them through session_store(),
	 * session_writable() and session_taken_over(), and write none of them. */
	struct store *store;
	bool writable;        /* holds the lock */
	struct st_error broken; /* code != ST_OK: a failed change could not be undone in memory
	                           (the reload failed); why. No change is taken after it. */
	char *actor_op;       /* who is acting now (recorded on every event appended) */
	char *actor_host;
	bool positioned;      /* logs[] set (by the first activation or a positions event) */
	char *taken_over_host; /* SESSION_TAKE_OVER replaced this host's lock (else NULL) */
	long taken_over_pid;
	int64_t taken_over_since_ms;
};

struct session_params {
	const struct varmap *vars;   /* complete and valid (see vars_complete) */
	const char *log_dir;         /* folder holding the logs; NULL = current folder */
	const char **folder_ids;     /* --folder ID=PATH pairs (ID "logs" is log_dir; a later pair
	                                wins); a runbook folder not named defaults to log_dir */
	const char **folder_paths;
	size_t n_folders;
	const char **log_override_names; /* --log NAME=PATH pairs (win over any folder) */
	const char **log_override_paths;
	size_t n_log_overrides;
	const char *label;
	const char *op;
	bool rehearsal;
	int wait_divisor;            /* rehearsal only (`start --short-waits N`): waits divided by N;
	                                0 or 1 = as written. Recorded in the start event. */
};

/* Summary row for `sessions` and the TUI home screen (one cheap query, no replay). */
struct session_summary {
	char *id, *label, *runbook_id, *runbook_title, *status; /* status: "active" | "finished" */
	bool rehearsal;
	int done;       /* done or skipped */
	int applicable; /* steps that are not not-applicable */
	int64_t started_ms, last_activity_ms;
	char *active_step;    /* id of the active step, or NULL */
	/* From the cached glance when the store has one (glance_known); else filled by
	 * session_summaries_detail() with a replay. detailed: these fields are known. */
	bool glance_known, detailed;
	int skipped, failed, not_applicable, total;
	char *site;           /* the runbook's first declared variable, "site_code=CEN" (or NULL) */
	char *overdue_step;   /* id of the step that is overdue now, or NULL */
	int64_t overdue_ms;   /* by how much (as of session_summaries_detail's now) */
	char *wait_step;      /* the active step whose wait runs out first, or NULL */
	int64_t wait_ends_ms; /* when (0: none) */
};
void session_summaries_free(struct session_summary *rows, size_t n);
enum st_code session_list(struct store *st, bool include_finished, struct session_summary **rows,
			  size_t *n, struct st_error *err);
/* Fills the detail fields of each row as of now_ms (for `sessions` and the home screen:
 * failed and overdue steps, the site): from the cached glance, or, for a session cached
 * by an older steward, by replaying it read-only (at most max_replays of those: the rest
 * keep detailed=false). A row whose session cannot be replayed keeps detailed=false; the
 * first such error is returned after all rows. */
enum st_code session_summaries_detail(struct store *st, struct session_summary *rows, size_t n, int64_t now_ms,
				      size_t max_replays, struct st_error *err);

/* Step counts, one wording everywhere (status, sessions, the TUI, exports). */
struct session_counts {
	int total, done, skipped, not_applicable, failed, open; /* open: pending or active */
};
void session_counts(const struct session *s, struct session_counts *c);
/* "done 12, skipped 2, not applicable 10, of 34" (failed named when there are some). */
char *session_counts_text(const struct session_counts *c);
/* The session's first declared variable as "name=value" (what tells two sites apart), or NULL. */
char *session_site(const struct session *s);
/* The session at a glance (counts, site, the first wait to run out), as cached for listings. */
struct store_glance;
void session_glance(const struct session *s, struct store_glance *out);

/* Who holds the session's lock, in words, for the readers that show it (observer mode,
 * the home screen, `sessions`): "HOST (pid PID)" (OPERATOR@HOST once the store records
 * the operator: struct store_lock_holder.op). *holder is NULL when nobody holds
 * it, or when its holder is gone (the next writer takes it over). Caller frees. */
enum st_code session_lock_holder(struct store *st, const char *id, char **holder, struct st_error *err);

/* The last seal recorded on a session (the `seal` event), if any. */
struct session_seal_info {
	int64_t event_seq;   /* the seal event; 0 when never sealed */
	int64_t sealed_seq;  /* the last event it covers */
	int64_t at_ms;
	char *op, *host, *key, *head;
};
enum st_code session_last_seal(const struct session *s, struct session_seal_info *out, struct st_error *err);
void session_seal_info_free(struct session_seal_info *si);

/*
 * Unfinished sessions of the same runbook (by id) whose variables equal vars (the values
 * a new session would get, defaults filled in): starting again would duplicate one of
 * them. Most recently active first; *ids (caller frees each and the array) may be empty.
 * For `start` (refuses without --new) and the TUI's start form (offers to resume).
 */
enum st_code session_find_duplicates(struct store *st, const struct runbook *rb, const struct varmap *vars,
				     char ***ids, size_t *n, struct st_error *err);

/* Checks the names in params against the runbook, without touching the file system:
 * every --log names a log, every --folder a folder ("logs" or a log_folders id).
 * ST_USAGE with a message naming the valid names. session_create checks this too. */
enum st_code session_check_params(const struct runbook *rb, const struct session_params *params,
				  struct st_error *err);
/* Creates a session (start event, activation of the first applicable step). The start
 * event fixes every folder's and every log's path (struct sess_log_folder / place). */
enum st_code session_create(struct store *st, const struct runbook *rb,
			    const struct session_params *params, char **id_out, struct st_error *err);

/* SESSION_TAKE_OVER: a writer that also replaces a lock held from another host (see
 * store_lock_take_over); session_record_take_over() then records whose it was. */
enum session_mode { SESSION_READ, SESSION_WRITE, SESSION_TAKE_OVER };
/*
 * Opens by full id or unique prefix (NULL = the most recently active unfinished one).
 * SESSION_WRITE takes the session lock: ST_TEMPFAIL naming the holder (pid, host, since)
 * when a live process holds it; a dead holder's lock is taken over.
 */
enum st_code session_open(struct store *st, const char *id_or_prefix, enum session_mode mode,
			  struct session **out, struct st_error *err);
/* The store the session was opened from (borrowed). */
struct store *session_store(const struct session *s);
/* Opened for writing and holding the lock (SESSION_WRITE or SESSION_TAKE_OVER). */
bool session_writable(const struct session *s);
/* SESSION_TAKE_OVER replaced this host's lock: the host (NULL when none was replaced),
 * with the holder's pid and since when it held it. */
const char *session_taken_over(const struct session *s, long *pid, int64_t *since_ms);
/* Re-reads events appended by others since the last load (readers: simulate, TUI peek). */
enum st_code session_refresh(struct session *s, struct st_error *err);
void session_close(struct session *s); /* releases the lock; NULL-safe */
/* After SESSION_TAKE_OVER replaced another host's lock (and the actor is set): one
 * lock_taken_over event naming the previous holder, so the audit trail shows who took
 * the session from whom. Nothing when no lock was replaced. */
enum st_code session_record_take_over(struct session *s, struct st_error *err);

/* Whether a note, reason or word counts as not given: NULL, or only spaces, tabs and line
 * ends. The engine's rule (need_text, check_confirm); front ends that check a prompt's
 * answer before passing it on use this, not a copy. */
bool session_blank(const char *text);
/* Who is acting: recorded on every event appended from now on. Default: $STEWARD_OPERATOR,
 * else the login name; this machine's host name. (session_open sets the default.) */
void session_set_actor(struct session *s, const char *op, const char *host);
/* The runbook's title with this session's variables substituted (caller frees). */
char *session_title(const struct session *s);
/* A step by id, or by its 1-based number in the runbook; -1 when none. */
long session_find_step(const struct session *s, const char *id_or_number);
/* The state as the store caches it (struct store_state, store.h): a replay computes it,
 * every transaction writes it; the two must be equal. Caller frees with store_state_free. */
struct store_state;
void session_projection(const struct session *s, struct store_state *out);
/* Compares the store's cached state with this replay: ST_OK when equal, ST_FAILED
 * naming the first difference (the cache was edited behind steward's back). */
enum st_code session_verify_cache(const struct session *s, struct st_error *err);

/* Operator transitions. step is an index into s->rb->steps; note/reason may be NULL. */
enum st_code session_complete(struct session *s, size_t step, const char *confirm_word,
			      const char *note, struct st_error *err);
enum st_code session_override(struct session *s, size_t step, const char *note, struct st_error *err);
/* skip: in a production session, a step whose `wait` has not elapsed is refused until it is
 * active, and then needs word == session_skip_wait_word() (recorded as an override of the
 * wait); rehearsals skip waits with a reason alone. */
enum st_code session_skip(struct session *s, size_t step, const char *reason, const char *word,
			  struct st_error *err);
const char *session_skip_wait_word(const struct session *s, size_t step);
/* Milliseconds of wait a skip now would override (0 when skip needs no word). */
int64_t session_skip_needs_word(const struct session *s, size_t step, int64_t now_ms);
/* What complete/override would refuse before any word or note is asked for (wrong state,
 * finished, not applicable, a wait that runs): front ends ask their questions only when
 * this is ST_OK, and show err otherwise. */
enum st_code session_can_complete(const struct session *s, size_t step, struct st_error *err);
/* How many of the step's checklist items are not ticked. */
size_t session_unticked(const struct session *s, size_t step);
/* The step is pending while another is active: completing it now is out of order (recorded). */
bool session_step_out_of_turn(const struct session *s, size_t step);
enum st_code session_fail(struct session *s, size_t step, const char *note, struct st_error *err);
enum st_code session_reopen(struct session *s, size_t step, const char *reason, struct st_error *err);
enum st_code session_activate(struct session *s, size_t step, struct st_error *err); /* out of order */
enum st_code session_note(struct session *s, long step, const char *text, struct st_error *err);
enum st_code session_tick(struct session *s, size_t step, size_t item, bool ticked, struct st_error *err);
/* Records a seal (seal.h): signature is the operator's SSH signature over
 * seal_message(id, sealed_seq, head), key its fingerprint. Refused (ST_TEMPFAIL) unless
 * sealed_seq/head are still the session's head. Allowed on a finished session. */
enum st_code session_seal(struct session *s, int64_t sealed_seq, const char *head, const char *signature,
			  const char *key, struct st_error *err);

/* The step's `wait` in seconds for this session: as written, or divided by the rehearsal's
 * wait_divisor (rounded up; never 0 for a step that waits). 0 when it has none. */
long session_wait_s(const struct session *s, size_t step);
/* Milliseconds until the step's `wait` elapses (0 when none or elapsed). */
int64_t session_wait_remaining_ms(const struct session *s, size_t step, int64_t now_ms);
/* How long the active step has been past the `timeout` of a verify block that is not yet
 * satisfied (the largest), 0 when it is not overdue. */
int64_t session_overdue_ms(const struct session *s, size_t step, int64_t now_ms);
/* The instant the active step passes its first timeout (session_overdue_ms turns positive
 * just after it), 0 when it cannot become overdue: for a watcher's wake-up. */
int64_t session_overdue_at_ms(const struct session *s, size_t step);
/* The step whose activation opens block vb's window of lines (lines written after that
 * activation, and after the log positions it recorded, count for the block): its
 * `since:` step, else its `after:` step, else the step itself. */
size_t session_window_step(const struct session *s, size_t step, size_t vb);

/*
 * `after: STEP` on verify block vb of step: the anchor its lines must not be earlier than.
 * AFTER_ANCHORED: *utc_ms is the UTC time (smslog: the line's time and bias) of the last
 * marker recorded for STEP, which completed it. Any other answer but AFTER_NONE means no
 * log line can satisfy the block (the operator overrides it with a note).
 */
enum after_anchor {
	AFTER_NONE,          /* the block has no `after:` */
	AFTER_ANCHORED,
	AFTER_NOT_VERIFIED,  /* STEP is not done, or was done by hand, overridden or skipped */
	AFTER_NO_TIME,       /* STEP's verifying line carries no time with a bias */
};
enum after_anchor session_after_anchor(const struct session *s, size_t step, size_t vb, int64_t *utc_ms);
/* Whether a line with this time counts for a block anchored at anchor_ms (the rule in one
 * place: it needs its own UTC time, not earlier than the anchor's). */
bool session_after_admits(int64_t anchor_ms, bool has_utc, int64_t line_utc_ms);

/*
 * Observations, called by the watch engine (watch.h) — never by the front ends directly.
 * record_marker marks expect entry `expect` of block `verify` as seen; when that
 * completes every block, the step is completed BY_MARKERS (a step_verified event) and
 * the next step activated. Each call is one durable commit, of one event or of several
 * (marker_seen, then step_verified and step_activated when it completed the step).
 */
enum st_code session_record_marker(struct session *s, size_t step, size_t verify, size_t expect,
				   const char *file, uint64_t offset, const char *line,
				   struct st_error *err);
enum st_code session_record_failure(struct session *s, size_t step, size_t fail, const char *file,
				    uint64_t offset, const char *line, struct st_error *err);

/* What one log line proved: an expect entry (verify, expect) or a failure signature. */
struct sess_observation {
	bool failure;
	size_t verify, expect; /* expect entry */
	size_t fail;           /* failure signature */
	bool simulated;        /* the line was written by `steward simulate` (simledger.h):
	                          recorded on the event as "simulated": true */
};
/*
 * Records everything one log line proved, in order, and (pos not NULL) the read
 * positions just past that line, in ONE durable commit: a crash can then neither lose
 * an observation whose line was already passed nor leave one to be counted again, and a
 * marker costs one fsync, not two. Stops after the observation that verified the step
 * (the rest of the line no longer counts for it); *n_taken says how many were taken.
 * All or nothing: on an error nothing is recorded.
 */
enum st_code session_record_line(struct session *s, size_t step, const struct sess_observation *obs, size_t n,
				 const char *file, uint64_t offset, const char *line,
				 const struct log_position *pos, size_t *n_taken, struct st_error *err);
enum st_code session_record_rotation(struct session *s, size_t log, const char *old_file,
				     const char *new_file, struct st_error *err);
/* Saves the read positions (a batch: one event for any number of logs). */
enum st_code session_record_positions(struct session *s, const struct log_position *pos,
				      struct st_error *err);

/* For the watch engine: commits stop checkpointing the WAL (see store_defer_checkpoints);
 * session_checkpoint_idle() does it once the caller's output is out. */
void session_defer_checkpoints(struct session *s);
void session_checkpoint_idle(struct session *s);

/* Counts for progress bars: done-or-skipped and applicable steps. */
void session_progress(const struct session *s, int *done, int *applicable);

#endif
