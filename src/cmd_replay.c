/*
 * cmd_replay.c — `steward replay RUNBOOK LOGDIR [--var NAME=VALUE]... [--log NAME=PATH]...
 * [--from TIME] [--json]`: a runbook checked against logs collected from a real site
 * (replay.h does the work). Read-only: it never opens the session database.
 *
 * Exit: 0 when every applicable verify step would have completed and no failure
 * signature fired; 1 otherwise; 64 usage (unknown option/variable/log, a variable without
 * a default not given, a bad --from); 65 invalid runbook or value; 66 no such runbook,
 * LOGDIR or --log file. The JSON shape is documented in steward(1).
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_sessutil.h"
#include "steward/catalog.h"
#include "steward/replay.h"
#include "steward/text.h"
#include "steward/util.h"

#define WINDOW_RULE                                                                                   \
	"replay has no activation times: the first step counts lines from --from (else the start of the " \
	"logs); each later step from where the verify step before it completed (where that one started, " \
	"when it never completed); a block with since: X from where X started; failure signatures from " \
	"the step's start until it completed"

struct replay_opts {
	struct varmap vars;
	struct cli_pairs logs; /* --log NAME=PATH */
	const char *from;
	bool json;
};

static void opts_free(struct replay_opts *o)
{
	varmap_free(&o->vars);
	cli_pairs_free(&o->logs);
}

/* The window rule wrapped for a terminal ("Windows: ..."), as the text report gives it. */
static void put_rule(struct strbuf *o, int cols)
{
	static const char text[] = "windows: " WINDOW_RULE ".";
	struct text_span *lines = NULL;
	size_t n = text_wrap(text, cols, &lines);
	for (size_t i = 0; i < n; i++) {
		sb_append(o, text + lines[i].off, lines[i].len);
		sb_putc(o, '\n');
	}
	free(lines);
}

/* The verb's help (main.c's table, with the other verbs'), then the window rule. */
static void print_help(void)
{
	cli_help("replay");
	struct strbuf rule = STRBUF_INIT;
	put_rule(&rule, 92);
	printf("\n%s\n", sb_str(&rule));
	sb_free(&rule);
}

static int parse(int argc, char **argv, struct replay_opts *o, const char **ref, const char **dir)
{
	static const struct option opts[] = {
		{"var", required_argument, NULL, 'v'}, {"log", required_argument, NULL, 'l'},
		{"from", required_argument, NULL, 'f'}, {"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},      {NULL, 0, NULL, 0},
	};
	int c, rc;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			if ((rc = cli_take_var("replay", optarg, &o->vars)) != ST_OK)
				return rc;
			break;
		case 'l':
			if ((rc = cli_take_pair("replay", "--log", "NAME=PATH", optarg, &o->logs)) != ST_OK)
				return rc;
			break;
		case 'f': o->from = optarg; break;
		case 'j': o->json = true; break;
		case 'h': print_help(); return -1;
		default: return cli_usage(cli_usage_of("replay"));
		}
	}
	if (argc - optind != 2)
		return cli_usage(cli_usage_of("replay"));
	*ref = argv[optind];
	*dir = argv[optind + 1];
	return ST_OK;
}

/* ---- output --------------------------------------------------------------------- */

static void put_time(struct strbuf *o, int64_t ms)
{
	if (ms == INT64_MIN) {
		sb_puts(o, "(no time)");
		return;
	}
	char t[32];
	util_format_utc_ms(ms, t);
	sb_puts(o, t);
}

static void put_clean(struct strbuf *o, const char *s) { text_sanitize_sb(o, s, strlen(s), 0); }

/* "SiteComp.lo_:17 2006-06-14T05:55:13.517Z (06-14 ... local +240)" */
static void put_where(struct strbuf *o, const struct replay_result *r, size_t i)
{
	const struct replay_line *ln = &r->lines[i];
	put_clean(o, r->logs[ln->log].files[ln->file].path);
	sb_printf(o, ":%llu  ", (unsigned long long)ln->line_no);
	put_time(o, ln->utc_ms);
	if (ln->own_time)
		sb_printf(o, " (local %s, bias %+d%s)", ln->local_time, ln->bias, ln->bias_assumed ? " assumed" : "");
	else
		sb_puts(o, " (no time of its own: the line before it)");
}

