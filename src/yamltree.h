/*
 * yamltree.h — internal to the runbook loader: a YAML document read with libyaml's
 * event API into a small tree of scalars, sequences and mappings, each node carrying
 * its 1-based line:column. Every scalar is a string (no booleans, no numbers).
 *
 * Invariants: the tree is complete and well-formed whenever yamltree_parse returns a
 * tree; every node, string and array lives in the tree's arena and goes with
 * yamltree_free (no per-node allocation: loading is dominated by libyaml, not malloc); aliases are refused (no expansion is ever done, so "billion laughs" cannot
 * grow memory), nesting deeper than YAMLTREE_MAX_DEPTH is refused, and one stream
 * holds at most one document. Not part of the public API.
 */
#ifndef STEWARD_YAMLTREE_H
#define STEWARD_YAMLTREE_H

#include <stdbool.h>
#include <stddef.h>

#define YAMLTREE_MAX_DEPTH 64

enum yn_kind { YN_SCALAR, YN_SEQ, YN_MAP };

struct yn_pair;

struct yn {
	enum yn_kind kind;
	int line;           /* 1-based */
	int col;            /* 1-based */
	char *str;          /* YN_SCALAR: the value, NUL-terminated (never NULL) */
	size_t len;         /* YN_SCALAR: bytes in str */
	bool plain;         /* YN_SCALAR: unquoted, not a block scalar */
	struct yn **items;  /* YN_SEQ */
	struct yn_pair *pairs; /* YN_MAP, in document order */
	size_t n;           /* items or pairs */
};

struct yn_pair {
	struct yn *key;
	struct yn *val;
};

struct yn_chunk;

struct yamltree {
	struct yn *root;
	struct yn_chunk *chunks; /* the arena */
};

/* Why a parse failed: where (1-based) and a one-line message (owned: yamltree_error_free). */
struct yamltree_error {
	int line, col;
	char *msg;
};
void yamltree_error_free(struct yamltree_error *err);

/*
 * Parses text (len bytes). Returns a tree (free with yamltree_free), or NULL with err
 * (when not NULL) saying where and why: a syntax error, an alias, too deep, too many
 * values, a second document, an empty document. The runbook loader turns it into its
 * diagnostic; this parser knows nothing of runbooks beyond the words of its messages.
 */
struct yamltree *yamltree_parse(const char *text, size_t len, struct yamltree_error *err);
void yamltree_free(struct yamltree *tree);
/* "a string", "a list", "a mapping" — for messages. */
const char *yamltree_kind_name(enum yn_kind kind);

#endif
