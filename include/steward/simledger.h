/*
 * simledger.h — what `steward simulate` wrote into a rehearsal's log folder, kept in
 * that folder as `.steward-simulated` (JSON lines, appended with O_APPEND, never
 * followed through a symlink):
 *   {"created":[DEV,INO]}                   a log file simulate created itself
 *   {"line":[DEV,INO,OFFSET,LENGTH]}        one line it wrote (bytes [OFFSET, +LENGTH))
 * Files are named by identity (device, inode), which a rotation by rename keeps, so a
 * line is still known as simulated after it moved into the .lo_.
 *
 * Two readers: the simulator itself (it only rolls over, or replaces a .lo_, that it
 * created), and the watch engine, which asks for every line that proved something in a
 * rehearsal whether simulate wrote it, and records the answer on the event
 * (marker_seen / failure_seen `simulated`, docs/audit-trail.md).
 *
 * A line is noted before it is written, so a reader that sees the line sees its entry.
 * Unreadable entries are ignored (the file lives in a folder others can write).
 */
#ifndef STEWARD_SIMLEDGER_H
#define STEWARD_SIMLEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "steward/status.h"

#define SIMLEDGER_NAME ".steward-simulated"
#define SIMLEDGER_MAX_BYTES (32u * 1024u * 1024u) /* larger ledgers are read up to here */

/* The ledger's path in log_dir (malloc'd). */
char *simledger_path(const char *log_dir);

/* Appends one entry (ST_IOERR naming the file when it cannot be written). */
enum st_code simledger_note_created(const char *log_dir, uint64_t dev, uint64_t ino, struct st_error *err);
enum st_code simledger_note_line(const char *log_dir, uint64_t dev, uint64_t ino, uint64_t offset,
				 uint64_t length, struct st_error *err);

struct simledger_file {
	uint64_t dev, ino;
};
struct simledger_line {
	uint64_t dev, ino, offset, length;
};
struct simledger {
	struct simledger_file *created;
	size_t n_created;
	struct simledger_line *lines;
	size_t n_lines;
};

/* Loads the ledger of log_dir (an empty one when there is none). */
void simledger_load(const char *log_dir, struct simledger *out);
/* Parses ledger text (exposed for tests and fuzzing). */
void simledger_parse(const char *text, size_t len, struct simledger *out);
void simledger_free(struct simledger *l);
bool simledger_created(const struct simledger *l, uint64_t dev, uint64_t ino);
/* True when the byte at `offset` of file (dev, ino) was written by simulate. */
bool simledger_covers(const struct simledger *l, uint64_t dev, uint64_t ino, uint64_t offset);

/* Shorthand for the watch engine: load, ask, free. */
bool simledger_is_simulated(const char *log_dir, uint64_t dev, uint64_t ino, uint64_t offset);

#endif
