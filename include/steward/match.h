/*
 * match.h — a step's verify blocks and failure signatures, compiled for one session
 * (${vars} substituted: vars_subst for plain strings, vars_subst_regex for regexes),
 * fed parsed record text. Pure: no files, no store; the watch engine decides which
 * lines fall inside a block's window and records what this module reports.
 *
 * Order: only the next expected entry of each block is live; a record advances a
 * block by at most one entry, so markers out of order never complete a block.
 * Plain entries match as substrings of the cleaned text, regexes as POSIX EREs (rx.h);
 * a `case: insensitive` entry ignores the case of ASCII letters (and so does its
 * pre-filter literal).
 *
 * Pre-filter: for catch-up over a large backlog, match_prefilter finds the first
 * place in a raw buffer where any live entry (or unseen failure signature) of a
 * log could match — a substring search for a literal every match must contain —
 * so only the lines it hits need parsing.
 */
#ifndef STEWARD_MATCH_H
#define STEWARD_MATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "steward/runbook.h"
#include "steward/status.h"
#include "steward/vars.h"

struct match_step;

enum match_kind { MATCH_EXPECT, MATCH_FAIL };

struct match_hit {
	enum match_kind kind;
	size_t block;  /* MATCH_EXPECT: verify block index */
	size_t expect; /* MATCH_EXPECT: the entry that was live and matched */
	size_t fail;   /* MATCH_FAIL: index into step->fail */
};

/* Compiles step `step` of rb for vm. ST_INVALID (with the pattern named) if a regex does
 * not compile after substitution. */
enum st_code match_step_compile(const struct runbook *rb, size_t step, const struct varmap *vm,
				struct match_step **out, struct st_error *err);
void match_step_free(struct match_step *m);

size_t match_step_index(const struct match_step *m);
size_t match_block_count(const struct match_step *m);
size_t match_block_log(const struct match_step *m, size_t block);
size_t match_fail_count(const struct match_step *m);
size_t match_fail_log(const struct match_step *m, size_t fail);
/* The substituted text of an expect entry / failure hint (NULL when none). */
const char *match_expect_text(const struct match_step *m, size_t block, size_t expect);
const char *match_fail_hint(const struct match_step *m, size_t fail);

/* Progress as recorded by the session: entries satisfied so far in a block. */
void match_set_progress(struct match_step *m, size_t block, size_t matched);
size_t match_progress(const struct match_step *m, size_t block);
/* Marks a failure signature as already seen (it is reported once per activation). */
void match_set_fail_seen(struct match_step *m, size_t fail, bool seen);
/* True when every block has all its entries satisfied (and the step has blocks). */
bool match_verified(const struct match_step *m);

/*
 * Matches one record's text from log `log`. block_open[b] says whether the record lies
 * inside block b's window (NULL = all open); fail_open whether it lies inside the step's
 * own window (failure signatures count only there). Advances the blocks it satisfies
 * and marks failures seen; writes up to max hits, returns how many.
 */
size_t match_feed(struct match_step *m, size_t log, const char *text, const bool *block_open,
		  bool fail_open, struct match_hit *hits, size_t max);

/* True when every live entry and unseen failure of `log` has a literal to search for. */
bool match_can_prefilter(const struct match_step *m, size_t log);
/* Offset of the first possible hit for `log` in buf (len when none). Only meaningful
 * when match_can_prefilter(). */
size_t match_prefilter(const struct match_step *m, size_t log, const char *buf, size_t len);

/* The longest literal every match of the ERE must contain, or NULL (exposed for tests). */
char *match_regex_literal(const char *ere);

#endif
