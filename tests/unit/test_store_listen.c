/*
 * test_store_listen.c — change notices (store_listen): a reader's descriptor becomes
 * readable when another connection commits, the commit is visible to a re-read by then,
 * a drain clears it, the reader's own reads never set it (no follower wakes itself into a
 * busy loop), and the notice survives the -wal being deleted and created again by a new
 * writer.
 */
#include <criterion/criterion.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "sessfix.h"
#include "steward/util.h"

static struct sfx f;
static struct st_error err;

static void setup(void)
{
	sfx_init(&f, "basic.yaml");
	sfx_start(&f, NULL);
}

static void teardown(void) { sfx_fini(&f); }

TestSuite(store_listen, .init = setup, .fini = teardown);

/* Readable right now? The commit under test returned before this is asked, and inotify
 * queues its event inside that system call: no waiting is involved. */
static bool readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int n = poll(&p, 1, 0);
	cr_assert_geq(n, 0);
	return n == 1 && (p.revents & POLLIN);
}

struct last {
	int64_t seq;
	char type[64];
};

static bool last_cb(void *ctx, const struct store_event *ev)
{
	struct last *l = ctx;
	l->seq = ev->seq;
	snprintf(l->type, sizeof l->type, "%s", ev->type);
	return true;
}

static struct last read_after(struct store *st, int64_t after)
{
	struct last l = {.seq = after};
	cr_assert_eq(store_read_events(st, f.id, after, last_cb, &l, &err), ST_OK, "%s", err.msg);
	return l;
}

static void add_note(struct store *writer, const char *text)
{
	struct session *s = NULL;
	cr_assert_eq(session_open(writer, f.id, SESSION_WRITE, &s, &err), ST_OK, "%s", err.msg);
	session_set_actor(s, "bob", "testhost");
	cr_assert_eq(session_note(s, -1, text, &err), ST_OK, "%s", err.msg);
	session_close(s);
}

static struct store *reader(void)
{
	struct store *r = NULL;
	cr_assert_eq(store_open(f.db, STORE_READ, &r, &err), ST_OK, "%s", err.msg);
	return r;
}

Test(store_listen, nothing_before_listen)
{
	struct store *r = reader();
	cr_assert_eq(store_listen_fd(r), -1);
	cr_assert_not(store_listen_drain(r));
	store_close(r);
}

Test(store_listen, another_connections_commit_wakes_the_reader_and_is_visible)
{
	struct store *r = reader();
	int64_t held = read_after(r, 0).seq;
	cr_assert_eq(store_listen(r, f.id, &err), ST_OK, "%s", err.msg);
	cr_assert_eq(store_listen(r, f.id, &err), ST_OK, "twice is harmless: %s", err.msg);
	int fd = store_listen_fd(r);
	cr_assert_geq(fd, 0);
	store_listen_drain(r);
	cr_assert_not(readable(fd), "nothing was committed yet");

	add_note(f.st, "from the writer"); /* f.st: another connection to the same file */
	cr_assert(readable(fd), "a commit by another connection makes the descriptor readable");
	cr_assert(store_listen_drain(r), "the drain reports the notice");
	cr_assert_not(readable(fd), "the drain clears it");
	struct last l = read_after(r, held);
	cr_assert_gt(l.seq, held, "the committed event is visible to the re-read");
	cr_assert_str_eq(l.type, "note_added");
	cr_assert_not(store_listen_drain(r), "no second notice without a second commit");
	store_close(r);
}

Test(store_listen, the_readers_own_reads_do_not_wake_it)
{
	struct store *r = reader();
	cr_assert_eq(store_listen(r, NULL, &err), ST_OK, "%s", err.msg);
	int fd = store_listen_fd(r);
	store_listen_drain(r);
	for (int i = 0; i < 3; i++) {
		read_after(r, 0);
		struct store_state ss;
		cr_assert_eq(store_read_state(r, f.id, &ss, &err), ST_OK, "%s", err.msg);
		store_state_free(&ss);
		struct store_summary *rows = NULL;
		size_t n = 0;
		cr_assert_eq(store_list(r, true, &rows, &n, &err), ST_OK, "%s", err.msg);
		store_summaries_free(rows, n);
		struct store_lock_holder h;
		bool stale;
		cr_assert_eq(store_lock_peek(r, f.id, &h, &stale, &err), ST_OK, "%s", err.msg);
		store_lock_holder_free(&h);
		struct session *s = NULL;
		cr_assert_eq(session_open(r, f.id, SESSION_READ, &s, &err), ST_OK, "%s", err.msg);
		session_close(s);
	}
	cr_assert_not(readable(fd), "reading never notifies the reader");
	store_close(r);
}

Test(store_listen, a_new_writer_after_the_wal_was_removed_still_wakes_it)
{
	/* The only writer closes: SQLite checkpoints and deletes the -wal. */
	store_close(f.st);
	f.st = NULL;
	char *wal = xasprintf("%s-wal", f.db);
	cr_assert_neq(access(wal, F_OK), 0, "the -wal is gone with the last connection");
	struct store *r = reader();
	int64_t held = read_after(r, 0).seq;
	cr_assert_eq(store_listen(r, f.id, &err), ST_OK, "%s", err.msg);
	int fd = store_listen_fd(r);
	store_listen_drain(r);
	struct store *w = NULL;
	cr_assert_eq(store_open(f.db, STORE_WRITE, &w, &err), ST_OK, "%s", err.msg);
	store_listen_drain(r); /* opening may mark it: only the commit below is under test */
	add_note(w, "from a writer that came later");
	cr_assert(readable(fd), "a commit through a -wal created after store_listen is noticed");
	cr_assert(store_listen_drain(r));
	cr_assert_gt(read_after(r, held).seq, held);
	store_close(w);
	store_close(r);
	free(wal);
}
