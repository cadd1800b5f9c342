/*
 * sqlite_floor.c — the least a durable SQLite recorder can cost: opens DB with the
 * settings of steward's store (WAL, synchronous=FULL), commits one row, prints "ready"
 * and waits to be stopped. bench_memory.sh measures its peak memory beside `steward
 * watch` and `tail -F`: what SQLite itself (and libc) take before any of steward's work.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: sqlite_floor DB\n");
		return 64;
	}
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		fprintf(stderr, "sqlite_floor: %s: %s\n", argv[1], sqlite3_errmsg(db));
		return 1;
	}
	char *msg = NULL;
	if (sqlite3_exec(db,
			 "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
			 " CREATE TABLE IF NOT EXISTS e (seq INTEGER PRIMARY KEY, data TEXT);"
			 " BEGIN IMMEDIATE; INSERT INTO e (data) VALUES ('one durable event'); COMMIT;",
			 NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "sqlite_floor: %s\n", msg);
		return 1;
	}
	puts("ready");
	fflush(stdout);
	pause(); /* until SIGTERM */
	sqlite3_close(db);
	return 0;
}
