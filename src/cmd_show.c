/*
 * cmd_show.c — `steward show RUNBOOK [--json] [--var NAME=VALUE]...`: a runbook as a
 * readable document (or faithful JSON), ${vars} substituted where a value is known.
 *
 * Values come from --var first, then each variable's default; a variable with
 * neither stays visible as ${name}, and the document says which is which. RUNBOOK is
 * an id from the search path or a path to a file (catalog_open). Everything printed
 * from the runbook goes through text_sanitize: a runbook may come from anywhere. The text
 * is wrapped to the terminal and paged (cmd_pager.h); JSON never is.
 */
#include "steward/cli.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_pager.h"
#include "steward/catalog.h"
#include "steward/runbook.h"
#include "steward/text.h"
#include "steward/util.h"
#include "steward/vars.h"

enum source { SRC_NONE, SRC_GIVEN, SRC_DEFAULT };

struct show {
	const struct runbook *rb;
	struct varmap vm;
	enum source *src; /* per variable */
	bool reflow;      /* wrapping to a width: paragraphs are reflowed (text_reflow) first */
};

/* ---- text ------------------------------------------------------------------------ */

static void put(struct strbuf *sb, const char *s)
{
	if (s)
		text_sanitize_sb(sb, s, strlen(s), 0);
}

/* Substituted, sanitized, one line. */
static void put_sub(struct strbuf *sb, const struct show *sh, const char *tmpl)
{
	char *s = vars_subst(tmpl, &sh->vm);
	put(sb, s);
	free(s);
}

/* Substituted, sanitized, every line indented. */
static void put_block(struct strbuf *sb, const struct show *sh, const char *tmpl, const char *indent)
{
	char *s = vars_subst(tmpl, &sh->vm);
	if (sh->reflow) { /* hard breaks inside a paragraph go; paragraphs and list items stay */
		char *r = text_reflow(s);
		free(s);
		s = r;
	}
	char *clean = text_sanitize(s, strlen(s), TEXT_NEWLINES);
	size_t len = strlen(clean);
	while (len > 0 && clean[len - 1] == '\n')
		clean[--len] = '\0';
	const char *p = clean;
	for (;;) {
		const char *nl = strchr(p, '\n');
		sb_puts(sb, indent);
		sb_append(sb, p, nl ? (size_t)(nl - p) : strlen(p));
		sb_putc(sb, '\n');
		if (!nl)
			break;
		p = nl + 1;
	}
	free(clean);
	free(s);
}

/* Substituted, sanitized, reflowed and wrapped to 100 columns: the first line starts
 * with first, the others with rest (of the same width). */
static void put_wrapped(struct strbuf *sb, const struct show *sh, const char *tmpl, const char *first,
			const char *rest)
{
	char *s = vars_subst(tmpl, &sh->vm);
	char *flow = text_reflow(s);
	char *clean = text_sanitize(flow, strlen(flow), TEXT_NEWLINES);
	struct text_span *lines = NULL;
	size_t n = text_wrap(clean, 100 - (int)strlen(first), &lines);
	for (size_t i = 0; i < n; i++) {
		sb_puts(sb, i ? rest : first);
		sb_append(sb, clean + lines[i].off, lines[i].len);
		sb_putc(sb, '\n');
	}
	free(lines);
	free(clean);
	free(flow);
	free(s);
}

static void put_pattern(struct strbuf *sb, const struct show *sh, const struct rb_pattern *pt)
{
	if (pt->is_regex) {
		sb_puts(sb, "regex /");
		char *s = vars_subst_regex(pt->text, &sh->vm);
		put(sb, s);
		free(s);
		sb_puts(sb, "/");
	} else {
		sb_puts(sb, "\"");
		put_sub(sb, sh, pt->text);
		sb_puts(sb, "\"");
	}
	if (pt->nocase)
		sb_puts(sb, " (any case)");
}

/* ---- where the logs are ----------------------------------------------------------- */

/* The folder a log is in: "logs" (the main folder) or a log_folders id; NULL for an
 * absolute file. */
