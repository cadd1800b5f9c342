/*
 * listen.c — the SQLite backend's change notices (store_listen): a reader that follows a
 * session wakes when another connection has committed, with no polling loop.
 *
 * Readers: inotify on the folder holding the database, for two names — the database file
 * and its -wal. The folder and not the files: the -wal is deleted when the last connection
 * closes and created again by the next writer, and a watch on the file would go with it.
 * The mask holds no IN_MODIFY, so the writes of any file in the folder wake nobody; events
 * for other names are drained and ignored.
 *
 * Writers: a mark on the -wal (utimensat: IN_ATTRIB) after every commit. The WAL's own
 * write() is not the notice: SQLite writes a commit's frames, fsyncs them, and only then
 * publishes them in the wal-index (the -shm, written through mmap, which inotify does not
 * see). A reader woken by the write would read before that, see the old snapshot, and then
 * sleep until the next commit. The mark is set from SQLite's WAL hook (open.c), which runs
 * once the commit is visible to readers and the write lock released; one system call per
 * commit. A reader's own reads never set it, so a follower does not wake itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sqlite_priv.h"

void sq_notify_commit(struct sq_store *st)
{
	if (st->wal_path)
		(void)utimensat(AT_FDCWD, st->wal_path, NULL, 0); /* best effort: a notice, not data */
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

enum st_code sq_listen(struct store *base, const char *sid, struct st_error *err)
{
	(void)sid; /* every commit to the file is a notice: SQLite cannot tell whose */
	struct sq_store *st = sq_of(base);
	if (st->listen_fd >= 0)
		return ST_OK;
	if (st->immutable)
		return st_set(err, ST_CANTCREATE,
			      "database %s is read as an unchanging copy (you cannot write its folder, so SQLite "
			      "cannot share its -shm index with the writer): events committed from now on are "
			      "not seen — follow it as a user who may write that folder",
			      st->base.path);
	/* SQLite's own names: the database with symbolic links resolved, its -wal beside it. */
	const char *db = sqlite3_db_filename(st->db, "main");
	if (!db || !*db)
		return st_set(err, ST_SOFTWARE, "database %s has no file name to watch", st->base.path);
	const char *wal = sqlite3_filename_wal(db);
	const char *slash = strrchr(db, '/');
	char *dir = slash ? (slash == db ? xstrdup("/") : xstrndup(db, (size_t)(slash - db))) : xstrdup(".");
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0) {
		enum st_code rc = st_set(err, ST_IOERR,
					 "cannot watch database %s for new events (inotify: %s) — raise "
					 "fs.inotify.max_user_instances, or close other followers",
					 st->base.path, strerror(errno));
		free(dir);
		return rc;
	}
	if (inotify_add_watch(fd, dir, IN_ATTRIB | IN_CREATE | IN_MOVED_TO | IN_ONLYDIR) < 0) {
		enum st_code rc = st_set(err, ST_IOERR, "cannot watch the folder %s of database %s (inotify: %s)", dir,
					 st->base.path, strerror(errno));
		close(fd);
		free(dir);
		return rc;
	}
	free(dir);
	st->listen_fd = fd;
	st->listen_names[0] = xstrdup(base_name(db));
	st->listen_names[1] = xstrdup(base_name(wal && *wal ? wal : db));
	return ST_OK;
}

int sq_listen_fd(const struct store *base) { return ((const struct sq_store *)base)->listen_fd; }

bool sq_listen_drain(struct store *base)
{
	struct sq_store *st = sq_of(base);
	if (st->listen_fd < 0)
		return false;
	bool notice = false;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	for (;;) {
		ssize_t n = read(st->listen_fd, buf, sizeof buf);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			break; /* EAGAIN: drained */
		}
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			if (ev->mask & IN_Q_OVERFLOW)
				notice = true; /* some were lost: re-read to be sure */
			else if (ev->len && (strcmp(ev->name, st->listen_names[0]) == 0 ||
					     strcmp(ev->name, st->listen_names[1]) == 0))
				notice = true;
			p += sizeof *ev + ev->len;
		}
	}
	return notice;
}

void sq_listen_close(struct sq_store *st)
{
	if (st->listen_fd >= 0)
		close(st->listen_fd);
	st->listen_fd = -1;
	free(st->listen_names[0]);
	free(st->listen_names[1]);
	st->listen_names[0] = st->listen_names[1] = NULL;
	free(st->wal_path);
	st->wal_path = NULL;
}
