/*
 * session_gen.c — helper for bench_export.sh and bench_transition.sh, built by those
 * scripts against build/default/libsteward.a.
 *
 *   session_gen events DB RUNBOOK N
 *       creates a session of RUNBOOK with variables from their defaults (site_code=ABC
 *       when it has no default) and appends N-ish events through the session engine
 *       (notes, markers-free step transitions); prints the session id. Bulk only:
 *       synchronous=OFF while generating (store_set_durable(false)).
 *   session_gen transitions DB RUNBOOK N SCRATCH_DB
 *       in one process: N durable step transitions through the engine (complete, with a
 *       note, and reopen the first step, alternately; synchronous=FULL) against N INSERTs into a
 *       bare table of SCRATCH_DB through the SQLite C API with the same settings (WAL,
 *       synchronous=FULL, one transaction each). Prints "engine_us N" and "sqlite_us N"
 *       (median per operation, microseconds).
 *       When SCRATCH_DB is a postgresql:// URL (DB then is one too, on the same server), the
 *       baseline is N INSERTs of the same row (an events row: same columns, primary key,
 *       a 64-hex hash) into a bare table bench_events through libpq (PQexecParams, one
 *       autocommit transaction each, synchronous_commit=on): prints "pg_us N" instead.
 *   session_gen team DB RUNBOOK OPERATORS PER_OPERATOR EVENTS
 *       a team's database: OPERATORS x PER_OPERATOR sessions of RUNBOOK, each started by
 *       its operator (op01, op02 ...) for its own site, with EVENTS-ish events each (as
 *       `events`), all unfinished. Bulk only (synchronous=OFF).
 */
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "steward/runbook.h"
#include "steward/session.h"
#include "steward/store.h"
#include "steward/vars.h"

static int die(const char *what, const struct st_error *err)
{
	fprintf(stderr, "session_gen: %s: %s\n", what, err ? err->msg : "");
	return 1;
}

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int64_t median(int64_t *v, size_t n)
{
	qsort(v, n, sizeof *v, cmp64);
	return v[n / 2];
}

static int create_as(struct store *st, const char *rb_path, const char *op, const char *site, char **id,
		     struct runbook **rb_out)
{
	struct rb_diags d = {0};
	if (!*rb_out && runbook_load_file(rb_path, rb_out, &d) != 0) {
		rb_diags_print(&d, stderr);
		return 1;
	}
	rb_diags_free(&d);
	struct varmap vm = {0};
	for (size_t i = 0; i < (*rb_out)->n_variables; i++)
		if (!(*rb_out)->variables[i].def)
			varmap_set(&vm, (*rb_out)->variables[i].name, site);
	char **problems = NULL;
	size_t np = 0;
	vars_complete(*rb_out, &vm, &problems, &np);
	for (size_t i = 0; i < np; i++)
		free(problems[i]);
	free(problems);
	struct session_params p = {.vars = &vm, .label = "bench", .op = op};
	struct st_error err;
	int rc = session_create(st, *rb_out, &p, id, &err) == ST_OK ? 0 : die("create", &err);
	varmap_free(&vm);
	return rc;
}

static int create(struct store *st, const char *rb_path, char **id, struct runbook **rb_out)
{
	*rb_out = NULL;
	return create_as(st, rb_path, "bench", "ABC", id, rb_out);
}

/* n notes (a third of them on the active step) until the session has n events. */
static int add_notes(struct session *s, long n)
{
	struct st_error err;
	char text[160];
	for (long i = 0; s->seq < n; i++) {
		snprintf(text, sizeof text, "bench note %ld: checked the site server, all components running", i);
		if (session_note(s, (i % 3 == 0 && s->active >= 0) ? s->active : -1, text, &err) != ST_OK)
			return die("note", &err);
	}
	return 0;
}

static int team(const char *db, const char *rb_path, long ops, long per_op, long n)
{
	struct store *st;
	struct st_error err;
	if (store_open(db, STORE_WRITE, &st, &err) != ST_OK)
		return die("open", &err);
	store_set_durable(st, false);
	struct runbook *rb = NULL;
	for (long o = 1; o <= ops; o++) {
		for (long k = 0; k < per_op; k++) {
			char op[24], site[24];
			snprintf(op, sizeof op, "op%02ld", o);
			snprintf(site, sizeof site, "%c%02ld", (char)('A' + k % 26), o % 100);
			char *id = NULL;
			struct session *s;
			if (create_as(st, rb_path, op, site, &id, &rb) != 0)
				return 1;
			if (session_open(st, id, SESSION_WRITE, &s, &err) != ST_OK)
				return die("open session", &err);
			if (add_notes(s, n) != 0)
				return 1;
			session_close(s);
			free(id);
		}
	}
	store_close(st);
	runbook_free(rb);
	return 0;
}

static int gen_events(const char *db, const char *rb_path, long n)
{
	struct store *st;
	struct st_error err;
	if (store_open(db, STORE_WRITE, &st, &err) != ST_OK)
		return die("open", &err);
	store_set_durable(st, false);
	struct runbook *rb = NULL;
	char *id = NULL;
	if (create(st, rb_path, &id, &rb) != 0)
		return 1;
	struct session *s;
	if (session_open(st, id, SESSION_WRITE, &s, &err) != ST_OK)
		return die("open session", &err);
	if (add_notes(s, n) != 0)
		return 1;
	printf("%s\n", id);
	session_close(s);
	store_close(st);
	runbook_free(rb);
	free(id);
	return 0;
}

