/*
 * cli_args.c — option values the verbs share: NAME=VALUE splitting, and the options
 * several verbs take alike (--var, --log), so each is parsed and refused one way.
 */
#include "steward/cli.h"

#include <stdlib.h>
#include <string.h>

bool cli_split_assign(const char *arg, char **name, char **value)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg)
		return false;
	*name = xstrndup(arg, (size_t)(eq - arg));
	*value = xstrdup(eq + 1);
	return true;
}


int cli_take_var(const char *verb, const char *arg, struct varmap *vars)
{
	char *name, *value;
	if (!cli_split_assign(arg, &name, &value))
		return cli_error(ST_USAGE, "%s%s--var %s: expected NAME=VALUE", verb ? verb : "", verb ? ": " : "",
				 arg);
	varmap_set(vars, name, value);
	free(name);
	free(value);
	return ST_OK;
}

int cli_take_pair(const char *verb, const char *opt, const char *form, const char *arg, struct cli_pairs *p)
{
	char *name, *value;
	if (!cli_split_assign(arg, &name, &value))
		return cli_error(ST_USAGE, "%s%s%s %s: expected %s", verb ? verb : "", verb ? ": " : "", opt, arg,
				 form);
	p->names = xreallocarray(p->names, p->n + 1, sizeof *p->names);
	p->values = xreallocarray(p->values, p->n + 1, sizeof *p->values);
	p->owned = xreallocarray(p->owned, 2 * (p->n + 1), sizeof *p->owned);
	p->owned[2 * p->n] = name;
	p->owned[2 * p->n + 1] = value;
	p->names[p->n] = name;
	p->values[p->n++] = value;
	return ST_OK;
}

void cli_pairs_free(struct cli_pairs *p)
{
	for (size_t i = 0; i < 2 * p->n; i++)
		free(p->owned[i]);
	free(p->owned);
	free(p->names);
	free(p->values);
	*p = (struct cli_pairs){0};
}
