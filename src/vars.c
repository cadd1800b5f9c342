/*
 * vars.c — variable values of a session, ${name} substitution, `when:` evaluation,
 * durations (see vars.h). Pure functions: no I/O, no global state.
 *
 * Substitution rule (one place, used by the loader's checks too): `${name}` with name
 * in [a-z_][a-z0-9_]* is replaced when vm has a value for it; `$${` stands for a literal
 * `${` (so text that really contains `${` can be written); anything else is copied.
 */
#include "steward/vars.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "steward/rx.h"
#include "steward/util.h"

void varmap_set(struct varmap *vm, const char *name, const char *value)
{
	for (size_t i = 0; i < vm->n; i++) {
		if (strcmp(vm->names[i], name) == 0) {
			free(vm->values[i]);
			vm->values[i] = xstrdup(value);
			return;
		}
	}
	if (vm->n == vm->cap) {
		vm->cap = vm->cap ? vm->cap * 2 : 8;
		vm->names = xreallocarray(vm->names, vm->cap, sizeof(char *));
		vm->values = xreallocarray(vm->values, vm->cap, sizeof(char *));
	}
	vm->names[vm->n] = xstrdup(name);
	vm->values[vm->n] = xstrdup(value);
	vm->n++;
}

const char *varmap_get(const struct varmap *vm, const char *name)
{
	if (!vm || !name)
		return NULL;
	for (size_t i = 0; i < vm->n; i++)
		if (strcmp(vm->names[i], name) == 0)
			return vm->values[i];
	return NULL;
}

void varmap_free(struct varmap *vm)
{
	for (size_t i = 0; i < vm->n; i++) {
		free(vm->names[i]);
		free(vm->values[i]);
	}
	free(vm->names);
	free(vm->values);
	vm->names = vm->values = NULL;
	vm->n = vm->cap = 0;
}

char *vars_check_value(const struct rb_variable *var, const char *value)
{
	/* A typed value, never a page of text: this also bounds what its pattern costs (rx.h). */
	if (strlen(value) > RX_MAX_VALUE)
		return xasprintf("the value is %zu bytes long; a value has at most %d", strlen(value), RX_MAX_VALUE);
	if (var->pattern) {
		struct rx rx;
		char *why = NULL;
		if (!rx_compile(&rx, var->pattern, false, &why)) {
			char *msg = xasprintf("its pattern %s does not compile: %s", var->pattern, why);
			free(why);
			return msg;
		}
		bool ok = rx_match(&rx, value);
		rx_free(&rx);
		/* The operator reads this, not a regex: the runbook's own words when it gives
		 * them, else a plain sentence with the pattern only as a reference. */
		if (!ok && var->pattern_hint)
			return xasprintf("'%s' is not valid: %s", value, var->pattern_hint);
		if (!ok)
			return xasprintf("'%s' does not have the expected form (pattern: %s)", value, var->pattern);
	}
	if (var->n_choices > 0) {
		for (size_t i = 0; i < var->n_choices; i++)
			if (strcmp(var->choices[i], value) == 0)
				return NULL;
		struct strbuf sb = STRBUF_INIT;
		sb_printf(&sb, "'%s' is not one of: ", value);
		for (size_t i = 0; i < var->n_choices; i++)
			sb_printf(&sb, "%s%s", i ? ", " : "", var->choices[i]);
		return sb_take(&sb);
	}
	return NULL;
}

bool vars_complete(const struct runbook *rb, struct varmap *vm, char ***problems, size_t *n_problems)
{
	bool ok = true;
	for (size_t i = 0; i < rb->n_variables; i++) {
		const struct rb_variable *var = &rb->variables[i];
		const char *val = varmap_get(vm, var->name);
		if (!val && var->def) {
			varmap_set(vm, var->name, var->def);
			val = varmap_get(vm, var->name);
		}
		char *why = val ? vars_check_value(var, val) : xstrdup("no value given and no default");
		if (why) {
			ok = false;
			*problems = xreallocarray(*problems, *n_problems + 1, sizeof(char *));
			(*problems)[(*n_problems)++] = xasprintf("%s: %s", var->name, why);
			free(why);
		}
	}
	return ok;
}

