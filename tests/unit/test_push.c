/*
 * test_push.c — `steward push` (push.h): a session recorded in one store copied to
 * another, the same record event by event (hashes computed by the target equal the
 * source's), the target's cached state equal to a replay, only new events on a second
 * push, conflicts (diverged, target ahead) refused naming both heads, a source that
 * does not verify refused, locks on both sides, and a failure in the middle of a push
 * leaving the target as it was.
 *
 * The source is always the fixture's SQLite file. The target is a second SQLite file
 * (suite push) or the PostgreSQL server named by $STEWARD_TEST_PG_URL (suite push_pg:
 * skipped, saying why, when it is not set or this build has no PostgreSQL backend).
 * Every test starts its session at its own time, so its id is its own on a shared server.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pgfix.h"
#include "sessfix.h"
#include "steward/push.h"
#include "steward/util.h"

static struct sfx f;
static struct st_error err;
static struct store *dst;  /* the target, opened for writing */
static char *dst_name;
static const char *skip_why; /* the target is not available: why */

/* ---------- fixtures ---------- */

static void start_session(void)
{
	/* ids are made of the start time: one second of its own per test process */
	sfx_advance(&f, (int64_t)(getpid() % 100000) * 1000);
	sfx_start(&f, NULL);
	struct session *s = sfx_open(&f);
	cr_assert_eq(session_complete(s, 0, NULL, "items checked on paper", &err), ST_OK, "%s", err.msg);
	cr_assert_eq(session_note(s, -1, "a note", &err), ST_OK, "%s", err.msg);
	cr_assert_eq(session_complete(s, 2, "STOP", NULL, &err), ST_OK, "%s", err.msg);
	session_close(s);
}

static void setup_sqlite(void)
{
	/* The source is the local SQLite file (offline first), also in the PostgreSQL pass. */
	unsetenv("STEWARD_TEST_BACKEND");
	sfx_init(&f, "basic.yaml");
	start_session();
	dst_name = sfx_path(&f, "team/steward.db");
	cr_assert_eq(store_open(dst_name, STORE_WRITE, &dst, &err), ST_OK, "%s", err.msg);
}

static char *dst_schema; /* push_pg: the target's own schema on the test server */

static void setup_pg(void)
{
	unsetenv("STEWARD_TEST_BACKEND"); /* the source: a local SQLite file; the target: the server */
	sfx_init(&f, "basic.yaml");
	start_session();
	const char *url = getenv("STEWARD_TEST_PG_URL");
	if (!url || !*url) {
		skip_why = "push to PostgreSQL: STEWARD_TEST_PG_URL is not set (make check sets it when the "
			   "PostgreSQL server binaries are installed: tests/tools/pg-cluster.sh)";
		return;
	}
	/* A reader first: a build without the PostgreSQL backend takes the URL for a SQLite
	 * file name, which a reader does not create. */
	struct store *probe = NULL;
	enum st_code rc = store_open(url, STORE_READ, &probe, &err);
	bool pg = rc == ST_OK && strcmp(store_backend_name(probe), "postgresql") == 0;
	store_close(probe);
	if (!pg) {
		skip_why = "push to PostgreSQL: this build has no PostgreSQL backend (store_open took "
			   "$STEWARD_TEST_PG_URL for a SQLite file)";
		return;
	}
	/* A schema of its own: tests run in parallel, each creating its tables. */
	dst_name = pgfix_new_schema(&dst_schema);
	cr_assert_eq(store_open(dst_name, STORE_WRITE, &dst, &err), ST_OK, "%s", err.msg);
}

static void teardown(void)
{
	store_close(dst);
	dst = NULL;
	free(dst_name);
	dst_name = NULL;
	if (dst_schema)
		pgfix_drop_schema(dst_schema);
	free(dst_schema);
	dst_schema = NULL;
	skip_why = NULL;
	sfx_fini(&f);
}

