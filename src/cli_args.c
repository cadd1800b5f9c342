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

