/*
 * watch.c — the verification engine: logtail -> smslog assembler -> match -> session.
 *
 * Invariants:
 *  - only the active step (status STEP_ACTIVE) is matched; its blocks' windows begin at
 *    the position recorded at its activation (or at its `since:` step's activation), its
 *    failure signatures' window at its own activation;
 *  - a window is a position (dev, ino, offset): a record counts when it comes from that
 *    file at or past the offset, or from a later file (one read after that file ended,
 *    whether or not any of its lines was delivered); a window on a file rewritten since
 *    (its mark no longer reads back) is passed already. A log with no file by any
 *    spelling at the activation counts every line of a file that appears later; one
 *    that could not be placed (ambiguous names, folder unreadable) counts only lines
 *    written after the watcher first finds its file. A window never gets less strict
 *    while its step stays active (re-reading the session keeps what was passed);
 *  - every record's hits are recorded before they are reported, in one durable commit
 *    with the read position just past the record (session_record_line), so a crash
 *    cannot lose a hit or leave it to be counted again; the resume guard (the block's
 *    last recorded marker) still covers positions saved by older versions, which came
 *    in a second commit;
 *  - a saved position never passes a line the assembler still holds;
 *  - lines written while a since: step was active but already read (the watcher followed
 *    the earlier step) are re-scanned once for the since: blocks when the step activates;
 *    so are an after: block's (its window opens at the after: step's activation when it
 *    has no since:);
 *  - an after: STEP block admits only records whose own UTC time is not earlier than that
 *    of the line that verified STEP (session_after_anchor); none when STEP was not verified
 *    by markers or a time is missing.
 */
#include "steward/watch.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "steward/logfile.h"
#include "steward/logtail.h"
#include "steward/match.h"
#include "steward/simledger.h"
#include "steward/util.h"

#define LINE_TAIL_KEEP (64u * 1024u) /* a backlog's last bytes still delivered line by line */
#define SAVE_EVERY_MS 5000           /* positions without a hit: at most one event per interval */
#define MAX_HITS 32
/* Step changes followed in one watcher_process call (each stops the reading mid-way and
 * starts a round with the new step's matching): a backlog that verifies step after step
 * is gone through in one call, yet a runbook cannot keep the caller from its terminal,
 * signals and overdue checks for ever; what is left is read on the next call. */
#define MAX_STEP_SWITCHES_PER_CALL 64

struct win {
	bool opened;    /* the window's file was passed: everything counts */
	bool pending;   /* not placed yet (win_place): nothing counts */
	uint64_t dev, ino, off;
};

#define WIN_NOTHING_OF_IT UINT64_MAX /* an offset no line reaches: only the file's end opens it */

struct wlog {
	struct smslog_asm *asm_;
	char *cur_file;           /* file of the lines being assembled */
	uint64_t cur_dev, cur_ino;
	struct logtail_pos saved; /* last position recorded */
	struct logtail_pos resume; /* position the watcher started from (resume guard) */
};

struct wblock {
	struct win win;
	bool guard;               /* skip records at or before the last marker (resume) */
	uint64_t guard_off;
	bool rescan;              /* since:/after: lines already read must be scanned again */
	struct logtail_pos rescan_from;
	enum after_anchor after;  /* after: STEP — lines count only from STEP's verifying line on */
	int64_t anchor_ms;        /* its UTC time (AFTER_ANCHORED) */
};

struct watcher {
	struct session *s;
	struct logtail *tail;
	struct wlog *logs;
	size_t n_logs;
	long step;                /* step compiled into m, -1 when none */
	struct match_step *m;
	struct wblock *blocks;
	int64_t step_activated_ms; /* of the step compiled (its windows stay valid while it holds) */
	bool *open;               /* scratch: block_open for match_feed */
	struct win *fail_win;     /* per log: the step's own window */
	bool changed;             /* re-read the active step before the next record */
	bool line_events;
	bool failure_seen;
	const volatile sig_atomic_t *stop; /* set: return from watcher_process soon */
	int64_t last_save_ms;     /* when positions were last recorded */
	/* per watcher_process call */
	watch_cb cb;
	void *cbctx;
	struct st_error *err;
	enum st_code rc;
};

/* Context of one record stream: the main tail, or a since: re-scan. */
struct feed {
	struct watcher *w;
	size_t log;
	struct smslog_asm *asm_;
	const char *file;
	uint64_t dev, ino;
	bool rescan;
	struct logtail_pos stop; /* re-scan: stop at this position */
	bool stopped;
};

/* ---- windows -------------------------------------------------------------------- */

static bool same_file(uint64_t dev, uint64_t ino, uint64_t dev2, uint64_t ino2)
{
	return dev == dev2 && ino == ino2;
}

