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

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "steward/util.h"

/* Bounds that keep hostile input from eating memory: a 50-step runbook has ~1,500 nodes. */
#define YAMLTREE_MAX_NODES 500000

struct frame {
	struct yn *node;
	struct yn *pending_key; /* YN_MAP: a key waiting for its value */
	size_t cap;
};

struct builder {
	struct frame stack[YAMLTREE_MAX_DEPTH + 1];
	size_t depth;
	struct yn *root;
	size_t nodes;
	int documents;
};

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

void yamltree_free(struct yn *node)
{
	if (!node)
		return;
	if (node->kind == YN_SEQ) {
		for (size_t i = 0; i < node->n; i++)
			yamltree_free(node->items[i]);
		free(node->items);
	} else if (node->kind == YN_MAP) {
		for (size_t i = 0; i < node->n; i++) {
			yamltree_free(node->pairs[i].key);
			yamltree_free(node->pairs[i].val);
		}
		free(node->pairs);
	}
	free(node->str);
	free(node);
}

static struct yn *node_new(enum yn_kind kind, yaml_mark_t mark)
{
	struct yn *n = xcalloc(1, sizeof(*n));
	n->kind = kind;
	n->line = (int)mark.line + 1;
	n->col = (int)mark.column + 1;
	return n;
}

/* Attaches child to the innermost open container (or makes it the root). */
static void attach(struct builder *b, struct yn *child)
{
	if (b->depth == 0) {
		if (!b->root)
			b->root = child;
		else
			yamltree_free(child); /* cannot happen: one node per document */
		return;
	}
	struct frame *f = &b->stack[b->depth - 1];
	struct yn *parent = f->node;
	if (parent->kind == YN_SEQ) {
		if (parent->n == f->cap) {
			f->cap = f->cap ? f->cap * 2 : 4;
			parent->items = xreallocarray(parent->items, f->cap, sizeof(*parent->items));
		}
		parent->items[parent->n++] = child;
	} else if (!f->pending_key) {
		f->pending_key = child;
	} else {
		if (parent->n == f->cap) {
			f->cap = f->cap ? f->cap * 2 : 4;
			parent->pairs = xreallocarray(parent->pairs, f->cap, sizeof(*parent->pairs));
		}
		parent->pairs[parent->n].key = f->pending_key;
		parent->pairs[parent->n].val = child;
		parent->n++;
		f->pending_key = NULL;
	}
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

static void report_parser_error(const yaml_parser_t *p, const char *text, size_t len,
				const char *name, struct rb_diags *diags)
{
	const char *problem = p->problem ? p->problem : "malformed YAML";
	if (p->error == YAML_READER_ERROR) {
		int line, col;
		offset_pos(text, len, p->problem_offset, &line, &col);
		if (p->problem_value != -1)
			rb_diags_add(diags, name, line, col, "YAML syntax error: %s (byte 0x%02X)", problem,
				     (unsigned)p->problem_value & 0xFFu);
		else
			rb_diags_add(diags, name, line, col, "YAML syntax error: %s", problem);
		return;
	}
	if (p->error == YAML_MEMORY_ERROR) {
		rb_diags_add(diags, name, 1, 1, "YAML parser ran out of memory");
		return;
	}
	int line = (int)p->problem_mark.line + 1;
	int col = (int)p->problem_mark.column + 1;
	if (p->context)
		rb_diags_add(diags, name, line, col, "YAML syntax error: %s %s (line %d, column %d)",
			     problem, p->context, (int)p->context_mark.line + 1,
			     (int)p->context_mark.column + 1);
	else
		rb_diags_add(diags, name, line, col, "YAML syntax error: %s", problem);
}

/* Handles one event; false (with a diagnostic) ends the parse. */
static bool on_event(struct builder *b, const yaml_event_t *ev, const char *name,
		     struct rb_diags *diags)
{
	int line = (int)ev->start_mark.line + 1;
	int col = (int)ev->start_mark.column + 1;
	struct yn *n;

	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++b->documents > 1) {
			rb_diags_add(diags, name, line, col,
				     "more than one YAML document: a runbook file holds exactly one");
			return false;
		}
		return true;
	case YAML_ALIAS_EVENT:
		rb_diags_add(diags, name, line, col,
			     "YAML aliases (*%s) are not allowed in runbooks: write the value out",
			     (const char *)ev->data.alias.anchor);
		return false;
	case YAML_SCALAR_EVENT:
		if (memchr(ev->data.scalar.value, '\0', ev->data.scalar.length)) {
			rb_diags_add(diags, name, line, col, "a value contains a NUL character");
			return false;
		}
		n = node_new(YN_SCALAR, ev->start_mark);
		n->str = xstrndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
		n->len = ev->data.scalar.length;
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		break;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (b->depth >= YAMLTREE_MAX_DEPTH) {
			rb_diags_add(diags, name, line, col,
				     "nesting deeper than %d levels: this is not a runbook",
				     YAMLTREE_MAX_DEPTH);
			return false;
		}
		n = node_new(ev->type == YAML_SEQUENCE_START_EVENT ? YN_SEQ : YN_MAP, ev->start_mark);
		break;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		if (b->depth > 0) {
			struct frame *f = &b->stack[b->depth - 1];
			yamltree_free(f->pending_key); /* only on malformed streams */
			f->pending_key = NULL;
			b->depth--;
		}
		return true;
	default:
		return true;
	}

	if (++b->nodes > YAMLTREE_MAX_NODES) {
		yamltree_free(n);
		rb_diags_add(diags, name, line, col, "more than %d YAML values: this is not a runbook",
			     YAMLTREE_MAX_NODES);
		return false;
	}
	attach(b, n);
	if (n->kind != YN_SCALAR) {
		b->stack[b->depth].node = n;
		b->stack[b->depth].pending_key = NULL;
		b->stack[b->depth].cap = 0;
		b->depth++;
	}
	return true;
}

bool yamltree_parse(const char *text, size_t len, const char *name, struct yn **root,
		    struct rb_diags *diags)
{
	yaml_parser_t parser;
	struct builder b;
	bool ok = true, done = false;

	*root = NULL;
	memset(&b, 0, sizeof(b));
	if (!yaml_parser_initialize(&parser))
		util_fatal("libyaml: cannot initialise a parser");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);

	while (ok && !done) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&parser, &ev)) {
			report_parser_error(&parser, text, len, name, diags);
			ok = false;
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		ok = on_event(&b, &ev, name, diags);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);

	/* The root owns everything attached so far; pending keys of open frames do not. */
	for (size_t i = 0; i < b.depth; i++)
		yamltree_free(b.stack[i].pending_key);
	if (!ok) {
		yamltree_free(b.root);
		return false;
	}
	if (!b.root) {
		rb_diags_add(diags, name, 1, 1, "the file holds no YAML document: a runbook is a mapping "
						 "starting with 'runbook: 1'");
		return false;
	}
	*root = b.root;
	return true;
}