static bool name_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || c == '_' || (!first && c >= '0' && c <= '9');
}

static void put_regex_escaped(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (strchr(".[]{}()\\*+?^$|", *s))
			sb_putc(sb, '\\');
		sb_putc(sb, *s);
	}
}

static char *subst(const char *tmpl, const struct varmap *vm, bool regex)
{
	if (!tmpl)
		return NULL;
	struct strbuf sb = STRBUF_INIT;
	sb_puts(&sb, "");
	for (const char *p = tmpl; *p;) {
		if (p[0] == '$' && p[1] == '$' && p[2] == '{') { /* $${ -> literal ${ */
			sb_puts(&sb, regex ? "\\$\\{" : "${");
			p += 3;
			continue;
		}
		if (p[0] == '$' && p[1] == '{' && name_char(p[2], true)) {
			const char *q = p + 3;
			while (name_char(*q, false))
				q++;
			if (*q == '}') {
				char *name = xstrndup(p + 2, (size_t)(q - (p + 2)));
				const char *val = varmap_get(vm, name);
				free(name);
				if (val) {
					if (regex)
						put_regex_escaped(&sb, val);
					else
						sb_puts(&sb, val);
					p = q + 1;
					continue;
				}
				sb_append(&sb, p, (size_t)(q + 1 - p));
				p = q + 1;
				continue;
			}
		}
		sb_putc(&sb, *p++);
	}
	return sb_take(&sb);
}

char *vars_subst(const char *tmpl, const struct varmap *vm)
{
	return subst(tmpl, vm, false);
}

char *vars_subst_regex(const char *tmpl, const struct varmap *vm)
{
	return subst(tmpl, vm, true);
}

bool vars_step_applies(const struct rb_step *step, const struct varmap *vm)
{
	for (size_t i = 0; i < step->n_when; i++) {
		const struct rb_when *w = &step->when[i];
		const char *val = varmap_get(vm, w->var);
		bool match = false;
		for (size_t k = 0; val && k < w->n_values && !match; k++)
			match = strcmp(w->values[k], val) == 0;
		if (!match)
			return false;
	}
	return true;
}

/* Longest accepted duration: a year is already absurd for a step. */
#define DURATION_MAX_S (366L * 24 * 3600)

bool duration_parse(const char *s, long *secs)
{
	static const char units[] = "hms";
	static const long mult[] = {3600, 60, 1};
	if (!s)
		return false;
	long total = 0;
	int next_unit = 0; /* units must come in order h, m, s, each at most once */
	bool any = false;
	const char *p = s;
	while (*p == ' ')
		p++;
	while (*p) {
		if (*p < '0' || *p > '9')
			return false;
		long n = 0;
		while (*p >= '0' && *p <= '9') {
			n = n * 10 + (*p - '0');
			if (n > DURATION_MAX_S)
				return false;
			p++;
		}
		const char *u = *p ? strchr(units + next_unit, *p) : NULL;
		if (!u)
			return false;
		int ui = (int)(u - units);
		total += n * mult[ui];
		if (total > DURATION_MAX_S)
			return false;
		next_unit = ui + 1;
		any = true;
		p++;
		while (*p == ' ')
			p++;
	}
	if (!any || total <= 0)
		return false;
	*secs = total;
	return true;
}

void duration_format(long secs, char *out, size_t outlen)
{
	if (!out || outlen == 0)
		return;
	const char *sign = "";
	if (secs < 0) {
		sign = "-";
		secs = secs == LONG_MIN ? LONG_MAX : -secs;
	}
	long h = secs / 3600, m = secs / 60 % 60, s = secs % 60;
	if (h > 0 && s > 0)
		snprintf(out, outlen, "%s%ldh %02ldm %02lds", sign, h, m, s);
	else if (h > 0 && m > 0)
		snprintf(out, outlen, "%s%ldh %02ldm", sign, h, m);
	else if (h > 0)
		snprintf(out, outlen, "%s%ldh", sign, h);
	else if (m > 0 && s > 0)
		snprintf(out, outlen, "%s%ldm %02lds", sign, m, s);
	else if (m > 0)
		snprintf(out, outlen, "%s%ldm", sign, m);
	else
		snprintf(out, outlen, "%s%lds", sign, s);
}