static void put_start(struct strbuf *o, const struct replay_result *r, const struct runbook *rb,
		      const struct replay_step *rs, bool has_from)
{
	sb_puts(o, "from ");
	if (rs->start < r->n_lines)
		put_time(o, r->lines[rs->start].utc_ms);
	else
		sb_puts(o, "the end of the logs");
	if (rs->after < 0)
		sb_puts(o, has_from ? " (--from)" : " (the start of the logs)");
	else if (rs->after_incomplete)
		sb_printf(o, " (where %s started: it never completed)", rb->steps[rs->after].id);
	else
		sb_printf(o, " (after %s completed)", rb->steps[rs->after].id);
}

static void text_report(const struct replay_result *r, const struct runbook *rb, const char *dir,
			const struct replay_opts *o, struct strbuf *out)
{
	sb_puts(out, "replay: runbook ");
	put_clean(out, rb->id);
	sb_puts(out, " (");
	put_clean(out, rb->version);
	sb_puts(out, ") against ");
	put_clean(out, dir);
	sb_puts(out, "\n");
	put_rule(out, 100);
	sb_puts(out, "\nlogs:\n");
	for (size_t l = 0; l < r->n_logs; l++) {
		const struct replay_log *lg = &r->logs[l];
		sb_puts(out, "  ");
		put_clean(out, rb->logs[l].name);
		if (lg->n_files == 0) {
			sb_puts(out, ": NOT FOUND (");
			put_clean(out, lg->wanted);
			sb_puts(out, ")\n");
			continue;
		}
		sb_puts(out, ":\n");
		for (size_t f = 0; f < lg->n_files; f++) {
			const struct replay_file *fl = &lg->files[f];
			sb_puts(out, "    ");
			put_clean(out, fl->path);
			sb_printf(out, ": %zu records", fl->records);
			if (fl->any_time) {
				sb_puts(out, ", ");
				put_time(out, fl->first_ms);
				sb_puts(out, " .. ");
				put_time(out, fl->last_ms);
			} else {
				sb_puts(out, ", no timestamps (its lines sort first)");
			}
			if (fl->bias_assumed)
				sb_printf(out, ", times without a bias taken as bias %+d", fl->assumed_bias);
			sb_puts(out, "\n");
		}
	}
	sb_printf(out, "\n%zu lines in time order", r->n_lines);
	if (o->from) {
		sb_puts(out, "; --from ");
		put_clean(out, o->from);
		sb_printf(out, ": %zu before it are not read", r->from_index);
	}
	sb_puts(out, "\n");
	for (size_t k = 0; k < r->n_steps; k++) {
		const struct replay_step *rs = &r->steps[k];
		const struct rb_step *st = &rb->steps[k];
		if (st->n_verify == 0 && st->n_fail == 0)
			continue;
		sb_printf(out, "\nstep %zu %s: ", k + 1, st->id);
		if (!rs->applicable) {
			sb_puts(out, "not applicable (when:)\n");
			continue;
		}
		put_start(out, r, rb, rs, o->from != NULL);
		sb_puts(out, "\n");
		for (size_t b = 0; b < rs->n_blocks; b++) {
			const struct replay_block *bl = &rs->blocks[b];
			sb_puts(out, "  verify ");
			put_clean(out, rb->logs[bl->log].name);
			if (bl->since >= 0) {
				sb_printf(out, " (since %s, from ", rb->steps[bl->since].id);
				if (bl->start < r->n_lines)
					put_time(out, r->lines[bl->start].utc_ms);
				else
					sb_puts(out, "the end of the logs");
				sb_puts(out, ")");
			}
			if (bl->after >= 0)
				sb_printf(out, " (after %s: %s)", rb->steps[bl->after].id,
					  bl->after_unmet ? "it never completed by its lines, so no line counts"
							  : "only lines stamped at or after the line that verified it");
			if (bl->complete) {
				sb_puts(out, ": complete at ");
				put_time(out, r->lines[bl->matched[bl->n_matched - 1].line].utc_ms);
			} else {
				sb_printf(out, ": NEVER COMPLETE (%zu of %zu seen)", bl->n_matched, bl->n_expect);
			}
			sb_puts(out, "\n");
			for (size_t e = 0; e < bl->n_expect; e++) {
				const struct replay_hit *h = e < bl->n_matched ? &bl->matched[e] : NULL;
				const struct rb_pattern *pt = &st->verify[b].expect[e];
				sb_printf(out, "    %zu. ", e + 1);
				if (h) {
					sb_puts(out, "\"");
					put_clean(out, h->pattern);
					sb_puts(out, "\"\n       ");
					put_where(out, r, h->line);
					sb_puts(out, "\n       ");
					put_clean(out, r->lines[h->line].text);
				} else {
					sb_puts(out, pt->is_regex ? "regex \"" : "\"");
					put_clean(out, pt->text);
					sb_puts(out, "\": not seen");
				}
				sb_puts(out, "\n");
			}
		}
		if (st->n_verify > 0) {
			if (rs->verified) {
				sb_puts(out, "  => complete at ");
				size_t at = rs->completed_at_start ? rs->start : rs->done_line;
				if (at < r->n_lines)
					put_time(out, r->lines[at].utc_ms);
				else
					sb_puts(out, "the end of the logs");
				if (rs->completed_at_start)
					sb_puts(out, " (as it started: its lines came before)");
				sb_puts(out, "\n");
			} else {
				sb_puts(out, "  => NEVER COMPLETE\n");
			}
		}
		for (size_t f = 0; f < rs->n_failures; f++) {
			const struct replay_hit *h = &rs->failures[f];
			sb_puts(out, "  FAILURE \"");
			put_clean(out, h->pattern);
			sb_puts(out, "\" fired\n       ");
			put_where(out, r, h->line);
			sb_puts(out, "\n       ");
			put_clean(out, r->lines[h->line].text);
			if (rs->hints[f]) {
				sb_puts(out, "\n       hint: ");
				put_clean(out, rs->hints[f]);
			}
			sb_puts(out, "\n");
		}
	}
	sb_printf(out, "\nresult: %zu of %zu verify steps complete, %zu failure signature%s fired: %s\n",
		  r->n_verified, r->n_verify_steps, r->n_failures, r->n_failures == 1 ? "" : "s",
		  r->ok ? "OK" : "NOT OK");
}

