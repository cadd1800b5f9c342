/*
 * logtail.c — following log files: positions, inotify/polling, rotation to .lo_,
 * truncation, partial lines, encodings. See logtail.h for the contract.
 *
 * Invariants:
 *  - a reader's buffer holds the file's bytes from r.off onward that were read but
 *    not yet delivered (at most a partial line); r.off is the position reported;
 *  - the old content of a rotated file is always finished (through the still-open
 *    descriptor, or from the .lo_ when the rotation happened while closed) before
 *    the new file's first line is delivered;
 *  - each problem is reported once until it clears.
 */
#include "steward/logtail.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "steward/logenc.h"
#include "steward/logfile.h"
#include "steward/util.h"

/* Room for a held partial line (under LOGTAIL_MAX_LINE) and as much again to read into:
 * larger buffers did not scan a backlog faster, and each followed file may hold one. */
#define READ_CAP (2u * LOGTAIL_MAX_LINE)
#define POLL_MS 500      /* CMTrace's default update interval */
#define SAFETY_MS 2000   /* re-check even with inotify (queue overflow, missed events) */
/* A shrunk file is taken for a copy-rotation only when its .lo_ was written no earlier than
 * this before the file was last read at its full size: the copy is made after that read,
 * but its mtime may be stamped earlier by a file system with coarse (FAT: 2 s) timestamps
 * or by a file server whose clock is a little behind. An older .lo_ is a previous
 * generation, and the shrink is a truncation. */
#define LO_COPY_MTIME_SLACK_MS 2000

/* statfs f_type values of file systems that do not deliver inotify events for remote changes. */
static const unsigned long netfs_magic[] = {
	0xFF534D42UL, /* CIFS */
	0xFE534D42UL, /* SMB2 */
	0x517BUL,     /* SMB (smbfs) */
	0x6969UL,     /* NFS */
	0x65735546UL, /* FUSE (sshfs, ...) */
	0x01021997UL, /* 9p */
};

/* The first bytes of the file and the bytes just before an offset, as marks (logfile.h).
 * A size alone proves nothing: a network mount reports sizes that lag behind reads. */
struct place {
	uint64_t off;       /* the end of what was read (0: nothing to check) */
	uint64_t head_mark; /* of bytes [0, min(off, LOGFILE_MARK_BYTES)) */
	uint64_t tail_mark; /* of the LOGFILE_MARK_BYTES before off */
};

enum problem_bit { PB_MISSING = 1, PB_UNREADABLE = 2, PB_IOERR = 4, PB_NODIR = 8, PB_LOST = 16 };

struct reader {
	int fd;
	uint64_t dev, ino;
	char *path;
	enum logenc enc;
	bool enc_known;
	uint64_t off;  /* file offset of buf[0] */
	char *buf;
	size_t len;
	/* where the reader stands, to tell a file that only grew from one truncated or
	 * rewritten in place (see place_holds) */
	struct place place;
};

struct lt_file {
	char *want;          /* as configured */
	struct reader r;
	enum logtail_start start;
	struct logtail_pos saved;
	int64_t saved_ms;
	bool started;
	bool polling;
	int wd;
	unsigned problems;
	int64_t last_read_ms; /* when it was last seen at its current size */
	bool missing;        /* found missing; lo_before is the .lo_ there was then */
	struct logtail_pos lo_before; /* dev, ino, offset = size of that .lo_ (0/0: none) */
	struct strbuf dec;
};

struct logtail {
	struct lt_file *files;
	struct logtail_pos ended; /* during LTN_FILE_END: the file whose lines ended */
	size_t n;
	int ifd;
	bool force_poll;
	bool oneshot;
	bool inited;
};

/* ---- paths ------------------------------------------------------------------- */


static int64_t mtime_ms(const struct stat *st)
{
	return (int64_t)st->st_mtim.tv_sec * 1000 + st->st_mtim.tv_nsec / 1000000;
}

/* ---- reader ------------------------------------------------------------------- */

static void reader_close(struct reader *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	free(r->path);
	r->path = NULL;
	r->len = 0;
	r->enc_known = false;
}

