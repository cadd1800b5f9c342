/*
 * match.c — compiled expectations and failure signatures of one step; the order rule
 * (one live entry per block, at most one step per record) and the raw-buffer pre-filter.
 * Pure: no I/O. Invariant: 0 <= block.next <= block.n; a block with next == n is done.
 */
#include "steward/match.h"

#include <stdlib.h>
#include <string.h>

#include "steward/rx.h"
#include "steward/util.h"

#define MIN_LITERAL 3

struct pattern {
	char *text;     /* substituted */
	bool is_regex;
	bool nocase;    /* ASCII letters in either case (rx.h) */
	struct rx re;
	char *needle;   /* plain + nocase: text lower-cased */
	char *literal;  /* what the pre-filter searches for (lower-cased when nocase);
	                   NULL = cannot pre-filter */
};

struct block {
	size_t log;
	struct pattern *expect;
	size_t n;
	size_t next;
};

struct fail {
	size_t log;
	struct pattern pat;
	char *hint;
	bool seen;
};

struct match_step {
	size_t step;
	struct block *blocks;
	size_t n_blocks;
	struct fail *fails;
	size_t n_fails;
};

/* ---- literal extraction from an ERE (conservative: NULL when unsure) ------------ */

/* p points at '[': returns the bracket expression's closing ']' (a ']' right after '['
 * or "[^" is a member, not the end), or the terminating NUL when it is unclosed. */
static const char *skip_bracket(const char *p)
{
	p++;
	if (*p == '^')
		p++;
	if (*p == ']')
		p++;
	while (*p && *p != ']')
		p++;
	return p;
}

char *match_regex_literal(const char *ere)
{
	struct strbuf run = STRBUF_INIT, best = STRBUF_INIT;
	int depth = 0;
	bool ok = true;
	/* An alternation anywhere makes every literal optional. */
	for (const char *p = ere; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			continue;
		}
		if (*p == '[') {
			p = skip_bracket(p);
			if (!*p)
				break;
			continue;
		}
		if (*p == '|')
			ok = false;
	}
	if (!ok)
		return NULL;
#define END_RUN()                                                              \
	do {                                                                   \
		if (depth == 0 && run.len > best.len) {                        \
			sb_reset(&best);                                       \
			sb_append(&best, run.data ? run.data : "", run.len);   \
		}                                                              \
		sb_reset(&run);                                                \
	} while (0)
	for (const char *p = ere; *p; p++) {
		char c = *p;
		if (c == '\\' && p[1]) {
			char e = p[1];
			p++;
			if (strchr(".[]{}()*+?^$|\\/-", e) && (p[1] != '*' && p[1] != '?' && p[1] != '{')) {
				if (depth == 0)
					sb_putc(&run, e);
			} else {
				END_RUN(); /* a class (\\w ...) or an optional char: the run ends */
			}
			continue;
		}
		if (c == '[') {
			END_RUN();
			p = skip_bracket(p);
			if (!*p)
				break;
			continue;
		}
		if (c == '(') {
			END_RUN();
			depth++;
			continue;
		}
		if (c == ')') {
			END_RUN();
			if (depth > 0)
				depth--;
			continue;
		}
		if (c == '*' || c == '?' || c == '{') {
			/* the previous char is optional: it leaves the run */
			if (run.len)
				run.data[--run.len] = '\0';
			END_RUN();
			if (c == '{')
				while (*p && *p != '}')
					p++;
			if (!*p)
				break;
			continue;
		}
		if (c == '+' || c == '.' || c == '^' || c == '$') {
			END_RUN();
			continue;
		}
		/* a literal char, unless the next char makes it optional */
		if (p[1] == '*' || p[1] == '?' || p[1] == '{') {
			END_RUN();
			continue;
		}
		if (depth == 0)
			sb_putc(&run, c);
	}
	END_RUN();
#undef END_RUN
	sb_free(&run);
	if (best.len < MIN_LITERAL) {
		sb_free(&best);
		return NULL;
	}
	return sb_take(&best);
}

/* ---- compile -------------------------------------------------------------------- */

