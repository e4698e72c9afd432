/*
 * napi_symbols_util.h: the small helpers that several components of
 * napi-symbols share (the library, the CLI and the server), kept in one
 * place so each exists once: lowercase hex, hashes, untrusted JSON read
 * through jansson with explicit limits, JSON strings written out, and npm
 * package names checked (the CLI sends them, the server records them). Same
 * conventions as napi_symbols.h.
 */
#ifndef NAPI_SYMBOLS_UTIL_H
#define NAPI_SYMBOLS_UTIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "napi_symbols.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Hex of data[0..size) into out, which needs 2 * size + 1 bytes;
 * NUL-terminated; lowercase (identities, hashes) or uppercase (SymSrv's
 * GUIDs). Returns out. */
NSYM_EXTERN char *nsym_hex(char *out, const void *data, size_t size, bool upper);
/* v in decimal, or with hex set as "0x" and lowercase hex digits, at the
 * end of out (NSYM_NUM_MAX bytes, no NUL); returns where it starts, the
 * length being out + NSYM_NUM_MAX minus that. For writers that put many
 * numbers: printf's format parsing was a tenth of a symbolicate answer. */
#define NSYM_NUM_MAX 24
NSYM_EXTERN char *nsym_num(char out[NSYM_NUM_MAX], uint64_t v, bool hex);

/* ---- hashes (libcrypto's EVP) ------------------------------------------- */

enum nsym_hash_kind {
	NSYM_HASH_SHA1,  /* the fallback identity of ELF files without a build-id */
	NSYM_HASH_SHA256 /* blobs by content, tokens, sources, code signatures */
};
#define NSYM_HASH_MAX_SIZE 32 /* bytes of the largest digest */
#define NSYM_SHA256_HEX    65 /* a SHA-256 in hex, with its NUL */

/* A running hash; opaque. Not for use by two threads at once. */
typedef struct nsym_hash nsym_hash;

/* A new hash of `kind`: 0, or NSYM_ENOMEM (libcrypto could not set it up). */
NSYM_EXTERN int nsym_hash_new(nsym_hash **out, enum nsym_hash_kind kind);
/* A second hash that goes on from where h is. 0 or NSYM_ENOMEM. */
NSYM_EXTERN int nsym_hash_copy(nsym_hash **out, const nsym_hash *h);
NSYM_EXTERN int nsym_hash_update(nsym_hash *h, const void *data, size_t size);
/* The digest of everything given so far, into out (20 or 32 bytes); the
 * hash takes no more data after. 0, or NSYM_ENOMEM. */
NSYM_EXTERN int nsym_hash_final(unsigned char *out, nsym_hash *h);
/* Starts h afresh, with the same kind and nothing given: for many small
 * digests in a row without a new hash each. 0, or NSYM_ENOMEM. */
NSYM_EXTERN int nsym_hash_reset(nsym_hash *h);
/* nsym_hash_final, as lowercase hex (out: 2 * NSYM_HASH_MAX_SIZE + 1). */
NSYM_EXTERN int nsym_hash_final_hex(char *out, nsym_hash *h);
NSYM_EXTERN void nsym_hash_free(nsym_hash *h);

/* What a reader of untrusted JSON accepts: a document over max_bytes or
 * nested deeper than max_depth is refused before jansson builds anything. */
struct nsym_json_limits {
	size_t max_bytes;
	unsigned max_depth;
};

/*
 * Parses text[0..len) as one JSON value (RFC 8259; no "\u0000" in strings,
 * since values are used as C strings). 0 with the value in *out (release it
 * with json_decref); NSYM_EINVAL with one line in err: the limit that was
 * passed, or "line L, column C: what" of the first fault (what it quotes
 * of the text has control characters as '?'); or NSYM_ENOMEM ("out of
 * memory" in err), never a value jansson built short of memory. For that,
 * libnsym gives jansson its allocator when it is loaded
 * (json_set_alloc_funcs): a program that links libnsym must not set another.
 */
NSYM_EXTERN int nsym_json_load(json_t **out, const char *text, size_t len,
                               const struct nsym_json_limits *limits, char *err, size_t err_size);
/*
 * nsym_json_load, with every number read as a double (json_real, so read
 * it with json_number_value): for documents holding integers past 2^63,
 * which jansson otherwise refuses whole (the registers of Apple's .ips
 * crash reports). Integers stay exact up to 2^53.
 */
NSYM_EXTERN int nsym_json_load_reals(json_t **out, const char *text, size_t len,
                                     const struct nsym_json_limits *limits, char *err,
                                     size_t err_size);

/*
 * Writes s as a quoted JSON string through put, which receives the output
 * in pieces, in order: quotes, backslashes and control bytes escaped, valid
 * UTF-8 passed through, and each byte of an invalid UTF-8 sequence written
 * as U+FFFD, so the output is always valid JSON whatever bytes s holds.
 * JSON is read with jansson but written here: jansson refuses a string
 * that is not valid UTF-8 (json_string gives NULL) instead of mending it,
 * and names in crashes and uploads may hold any bytes.
 */
NSYM_EXTERN void nsym_json_quote(void (*put)(void *arg, const char *p, size_t n), void *arg,
                                 const char *s);
/* nsym_json_quote into a stdio stream. */
NSYM_EXTERN void nsym_json_string(FILE *out, const char *s);

/* ---- npm packages ------------------------------------------------------- */

/* npm's own cap on a name, scope included. */
#define NSYM_NPM_NAME_MAX 214
/* A version's cap: semver sets none, and real ones are short. */
#define NSYM_NPM_VERSION_MAX 64

/*
 * Splits text, "NAME" or "NAME@VERSION" (the package an artifact came in,
 * e.g. "@napi-rs/canvas-linux-x64-gnu@0.1.65"), into out_name (which needs
 * NSYM_NPM_NAME_MAX + 1 bytes) and out_version (NSYM_NPM_VERSION_MAX + 1;
 * "" when text has none). A name is what npm accepts for a new package: at
 * most NSYM_NPM_NAME_MAX bytes of lowercase letters, digits, '-', '.', '_'
 * and '~', not starting with '.' or '_', optionally under one "@scope/" of
 * the same characters. A version is semver's MAJOR.MINOR.PATCH (numbers
 * without leading zeros), optionally followed by "-PRERELEASE" and
 * "+BUILD" of letters, digits, '-' and '.'. With need_version, a text
 * without a version is refused too. 0; or NSYM_EINVAL with both outputs ""
 * and one sentence in why. Reads only text; allocates nothing; reentrant.
 */
NSYM_EXTERN int nsym_npm_package_split(char *out_name, char *out_version, const char *text,
                                       bool need_version, char *why, size_t why_size);

#ifdef __cplusplus
}
#endif

#endif
