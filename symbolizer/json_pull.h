/*
 * A JSON reader that builds nothing: the caller pulls one value at a time
 * and keeps what it needs, pointing into the text. For the crash report,
 * whose reading through jansson's tree was 40% of a symbolicate request's
 * CPU time (docs/performance.md, "symbolicate route"); everything else
 * reads JSON through jansson (json_load.c).
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
#ifndef NSYM_JSON_PULL_H
#define NSYM_JSON_PULL_H

#include <stdbool.h>
#include <stddef.h>

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

void nsym_jp_start(struct nsym_jp *jp, const char *text, size_t len, unsigned max_depth);
/* The next value: 0, or -1 (jp->why says why). An object or array is
 * entered: its members or items are read next, and it counts towards the
 * depth (past max_depth is an error) until they end. */
int nsym_jp_value(struct nsym_jp *jp, struct nsym_jp_value *v);
/* In an object: 1 with the next member's name in key (its value next), 0
 * at the end of the object (left), -1. *first is true before the first
 * member, and set false. */
int nsym_jp_member(struct nsym_jp *jp, bool *first, struct nsym_jp_text *key);
/* In an array: 1 when an item follows (read it next), 0 at the end of the
 * array (left), -1. */
int nsym_jp_item(struct nsym_jp *jp, bool *first);
/* Passes over what is left of v: the members or items of an object or
 * array just entered; nothing for others. 0 or -1. */
int nsym_jp_skip(struct nsym_jp *jp, const struct nsym_jp_value *v);
/* After the top value: 0 when only white space follows, else -1. */
int nsym_jp_end(struct nsym_jp *jp);

/* The string t with its escapes undone into out (t->len + 1 bytes is
 * always enough: no escape is shorter than what it stands for);
 * NUL-terminated. Returns the length. t must be one nsym_jp returned,
 * which it has checked. */
size_t nsym_jp_unescape(char *out, const struct nsym_jp_text *t);
/* Whether t, unescaped, is s. */
bool nsym_jp_is(const struct nsym_jp_text *t, const char *s);

#endif
