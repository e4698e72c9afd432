/*
 * What the files of the embedded store (store_local.c; store_local_tokens.c
 * for API tokens; store_local_sweep.c for its temporary files and what a
 * crash leaves; store_local_reserve.c for the room a delete needs on a full
 * disk) share: the store's own struct, its file names, and the helpers
 * that fill in its error message. Internal to the server.
 */
#ifndef NSYM_SERVER_STORE_LOCAL_H
#define NSYM_SERVER_STORE_LOCAL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct local_store {
	struct nsym_store base;
	sqlite3 *db;
	sqlite3_stmt *find; /* the one query on the hot path, kept prepared */
	int serve_lock;     /* DIR/serve.lock once swept (store_local_sweep.c), or -1 */
	char dir[3500];
};

static inline struct local_store *local(struct nsym_store *s)
{
	return (struct local_store *)s;
}

/* Sets the store's message and returns code. */
int nsym_local_fail(struct nsym_store *s, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "what: sqlite's message", with NSYM_ENOSPC when sqlite found the disk
 * full, else NSYM_EIO. */
int nsym_local_db_fail(struct nsym_store *s, const char *what);
/* The code for a system call's errno: NSYM_ENOSPC for a full disk or
 * quota, else NSYM_EIO. */
int nsym_local_errno_code(int err);
/* Runs sql; 0, or the code of nsym_local_db_fail. */
int nsym_local_exec(struct nsym_store *s, const char *sql);

/* DIR/blobs/sha256/ab/cdef... for the blob sha256 (lowercase hex). */
void nsym_local_blob_path(char *out, size_t size, const char *dir, const char *sha256);
/* DIR/tmp/deleted.SHA: where a delete moves a blob until it commits. */
void nsym_local_trash_path(char *out, size_t size, const char *dir, const char *sha256);

/* store_local_sweep.c: a new temporary file DIR/tmp/PREFIX.XXXXXX, its
 * name in out; the descriptor, locked for as long as it is open so that a
 * sweep leaves it alone, or a negative code (errno set). */
int nsym_local_tmp_create(char *out, size_t size, const char *dir, const char *prefix);

/* store_local_reserve.c: the room kept for deletes on a full disk. */
/* Makes DIR/reserve when it is not there: 0 (made, or there already),
 * NSYM_ENOSPC when the disk has no room for it, NSYM_EIO when it cannot be
 * made for another reason (the store then goes without one). */
int nsym_local_reserve_make(const char *dir);
/* Removes DIR/reserve, freeing its room: true when there was one. */
bool nsym_local_reserve_release(const char *dir);
/* Column col of the current row as text ("" for NULL), cut to size. */
void nsym_local_copy_text(char *out, size_t size, sqlite3_stmt *st, int col);

/* store_local_tokens.c: the nsym_store_ops token_* of the embedded store. */
int nsym_local_token_add(struct nsym_store *s, const struct nsym_token *t, int64_t *out_id);
int nsym_local_token_get(struct nsym_store *s, struct nsym_token *out, int64_t id);
int nsym_local_token_list(struct nsym_store *s, int (*fn)(void *arg, const struct nsym_token *t),
                          void *arg);
int nsym_local_token_revoke(struct nsym_store *s, const char *name);

#endif
