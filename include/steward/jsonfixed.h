/*
 * jsonfixed.h — recognises JSON text that jansson would write back unchanged, so that
 * the export can copy an event's stored payload as it is instead of parsing it into a
 * tree and dumping that (one parse and one dump per event, for hundreds of thousands).
 *
 * The payload is untrusted (whoever can write the database can put anything there), so
 * the question is exact: is this text an object that json_loads(text, 0) accepts and
 * json_dumps(JSON_COMPACT) writes back byte for byte? When unsure, the answer is no and
 * the caller parses and dumps as before; only a "yes" must never be wrong
 * (tests/fuzz/fuzz_jsonfixed.c checks exactly that against jansson).
 */
#ifndef STEWARD_JSONFIXED_H
#define STEWARD_JSONFIXED_H

#include <stdbool.h>
#include <stddef.h>

#include "steward/util.h"

/*
 * True when s[0..len) is one JSON object in the form jansson's compact dump gives it: no
 * white space; keys in strictly increasing byte order (so none repeats; steward writes
 * sorted keys); strings of valid UTF-8 with only the escapes jansson writes (\" \\ \b
 * \f \n \r \t, \u00XX in upper case for the other controls except NUL, nothing else);
 * integers of at most 18 digits without a leading zero or "-0"; true, false, null; no
 * fractions or exponents; nesting at most 64 deep.
 */
bool json_fixed_object(const char *s, size_t len);

/* True when s[0..len) is exactly {"KEY":"..."} in that form (key: plain ASCII, no escapes);
 * the string's value, unescaped, is then appended to out (a NUL-free C string: the form
 * has no \u0000). What jansson would give for that member, without a tree. */
bool json_fixed_only_string(const char *s, size_t len, const char *key, struct strbuf *out);

#endif
