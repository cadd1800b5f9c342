/*
 * push.c — `steward push`: a session copied from one store to another, the same record
 * on both sides (see push.h for the invariants). Only the public store interface and the
 * session engine: no SQL here, and nothing that knows which backend either store is.
 *
 * One pass over the source: its audit (store_audit) hands every event to copy_cb, which
 * checks it against the target's copy (the events both hold must be the same) and
 * appends the ones the target lacks. Whatever goes wrong — the source's audit, a hash
 * the target computes differently, a conflict, a store error — the target's
 * transaction is rolled back.
 */
#include "steward/push.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "steward/session.h"
#include "steward/store.h"
#include "steward/util.h"

void push_result_free(struct push_result *r)
{
	if (!r)
		return;
	free(r->id);
	memset(r, 0, sizeof *r);
}

/* ---------- names fit for messages ---------- */

char *push_display_name(const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	const char *scheme = strstr(name, "://");
	const char *p = name;
	if (scheme) {
		/* scheme://user:password@host...: the authority ends at the first '/', '?' or '#' */
		const char *auth = scheme + 3;
		size_t alen = strcspn(auth, "/?#");
		const char *at = memrchr(auth, '@', alen);
		const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
		if (colon) {
			sb_append(&sb, name, (size_t)(colon - name));
			sb_puts(&sb, ":***");
			p = at;
		}
	}
	/* ...?password=secret&... (a URI parameter) or password=secret (a conninfo word) */
	while (*p) {
		const char *hit = strstr(p, "password=");
		if (!hit) {
			sb_puts(&sb, p);
			break;
		}
		bool word = hit == name || strchr("?& \t", hit[-1]);
		hit += strlen("password=");
		sb_append(&sb, p, (size_t)(hit - p));
		if (!word) {
			p = hit;
			continue;
		}
		sb_puts(&sb, "***");
		p = hit + strcspn(hit, "& \t#");
	}
	return sb_take(&sb);
}

/* The two names open the same database: one SQLite file by two paths, or one name. */
static bool same_database(const char *a, const char *b)
{
	if (strcmp(a, b) == 0)
		return true;
	char *ra = realpath(a, NULL), *rb = realpath(b, NULL);
	bool same = ra && rb && strcmp(ra, rb) == 0;
	free(ra);
	free(rb);
	return same;
}

/* ---------- the pass over the source ---------- */

struct push_ctx {
	struct store *dst;
	const char *id;
	const char *src_name, *dst_name; /* for messages */
	char (*dst_hashes)[65]; /* the target's events, by seq - 1 */
	int64_t dst_n;          /* how many it has */
	int64_t first_diff;     /* the first seq whose event differs (0: none) */
	int64_t src_n;          /* events read from the source */
	char src_head[65];
	int64_t n_sent, first_seq, last_seq;
	char sent_head[65];
	enum st_code rc;        /* the first failure writing the target */
	struct st_error *err;
};

static bool collect_cb(void *vctx, const struct store_event *ev)
{
	struct push_ctx *c = vctx;
	if (ev->seq != c->dst_n + 1)
		return true; /* the target's own audit names the gap */
	c->dst_hashes = xreallocarray(c->dst_hashes, (size_t)c->dst_n + 1, sizeof *c->dst_hashes);
	memcpy(c->dst_hashes[c->dst_n++], ev->hash, 65);
	return true;
}

