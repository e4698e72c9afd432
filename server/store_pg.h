/*
 * What the files of the scaled store share (store_pg.c for the connection,
 * artifacts and the rules of adding and deleting; store_pg_blobs.c for the
 * blobs in object storage, their removal and the sweep; store_pg_sources.c
 * and store_pg_tokens.c for sources and tokens): the store's struct, the
 * query helpers, the advisory locks. Internal to the server.
 */
#ifndef NSYM_SERVER_STORE_PG_H
#define NSYM_SERVER_STORE_PG_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "s3.h"
#include "store.h"

struct pg_store {
	struct nsym_store base;
	PGconn *conn;       /* NULL until first used, or after it broke */
	char url[2048];     /* the PostgreSQL URL: may hold a password, never shown */
	struct nsym_s3 *s3; /* NULL when opened without blobs */
	bool in_transaction;
	char tmpdir[1024]; /* where upload bodies and fetched blobs are kept */
};

static inline struct pg_store *pg(struct nsym_store *s)
{
	return (struct pg_store *)s;
}

/* Sets the store's message and returns code. */
int nsym_pg_fail(struct nsym_store *s, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Runs sql with its n text parameters (NULL for SQL NULL). 0 with the
 * result in *out (the caller PQclears it; out may be NULL), or NSYM_EIO
 * with "what: PostgreSQL's message" as the store's message. Outside a
 * transaction a connection found broken (PostgreSQL restarted) is made
 * again and the statement tried once more, so a server outlives a restart
 * of the database with one failed request at most per connection, and
 * none once it is back. */
int nsym_pg_query(struct nsym_store *s, PGresult **out, const char *what, const char *sql, int n,
                  const char *const *params);
/* BEGIN (tried again on a new connection like any first statement),
 * COMMIT, ROLLBACK (keeps the message of what failed). */
int nsym_pg_begin(struct nsym_store *s);
int nsym_pg_commit(struct nsym_store *s);
void nsym_pg_rollback(struct nsym_store *s);

/* Text of column col of row `row`, cut to size ("" for NULL). */
void nsym_pg_copy(char *out, size_t size, const PGresult *res, int row, int col);
/* Bytes of a bytea column read as encode(col, 'hex'), cut to size - 1 and
 * NUL-terminated: names and paths, which are bytes that need not be UTF-8
 * (PostgreSQL's text refuses what is not), go in and out as hex. */
void nsym_pg_copy_hex(char *out, size_t size, const PGresult *res, int row, int col);
/* s as lowercase hex into out (2 * strlen(s) + 1 bytes), for decode($n,
 * 'hex'); out is returned. */
char *nsym_pg_hex(char *out, const char *s);
int64_t nsym_pg_int(const PGresult *res, int row, int col);

/* Transaction-level advisory locks, released at COMMIT or ROLLBACK. Taken
 * in one order everywhere (builds before blobs, each kind in sorted
 * order), so two transactions never wait for each other in a circle:
 * - a build's (by its key): adding an artifact or a source of it, and
 *   deleting one of its artifacts (which takes its sources along with the
 *   last), so a source is never added beside the delete of its build's last
 *   artifact;
 * - a blob's (by its hash): adding a row that names it (after checking
 *   that its object is there), forgetting it when no row names it, and
 *   removing its object, so an upload of the same bytes and a removal are
 *   never both under way. */
int nsym_pg_lock_build(struct nsym_store *s, const char *key);
int nsym_pg_lock_blob(struct nsym_store *s, const char *sha256);

/* ---- blobs (store_pg_blobs.c) ---- */

/* The object key of a blob: PREFIX/sha256/ab/cdef…. */
void nsym_pg_blob_key(char *out, size_t size, struct nsym_store *s, const char *sha256);
/* Inside a transaction that holds the blob's lock: records the blob
 * (whose object must be there, else NSYM_EIO: a removal won the race and
 * the client sends it again) and takes it off the garbage list. */
int nsym_pg_blob_record(struct nsym_store *s, const char *sha256);
/* Inside a transaction: for each blob, under its lock, when no row names
 * it any more, forgets it and lists it as garbage; removed[i] says which.
 * sha256s must be sorted (the lock order). */
int nsym_pg_blobs_forget(struct nsym_store *s, bool *removed, char (*sha256s)[NSYM_SHA256_HEX],
                         size_t n);
/* Removes the objects of garbage blobs older than the grace period
 * downloads under way are given; outside a transaction. How many. */
int nsym_pg_collect_garbage(struct nsym_store *s, int max);
/* After an upload failed to record its rows: the object goes unless a row
 * names its blob. Keeps the store's message. */
void nsym_pg_drop_if_unnamed(struct nsym_store *s, const char *sha256);
/*
 * Adds one row that names an uploaded blob, in a transaction of its own
 * under the locks of its build (key) and of the blob: the blob recorded
 * first, then insert(s, row). insert answers 0, NSYM_EEXIST or NSYM_ENOENT
 * (the row taken, or no build to name: returned as they are), or another
 * code (the transaction rolled back). A taken row may rewrite sha256 (a
 * field of row) with the blob it names, and the upload's blob is then
 * forgotten when nothing else names it. Sources and symcaches add so.
 */
int nsym_pg_add_naming_row(struct nsym_store *s, const char *key, const char *sha256,
                           int (*insert)(struct nsym_store *s, void *row), void *row);
/* Runs sql, a DELETE of rows naming blobs with one parameter (key) and
 * RETURNING sha256, and appends the blobs it returns to *blobs (*n of
 * them, grown with realloc) for the caller to forget. what names it in a
 * failure. 0 or a code. Sources and symcaches go with a build's last
 * artifact so. */
int nsym_pg_delete_naming_rows(struct nsym_store *s, char (**blobs)[NSYM_SHA256_HEX], size_t *n,
                               const char *what, const char *sql, const char *key);

/* The blob ops. */
int nsym_pg_blob_open(struct nsym_store *s, struct nsym_blob *out, const char *sha256);
int nsym_pg_blob_read(struct nsym_store *s, const char *sha256, uint64_t from, uint64_t count,
                      const struct nsym_blob_sink *sink);
int nsym_pg_blob_stat(struct nsym_store *s, uint64_t *out_size, const char *sha256);
int nsym_pg_blob_url(struct nsym_store *s, char *out, size_t size, const char *sha256, int expires);
int nsym_pg_blob_begin(struct nsym_store *s, struct nsym_blob_writer *out);
int nsym_pg_blob_commit(struct nsym_store *s, struct nsym_blob_writer *w, char *out_sha256);
void nsym_pg_blob_abort(struct nsym_store *s, struct nsym_blob_writer *w);
int nsym_pg_sweep(struct nsym_store *s, struct nsym_sweep *out);

/* ---- tokens (store_pg_tokens.c) and sources (store_pg_sources.c) ---- */

int nsym_pg_token_add(struct nsym_store *s, const struct nsym_token *t, int64_t *out_id);
int nsym_pg_token_get(struct nsym_store *s, struct nsym_token *out, int64_t id);
int nsym_pg_token_list(struct nsym_store *s, int (*fn)(void *arg, const struct nsym_token *t),
                       void *arg);
int nsym_pg_token_revoke(struct nsym_store *s, const char *name);

int nsym_pg_source_find(struct nsym_store *s, struct nsym_source *out, const char *build_id,
                        const char *path);
int nsym_pg_source_add(struct nsym_store *s, struct nsym_source *src);
int nsym_pg_source_list(struct nsym_store *s, int64_t offset, int64_t limit,
                        int (*fn)(void *arg, const struct nsym_source *src), void *arg);
int nsym_pg_source_delete(struct nsym_store *s, bool *out_blob_removed, const char *build_id,
                          const char *path);
/* Inside an artifact delete's transaction, holding the build's lock: when
 * no artifact of the build is left, its sources go; their blobs are added
 * to *blobs (grown with realloc; *n of them). */
int nsym_pg_delete_sources(struct nsym_store *s, char (**blobs)[NSYM_SHA256_HEX], size_t *n,
                           const char *build_id);

/* ---- symcaches (store_pg_symcaches.c) ---- */

int nsym_pg_symcache_find(struct nsym_store *s, struct nsym_symcache *out, const char *key,
                          const char *kind, int version);
int nsym_pg_symcache_add(struct nsym_store *s, struct nsym_symcache *sc);
int nsym_pg_symcache_lock(struct nsym_store *s, const char *key, const char *kind, int version,
                          int wait_seconds);
void nsym_pg_symcache_unlock(struct nsym_store *s, const char *key, const char *kind, int version);
/* As nsym_pg_delete_sources, for the build's symcaches. */
int nsym_pg_delete_symcaches(struct nsym_store *s, char (**blobs)[NSYM_SHA256_HEX], size_t *n,
                             const char *key);

#endif
