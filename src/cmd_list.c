/*
 * cmd_list.c — `steward list [--json]`: the runbooks found in the search path
 * (id, version, steps, title). Invalid runbooks and duplicate ids are reported on
 * stderr with their lint messages — never dropped silently — and make the exit
 * code 65; the valid runbooks are still listed. No runbooks found at all: exit 66.
 */
#include "steward/cli.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "steward/catalog.h"
#include "steward/text.h"
#include "steward/util.h"

static void print_table(const struct catalog *cat)
{
	int w_id = 2, w_ver = 7;
	for (size_t i = 0; i < cat->n; i++) {
		const struct runbook *rb = cat->items[i].rb;
		if (!rb)
			continue;
		int a = text_width(rb->id), b = text_width(rb->version);
		w_id = a > w_id ? a : w_id;
		w_ver = b > w_ver ? b : w_ver;
	}
	printf("%-*s  %-*s  %5s  %s\n", w_id, "ID", w_ver, "VERSION", "STEPS", "TITLE");
	for (size_t i = 0; i < cat->n; i++) {
		const struct runbook *rb = cat->items[i].rb;
		if (!rb)
			continue;
		char *ver = text_sanitize(rb->version, strlen(rb->version), 0);
		char *title = text_sanitize(rb->title, strlen(rb->title), 0);
		int pad = w_ver - text_width(ver);
		printf("%-*s  %s%*s  %5zu  %s%s\n", w_id, rb->id, ver, pad > 0 ? pad : 0, "", rb->n_steps,
		       title, cat->items[i].duplicate ? "  (DUPLICATE ID)" : "");
		free(ver);
		free(title);
	}
}

static int print_json(const struct catalog *cat)
{
	json_t *a = json_array();
	for (size_t i = 0; i < cat->n; i++) {
		const struct runbook *rb = cat->items[i].rb;
		if (!rb)
			continue;
		json_t *o = json_object();
		json_object_set_new(o, "id", json_string(rb->id));
		json_object_set_new(o, "version", json_string(rb->version));
		json_object_set_new(o, "title", json_string(rb->title));
		json_object_set_new(o, "steps", json_integer((json_int_t)rb->n_steps));
		json_object_set_new(o, "phases", json_integer((json_int_t)rb->n_phases));
		json_object_set_new(o, "path", json_string(rb->path));
		json_object_set_new(o, "sha256", json_string(rb->sha256));
		json_object_set_new(o, "duplicate_id", json_boolean(cat->items[i].duplicate));
		json_array_append_new(a, o);
	}
	int rc = json_dumpf(a, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(a);
	fputc('\n', stdout);
	return rc;
}

int cmd_list(struct cli_ctx *ctx, int argc, char **argv)
{
	bool json = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			cli_help("list");
			return ST_OK;
		} else {
			fprintf(stderr, "steward: list: unexpected '%s'\n", argv[i]);
			return cli_usage(cli_usage_of("list"));
		}
	}
	struct catalog cat;
	catalog_load(&cat, ctx->runbook_dirs, ctx->n_runbook_dirs);
	size_t valid = 0;
	for (size_t i = 0; i < cat.n; i++)
		valid += cat.items[i].rb != NULL;

	int rc = ST_OK;
	if (json) {
		if (print_json(&cat) != 0)
			rc = cli_error(ST_IOERR, "list: cannot write the JSON");
	} else if (valid > 0) {
		print_table(&cat);
	}
	if (cat.n == 0) {
		struct strbuf where = STRBUF_INIT;
		for (size_t d = 0; d < ctx->n_runbook_dirs; d++)
			sb_printf(&where, "%s%s", d ? ", " : "", ctx->runbook_dirs[d]);
		fprintf(stderr, "steward: no runbooks found in %s — add *.yaml files there or use "
				"--runbooks DIR\n", ctx->n_runbook_dirs ? sb_str(&where) : "(no runbook folder)");
		sb_free(&where);
		rc = ST_NOTFOUND; /* nothing to list is not success: scripts must see it */
	}
	if (!catalog_clean(&cat)) {
		catalog_report(&cat, stderr);
		size_t invalid = cat.n - valid;
		if (invalid)
			cli_error(ST_INVALID, "%zu runbook file%s invalid — fix them (steward lint PATH)",
				  invalid, invalid == 1 ? " is" : "s are");
		if (cat.problems.n)
			cli_error(ST_INVALID, "runbook ids must be unique across the search path");
		rc = ST_INVALID;
	}
	catalog_free(&cat);
	if (fflush(stdout) != 0 && rc == ST_OK)
		rc = cli_error(ST_IOERR, "list: cannot write to stdout");
	return rc;
}