static bool stat_id(const char *path, uint64_t *dev, uint64_t *ino)
{
	struct stat st;
	char *real = path ? logfile_find(path) : NULL;
	bool ok = real && stat(real, &st) == 0;
	free(real);
	if (ok) {
		*dev = (uint64_t)st.st_dev;
		*ino = (uint64_t)st.st_ino;
	}
	return ok;
}

/* The file at path (by logfile.h's rule) is (dev, ino) and no longer holds `mark` before
 * off: it was truncated or rewritten since the mark was taken. */
static bool rewritten_since(const char *path, uint64_t dev, uint64_t ino, uint64_t off, uint64_t mark)
{
	if (!path || !mark)
		return false;
	char *real = logfile_find(path);
	int fd = real ? open(real, O_RDONLY | O_CLOEXEC | O_NONBLOCK) : -1;
	struct stat st;
	bool differs = fd >= 0 && fstat(fd, &st) == 0 && same_file((uint64_t)st.st_dev, (uint64_t)st.st_ino, dev, ino) &&
		       logfile_mark(fd, off) != mark;
	if (fd >= 0)
		close(fd);
	free(real);
	return differs;
}

/*
 * A log for which no file was found at the activation (or now, for a window placed
 * late): a file that appears later is new. What the reader holds now (cur) is newer when
 * it is the live file (it appeared since); otherwise it is an older file still being
 * finished, of which nothing counts until its end.
 */
static void win_from_absence(struct win *wn, const struct logtail_pos *cur, const char *live_path)
{
	uint64_t ldev, lino;
	if ((cur->dev == 0 && cur->ino == 0) ||
	    (stat_id(live_path, &ldev, &lino) && same_file(ldev, lino, cur->dev, cur->ino))) {
		wn->opened = true;
		return;
	}
	wn->dev = cur->dev;
	wn->ino = cur->ino;
	wn->off = WIN_NOTHING_OF_IT;
}

/*
 * Places a window that could not be placed at the activation: at the end of the file as
 * it is now, the first time one is found (lines already there cannot be told from older
 * ones); when the folder shows no file by any spelling, any file appearing later is new.
 */
static void win_place(struct win *wn, const struct logtail_pos *cur, const char *live_path)
{
	if (!wn->pending || !live_path)
		return;
	struct logfile_found found;
	enum logfile_how how = logfile_resolve(live_path, &found);
	struct logfile_id id;
	if (how <= LOGFILE_OTHER_CASE && logfile_identify(found.path, &id)) {
		wn->pending = false;
		wn->dev = id.dev;
		wn->ino = id.ino;
		wn->off = id.size;
	} else if (how == LOGFILE_ABSENT) {
		wn->pending = false;
		win_from_absence(wn, cur, live_path);
	}
	logfile_found_free(&found);
}

/*
 * A window starting at position p, seen from a reader now at cur. When they name
 * different files, the window's file is newer if it is the live file (or the .lo_ while
 * the reader is on something older still); otherwise it was passed already.
 */
static void win_init(struct win *wn, const struct log_position *p, const struct logtail_pos *cur,
		     const char *live_path)
{
	memset(wn, 0, sizeof *wn);
	if (!p || p->found == LOGFILE_ABSENT) {
		win_from_absence(wn, cur, live_path);
		return;
	}
	if (p->found != LOGFILE_EXACT && p->found != LOGFILE_OTHER_CASE) {
		wn->pending = true;
		win_place(wn, cur, live_path);
		return;
	}
	wn->dev = p->dev;
	wn->ino = p->ino;
	wn->off = p->offset;
	if (rewritten_since(live_path, p->dev, p->ino, p->offset, p->mark)) {
		wn->opened = true; /* everything in it was written after the window opened */
		return;
	}
	if ((cur->dev == 0 && cur->ino == 0) || same_file(cur->dev, cur->ino, p->dev, p->ino))
		return;
	uint64_t ldev, lino, odev, oino;
	bool newer = false;
	if (stat_id(live_path, &ldev, &lino) && same_file(ldev, lino, p->dev, p->ino)) {
		newer = true;
	} else if (live_path) {
		char *lo = logfile_lo_path(live_path);
		if (stat_id(lo, &odev, &oino) && same_file(odev, oino, p->dev, p->ino) &&
		    !same_file(cur->dev, cur->ino, ldev, lino))
			newer = true;
		free(lo);
	}
	wn->opened = !newer;
}

/* A window of the same step, computed again (the session changed): it keeps what it knew. */
static void win_keep(struct win *wn, const struct win *before)
{
	if (before->opened)
		wn->opened = true;
	else if (!before->pending && wn->pending)
		*wn = *before;
}

