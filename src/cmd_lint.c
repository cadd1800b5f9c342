/*
 * cmd_lint.c — `steward lint PATH...`: validates runbook files and folders (every
 * *.yaml / *.yml directly inside a folder). Every problem goes to stderr as
 * PATH:LINE:COL: message, then one summary line. Ids must also be unique across
 * everything linted in one run, as they must be in a runbook folder.
 *
 * Exit: 0 all valid; 65 any invalid; 66 a path does not exist or is a folder without
 * runbooks (takes precedence). The summary says "all valid" only for exit 0.
 */
#include "steward/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "steward/catalog.h"
#include "steward/runbook.h"
#include "steward/util.h"

struct lint_run {
	size_t files, invalid, problems;
	size_t missing; /* paths that do not exist, or folders without runbooks */
	char **ids, **paths; /* of the valid runbooks so far, to find duplicate ids */
	size_t n_valid;
};

static void lint_file(struct lint_run *run, const char *path)
{
	struct rb_diags diags = {0};
	struct runbook *rb = NULL;
	run->files++;
	if (runbook_load_file(path, &rb, &diags) == 0) {
		for (size_t i = 0; i < run->n_valid; i++) {
			if (strcmp(run->ids[i], rb->id) == 0) {
				rb_diags_add(&diags, path, rb->id_pos.line, rb->id_pos.col,
					     "duplicate runbook id '%s': %s has it too (ids must be "
					     "unique; rename or remove one)", rb->id, run->paths[i]);
				break;
			}
		}
		run->ids = xreallocarray(run->ids, run->n_valid + 1, sizeof(char *));
		run->paths = xreallocarray(run->paths, run->n_valid + 1, sizeof(char *));
		run->ids[run->n_valid] = xstrdup(rb->id);
		run->paths[run->n_valid++] = xstrdup(path);
		runbook_free(rb);
	}
	if (diags.n > 0) {
		run->invalid++;
		run->problems += diags.n;
		rb_diags_print(&diags, stderr);
	}
	rb_diags_free(&diags);
}

static void lint_path(struct lint_run *run, const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		cli_error(ST_NOTFOUND, "%s: %s — give a runbook file or a folder of them", path,
			  strerror(errno));
		run->missing++;
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		lint_file(run, path);
		return;
	}
	char **paths;
	size_t n;
	if (catalog_scan_dir(path, &paths, &n) != 0) {
		cli_error(ST_IOERR, "%s: cannot read this folder: %s", path, strerror(errno));
		run->invalid++;
		return;
	}
	if (n == 0) {
		cli_error(ST_NOTFOUND, "%s: no *.yaml or *.yml files in this folder — give a runbook file or a "
				       "folder of them", path);
		run->missing++;
	}
	for (size_t i = 0; i < n; i++) {
		lint_file(run, paths[i]);
		free(paths[i]);
	}
	free(paths);
}

int cmd_lint(struct cli_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	char **paths = xcalloc((size_t)argc + 1, sizeof(char *));
	size_t n_paths = 0;
	bool opts_done = false;
	for (int i = 1; i < argc; i++) {
		if (!opts_done && strcmp(argv[i], "--") == 0) {
			opts_done = true;
		} else if (!opts_done && (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)) {
			cli_help("lint");
			free(paths);
			return ST_OK;
		} else if (!opts_done && argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "steward: lint: unknown option '%s'\n", argv[i]);
			free(paths);
			return cli_usage(cli_usage_of("lint"));
		} else {
			paths[n_paths++] = argv[i];
		}
	}
	if (n_paths == 0) {
		free(paths);
		return cli_usage(cli_usage_of("lint"));
	}

	struct lint_run run = {0};
	for (size_t i = 0; i < n_paths; i++)
		lint_path(&run, paths[i]);
	free(paths);

	/* "all valid" only when every path named held runbooks and all of them are valid. */
	struct strbuf sum = STRBUF_INIT;
	sb_printf(&sum, "steward lint: %zu runbook%s checked", run.files, run.files == 1 ? "" : "s");
	if (run.invalid)
		sb_printf(&sum, ", %zu invalid, %zu problem%s", run.invalid, run.problems, run.problems == 1 ? "" : "s");
	if (run.missing)
		sb_printf(&sum, ", %zu path%s without runbooks", run.missing, run.missing == 1 ? "" : "s");
	if (!run.invalid && !run.missing)
		sb_puts(&sum, ", all valid");
	fprintf(stderr, "%s\n", sb_str(&sum));
	sb_free(&sum);
	for (size_t i = 0; i < run.n_valid; i++) {
		free(run.ids[i]);
		free(run.paths[i]);
	}
	free(run.ids);
	free(run.paths);
	if (run.missing)
		return ST_NOTFOUND;
	return run.invalid ? ST_INVALID : ST_OK;
}
