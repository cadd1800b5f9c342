/*
 * store.c — the SQLite session database: schema and migrations, the append-only
 * hash-chained event log, cached state (projections), the session lock, the audit.
 * All of steward's SQL is in this file (see store.h for the invariants).
 *
 * Every statement is prepared with bound parameters and finalised on every path.
 * Durability: WAL with synchronous=FULL, so a COMMIT that returned is on disk.
 */
#include "steward/store.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STORE_SCHEMA_VERSION 1
#define STORE_BUSY_TIMEOUT_MS 5000
#define GENESIS_HASH "0000000000000000000000000000000000000000000000000000000000000000"

#define STORE_STMT_CACHE 48

struct store {
	sqlite3 *db;
	/* Prepared statements, keyed by the address of their SQL text (every statement
	 * is a literal in this file): prepared once, reset after each use. */
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
};

/* ---------- errors ---------- */

static enum st_code db_error(struct store *st, struct st_error *err, const char *what)
{
	int rc = sqlite3_extended_errcode(st->db);
	int prim = rc & 0xff;
	if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED)
		return st_set(err, ST_TEMPFAIL,
			      "database %s is locked by another process (%s): try again in a moment",
			      st->path, what);
	if (prim == SQLITE_NOTADB || prim == SQLITE_CORRUPT)
		return st_set(err, ST_CANTCREATE,
			      "database %s is damaged or not a steward database (%s: %s) — restore it from a "
			      "backup, or choose another with --db PATH",
			      st->path, what, sqlite3_errmsg(st->db));
	if (prim == SQLITE_READONLY || prim == SQLITE_CANTOPEN || prim == SQLITE_FULL ||
	    prim == SQLITE_IOERR || prim == SQLITE_PERM)
		return st_set(err, ST_CANTCREATE,
			      "database %s cannot be written (%s: %s) — check the file's permissions "
			      "and free space, or choose another with --db PATH",
			      st->path, what, sqlite3_errmsg(st->db));
	return st_set(err, ST_CANTCREATE, "database %s: %s: %s — check the file or choose another with --db PATH",
		      st->path, what, sqlite3_errmsg(st->db));
}

/* ---------- statement helpers ---------- */

static sqlite3_stmt *prep(struct store *st, const char *sql, struct st_error *err, enum st_code *rc)
{
	*rc = ST_OK;
	for (size_t i = 0; i < st->n_cache; i++)
		if (st->cache[i].sql == sql)
			return st->cache[i].stmt;
	sqlite3_stmt *stmt = NULL;
	if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		*rc = db_error(st, err, "preparing a statement");
		sqlite3_finalize(stmt);
		return NULL;
	}
	if (st->n_cache == STORE_STMT_CACHE)
		util_fatal("store.c: more than %d distinct statements", STORE_STMT_CACHE);
	st->cache[st->n_cache].sql = sql;
	st->cache[st->n_cache++].stmt = stmt;
	return stmt;
}

/* Ends a use of a cached statement (never finalize one: store_close does). */
static void done(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

static char *col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	if (!t)
		return NULL;
	return xstrndup((const char *)t, (size_t)sqlite3_column_bytes(s, i));
}

static void col_hash(sqlite3_stmt *s, int i, char out[65])
{
	const unsigned char *t = sqlite3_column_text(s, i);
	snprintf(out, 65, "%s", t ? (const char *)t : "");
}

/* Runs SQL without results (schema, pragmas, transaction control). */
static enum st_code exec(struct store *st, const char *sql, struct st_error *err, const char *what)
{
	char *msg = NULL;
	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		sqlite3_free(msg);
		return db_error(st, err, what);
	}
	return ST_OK;
}

/* ---------- schema ---------- */

static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE sessions ("
	"  id TEXT PRIMARY KEY,"
	"  label TEXT,"
	"  operator TEXT NOT NULL,"
	"  host TEXT NOT NULL,"
	"  rehearsal INTEGER NOT NULL,"
	"  started_ms INTEGER NOT NULL,"
	"  runbook_id TEXT NOT NULL,"
	"  runbook_title TEXT NOT NULL,"
	"  runbook_version TEXT NOT NULL,"
	"  runbook_path TEXT NOT NULL,"
	"  runbook_sha256 TEXT NOT NULL,"
	"  runbook_text BLOB NOT NULL,"
	/* projection columns below */
	"  status TEXT NOT NULL DEFAULT 'active',"
	"  finished_ms INTEGER NOT NULL DEFAULT 0,"
	"  last_activity_ms INTEGER NOT NULL,"
	"  n_done INTEGER NOT NULL DEFAULT 0,"
	"  n_applicable INTEGER NOT NULL DEFAULT 0,"
	"  active_step TEXT,"
	"  head_seq INTEGER NOT NULL DEFAULT 0,"
	"  head_hash TEXT NOT NULL DEFAULT ''"
	");"
	"CREATE INDEX sessions_by_activity ON sessions(last_activity_ms);"
	"CREATE TRIGGER sessions_identity_fixed BEFORE UPDATE OF id, label, operator, host, rehearsal,"
	"  started_ms, runbook_id, runbook_title, runbook_version, runbook_path, runbook_sha256,"
	"  runbook_text ON sessions"
	"  BEGIN SELECT RAISE(ABORT, 'a session''s identity never changes'); END;"
	"CREATE TRIGGER sessions_no_delete BEFORE DELETE ON sessions"
	"  BEGIN SELECT RAISE(ABORT, 'sessions are never deleted'); END;"
	"CREATE TABLE events ("
	"  session_id TEXT NOT NULL REFERENCES sessions(id),"
	"  seq INTEGER NOT NULL,"
	"  at_ms INTEGER NOT NULL,"
	"  operator TEXT NOT NULL,"
	"  host TEXT NOT NULL,"
	"  type TEXT NOT NULL,"
	"  step TEXT,"
	"  data TEXT NOT NULL,"
	"  prev_hash TEXT NOT NULL,"
	"  hash TEXT NOT NULL,"
	"  PRIMARY KEY (session_id, seq)"
	");"
	"CREATE TRIGGER events_no_update BEFORE UPDATE ON events"
	"  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;"
	"CREATE TRIGGER events_no_delete BEFORE DELETE ON events"
	"  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;"
	"CREATE TABLE step_states ("
	"  session_id TEXT NOT NULL REFERENCES sessions(id),"
	"  idx INTEGER NOT NULL,"
	"  step_id TEXT NOT NULL,"
	"  status TEXT NOT NULL,"
	"  completed_by TEXT,"
	"  activated_ms INTEGER NOT NULL,"
	"  completed_ms INTEGER NOT NULL,"
	"  operator TEXT,"
	"  PRIMARY KEY (session_id, idx)"
	");"
	"CREATE TABLE log_positions ("
	"  session_id TEXT NOT NULL REFERENCES sessions(id),"
	"  idx INTEGER NOT NULL,"
	"  name TEXT NOT NULL,"
	"  path TEXT,"
	"  dev INTEGER NOT NULL,"
	"  ino INTEGER NOT NULL,"
	"  offset INTEGER NOT NULL,"
	"  PRIMARY KEY (session_id, idx)"
	");"
	"CREATE TABLE locks ("
	"  session_id TEXT PRIMARY KEY REFERENCES sessions(id),"
	"  pid INTEGER NOT NULL,"
	"  host TEXT NOT NULL,"
	"  proc_start INTEGER NOT NULL,"
	"  since_ms INTEGER NOT NULL"
	");",
};

