/*
 * Untrusted JSON through jansson, with the limits said out loud. jansson
 * bounds nesting only at a depth fixed when it was built (2048 in Debian's
 * 2.14) and would build a tree of any size, so the depth and the size are
 * checked first by one pass over the bytes, which costs nothing beside the
 * parse and makes the refusal name the limit.
 *
 * Running out of memory inside json_loadb is not safe to let jansson see:
 * its lexer drops the byte it could not keep (lex_save ignores the
 * failure), so a parse can succeed with a character missing from a string
 * (another build-id), fail an assert (abort), or scan past a token whose
 * closing quote was lost. So jansson allocates through the functions here
 * (json_set_alloc_funcs, installed when the library is loaded, before any
 * jansson call): during a parse, each block is kept on the parse's list,
 * and an allocation that fails unwinds out of jansson (longjmp) to
 * nsym_json_load, which frees what the list holds and says NSYM_ENOMEM.
 * jansson keeps the rest of its parse state on the stack. Outside a parse
 * a failure is jansson's NULL as usual.
 */
#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "napi_symbols_util.h"

/* Before each block jansson is given. */
union block {
	struct {
		union block *prev, *next; /* on the running parse's list; NULL off it */
	} link;
	max_align_t align; /* the block after it stays aligned for anything */
};

/* The parse in progress on this thread (jansson never starts one inside
 * another). Not on the stack: it changes between setjmp and longjmp. */
static _Thread_local struct {
	bool on;
	jmp_buf out;     /* where a failed allocation goes */
	union block all; /* the list head of the blocks made so far */
} parsing;

static void *json_alloc(size_t size)
{
	union block *b = size <= SIZE_MAX - sizeof(*b) ? malloc(sizeof(*b) + size) : NULL;

	if (b == NULL) {
		if (parsing.on)
			longjmp(parsing.out, 1);
		return NULL;
	}
	b->link.prev = b->link.next = NULL;
	if (parsing.on) {
		b->link.prev = &parsing.all;
		b->link.next = parsing.all.link.next;
		if (b->link.next != NULL)
			b->link.next->link.prev = b;
		parsing.all.link.next = b;
	}
	return b + 1;
}

/* A block on a parse's list is freed by that parse's thread, while it
 * runs: no other thread has seen it yet. */
static void json_release(void *p)
{
	union block *b = p != NULL ? (union block *)p - 1 : NULL;

	if (b == NULL)
		return;
	if (b->link.prev != NULL) {
		b->link.prev->link.next = b->link.next;
		if (b->link.next != NULL)
			b->link.next->link.prev = b->link.prev;
	}
	free(b);
}

/* Before main and before any jansson call: every block jansson ever frees
 * must be one of json_alloc's. */
__attribute__((constructor)) static void install(void)
{
	json_set_alloc_funcs(json_alloc, json_release);
}

/* The deepest nesting of arrays and objects in text, counted outside
 * strings; stops counting once past `stop`. */
static unsigned nesting(const char *text, size_t len, unsigned stop)
{
	unsigned depth = 0, deepest = 0;
	bool in_string = false;

	for (size_t i = 0; i < len && deepest <= stop; i++) {
		char c = text[i];
		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
		} else if (c == '"') {
			in_string = true;
		} else if (c == '[' || c == '{') {
			if (++depth > deepest)
				deepest = depth;
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	return deepest;
}

/* json_loadb with flags, its blocks on the list: 0, NSYM_EINVAL (je says
 * why) or NSYM_ENOMEM, with nothing of the parse left. */
static int parse(json_t **out, const char *text, size_t len, size_t flags, json_error_t *je)
{
	union block *b;

	*out = NULL;
	parsing.all.link.next = NULL;
	if (setjmp(parsing.out) != 0) {
		parsing.on = false;
		while ((b = parsing.all.link.next) != NULL) {
			parsing.all.link.next = b->link.next;
			free(b);
		}
		return NSYM_ENOMEM;
	}
	parsing.on = true;
	*out = json_loadb(text, len, JSON_DECODE_ANY | flags, je);
	parsing.on = false;
	/* what is left on the list is the document's: off the list it goes */
	while ((b = parsing.all.link.next) != NULL) {
		parsing.all.link.next = b->link.next;
		b->link.prev = b->link.next = NULL;
	}
	return *out != NULL ? 0 : NSYM_EINVAL;
}

static int load(json_t **out, const char *text, size_t len, const struct nsym_json_limits *limits,
                size_t flags, char *err, size_t err_size)
{
	json_error_t je;
	int rc;

	*out = NULL;
	if (len > limits->max_bytes) {
		snprintf(err, err_size, "the JSON is %zu bytes, over the limit of %zu", len,
		         limits->max_bytes);
		return NSYM_EINVAL;
	}
	if (nesting(text, len, limits->max_depth) > limits->max_depth) {
		snprintf(err, err_size, "the JSON is nested deeper than %u levels",
		         limits->max_depth);
		return NSYM_EINVAL;
	}
	rc = parse(out, text, len, flags, &je);
	if (rc == NSYM_ENOMEM)
		snprintf(err, err_size, "out of memory");
	else if (rc != 0)
		snprintf(err, err_size, "line %d, column %d: %s", je.line, je.column, je.text);
	/* jansson quotes the token it stopped at as it came ("near '\f'"),
	 * and err is shown to users: no control character of the input */
	for (char *c = err; rc != 0 && *c != '\0'; c++)
		*c = (unsigned char)*c < 0x20 || *c == 0x7f ? '?' : *c;
	return rc;
}

int nsym_json_load(json_t **out, const char *text, size_t len,
                   const struct nsym_json_limits *limits, char *err, size_t err_size)
{
	return load(out, text, len, limits, 0, err, err_size);
}

int nsym_json_load_reals(json_t **out, const char *text, size_t len,
                         const struct nsym_json_limits *limits, char *err, size_t err_size)
{
	return load(out, text, len, limits, JSON_DECODE_INT_AS_REAL, err, err_size);
}
