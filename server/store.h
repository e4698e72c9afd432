/*
 * The store: artifact metadata and the blobs they point at. Handlers use
 * only this interface. store_local.c is the embedded store: sqlite (WAL)
 * in DIR/napi-symbols.db and blobs in DIR/blobs/. store_pg.c is the scaled
 * one: metadata in PostgreSQL and blobs in S3-compatible object storage,
 * shared by any number of servers. store_open.c opens either, by the
 * store's name.
 *
 * A handle is used by one thread at a time; the server opens one per
 * worker thread. Functions return 0 or a negative NSYM_E* code and leave a
 * message in nsym_store_errmsg().
 */
#ifndef NSYM_SERVER_STORE_H
#define NSYM_SERVER_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "napi_symbols.h"
#include "napi_symbols_util.h"

struct nsym_artifact {
	int64_t id;
	char key[96];     /* identity, lowercase */
	char id_kind[16]; /* build-id, fallback-id, macho-uuid, pe, pdb */
	char kind[16];    /* debuginfo, executable */
	char format[8];   /* elf, macho, pe, pdb */
	char arch[16];
	char name[256]; /* file name given at upload */
	/* the npm package it came in (nsym_npm_package_split): both "" when
	 * the upload did not say (NULL in the stores) */
	char package_name[NSYM_NPM_NAME_MAX + 1];
	char package_version[NSYM_NPM_VERSION_MAX + 1];
	char sha256[NSYM_SHA256_HEX];
	uint64_t size;
	int64_t created;
	char uploaded_by[64];
};

/* What nsym_store_ops.artifact_list returns; every member optional. */
struct nsym_artifact_search {
	const char *text; /* a part of the name (in any case) or the key; NULL for any */
	/* an exact package name, checked by nsym_npm_package_split; NULL for
	 * any. With it, version (NULL for any) is that package's exact one. */
	const char *package_name;
	const char *package_version;
};

struct nsym_token {
	int64_t id;
	char name[64];
	char scope[8]; /* read, upload, admin */
	char hash[NSYM_SHA256_HEX];
	int64_t created;
	int revoked;
};

/* A source file uploaded for a build, served at /buildid/ID/source/PATH. */
struct nsym_source {
	int64_t id;
	char build_id[96]; /* lowercase hex, as an artifact's key */
	char path[4097];   /* canonical absolute path (source_path.h) */
	char sha256[NSYM_SHA256_HEX];
	uint64_t size;
	int64_t created;
	char uploaded_by[64];
};

/* A symcache a server built (symcache_build.c): the blob holding the
 * symcache of the artifact (key, kind) in symcache format `version`. */
struct nsym_symcache {
	int64_t id;    /* the embedded store's row id; 0 in the scaled one */
	char key[96];  /* the artifact's identity */
	char kind[16]; /* the artifact's kind: debuginfo, executable */
	int version;   /* nsym_symcache_version() of the server that built it */
	char sha256[NSYM_SHA256_HEX];
	uint64_t size;
	int64_t created;
};

/* A blob opened for reading: serve fd from offset 0, size bytes. */
struct nsym_blob {
	int fd;
	uint64_t size;
	time_t mtime;
};

/* A blob being written: write to fd, then commit or abort. */
struct nsym_blob_writer {
	int fd;
	char tmp[4096];
	nsym_hash *hash; /* of the bytes written so far */
	uint64_t size;
};

/* Where a remote blob's bytes go as they arrive (blob_read). begin is
 * called once, before the first byte, with the blob's size as the storage
 * holds it; both return 0 to go on or a negative code to stop. */
struct nsym_blob_sink {
	int (*begin)(void *arg, uint64_t size);
	int (*data)(void *arg, const void *bytes, size_t n);
	void *arg;
};

/* What nsym_store_sweep removed. */
struct nsym_sweep {
	int uploads; /* unfinished uploads' temporary files */
	int blobs;   /* blob files (objects) no row names */
};

struct nsym_store;

