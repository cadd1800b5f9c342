/*
 * cmd_sessutil.h — what the session verbs (start, sessions, step, note, export,
 * audit) share: opening the database and a session with the right mode, printing
 * errors the CLI way. Private to src/cmd_*.c.
 */
#ifndef STEWARD_CMD_SESSUTIL_H
#define STEWARD_CMD_SESSUTIL_H

#include "steward/cli.h"
#include "steward/session.h"
#include "steward/store.h"
#include "steward/vars.h"

/* Prints "steward: <err.msg>" and returns its code. */
int sessutil_fail(const struct st_error *err);
/* Opens ctx->db_path (writers: STORE_WRITE, creating it; readers: STORE_READ). */
int sessutil_open_store(const struct cli_ctx *ctx, enum store_mode mode, struct store **st);
/*
 * Opens SESSION (id or unique prefix). SESSION_WRITE takes the lock and records
 * ctx->op/ctx->host as the actor. Test hook: with $STEWARD_TEST_HOLD_MS set, a writer
 * keeps the lock that many milliseconds before going on (the lock e2e test).
 */
int sessutil_open(const struct cli_ctx *ctx, struct store *st, const char *id, enum session_mode mode,
		  struct session **s);

/* Every --var names a declared variable of rb (else 64 naming the ones it has) and holds a
 * valid value (else 65 with the reason). */
int sessutil_check_vars(const struct runbook *rb, const struct varmap *vm);
/* Every variable without a default is given (else 64 naming them); then fills in the
 * defaults and checks every value (vars_complete; 65). */
int sessutil_require_vars(const struct runbook *rb, struct varmap *vm);
/* JSON values for the readers' --json: a UTC time (null for 0), a string (null for NULL;
 * invalid UTF-8 sanitized). */
#include <jansson.h>
json_t *sessutil_jtime(int64_t ms);
json_t *sessutil_jtext(const char *s);
/* One cell of a text table: s sanitized for the terminal, cut to w columns, padded. */
void sessutil_col(const char *s, int w);

#endif
