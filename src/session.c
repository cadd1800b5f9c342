/*
 * session.c — opening a session (lock, stored runbook, replay), creating one (the
 * start event and the first activation in one transaction), listing them. The rules
 * are in session_rules.c, the fold in session_fold.c, the transaction in session_tx.c.
 *
 * Invariant: a session is always built from the runbook text stored at its start,
 * never from the file on disk (runbook_changed says when that file now differs).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session_priv.h"
#include "steward/vars.h"
#include "steward/store.h"
#include "steward/util.h"

/* ---------- opening, creating, listing ---------- */

void session_set_actor(struct session *s, const char *op, const char *host)
{
	if (op) {
		free(s->actor_op);
		s->actor_op = sess_utf8_clean(op);
	}
	if (host) {
		free(s->actor_host);
		s->actor_host = sess_utf8_clean(host);
	}
}

long session_find_step(const struct session *s, const char *key)
{
	if (!key || !*key)
		return -1;
	long i = runbook_step_index(s->rb, key);
	if (i >= 0)
		return i;
	char *end;
	errno = 0;
	long n = strtol(key, &end, 10);
	if (errno == 0 && *end == '\0' && n >= 1 && (size_t)n <= s->rb->n_steps)
		return n - 1;
	return -1;
}

/* Read bounded and without blocking (runbook_read_file): whatever now sits at the
 * original path (a FIFO, /dev/zero, a huge file) only makes it "changed"; the session
 * itself always comes from the stored text. */
static bool file_differs(const char *path, const char *sha)
{
	size_t len;
	char *text = NULL;
	struct rb_diags quiet = {0};
	int rc = path ? runbook_read_file(path, &text, &len, &quiet) : -2;
	rb_diags_free(&quiet);
	if (rc != 0)
		return true;
	char now[65];
	util_sha256_hex(text, len, now);
	free(text);
	return strcmp(now, sha) != 0;
}

static struct session *session_alloc(struct store *st, const char *id)
{
	struct session *s = xcalloc(1, sizeof *s);
	s->id = xstrdup(id);
	s->store = st;
	s->active = -1;
	s->actor_op = util_default_operator();
	s->actor_host = util_host_name();
	return s;
}

static void session_free(struct session *s)
{
	if (!s)
		return;
	if (s->rb)
		sess_state_free(s);
	runbook_free(s->rb);
	free(s->runbook_path);
	free(s->actor_op);
	free(s->actor_host);
	free(s->taken_over_host);
	free(s->id);
	free(s);
}

static enum st_code load_runbook(struct session *s, const struct store_session *row, struct st_error *err)
{
	char *name = xasprintf("session %s (stored runbook)", row->id);
	struct rb_diags diags = {0};
	int r = runbook_load_text(row->runbook_text, row->runbook_text_len, name, &s->rb, &diags);
	enum st_code rc = ST_OK;
	if (r != 0 || !s->rb)
		rc = st_set(err, ST_INVALID, "%s no longer loads: %s", name,
			    diags.n ? diags.items[0].msg : "unreadable");
	rb_diags_free(&diags);
	free(name);
	return rc;
}

enum st_code session_open(struct store *st, const char *prefix, enum session_mode mode, struct session **out,
			  struct st_error *err)
{
	*out = NULL;
	char *id = NULL;
	enum st_code rc = store_resolve_id(st, prefix, &id, err);
	if (rc != ST_OK)
		return rc;
	struct store_session row;
	rc = store_read_session(st, id, &row, err);
	if (rc != ST_OK) {
		free(id);
		return rc;
	}
	struct session *s = session_alloc(st, id);
	free(id);
	s->runbook_path = xstrdup(row.runbook_path);
	rc = load_runbook(s, &row, err);
	if (rc == ST_OK) {
		s->runbook_changed = file_differs(row.runbook_path, row.runbook_sha256);
		if (mode == SESSION_WRITE || mode == SESSION_TAKE_OVER) {
			struct store_lock_holder was = {0};
			if (!store_writable(st))
				rc = st_set(err, ST_SOFTWARE, "database %s was opened read-only", store_path(st));
			else if (mode == SESSION_WRITE)
				rc = store_lock(st, s->id, err);
			else
				rc = store_lock_take_over(st, s->id, &was, err);
			if (rc == ST_OK) {
				s->writable = true;
				s->taken_over_host = was.host; /* owned now */
				free(was.op);
				s->taken_over_pid = was.pid;
				s->taken_over_since_ms = was.since_ms;
			}
		}
	}
	if (rc == ST_OK) {
		sess_state_init(s);
		rc = sess_replay_from(s, 0, err);
	}
	store_session_free(&row);
	if (rc != ST_OK) {
		session_close(s);
		return rc;
	}
	*out = s;
	return ST_OK;
}