/* Opens path for reading at offset; fills identity. Returns 0, an errno, or -1 when
 * path is not a regular file (a FIFO, a device, a folder). */
static int reader_open(struct reader *r, const char *path, uint64_t off)
{
	reader_close(r);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return errno;
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int e = errno;
		close(fd);
		return e;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	r->fd = fd;
	r->dev = (uint64_t)st.st_dev;
	r->ino = (uint64_t)st.st_ino;
	r->path = xstrdup(path);
	r->off = off;
	r->len = 0;
	r->enc_known = false;
	r->place.off = 0;
	return 0;
}

/*
 * Decides the encoding from the first bytes (logenc_detect). While they could still be
 * the start of a BOM or of UTF-16 text, waits for more (unless the file is final: it
 * will not grow).
 */
static bool reader_detect(struct reader *r, bool final)
{
	if (r->enc_known)
		return true;
	unsigned char head[LOGENC_SNIFF_BYTES];
	ssize_t n = pread(r->fd, head, sizeof head, 0);
	if (n <= 0)
		return false;
	size_t bom = logenc_detect(head, (size_t)n, final, &r->enc);
	if (bom == LOGENC_NEED_MORE) /* could still be a BOM or UTF-16: wait for more */
		return false;
	r->enc_known = true;
	if (r->off < bom) {
		r->off = bom;
		r->len = 0;
	}
	if (r->enc != LOGENC_UTF8 && (r->off & 1)) /* a saved odd offset cannot be a line start */
		r->off++;
	return true;
}

struct ctx {
	struct logtail *t;
	const struct logtail_cbs *cbs;
	void *cbctx;
	size_t idx;
};

static void note(struct ctx *c, enum logtail_note what, const char *old_file, const char *new_file,
		 const char *msg)
{
	if (c->cbs->note)
		c->cbs->note(c->cbctx, c->idx, what, old_file, new_file, msg);
}

static void problem(struct ctx *c, struct lt_file *f, unsigned bit, const char *fmt, ...)
	PRINTF_LIKE(4, 5);
static void problem(struct ctx *c, struct lt_file *f, unsigned bit, const char *fmt, ...)
{
	if (f->problems & bit)
		return;
	f->problems |= bit;
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	note(c, LTN_PROBLEM, NULL, f->want, sb_str(&sb));
	sb_free(&sb);
}

static void recovered(struct ctx *c, struct lt_file *f, unsigned bits, const char *msg)
{
	if (!(f->problems & bits))
		return;
	f->problems &= ~bits;
	note(c, LTN_RECOVERED, NULL, f->want, msg);
}

/* Delivers one line (raw bytes in r's encoding). Returns the callback's verdict. */
static bool deliver(struct ctx *c, struct lt_file *f, struct reader *r, const char *p, size_t n,
		    uint64_t off, uint64_t end_off, bool piece)
{
	if (!piece) { /* drop the CR of CRLF */
		if (r->enc != LOGENC_UTF8) {
			if (n >= 2 && logenc_unit(r->enc, p + n - 2) == '\r')
				n -= 2;
		} else if (n && p[n - 1] == '\r') {
			n--;
		}
	}
	sb_reset(&f->dec);
	if (r->enc == LOGENC_UTF8 && logenc_is_clean_utf8(p, n))
		sb_append(&f->dec, p, n);
	else
		logenc_append_utf8(&f->dec, r->enc, p, n);
	struct logtail_line ln = {
		.text = sb_str(&f->dec), .len = f->dec.len, .offset = off, .end_offset = end_off,
		.file = r->path, .dev = r->dev, .ino = r->ino, .piece = piece,
	};
	return c->cbs->line ? c->cbs->line(c->cbctx, c->idx, &ln) : true;
}

/* Index of the newline unit at or after pos, or -1. UTF-16: the unit U+000A at an even
 * file offset. */
