/*
 * Untrusted JSON through jansson, with the limits said out loud. jansson
 * bounds nesting only at a depth fixed when it was built (2048 in Debian's
 * 2.14) and would build a tree of any size, so the depth and the size are
 * checked first by one pass over the bytes, which costs nothing beside the
 * parse and makes the refusal name the limit.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "napi_symbols_util.h"

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

/*
 * Running out of memory inside jansson (2.14, and upstream as of 2.15.1):
 *
 * - It says so for some of its allocations only: a lexer it could not set
 *   up fails with no error text, a string buffer it could not grow reads
 *   as a syntax error. Its allocations go through note_malloc, which marks
 *   a failure on the thread, so a parse that failed for want of memory
 *   says so. They are malloc and free, as jansson's defaults, so values
 *   made elsewhere (the CLI and the server use jansson too) mix freely.
 *
 * - Worse, its lexer drops a byte it cannot append to the token buffer
 *   (lex_save ignores the failure), and a string token that lost its
 *   closing quote is then decoded past the end of the buffer: a heap
 *   overflow, found by the allocation-failure tests. The buffer only ever
 *   grows, so the text is parsed as the array [0.000…0, TEXT], whose first
 *   number is longer than any token of TEXT: the buffer reaches its full
 *   size on that number, where a dropped byte only cuts a number that is
 *   thrown away, and the reading of TEXT stops before its first byte (the
 *   feed then says end of input) when an allocation has failed.
 */
static _Thread_local bool alloc_failed;
static pthread_once_t funcs_once = PTHREAD_ONCE_INIT;

static void *note_malloc(size_t size)
{
	void *p = malloc(size);
	if (p == NULL)
		alloc_failed = true;
	return p;
}

static void set_funcs(void)
{
	json_set_alloc_funcs(note_malloc, free);
}

/* The longest token of text, in bytes: a string with its quotes, or a
 * number or literal. */
static size_t longest_token(const char *text, size_t len)
{
	size_t longest = 0, start = 0;
	bool in_string = false, in_word = false;

	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
		} else if (c == '"' || strchr("{}[],: \t\r\n", c) != NULL) {
			in_word = false;
			in_string = c == '"';
			start = i;
			continue;
		} else if (!in_word) {
			in_word = true;
			start = i;
		}
		if (i + 1 - start > longest)
			longest = i + 1 - start;
	}
	return longest + 1;
}

/* What jansson reads: "[0." and zeros, ",", the text, "]". */
struct feed {
	const char *text;
	size_t len;
	size_t zeros; /* of the first number */
	size_t given; /* bytes given so far */
};

#define FEED_HEAD 3 /* "[0." */

static size_t feed(void *buffer, size_t size, void *arg)
{
	struct feed *f = arg;
	char *out = buffer;
	size_t n = 0, head = FEED_HEAD + f->zeros + 1, total = head + f->len + 1;

	/* the text is given in calls of its own, and none once an allocation
	 * failed: jansson then sees the end of its input */
	if (alloc_failed)
		return 0;
	while (n < size && f->given < total) {
		size_t at = f->given;
		if (at < FEED_HEAD) {
			out[n++] = "[0."[at];
		} else if (at < head - 1) {
			size_t k = head - 1 - at < size - n ? head - 1 - at : size - n;
			memset(out + n, '0', k);
			n += k;
			f->given += k;
			continue;
		} else if (at == head - 1) {
			out[n++] = ',';
			f->given++;
			return n;
		} else if (at < total - 1) {
			size_t k = total - 1 - at < size - n ? total - 1 - at : size - n;
			memcpy(out + n, f->text + (at - head), k);
			n += k;
			f->given += k;
			continue;
		} else {
			out[n++] = ']';
		}
		f->given++;
	}
	return n;
}

static int load(json_t **out, const char *text, size_t len, const struct nsym_json_limits *limits,
                size_t flags, char *err, size_t err_size)
{
	struct feed f = {text, len, 0, 0};
	size_t head;
	json_error_t je;
	json_t *both;

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
	f.zeros = longest_token(text, len);
	head = FEED_HEAD + f.zeros + 1;
	pthread_once(&funcs_once, set_funcs);
	alloc_failed = false;
	both = json_load_callback(feed, &f, flags, &je);
	/* a value built while an allocation failed may lack what failed */
	if (alloc_failed || (both == NULL && json_error_code(&je) == json_error_out_of_memory)) {
		json_decref(both);
		snprintf(err, err_size, "out of memory parsing the JSON");
		return NSYM_ENOMEM;
	}
	if (both == NULL) {
		size_t line = 1, column = 0;
		if (je.position > 0 && (size_t)je.position > head + len) {
			/* the text ended inside a value: the fault is at its end */
			for (size_t i = 0; i < len; i++) {
				if (text[i] == '\n') {
					line++;
					column = 0;
				} else {
					column++;
				}
			}
			snprintf(err, err_size, "line %zu, column %zu: premature end of input",
			         line, column);
		} else {
			snprintf(err, err_size, "line %d, column %d: %s", je.line,
			         je.line == 1 ? je.column - (int)head : je.column, je.text);
		}
		/* jansson quotes the input's bytes ("near '\"\\<newline>'"): the
		 * detail is one line, without the input's control characters */
		for (char *c = err; *c != '\0'; c++)
			*c = (unsigned char)*c < 0x20 || *c == 0x7f ? '?' : *c;
		return NSYM_EINVAL;
	}
	*out = json_incref(json_array_get(both, 1));
	json_decref(both);
	return 0;
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
