/*
 * cmd_start.c — `steward start RUNBOOK [--var NAME=VALUE]... [--logs DIR]
 * [--folder ID=PATH]... [--log NAME=PATH]... [--label TEXT] [--operator NAME] [--rehearse]
 * [--detach] [--new] [--short-waits N]`.
 *
 * Resolves the runbook (a path or an id in the search path), checks every --var
 * against the runbook (undeclared name: 64; invalid value: 65 with the reason) and every
 * --folder/--log name (64 naming the valid ones), and then either creates the session and
 * prints its id (--detach: every variable without a default must be given, else 64 naming
 * them; each runbook log folder left to default is named on stderr, with its machine,
 * prompt and hint) or opens the TUI's start form. `--logs DIR` is `--folder logs=DIR`.
 * With --detach, an unfinished session of the same runbook and variables is refused
 * (75, naming it and `steward resume ID`) unless --new is given; --short-waits N
 * (rehearsals only) divides every wait by N.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_sessutil.h"
#include "steward/catalog.h"
#include "steward/text.h"
#include "steward/tui.h"
#include "steward/vars.h"

struct start_opts {
	struct varmap vars;
	const char *log_dir;
	struct cli_pairs logs;     /* --log NAME=PATH */
	const char **folder_ids;   /* --folder ID=PATH, except ID "logs" (that is log_dir) */
	const char **folder_paths;
	char **owned; /* the split NAME=PATH strings */
	size_t n_folders, n_owned;
	const char *label;
	const char *op;
	bool rehearse, detach, fresh; /* fresh: --new */
	int wait_divisor;             /* --short-waits N */
};

static void opts_free(struct start_opts *o)
{
	varmap_free(&o->vars);
	for (size_t i = 0; i < o->n_owned; i++)
		free(o->owned[i]);
	free(o->owned);
	cli_pairs_free(&o->logs);
	free(o->folder_ids);
	free(o->folder_paths);
}

static void own(struct start_opts *o, char *s)
{
	o->owned = xreallocarray(o->owned, o->n_owned + 1, sizeof *o->owned);
	o->owned[o->n_owned++] = s;
}

static int parse(int argc, char **argv, struct start_opts *o, const char **ref)
{
	static const struct option opts[] = {
		{"var", required_argument, NULL, 'v'},    {"logs", required_argument, NULL, 'L'},
		{"log", required_argument, NULL, 'l'},    {"label", required_argument, NULL, 'b'},
		{"operator", required_argument, NULL, 'o'}, {"rehearse", no_argument, NULL, 'r'},
		{"detach", no_argument, NULL, 'd'},       {"help", no_argument, NULL, 'h'},
		{"folder", required_argument, NULL, 'f'},
		{"new", no_argument, NULL, 'N'},          {"short-waits", required_argument, NULL, 'W'},
		{NULL, 0, NULL, 0},
	};
	int c, rc;
	char *name, *value;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			if ((rc = cli_take_var(NULL, optarg, &o->vars)) != ST_OK)
				return rc;
			break;
		case 'l':
			if ((rc = cli_take_pair(NULL, "--log", "NAME=PATH", optarg, &o->logs)) != ST_OK)
				return rc;
			break;
		case 'f':
			if (!cli_split_assign(optarg, &name, &value) || !*name)
				return cli_error(ST_USAGE, "--folder %s: expected ID=PATH (a log folder id of the "
							   "runbook, or logs)", optarg);
			own(o, name);
			own(o, value);
			if (strcmp(name, RB_MAIN_LOG_FOLDER) == 0) { /* --logs DIR, said another way */
				o->log_dir = value;
				break;
			}
			o->folder_ids = xreallocarray(o->folder_ids, o->n_folders + 1, sizeof *o->folder_ids);
			o->folder_paths = xreallocarray(o->folder_paths, o->n_folders + 1, sizeof *o->folder_paths);
			o->folder_ids[o->n_folders] = name;
			o->folder_paths[o->n_folders++] = value;
			break;
		case 'L': o->log_dir = optarg; break;
		case 'b': o->label = optarg; break;
		case 'o': o->op = optarg; break;
		case 'r': o->rehearse = true; break;
		case 'd': o->detach = true; break;
		case 'N': o->fresh = true; break;
		case 'W': {
			char *end;
			long n = strtol(optarg, &end, 10);
			if (*end || n < 2 || n > 3600)
				return cli_error(ST_USAGE, "--short-waits %s: give a whole number from 2 to 3600 (every "
							   "wait of the rehearsal is divided by it)", optarg);
			o->wait_divisor = (int)n;
			break;
		}
		case 'h': cli_help("start"); return -1;
		default: return cli_usage(cli_usage_of("start"));
		}
	}
	if (argc - optind != 1)
		return cli_usage(cli_usage_of("start"));
	if (o->wait_divisor && !o->rehearse)
		return cli_error(ST_USAGE, "--short-waits is for rehearsals only — add --rehearse");
	*ref = argv[optind];
	return ST_OK;
}

/*
 * --detach asks nothing, so it says on stderr which runbook folders were left to default
 * to the main log folder, as the session recorded them: id, prompt, machine, the logs
 * that will be looked for there, and the runbook's hint (stdout stays the session id).
 */
