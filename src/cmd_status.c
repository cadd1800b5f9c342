/*
 * cmd_status.c — `steward status [SESSION] [--json]`: one session at a glance — the
 * active step, failed and overdue steps, progress counts, who holds the lock, the last
 * seal. A reader: never takes (or changes) the lock, works on a read-only database.
 * Without SESSION: the most recently active unfinished session.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_sessutil.h"
#include "steward/text.h"

struct glance {
	struct session_counts counts;
	char *counts_text, *site, *title;
	struct store_lock_holder lock; /* host NULL: free */
	bool lock_stale;
	struct session_seal_info seal;
	int64_t now_ms;
};

static void glance_free(struct glance *g)
{
	free(g->counts_text);
	free(g->site);
	free(g->title);
	store_lock_holder_free(&g->lock);
	session_seal_info_free(&g->seal);
}

static char *step_title(const struct session *s, size_t i)
{
	return vars_subst(s->rb->steps[i].title, &s->vars);
}

/* ---------- JSON ---------- */

static json_t *jstep(const struct session *s, size_t i)
{
	char *title = step_title(s, i);
	json_t *o = json_pack("{s:s, s:I, s:o}", "id", s->rb->steps[i].id, "number", (json_int_t)(i + 1), "title",
			      sessutil_jtext(title));
	free(title);
	return o;
}

static void print_json(const struct session *s, const struct glance *g)
{
	json_t *o = json_pack("{s:s, s:o, s:o, s:b, s:s, s:o, s:o}", "id", s->id, "label", sessutil_jtext(s->label),
			      "title", sessutil_jtext(g->title), "rehearsal", s->rehearsal, "status",
			      s->finished ? "finished" : "active", "runbook",
			      json_pack("{s:o, s:o}", "id", sessutil_jtext(s->rb->id), "version",
					sessutil_jtext(s->rb->version)),
			      "site", sessutil_jtext(g->site));
	json_t *vars = json_object();
	for (size_t k = 0; k < s->vars.n; k++)
		json_object_set_new(vars, s->vars.names[k], sessutil_jtext(s->vars.values[k]));
	json_object_set_new(o, "variables", vars);
	json_object_set_new(o, "progress",
			    json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:s}", "total", g->counts.total, "done",
				      g->counts.done, "skipped", g->counts.skipped, "not_applicable",
				      g->counts.not_applicable, "failed", g->counts.failed, "open", g->counts.open,
				      "text", g->counts_text));
	json_t *active = json_null();
	if (s->active >= 0 && !s->finished) {
		active = jstep(s, (size_t)s->active);
		json_object_set_new(active, "status", json_string(step_status_name(s->steps[s->active].status)));
		json_object_set_new(active, "since", sessutil_jtime(s->steps[s->active].activated_ms));
	}
	json_object_set_new(o, "active_step", active);
	json_t *failed = json_array(), *overdue = json_array();
	for (size_t i = 0; i < s->rb->n_steps; i++) {
		const struct step_state *st = &s->steps[i];
		if (st->status == STEP_FAILED) {
			json_t *f = jstep(s, i);
			json_object_set_new(f, "at", sessutil_jtime(st->completed_ms));
			json_object_set_new(f, "operator", sessutil_jtext(st->completed_op));
			json_object_set_new(f, "seen_in_log", json_boolean(st->failed_by_log));
			json_array_append_new(failed, f);
		}
		int64_t over = session_overdue_ms(s, i, g->now_ms);
		if (over > 0) {
			json_t *v = jstep(s, i);
			json_object_set_new(v, "by_ms", json_integer(over));
			json_object_set_new(v, "since", sessutil_jtime(st->activated_ms));
			json_array_append_new(overdue, v);
		}
	}
	json_object_set_new(o, "failed", failed);
	json_object_set_new(o, "overdue", overdue);
	json_object_set_new(o, "lock",
			    g->lock.host ? json_pack("{s:I, s:o, s:o, s:o, s:b}", "pid", (json_int_t)g->lock.pid, "host",
						     sessutil_jtext(g->lock.host), "operator", sessutil_jtext(g->lock.op),
						     "since",
						     sessutil_jtime(g->lock.since_ms), "stale", g->lock_stale)
					 : json_null());
	json_object_set_new(o, "last_seal",
			    g->seal.event_seq
				    ? json_pack("{s:I, s:I, s:o, s:o, s:o, s:o, s:o}", "event_seq",
						(json_int_t)g->seal.event_seq, "sealed_seq", (json_int_t)g->seal.sealed_seq,
						"at", sessutil_jtime(g->seal.at_ms), "operator", sessutil_jtext(g->seal.op),
						"host", sessutil_jtext(g->seal.host), "key", sessutil_jtext(g->seal.key),
						"head", sessutil_jtext(g->seal.head))
				    : json_null());
	json_object_set_new(o, "head_seq", json_integer(s->seq));
	json_object_set_new(o, "started_at", sessutil_jtime(s->started_ms));
	json_object_set_new(o, "finished_at", sessutil_jtime(s->finished_ms));
	json_object_set_new(o, "last_activity_at", sessutil_jtime(s->last_activity_ms));
	char *text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	puts(text ? text : "{}");
	free(text);
	json_decref(o);
}

/* ---------- text ---------- */

