/*
 * runbook.c — loading a runbook (file or stored text), freeing it, lookups, and the
 * diagnostics list `steward lint` prints.
 *
 * Invariants: a runbook handed out has passed every rule of runbook_build.c and keeps
 * its exact source text and that text's SHA-256 (sessions store both, and resume
 * reloads from the stored text). Diagnostics of one load come out sorted by line and
 * column, in the order found within one position. Input larger than RB_MAX_TEXT_BYTES
 * is refused before parsing.
 */
#include "steward/runbook.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runbook_build.h"
#include "steward/fileio.h"
#include "steward/text.h"
#include "steward/util.h"
#include "yamltree.h"

/* A real runbook is tens of kilobytes; anything this big is a mistake or an attack. */
#define RB_MAX_TEXT_BYTES (4u << 20)

void rb_diags_add(struct rb_diags *d, const char *file, int line, int col, const char *fmt, ...)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 8;
		d->items = xreallocarray(d->items, d->cap, sizeof(*d->items));
	}
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	struct rb_diag *it = &d->items[d->n++];
	it->file = xstrdup(file ? file : "?");
	it->line = line;
	it->col = col;
	it->msg = sb_take(&sb);
}

/* Messages quote runbook text (keys, values), which may hold terminal escapes. */
void rb_diags_print(const struct rb_diags *d, FILE *out)
{
	for (size_t i = 0; i < d->n; i++) {
		char *file = text_sanitize(d->items[i].file, strlen(d->items[i].file), 0);
		char *msg = text_sanitize(d->items[i].msg, strlen(d->items[i].msg), 0);
		fprintf(out, "%s:%d:%d: %s\n", file, d->items[i].line, d->items[i].col, msg);
		free(file);
		free(msg);
	}
}

void rb_diags_free(struct rb_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->items[i].file);
		free(d->items[i].msg);
	}
	free(d->items);
	d->items = NULL;
	d->n = d->cap = 0;
}

struct ranked {
	struct rb_diag diag;
	size_t seq;
};

static int cmp_ranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	if (x->diag.line != y->diag.line)
		return x->diag.line < y->diag.line ? -1 : 1;
	if (x->diag.col != y->diag.col)
		return x->diag.col < y->diag.col ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sorts items[from..n) by position, stably. */
