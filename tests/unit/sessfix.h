/*
 * sessfix.h — a throw-away session database for the session/store/export tests:
 * a temporary folder (database + log files), the fixture runbook loaded, a fixed
 * clock. Shared helper (linked into every unit test binary; no Test() here).
 */
#ifndef STEWARD_TEST_SESSFIX_H
#define STEWARD_TEST_SESSFIX_H

#include <stdbool.h>
#include <stdint.h>

#include "steward/runbook.h"
#include "steward/session.h"
#include "steward/store.h"
#include "steward/vars.h"

#define SFX_T0 1795000000000LL /* 2026-11-18T..., a fixed "now" */

struct sfx {
	char dir[256];       /* temporary folder */
	char *db;            /* dir/state/steward.db, or a PostgreSQL URL (STEWARD_TEST_BACKEND) */
	char *pg_schema;     /* PostgreSQL: the fixture's own schema, else NULL */
	char *rb_path;       /* a copy of the fixture runbook inside dir */
	struct store *st;    /* opened for writing */
	struct runbook *rb;
	char *id;            /* the session created by sfx_start */
	int64_t now;
	bool rehearsal;      /* sfx_start creates a rehearsal */
};

/* Temporary folder, a copy of fixtures/session/<fixture>, the store; clock at SFX_T0. */
void sfx_init(struct sfx *f, const char *fixture);
/* Creates a session with site_code=ABC and replication=<replication> ("no" when NULL). */
void sfx_start(struct sfx *f, const char *replication);
/* Opens the session for writing (asserting success). */
struct session *sfx_open(struct sfx *f);
void sfx_advance(struct sfx *f, int64_t ms); /* moves the fixed clock */
void sfx_append_log(struct sfx *f, const char *file, const char *text);
char *sfx_path(const struct sfx *f, const char *name); /* dir/name, caller frees */
void sfx_fini(struct sfx *f);
/* Runs SQL on the database directly (tests that tamper with it), on either backend.
 * SQL that begins with SFX_UNLOCKED runs with the append-only triggers out of the way
 * (SQLite: dropped and recreated around it; PostgreSQL: session_replication_role). */
#define SFX_UNLOCKED "-- steward-test: triggers off\n"
void sfx_sql(const struct sfx *f, const char *sql);
/* The same, returning the database's refusal (NULL when it ran; caller frees). */
char *sfx_sql_error(const struct sfx *f, const char *sql);
/* True when the tests run on PostgreSQL (STEWARD_TEST_BACKEND=postgresql). */
bool sfx_is_pg(void);
/* A test of SQLite's own behaviour (files, pragmas): skipped, saying so, on PostgreSQL. */
#define SFX_SQLITE_ONLY(why)                                                        \
	do {                                                                        \
		if (sfx_is_pg())                                                    \
			cr_skip_test("SQLite only (%s): skipped on PostgreSQL", why); \
	} while (0)
/* The cached state and the session's replay both equal an independent replay of the
 * stored events, folded by rules written in sessfix.c (asserts). */
void sfx_assert_projection(struct sfx *f);

#endif