/* Every source event, in order (also after one that does not verify: the audit goes on). */
static bool copy_cb(void *vctx, const struct store_event *ev)
{
	struct push_ctx *c = vctx;
	c->src_n = ev->seq;
	memcpy(c->src_head, ev->hash, 65);
	if (c->rc != ST_OK || c->first_diff)
		return true; /* nothing more is appended; the audit still reads to the end */
	if (ev->seq <= c->dst_n) {
		if (ev->seq < 1 || strcmp(c->dst_hashes[ev->seq - 1], ev->hash) != 0)
			c->first_diff = ev->seq;
		return true;
	}
	int64_t expect = c->last_seq ? c->last_seq : c->dst_n;
	struct store_event copy = {.at_ms = ev->at_ms, .op = ev->op, .host = ev->host, .type = ev->type,
				   .step = ev->step, .data = ev->data};
	enum st_code rc = store_append(c->dst, c->id, expect, &copy, c->err);
	if (rc != ST_OK) {
		c->rc = rc;
		return false; /* the store failed: stop reading */
	}
	if (copy.seq != ev->seq || strcmp(copy.prev_hash, ev->prev_hash) != 0 || strcmp(copy.hash, ev->hash) != 0) {
		c->rc = st_set(c->err, ST_FAILED,
			       "event %lld of session %s (%s): %s computes seq %lld, hash %.16s, but %s "
			       "recorded seq %lld, hash %.16s — the two would not be the same record; nothing "
			       "was pushed (`steward audit %s` checks the source)",
			       (long long)ev->seq, c->id, ev->type, c->dst_name, (long long)copy.seq, copy.hash,
			       c->src_name, (long long)ev->seq, ev->hash, c->id);
		return true;
	}
	if (!c->first_seq)
		c->first_seq = ev->seq;
	c->last_seq = ev->seq;
	c->n_sent++;
	memcpy(c->sent_head, copy.hash, 65);
	return true;
}

/* ---------- checks before writing ---------- */

/* The identity the session row carries beside its chain must be the same on both sides. */
static const char *row_difference(const struct store_session *a, const struct store_session *b)
{
	if (!util_streq(a->runbook_sha256, b->runbook_sha256) || a->runbook_text_len != b->runbook_text_len ||
	    memcmp(a->runbook_text, b->runbook_text, a->runbook_text_len) != 0)
		return "runbook";
	if (a->started_ms != b->started_ms)
		return "start time";
	if (!util_streq(a->op, b->op))
		return "operator";
	if (!util_streq(a->host, b->host))
		return "host";
	if (!util_streq(a->label, b->label))
		return "label";
	if (a->rehearsal != b->rehearsal)
		return "rehearsal flag";
	if (!util_streq(a->runbook_id, b->runbook_id) || !util_streq(a->runbook_title, b->runbook_title) ||
	    !util_streq(a->runbook_version, b->runbook_version) || !util_streq(a->runbook_path, b->runbook_path))
		return "runbook identity";
	return NULL;
}

/* A live writer holds the source session: refused unless it is finished or forced. */
static enum st_code check_source_writer(struct store *src, const char *id, const char *src_name,
					const struct push_opts *o, bool *held, struct st_error *err)
{
	struct store_lock_holder h = {0};
	bool stale = false;
	*held = false;
	enum st_code rc = store_lock_peek(src, id, &h, &stale, err);
	if (rc != ST_OK || !h.host || stale) {
		store_lock_holder_free(&h);
		return rc;
	}
	struct store_state ss;
	rc = store_read_state(src, id, &ss, err);
	bool finished = rc == ST_OK && util_streq(ss.status, "finished");
	if (rc == ST_OK && !finished && !(o && o->force)) {
		char since[32];
		util_format_utc_ms(h.since_ms, since);
		rc = st_set(err, ST_TEMPFAIL,
			    "session %s is being recorded in %s by process %ld on %s since %s — stop that "
			    "process first (the session then continues on the target), or push what is recorded "
			    "so far with --force (the writer goes on here; push again later for the rest)",
			    id, src_name, h.pid, h.host, since);
	}
	*held = rc == ST_OK;
	store_state_free(&ss);
	store_lock_holder_free(&h);
	return rc;
}

