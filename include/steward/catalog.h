/*
 * catalog.h — the runbooks found in the search path (cli_ctx.runbook_dirs): every
 * *.yaml / *.yml file directly inside each folder, loaded and validated.
 *
 * Invariants: invalid files are kept (rb == NULL) with their lint messages, never
 * dropped silently; a file reached through two folders of the path is listed once;
 * two valid runbooks with the same id are both kept and the clash is recorded in
 * `problems` naming both files. Entries are in search-path order, then by file name.
 */
#ifndef STEWARD_CATALOG_H
#define STEWARD_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

#include "steward/runbook.h"
#include "steward/status.h"

struct catalog_entry {
	char *path;             /* folder + "/" + file name */
	struct runbook *rb;     /* NULL when invalid or unreadable */
	char *claimed_id;       /* the `id` the file states, even when invalid; may be NULL */
	struct rb_diags diags;  /* lint messages when rb == NULL */
	bool duplicate;         /* another valid entry has the same id */
};

struct catalog {
	struct catalog_entry *items;
	size_t n;
	struct rb_diags problems; /* duplicate ids, unreadable folders */
};

/* Scans and loads every folder (missing folders are skipped silently: the default
 * search path names folders that may not exist). */
void catalog_load(struct catalog *cat, char *const *dirs, size_t n_dirs);
void catalog_free(struct catalog *cat);
/* True when every runbook found is valid and no id is duplicated. */
bool catalog_clean(const struct catalog *cat);
/* Prints every invalid entry's lint messages and every problem to out. */
void catalog_report(const struct catalog *cat, FILE *out);

/* Files directly inside dir named *.yaml or *.yml (not hidden), sorted, as dir/name.
 * Returns 0, or -1 with errno set when the folder cannot be read. */
int catalog_scan_dir(const char *dir, char ***paths, size_t *n_paths);

/*
 * Resolves RUNBOOK as the CLI means it: a path to a file (contains '/', ends in
 * .yaml/.yml, or names an existing file), else an id looked up in the search path.
 * ST_OK: *out is the caller's. ST_NOTFOUND: no such file or id. ST_INVALID: the file
 * (or the runbook with that id) is invalid, or the id is claimed by two files; the
 * lint messages are in diags and err says what to do. ST_IOERR: unreadable file.
 */
enum st_code catalog_open(char *const *dirs, size_t n_dirs, const char *ref, struct runbook **out,
			  struct rb_diags *diags, struct st_error *err);

#endif
