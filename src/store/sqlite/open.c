/*
 * open.c — the SQLite session database: opening it (owner-only files, WAL,
 * synchronous=FULL, foreign keys, busy timeout), the schema and its migrations by
 * PRAGMA user_version, the prepared-statement cache, transactions. The rest of the
 * backend is in this folder (sqlite_priv.h lists the files); see store.h for the invariants.
 *
 * Every statement is prepared once with bound parameters (sq_prep caches it), reset
 * after every use and finalised when the store closes.
 * Durability: WAL with synchronous=FULL, so a COMMIT that returned is on disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "steward/fileio.h"
#include "sqlite_priv.h"

/* ---------- errors ---------- */

enum st_code sq_error(struct sq_store *st, struct st_error *err, const char *what)
{
	int rc = sqlite3_extended_errcode(st->db);
	int prim = rc & 0xff;
	if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED)
		return st_set(err, ST_TEMPFAIL,
			      "database %s is locked by another process (%s): try again in a moment",
			      st->base.path, what);
	if (prim == SQLITE_NOTADB || prim == SQLITE_CORRUPT)
		return st_set(err, ST_CANTCREATE,
			      "database %s is damaged or not a steward database (%s: %s) — restore it from a "
			      "backup, or choose another with --db PATH",
			      st->base.path, what, sqlite3_errmsg(st->db));
	if (prim == SQLITE_READONLY || prim == SQLITE_CANTOPEN || prim == SQLITE_FULL ||
	    prim == SQLITE_IOERR || prim == SQLITE_PERM)
		return st_set(err, ST_CANTCREATE,
			      "database %s cannot be written (%s: %s) — check the file's permissions "
			      "and free space, or choose another with --db PATH",
			      st->base.path, what, sqlite3_errmsg(st->db));
	return st_set(err, ST_CANTCREATE, "database %s: %s: %s — check the file or choose another with --db PATH",
		      st->base.path, what, sqlite3_errmsg(st->db));
}

/* ---------- statement helpers ---------- */

sqlite3_stmt *sq_prep(struct sq_store *st, const char *sql, struct st_error *err, enum st_code *rc)
{
	*rc = ST_OK;
	for (size_t i = 0; i < st->n_cache; i++)
		if (st->cache[i].sql == sql)
			return st->cache[i].stmt;
	sqlite3_stmt *stmt = NULL;
	if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		*rc = sq_error(st, err, "preparing a statement");
		sqlite3_finalize(stmt);
		return NULL;
	}
	if (st->n_cache == STORE_STMT_CACHE)
		util_fatal("sqlite/open.c: more than %d distinct statements", STORE_STMT_CACHE);
	st->cache[st->n_cache].sql = sql;
	st->cache[st->n_cache++].stmt = stmt;
	return stmt;
}

/* Ends a use of a cached statement (never finalize one: store_close does). */
void sq_done(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

void sq_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

char *sq_col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	if (!t)
		return NULL;
	return xstrndup((const char *)t, (size_t)sqlite3_column_bytes(s, i));
}

void sq_col_hash(sqlite3_stmt *s, int i, char out[65])
{
	/* (read for every event: a copy, not snprintf) */
	const char *t = (const char *)sqlite3_column_text(s, i);
	size_t n = t ? strnlen(t, 64) : 0;
	if (n)
		memcpy(out, t, n);
	out[n] = '\0';
}

