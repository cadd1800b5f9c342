/* status.c — texts for status codes and the error setter. */
#include "steward/status.h"

#include <stdio.h>

const char *st_code_text(enum st_code code)
{
	switch (code) {
#define X(name, value, text) \
	case name:           \
		return text;
		ST_CODES(X)
#undef X
	}
	return "unknown status";
}

enum st_code st_set(struct st_error *err, enum st_code code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		err->code = code;
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
	}
	return code;
}