static enum st_code conflict(const struct push_ctx *c, const struct store_session *trow, struct st_error *err)
{
	if (c->first_diff == 1)
		return st_set(err, ST_INVALID,
			      "%s holds a different session under the id %s (started by %s on %s, its first "
			      "event %.16s; here %.16s) — nothing was pushed; the two are not the same session",
			      c->dst_name, c->id, trow->op, trow->host, c->dst_hashes[0], c->src_head);
	if (c->first_diff)
		return st_set(err, ST_INVALID,
			      "session %s diverged: %s has events 1-%lld (head %s), %s has 1-%lld (head %s), "
			      "and they differ from event %lld on — it was continued in both places. Nothing was "
			      "pushed: steward never merges two records. Compare them (`steward export %s` on each "
			      "database), continue in one place only, and keep the other's export with the change "
			      "record",
			      c->id, c->dst_name, (long long)c->dst_n, c->dst_hashes[c->dst_n - 1], c->src_name,
			      (long long)c->src_n, c->src_head, (long long)c->first_diff, c->id);
	return st_set(err, ST_INVALID,
		      "session %s continued on %s after it was pushed: it has events 1-%lld (head %s), %s "
		      "only 1-%lld (head %s, the same chain) — nothing to push from here; continue the session "
		      "there (steward --db %s resume %s) and record nothing more in %s",
		      c->id, c->dst_name, (long long)c->dst_n, c->dst_hashes[c->dst_n - 1], c->src_name,
		      (long long)c->src_n, c->src_head, c->dst_name, c->id, c->src_name);
}

/* ---------- the push ---------- */

/* The target's cached state, by the session engine's own replay of the copied events. */
static enum st_code put_projection(struct store *dst, const char *id, bool *finished, struct st_error *err)
{
	struct session *s = NULL;
	enum st_code rc = session_open(dst, id, SESSION_READ, &s, err);
	if (rc != ST_OK)
		return rc;
	struct store_state ss;
	session_projection(s, &ss);
	*finished = s->finished;
	rc = store_put_state(dst, id, &ss, err);
	store_state_free(&ss);
	session_close(s);
	return rc;
}

/* Inside the target's transaction: the target's copy (audited), then the pass over the
 * source, then the checks, the projection and the audit of the result. */
static enum st_code push_in_tx(struct store *src, struct store *dst, const struct store_session *row, bool exists,
			       struct push_ctx *c, struct push_result *out, struct st_error *err)
{
	enum st_code rc;
	struct store_audit ta, sa;
	struct store_session trow = {0};
	if (exists) {
		if ((rc = store_read_session(dst, c->id, &trow, err)) != ST_OK)
			return rc;
		if ((rc = store_audit(dst, c->id, &ta, collect_cb, c, err)) != ST_OK)
			goto out;
		if (!ta.intact) {
			rc = st_set(err, ST_FAILED,
				    "the copy of session %s in %s does not verify: %s — nothing was pushed; "
				    "`steward --db %s audit %s` says more",
				    c->id, c->dst_name, ta.problem, c->dst_name, c->id);
			goto out;
		}
		const char *what = row_difference(row, &trow);
		if (what) {
			rc = st_set(err, ST_INVALID,
				    "%s holds a session %s whose %s differs from this one's (started by %s on %s) — "
				    "not the same session; nothing was pushed",
				    c->dst_name, c->id, what, trow.op, trow.host);
			goto out;
		}
	} else if ((rc = store_insert_session(dst, row, err)) != ST_OK) {
		if (rc == ST_TEMPFAIL)
			rc = st_set(err, ST_TEMPFAIL,
				    "session %s appeared in %s while pushing (another push?) — push again", c->id,
				    c->dst_name);
		return rc;
	}