static const char *log_folder_id(const struct rb_log *log)
{
	if (log->file[0] == '/')
		return NULL;
	return log->folder ? log->folder : RB_MAIN_LOG_FOLDER;
}

/* The machine a log's folder is on, substituted (caller frees); NULL when not said. */
static char *log_machine(const struct show *sh, const struct rb_log *log)
{
	const struct rb_log_folder *f = log->folder ? runbook_log_folder(sh->rb, log->folder) : NULL;
	return f && f->machine ? vars_subst(f->machine, &sh->vm) : NULL;
}

/* Sanitized s padded with spaces to cols display columns. */
static void put_cell(struct strbuf *sb, const char *s, int cols)
{
	char *clean = text_sanitize(s, strlen(s), 0);
	sb_puts(sb, clean);
	for (int w = text_width(clean); w < cols; w++)
		sb_putc(sb, ' ');
	free(clean);
}

static int cell_width(const char *s)
{
	char *clean = text_sanitize(s, strlen(s), 0);
	int w = text_width(clean);
	free(clean);
	return w;
}

/* The logs table: for each log its file, its folder and the machine that folder is on
 * (the MACHINE column only when the runbook names a machine for some log). */
static void render_logs(struct strbuf *sb, const struct show *sh)
{
	const struct runbook *rb = sh->rb;
	if (!rb->n_logs)
		return;
	enum { NCOL = 4 };
	static const char *const head[NCOL] = {"LOG", "FILE", "FOLDER", "MACHINE"};
	char **cells = xcalloc(rb->n_logs * NCOL, sizeof *cells);
	int width[NCOL];
	int ncol = NCOL - 1;
	for (int c = 0; c < NCOL; c++)
		width[c] = (int)strlen(head[c]);
	for (size_t i = 0; i < rb->n_logs; i++) {
		const struct rb_log *log = &rb->logs[i];
		const char *folder = log_folder_id(log);
		char *machine = log_machine(sh, log);
		if (machine)
			ncol = NCOL;
		cells[i * NCOL] = xstrdup(log->name);
		cells[i * NCOL + 1] = xstrdup(log->file);
		cells[i * NCOL + 2] = xstrdup(folder ? folder : "(absolute path)");
		cells[i * NCOL + 3] = machine ? machine : xstrdup("(not said)");
		for (int c = 0; c < NCOL; c++) {
			int w = cell_width(cells[i * NCOL + c]);
			if (w > width[c])
				width[c] = w;
		}
	}
	sb_puts(sb, "\nLogs (each file is in its folder; 'logs' is the main log folder, --logs DIR):\n");
	for (size_t i = 0; i <= rb->n_logs; i++) {
		sb_puts(sb, "  ");
		for (int c = 0; c < ncol; c++)
			put_cell(sb, i ? cells[(i - 1) * NCOL + c] : head[c], c + 1 < ncol ? width[c] + 2 : 0);
		sb_putc(sb, '\n');
	}
	for (size_t i = 0; i < rb->n_logs * NCOL; i++)
		free(cells[i]);
	free(cells);
}

/* The folders a session asks for, with the runbook's machine, prompt and hint. */
static void render_folders(struct strbuf *sb, const struct show *sh)
{
	const struct runbook *rb = sh->rb;
	if (!rb->n_log_folders)
		return;
	sb_puts(sb, "\nLog folders (give each with --folder ID=PATH; one not given defaults to the main log "
		    "folder):\n  logs: the main log folder (--logs DIR)\n");
	for (size_t k = 0; k < rb->n_log_folders; k++) {
		const struct rb_log_folder *f = &rb->log_folders[k];
		sb_puts(sb, "  ");
		put(sb, f->id);
		if (f->machine) {
			sb_puts(sb, " on ");
			put_sub(sb, sh, f->machine);
		}
		sb_puts(sb, ": ");
		put_sub(sb, sh, f->prompt);
		sb_putc(sb, '\n');
		if (f->hint) {
			sb_puts(sb, "      hint: ");
			put_sub(sb, sh, f->hint);
			sb_putc(sb, '\n');
		}
	}
}

