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

#include "steward/session.h"
#include "steward/smslog.h"
#include "steward/watch.h"
#include "ui.h"

#define LOGPANE_MAX 2000

struct logline {
	size_t log;             /* index into rb->logs */
	char *time;             /* "02:14:07" or "" */
	char *component;        /* "" when none */
	char *thread;           /* "" when none */
	char *text;             /* sanitized, one line */
	enum log_severity sev;
	bool expected;          /* satisfied an expectation */
	bool failure;           /* matched a failure signature */
	bool note;              /* a line steward wrote (hint, rotation, problem) */
};

enum { LOGFILTER_STEP = -2, LOGFILTER_ALL = -1 };

struct logpane {
	struct logline *lines;  /* ring of LOGPANE_MAX */
	size_t head;            /* index of the oldest */
	size_t n;
	long filter;            /* LOGFILTER_STEP, LOGFILTER_ALL, or a log index */
	int scroll;             /* rows up from the bottom; 0 = follow */
	char *search;           /* last search, or NULL */
	long match;             /* ring position (0 = oldest) of the current match, -1 none */
	bool *polled;           /* per runbook log: followed by polling (network mount); may be NULL */
};

void logpane_free(struct logpane *lp);
/* Adds a record (WEV_LINE), or flags the last line of that log (WEV_MARKER, WEV_FAILURE),
 * or a steward line (hint, rotation, problem). */
void logpane_event(struct logpane *lp, bool ascii, const struct watch_event *ev);
/* Fills an empty pane with the evidence recorded so far (expected lines and failures
 * of every step, in the order steward saw them), so a resumed session shows it. */
void logpane_seed(struct logpane *lp, bool ascii, const struct session *s);
void logpane_draw(struct ui *ui, struct logpane *lp, const struct session *s, size_t sel, int y,
		  int x, int h, int w, bool focused);
/* Scrolls by rows (positive = older). */
void logpane_scroll(struct logpane *lp, int rows);
/* Searches older lines (from the current match or the bottom) for text; false when none. */
bool logpane_search(struct logpane *lp, const struct session *s, size_t sel, const char *text);
void logpane_cycle(struct logpane *lp, const struct session *s);
/* "sitecomp, hman" / "all logs" / "sitecomp only". */
void logpane_filter_name(const struct logpane *lp, const struct session *s, size_t sel, char *out,
			 size_t outlen);

/* Draws the selected step's details from row y; returns the rows the details need
 * (so the caller can bound the scroll). */
int detail_draw(struct ui *ui, const struct session *s, size_t sel, int y, int x, int h, int w,
		int scroll, int64_t now_ms);
/* "verified by SiteComp.log at 02:14:07" for a step completed by markers; "" otherwise. */
void detail_verified_by(const struct session *s, size_t step, char *out, size_t outlen);
/* "done 02:14 by jsmith (by hand)", "failed 02:20 — detected in MPSetup.log" ... */
void detail_completion(const struct session *s, size_t sel, const char *when, char *out, size_t outlen);
/* The glyph and role of a step's status. */
const char *step_glyph(const struct ui *ui, enum step_status st);
enum ui_role step_role(enum step_status st);

#endif
