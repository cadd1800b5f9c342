/*
 * store.h — the session database behind a narrow interface: open, append an event,
 * read events, read/write the cached state (projections), the session lock, audit.
 * Every line of SQL in steward lives in src/store/ (src/store/backend.h lists the
 * backends); nothing above this interface knows which database it talks to.
 *
 * Invariants:
 *  - events are append-only (the database refuses UPDATE and DELETE) and hash-chained
 *    per session: seq runs 1, 2, 3 ... without gaps; each event's prev_hash is the hash
 *    of the event before it (64 zeros for the first); its hash is the SHA-256 of a
 *    canonical encoding of (session id, seq, time, operator, host, type, step, data,
 *    prev_hash) — see store_event_hash();
 *  - what the chain proves: an event edited, removed or reordered in the middle breaks
 *    the chain, and store_audit reports the first event that does not verify. The chain
 *    has no anchor of its own: someone able to rewrite the database (drop the triggers,
 *    recompute every later hash, move the cached head back) leaves a chain that verifies.
 *    Only a head recorded elsewhere catches that — a seal (seal.h), a head printed in an
 *    export or given to `audit --head` — and an audit says when a session has none;
 *  - a session row's identity columns (id, runbook text and hash, start) never change;
 *    its other columns and the step/log tables are projections, written in the same
 *    transaction as the events they follow from, and always equal to a replay;
 *  - writers open with STORE_WRITE (the SQLite backend: folder 0700 and file 0600 when
 *    created, WAL, synchronous=FULL, foreign keys, busy timeout, migrations by PRAGMA
 *    user_version); readers open with STORE_READ, which never writes and works on a
 *    read-only file.
 */
#ifndef STEWARD_STORE_H
#define STEWARD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "steward/status.h"

struct store;

enum store_mode { STORE_READ, STORE_WRITE };

/* Opens (STORE_WRITE: creates and migrates) the database at path. Errors: ST_CANTCREATE
 * (cannot create/write, naming the path and what to do), ST_NOTFOUND (STORE_READ and no
 * file), ST_TEMPFAIL (the database stayed locked past the busy timeout). */
enum st_code store_open(const char *path, enum store_mode mode, struct store **out,
			struct st_error *err);
void store_close(struct store *st); /* NULL-safe */
/* True when a database name is a PostgreSQL server's (postgresql:// or postgres://): a URL,
 * which may carry a password, is never printed by steward (the store names the server). */
bool store_name_is_pg(const char *name);
const char *store_path(const struct store *st);
bool store_writable(const struct store *st);
/* "sqlite" or "postgresql": which backend the database name chose. */
const char *store_backend_name(const struct store *st);
/* Benchmarks' bulk generators only: synchronous=OFF (never used by the program). */
void store_set_durable(struct store *st, bool durable);
/* How long to wait for another process's write to finish (default 5000 ms). */
void store_set_busy_timeout(struct store *st, int ms);

/* The operator named in this writer's lock rows, so that a refused second writer learns
 * who holds the session (copied; callers that open a writer call it before store_lock). */
void store_set_operator(struct store *st, const char *op);

/*
 * Gives a role the privileges a writer needs and no more (PostgreSQL; run by the owner of
 * the tables): SELECT and INSERT on events and runbooks — never UPDATE, DELETE or
 * TRUNCATE — UPDATE on the cached state, and the lock rows. ST_USAGE on SQLite (a file
 * has no roles: its permissions are the file's).
 */
enum st_code store_grant_writer(struct store *st, const char *role, struct st_error *err);

/* Transactions: BEGIN IMMEDIATE ... COMMIT. Appends and projection writes go inside one. */
/*
 * Latency-sensitive writers (watch): by default SQLite checkpoints the WAL inside the
 * COMMIT that crosses 1,000 frames, which makes that one commit many times slower.
 * After store_defer_checkpoints(), commits never checkpoint; the caller runs
 * store_checkpoint_idle() once its output is out, which checkpoints (PASSIVE) when the
 * WAL has grown past that size. Durability is the same either way.
 */
void store_defer_checkpoints(struct store *st);
void store_checkpoint_idle(struct store *st);

enum st_code store_begin(struct store *st, struct st_error *err);
enum st_code store_commit(struct store *st, struct st_error *err);
void store_rollback(struct store *st);