/* Runs SQL without results (schema, pragmas, transaction control). */
static enum st_code exec(struct sq_store *st, const char *sql, struct st_error *err, const char *what)
{
	char *msg = NULL;
	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		sqlite3_free(msg);
		return sq_error(st, err, what);
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
	/* projection columns below (the runbook text lives in session_runbooks: a large
	 * value in this often-updated row would be rewritten by every event's commit) */
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
	"  started_ms, runbook_id, runbook_title, runbook_version, runbook_path, runbook_sha256"
	"  ON sessions"
	"  BEGIN SELECT RAISE(ABORT, 'a session''s identity never changes'); END;"
	"CREATE TRIGGER sessions_no_delete BEFORE DELETE ON sessions"
	"  BEGIN SELECT RAISE(ABORT, 'sessions are never deleted'); END;"
	"CREATE TABLE session_runbooks ("
	"  session_id TEXT PRIMARY KEY REFERENCES sessions(id),"
	"  text BLOB NOT NULL"
	");"
	"CREATE TRIGGER session_runbooks_fixed BEFORE UPDATE ON session_runbooks"
	"  BEGIN SELECT RAISE(ABORT, 'a session''s runbook never changes'); END;"
	"CREATE TRIGGER session_runbooks_no_delete BEFORE DELETE ON session_runbooks"
	"  BEGIN SELECT RAISE(ABORT, 'a session''s runbook is never deleted'); END;"
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
	/* 1 -> 2: the glance (store_glance), so that listings need no replay. Sessions
	 * cached before it keep glance_known = 0 until their next event. */
	"ALTER TABLE sessions ADD COLUMN glance_known INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE sessions ADD COLUMN n_skipped INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE sessions ADD COLUMN n_failed INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE sessions ADD COLUMN n_na INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE sessions ADD COLUMN n_total INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE sessions ADD COLUMN site TEXT;"
	"ALTER TABLE sessions ADD COLUMN overdue_step TEXT;"
	"ALTER TABLE sessions ADD COLUMN overdue_at_ms INTEGER NOT NULL DEFAULT 0;",
	/* 2 -> 3: the holder's operator, named when a second writer is refused */
	"ALTER TABLE locks ADD COLUMN operator TEXT;",
};

static enum st_code read_user_version(struct sq_store *st, int *v, struct st_error *err)
{
	enum st_code rc;
	sqlite3_stmt *s = sq_prep(st, "PRAGMA user_version", err, &rc);
	if (!s)
		return rc;
	if (sqlite3_step(s) != SQLITE_ROW) {
		rc = sq_error(st, err, "reading the schema version");
		sq_done(s);
		return rc;
	}
	*v = sqlite3_column_int(s, 0);
	sq_done(s);
	return ST_OK;
}

