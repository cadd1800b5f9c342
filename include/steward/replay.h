/*
 * replay.h — `steward replay`: checks a runbook against logs collected from a real site,
 * without a session or a database. Reads each runbook log's .lo_ and then its live file
 * (found in any case, as the watch engine finds them: logfile_find), parses every
 * record (smslog.h), puts all records of all logs in the order of their own timestamps,
 * and plays the runbook's verify blocks and failure signatures over them with the same
 * matcher as a session (match.h).
 *
 * Times: a record's own UTC time when it carries a bias (SMS and CCM formats); a record
 * with a time but no bias (setup logs) takes the bias of the record before it in its file
 * (else the file's first bias, else the first bias of the runbook's other logs, else 0,
 * and the file is reported as "bias assumed"); a record without a time (a plain line)
 * takes the time of the record before it in its file (the file's first time for leading
 * ones). Equal times keep the runbook's log order, .lo_ before .log, then line order.
 *
 * Windows (replay has no activation times; it mirrors how a session unfolds):
 *  - the first applicable step starts at --from (the first record at or after it), else
 *    at the first record of the logs;
 *  - every step starts where the verify-carrying step before it completed: just after the
 *    record that completed it, or where that step started when its markers were all seen
 *    before it started (a since: block, or a step completed at activation);
 *  - a verify-carrying step that never completes is as if overridden at once: the steps
 *    after it start where it started (and say so: `after_incomplete`);
 *  - a verify block counts records from its step's start, or with `since: X` from X's
 *    start (as `watch` re-scans since: lines at activation);
 *  - a step's failure signatures count from its start until it completed (a step without
 *    verify: until the next verify-carrying step completed, else the end of the logs);
 *    each fires at most once.
 */
#ifndef STEWARD_REPLAY_H
#define STEWARD_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "steward/runbook.h"
#include "steward/status.h"
#include "steward/vars.h"

struct replay_params {
	const struct runbook *rb;
	const struct varmap *vars;  /* complete and valid (vars_complete) */
	const char *log_dir;        /* the folder of collected logs */
	const char *const *log_paths; /* per runbook log: an explicit file (--log), else NULL */
	bool has_from;
	int64_t from_ms;            /* UTC */
};

struct replay_file {
	char *path;            /* as found on disk */
	size_t records;
	size_t untimed;        /* records without a time of their own */
	bool any_time;
	int64_t first_ms, last_ms; /* UTC (when any_time) */
	bool bias_assumed;     /* some records had a time without a bias */
	int assumed_bias;      /* the bias they were given (minutes; UTC = local + bias) */
};

struct replay_log {
	char *wanted;          /* the path looked for (LOGDIR/file, or the --log path) */
	struct replay_file files[2]; /* .lo_ first, then the live file; only those found */
	size_t n_files;
};

struct replay_line {
	size_t log, file;      /* indexes into logs[] and that log's files[] */
	uint64_t line_no;      /* first physical line of the record, 1-based */
	int64_t utc_ms;        /* INT64_MIN when its file has no time at all */
	bool own_time;         /* the record carries its own time */
	bool bias_assumed;     /* ... without a bias: see above */
	int bias;
	char local_time[32];   /* as written, "" when none */
	char *text;            /* cleaned text (what markers are matched against) */
};

struct replay_hit {
	size_t index;          /* the entry: expect index, or failure signature index */
	size_t line;           /* index into lines[] */
	char *pattern;         /* substituted expect text / failure match */
};

struct replay_block {
	size_t log;
	long since;            /* step index, or -1 */
	long after;            /* `after: STEP`: step index, or -1 */
	bool after_unmet;      /* ... which never completed by its lines: no line can count */
	size_t start;          /* first line that counts */
	size_t n_expect;
	struct replay_hit *matched; /* in order, one per expect entry seen */
	size_t n_matched;
	bool complete;
};

struct replay_step {
	size_t step;           /* index into rb->steps */
	bool applicable;
	size_t start;          /* index of the first line of its window (n_lines: past the end) */
	long after;            /* the verify step whose completion started it, -1: --from/start */
	bool after_incomplete; /* ... which never completed */
	bool verified;         /* every block complete */
	size_t done_line;      /* verified: the line whose match completed its last block */
	bool completed_at_start; /* verified by lines before its start (since:): complete as
	                            soon as it started */
	size_t next;           /* where the step after it starts */
	struct replay_block *blocks;
	size_t n_blocks;
	struct replay_hit *failures; /* in the order they fired; hint in hints[] */
	char **hints;          /* substituted hint per failure (may be NULL) */
	size_t n_failures;
};

struct replay_result {
	struct replay_log *logs; /* rb->n_logs */
	size_t n_logs;
	struct replay_line *lines; /* in time order */
	size_t n_lines;
	size_t from_index;     /* first line at or after --from (0 without) */
	struct replay_step *steps; /* rb->n_steps, runbook order */
	size_t n_steps;
	size_t n_verify_steps, n_verified, n_failures;
	bool ok;               /* every applicable verify step verified, no failure fired */
};

/* Reads and evaluates. ST_NOTFOUND when log_dir or a --log file does not exist; a runbook
 * log missing from log_dir is not an error (its blocks never complete). ST_INVALID when a
 * pattern does not compile after substitution. */
enum st_code replay_run(const struct replay_params *p, struct replay_result *out, struct st_error *err);
void replay_result_free(struct replay_result *r);

/* --from: YYYY-MM-DD[T| ]HH:MM[:SS[.fff]] with Z or ±HH[:MM] (no zone: UTC). */
bool replay_parse_time(const char *s, int64_t *ms);

#endif