/* "label   value", value sanitized for the terminal. */
static void row(const char *label, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void row(const char *label, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	char *clean = text_sanitize(sb_str(&sb), sb.len, 0);
	printf("%-10s %s\n", label, clean);
	free(clean);
	sb_free(&sb);
}

static void hm(int64_t ms, char out[32])
{
	util_format_utc_ms(ms, out);
	out[19] = '\0';
	out[10] = ' ';
}

static void print_text(const struct session *s, const struct glance *g)
{
	char t[32];
	row("session", "%s  %s", s->id, g->title);
	row("runbook", "%s %s", s->rb->id, s->rb->version);
	if (s->label)
		row("label", "%s", s->label);
	if (g->site)
		row("site", "%s", g->site);
	hm(s->started_ms, t);
	if (s->finished) {
		char f[32];
		hm(s->finished_ms, f);
		row("status", "finished %s UTC%s (started %s by %s@%s)", f, s->rehearsal ? ", rehearsal" : "", t,
		    s->op, s->host);
	} else {
		row("status", "active%s (started %s UTC by %s@%s)", s->rehearsal ? ", rehearsal" : "", t, s->op,
		    s->host);
	}
	row("progress", "%s", g->counts_text);
	if (s->active >= 0 && !s->finished && s->steps[s->active].status == STEP_FAILED) {
		size_t a = (size_t)s->active;
		row("active", "none: %zu %s failed — reopen it (steward step %s %s reopen --note TEXT) or skip it",
		    a + 1, s->rb->steps[a].id, s->id, s->rb->steps[a].id);
	} else if (s->active >= 0 && !s->finished) {
		size_t a = (size_t)s->active;
		char *title = step_title(s, a);
		if (s->steps[a].activated_ms) {
			hm(s->steps[a].activated_ms, t);
			row("active", "%zu %s — %s (since %s UTC)", a + 1, s->rb->steps[a].id, title, t);
		} else {
			row("active", "%zu %s — %s", a + 1, s->rb->steps[a].id, title);
		}
		free(title);
	}
	bool any = false;
	for (size_t i = 0; i < s->rb->n_steps; i++) {
		const struct step_state *st = &s->steps[i];
		if (st->status != STEP_FAILED)
			continue;
		char *title = step_title(s, i);
		hm(st->completed_ms, t);
		row(any ? "" : "FAILED", "%zu %s — %s (%s UTC, %s %s)", i + 1, s->rb->steps[i].id, title, t,
		    st->failed_by_log ? "seen in its log; watched by" : "by", st->completed_op ? st->completed_op : "?");
		free(title);
		any = true;
	}
	any = false;
	for (size_t i = 0; i < s->rb->n_steps; i++) {
		int64_t over = session_overdue_ms(s, i, g->now_ms);
		if (over <= 0)
			continue;
		char d[64];
		duration_format((long)(over / 1000), d, sizeof d);
		char *title = step_title(s, i);
		row(any ? "" : "OVERDUE", "%zu %s — %s (by %s: check its logs and the site)", i + 1, s->rb->steps[i].id,
		    title, d);
		free(title);
		any = true;
	}
	if (g->lock.host) {
		hm(g->lock.since_ms, t);
		row("lock", "held by %s (process %ld on %s) since %s UTC%s", g->lock.op ? g->lock.op : "?",
		    g->lock.pid, g->lock.host, t,
		    g->lock_stale ? " (that process is gone: the next writer takes it over)" : "");
	} else {
		row("lock", "free (nobody has the session open)");
	}
	if (g->seal.event_seq) {
		hm(g->seal.at_ms, t);
		row("sealed", "events 1-%lld, by %s@%s at %s UTC, key %s (seal event %lld of %lld)",
		    (long long)g->seal.sealed_seq, g->seal.op, g->seal.host, t, g->seal.key ? g->seal.key : "?",
		    (long long)g->seal.event_seq, (long long)s->seq);
	} else {
		row("sealed", "never (%lld events; steward seal %s)", (long long)s->seq, s->id);
	}
}

int cmd_status(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	bool json = false;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'h': return cli_help("status");
		default: return cli_usage(cli_usage_of("status"));
		}
	}
	if (argc - optind > 1)
		return cli_usage(cli_usage_of("status"));
	struct store *st = NULL;
	int rc = sessutil_open_store(ctx, STORE_READ, &st);
	struct session *s = NULL;
	struct st_error err = {0};
	struct glance g = {.now_ms = util_now_ms()};
	if (rc == ST_OK && store_snapshot_begin(st, &err) != ST_OK)
		rc = sessutil_fail(&err);
	if (rc == ST_OK)
		rc = sessutil_open(ctx, st, optind < argc ? argv[optind] : NULL, SESSION_READ, &s);
	if (rc == ST_OK && store_lock_peek(st, s->id, &g.lock, &g.lock_stale, &err) != ST_OK)
		rc = sessutil_fail(&err);
	if (rc == ST_OK && session_last_seal(s, &g.seal, &err) != ST_OK)
		rc = sessutil_fail(&err);
	if (st)
		store_snapshot_end(st);
	if (rc == ST_OK) {
		session_counts(s, &g.counts);
		g.counts_text = session_counts_text(&g.counts);
		g.site = session_site(s);
		g.title = session_title(s);
		if (json)
			print_json(s, &g);
		else
			print_text(s, &g);
		if (fflush(stdout) != 0)
			rc = cli_error(ST_IOERR, "status: cannot write to stdout");
	}
	glance_free(&g);
	session_close(s);
	store_close(st);
	return rc;
}
