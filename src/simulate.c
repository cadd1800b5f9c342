/*
 * simulate.c — the rehearsal writer (simulate.h): finds assets, builds the script of a
 * step, re-stamps times, and writes it like SMS does (appends, partial writes, one
 * rollover to .lo_ per log). It writes log files only; it never touches the database.
 */
#include "steward/simulate.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "steward/util.h"

#ifndef STEWARD_ASSET_DIR
#define STEWARD_ASSET_DIR "/usr/local/share/steward/assets"
#endif

#define BASE_DELAY_MS 150.0

static bool is_dir(const char *p)
{
	struct stat st;
	return p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

char *simulate_asset_dir(void)
{
	const char *env = getenv("STEWARD_ASSETS");
	if (env && *env)
		return is_dir(env) ? xstrdup(env) : NULL;
	if (is_dir("assets") && access("src/main.c", F_OK) == 0)
		return xstrdup("assets");
#ifdef STEWARD_SOURCE_DIR
	{
		char *p = xasprintf("%s/assets", STEWARD_SOURCE_DIR);
		if (is_dir(p))
			return p;
		free(p);
	}
#endif
	if (is_dir(STEWARD_ASSET_DIR))
		return xstrdup(STEWARD_ASSET_DIR);
	return NULL;
}

/* ---- time stamps ---------------------------------------------------------------- */

static bool digits(const char *p, int n)
{
	for (int i = 0; i < n; i++)
		if (!isdigit((unsigned char)p[i]))
			return false;
	return true;
}

/* "MM-DD-YYYY HH:MM:SS" at p (19 chars)? */
static bool is_stamp19(const char *p)
{
	return digits(p, 2) && p[2] == '-' && digits(p + 3, 2) && p[5] == '-' && digits(p + 6, 4) &&
	       p[10] == ' ' && digits(p + 11, 2) && p[13] == ':' && digits(p + 14, 2) && p[16] == ':' &&
	       digits(p + 17, 2);
}

char *simulate_restamp(const char *line, int64_t now_ms)
{
	time_t t = (time_t)(now_ms / 1000);
	struct tm tm;
	localtime_r(&t, &tm);
	char date[16], clock[16];
	strftime(date, sizeof date, "%m-%d-%Y", &tm);
	strftime(clock, sizeof clock, "%H:%M:%S", &tm);
	int ms = (int)(now_ms % 1000);
	long bias = -(long)tm.tm_gmtoff / 60; /* Windows bias: UTC = local + bias */
	struct strbuf out = STRBUF_INIT;
	size_t n = strlen(line);
	/* setup log: "<MM-DD-YYYY HH:MM:SS>" at the start */
	if (n >= 21 && line[0] == '<' && is_stamp19(line + 1) && line[20] == '>') {
		sb_printf(&out, "<%s %s>%s", date, clock, line + 21);
		return sb_take(&out);
	}
	/* SMS trailer: the last "$$<COMP><MM-DD-YYYY HH:MM:SS.fff+B><thread=" */
	const char *tr = NULL;
	for (const char *p = line; (p = strstr(p, "$$<")) != NULL; p += 3)
		tr = p;
	if (tr) {
		const char *ce = strchr(tr + 3, '>');
		if (ce && ce[1] == '<' && is_stamp19(ce + 2)) {
			const char *te = strchr(ce + 2, '>');
			if (te) {
				sb_append(&out, line, (size_t)(ce + 2 - line));
				sb_printf(&out, "%s %s.%03d%+ld", date, clock, ms, bias);
				sb_puts(&out, te);
				return sb_take(&out);
			}
		}
	}
	/* CCM: time="HH:MM:SS.fff+B" date="MM-DD-YYYY" */
	const char *tv = strstr(line, "time=\""), *dv = strstr(line, "date=\"");
	if (tv && dv && strstr(line, "]LOG]!>")) {
		const char *te = strchr(tv + 6, '"'), *de = strchr(dv + 6, '"');
		if (te && de && tv < dv) {
			sb_append(&out, line, (size_t)(tv + 6 - line));
			sb_printf(&out, "%s.%03d%+ld", clock, ms, bias);
			sb_append(&out, te, (size_t)(dv + 6 - te));
			sb_puts(&out, date);
			sb_puts(&out, de);
			return sb_take(&out);
		}
	}
	return xstrdup(line);
}

/* ---- scripts -------------------------------------------------------------------- */

void sim_script_free(struct sim_script *sc)
{
	for (size_t i = 0; i < sc->n; i++)
		free(sc->lines[i].text);
	free(sc->lines);
	free(sc->source);
	memset(sc, 0, sizeof *sc);
}

static void add_line(struct sim_script *sc, size_t log, char *text)
{
	sc->lines = xreallocarray(sc->lines, sc->n + 1, sizeof *sc->lines);
	sc->lines[sc->n++] = (struct sim_line){log, text};
}

static bool add_file(struct sim_script *sc, size_t log, const char *path, const struct varmap *vm)
{
	size_t len;
	char *text = util_read_file(path, &len);
	if (!text)
		return false;
	char *p = text;
	while (*p) {
		char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		if (l && p[l - 1] == '\r')
			l--;
		char *raw = xstrndup(p, l);
		char *sub = vars_subst(raw, vm);
		free(raw);
		add_line(sc, log, sub);
		if (!nl)
			break;
		p = nl + 1;
	}
	free(text);
	return true;
}

static bool step_uses_log(const struct rb_step *st, size_t log, bool fail)
{
	for (size_t b = 0; b < st->n_verify; b++)
		if (st->verify[b].log_index == log)
			return true;
	for (size_t f = 0; fail && f < st->n_fail; f++)
		if (st->fail[f].log_index == log)
			return true;
	return false;
}

static char *sms_line(const char *text)
{
	return xasprintf("%s  $$<SMS_SITE_COMPONENT_MANAGER><01-01-2000 00:00:00.000+0><thread=1 (0x1)>", text);
}

enum st_code simulate_script(const struct runbook *rb, size_t step, const struct varmap *vm,
			     const char *asset_dir, bool fail, struct sim_script *out, struct st_error *err)
{
	memset(out, 0, sizeof *out);
	const struct rb_step *st = &rb->steps[step];
	char *dir = asset_dir ? xasprintf("%s/%s/%s", asset_dir, rb->id, st->id) : NULL;
	bool any = false;
	for (size_t l = 0; dir && l < rb->n_logs; l++) {
		if (!step_uses_log(st, l, fail))
			continue;
		const char *name = rb->logs[l].name;
		char *p = NULL;
		if (fail) {
			p = xasprintf("%s/%s.fail.log", dir, name);
			if (access(p, R_OK) != 0) {
				free(p);
				p = xasprintf("%s/%s.noise.log", dir, name);
			}
		} else {
			p = xasprintf("%s/%s.log", dir, name);
		}
		if (add_file(out, l, p, vm))
			any = true;
		free(p);
	}
	if (any) {
		out->source = xstrdup(dir);
		free(dir);
		return ST_OK;
	}
	free(dir);
	/* No assets: the step's own plain strings, as SMS lines. */
	if (fail) {
		for (size_t f = 0; f < st->n_fail; f++) {
			if (st->fail[f].match.is_regex)
				continue;
			char *t = vars_subst(st->fail[f].match.text, vm);
			add_line(out, st->fail[f].log_index, sms_line(t));
			free(t);
		}
	} else {
		for (size_t b = 0; b < st->n_verify; b++) {
			for (size_t e = 0; e < st->verify[b].n_expect; e++) {
				const struct rb_pattern *pt = &st->verify[b].expect[e];
				if (pt->is_regex)
					continue;
				char *t = vars_subst(pt->text, vm);
				add_line(out, st->verify[b].log_index, sms_line(t));
				free(t);
			}
		}
	}
	if (out->n == 0)
		return st_set(err, ST_NOTFOUND, "step '%s': no assets under %s/%s/%s and no plain %s strings to write",
			      st->id, asset_dir ? asset_dir : "(no assets folder)", rb->id, st->id,
			      fail ? "failure" : "expect");
	out->source = xstrdup("the runbook's own expect strings");
	return ST_OK;
}

/* ---- writing -------------------------------------------------------------------- */

struct simulator {
	const struct runbook *rb;
	char **paths;
	bool *rotated;
	size_t n_logs;
	unsigned long n_written;
};

struct simulator *simulator_new(const struct runbook *rb, char *const *paths)
{
	struct simulator *sim = xcalloc(1, sizeof *sim);
	sim->rb = rb;
	sim->n_logs = rb->n_logs;
	sim->paths = xcalloc(rb->n_logs + 1, sizeof *sim->paths);
	sim->rotated = xcalloc(rb->n_logs + 1, sizeof *sim->rotated);
	for (size_t l = 0; l < rb->n_logs; l++)
		sim->paths[l] = paths[l] ? xstrdup(paths[l]) : NULL;
	return sim;
}

void simulator_free(struct simulator *sim)
{
	if (!sim)
		return;
	for (size_t l = 0; l < sim->n_logs; l++)
		free(sim->paths[l]);
	free(sim->paths);
	free(sim->rotated);
	free(sim);
}

static void sleep_ms(double ms, volatile sig_atomic_t *stop)
{
	while (ms > 0 && !*stop) {
		double slice = ms > 50 ? 50 : ms;
		struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)(slice * 1e6)};
		nanosleep(&ts, NULL);
		ms -= slice;
	}
}

