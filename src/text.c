/*
 * text.c — terminal-safe text (text_sanitize) and display-column fitting.
 *
 * Invariants: text_sanitize's output is valid UTF-8 with no ESC, no C1 control,
 * no DEL and no byte below 0x20 other than '\n' (with TEXT_NEWLINES); with
 * TEXT_ASCII it is printable ASCII. The width helpers never split a character
 * and never return a slice wider than asked. See text.h.
 */
#include "steward/text.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define ESC 0x1b
#define BEL 0x07
#define C1_ST 0x9c
#define TAB_STOP 8

size_t text_decode(const char *s, size_t len, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned char c = u[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	size_t need;
	uint32_t v;
	unsigned char lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
	if (c >= 0xc2 && c <= 0xdf) {
		need = 2;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 3;
		v = c & 0x0f;
		if (c == 0xe0)
			lo = 0xa0; /* overlong */
		else if (c == 0xed)
			hi = 0x9f; /* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 4;
		v = c & 0x07;
		if (c == 0xf0)
			lo = 0x90; /* overlong */
		else if (c == 0xf4)
			hi = 0x8f; /* > U+10FFFF */
	} else {
		*cp = 0xfffd; /* continuation byte, C0/C1 overlong lead, F5..FF */
		return 1;
	}
	for (size_t i = 1; i < need; i++) {
		if (i >= len) {
			*cp = 0xfffd;
			return i;
		}
		unsigned char b = u[i];
		unsigned char bl = i == 1 ? lo : 0x80, bh = i == 1 ? hi : 0xbf;
		if (b < bl || b > bh) {
			*cp = 0xfffd;
			return i; /* the maximal invalid prefix; b starts the next character */
		}
		v = (v << 6) | (b & 0x3f);
	}
	*cp = v;
	return need;
}

size_t text_encode(uint32_t cp, char b[4])
{
	size_t n;
	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return n;
}

static void put_utf8(struct strbuf *sb, uint32_t cp)
{
	char b[4];
	sb_append(sb, b, text_encode(cp, b));
}

/* Bidirectional embedding/override/isolate controls and the BOM: dropped, they
 * can make a line read differently from what it is. */
static bool invisible_format(uint32_t cp)
{
	return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
	       cp == 0x200e || cp == 0x200f || cp == 0xfeff;
}

/*
 * Skips a control string (OSC, DCS, SOS, PM, APC) starting at s[i] (just after its
 * introducer) up to and including its terminator: BEL, ESC \ or C1 ST. A newline
 * also ends it (it is not consumed), so one bad line cannot hide the next ones.
 */
static size_t skip_string(const char *s, size_t len, size_t i)
{
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		if (c == BEL)
			return i + 1;
		if (c == '\n')
			return i;
		if (c == ESC) {
			if (i + 1 < len && s[i + 1] == '\\')
				return i + 2;
			return i; /* a new sequence starts: the string ends unterminated */
		}
		uint32_t cp;
		size_t n = text_decode(s + i, len - i, &cp);
		if (cp == C1_ST)
			return i + n;
		i += n;
	}
	return len;
}

/* Skips CSI parameters, intermediates and the final byte starting at s[i]. A byte
 * outside those ranges aborts the sequence (it is then processed as text). */
static size_t skip_csi(const char *s, size_t len, size_t i)
{
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c <= 0x3f) {
			i++;
			continue;
		}
		if (c >= 0x40 && c <= 0x7e)
			return i + 1;
		return i;
	}
	return len;
}

/* Skips what follows an ESC at s[i-1]; returns the index after the sequence. */
static size_t skip_escape(const char *s, size_t len, size_t i)
{
	if (i >= len)
		return len;
	unsigned char c = (unsigned char)s[i];
	switch (c) {
	case '[':
		return skip_csi(s, len, i + 1);
	case ']':
	case 'P':
	case 'X':
	case '^':
	case '_':
		return skip_string(s, len, i + 1);
	default:
		break;
	}
	/* nF: intermediates 0x20-0x2f then a final 0x30-0x7e; Fp/Fe/Fs: one byte 0x30-0x7e. */
	while (i < len && (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] <= 0x2f)
		i++;
	if (i < len && (unsigned char)s[i] >= 0x30 && (unsigned char)s[i] <= 0x7e)
		return i + 1;
	return i; /* a lone ESC (or ESC + a control): only the ESC goes */
}

