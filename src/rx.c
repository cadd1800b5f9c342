/*
 * rx.c — runbook regexes: what lint accepts, how they are compiled and run (rx.h says
 * why each bound exists). The scanners below read an ERE the way glibc does where it
 * matters here: a backslash inside a bracket expression is an ordinary character, and
 * `[:class:]`, `[.x.]`, `[=x=]` may hold a ']'.
 */
#include "steward/rx.h"

#include <stdlib.h>
#include <string.h>

#include "steward/util.h"

#define MAX_NEST 64 /* groups nested deeper are counted as if flat (costs only grow) */

/* p points at '[': returns the bracket expression's closing ']', or the terminating NUL
 * when it is unclosed (regcomp then refuses the pattern). */
static const char *bracket_end(const char *p)
{
	const char *q = p + 1;
	if (*q == '^')
		q++;
	if (*q == ']')
		q++;
	while (*q && *q != ']') {
		if (*q == '[' && (q[1] == ':' || q[1] == '.' || q[1] == '=')) {
			char close[3] = {q[1], ']', '\0'};
			const char *end = strstr(q + 2, close);
			q = end ? end + 2 : q + 1;
		} else {
			q++;
		}
	}
	return q;
}

/* True when ere holds a back-reference \1..\9 (outside bracket expressions). */
static bool has_backref(const char *ere)
{
	for (const char *p = ere; *p; p++) {
		if (*p == '[') {
			p = bracket_end(p);
			if (!*p)
				return false;
		} else if (*p == '\\' && p[1]) {
			if (p[1] >= '1' && p[1] <= '9')
				return true;
			p++;
		}
	}
	return false;
}

/* Parses an interval "{n}", "{n,}", "{n,m}" at p; returns its upper bound (n+1 when
 * open) and sets *end to its '}', or returns -1 when p does not start one. */
static double interval_max(const char *p, const char **end)
{
	char *e;
	unsigned long lo = strtoul(p + 1, &e, 10), hi = lo;
	if (e == p + 1)
		return -1;
	if (*e == ',') {
		const char *h = e + 1;
		hi = strtoul(h, &e, 10);
		if (e == h)
			hi = lo + 1;
	}
	if (*e != '}')
		return -1;
	*end = e;
	return (double)(hi > lo ? hi : lo);
}

/*
 * glibc's regcomp copies a subexpression once per repetition ("a{1000}", and "a+" is
 * "aa*"), so "(a{100}){100}" or "a++++++++..." can take gigabytes and minutes to
 * compile. This estimates the size of the expanded expression.
 */
static double regex_cost(const char *re)
{
	double total[MAX_NEST + 2] = {0}, last[MAX_NEST + 2] = {0};
	size_t depth = 0, overflow = 0; /* groups nested deeper than the arrays are flattened */
	for (const char *p = re; *p; p++) {
		double unit = 0;
		switch (*p) {
		case '\\':
			unit = 1;
			if (p[1])
				p++;
			break;
		case '[': {
			const char *q = bracket_end(p);
			p = *q ? q : q - 1;
			unit = 1;
			break;
		}
		case '(':
			if (depth < MAX_NEST) {
				depth++;
				total[depth] = last[depth] = 0;
			} else {
				overflow++;
			}
			continue;
		case ')':
			if (overflow) {
				overflow--;
				continue;
			}
			if (depth == 0) {
				unit = 1;
				break;
			}
			unit = total[depth] > 1 ? total[depth] : 1;
			depth--;
			break;
		case '|':
			last[depth] = 0;
			continue;
		case '+':
		case '{': {
			double mult = 2;
			if (*p == '{') {
				const char *end;
				double hi = interval_max(p, &end);
				if (hi < 0)
					continue; /* not an interval; regcomp judges it */
				mult = hi + 1;
				p = end;
			}
			total[depth] += last[depth] * (mult - 1);
			last[depth] *= mult;
			if (total[depth] > RX_MAX_COST)
				return total[depth];
			continue;
		}
		case '*':
		case '?':
			continue;
		default:
			unit = 1;
			break;
		}
		total[depth] += unit;
		last[depth] = unit;
		if (total[depth] > RX_MAX_COST)
			return total[depth];
	}
	double sum = 0;
	for (size_t i = 0; i <= depth; i++)
		sum += total[i];
	return sum;
}