static enum st_code read_user_version(struct store *st, int *v, struct st_error *err)
{
	enum st_code rc;
	sqlite3_stmt *s = prep(st, "PRAGMA user_version", err, &rc);
	if (!s)
		return rc;
	if (sqlite3_step(s) != SQLITE_ROW) {
		rc = db_error(st, err, "reading the schema version");
		done(s);
		return rc;
	}
	*v = sqlite3_column_int(s, 0);
	done(s);
	return ST_OK;
}

static enum st_code migrate(struct store *st, struct st_error *err)
{
	enum st_code rc = store_begin(st, err);
	if (rc != ST_OK)
		return rc;
	int v = 0;
	if ((rc = read_user_version(st, &v, err)) != ST_OK)
		goto fail;
	if (v > STORE_SCHEMA_VERSION) {
		rc = st_set(err, ST_CANTCREATE,
			    "database %s was written by a newer steward (schema %d, this one knows %d) — "
			    "use that version, or another database with --db PATH",
			    st->path, v, STORE_SCHEMA_VERSION);
		goto fail;
	}
	for (; v < STORE_SCHEMA_VERSION; v++) {
		if ((rc = exec(st, migrations[v], err, "creating the schema")) != ST_OK)
			goto fail;
		/* PRAGMA takes no bound parameters; v is our own integer. */
		char sql[64];
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
		if ((rc = exec(st, sql, err, "setting the schema version")) != ST_OK)
			goto fail;
	}
	st->schema = v;
	return store_commit(st, err);
fail:
	store_rollback(st);
	return rc;
}

/* ---------- open / close ---------- */

static long long proc_start_time(long pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	char buf[1024];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* Field 2 (comm) may hold spaces and ')'; fields resume after the last ')'.
	 * starttime is field 22, i.e. the 20th field after it. */
	char *p = strrchr(buf, ')');
	if (!p)
		return 0;
	p++;
	for (int field = 3; field < 22; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return 0;
	}
	return strtoll(p + 1, NULL, 10);
}

static char *this_host(void)
{
	char buf[HOST_NAME_MAX + 1];
	if (gethostname(buf, sizeof buf) != 0)
		return xstrdup("unknown");
	buf[sizeof buf - 1] = '\0';
	return xstrdup(buf);
}

static char *parent_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

static enum st_code prepare_file(const char *path, struct st_error *err)
{
	char *dir = parent_dir(path);
	struct stat sb;
	if (stat(dir, &sb) != 0) {
		if (util_mkdir_p(dir, 0700) != 0) {
			enum st_code rc = st_set(err, ST_CANTCREATE,
						 "cannot create the database folder %s: %s — create it, "
						 "or choose another database with --db PATH",
						 dir, strerror(errno));
			free(dir);
			return rc;
		}
	}
	free(dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EACCES || errno == EROFS || errno == EPERM)
			return st_set(err, ST_CANTCREATE,
				      "database %s cannot be written (%s) — fix its permissions or choose "
				      "another with --db PATH; sessions, export and audit still read it",
				      path, strerror(errno));
		return st_set(err, ST_CANTCREATE, "cannot create the database %s: %s — choose another with --db PATH",
			      path, strerror(errno));
	}
	close(fd);
	return ST_OK;
}

/* file:PATH?immutable=1 for a read-only copy whose folder we cannot write (no -shm). */
static char *immutable_uri(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	sb_puts(&sb, "file:");
	for (const char *p = path; *p; p++) {
		if (*p == '%' || *p == '?' || *p == '#')
			sb_printf(&sb, "%%%02X", (unsigned char)*p);
		else
			sb_putc(&sb, *p);
	}
	sb_puts(&sb, "?immutable=1");
	return sb_take(&sb);
}

static bool readable_now(sqlite3 *db)
{
	sqlite3_stmt *s = NULL;
	bool ok = sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master", -1, &s, NULL) == SQLITE_OK &&
		  sqlite3_step(s) == SQLITE_ROW;
	sqlite3_finalize(s);
	return ok;
}