static bool win_admits(struct win *wn, uint64_t dev, uint64_t ino, uint64_t off)
{
	if (wn->opened)
		return true;
	if (wn->pending)
		return false;
	if (same_file(dev, ino, wn->dev, wn->ino) && off >= wn->off) {
		wn->opened = true;
		return true;
	}
	return false;
}

static void win_file_end(struct win *wn, uint64_t dev, uint64_t ino)
{
	if (!wn->pending && same_file(dev, ino, wn->dev, wn->ino))
		wn->opened = true; /* whatever is read next is newer */
}

/* ---- the active step ------------------------------------------------------------ */

static void drop_step(struct watcher *w)
{
	match_step_free(w->m);
	w->m = NULL;
	free(w->blocks);
	w->blocks = NULL;
	free(w->open);
	w->open = NULL;
	w->step = -1;
}

/*
 * Whether a since: block's window holds lines the reader already passed (the watcher
 * followed the earlier step), and where their re-scan starts: the window's position, or
 * for a log that had no file then, the first byte of the file that appeared since.
 */
static bool rescan_start(struct wblock *bl, const struct log_position *wp, const struct logtail_pos *cur)
{
	if (wp->found == LOGFILE_EXACT || wp->found == LOGFILE_OTHER_CASE) {
		bl->rescan_from = (struct logtail_pos){wp->dev, wp->ino, wp->offset, wp->mark};
		return same_file(cur->dev, cur->ino, wp->dev, wp->ino) ? cur->offset > wp->offset : bl->win.opened;
	}
	if (bl->win.opened && !bl->win.pending) {
		bl->rescan_from = (struct logtail_pos){cur->dev, cur->ino, 0, 0};
		return cur->offset > 0;
	}
	return false;
}

/* Windows not placed at their activation: placed when their file is first found. */
static void place_pending(struct watcher *w)
{
	if (!w->m)
		return;
	for (size_t b = 0; b < match_block_count(w->m); b++) {
		size_t l = match_block_log(w->m, b);
		struct logtail_pos cur;
		if (w->blocks[b].win.pending) {
			logtail_position(w->tail, l, &cur);
			win_place(&w->blocks[b].win, &cur, w->s->logs[l].path);
		}
	}
	for (size_t l = 0; l < w->n_logs; l++) {
		struct logtail_pos cur;
		if (w->fail_win[l].pending) {
			logtail_position(w->tail, l, &cur);
			win_place(&w->fail_win[l], &cur, w->s->logs[l].path);
		}
	}
}

/*
 * Compiles the active step (when it is STEP_ACTIVE and has verify/fail) with the progress
 * and windows the session recorded. *moved says whether the active step changed.
 */
static enum st_code compile_step(struct watcher *w, size_t a, const struct wblock *kept, const struct win *kept_fail,
				 struct st_error *err);

static enum st_code setup_step(struct watcher *w, bool *moved, struct st_error *err)
{
	struct session *s = w->s;
	w->changed = false;
	long a = s->active;
	if (a >= 0 && s->steps[a].status != STEP_ACTIVE)
		a = -1;
	long before = w->step;
	/* the same activation of the same step: its windows keep what they knew */
	bool same = a >= 0 && a == before && s->steps[a].activated_ms == w->step_activated_ms;
	struct wblock *kept = same ? w->blocks : NULL;
	struct win *kept_fail = same ? xcalloc(w->n_logs + 1, sizeof *kept_fail) : NULL;
	if (kept) {
		w->blocks = NULL;
		memcpy(kept_fail, w->fail_win, w->n_logs * sizeof *kept_fail);
	}
	drop_step(w);
	*moved = a != before;
	enum st_code rc = a < 0 ? ST_OK : compile_step(w, (size_t)a, kept, kept_fail, err);
	free(kept);
	free(kept_fail);
	return rc;
}

