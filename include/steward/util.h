/*
 * util.h — allocation wrappers, a length-carrying string buffer, small helpers.
 *
 * Invariants: the x* allocators never return NULL; on exhaustion they call the
 * registered fatal hook (the TUI registers one that restores the terminal) and
 * abort. A strbuf's data is always NUL-terminated once anything was appended.
 */
#ifndef STEWARD_UTIL_H
#define STEWARD_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
#define PRINTF_LIKE(fmt, args) __attribute__((format(printf, fmt, args)))
#define NORETURN __attribute__((noreturn))
#else
#define PRINTF_LIKE(fmt, args)
#define NORETURN
#endif

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Called (once) before abort() on a fatal error such as out-of-memory. */
typedef void (*util_fatal_hook)(void);
void util_set_fatal_hook(util_fatal_hook hook);
NORETURN void util_fatal(const char *fmt, ...) PRINTF_LIKE(1, 2);

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xreallocarray(void *p, size_t count, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* Growable byte buffer; zero-initialise with STRBUF_INIT. */
struct strbuf {
	char *data; /* NUL-terminated when len > 0 or after any append */
	size_t len; /* bytes used, excluding the terminating NUL */
	size_t cap; /* bytes allocated */
};
#define STRBUF_INIT { NULL, 0, 0 }

void sb_grow(struct strbuf *sb, size_t extra);
void sb_append(struct strbuf *sb, const char *s, size_t n);
void sb_puts(struct strbuf *sb, const char *s);
void sb_putc(struct strbuf *sb, char c);
void sb_printf(struct strbuf *sb, const char *fmt, ...) PRINTF_LIKE(2, 3);
void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap) PRINTF_LIKE(2, 0);
void sb_reset(struct strbuf *sb);
/* Returns the buffer's string (never NULL; "" when empty) and leaves sb empty. */
char *sb_take(struct strbuf *sb);
const char *sb_str(const struct strbuf *sb);
void sb_free(struct strbuf *sb);

/* Wall clock in milliseconds since the Unix epoch (UTC). Unit tests may fix it
 * with util_clock_override() (0 restores the real clock); end-to-end tests shift
 * it with $STEWARD_CLOCK_OFFSET_MS (milliseconds added to the real clock). */
int64_t util_now_ms(void);
void util_clock_override(int64_t fixed_ms);
/* Formats ms since epoch as 2026-11-22T01:02:03.456Z into out (>= 25 bytes). */
void util_format_utc_ms(int64_t ms, char out[32]);
/* Parses that format back; returns false on malformed input. */
bool util_parse_utc_ms(const char *s, int64_t *ms);

/* Reads a whole file (for runbooks; never for logs). Returns NULL and sets errno on failure. */
char *util_read_file(const char *path, size_t *len_out);
/* Writes data atomically to path (mkstemp in the same folder + fsync + rename). 0 or -1/errno. */
int util_write_file_atomic(const char *path, const char *data, size_t len, unsigned mode);
/* True when path names a folder (following links); NULL-safe. */
bool util_is_dir(const char *path);
/* mkdir -p with the given mode for each created component. 0 or -1/errno. */
int util_mkdir_p(const char *path, unsigned mode);

/* Lowercase hex of n bytes into out (2n+1 bytes). */
void util_hex(const unsigned char *in, size_t n, char *out);
/* SHA-256 (Nettle) of data, as 64 lowercase hex chars + NUL. */
void util_sha256_hex(const void *data, size_t n, char out[65]);

/* The operator recorded on events when none is given: $STEWARD_OPERATOR, else the
 * login name, else $USER, else "unknown" (CLI.md, Operator identity). Caller frees. */
char *util_default_operator(void);
/* This machine's host name ("unknown" when it cannot be read). Caller frees. */
char *util_host_name(void);

bool util_streq(const char *a, const char *b); /* NULL-safe */
bool util_has_suffix(const char *s, const char *suffix);

#endif
