/*
 * logenc.c — encoding detection (BOMs, the NUL pattern of UTF-16), UTF-16LE/BE to UTF-8,
 * and the repair rules of logenc.h.
 * Invariant: logenc_append_utf8 always appends valid UTF-8 with no NUL byte.
 */
#include "steward/logenc.h"
#include "steward/text.h"

#include <stdint.h>
#include <string.h>

/* Windows-1252 0x80..0x9F; 0 marks the five undefined bytes. */
static const uint16_t cp1252_high[32] = {
	0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
	0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,
};

/* UTF-16 without a BOM: in the first whole code units, a zero in the high byte and not in
 * the low byte for at least three in four of them, and never the other way round. */
static bool nul_pattern(const unsigned char *p, size_t n, enum logenc enc)
{
	size_t units = n / 2, hits = 0;
	for (size_t i = 0; i < units; i++) {
		unsigned char lo = enc == LOGENC_UTF16LE ? p[2 * i] : p[2 * i + 1];
		unsigned char hi = enc == LOGENC_UTF16LE ? p[2 * i + 1] : p[2 * i];
		if (lo == 0 && hi != 0)
			return false;
		hits += lo != 0 && hi == 0;
	}
	return units >= 2 && hits * 4 >= units * 3;
}

size_t logenc_detect(const unsigned char *p, size_t n, bool final, enum logenc *enc)
{
	if (n > LOGENC_SNIFF_BYTES)
		n = LOGENC_SNIFF_BYTES;
	if (!final && n < 4) {
		bool bom_start = (n >= 1 && p[0] == 0xEF && (n < 2 || p[1] == 0xBB)) ||
				 (n == 1 && (p[0] == 0xFF || p[0] == 0xFE));
		bool zero = n > 0 && memchr(p, 0, n) != NULL; /* could be UTF-16 without a BOM */
		if (bom_start || zero)
			return LOGENC_NEED_MORE;
	}
	*enc = LOGENC_UTF8;
	if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
		return 3;
	if (n >= 2 && p[0] == 0xFF && p[1] == 0xFE) {
		*enc = LOGENC_UTF16LE;
		return 2;
	}
	if (n >= 2 && p[0] == 0xFE && p[1] == 0xFF) {
		*enc = LOGENC_UTF16BE;
		return 2;
	}
	if (nul_pattern(p, n, LOGENC_UTF16LE))
		*enc = LOGENC_UTF16LE;
	else if (nul_pattern(p, n, LOGENC_UTF16BE))
		*enc = LOGENC_UTF16BE;
	return 0;
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when invalid/truncated. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	if (c < 0x80)
		return 1;
	size_t len;
	uint32_t min, cp;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2, min = 0x80, cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3, min = 0x800, cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4, min = 0x10000, cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

bool logenc_is_clean_utf8(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		/* ASCII fast path, 8 bytes at a time. */
		while (i + 8 <= n) {
			uint64_t w;
			memcpy(&w, p + i, 8);
			/* any high bit, or any zero byte */
			if ((w & 0x8080808080808080ULL) ||
			    ((w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL))
				break;
			i += 8;
		}
		if (i >= n)
			break;
		if (p[i] == 0)
			return false;
		size_t l = utf8_seq(p + i, n - i);
		if (!l)
			return false;
		i += l;
	}
	return true;
}

/* UTF-8 encoding is text.c's (text_encode): one encoder for the project. */
static void put_cp(struct strbuf *out, uint32_t cp)
{
	char b[4];
	sb_append(out, b, text_encode(cp, b));
}

static void append_utf8(struct strbuf *out, const unsigned char *p, size_t n)
{
	size_t i = 0, run = 0; /* run: start of bytes copied verbatim */
	while (i < n) {
		size_t l = p[i] ? utf8_seq(p + i, n - i) : 0;
		if (l) {
			i += l;
			continue;
		}
		sb_append(out, (const char *)p + run, i - run);
		if (p[i] == 0)
			put_cp(out, 0x2400);
		else if (p[i] >= 0x80 && p[i] <= 0x9F)
			put_cp(out, cp1252_high[p[i] - 0x80] ? cp1252_high[p[i] - 0x80] : 0xFFFD);
		else
			put_cp(out, p[i]); /* 1252 = Latin-1 from 0xA0 */
		i++;
		run = i;
	}
	sb_append(out, (const char *)p + run, n - run);
}

static void append_utf16(struct strbuf *out, enum logenc enc, const char *p, size_t n)
{
	size_t i = 0;
	while (i + 1 < n) {
		uint32_t u = logenc_unit(enc, p + i);
		i += 2;
		if (u >= 0xD800 && u <= 0xDBFF) {
			if (i + 1 < n) {
				uint32_t lo = logenc_unit(enc, p + i);
				if (lo >= 0xDC00 && lo <= 0xDFFF) {
					i += 2;
					put_cp(out, 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
					continue;
				}
			}
			put_cp(out, 0xFFFD);
		} else if (u >= 0xDC00 && u <= 0xDFFF) {
			put_cp(out, 0xFFFD);
		} else {
			put_cp(out, u ? u : 0x2400);
		}
	}
	if (i < n) /* a lone trailing byte */
		put_cp(out, 0xFFFD);
}

void logenc_append_utf8(struct strbuf *out, enum logenc enc, const char *p, size_t n)
{
	sb_grow(out, n + 1);
	if (enc != LOGENC_UTF8)
		append_utf16(out, enc, p, n);
	else
		append_utf8(out, (const unsigned char *)p, n);
	sb_append(out, "", 0); /* terminated even when nothing was appended (an empty line) */
}