/* setup_step's work for active step a: the matcher, each block's window and progress. */
static enum st_code compile_step(struct watcher *w, size_t a, const struct wblock *kept, const struct win *kept_fail,
				 struct st_error *err)
{
	struct session *s = w->s;
	const struct rb_step *rs = &s->rb->steps[a];
	if (rs->n_verify == 0 && rs->n_fail == 0)
		return ST_OK;
	enum st_code rc = match_step_compile(s->rb, a, &s->vars, &w->m, err);
	if (rc != ST_OK)
		return rc;
	w->step = (long)a;
	w->step_activated_ms = s->steps[a].activated_ms;
	const struct step_state *st = &s->steps[a];
	w->blocks = xcalloc(rs->n_verify + 1, sizeof *w->blocks);
	w->open = xcalloc(rs->n_verify + 1, sizeof *w->open);
	for (size_t b = 0; b < rs->n_verify; b++) {
		const struct rb_verify *v = &rs->verify[b];
		size_t l = v->log_index;
		match_set_progress(w->m, b, st->matched[b]);
		size_t wstep = session_window_step(s, a, b);
		const struct step_state *ws = &s->steps[wstep];
		struct logtail_pos cur;
		logtail_position(w->tail, l, &cur);
		const struct log_position *wp = &ws->window[l];
		struct wblock *bl = &w->blocks[b];
		win_init(&bl->win, wp, &cur, s->logs[l].path);
		if (kept)
			win_keep(&bl->win, &kept[b].win);
		/* a marker was admitted already: the window was passed (what follows the saved
		 * position is later still, even when the file identity was reused since) */
		if (st->matched[b] > 0)
			bl->win.opened = true;
		/* after: STEP — the anchor is STEP's verifying line, known by now (STEP is earlier) */
		bl->after = session_after_anchor(s, a, b, &bl->anchor_ms);
		/* since:/after: the reader may already be past lines of the window (it followed an
		 * earlier step, or read this log before the anchor's): scan them again */
		if (wstep != a && st->matched[b] == 0 && !(cur.dev == 0 && cur.ino == 0))
			bl->rescan = rescan_start(bl, wp, &cur);
		/* resume guard: a marker recorded past the saved position (crash in between) */
		for (size_t k = st->n_markers; k-- > 0;) {
			const struct sess_marker *mk = &st->markers[k];
			if (mk->verify != b)
				continue;
			const struct logtail_pos *rp = &w->logs[l].resume;
			if (mk->offset >= rp->offset) {
				w->blocks[b].guard = true;
				w->blocks[b].guard_off = mk->offset;
			}
			break;
		}
	}
	for (size_t f = 0; f < rs->n_fail; f++)
		for (size_t k = 0; k < st->n_failures; k++)
			if (st->failures[k].fail == f)
				match_set_fail_seen(w->m, f, true);
	for (size_t l = 0; l < w->n_logs; l++) {
		struct logtail_pos cur;
		logtail_position(w->tail, l, &cur);
		win_init(&w->fail_win[l], &st->window[l], &cur, s->logs[l].path);
		if (kept_fail)
			win_keep(&w->fail_win[l], &kept_fail[l]);
		for (size_t b = 0; b < rs->n_verify; b++)
			if (rs->verify[b].log_index == l && session_window_step(s, a, b) == a && st->matched[b] > 0)
				w->fail_win[l].opened = true;
	}
	return ST_OK;
}

/* ---- recording ------------------------------------------------------------------ */

static void emit_event(struct watcher *w, const struct watch_event *ev)
{
	if (w->cb)
		w->cb(w->cbctx, ev);
}

/*
 * The read positions to record: hit_log's just past rec (when rec is given), the others
 * where the reader is, held back to the first line an assembler still holds. When they
 * differ from the last recorded ones, returns them (n_logs entries, caller frees; the
 * watcher counts them as recorded once the caller has committed them), else NULL.
 */
static struct log_position *positions_to_save(struct watcher *w, size_t hit_log, const struct log_record *rec,
					      const struct feed *fd)
{
	struct session *s = w->s;
	struct log_position *pos = xcalloc(w->n_logs + 1, sizeof *pos);
	bool changed = false;
	for (size_t l = 0; l < w->n_logs; l++) {
		struct logtail_pos p;
		if (rec && l == hit_log) {
			p = (struct logtail_pos){fd->dev, fd->ino, rec->end_offset,
						 logtail_mark(w->tail, l, fd->dev, fd->ino, rec->end_offset)};
		} else {
			logtail_position(w->tail, l, &p);
			uint64_t held;
			if (smslog_asm_pending(w->logs[l].asm_, &held) && held < p.offset &&
			    same_file(p.dev, p.ino, w->logs[l].cur_dev, w->logs[l].cur_ino)) {
				p.offset = held;
				p.mark = logtail_mark(w->tail, l, p.dev, p.ino, held);
			}
		}
		pos[l] = (struct log_position){.path = s->logs[l].path, .dev = p.dev, .ino = p.ino, .offset = p.offset,
					       .mark = p.mark};
		changed |= memcmp(&p, &w->logs[l].saved, sizeof p) != 0;
	}
	if (!changed) {
		free(pos);
		return NULL;
	}
	return pos;
}

/* The positions in pos were committed. */
static void positions_saved(struct watcher *w, const struct log_position *pos)
{
	for (size_t l = 0; l < w->n_logs; l++)
		w->logs[l].saved = (struct logtail_pos){pos[l].dev, pos[l].ino, pos[l].offset, pos[l].mark};
	w->last_save_ms = util_now_ms();
}