/* "yes" when every when: variable has a value and they hold, "no", or NULL when unknown. */
static const char *applies(const struct show *sh, const struct rb_step *st)
{
	for (size_t i = 0; i < st->n_when; i++)
		if (!varmap_get(&sh->vm, st->when[i].var))
			return NULL;
	return vars_step_applies(st, &sh->vm) ? "yes" : "no";
}

static void render_step(struct strbuf *sb, const struct show *sh, const struct rb_step *st,
			size_t number)
{
	const struct runbook *rb = sh->rb;
	char dur[32];
	sb_printf(sb, "\n  %zu. ", number);
	put_sub(sb, sh, st->title);
	sb_puts(sb, "  [");
	put(sb, st->id);
	sb_puts(sb, "]\n");
	if (st->n_when) {
		sb_puts(sb, "     when: ");
		for (size_t i = 0; i < st->n_when; i++) {
			sb_puts(sb, i ? " and " : "");
			put(sb, st->when[i].var);
			sb_puts(sb, st->when[i].n_values > 1 ? " is one of " : " = ");
			for (size_t k = 0; k < st->when[i].n_values; k++) {
				sb_puts(sb, k ? ", " : "");
				put(sb, st->when[i].values[k]);
			}
		}
		const char *a = applies(sh, st);
		sb_printf(sb, "%s\n", !a ? "" : strcmp(a, "yes") == 0 ? "  (applies)"
									: "  (NOT APPLICABLE with these values)");
	}
	if (st->host) {
		sb_puts(sb, "     on host: ");
		put_sub(sb, sh, st->host);
		sb_putc(sb, '\n');
	}
	if (st->body)
		put_block(sb, sh, st->body, "     | ");
	if (st->n_command) {
		sb_puts(sb, "     command (steward never runs it):\n");
		for (size_t i = 0; i < st->n_command; i++)
			put_block(sb, sh, st->command[i], "       > ");
	}
	if (st->caution) {
		sb_puts(sb, "     CAUTION: ");
		put_sub(sb, sh, st->caution);
		sb_putc(sb, '\n');
	}
	if (st->n_checklist) {
		sb_puts(sb, "     checklist:\n");
		for (size_t i = 0; i < st->n_checklist; i++) {
			sb_puts(sb, "       [ ] ");
			put_sub(sb, sh, st->checklist[i]);
			sb_putc(sb, '\n');
		}
	}
	if (st->confirm) {
		sb_puts(sb, "     confirm: type ");
		put(sb, st->confirm);
		sb_puts(sb, " to complete the step\n");
	}
	if (st->wait_s >= 0) {
		duration_format(st->wait_s, dur, sizeof dur);
		sb_printf(sb, "     wait: %s after the step becomes active before it can be completed\n", dur);
	}
	for (size_t i = 0; i < st->n_verify; i++) {
		const struct rb_verify *v = &st->verify[i];
		sb_puts(sb, "     verify in log ");
		put(sb, v->log);
		sb_puts(sb, " (");
		put(sb, rb->logs[v->log_index].file);
		if (rb->logs[v->log_index].folder) {
			char *machine = log_machine(sh, &rb->logs[v->log_index]);
			sb_puts(sb, " in folder ");
			put(sb, rb->logs[v->log_index].folder);
			if (machine) {
				sb_puts(sb, " on ");
				put(sb, machine);
			}
			free(machine);
		}
		sb_puts(sb, "), in this order, lines written after ");
		const char *wstep = v->since ? v->since : v->after;
		if (wstep) {
			sb_puts(sb, "step ");
			put(sb, wstep);
			sb_puts(sb, " became active");
		} else {
			sb_puts(sb, "this step became active");
		}
		if (v->after) {
			sb_puts(sb, "; " RB_AFTER_PHRASE);
			put(sb, v->after);
			sb_puts(sb, " (by the lines' own time; " RB_AFTER_UNVERIFIED ")");
		}
		if (v->timeout_s >= 0) {
			duration_format(v->timeout_s, dur, sizeof dur);
			sb_printf(sb, "; overdue after %s", dur);
		}
		sb_puts(sb, ":\n");
		for (size_t k = 0; k < v->n_expect; k++) {
			sb_printf(sb, "       %zu) ", k + 1);
			put_pattern(sb, sh, &v->expect[k]);
			sb_putc(sb, '\n');
		}
	}
	for (size_t i = 0; i < st->n_fail; i++) {
		const struct rb_fail *f = &st->fail[i];
		sb_puts(sb, "     fails if log ");
		put(sb, f->log);
		sb_puts(sb, " shows ");
		put_pattern(sb, sh, &f->match);
		sb_putc(sb, '\n');
		if (f->hint) {
			sb_puts(sb, "       hint: ");
			put_sub(sb, sh, f->hint);
			sb_putc(sb, '\n');
		}
	}
	if (st->n_practice) {
		/* Set apart from the source's text, and labelled, so it is never read as the
		 * source's advice. */
		sb_puts(sb, "     " RB_PRACTICE_LABEL ":\n");
		for (size_t i = 0; i < st->n_practice; i++)
			put_wrapped(sb, sh, st->practice[i], "       ~ ", "         ");
	}
	if (st->n_references) {
		sb_puts(sb, "     references: ");
		for (size_t i = 0; i < st->n_references; i++) {
			sb_puts(sb, i ? "; " : "");
			put(sb, st->references[i]);
		}
		sb_putc(sb, '\n');
	}
}

