/*
 * pg_priv.h — what the PostgreSQL backend's files share (private to src/store/pg/):
 *   open.c    connecting, error messages, schema and migrations, transactions
 *   events.c  session rows, appending and reading events
 *   state.c   the cached state (projections) and the session listing
 *   lock.c    the session lock: an advisory lock held by the writer's connection
 *   listen.c  change notices (LISTEN steward_events on a connection of their own)
 *   grant.c   the privileges of a writer role (`steward db-init --grant ROLE`)
 * The event hash and the audit are the store's, not the backend's (src/store/).
 *
 * Every parameter is bound (PQexecParams); the only text spliced into SQL is our own
 * literals and, for GRANT, a role name quoted by PQescapeIdentifier (identifiers cannot
 * be bound).
 */
#ifndef STEWARD_STORE_PG_PRIV_H
#define STEWARD_STORE_PG_PRIV_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "../backend.h"

#define PG_SCHEMA_VERSION 1
#define PG_CONNECT_TIMEOUT_S "10"
#define PG_STR_(x) #x
#define PG_STR(x) PG_STR_(x)

struct pg_store {
	struct store base;
	PGconn *conn;
	char *server;      /* "server HOST:PORT, database DB" for messages (no password) */
	int schema;        /* the schema version as found (readers may see 0: no tables yet) */
	char *lock_host;
	char **held;       /* session ids whose advisory lock this connection holds */
	size_t n_held;
	PGconn *listen_conn; /* LISTEN steward_events (store_listen), NULL before */
	char *listen_sid;    /* notices for this session only; NULL: every session */
};

static inline struct pg_store *pg_of(struct store *st) { return (struct pg_store *)st; }

/* ---------- helpers (open.c) ---------- */

/* The error of a failed result (or of the connection when res is NULL), as an st_code
 * with a message naming the server, what was being done and what to do. */
enum st_code pg_fail(struct pg_store *st, const PGresult *res, struct st_error *err, const char *what);
/* Runs SQL with text parameters (NULL binds NULL); returns the result when its status is
 * the expected one (PGRES_COMMAND_OK or PGRES_TUPLES_OK), else NULL with *rc and err set. */
PGresult *pg_exec(struct pg_store *st, const char *sql, int n, const char *const *vals, struct st_error *err,
		  enum st_code *rc, const char *what);
/* Our own literal SQL, possibly several statements, no parameters. */
enum st_code pg_script(struct pg_store *st, const char *sql, struct st_error *err, const char *what);
/* Connects to a database name (URL or libpq conninfo) with steward's defaults. */
PGconn *pg_connect(const char *name);
/* The same, without a result to read. */
enum st_code pg_run(struct pg_store *st, const char *sql, int n, const char *const *vals, struct st_error *err,
		    const char *what);
char *pg_text(const PGresult *r, int row, int col); /* copy, or NULL for SQL NULL */
int64_t pg_int(const PGresult *r, int row, int col);
void pg_hash(const PGresult *r, int row, int col, char out[65]);
const char *pg_i64(char buf[24], int64_t v); /* formats an integer parameter */
bool pg_has_schema(const struct pg_store *st);

/* ---------- the backend's operations ---------- */
void pg_close(struct store *st);
void pg_set_durable(struct store *st, bool durable);
void pg_set_busy_timeout(struct store *st, int ms);
void pg_defer_checkpoints(struct store *st);
void pg_checkpoint_idle(struct store *st);
enum st_code pg_begin(struct store *st, struct st_error *err);
enum st_code pg_commit(struct store *st, struct st_error *err);
void pg_rollback(struct store *st);
enum st_code pg_snapshot_begin(struct store *st, struct st_error *err);
void pg_snapshot_end(struct store *st);
enum st_code pg_insert_session(struct store *st, const struct store_session *row, struct st_error *err);
enum st_code pg_read_session(struct store *st, const char *id, struct store_session *out,
			     struct st_error *err);
enum st_code pg_resolve_id(struct store *st, const char *prefix, char **id_out, struct st_error *err);
enum st_code pg_append(struct store *st, const char *sid, int64_t expect_seq, struct store_event *ev,
		       struct st_error *err);
enum st_code pg_read_events(struct store *st, const char *sid, int64_t after_seq, store_event_cb cb,
			    void *ctx, struct st_error *err);
enum st_code pg_put_state(struct store *st, const char *sid, const struct store_state *ss,
			  struct st_error *err);
enum st_code pg_read_state(struct store *st, const char *sid, struct store_state *out,
			   struct st_error *err);
enum st_code pg_list(struct store *st, bool include_finished, struct store_summary **rows, size_t *n,
		     struct st_error *err);
enum st_code pg_lock(struct store *st, const char *sid, struct st_error *err);
enum st_code pg_lock_take_over(struct store *st, const char *sid, struct store_lock_holder *replaced,
			       struct st_error *err);
void pg_unlock(struct store *st, const char *sid);
enum st_code pg_lock_peek(struct store *st, const char *sid, struct store_lock_holder *out, bool *stale,
			  struct st_error *err);
enum st_code pg_listen(struct store *st, const char *session_id, struct st_error *err);
int pg_listen_fd(const struct store *st);
bool pg_listen_drain(struct store *st);
enum st_code pg_grant_writer(struct store *st, const char *role, struct st_error *err);
void pg_listen_close(struct pg_store *st);

#endif