struct store *session_store(const struct session *s) { return s->store; }
bool session_writable(const struct session *s) { return s->writable; }

const char *session_taken_over(const struct session *s, long *pid, int64_t *since_ms)
{
	if (pid)
		*pid = s->taken_over_pid;
	if (since_ms)
		*since_ms = s->taken_over_since_ms;
	return s->taken_over_host;
}

enum st_code session_refresh(struct session *s, struct st_error *err)
{
	return sess_replay_from(s, s->seq, err);
}

void session_close(struct session *s)
{
	if (!s)
		return;
	if (s->writable)
		store_unlock(s->store, s->id);
	session_free(s);
}

/*
 * A session id is its start time to the second plus SESSION_ID_RANDOM_BYTES random bytes
 * ("20261122-013314-4f2a"): short enough to type, and two sessions share one only when
 * they start in the same second and draw the same 16 bits (1 in 65,536). A taken id is
 * drawn again; SESSION_ID_ATTEMPTS taken in a row would need thousands of starts in one
 * second, which only a random source that repeats itself produces (the getpid/clock
 * fallback below), and then "id taken" is reported instead of looping for ever.
 */
#define SESSION_ID_RANDOM_BYTES 2
#define SESSION_ID_ATTEMPTS 8

static char *new_session_id(void)
{
	unsigned char rnd[SESSION_ID_RANDOM_BYTES] = {0, 0};
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	bool got = fd >= 0 && read(fd, rnd, sizeof rnd) == (ssize_t)sizeof rnd;
	if (fd >= 0)
		close(fd);
	if (!got) {
		unsigned v = (unsigned)getpid() ^ (unsigned)util_now_ms();
		rnd[0] = (unsigned char)v;
		rnd[1] = (unsigned char)(v >> 8);
	}
	char utc[32];
	util_format_utc_ms(util_now_ms(), utc); /* 2026-11-22T01:33:14.123Z */
	return xasprintf("%.4s%.2s%.2s-%.2s%.2s%.2s-%02x%02x", utc, utc + 5, utc + 8, utc + 11, utc + 14,
			 utc + 17, rnd[0], rnd[1]);
}

static char *absolute(const char *path)
{
	if (path[0] == '/')
		return xstrdup(path);
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof cwd))
		return xstrdup(path);
	if (strcmp(path, ".") == 0)
		return xstrdup(cwd);
	return xasprintf("%s/%s", cwd, path);
}

/* "logs, system-root, mp-logs": the folder ids a session of rb takes. */
static void folder_ids(const struct runbook *rb, struct strbuf *out)
{
	sb_puts(out, RB_MAIN_LOG_FOLDER);
	for (size_t k = 0; k < rb->n_log_folders; k++)
		sb_printf(out, ", %s", rb->log_folders[k].id);
}

enum st_code session_check_params(const struct runbook *rb, const struct session_params *p,
				  struct st_error *err)
{
	for (size_t o = 0; o < p->n_log_overrides; o++) {
		if (!runbook_log(rb, p->log_override_names[o])) {
			char *why = runbook_no_such_name(rb, RB_NAMED_LOG, p->log_override_names[o]);
			enum st_code rc = st_set(err, ST_USAGE, "--log %s: %s", p->log_override_names[o], why);
			free(why);
			return rc;
		}
	}
	for (size_t f = 0; f < p->n_folders; f++) {
		const char *id = p->folder_ids[f];
		if (strcmp(id, RB_MAIN_LOG_FOLDER) != 0 && !runbook_log_folder(rb, id)) {
			struct strbuf ids = STRBUF_INIT;
			folder_ids(rb, &ids);
			enum st_code rc = st_set(err, ST_USAGE, "--folder %s: runbook %s has no log folder named %s "
						 "(its folders: %s)", id, rb->id, id, sb_str(&ids));
			sb_free(&ids);
			return rc;
		}
	}
	return ST_OK;
}

/* The path given for folder id (the last --folder naming it), or NULL. */
static const char *given_folder(const struct session_params *p, const char *id)
{
	const char *path = NULL;
	for (size_t f = 0; f < p->n_folders; f++)
		if (strcmp(p->folder_ids[f], id) == 0)
			path = p->folder_paths[f];
	return path && *path ? path : NULL;
}