static void render_text(struct strbuf *sb, const struct show *sh)
{
	const struct runbook *rb = sh->rb;
	put_sub(sb, sh, rb->title);
	sb_puts(sb, "\n");
	sb_puts(sb, "id ");
	put(sb, rb->id);
	sb_puts(sb, ", version ");
	put(sb, rb->version);
	sb_printf(sb, ", %zu phase%s, %zu step%s\nfile ", rb->n_phases, rb->n_phases == 1 ? "" : "s",
		  rb->n_steps, rb->n_steps == 1 ? "" : "s");
	put(sb, rb->path);
	sb_printf(sb, "\nsha256 %s\n", rb->sha256);
	if (rb->summary) {
		sb_puts(sb, "\n");
		put_block(sb, sh, rb->summary, "  ");
	}
	if (rb->n_sources) {
		sb_puts(sb, "\nSources:\n");
		for (size_t i = 0; i < rb->n_sources; i++) {
			sb_puts(sb, "  - ");
			put(sb, rb->sources[i]);
			sb_putc(sb, '\n');
		}
	}
	if (rb->n_variables) {
		bool missing = false;
		sb_puts(sb, "\nVariables:\n");
		for (size_t i = 0; i < rb->n_variables; i++) {
			const struct rb_variable *v = &rb->variables[i];
			sb_puts(sb, "  ");
			put(sb, v->name);
			sb_puts(sb, " = ");
			const char *val = varmap_get(&sh->vm, v->name);
			if (val) {
				put(sb, val);
				sb_puts(sb, sh->src[i] == SRC_GIVEN ? "  (given)" : "  (default)");
			} else {
				sb_printf(sb, "${%s}  (not given)", v->name);
				missing = true;
			}
			sb_puts(sb, "\n      ");
			put(sb, v->prompt);
			if (v->pattern) {
				sb_puts(sb, "; must match ");
				put(sb, v->pattern);
			}
			if (v->n_choices) {
				sb_puts(sb, "; one of ");
				for (size_t k = 0; k < v->n_choices; k++) {
					sb_puts(sb, k ? ", " : "");
					put(sb, v->choices[k]);
				}
			}
			sb_putc(sb, '\n');
		}
		if (missing)
			sb_puts(sb, "  Variables not given (and without a default) are shown as ${name};"
				    " give them with --var NAME=VALUE.\n");
	}
	render_logs(sb, sh);
	render_folders(sb, sh);
	for (size_t p = 0; p < rb->n_phases; p++) {
		const struct rb_phase *ph = &rb->phases[p];
		sb_printf(sb, "\nPhase %zu of %zu: ", p + 1, rb->n_phases);
		put_sub(sb, sh, ph->title);
		sb_puts(sb, "  [");
		put(sb, ph->id);
		sb_puts(sb, "]\n");
		for (size_t s = 0; s < ph->n_steps; s++)
			render_step(sb, sh, &rb->steps[ph->first_step + s], ph->first_step + s + 1);
	}
}