	if ((rc = store_snapshot_begin(src, err)) != ST_OK)
		goto out;
	rc = store_audit(src, c->id, &sa, copy_cb, c, err);
	store_snapshot_end(src);
	if (rc != ST_OK)
		goto out;
	if (!sa.intact && (c->rc == ST_OK || c->rc == ST_FAILED)) {
		rc = st_set(err, ST_FAILED,
			    "session %s in %s does not verify: %s — nothing was pushed; `steward audit %s` says "
			    "more", c->id, c->src_name, sa.problem, c->id);
		goto out;
	}
	if ((rc = c->rc) != ST_OK)
		goto out;
	if (c->first_diff || c->dst_n > c->src_n) {
		rc = conflict(c, &trow, err);
		goto out;
	}
	out->n_events = c->src_n;
	memcpy(out->head, c->src_head, 65);
	if (c->n_sent == 0) {
		struct store_state ss;
		if ((rc = store_read_state(dst, c->id, &ss, err)) == ST_OK)
			out->finished = util_streq(ss.status, "finished");
		store_state_free(&ss);
		goto out;
	}
	if ((rc = put_projection(dst, c->id, &out->finished, err)) != ST_OK)
		goto out;
	/* The copy as the target now holds it, read back: the same chain, the same head. */
	if ((rc = store_audit(dst, c->id, &ta, NULL, NULL, err)) != ST_OK)
		goto out;
	if (!ta.intact || ta.n_events != c->src_n || strcmp(ta.head, c->src_head) != 0)
		rc = st_set(err, ST_FAILED,
			    "the copy of session %s written to %s does not read back as the same record (%s; "
			    "%lld events, head %.16s, the source %lld, %.16s) — nothing was pushed; the target "
			    "store altered what it was given: report it",
			    c->id, c->dst_name, ta.intact ? "its chain verifies" : ta.problem, (long long)ta.n_events,
			    ta.head, (long long)c->src_n, c->src_head);
out:
	store_session_free(&trow);
	return rc;
}

enum st_code push_session(struct store *src, const char *id_or_prefix, struct store *dst,
			  const struct push_opts *opts, struct push_result *out, struct st_error *err)
{
	memset(out, 0, sizeof *out);
	char *src_name = push_display_name(store_path(src));
	char *dst_name = push_display_name(store_path(dst));
	char *id = NULL;
	struct store_session row = {0}, trow = {0};
	bool exists = false, locked = false;
	enum st_code rc;
	if (same_database(store_path(src), store_path(dst))) {
		rc = st_set(err, ST_USAGE, "--to %s is the database the session is read from — name another",
			    dst_name);
		goto out;
	}
	if ((rc = store_resolve_id(src, id_or_prefix, &id, err)) != ST_OK ||
	    (rc = store_read_session(src, id, &row, err)) != ST_OK ||
	    (rc = check_source_writer(src, id, src_name, opts, &out->source_held, err)) != ST_OK)
		goto out;
	rc = store_read_session(dst, id, &trow, err);
	if (rc == ST_OK)
		exists = true;
	else if (rc != ST_NOTFOUND)
		goto out;
	/* An existing copy is extended under its lock (a writer there is refused, 75); a new
	 * one cannot be written by anyone else before the commit makes it known. */
	if (exists) {
		if ((rc = store_lock(dst, id, err)) != ST_OK)
			goto out;
		locked = true;
	}
	if ((rc = store_begin(dst, err)) != ST_OK)
		goto out;
	struct push_ctx c = {.dst = dst, .id = id, .src_name = src_name, .dst_name = dst_name, .err = err};
	rc = push_in_tx(src, dst, &row, exists, &c, out, err);
	if (rc == ST_OK && c.n_sent > 0)
		rc = store_commit(dst, err);
	else
		store_rollback(dst);
	if (rc == ST_OK) {
		out->created = !exists;
		out->n_sent = c.n_sent;
		out->first_seq = c.first_seq;
		out->last_seq = c.last_seq;
	}
	free(c.dst_hashes);
out:
	if (locked)
		store_unlock(dst, id);
	if (rc == ST_OK)
		out->id = id;
	else
		free(id);
	store_session_free(&row);
	store_session_free(&trow);
	free(src_name);
	free(dst_name);
	return rc;
}