/* Each test runs against both targets. */
#define BOTH(name)                                                                      \
	static void name(void);                                                         \
	Test(push, name, .init = setup_sqlite, .fini = teardown) { name(); }           \
	Test(push_pg, name, .init = setup_pg, .fini = teardown)                        \
	{                                                                               \
		if (skip_why) { /* said once for the whole suite */                     \
			if (strcmp(#name, "round_trip_is_the_same_record") == 0)        \
				fprintf(stderr, "SKIP: every push_pg test: %s\n", skip_why); \
			cr_skip_test("SKIP: %s", skip_why);                             \
		}                                                                       \
		name();                                                                 \
	}                                                                               \
	static void name(void)

/* ---------- helpers ---------- */

struct ev_copy {
	int64_t seq, at_ms;
	char *op, *host, *type, *step, *data;
	char prev_hash[65], hash[65];
};
struct ev_list {
	struct ev_copy *v;
	size_t n;
};

static bool collect(void *ctx, const struct store_event *ev)
{
	struct ev_list *l = ctx;
	l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
	struct ev_copy *c = &l->v[l->n++];
	*c = (struct ev_copy){.seq = ev->seq, .at_ms = ev->at_ms, .op = xstrdup(ev->op), .host = xstrdup(ev->host),
			      .type = xstrdup(ev->type), .step = ev->step ? xstrdup(ev->step) : NULL,
			      .data = xstrdup(ev->data)};
	memcpy(c->prev_hash, ev->prev_hash, 65);
	memcpy(c->hash, ev->hash, 65);
	return true;
}

static struct ev_list events_of(struct store *st)
{
	struct ev_list l = {0};
	cr_assert_eq(store_read_events(st, f.id, 0, collect, &l, &err), ST_OK, "%s", err.msg);
	return l;
}

static void events_free(struct ev_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].op);
		free(l->v[i].host);
		free(l->v[i].type);
		free(l->v[i].step);
		free(l->v[i].data);
	}
	free(l->v);
}

static struct store_audit audit_of(struct store *st)
{
	struct store_audit a;
	cr_assert_eq(store_audit(st, f.id, &a, NULL, NULL, &err), ST_OK, "%s", err.msg);
	return a;
}

static int64_t head_seq_of(struct store *st)
{
	struct store_state ss;
	cr_assert_eq(store_read_state(st, f.id, &ss, &err), ST_OK, "%s", err.msg);
	int64_t n = ss.head_seq;
	store_state_free(&ss);
	return n;
}

static enum st_code push(struct push_result *r, bool force)
{
	struct push_opts o = {.force = force};
	return push_session(f.st, f.id, dst, &o, r, &err);
}

static void push_ok(struct push_result *r)
{
	cr_assert_eq(push(r, false), ST_OK, "%s", err.msg);
}

/* The target holds the same record as the source: the session row, every event field
 * by field (and each hash recomputed from its contents), the same cached state, and
 * that state is a replay of the events. */
