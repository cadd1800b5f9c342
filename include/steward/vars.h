/*
 * vars.h — a session's variable values, ${name} substitution, `when:` evaluation,
 * durations and value validation. Pure functions over a runbook and a varmap: no I/O.
 */
#ifndef STEWARD_VARS_H
#define STEWARD_VARS_H

#include <stdbool.h>
#include <stddef.h>

#include "steward/runbook.h"

struct varmap {
	char **names;  /* owned */
	char **values; /* owned */
	size_t n;
	size_t cap;
};

void varmap_set(struct varmap *vm, const char *name, const char *value); /* copies; replaces */
const char *varmap_get(const struct varmap *vm, const char *name);     /* NULL when unset */
void varmap_free(struct varmap *vm);

/*
 * Fills in defaults for unset variables of rb, then checks every value against its
 * pattern and choices. Returns true when every variable has a valid value; otherwise
 * false with a one-line message per problem appended to *problems (caller frees
 * each string and the array), e.g. "site_code: 'ab' does not match ^[A-Z0-9]{3}$".
 */
bool vars_complete(const struct runbook *rb, struct varmap *vm, char ***problems, size_t *n_problems);
/* Checks one value for one variable; NULL when valid, else a malloc'd reason. */
char *vars_check_value(const struct rb_variable *var, const char *value);

/* Substitutes ${name} in tmpl (NULL-safe: returns NULL for NULL). Unknown names are left as is. */
char *vars_subst(const char *tmpl, const struct varmap *vm);
/* Same, but substituted values are escaped so that they match literally in a POSIX ERE. */
char *vars_subst_regex(const char *tmpl, const struct varmap *vm);

/* True when every `when:` condition of the step holds for vm. */
bool vars_step_applies(const struct rb_step *step, const struct varmap *vm);

/* Parses 90s, 30m, 1h30m, 2h into seconds; false when malformed or zero-length. */
bool duration_parse(const char *s, long *secs);
/* Formats seconds as "1h 05m 03s" style (shortest sensible), into out. */
void duration_format(long secs, char *out, size_t outlen);

#endif
