/*
 * export_render.h — the four formats, each rendering the loaded document (export_doc.h)
 * into out (JSON from the session itself, as it is audited): export_json.c, export_csv.c, export_md.c, export_html.c. Only export.c calls
 * them.
 */
#ifndef STEWARD_EXPORT_RENDER_H
#define STEWARD_EXPORT_RENDER_H

#include "export_doc.h"

/* JSON is written while the audit reads the events, not from a loaded document; with a
 * sink, in pieces (export_session_to). */
enum st_code export_json(const struct session *s, struct strbuf *out, const struct export_sink *sink,
			 struct st_error *err);
void export_csv(const struct export_doc *d, struct strbuf *out);
void export_md(const struct export_doc *d, struct strbuf *out);
void export_html(const struct export_doc *d, struct strbuf *out);

#endif