/* A consistent view for readers: everything read between these two sees the database
 * as it was at the first read, whatever writers commit meanwhile (WAL snapshot). */
enum st_code store_snapshot_begin(struct store *st, struct st_error *err);
void store_snapshot_end(struct store *st);

/* The session's fixed identity, written once at start. */
struct store_session {
	char *id;
	char *label;           /* may be NULL */
	char *op;
	char *host;
	bool rehearsal;
	int64_t started_ms;
	char *runbook_id;
	char *runbook_title;
	char *runbook_version;
	char *runbook_path;
	char *runbook_sha256;  /* of runbook_text */
	char *runbook_text;    /* exact text as loaded at start */
	size_t runbook_text_len;
};
void store_session_free(struct store_session *row); /* frees the members */

/* Inserts a session row (inside a transaction). ST_TEMPFAIL when the id exists. */
enum st_code store_insert_session(struct store *st, const struct store_session *row,
				  struct st_error *err);
enum st_code store_read_session(struct store *st, const char *id, struct store_session *out,
				struct st_error *err);
/*
 * Resolves a full id or unique prefix. NULL = the most recently active unfinished
 * session; "" is ST_USAGE (it is no one's id). ST_NOTFOUND when none; ST_USAGE naming
 * the candidates when ambiguous.
 */
enum st_code store_resolve_id(struct store *st, const char *id_or_prefix, char **id_out,
			      struct st_error *err);

/* One event as stored (strings borrowed: from the caller when appending, from the
 * store for the duration of a store_read_events callback). */
struct store_event {
	int64_t seq;
	int64_t at_ms;
	const char *op;
	const char *host;
	const char *type;
	const char *step;  /* step id, or NULL for a session-level event */
	const char *data;  /* JSON object, canonical text (compact, sorted keys) */
	char prev_hash[65];
	char hash[65];
};

/* The SHA-256 (hex) of the canonical encoding of ev (its hash field is not used). */
void store_event_hash(const char *session_id, const struct store_event *ev, char out[65]);

/*
 * Appends one event inside a transaction: ev's at_ms, op, host, type, step and data are
 * used; seq, prev_hash and hash are computed and written back into *ev. expect_seq is
 * the caller's idea of the last seq: when the stored head differs (someone else wrote),
 * nothing is written and ST_TEMPFAIL is returned.
 */
enum st_code store_append(struct store *st, const char *session_id, int64_t expect_seq,
			  struct store_event *ev, struct st_error *err);

/* Calls cb for every event with seq > after_seq, in order. ev is borrowed for the call;
 * cb returns false to stop early. */
typedef bool (*store_event_cb)(void *ctx, const struct store_event *ev);
enum st_code store_read_events(struct store *st, const char *session_id, int64_t after_seq,
			       store_event_cb cb, void *ctx, struct st_error *err);

/* Cached state (projection) of a session. */
struct store_step_row {
	char *step_id;
	char *status;          /* step_status_name() */
	char *completed_by;    /* NULL when not completed */
	int64_t activated_ms;
	int64_t completed_ms;
	char *op;              /* who completed/skipped/failed it, or NULL */
};
struct store_log_row {
	char *name;
	char *path;
	uint64_t dev, ino, offset;
};
/* A session at a glance, kept with the cached state so that listings (the home screen,
 * `sessions`) need no replay. Projection columns like the others: equal to a replay. */
struct store_glance {
	bool known;            /* false: cached by a steward that kept no glance (replay to know) */
	int n_skipped, n_failed, n_na, n_total;
	char *site;            /* the runbook's first declared variable, "site_code=CEN", or NULL */
	char *overdue_step;    /* the active step whose wait runs out first, or NULL */
	int64_t overdue_at_ms; /* when it runs out (0: no active step has a running wait) */
};
void store_glance_free(struct store_glance *g); /* frees the members */

struct store_state {
	char *status;          /* "active" | "finished" */
	int64_t finished_ms;
	int64_t last_activity_ms;
	int n_done, n_applicable;
	char *active_step;     /* NULL when none */
	int64_t head_seq;
	char head_hash[65];
	struct store_step_row *steps; /* in runbook order */
	size_t n_steps;
	struct store_log_row *logs;   /* in runbook order */
	size_t n_logs;
	struct store_glance glance;
};
void store_state_free(struct store_state *ss); /* frees the members */
/* Replaces the cached state (inside the transaction that appended the events). */
enum st_code store_put_state(struct store *st, const char *session_id, const struct store_state *ss,
			     struct st_error *err);