static enum st_code open_read(struct store *st, struct st_error *err)
{
	if (access(st->path, F_OK) != 0)
		return st_set(err, ST_NOTFOUND, "no database at %s (no session was started with it yet)",
			      st->path);
	if (sqlite3_open_v2(st->path, &st->db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
		sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
		if (readable_now(st->db))
			return ST_OK;
	}
	/* A WAL database in a folder we cannot write: read it as an immutable file. */
	sqlite3_close(st->db);
	st->db = NULL;
	char *uri = immutable_uri(st->path);
	int rc = sqlite3_open_v2(uri, &st->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
	free(uri);
	if (rc != SQLITE_OK || !readable_now(st->db))
		return st_set(err, ST_CANTCREATE,
			      "cannot read the database %s: %s — check that it is a steward database and "
			      "that you may read it",
			      st->path, st->db ? sqlite3_errmsg(st->db) : "out of memory");
	return ST_OK;
}

static enum st_code open_write(struct store *st, struct st_error *err)
{
	enum st_code rc = prepare_file(st->path, err);
	if (rc != ST_OK)
		return rc;
	if (sqlite3_open_v2(st->path, &st->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		return db_error(st, err, "opening");
	sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(st->db, 1);
	if ((rc = exec(st, "PRAGMA journal_mode=WAL", err, "switching to WAL")) != ST_OK ||
	    (rc = exec(st, "PRAGMA synchronous=FULL", err, "setting synchronous=FULL")) != ST_OK ||
	    (rc = exec(st, "PRAGMA foreign_keys=ON", err, "enabling foreign keys")) != ST_OK)
		return rc;
	return migrate(st, err);
}

enum st_code store_open(const char *path, enum store_mode mode, struct store **out,
			struct st_error *err)
{
	*out = NULL;
	struct store *st = xcalloc(1, sizeof *st);
	st->path = xstrdup(path);
	st->writable = mode == STORE_WRITE;
	st->lock_host = this_host();
	st->lock_start = proc_start_time((long)getpid());
	enum st_code rc = st->writable ? open_write(st, err) : open_read(st, err);
	if (rc == ST_OK && !st->writable) {
		sqlite3_exec(st->db, "PRAGMA foreign_keys=ON", NULL, NULL, NULL);
		rc = read_user_version(st, &st->schema, err);
		if (rc == ST_OK && st->schema > STORE_SCHEMA_VERSION)
			rc = st_set(err, ST_CANTCREATE,
				    "database %s was written by a newer steward (schema %d) — use that version",
				    st->path, st->schema);
	}
	if (rc != ST_OK) {
		store_close(st);
		return rc;
	}
	*out = st;
	return ST_OK;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->n_cache; i++)
		sqlite3_finalize(st->cache[i].stmt);
	if (st->db)
		sqlite3_close_v2(st->db);
	free(st->path);
	free(st->lock_host);
	free(st);
}

const char *store_path(const struct store *st) { return st->path; }
bool store_writable(const struct store *st) { return st->writable; }

void store_set_durable(struct store *st, bool durable)
{
	sqlite3_exec(st->db, durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=OFF", NULL,
		     NULL, NULL);
}

void store_set_busy_timeout(struct store *st, int ms) { sqlite3_busy_timeout(st->db, ms); }

/* Readers of a database that never had a session see no tables. */
static bool has_schema(const struct store *st) { return st->schema >= 1; }

/* ---------- transactions ---------- */

static enum st_code step_once(struct store *st, const char *sql, struct st_error *err, const char *what)
{
	enum st_code rc;
	sqlite3_stmt *s = prep(st, sql, err, &rc);
	if (!s)
		return rc;
	if (sqlite3_step(s) != SQLITE_DONE)
		rc = db_error(st, err, what);
	done(s);
	return rc;
}

enum st_code store_begin(struct store *st, struct st_error *err)
{
	if (!st->writable)
		return st_set(err, ST_SOFTWARE, "database %s was opened read-only", st->path);
	return step_once(st, "BEGIN IMMEDIATE", err, "starting a transaction");
}

enum st_code store_commit(struct store *st, struct st_error *err)
{
	enum st_code rc = step_once(st, "COMMIT", err, "committing");
	if (rc != ST_OK)
		store_rollback(st);
	return rc;
}

enum st_code store_snapshot_begin(struct store *st, struct st_error *err)
{
	return step_once(st, "BEGIN", err, "starting a read");
}

void store_snapshot_end(struct store *st) { store_rollback(st); }

void store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

/* ---------- sessions ---------- */

void store_session_free(struct store_session *r)
{
	if (!r)
		return;
	free(r->id);
	free(r->label);
	free(r->op);
	free(r->host);
	free(r->runbook_id);
	free(r->runbook_title);
	free(r->runbook_version);
	free(r->runbook_path);
	free(r->runbook_sha256);
	free(r->runbook_text);
	memset(r, 0, sizeof *r);
}

enum st_code store_insert_session(struct store *st, const struct store_session *r, struct st_error *err)
{
	enum st_code rc;
	sqlite3_stmt *s = prep(st,
			       "INSERT INTO sessions (id, label, operator, host, rehearsal, started_ms,"
			       " runbook_id, runbook_title, runbook_version, runbook_path, runbook_sha256,"
			       " runbook_text, last_activity_ms)"
			       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?6)",
			       err, &rc);
	if (!s)
		return rc;
	bind_text(s, 1, r->id);
	bind_text(s, 2, r->label);
	bind_text(s, 3, r->op);
	bind_text(s, 4, r->host);
	sqlite3_bind_int(s, 5, r->rehearsal ? 1 : 0);
	sqlite3_bind_int64(s, 6, r->started_ms);
	bind_text(s, 7, r->runbook_id);
	bind_text(s, 8, r->runbook_title);
	bind_text(s, 9, r->runbook_version);
	bind_text(s, 10, r->runbook_path);
	bind_text(s, 11, r->runbook_sha256);
	sqlite3_bind_blob(s, 12, r->runbook_text, (int)r->runbook_text_len, SQLITE_TRANSIENT);
	int step = sqlite3_step(s);
	if (step == SQLITE_CONSTRAINT || (sqlite3_extended_errcode(st->db) & 0xff) == SQLITE_CONSTRAINT)
		rc = st_set(err, ST_TEMPFAIL, "session id %s is taken", r->id);
	else if (step != SQLITE_DONE)
		rc = db_error(st, err, "creating the session");
	done(s);
	return rc;
}

enum st_code store_read_session(struct store *st, const char *id, struct store_session *out,
				struct st_error *err)
{
	memset(out, 0, sizeof *out);
	if (!has_schema(st))
		return st_set(err, ST_NOTFOUND, "no session %s in %s", id, st->path);
	enum st_code rc;
	sqlite3_stmt *s = prep(st,
			       "SELECT id, label, operator, host, rehearsal, started_ms, runbook_id,"
			       " runbook_title, runbook_version, runbook_path, runbook_sha256, runbook_text"
			       " FROM sessions WHERE id = ?1",
			       err, &rc);
	if (!s)
		return rc;
	bind_text(s, 1, id);
	int step = sqlite3_step(s);
	if (step == SQLITE_ROW) {
		out->id = col_text(s, 0);
		out->label = col_text(s, 1);
		out->op = col_text(s, 2);
		out->host = col_text(s, 3);
		out->rehearsal = sqlite3_column_int(s, 4) != 0;
		out->started_ms = sqlite3_column_int64(s, 5);
		out->runbook_id = col_text(s, 6);
		out->runbook_title = col_text(s, 7);
		out->runbook_version = col_text(s, 8);
		out->runbook_path = col_text(s, 9);
		out->runbook_sha256 = col_text(s, 10);
		const void *blob = sqlite3_column_blob(s, 11);
		size_t len = (size_t)sqlite3_column_bytes(s, 11);
		out->runbook_text = xmalloc(len + 1);
		if (len)
			memcpy(out->runbook_text, blob, len);
		out->runbook_text[len] = '\0';
		out->runbook_text_len = len;
	} else if (step == SQLITE_DONE) {
		rc = st_set(err, ST_NOTFOUND, "no session %s in %s — `steward sessions --all` lists them",
			    id, st->path);
	} else {
		rc = db_error(st, err, "reading a session");
	}
	done(s);
	return rc;
}

enum st_code store_resolve_id(struct store *st, const char *prefix, char **id_out, struct st_error *err)
{
	*id_out = NULL;
	bool latest = !prefix || !*prefix;
	if (!has_schema(st))
		return latest ? st_set(err, ST_NOTFOUND, "no unfinished session in %s", st->path)
			      : st_set(err, ST_NOTFOUND, "no session %s in %s", prefix, st->path);
	enum st_code rc;
	sqlite3_stmt *s =
		latest ? prep(st,
			      "SELECT id FROM sessions WHERE status <> 'finished'"
			      " ORDER BY last_activity_ms DESC, id DESC LIMIT 1",
			      err, &rc)
		       : prep(st,
			      "SELECT id FROM sessions WHERE substr(id, 1, length(?1)) = ?1"
			      " ORDER BY id LIMIT 11",
			      err, &rc);
	if (!s)
		return rc;
	if (!latest)
		bind_text(s, 1, prefix);
	char *ids[11];
	size_t n = 0;
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW && n < 11) {
		ids[n++] = col_text(s, 0);
		if (!latest && util_streq(ids[n - 1], prefix)) { /* an exact id wins */
			for (size_t i = 0; i + 1 < n; i++)
				free(ids[i]);
			ids[0] = ids[n - 1];
			n = 1;
			break;
		}
	}
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		rc = db_error(st, err, "looking up a session");
	done(s);
	if (rc != ST_OK) {
		for (size_t i = 0; i < n; i++)
			free(ids[i]);
		return rc;
	}
	if (n == 0)
		return latest ? st_set(err, ST_NOTFOUND,
				       "no unfinished session in %s — start one with `steward start RUNBOOK`",
				       st->path)
			      : st_set(err, ST_NOTFOUND,
				       "no session %s in %s — `steward sessions --all` lists them", prefix,
				       st->path);
	if (n == 1) {
		*id_out = ids[0];
		return ST_OK;
	}
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n && i < 10; i++) {
		sb_printf(&sb, "%s%s", i ? ", " : "", ids[i]);
		free(ids[i]);
	}
	if (n > 10) {
		sb_puts(&sb, ", ...");
		free(ids[10]);
	}
	rc = st_set(err, ST_USAGE, "session prefix '%s' is ambiguous: %s — give more of the id", prefix,
		    sb_str(&sb));
	sb_free(&sb);
	return rc;
}