static enum st_code pattern_compile(struct pattern *pt, const struct rb_pattern *src,
				    const struct varmap *vm, const char *what, struct st_error *err)
{
	pt->is_regex = src->is_regex;
	pt->nocase = src->nocase;
	pt->text = src->is_regex ? vars_subst_regex(src->text, vm) : vars_subst(src->text, vm);
	if (!pt->text)
		pt->text = xstrdup("");
	if (!pt->is_regex) {
		if (pt->nocase)
			pt->needle = rx_ascii_lower(xstrdup(pt->text));
		pt->literal = strlen(pt->text) >= 1 ? xstrdup(pt->text) : NULL;
	} else {
		char *why = NULL;
		if (!rx_compile(&pt->re, pt->text, pt->nocase, &why)) {
			enum st_code rc = st_set(err, ST_INVALID,
						 "%s: regex '%s' does not compile after substitution: %s",
						 what, pt->text, why);
			free(why);
			return rc;
		}
		pt->literal = match_regex_literal(pt->text);
	}
	if (pt->nocase && pt->literal)
		rx_ascii_lower(pt->literal);
	return ST_OK;
}

static void pattern_free(struct pattern *pt)
{
	rx_free(&pt->re);
	free(pt->text);
	free(pt->needle);
	free(pt->literal);
}

static bool pattern_match(const struct pattern *pt, const char *text)
{
	if (pt->is_regex)
		return rx_match(&pt->re, text);
	if (pt->nocase)
		return rx_casemem(text, strlen(text), pt->needle, strlen(pt->needle)) != NULL;
	return strstr(text, pt->text) != NULL;
}

enum st_code match_step_compile(const struct runbook *rb, size_t step, const struct varmap *vm,
				struct match_step **out, struct st_error *err)
{
	*out = NULL;
	if (step >= rb->n_steps)
		return st_set(err, ST_SOFTWARE, "match: step %zu out of range", step);
	const struct rb_step *st = &rb->steps[step];
	struct match_step *m = xcalloc(1, sizeof *m);
	m->step = step;
	m->blocks = xcalloc(st->n_verify ? st->n_verify : 1, sizeof *m->blocks);
	m->fails = xcalloc(st->n_fail ? st->n_fail : 1, sizeof *m->fails);
	enum st_code rc = ST_OK;
	for (size_t b = 0; b < st->n_verify && rc == ST_OK; b++) {
		const struct rb_verify *v = &st->verify[b];
		struct block *bl = &m->blocks[m->n_blocks++];
		bl->log = v->log_index;
		bl->expect = xcalloc(v->n_expect ? v->n_expect : 1, sizeof *bl->expect);
		for (size_t e = 0; e < v->n_expect && rc == ST_OK; e++) {
			rc = pattern_compile(&bl->expect[e], &v->expect[e], vm, st->id, err);
			bl->n++;
		}
	}
	for (size_t f = 0; f < st->n_fail && rc == ST_OK; f++) {
		struct fail *fl = &m->fails[m->n_fails++];
		fl->log = st->fail[f].log_index;
		fl->hint = st->fail[f].hint ? vars_subst(st->fail[f].hint, vm) : NULL;
		rc = pattern_compile(&fl->pat, &st->fail[f].match, vm, st->id, err);
	}
	if (rc != ST_OK) {
		match_step_free(m);
		return rc;
	}
	*out = m;
	return ST_OK;
}

void match_step_free(struct match_step *m)
{
	if (!m)
		return;
	for (size_t b = 0; b < m->n_blocks; b++) {
		for (size_t e = 0; e < m->blocks[b].n; e++)
			pattern_free(&m->blocks[b].expect[e]);
		free(m->blocks[b].expect);
	}
	for (size_t f = 0; f < m->n_fails; f++) {
		pattern_free(&m->fails[f].pat);
		free(m->fails[f].hint);
	}
	free(m->blocks);
	free(m->fails);
	free(m);
}

/* ---- accessors ------------------------------------------------------------------ */

size_t match_step_index(const struct match_step *m) { return m->step; }
size_t match_block_count(const struct match_step *m) { return m->n_blocks; }
size_t match_block_log(const struct match_step *m, size_t block) { return m->blocks[block].log; }
size_t match_fail_count(const struct match_step *m) { return m->n_fails; }
size_t match_fail_log(const struct match_step *m, size_t fail) { return m->fails[fail].log; }