static json_t *jtime(int64_t ms)
{
	if (ms == INT64_MIN)
		return json_null();
	char t[32];
	util_format_utc_ms(ms, t);
	return json_string(t);
}

static json_t *jline(const struct replay_result *r, size_t i)
{
	const struct replay_line *ln = &r->lines[i];
	return json_pack("{s:o, s:I, s:o, s:o, s:o, s:b, s:o}", "file",
			 sessutil_jtext(r->logs[ln->log].files[ln->file].path), "line", (json_int_t)ln->line_no, "utc",
			 jtime(ln->utc_ms), "local_time", ln->own_time ? sessutil_jtext(ln->local_time) : json_null(), "bias",
			 ln->own_time ? json_integer(ln->bias) : json_null(), "bias_assumed", ln->bias_assumed,
			 "text", sessutil_jtext(ln->text));
}

static json_t *jpos(const struct replay_result *r, size_t i)
{
	return i < r->n_lines ? jtime(r->lines[i].utc_ms) : json_null();
}

static json_t *json_report(const struct replay_result *r, const struct runbook *rb, const char *dir,
			   const struct replay_opts *o)
{
	json_t *logs = json_array();
	for (size_t l = 0; l < r->n_logs; l++) {
		const struct replay_log *lg = &r->logs[l];
		json_t *files = json_array();
		for (size_t f = 0; f < lg->n_files; f++) {
			const struct replay_file *fl = &lg->files[f];
			json_array_append_new(
				files, json_pack("{s:o, s:I, s:I, s:o, s:o, s:o}", "path", sessutil_jtext(fl->path), "records",
						 (json_int_t)fl->records, "untimed", (json_int_t)fl->untimed, "first",
						 fl->any_time ? jtime(fl->first_ms) : json_null(), "last",
						 fl->any_time ? jtime(fl->last_ms) : json_null(), "assumed_bias",
						 fl->bias_assumed ? json_integer(fl->assumed_bias) : json_null()));
		}
		json_array_append_new(logs, json_pack("{s:o, s:o, s:b, s:o}", "name", sessutil_jtext(rb->logs[l].name), "wanted",
						      sessutil_jtext(lg->wanted), "found", lg->n_files > 0, "files", files));
	}
	json_t *steps = json_array();
	for (size_t k = 0; k < r->n_steps; k++) {
		const struct replay_step *rs = &r->steps[k];
		const struct rb_step *st = &rb->steps[k];
		if (st->n_verify == 0 && st->n_fail == 0)
			continue;
		json_t *j = json_pack("{s:s, s:I, s:b}", "id", st->id, "number", (json_int_t)(k + 1), "applicable",
				      rs->applicable);
		json_array_append_new(steps, j);
		if (!rs->applicable)
			continue;
		const char *reason = rs->after < 0 ? (o->from ? "from" : "start") : rs->after_incomplete ? "after_incomplete" : "after";
		json_object_set_new(j, "window", json_pack("{s:o, s:s, s:o}", "from", jpos(r, rs->start), "reason", reason,
							   "after", rs->after >= 0 ? json_string(rb->steps[rs->after].id)
										   : json_null()));
		json_t *blocks = json_array();
		for (size_t b = 0; b < rs->n_blocks; b++) {
			const struct replay_block *bl = &rs->blocks[b];
			json_t *matched = json_array();
			for (size_t e = 0; e < bl->n_matched; e++) {
				json_t *m = jline(r, bl->matched[e].line);
				json_object_set_new(m, "expect", sessutil_jtext(bl->matched[e].pattern));
				json_object_set_new(m, "index", json_integer((json_int_t)bl->matched[e].index));
				json_array_append_new(matched, m);
			}
			json_t *waiting = json_null();
			if (!bl->complete) {
				const struct rb_pattern *pt = &st->verify[b].expect[bl->n_matched];
				waiting = json_pack("{s:o, s:b}", "expect", sessutil_jtext(pt->text), "regex", pt->is_regex);
			}
			json_array_append_new(
				blocks, json_pack("{s:o, s:o, s:o, s:b, s:o, s:o, s:o}", "log", sessutil_jtext(rb->logs[bl->log].name),
						  "since", bl->since >= 0 ? json_string(rb->steps[bl->since].id) : json_null(),
						  "from", jpos(r, bl->start), "complete", bl->complete, "completed_at",
						  bl->complete ? jtime(r->lines[bl->matched[bl->n_matched - 1].line].utc_ms)
							       : json_null(),
						  "matched", matched, "waiting_for", waiting));
		}
		json_object_set_new(j, "verify", blocks);
		if (st->n_verify > 0) {
			json_object_set_new(j, "verified", json_boolean(rs->verified));
			json_object_set_new(j, "completed_at",
					    rs->verified ? jpos(r, rs->completed_at_start ? rs->start : rs->done_line)
							 : json_null());
			json_object_set_new(j, "completed_at_start", json_boolean(rs->verified && rs->completed_at_start));
		}
		json_t *fails = json_array();
		for (size_t f = 0; f < rs->n_failures; f++) {
			json_t *x = jline(r, rs->failures[f].line);
			json_object_set_new(x, "log", sessutil_jtext(rb->logs[st->fail[rs->failures[f].index].log_index].name));
			json_object_set_new(x, "match", sessutil_jtext(rs->failures[f].pattern));
			json_object_set_new(x, "hint", sessutil_jtext(rs->hints[f]));
			json_array_append_new(fails, x);
		}
		json_object_set_new(j, "failures", fails);
	}
	return json_pack("{s:{s:o, s:o, s:o}, s:o, s:o, s:s, s:o, s:I, s:o, s:{s:I, s:I, s:I, s:b}}", "runbook", "id",
			 sessutil_jtext(rb->id), "version", sessutil_jtext(rb->version), "title", sessutil_jtext(rb->title), "logdir", sessutil_jtext(dir),
			 "from", o->from ? jpos(r, r->from_index) : json_null(), "window_rule", WINDOW_RULE, "logs",
			 logs, "lines", (json_int_t)r->n_lines, "steps", steps, "summary", "verify_steps",
			 (json_int_t)r->n_verify_steps, "verified", (json_int_t)r->n_verified, "failures",
			 (json_int_t)r->n_failures, "ok", r->ok);
}