/* ---------- events ---------- */

static void put_field(struct strbuf *sb, const char *v)
{
	if (!v) {
		sb_puts(sb, "~\n"); /* NULL differs from "" (0:) */
		return;
	}
	size_t n = strlen(v);
	char len[24];
	size_t i = sizeof len;
	len[--i] = ':';
	size_t k = n;
	do {
		len[--i] = (char)('0' + k % 10);
		k /= 10;
	} while (k);
	sb_append(sb, len + i, sizeof len - i);
	sb_append(sb, v, n);
	sb_putc(sb, '\n');
}

/* util_format_utc_ms, remembering the last second formatted: events come in bursts
 * within one second, and the audit hashes every one of them. */
struct at_cache {
	int64_t sec; /* -1: empty */
	char text[32];
};

static void format_at(struct at_cache *c, int64_t ms, char out[32])
{
	if (!c || ms < 0) {
		util_format_utc_ms(ms, out);
		return;
	}
	if (c->sec != ms / 1000) {
		util_format_utc_ms(ms, c->text);
		c->sec = ms / 1000;
	}
	memcpy(out, c->text, 32);
	int frac = (int)(ms % 1000);
	out[20] = (char)('0' + frac / 100);
	out[21] = (char)('0' + frac / 10 % 10);
	out[22] = (char)('0' + frac % 10);
}

