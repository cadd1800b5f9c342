/*
 * logenc.h — byte hygiene for log text: byte-order marks, UTF-16LE transcoding,
 * and repair of whatever else a log file may hold, so that every line handed on
 * is valid UTF-8 without NUL bytes. Pure functions: no file access.
 *
 * Repairs (the text stays visible, never dropped):
 *  - a NUL byte (or U+0000 in UTF-16) becomes U+2400 (SYMBOL FOR NULL, "␀");
 *  - a byte that is not part of a valid UTF-8 sequence is read as Windows-1252
 *    (the code page SMS-era servers wrote), undefined 1252 bytes as U+FFFD;
 *  - an unpaired UTF-16 surrogate becomes U+FFFD.
 * Terminal control characters are left alone: they are stripped where text is
 * drawn (text_sanitize), not here, so the evidence stays byte-faithful.
 */
#ifndef STEWARD_LOGENC_H
#define STEWARD_LOGENC_H

#include <stdbool.h>
#include <stddef.h>

#include "steward/util.h"

enum logenc { LOGENC_UTF8, LOGENC_UTF16LE };

/* Looks at the first bytes of a file: sets *enc and returns the BOM's length (0 when none). */
size_t logenc_detect_bom(const unsigned char *p, size_t n, enum logenc *enc);
/* True when p[0..n) is valid UTF-8 without NUL bytes (needs no repair). */
bool logenc_is_clean_utf8(const char *p, size_t n);
/* Appends p[0..n), decoded from enc and repaired as above, to out as UTF-8. */
void logenc_append_utf8(struct strbuf *out, enum logenc enc, const char *p, size_t n);

#endif