/* ---- the verb -------------------------------------------------------------------- */

/* Per runbook log: the --log path given for it (NULL when none); 64 for an unknown name. */
static int log_paths_of(const struct runbook *rb, const struct replay_opts *o, const char ***out)
{
	*out = xcalloc(rb->n_logs + 1, sizeof **out);
	for (size_t i = 0; i < o->logs.n; i++) {
		const struct rb_log *lg = runbook_log(rb, o->logs.names[i]);
		if (!lg) {
			char *why = runbook_no_such_name(rb, RB_NAMED_LOG, o->logs.names[i]);
			int rc = cli_error(ST_USAGE, "replay: --log %s: %s", o->logs.names[i], why);
			free(why);
			return rc;
		}
		(*out)[lg - rb->logs] = o->logs.values[i];
	}
	return ST_OK;
}

int cmd_replay(struct cli_ctx *ctx, int argc, char **argv)
{
	struct replay_opts o = {0};
	const char *ref = NULL, *dir = NULL;
	int rc = parse(argc, argv, &o, &ref, &dir);
	if (rc != ST_OK) {
		opts_free(&o);
		return rc < 0 ? ST_OK : rc;
	}
	struct replay_params p = {.log_dir = dir};
	if (o.from && !replay_parse_time(o.from, &p.from_ms)) {
		opts_free(&o);
		return cli_error(ST_USAGE, "replay: --from %s: give a time such as 2006-06-14T05:40:00Z or "
					   "2006-06-14 01:40:00-04:00 (no zone: UTC)", o.from);
	}
	p.has_from = o.from != NULL;
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
	const char **paths = NULL;
	rc = sessutil_check_vars(rb, &o.vars);
	if (rc == ST_OK)
		rc = sessutil_require_vars(rb, &o.vars);
	if (rc == ST_OK)
		rc = log_paths_of(rb, &o, &paths);
	if (rc == ST_OK) {
		p.rb = rb;
		p.vars = &o.vars;
		p.log_paths = paths;
		struct replay_result r;
		sc = replay_run(&p, &r, &err);
		if (sc != ST_OK) {
			rc = sessutil_fail(&err);
		} else {
			if (o.json) {
				json_t *j = json_report(&r, rb, dir, &o);
				char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
				if (!s)
					util_fatal("cannot encode the replay report");
				puts(s);
				free(s);
				json_decref(j);
			} else {
				struct strbuf out = STRBUF_INIT;
				text_report(&r, rb, dir, &o, &out);
				fwrite(out.data, 1, out.len, stdout);
				sb_free(&out);
			}
			rc = r.ok ? ST_OK : ST_FAILED;
		}
		replay_result_free(&r);
	}
	free(paths);
	runbook_free(rb);
	opts_free(&o);
	return rc;
}
