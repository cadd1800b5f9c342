/*
 * runbook_build.h — internal to the runbook loader: checks a YAML tree against the
 * runbook format (RUNBOOK-FORMAT.md) and fills a struct runbook from it.
 */
#ifndef STEWARD_RUNBOOK_BUILD_H
#define STEWARD_RUNBOOK_BUILD_H

#include <stdbool.h>

#include "steward/runbook.h"
#include "yamltree.h"

/*
 * Fills rb (zero-initialised by the caller; path/text already set) from root. Every
 * problem goes to diags under `name`. Returns true when there was none; on false rb
 * may be partly filled and must be freed with runbook_free.
 */
bool runbook_build(const struct yn *root, const char *name, struct runbook *rb,
		   struct rb_diags *diags);

#endif