/* ---- JSON ------------------------------------------------------------------------ */

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *jsub(const struct show *sh, const char *tmpl)
{
	if (!tmpl)
		return json_null();
	char *s = vars_subst(tmpl, &sh->vm);
	json_t *j = json_string(s);
	free(s);
	return j ? j : json_null(); /* json_string refuses invalid UTF-8 */
}

static json_t *jstrv(char **v, size_t n, const struct show *sh)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, sh ? jsub(sh, v[i]) : jstr(v[i]));
	return a;
}

static json_t *jdur(long s)
{
	return s >= 0 ? json_integer(s) : json_null();
}

static json_t *jpattern(const struct show *sh, const struct rb_pattern *pt)
{
	json_t *text;
	if (pt->is_regex) {
		char *s = vars_subst_regex(pt->text, &sh->vm);
		text = json_string(s);
		free(s);
	} else {
		text = jsub(sh, pt->text);
	}
	return json_pack("{s:o, s:b, s:b}", "text", text ? text : json_null(), "regex", pt->is_regex,
			 "any_case", pt->nocase);
}

static json_t *jstep(const struct show *sh, const struct rb_step *st)
{
	json_t *when = json_object();
	for (size_t i = 0; i < st->n_when; i++)
		json_object_set_new(when, st->when[i].var, jstrv(st->when[i].values, st->when[i].n_values, NULL));
	const char *a = applies(sh, st);
	json_t *verify = json_array();
	for (size_t i = 0; i < st->n_verify; i++) {
		const struct rb_verify *v = &st->verify[i];
		json_t *expect = json_array();
		for (size_t k = 0; k < v->n_expect; k++)
			json_array_append_new(expect, jpattern(sh, &v->expect[k]));
		json_array_append_new(verify, json_pack("{s:s, s:o, s:o, s:o, s:o}", "log", v->log, "expect",
							expect, "since", jstr(v->since), "after", jstr(v->after),
							"timeout_s", jdur(v->timeout_s)));
	}
	json_t *fail = json_array();
	for (size_t i = 0; i < st->n_fail; i++) {
		const struct rb_fail *f = &st->fail[i];
		json_array_append_new(fail, json_pack("{s:s, s:o, s:o}", "log", f->log, "match",
						      jpattern(sh, &f->match), "hint", jsub(sh, f->hint)));
	}
	json_t *j = json_object();
	json_object_set_new(j, "id", json_string(st->id));
	json_object_set_new(j, "title", jsub(sh, st->title));
	json_object_set_new(j, "when", when);
	json_object_set_new(j, "applies", a ? json_boolean(strcmp(a, "yes") == 0) : json_null());
	json_object_set_new(j, "host", jsub(sh, st->host));
	json_object_set_new(j, "body", jsub(sh, st->body));
	json_object_set_new(j, "command", jstrv(st->command, st->n_command, sh));
	json_object_set_new(j, "caution", jsub(sh, st->caution));
	json_object_set_new(j, "checklist", jstrv(st->checklist, st->n_checklist, sh));
	json_object_set_new(j, "confirm", jstr(st->confirm));
	json_object_set_new(j, "wait_s", jdur(st->wait_s));
	json_object_set_new(j, "verify", verify);
	json_object_set_new(j, "fail", fail);
	json_object_set_new(j, "references", jstrv(st->references, st->n_references, NULL));
	json_object_set_new(j, "practice", jstrv(st->practice, st->n_practice, sh));
	return j;
}

