/*
 * napi_symbols_json.h: JSON read without jansson's tree, for the request
 * bodies the server reads most (the crash report, Mozilla's v5 request):
 * reading them through jansson's tree of allocations was 40% of a
 * symbolicate request's CPU time (docs/performance.md, "symbolicate
 * route"). Everything else reads JSON through jansson (nsym_json_load).
 *
 * A pull reader builds nothing: the caller pulls one value at a time and
 * keeps what it needs, pointing into the text. A tape (below) is the same
 * reading kept as one array, for a reader that looks members up as it
 * would in a tree.
 *
 * It accepts exactly what RFC 8259 calls JSON text, as jansson does with
 * JSON_DECODE_ANY (tests/unit/test_json_pull.c holds it to jansson):
 * strings of valid UTF-8 with valid escapes and no "\u0000", numbers by
 * the grammar, integers that fit a long long, nothing after the value.
 * It allocates nothing, and the depth it descends is bounded.
 *
 *	struct nsym_jp jp;
 *	struct nsym_jp_value v;
 *	bool first = true;
 *	nsym_jp_start(&jp, text, len, 16);
 *	if (nsym_jp_value(&jp, &v) == 0 && v.kind == NSYM_JP_OBJECT)
 *		while ((rc = nsym_jp_member(&jp, &first, &key)) > 0)
 *			... nsym_jp_value(&jp, &v), then nsym_jp_skip(&jp, &v) ...
 *	rc = nsym_jp_end(&jp);
 *
 * Every call returns a negative value once the text is found not to be
 * JSON, and keeps returning it; jp.why then says where and why.
 */
#ifndef NAPI_SYMBOLS_JSON_H
#define NAPI_SYMBOLS_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "napi_symbols.h"

enum nsym_jp_kind {
	NSYM_JP_OBJECT, /* its members follow: nsym_jp_member */
	NSYM_JP_ARRAY,  /* its items follow: nsym_jp_item */
	NSYM_JP_STRING,
	NSYM_JP_NUMBER,
	NSYM_JP_TRUE,
	NSYM_JP_FALSE,
	NSYM_JP_NULL
};

/* A string as it is written between its quotes (escapes undone only by
 * nsym_jp_unescape), or a number's text. */
struct nsym_jp_text {
	const char *p;
	size_t len;
	bool escaped; /* a string with a backslash in it */
};

struct nsym_jp_value {
	enum nsym_jp_kind kind;
	struct nsym_jp_text text; /* NSYM_JP_STRING and NSYM_JP_NUMBER */
	bool integer;             /* a number with neither fraction nor exponent */
	long long n;              /* its value, when integer */
};

struct nsym_jp {
	const char *start, *p, *end;
	unsigned depth, max_depth;
	bool failed;
	char why[160]; /* "line L, column C: what", once failed */
};

NSYM_EXTERN void nsym_jp_start(struct nsym_jp *jp, const char *text, size_t len,
                               unsigned max_depth);
/* The next value: 0, or -1 (jp->why says why). An object or array is
 * entered: its members or items are read next, and it counts towards the
 * depth (past max_depth is an error) until they end. */
NSYM_EXTERN int nsym_jp_value(struct nsym_jp *jp, struct nsym_jp_value *v);
/* In an object: 1 with the next member's name in key (its value next), 0
 * at the end of the object (left), -1. *first is true before the first
 * member, and set false. */
NSYM_EXTERN int nsym_jp_member(struct nsym_jp *jp, bool *first, struct nsym_jp_text *key);
/* In an array: 1 when an item follows (read it next), 0 at the end of the
 * array (left), -1. */
NSYM_EXTERN int nsym_jp_item(struct nsym_jp *jp, bool *first);
/* Passes over what is left of v: the members or items of an object or
 * array just entered; nothing for others. 0 or -1. */
NSYM_EXTERN int nsym_jp_skip(struct nsym_jp *jp, const struct nsym_jp_value *v);
/* After the top value: 0 when only white space follows, else -1. */
NSYM_EXTERN int nsym_jp_end(struct nsym_jp *jp);

/* The string t with its escapes undone into out (t->len + 1 bytes is
 * always enough: no escape is shorter than what it stands for);
 * NUL-terminated. Returns the length. t must be one nsym_jp returned,
 * which it has checked. */
NSYM_EXTERN size_t nsym_jp_unescape(char *out, const struct nsym_jp_text *t);
/* Whether t, unescaped, is s. */
NSYM_EXTERN bool nsym_jp_is(const struct nsym_jp_text *t, const char *s);

/*
 * A tape: the whole text read into one array of nodes, in the order of
 * the text, a subtree's nodes after its root; an object's members as a
 * name (a string node) then its value. Nothing points out of the text
 * but the array. Node 0 is the top value.
 */
struct nsym_json_node {
	struct nsym_jp_value v;
	size_t size; /* an object's members, an array's items */
	size_t next; /* the node after this one's subtree */
};

struct nsym_json_tape {
	struct nsym_json_node *nodes;
	size_t count, cap;
	char why[160]; /* nsym_jp's, when the text is not JSON */
};

/* The text read whole (nothing but white space after its value), at most
 * max_depth deep: 0; NSYM_EINVAL with tape->why; or NSYM_ENOMEM. The tape
 * is to be freed either way. */
NSYM_EXTERN int nsym_json_tape_read(struct nsym_json_tape *tape, const char *text, size_t len,
                                    unsigned max_depth);
NSYM_EXTERN void nsym_json_tape_free(struct nsym_json_tape *tape);
/* In the object at node `at`, the value of the last member named key
 * (jansson keeps the last of a repeated name): its node, or 0 when there
 * is none or `at` is no object. */
NSYM_EXTERN size_t nsym_json_get(const struct nsym_json_tape *tape, size_t at, const char *key);
/* The first item of the array at node `at` (at + 1), then each next one
 * (nodes[item].next), `size` of them. */

#endif