static enum st_code write_all(int fd, const char *p, size_t n, const char *path, struct st_error *err)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return st_set(err, ST_IOERR, "simulate: writing %s: %s", path, strerror(errno));
		}
		p += w;
		n -= (size_t)w;
	}
	return ST_OK;
}

/* SMS's rollover: the live file becomes <stem>.lo_ (replacing the old one). */
static enum st_code rotate(struct simulator *sim, size_t l, struct st_error *err)
{
	const char *path = sim->paths[l];
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(path, '.');
	size_t stem = (dot && (!slash || dot > slash)) ? (size_t)(dot - path) : strlen(path);
	char *lo = xasprintf("%.*s.lo_", (int)stem, path);
	int rc = rename(path, lo);
	int e = errno;
	free(lo);
	sim->rotated[l] = true;
	if (rc != 0 && e != ENOENT)
		return st_set(err, ST_IOERR, "simulate: rolling %s over: %s", path, strerror(e));
	return ST_OK;
}

enum st_code simulator_play(struct simulator *sim, const struct sim_script *sc, double speed,
			    volatile sig_atomic_t *stop, struct st_error *err)
{
	if (speed <= 0)
		speed = 1;
	double delay = BASE_DELAY_MS / speed;
	size_t *count = xcalloc(sim->n_logs + 1, sizeof *count), *seen = xcalloc(sim->n_logs + 1, sizeof *seen);
	for (size_t i = 0; i < sc->n; i++)
		count[sc->lines[i].log]++;
	enum st_code rc = ST_OK;
	for (size_t i = 0; i < sc->n && rc == ST_OK && !*stop; i++) {
		const struct sim_line *ln = &sc->lines[i];
		const char *path = sim->paths[ln->log];
		if (!path)
			continue;
		/* one rollover per log, half-way through its first script */
		if (!sim->rotated[ln->log] && count[ln->log] > 1 && seen[ln->log] == count[ln->log] / 2)
			rc = rotate(sim, ln->log, err);
		seen[ln->log]++;
		if (rc != ST_OK)
			break;
		char *stamped = simulate_restamp(ln->text, util_now_ms());
		char *data = xasprintf("%s\r\n", stamped);
		free(stamped);
		int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (fd < 0) {
			rc = st_set(err, ST_IOERR, "simulate: cannot open %s: %s", path, strerror(errno));
			free(data);
			break;
		}
		size_t n = strlen(data);
		if (++sim->n_written % 4 == 0 && n > 8) {
			/* a partial write: the first half now, the rest a moment later */
			size_t half = n / 2;
			rc = write_all(fd, data, half, path, err);
			if (rc == ST_OK) {
				sleep_ms(delay / 3 > 1 ? delay / 3 : 1, stop);
				rc = write_all(fd, data + half, n - half, path, err);
			}
		} else {
			rc = write_all(fd, data, n, path, err);
		}
		close(fd);
		free(data);
		sleep_ms(delay, stop);
	}
	free(count);
	free(seen);
	return rc;
}