/*
 * Wildcard positions: each atom that matches more than one character (`.`, a bracket
 * expression, \w \W \s \S, a group holding `|`) counts 1, times the upper bound of an
 * interval applied to it (n+1 for {n,}); `*`, `+` and `?` loop or skip a position
 * without multiplying it. Literal characters count 0: a literal's automaton grows with
 * its length only (one state per prefix).
 */
double rx_wildcards(const char *ere)
{
	double sum[MAX_NEST + 2] = {0};
	bool alt[MAX_NEST + 2] = {false};
	size_t depth = 0, overflow = 0;
	double last = 0; /* the wildcards of the atom just read (what a quantifier applies to) */
	for (const char *p = ere; *p; p++) {
		double atom = 0;
		switch (*p) {
		case '\\':
			if (p[1]) {
				p++;
				atom = strchr("wWsS", *p) ? 1 : 0;
			}
			break;
		case '[': {
			const char *q = bracket_end(p);
			p = *q ? q : q - 1;
			atom = 1;
			break;
		}
		case '.':
			atom = 1;
			break;
		case '(':
			if (depth < MAX_NEST) {
				depth++;
				sum[depth] = 0;
				alt[depth] = false;
			} else {
				overflow++;
			}
			last = 0;
			continue;
		case ')':
			if (overflow) {
				overflow--;
				last = 0;
				continue;
			}
			if (depth == 0)
				break;
			atom = sum[depth] + (alt[depth] ? 1 : 0);
			depth--;
			break;
		case '|':
			alt[depth] = true;
			last = 0;
			continue;
		case '{': {
			const char *end;
			double hi = interval_max(p, &end);
			if (hi < 0)
				break; /* an ordinary '{' */
			sum[depth] += last * (hi - 1); /* the atom was counted once already */
			last *= hi;
			p = end;
			if (sum[depth] > 1e9)
				return sum[depth];
			continue;
		}
		case '*':
		case '+':
		case '?':
			continue;
		default:
			break;
		}
		sum[depth] += atom;
		last = atom;
	}
	double total = 0;
	for (size_t i = 0; i <= depth; i++)
		total += sum[i];
	return total;
}

/* Compiles `pattern` with the C locale in effect; 0 or regcomp's code. */
static int compile_c(regex_t *re, locale_t loc, const char *pattern, int flags)
{
	locale_t old = loc ? uselocale(loc) : (locale_t)0;
	int rc = regcomp(re, pattern, flags);
	if (loc)
		uselocale(old);
	return rc;
}

static char *rc_reason(int rc, const regex_t *re)
{
	char buf[256];
	regerror(rc, re, buf, sizeof buf);
	return xstrdup(buf);
}

char *rx_problem(const char *ere, enum rx_use use, bool *unsafe)
{
	*unsafe = true;
	if (has_backref(ere))
		return xstrdup("back-references (\\1 ... \\9) are not allowed: matching them can take "
			       "exponential time on one log line");
	if (regex_cost(ere) > RX_MAX_COST)
		return xstrdup("its repetitions ({n,m}, +) expand to more than the matcher accepts");
	double wild = use == RX_LOG_LINE ? rx_wildcards(ere) : 0;
	if (wild > RX_MAX_WILD)
		return xasprintf("it has %.0f wildcard positions (., [...], groups with |, each "
				 "counted as often as {n,m} repeats it); at most %d keep matching fast "
				 "on any line: use * or + where the exact count does not matter",
				 wild, RX_MAX_WILD);
	*unsafe = false;
	struct rx rx;
	char *why = NULL;
	if (!rx_compile(&rx, ere, false, &why))
		return why;
	rx_free(&rx);
	return NULL;
}

