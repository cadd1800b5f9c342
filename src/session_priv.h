/*
 * session_priv.h — what the session engine's files share (private to src/session*.c):
 *   session_fold.c   the fold: events into state (live and replayed alike)
 *   session_tx.c     the transaction: append events + cached state, activation, advancing
 *   session_rules.c  the rules: every check, every transition, every observation
 *   session.c        opening, creating, listing
 */
#ifndef STEWARD_SESSION_PRIV_H
#define STEWARD_SESSION_PRIV_H

#include <jansson.h>
#include <stdbool.h>

#include "steward/session.h"

/* text and payload helpers (session_fold.c) */
char *sess_utf8_clean(const char *s);      /* valid UTF-8 copy (U+FFFD for bad bytes) */
json_t *sess_jstr(const char *s);          /* JSON string of cleaned s, or null */
const char *sess_step_id(const struct session *s, long i); /* NULL for -1 */

/* the fold (session_fold.c) */
void sess_state_init(struct session *s);
void sess_state_free(struct session *s);
long sess_first_open(const struct session *s);   /* first applicable step not done/skipped */
long sess_status_active(const struct session *s); /* the STEP_ACTIVE step, or -1 */
void sess_recompute_active(struct session *s);
enum st_code sess_apply(struct session *s, const char *type, const char *step, const json_t *d, int64_t at,
			const char *op, const char *host, struct st_error *err);
enum st_code sess_replay_from(struct session *s, int64_t after, struct st_error *err);
enum st_code sess_reload(struct session *s, struct st_error *err);

/* the transaction (session_tx.c) */
enum st_code sess_tx_begin(struct session *s, struct st_error *err);
enum st_code sess_tx_end(struct session *s, enum st_code rc, struct st_error *err);
/* Writes the cached state (the projection) and commits: the one way a change becomes
 * durable (sess_tx_end, session_create). The caller rolls back on failure. */
enum st_code sess_commit_projection(struct session *s, struct st_error *err);
enum st_code sess_emit(struct session *s, const char *type, long step, json_t *data, struct st_error *err);
enum st_code sess_activate(struct session *s, size_t i, const char *why, struct st_error *err);
enum st_code sess_advance(struct session *s, bool earliest_wins, struct st_error *err);
/* session_glance.c: moves a glance into a listing row (its site and overdue step are taken
 * over; g keeps none). One mapping for the cached and the replayed glance. */
struct store_glance;
void sess_summary_take_glance(struct session_summary *r, struct store_glance *g);

#endif
