/*
 * export_render.h — the four formats, each rendering the loaded document (export_doc.h)
 * into out: export_json.c, export_csv.c, export_md.c, export_html.c. Only export.c calls
 * them.
 */
#ifndef STEWARD_EXPORT_RENDER_H
#define STEWARD_EXPORT_RENDER_H

#include "export_doc.h"

void export_json(const struct export_doc *d, struct strbuf *out);
void export_csv(const struct export_doc *d, struct strbuf *out);
void export_md(const struct export_doc *d, struct strbuf *out);
void export_html(const struct export_doc *d, struct strbuf *out);

#endif