static long find_eol(const struct reader *r, size_t pos)
{
	if (r->enc == LOGENC_UTF8) {
		const char *nl = memchr(r->buf + pos, '\n', r->len - pos);
		return nl ? (long)(nl - r->buf) : -1;
	}
	size_t i = pos + ((r->off + pos) & 1);
	for (; i + 1 < r->len; i += 2)
		if (logenc_unit(r->enc, r->buf + i) == '\n')
			return (long)i;
	return -1;
}

/* A cut of at most LOGTAIL_MAX_LINE bytes that does not split a character. */
static size_t piece_len(const struct reader *r, size_t pos)
{
	size_t n = LOGTAIL_MAX_LINE;
	if (r->enc != LOGENC_UTF8) {
		unsigned u = logenc_unit(r->enc, r->buf + pos + n - 2);
		if (u >= 0xD800 && u <= 0xDBFF) /* a high surrogate: keep the pair together */
			n -= 2;
		return n;
	}
	if (pos + n < r->len) {
		for (size_t k = 0; k < 3; k++) { /* back up to a character start */
			unsigned char b = (unsigned char)r->buf[pos + n - k];
			if ((b & 0xC0) != 0x80)
				return n - k;
		}
		return n;
	}
	/* The cut is at the end of what was read: the byte after it is not known (and
	 * lies past the buffer), so judge by the last character's lead byte instead. */
	for (size_t k = 1; k <= 3; k++) {
		unsigned char b = (unsigned char)r->buf[pos + n - k];
		if ((b & 0xC0) == 0x80)
			continue;
		size_t need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
		return need > k ? n - k : n;
	}
	return n;
}

/*
 * The fast path for a backlog (UTF-8 only, when the caller gave a chunk callback): every
 * complete line from pos on is offered at once; returns pos past what the caller dealt
 * with itself. The lines it leaves go through deliver_next_line one by one.
 */
static size_t drain_fast_path(struct ctx *c, const struct reader *r, size_t pos, uint64_t fsize)
{
	if (!c->cbs->chunk || r->enc != LOGENC_UTF8)
		return pos;
	const char *last = memrchr(r->buf + pos, '\n', r->len - pos);
	if (!last)
		return pos;
	size_t complete = (size_t)(last + 1 - (r->buf + pos));
	struct logtail_chunk ch = {
		.buf = r->buf + pos, .len = complete, .offset = r->off + pos,
		.file_size = fsize, .file = r->path, .dev = r->dev, .ino = r->ino,
	};
	size_t k = c->cbs->chunk(c->cbctx, c->idx, &ch);
	return pos + (k <= complete ? k : complete);
}

/*
 * Delivers what starts at pos: a complete line, else a piece of a line longer than
 * LOGTAIL_MAX_LINE, else (at_end: a file that will not grow, read to its end) the last
 * unterminated line. Returns the bytes it used, 0 when the line is not complete yet
 * (wait for more); *stop when the callback asked to stop.
 */
static size_t deliver_next_line(struct ctx *c, struct lt_file *f, struct reader *r, size_t pos, bool at_end,
				bool *stop)
{
	long e = find_eol(r, pos);
	size_t n;
	if (e >= 0 && (size_t)e - pos <= LOGTAIL_MAX_LINE) {
		size_t next = (size_t)e + (r->enc != LOGENC_UTF8 ? 2 : 1);
		*stop = !deliver(c, f, r, r->buf + pos, (size_t)e - pos, r->off + pos, r->off + next, false);
		return next - pos;
	}
	if (r->len - pos >= LOGTAIL_MAX_LINE) {
		n = piece_len(r, pos);
		*stop = !deliver(c, f, r, r->buf + pos, n, r->off + pos, r->off + pos + n, true);
		return n;
	}
	if (at_end) {
		n = r->len - pos;
		*stop = !deliver(c, f, r, r->buf + pos, n, r->off + pos, r->off + r->len, false);
		return n;
	}
	return 0;
}

/* Reads more of the file into the buffer after what it holds. Returns the bytes read (0
 * at the end of the file, or with the buffer full), -1 on a read error (reported). */
