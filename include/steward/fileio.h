/*
 * fileio.h — files steward is given rather than owns: reading one (a runbook) without
 * blocking or exhausting memory, and writing an output (export -o) where the user
 * points it without replacing what is not a regular file.
 *
 * Invariants: fio_read_regular never blocks in open() (O_NONBLOCK: a FIFO or a device
 * put where a runbook was expected), reads only a regular file, and checks the size on
 * the opened descriptor before reading, so at most max bytes are ever held.
 * fio_write_output renames into place only over a regular file or nothing; a device,
 * FIFO or socket (directly or through a symlink) is written through and never replaced.
 */
#ifndef STEWARD_FILEIO_H
#define STEWARD_FILEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fio_read {
	FIO_OK,
	FIO_MISSING,   /* nothing there (ENOENT, ENOTDIR, ELOOP); err holds errno */
	FIO_NOT_FILE,  /* a folder, FIFO, device or socket; mode holds its type */
	FIO_TOO_BIG,   /* more than max bytes; size holds what fstat said */
	FIO_UNREADABLE /* it is there but cannot be opened or read; err holds errno */
};

struct fio_text {
	char *text;    /* FIO_OK: the bytes, NUL-terminated; the caller frees */
	size_t len;
	int err;       /* errno for FIO_MISSING / FIO_UNREADABLE */
	unsigned mode; /* st_mode of what was opened */
	uint64_t size;
};

/* Reads path whole when it is a regular file of at most max bytes. */
enum fio_read fio_read_regular(const char *path, size_t max, struct fio_text *out);
/* Why a read failed, for a message after the path ("is a FIFO, not a regular file",
 * "is 10485760 bytes; at most 4194304 are read", "cannot be read: ..."). Caller frees. */
char *fio_read_problem(enum fio_read rc, const struct fio_text *t, size_t max);
/* "a folder", "a FIFO", "a character device", "a block device", "a socket", "a symbolic
 * link", "a regular file". */
const char *fio_kind(unsigned mode);

/*
 * Writes data to path as an output the user named:
 *  - nothing there, or a regular file: a temporary file in the same folder with the
 *    given mode, fsync, rename over path (atomic; a symlink is never followed);
 *  - a character device, FIFO or socket, or a symlink to one: opened and written
 *    through (never replaced); every write and the close are checked (/dev/full fails);
 *  - a symlink to this process's standard output (/dev/stdout redirected to a file):
 *    written to standard output;
 *  - a folder, a block device, a symlink to a regular file or to nothing: refused.
 * Returns 0, or -1 with *why (the caller frees) saying what went wrong.
 */
int fio_write_output(const char *path, const char *data, size_t len, unsigned mode, char **why);

#endif
