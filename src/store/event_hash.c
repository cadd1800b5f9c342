/*
 * event_hash.c — the canonical encoding of an event and its SHA-256, the same for every
 * backend: a chain written on one database verifies on another (`steward push`).
 */
#include <stdio.h>
#include <string.h>

#include "backend.h"

static void put_field(struct strbuf *sb, const char *v)
{
	if (!v) {
		sb_puts(sb, "~\n"); /* NULL differs from "" (0:) */
		return;
	}
	size_t n = strlen(v);
	char len[24];
	size_t i = sizeof len;
	len[--i] = ':';
	size_t k = n;
	do {
		len[--i] = (char)('0' + k % 10);
		k /= 10;
	} while (k);
	sb_append(sb, len + i, sizeof len - i);
	sb_append(sb, v, n);
	sb_putc(sb, '\n');
}

void store_format_at(struct at_cache *c, int64_t ms, char out[32])
{
	if (!c || ms < 0) {
		util_format_utc_ms(ms, out);
		return;
	}
	if (c->sec != ms / 1000) {
		util_format_utc_ms(ms, c->text);
		c->sec = ms / 1000;
	}
	memcpy(out, c->text, 32);
	int frac = (int)(ms % 1000);
	out[20] = (char)('0' + frac / 100);
	out[21] = (char)('0' + frac / 10 % 10);
	out[22] = (char)('0' + frac % 10);
}

/*
 * The canonical encoding: a version line, then every field as LENGTH ":" BYTES "\n"
 * (or "~\n" for NULL), so no choice of field contents can make two different events
 * encode alike. Time is written as ISO 8601 UTC with milliseconds.
 */
void store_event_hash_cached(const char *session_id, const struct store_event *ev, struct at_cache *cache,
		       struct strbuf *sb, char out[65])
{
	char at[32], seq[32];
	store_format_at(cache, ev->at_ms, at);
	/* "%lld" without printf: this runs for every event of an audit */
	size_t i = sizeof seq;
	seq[--i] = '\0';
	unsigned long long v = ev->seq < 0 ? 0ULL - (unsigned long long)ev->seq : (unsigned long long)ev->seq;
	do {
		seq[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (ev->seq < 0)
		seq[--i] = '-';
	sb_reset(sb);
	sb_puts(sb, "steward-event/1\n");
	put_field(sb, session_id);
	put_field(sb, seq + i);
	put_field(sb, at);
	put_field(sb, ev->op);
	put_field(sb, ev->host);
	put_field(sb, ev->type);
	put_field(sb, ev->step);
	put_field(sb, ev->data);
	put_field(sb, ev->prev_hash);
	util_sha256_hex(sb->data, sb->len, out);
}
