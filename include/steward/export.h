/*
 * export.h — the audit trail of a session as JSON, CSV, Markdown or HTML.
 *
 * Every format is rendered from the same two things: the session's state (a replay,
 * session.h) and its stored events with the audit result (store.h). Untrusted text
 * (notes, log lines, labels) is escaped for the format: JSON-escaped, CSV-quoted with
 * formula cells (= + - @, tab, CR) neutralised, Markdown-escaped, HTML-escaped; the
 * HTML is one self-contained file (no external resources). A rehearsal is marked as
 * such in every format.
 */
#ifndef STEWARD_EXPORT_H
#define STEWARD_EXPORT_H

#include <stdbool.h>

#include "steward/session.h"
#include "steward/status.h"
#include "steward/store.h"
#include "steward/util.h"

enum export_format { EXPORT_JSON, EXPORT_CSV, EXPORT_MD, EXPORT_HTML };

/* "json" | "csv" | "md" (or "markdown") | "html"; false for anything else. */
bool export_format_parse(const char *name, enum export_format *out);
const char *export_format_name(enum export_format fmt);

/* The auditor's note when recorded times go back (store_audit's clock_back), one
 * sentence, caller frees; NULL when they never do. Shared by every format and `audit`. */
char *export_clock_note(const struct store_audit *a);

/* Appends the session's export to out. The session may be open read-only. Nothing is
 * appended when it fails. */
enum st_code export_session(const struct session *s, enum export_format fmt, struct strbuf *out,
			    struct st_error *err);

/* Where export_session_to sends the text, in order: write returns false (errno set) when
 * it cannot take it. */
struct export_sink {
	bool (*write)(void *ctx, const char *data, size_t len);
	void *ctx;
};
/*
 * The same text as export_session, handed to sink as it is produced: JSON in pieces of
 * about 64 KiB while the events are read, so that memory stays flat in the number of
 * events; the other formats whole at the end. A failing write stops the export
 * (ST_IOERR, naming errno). When reading the store fails midway, part of the JSON
 * document may already have been written (the return code says it is incomplete).
 */
enum st_code export_session_to(const struct session *s, enum export_format fmt, const struct export_sink *sink,
			       struct st_error *err);

#endif