/* ASCII stand-ins for the punctuation steward itself uses; '?' for the rest. */
static const char *ascii_fallback(uint32_t cp)
{
	switch (cp) {
	case 0x00b7: return ".";   /* middle dot */
	case 0x2013: return "-";   /* en dash */
	case 0x2014: return "-";   /* em dash */
	case 0x2018: case 0x2019: return "'";
	case 0x201c: case 0x201d: return "\"";
	case 0x2026: return "..."; /* ellipsis */
	case 0x2190: return "<-";
	case 0x2192: return "->";
	case 0x2191: return "^";
	case 0x2193: return "v";
	case 0x2713: case 0x2714: return "+";
	case 0x26a0: return "!";   /* warning sign */
	case 0x00a0: return " ";
	default: return "?";
	}
}

static void put_control(struct strbuf *out, unsigned char c, bool ascii, int *col)
{
	if (ascii) {
		sb_putc(out, '^');
		sb_putc(out, c == 0x7f ? '?' : (char)(c + '@'));
		*col += 2;
	} else {
		put_utf8(out, c == 0x7f ? 0x2421 : 0x2400u + c);
		*col += 1;
	}
}

void text_sanitize_sb(struct strbuf *out, const char *s, size_t len, unsigned flags)
{
	bool ascii = flags & TEXT_ASCII, keep_nl = flags & TEXT_NEWLINES;
	int col = 0; /* for tab stops */
	sb_grow(out, len + 1);
	if (out->len == 0 && out->data)
		out->data[0] = '\0';
	size_t i = 0;
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		if (c == ESC) {
			i = skip_escape(s, len, i + 1);
			continue;
		}
		if (c == '\n') {
			if (keep_nl) {
				sb_putc(out, '\n');
				col = 0;
			} else {
				sb_putc(out, ' ');
				col++;
			}
			i++;
			continue;
		}
		if (c == '\r') { /* CRLF endings; a bare CR could overwrite what came before */
			i++;
			continue;
		}
		if (c == '\t') {
			int n = TAB_STOP - col % TAB_STOP;
			for (int k = 0; k < n; k++)
				sb_putc(out, ' ');
			col += n;
			i++;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			put_control(out, c, ascii, &col);
			i++;
			continue;
		}
		if (c < 0x80) {
			sb_putc(out, (char)c);
			col++;
			i++;
			continue;
		}
		uint32_t cp;
		size_t n = text_decode(s + i, len - i, &cp);
		i += n;
		if (cp == 0x9b) { /* C1 CSI */
			i = skip_csi(s, len, i);
			continue;
		}
		if (cp == 0x9d || cp == 0x90 || cp == 0x98 || cp == 0x9e || cp == 0x9f) {
			i = skip_string(s, len, i); /* C1 OSC, DCS, SOS, PM, APC */
			continue;
		}
		if ((cp >= 0x80 && cp <= 0x9f) || invisible_format(cp))
			continue; /* other C1 controls */
		if (ascii) {
			const char *t = ascii_fallback(cp);
			sb_puts(out, t);
			col += (int)strlen(t);
			continue;
		}
		put_utf8(out, cp);
		int w = text_cp_width(cp);
		col += w;
	}
}

char *text_sanitize(const char *s, size_t len, unsigned flags)
{
	struct strbuf sb = STRBUF_INIT;
	text_sanitize_sb(&sb, s ? s : "", s ? len : 0, flags);
	return sb_take(&sb);
}

int text_cp_width(uint32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
		return 1; /* not expected after sanitizing; never 0 or negative */
	if (cp < 0x7f)
		return 1;
	int w = wcwidth((wchar_t)cp);
	if (w < 0)
		return 1; /* unknown to this locale: drawn as one replacement cell */
	return w;
}

int text_width_n(const char *s, size_t len)
{
	int w = 0;
	size_t i = 0;
	while (i < len) {
		uint32_t cp;
		i += text_decode(s + i, len - i, &cp);
		w += text_cp_width(cp);
	}
	return w;
}

int text_width(const char *s) { return s ? text_width_n(s, strlen(s)) : 0; }

size_t text_fit(const char *s, size_t len, int cols, int *used)
{
	int w = 0;
	size_t i = 0;
	while (i < len) {
		uint32_t cp;
		size_t n = text_decode(s + i, len - i, &cp);
		int cw = text_cp_width(cp);
		if (w + cw > cols)
			break;
		w += cw;
		i += n;
	}
	if (used)
		*used = w;
	return i;
}

const char *text_ellipsis(bool ascii) { return ascii ? "~" : "\xe2\x80\xa6"; }

char *text_ellipsize(const char *s, int cols, const char *ellipsis)
{
	if (!s || cols <= 0)
		return xstrdup("");
	size_t len = strlen(s);
	if (text_width_n(s, len) <= cols)
		return xstrdup(s);
	int ew = text_width(ellipsis);
	if (ew > cols) /* no room even for the ellipsis: cut plainly */
		return xstrndup(s, text_fit(s, len, cols, NULL));
	size_t keep = text_fit(s, len, cols - ew, NULL);
	struct strbuf sb = STRBUF_INIT;
	sb_append(&sb, s, keep);
	sb_puts(&sb, ellipsis);
	return sb_take(&sb);
}