static ssize_t reader_fill(struct ctx *c, struct lt_file *f, struct reader *r)
{
	if (r->len >= READ_CAP)
		return 0;
	for (;;) {
		ssize_t got = pread(r->fd, r->buf + r->len, READ_CAP - r->len, (off_t)(r->off + r->len));
		if (got >= 0) {
			r->len += (size_t)got;
			return got;
		}
		if (errno != EINTR) {
			problem(c, f, PB_IOERR, "%s: read error: %s", r->path, strerror(errno));
			return -1;
		}
	}
}

/* Drops the first used bytes of the buffer: they were delivered. */
static void reader_consume(struct reader *r, size_t used)
{
	if (!used)
		return;
	memmove(r->buf, r->buf + used, r->len - used);
	r->len -= used;
	r->off += used;
}

/*
 * Reads r to its current end, delivering complete lines. With final (a file that will
 * not grow: a .lo_, or the old file after a rotation), a last unterminated line is
 * delivered too. Returns false when a callback asked to stop, or on a read error.
 */
static bool reader_drain(struct ctx *c, struct lt_file *f, struct reader *r, bool final)
{
	if (!reader_detect(r, final))
		return true;
	struct stat st;
	uint64_t fsize = fstat(r->fd, &st) == 0 ? (uint64_t)st.st_size : 0;
	if (!r->buf)
		r->buf = xmalloc(READ_CAP);
	for (;;) {
		ssize_t got = reader_fill(c, f, r);
		if (got < 0)
			return false;
		bool eof = got == 0 && r->len < READ_CAP;
		size_t pos = 0;
		bool stop = false;
		while (pos < r->len && !stop) {
			pos = drain_fast_path(c, r, pos, fsize);
			if (pos >= r->len)
				break;
			size_t used = deliver_next_line(c, f, r, pos, eof && final, &stop);
			if (!used)
				break;
			pos += used;
		}
		reader_consume(r, pos);
		if (stop)
			return false;
		if (eof) {
			/* Nothing held: the buffer goes back until the file grows, so the files
			 * followed at once do not each keep one (peak memory is one buffer). */
			if (r->len == 0) {
				free(r->buf);
				r->buf = NULL;
			}
			return true;
		}
	}
}

/* ---- where the reader stands ------------------------------------------------- */

/* The place is the end of what was read: the delivered lines and a held partial line. */
static void place_take(struct reader *r)
{
	uint64_t end = r->off + r->len;
	uint64_t head = end < LOGFILE_MARK_BYTES ? end : LOGFILE_MARK_BYTES;
	r->place = (struct place){.off = end, .head_mark = logfile_mark(r->fd, head),
				  .tail_mark = logfile_mark(r->fd, end)};
}

/*
 * Whether the file still holds what was read up to the place taken: its first bytes and
 * the bytes just before the place read back the same. False for a file truncated (they
 * cannot be read) or rewritten in place (they differ) — whatever size it reports, since
 * a network mount's reported size can lag behind what reads return.
 */
static bool place_holds(const struct reader *r)
{
	const struct place *pl = &r->place;
	if (pl->off == 0)
		return true;
	uint64_t head = pl->off < LOGFILE_MARK_BYTES ? pl->off : LOGFILE_MARK_BYTES;
	return logfile_mark(r->fd, head) == pl->head_mark && logfile_mark(r->fd, pl->off) == pl->tail_mark;
}

/* A saved position still holds in the file just opened (same identity): its mark reads
 * back the same; a position saved without one must at least still be readable. */
static bool saved_place_holds(const struct reader *r, const struct logtail_pos *saved)
{
	if (saved->offset == 0)
		return true;
	if (saved->mark)
		return logfile_mark(r->fd, saved->offset) == saved->mark;
	char byte;
	return pread(r->fd, &byte, 1, (off_t)(saved->offset - 1)) == 1;
}

/* No more lines will come from (dev, ino): the caller flushes, and may open windows. */
static void file_end(struct ctx *c, uint64_t dev, uint64_t ino)
{
	c->t->ended = (struct logtail_pos){.dev = dev, .ino = ino};
	note(c, LTN_FILE_END, NULL, NULL, NULL);
	memset(&c->t->ended, 0, sizeof c->t->ended);
}

