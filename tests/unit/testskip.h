/*
 * testskip.h — skipping a unit test where it cannot run, visibly.
 *
 * Criterion leaves skipped tests out of its "Tested" count and prints nothing for them,
 * so a skip also writes "SKIP: reason" on stderr: tests/run-unit.sh shows those lines.
 * Tests that need an unprivileged user (root reads and writes through any permission)
 * skip as root; `make check` run as root runs them again as an unprivileged user
 * (tests/run-unprivileged.sh), so they run in CI.
 */
#ifndef STEWARD_TESTSKIP_H
#define STEWARD_TESTSKIP_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <unistd.h>

#define test_skip(...)                                                                  \
	do {                                                                            \
		static char why_[512]; /* static: the skip leaves the test's frame */   \
		snprintf(why_, sizeof why_, __VA_ARGS__);                               \
		fprintf(stderr, "SKIP: %s\n", why_);                                     \
		cr_skip_test("SKIP: %s", why_);                                         \
	} while (0)

/* Skips the test when it runs as root, where permissions do not hold. */
#define skip_as_root(what)                                                              \
	do {                                                                            \
		if (geteuid() == 0)                                                     \
			test_skip("%s: root reads and writes through permissions (runs as " \
				  "an unprivileged user: tests/run-unprivileged.sh)", what);      \
	} while (0)

#endif
