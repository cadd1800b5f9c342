/*
 * cmd_simulate.c — `steward simulate SESSION [--speed X] [--fail STEP]`: a rehearsal.
 * Rehearsals only (a production session is refused with 64), and only inside the
 * rehearsal's own log folder (simulator_new checks every path first).
 * Reads the session (never takes its lock, so it runs beside the TUI or `watch`),
 * and whenever a step with verify (or, for --fail, fail) entries becomes active,
 * writes that step's realistic log text into the session's log files (simulate.h).
 * Stops cleanly on SIGINT/SIGTERM and when the session finishes.
 */
#include "steward/cli.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd_sessutil.h"
#include "steward/simulate.h"

static volatile sig_atomic_t sim_stop;

static void on_signal(int sig)
{
	(void)sig;
	sim_stop = 1;
}

static void nap(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	while (!sim_stop && nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int cmd_simulate(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *id = NULL, *fail_step = NULL;
	double speed = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
			return cli_help("simulate");
		if (strcmp(a, "--speed") == 0 && i + 1 < argc) {
			char *end;
			speed = strtod(argv[++i], &end);
			if (*end || !(speed > 0) || speed > 1e6) {
				cli_error(ST_USAGE, "simulate: --speed %s: give a number above 0 (2 = twice as fast)",
					  argv[i]);
				return cli_usage(cli_usage_of("simulate"));
			}
		} else if (strcmp(a, "--fail") == 0 && i + 1 < argc) {
			fail_step = argv[++i];
		} else if (a[0] == '-' && a[1]) {
			cli_error(ST_USAGE, "simulate: unknown option or missing value: %s", a);
			return cli_usage(cli_usage_of("simulate"));
		} else if (!id) {
			id = a;
		} else {
			cli_error(ST_USAGE, "simulate: one session at a time");
			return cli_usage(cli_usage_of("simulate"));
		}
	}
	if (!id)
		return cli_usage(cli_usage_of("simulate"));
	struct store *st = NULL;
	int rc = sessutil_open_store(ctx, STORE_READ, &st);
	if (rc != ST_OK)
		return rc;
	struct session *s = NULL;
	rc = sessutil_open(ctx, st, id, SESSION_READ, &s);
	if (rc != ST_OK) {
		store_close(st);
		return rc;
	}
	/* Made-up lines in a production site's logs would be taken for the site's own:
	 * refused before anything is written (CLI.md: rehearsals only). */
	if (!s->rehearsal) {
		rc = cli_error(ST_USAGE,
			       "simulate: session %s is not a rehearsal — simulate writes made-up log lines and "
			       "runs only on sessions started with --rehearse (steward start RUNBOOK --rehearse "
			       "--logs FOLDER)",
			       s->id);
		goto out;
	}
	long fail_idx = -1;
	if (fail_step) {
		fail_idx = session_find_step(s, fail_step);
		if (fail_idx < 0) {
			rc = cli_error(ST_NOTFOUND, "simulate: --fail %s: the runbook %s has no such step", fail_step,
				       s->rb->id);
			goto out;
		}
	}
	char *assets = simulate_asset_dir();
	char **paths = xcalloc(s->rb->n_logs + 1, sizeof *paths);
	for (size_t l = 0; l < s->rb->n_logs; l++)
		paths[l] = s->logs[l].path;
	struct simulator *sim = NULL;
	struct st_error err = {0};
	/* The rehearsal's own folders: the main log folder, then every runbook log folder
	 * as the session placed it (the same folder when it was not given). */
	const char **dirs = xcalloc(s->n_folders + 1, sizeof *dirs);
	size_t n_dirs = 0;
	dirs[n_dirs++] = s->log_dir;
	for (size_t k = 1; k < s->n_folders; k++)
		if (s->folders[k].path)
			dirs[n_dirs++] = s->folders[k].path;
	enum st_code sc_rc = simulator_new(s->rb, dirs, n_dirs, paths, &sim, &err);
	free(dirs);
	free(paths);
	if (sc_rc != ST_OK) {
		free(assets);
		rc = cli_error(sc_rc, "%s", err.msg);
		goto out;
	}
	struct sigaction sa = {0};
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	long played = -1;
	int64_t played_at = 0;
	rc = ST_OK;
	while (!sim_stop && !s->finished) {
		long a = s->active;
		if (a >= 0 && s->steps[a].status == STEP_ACTIVE &&
		    (a != played || s->steps[a].activated_ms != played_at)) {
			played = a;
			played_at = s->steps[a].activated_ms;
			const struct rb_step *rs = &s->rb->steps[a];
			bool fail = a == fail_idx;
			if (rs->n_verify > 0 || (fail && rs->n_fail > 0)) {
				struct sim_script sc;
				enum st_code r = simulate_script(s->rb, (size_t)a, &s->vars, assets, fail, &sc, &err);
				if (r == ST_OK) {
					fprintf(stderr, "steward: simulate: step %s: writing %zu lines%s from %s\n", rs->id,
						sc.n, fail ? " (failure)" : "", sc.source);
					r = simulator_play(sim, &sc, speed, &sim_stop, &err);
					sim_script_free(&sc);
					if (r != ST_OK) {
						rc = cli_error(r, "%s", err.msg);
						break;
					}
				} else {
					fprintf(stderr, "steward: simulate: %s\n", err.msg);
				}
			}
		}
		nap(100);
		if (session_refresh(s, &err) != ST_OK) {
			rc = cli_error(err.code, "simulate: %s", err.msg);
			break;
		}
	}
	simulator_free(sim);
	free(assets);
out:
	session_close(s);
	store_close(st);
	return rc;
}
