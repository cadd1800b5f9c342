/*
 * sqlite_priv.h — what the SQLite backend's files share (private to src/store/sqlite/):
 *   open.c    open/close, schema and migrations, statement cache, transactions
 *   events.c  session rows, appending and reading events
 *   state.c   the cached state (projections) and the session listing
 *   lock.c    the session lock and stale-holder detection
 *   listen.c  change notices for readers that follow a session (inotify)
 * The event hash and the audit are the store's, not the backend's (src/store/).
 */
#ifndef STEWARD_STORE_SQLITE_PRIV_H
#define STEWARD_STORE_SQLITE_PRIV_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "../backend.h"

#define STORE_SCHEMA_VERSION 3
#define STORE_BUSY_TIMEOUT_MS 5000

#define STORE_STMT_CACHE 48

struct sq_store {
	struct store base;
	sqlite3 *db;
	/* Prepared statements, keyed by the address of their SQL text (every statement
	 * is a literal in src/store/sqlite/): prepared once, reset after each use. */
	struct {
		const char *sql;
		sqlite3_stmt *stmt;
	} cache[STORE_STMT_CACHE];
	size_t n_cache;
	int schema; /* user_version as found (readers may see 0: no tables yet) */
	char *lock_host;
	long long lock_start; /* this process's start time (Linux /proc), 0 unknown */
	bool defer_checkpoints; /* store_defer_checkpoints(): no checkpoint inside COMMIT */
	int wal_frames;         /* frames in the WAL after the last commit (deferred mode) */
	/* change notices (listen.c) */
	char *wal_path;         /* writers: the -wal, marked after every commit (followers wake on it) */
	int listen_fd;          /* inotify on the database's folder; -1 until store_listen */
	bool immutable;         /* read as an unchanging copy (a folder we cannot write): sees no commits */
	char *listen_names[2];  /* the database's and its -wal's names in that folder */
};

static inline struct sq_store *sq_of(struct store *st) { return (struct sq_store *)st; }

/* statement helpers (open.c) */
enum st_code sq_error(struct sq_store *st, struct st_error *err, const char *what); /* from the last failure */
sqlite3_stmt *sq_prep(struct sq_store *st, const char *sql, struct st_error *err, enum st_code *rc);
void sq_done(sqlite3_stmt *s); /* ends a use of a cached statement (never finalize one) */
void sq_bind_text(sqlite3_stmt *s, int i, const char *v); /* NULL binds NULL */
char *sq_col_text(sqlite3_stmt *s, int i);                /* copy, or NULL */
void sq_col_hash(sqlite3_stmt *s, int i, char out[65]);
enum st_code sq_step_once(struct sq_store *st, const char *sql, struct st_error *err, const char *what);
bool sq_has_schema(const struct sq_store *st); /* readers of a database without tables see nothing */

/* The backend's operations, one per file (store.c reaches them through the table). */
void sq_close(struct store *st);
void sq_set_durable(struct store *st, bool durable);
void sq_set_busy_timeout(struct store *st, int ms);
void sq_defer_checkpoints(struct store *st);
void sq_checkpoint_idle(struct store *st);
enum st_code sq_begin(struct store *st, struct st_error *err);
enum st_code sq_commit(struct store *st, struct st_error *err);
void sq_rollback(struct store *st);
enum st_code sq_snapshot_begin(struct store *st, struct st_error *err);
void sq_snapshot_end(struct store *st);
enum st_code sq_insert_session(struct store *st, const struct store_session *row, struct st_error *err);
enum st_code sq_read_session(struct store *st, const char *id, struct store_session *out,
			     struct st_error *err);
enum st_code sq_resolve_id(struct store *st, const char *prefix, char **id_out, struct st_error *err);
enum st_code sq_append(struct store *st, const char *sid, int64_t expect_seq, struct store_event *ev,
		       struct st_error *err);
enum st_code sq_read_events(struct store *st, const char *sid, int64_t after_seq, store_event_cb cb,
			    void *ctx, struct st_error *err);
enum st_code sq_put_state(struct store *st, const char *sid, const struct store_state *ss,
			  struct st_error *err);
enum st_code sq_read_state(struct store *st, const char *sid, struct store_state *out,
			   struct st_error *err);
enum st_code sq_list(struct store *st, bool include_finished, struct store_summary **rows, size_t *n,
		     struct st_error *err);
enum st_code sq_lock(struct store *st, const char *sid, struct st_error *err);
enum st_code sq_lock_take_over(struct store *st, const char *sid, struct store_lock_holder *replaced,
			       struct st_error *err);
void sq_unlock(struct store *st, const char *sid);
enum st_code sq_listen(struct store *st, const char *sid, struct st_error *err);
int sq_listen_fd(const struct store *st);
bool sq_listen_drain(struct store *st);
/* A writer's commit is visible now: tells the followers (from the WAL hook, open.c). */
void sq_notify_commit(struct sq_store *st);
void sq_listen_close(struct sq_store *st);
enum st_code sq_lock_peek(struct store *st, const char *sid, struct store_lock_holder *out, bool *stale,
			  struct st_error *err);

#endif
