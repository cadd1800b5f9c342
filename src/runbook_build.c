/*
 * runbook_build.c — the rules of RUNBOOK-FORMAT.md: walks the YAML tree, reports every
 * problem as FILE:LINE:COL (never stopping at the first), and fills struct runbook.
 *
 * Invariants: positions point at the offending key or value (a missing key at the
 * mapping that lacks it); the struct is only handed out when no problem was found, so
 * partly-filled fields may be NULL here and runbook_free must cope with that.
 * Order of work: variables, log folders and logs first (everything else refers to them), then
 * phases and steps, then `since` (which needs every step's index).
 */
#include "runbook_build.h"

#include <regex.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "steward/rx.h"
#include "steward/util.h"
#include "steward/vars.h"

/*
 * Sizes beyond any runbook an operator could follow. They keep the duplicate checks
 * (quadratic, and simple) bounded on hostile input.
 */
#define MAX_MAP_KEYS 1000
#define MAX_VARIABLES 500
#define MAX_PHASES 500
#define MAX_STEPS 5000
/* Past this many problems, the rest are counted, not listed (nor looked into). */
#define MAX_PROBLEMS 500

struct pending_since {
	size_t step;   /* index into rb->steps */
	size_t verify; /* index into that step's verify[] */
	const struct yn *node;
	bool after;    /* an `after:` value rather than a `since:` one */
};

struct ctx {
	const char *name;
	struct rb_diags *d;
	size_t errors;
	struct runbook *rb;
	struct varmap placeholders; /* every declared variable -> "x", to compile regexes */
	struct pending_since *since;    /* `since` values, resolved once every step is known */
	size_t n_since, cap_since;
};

PRINTF_LIKE(3, 4)
static void problem(struct ctx *c, const struct yn *at, const char *fmt, ...)
{
	if (c->errors++ >= MAX_PROBLEMS)
		return;
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	rb_diags_add(c->d, c->name, at ? at->line : 1, at ? at->col : 1, "%s", sb_str(&sb));
	sb_free(&sb);
}

static bool too_many_problems(const struct ctx *c)
{
	return c->errors >= MAX_PROBLEMS;
}

/* ---- keys of a mapping ---------------------------------------------------------- */

static const char *const top_keys[] = {"runbook", "id", "title", "version", "summary", "sources",
				       "variables", "log_folders", "logs", "phases", NULL};
static const char *const top_required[] = {"runbook", "id", "title", "version", "phases", NULL};
static const char *const var_keys[] = {"name", "prompt", "pattern", "pattern_hint", "choices", "default", NULL};
static const char *const var_required[] = {"name", "prompt", NULL};
static const char *const phase_keys[] = {"id", "title", "steps", NULL};
static const char *const phase_required[] = {"id", "title", "steps", NULL};
static const char *const step_keys[] = {"id", "title", "when", "host", "body", "command",
					"caution", "checklist", "confirm", "wait", "verify", "fail",
					"references", "practice", NULL};
static const char *const step_required[] = {"id", "title", NULL};
static const char *const verify_keys[] = {"log", "expect", "since", "after", "timeout", "case", NULL};
static const char *const verify_required[] = {"log", "expect", NULL};
static const char *const fail_keys[] = {"log", "match", "hint", "case", NULL};
static const char *const fail_required[] = {"log", "match", NULL};
static const char *const pattern_keys[] = {"text", "regex", "case", NULL};
static const char *const folder_keys[] = {"machine", "prompt", "hint", NULL};
static const char *const folder_required[] = {"prompt", NULL};
static const char *const log_keys[] = {"file", "folder", NULL};
static const char *const log_required[] = {"file", NULL};

static size_t min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;
	return m < c ? m : c;
}

/* Optimal string alignment distance (Levenshtein + transposition), on short keys only. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return (size_t)-1;
	size_t d[65][65];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			d[i][j] = min3(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < d[i][j])
				d[i][j] = d[i - 2][j - 2] + 1;
		}
	}
	return d[la][lb];
}

/* The closest candidate to word, or NULL when none is plausibly a misspelling of it. */
static const char *nearest(const char *word, const char *const *cands, size_t n_cands)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1;
	for (size_t i = 0; i < n_cands; i++) {
		size_t dist = edit_distance(word, cands[i]);
		if (dist < best_d) {
			best_d = dist;
			best = cands[i];
		}
	}
	size_t len = strlen(word);
	size_t limit = len <= 3 ? 1 : len <= 6 ? 2 : 3;
	if (best && best_d <= limit)
		return best;
	/* A truncated name ("site" for "site_code") is a likely slip too. */
	for (size_t i = 0; len >= 3 && i < n_cands; i++)
		if (strncmp(cands[i], word, len) == 0)
			return cands[i];
	return NULL;
}

static size_t count_strs(const char *const *list)
{
	size_t n = 0;
	while (list[n])
		n++;
	return n;
}

static bool in_list(const char *s, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

static void unknown_key(struct ctx *c, const struct yn *key, const char *what,
			const char *const *allowed)
{
	if (too_many_problems(c)) {
		c->errors++;
		return;
	}
	const char *near = nearest(key->str, allowed, count_strs(allowed));
	if (near) {
		problem(c, key, "unknown key '%s' in %s (did you mean '%s'?)", key->str, what, near);
		return;
	}
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; allowed[i]; i++)
		sb_printf(&sb, "%s%s", i ? ", " : "", allowed[i]);
	problem(c, key, "unknown key '%s' in %s (valid keys: %s)", key->str, what, sb_str(&sb));
	sb_free(&sb);
}

/*
 * Checks a mapping's keys: each a string, known, not repeated; every required one present.
 * `what` names the mapping in messages ("step 'x'", "the runbook"). Returns false when
 * node is not a mapping at all (reported).
 */