static enum st_code save_positions(struct watcher *w)
{
	struct log_position *pos = positions_to_save(w, (size_t)-1, NULL, NULL);
	if (!pos)
		return ST_OK;
	enum st_code rc = session_record_positions(w->s, pos, w->err);
	if (rc == ST_OK)
		positions_saved(w, pos);
	free(pos);
	return rc;
}

/*
 * Records what one record proved and, in the same commit, the read position just past
 * it (not during a re-scan, which reads behind the reader); then reports it.
 */
static void handle_hits(struct watcher *w, struct feed *fd, const struct log_record *rec,
			const struct match_hit *hits, size_t n)
{
	struct session *s = w->s;
	size_t step = (size_t)w->step;
	const struct rb_step *rs = &s->rb->steps[step];
	struct sess_observation obs[MAX_HITS];
	/* in a rehearsal, was the line written by `steward simulate`? (its ledger says so) */
	bool simulated = s->rehearsal && simledger_is_simulated(s->log_dir, fd->dev, fd->ino, rec->offset);
	for (size_t i = 0; i < n; i++)
		obs[i] = (struct sess_observation){.failure = hits[i].kind != MATCH_EXPECT, .verify = hits[i].block,
						   .expect = hits[i].expect, .fail = hits[i].fail,
						   .simulated = simulated};
	struct log_position *pos = fd->rescan ? NULL : positions_to_save(w, fd->log, rec, fd);
	size_t taken = 0;
	w->rc = session_record_line(s, step, obs, n, fd->file, rec->offset, rec->raw, pos, &taken, w->err);
	if (w->rc == ST_OK && pos)
		positions_saved(w, pos);
	free(pos);
	for (size_t i = 0; i < taken && w->rc == ST_OK; i++) {
		const struct match_hit *h = &hits[i];
		struct watch_event ev = {.log = fd->log, .step = (long)step, .rec = rec, .file = fd->file,
					 .offset = rec->offset, .simulated = simulated};
		if (h->kind == MATCH_EXPECT) {
			ev.type = WEV_MARKER;
			ev.verify = h->block;
			ev.expect = h->expect;
			ev.log = rs->verify[h->block].log_index;
			ev.pattern = match_expect_text(w->m, h->block, h->expect);
			emit_event(w, &ev);
			if (s->steps[step].status == STEP_DONE && s->steps[step].completed_by == BY_MARKERS &&
			    i + 1 == taken) {
				struct watch_event v = {.type = WEV_STEP_VERIFIED, .log = fd->log, .step = (long)step};
				emit_event(w, &v);
				w->changed = true; /* the next step's windows start at its activation */
			}
		} else {
			w->failure_seen = true;
			ev.type = WEV_FAILURE;
			ev.log = rs->fail[h->fail].log_index;
			ev.hint = match_fail_hint(w->m, h->fail);
			emit_event(w, &ev);
			w->changed = true;
		}
	}
}

static enum st_code rescan_since(struct watcher *w, size_t stop_log, const struct logtail_pos *stop);

/* The active step changed: match the new one from here on (re-scanning its since: lines). */
static enum st_code switch_step(struct watcher *w, size_t stop_log, const struct logtail_pos *stop)
{
	bool moved;
	enum st_code rc = setup_step(w, &moved, w->err);
	if (rc == ST_OK && moved)
		rc = rescan_since(w, stop_log, stop);
	return rc;
}

static void on_record(void *ctx, struct log_record *rec)
{
	struct feed *fd = ctx;
	struct watcher *w = fd->w;
	if (w->rc != ST_OK)
		return;
	if (w->changed) {
		if (fd->rescan)
			return; /* the step this re-scan was for is over */
		struct logtail_pos here = {fd->dev, fd->ino, rec->offset, 0};
		w->rc = switch_step(w, fd->log, &here);
		if (w->rc != ST_OK)
			return;
	}
	size_t n = 0;
	struct match_hit hits[MAX_HITS];
	if (w->m) {
		size_t nb = match_block_count(w->m);
		for (size_t b = 0; b < nb; b++) {
			struct wblock *bl = &w->blocks[b];
			bool open = match_block_log(w->m, b) == fd->log;
			if (open && fd->rescan)
				open = bl->rescan;
			if (open)
				open = win_admits(&bl->win, fd->dev, fd->ino, rec->offset);
			if (open && bl->after != AFTER_NONE)
				open = bl->after == AFTER_ANCHORED &&
				       session_after_admits(bl->anchor_ms, rec->has_time && rec->has_bias, rec->utc_ms);
			if (open && bl->guard && same_file(fd->dev, fd->ino, w->logs[fd->log].resume.dev,
							   w->logs[fd->log].resume.ino) &&
			    rec->offset <= bl->guard_off)
				open = false;
			w->open[b] = open;
		}
		bool fail_open = !fd->rescan && win_admits(&w->fail_win[fd->log], fd->dev, fd->ino, rec->offset);
		n = match_feed(w->m, fd->log, rec->text, w->open, fail_open, hits, MAX_HITS);
	}
	if (w->line_events && !fd->rescan) {
		bool expected = false;
		for (size_t i = 0; i < n; i++)
			expected |= hits[i].kind == MATCH_EXPECT;
		struct watch_event ev = {.type = WEV_LINE, .log = fd->log, .step = w->step, .rec = rec,
					 .file = fd->file, .offset = rec->offset, .expected = expected};
		emit_event(w, &ev);
	}
	if (n)
		handle_hits(w, fd, rec, hits, n);
}