/*
 * The canonical encoding: a version line, then every field as LENGTH ":" BYTES "\n"
 * (or "~\n" for NULL), so no choice of field contents can make two different events
 * encode alike. Time is written as ISO 8601 UTC with milliseconds.
 */
static void event_hash(const char *session_id, const struct store_event *ev, struct at_cache *cache,
		       struct strbuf *sb, char out[65])
{
	char at[32], seq[32];
	format_at(cache, ev->at_ms, at);
	snprintf(seq, sizeof seq, "%lld", (long long)ev->seq);
	sb_reset(sb);
	sb_puts(sb, "steward-event/1\n");
	put_field(sb, session_id);
	put_field(sb, seq);
	put_field(sb, at);
	put_field(sb, ev->op);
	put_field(sb, ev->host);
	put_field(sb, ev->type);
	put_field(sb, ev->step);
	put_field(sb, ev->data);
	put_field(sb, ev->prev_hash);
	util_sha256_hex(sb->data, sb->len, out);
}

void store_event_hash(const char *session_id, const struct store_event *ev, char out[65])
{
	struct strbuf sb = STRBUF_INIT;
	event_hash(session_id, ev, NULL, &sb, out);
	sb_free(&sb);
}

static enum st_code read_head(struct store *st, const char *sid, int64_t *seq, char hash[65],
			      struct st_error *err)
{
	enum st_code rc;
	sqlite3_stmt *s = prep(st,
			       "SELECT seq, hash FROM events WHERE session_id = ?1 ORDER BY seq DESC LIMIT 1",
			       err, &rc);
	if (!s)
		return rc;
	bind_text(s, 1, sid);
	int step = sqlite3_step(s);
	if (step == SQLITE_ROW) {
		*seq = sqlite3_column_int64(s, 0);
		col_hash(s, 1, hash);
	} else if (step == SQLITE_DONE) {
		*seq = 0;
		snprintf(hash, 65, "%s", GENESIS_HASH);
	} else {
		rc = db_error(st, err, "reading the last event");
	}
	done(s);
	return rc;
}

enum st_code store_append(struct store *st, const char *sid, int64_t expect_seq, struct store_event *ev,
			  struct st_error *err)
{
	int64_t head = 0;
	char prev[65] = "";
	enum st_code rc = read_head(st, sid, &head, prev, err);
	if (rc != ST_OK)
		return rc;
	if (head != expect_seq)
		return st_set(err, ST_TEMPFAIL,
			      "session %s changed under this process (event %lld was written elsewhere) — "
			      "reopen it", sid, (long long)head);
	ev->seq = head + 1;
	memcpy(ev->prev_hash, prev, 65);
	store_event_hash(sid, ev, ev->hash);
	sqlite3_stmt *s = prep(st,
			       "INSERT INTO events (session_id, seq, at_ms, operator, host, type, step, data,"
			       " prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
			       err, &rc);
	if (!s)
		return rc;
	bind_text(s, 1, sid);
	sqlite3_bind_int64(s, 2, ev->seq);
	sqlite3_bind_int64(s, 3, ev->at_ms);
	bind_text(s, 4, ev->op);
	bind_text(s, 5, ev->host);
	bind_text(s, 6, ev->type);
	bind_text(s, 7, ev->step);
	bind_text(s, 8, ev->data);
	bind_text(s, 9, ev->prev_hash);
	bind_text(s, 10, ev->hash);
	if (sqlite3_step(s) != SQLITE_DONE)
		rc = db_error(st, err, "appending an event");
	done(s);
	return rc;
}

enum st_code store_read_events(struct store *st, const char *sid, int64_t after_seq, store_event_cb cb,
			       void *ctx, struct st_error *err)
{
	if (!has_schema(st))
		return ST_OK;
	enum st_code rc;
	sqlite3_stmt *s = prep(st,
			       "SELECT seq, at_ms, operator, host, type, step, data, prev_hash, hash"
			       " FROM events WHERE session_id = ?1 AND seq > ?2 ORDER BY seq",
			       err, &rc);
	if (!s)
		return rc;
	bind_text(s, 1, sid);
	sqlite3_bind_int64(s, 2, after_seq);
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_event ev = {
			.seq = sqlite3_column_int64(s, 0),
			.at_ms = sqlite3_column_int64(s, 1),
			.op = (const char *)sqlite3_column_text(s, 2),
			.host = (const char *)sqlite3_column_text(s, 3),
			.type = (const char *)sqlite3_column_text(s, 4),
			.step = (const char *)sqlite3_column_text(s, 5),
			.data = (const char *)sqlite3_column_text(s, 6),
		};
		col_hash(s, 7, ev.prev_hash);
		col_hash(s, 8, ev.hash);
		if (!ev.op)
			ev.op = "";
		if (!ev.host)
			ev.host = "";
		if (!ev.type)
			ev.type = "";
		if (!ev.data)
			ev.data = "{}";
		if (!cb(ctx, &ev)) {
			step = SQLITE_DONE;
			break;
		}
	}
	if (step != SQLITE_DONE)
		rc = db_error(st, err, "reading events");
	done(s);
	return rc;
}

/* ---------- cached state ---------- */

