/*
 * export_priv.h — what the export formats share (private to src/export*.c): the
 * loaded document (state + events + audit), step helpers, active intervals.
 */
#ifndef STEWARD_EXPORT_PRIV_H
#define STEWARD_EXPORT_PRIV_H

#include <stdint.h>

#include "steward/export.h"
#include "steward/store.h"

struct export_event {
	int64_t seq, at_ms;
	char *op, *host, *type, *step, *data;
	char prev_hash[65], hash[65];
};

/* One stretch of time during which a step was the active one. */
struct export_interval {
	size_t step;
	int64_t from_ms, to_ms;
	bool failed; /* it ended with the step failing (a later reopen does not change that) */
};

struct export_doc {
	const struct session *s;
	struct export_event *ev;
	size_t n_ev;
	struct store_audit audit;
	int64_t end_ms; /* finish time, or now for an unfinished session */
	struct export_interval *iv;
	size_t n_iv;
};

/* JSON is written while the audit reads the events (export_json.c), not from a loaded doc;
 * with a sink, in pieces. */
enum st_code export_json(const struct session *s, struct strbuf *out, const struct export_sink *sink,
			 struct st_error *err);
void export_csv(const struct export_doc *d, struct strbuf *out);
void export_md(const struct export_doc *d, struct strbuf *out);
void export_html(const struct export_doc *d, struct strbuf *out);

/* ISO 8601 UTC with ms, or "" for 0. */
void export_time(int64_t ms, char out[32]);
/* The step's title with ${vars} substituted (caller frees). */
char *export_step_title(const struct export_doc *d, size_t step);
/* The pattern text of expect e of verify block vb, substituted (caller frees). */
char *export_expect_text(const struct export_doc *d, size_t step, size_t vb, size_t e);
/* The marker that satisfied expect e of block vb in the step's current window, or NULL. */
const struct sess_marker *export_marker(const struct export_doc *d, size_t step, size_t vb, size_t e);
/* Whether the readable formats show the step under "Verification evidence": it verifies
 * from logs, or a failure signature was seen for it. */
bool export_step_has_evidence(const struct export_doc *d, size_t step);
/* The hint of the failure signature fl names, substituted (caller frees); NULL when the
 * stored runbook has no such signature or it has no hint. */
char *export_failure_hint(const struct export_doc *d, size_t step, const struct sess_failure *fl);
/* A seal as recorded in the events (seal.h): not verified here; `steward audit --signers`
 * does that. Strings are owned by the array (export_seals_free). */
struct export_seal {
	int64_t event_seq, sealed_seq, at_ms;
	const char *op, *host; /* borrowed from the event */
	char *head, *key, *signature;
};
/* Every seal event of the document, in order (*n may be 0). */
struct export_seal *export_seals(const struct export_doc *d, size_t *n);
void export_seals_free(struct export_seal *seals, size_t n);
/* What every format says about seals, one paragraph (caller frees). */
char *export_seal_note(const struct export_doc *d, size_t n_seals);
/* How the step was completed, for the readable formats: "operator", "markers",
 * "override", "—", with what an auditor must know ("out of order", "2 of 3 checklist
 * items not ticked", "wait overridden", "detected in MPSetup.log"). Caller frees. */
char *export_completion(const struct export_doc *d, size_t step);
/* What happened to a step that failed or was reopened, in order, for the readable formats:
 * "failed 03:06, reopened 03:07, done 03:07" (UTC, HH:MM); NULL when it never failed nor
 * was reopened (its status says it all). Caller frees. */
char *export_step_history(const struct export_doc *d, size_t step);
/* An event's data as one short human line (the event log of md and html): "key: value"
 * pairs, log positions as "SiteComp.log at 1,234 bytes" instead of dev/ino JSON. Caller
 * frees. */
char *export_event_text(const struct export_event *e);
/* Checklist item k of the step, substituted (caller frees). */
char *export_checklist_item(const struct export_doc *d, size_t step, size_t k);
/* Practice note k of the step (not from the sources), substituted (caller frees). */
char *export_practice_text(const struct export_doc *d, size_t step, size_t k);
/* Whether any step of the runbook carries practice notes. */
bool export_has_practice(const struct export_doc *d);
/* Where log l lived (the session's start fixed it), the same in every format. */
struct export_place {
	const char *name, *file;
	const char *path;      /* as fixed at start; NULL when not recorded */
	const char *folder;    /* its folder's id; NULL when --log or an absolute runbook path placed it */
	char *machine;         /* the folder's machine, substituted (owned); NULL when the runbook does not say */
	const char *placed_by; /* "folder", "absolute" (the runbook's own path) or "--log" */
	bool defaulted;        /* its folder was not given at start: it is the main log folder */
};
void export_place(const struct export_doc *d, size_t l, struct export_place *out);
void export_place_free(struct export_place *p);
/* The folder column of the readable formats: "system-root", "logs (the main log folder)",
 * "mp-logs (not given: defaulted to the main log folder)", "none (placed by --log)" ...
 * Caller frees. */
char *export_place_folder_text(const struct export_place *p);
/* How every readable format marks evidence from a line `steward simulate` wrote
 * (sess_marker/sess_failure .simulated); JSON says "simulated": true, CSV has a
 * `simulated` column. */
#define EXPORT_SIMULATED "SIMULATED (written by steward simulate, not by the site)"
/* JSON string literal (quoted, escaped, invalid UTF-8 repaired) appended to out. */
void export_json_string(struct strbuf *out, const char *s);
/* Display text: terminal/HTML-safe (control characters made visible, valid UTF-8). */
char *export_clean(const char *s, bool keep_newlines);

#endif
