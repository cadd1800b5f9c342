/*
 * yamltree.c — libyaml events -> a tree of nodes with line:column marks (see yamltree.h).
 *
 * Why the event API and not libyaml's document API: the document loader expands
 * aliases and keeps no column of a mapping key that we can reach cheaply; building
 * our own tree lets us refuse aliases outright, bound depth and node count, and keep
 * a mark on every key and value. Only one syntax problem is ever reported: libyaml
 * cannot resume after an error.
 */
#include "yamltree.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "steward/util.h"

/* Bounds that keep hostile input from eating memory: a 50-step runbook has ~1,500 nodes. */
#define YAMLTREE_MAX_NODES 500000
#define CHUNK_BYTES (64u * 1024)

struct yn_chunk {
	struct yn_chunk *next;
	size_t used, cap;
	max_align_t data[]; /* cap bytes */
};

struct frame {
	struct yn *node;
	size_t first; /* index in the scratch stack of this container's first child */
};

struct builder {
	struct yamltree *tree;
	struct frame stack[YAMLTREE_MAX_DEPTH + 1];
	size_t depth;
	struct yn **scratch; /* children of every open container, innermost on top */
	size_t n_scratch, cap_scratch;
	size_t nodes;
	int documents;
};

/* Bump allocation from the tree's arena; memory is zeroed. */
static void *arena_alloc(struct yamltree *t, size_t n)
{
	n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	struct yn_chunk *c = t->chunks;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > CHUNK_BYTES ? n : CHUNK_BYTES;
		c = xmalloc(sizeof(*c) + cap);
		c->cap = cap;
		c->used = 0;
		c->next = t->chunks;
		t->chunks = c;
	}
	void *p = (char *)c->data + c->used;
	c->used += n;
	memset(p, 0, n);
	return p;
}

const char *yamltree_kind_name(enum yn_kind kind)
{
	switch (kind) {
	case YN_SCALAR:
		return "a string";
	case YN_SEQ:
		return "a list";
	case YN_MAP:
		return "a mapping";
	}
	return "a value";
}

void yamltree_error_free(struct yamltree_error *err)
{
	free(err->msg);
	err->msg = NULL;
}

void yamltree_free(struct yamltree *tree)
{
	if (!tree)
		return;
	for (struct yn_chunk *c = tree->chunks, *next; c; c = next) {
		next = c->next;
		free(c);
	}
	free(tree);
}

static struct yn *node_new(struct builder *b, enum yn_kind kind, yaml_mark_t mark)
{
	struct yn *n = arena_alloc(b->tree, sizeof(*n));
	n->kind = kind;
	n->line = (int)mark.line + 1;
	n->col = (int)mark.column + 1;
	return n;
}

/* Attaches child to the innermost open container (or makes it the root). */
static void attach(struct builder *b, struct yn *child)
{
	if (b->depth == 0) {
		if (!b->tree->root)
			b->tree->root = child;
		return;
	}
	if (b->n_scratch == b->cap_scratch) {
		b->cap_scratch = b->cap_scratch ? b->cap_scratch * 2 : 256;
		b->scratch = xreallocarray(b->scratch, b->cap_scratch, sizeof(*b->scratch));
	}
	b->scratch[b->n_scratch++] = child;
}

/* Moves the finished container's children from the scratch stack into the arena. */
static void close_container(struct builder *b)
{
	struct frame *f = &b->stack[--b->depth];
	struct yn *node = f->node;
	size_t count = b->n_scratch - f->first;
	/* `[]` or `{}` before any child was seen: scratch is still NULL, and NULL + 0 or
	 * memcpy from NULL is undefined behaviour even for zero bytes. */
	struct yn **kids = count ? b->scratch + f->first : NULL;
	if (node->kind == YN_SEQ) {
		node->n = count;
		node->items = arena_alloc(b->tree, (count ? count : 1) * sizeof(*node->items));
		if (count)
			memcpy(node->items, kids, count * sizeof(*kids));
	} else {
		node->n = count / 2; /* an odd count only on malformed streams */
		node->pairs = arena_alloc(b->tree, (node->n ? node->n : 1) * sizeof(*node->pairs));
		for (size_t i = 0; i < node->n; i++) {
			node->pairs[i].key = kids[2 * i];
			node->pairs[i].val = kids[2 * i + 1];
		}
	}
	b->n_scratch = f->first;
}

/* Line and column of a byte offset (for reader errors, which carry no mark). */
static void offset_pos(const char *text, size_t len, size_t off, int *line, int *col)
{
	int l = 1, c = 1;
	if (off > len)
		off = len;
	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n') {
			l++;
			c = 1;
		} else if (((unsigned char)text[i] & 0xC0) != 0x80) {
			c++;
		}
	}
	*line = l;
	*col = c;
}

