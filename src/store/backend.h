/*
 * backend.h — what a store backend implements (private to src/store/). store.c picks
 * the backend from the database name and forwards every call of store.h to it; the
 * rules that do not depend on the database (the event hash, the audit, freeing rows)
 * live once in src/store/ and are not repeated per backend.
 *
 *   sqlite/   the embedded default: one file, WAL, synchronous=FULL
 *   pg/       a PostgreSQL server through libpq, shared by a team
 *
 * Every backend keeps the invariants stated in store.h. A backend's own struct begins
 * with a struct store, so a struct store * it returned is also a pointer to its own.
 */
#ifndef STEWARD_STORE_BACKEND_H
#define STEWARD_STORE_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

#include "steward/store.h"
#include "steward/util.h"

#define GENESIS_HASH "0000000000000000000000000000000000000000000000000000000000000000"

struct store_ops {
	const char *name; /* "sqlite", "postgresql": for messages */
	void (*close)(struct store *st);
	/* PostgreSQL: the writer role's privileges (NULL: the backend has no roles). */
	enum st_code (*grant_writer)(struct store *st, const char *role, struct st_error *err);
	void (*set_durable)(struct store *st, bool durable);
	void (*set_busy_timeout)(struct store *st, int ms);
	void (*defer_checkpoints)(struct store *st);
	void (*checkpoint_idle)(struct store *st);
	enum st_code (*begin)(struct store *st, struct st_error *err);
	enum st_code (*commit)(struct store *st, struct st_error *err);
	void (*rollback)(struct store *st);
	enum st_code (*snapshot_begin)(struct store *st, struct st_error *err);
	void (*snapshot_end)(struct store *st);
	enum st_code (*insert_session)(struct store *st, const struct store_session *row,
				       struct st_error *err);
	enum st_code (*read_session)(struct store *st, const char *id, struct store_session *out,
				     struct st_error *err);
	enum st_code (*resolve_id)(struct store *st, const char *id_or_prefix, char **id_out,
				   struct st_error *err);
	enum st_code (*append)(struct store *st, const char *session_id, int64_t expect_seq,
			       struct store_event *ev, struct st_error *err);
	enum st_code (*read_events)(struct store *st, const char *session_id, int64_t after_seq,
				    store_event_cb cb, void *ctx, struct st_error *err);
	enum st_code (*put_state)(struct store *st, const char *session_id,
				  const struct store_state *ss, struct st_error *err);
	enum st_code (*read_state)(struct store *st, const char *session_id, struct store_state *out,
				   struct st_error *err);
	enum st_code (*list)(struct store *st, bool include_finished, struct store_summary **rows,
			     size_t *n, struct st_error *err);
	enum st_code (*lock)(struct store *st, const char *session_id, struct st_error *err);
	enum st_code (*lock_take_over)(struct store *st, const char *session_id,
				       struct store_lock_holder *replaced, struct st_error *err);
	void (*unlock)(struct store *st, const char *session_id);
	enum st_code (*lock_peek)(struct store *st, const char *session_id,
				  struct store_lock_holder *out, bool *stale, struct st_error *err);
	/* Change notices (store.h): NULL in a backend that has none (store_listen_fd is -1). */
	enum st_code (*listen)(struct store *st, const char *session_id, struct st_error *err);
	int (*listen_fd)(const struct store *st);
	bool (*listen_drain)(struct store *st);
};

/* The part every backend shares; each backend's struct begins with it. */
struct store {
	const struct store_ops *ops;
	char *path;    /* as given: a file path, or a connection string */
	bool writable; /* opened with STORE_WRITE */
	char *op;      /* the operator named in lock rows (store_set_operator), or NULL */
};

/* The backends' constructors: fill a struct of their own whose base is set up by them. */
enum st_code sqlite_store_open(const char *path, enum store_mode mode, struct store **out,
			       struct st_error *err);

enum st_code pg_store_open(const char *path, enum store_mode mode, struct store **out,
			   struct st_error *err);

/* The event hash (event_hash.c), with a cache of the last second formatted: events
 * come in bursts within one second, and the audit hashes every one of them. */
struct at_cache {
	int64_t sec; /* -1: empty */
	char text[32];
};
void store_format_at(struct at_cache *c, int64_t ms, char out[32]);
void store_event_hash_cached(const char *session_id, const struct store_event *ev,
			     struct at_cache *cache, struct strbuf *sb, char out[65]);

/* This machine's name as recorded in lock rows and events ("?" when unknown). */
char *store_this_host(void);
/* A process's start time (Linux /proc), 0 when unknown: tells a reused pid apart. */
long long store_proc_start_time(long pid);

#endif