/* The PostgreSQL baseline: n autocommit INSERTs of one events-shaped row, timed each. */
static int pg_inserts(const char *url, long n, int64_t *us)
{
	PGconn *c = PQconnectdb(url);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "session_gen: %s: %s", url, PQerrorMessage(c));
		PQfinish(c);
		return 1;
	}
	PGresult *r = PQexec(c, "SET synchronous_commit = on; SET client_min_messages = warning;"
				"DROP TABLE IF EXISTS bench_events;"
				"CREATE TABLE bench_events (session_id text NOT NULL, seq bigint NOT NULL,"
				" at_ms bigint NOT NULL, operator text NOT NULL, host text NOT NULL,"
				" type text NOT NULL, step text, data text NOT NULL, prev_hash text NOT NULL,"
				" hash text NOT NULL, PRIMARY KEY (session_id, seq))");
	int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : 1;
	if (rc)
		fprintf(stderr, "session_gen: creating bench_events: %s", PQerrorMessage(c));
	PQclear(r);
	const char *hash = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	for (long i = 0; i < n && rc == 0; i++) {
		char seq[24], at[24];
		int64_t t0 = now_us();
		snprintf(seq, sizeof seq, "%ld", i + 1);
		snprintf(at, sizeof at, "%lld", (long long)t0);
		const char *p[7] = {seq, at, "bench", "bench-host", "step_completed", "backup", hash};
		r = PQexecParams(c,
				 "INSERT INTO bench_events (session_id, seq, at_ms, operator, host, type, step,"
				 " data, prev_hash, hash) VALUES ('bench', $1::bigint, $2::bigint, $3, $4, $5, $6,"
				 " '{\"note\":\"bench\"}', $7, $7)",
				 7, NULL, p, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			fprintf(stderr, "session_gen: insert: %s", PQerrorMessage(c));
			rc = 1;
		}
		PQclear(r);
		us[i] = now_us() - t0;
	}
	PQfinish(c);
	return rc;
}

static int transitions(const char *db, const char *rb_path, long n, const char *scratch)
{
	struct store *st;
	struct st_error err;
	if (store_open(db, STORE_WRITE, &st, &err) != ST_OK)
		return die("open", &err);
	struct runbook *rb = NULL;
	char *id = NULL;
	if (create(st, rb_path, &id, &rb) != 0)
		return 1;
	struct session *s;
	if (session_open(st, id, SESSION_WRITE, &s, &err) != ST_OK)
		return die("open session", &err);
	long first = s->active;
	if (first < 0 || rb->steps[first].n_verify || rb->steps[first].confirm || rb->steps[first].wait_s > 0) {
		fprintf(stderr, "session_gen: the first step of %s must be a plain step\n", rb_path);
		return 1;
	}
	int64_t *engine = calloc((size_t)n, sizeof *engine), *bare = calloc((size_t)n, sizeof *bare);
	for (long i = 0; i < n; i++) {
		int64_t t0 = now_us();
		/* with a note: the fixture's first step has a checklist nobody ticks here */
		enum st_code rc = i % 2 == 0 ? session_complete(s, (size_t)first, NULL, "bench", &err)
					     : session_reopen(s, (size_t)first, "bench", &err);
		engine[i] = now_us() - t0;
		if (rc != ST_OK)
			return die("transition", &err);
	}
	session_close(s);
	store_close(st);
	if (strncmp(scratch, "postgresql://", 13) == 0 || strncmp(scratch, "postgres://", 11) == 0) {
		int rc = pg_inserts(scratch, n, bare);
		if (rc == 0)
			printf("engine_us %lld\npg_us %lld\n", (long long)median(engine, (size_t)n),
			       (long long)median(bare, (size_t)n));
		free(engine);
		free(bare);
		runbook_free(rb);
		free(id);
		return rc;
	}

	sqlite3 *sq;
	if (sqlite3_open(scratch, &sq) != SQLITE_OK)
		return die("scratch db", NULL);
	sqlite3_exec(sq, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
			 "CREATE TABLE IF NOT EXISTS t (seq INTEGER PRIMARY KEY, at INTEGER, type TEXT, data TEXT)",
		     NULL, NULL, NULL);
	sqlite3_stmt *ins;
	sqlite3_prepare_v2(sq, "INSERT INTO t (at, type, data) VALUES (?1, 'step_completed', '{}')", -1, &ins, NULL);
	for (long i = 0; i < n; i++) {
		int64_t t0 = now_us();
		sqlite3_bind_int64(ins, 1, t0);
		if (sqlite3_step(ins) != SQLITE_DONE)
			return die("insert", NULL);
		sqlite3_reset(ins);
		bare[i] = now_us() - t0;
	}
	sqlite3_finalize(ins);
	sqlite3_close(sq);
	printf("engine_us %lld\nsqlite_us %lld\n", (long long)median(engine, (size_t)n),
	       (long long)median(bare, (size_t)n));
	free(engine);
	free(bare);
	runbook_free(rb);
	free(id);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "events") == 0)
		return gen_events(argv[2], argv[3], atol(argv[4]));
	if (argc == 6 && strcmp(argv[1], "transitions") == 0)
		return transitions(argv[2], argv[3], atol(argv[4]), argv[5]);
	if (argc == 7 && strcmp(argv[1], "team") == 0)
		return team(argv[2], argv[3], atol(argv[4]), atol(argv[5]), atol(argv[6]));
	fprintf(stderr, "usage: session_gen events DB RUNBOOK N | transitions DB RUNBOOK N SCRATCH_DB |"
			" team DB RUNBOOK OPERATORS PER_OPERATOR EVENTS\n");
	return 64;
}