void store_state_free(struct store_state *ss)
{
	if (!ss)
		return;
	free(ss->status);
	free(ss->active_step);
	for (size_t i = 0; i < ss->n_steps; i++) {
		free(ss->steps[i].step_id);
		free(ss->steps[i].status);
		free(ss->steps[i].completed_by);
		free(ss->steps[i].op);
	}
	free(ss->steps);
	for (size_t i = 0; i < ss->n_logs; i++) {
		free(ss->logs[i].name);
		free(ss->logs[i].path);
	}
	free(ss->logs);
	memset(ss, 0, sizeof *ss);
}

static enum st_code run_done(struct store *st, sqlite3_stmt *s, struct st_error *err, const char *what)
{
	enum st_code rc = ST_OK;
	if (sqlite3_step(s) != SQLITE_DONE)
		rc = db_error(st, err, what);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc;
}

enum st_code store_put_state(struct store *st, const char *sid, const struct store_state *ss,
			     struct st_error *err)
{
	enum st_code rc;
	sqlite3_stmt *s = prep(st,
			       "UPDATE sessions SET status = ?2, finished_ms = ?3, last_activity_ms = ?4,"
			       " n_done = ?5, n_applicable = ?6, active_step = ?7, head_seq = ?8,"
			       " head_hash = ?9 WHERE id = ?1",
			       err, &rc);
	if (!s)
		return rc;
	bind_text(s, 1, sid);
	bind_text(s, 2, ss->status);
	sqlite3_bind_int64(s, 3, ss->finished_ms);
	sqlite3_bind_int64(s, 4, ss->last_activity_ms);
	sqlite3_bind_int(s, 5, ss->n_done);
	sqlite3_bind_int(s, 6, ss->n_applicable);
	bind_text(s, 7, ss->active_step);
	sqlite3_bind_int64(s, 8, ss->head_seq);
	bind_text(s, 9, ss->head_hash);
	rc = run_done(st, s, err, "updating the session state");
	done(s);
	if (rc != ST_OK)
		return rc;

	s = prep(st,
		 "INSERT INTO step_states (session_id, idx, step_id, status, completed_by, activated_ms,"
		 " completed_ms, operator) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
		 " ON CONFLICT (session_id, idx) DO UPDATE SET step_id = excluded.step_id,"
		 " status = excluded.status, completed_by = excluded.completed_by,"
		 " activated_ms = excluded.activated_ms, completed_ms = excluded.completed_ms,"
		 " operator = excluded.operator",
		 err, &rc);
	if (!s)
		return rc;
	for (size_t i = 0; i < ss->n_steps && rc == ST_OK; i++) {
		const struct store_step_row *r = &ss->steps[i];
		bind_text(s, 1, sid);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)i);
		bind_text(s, 3, r->step_id);
		bind_text(s, 4, r->status);
		bind_text(s, 5, r->completed_by);
		sqlite3_bind_int64(s, 6, r->activated_ms);
		sqlite3_bind_int64(s, 7, r->completed_ms);
		bind_text(s, 8, r->op);
		rc = run_done(st, s, err, "updating step states");
	}
	done(s);
	if (rc != ST_OK)
		return rc;

	s = prep(st,
		 "INSERT INTO log_positions (session_id, idx, name, path, dev, ino, offset)"
		 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
		 " ON CONFLICT (session_id, idx) DO UPDATE SET name = excluded.name,"
		 " path = excluded.path, dev = excluded.dev, ino = excluded.ino, offset = excluded.offset",
		 err, &rc);
	if (!s)
		return rc;
	for (size_t i = 0; i < ss->n_logs && rc == ST_OK; i++) {
		const struct store_log_row *r = &ss->logs[i];
		bind_text(s, 1, sid);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)i);
		bind_text(s, 3, r->name);
		bind_text(s, 4, r->path);
		sqlite3_bind_int64(s, 5, (sqlite3_int64)r->dev);
		sqlite3_bind_int64(s, 6, (sqlite3_int64)r->ino);
		sqlite3_bind_int64(s, 7, (sqlite3_int64)r->offset);
		rc = run_done(st, s, err, "updating log positions");
	}
	done(s);
	return rc;
}

enum st_code store_read_state(struct store *st, const char *sid, struct store_state *out,
			      struct st_error *err)
{
	memset(out, 0, sizeof *out);
	if (!has_schema(st))
		return st_set(err, ST_NOTFOUND, "no session %s in %s", sid, st->path);
	enum st_code rc;
	sqlite3_stmt *s = prep(st,
			       "SELECT status, finished_ms, last_activity_ms, n_done, n_applicable,"
			       " active_step, head_seq, head_hash FROM sessions WHERE id = ?1",
			       err, &rc);
	if (!s)
		return rc;
	bind_text(s, 1, sid);
	int step = sqlite3_step(s);
	if (step == SQLITE_ROW) {
		out->status = col_text(s, 0);
		out->finished_ms = sqlite3_column_int64(s, 1);
		out->last_activity_ms = sqlite3_column_int64(s, 2);
		out->n_done = sqlite3_column_int(s, 3);
		out->n_applicable = sqlite3_column_int(s, 4);
		out->active_step = col_text(s, 5);
		out->head_seq = sqlite3_column_int64(s, 6);
		col_hash(s, 7, out->head_hash);
	} else if (step == SQLITE_DONE) {
		rc = st_set(err, ST_NOTFOUND, "no session %s in %s", sid, st->path);
	} else {
		rc = db_error(st, err, "reading the session state");
	}
	done(s);
	if (rc != ST_OK)
		return rc;

