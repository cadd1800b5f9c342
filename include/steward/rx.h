/*
 * rx.h — runbook regexes (verify/fail `regex:` and a variable's `pattern`): the one
 * place that decides which POSIX extended regexes are accepted, and how they are
 * compiled and run. Pure: no I/O, no global state.
 *
 * The engine is glibc's regcomp/regexec (POSIX ERE, as RUNBOOK-FORMAT.md says), used so
 * that its cost stays linear in the text and bounded by the pattern:
 *  - back-references (\1..\9) are refused: glibc matches them by backtracking, which is
 *    exponential (`(a*)*\1x` held `watch` on one 300-byte line);
 *  - a pattern is run as `^.*(RE)`: one left-to-right pass of glibc's lazily built DFA,
 *    instead of a new attempt at every start position (quadratic: `a+b` took 3 s on a
 *    30,000-byte line, the anchored form 1 ms on 10 MB);
 *  - the number of "wildcard positions" (., bracket expressions, \w \s ..., groups with
 *    `|`, each counted as often as {n,m} repeats it) is at most RX_MAX_WILD: the DFA can
 *    grow one state per byte of text, up to about 2^wildcards (`a[ab]{16}c` built 130,000
 *    states, over a minute on a 256 KiB line; with 12, about a second);
 *  - the size of the expanded pattern (glibc copies a group once per repetition) is at
 *    most RX_MAX_COST.
 * Matching always runs in the "C" locale, whatever the process's (the TUI sets the
 * user's): bytes, with REG_ICASE folding ASCII letters only — the same rule as the
 * case-insensitive substring search below.
 */
#ifndef STEWARD_RX_H
#define STEWARD_RX_H

#include <locale.h>
#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#define RX_MAX_WILD 12
#define RX_MAX_COST 20000.0

struct rx {
	regex_t re;
	locale_t c_locale;
	bool compiled;
};

/* What a regex is matched against: a log line (untrusted, up to 256 KiB: every bound
 * above), or a variable's value typed by the operator (at most RX_MAX_VALUE bytes: the
 * DFA grows at most one state per byte of it, so the wildcard bound is not needed and a
 * NetBIOS name pattern such as ^[A-Za-z0-9-]{1,15}$ stays allowed). */
enum rx_use { RX_LOG_LINE, RX_VALUE };
#define RX_MAX_VALUE 4096
/* NULL when ere is an acceptable runbook regex for that use; else a malloc'd reason (for
 * lint), with *unsafe true when it compiles but is refused by one of the bounds above. */
char *rx_problem(const char *ere, enum rx_use use, bool *unsafe);
/* Compiles ere (which rx_problem accepts) for matching. False with a reason in why
 * (malloc'd) otherwise; rx is then empty (rx_free is harmless). */
bool rx_compile(struct rx *rx, const char *ere, bool nocase, char **why);
/* True when text holds a match. */
bool rx_match(const struct rx *rx, const char *text);
void rx_free(struct rx *rx);

/* The wildcard positions of ere as counted against RX_MAX_WILD (exposed for tests). */
double rx_wildcards(const char *ere);

/* ASCII case-insensitive search (bytes >= 0x80 compare exactly): the first occurrence of
 * needle (nlen bytes, already lower-case: see rx_ascii_lower) in hay, or NULL. */
const char *rx_casemem(const char *hay, size_t hlen, const char *needle, size_t nlen);
/* Lower-cases ASCII letters of s in place; returns s. */
char *rx_ascii_lower(char *s);

#endif
