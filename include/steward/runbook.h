/*
 * runbook.h — the loaded runbook: an immutable, fully validated structure
 * (RUNBOOK-FORMAT.md, version 1), plus diagnostics for `steward lint`.
 *
 * Invariants once runbook_load_* returned STEWARD_OK:
 *  - every required key is present; ids are valid and unique;
 *  - every verify/fail `log` names an entry of logs[]; every `since` names an
 *    earlier step (since_index < the step's index); every `after` an earlier step
 *    with a verify block;
 *  - every log's `folder` is NULL (the session's main log folder, id "logs") or the id
 *    of an entry of log_folders[]; a log with a folder has a relative file;
 *  - every pattern/regex compiles; every ${name} names a declared variable;
 *  - every duration is parsed (seconds; -1 when absent).
 * Strings are stored raw (${vars} not substituted); see vars.h for that.
 * Steps are kept in one flat array in runbook order; phases index into it.
 */
#ifndef STEWARD_RUNBOOK_H
#define STEWARD_RUNBOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct rb_pos {
	int line; /* 1-based; 0 when unknown */
	int col;  /* 1-based */
};

struct rb_pattern {
	char *text;    /* the string or the regex source, raw */
	bool is_regex; /* {regex: ...} rather than a plain substring */
	bool nocase;   /* `case: insensitive` (the item's, else its block's or fail entry's):
	                  ASCII letters match in either case, ${var} values included */
	struct rb_pos pos;
};

struct rb_verify {
	char *log;               /* a key of runbook.logs */
	size_t log_index;        /* index into runbook.logs */
	struct rb_pattern *expect; /* ordered, n_expect >= 1 */
	size_t n_expect;
	char *since;             /* an earlier step id, or NULL */
	long since_index;        /* index into runbook.steps, or -1 */
	char *after;             /* `after: STEP`: an earlier step with a verify block, or NULL;
	                            lines count only when written (by their own timestamp) at or
	                            after the line that verified that step */
	long after_index;        /* index into runbook.steps, or -1 */
	long timeout_s;          /* -1 when absent */
	struct rb_pos pos;
};

/* How every front end says what `after: STEP` means (followed by the step's id). */
#define RB_AFTER_PHRASE "counts only lines written after the line that verified step "
/* ...and what happens when STEP was not verified by its lines. */
#define RB_AFTER_UNVERIFIED "if that step was not verified by its log lines, no line counts: override with a note"

struct rb_fail {
	char *log;
	size_t log_index;
	struct rb_pattern match;
	char *hint; /* may be NULL */
	struct rb_pos pos;
};

struct rb_when {
	char *var;      /* a declared variable */
	char **values;  /* the step applies when the value equals one of these */
	size_t n_values;
};

/* Checklist items are ticked with the keys 1-9 (lint rejects more). */
#define RB_CHECKLIST_MAX 9

struct rb_step {
	char *id;
	char *title;
	char *host;      /* NULL when absent (same for every optional string) */
	char *body;
	char **command;  /* a string is stored as a list of one */
	size_t n_command;
	char *caution;
	char **checklist;
	size_t n_checklist;
	char *confirm;
	long wait_s;     /* -1 when absent */
	struct rb_when *when; /* all must hold */
	size_t n_when;
	struct rb_verify *verify;
	size_t n_verify;
	struct rb_fail *fail;
	size_t n_fail;
	char **references;
	size_t n_references;
	/* `practice:` — advice a careful administrator follows that the source documents do
	 * not give; rendered apart, labelled RB_PRACTICE_LABEL. A string is a list of one. */
	char **practice;
	size_t n_practice;
	size_t index;       /* position in runbook.steps */
	size_t phase_index; /* position in runbook.phases */
	struct rb_pos pos;
};

struct rb_phase {
	char *id;
	char *title;
	size_t first_step; /* index into runbook.steps */
	size_t n_steps;
	struct rb_pos pos;
};

struct rb_variable {
	char *name;
	char *prompt;
	char *pattern;  /* POSIX ERE or NULL */
	char *pattern_hint; /* the pattern in words, for the operator ("3 capital letters or digits"), or NULL */
	char *def;      /* default or NULL */
	char **choices;
	size_t n_choices;
	struct rb_pos pos;
};

/* The id of the session's main log folder (`--logs DIR`); never in log_folders[]. */
#define RB_MAIN_LOG_FOLDER "logs"