	s = prep(st,
		 "SELECT step_id, status, completed_by, activated_ms, completed_ms, operator"
		 " FROM step_states WHERE session_id = ?1 ORDER BY idx",
		 err, &rc);
	if (!s)
		goto fail;
	bind_text(s, 1, sid);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		out->steps = xreallocarray(out->steps, out->n_steps + 1, sizeof *out->steps);
		struct store_step_row *r = &out->steps[out->n_steps++];
		r->step_id = col_text(s, 0);
		r->status = col_text(s, 1);
		r->completed_by = col_text(s, 2);
		r->activated_ms = sqlite3_column_int64(s, 3);
		r->completed_ms = sqlite3_column_int64(s, 4);
		r->op = col_text(s, 5);
	}
	if (step != SQLITE_DONE)
		rc = db_error(st, err, "reading step states");
	done(s);
	if (rc != ST_OK)
		goto fail;

	s = prep(st,
		 "SELECT name, path, dev, ino, offset FROM log_positions WHERE session_id = ?1 ORDER BY idx",
		 err, &rc);
	if (!s)
		goto fail;
	bind_text(s, 1, sid);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		out->logs = xreallocarray(out->logs, out->n_logs + 1, sizeof *out->logs);
		struct store_log_row *r = &out->logs[out->n_logs++];
		r->name = col_text(s, 0);
		r->path = col_text(s, 1);
		r->dev = (uint64_t)sqlite3_column_int64(s, 2);
		r->ino = (uint64_t)sqlite3_column_int64(s, 3);
		r->offset = (uint64_t)sqlite3_column_int64(s, 4);
	}
	if (step != SQLITE_DONE)
		rc = db_error(st, err, "reading log positions");
	done(s);
	if (rc == ST_OK)
		return ST_OK;
fail:
	store_state_free(out);
	return rc;
}

enum st_code store_list(struct store *st, bool include_finished, struct store_summary **rows, size_t *n,
			struct st_error *err)
{
	*rows = NULL;
	*n = 0;
	if (!has_schema(st))
		return ST_OK;
	enum st_code rc;
	sqlite3_stmt *s = prep(st,
			       "SELECT id, label, runbook_id, runbook_title, status, rehearsal, n_done,"
			       " n_applicable, started_ms, last_activity_ms FROM sessions"
			       " WHERE ?1 OR status <> 'finished' ORDER BY last_activity_ms DESC, id DESC",
			       err, &rc);
	if (!s)
		return rc;
	sqlite3_bind_int(s, 1, include_finished ? 1 : 0);
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		*rows = xreallocarray(*rows, *n + 1, sizeof **rows);
		struct store_summary *r = &(*rows)[(*n)++];
		r->id = col_text(s, 0);
		r->label = col_text(s, 1);
		r->runbook_id = col_text(s, 2);
		r->runbook_title = col_text(s, 3);
		r->status = col_text(s, 4);
		r->rehearsal = sqlite3_column_int(s, 5) != 0;
		r->n_done = sqlite3_column_int(s, 6);
		r->n_applicable = sqlite3_column_int(s, 7);
		r->started_ms = sqlite3_column_int64(s, 8);
		r->last_activity_ms = sqlite3_column_int64(s, 9);
	}
	if (step != SQLITE_DONE)
		rc = db_error(st, err, "listing sessions");
	done(s);
	return rc;
}

/* ---------- the session lock ---------- */

struct holder {
	long pid;
	char *host;
	long long proc_start;
	int64_t since_ms;
};

/* True when the holder is certainly gone: same host, and its pid is free or now
 * belongs to a process that started at a different time (pid reuse). */
static bool holder_gone(const struct store *st, const struct holder *h)
{
	if (!util_streq(h->host, st->lock_host))
		return false; /* cannot see another machine's processes */
	if (h->pid <= 0)
		return true;
	if (kill((pid_t)h->pid, 0) != 0 && errno == ESRCH)
		return true;
	long long start = proc_start_time(h->pid);
	return start != 0 && h->proc_start != 0 && start != h->proc_start;
}

enum st_code store_lock(struct store *st, const char *sid, struct st_error *err)
{
	enum st_code rc = store_begin(st, err);
	if (rc != ST_OK)
		return rc;
	sqlite3_stmt *s = prep(st, "SELECT pid, host, proc_start, since_ms FROM locks WHERE session_id = ?1",
			       err, &rc);
	if (!s)
		goto fail;
	bind_text(s, 1, sid);
	struct holder h = {0};
	bool held = false;
	int step = sqlite3_step(s);
	if (step == SQLITE_ROW) {
		held = true;
		h.pid = (long)sqlite3_column_int64(s, 0);
		h.host = col_text(s, 1);
		h.proc_start = sqlite3_column_int64(s, 2);
		h.since_ms = sqlite3_column_int64(s, 3);
	} else if (step != SQLITE_DONE) {
		rc = db_error(st, err, "reading the session lock");
	}
	done(s);
	if (rc != ST_OK)
		goto fail;
	if (held && !holder_gone(st, &h)) {
		char since[32];
		util_format_utc_ms(h.since_ms, since);
		bool self = h.pid == (long)getpid() && util_streq(h.host, st->lock_host);
		rc = st_set(err, ST_TEMPFAIL,
			    "session %s is held by %s %ld on %s since %s — wait for it to finish or "
			    "stop that process",
			    sid, self ? "this process," : "process", h.pid, h.host ? h.host : "?", since);
		free(h.host);
		goto fail;
	}
	free(h.host);
	s = prep(st,
		 "INSERT OR REPLACE INTO locks (session_id, pid, host, proc_start, since_ms)"
		 " VALUES (?1, ?2, ?3, ?4, ?5)",
		 err, &rc);
	if (!s)
		goto fail;
	bind_text(s, 1, sid);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)getpid());
	bind_text(s, 3, st->lock_host);
	sqlite3_bind_int64(s, 4, st->lock_start);
	sqlite3_bind_int64(s, 5, util_now_ms());
	if (sqlite3_step(s) != SQLITE_DONE)
		rc = db_error(st, err, "taking the session lock");
	done(s);
	if (rc != ST_OK)
		goto fail;
	return store_commit(st, err);