/* ---- logtail callbacks ---------------------------------------------------------- */

static bool stop_requested(const struct watcher *w)
{
	return w->stop && *w->stop;
}

static void set_cur(struct wlog *wl, const struct logtail_line *ln)
{
	if (!wl->cur_file || strcmp(wl->cur_file, ln->file) != 0) {
		free(wl->cur_file);
		wl->cur_file = xstrdup(ln->file);
	}
	wl->cur_dev = ln->dev;
	wl->cur_ino = ln->ino;
}

static bool main_line(void *ctx, size_t idx, const struct logtail_line *ln)
{
	struct watcher *w = ctx;
	if (w->rc != ST_OK)
		return false;
	struct wlog *wl = &w->logs[idx];
	set_cur(wl, ln);
	struct feed fd = {.w = w, .log = idx, .asm_ = wl->asm_, .file = wl->cur_file, .dev = ln->dev, .ino = ln->ino};
	smslog_asm_feed(wl->asm_, ln->text, ln->len, ln->offset, ln->end_offset, on_record, &fd);
	/* a stop request ends the round after this line: it was matched (or is held by the
	 * assembler, which the saved position never passes), nothing is lost */
	return w->rc == ST_OK && !stop_requested(w);
}

static void flush_log(struct watcher *w, size_t idx, bool all)
{
	struct wlog *wl = &w->logs[idx];
	struct feed fd = {.w = w, .log = idx, .asm_ = wl->asm_, .file = wl->cur_file ? wl->cur_file : "",
			  .dev = wl->cur_dev, .ino = wl->cur_ino};
	if (all)
		smslog_asm_flush(wl->asm_, on_record, &fd);
	else
		smslog_asm_idle(wl->asm_, on_record, &fd);
}

static void main_note(void *ctx, size_t idx, enum logtail_note what, const char *old_file,
		      const char *new_file, const char *msg)
{
	struct watcher *w = ctx;
	if (w->rc != ST_OK)
		return;
	struct wlog *wl = &w->logs[idx];
	switch (what) {
	case LTN_FILE_END:
		flush_log(w, idx, true);
		smslog_asm_reset(wl->asm_, 0);
		/* whatever comes next is newer than any marker: the resume guard has done its job
		 * (a truncated file keeps its identity, so the guard must not outlive this) */
		memset(&wl->resume, 0, sizeof wl->resume);
		if (!w->m)
			break;
		/* the file that ended, also when none of its lines was delivered (a watcher
		 * whose first event is a truncation or rotation), ends the windows placed in it */
		struct logtail_pos ended;
		logtail_ended(w->tail, &ended);
		for (size_t b = 0; b < match_block_count(w->m); b++) {
			if (match_block_log(w->m, b) == idx) {
				w->blocks[b].guard = false;
				win_file_end(&w->blocks[b].win, ended.dev, ended.ino);
			}
		}
		win_file_end(&w->fail_win[idx], ended.dev, ended.ino);
		break;
	case LTN_IDLE:
		flush_log(w, idx, false);
		break;
	case LTN_ROTATED:
	case LTN_REPLACED:
	case LTN_TRUNCATED: {
		w->rc = session_record_rotation(w->s, idx, old_file, new_file, w->err);
		struct watch_event ev = {.type = WEV_ROTATED, .log = idx, .step = w->step, .file = new_file,
					 .old_file = old_file, .message = msg};
		if (w->rc == ST_OK)
			emit_event(w, &ev);
		break;
	}
	case LTN_PROBLEM:
	case LTN_RECOVERED: {
		struct watch_event ev = {.type = WEV_PROBLEM, .log = idx, .step = w->step, .file = new_file,
					 .message = msg, .recovered = what == LTN_RECOVERED};
		emit_event(w, &ev);
		break;
	}
	}
}

