/*
 * jsonfixed.c — see jsonfixed.h: a one-pass recogniser (no allocation, bounded recursion)
 * for the compact form jansson dumps. Everything it does not recognise is "no".
 */
#include "steward/jsonfixed.h"

#include <stdint.h>
#include <string.h>

#include "steward/text.h"

#define MAX_DEPTH 64

struct cur {
	const unsigned char *p, *end;
};

static bool is_hex_upper(unsigned char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); }

static int hex_value(unsigned char c) { return c <= '9' ? c - '0' : c - 'A' + 10; }

/* A string at c->p (its opening quote); on success c->p is past the closing quote. */
static bool string(struct cur *c)
{
	const unsigned char *p = c->p + 1;
	for (;;) {
		if (p >= c->end)
			return false;
		unsigned char ch = *p;
		if (ch == '"') {
			c->p = p + 1;
			return true;
		}
		if (ch >= 0x20 && ch < 0x80 && ch != '\\') {
			p++;
			continue;
		}
		if (ch < 0x20)
			return false; /* jansson refuses a raw control character */
		if (ch >= 0x80) {
			uint32_t cp;
			size_t n = text_decode((const char *)p, (size_t)(c->end - p), &cp);
			if (cp == 0xFFFD && !(n == 3 && memcmp(p, "\xEF\xBF\xBD", 3) == 0))
				return false; /* not UTF-8: jansson refuses it */
			p += n;
			continue;
		}
		/* a backslash: only the escapes jansson's dump writes */
		if (p + 1 >= c->end)
			return false;
		unsigned char e = p[1];
		if (e == '"' || e == '\\' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
			p += 2;
			continue;
		}
		if (e != 'u' || c->end - p < 6 || p[2] != '0' || p[3] != '0' || !is_hex_upper(p[4]) ||
		    !is_hex_upper(p[5]))
			return false;
		int v = hex_value(p[4]) * 16 + hex_value(p[5]);
		/* \u0000 is refused by the parser; the others have short forms or are not controls */
		if (v == 0 || v >= 0x20 || v == '\b' || v == '\f' || v == '\n' || v == '\r' || v == '\t')
			return false;
		p += 6;
	}
}

static bool literal(struct cur *c, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
		return false;
	c->p += n;
	return true;
}

/* -?(0|[1-9][0-9]{0,17}), not "-0", and no fraction or exponent after it. */
static bool integer(struct cur *c)
{
	const unsigned char *p = c->p;
	bool minus = p < c->end && *p == '-';
	if (minus)
		p++;
	if (p >= c->end || *p < '0' || *p > '9')
		return false;
	const unsigned char *digits = p;
	if (*p == '0') {
		if (minus)
			return false;
		p++;
	} else {
		while (p < c->end && *p >= '0' && *p <= '9')
			p++;
		if (p - digits > 18)
			return false;
	}
	if (p < c->end && (*p == '.' || *p == 'e' || *p == 'E' || (*p >= '0' && *p <= '9')))
		return false;
	c->p = p;
	return true;
}

static bool value(struct cur *c, int depth);

static bool object(struct cur *c, int depth)
{
	if (depth > MAX_DEPTH)
		return false;
	c->p++; /* { */
	if (c->p < c->end && *c->p == '}') {
		c->p++;
		return true;
	}
	const unsigned char *prev = NULL;
	size_t prev_len = 0;
	for (;;) {
		if (c->p >= c->end || *c->p != '"')
			return false;
		const unsigned char *key = c->p + 1;
		if (!string(c))
			return false;
		size_t key_len = (size_t)(c->p - 1 - key);
		if (prev) { /* strictly increasing, as strcmp orders: no key twice */
			size_t n = prev_len < key_len ? prev_len : key_len;
			int cmp = memcmp(prev, key, n);
			if (cmp > 0 || (cmp == 0 && prev_len >= key_len))
				return false;
		}
		prev = key;
		prev_len = key_len;
		if (c->p >= c->end || *c->p != ':')
			return false;
		c->p++;
		if (!value(c, depth))
			return false;
		if (c->p >= c->end)
			return false;
		if (*c->p == '}') {
			c->p++;
			return true;
		}
		if (*c->p != ',')
			return false;
		c->p++;
	}
}

static bool array(struct cur *c, int depth)
{
	if (depth > MAX_DEPTH)
		return false;
	c->p++; /* [ */
	if (c->p < c->end && *c->p == ']') {
		c->p++;
		return true;
	}
	for (;;) {
		if (!value(c, depth))
			return false;
		if (c->p >= c->end)
			return false;
		if (*c->p == ']') {
			c->p++;
			return true;
		}
		if (*c->p != ',')
			return false;
		c->p++;
	}
}

static bool value(struct cur *c, int depth)
{
	if (c->p >= c->end)
		return false;
	switch (*c->p) {
	case '{': return object(c, depth + 1);
	case '[': return array(c, depth + 1);
	case '"': return string(c);
	case 't': return literal(c, "true");
	case 'f': return literal(c, "false");
	case 'n': return literal(c, "null");
	default: return integer(c);
	}
}

bool json_fixed_object(const char *s, size_t len)
{
	struct cur c = {(const unsigned char *)s, (const unsigned char *)s + len};
	if (len == 0 || *c.p != '{')
		return false;
	return object(&c, 1) && c.p == c.end;
}

bool json_fixed_only_string(const char *s, size_t len, const char *key, struct strbuf *out)
{
	size_t k = strlen(key);
	/* {"KEY":"...."} */
	if (len < k + 7 || s[0] != '{' || s[1] != '"' || memcmp(s + 2, key, k) != 0 || s[k + 2] != '"' ||
	    s[k + 3] != ':' || s[k + 4] != '"' || s[len - 1] != '}')
		return false;
	struct cur c = {(const unsigned char *)s + k + 4, (const unsigned char *)s + len};
	if (!string(&c) || c.p != c.end - 1)
		return false;
	const char *p = s + k + 5, *end = (const char *)c.p - 1, *run = p;
	while (p < end) {
		if (*p != '\\') {
			p++;
			continue;
		}
		sb_append(out, run, (size_t)(p - run));
		char e = p[1], ch;
		switch (e) {
		case 'b': ch = '\b'; break;
		case 'f': ch = '\f'; break;
		case 'n': ch = '\n'; break;
		case 'r': ch = '\r'; break;
		case 't': ch = '\t'; break;
		case 'u': ch = (char)(hex_value((unsigned char)p[4]) * 16 + hex_value((unsigned char)p[5])); break;
		default: ch = e; break; /* " or \\ */
		}
		sb_putc(out, ch);
		p += e == 'u' ? 6 : 2;
		run = p;
	}
	sb_append(out, run, (size_t)(end - run));
	return true;
}