fail:
	store_rollback(st);
	return rc;
}

void store_unlock(struct store *st, const char *sid)
{
	if (!st || !st->writable)
		return;
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(st->db, "DELETE FROM locks WHERE session_id = ?1 AND pid = ?2 AND host = ?3",
			       -1, &s, NULL) == SQLITE_OK) {
		bind_text(s, 1, sid);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)getpid());
		bind_text(s, 3, st->lock_host);
		sqlite3_step(s); /* best effort: a lock left behind is stale once we exit */
	}
	sqlite3_finalize(s);
}

/* ---------- audit ---------- */

struct audit_ctx {
	const char *sid;
	struct store_audit *a;
	char prev[65];
	int64_t expect_seq;
	char *first_data; /* the start event's payload */
	store_event_cb each;
	void *each_ctx;
	struct at_cache at;
	struct strbuf buf; /* reused for every event's encoding */
};

static void audit_check(struct audit_ctx *c, const struct store_event *ev)
{
	struct store_audit *a = c->a;
	char at[32] = "";
	if (ev->seq != c->expect_seq || strcmp(ev->prev_hash, c->prev) != 0)
		util_format_utc_ms(ev->at_ms, at);
	if (ev->seq != c->expect_seq) {
		a->bad_seq = c->expect_seq;
		snprintf(a->problem, sizeof a->problem,
			 "event %lld is missing (the next stored event is %lld, %s at %s)",
			 (long long)c->expect_seq, (long long)ev->seq, ev->type, at);
		return;
	}
	if (strcmp(ev->prev_hash, c->prev) != 0) {
		a->bad_seq = ev->seq;
		snprintf(a->problem, sizeof a->problem,
			 "event %lld (%s at %s) does not follow the event before it (prev_hash differs)",
			 (long long)ev->seq, ev->type, at);
		return;
	}
	char h[65];
	event_hash(c->sid, ev, &c->at, &c->buf, h);
	if (strcmp(h, ev->hash) != 0) {
		util_format_utc_ms(ev->at_ms, at);
		a->bad_seq = ev->seq;
		snprintf(a->problem, sizeof a->problem,
			 "event %lld (%s at %s) was altered: its hash does not match its contents",
			 (long long)ev->seq, ev->type, at);
		return;
	}
	if (ev->seq == 1)
		c->first_data = xstrdup(ev->data);
	memcpy(c->prev, ev->hash, 65);
	a->n_events = ev->seq;
	c->expect_seq++;
}

/* Checks one event (until the first that does not verify), then hands it on. */
static bool audit_cb(void *vctx, const struct store_event *ev)
{
	struct audit_ctx *c = vctx;
	if (!c->a->bad_seq)
		audit_check(c, ev);
	return c->each ? c->each(c->each_ctx, ev) : !c->a->bad_seq;
}

/* The start event (seq 1) records {"runbook": {"sha256": ...}}. */
static bool start_names_runbook(const char *data, const char *sha)
{
	if (!data)
		return false;
	json_t *root = json_loads(data, 0, NULL);
	const char *rec = json_string_value(json_object_get(json_object_get(root, "runbook"), "sha256"));
	bool ok = rec && strcmp(rec, sha) == 0;
	json_decref(root);
	return ok;
}

enum st_code store_audit(struct store *st, const char *sid, struct store_audit *a, store_event_cb each,
			 void *each_ctx, struct st_error *err)
{
	memset(a, 0, sizeof *a);
	struct store_state ss;
	enum st_code rc = store_read_state(st, sid, &ss, err);
	if (rc != ST_OK)
		return rc;
	struct store_session row;
	if ((rc = store_read_session(st, sid, &row, err)) != ST_OK) {
		store_state_free(&ss);
		return rc;
	}
	struct audit_ctx c = {.sid = sid, .a = a, .expect_seq = 1, .each = each, .each_ctx = each_ctx,
			      .at = {.sec = -1}, .buf = STRBUF_INIT};
	memcpy(c.prev, GENESIS_HASH, 65);
	a->intact = true;
	rc = store_read_events(st, sid, 0, audit_cb, &c, err);
	if (rc == ST_OK) {
		if (a->bad_seq) {
			a->intact = false;
		} else if (a->n_events < ss.head_seq || (ss.head_seq == a->n_events &&
							 a->n_events > 0 &&
							 strcmp(ss.head_hash, c.prev) != 0)) {
			a->intact = false;
			a->bad_seq = a->n_events + 1;
			snprintf(a->problem, sizeof a->problem,
				 "the last events are missing: the session recorded %lld events, %lld remain",
				 (long long)ss.head_seq, (long long)a->n_events);
		} else if (a->n_events == 0) {
			a->intact = false;
			a->bad_seq = 1;
			snprintf(a->problem, sizeof a->problem, "the session has no events");
		} else {
			/* The stored runbook text must be the one the start event names. */
			char sha[65];
			util_sha256_hex(row.runbook_text, row.runbook_text_len, sha);
			if (!start_names_runbook(c.first_data, sha) ||
			    strcmp(sha, row.runbook_sha256) != 0) {
				a->intact = false;
				a->bad_seq = 1;
				snprintf(a->problem, sizeof a->problem,
					 "the stored runbook text does not match the SHA-256 recorded by event 1");
			}
		}
		snprintf(a->head, sizeof a->head, "%s", a->n_events ? c.prev : "");
	}
	free(c.first_data);
	sb_free(&c.buf);
	store_session_free(&row);
	store_state_free(&ss);
	return rc;
}
