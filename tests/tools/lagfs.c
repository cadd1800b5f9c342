/*
 * lagfs.c — a read-only FUSE passthrough whose reported file sizes lag behind what
 * reads return, like a CIFS mount (the client caches attributes for `actimeo`, 1 s by
 * default, while reads of a file the server keeps open for writing are not cached).
 * A test tool only: it lets the reader's tests see a "shrinking" size that is not a
 * truncation.
 *
 *   lagfs [--lag-ms=N] [--pidfile=FILE] SOURCE MOUNTPOINT [FUSE options]
 *
 * The size of a file is taken from SOURCE at most every N ms (default 1000) and the
 * cached value is reported in between; N = -1 keeps it until the daemon gets SIGUSR1
 * (tests that must not depend on timing). Reads always go to SOURCE (direct I/O), so
 * they return bytes past the reported size. Inode numbers are SOURCE's (use_ino).
 * Writes go to SOURCE directly, not through the mount (the "server" side).
 */
#define FUSE_USE_VERSION 31

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_CACHED 256 /* files whose size is remembered (tests use a handful) */

struct cached {
	ino_t ino;
	off_t size;
	long long taken_ms;
	unsigned gen;
};

static char *source;
static char *pidfile;
static long lag_ms = 1000;
static volatile sig_atomic_t refresh_gen; /* SIGUSR1: every cached size is refreshed */
static struct cached cache[MAX_CACHED];
static size_t n_cached;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_usr1(int sig)
{
	(void)sig;
	refresh_gen++;
}

static char *real_path(const char *path)
{
	size_t n = strlen(source) + strlen(path) + 1;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s%s", source, path);
	return p;
}

/* The size to report for a regular file: the cached one while it is fresh. */
static off_t lagging_size(const struct stat *st)
{
	long long now = now_ms();
	unsigned gen = (unsigned)refresh_gen;
	pthread_mutex_lock(&cache_lock);
	struct cached *c = NULL;
	for (size_t i = 0; i < n_cached; i++)
		if (cache[i].ino == st->st_ino)
			c = &cache[i];
	if (!c && n_cached < MAX_CACHED) {
		c = &cache[n_cached++];
		*c = (struct cached){.ino = st->st_ino, .size = st->st_size, .taken_ms = now, .gen = gen};
	}
	off_t size = st->st_size;
	if (c) {
		bool fresh = c->gen == gen && (lag_ms < 0 || now - c->taken_ms < lag_ms);
		if (!fresh)
			*c = (struct cached){.ino = st->st_ino, .size = st->st_size, .taken_ms = now, .gen = gen};
		size = c->size;
	}
	pthread_mutex_unlock(&cache_lock);
	return size;
}

static void *lag_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	(void)conn;
	cfg->use_ino = 1;
	cfg->attr_timeout = 0;
	cfg->entry_timeout = 0;
	cfg->negative_timeout = 0;
	cfg->direct_io = 1;
	cfg->kernel_cache = 0;
	if (pidfile) { /* here: after fuse_main has daemonized */
		FILE *fp = fopen(pidfile, "w");
		if (fp) {
			fprintf(fp, "%ld\n", (long)getpid());
			fclose(fp);
		}
	}
	return NULL;
}

static int lag_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	int rc;
	if (fi) {
		rc = fstat((int)fi->fh, st);
	} else {
		char *p = real_path(path);
		if (!p)
			return -ENOMEM;
		rc = lstat(p, st);
		free(p);
	}
	if (rc != 0)
		return -errno;
	if (S_ISREG(st->st_mode))
		st->st_size = lagging_size(st);
	return 0;
}

static int lag_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off, struct fuse_file_info *fi,
		       enum fuse_readdir_flags flags)
{
	(void)off, (void)fi, (void)flags;
	char *p = real_path(path);
	if (!p)
		return -ENOMEM;
	DIR *d = opendir(p);
	free(p);
	if (!d)
		return -errno;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		struct stat st = {.st_ino = de->d_ino, .st_mode = (mode_t)de->d_type << 12};
		if (fill(buf, de->d_name, &st, 0, 0))
			break;
	}
	closedir(d);
	return 0;
}

static int lag_open(const char *path, struct fuse_file_info *fi)
{
	if ((fi->flags & O_ACCMODE) != O_RDONLY)
		return -EROFS;
	char *p = real_path(path);
	if (!p)
		return -ENOMEM;
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	free(p);
	if (fd < 0)
		return -errno;
	fi->fh = (uint64_t)fd;
	fi->direct_io = 1;
	return 0;
}

static int lag_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)path;
	ssize_t n = pread((int)fi->fh, buf, size, off);
	return n < 0 ? -errno : (int)n;
}

static int lag_release(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	close((int)fi->fh);
	return 0;
}

static int lag_statfs(const char *path, struct statvfs *sv)
{
	char *p = real_path(path);
	if (!p)
		return -ENOMEM;
	int rc = statvfs(p, sv);
	free(p);
	return rc ? -errno : 0;
}

static const struct fuse_operations ops = {
	.init = lag_init,
	.getattr = lag_getattr,
	.readdir = lag_readdir,
	.open = lag_open,
	.read = lag_read,
	.release = lag_release,
	.statfs = lag_statfs,
};

int main(int argc, char **argv)
{
	char **fargv = calloc((size_t)argc + 2, sizeof *fargv);
	if (!fargv)
		return 1;
	int fargc = 0;
	fargv[fargc++] = argv[0];
	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--lag-ms=", 9) == 0)
			lag_ms = strtol(argv[i] + 9, NULL, 10);
		else if (strncmp(argv[i], "--pidfile=", 10) == 0)
			pidfile = argv[i] + 10;
		else if (!source && argv[i][0] != '-')
			source = realpath(argv[i], NULL);
		else
			fargv[fargc++] = argv[i];
	}
	if (!source) {
		fprintf(stderr, "usage: lagfs [--lag-ms=N] [--pidfile=FILE] SOURCE MOUNTPOINT [FUSE options]\n");
		return 64;
	}
	struct sigaction sa = {.sa_handler = on_usr1};
	sigaction(SIGUSR1, &sa, NULL);
	int rc = fuse_main(fargc, fargv, &ops, NULL);
	free(fargv);
	free(source);
	return rc;
}
