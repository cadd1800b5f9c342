/*
 * panes.h — private to src/tui/: the session screen's panes (step list, detail,
 * live log) and the state they share.
 *
 * Invariants: panes only read the session (struct session); every change goes
 * through the session engine in session_view.c. The log pane keeps the last
 * LOGPANE_MAX records, already sanitized.
 */
#ifndef STEWARD_TUI_PANES_H
#define STEWARD_TUI_PANES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "steward/session.h"
#include "steward/smslog.h"
#include "steward/watch.h"
#include "ui.h"

#define LOGPANE_MAX 2000

struct logline {
	uint64_t seq;           /* arrival order, from 1 */
	size_t log;             /* index into rb->logs */
	char *time;             /* "02:14:07" (steward's own lines: when steward wrote them) */
	char *when;             /* the record's time as written ("2006-06-14 02:14:07.123"), or "" */
	char *component;        /* "" when none */
	char *thread;           /* "" when none */
	char *text;             /* sanitized, one line */
	char *file;             /* the file read, or NULL (not known) */
	uint64_t offset;        /* byte offset of the record in file (when file) */
	int64_t key_ms;         /* the time-merged order: the record's own UTC time when it has one */
	bool has_utc;           /* key_ms is the record's own time */
	enum log_severity sev;
	bool expected;          /* satisfied an expectation */
	bool failure;           /* matched a failure signature */
	bool note;              /* a line steward wrote (hint, rotation, problem) */
	bool clipped;           /* text was cut to LOGPANE_LINE_COLS */
};

enum { LOGFILTER_STEP = -2, LOGFILTER_ALL = -1 };

struct logpane {
	struct logline *lines;  /* ring of LOGPANE_MAX */
	size_t head;            /* index of the oldest */
	size_t n;
	uint64_t next_seq;
	long filter;            /* LOGFILTER_STEP, LOGFILTER_ALL, or a log index */
	uint64_t cur;           /* seq of the selected line; 0 = follow the newest */
	int cur_row;            /* the selected line's row in the pane at the last draw */
	uint64_t shown;         /* seq of the line selected at the last draw (0: none) */
	int hscroll;            /* columns of text scrolled off to the left */
	bool wrap;              /* long lines wrap instead of being cut */
	bool detail;            /* the selected line's detail is shown (in the detail pane's place) */
	char *search;           /* last search, or NULL */
	bool *polled;           /* per runbook log: followed by polling (network mount); may be NULL */
};

void logpane_free(struct logpane *lp);
/* Adds a record (WEV_LINE), or flags the last line of that log (WEV_MARKER, WEV_FAILURE),
 * or a steward line (hint, rotation, problem) naming the log (log_file: its file name). */
void logpane_event(struct logpane *lp, bool ascii, const struct watch_event *ev, const char *log_file,
		   int64_t now_ms);
/* Fills an empty pane with the evidence recorded so far (expected lines and failures
 * of every step, in the order steward saw them), so a resumed session shows it. */
void logpane_seed(struct logpane *lp, bool ascii, const struct session *s);
void logpane_draw(struct ui *ui, struct logpane *lp, const struct session *s, size_t sel, int y,
		  int x, int h, int w, bool focused);
/* Moves the selected line by delta lines (positive = newer); reaching the newest follows. */
void logpane_move(struct logpane *lp, const struct session *s, size_t sel, long delta);
/* The oldest line (top) or following the newest (bottom). */
void logpane_home(struct logpane *lp, const struct session *s, size_t sel);
void logpane_follow(struct logpane *lp);
/* Scrolls the text columns by cols (positive = right); no effect while wrapping. */
void logpane_hscroll(struct logpane *lp, int cols);
/* Searches for text (NULL: the last search) from the selected line: forward (dir > 0, to
 * newer lines, the selected one included for a new search) or back, round the ends.
 * Selects the match; false when no line matches. *wrapped tells whether it went round. */
bool logpane_search(struct logpane *lp, const struct session *s, size_t sel, const char *text, int dir,
		    bool *wrapped);
/* Matches of the search among the lines shown: their count, and which one (1-based) is
 * the selected line (0 when it is not a match). */
void logpane_matches(struct logpane *lp, const struct session *s, size_t sel, size_t *which, size_t *count);
void logpane_cycle(struct logpane *lp, const struct session *s);
/* "the step's logs: sitecomp.log", "all logs, merged by time", "sitecomp.log only". */
void logpane_filter_name(const struct logpane *lp, const struct session *s, size_t sel, char *out,
			 size_t outlen);
/* The selected line in full (CMTrace's bottom pane): time, component, thread, severity,
 * the whole text, file and offset; returns the rows it needs. */
int logpane_detail_draw(struct ui *ui, struct logpane *lp, const struct session *s, int y, int x, int h,
			int w, int scroll);

/* Draws the selected step's details from row y; returns the rows the details need
 * (so the caller can bound the scroll). */
int detail_draw(struct ui *ui, const struct session *s, size_t sel, int y, int x, int h, int w,
		int scroll, int64_t now_ms);
/* "verified by SiteComp.log at 02:14:07" for a step completed by markers; "" otherwise. */
void detail_verified_by(const struct session *s, size_t step, char *out, size_t outlen);
/* "done 02:14 by jsmith (by hand)", "failed 02:20 — detected in MPSetup.log" ... */
void detail_completion(const struct session *s, size_t sel, const char *when, char *out, size_t outlen);
/* The progress in words, the same on every screen: "done 12, skipped 2, not applicable 10,
 * of 34" ("failed 1, " after done when a step failed). */
void progress_words(const struct session *s, char *out, size_t outlen);
/* The glyph and role of a step's status. */
const char *step_glyph(const struct ui *ui, enum step_status st);
enum ui_role step_role(enum step_status st);

#endif
