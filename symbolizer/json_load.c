/*
 * Untrusted JSON through jansson, with the limits said out loud. jansson
 * bounds nesting only at a depth fixed when it was built (2048 in Debian's
 * 2.14) and would build a tree of any size, so the depth and the size are
 * checked first by one pass over the bytes, which costs nothing beside the
 * parse and makes the refusal name the limit.
 */
#include <stdbool.h>
#include <stdio.h>

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

static int load(json_t **out, const char *text, size_t len, const struct nsym_json_limits *limits,
                size_t flags, char *err, size_t err_size)
{
	json_error_t je;

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
	*out = json_loadb(text, len, JSON_DECODE_ANY | flags, &je);
	if (*out == NULL && json_error_code(&je) == json_error_out_of_memory) {
		snprintf(err, err_size, "out of memory parsing the JSON");
		return NSYM_ENOMEM;
	}
	if (*out == NULL) {
		snprintf(err, err_size, "line %d, column %d: %s", je.line, je.column, je.text);
		return NSYM_EINVAL;
	}
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