enum st_code store_read_state(struct store *st, const char *session_id, struct store_state *out,
			      struct st_error *err);

/* One row per session for listings, from the cached state (no replay). */
struct store_summary {
	char *id, *label, *runbook_id, *runbook_title, *status;
	char *active_step; /* NULL when none */
	bool rehearsal;
	int n_done, n_applicable;
	int64_t started_ms, last_activity_ms;
	struct store_glance glance;
};
/* Frees n rows and their members (what a caller has not taken over: set it NULL). */
void store_summaries_free(struct store_summary *rows, size_t n);
/* Most recently active first. */
enum st_code store_list(struct store *st, bool include_finished, struct store_summary **rows,
			size_t *n, struct st_error *err);

/*
 * The session lock. store_lock takes it for this process (pid, host, start time), or
 * returns ST_TEMPFAIL naming the holder (pid, host, since) when a live process holds it.
 * A holder that is gone (no such pid on this host, or the pid now belongs to a
 * different process) is taken over.
 */
enum st_code store_lock(struct store *st, const char *session_id, struct st_error *err);
/* A lock holder replaced by store_lock_take_over (host NULL: none was replaced). */
struct store_lock_holder {
	long pid;
	char *host;
	char *op;              /* the holder's operator ("?" when unknown); freed by store_lock_holder_free */
	int64_t since_ms;
};
/*
 * store_lock, except that a holder on another host — whose processes cannot be seen
 * from here, so its lock never looks stale — is replaced and returned in *replaced
 * (the operator said that machine is gone). A live holder on this host still refuses.
 */
enum st_code store_lock_take_over(struct store *st, const char *session_id, struct store_lock_holder *replaced,
				  struct st_error *err);
void store_lock_holder_free(struct store_lock_holder *h);
void store_unlock(struct store *st, const char *session_id);
/* Who holds the session's lock, for readers (`status`): never takes or changes it.
 * out->host is NULL when nobody holds it; *stale is true when the holder is certainly
 * gone (the next writer will take the lock over). */
enum st_code store_lock_peek(struct store *st, const char *session_id, struct store_lock_holder *out,
			     bool *stale, struct st_error *err);

/*
 * Change notices, for readers that follow a session live (`steward follow`, the TUI's
 * observer mode).
 * After store_listen(st, sid) (sid NULL: every session), store_listen_fd() becomes readable
 * when another connection has committed events; call store_listen_drain() and re-read
 * (store_read_events after the last seq you hold). No polling loop: SQLite watches the
 * database and its -wal file with inotify; PostgreSQL uses LISTEN steward_events (a
 * trigger on events runs pg_notify('steward_events', session_id) at commit).
 * A backend without notices (or a store_listen that failed) leaves the fd at -1: the
 * caller then re-reads on a slow timer (a second or more), never in a busy loop.
 */
enum st_code store_listen(struct store *st, const char *session_id, struct st_error *err);
int store_listen_fd(const struct store *st);      /* -1 before store_listen */
bool store_listen_drain(struct store *st);        /* true when a notice arrived (may be spurious) */

/* Recomputes a session's hash chain. */
struct store_audit {
	bool intact;
	int64_t n_events;
	int64_t bad_seq;       /* first event that does not verify (0 when intact or n/a) */
	char head[65];         /* hash of the last event ("" when none) */
	char problem[512];     /* what does not verify, one line ("" when intact) */
	/* Not tampering, but an auditor must know: events recorded at an earlier time than
	 * the event before them (a clock set back, NTP stepping, another machine's clock). */
	int64_t clock_back;       /* how many */
	int64_t clock_back_seq;   /* the first of them */
	int64_t clock_back_ms;    /* the largest step back */
};
/* Recomputes the chain in one pass over the events; each (may be NULL) is called for
 * every event in order, also after the first that does not verify (an export shows
 * a damaged trail whole). */
enum st_code store_audit(struct store *st, const char *session_id, struct store_audit *out,
			 store_event_cb each, void *each_ctx, struct st_error *err);

#endif