static void sort_from(struct rb_diags *d, size_t from)
{
	size_t n = d->n - from;
	if (n < 2)
		return;
	struct ranked *r = xcalloc(n, sizeof(*r));
	for (size_t i = 0; i < n; i++)
		r[i] = (struct ranked){d->items[from + i], i};
	qsort(r, n, sizeof(*r), cmp_ranked);
	for (size_t i = 0; i < n; i++)
		d->items[from + i] = r[i].diag;
	free(r);
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

static void free_step(struct rb_step *st)
{
	free(st->id);
	free(st->title);
	free(st->host);
	free(st->body);
	free_strv(st->command, st->n_command);
	free(st->caution);
	free_strv(st->checklist, st->n_checklist);
	free(st->confirm);
	for (size_t i = 0; i < st->n_when; i++) {
		free(st->when[i].var);
		free_strv(st->when[i].values, st->when[i].n_values);
	}
	free(st->when);
	for (size_t i = 0; i < st->n_verify; i++) {
		struct rb_verify *v = &st->verify[i];
		free(v->log);
		for (size_t k = 0; k < v->n_expect; k++)
			free(v->expect[k].text);
		free(v->expect);
		free(v->since);
		free(v->after);
	}
	free(st->verify);
	for (size_t i = 0; i < st->n_fail; i++) {
		free(st->fail[i].log);
		free(st->fail[i].match.text);
		free(st->fail[i].hint);
	}
	free(st->fail);
	free_strv(st->references, st->n_references);
	free_strv(st->practice, st->n_practice);
}

void runbook_free(struct runbook *rb)
{
	if (!rb)
		return;
	free(rb->path);
	free(rb->text);
	free(rb->id);
	free(rb->title);
	free(rb->version);
	free(rb->summary);
	free_strv(rb->sources, rb->n_sources);
	for (size_t i = 0; i < rb->n_variables; i++) {
		struct rb_variable *v = &rb->variables[i];
		free(v->name);
		free(v->prompt);
		free(v->pattern);
		free(v->pattern_hint);
		free(v->def);
		free_strv(v->choices, v->n_choices);
	}
	free(rb->variables);
	for (size_t i = 0; i < rb->n_logs; i++) {
		free(rb->logs[i].name);
		free(rb->logs[i].file);
		free(rb->logs[i].folder);
	}
	free(rb->logs);
	for (size_t i = 0; i < rb->n_log_folders; i++) {
		struct rb_log_folder *f = &rb->log_folders[i];
		free(f->id);
		free(f->machine);
		free(f->prompt);
		free(f->hint);
	}
	free(rb->log_folders);
	for (size_t i = 0; i < rb->n_phases; i++) {
		free(rb->phases[i].id);
		free(rb->phases[i].title);
	}
	free(rb->phases);
	for (size_t i = 0; i < rb->n_steps; i++)
		free_step(&rb->steps[i]);
	free(rb->steps);
	free(rb);
}

int runbook_load_text(const char *text, size_t len, const char *name, struct runbook **out,
		      struct rb_diags *diags)
{
	size_t first = diags->n;
	*out = NULL;
	if (!name)
		name = "(runbook)";
	if (len > RB_MAX_TEXT_BYTES) {
		rb_diags_add(diags, name, 1, 1, "the file is %zu bytes; a runbook may be at most %u",
			     len, RB_MAX_TEXT_BYTES);
		return -1;
	}
	const char *nul = memchr(text, '\0', len);
	if (nul) {
		int line = 1, col = 1;
		for (const char *p = text; p < nul; p++) {
			line += *p == '\n';
			col = *p == '\n' ? 1 : col + 1;
		}
		rb_diags_add(diags, name, line, col, "a NUL byte: a runbook is UTF-8 text");
		return -1;
	}
	struct yamltree_error yerr = {0};
	struct yamltree *tree = yamltree_parse(text, len, &yerr);
	if (!tree) {
		rb_diags_add(diags, name, yerr.line, yerr.col, "%s", yerr.msg ? yerr.msg : "unreadable YAML");
		yamltree_error_free(&yerr);
		return -1;
	}

	struct runbook *rb = xcalloc(1, sizeof(*rb));
	rb->path = xstrdup(name);
	rb->text = xstrndup(text, len);
	rb->text_len = len;
	util_sha256_hex(text, len, rb->sha256);
	bool ok = runbook_build(tree->root, name, rb, diags);
	yamltree_free(tree);
	if (!ok || diags->n > first) {
		sort_from(diags, first);
		runbook_free(rb);
		return -1;
	}
	*out = rb;
	return 0;
}

int runbook_read_file(const char *path, char **text, size_t *len, struct rb_diags *diags)
{
	*text = NULL;
	*len = 0;
	struct fio_text t;
	enum fio_read r = fio_read_regular(path, RB_MAX_TEXT_BYTES, &t);
	if (r == FIO_OK) {
		*text = t.text;
		*len = t.len;
		return 0;
	}
	char *why = fio_read_problem(r, &t, RB_MAX_TEXT_BYTES);
	if (r == FIO_MISSING || r == FIO_UNREADABLE) {
		rb_diags_add(diags, path, 0, 0, "cannot read the runbook: it %s", why);
		free(why);
		errno = t.err;
		return -2;
	}
	rb_diags_add(diags, path, 0, 0, "not a runbook file: it %s", why);
	free(why);
	return -1;
}

int runbook_load_file(const char *path, struct runbook **out, struct rb_diags *diags)
{
	*out = NULL;
	size_t len = 0;
	char *text = NULL;
	int rc = runbook_read_file(path, &text, &len, diags);
	if (rc != 0)
		return rc;
	rc = runbook_load_text(text, len, path, out, diags);
	free(text);
	return rc;
}

char *runbook_peek_id(const char *text, size_t len)
{
	struct yamltree *tree = NULL;
	char *id = NULL;
	if (len <= RB_MAX_TEXT_BYTES && !memchr(text, '\0', len) &&
	    (tree = yamltree_parse(text, len, NULL)) != NULL && tree->root->kind == YN_MAP) {
		const struct yn *root = tree->root;
		for (size_t i = 0; i < root->n && !id; i++) {
			const struct yn *k = root->pairs[i].key, *v = root->pairs[i].val;
			if (k->kind == YN_SCALAR && strcmp(k->str, "id") == 0 && v->kind == YN_SCALAR)
				id = xstrdup(v->str);
		}
	}
	yamltree_free(tree);
	return id;
}

const struct rb_step *runbook_step(const struct runbook *rb, const char *id)
{
	long i = runbook_step_index(rb, id);
	return i < 0 ? NULL : &rb->steps[i];
}

long runbook_step_index(const struct runbook *rb, const char *id)
{
	if (!rb || !id)
		return -1;
	for (size_t i = 0; i < rb->n_steps; i++)
		if (rb->steps[i].id && strcmp(rb->steps[i].id, id) == 0)
			return (long)i;
	return -1;
}

const struct rb_variable *runbook_variable(const struct runbook *rb, const char *name)
{
	if (!rb || !name)
		return NULL;
	for (size_t i = 0; i < rb->n_variables; i++)
		if (rb->variables[i].name && strcmp(rb->variables[i].name, name) == 0)
			return &rb->variables[i];
	return NULL;
}

const struct rb_log *runbook_log(const struct runbook *rb, const char *name)
{
	if (!rb || !name)
		return NULL;
	for (size_t i = 0; i < rb->n_logs; i++)
		if (rb->logs[i].name && strcmp(rb->logs[i].name, name) == 0)
			return &rb->logs[i];
	return NULL;
}

char *runbook_no_such_name(const struct runbook *rb, enum rb_named kind, const char *name)
{
	struct strbuf names = STRBUF_INIT;
	size_t n = kind == RB_NAMED_LOG ? rb->n_logs : rb->n_variables;
	for (size_t i = 0; i < n; i++)
		sb_printf(&names, "%s%s", i ? ", " : "",
			  kind == RB_NAMED_LOG ? rb->logs[i].name : rb->variables[i].name);
	char *msg = xasprintf("runbook %s has no %s named %s (it has: %s)", rb->id,
			      kind == RB_NAMED_LOG ? "log" : "variable", name, names.len ? sb_str(&names) : "none");
	sb_free(&names);
	return msg;
}

const struct rb_log_folder *runbook_log_folder(const struct runbook *rb, const char *id)
{
	if (!rb || !id)
		return NULL;
	for (size_t i = 0; i < rb->n_log_folders; i++)
		if (rb->log_folders[i].id && strcmp(rb->log_folders[i].id, id) == 0)
			return &rb->log_folders[i];
	return NULL;
}