static json_t *render_json(const struct show *sh)
{
	const struct runbook *rb = sh->rb;
	json_t *vars = json_array();
	for (size_t i = 0; i < rb->n_variables; i++) {
		const struct rb_variable *v = &rb->variables[i];
		static const char *const src[] = {[SRC_NONE] = NULL, [SRC_GIVEN] = "given",
						  [SRC_DEFAULT] = "default"};
		json_t *jv = json_object();
		json_object_set_new(jv, "name", json_string(v->name));
		json_object_set_new(jv, "prompt", jstr(v->prompt));
		json_object_set_new(jv, "pattern", jstr(v->pattern));
		json_object_set_new(jv, "choices", v->n_choices ? jstrv(v->choices, v->n_choices, NULL)
								: json_null());
		json_object_set_new(jv, "default", jstr(v->def));
		json_object_set_new(jv, "value", jstr(varmap_get(&sh->vm, v->name)));
		json_object_set_new(jv, "value_from", jstr(src[sh->src[i]]));
		json_array_append_new(vars, jv);
	}
	json_t *logs = json_object(), *places = json_object(), *folders = json_array();
	for (size_t i = 0; i < rb->n_logs; i++) {
		const struct rb_log *log = &rb->logs[i];
		json_object_set_new(logs, log->name, json_string(log->file));
		char *machine = log_machine(sh, log);
		json_object_set_new(places, log->name, json_pack("{s:s, s:o, s:o}", "file", log->file, "folder",
								 jstr(log_folder_id(log)), "machine", jstr(machine)));
		free(machine);
	}
	json_array_append_new(folders, json_pack("{s:s, s:n, s:n, s:n}", "id", RB_MAIN_LOG_FOLDER, "machine",
						 "prompt", "hint"));
	for (size_t k = 0; k < rb->n_log_folders; k++) {
		const struct rb_log_folder *f = &rb->log_folders[k];
		json_array_append_new(folders, json_pack("{s:s, s:o, s:o, s:o}", "id", f->id, "machine",
							 jsub(sh, f->machine), "prompt", jsub(sh, f->prompt),
							 "hint", jsub(sh, f->hint)));
	}
	json_t *phases = json_array();
	for (size_t p = 0; p < rb->n_phases; p++) {
		const struct rb_phase *ph = &rb->phases[p];
		json_t *steps = json_array();
		for (size_t s = 0; s < ph->n_steps; s++)
			json_array_append_new(steps, jstep(sh, &rb->steps[ph->first_step + s]));
		json_array_append_new(phases, json_pack("{s:s, s:o, s:o}", "id", ph->id, "title",
							jsub(sh, ph->title), "steps", steps));
	}
	json_t *j = json_object();
	json_object_set_new(j, "runbook", json_integer(1));
	json_object_set_new(j, "id", json_string(rb->id));
	json_object_set_new(j, "title", jsub(sh, rb->title));
	json_object_set_new(j, "version", jstr(rb->version));
	json_object_set_new(j, "summary", jstr(rb->summary));
	json_object_set_new(j, "sources", jstrv(rb->sources, rb->n_sources, NULL));
	json_object_set_new(j, "path", jstr(rb->path));
	json_object_set_new(j, "sha256", json_string(rb->sha256));
	json_object_set_new(j, "steps", json_integer((json_int_t)rb->n_steps));
	json_object_set_new(j, "variables", vars);
	json_object_set_new(j, "logs", logs);
	json_object_set_new(j, "log_places", places);
	json_object_set_new(j, "log_folders", folders);
	json_object_set_new(j, "phases", phases);
	return j;
}

/* ---- the verb -------------------------------------------------------------------- */