static bool check_keys(struct ctx *c, const struct yn *node, const char *what,
		       const char *const *allowed, const char *const *required)
{
	if (node->kind != YN_MAP) {
		problem(c, node, "%s must be a mapping (key: value), not %s", what,
			yamltree_kind_name(node->kind));
		return false;
	}
	if (node->n > MAX_MAP_KEYS) {
		problem(c, node, "%s has %zu keys; more than %d is not a runbook", what, node->n,
			MAX_MAP_KEYS);
		return false;
	}
	for (size_t i = 0; i < node->n; i++) {
		const struct yn *key = node->pairs[i].key;
		if (key->kind != YN_SCALAR) {
			problem(c, key, "a key in %s must be a string, not %s", what,
				yamltree_kind_name(key->kind));
			continue;
		}
		bool dup = false;
		for (size_t j = 0; j < i && !dup; j++) {
			const struct yn *prev = node->pairs[j].key;
			if (prev->kind == YN_SCALAR && strcmp(prev->str, key->str) == 0) {
				problem(c, key, "duplicate key '%s' in %s (first at line %d, column %d)",
					key->str, what, prev->line, prev->col);
				dup = true;
			}
		}
		if (!dup && allowed && !in_list(key->str, allowed))
			unknown_key(c, key, what, allowed);
	}
	for (size_t r = 0; required && required[r]; r++) {
		bool found = false;
		for (size_t i = 0; i < node->n && !found; i++)
			found = node->pairs[i].key->kind == YN_SCALAR &&
				strcmp(node->pairs[i].key->str, required[r]) == 0;
		if (!found)
			problem(c, node, "missing required key '%s' in %s", required[r], what);
	}
	return true;
}

