/*
 * Identities as clients write them → the store's keys (lowercase hex).
 * Shared by the routes that take identities from clients: the SymSrv/SSQP
 * paths (route_symsrv.c) and /api/v1/missing (route_missing.c).
 */
#ifndef NSYM_SERVER_KEYS_H
#define NSYM_SERVER_KEYS_H

#include <stddef.h>

/* Hex digits a key may have: a build-id of 64 bytes is the longest. */
#define NSYM_KEY_MIN_HEX 8
#define NSYM_KEY_MAX_HEX 128

/*
 * Writes the key for the `len` bytes of text into out (at least
 * NSYM_KEY_MAX_HEX + 1 bytes): hex digits in any case, lowercased, or a
 * UUID written 8-4-4-4-12 with dashes, which are dropped. 0, or -1 when
 * the text is neither or its length is out of bounds.
 */
int nsym_key_parse(char *out, size_t size, const char *text, size_t len);

#endif
