/*
 * simledger.c — the record of what `steward simulate` wrote into a log folder
 * (simledger.h). JSON lines read with jansson; a line that is not a well-formed entry
 * is skipped, because the folder (and so the file) may be writable by others.
 */
#include "steward/simledger.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "steward/util.h"

char *simledger_path(const char *log_dir)
{
	return xasprintf("%s/%s", log_dir && *log_dir ? log_dir : ".", SIMLEDGER_NAME);
}

static enum st_code append(const char *log_dir, const char *entry, struct st_error *err)
{
	char *path = simledger_path(log_dir);
	/* O_NOFOLLOW: a symlink planted at the ledger's name must not redirect the writes */
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);
	enum st_code rc = ST_OK;
	struct stat st;
	if (fd < 0) {
		rc = st_set(err, ST_IOERR, "simulate: cannot write its record of simulated lines %s: %s", path,
			    strerror(errno));
	} else if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = st_set(err, ST_IOERR, "simulate: %s is not a regular file — remove it and try again", path);
	} else {
		size_t n = strlen(entry);
		ssize_t w = write(fd, entry, n); /* one small O_APPEND write: never interleaved */
		if (w != (ssize_t)n)
			rc = st_set(err, ST_IOERR, "simulate: writing %s: %s", path,
				    w < 0 ? strerror(errno) : "short write");
	}
	if (fd >= 0)
		close(fd);
	free(path);
	return rc;
}

enum st_code simledger_note_created(const char *log_dir, uint64_t dev, uint64_t ino, struct st_error *err)
{
	char entry[96];
	snprintf(entry, sizeof entry, "{\"created\":[%llu,%llu]}\n", (unsigned long long)dev, (unsigned long long)ino);
	return append(log_dir, entry, err);
}

enum st_code simledger_note_line(const char *log_dir, uint64_t dev, uint64_t ino, uint64_t offset,
				 uint64_t length, struct st_error *err)
{
	char entry[160];
	snprintf(entry, sizeof entry, "{\"line\":[%llu,%llu,%llu,%llu]}\n", (unsigned long long)dev,
		 (unsigned long long)ino, (unsigned long long)offset, (unsigned long long)length);
	return append(log_dir, entry, err);
}

/* n non-negative integers from a JSON array of exactly that length. */
static bool numbers(const json_t *a, uint64_t *out, size_t n)
{
	if (!json_is_array(a) || json_array_size(a) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		const json_t *v = json_array_get(a, i);
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return false;
		out[i] = (uint64_t)json_integer_value(v);
	}
	return true;
}

void simledger_parse(const char *text, size_t len, struct simledger *out)
{
	memset(out, 0, sizeof *out);
	size_t cap_c = 0, cap_l = 0;
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		json_t *j = json_loadb(p, (size_t)(e - p), JSON_REJECT_DUPLICATES, NULL);
		uint64_t v[4];
		if (json_is_object(j) && json_object_size(j) == 1) {
			if (numbers(json_object_get(j, "created"), v, 2)) {
				if (out->n_created == cap_c) {
					cap_c = cap_c ? cap_c * 2 : 8;
					out->created = xreallocarray(out->created, cap_c, sizeof *out->created);
				}
				out->created[out->n_created++] = (struct simledger_file){v[0], v[1]};
			} else if (numbers(json_object_get(j, "line"), v, 4)) {
				if (out->n_lines == cap_l) {
					cap_l = cap_l ? cap_l * 2 : 64;
					out->lines = xreallocarray(out->lines, cap_l, sizeof *out->lines);
				}
				out->lines[out->n_lines++] = (struct simledger_line){v[0], v[1], v[2], v[3]};
			}
		}
		json_decref(j);
		p = nl ? nl + 1 : end;
	}
}

void simledger_load(const char *log_dir, struct simledger *out)
{
	memset(out, 0, sizeof *out);
	char *path = simledger_path(log_dir);
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	free(path);
	if (fd < 0)
		return;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return;
	}
	struct strbuf sb = STRBUF_INIT;
	char buf[65536];
	ssize_t n;
	while (sb.len < SIMLEDGER_MAX_BYTES && (n = read(fd, buf, sizeof buf)) > 0)
		sb_append(&sb, buf, (size_t)n);
	close(fd);
	simledger_parse(sb_str(&sb), sb.len, out);
	sb_free(&sb);
}

void simledger_free(struct simledger *l)
{
	free(l->created);
	free(l->lines);
	memset(l, 0, sizeof *l);
}

bool simledger_created(const struct simledger *l, uint64_t dev, uint64_t ino)
{
	for (size_t i = 0; i < l->n_created; i++)
		if (l->created[i].dev == dev && l->created[i].ino == ino)
			return true;
	return false;
}

bool simledger_covers(const struct simledger *l, uint64_t dev, uint64_t ino, uint64_t offset)
{
	for (size_t i = 0; i < l->n_lines; i++) {
		const struct simledger_line *x = &l->lines[i];
		if (x->dev == dev && x->ino == ino && offset >= x->offset && offset - x->offset < x->length)
			return true;
	}
	return false;
}

bool simledger_is_simulated(const char *log_dir, uint64_t dev, uint64_t ino, uint64_t offset)
{
	struct simledger l;
	simledger_load(log_dir, &l);
	bool yes = simledger_covers(&l, dev, ino, offset);
	simledger_free(&l);
	return yes;
}
