/*
 * catalog.c — finding runbooks in the search path and resolving "RUNBOOK" (an id or a
 * path) for the verbs; see catalog.h for the invariants.
 */
#include "steward/catalog.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "steward/util.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_runbook_name(const char *name)
{
	return name[0] != '.' && (util_has_suffix(name, ".yaml") || util_has_suffix(name, ".yml"));
}

int catalog_scan_dir(const char *dir, char ***paths, size_t *n_paths)
{
	*paths = NULL;
	*n_paths = 0;
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	size_t cap = 0;
	struct dirent *de;
	size_t dl = strlen(dir);
	bool slash = dl > 0 && dir[dl - 1] == '/';
	while ((de = readdir(d)) != NULL) {
		if (!is_runbook_name(de->d_name))
			continue;
		char *p = xasprintf("%s%s%s", dir, slash ? "" : "/", de->d_name);
		struct stat st;
		if (stat(p, &st) != 0 || !S_ISREG(st.st_mode)) {
			free(p);
			continue;
		}
		if (*n_paths == cap) {
			cap = cap ? cap * 2 : 16;
			*paths = xreallocarray(*paths, cap, sizeof(char *));
		}
		(*paths)[(*n_paths)++] = p;
	}
	closedir(d);
	if (*n_paths > 1)
		qsort(*paths, *n_paths, sizeof(char *), cmp_str);
	return 0;
}

/* Bounded and non-blocking (runbook_read_file): a FIFO, a device or a huge file
 * dropped into a runbook folder is an invalid entry, not a hang or an exhausted memory. */
static void load_entry(struct catalog_entry *e)
{
	size_t len = 0;
	char *text = NULL;
	if (runbook_read_file(e->path, &text, &len, &e->diags) != 0)
		return;
	if (runbook_load_text(text, len, e->path, &e->rb, &e->diags) == 0)
		e->claimed_id = xstrdup(e->rb->id);
	else
		e->claimed_id = runbook_peek_id(text, len);
	free(text);
}

/* Marks duplicate ids and records one problem per clash, naming both files. */
static void find_duplicates(struct catalog *cat)
{
	for (size_t i = 0; i < cat->n; i++) {
		struct catalog_entry *a = &cat->items[i];
		if (!a->rb)
			continue;
		for (size_t k = i + 1; k < cat->n; k++) {
			struct catalog_entry *b = &cat->items[k];
			if (!b->rb || strcmp(a->rb->id, b->rb->id) != 0)
				continue;
			a->duplicate = b->duplicate = true;
			rb_diags_add(&cat->problems, b->path, b->rb->id_pos.line, b->rb->id_pos.col,
				     "duplicate runbook id '%s': %s has it too (ids must be unique; "
				     "rename or remove one)", b->rb->id, a->path);
		}
	}
}

void catalog_load(struct catalog *cat, char *const *dirs, size_t n_dirs)
{
	memset(cat, 0, sizeof(*cat));
	char **seen = NULL; /* realpaths, so a file reached twice is listed once */
	size_t n_seen = 0, cap = 0;
	for (size_t d = 0; d < n_dirs; d++) {
		char **paths;
		size_t n;
		if (catalog_scan_dir(dirs[d], &paths, &n) != 0) {
			if (errno != ENOENT && errno != ENOTDIR)
				rb_diags_add(&cat->problems, dirs[d], 0, 0, "cannot read this runbook folder: %s",
					     strerror(errno));
			continue;
		}
		for (size_t i = 0; i < n; i++) {
			char *real = realpath(paths[i], NULL);
			bool dup = false;
			for (size_t k = 0; real && k < n_seen && !dup; k++)
				dup = strcmp(seen[k], real) == 0;
			if (dup) {
				free(real);
				free(paths[i]);
				continue;
			}
			if (real) {
				seen = xreallocarray(seen, n_seen + 1, sizeof(char *));
				seen[n_seen++] = real;
			}
			if (cat->n == cap) {
				cap = cap ? cap * 2 : 16;
				cat->items = xreallocarray(cat->items, cap, sizeof(*cat->items));
			}
			struct catalog_entry *e = &cat->items[cat->n++];
			memset(e, 0, sizeof(*e));
			e->path = paths[i];
			load_entry(e);
		}
		free(paths);
	}
	for (size_t k = 0; k < n_seen; k++)
		free(seen[k]);
	free(seen);
	find_duplicates(cat);
}

