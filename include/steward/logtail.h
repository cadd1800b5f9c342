/*
 * logtail.h — follows several log files at once: reads only what was appended
 * since a recorded position, across SMS's rotation to <name>.lo_ (renamed or
 * copied-and-truncated), plain truncation, deletion and re-creation — also when
 * those happened while steward was not running.
 *
 * Change notification: inotify on each file's folder (so files that do not exist
 * yet, or are replaced, are seen); polling where inotify is unavailable, where the
 * folder is on a network file system (CIFS/SMB/SMB2/NFS/FUSE/9p: such mounts do not
 * deliver inotify events for changes made by the server), or when STEWARD_POLL=1.
 *
 * Lines are delivered decoded to UTF-8 (logenc.h: BOM, UTF-16LE, repairs), without
 * their CR/LF. A partial last line is held until its newline arrives (a position
 * never passes it); lines longer than LOGTAIL_MAX_LINE bytes are delivered in pieces.
 * Positions are (device, inode, offset of the next unread byte, mark of the bytes
 * before it). Files are found by logfile.h's rule. A file is taken as truncated or
 * rewritten only when the bytes already read no longer read back the same (its first
 * bytes and those just before the read position): never from its reported size alone,
 * which lags behind reads on network mounts (the CIFS attribute cache).
 */
#ifndef STEWARD_LOGTAIL_H
#define STEWARD_LOGTAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "steward/status.h"

#define LOGTAIL_MAX_LINE (64u * 1024u)

struct logtail_pos {
	uint64_t dev, ino; /* 0/0: the file did not exist */
	uint64_t offset;   /* next byte to read */
	uint64_t mark;     /* logfile_mark() of the bytes before offset; 0: not known */
};

enum logtail_start {
	LT_START_BEGIN, /* every line of the file as it is now */
	LT_START_END,   /* only lines appended from now on */
	LT_START_POS,   /* from a saved position (resume) */
};

struct logtail_line {
	const char *text;     /* decoded UTF-8, no line end, NUL-terminated; borrowed */
	size_t len;
	uint64_t offset;      /* of the line's first byte in `file` */
	uint64_t end_offset;  /* just past its line end */
	const char *file;     /* the path read: the live file or its .lo_ */
	uint64_t dev, ino;    /* identity of that file */
	bool piece;           /* part of a line longer than LOGTAIL_MAX_LINE */
};

struct logtail_chunk {
	const char *buf;      /* raw bytes (not decoded), complete lines only; borrowed */
	size_t len;
	uint64_t offset;      /* of buf[0] in `file` */
	uint64_t file_size;   /* the file's size when reading began */
	const char *file;     /* the path read */
	uint64_t dev, ino;    /* its identity */
};

enum logtail_note {
	LTN_ROTATED,   /* the old content was finished from old_file (.lo_); now reading new_file */
	LTN_REPLACED,  /* a new file took the name; the old one could not be found to finish */
	LTN_TRUNCATED, /* same file, smaller: reading restarts at 0 */
	LTN_FILE_END,  /* no more lines will come from the file logtail_ended() names: flush */
	LTN_IDLE,      /* nothing more to read for now */
	LTN_PROBLEM,   /* missing, unreadable, ... (each condition reported once until it clears) */
	LTN_RECOVERED, /* a reported problem cleared (the file appeared, became readable) */
};

struct logtail_cbs {
	/* A complete line. Return false to stop reading this file for this round. */
	bool (*line)(void *ctx, size_t idx, const struct logtail_line *ln);
	void (*note)(void *ctx, size_t idx, enum logtail_note what, const char *old_file,
		     const char *new_file, const char *message);
	/*
	 * Optional fast path for large backlogs (UTF-8 files only): ch->buf holds complete
	 * lines starting at file offset ch->offset; return how many leading bytes the caller
	 * has dealt with itself (0..len, ending just after a '\n'): they are skipped
	 * without line callbacks.
	 */
	size_t (*chunk)(void *ctx, size_t idx, const struct logtail_chunk *ch);
};

struct logtail;

struct logtail *logtail_new(void);
void logtail_free(struct logtail *t);
/*
 * Adds a file to follow; returns its index. For LT_START_POS, pos is where reading
 * resumes and saved_ms when it was saved (a .lo_ modified after it is taken for a
 * copy-rotation of a shrunk file); a saved position whose mark no longer reads back is
 * taken for a truncation while closed. The path may differ in case from the file on disk.
 */
size_t logtail_add(struct logtail *t, const char *path, enum logtail_start start,
		   const struct logtail_pos *pos, int64_t saved_ms);
/* The inotify descriptor to poll, or -1 when every file is polled. */
int logtail_fd(const struct logtail *t);
/* Milliseconds until logtail_process should run again without input. */
int logtail_timeout_ms(const struct logtail *t);
/* Reads everything available from every file (draining inotify), calling cbs. It cannot
 * fail as a whole: each file's problems (missing, unreadable, lost) reach cbs->note as
 * LTN_PROBLEM, once each until they clear. */
void logtail_process(struct logtail *t, const struct logtail_cbs *cbs, void *ctx);
/* Position after the last line delivered (a held partial line is not passed). */
void logtail_position(const struct logtail *t, size_t idx, struct logtail_pos *out);
/* The path currently read for file idx (the live file's real name once found). */
const char *logtail_path(const struct logtail *t, size_t idx);
bool logtail_is_polling(const struct logtail *t, size_t idx);
/* One-shot reading (`steward log` without --follow): a last line without its newline
 * is delivered too, as the files are taken to be complete. */
void logtail_set_oneshot(struct logtail *t, bool on);
/* Forces polling for every file (tests; also $STEWARD_POLL=1). Call before processing. */
void logtail_force_polling(struct logtail *t, bool on);

/* During an LTN_FILE_END callback: the identity (dev, ino) of the file whose lines ended
 * (also when none of its lines was delivered). */
void logtail_ended(const struct logtail *t, struct logtail_pos *out);
/* The mark at offset of file idx when its reader holds (dev, ino), else 0. */
uint64_t logtail_mark(const struct logtail *t, size_t idx, uint64_t dev, uint64_t ino, uint64_t offset);

#endif
