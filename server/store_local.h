/*
 * What the files of the embedded store (store_local.c, and
 * store_local_tokens.c for API tokens) share: the store's own struct and
 * the helpers that fill in its error message. Internal to the server.
 */
#ifndef NSYM_SERVER_STORE_LOCAL_H
#define NSYM_SERVER_STORE_LOCAL_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct local_store {
	struct nsym_store base;
	sqlite3 *db;
	sqlite3_stmt *find; /* the one query on the hot path, kept prepared */
	char dir[3500];
};

static inline struct local_store *local(struct nsym_store *s)
{
	return (struct local_store *)s;
}

/* Sets the store's message and returns code. */
int nsym_local_fail(struct nsym_store *s, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* NSYM_EIO with "what: sqlite's message". */
int nsym_local_db_fail(struct nsym_store *s, const char *what);
/* Column col of the current row as text ("" for NULL), cut to size. */
void nsym_local_copy_text(char *out, size_t size, sqlite3_stmt *st, int col);

/* store_local_tokens.c: the nsym_store_ops token_* of the embedded store. */
int nsym_local_token_add(struct nsym_store *s, const struct nsym_token *t, int64_t *out_id);
int nsym_local_token_get(struct nsym_store *s, struct nsym_token *out, int64_t id);
int nsym_local_token_list(struct nsym_store *s, int (*fn)(void *arg, const struct nsym_token *t),
                          void *arg);
int nsym_local_token_revoke(struct nsym_store *s, const char *name);

#endif
