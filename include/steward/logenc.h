/*
 * logenc.h — byte hygiene for log text: byte-order marks, UTF-16 (LE and BE, with or
 * without a BOM) transcoding,
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

enum logenc { LOGENC_UTF8, LOGENC_UTF16LE, LOGENC_UTF16BE };

/* How many leading bytes logenc_detect looks at. */
#define LOGENC_SNIFF_BYTES 64
/* logenc_detect's answer while the bytes so far do not decide yet. */
#define LOGENC_NEED_MORE ((size_t)-1)

/*
 * Decides a file's encoding from its first n bytes: a BOM (UTF-8, UTF-16LE, UTF-16BE),
 * else the NUL pattern of UTF-16 without a BOM (text in UTF-16 is mostly ASCII, so
 * every other byte is zero: the odd ones in LE, the even ones in BE), else UTF-8.
 * Sets *enc and returns the BOM's length (0 when none). While the bytes could still
 * be the start of a BOM or of UTF-16 text and final is false (the file may grow),
 * returns LOGENC_NEED_MORE and sets nothing.
 */
size_t logenc_detect(const unsigned char *p, size_t n, bool final, enum logenc *enc);
/* The UTF-16 code unit at p (two bytes) in enc's byte order. */
static inline unsigned logenc_unit(enum logenc enc, const char *p)
{
	const unsigned char *b = (const unsigned char *)p;
	return enc == LOGENC_UTF16BE ? (unsigned)b[0] << 8 | b[1] : (unsigned)b[1] << 8 | b[0];
}
/* True when p[0..n) is valid UTF-8 without NUL bytes (needs no repair). */
bool logenc_is_clean_utf8(const char *p, size_t n);
/* Appends p[0..n), decoded from enc and repaired as above, to out as UTF-8. */
void logenc_append_utf8(struct strbuf *out, enum logenc enc, const char *p, size_t n);

#endif