/*
 * Fast path over a backlog: everything before the first place a live entry (or failure
 * signature) of this log could match is skipped without parsing. Lines the live pane
 * shows (the last LINE_TAIL_KEEP bytes) and windows with a regex without a literal are
 * read normally.
 */
static size_t main_chunk(void *ctx, size_t idx, const struct logtail_chunk *ch)
{
	struct watcher *w = ctx;
	const char *buf = ch->buf;
	size_t len = ch->len;
	uint64_t offset = ch->offset, file_size = ch->file_size;
	if (w->rc != ST_OK || w->changed || stop_requested(w))
		return 0;
	size_t limit = len;
	if (w->line_events) {
		if (file_size < LINE_TAIL_KEEP || offset >= file_size - LINE_TAIL_KEEP)
			return 0;
		uint64_t keep_from = file_size - LINE_TAIL_KEEP;
		if (keep_from - offset < limit)
			limit = (size_t)(keep_from - offset);
	}
	size_t hit = limit;
	if (w->m) {
		if (!match_can_prefilter(w->m, idx))
			return 0;
		hit = match_prefilter(w->m, idx, buf, limit);
	}
	/* skip whole lines only: up to the start of the line holding the hit */
	const char *nl = hit ? memrchr(buf, '\n', hit) : NULL;
	size_t skip = nl ? (size_t)(nl - buf) + 1 : 0;
	if (skip == 0)
		return 0;
	flush_log(w, idx, true); /* held lines come before the skipped ones */
	smslog_asm_reset(w->logs[idx].asm_, 0);
	/* the skipped lines were read from this file (its end opens windows on it) */
	struct wlog *wl = &w->logs[idx];
	if (!wl->cur_file || strcmp(wl->cur_file, ch->file) != 0) {
		free(wl->cur_file);
		wl->cur_file = xstrdup(ch->file);
	}
	wl->cur_dev = ch->dev;
	wl->cur_ino = ch->ino;
	return skip;
}

/* ---- since: re-scan ------------------------------------------------------------- */

static bool rescan_line(void *ctx, size_t idx, const struct logtail_line *ln)
{
	(void)idx;
	struct feed *fd = ctx;
	struct watcher *w = fd->w;
	if (w->rc != ST_OK || fd->stopped)
		return false;
	if (same_file(ln->dev, ln->ino, fd->stop.dev, fd->stop.ino) && ln->offset >= fd->stop.offset) {
		fd->stopped = true;
		return false;
	}
	fd->file = ln->file;
	fd->dev = ln->dev;
	fd->ino = ln->ino;
	smslog_asm_feed(fd->asm_, ln->text, ln->len, ln->offset, ln->end_offset, on_record, fd);
	return w->rc == ST_OK;
}

static void rescan_note(void *ctx, size_t idx, enum logtail_note what, const char *old_file,
			const char *new_file, const char *msg)
{
	(void)idx, (void)old_file, (void)new_file, (void)msg;
	struct feed *fd = ctx;
	if (what == LTN_FILE_END) {
		smslog_asm_flush(fd->asm_, on_record, fd);
		smslog_asm_reset(fd->asm_, 0);
	}
}

/* Re-scans the since: windows already read. stop_log's scan ends at *stop (the record
 * about to be matched) instead of the reader's position. */
static enum st_code rescan_since(struct watcher *w, size_t stop_log, const struct logtail_pos *stop)
{
	if (!w->m)
		return ST_OK;
	struct session *s = w->s;
	const struct rb_step *rs = &s->rb->steps[w->step];
	for (size_t l = 0; l < w->n_logs; l++) {
		const struct logtail_pos *from = NULL;
		for (size_t b = 0; b < rs->n_verify; b++)
			if (w->blocks[b].rescan && rs->verify[b].log_index == l)
				from = &w->blocks[b].rescan_from;
		if (!from)
			continue;
		struct logtail *t = logtail_new();
		logtail_force_polling(t, true);
		logtail_add(t, s->logs[l].path, LT_START_POS, from, s->steps[w->step].activated_ms);
		struct feed fd = {.w = w, .log = l, .asm_ = smslog_asm_new(), .file = "", .rescan = true};
		if (stop && l == stop_log)
			fd.stop = *stop;
		else
			logtail_position(w->tail, l, &fd.stop);
		struct logtail_cbs cbs = {.line = rescan_line, .note = rescan_note};
		logtail_process(t, &cbs, &fd);
		if (!fd.stopped)
			smslog_asm_flush(fd.asm_, on_record, &fd);
		smslog_asm_free(fd.asm_);
		logtail_free(t);
		for (size_t b = 0; b < rs->n_verify; b++)
			if (rs->verify[b].log_index == l)
				w->blocks[b].rescan = false;
		if (w->rc != ST_OK)
			return w->rc;
	}
	return ST_OK;
}

