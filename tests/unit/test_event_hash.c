/*
 * test_event_hash.c — the event hash's canonical encoding (docs/audit-trail.md), written
 * out here independently with printf, for the seq values a tampered database can hold
 * (0, negative, the extremes of int64): the encoder formats seq without printf.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "steward/store.h"
#include "steward/util.h"

static void field(struct strbuf *sb, const char *v)
{
	if (v)
		sb_printf(sb, "%zu:%s\n", strlen(v), v);
	else
		sb_puts(sb, "~\n");
}

Test(event_hash, seq_is_written_as_printf_would)
{
	static const int64_t seqs[] = {1, 9, 10, 12345, 0, -1, -42, INT64_MAX, INT64_MIN};
	for (size_t k = 0; k < sizeof seqs / sizeof *seqs; k++) {
		struct store_event ev = {.seq = seqs[k], .at_ms = 1795000000123LL, .op = "alice", .host = "h",
					 .type = "note_added", .step = NULL, .data = "{\"text\":\"x\"}"};
		memset(ev.prev_hash, '0', 64);
		ev.prev_hash[64] = '\0';
		char got[65], want[65], seq[32], at[32];
		store_event_hash("S1", &ev, got);
		snprintf(seq, sizeof seq, "%" PRId64, seqs[k]);
		util_format_utc_ms(ev.at_ms, at);
		struct strbuf sb = STRBUF_INIT;
		sb_puts(&sb, "steward-event/1\n");
		field(&sb, "S1");
		field(&sb, seq);
		field(&sb, at);
		field(&sb, ev.op);
		field(&sb, ev.host);
		field(&sb, ev.type);
		field(&sb, ev.step);
		field(&sb, ev.data);
		field(&sb, ev.prev_hash);
		util_sha256_hex(sb.data, sb.len, want);
		sb_free(&sb);
		cr_assert_str_eq(got, want, "seq %s", seq);
	}
}
