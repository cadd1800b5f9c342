/*
 * replay.c — a runbook played over a site's collected logs (replay.h): read (logtail,
 * one-shot), parse (smslog), order by the records' own times, match (match.h). No
 * rule of its own about what a line means: the parser and the matcher are the session's.
 */
#include "steward/replay.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "steward/logfile.h"
#include "steward/logtail.h"
#include "steward/match.h"
#include "steward/smslog.h"
#include "steward/util.h"

#define MAX_HITS 32

/* ---- --from --------------------------------------------------------------------- */

static bool num(const char **pp, int n, long *out)
{
	long v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*pp)[i]))
			return false;
		v = v * 10 + ((*pp)[i] - '0');
	}
	*pp += n;
	*out = v;
	return true;
}

bool replay_parse_time(const char *s, int64_t *ms)
{
	const char *p = s;
	long y, mo, d, h, mi, sec = 0, frac = 0;
	if (!num(&p, 4, &y) || *p++ != '-' || !num(&p, 2, &mo) || *p++ != '-' || !num(&p, 2, &d))
		return false;
	if (*p != 'T' && *p != 't' && *p != ' ')
		return false;
	p++;
	if (!num(&p, 2, &h) || *p++ != ':' || !num(&p, 2, &mi))
		return false;
	if (*p == ':') {
		p++;
		if (!num(&p, 2, &sec))
			return false;
		if (*p == '.') {
			p++;
			int n = 0;
			while (isdigit((unsigned char)*p)) {
				if (n < 3)
					frac = frac * 10 + (*p - '0');
				n++, p++;
			}
			if (n == 0 || n > 9)
				return false;
			for (; n < 3; n++)
				frac *= 10;
		}
	}
	long off = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1;
		long oh, om = 0;
		if (!num(&p, 2, &oh))
			return false;
		if (*p == ':')
			p++;
		if (isdigit((unsigned char)*p) && !num(&p, 2, &om))
			return false;
		if (oh > 14 || om > 59)
			return false;
		off = sign * (oh * 60 + om);
	}
	if (*p != '\0' || y < 1900 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return false;
	struct tm tm = {.tm_year = (int)y - 1900, .tm_mon = (int)mo - 1, .tm_mday = (int)d, .tm_hour = (int)h,
			.tm_min = (int)mi, .tm_sec = (int)sec};
	int64_t local = (int64_t)timegm(&tm);
	*ms = (local - off * 60) * 1000 + frac;
	return true;
}

/* ---- reading -------------------------------------------------------------------- */

struct reading {
	struct replay_result *r;
	size_t log, file;
	struct smslog_asm *asm_;
	size_t cap;
	/* per file: the records read, before times are settled */
	struct log_record *recs;
	size_t n_recs, cap_recs;
};

static void on_record(void *ctx, struct log_record *rec)
{
	struct reading *rd = ctx;
	if (rd->n_recs == rd->cap_recs) {
		rd->cap_recs = rd->cap_recs ? rd->cap_recs * 2 : 256;
		rd->recs = xreallocarray(rd->recs, rd->cap_recs, sizeof *rd->recs);
	}
	log_record_move(&rd->recs[rd->n_recs++], rec);
}

static bool on_line(void *ctx, size_t idx, const struct logtail_line *ln)
{
	(void)idx;
	struct reading *rd = ctx;
	smslog_asm_feed(rd->asm_, ln->text, ln->len, ln->offset, ln->end_offset, on_record, rd);
	return true;
}

static void on_note(void *ctx, size_t idx, enum logtail_note what, const char *old_file, const char *new_file,
		    const char *msg)
{
	(void)idx, (void)old_file, (void)new_file, (void)msg;
	struct reading *rd = ctx;
	if (what == LTN_FILE_END) {
		smslog_asm_flush(rd->asm_, on_record, rd);
		smslog_asm_reset(rd->asm_, 1);
	}
}

static void add_line(struct replay_result *r, size_t *cap, const struct replay_line *ln)
{
	if (r->n_lines == *cap) {
		*cap = *cap ? *cap * 2 : 1024;
		r->lines = xreallocarray(r->lines, *cap, sizeof *r->lines);
	}
	r->lines[r->n_lines++] = *ln;
}

/* Reads one file's records (one-shot: every line, the last one too). */
static void read_file(const char *path, struct reading *rd)
{
	struct logtail *t = logtail_new();
	logtail_set_oneshot(t, true);
	logtail_force_polling(t, true);
	logtail_add(t, path, LT_START_BEGIN, NULL, 0);
	rd->asm_ = smslog_asm_new();
	smslog_asm_reset(rd->asm_, 1);
	struct logtail_cbs cbs = {.line = on_line, .note = on_note};
	logtail_process(t, &cbs, rd);
	smslog_asm_flush(rd->asm_, on_record, rd);
	smslog_asm_free(rd->asm_);
	rd->asm_ = NULL;
	logtail_free(t);
}