static void assert_same_record(void)
{
	struct store_session a, b;
	cr_assert_eq(store_read_session(f.st, f.id, &a, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(store_read_session(dst, f.id, &b, &err), ST_OK, "%s", err.msg);
	cr_assert_str_eq(a.id, b.id);
	cr_assert(util_streq(a.label, b.label));
	cr_assert_str_eq(a.op, b.op);
	cr_assert_str_eq(a.host, b.host);
	cr_assert_eq(a.rehearsal, b.rehearsal);
	cr_assert_eq(a.started_ms, b.started_ms);
	cr_assert_str_eq(a.runbook_sha256, b.runbook_sha256);
	cr_assert_eq(a.runbook_text_len, b.runbook_text_len);
	cr_assert_eq(memcmp(a.runbook_text, b.runbook_text, a.runbook_text_len), 0);
	store_session_free(&a);
	store_session_free(&b);

	struct ev_list s = events_of(f.st), t = events_of(dst);
	cr_assert_eq(t.n, s.n, "the target has %zu events, the source %zu", t.n, s.n);
	for (size_t i = 0; i < s.n; i++) {
		const struct ev_copy *x = &s.v[i], *y = &t.v[i];
		cr_assert_eq(y->seq, x->seq);
		cr_assert_eq(y->at_ms, x->at_ms, "event %lld: time", (long long)x->seq);
		cr_assert_str_eq(y->op, x->op);
		cr_assert_str_eq(y->host, x->host);
		cr_assert_str_eq(y->type, x->type);
		cr_assert(util_streq(y->step, x->step));
		cr_assert_str_eq(y->data, x->data, "event %lld: data", (long long)x->seq);
		cr_assert_str_eq(y->prev_hash, x->prev_hash, "event %lld: prev_hash", (long long)x->seq);
		cr_assert_str_eq(y->hash, x->hash, "event %lld: hash", (long long)x->seq);
		struct store_event ev = {.seq = y->seq, .at_ms = y->at_ms, .op = y->op, .host = y->host,
					 .type = y->type, .step = y->step, .data = y->data};
		memcpy(ev.prev_hash, y->prev_hash, 65);
		char h[65];
		store_event_hash(f.id, &ev, h);
		cr_assert_str_eq(h, x->hash, "event %lld: the target's contents hash differently", (long long)x->seq);
	}
	events_free(&s);
	events_free(&t);

	struct store_state ss, ts;
	cr_assert_eq(store_read_state(f.st, f.id, &ss, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(store_read_state(dst, f.id, &ts, &err), ST_OK, "%s", err.msg);
	cr_assert_str_eq(ts.status, ss.status);
	cr_assert_eq(ts.head_seq, ss.head_seq);
	cr_assert_str_eq(ts.head_hash, ss.head_hash);
	cr_assert_eq(ts.n_done, ss.n_done);
	cr_assert(util_streq(ts.active_step, ss.active_step));
	cr_assert_eq(ts.last_activity_ms, ss.last_activity_ms);
	cr_assert_eq(ts.n_steps, ss.n_steps);
	for (size_t i = 0; i < ss.n_steps; i++)
		cr_assert_str_eq(ts.steps[i].status, ss.steps[i].status);
	store_state_free(&ss);
	store_state_free(&ts);

	struct session *sess = NULL;
	cr_assert_eq(session_open(dst, f.id, SESSION_READ, &sess, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(session_verify_cache(sess, &err), ST_OK, "%s", err.msg);
	session_close(sess);

	struct store_audit as = audit_of(f.st), at = audit_of(dst);
	cr_assert(as.intact, "%s", as.problem);
	cr_assert(at.intact, "%s", at.problem);
	cr_assert_str_eq(at.head, as.head);
	cr_assert_eq(at.n_events, as.n_events);
}

static void note_on(struct store *st, const char *text)
{
	struct session *s = NULL;
	cr_assert_eq(session_open(st, f.id, SESSION_WRITE, &s, &err), ST_OK, "%s", err.msg);
	session_set_actor(s, "carol", "nightshift");
	cr_assert_eq(session_note(s, -1, text, &err), ST_OK, "%s", err.msg);
	session_close(s);
}

/* Edits one stored event of the source behind steward's back (triggers dropped). */
static void tamper_source(int64_t seq)
{
	char *sql = xasprintf("DROP TRIGGER events_no_update;"
			      "UPDATE events SET data = '{\"text\":\"edited\"}' WHERE session_id = '%s' AND seq = %lld;"
			      "CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'x'); END;",
			      f.id, (long long)seq);
	sfx_sql(&f, sql);
	free(sql);
}

/* ---------- the tests ---------- */

BOTH(round_trip_is_the_same_record)
{
	int64_t n = head_seq_of(f.st);
	cr_assert_gt(n, 3);
	struct push_result r;
	push_ok(&r);
	cr_assert_str_eq(r.id, f.id);
	cr_assert(r.created);
	cr_assert_eq(r.n_sent, n);
	cr_assert_eq(r.first_seq, 1);
	cr_assert_eq(r.last_seq, n);
	cr_assert_eq(r.n_events, n);
	cr_assert_not(r.finished);
	cr_assert_not(r.source_held);
	struct store_audit a = audit_of(f.st);
	cr_assert_str_eq(r.head, a.head);
	push_result_free(&r);
	assert_same_record();
}

BOTH(a_finished_session_round_trips)
{
	struct session *s = sfx_open(&f);
	sfx_advance(&f, 31 * 60 * 1000);
	cr_assert_eq(session_complete(s, 3, NULL, NULL, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(session_override(s, 4, "checked the logs by eye", &err), ST_OK, "%s", err.msg);
	cr_assert_eq(session_complete(s, 5, NULL, NULL, &err), ST_OK, "%s", err.msg);
	cr_assert(s->finished);
	session_close(s);
	struct push_result r;
	push_ok(&r);
	cr_assert(r.finished);
	push_result_free(&r);
	assert_same_record();
}

BOTH(pushing_again_sends_only_the_new_events)
{
	struct push_result r;
	push_ok(&r);
	int64_t n = r.n_events;
	push_result_free(&r);

	push_ok(&r);
	cr_assert_eq(r.n_sent, 0, "nothing new, yet %lld sent", (long long)r.n_sent);
	cr_assert_not(r.created);
	cr_assert_eq(r.n_events, n);
	push_result_free(&r);

	note_on(f.st, "after the first push");
	note_on(f.st, "and another");
	push_ok(&r);
	cr_assert_not(r.created);
	cr_assert_eq(r.n_sent, 2);
	cr_assert_eq(r.first_seq, n + 1);
	cr_assert_eq(r.last_seq, n + 2);
	cr_assert_eq(r.n_events, n + 2);
	push_result_free(&r);
	assert_same_record();
}

BOTH(continued_on_the_target_then_pushed_again_is_refused)
{
	struct push_result r;
	push_ok(&r);
	push_result_free(&r);
	note_on(dst, "the next shift, on the server");
	struct store_audit before = audit_of(dst);
	cr_assert_eq(push(&r, false), ST_INVALID, "the target is ahead: %s", err.msg);
	cr_assert(strstr(err.msg, "continued on"), "%s", err.msg);
	char head[17];
	snprintf(head, sizeof head, "%.16s", before.head);
	cr_assert(strstr(err.msg, head), "the target's head is named: %s", err.msg);
	struct store_audit after = audit_of(dst);
	cr_assert_str_eq(after.head, before.head);
}

BOTH(diverged_is_refused_naming_both_heads_and_nothing_changes)
{
	struct push_result r;
	push_ok(&r);
	int64_t pushed = r.n_events;
	push_result_free(&r);
	note_on(dst, "on the server");
	note_on(f.st, "on the laptop");
	note_on(f.st, "on the laptop again");
	struct store_audit t0 = audit_of(dst), s0 = audit_of(f.st);
	cr_assert_eq(push(&r, false), ST_INVALID, "%s", err.msg);
	char th[17], sh[17], at[48];
	snprintf(th, sizeof th, "%.16s", t0.head);
	snprintf(sh, sizeof sh, "%.16s", s0.head);
	cr_assert(strstr(err.msg, "diverged"), "%s", err.msg);
	cr_assert(strstr(err.msg, th), "the target's head: %s", err.msg);
	cr_assert(strstr(err.msg, sh), "the source's head: %s", err.msg);
	snprintf(at, sizeof at, "from event %lld on", (long long)pushed + 1);
	cr_assert(strstr(err.msg, at), "where they part: %s", err.msg);
	struct store_audit t1 = audit_of(dst);
	cr_assert_str_eq(t1.head, t0.head);
	cr_assert_eq(t1.n_events, t0.n_events);
}

BOTH(a_tampered_source_is_refused_and_nothing_is_written)
{
	tamper_source(2);
	struct push_result r;
	cr_assert_eq(push(&r, false), ST_FAILED, "%s", err.msg);
	cr_assert(strstr(err.msg, "event 2"), "%s", err.msg);
	struct store_session row;
	cr_assert_eq(store_read_session(dst, f.id, &row, &err), ST_NOTFOUND, "the target has the session");
}

/* Events 1..n-1 are appended before event n is found altered: the transaction is rolled
 * back, the target keeps exactly what it had. */
BOTH(a_failure_mid_push_leaves_the_target_unchanged)
{
	struct push_result r;
	push_ok(&r);
	int64_t n = r.n_events;
	push_result_free(&r);
	note_on(f.st, "one");
	note_on(f.st, "two");
	note_on(f.st, "three");
	tamper_source(n + 3); /* n+1 and n+2 are appended first */
	struct store_audit before = audit_of(dst);
	cr_assert_eq(push(&r, false), ST_FAILED, "%s", err.msg);
	struct store_audit after = audit_of(dst);
	cr_assert(after.intact, "%s", after.problem);
	cr_assert_eq(after.n_events, n);
	cr_assert_str_eq(after.head, before.head);
	cr_assert_eq(head_seq_of(dst), n);
	struct ev_list t = events_of(dst);
	cr_assert_eq(t.n, (size_t)n);
	events_free(&t);
}

BOTH(a_writer_on_the_target_refuses_the_push)
{
	struct push_result r;
	push_ok(&r);
	push_result_free(&r);
	note_on(f.st, "more to send");
	struct store *other = NULL;
	cr_assert_eq(store_open(dst_name, STORE_WRITE, &other, &err), ST_OK, "%s", err.msg);
	struct session *w = NULL;
	cr_assert_eq(session_open(other, f.id, SESSION_WRITE, &w, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(push(&r, false), ST_TEMPFAIL, "%s", err.msg);
	session_close(w);
	store_close(other);
	push_ok(&r); /* once the writer is gone */
	cr_assert_eq(r.n_sent, 1);
	push_result_free(&r);
	assert_same_record();
}

BOTH(a_live_writer_on_the_source_needs_force_unless_finished)
{
	struct session *w = sfx_open(&f); /* this process holds the source's lock */
	struct push_result r;
	cr_assert_eq(push(&r, false), ST_TEMPFAIL, "%s", err.msg);
	cr_assert(strstr(err.msg, "--force"), "%s", err.msg);
	cr_assert_eq(push(&r, true), ST_OK, "%s", err.msg);
	cr_assert(r.source_held);
	push_result_free(&r);
	/* finished: nothing more can change its steps, so it goes without --force */
	sfx_advance(&f, 31 * 60 * 1000);
	cr_assert_eq(session_complete(w, 3, NULL, NULL, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(session_override(w, 4, "checked by eye", &err), ST_OK, "%s", err.msg);
	cr_assert_eq(session_complete(w, 5, NULL, NULL, &err), ST_OK, "%s", err.msg);
	int64_t there = head_seq_of(dst);
	cr_assert_eq(push(&r, false), ST_OK, "%s", err.msg);
	cr_assert(r.finished);
	cr_assert_eq(r.n_sent, head_seq_of(f.st) - there);
	cr_assert_eq(r.first_seq, there + 1);
	push_result_free(&r);
	session_close(w);
	assert_same_record();
}

/* ---------- SQLite target only (its file edited behind steward's back) ---------- */

static void target_sql(const char *sql)
{
	struct sfx t = f;
	snprintf(t.dir, sizeof t.dir, "%s", f.dir);
	t.db = dst_name;
	sfx_sql(&t, sql);
}

/* The target's store fails while writing (a trigger refuses event n+2): what it
 * appended before is rolled back; once the fault is gone the push goes through. */
Test(push, a_store_failure_mid_push_leaves_the_target_unchanged, .init = setup_sqlite, .fini = teardown)
{
	struct push_result r;
	push_ok(&r);
	int64_t n = r.n_events;
	push_result_free(&r);
	note_on(f.st, "one");
	note_on(f.st, "two");
	note_on(f.st, "three");
	char *sql = xasprintf("CREATE TRIGGER fault BEFORE INSERT ON events WHEN NEW.seq = %lld"
			      " BEGIN SELECT RAISE(ABORT, 'disk on fire'); END;", (long long)n + 2);
	target_sql(sql);
	free(sql);
	struct store_audit before = audit_of(dst);
	enum st_code rc = push(&r, false);
	cr_assert_neq(rc, ST_OK);
	cr_assert(strstr(err.msg, "disk on fire"), "%s", err.msg);
	struct store_audit after = audit_of(dst);
	cr_assert_eq(after.n_events, n);
	cr_assert_str_eq(after.head, before.head);
	cr_assert_eq(head_seq_of(dst), n);
	target_sql("DROP TRIGGER fault;");
	push_ok(&r);
	cr_assert_eq(r.n_sent, 3);
	push_result_free(&r);
	assert_same_record();
}

Test(push, a_target_copy_that_does_not_verify_is_not_extended, .init = setup_sqlite, .fini = teardown)
{
	struct push_result r;
	push_ok(&r);
	push_result_free(&r);
	char *sql = xasprintf("DROP TRIGGER events_no_update;"
			      "UPDATE events SET at_ms = at_ms + 1 WHERE session_id = '%s' AND seq = 2;", f.id);
	target_sql(sql);
	free(sql);
	note_on(f.st, "more");
	cr_assert_eq(push(&r, false), ST_FAILED, "%s", err.msg);
	cr_assert(strstr(err.msg, "the copy of session"), "%s", err.msg);
}

Test(push, another_session_under_the_same_id_is_refused, .init = setup_sqlite, .fini = teardown)
{
	/* Two machines can draw the same id in the same second: a session of the target's own. */
	struct store_session row;
	cr_assert_eq(store_read_session(f.st, f.id, &row, &err), ST_OK, "%s", err.msg);
	row.started_ms += 5;
	cr_assert_eq(store_begin(dst, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(store_insert_session(dst, &row, &err), ST_OK, "%s", err.msg);
	char *data = xasprintf("{\"runbook\":{\"sha256\":\"%s\"}}", row.runbook_sha256);
	struct store_event ev = {.at_ms = row.started_ms, .op = "dave", .host = "elsewhere",
				 .type = "session_started", .data = data};
	cr_assert_eq(store_append(dst, f.id, 0, &ev, &err), ST_OK, "%s", err.msg);
	char active[] = "active";
	struct store_state ss = {.status = active, .head_seq = 1};
	memcpy(ss.head_hash, ev.hash, 65);
	cr_assert_eq(store_put_state(dst, f.id, &ss, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(store_commit(dst, &err), ST_OK, "%s", err.msg);
	free(data);
	store_session_free(&row);
	struct push_result r;
	cr_assert_eq(push(&r, false), ST_INVALID, "%s", err.msg);
	cr_assert(strstr(err.msg, "differs") || strstr(err.msg, "different session"), "%s", err.msg);
}

Test(push, the_same_database_is_refused, .init = setup_sqlite, .fini = teardown)
{
	struct store *again = NULL;
	char *other = xasprintf("%s/state/../state/steward.db", f.dir);
	cr_assert_eq(store_open(other, STORE_WRITE, &again, &err), ST_OK, "%s", err.msg);
	struct push_result r;
	struct push_opts o = {0};
	cr_assert_eq(push_session(f.st, f.id, again, &o, &r, &err), ST_USAGE, "%s", err.msg);
	store_close(again);
	free(other);
}

Test(push_names, passwords_are_not_shown)
{
	char *s = push_display_name("postgresql://steward:s3cret@db.example/steward?sslmode=require");
	cr_assert_str_eq(s, "postgresql://steward:***@db.example/steward?sslmode=require");
	free(s);
	s = push_display_name("postgres://db.example/steward?user=a&password=s3cret&sslmode=require");
	cr_assert_str_eq(s, "postgres://db.example/steward?user=a&password=***&sslmode=require");
	free(s);
	s = push_display_name("host=db password=s3cret dbname=steward");
	cr_assert_str_eq(s, "host=db password=*** dbname=steward");
	free(s);
	s = push_display_name("/var/lib/steward/team.db");
	cr_assert_str_eq(s, "/var/lib/steward/team.db");
	free(s);
	s = push_display_name("postgresql://steward@db.example/steward");
	cr_assert_str_eq(s, "postgresql://steward@db.example/steward");
	free(s);
}