struct rb_log {
	char *name;   /* key in `logs` */
	char *file;   /* file name relative to its folder, or absolute (then folder is NULL) */
	char *folder; /* a log_folders id; NULL = the session's main log folder */
};

/* A folder other than the main log folder, which the session asks a path for. */
struct rb_log_folder {
	char *id;      /* key in `log_folders` (an id; never "logs") */
	char *machine; /* which machine holds it, raw (${vars} allowed); NULL when absent */
	char *prompt;  /* what to give, raw (${vars} allowed) */
	char *hint;    /* how to reach it, raw (${vars} allowed); NULL when absent */
	struct rb_pos pos;
};

struct runbook {
	char *path;     /* where it was loaded from (or the name given to runbook_load_text) */
	char *text;     /* the exact source text (NUL-terminated) */
	size_t text_len;
	char sha256[65]; /* of text, lowercase hex */
	char *id;
	char *title;
	char *version;
	char *summary;
	char **sources;
	size_t n_sources;
	struct rb_variable *variables;
	size_t n_variables;
	struct rb_log *logs;
	size_t n_logs;
	struct rb_log_folder *log_folders; /* in runbook order */
	size_t n_log_folders;
	struct rb_phase *phases;
	size_t n_phases;
	struct rb_step *steps;
	size_t n_steps;
	struct rb_pos id_pos; /* of the `id` value, for "duplicate runbook id" messages */
};

/* How every renderer labels a step's `practice:` notes (show, TUI, exports): one rule,
 * one spelling. */
#define RB_PRACTICE_LABEL "Practice (not from the sources)"

/* One diagnostic: FILE:LINE:COL: message */
struct rb_diag {
	char *file;
	int line;
	int col;
	char *msg;
};

struct rb_diags {
	struct rb_diag *items;
	size_t n;
	size_t cap;
};

void rb_diags_add(struct rb_diags *d, const char *file, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Prints every diagnostic as "FILE:LINE:COL: message\n". */
void rb_diags_print(const struct rb_diags *d, FILE *out);
void rb_diags_free(struct rb_diags *d);

/*
 * Loading. On success returns 0 and *out owns a runbook (free with runbook_free).
 * On an invalid runbook returns -1, *out is NULL and every problem found is in diags
 * (all of them, not only the first). A path that is a folder, FIFO, device or a file
 * over the size limit is an invalid runbook (-1, one diagnostic), found without reading
 * it. A missing file returns -2 with errno ENOENT, ENOTDIR or ELOOP; an unreadable one
 * -2 with its errno (EACCES, EIO...); both with one diagnostic.
 */
int runbook_load_file(const char *path, struct runbook **out, struct rb_diags *diags);
/*
 * Reads a runbook file as runbook_load_file does, without loading it: 0 and *text (the
 * caller frees) when it is a regular file within the size limit; otherwise -1 (not a
 * runbook file: a folder, FIFO, device, too big) or -2 (missing or unreadable, errno
 * set), with one diagnostic. Never blocks on a FIFO, never reads past the limit.
 */
int runbook_read_file(const char *path, char **text, size_t *len, struct rb_diags *diags);
/* name is what diagnostics call the text (a path, or "session ABC (stored runbook)"). */
int runbook_load_text(const char *text, size_t len, const char *name, struct runbook **out,
		      struct rb_diags *diags);
void runbook_free(struct runbook *rb);
/*
 * The top-level `id` a text claims, even when the runbook is invalid (so that `show ID`
 * can report the invalid file instead of "not found"); NULL when it cannot be read.
 * Caller frees.
 */
char *runbook_peek_id(const char *text, size_t len);

/* Lookups; NULL / -1 when absent. */
const struct rb_step *runbook_step(const struct runbook *rb, const char *id);
long runbook_step_index(const struct runbook *rb, const char *id);
const struct rb_variable *runbook_variable(const struct runbook *rb, const char *name);
const struct rb_log *runbook_log(const struct runbook *rb, const char *name);
const struct rb_log_folder *runbook_log_folder(const struct runbook *rb, const char *id);
/* What a name given on the command line is looked up as. */
enum rb_named { RB_NAMED_LOG, RB_NAMED_VARIABLE };
/* "runbook ID has no log named NAME (it has: a, b)" — "(it has: none)" when it has none:
 * the one wording for a --log or --var naming what the runbook lacks. Caller frees. */
char *runbook_no_such_name(const struct runbook *rb, enum rb_named kind, const char *name);

#endif
