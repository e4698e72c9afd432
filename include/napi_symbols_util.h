/*
 * napi_symbols_util.h: the small helpers that several components of
 * napi-symbols share (the library, the CLI and the server), kept in one
 * place so each exists once: lowercase hex, and untrusted JSON read through
 * jansson with explicit limits. Same conventions as napi_symbols.h.
 */
#ifndef NAPI_SYMBOLS_UTIL_H
#define NAPI_SYMBOLS_UTIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "napi_symbols.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Hex of data[0..size) into out, which needs 2 * size + 1 bytes;
 * NUL-terminated; lowercase (identities, hashes) or uppercase (SymSrv's
 * GUIDs). Returns out. */
NSYM_EXTERN char *nsym_hex(char *out, const void *data, size_t size, bool upper);

/* What a reader of untrusted JSON accepts: a document over max_bytes or
 * nested deeper than max_depth is refused before jansson builds anything. */
struct nsym_json_limits {
	size_t max_bytes;
	unsigned max_depth;
};

/*
 * Parses text[0..len) as one JSON value (RFC 8259; no "\u0000" in strings,
 * since values are used as C strings). 0 with the value in *out (release it
 * with json_decref), or NSYM_EINVAL with one line in err: the limit that
 * was passed, or the line and column of the first fault.
 */
NSYM_EXTERN int nsym_json_load(json_t **out, const char *text, size_t len,
                               const struct nsym_json_limits *limits, char *err, size_t err_size);

#ifdef __cplusplus
}
#endif

#endif