/* The first bias any record of the file carries, or false. */
static bool first_bias(const struct log_record *recs, size_t n, int *bias)
{
	for (size_t i = 0; i < n; i++)
		if (recs[i].has_time && recs[i].has_bias) {
			*bias = recs[i].bias_min;
			return true;
		}
	return false;
}

/*
 * Settles the times of one file's records (see replay.h) and moves them into lines[].
 * fallback: the bias for records without one when the file has none (have_fallback).
 */
static void settle_file(struct replay_result *r, size_t *cap, struct reading *rd, bool have_fallback, int fallback)
{
	struct replay_file *f = &r->logs[rd->log].files[rd->file];
	int bias = 0;
	if (!first_bias(rd->recs, rd->n_recs, &bias) && have_fallback)
		bias = fallback;
	/* the first time in the file, for the untimed records before it */
	int64_t t = INT64_MIN;
	size_t first_line = r->n_lines;
	for (size_t i = 0; i < rd->n_recs; i++) {
		struct log_record *rec = &rd->recs[i];
		struct replay_line ln = {.log = rd->log, .file = rd->file, .line_no = rec->line_no, .text = rec->text};
		rec->text = NULL;
		if (rec->has_time) {
			ln.own_time = true;
			snprintf(ln.local_time, sizeof ln.local_time, "%s", rec->local_time);
			if (rec->has_bias) {
				bias = rec->bias_min;
				ln.bias = bias;
				t = rec->utc_ms;
			} else {
				ln.bias = bias;
				ln.bias_assumed = true;
				f->bias_assumed = true;
				f->assumed_bias = bias;
				t = rec->local_ms + (int64_t)bias * 60000;
			}
			if (!f->any_time) {
				f->any_time = true;
				f->first_ms = t;
				/* leading untimed records take the file's first time */
				for (size_t k = first_line; k < r->n_lines; k++)
					r->lines[k].utc_ms = t;
			}
			f->last_ms = t;
		} else {
			f->untimed++;
		}
		ln.utc_ms = t;
		add_line(r, cap, &ln);
		log_record_free(rec);
	}
	f->records = rd->n_recs;
	free(rd->recs);
	rd->recs = NULL;
	rd->n_recs = rd->cap_recs = 0;
}

static int cmp_line(const void *a, const void *b)
{
	const struct replay_line *x = a, *y = b;
	if (x->utc_ms != y->utc_ms)
		return x->utc_ms < y->utc_ms ? -1 : 1;
	if (x->log != y->log)
		return x->log < y->log ? -1 : 1;
	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	return x->line_no < y->line_no ? -1 : x->line_no > y->line_no;
}