const char *match_expect_text(const struct match_step *m, size_t block, size_t expect)
{
	if (block >= m->n_blocks || expect >= m->blocks[block].n)
		return NULL;
	return m->blocks[block].expect[expect].text;
}

const char *match_fail_hint(const struct match_step *m, size_t fail)
{
	return fail < m->n_fails ? m->fails[fail].hint : NULL;
}

void match_set_progress(struct match_step *m, size_t block, size_t matched)
{
	if (block < m->n_blocks)
		m->blocks[block].next = matched < m->blocks[block].n ? matched : m->blocks[block].n;
}

size_t match_progress(const struct match_step *m, size_t block)
{
	return block < m->n_blocks ? m->blocks[block].next : 0;
}

void match_set_fail_seen(struct match_step *m, size_t fail, bool seen)
{
	if (fail < m->n_fails)
		m->fails[fail].seen = seen;
}

bool match_verified(const struct match_step *m)
{
	if (m->n_blocks == 0)
		return false;
	for (size_t b = 0; b < m->n_blocks; b++)
		if (m->blocks[b].next < m->blocks[b].n)
			return false;
	return true;
}

/* ---- matching ------------------------------------------------------------------- */

size_t match_feed(struct match_step *m, size_t log, const char *text, const bool *block_open,
		  bool fail_open, struct match_hit *hits, size_t max)
{
	size_t n = 0;
	for (size_t f = 0; fail_open && f < m->n_fails && n < max; f++) {
		struct fail *fl = &m->fails[f];
		if (fl->log != log || fl->seen || !pattern_match(&fl->pat, text))
			continue;
		fl->seen = true;
		hits[n++] = (struct match_hit){.kind = MATCH_FAIL, .fail = f};
	}
	for (size_t b = 0; b < m->n_blocks && n < max; b++) {
		struct block *bl = &m->blocks[b];
		if (bl->log != log || bl->next >= bl->n || (block_open && !block_open[b]))
			continue;
		if (!pattern_match(&bl->expect[bl->next], text))
			continue;
		hits[n++] = (struct match_hit){.kind = MATCH_EXPECT, .block = b, .expect = bl->next};
		bl->next++;
	}
	return n;
}

/* ---- pre-filter ----------------------------------------------------------------- */

bool match_can_prefilter(const struct match_step *m, size_t log)
{
	for (size_t b = 0; b < m->n_blocks; b++) {
		const struct block *bl = &m->blocks[b];
		if (bl->log == log && bl->next < bl->n && !bl->expect[bl->next].literal)
			return false;
	}
	for (size_t f = 0; f < m->n_fails; f++)
		if (m->fails[f].log == log && !m->fails[f].seen && !m->fails[f].pat.literal)
			return false;
	return true;
}

/* First occurrence of pt's literal in [buf, buf+len) (in any case for a nocase
 * pattern), searching only before `limit`. */
static size_t find_before(const char *buf, size_t len, const struct pattern *pt, size_t limit)
{
	const char *needle = pt->literal;
	size_t nl = strlen(needle);
	size_t span = limit + nl - 1 < len ? limit + nl - 1 : len; /* a hit may start before limit */
	const char *hit = pt->nocase ? rx_casemem(buf, span, needle, nl) : memmem(buf, span, needle, nl);
	return hit ? (size_t)(hit - buf) : len;
}

size_t match_prefilter(const struct match_step *m, size_t log, const char *buf, size_t len)
{
	size_t first = len;
	for (size_t b = 0; b < m->n_blocks; b++) {
		const struct block *bl = &m->blocks[b];
		if (bl->log == log && bl->next < bl->n) {
			size_t at = find_before(buf, len, &bl->expect[bl->next], first);
			if (at < first)
				first = at;
		}
	}
	for (size_t f = 0; f < m->n_fails; f++) {
		const struct fail *fl = &m->fails[f];
		if (fl->log == log && !fl->seen) {
			size_t at = find_before(buf, len, &fl->pat, first);
			if (at < first)
				first = at;
		}
	}
	return first;
}