/*
 * Every folder's path: given (it must exist), else the main log folder's. Fills
 * folders ({id: {path, given}}) in runbook order, "logs" first.
 */
static enum st_code resolve_folders(const struct runbook *rb, const struct session_params *p, const char *log_dir,
				    bool log_dir_given, json_t *folders, struct st_error *err)
{
	json_object_set_new(folders, RB_MAIN_LOG_FOLDER,
			    json_pack("{s:o, s:b}", "path", sess_jstr(log_dir), "given", log_dir_given));
	for (size_t k = 0; k < rb->n_log_folders; k++) {
		const struct rb_log_folder *rf = &rb->log_folders[k];
		const char *given = given_folder(p, rf->id);
		char *path = given ? absolute(given) : xstrdup(log_dir);
		struct stat sb;
		if (given && (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))) {
			char *prompt = vars_subst(rf->prompt, p->vars);
			enum st_code rc = st_set(err, ST_NOTFOUND, "log folder %s (%s) %s does not exist — mount it "
						 "and give its path with --folder %s=PATH", rf->id, prompt, path, rf->id);
			free(prompt);
			free(path);
			return rc;
		}
		json_object_set_new(folders, rf->id, json_pack("{s:o, s:b}", "path", sess_jstr(path), "given", given != NULL));
		free(path);
	}
	return ST_OK;
}

/*
 * The resolved path of each log, fixed here once for the whole session: --log override,
 * else an absolute file, else its folder's path + file. Fills logs ({name: path}) and
 * overrides ([name...], the logs --log placed).
 */
static void resolve_logs(const struct runbook *rb, const struct session_params *p, const json_t *folders,
			 json_t *logs, json_t *overrides)
{
	for (size_t l = 0; l < rb->n_logs; l++) {
		const struct rb_log *log = &rb->logs[l];
		const char *over = NULL;
		for (size_t o = 0; o < p->n_log_overrides; o++)
			if (strcmp(p->log_override_names[o], log->name) == 0)
				over = p->log_override_paths[o];
		const char *dir = json_string_value(json_object_get(
			json_object_get(folders, log->folder ? log->folder : RB_MAIN_LOG_FOLDER), "path"));
		char *path = over ? absolute(over)
			   : log->file[0] == '/' ? xstrdup(log->file)
						 : xasprintf("%s/%s", dir ? dir : ".", log->file);
		json_object_set_new(logs, log->name, sess_jstr(path));
		if (over)
			json_array_append_new(overrides, json_string(log->name));
		free(path);
	}
}

