/*
 * push.h — copying a session from one store to another (`steward push SESSION --to DB`):
 * an engineer records offline into a local SQLite file and later sends the session to
 * the team's store (a PostgreSQL server, or another SQLite file). Built on the public
 * store interface and the session engine only, so it works between any two backends.
 *
 * Invariants (what an auditor relies on):
 *  - the copy is the same record: the same session row, and every event with the same
 *    seq, time, operator, host, type, step, data, prev_hash and hash. The target's store
 *    computes each hash itself (store_append) and every one must equal the source's;
 *  - the source's chain is audited before anything is sent (a chain that does not verify
 *    is refused); the target's copy is audited before (it must verify to be extended)
 *    and after the new events are written — still inside the transaction, so a copy
 *    that would not verify is never committed;
 *  - the target's cached state is the session engine's own replay of the copied events
 *    (session_open + session_projection), never a second fold;
 *  - all of it is one transaction on the target: a failure at any point leaves the
 *    target as it was;
 *  - pushing again sends only the events after the target's head, and only when that
 *    head is in the source's chain; a session continued in both places (diverged), or
 *    continued on the target after the last push (the target is ahead), is refused and
 *    explained: two records are never merged;
 *  - nothing is written to the source: both chains stay identical event for event.
 */
#ifndef STEWARD_PUSH_H
#define STEWARD_PUSH_H

#include <stdbool.h>
#include <stdint.h>

#include "steward/status.h"

struct store;

struct push_opts {
	/* Push even while a live process holds the source session (a snapshot of what is
	 * recorded so far; the writer goes on, and the next push sends the rest). Without
	 * it an unfinished session held by a live writer is refused (ST_TEMPFAIL). */
	bool force;
};

struct push_result {
	char *id;            /* the full session id (resolved from the prefix given) */
	bool created;        /* the session was new on the target */
	int64_t n_sent;      /* events written to the target (0: nothing to push) */
	int64_t first_seq;   /* the first and last of them (0 when none) */
	int64_t last_seq;
	int64_t n_events;    /* events of the session, now on both sides */
	char head[65];       /* hash of the last of them, the same on both sides */
	bool finished;       /* the session is finished */
	bool source_held;    /* a live writer held the source (only with opts.force) */
};
void push_result_free(struct push_result *r); /* frees the members */

/*
 * Pushes session id_or_prefix (resolved in src) from src to dst (opened STORE_WRITE).
 * Errors (each message names both databases, both heads where they matter, and what to do):
 *  ST_FAILED     the source's chain, or the target's existing copy, does not verify
 *                (tampering or damage): nothing is sent;
 *  ST_INVALID    the session diverged (continued in both places), the target is ahead
 *                of the source, or the target holds another session under the same id;
 *  ST_TEMPFAIL   a live process holds the session on the target (or on the source,
 *                unless it is finished or opts->force);
 *  ST_USAGE      src and dst are the same database;
 *  anything the store reports (ST_CANTCREATE, ST_NOTFOUND...), with the target unchanged.
 */
enum st_code push_session(struct store *src, const char *id_or_prefix, struct store *dst,
			  const struct push_opts *opts, struct push_result *out, struct st_error *err);

/* A database name fit for messages: a URI's password (user:PASSWORD@, password=...) is
 * replaced by "***". Caller frees. */
char *push_display_name(const char *db_name);

#endif
