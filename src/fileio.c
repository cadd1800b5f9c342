/*
 * fileio.c — bounded, non-blocking reads of given files and outputs that never replace
 * a device; see fileio.h for the rules.
 */
#include "steward/fileio.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "steward/util.h"

const char *fio_kind(unsigned mode)
{
	mode_t m = (mode_t)mode;
	if (S_ISDIR(m))
		return "a folder";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISLNK(m))
		return "a symbolic link";
	return "a regular file";
}

static enum fio_read fail(struct fio_text *out, int fd, enum fio_read rc, int err)
{
	if (fd >= 0)
		close(fd);
	free(out->text);
	out->text = NULL;
	out->len = 0;
	out->err = err;
	return rc;
}

enum fio_read fio_read_regular(const char *path, size_t max, struct fio_text *out)
{
	memset(out, 0, sizeof *out);
	/* O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;
		return fail(out, -1, e == ENOENT || e == ENOTDIR || e == ELOOP ? FIO_MISSING : FIO_UNREADABLE, e);
	}
	struct stat st;
	if (fstat(fd, &st) != 0)
		return fail(out, fd, FIO_UNREADABLE, errno);
	out->mode = (unsigned)st.st_mode;
	if (!S_ISREG(st.st_mode))
		return fail(out, fd, FIO_NOT_FILE, 0);
	out->size = (uint64_t)st.st_size;
	if (out->size > max)
		return fail(out, fd, FIO_TOO_BIG, 0);
	/* The file may grow while it is read: never hold more than max + 1 bytes. */
	out->text = xmalloc(max + 2);
	for (;;) {
		ssize_t n = read(fd, out->text + out->len, max + 1 - out->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail(out, fd, FIO_UNREADABLE, errno);
		if (n == 0)
			break;
		out->len += (size_t)n;
		if (out->len > max) /* it grew past the limit: size keeps what fstat said */
			return fail(out, fd, FIO_TOO_BIG, 0);
	}
	close(fd);
	out->text[out->len] = '\0';
	return FIO_OK;
}

char *fio_read_problem(enum fio_read rc, const struct fio_text *t, size_t max)
{
	switch (rc) {
	case FIO_OK: return xstrdup("read");
	case FIO_MISSING: return xasprintf("does not exist (%s)", strerror(t->err));
	case FIO_NOT_FILE: return xasprintf("is %s, not a regular file", fio_kind(t->mode));
	case FIO_TOO_BIG:
		if (t->size > (uint64_t)max)
			return xasprintf("is %llu bytes, more than the %zu allowed", (unsigned long long)t->size,
					 max);
		return xasprintf("is more than the %zu bytes allowed", max);
	case FIO_UNREADABLE: break;
	}
	return xasprintf("cannot be read: %s", strerror(t->err));
}

static int write_all(int fd, const char *data, size_t len)
{
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		off += (size_t)w;
	}
	return 0;
}

static int refuse(char **why, const char *fmt, ...) PRINTF_LIKE(2, 3);
static int refuse(char **why, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	*why = sb_take(&sb);
	return -1;
}

/* Nothing there, or a regular file: util_write_file_atomic (temporary file, fsync, rename). */
static int write_replacing(const char *path, const char *data, size_t len, unsigned mode, char **why)
{
	if (util_write_file_atomic(path, data, len, mode) != 0)
		return refuse(why, "%s", strerror(errno));
	return 0;
}

/* A device, FIFO or socket: written to as it is, with every write and the close checked. */
static int write_through(const char *path, const char *data, size_t len, char **why)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return refuse(why, "%s", strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0 || S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
		close(fd); /* it changed since it was looked at: write nothing into it */
		return refuse(why, "it changed while it was being opened; try again");
	}
	int rc = write_all(fd, data, len);
	int e = errno;
	if (close(fd) != 0 && rc == 0) {
		rc = -1;
		e = errno;
	}
	if (rc != 0)
		refuse(why, "%s", strerror(e));
	return rc;
}

/* Standard output or error when path leads to the same file (0: neither). */
static int std_fd_of(const struct stat *target)
{
	for (int fd = 1; fd <= 2; fd++) {
		struct stat st;
		if (fstat(fd, &st) == 0 && st.st_dev == target->st_dev && st.st_ino == target->st_ino)
			return fd;
	}
	return 0;
}

int fio_write_output(const char *path, const char *data, size_t len, unsigned mode, char **why)
{
	*why = NULL;
	if (!*path)
		return refuse(why, "an empty file name");
	struct stat ln;
	if (lstat(path, &ln) != 0) {
		if (errno != ENOENT)
			return refuse(why, "%s", strerror(errno));
		return write_replacing(path, data, len, mode, why);
	}
	if (S_ISREG(ln.st_mode))
		return write_replacing(path, data, len, mode, why);
	struct stat st = ln;
	if (S_ISLNK(ln.st_mode) && stat(path, &st) != 0)
		return refuse(why, "it is a symbolic link to a file that cannot be reached (%s); "
				   "a symlink is neither followed nor replaced", strerror(errno));
	if (S_ISDIR(st.st_mode))
		return refuse(why, "it is a folder; give a file name inside it");
	if (S_ISBLK(st.st_mode))
		return refuse(why, "it is a block device; an export is never written to a disk");
	if (S_ISREG(st.st_mode)) { /* reached through a symlink */
		int fd = std_fd_of(&st);
		if (fd) {
			if (write_all(fd, data, len) != 0)
				return refuse(why, "%s", strerror(errno));
			return 0;
		}
		return refuse(why, "it is a symbolic link to a file; give that file's own path (a "
				   "symlink is neither followed nor replaced)");
	}
	return write_through(path, data, len, why);
}
