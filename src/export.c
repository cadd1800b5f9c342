/*
 * export.c — `export_session` (export.h): loads the document (export_doc.c) and hands it
 * to the format's renderer (export_render.h). The only file that knows every format.
 *
 * Invariant: exporting never writes to the database; it works on a read-only store.
 */
#include "steward/export.h"

#include <errno.h>
#include <string.h>

#include "export_render.h"

bool export_format_parse(const char *name, enum export_format *out)
{
	static const struct {
		const char *name;
		enum export_format fmt;
	} names[] = {{"json", EXPORT_JSON}, {"csv", EXPORT_CSV}, {"md", EXPORT_MD},
		     {"markdown", EXPORT_MD}, {"html", EXPORT_HTML}};
	for (size_t i = 0; name && i < ARRAY_LEN(names); i++) {
		if (strcmp(name, names[i].name) == 0) {
			*out = names[i].fmt;
			return true;
		}
	}
	return false;
}

const char *export_format_name(enum export_format fmt)
{
	switch (fmt) {
	case EXPORT_JSON: return "json";
	case EXPORT_CSV: return "csv";
	case EXPORT_MD: return "md";
	case EXPORT_HTML: return "html";
	}
	return "json";
}

enum st_code export_session(const struct session *s, enum export_format fmt, struct strbuf *out,
			    struct st_error *err)
{
	if (fmt == EXPORT_JSON)
		return export_json(s, out, NULL, err);
	struct export_doc d;
	enum st_code rc = export_doc_load(&d, s, err);
	if (rc != ST_OK)
		return rc;
	switch (fmt) {
	case EXPORT_JSON: break; /* above */
	case EXPORT_CSV: export_csv(&d, out); break;
	case EXPORT_MD: export_md(&d, out); break;
	case EXPORT_HTML: export_html(&d, out); break;
	}
	export_doc_free(&d);
	return ST_OK;
}

enum st_code export_session_to(const struct session *s, enum export_format fmt, const struct export_sink *sink,
			       struct st_error *err)
{
	struct strbuf out = STRBUF_INIT;
	enum st_code rc = fmt == EXPORT_JSON ? export_json(s, &out, sink, err) : export_session(s, fmt, &out, err);
	if (rc == ST_OK && fmt != EXPORT_JSON && out.len) {
		errno = 0;
		if (!sink->write(sink->ctx, out.data, out.len))
			rc = st_set(err, ST_IOERR, "cannot write the export: %s", strerror(errno ? errno : EIO));
	}
	sb_free(&out);
	return rc;
}