void catalog_free(struct catalog *cat)
{
	for (size_t i = 0; i < cat->n; i++) {
		free(cat->items[i].path);
		free(cat->items[i].claimed_id);
		runbook_free(cat->items[i].rb);
		rb_diags_free(&cat->items[i].diags);
	}
	free(cat->items);
	rb_diags_free(&cat->problems);
	memset(cat, 0, sizeof(*cat));
}

bool catalog_clean(const struct catalog *cat)
{
	if (cat->problems.n > 0)
		return false;
	for (size_t i = 0; i < cat->n; i++)
		if (!cat->items[i].rb)
			return false;
	return true;
}

void catalog_report(const struct catalog *cat, FILE *out)
{
	for (size_t i = 0; i < cat->n; i++) {
		if (cat->items[i].rb)
			continue;
		fprintf(out, "steward: %s is not a valid runbook and is left out:\n", cat->items[i].path);
		rb_diags_print(&cat->items[i].diags, out);
	}
	rb_diags_print(&cat->problems, out);
}

static bool looks_like_path(const char *ref)
{
	struct stat st;
	return strchr(ref, '/') || util_has_suffix(ref, ".yaml") || util_has_suffix(ref, ".yml") ||
	       (stat(ref, &st) == 0 && S_ISREG(st.st_mode));
}

static void copy_diags(struct rb_diags *to, const struct rb_diags *from)
{
	for (size_t i = 0; i < from->n; i++)
		rb_diags_add(to, from->items[i].file, from->items[i].line, from->items[i].col, "%s",
			     from->items[i].msg);
}

static enum st_code open_path(const char *path, struct runbook **out, struct rb_diags *diags,
			      struct st_error *err)
{
	int rc = runbook_load_file(path, out, diags);
	if (rc == 0)
		return ST_OK;
	if (rc == -2) {
		int e = errno;
		if (e == ENOENT || e == ENOTDIR || e == ELOOP)
			return st_set(err, ST_NOTFOUND, "%s: no such runbook file — check the path, or "
							"give a runbook id (steward list)", path);
		return st_set(err, ST_IOERR, "%s: cannot read: %s", path, strerror(e));
	}
	return st_set(err, ST_INVALID, "%s is not a valid runbook — fix the problems above "
				       "(steward lint %s)", path, path);
}

enum st_code catalog_open(char *const *dirs, size_t n_dirs, const char *ref, struct runbook **out,
			  struct rb_diags *diags, struct st_error *err)
{
	*out = NULL;
	if (looks_like_path(ref))
		return open_path(ref, out, diags, err);

	struct catalog cat;
	catalog_load(&cat, dirs, n_dirs);
	struct catalog_entry *found = NULL, *second = NULL, *invalid = NULL;
	for (size_t i = 0; i < cat.n; i++) {
		struct catalog_entry *e = &cat.items[i];
		if (!e->claimed_id || strcmp(e->claimed_id, ref) != 0)
			continue;
		if (!e->rb) {
			if (!invalid)
				invalid = e;
		} else if (!found) {
			found = e;
		} else if (!second) {
			second = e;
		}
	}
	enum st_code code;
	if (second) {
		code = st_set(err, ST_INVALID, "two runbooks have the id '%s': %s and %s — rename or "
					       "remove one", ref, found->path, second->path);
	} else if (found && !invalid) {
		*out = found->rb;
		found->rb = NULL;
		code = ST_OK;
	} else if (invalid) {
		copy_diags(diags, &invalid->diags);
		code = st_set(err, ST_INVALID, "runbook '%s' (%s) is not valid — fix the problems "
					       "above (steward lint %s)", ref, invalid->path, invalid->path);
	} else {
		struct strbuf where = STRBUF_INIT;
		for (size_t d = 0; d < n_dirs; d++)
			sb_printf(&where, "%s%s", d ? ", " : "", dirs[d]);
		code = st_set(err, ST_NOTFOUND, "no runbook with the id '%s' in %s — steward list "
						"shows the runbooks found", ref,
			      n_dirs ? sb_str(&where) : "(no runbook folder)");
		sb_free(&where);
	}
	catalog_free(&cat);
	return code;
}
