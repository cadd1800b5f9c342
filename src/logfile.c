/*
 * logfile.c — the one rule for finding a log file (see logfile.h), and marks.
 */
#include "steward/logfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "steward/util.h"

static const char *const how_names[] = {
	[LOGFILE_EXACT] = "exact", [LOGFILE_OTHER_CASE] = "other-case", [LOGFILE_ABSENT] = "absent",
	[LOGFILE_AMBIGUOUS] = "ambiguous", [LOGFILE_NO_FOLDER] = "no-folder",
};

const char *logfile_how_name(enum logfile_how how) { return how_names[how]; }

bool logfile_how_parse(const char *name, enum logfile_how *out)
{
	for (size_t i = 0; name && i < ARRAY_LEN(how_names); i++)
		if (strcmp(name, how_names[i]) == 0) {
			*out = (enum logfile_how)i;
			return true;
		}
	return false;
}

static char *join(const char *dir, const char *name, bool had_slash)
{
	if (!had_slash)
		return xstrdup(name);
	return xasprintf("%s/%s", strcmp(dir, "/") ? dir : "", name);
}

enum logfile_how logfile_resolve(const char *path, struct logfile_found *out)
{
	memset(out, 0, sizeof *out);
	if (access(path, F_OK) == 0) {
		out->path = xstrdup(path);
		return out->how = LOGFILE_EXACT;
	}
	const char *slash = strrchr(path, '/');
	char *dir = slash ? xstrndup(path, (size_t)(slash - path) + (slash == path)) : xstrdup(".");
	const char *base = slash ? slash + 1 : path;
	DIR *d = opendir(dir);
	if (!d) {
		out->err = errno;
		free(dir);
		return out->how = LOGFILE_NO_FOLDER;
	}
	size_t matches = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (strcasecmp(de->d_name, base) != 0)
			continue;
		char *p = join(dir, de->d_name, slash != NULL);
		if (matches == 0) {
			out->path = p;
		} else if (matches == 1) {
			out->other = out->path;
			out->path = NULL;
			out->other2 = p;
		} else {
			free(p);
		}
		matches++;
	}
	closedir(d);
	free(dir);
	if (matches == 0)
		return out->how = LOGFILE_ABSENT;
	return out->how = matches == 1 ? LOGFILE_OTHER_CASE : LOGFILE_AMBIGUOUS;
}

void logfile_found_free(struct logfile_found *f)
{
	free(f->path);
	free(f->other);
	free(f->other2);
	memset(f, 0, sizeof *f);
}

char *logfile_find(const char *path)
{
	struct logfile_found f;
	logfile_resolve(path, &f);
	char *p = f.path;
	f.path = NULL;
	logfile_found_free(&f);
	return p;
}

char *logfile_why_not(const char *path, const struct logfile_found *f)
{
	switch (f->how) {
	case LOGFILE_AMBIGUOUS:
		return xasprintf("%s: several files differ from this name only in case (%s, %s): steward reads "
				 "none of them — give the one SMS writes with --log NAME=PATH",
				 path, f->other, f->other2);
	case LOGFILE_NO_FOLDER:
		return xasprintf("%s: its folder cannot be read: %s", path, strerror(f->err));
	default:
		return xasprintf("%s: not found (waiting for it to appear)", path);
	}
}

char *logfile_lo_path(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(path, '.');
	size_t stem = (dot && (!slash || dot > slash)) ? (size_t)(dot - path) : strlen(path);
	return xasprintf("%.*s.lo_", (int)stem, path);
}

uint64_t logfile_mark(int fd, uint64_t offset)
{
	if (offset == 0)
		return 0;
	unsigned char buf[LOGFILE_MARK_BYTES];
	size_t n = offset < sizeof buf ? (size_t)offset : sizeof buf;
	size_t got = 0;
	while (got < n) {
		ssize_t r = pread(fd, buf + got, n - got, (off_t)(offset - n + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return 0;
		got += (size_t)r;
	}
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
	for (size_t i = 0; i < n; i++) {
		h ^= buf[i];
		h *= 0x100000001b3ULL;
	}
	return h ? h : 1; /* 0 means "no mark" */
}

/* Where reads end: a size reported by a network mount can lag behind (the CIFS
 * attribute cache), so the bytes past it are counted too (at most READ_PAST_MAX). */
#define READ_PAST_MAX (16u * 1024u * 1024u)

static uint64_t end_of_reads(int fd, uint64_t size)
{
	char buf[16384];
	uint64_t end = size;
	while (end - size < READ_PAST_MAX) {
		ssize_t r = pread(fd, buf, sizeof buf, (off_t)end);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		end += (uint64_t)r;
	}
	return end;
}

bool logfile_identify(const char *path, struct logfile_id *out)
{
	memset(out, 0, sizeof *out);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return false;
	struct stat st;
	int e = 0;
	if (fstat(fd, &st) != 0)
		e = errno;
	else if (!S_ISREG(st.st_mode))
		e = EISDIR;
	if (e == 0) {
		out->dev = (uint64_t)st.st_dev;
		out->ino = (uint64_t)st.st_ino;
		out->size = end_of_reads(fd, (uint64_t)st.st_size);
		out->mark = logfile_mark(fd, out->size);
	}
	close(fd);
	errno = e;
	return e == 0;
}