/* ---- public --------------------------------------------------------------------- */

enum st_code watcher_new(struct session *s, struct watcher **out, struct st_error *err)
{
	*out = NULL;
	if (!session_writable(s))
		return st_set(err, ST_SOFTWARE, "watch: session %s is not open for writing", s->id);
	struct watcher *w = xcalloc(1, sizeof *w);
	w->s = s;
	w->step = -1;
	w->line_events = true;
	w->n_logs = s->rb->n_logs;
	w->logs = xcalloc(w->n_logs + 1, sizeof *w->logs);
	w->fail_win = xcalloc(w->n_logs + 1, sizeof *w->fail_win);
	w->tail = logtail_new();
	for (size_t l = 0; l < w->n_logs; l++) {
		const struct log_position *p = &s->logs[l];
		struct logtail_pos pos = {p->dev, p->ino, p->offset, p->mark};
		const char *path = p->path ? p->path : s->rb->logs[l].file;
		logtail_add(w->tail, path, LT_START_POS, &pos, s->last_activity_ms);
		w->logs[l].asm_ = smslog_asm_new();
		w->logs[l].saved = pos;
		w->logs[l].resume = pos;
	}
	w->changed = true;
	w->last_save_ms = util_now_ms(); /* the positions just loaded are the saved ones */
	/* A marker is reported after its durable commit; a WAL checkpoint inside that
	 * commit would delay the report, so checkpoints run after reporting (below). */
	session_defer_checkpoints(s);
	*out = w;
	return ST_OK;
}

enum st_code watcher_save_positions(struct watcher *w, struct st_error *err)
{
	if (w->s->finished || !session_writable(w->s))
		return ST_OK;
	w->err = err;
	return save_positions(w);
}

void watcher_free(struct watcher *w)
{
	if (!w)
		return;
	struct st_error ignored;
	watcher_save_positions(w, &ignored); /* best effort: the caller may have saved already */
	drop_step(w);
	for (size_t l = 0; l < w->n_logs; l++) {
		smslog_asm_free(w->logs[l].asm_);
		free(w->logs[l].cur_file);
	}
	free(w->logs);
	free(w->fail_win);
	logtail_free(w->tail);
	free(w);
}

int watcher_fd(const struct watcher *w) { return logtail_fd(w->tail); }
int watcher_timeout_ms(const struct watcher *w)
{
	return w->changed ? 0 : logtail_timeout_ms(w->tail); /* a step change still to apply */
}
void watcher_session_changed(struct watcher *w) { w->changed = true; }
bool watcher_is_polling(const struct watcher *w, size_t log) { return logtail_is_polling(w->tail, log); }
void watcher_set_line_events(struct watcher *w, bool on) { w->line_events = on; }
bool watcher_failure_seen(const struct watcher *w) { return w->failure_seen; }
void watcher_set_stop_flag(struct watcher *w, const volatile sig_atomic_t *stop) { w->stop = stop; }

enum st_code watcher_process(struct watcher *w, watch_cb cb, void *ctx, struct st_error *err)
{
	w->cb = cb;
	w->cbctx = ctx;
	w->err = err;
	w->rc = ST_OK;
	if (w->s->finished)
		return ST_OK;
	enum st_code rc = ST_OK;
	for (int round = 0; round < MAX_STEP_SWITCHES_PER_CALL && rc == ST_OK; round++) {
		if (w->changed) {
			rc = switch_step(w, (size_t)-1, NULL);
			if (rc == ST_OK)
				rc = w->rc;
			if (rc != ST_OK)
				break;
		}
		place_pending(w);
		struct logtail_cbs cbs = {.line = main_line, .note = main_note, .chunk = main_chunk};
		logtail_process(w->tail, &cbs, w);
		rc = w->rc;
		/* Positions after plain lines: at most every SAVE_EVERY_MS (a busy log must not
		 * grow the audit trail by an event per line; a crash re-reads at most that much,
		 * which the markers' order and the resume guard make harmless). */
		if (rc == ST_OK && util_now_ms() - w->last_save_ms >= SAVE_EVERY_MS)
			rc = save_positions(w);
		/* a step change stopped the reading mid-way: go on with the new step's matching */
		if (!w->changed || w->s->finished || stop_requested(w))
			break;
	}
	w->cb = NULL;
	w->cbctx = NULL;
	session_checkpoint_idle(w->s); /* every event of this round has been reported */
	return rc;
}
