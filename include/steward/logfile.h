/*
 * logfile.h — finding a runbook's log file on disk, and placing a position in it.
 * The one rule every part of steward uses (the window recorded at a step's
 * activation, the reader, `steward log`, `simulate`, the TUI through the watcher):
 *
 *   1. the name exactly as given, when it exists;
 *   2. else the one entry of its folder whose name equals it ignoring ASCII case
 *      (SMS writes "SiteComp.log", an rsync'd copy or a case-sensitive mount may
 *      hold "sitecomp.log");
 *   3. two or more entries that differ only in case, and none spelled exactly:
 *      ambiguous — none is read (steward cannot tell which one SMS writes); the
 *      operator names the file with `--log NAME=PATH`.
 *
 * A position (logfile_id) is the file's identity (device, inode), an offset, and a
 * mark: a hash of the bytes just before the offset, so a file rewritten in place
 * (truncated and grown again) can be told from one that only grew.
 */
#ifndef STEWARD_LOGFILE_H
#define STEWARD_LOGFILE_H

#include <stdbool.h>
#include <stdint.h>

/* Bytes before an offset that make up its mark (SMS lines carry a time stamp, so
 * two generations of a log differ there). */
#define LOGFILE_MARK_BYTES 64u

enum logfile_how {
	LOGFILE_EXACT,      /* the name as given exists */
	LOGFILE_OTHER_CASE, /* one entry differs from it in case only */
	LOGFILE_ABSENT,     /* the folder was read: no entry by any spelling */
	LOGFILE_AMBIGUOUS,  /* several entries differ from it in case only */
	LOGFILE_NO_FOLDER,  /* its folder cannot be read (missing, unmounted, denied) */
};

struct logfile_found {
	enum logfile_how how;
	char *path;  /* EXACT/OTHER_CASE: the entry (malloc'd); else NULL */
	char *other; /* AMBIGUOUS: two of the candidates, for the message; else NULL */
	char *other2;
	int err;     /* NO_FOLDER: the errno of reading the folder */
};

/* Applies the rule above to `path`. Returns out->how; free with logfile_found_free. */
enum logfile_how logfile_resolve(const char *path, struct logfile_found *out);
void logfile_found_free(struct logfile_found *f);
/* The resolved path (malloc'd) when found (EXACT or OTHER_CASE), else NULL. */
char *logfile_find(const char *path);
/* A sentence saying why a file is not found (ABSENT/AMBIGUOUS/NO_FOLDER); malloc'd. */
char *logfile_why_not(const char *path, const struct logfile_found *f);
/* Recorded names: "exact", "other-case", "absent", "ambiguous", "no-folder". */
const char *logfile_how_name(enum logfile_how how);
bool logfile_how_parse(const char *name, enum logfile_how *out);

/* "x/SiteComp.log" -> "x/SiteComp.lo_" (SMS's previous generation; the extension is
 * replaced, appended when there is none). malloc'd. */
char *logfile_lo_path(const char *path);

/* The mark of the bytes before `offset` in the open file fd: 0 when offset is 0 (nothing
 * to check), or when those bytes cannot all be read (the file is shorter). */
uint64_t logfile_mark(int fd, uint64_t offset);

/* Where a file stands now: identity, size and the mark at its size. */
struct logfile_id {
	uint64_t dev, ino, size, mark;
};
/* Opens path (already resolved) and describes it; false when it cannot be opened or
 * is not a regular file (errno set). */
bool logfile_identify(const char *path, struct logfile_id *out);

#endif