/* ---- rotation, truncation ------------------------------------------------------ */

/*
 * Reads a whole rotated-out file from off to its end (the old content of a rotation).
 * A copy of the live file (copy-rotation) is delivered as the live file's lines (as_id):
 * same bytes at the same offsets, so windows placed in the live file still apply.
 */
static bool finish_old(struct ctx *c, struct lt_file *f, const char *path, uint64_t off,
		       const struct logtail_pos *as_id)
{
	struct reader old = {.fd = -1};
	int e = reader_open(&old, path, off);
	if (e) {
		problem(c, f, PB_LOST, "%s: cannot be read to finish the rotated log: %s", path,
			e < 0 ? "it is not a regular file" : strerror(e));
		reader_close(&old);
		free(old.buf);
		return false;
	}
	if (as_id) {
		old.dev = as_id->dev;
		old.ino = as_id->ino;
	}
	bool ok = reader_drain(c, f, &old, true);
	file_end(c, old.dev, old.ino);
	reader_close(&old);
	free(old.buf);
	return ok;
}

/* The log's .lo_ (found by logfile.h's rule) with its stat: its path (caller frees), or
 * NULL when there is none that can be stat'ed. */
static char *lo_find(const char *log, struct stat *st)
{
	char *lo = logfile_lo_path(log);
	char *lo_real = logfile_find(lo);
	free(lo);
	if (lo_real && stat(lo_real, st) != 0) {
		free(lo_real);
		lo_real = NULL;
	}
	return lo_real;
}

/* The identity and size of a .lo_ as lo_find stat'ed it (all 0 when it is not a file). */
static struct logtail_pos lo_identity(const char *lo_real, const struct stat *st)
{
	if (!lo_real || !S_ISREG(st->st_mode))
		return (struct logtail_pos){0};
	return (struct logtail_pos){.dev = (uint64_t)st->st_dev, .ino = (uint64_t)st->st_ino,
				    .offset = (uint64_t)st->st_size};
}

/* The first time the log is found missing: remember which .lo_ there was then. */
static void note_missing(struct lt_file *f)
{
	if (f->missing)
		return;
	f->missing = true;
	struct stat st;
	char *lo_real = lo_find(f->want, &st);
	f->lo_before = lo_identity(lo_real, &st);
	free(lo_real);
}

/*
 * The log was missing; now a file has the name. If it appeared, was written and was rolled
 * over to .lo_ between two looks (an installer that recreates its log, SMS rotating a
 * fresh file), that .lo_ holds the first lines written after the log went missing: they
 * are read first, from byte 0, so none of them is lost (finding 3). The .lo_ that was
 * already there when the log went missing (same identity and size) is older than anything
 * waited for, and stays unread. Identities, not clocks: a file system's coarse timestamps
 * could place a fresh .lo_ before the moment the log was found missing.
 */
static void read_rotated_while_missing(struct ctx *c, struct lt_file *f)
{
	f->missing = false;
	struct stat st;
	char *lo_real = lo_find(f->r.path, &st);
	struct logtail_pos now = lo_identity(lo_real, &st);
	bool fresh = (now.dev || now.ino) && now.ino != f->r.ino &&
		     !(now.dev == f->lo_before.dev && now.ino == f->lo_before.ino && now.offset == f->lo_before.offset);
	if (fresh && finish_old(c, f, lo_real, 0, NULL))
		note(c, LTN_ROTATED, lo_real, f->r.path, "appeared and was rotated before it could be read");
	free(lo_real);
}