static enum st_code migrate(struct sq_store *st, struct st_error *err)
{
	enum st_code rc = store_begin(&st->base, err);
	if (rc != ST_OK)
		return rc;
	int v = 0;
	if ((rc = read_user_version(st, &v, err)) != ST_OK)
		goto fail;
	if (v > STORE_SCHEMA_VERSION) {
		rc = st_set(err, ST_CANTCREATE,
			    "database %s was written by a newer steward (schema %d, this one knows %d) — "
			    "use that version, or another database with --db PATH",
			    st->base.path, v, STORE_SCHEMA_VERSION);
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
	return store_commit(&st->base, err);
fail:
	store_rollback(&st->base);
	return rc;
}

/* ---------- open / close ---------- */



static char *parent_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

/*
 * What is at the database path must be a regular file (or a symlink to one), or nothing
 * when the database is to be created: SQLite's open would block on a FIFO, would put a
 * DEVICE-journal beside a device, and open(O_CREAT) would follow a dangling symlink and
 * create the database wherever it points. *exists says whether there is a file.
 */
static enum st_code check_db_path(const char *path, bool *exists, struct st_error *err)
{
	struct stat ln, st;
	*exists = false;
	if (lstat(path, &ln) != 0) {
		if (errno == ENOENT)
			return ST_OK;
		return st_set(err, ST_CANTCREATE, "database %s cannot be reached: %s — choose another with --db PATH",
			      path, strerror(errno));
	}
	st = ln;
	if (S_ISLNK(ln.st_mode) && stat(path, &st) != 0)
		return st_set(err, ST_CANTCREATE,
			      "database %s is a symbolic link to a file that does not exist (%s); steward does "
			      "not follow it to create one — give the database's own path with --db PATH",
			      path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return st_set(err, ST_CANTCREATE, "database %s is %s, not a database file — choose a file with --db PATH",
			      path, fio_kind((unsigned)st.st_mode));
	*exists = true;
	return ST_OK;
}

static enum st_code prepare_file(const char *path, struct st_error *err)
{
	bool exists;
	enum st_code rc = check_db_path(path, &exists, err);
	if (rc != ST_OK)
		return rc;
	char *dir = parent_dir(path);
	struct stat sb;
	if (!exists && stat(dir, &sb) != 0) {
		if (util_mkdir_p(dir, 0700) != 0) {
			rc = st_set(err, ST_CANTCREATE,
				    "cannot create the database folder %s: %s — create it, "
				    "or choose another database with --db PATH",
				    dir, strerror(errno));
			free(dir);
			return rc;
		}
	}
	free(dir);
	/* O_EXCL never follows a symlink; an existing file is opened without O_CREAT. */
	int fd = exists ? open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
			: open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && !exists && errno == EEXIST) /* created meanwhile: check it again */
		return prepare_file(path, err);
	if (fd < 0) {
		if (errno == EACCES || errno == EROFS || errno == EPERM)
			return st_set(err, ST_CANTCREATE,
				      "database %s cannot be written (%s) — fix its permissions or choose "
				      "another with --db PATH; sessions, export and audit still read it",
				      path, strerror(errno));
		return st_set(err, ST_CANTCREATE, "cannot create the database %s: %s — choose another with --db PATH",
			      path, strerror(errno));
	}
	struct stat st;
	bool regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	close(fd);
	if (!regular)
		return st_set(err, ST_CANTCREATE, "database %s is not a regular file — choose a file with --db PATH",
			      path);
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

static enum st_code open_read(struct sq_store *st, struct st_error *err)
{
	if (access(st->base.path, F_OK) != 0)
		return st_set(err, ST_NOTFOUND, "no database at %s (no session was started with it yet)",
			      st->base.path);
	bool exists;
	enum st_code checked = check_db_path(st->base.path, &exists, err);
	if (checked != ST_OK)
		return checked;
	if (sqlite3_open_v2(st->base.path, &st->db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
		sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
		if (readable_now(st->db))
			return ST_OK;
	}
	/* A WAL database in a folder we cannot write: read it as an immutable file. */
	sqlite3_close(st->db);
	st->db = NULL;
	char *uri = immutable_uri(st->base.path);
	int rc = sqlite3_open_v2(uri, &st->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
	free(uri);
	if (rc != SQLITE_OK || !readable_now(st->db))
		return st_set(err, ST_CANTCREATE,
			      "cannot read the database %s: %s — check that it is a steward database and "
			      "that you may read it",
			      st->base.path, st->db ? sqlite3_errmsg(st->db) : "out of memory");
	st->immutable = true;
	return ST_OK;
}

#define STORE_CHECKPOINT_FRAMES 1000 /* SQLite's own wal_autocheckpoint default */

/*
 * SQLite's WAL hook, installed on every writer: it runs after each commit, once the commit
 * is visible to readers and the write lock is released. It tells the followers (listen.c),
 * then checkpoints as SQLite's own hook would (PASSIVE, past STORE_CHECKPOINT_FRAMES) —
 * installing a hook replaces SQLite's automatic checkpointer — or, after
 * store_defer_checkpoints(), only counts the frames for store_checkpoint_idle().
 */
static int wal_committed(void *ctx, sqlite3 *db, const char *name, int frames)
{
	struct sq_store *st = ctx;
	sq_notify_commit(st);
	if (st->defer_checkpoints)
		st->wal_frames = frames;
	else if (frames >= STORE_CHECKPOINT_FRAMES)
		sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	return SQLITE_OK;
}

void sq_defer_checkpoints(struct store *base)
{
	struct sq_store *st = sq_of(base);
	if (st->base.writable)
		st->defer_checkpoints = true; /* wal_committed stops checkpointing */
}

void sq_checkpoint_idle(struct store *base)
{
	struct sq_store *st = sq_of(base);
	if (!st->defer_checkpoints || st->wal_frames < STORE_CHECKPOINT_FRAMES)
		return;
	/* PASSIVE never waits for readers; what it cannot copy now is copied next time. */
	/* The count is refreshed by the next commit: a partial checkpoint is retried then. */
	sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	st->wal_frames = 0;
}

static enum st_code open_write(struct sq_store *st, struct st_error *err)
{
	enum st_code rc = prepare_file(st->base.path, err);
	if (rc != ST_OK)
		return rc;
	if (sqlite3_open_v2(st->base.path, &st->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		return sq_error(st, err, "opening");
	sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(st->db, 1);
	if ((rc = exec(st, "PRAGMA journal_mode=WAL", err, "switching to WAL")) != ST_OK ||
	    (rc = exec(st, "PRAGMA synchronous=FULL", err, "setting synchronous=FULL")) != ST_OK ||
	    (rc = exec(st, "PRAGMA foreign_keys=ON", err, "enabling foreign keys")) != ST_OK)
		return rc;
	const char *db = sqlite3_db_filename(st->db, "main");
	const char *wal = db ? sqlite3_filename_wal(db) : NULL;
	st->wal_path = wal && *wal ? xstrdup(wal) : NULL;
	sqlite3_wal_hook(st->db, wal_committed, st);
	return migrate(st, err);
}

static const struct store_ops sqlite_ops = {
	.name = "sqlite",
	.close = sq_close,
	.set_durable = sq_set_durable,
	.set_busy_timeout = sq_set_busy_timeout,
	.defer_checkpoints = sq_defer_checkpoints,
	.checkpoint_idle = sq_checkpoint_idle,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.snapshot_begin = sq_snapshot_begin,
	.snapshot_end = sq_snapshot_end,
	.insert_session = sq_insert_session,
	.read_session = sq_read_session,
	.resolve_id = sq_resolve_id,
	.append = sq_append,
	.read_events = sq_read_events,
	.put_state = sq_put_state,
	.read_state = sq_read_state,
	.list = sq_list,
	.lock = sq_lock,
	.lock_take_over = sq_lock_take_over,
	.unlock = sq_unlock,
	.lock_peek = sq_lock_peek,
	.listen = sq_listen,
	.listen_fd = sq_listen_fd,
	.listen_drain = sq_listen_drain,
};

enum st_code sqlite_store_open(const char *path, enum store_mode mode, struct store **out,
			       struct st_error *err)
{
	*out = NULL;
	struct sq_store *st = xcalloc(1, sizeof *st);
	st->base.ops = &sqlite_ops;
	st->base.path = xstrdup(path);
	st->base.writable = mode == STORE_WRITE;
	st->listen_fd = -1;
	st->lock_host = store_this_host();
	st->lock_start = store_proc_start_time((long)getpid());
	enum st_code rc = st->base.writable ? open_write(st, err) : open_read(st, err);
	if (rc == ST_OK && !st->base.writable) {
		sqlite3_exec(st->db, "PRAGMA foreign_keys=ON", NULL, NULL, NULL);
		rc = read_user_version(st, &st->schema, err);
		if (rc == ST_OK && st->schema > STORE_SCHEMA_VERSION)
			rc = st_set(err, ST_CANTCREATE,
				    "database %s was written by a newer steward (schema %d) — use that version",
				    st->base.path, st->schema);
	}
	if (rc != ST_OK) {
		sq_close(&st->base);
		return rc;
	}
	*out = &st->base;
	return ST_OK;
}

void sq_close(struct store *base)
{
	struct sq_store *st = sq_of(base);
	if (!st)
		return;
	for (size_t i = 0; i < st->n_cache; i++)
		sqlite3_finalize(st->cache[i].stmt);
	if (st->db)
		sqlite3_close_v2(st->db);
	sq_listen_close(st);
	free(st->base.path);
	free(st->lock_host);
	free(st);
}


void sq_set_durable(struct store *base, bool durable)
{
	struct sq_store *st = sq_of(base);
	sqlite3_exec(st->db, durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=OFF", NULL,
		     NULL, NULL);
}

void sq_set_busy_timeout(struct store *base, int ms) { sqlite3_busy_timeout(sq_of(base)->db, ms); }

/* Readers of a database that never had a session see no tables. */
bool sq_has_schema(const struct sq_store *st) { return st->schema >= 1; }

/* ---------- transactions ---------- */

enum st_code sq_step_once(struct sq_store *st, const char *sql, struct st_error *err, const char *what)
{
	enum st_code rc;
	sqlite3_stmt *s = sq_prep(st, sql, err, &rc);
	if (!s)
		return rc;
	if (sqlite3_step(s) != SQLITE_DONE)
		rc = sq_error(st, err, what);
	sq_done(s);
	return rc;
}

enum st_code sq_begin(struct store *base, struct st_error *err)
{
	struct sq_store *st = sq_of(base);
	return sq_step_once(st, "BEGIN IMMEDIATE", err, "starting a transaction");
}

enum st_code sq_commit(struct store *base, struct st_error *err)
{
	struct sq_store *st = sq_of(base);
	enum st_code rc = sq_step_once(st, "COMMIT", err, "committing");
	if (rc != ST_OK)
		sq_rollback(base);
	return rc;
}

enum st_code sq_snapshot_begin(struct store *base, struct st_error *err)
{
	struct sq_store *st = sq_of(base);
	return sq_step_once(st, "BEGIN", err, "starting a read");
}

void sq_snapshot_end(struct store *base) { sq_rollback(base); }

void sq_rollback(struct store *base)
{
	struct sq_store *st = sq_of(base);
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}
