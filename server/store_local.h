/*
 * What the files of the embedded store (store_local.c; store_local_tokens.c
 * for API tokens; store_local_sources.c for source files; store_local_symcaches.c for symcaches;
 * store_local_sweep.c for its temporary files and what a crash leaves; store_local_reserve.c for
 * the room a delete needs on a full disk) share: the store's own struct, its file names, and the
 * helpers that fill in its error message. Internal to the server.
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
	sqlite3_stmt *find;        /* the queries on the hot path, kept prepared: by key */
	sqlite3_stmt *find_prefix; /* and by a key's start (a debug id's lookup) */
	int serve_lock;            /* DIR/serve.lock once swept (store_local_sweep.c), or -1 */
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

/* ---- rows and their blobs, shared by store_local.c and
 * store_local_sources.c (store_local.c: "adding rows", "removing
 * artifacts") ---- */

struct row_type {
	const char *name;   /* "artifact", "source": for messages */
	size_t size;        /* of the row's struct */
	size_t id_offset;   /* of its int64_t id member */
	const char *insert; /* the INSERT, with parameters for one row */
	void (*bind)(sqlite3_stmt *st, const void *row);
	/* Called when the insert met the unique key of row: reads the row
	 * holding it into out (not row) and returns NSYM_EEXIST, or another
	 * code when there is none. */
	int (*taken)(struct nsym_store *s, void *out, const void *row);
	/* Called when the INSERT's own condition added nothing: the error. */
	int (*refused)(struct nsym_store *s, const void *row);
};

/* Room for a copy of any row add_row() takes. */
union any_row {
	struct nsym_artifact artifact;
	struct nsym_source source;
	struct nsym_symcache symcache;
};

/* The blobs one delete may remove: the artifact's first, then those of the
 * sources that go with it. A blob whose row the delete forgot has its file
 * moved aside (tmp/deleted.SHA) until the transaction ends. */
struct doomed_blob {
	char sha256[NSYM_SHA256_HEX];
	bool moved; /* the file is at trash_path */
};
struct doomed {
	struct doomed_blob *blob;
	size_t n, cap;
};

/* Adds the n rows of type t, which all name the blob, with the blob's row;
 * out_results[i] is 0, NSYM_EEXIST or NSYM_ENOENT (store_local.c). */
int nsym_local_add_rows(struct nsym_store *s, int *out_results, const struct row_type *t,
                        void *rows, size_t n, const char *blob);
/* A delete in a transaction of its own, on a full disk given the reserve. */
int nsym_local_delete_with(struct nsym_store *s, bool *out_blob_removed,
                           int (*fn)(struct nsym_store *s, struct doomed *d, const void *arg),
                           const void *arg);
/* Adds a blob to those the delete may remove. */
int nsym_local_doomed_add(struct nsym_store *s, struct doomed *d, const char *sha256);
/* Forgets the blob when no row names it any more, and moves its file aside. */
int nsym_local_discard_blob(struct nsym_store *s, struct doomed_blob *b);

/* store_local_sources.c: the nsym_store_ops source_* of the embedded
 * store, and the sources that go with a build's last artifact. */
int nsym_local_source_find(struct nsym_store *s, struct nsym_source *out, const char *build_id,
                           const char *path);
int nsym_local_source_add(struct nsym_store *s, struct nsym_source *src);
int nsym_local_source_delete(struct nsym_store *s, bool *out_blob_removed, const char *build_id,
                             const char *path);
int nsym_local_delete_sources(struct nsym_store *s, struct doomed *d, const char *build_id);
int nsym_local_source_list(struct nsym_store *s, int64_t offset, int64_t limit,
                           int (*fn)(void *arg, const struct nsym_source *src), void *arg);

/* store_local_symcaches.c: the nsym_store_ops symcache_* of the embedded
 * store, and the symcaches that go with a build's last artifact. */
int nsym_local_symcache_find(struct nsym_store *s, struct nsym_symcache *out, const char *key,
                             const char *kind, int version);
int nsym_local_symcache_add(struct nsym_store *s, struct nsym_symcache *sc);
int nsym_local_delete_symcaches(struct nsym_store *s, struct doomed *d, const char *key);

#endif