struct nsym_store_ops {
	void (*close)(struct nsym_store *s);
	int (*artifact_find)(struct nsym_store *s, struct nsym_artifact *out, const char *key,
	                     const char *kind);
	/* The artifact of `kind` whose key starts with `prefix` (lowercase
	 * hex) and whose id_kind is `id_kind`; of several, the one uploaded
	 * first. For a Breakpad debug id of an ELF file, which keeps only the
	 * first 16 bytes of the build-id (debug_id.h). NSYM_ENOENT when none. */
	int (*artifact_find_prefix)(struct nsym_store *s, struct nsym_artifact *out,
	                            const char *prefix, const char *id_kind, const char *kind);
	/* Records the n artifacts one upload provides, a[i] with key, id_kind,
	 * kind, format, arch, name, package_name and package_version ("" for
	 * none), uploaded_by and the sha256 of the blob
	 * blob_commit put in place (the same for all), in one transaction with
	 * the blob's own row. out_results[i] is 0 when a[i] was added (its id
	 * set) or NSYM_EEXIST when its (key, kind) was taken (a[i] then holds
	 * the row that has it). When no row names the blob afterwards (every
	 * identity taken, or a failure), its file goes too. NSYM_EIO, and no
	 * row, when the blob was removed since it was committed (a concurrent
	 * delete): the upload is to be sent again. NSYM_ENOSPC, and no row,
	 * when the disk is full. A nonzero a[i].created is kept (a copy from
	 * another store, store_migrate.c); 0 is now. */
	int (*artifact_add)(struct nsym_store *s, int *out_results, struct nsym_artifact *a,
	                    size_t n);
	/* The artifact with row id `id`; NSYM_ENOENT when there is none. */
	int (*artifact_get)(struct nsym_store *s, struct nsym_artifact *out, int64_t id);
	/* Removes the artifact, and its blob when no other row names it;
	 * out_blob_removed (may be NULL) says which. When no artifact with its
	 * key is left, the sources of that build go too, and each of their
	 * blobs no other row names. All in one transaction; a concurrent upload
	 * of the same bytes never ends up with a row naming a removed blob: see
	 * store_local.c. NSYM_ENOENT when there is no such artifact. On a full
	 * disk the local store spends its reserve on it (store_local_reserve.c);
	 * NSYM_ENOSPC when even that is not enough. */
	int (*artifact_delete)(struct nsym_store *s, bool *out_blob_removed, int64_t id);
	/* Calls fn for each artifact that matches every member of `search`
	 * set (all artifacts when search is NULL), newest first, skipping
	 * `offset`, at most `limit`; fn returns nonzero to stop. */
	int (*artifact_list)(struct nsym_store *s, const struct nsym_artifact_search *search,
	                     int64_t offset, int64_t limit,
	                     int (*fn)(void *arg, const struct nsym_artifact *a), void *arg);
	/* The blob as a file: the scaled store fetches it into a temporary
	 * file first, so routes that read a file at random (sections) call it,
	 * and those that send a blob whole use blob_read when there is one. */
	int (*blob_open)(struct nsym_store *s, struct nsym_blob *out, const char *sha256);
	/* NULL for a store whose blobs are local files (blob_open is cheap).
	 * Bytes [from, from + count) of the blob, count > 0, handed to sink as
	 * they arrive. Fails before sink->begin (nothing handed on) when the
	 * blob cannot be read, NSYM_EIO: a row names it, so a missing object
	 * is a failure, or a delete racing the read, never a miss; after
	 * begin, when the transfer breaks or a sink callback stops it (its
	 * code). */
	int (*blob_read)(struct nsym_store *s, const char *sha256, uint64_t from, uint64_t count,
	                 const struct nsym_blob_sink *sink);
	/* NULL as blob_read. The size of the blob as the storage holds it
	 * (a HEAD's answer), NSYM_EIO when it cannot be had. */
	int (*blob_stat)(struct nsym_store *s, uint64_t *out_size, const char *sha256);
	/* NULL as blob_read. A URL from which a client may GET the blob for
	 * `expires` seconds without credentials, into out. */
	int (*blob_url)(struct nsym_store *s, char *out, size_t size, const char *sha256,
	                int expires);
	/* NSYM_ENOSPC when the disk is too full to take an upload and still
	 * leave room for deletes. */
	int (*blob_begin)(struct nsym_store *s, struct nsym_blob_writer *out);
	/* Makes the written bytes durable under their hash; the writer is
	 * finished either way. The blob's row comes with the first row that
	 * names it (artifact_add, source_add), which removes the file when it
	 * cannot be named; a crash in between leaves a file no row names, which
	 * nsym_store_sweep_local removes. */
	int (*blob_commit)(struct nsym_store *s, struct nsym_blob_writer *w, char *out_sha256);
	void (*blob_abort)(struct nsym_store *s, struct nsym_blob_writer *w);
	/* Adds t (name, scope, hash; revoked is not read), with the id t->id
	 * when it is nonzero (a token names its id, so a copy from another
	 * store keeps its tokens working) and created t->created when nonzero.
	 * NSYM_EEXIST when the name, or the id, is taken. */
	int (*token_add)(struct nsym_store *s, const struct nsym_token *t, int64_t *out_id);
	int (*token_get)(struct nsym_store *s, struct nsym_token *out, int64_t id);
	int (*token_list)(struct nsym_store *s, int (*fn)(void *arg, const struct nsym_token *t),
	                  void *arg);
	int (*token_revoke)(struct nsym_store *s, const char *name);
	int (*stats)(struct nsym_store *s, int64_t *out_artifacts, int64_t *out_blob_bytes);
	/* Records src (build_id, path, sha256 and uploaded_by set; the blob
	 * committed) with the blob's row, as artifact_add does. NSYM_EEXIST
	 * when the build has a source at that path; `src` then holds the
	 * existing row. NSYM_ENOENT when no artifact has the build's id as its
	 * key (a source outlives no build). After either, as after a failure,
	 * the blob goes unless something else names it. A nonzero created is
	 * kept, as for artifact_add. */
	int (*source_add)(struct nsym_store *s, struct nsym_source *src);
	/* Deletes the build's source at the canonical path, and its blob when
	 * no other row names it (*out_blob_removed says whether it went);
	 * NSYM_ENOENT when there is none. Files go after the commit, as for
	 * artifact_delete. */
	int (*source_delete)(struct nsym_store *s, bool *out_blob_removed, const char *build_id,
	                     const char *path);
	/* The build's source at the canonical path; NSYM_ENOENT when none. */
	int (*source_find)(struct nsym_store *s, struct nsym_source *out, const char *build_id,
	                   const char *path);
	/* Calls fn for each source, in the order of their ids, skipping
	 * `offset`, at most `limit`; fn returns nonzero to stop. */
	int (*source_list)(struct nsym_store *s, int64_t offset, int64_t limit,
	                   int (*fn)(void *arg, const struct nsym_source *src), void *arg);
	/* The symcache of the artifact (key, kind) in format `version`;
	 * NSYM_ENOENT when none was built (rows of other versions are
	 * ignored). */
	int (*symcache_find)(struct nsym_store *s, struct nsym_symcache *out, const char *key,
	                     const char *kind, int version);
	/* Records sc (key, kind, version and sha256 set; the blob committed)
	 * with the blob's row, as source_add does. NSYM_EEXIST when the
	 * artifact has a symcache of that version already (another server
	 * built it too; sc then holds that row), NSYM_ENOENT when the artifact
	 * (key, kind) is gone; after either, as after a failure, the blob goes
	 * unless something else names it. A row goes with its build's last
	 * artifact, as a source does. */
	int (*symcache_add)(struct nsym_store *s, struct nsym_symcache *sc);
	/* Takes the lock on building the symcache (key, kind, version) that
	 * every server sharing the store sees, waiting while another server
	 * holds it, at most wait_seconds: 0 when this handle holds it (call
	 * symcache_unlock once the build's row is added or the build failed),
	 * NSYM_EIO when the wait ran out or the store failed (message set; not
	 * held). The lock is the connection's: a server killed mid-build
	 * releases it with its connection, and the waiter goes on. NULL for a
	 * store whose symcaches one process builds (the embedded store: the
	 * server's build_once.h is the lock there). */
	int (*symcache_lock)(struct nsym_store *s, const char *key, const char *kind, int version,
	                     int wait_seconds);
	void (*symcache_unlock)(struct nsym_store *s, const char *key, const char *kind,
	                        int version);
	/* Removes what a crash left (nsym_store_sweep_local says what for the
	 * local store; store_pg_blobs.c for the scaled one). Run at server
	 * start; safe while other servers use the store. 0, or a negative
	 * code with what could be done done. */
	int (*sweep)(struct nsym_store *s, struct nsym_sweep *out);
};