/* The value of the first `key` in a mapping, or NULL. */
static const struct yn *get(const struct yn *map, const char *key)
{
	if (!map || map->kind != YN_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (map->pairs[i].key->kind == YN_SCALAR && strcmp(map->pairs[i].key->str, key) == 0)
			return map->pairs[i].val;
	return NULL;
}

/* ---- values ----------------------------------------------------------------------- */

/* A string value; NULL (reported) when it is not a scalar. Empty plain scalars are YAML
 * nulls: absent for optional keys, "is empty" for required ones. */
static char *take_string(struct ctx *c, const struct yn *v, const char *key, const char *what,
			 bool required)
{
	if (!v)
		return NULL;
	if (v->kind != YN_SCALAR) {
		problem(c, v, "'%s' in %s must be a string, not %s", key, what, yamltree_kind_name(v->kind));
		return NULL;
	}
	if (v->len == 0 && (required || v->plain)) {
		if (required)
			problem(c, v, "'%s' in %s is empty", key, what);
		return NULL;
	}
	return xstrdup(v->str);
}

/* A list of strings (or, when single_ok, one string taken as a list of one). */
static char **take_string_list(struct ctx *c, const struct yn *v, const char *key,
			       const char *what, bool single_ok, size_t *n_out)
{
	*n_out = 0;
	if (!v)
		return NULL;
	if (v->kind == YN_SCALAR && single_ok) {
		if (v->len == 0 && v->plain)
			return NULL;
		char **out = xcalloc(1, sizeof(char *));
		out[0] = xstrdup(v->str);
		*n_out = 1;
		return out;
	}
	if (v->kind != YN_SEQ) {
		if (v->kind == YN_SCALAR && v->len == 0 && v->plain)
			return NULL; /* `key:` with nothing: absent */
		problem(c, v, "'%s' in %s must be %s, not %s", key, what,
			single_ok ? "a string or a list of strings" : "a list of strings",
			yamltree_kind_name(v->kind));
		return NULL;
	}
	char **out = xcalloc(v->n ? v->n : 1, sizeof(char *));
	size_t n = 0;
	for (size_t i = 0; i < v->n; i++) {
		const struct yn *it = v->items[i];
		if (it->kind != YN_SCALAR) {
			problem(c, it, "items of '%s' in %s must be strings, not %s", key, what,
				yamltree_kind_name(it->kind));
			continue;
		}
		out[n++] = xstrdup(it->str);
	}
	*n_out = n;
	return out;
}

static bool valid_id(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
		return false;
	for (const char *p = s + 1; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return false;
	return true;
}

static bool valid_var_name(const char *s, size_t len)
{
	if (len == 0 || !((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

static char *take_id(struct ctx *c, const struct yn *v, const char *key, const char *what)
{
	char *id = take_string(c, v, key, what, true);
	if (id && !valid_id(id)) {
		problem(c, v, "'%s' in %s is '%s': ids use a-z, 0-9 and '-', starting with a letter "
			      "or digit", key, what, id);
	}
	return id;
}

static void take_duration(struct ctx *c, const struct yn *v, const char *key, const char *what,
			  long *out)
{
	*out = -1;
	char *s = take_string(c, v, key, what, false);
	if (!s)
		return;
	if (!duration_parse(s, out)) {
		problem(c, v, "'%s' in %s is '%s', not a duration (e.g. 90s, 30m, 1h30m)", key, what, s);
		*out = -1;
	}
	free(s);
}

/* A value quoted in a message: at most 60 bytes (whole UTF-8 characters), then "...". */
static char *clip(const char *s)
{
	size_t len = strlen(s);
	if (len <= 60)
		return xstrdup(s);
	size_t cut = 57;
	while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
		cut--;
	return xasprintf("%.*s...", (int)cut, s);
}

/* The next "${" in p, or NULL. (Not strstr: AddressSanitizer's strstr measures the whole
 * rest of the string on every call, which made a value with 100,000 references take
 * minutes to check in the sanitizer build; strchr reads only up to what it finds.) */
static const char *next_ref(const char *p)
{
	while ((p = strchr(p, '$')) != NULL && p[1] != '{')
		p++;
	return p;
}

/* Reports every ${name} in s that names no declared variable (or is malformed). */
static void check_refs(struct ctx *c, const struct yn *at, const char *s, const char *field)
{
	if (!s || too_many_problems(c))
		return;
	for (const char *p = s; (p = next_ref(p)) != NULL;) {
		if (p > s && p[-1] == '$') { /* "$${" is a literal "${" */
			p += 2;
			continue;
		}
		const char *close = strchr(p + 2, '}');
		if (!close) {
			problem(c, at, "'${' without a closing '}' in '%s' (write $${ for a literal ${)",
				field);
			return;
		}
		size_t len = (size_t)(close - (p + 2));
		if (!valid_var_name(p + 2, len)) {
			problem(c, at, "'${%.*s}' in '%s' is not a variable reference: names use a-z, "
				       "0-9 and '_' (write $${ for a literal ${)", (int)len, p + 2, field);
		} else {
			char *name = xstrndup(p + 2, len);
			if (!runbook_variable(c->rb, name)) {
				const char **names = xcalloc(c->rb->n_variables + 1, sizeof(char *));
				for (size_t i = 0; i < c->rb->n_variables; i++)
					names[i] = c->rb->variables[i].name ? c->rb->variables[i].name : "";
				const char *near = nearest(name, names, c->rb->n_variables);
				if (near)
					problem(c, at, "'${%s}' in '%s' names no declared variable (did you "
						       "mean '${%s}'?)", name, field, near);
				else
					problem(c, at, "'${%s}' in '%s' names no declared variable", name,
						field);
				free(names);
			}
			free(name);
		}
		p = close + 1;
	}
}

/* NULL when re is an acceptable runbook regex (rx.h: compiles, no back-references,
 * bounded cost); else a malloc'd message: "FIELD 'RE' does not compile ..." or "...
 * is refused: why" for a regex that compiles but could make matching hang. */
static char *regex_problem(const char *field, const char *re, const char *shown_re, enum rx_use use)
{
	bool unsafe = false;
	char *why = rx_problem(re, use, &unsafe);
	if (!why)
		return NULL;
	char *shown = clip(shown_re);
	char *msg = unsafe ? xasprintf("%s '%s' is refused: %s", field, shown, why)
			   : xasprintf("%s '%s' does not compile as a POSIX extended regex: %s", field,
				       shown, why);
	free(shown);
	free(why);
	return msg;
}

/* Compiles an ERE after putting a placeholder for each ${name} (substituted values are
 * escaped when matched, so any literal text stands for them). */
static void check_regex(struct ctx *c, const struct yn *at, const char *re, const char *field)
{
	char *subst = vars_subst_regex(re, &c->placeholders);
	char *msg = regex_problem(field, subst, re, RX_LOG_LINE);
	if (msg)
		problem(c, at, "%s", msg);
	free(msg);
	free(subst);
}

/* ---- variables and logs ------------------------------------------------------------ */

static void build_variable(struct ctx *c, const struct yn *node, struct rb_variable *var)
{
	var->pos.line = node->line;
	var->pos.col = node->col;
	const char *what = "a variable";
	if (!check_keys(c, node, what, var_keys, var_required))
		return;
	const struct yn *name = get(node, "name");
	var->name = take_string(c, name, "name", what, true);
	if (var->name) {
		if (!valid_var_name(var->name, strlen(var->name)))
			problem(c, name, "variable name '%s' is not valid: use a-z, 0-9 and '_', starting "
					 "with a letter or '_'", var->name);
		for (const struct rb_variable *o = c->rb->variables; o < var; o++) {
			if (o->name && strcmp(o->name, var->name) == 0) {
				problem(c, name, "duplicate variable '%s' (first at line %d)", var->name,
					o->pos.line);
				break;
			}
		}
	}
	var->prompt = take_string(c, get(node, "prompt"), "prompt", what, true);

	const struct yn *pat = get(node, "pattern");
	var->pattern = take_string(c, pat, "pattern", what, false);
	bool pattern_ok = true;
	if (var->pattern) {
		char *msg = regex_problem("pattern", var->pattern, var->pattern, RX_VALUE);
		if (msg) {
			problem(c, pat, "%s", msg);
			pattern_ok = false;
			free(msg);
		}
	}
	const struct yn *hint = get(node, "pattern_hint");
	var->pattern_hint = take_string(c, hint, "pattern_hint", what, false);
	if (var->pattern_hint && !var->pattern)
		problem(c, hint, "'pattern_hint' explains a 'pattern', and this variable has none: add the "
				 "pattern or remove the hint");
	const struct yn *ch = get(node, "choices");
	var->choices = take_string_list(c, ch, "choices", what, false, &var->n_choices);
	if (ch && ch->kind == YN_SEQ && ch->n == 0)
		problem(c, ch, "'choices' is empty: give at least one value or leave it out");

	const struct yn *def = get(node, "default");
	if (def && def->kind == YN_SCALAR) {
		var->def = xstrdup(def->str); /* "" is a valid default */
	} else if (def) {
		problem(c, def, "'default' of a variable must be a string, not %s",
			yamltree_kind_name(def->kind));
	}
	if (var->def && pattern_ok) {
		char *why = vars_check_value(var, var->def);
		if (why) {
			problem(c, def, "default '%s' of variable '%s' is not a valid value: %s", var->def,
				var->name ? var->name : "?", why);
			free(why);
		}
	}
}

static void build_variables(struct ctx *c, const struct yn *v)
{
	if (!v)
		return;
	if (v->kind != YN_SEQ) {
		if (v->kind == YN_SCALAR && v->len == 0 && v->plain)
			return;
		problem(c, v, "'variables' must be a list of variables (- name: ...), not %s",
			yamltree_kind_name(v->kind));
		return;
	}
	if (v->n > MAX_VARIABLES) {
		problem(c, v, "%zu variables; more than %d is not a runbook", v->n, MAX_VARIABLES);
		return;
	}
	c->rb->variables = xcalloc(v->n ? v->n : 1, sizeof(struct rb_variable));
	for (size_t i = 0; i < v->n; i++) {
		/* n_variables grows first so duplicate checks and lookups see earlier ones. */
		c->rb->n_variables = i + 1;
		build_variable(c, v->items[i], &c->rb->variables[i]);
	}
	for (size_t i = 0; i < c->rb->n_variables; i++)
		if (c->rb->variables[i].name)
			varmap_set(&c->placeholders, c->rb->variables[i].name, "x");
}

/*
 * `log_folders`: id -> {machine, prompt, hint}. An entry is kept even when its keys are
 * wrong (the problem is reported), so that logs naming it are not reported twice.
 */
static void build_log_folders(struct ctx *c, const struct yn *v)
{
	if (!v)
		return;
	if (v->kind != YN_MAP) {
		if (v->kind == YN_SCALAR && v->len == 0 && v->plain)
			return;
		problem(c, v, "'log_folders' must be a mapping of folder id to {prompt: ...}, not %s",
			yamltree_kind_name(v->kind));
		return;
	}
	if (!check_keys(c, v, "'log_folders'", NULL, NULL)) /* reports duplicate ids */
		return;
	c->rb->log_folders = xcalloc(v->n ? v->n : 1, sizeof(struct rb_log_folder));
	for (size_t i = 0; i < v->n; i++) {
		const struct yn *key = v->pairs[i].key, *val = v->pairs[i].val;
		if (key->kind != YN_SCALAR || runbook_log_folder(c->rb, key->str))
			continue; /* reported by check_keys */
		if (!valid_id(key->str)) {
			problem(c, key, "log folder id '%s' is not valid: ids use a-z, 0-9 and '-', starting "
					"with a letter or digit", key->str);
			continue;
		}
		if (strcmp(key->str, RB_MAIN_LOG_FOLDER) == 0) {
			problem(c, key, "log folder id '" RB_MAIN_LOG_FOLDER "' is the session's main log "
					"folder (--logs DIR) and is not declared: choose another id");
			continue;
		}
		struct rb_log_folder *f = &c->rb->log_folders[c->rb->n_log_folders++];
		f->id = xstrdup(key->str);
		f->pos.line = key->line;
		f->pos.col = key->col;
		char *what = xasprintf("log folder '%s'", key->str);
		if (check_keys(c, val, what, folder_keys, folder_required)) {
			const struct yn *x;
			f->machine = take_string(c, x = get(val, "machine"), "machine", what, false);
			check_refs(c, x, f->machine, "machine");
			f->prompt = take_string(c, x = get(val, "prompt"), "prompt", what, true);
			check_refs(c, x, f->prompt, "prompt");
			f->hint = take_string(c, x = get(val, "hint"), "hint", what, false);
			check_refs(c, x, f->hint, "hint");
		}
		free(what);
	}
}

/* A log's `folder`: "logs" (the main folder, stored as NULL) or a declared log_folders id. */
static void resolve_folder(struct ctx *c, const struct yn *at, struct rb_log *log)
{
	if (strcmp(log->folder, RB_MAIN_LOG_FOLDER) == 0) {
		free(log->folder);
		log->folder = NULL;
		return;
	}
	if (runbook_log_folder(c->rb, log->folder))
		return;
	const char **ids = xcalloc(c->rb->n_log_folders + 2, sizeof(char *));
	struct strbuf valid = STRBUF_INIT;
	ids[0] = RB_MAIN_LOG_FOLDER;
	sb_puts(&valid, RB_MAIN_LOG_FOLDER);
	for (size_t i = 0; i < c->rb->n_log_folders; i++) {
		ids[i + 1] = c->rb->log_folders[i].id;
		sb_printf(&valid, ", %s", c->rb->log_folders[i].id);
	}
	const char *near = nearest(log->folder, ids, c->rb->n_log_folders + 1);
	if (near)
		problem(c, at, "folder '%s' of log '%s' is not declared in 'log_folders' (did you mean "
			       "'%s'?)", log->folder, log->name, near);
	else
		problem(c, at, "folder '%s' of log '%s' is not declared in 'log_folders' (valid folders: "
			       "%s)", log->folder, log->name, sb_str(&valid));
	sb_free(&valid);
	free(ids);
}

/* `logs`: name -> a file name, or {file: ..., folder: ...}. */
static void build_logs(struct ctx *c, const struct yn *v)
{
	if (!v)
		return;
	if (v->kind != YN_MAP) {
		if (v->kind == YN_SCALAR && v->len == 0 && v->plain)
			return;
		problem(c, v, "'logs' must be a mapping of log name to file name, not %s",
			yamltree_kind_name(v->kind));
		return;
	}
	if (!check_keys(c, v, "'logs'", NULL, NULL))
		return;
	c->rb->logs = xcalloc(v->n ? v->n : 1, sizeof(struct rb_log));
	for (size_t i = 0; i < v->n; i++) {
		const struct yn *key = v->pairs[i].key, *val = v->pairs[i].val;
		if (key->kind != YN_SCALAR)
			continue; /* reported by check_keys */
		if (key->len == 0) {
			problem(c, key, "a log in 'logs' has an empty name");
			continue;
		}
		if (runbook_log(c->rb, key->str))
			continue; /* duplicate, reported by check_keys */
		if (val->kind == YN_SEQ) {
			problem(c, val, "log '%s' in 'logs' must be a file name or {file: ..., folder: ...}, "
					"not %s", key->str, yamltree_kind_name(val->kind));
			continue;
		}
		char *what = xasprintf("log '%s'", key->str);
		const struct yn *file_node = val, *folder_node = NULL;
		char *file = NULL, *folder = NULL;
		if (val->kind == YN_MAP) {
			if (check_keys(c, val, what, log_keys, log_required)) {
				file_node = get(val, "file");
				file = take_string(c, file_node, "file", what, true);
				folder_node = get(val, "folder");
				folder = take_string(c, folder_node, "folder", what, false);
			}
		} else {
			file = take_string(c, val, key->str, "'logs'", true);
		}
		free(what);
		if (!file) {
			free(folder);
			continue;
		}
		struct rb_log *log = &c->rb->logs[c->rb->n_logs++];
		log->name = xstrdup(key->str);
		log->file = file;
		log->folder = folder;
		if (folder && file[0] == '/') {
			problem(c, file_node, "file '%s' of log '%s' is absolute, so it is in no folder: "
					      "leave out 'folder', or give the file name inside folder '%s'",
				file, log->name, folder);
		} else if (folder) {
			resolve_folder(c, folder_node, log);
		}
	}
}

/* ---- steps ----------------------------------------------------------------------- */

static void build_when(struct ctx *c, const struct yn *v, struct rb_step *st, const char *what)
{
	if (!v)
		return;
	if (v->kind != YN_MAP) {
		problem(c, v, "'when' in %s must be a mapping of variable to value, not %s", what,
			yamltree_kind_name(v->kind));
		return;
	}
	if (!check_keys(c, v, "'when'", NULL, NULL))
		return;
	st->when = xcalloc(v->n ? v->n : 1, sizeof(struct rb_when));
	for (size_t i = 0; i < v->n; i++) {
		const struct yn *key = v->pairs[i].key, *val = v->pairs[i].val;
		if (key->kind != YN_SCALAR)
			continue;
		const struct rb_variable *var = runbook_variable(c->rb, key->str);
		if (!var)
			problem(c, key, "'when' in %s names '%s', which is not a declared variable", what,
				key->str);
		struct rb_when *w = &st->when[st->n_when++];
		w->var = xstrdup(key->str);
		if (val->kind == YN_SEQ && val->n == 0) {
			problem(c, val, "'when: %s' in %s lists no value", key->str, what);
			continue;
		}
		w->values = take_string_list(c, val, key->str, "'when'", true, &w->n_values);
		if (val->kind == YN_SCALAR && w->n_values == 0) { /* `var:` alone means "" */
			w->values = xcalloc(1, sizeof(char *));
			w->values[0] = xstrdup("");
			w->n_values = 1;
		}
		if (!var || var->n_choices == 0)
			continue;
		for (size_t k = 0; k < w->n_values; k++) {
			bool ok = false;
			for (size_t j = 0; j < var->n_choices && !ok; j++)
				ok = strcmp(var->choices[j], w->values[k]) == 0;
			if (!ok) {
				const struct yn *at = val->kind == YN_SEQ && k < val->n ? val->items[k] : val;
				struct strbuf sb = STRBUF_INIT;
				for (size_t j = 0; j < var->n_choices; j++)
					sb_printf(&sb, "%s%s", j ? ", " : "", var->choices[j]);
				problem(c, at, "'when' in %s: '%s' is not one of the choices of '%s' (%s)",
					what, w->values[k], key->str, sb_str(&sb));
				sb_free(&sb);
			}
		}
	}
}

/* `case:` (FORMAT-ADDITIONS §1): sensitive (the default) or insensitive. Sets *nocase
 * when the key is present and valid; leaves it alone otherwise (a bad value is reported). */
static void take_case(struct ctx *c, const struct yn *v, const char *what, bool *nocase)
{
	if (!v)
		return;
	if (v->kind != YN_SCALAR) {
		problem(c, v, "'case' in %s must be sensitive or insensitive, not %s", what,
			yamltree_kind_name(v->kind));
		return;
	}
	if (strcmp(v->str, "insensitive") == 0) {
		*nocase = true;
	} else if (strcmp(v->str, "sensitive") == 0) {
		*nocase = false;
	} else {
		static const char *const values[] = {"sensitive", "insensitive"};
		const char *near = nearest(v->str, values, 2);
		char *shown = clip(v->str);
		if (near)
			problem(c, v, "'case' in %s is '%s': write 'sensitive' or 'insensitive' (did you "
				      "mean '%s'?)", what, shown, near);
		else
			problem(c, v, "'case' in %s is '%s': write 'sensitive' (the default) or "
				      "'insensitive' (ASCII letters match in either case)", what, shown);
		free(shown);
	}
}

/* A plain string, or a mapping {text: ...} / {regex: ...} with an optional `case:`.
 * nocase is the default of the block or fail entry the pattern is in. */
static void build_pattern(struct ctx *c, const struct yn *v, const char *field, const char *what,
			  bool nocase, struct rb_pattern *out)
{
	out->pos.line = v->line;
	out->pos.col = v->col;
	out->nocase = nocase;
	if (v->kind == YN_SCALAR) {
		if (v->len == 0) {
			problem(c, v, "an empty '%s' in %s would match every line", field, what);
			return;
		}
		out->text = xstrdup(v->str);
		check_refs(c, v, out->text, field);
		return;
	}
	if (v->kind != YN_MAP) {
		problem(c, v, "'%s' in %s must be a string, {text: ...} or {regex: ...}, not %s", field,
			what, yamltree_kind_name(v->kind));
		return;
	}
	if (!check_keys(c, v, field, pattern_keys, NULL))
		return;
	take_case(c, get(v, "case"), what, &out->nocase);
	const struct yn *text = get(v, "text"), *re = get(v, "regex");
	if (text && re) {
		problem(c, re, "'%s' in %s has both 'text' and 'regex': a pattern is one or the other",
			field, what);
		return;
	}
	if (!text && !re) {
		problem(c, v, "'%s' in %s needs 'text' (a substring) or 'regex' (a POSIX extended regex)",
			field, what);
		return;
	}
	const struct yn *val = text ? text : re;
	out->is_regex = re != NULL;
	out->text = take_string(c, val, text ? "text" : "regex", what, true);
	if (!out->text)
		return;
	check_refs(c, val, out->text, field);
	if (out->is_regex)
		check_regex(c, val, out->text, "regex");
}

static bool resolve_log(struct ctx *c, const struct yn *v, const char *log, const char *what,
			size_t *index)
{
	for (size_t i = 0; i < c->rb->n_logs; i++) {
		if (strcmp(c->rb->logs[i].name, log) == 0) {
			*index = i;
			return true;
		}
	}
	const char **names = xcalloc(c->rb->n_logs + 1, sizeof(char *));
	for (size_t i = 0; i < c->rb->n_logs; i++)
		names[i] = c->rb->logs[i].name;
	const char *near = nearest(log, names, c->rb->n_logs);
	if (near)
		problem(c, v, "log '%s' in %s is not in 'logs' (did you mean '%s'?)", log, what, near);
	else if (c->rb->n_logs == 0)
		problem(c, v, "log '%s' in %s is not in 'logs' (the runbook declares no logs)", log, what);
	else
		problem(c, v, "log '%s' in %s is not in 'logs'", log, what);
	free(names);
	return false;
}

static void build_verify(struct ctx *c, const struct yn *v, struct rb_step *st, const char *what)
{
	if (!v)
		return;
	if (v->kind != YN_SEQ) {
		problem(c, v, "'verify' in %s must be a list of blocks (- log: ...), not %s", what,
			yamltree_kind_name(v->kind));
		return;
	}
	st->verify = xcalloc(v->n ? v->n : 1, sizeof(struct rb_verify));
	for (size_t i = 0; i < v->n; i++) {
		const struct yn *node = v->items[i];
		struct rb_verify *vf = &st->verify[st->n_verify++];
		vf->pos.line = node->line;
		vf->pos.col = node->col;
		vf->since_index = -1;
		vf->after_index = -1;
		vf->timeout_s = -1;
		if (!check_keys(c, node, "a verify block", verify_keys, verify_required))
			continue;
		const struct yn *log = get(node, "log");
		vf->log = take_string(c, log, "log", "a verify block", true);
		if (vf->log)
			resolve_log(c, log, vf->log, what, &vf->log_index);
		const struct yn *ex = get(node, "expect");
		bool nocase = false;
		take_case(c, get(node, "case"), "a verify block", &nocase);
		if (ex && ex->kind != YN_SEQ) {
			problem(c, ex, "'expect' in %s must be a list of strings or {regex: ...}, not %s",
				what, yamltree_kind_name(ex->kind));
		} else if (ex && ex->n == 0) {
			problem(c, ex, "'expect' in %s is empty: list at least one line to wait for", what);
		} else if (ex) {
			vf->expect = xcalloc(ex->n, sizeof(struct rb_pattern));
			for (size_t k = 0; k < ex->n; k++)
				build_pattern(c, ex->items[k], "expect", what, nocase,
					      &vf->expect[vf->n_expect++]);
		}
		const struct yn *since = get(node, "since");
		vf->since = take_string(c, since, "since", "a verify block", false);
		if (vf->since) { /* resolved when every step is known */
			if (c->n_since == c->cap_since) {
				c->cap_since = c->cap_since ? c->cap_since * 2 : 8;
				c->since = xreallocarray(c->since, c->cap_since, sizeof(*c->since));
			}
			c->since[c->n_since++] = (struct pending_since){st->index, i, since, false};
		}
		const struct yn *after = get(node, "after");
		vf->after = take_string(c, after, "after", "a verify block", false);
		if (vf->after) { /* resolved when every step is known, like since */
			if (c->n_since == c->cap_since) {
				c->cap_since = c->cap_since ? c->cap_since * 2 : 8;
				c->since = xreallocarray(c->since, c->cap_since, sizeof(*c->since));
			}
			c->since[c->n_since++] = (struct pending_since){st->index, i, after, true};
		}
		take_duration(c, get(node, "timeout"), "timeout", "a verify block", &vf->timeout_s);
	}
}

static void build_fail(struct ctx *c, const struct yn *v, struct rb_step *st, const char *what)
{
	if (!v)
		return;
	if (v->kind != YN_SEQ) {
		problem(c, v, "'fail' in %s must be a list of signatures (- log: ...), not %s", what,
			yamltree_kind_name(v->kind));
		return;
	}
	st->fail = xcalloc(v->n ? v->n : 1, sizeof(struct rb_fail));
	for (size_t i = 0; i < v->n; i++) {
		const struct yn *node = v->items[i];
		struct rb_fail *f = &st->fail[st->n_fail++];
		f->pos.line = node->line;
		f->pos.col = node->col;
		if (!check_keys(c, node, "a fail signature", fail_keys, fail_required))
			continue;
		const struct yn *log = get(node, "log");
		f->log = take_string(c, log, "log", "a fail signature", true);
		if (f->log)
			resolve_log(c, log, f->log, what, &f->log_index);
		const struct yn *m = get(node, "match");
		bool nocase = false;
		take_case(c, get(node, "case"), "a fail signature", &nocase);
		if (m)
			build_pattern(c, m, "match", what, nocase, &f->match);
		const struct yn *hint = get(node, "hint");
		f->hint = take_string(c, hint, "hint", "a fail signature", false);
		check_refs(c, hint, f->hint, "hint");
	}
}

static void check_refs_v(struct ctx *c, const struct yn *v, char **strs, size_t n, const char *field)
{
	for (size_t i = 0; i < n; i++)
		check_refs(c, v && v->kind == YN_SEQ && i < v->n ? v->items[i] : v, strs[i], field);
}

static void build_step(struct ctx *c, const struct yn *node, struct rb_step *st)
{
	st->pos.line = node->line;
	st->pos.col = node->col;
	st->wait_s = -1;
	if (node->kind != YN_MAP) {
		check_keys(c, node, "a step", step_keys, step_required);
		return;
	}
	const struct yn *idn = get(node, "id");
	char *what = idn && idn->kind == YN_SCALAR && idn->len ? xasprintf("step '%s'", idn->str)
							       : xstrdup("a step");
	check_keys(c, node, what, step_keys, step_required);
	st->id = take_id(c, idn, "id", what);
	if (st->id) {
		for (size_t i = 0; i < st->index; i++) {
			if (c->rb->steps[i].id && strcmp(c->rb->steps[i].id, st->id) == 0) {
				problem(c, idn, "duplicate step id '%s' (first at line %d): step ids are "
						"unique in the whole runbook", st->id, c->rb->steps[i].pos.line);
				break;
			}
		}
	}
	const struct yn *v;
	st->title = take_string(c, v = get(node, "title"), "title", what, true);
	check_refs(c, v, st->title, "title");
	build_when(c, get(node, "when"), st, what);
	st->host = take_string(c, v = get(node, "host"), "host", what, false);
	check_refs(c, v, st->host, "host");
	st->body = take_string(c, v = get(node, "body"), "body", what, false);
	check_refs(c, v, st->body, "body");
	st->command = take_string_list(c, v = get(node, "command"), "command", what, true, &st->n_command);
	check_refs_v(c, v, st->command, st->n_command, "command");
	st->caution = take_string(c, v = get(node, "caution"), "caution", what, false);
	check_refs(c, v, st->caution, "caution");
	st->checklist = take_string_list(c, v = get(node, "checklist"), "checklist", what, false,
					 &st->n_checklist);
	check_refs_v(c, v, st->checklist, st->n_checklist, "checklist");
	/* The operator ticks items with the keys 1-9: an item past the ninth could never be
	 * ticked, and completing the step would always need a reason. */
	if (st->n_checklist > RB_CHECKLIST_MAX)
		problem(c, v, "%s: a checklist has at most %d items (the keys 1-%d tick them); this one has %zu — "
			      "split the step", what, RB_CHECKLIST_MAX, RB_CHECKLIST_MAX, st->n_checklist);
	/* Not in the contract's list, but the session substitutes it: check it the same way. */
	st->confirm = take_string(c, v = get(node, "confirm"), "confirm", what, false);
	check_refs(c, v, st->confirm, "confirm");
	take_duration(c, get(node, "wait"), "wait", what, &st->wait_s);
	build_verify(c, get(node, "verify"), st, what);
	build_fail(c, get(node, "fail"), st, what);
	st->references = take_string_list(c, get(node, "references"), "references", what, false,
					  &st->n_references);
	/* Advice not from the sources: substituted like the body, so checked the same way. */
	st->practice = take_string_list(c, v = get(node, "practice"), "practice", what, true,
					&st->n_practice);
	check_refs_v(c, v, st->practice, st->n_practice, "practice");
	for (size_t i = 0; i < st->n_practice; i++)
		if (st->practice[i][0] == '\0')
			problem(c, v->kind == YN_SEQ && i < v->n ? v->items[i] : v,
				"an empty 'practice' note in %s says nothing: remove it or write the advice",
				what);
	free(what);
}

/* Counts the steps of every well-formed phase, to size the flat step array once. */
static size_t count_steps(const struct yn *phases)
{
	size_t n = 0;
	for (size_t i = 0; i < phases->n; i++) {
		const struct yn *steps = get(phases->items[i], "steps");
		if (steps && steps->kind == YN_SEQ)
			n += steps->n;
	}
	return n;
}

static void build_phases(struct ctx *c, const struct yn *v)
{
	if (!v)
		return; /* missing: reported by check_keys */
	if (v->kind != YN_SEQ) {
		problem(c, v, "'phases' must be a list of phases (- id: ...), not %s",
			yamltree_kind_name(v->kind));
		return;
	}
	if (v->n == 0) {
		problem(c, v, "'phases' is empty: a runbook has at least one phase");
		return;
	}
	struct runbook *rb = c->rb;
	size_t total = count_steps(v);
	if (v->n > MAX_PHASES || total > MAX_STEPS) {
		problem(c, v, "%zu phases and %zu steps; more than %d phases or %d steps is not a "
			      "runbook an operator can follow", v->n, total, MAX_PHASES, MAX_STEPS);
		return;
	}
	rb->phases = xcalloc(v->n, sizeof(struct rb_phase));
	rb->steps = xcalloc(total ? total : 1, sizeof(struct rb_step));
	for (size_t i = 0; i < v->n; i++) {
		const struct yn *node = v->items[i];
		struct rb_phase *ph = &rb->phases[rb->n_phases++];
		ph->pos.line = node->line;
		ph->pos.col = node->col;
		ph->first_step = rb->n_steps;
		const struct yn *idn = get(node, "id");
		char *what = idn && idn->kind == YN_SCALAR && idn->len ? xasprintf("phase '%s'", idn->str)
								       : xstrdup("a phase");
		if (!check_keys(c, node, what, phase_keys, phase_required)) {
			free(what);
			continue;
		}
		ph->id = take_id(c, idn, "id", what);
		for (size_t k = 0; ph->id && k < i; k++) {
			if (rb->phases[k].id && strcmp(rb->phases[k].id, ph->id) == 0) {
				problem(c, idn, "duplicate phase id '%s' (first at line %d)", ph->id,
					rb->phases[k].pos.line);
				break;
			}
		}
		const struct yn *t = get(node, "title");
		ph->title = take_string(c, t, "title", what, true);
		check_refs(c, t, ph->title, "title");
		const struct yn *steps = get(node, "steps");
		if (steps && steps->kind != YN_SEQ) {
			problem(c, steps, "'steps' in %s must be a list of steps (- id: ...), not %s", what,
				yamltree_kind_name(steps->kind));
		} else if (steps && steps->n == 0) {
			problem(c, steps, "'steps' in %s is empty: a phase has at least one step", what);
		} else if (steps) {
			for (size_t k = 0; k < steps->n; k++) {
				struct rb_step *st = &rb->steps[rb->n_steps];
				st->index = rb->n_steps++;
				st->phase_index = i;
				build_step(c, steps->items[k], st);
			}
		}
		ph->n_steps = rb->n_steps - ph->first_step;
		free(what);
	}
}

/* `after` must name an earlier step that has a verify block (its verifying line is the
 * anchor). */
static void resolve_after(struct ctx *c, const struct pending_since *ps)
{
	struct runbook *rb = c->rb;
	struct rb_step *st = &rb->steps[ps->step];
	struct rb_verify *vf = &st->verify[ps->verify];
	long idx = runbook_step_index(rb, vf->after);
	const char *sid = st->id ? st->id : "?";
	if (idx < 0)
		problem(c, ps->node, "'after: %s' in step '%s' names no step", vf->after, sid);
	else if ((size_t)idx == ps->step)
		problem(c, ps->node, "'after: %s' in step '%s' names the step itself: name an earlier "
				     "step whose verifying line this one must follow",
			vf->after, sid);
	else if ((size_t)idx > ps->step)
		problem(c, ps->node, "'after: %s' in step '%s' names a step that comes later: "
				     "it must name an earlier step", vf->after, sid);
	else if (rb->steps[idx].n_verify == 0)
		problem(c, ps->node, "'after: %s' in step '%s' names a step without a verify block: "
				     "only a line that verified a step can be the point to follow",
			vf->after, sid);
	else
		vf->after_index = idx;
}

/* `since` must name a step that comes earlier in the runbook than the one it is in. */
static void resolve_since(struct ctx *c)
{
	struct runbook *rb = c->rb;
	for (size_t k = 0; k < c->n_since; k++) {
		const struct pending_since *ps = &c->since[k];
		if (ps->after) {
			resolve_after(c, ps);
			continue;
		}
		struct rb_step *st = &rb->steps[ps->step];
		struct rb_verify *vf = &st->verify[ps->verify];
		long idx = runbook_step_index(rb, vf->since);
		const char *sid = st->id ? st->id : "?";
		if (idx < 0)
			problem(c, ps->node, "'since: %s' in step '%s' names no step", vf->since, sid);
		else if ((size_t)idx == ps->step)
			problem(c, ps->node, "'since: %s' in step '%s' names the step itself: leave "
					     "'since' out (the default) or name an earlier step",
				vf->since, sid);
		else if ((size_t)idx > ps->step)
			problem(c, ps->node, "'since: %s' in step '%s' names a step that comes later: "
					     "it must name an earlier step", vf->since, sid);
		else
			vf->since_index = idx;
	}
}

bool runbook_build(const struct yn *root, const char *name, struct runbook *rb,
		   struct rb_diags *diags)
{
	struct ctx c = {.name = name, .d = diags, .rb = rb};
	const char *what = "the runbook";

	if (root->kind != YN_MAP) {
		problem(&c, root, "a runbook is a YAML mapping starting with 'runbook: 1', not %s",
			root->kind == YN_SCALAR ? "a plain string" : yamltree_kind_name(root->kind));
		return false;
	}
	check_keys(&c, root, what, top_keys, top_required);

	const struct yn *ver = get(root, "runbook");
	if (ver && (ver->kind != YN_SCALAR || strcmp(ver->str, "1") != 0))
		problem(&c, ver, "'runbook' must be 1 (the only format version), not %s",
			ver->kind == YN_SCALAR ? ver->str : yamltree_kind_name(ver->kind));
	const struct yn *idn = get(root, "id");
	rb->id = take_id(&c, idn, "id", what);
	if (idn) {
		rb->id_pos.line = idn->line;
		rb->id_pos.col = idn->col;
	}
	rb->version = take_string(&c, get(root, "version"), "version", what, true);
	rb->summary = take_string(&c, get(root, "summary"), "summary", what, false);
	rb->sources = take_string_list(&c, get(root, "sources"), "sources", what, false,
				       &rb->n_sources);
	build_variables(&c, get(root, "variables"));
	const struct yn *t = get(root, "title");
	rb->title = take_string(&c, t, "title", what, true);
	check_refs(&c, t, rb->title, "title");
	build_log_folders(&c, get(root, "log_folders"));
	build_logs(&c, get(root, "logs"));
	build_phases(&c, get(root, "phases"));
	resolve_since(&c);
	if (c.errors > MAX_PROBLEMS)
		rb_diags_add(diags, name, 1, 1, "%zu problems; only the first %d are listed",
			     c.errors, MAX_PROBLEMS);

	free(c.since);
	varmap_free(&c.placeholders);
	return c.errors == 0;
}