enum st_code session_create(struct store *st, const struct runbook *rb, const struct session_params *p,
			    char **id_out, struct st_error *err)
{
	if (p->wait_divisor > 1 && !p->rehearsal)
		return st_set(err, ST_USAGE, "shortened waits are for rehearsals only — add --rehearse, or drop "
					     "--short-waits");
	*id_out = NULL;
	enum st_code rc = session_check_params(rb, p, err);
	if (rc != ST_OK)
		return rc;
	const char *main_dir = given_folder(p, RB_MAIN_LOG_FOLDER);
	if (!main_dir)
		main_dir = p->log_dir && *p->log_dir ? p->log_dir : NULL;
	char *log_dir = absolute(main_dir ? main_dir : ".");
	struct stat sb;
	if (main_dir && (stat(log_dir, &sb) != 0 || !S_ISDIR(sb.st_mode))) {
		rc = st_set(err, ST_NOTFOUND, "log folder %s does not exist — give the folder "
			    "holding the site's logs with --logs DIR", log_dir);
		free(log_dir);
		return rc;
	}
	json_t *folders = json_object(), *logs = json_object(), *overrides = json_array();
	rc = resolve_folders(rb, p, log_dir, main_dir != NULL, folders, err);
	if (rc != ST_OK) {
		json_decref(folders);
		json_decref(logs);
		json_decref(overrides);
		free(log_dir);
		return rc;
	}
	resolve_logs(rb, p, folders, logs, overrides);
	json_t *vars = json_object();
	for (size_t i = 0; p->vars && i < p->vars->n; i++)
		json_object_set_new(vars, p->vars->names[i], sess_jstr(p->vars->values[i]));
	char *rb_path = rb->path ? realpath(rb->path, NULL) : NULL;
	if (!rb_path)
		rb_path = xstrdup(rb->path ? rb->path : "");
	char *op = p->op && *p->op ? sess_utf8_clean(p->op) : util_default_operator();
	char *host = util_host_name();
	struct store_session row = {
		.label = p->label && *p->label ? sess_utf8_clean(p->label) : NULL, .op = op, .host = host,
		.rehearsal = p->rehearsal, .runbook_id = rb->id, .runbook_title = rb->title,
		.runbook_version = rb->version, .runbook_path = rb_path, .runbook_sha256 = xstrdup(rb->sha256),
		.runbook_text = rb->text, .runbook_text_len = rb->text_len};
	struct session *s = NULL;
	for (int attempt = 0; attempt < SESSION_ID_ATTEMPTS; attempt++) {
		session_close(s);
		char *id = new_session_id();
		s = session_alloc(st, id);
		free(id);
		s->writable = true; /* nobody else knows the id until the commit */
		session_set_actor(s, op, host);
		row.id = s->id;
		row.started_ms = util_now_ms();
		if ((rc = store_begin(st, err)) != ST_OK)
			break;
		rc = store_insert_session(st, &row, err);
		if (rc == ST_OK)
			break;
		store_rollback(st);
		if (rc != ST_TEMPFAIL)
			break; /* a taken id retries with another; anything else is final */
	}
	if (rc == ST_OK) {
		rc = load_runbook(s, &row, err);
		if (rc == ST_OK) {
			sess_state_init(s);
			json_t *d = json_pack("{s:{s:s, s:s, s:s, s:s, s:s}, s:o, s:b, s:o, s:s, s:o, s:o, s:o}",
					      "runbook", "id", rb->id, "title", rb->title, "version", rb->version,
					      "sha256", rb->sha256, "path", rb_path, "label", sess_jstr(row.label),
					      "rehearsal", p->rehearsal, "variables", vars, "log_dir", log_dir, "logs",
					      logs, "log_folders", folders, "log_overrides", overrides);
			vars = logs = folders = overrides = NULL;
			if (p->rehearsal && p->wait_divisor > 1) /* only when used: older events stay the same */
				json_object_set_new(d, "wait_divisor", json_integer(p->wait_divisor));
			rc = sess_emit(s, "session_started", -1, d, err);
			if (rc == ST_OK)
				rc = sess_advance(s, false, err);
			if (rc == ST_OK)
				rc = sess_commit_projection(s, err);
		}
		if (rc != ST_OK)
			store_rollback(st); /* nothing to rebuild: the session never existed */
	}
	if (rc == ST_OK)
		*id_out = xstrdup(s->id);
	if (s)
		s->writable = false; /* never held the lock: nothing to release */
	session_close(s);
	json_decref(vars);
	json_decref(logs);
	json_decref(folders);
	json_decref(overrides);
	free(row.label);
	free(row.runbook_sha256);
	free(op);
	free(host);
	free(rb_path);
	free(log_dir);
	return rc;
}

void session_summaries_free(struct session_summary *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].id);
		free(rows[i].label);
		free(rows[i].runbook_id);
		free(rows[i].runbook_title);
		free(rows[i].status);
		free(rows[i].site);
		free(rows[i].active_step);
		free(rows[i].overdue_step);
		free(rows[i].wait_step);
	}
	free(rows);
}

enum st_code session_list(struct store *st, bool include_finished, struct session_summary **rows, size_t *n,
			  struct st_error *err)
{
	struct store_summary *sr = NULL;
	size_t count = 0;
	*rows = NULL;
	*n = 0;
	enum st_code rc = store_list(st, include_finished, &sr, &count, err);
	if (rc != ST_OK)
		return rc;
	*rows = xcalloc(count + 1, sizeof **rows);
	for (size_t i = 0; i < count; i++) {
		(*rows)[i] = (struct session_summary){
			.id = sr[i].id, .label = sr[i].label, .runbook_id = sr[i].runbook_id,
			.runbook_title = sr[i].runbook_title, .status = sr[i].status,
			.rehearsal = sr[i].rehearsal, .done = sr[i].n_done, .applicable = sr[i].n_applicable,
			.started_ms = sr[i].started_ms, .last_activity_ms = sr[i].last_activity_ms,
			.active_step = sr[i].active_step};
		sess_summary_take_glance(&(*rows)[i], &sr[i].glance);
	}
	free(sr); /* every member was taken over by the rows above */
	*n = count;
	return ST_OK;
}

void session_defer_checkpoints(struct session *s)
{
	if (s->writable)
		store_defer_checkpoints(s->store);
}

void session_checkpoint_idle(struct session *s)
{
	if (s->writable)
		store_checkpoint_idle(s->store);
}

char *session_title(const struct session *s)
{
	return vars_subst(s->rb->title, &s->vars);
}