/* Opens the live file (logfile.h's rule) at offset; reports problems once. */
static bool open_live(struct ctx *c, struct lt_file *f, uint64_t off)
{
	struct logfile_found found;
	if (logfile_resolve(f->want, &found) != LOGFILE_EXACT && found.how != LOGFILE_OTHER_CASE) {
		char *why = logfile_why_not(f->want, &found);
		note_missing(f);
		problem(c, f, PB_MISSING, "%s", why);
		free(why);
		logfile_found_free(&found);
		return false;
	}
	const char *p = found.path;
	int e = reader_open(&f->r, p, off);
	if (e) {
		if (e == EACCES || e == EPERM)
			problem(c, f, PB_UNREADABLE, "%s: cannot be read: %s", p, strerror(e));
		else if (e < 0)
			problem(c, f, PB_IOERR, "%s: cannot be read as a log: it is not a regular file", p);
		else if (e == ENOENT) {
			note_missing(f);
			problem(c, f, PB_MISSING, "%s: not found (waiting for it to appear)", f->want);
		}
		else
			problem(c, f, PB_IOERR, "%s: cannot be opened: %s", p, strerror(e));
		logfile_found_free(&found);
		return false;
	}
	logfile_found_free(&found);
	recovered(c, f, PB_MISSING | PB_UNREADABLE | PB_IOERR, f->r.path);
	if (f->missing)
		read_rotated_while_missing(c, f);
	return true;
}

/* The file no longer holds what was read up to read_to (same identity): copy-rotation
 * into .lo_, or truncation (or a rewrite in place). Reading restarts at 0. */
static void handle_shrink(struct ctx *c, struct lt_file *f, uint64_t read_to)
{
	struct stat st;
	char *lo_real = lo_find(f->r.path, &st);
	bool copied = lo_real && (uint64_t)st.st_ino != f->r.ino && (uint64_t)st.st_size >= read_to &&
		      mtime_ms(&st) + LO_COPY_MTIME_SLACK_MS >= f->last_read_ms;
	char *live = xstrdup(f->r.path);
	struct logtail_pos id = {.dev = f->r.dev, .ino = f->r.ino};
	if (copied) {
		finish_old(c, f, lo_real, read_to, &id);
		note(c, LTN_ROTATED, lo_real, live, "rotated (copied to .lo_ and truncated)");
	} else {
		file_end(c, id.dev, id.ino);
		note(c, LTN_TRUNCATED, live, live, "truncated: reading again from the start");
	}
	f->r.off = 0;
	f->r.len = 0;
	f->r.enc_known = false;
	f->r.place.off = 0;
	free(live);
	free(lo_real);
}

/* First open: reconcile the saved position with what is on disk now. */
static void start_file(struct ctx *c, struct lt_file *f)
{
	f->started = true;
	f->last_read_ms = f->saved_ms;
	if (f->start == LT_START_BEGIN || (f->start == LT_START_POS && f->saved.ino == 0 && f->saved.dev == 0)) {
		open_live(c, f, 0);
		return;
	}
	if (f->start == LT_START_END) {
		if (open_live(c, f, 0)) {
			struct stat st;
			if (fstat(f->r.fd, &st) == 0)
				f->r.off = (uint64_t)st.st_size;
		}
		return;
	}
	bool live = open_live(c, f, 0);
	if (live && f->r.dev == f->saved.dev && f->r.ino == f->saved.ino) {
		if (saved_place_holds(&f->r, &f->saved))
			f->r.off = f->saved.offset;
		else /* truncated or rewritten while steward was closed */
			handle_shrink(c, f, f->saved.offset);
		return;
	}
	/* A different file (or none) has the name: the one we read rolled over while closed. */
	struct stat st;
	char *lo_real = lo_find(live ? f->r.path : f->want, &st);
	if (lo_real && (uint64_t)st.st_dev == f->saved.dev && (uint64_t)st.st_ino == f->saved.ino) {
		finish_old(c, f, lo_real, (uint64_t)st.st_size >= f->saved.offset ? f->saved.offset : 0, NULL);
		note(c, LTN_ROTATED, lo_real, live ? f->r.path : f->want, "rotated while steward was closed");
	} else {
		/* the saved file is gone: whatever is read next is newer than all of it */
		file_end(c, f->saved.dev, f->saved.ino);
		if (f->saved.offset > 0) {
			problem(c, f, PB_LOST,
				"%s: the file read up to offset %llu before is gone (rotated more than once, or "
				"replaced); lines written to it after that could not be read",
				f->want, (unsigned long long)f->saved.offset);
			note(c, LTN_REPLACED, NULL, live ? f->r.path : f->want, "replaced while steward was closed");
		}
	}
	free(lo_real);
}

