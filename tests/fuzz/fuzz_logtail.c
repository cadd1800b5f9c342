/*
 * fuzz_logtail.c — libFuzzer target for reading a log file (logtail.h): any bytes in a
 * file (BOMs, UTF-16LE, CR/LF mixes, NULs, over-long lines) must be delivered as lines of
 * valid, NUL-free UTF-8 whose offsets increase and stay within the file, and a parse of
 * each line must succeed. The input is written to one temporary file per process.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "steward/logenc.h"
#include "steward/logtail.h"
#include "steward/smslog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct state {
	uint64_t size;
	uint64_t last_end;
};

static bool on_line(void *ctx, size_t idx, const struct logtail_line *ln)
{
	(void)idx;
	struct state *st = ctx;
	if (!logenc_is_clean_utf8(ln->text, ln->len) || strlen(ln->text) != ln->len)
		abort();
	if (ln->offset < st->last_end || ln->end_offset < ln->offset || ln->end_offset > st->size)
		abort();
	st->last_end = ln->end_offset;
	struct log_record r;
	smslog_parse(ln->text, ln->len, &r);
	log_record_free(&r);
	return true;
}

static void on_note(void *ctx, size_t idx, enum logtail_note what, const char *old_file,
		    const char *new_file, const char *msg)
{
	(void)ctx, (void)idx, (void)what, (void)old_file, (void)new_file, (void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	if (!path[0])
		snprintf(path, sizeof path, "/tmp/steward-fuzz-logtail-%ld.log", (long)getpid());
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return 0;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	close(fd);
	struct logtail *t = logtail_new();
	logtail_force_polling(t, true);
	logtail_set_oneshot(t, true);
	logtail_add(t, path, LT_START_BEGIN, NULL, 0);
	struct state st = {size, 0};
	struct logtail_cbs cbs = {.line = on_line, .note = on_note};
	struct st_error err;
	logtail_process(t, &cbs, &st, &err);
	logtail_free(t);
	return 0;
}
