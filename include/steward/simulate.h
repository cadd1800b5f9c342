/*
 * simulate.h — the rehearsal writer behind `steward simulate`: for a step that became
 * active, the realistic log text of assets/<runbook>/<step>/<log>.log (or .fail.log),
 * with ${vars} substituted and every timestamp re-stamped to now, written into the
 * session's log files line by line — with partial writes (a line in two write()s) and
 * one rotation of each log to <name>.lo_ per run, as SMS does at its size limit.
 *
 * Assets are found in $STEWARD_ASSETS, else ./assets in the source tree, else the
 * installed folder (STEWARD_ASSET_DIR). A step without assets gets its plain expect
 * strings (or failure strings) written as SMS component lines.
 */
#ifndef STEWARD_SIMULATE_H
#define STEWARD_SIMULATE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "steward/runbook.h"
#include "steward/status.h"
#include "steward/vars.h"

/* The assets folder to use (malloc'd), or NULL when none exists. */
char *simulate_asset_dir(void);

/* Re-stamps the SMS trailer, setup-log prefix or CCM time/date of one line to now_ms
 * (local time; the trailer's bias is the local bias). Returns a malloc'd copy. */
char *simulate_restamp(const char *line, int64_t now_ms);

struct sim_line {
	size_t log;  /* index into rb->logs */
	char *text;  /* one line, without its line end, substituted (not yet stamped) */
};

struct sim_script {
	struct sim_line *lines;
	size_t n;
	char *source; /* where the text came from (for the operator), malloc'd */
};
void sim_script_free(struct sim_script *sc);

/* The lines to play for step `step`: its assets (fail: the .fail.log variants), or text
 * made from its expectations. ST_NOTFOUND when there is nothing to play. */
enum st_code simulate_script(const struct runbook *rb, size_t step, const struct varmap *vm,
			     const char *asset_dir, bool fail, struct sim_script *out, struct st_error *err);

struct simulator;
/*
 * A writer for the session's logs: paths[l] is the file of runbook log l (NULL: skip
 * that log). dirs are the rehearsal's own log folders (dirs[0] the main one, which holds
 * simulate's ledger; then the runbook's log_folders as the session placed them). Every
 * path must resolve (symlinks and .. followed) to one of them or a folder inside one,
 * and must not be a symlink or a non-regular file: ST_USAGE naming the log otherwise
 * (ST_NOTFOUND when dirs[0] does not exist). Nothing is written here.
 */
enum st_code simulator_new(const struct runbook *rb, const char *const *dirs, size_t n_dirs, char *const *paths,
			   struct simulator **out, struct st_error *err);
void simulator_free(struct simulator *sim);
/*
 * Writes the script at `speed` (1 = about 150 ms between lines; larger is faster),
 * rotating each log once per simulator (half-way through its first lines; only a file
 * simulate created, and never over a .lo_ it did not create) and splitting some lines
 * across two writes. Every line is noted in the folder's ledger (simledger.h) before
 * it is written. Returns early when *stop becomes non-zero.
 */
enum st_code simulator_play(struct simulator *sim, const struct sim_script *sc, double speed,
			    volatile sig_atomic_t *stop, struct st_error *err);

#endif
