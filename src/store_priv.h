/*
 * store_priv.h — what the store's files share (private to src/store*.c; no SQL exists
 * anywhere else in steward):
 *   store.c         open/close, schema and migrations, statement cache, transactions
 *   store_events.c  session rows, appending and reading events, the event hash
 *   store_state.c   the cached state (projections) and the session listing
 *   store_lock.c    the session lock and stale-holder detection
 *   store_audit.c   recomputing a session's hash chain
 */
#ifndef STEWARD_STORE_PRIV_H
#define STEWARD_STORE_PRIV_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "steward/store.h"
#include "steward/util.h"

#define STORE_SCHEMA_VERSION 1
#define STORE_BUSY_TIMEOUT_MS 5000
#define GENESIS_HASH "0000000000000000000000000000000000000000000000000000000000000000"

#define STORE_STMT_CACHE 48

struct store {
	sqlite3 *db;
	/* Prepared statements, keyed by the address of their SQL text (every statement
	 * is a literal in src/store*.c): prepared once, reset after each use. */
	struct {
		const char *sql;
		sqlite3_stmt *stmt;
	} cache[STORE_STMT_CACHE];
	size_t n_cache;
	char *path;
	bool writable;
	int schema; /* user_version as found (readers may see 0: no tables yet) */
	char *lock_host;
	long long lock_start; /* this process's start time (Linux /proc), 0 unknown */
	bool defer_checkpoints; /* store_defer_checkpoints(): no checkpoint inside COMMIT */
	int wal_frames;         /* frames in the WAL after the last commit (deferred mode) */
};

/* statement helpers (store.c) */
enum st_code sq_error(struct store *st, struct st_error *err, const char *what); /* from the last failure */
sqlite3_stmt *sq_prep(struct store *st, const char *sql, struct st_error *err, enum st_code *rc);
void sq_done(sqlite3_stmt *s); /* ends a use of a cached statement (never finalize one) */
void sq_bind_text(sqlite3_stmt *s, int i, const char *v); /* NULL binds NULL */
char *sq_col_text(sqlite3_stmt *s, int i);                /* copy, or NULL */
void sq_col_hash(sqlite3_stmt *s, int i, char out[65]);
enum st_code sq_step_once(struct store *st, const char *sql, struct st_error *err, const char *what);
bool sq_has_schema(const struct store *st); /* readers of a database without tables see nothing */

/* events (store_events.c) */
/* util_format_utc_ms, remembering the last second formatted: events come in bursts
 * within one second, and the audit hashes every one of them. */
struct at_cache {
	int64_t sec; /* -1: empty */
	char text[32];
};
void sq_format_at(struct at_cache *c, int64_t ms, char out[32]);
void sq_event_hash(const char *session_id, const struct store_event *ev, struct at_cache *cache,
		   struct strbuf *sb, char out[65]);

/* the lock (store_lock.c) */
long long sq_proc_start_time(long pid); /* a process's start time (Linux /proc), 0 unknown */

#endif
