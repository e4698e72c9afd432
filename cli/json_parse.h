/*
 * A small strict JSON reader (json_parse.c) for the documents the CLI reads
 * back, such as crash reports: the whole text is parsed into a read-only
 * tree, or refused with the line and column of the first fault. No library:
 * the CLI reads little JSON, and a reader this size is easy to harden.
 */
#ifndef NSYM_CLI_JSON_PARSE_H
#define NSYM_CLI_JSON_PARSE_H

#include <stdbool.h>
#include <stddef.h>

/* Caps on what a document may hold, so hostile input costs bounded memory. */
#define NSYM_JSON_MAX_DEPTH 64
#define NSYM_JSON_MAX_NODES (1u << 20)

enum nsym_jtype { NSYM_JNULL, NSYM_JBOOL, NSYM_JNUMBER, NSYM_JSTRING, NSYM_JARRAY, NSYM_JOBJECT };

struct nsym_jnode {
	enum nsym_jtype type;
	const char *key;  /* the member name inside an object, else NULL */
	const char *text; /* a string decoded, or a number as written; else NULL */
	bool boolean;     /* NSYM_JBOOL's value */
	size_t count;     /* members of an array or object */
	size_t first;     /* index of the first member; 0 when none */
	size_t next;      /* index of the next sibling; 0 when none */
};

struct nsym_json;

/*
 * Parses text[0..len) as one JSON value (RFC 8259: no comments, no trailing
 * commas, nothing after the value but white space). A string holding
 * "\u0000" is refused, since values are C strings. 0 with the document in
 * out (free with nsym_json_free), or -1 with a message in err.
 */
int nsym_json_parse(struct nsym_json **out, const char *text, size_t len, char *err,
                    size_t err_size);
void nsym_json_free(struct nsym_json *doc);

/* The top value. Nodes live as long as doc. */
const struct nsym_jnode *nsym_json_root(const struct nsym_json *doc);
/* The first member of an array or object, or the sibling after n; NULL at the end. */
const struct nsym_jnode *nsym_json_first(const struct nsym_json *doc, const struct nsym_jnode *n);
const struct nsym_jnode *nsym_json_next(const struct nsym_json *doc, const struct nsym_jnode *n);
/* obj's member named key (the first, when repeated); NULL when obj is not
 * an object or has no such member. */
const struct nsym_jnode *nsym_json_get(const struct nsym_json *doc, const struct nsym_jnode *obj,
                                       const char *key);
/* A number node that is an integer in [min, max]: 0 with it in out, else -1. */
int nsym_json_int(long long *out, const struct nsym_jnode *n, long long min, long long max);

#endif
