/*
 * fuzz_logtail.c — libFuzzer target for reading a log file (logtail.h): any bytes in a
 * file (BOMs, UTF-16LE, CR/LF mixes, NULs, over-long lines) must be delivered as lines of
 * valid, NUL-free UTF-8 whose offsets increase and stay within the file, and a parse of
 * each line must succeed. The input is written to one temporary file per process, then
 * appended to, rewritten in place or rotated (below): an append is never taken for a
 * truncation (the reader decides by the bytes it read, not by the size), and every file
 * end names the file that ended.
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
	unsigned restarts; /* truncation/rotation/replacement notes */
	const struct logtail *t;
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
	(void)idx, (void)old_file, (void)new_file, (void)msg;
	struct state *st = ctx;
	if (what == LTN_FILE_END) { /* names the file that ended, delivered lines or not */
		struct logtail_pos ended;
		logtail_ended(st->t, &ended);
		if (ended.dev == 0 && ended.ino == 0)
			abort();
	}
	if (what == LTN_TRUNCATED || what == LTN_ROTATED || what == LTN_REPLACED) {
		st->restarts++;
		st->last_end = 0; /* offsets start again in the new content */
	}
}

static bool write_file(const char *path, const uint8_t *data, size_t size, int flags)
{
	int fd = open(path, O_WRONLY | O_CREAT | flags, 0600);
	if (fd < 0)
		return false;
	bool ok = !size || write(fd, data, size) == (ssize_t)size;
	close(fd);
	return ok;
}

/*
 * The first byte picks what happens to the file between two reads of one follower: the
 * rest of the input is split in two; the first part is the file as first read, the second
 * is appended (0), replaces the content in place (1), or becomes a new file after a
 * rename to .lo_ (2). Appending must never look like a truncation and must deliver each
 * byte once; the others must be followed with offsets inside the new content.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64], lo[64];
	if (!path[0]) {
		snprintf(path, sizeof path, "/tmp/steward-fuzz-logtail-%ld.log", (long)getpid());
		snprintf(lo, sizeof lo, "/tmp/steward-fuzz-logtail-%ld.lo_", (long)getpid());
	}
	unlink(lo);
	unsigned mode = size ? data[0] % 4 : 3;
	const uint8_t *body = size ? data + 1 : data;
	size_t n = size ? size - 1 : 0, first = mode == 3 ? n : n / 2;
	if (!write_file(path, body, first, O_TRUNC))
		return 0;
	struct logtail *t = logtail_new();
	logtail_force_polling(t, true);
	logtail_set_oneshot(t, mode == 3);
	logtail_add(t, path, LT_START_BEGIN, NULL, 0);
	struct state st = {.size = first, .t = t};
	struct logtail_cbs cbs = {.line = on_line, .note = on_note};
	logtail_process(t, &cbs, &st);
	if (mode != 3) {
		const uint8_t *rest = body + first;
		size_t n_rest = n - first;
		bool ok = true;
		if (mode == 0) {
			ok = write_file(path, rest, n_rest, O_APPEND);
			st.size = n;
		} else if (mode == 1) {
			ok = write_file(path, rest, n_rest, O_TRUNC);
			st.size = n_rest > first ? n_rest : first;
		} else {
			ok = rename(path, lo) == 0 && write_file(path, rest, n_rest, O_TRUNC);
			st.size = n_rest > first ? n_rest : first;
		}
		if (ok) {
			logtail_process(t, &cbs, &st);
			if (mode == 0 && st.restarts)
				abort(); /* appending is never a truncation */
		}
	}
	logtail_free(t);
	return 0;
}