struct nsym_store {
	const struct nsym_store_ops *ops;
	char errmsg[512];
};

/* How nsym_store_open opens a store. */
enum {
	/* Connect on first use rather than now, and skip the migrations: for
	 * the worker threads of a server whose start opened the store. */
	NSYM_STORE_LAZY = 1,
};

/*
 * Opens the store named `store`: a postgres:// or postgresql:// URL (libpq's
 * connection URI; the password from PGPASSWORD or PGPASSFILE rather than the
 * URL, which shows in process lists) for the scaled store, with its blobs
 * at `blobs` (an s3:// URL, s3.h; NULL for a store used for tokens only,
 * whose blob operations then fail), or a folder for the local store
 * (`blobs` must be NULL). Migrates, unless flags has NSYM_STORE_LAZY.
 * Messages in err never quote a URL, which may hold a password.
 */
int nsym_store_open(struct nsym_store **out, const char *store, const char *blobs, unsigned flags,
                    char *err, size_t err_size);
/* Whether `store` names the scaled store (a PostgreSQL URL). */
bool nsym_store_is_scaled(const char *store);

/* Opens (creating and migrating when needed) the local store in dir. */
int nsym_store_open_local(struct nsym_store **out, const char *dir, char *err, size_t err_size);
/* The scaled store (store_pg.c): nsym_store_open's arguments. */
int nsym_store_open_pg(struct nsym_store **out, const char *url, const char *blobs, unsigned flags,
                       char *err, size_t err_size);

/* Removes what a crash left in the local store s (opened with
 * nsym_store_open_local): temporary files no process is writing, and blob
 * files no row names that are older than an upload takes to record its
 * rows; puts back blobs a delete had moved aside. Safe while other servers
 * use the same store (store_local_sweep.c says how). Run at server start.
 * 0, or a negative code when the store could not be locked (what could be
 * done without the lock is done). */
int nsym_store_sweep_local(struct nsym_sweep *out, struct nsym_store *s);

/* s->ops->sweep. */
static inline int nsym_store_sweep(struct nsym_sweep *out, struct nsym_store *s)
{
	return s->ops->sweep(s, out);
}

static inline const char *nsym_store_errmsg(const struct nsym_store *s)
{
	return s->errmsg;
}

#endif