static bool is_file(const char *path)
{
	struct stat st;
	return path && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static enum st_code read_logs(const struct replay_params *p, struct replay_result *r, struct st_error *err)
{
	const struct runbook *rb = p->rb;
	r->n_logs = rb->n_logs;
	r->logs = xcalloc(rb->n_logs + 1, sizeof *r->logs);
	for (size_t l = 0; l < rb->n_logs; l++) {
		const char *given = p->log_paths ? p->log_paths[l] : NULL;
		struct replay_log *lg = &r->logs[l];
		lg->wanted = given ? xstrdup(given)
			   : rb->logs[l].file[0] == '/' ? xstrdup(rb->logs[l].file)
							 : xasprintf("%s/%s", p->log_dir, rb->logs[l].file);
		char *live = logfile_find(lg->wanted);
		if (given && !is_file(live)) {
			free(live);
			return st_set(err, ST_NOTFOUND, "replay: --log %s=%s: no such file — check the path", rb->logs[l].name,
				      given);
		}
		char *lo_name = logfile_lo_path(lg->wanted);
		char *lo = strcmp(lo_name, lg->wanted) != 0 ? logfile_find(lo_name) : NULL;
		free(lo_name);
		if (is_file(lo))
			lg->files[lg->n_files++].path = lo;
		else
			free(lo);
		if (is_file(live))
			lg->files[lg->n_files++].path = live;
		else
			free(live);
	}
	/* read every file; biases settle after all are read (a setup log borrows one) */
	struct reading **rds = xcalloc(rb->n_logs * 2 + 1, sizeof *rds);
	size_t n_rd = 0;
	bool have_fallback = false;
	int fallback = 0;
	for (size_t l = 0; l < rb->n_logs; l++) {
		for (size_t f = 0; f < r->logs[l].n_files; f++) {
			struct reading *rd = xcalloc(1, sizeof *rd);
			rd->r = r;
			rd->log = l;
			rd->file = f;
			read_file(r->logs[l].files[f].path, rd);
			if (!have_fallback)
				have_fallback = first_bias(rd->recs, rd->n_recs, &fallback);
			rds[n_rd++] = rd;
		}
	}
	size_t cap = 0;
	for (size_t i = 0; i < n_rd; i++) {
		settle_file(r, &cap, rds[i], have_fallback, fallback);
		free(rds[i]);
	}
	free(rds);
	/* stable by construction: the comparison ends in (log, file, line) */
	if (r->n_lines > 1)
		qsort(r->lines, r->n_lines, sizeof *r->lines, cmp_line);
	return ST_OK;
}

/* ---- evaluation ------------------------------------------------------------------- */

static void add_hit(struct replay_hit **arr, size_t *n, size_t index, size_t line, const char *pattern)
{
	*arr = xreallocarray(*arr, *n + 1, sizeof **arr);
	(*arr)[(*n)++] = (struct replay_hit){.index = index, .line = line, .pattern = xstrdup(pattern ? pattern : "")};
}

static void record_hits(struct replay_step *rs, const struct match_step *m, const struct match_hit *hits, size_t n,
			size_t line)
{
	for (size_t i = 0; i < n; i++) {
		const struct match_hit *h = &hits[i];
		if (h->kind == MATCH_EXPECT) {
			struct replay_block *b = &rs->blocks[h->block];
			add_hit(&b->matched, &b->n_matched, h->expect, line, match_expect_text(m, h->block, h->expect));
			b->complete = b->n_matched >= b->n_expect;
		} else {
			rs->hints = xreallocarray(rs->hints, rs->n_failures + 1, sizeof *rs->hints);
			const char *hint = match_fail_hint(m, h->fail);
			rs->hints[rs->n_failures] = hint ? xstrdup(hint) : NULL;
			add_hit(&rs->failures, &rs->n_failures, h->fail, line, NULL);
		}
	}
}

/*
 * One step over lines[lo, hi): its blocks from their starts, its failure signatures from
 * its start. With verify: stops at the line that completes the last block.
 */
static void play_step(struct replay_result *r, const struct runbook *rb, struct match_step *m,
		      struct replay_step *rs, size_t hi)
{
	const struct rb_step *st = &rb->steps[rs->step];
	size_t lo = rs->start;
	for (size_t b = 0; b < rs->n_blocks; b++)
		if (rs->blocks[b].start < lo)
			lo = rs->blocks[b].start;
	bool open[64 + 1];
	bool *opn = rs->n_blocks <= 64 ? open : xcalloc(rs->n_blocks + 1, sizeof *opn);
	struct match_hit hits[MAX_HITS];
	for (size_t i = lo; i < hi; i++) {
		const struct replay_line *ln = &r->lines[i];
		for (size_t b = 0; b < rs->n_blocks; b++)
			opn[b] = i >= rs->blocks[b].start;
		size_t n = match_feed(m, ln->log, ln->text, opn, i >= rs->start, hits, MAX_HITS);
		record_hits(rs, m, hits, n, i);
		if (st->n_verify > 0 && match_verified(m)) {
			rs->verified = true;
			rs->done_line = i;
			rs->completed_at_start = i < rs->start;
			break;
		}
	}
	if (opn != open)
		free(opn);
}

/* The substituted failure patterns (for the report). */
static void name_failures(struct replay_step *rs, const struct runbook *rb, const struct varmap *vm)
{
	const struct rb_step *st = &rb->steps[rs->step];
	for (size_t k = 0; k < rs->n_failures; k++) {
		struct replay_hit *h = &rs->failures[k];
		free(h->pattern);
		const struct rb_pattern *pt = &st->fail[h->index].match;
		h->pattern = pt->is_regex ? vars_subst_regex(pt->text, vm) : vars_subst(pt->text, vm);
	}
}

static size_t first_at_or_after(const struct replay_result *r, int64_t ms)
{
	size_t lo = 0, hi = r->n_lines;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r->lines[mid].utc_ms < ms)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static enum st_code evaluate(const struct replay_params *p, struct replay_result *r, struct st_error *err)
{
	const struct runbook *rb = p->rb;
	r->n_steps = rb->n_steps;
	r->steps = xcalloc(rb->n_steps + 1, sizeof *r->steps);
	r->from_index = p->has_from ? first_at_or_after(r, p->from_ms) : 0;
	size_t pos = r->from_index;
	long after = -1;
	bool after_incomplete = false;
	struct match_step **ms = xcalloc(rb->n_steps + 1, sizeof *ms);
	enum st_code rc = ST_OK;
	/* pass 1: steps in order; verify-carrying steps move the start of the next */
	for (size_t k = 0; k < rb->n_steps && rc == ST_OK; k++) {
		const struct rb_step *st = &rb->steps[k];
		struct replay_step *rs = &r->steps[k];
		rs->step = k;
		rs->start = pos;
		rs->next = pos;
		rs->after = after;
		rs->after_incomplete = after_incomplete;
		rs->applicable = vars_step_applies(st, p->vars);
		if (!rs->applicable || (st->n_verify == 0 && st->n_fail == 0))
			continue;
		rc = match_step_compile(rb, k, p->vars, &ms[k], err);
		if (rc != ST_OK)
			break;
		rs->n_blocks = st->n_verify;
		rs->blocks = xcalloc(st->n_verify + 1, sizeof *rs->blocks);
		for (size_t b = 0; b < st->n_verify; b++) {
			const struct rb_verify *v = &st->verify[b];
			struct replay_block *bl = &rs->blocks[b];
			bl->log = v->log_index;
			bl->since = v->since_index;
			bl->n_expect = v->n_expect;
			bl->start = v->since_index >= 0 ? r->steps[v->since_index].start : rs->start;
			/* after: STEP (the same rule as the watch engine, session_after_admits): only
			 * lines stamped at or after the line that verified STEP; none when STEP was
			 * not verified by its lines. Lines are in time order: a start index does it. */
			bl->after = v->after_index;
			if (v->after_index >= 0) {
				const struct replay_step *anchor = &r->steps[v->after_index];
				if (!anchor->verified) {
					bl->after_unmet = true;
					bl->start = r->n_lines;
				} else {
					size_t at = first_at_or_after(r, r->lines[anchor->done_line].utc_ms);
					if (at > bl->start)
						bl->start = at;
				}
			}
		}
		if (st->n_verify == 0)
			continue; /* failure-only: pass 2, once the window's end is known */
		r->n_verify_steps++;
		play_step(r, rb, ms[k], rs, r->n_lines);
		if (rs->verified) {
			r->n_verified++;
			rs->next = rs->completed_at_start ? rs->start : rs->done_line + 1;
			after_incomplete = false;
		} else {
			rs->next = rs->start; /* as if overridden at once */
			after_incomplete = true;
		}
		after = (long)k;
		pos = rs->next;
	}
	/* pass 2: failure-only steps, until the next verify-carrying step completed */
	for (size_t k = 0; k < rb->n_steps && rc == ST_OK; k++) {
		const struct rb_step *st = &rb->steps[k];
		struct replay_step *rs = &r->steps[k];
		if (!rs->applicable || st->n_verify > 0 || st->n_fail == 0 || !ms[k])
			continue;
		size_t end = r->n_lines;
		for (size_t j = k + 1; j < rb->n_steps; j++)
			if (r->steps[j].applicable && rb->steps[j].n_verify > 0) {
				end = r->steps[j].verified ? r->steps[j].next : r->n_lines;
				break;
			}
		play_step(r, rb, ms[k], rs, end);
	}
	for (size_t k = 0; k < rb->n_steps; k++) {
		if (ms[k]) {
			name_failures(&r->steps[k], rb, p->vars);
			r->n_failures += r->steps[k].n_failures;
		}
		match_step_free(ms[k]);
	}
	free(ms);
	r->ok = rc == ST_OK && r->n_verified == r->n_verify_steps && r->n_failures == 0;
	return rc;
}

enum st_code replay_run(const struct replay_params *p, struct replay_result *out, struct st_error *err)
{
	memset(out, 0, sizeof *out);
	struct stat st;
	if (!p->log_dir || stat(p->log_dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return st_set(err, ST_NOTFOUND, "replay: %s: no such folder — give the folder holding the site's logs",
			      p->log_dir ? p->log_dir : "(none)");
	enum st_code rc = read_logs(p, out, err);
	if (rc == ST_OK)
		rc = evaluate(p, out, err);
	return rc;
}

static void hits_free(struct replay_hit *h, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(h[i].pattern);
	free(h);
}

void replay_result_free(struct replay_result *r)
{
	for (size_t l = 0; l < r->n_logs; l++) {
		free(r->logs[l].wanted);
		for (size_t f = 0; f < r->logs[l].n_files; f++)
			free(r->logs[l].files[f].path);
	}
	free(r->logs);
	for (size_t i = 0; i < r->n_lines; i++)
		free(r->lines[i].text);
	free(r->lines);
	for (size_t k = 0; k < r->n_steps; k++) {
		struct replay_step *rs = &r->steps[k];
		for (size_t b = 0; b < rs->n_blocks; b++)
			hits_free(rs->blocks[b].matched, rs->blocks[b].n_matched);
		free(rs->blocks);
		hits_free(rs->failures, rs->n_failures);
		for (size_t i = 0; i < rs->n_failures; i++)
			free(rs->hints[i]);
		free(rs->hints);
	}
	free(r->steps);
	memset(r, 0, sizeof *r);
}
