/*
 * text.h — untrusted text made safe for a terminal, and fitted by display columns.
 *
 * Everything steward shows from a log, a note or a runbook goes through
 * text_sanitize() first: terminal control sequences (CSI, OSC, DCS/SOS/PM/APC
 * strings, other ESC sequences, their C1 forms) are removed, lone C0 controls,
 * NUL and DEL become visible but harmless symbols (U+2400 control pictures, or
 * ^X in ASCII mode), CR is dropped, TAB expands to spaces, bidirectional
 * overrides are dropped, and invalid UTF-8 becomes U+FFFD. The result is
 * always valid UTF-8 (pure ASCII with TEXT_ASCII) with no byte below 0x20
 * except '\n' when TEXT_NEWLINES is given.
 *
 * The width helpers take sanitized UTF-8 and count display columns with
 * wcwidth() (so the caller sets an UTF-8 LC_CTYPE); a code point the locale
 * does not know counts as one column. Pure functions: no curses, no I/O.
 */
#ifndef STEWARD_TEXT_H
#define STEWARD_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "steward/util.h"

enum text_flags {
	TEXT_NEWLINES = 1u << 0, /* keep '\n' (otherwise a newline becomes a space) */
	TEXT_ASCII = 1u << 1,    /* non-UTF-8 terminal: common punctuation transliterated
	                            (— -> -, … -> ...), other non-ASCII -> '?', controls as ^X */
};

/* Sanitized copy of s[0..len) (NUL bytes inside are shown, not terminators). Caller frees. */
char *text_sanitize(const char *s, size_t len, unsigned flags);
/* Same, appended to out. */
void text_sanitize_sb(struct strbuf *out, const char *s, size_t len, unsigned flags);

/*
 * Decodes one UTF-8 character from s[0..len) (len >= 1). Returns the bytes consumed
 * (>= 1); *cp is U+FFFD for an invalid sequence (overlong, surrogate, > U+10FFFF,
 * truncated), consuming its maximal invalid prefix.
 */
size_t text_decode(const char *s, size_t len, uint32_t *cp);

/* Encodes one code point (<= U+10FFFF, not a surrogate) as UTF-8 into out; returns its length. */
size_t text_encode(uint32_t cp, char out[4]);

/* Display columns of one code point: 0 for combining marks, 2 for wide (CJK). */
int text_cp_width(uint32_t cp);
/* Display columns of sanitized UTF-8. */
int text_width(const char *s);
int text_width_n(const char *s, size_t len);

/*
 * How many bytes of s[0..len) fit in cols columns: whole characters only, and the
 * zero-width marks that follow the last one. *used (may be NULL) gets their width.
 */
size_t text_fit(const char *s, size_t len, int cols, int *used);

/* The ellipsis for the terminal: "…" or "~" in ASCII mode. */
const char *text_ellipsis(bool ascii);
/* A copy of s that is at most cols columns wide, ending with ellipsis when cut. */
char *text_ellipsize(const char *s, int cols, const char *ellipsis);

/* One line of wrapped text: a slice of the original string. */
struct text_span {
	size_t off;  /* byte offset into the string */
	size_t len;  /* bytes */
	int width;   /* display columns */
};
/*
 * Wraps s into lines of at most cols columns (cols < 1 counts as 1): breaks after
 * spaces where possible, cuts long words, starts a new line at every '\n', drops the
 * spaces at a break. A character wider than cols gets a line of its own. Always at
 * least one line. Returns the number of lines; *lines is malloc'd (caller frees).
 */
size_t text_wrap(const char *s, int cols, struct text_span **lines);

/*
 * Reflows text written with hard line breaks (YAML block scalars) so that it can be
 * wrapped to any width: a line break inside a paragraph becomes a space; blank lines,
 * and breaks before an indented line or a list item ("- ", "* ", "1. ", "1) "), stay.
 * Caller frees.
 */
char *text_reflow(const char *s);

/* Case-insensitive (ASCII) substring search; NULL when absent. An empty needle matches. */
const char *text_find_ci(const char *hay, const char *needle);

#endif
