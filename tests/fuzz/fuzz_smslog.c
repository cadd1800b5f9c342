/*
 * fuzz_smslog.c — libFuzzer target for the log line parser and the record assembler:
 * any bytes must parse without a crash, leak or undefined behaviour, and every record
 * must carry valid, NUL-free UTF-8 text and offsets within the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "steward/logenc.h"
#include "steward/smslog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz {
	size_t size;
};

static void check_record(const struct log_record *r, size_t size)
{
	if (!r->text || !r->raw || !logenc_is_clean_utf8(r->text, strlen(r->text)) ||
	    !logenc_is_clean_utf8(r->raw, strlen(r->raw)))
		abort();
	if (r->component && !logenc_is_clean_utf8(r->component, strlen(r->component)))
		abort();
	if (r->offset > r->end_offset || r->end_offset > size)
		abort();
	if (strlen(r->local_time) >= sizeof r->local_time)
		abort();
}

static void on_rec(void *ctx, struct log_record *r)
{
	const struct fz *f = ctx;
	check_record(r, f->size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct log_record r;
	smslog_parse(s, size, &r);
	check_record(&r, size);
	log_record_free(&r);

	/* the same bytes as a stream of physical lines */
	struct fz f = {size};
	struct smslog_asm *a = smslog_asm_new();
	size_t start = 0;
	for (size_t i = 0; i <= size; i++) {
		if (i == size || s[i] == '\n') {
			uint64_t end = i < size ? i + 1 : i;
			smslog_asm_feed(a, s + start, i - start, start, end, on_rec, &f);
			if (i < size && i % 7 == 0)
				smslog_asm_idle(a, on_rec, &f);
			start = i + 1;
		}
	}
	smslog_asm_flush(a, on_rec, &f);
	smslog_asm_free(a);
	return 0;
}