static void watch_dir(struct logtail *t, struct lt_file *f, struct ctx *c)
{
	char *dir;
	const char *slash = strrchr(f->want, '/');
	dir = slash ? xstrndup(f->want, (size_t)(slash - f->want) + (slash == f->want)) : xstrdup(".");
	struct statfs sfs;
	if (statfs(dir, &sfs) != 0) {
		problem(c, f, PB_NODIR, "%s: folder cannot be read: %s (polling)", dir, strerror(errno));
		f->polling = true;
		free(dir);
		return;
	}
	for (size_t i = 0; i < ARRAY_LEN(netfs_magic); i++)
		if ((unsigned long)sfs.f_type == netfs_magic[i])
			f->polling = true;
	if (!f->polling && !t->force_poll && t->ifd >= 0) {
		f->wd = inotify_add_watch(t->ifd, dir,
					  IN_MODIFY | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |
						  IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF);
		if (f->wd < 0)
			f->polling = true;
	} else {
		f->polling = true;
	}
	free(dir);
}

/* The live file (by logfile.h's rule) and its identity, when there is one. */
struct live {
	char *path;
	uint64_t dev, ino;
};

static bool live_find(const struct lt_file *f, struct live *out)
{
	struct stat st;
	out->path = logfile_find(f->want);
	if (out->path && stat(out->path, &st) == 0) {
		out->dev = (uint64_t)st.st_dev;
		out->ino = (uint64_t)st.st_ino;
		return true;
	}
	return false;
}

/* The reader's file was rotated (renamed to .lo_) or replaced: it was read to its end
 * through the descriptor still open; then the new live file is opened. */
static bool follow_new_file(struct ctx *c, struct lt_file *f, const struct live *lv)
{
	reader_drain(c, f, &f->r, true);
	file_end(c, f->r.dev, f->r.ino);
	struct stat sl;
	char *lo_real = lo_find(lv->path, &sl);
	bool rotated = lo_real && (uint64_t)sl.st_ino == f->r.ino && (uint64_t)sl.st_dev == f->r.dev;
	if (rotated)
		note(c, LTN_ROTATED, lo_real, lv->path, "rotated");
	else
		note(c, LTN_REPLACED, f->r.path, lv->path, "replaced by a new file");
	free(lo_real);
	return open_live(c, f, 0);
}

/* Rotations or truncations followed in one process_file call (each ends a round): a file
 * changing faster than that is read again on the next call, so one log that keeps rolling
 * over cannot starve the others. */
#define MAX_ROTATIONS_PER_CALL 8

static void process_file(struct ctx *c, struct lt_file *f)
{
	if (!f->started)
		start_file(c, f);
	if (f->r.fd < 0 && !open_live(c, f, 0))
		return;
	for (int round = 0; round < MAX_ROTATIONS_PER_CALL; round++) {
		struct live lv;
		bool have = live_find(f, &lv);
		bool same = have && lv.dev == f->r.dev && lv.ino == f->r.ino;
		if (same && !place_holds(&f->r)) {
			free(lv.path);
			handle_shrink(c, f, f->r.off);
			continue;
		}
		bool drained = reader_drain(c, f, &f->r, c->t->oneshot);
		if (f->r.off + f->r.len != f->r.place.off)
			place_take(&f->r);
		if (drained && have && !same) {
			bool opened = follow_new_file(c, f, &lv);
			free(lv.path);
			if (!opened)
				break;
			continue;
		}
		/* read to its end (or a callback stopped); a live file gone was deleted or
		 * renamed away: the next one is picked up when it appears */
		free(lv.path);
		if (drained && same)
			f->last_read_ms = util_now_ms();
		break;
	}
	note(c, LTN_IDLE, NULL, NULL, NULL);
}