/* Sets the one error a parse ends with (err may be NULL: the caller wants no reason). */
static void fail(struct yamltree_error *err, int line, int col, const char *fmt, ...) PRINTF_LIKE(4, 5);
static void fail(struct yamltree_error *err, int line, int col, const char *fmt, ...)
{
	if (!err)
		return;
	free(err->msg);
	*err = (struct yamltree_error){.line = line, .col = col};
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	err->msg = sb_take(&sb);
}

static void report_parser_error(const yaml_parser_t *p, const char *text, size_t len,
				struct yamltree_error *err)
{
	const char *problem = p->problem ? p->problem : "malformed YAML";
	if (p->error == YAML_READER_ERROR) {
		int line, col;
		offset_pos(text, len, p->problem_offset, &line, &col);
		/* libyaml's value is the offending octet for UTF-8 octet errors, and the
		 * character itself for "invalid Unicode character" / "control characters". */
		if (p->problem_value != -1 && strstr(problem, "octet"))
			fail(err, line, col, "YAML syntax error: %s (byte 0x%02X)", problem,
				     (unsigned)p->problem_value & 0xFFu);
		else if (p->problem_value != -1)
			fail(err, line, col, "YAML syntax error: %s (U+%04X)", problem,
				     (unsigned)p->problem_value);
		else
			fail(err, line, col, "YAML syntax error: %s", problem);
		return;
	}
	if (p->error == YAML_MEMORY_ERROR) {
		fail(err, 1, 1, "YAML parser ran out of memory");
		return;
	}
	int line = (int)p->problem_mark.line + 1;
	int col = (int)p->problem_mark.column + 1;
	if (p->context)
		fail(err, line, col, "YAML syntax error: %s %s (line %d, column %d)",
			     problem, p->context, (int)p->context_mark.line + 1,
			     (int)p->context_mark.column + 1);
	else
		fail(err, line, col, "YAML syntax error: %s", problem);
}

/* Handles one event; false (with a diagnostic) ends the parse. */
static bool on_event(struct builder *b, const yaml_event_t *ev, struct yamltree_error *err)
{
	int line = (int)ev->start_mark.line + 1;
	int col = (int)ev->start_mark.column + 1;
	struct yn *n;

	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++b->documents > 1) {
			fail(err, line, col,
				     "more than one YAML document: a runbook file holds exactly one");
			return false;
		}
		return true;
	case YAML_ALIAS_EVENT:
		fail(err, line, col,
			     "YAML aliases (*%s) are not allowed in runbooks: write the value out",
			     (const char *)ev->data.alias.anchor);
		return false;
	case YAML_SCALAR_EVENT:
		if (memchr(ev->data.scalar.value, '\0', ev->data.scalar.length)) {
			fail(err, line, col, "a value contains a NUL character");
			return false;
		}
		n = node_new(b, YN_SCALAR, ev->start_mark);
		n->len = ev->data.scalar.length;
		n->str = arena_alloc(b->tree, n->len + 1);
		memcpy(n->str, ev->data.scalar.value, n->len);
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		break;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (b->depth >= YAMLTREE_MAX_DEPTH) {
			fail(err, line, col,
				     "nesting deeper than %d levels: this is not a runbook",
				     YAMLTREE_MAX_DEPTH);
			return false;
		}
		n = node_new(b, ev->type == YAML_SEQUENCE_START_EVENT ? YN_SEQ : YN_MAP, ev->start_mark);
		break;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		if (b->depth > 0)
			close_container(b);
		return true;
	default:
		return true;
	}

	if (++b->nodes > YAMLTREE_MAX_NODES) {
		fail(err, line, col, "more than %d YAML values: this is not a runbook",
			     YAMLTREE_MAX_NODES);
		return false;
	}
	attach(b, n);
	if (n->kind != YN_SCALAR) {
		b->stack[b->depth].node = n;
		b->stack[b->depth].first = b->n_scratch;
		b->depth++;
	}
	return true;
}

struct yamltree *yamltree_parse(const char *text, size_t len, struct yamltree_error *err)
{
	yaml_parser_t parser;
	struct builder b;
	bool ok = true, done = false;

	memset(&b, 0, sizeof(b));
	b.tree = xcalloc(1, sizeof(*b.tree));
	if (!yaml_parser_initialize(&parser))
		util_fatal("libyaml: cannot initialise a parser");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);

	while (ok && !done) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&parser, &ev)) {
			report_parser_error(&parser, text, len, err);
			ok = false;
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		ok = on_event(&b, &ev, err);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	free(b.scratch);

	if (ok && !b.tree->root) {
		fail(err, 1, 1, "the file holds no YAML document: a runbook is a mapping "
						 "starting with 'runbook: 1'");
		ok = false;
	}
	if (!ok) {
		yamltree_free(b.tree);
		return NULL;
	}
	return b.tree;
}