static void note_defaulted_folders(struct store *st, const char *id)
{
	struct session *s = NULL;
	struct st_error err = {0};
	if (session_open(st, id, SESSION_READ, &s, &err) != ST_OK)
		return; /* the session exists; a note is not worth an error */
	const struct runbook *rb = s->rb;
	for (size_t k = 1; k < s->n_folders; k++) {
		const struct sess_log_folder *f = &s->folders[k];
		const struct rb_log_folder *rf = &rb->log_folders[k - 1];
		if (f->given)
			continue;
		struct strbuf files = STRBUF_INIT;
		for (size_t l = 0; l < rb->n_logs; l++)
			if (s->places[l].folder == (long)k)
				sb_printf(&files, "%s%s", files.len ? ", " : "", rb->logs[l].file);
		if (files.len) {
			char *machine = vars_subst(rf->machine, &s->vars), *prompt = vars_subst(rf->prompt, &s->vars);
			char *hint = vars_subst(rf->hint, &s->vars);
			struct strbuf msg = STRBUF_INIT;
			sb_printf(&msg, "steward: log folder %s (%s%s%s%s) not given: %s looked for in the main log "
					"folder %s", f->id, machine ? "on " : "", machine ? machine : "", machine ? ": " : "",
				  prompt, sb_str(&files), f->path ? f->path : "?");
			if (hint)
				sb_printf(&msg, " — %s", hint);
			sb_printf(&msg, " — give it with --folder %s=PATH", f->id);
			char *line = text_sanitize(sb_str(&msg), msg.len, 0);
			fprintf(stderr, "%s\n", line);
			free(line);
			sb_free(&msg);
			free(machine);
			free(prompt);
			free(hint);
		}
		sb_free(&files);
	}
	session_close(s);
}

/* An unfinished session of this runbook with the same variables (the same site): a
 * second one would split the work and the record. Refused (75) unless --new; the TUI's
 * start form asks instead (session_find_duplicates is the one rule for both). */
static int check_duplicate(struct store *st, const struct runbook *rb, const struct varmap *vm)
{
	char **ids = NULL;
	size_t n = 0;
	struct st_error err = {0};
	if (session_find_duplicates(st, rb, vm, &ids, &n, &err) != ST_OK)
		return sessutil_fail(&err);
	int rc = ST_OK;
	if (n > 0) {
		struct strbuf others = STRBUF_INIT;
		for (size_t i = 1; i < n; i++)
			sb_printf(&others, "%s%s", i > 1 ? ", " : " (also: ", ids[i]);
		if (n > 1)
			sb_puts(&others, ")");
		rc = cli_error(ST_TEMPFAIL,
			       "runbook %s already has an unfinished session with the same variables: %s%s — "
			       "resume it with `steward resume %s`, or give --new to start another one",
			       rb->id, ids[0], sb_str(&others), ids[0]);
		sb_free(&others);
	}
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	return rc;
}

int cmd_start(struct cli_ctx *ctx, int argc, char **argv)
{
	struct start_opts o = {0};
	const char *ref = NULL;
	int rc = parse(argc, argv, &o, &ref);
	if (rc != ST_OK) {
		opts_free(&o);
		return rc < 0 ? ST_OK : rc;
	}
	struct runbook *rb = NULL;
	struct rb_diags diags = {0};
	struct st_error err = {0};
	enum st_code sc = catalog_open(ctx->runbook_dirs, ctx->n_runbook_dirs, ref, &rb, &diags, &err);
	if (sc != ST_OK) {
		rb_diags_print(&diags, stderr);
		rb_diags_free(&diags);
		opts_free(&o);
		return sessutil_fail(&err);
	}
	rb_diags_free(&diags);
	struct session_params p = {
		.vars = &o.vars, .log_dir = o.log_dir, .folder_ids = o.folder_ids, .folder_paths = o.folder_paths,
		.n_folders = o.n_folders, .log_override_names = o.logs.names,
		.log_override_paths = o.logs.values, .n_log_overrides = o.logs.n, .label = o.label, .op = o.op ? o.op : ctx->op, .rehearsal = o.rehearse,
		.wait_divisor = o.wait_divisor};
	rc = sessutil_check_vars(rb, &o.vars);
	if (rc == ST_OK && session_check_params(rb, &p, &err) != ST_OK)
		rc = sessutil_fail(&err);
	if (rc == ST_OK && o.detach)
		rc = sessutil_require_vars(rb, &o.vars);
	if (rc == ST_OK && !o.detach)
		rc = tui_check_terminal();
	struct store *st = NULL;
	if (rc == ST_OK)
		rc = sessutil_open_store(ctx, STORE_WRITE, &st);
	if (rc == ST_OK) {
		if (o.detach && !o.fresh)
			rc = check_duplicate(st, rb, &o.vars);
		if (rc != ST_OK) {
			/* refused: nothing created */
		} else if (o.detach) {
			char *id = NULL;
			sc = session_create(st, rb, &p, &id, &err);
			if (sc == ST_OK) {
				printf("%s\n", id);
				note_defaulted_folders(st, id);
			}
			else
				rc = sessutil_fail(&err);
			free(id);
		} else {
			if (o.op) {
				free(ctx->op);
				ctx->op = xstrdup(o.op);
				store_set_operator(st, o.op);
			}
			rc = tui_start(ctx, st, rb, &p);
		}
	}
	store_close(st);
	runbook_free(rb);
	opts_free(&o);
	return rc;
}
