/*
 * store.c — the store's front door: picks the backend from the database name (a
 * postgresql:// or postgres:// URL is a PostgreSQL server, anything else a SQLite file)
 * and forwards every call of store.h to it. What does not depend on the database —
 * freeing rows, this host's identity — lives here once.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"

enum st_code store_open(const char *path, enum store_mode mode, struct store **out,
			struct st_error *err)
{
	*out = NULL;
	enum st_code rc = store_name_is_pg(path) ? pg_store_open(path, mode, out, err)
						 : sqlite_store_open(path, mode, out, err);
	if (rc == ST_OK) /* until the caller names the operator (store_set_operator) */
		(*out)->op = util_default_operator();
	return rc;
}

bool store_name_is_pg(const char *name)
{
	return strncmp(name, "postgresql://", 13) == 0 || strncmp(name, "postgres://", 11) == 0;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	char *op = st->op;
	st->ops->close(st);
	free(op);
}

void store_set_operator(struct store *st, const char *op)
{
	free(st->op);
	st->op = op ? xstrdup(op) : NULL;
}

enum st_code store_grant_writer(struct store *st, const char *role, struct st_error *err)
{
	if (!st->ops->grant_writer)
		return st_set(err, ST_USAGE,
			      "database %s is a SQLite file, which has no roles: who may write it is set by the "
			      "file's permissions (--grant is for a PostgreSQL database)",
			      st->path);
	if (!st->writable)
		return st_set(err, ST_SOFTWARE, "database %s was opened read-only", st->path);
	return st->ops->grant_writer(st, role, err);
}

const char *store_path(const struct store *st) { return st->path; }
bool store_writable(const struct store *st) { return st->writable; }
const char *store_backend_name(const struct store *st) { return st->ops->name; }
void store_set_durable(struct store *st, bool durable) { st->ops->set_durable(st, durable); }
void store_set_busy_timeout(struct store *st, int ms) { st->ops->set_busy_timeout(st, ms); }
void store_defer_checkpoints(struct store *st) { st->ops->defer_checkpoints(st); }
void store_checkpoint_idle(struct store *st) { st->ops->checkpoint_idle(st); }

enum st_code store_begin(struct store *st, struct st_error *err)
{
	if (!st->writable)
		return st_set(err, ST_SOFTWARE, "database %s was opened read-only", st->path);
	return st->ops->begin(st, err);
}

enum st_code store_commit(struct store *st, struct st_error *err) { return st->ops->commit(st, err); }
void store_rollback(struct store *st) { st->ops->rollback(st); }

enum st_code store_snapshot_begin(struct store *st, struct st_error *err)
{
	return st->ops->snapshot_begin(st, err);
}

void store_snapshot_end(struct store *st) { st->ops->snapshot_end(st); }

enum st_code store_insert_session(struct store *st, const struct store_session *row,
				  struct st_error *err)
{
	return st->ops->insert_session(st, row, err);
}

enum st_code store_read_session(struct store *st, const char *id, struct store_session *out,
				struct st_error *err)
{
	return st->ops->read_session(st, id, out, err);
}

enum st_code store_resolve_id(struct store *st, const char *id_or_prefix, char **id_out,
			      struct st_error *err)
{
	return st->ops->resolve_id(st, id_or_prefix, id_out, err);
}

enum st_code store_append(struct store *st, const char *session_id, int64_t expect_seq,
			  struct store_event *ev, struct st_error *err)
{
	return st->ops->append(st, session_id, expect_seq, ev, err);
}

enum st_code store_read_events(struct store *st, const char *session_id, int64_t after_seq,
			       store_event_cb cb, void *ctx, struct st_error *err)
{
	return st->ops->read_events(st, session_id, after_seq, cb, ctx, err);
}

enum st_code store_put_state(struct store *st, const char *session_id, const struct store_state *ss,
			     struct st_error *err)
{
	return st->ops->put_state(st, session_id, ss, err);
}

enum st_code store_read_state(struct store *st, const char *session_id, struct store_state *out,
			      struct st_error *err)
{
	return st->ops->read_state(st, session_id, out, err);
}

enum st_code store_list(struct store *st, bool include_finished, struct store_summary **rows,
			size_t *n, struct st_error *err)
{
	return st->ops->list(st, include_finished, rows, n, err);
}

enum st_code store_lock(struct store *st, const char *session_id, struct st_error *err)
{
	return st->ops->lock(st, session_id, err);
}

enum st_code store_lock_take_over(struct store *st, const char *session_id,
				  struct store_lock_holder *replaced, struct st_error *err)
{
	*replaced = (struct store_lock_holder){0};
	enum st_code rc = st->ops->lock_take_over(st, session_id, replaced, err);
	if (rc != ST_OK)
		store_lock_holder_free(replaced);
	return rc;
}

void store_unlock(struct store *st, const char *session_id)
{
	if (st && st->writable)
		st->ops->unlock(st, session_id);
}

enum st_code store_lock_peek(struct store *st, const char *session_id, struct store_lock_holder *out,
			     bool *stale, struct st_error *err)
{
	return st->ops->lock_peek(st, session_id, out, stale, err);
}

/* A backend without change notices: ST_OK and no descriptor; its callers re-read on a
 * slow timer (store.h). */
enum st_code store_listen(struct store *st, const char *session_id, struct st_error *err)
{
	return st->ops->listen ? st->ops->listen(st, session_id, err) : ST_OK;
}

int store_listen_fd(const struct store *st) { return st->ops->listen_fd ? st->ops->listen_fd(st) : -1; }

bool store_listen_drain(struct store *st) { return st->ops->listen_drain ? st->ops->listen_drain(st) : false; }

/* ---------- what every backend shares ---------- */

void store_event_hash(const char *session_id, const struct store_event *ev, char out[65])
{
	struct strbuf sb = STRBUF_INIT;
	store_event_hash_cached(session_id, ev, NULL, &sb, out);
	sb_free(&sb);
}

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
	store_glance_free(&ss->glance);
	memset(ss, 0, sizeof *ss);
}

void store_glance_free(struct store_glance *g)
{
	free(g->site);
	free(g->overdue_step);
	*g = (struct store_glance){0};
}

void store_summaries_free(struct store_summary *rows, size_t n)
{
	for (size_t i = 0; rows && i < n; i++) {
		free(rows[i].id);
		free(rows[i].label);
		free(rows[i].runbook_id);
		free(rows[i].runbook_title);
		free(rows[i].status);
		free(rows[i].active_step);
		store_glance_free(&rows[i].glance);
	}
	free(rows);
}

void store_lock_holder_free(struct store_lock_holder *h)
{
	free(h->host);
	free(h->op);
	*h = (struct store_lock_holder){0};
}

char *store_this_host(void)
{
	char buf[HOST_NAME_MAX + 1];
	if (gethostname(buf, sizeof buf) != 0)
		return xstrdup("unknown");
	buf[sizeof buf - 1] = '\0';
	return xstrdup(buf);
}

long long store_proc_start_time(long pid)
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