static void add_span(struct text_span **v, size_t *n, size_t *cap, size_t off, size_t len, int width)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		*v = xreallocarray(*v, *cap, sizeof **v);
	}
	(*v)[(*n)++] = (struct text_span){.off = off, .len = len, .width = width};
}

size_t text_wrap(const char *s, int cols, struct text_span **lines)
{
	if (cols < 1)
		cols = 1;
	if (!s)
		s = "";
	size_t len = strlen(s), n = 0, cap = 0;
	struct text_span *v = NULL;
	size_t start = 0;
	while (start <= len) {
		/* One paragraph: s[start..end) up to the next newline. */
		const char *nl = memchr(s + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - s) : len;
		size_t pos = start;
		do {
			int used;
			size_t fit = text_fit(s + pos, end - pos, cols, &used);
			size_t cut = pos + fit;
			if (fit == 0 && pos < end) { /* one character wider than the line */
				uint32_t cp;
				cut = pos + text_decode(s + pos, end - pos, &cp);
				while (cut < end) { /* with its combining marks */
					size_t k = text_decode(s + cut, end - cut, &cp);
					if (text_cp_width(cp) != 0)
						break;
					cut += k;
				}
				used = text_width_n(s + pos, cut - pos);
			} else if (cut < end) {
				/* Prefer to break after the last space inside the fitted part,
				 * or right at a space that follows it. */
				size_t brk = cut;
				if (s[cut] != ' ') {
					size_t k = cut;
					while (k > pos && s[k - 1] != ' ')
						k--;
					if (k > pos)
						brk = k;
				}
				cut = brk;
			}
			size_t line_end = cut;
			while (line_end > pos && s[line_end - 1] == ' ' && cut < end)
				line_end--; /* no trailing spaces at a soft break */
			add_span(&v, &n, &cap, pos, line_end - pos, text_width_n(s + pos, line_end - pos));
			(void)used;
			pos = cut;
			while (pos < end && s[pos] == ' ' && pos != start)
				pos++; /* nor leading ones on the next line */
		} while (pos < end);
		if (!nl)
			break;
		start = end + 1;
		if (start == len)
			break; /* a final newline adds no empty line */
	}
	if (n == 0)
		add_span(&v, &n, &cap, 0, 0, 0);
	*lines = v;
	return n;
}

const char *text_find_ci(const char *hay, const char *needle)
{
	if (!hay || !needle)
		return NULL;
	size_t nl = strlen(needle);
	for (const char *p = hay;; p++) {
		size_t k = 0;
		while (k < nl && p[k]) {
			unsigned char a = (unsigned char)p[k], b = (unsigned char)needle[k];
			if (a >= 'A' && a <= 'Z')
				a = (unsigned char)(a + 32);
			if (b >= 'A' && b <= 'Z')
				b = (unsigned char)(b + 32);
			if (a != b)
				break;
			k++;
		}
		if (k == nl)
			return p;
		if (!*p)
			return NULL;
	}
}

/* Does this line start a list item ("- ", "* ", "• ", "12. ", "3) ")? */
static bool list_item(const char *l)
{
	if ((l[0] == '-' || l[0] == '*') && l[1] == ' ')
		return true;
	if (strncmp(l, "\xe2\x80\xa2 ", 4) == 0)
		return true;
	size_t d = 0;
	while (l[d] >= '0' && l[d] <= '9')
		d++;
	return d > 0 && d < 4 && (l[d] == '.' || l[d] == ')') && l[d + 1] == ' ';
}

char *text_reflow(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	sb_puts(&sb, "");
	if (!s)
		return sb_take(&sb);
	const char *p = s;
	bool prev_text = false; /* the previous line had text (not blank) */
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		bool blank = true;
		for (size_t i = 0; i < len; i++)
			if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
				blank = false;
		if (p != s) {
			bool join = prev_text && !blank && p[0] != ' ' && p[0] != '\t' && !list_item(p);
			sb_putc(&sb, join ? ' ' : '\n');
		}
		size_t l = len;
		while (l > 0 && (p[l - 1] == ' ' || p[l - 1] == '\r'))
			l--; /* trailing spaces would double up when joined */
		sb_append(&sb, p, l);
		prev_text = !blank;
		if (!nl)
			break;
		p = nl + 1;
	}
	/* No trailing newline: a block scalar's final break means nothing on screen. */
	while (sb.len > 0 && sb.data[sb.len - 1] == '\n')
		sb.data[--sb.len] = '\0';
	return sb_take(&sb);
}