/* ---- public ------------------------------------------------------------------- */

struct logtail *logtail_new(void)
{
	struct logtail *t = xcalloc(1, sizeof *t);
	t->ifd = -1;
	const char *env = getenv("STEWARD_POLL");
	t->force_poll = env && strcmp(env, "1") == 0;
	return t;
}

void logtail_free(struct logtail *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++) {
		struct lt_file *f = &t->files[i];
		reader_close(&f->r);
		free(f->r.buf);
		free(f->want);
		sb_free(&f->dec);
	}
	free(t->files);
	if (t->ifd >= 0)
		close(t->ifd);
	free(t);
}

size_t logtail_add(struct logtail *t, const char *path, enum logtail_start start,
		   const struct logtail_pos *pos, int64_t saved_ms)
{
	t->files = xreallocarray(t->files, t->n + 1, sizeof *t->files);
	struct lt_file *f = &t->files[t->n];
	memset(f, 0, sizeof *f);
	f->want = xstrdup(path);
	f->r.fd = -1;
	f->wd = -1;
	f->start = start;
	if (pos)
		f->saved = *pos;
	f->saved_ms = saved_ms;
	t->inited = false;
	return t->n++;
}

void logtail_force_polling(struct logtail *t, bool on) { t->force_poll = on; }
void logtail_set_oneshot(struct logtail *t, bool on) { t->oneshot = on; }

static void init_watches(struct logtail *t, const struct logtail_cbs *cbs, void *ctx)
{
	if (t->inited)
		return;
	t->inited = true;
	if (t->ifd < 0 && !t->force_poll)
		t->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	for (size_t i = 0; i < t->n; i++) {
		struct ctx c = {t, cbs, ctx, i};
		if (t->files[i].wd < 0 && !t->files[i].polling)
			watch_dir(t, &t->files[i], &c);
	}
}

int logtail_fd(const struct logtail *t)
{
	if (t->force_poll)
		return -1;
	for (size_t i = 0; i < t->n; i++)
		if (!t->files[i].polling)
			return t->ifd;
	return -1;
}

int logtail_timeout_ms(const struct logtail *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->files[i].polling || t->force_poll)
			return POLL_MS;
	return t->ifd >= 0 ? SAFETY_MS : POLL_MS;
}

void logtail_process(struct logtail *t, const struct logtail_cbs *cbs, void *ctx)
{
	init_watches(t, cbs, ctx);
	if (t->ifd >= 0) { /* drain; which file changed does not matter: all are checked */
		char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
		while (read(t->ifd, buf, sizeof buf) > 0)
			;
	}
	for (size_t i = 0; i < t->n; i++) {
		struct ctx c = {t, cbs, ctx, i};
		process_file(&c, &t->files[i]);
	}
}

void logtail_position(const struct logtail *t, size_t idx, struct logtail_pos *out)
{
	const struct lt_file *f = &t->files[idx];
	if (f->r.fd >= 0) {
		out->dev = f->r.dev;
		out->ino = f->r.ino;
		out->offset = f->r.off;
		out->mark = logfile_mark(f->r.fd, f->r.off);
	} else if (!f->started && f->start == LT_START_POS) {
		*out = f->saved;
	} else {
		memset(out, 0, sizeof *out);
	}
}

const char *logtail_path(const struct logtail *t, size_t idx)
{
	const struct lt_file *f = &t->files[idx];
	return f->r.path ? f->r.path : f->want;
}

bool logtail_is_polling(const struct logtail *t, size_t idx)
{
	return t->force_poll || t->files[idx].polling;
}

void logtail_ended(const struct logtail *t, struct logtail_pos *out) { *out = t->ended; }

uint64_t logtail_mark(const struct logtail *t, size_t idx, uint64_t dev, uint64_t ino, uint64_t offset)
{
	const struct lt_file *f = &t->files[idx];
	if (f->r.fd < 0 || f->r.dev != dev || f->r.ino != ino)
		return 0;
	return logfile_mark(f->r.fd, offset);
}
