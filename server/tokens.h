/*
 * API tokens: "nsym_<id>_<secret>". The store keeps the SHA-256 of the
 * secret, never the secret; a presented token is looked up by its id and
 * its secret's hash compared in constant time.
 */
#ifndef NSYM_SERVER_TOKENS_H
#define NSYM_SERVER_TOKENS_H

#include <stddef.h>

#include "server.h" /* enum nsym_scope, NSYM_TOKEN_MAX, nsym_scope_parse/name */
#include "store.h"

/* Creates a token; out (NSYM_TOKEN_MAX bytes) receives the only copy of it. */
int nsym_token_create(struct nsym_store *s, char *out, const char *name, enum nsym_scope scope);

/* Checks a presented token. 0 and its scope and name when it is valid and
 * not revoked; NSYM_ENOENT when it is not; another code when the store
 * could not be asked (the database unreachable), which is no answer about
 * the token (the reason in the store's errmsg either way). */
int nsym_token_check(struct nsym_store *s, enum nsym_scope *out_scope, char *out_name,
                     size_t name_size, const char *presented);

#endif