int cmd_show(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *usage = cli_usage_of("show");
	const char *ref = NULL;
	bool json = false, opts_done = false;
	struct varmap given = {0};
	int rc = ST_OK;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!opts_done && strcmp(a, "--") == 0) {
			opts_done = true;
		} else if (!opts_done && strcmp(a, "--json") == 0) {
			json = true;
		} else if (!opts_done && (strcmp(a, "--var") == 0 || strncmp(a, "--var=", 6) == 0)) {
			const char *arg = a[5] == '=' ? a + 6 : (i + 1 < argc ? argv[++i] : NULL);
			if (!arg)
				fprintf(stderr, "steward: show: --var needs NAME=VALUE\n");
			if (!arg || cli_take_var("show", arg, &given) != ST_OK) {
				varmap_free(&given);
				return cli_usage(usage);
			}
		} else if (!opts_done && (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)) {
			cli_help("show");
			varmap_free(&given);
			return ST_OK;
		} else if (!opts_done && a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "steward: show: unknown option '%s'\n", a);
			varmap_free(&given);
			return cli_usage(usage);
		} else if (!ref) {
			ref = a;
		} else {
			fprintf(stderr, "steward: show: one RUNBOOK at a time ('%s' is extra)\n", a);
			varmap_free(&given);
			return cli_usage(usage);
		}
	}
	if (!ref) {
		varmap_free(&given);
		return cli_usage(usage);
	}

	struct runbook *rb = NULL;
	struct rb_diags diags = {0};
	struct st_error err = {0};
	enum st_code code = catalog_open(ctx->runbook_dirs, ctx->n_runbook_dirs, ref, &rb, &diags, &err);
	if (code != ST_OK) {
		rb_diags_print(&diags, stderr);
		rb_diags_free(&diags);
		varmap_free(&given);
		return cli_error(code, "%s", err.msg);
	}
	rb_diags_free(&diags);

	struct show sh = {.rb = rb};
	sh.src = xcalloc(rb->n_variables + 1, sizeof(*sh.src));
	for (size_t i = 0; i < given.n; i++) {
		const struct rb_variable *v = runbook_variable(rb, given.names[i]);
		if (!v) {
			struct strbuf names = STRBUF_INIT;
			for (size_t k = 0; k < rb->n_variables; k++)
				sb_printf(&names, "%s%s", k ? ", " : "", rb->variables[k].name);
			rc = cli_error(ST_USAGE, "show: '%s' is not a variable of runbook %s — it declares: %s",
				       given.names[i], rb->id, rb->n_variables ? sb_str(&names) : "none");
			sb_free(&names);
			goto out;
		}
		char *why = vars_check_value(v, given.values[i]);
		if (why) {
			fprintf(stderr, "steward: show: warning: %s: %s (shown anyway)\n", v->name, why);
			free(why);
		}
	}
	for (size_t i = 0; i < rb->n_variables; i++) {
		const struct rb_variable *v = &rb->variables[i];
		const char *val = varmap_get(&given, v->name);
		if (val) {
			varmap_set(&sh.vm, v->name, val);
			sh.src[i] = SRC_GIVEN;
		} else if (v->def) {
			varmap_set(&sh.vm, v->name, v->def);
			sh.src[i] = SRC_DEFAULT;
		}
	}

	if (json) {
		json_t *j = render_json(&sh);
		if (json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0)
			rc = cli_error(ST_IOERR, "show: cannot write the JSON");
		else
			fputc('\n', stdout);
		json_decref(j);
	} else {
		struct strbuf sb = STRBUF_INIT;
		int cols = pager_columns();
		sh.reflow = cols > 0;
		render_text(&sb, &sh);
		char *wrapped = pager_wrap(sb_str(&sb), cols);
		if (pager_write(wrapped, strlen(wrapped)) != 0 && rc == ST_OK)
			rc = cli_error(ST_IOERR, "show: cannot write to stdout");
		free(wrapped);
		sb_free(&sb);
	}
	if (fflush(stdout) != 0 && rc == ST_OK)
		rc = cli_error(ST_IOERR, "show: cannot write to stdout");
out:
	varmap_free(&sh.vm);
	free(sh.src);
	varmap_free(&given);
	runbook_free(rb);
	return rc;
}
