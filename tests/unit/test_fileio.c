/*
 * test_fileio.c — reading given files bounded and without blocking, and writing an
 * output without replacing a device (fileio.h; issue 13, H1, M2, M3, L1).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "steward/fileio.h"
#include "steward/util.h"

static char dir[64];
static void mkdir_tmp(void)
{
	strcpy(dir, "/tmp/steward-fio-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}
static void rm_tmp(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}
TestSuite(fileio, .init = mkdir_tmp, .fini = rm_tmp);

static char *at(const char *name) { return xasprintf("%s/%s", dir, name); }

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

Test(fileio, reads_a_regular_file_up_to_the_limit)
{
	char *p = at("a.yaml");
	put(p, "12345678");
	struct fio_text t;
	cr_assert_eq(fio_read_regular(p, 8, &t), FIO_OK);
	cr_assert_eq(t.len, 8);
	cr_assert_str_eq(t.text, "12345678");
	free(t.text);
	cr_assert_eq(fio_read_regular(p, 7, &t), FIO_TOO_BIG);
	cr_assert_null(t.text);
	cr_assert_eq(t.size, 8);
	char *why = fio_read_problem(FIO_TOO_BIG, &t, 7);
	cr_assert_str_eq(why, "is 8 bytes, more than the 7 allowed");
	free(why);
	free(p);
}

Test(fileio, a_huge_sparse_file_is_refused_before_reading)
{
	char *p = at("huge.yaml");
	put(p, "");
	cr_assert_eq(truncate(p, (off_t)1 << 40), 0); /* 1 TiB: reading it would never end */
	struct fio_text t;
	cr_assert_eq(fio_read_regular(p, 4u << 20, &t), FIO_TOO_BIG);
	cr_assert_eq(t.size, (uint64_t)1 << 40);
	free(p);
}

Test(fileio, a_fifo_never_blocks)
{
	char *p = at("fifo.yaml");
	cr_assert_eq(mkfifo(p, 0600), 0);
	struct fio_text t;
	cr_assert_eq(fio_read_regular(p, 100, &t), FIO_NOT_FILE); /* no writer: would block */
	char *why = fio_read_problem(FIO_NOT_FILE, &t, 100);
	cr_assert_str_eq(why, "is a FIFO, not a regular file");
	free(why);
	free(p);
}

Test(fileio, devices_folders_and_missing_files)
{
	struct fio_text t;
	cr_assert_eq(fio_read_regular("/dev/zero", 100, &t), FIO_NOT_FILE);
	cr_assert_str_eq(fio_kind(t.mode), "a character device");
	cr_assert_eq(fio_read_regular(dir, 100, &t), FIO_NOT_FILE);
	cr_assert_str_eq(fio_kind(t.mode), "a folder");
	char *p = at("nope.yaml");
	cr_assert_eq(fio_read_regular(p, 100, &t), FIO_MISSING);
	free(p);
}

Test(fileio, output_to_a_new_or_regular_file_is_atomic_and_owner_only)
{
	char *p = at("out.json"), *why = NULL;
	mode_t old = umask(0);
	cr_assert_eq(fio_write_output(p, "one", 3, 0600, &why), 0);
	put(p, "previous");
	chmod(p, 0644);
	cr_assert_eq(fio_write_output(p, "two", 3, 0600, &why), 0);
	umask(old);
	struct stat st;
	cr_assert_eq(stat(p, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	struct fio_text t;
	cr_assert_eq(fio_read_regular(p, 100, &t), FIO_OK);
	cr_assert_str_eq(t.text, "two");
	free(t.text);
	free(p);
}

Test(fileio, output_through_a_symlink_to_a_device_keeps_the_link)
{
	char *null = at("null"), *full = at("full"), *why = NULL;
	cr_assert_eq(symlink("/dev/null", null), 0);
	cr_assert_eq(symlink("/dev/full", full), 0);
	cr_assert_eq(fio_write_output(null, "x", 1, 0600, &why), 0);
	cr_assert_eq(fio_write_output(full, "x", 1, 0600, &why), -1);
	cr_assert(strstr(why, "No space left"), "%s", why);
	free(why);
	struct stat st;
	cr_assert_eq(lstat(null, &st), 0);
	cr_assert(S_ISLNK(st.st_mode));
	cr_assert_eq(lstat(full, &st), 0);
	cr_assert(S_ISLNK(st.st_mode));
	free(null);
	free(full);
}

Test(fileio, refuses_folders_and_symlinks_to_files_or_nothing)
{
	char *file = at("f.json"), *link = at("l.json"), *dang = at("d.json"), *gone = at("gone.json");
	char *why = NULL;
	put(file, "keep");
	cr_assert_eq(symlink(file, link), 0);
	cr_assert_eq(symlink(gone, dang), 0);
	cr_assert_eq(fio_write_output(link, "x", 1, 0600, &why), -1);
	free(why);
	cr_assert_eq(fio_write_output(dang, "x", 1, 0600, &why), -1);
	free(why);
	cr_assert_eq(fio_write_output(dir, "x", 1, 0600, &why), -1);
	cr_assert(strstr(why, "folder"), "%s", why);
	free(why);
	cr_assert_eq(fio_write_output("", "x", 1, 0600, &why), -1);
	free(why);
	struct fio_text t;
	cr_assert_eq(fio_read_regular(file, 100, &t), FIO_OK);
	cr_assert_str_eq(t.text, "keep");
	free(t.text);
	cr_assert_neq(access(gone, F_OK), 0);
	free(file);
	free(link);
	free(dang);
	free(gone);
}