bool rx_compile(struct rx *rx, const char *ere, bool nocase, char **why)
{
	memset(rx, 0, sizeof *rx);
	*why = NULL;
	rx->c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	int flags = REG_EXTENDED | (nocase ? REG_ICASE : 0);
	/* As written first: its error messages name the user's pattern, and the number of
	 * groups proves the wrapped form below parses the pattern the same way. */
	regex_t plain;
	int rc = compile_c(&plain, rx->c_locale, ere, flags);
	if (rc != 0) {
		*why = rc_reason(rc, &plain);
		rx_free(rx);
		return false;
	}
	size_t nsub = plain.re_nsub;
	regfree(&plain);
	char *wrapped = xasprintf("^.*(%s)", ere);
	rc = compile_c(&rx->re, rx->c_locale, wrapped, flags);
	free(wrapped);
	if (rc != 0 || rx->re.re_nsub != nsub + 1) {
		*why = rc != 0 ? rc_reason(rc, &rx->re)
			       : xstrdup("its parentheses do not pair up as a whole expression");
		if (rc == 0)
			regfree(&rx->re);
		rx_free(rx);
		return false;
	}
	rx->compiled = true;
	return true;
}

bool rx_match(const struct rx *rx, const char *text)
{
	if (!rx->compiled)
		return false;
	locale_t old = rx->c_locale ? uselocale(rx->c_locale) : (locale_t)0;
	bool hit = regexec(&rx->re, text, 0, NULL, 0) == 0;
	if (rx->c_locale)
		uselocale(old);
	return hit;
}

void rx_free(struct rx *rx)
{
	if (rx->compiled)
		regfree(&rx->re);
	if (rx->c_locale)
		freelocale(rx->c_locale);
	memset(rx, 0, sizeof *rx);
}

/* ---- ASCII case-insensitive search ------------------------------------------------ */

static unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

char *rx_ascii_lower(char *s)
{
	for (char *p = s; *p; p++)
		*p = (char)lower((unsigned char)*p);
	return s;
}

/* The next occurrence of c at or after p (before end), cached in *next so that each
 * byte is looked at by memchr once. */
static const char *next_of(const char **next, const char *p, const char *end, char c)
{
	if (*next && (*next == end || *next >= p))
		return *next;
	const char *hit = memchr(p, c, (size_t)(end - p));
	*next = hit ? hit : end;
	return *next;
}

/*
 * How common a byte is in log text, roughly (English letter frequencies, space and
 * digits high): the search below looks for the needle's rarest byte, in both cases, so
 * that a common first letter ('p', 's') does not stop memchr at every word.
 */
static int commonness(unsigned char c)
{
	static const char by_rank[] = " etaoinsrhldcumfpgwybvkxjqz"; /* most common first */
	c = lower(c);
	const char *r = c ? strchr(by_rank, c) : NULL;
	if (r)
		return 100 - (int)(r - by_rank);
	if (c >= '0' && c <= '9')
		return 80;
	return c < 0x80 ? 60 : 40; /* punctuation; UTF-8 bytes */
}

const char *rx_casemem(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	if (nlen == 0)
		return hay;
	if (nlen > hlen)
		return NULL;
	size_t k = 0; /* the rarest byte's index in needle */
	for (size_t i = 1; i < nlen; i++)
		if (commonness((unsigned char)needle[i]) < commonness((unsigned char)needle[k]))
			k = i;
	char lo = needle[k];
	char up = lo >= 'a' && lo <= 'z' ? (char)(lo - 32) : lo;
	/* candidates for needle[k] lie in [hay + k, hay + hlen - nlen + k] */
	const char *p = hay + k, *end = hay + hlen - nlen + k + 1;
	const char *next_lo = NULL, *next_up = NULL;
	while (p < end) {
		const char *a = next_of(&next_lo, p, end, lo);
		const char *b = lo == up ? end : next_of(&next_up, p, end, up);
		const char *hit = a < b ? a : b;
		if (hit == end)
			return NULL;
		const char *start = hit - k;
		size_t i = 0;
		while (i < nlen && lower((unsigned char)start[i]) == (unsigned char)needle[i])
			i++;
		if (i == nlen)
			return start;
		p = hit + 1;
	}
	return NULL;
}
