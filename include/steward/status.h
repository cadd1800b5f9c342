/*
 * status.h — result codes shared by every module, mapped 1:1 onto the exit codes of
 * CLI.md (sysexits.h), and an error value that carries the message for the operator.
 *
 * Functions that can fail return enum st_code and fill a struct st_error; data goes
 * through out-parameters. Messages say what was wrong and what to do, one line.
 */
#ifndef STEWARD_STATUS_H
#define STEWARD_STATUS_H

#include "steward/util.h"

#define ST_CODES(X)                                                                 \
	X(ST_OK, 0, "success")                                                      \
	X(ST_FAILED, 1, "failure seen or tampering found")                          \
	X(ST_USAGE, 64, "usage error")                                              \
	X(ST_INVALID, 65, "invalid runbook or input")                               \
	X(ST_NOTFOUND, 66, "no such runbook, session or file")                      \
	X(ST_SOFTWARE, 70, "internal error")                                        \
	X(ST_IOERR, 74, "input/output error")                                       \
	X(ST_CANTCREATE, 73, "the database cannot be created or written")          \
	X(ST_TEMPFAIL, 75, "refused for now")

enum st_code {
#define X(name, value, text) name = value,
	ST_CODES(X)
#undef X
};

const char *st_code_text(enum st_code code);

struct st_error {
	enum st_code code;
	char msg[1024];
};

/* Sets err (if non-NULL) and returns code, so callers can `return st_set(err, ...)`. */
enum st_code st_set(struct st_error *err, enum st_code code, const char *fmt, ...) PRINTF_LIKE(3, 4);

#endif
