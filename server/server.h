/*
 * server.h: all that the rest of napi-symbols sees of the symbol server.
 * The napi-symbols program starts and stops it (`serve`) and manages the
 * API tokens of a store (`token`); everything else under server/ is the
 * server's own (its include directory is private to it). Functions return
 * 0 or a negative NSYM_E* code, with one line of why in err.
 */
#ifndef NSYM_SERVER_SERVER_H
#define NSYM_SERVER_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nsym_server_config {
	const char *store_dir; /* a folder, or a postgres:// URL (the scaled store) */
	const char *blobs;     /* the scaled store's s3:// URL; NULL for a folder */
	/* the scaled store's downloads: a redirect to a presigned URL of the
	 * blob storage instead of the bytes streamed through the server */
	bool redirect_reads;
	/* the scaled store's blobs streamed are kept on this machine up to
	 * this many bytes ($TMPDIR/napi-symbols-blobs), and served from there;
	 * 0 keeps none */
	uint64_t blob_cache_size;
	const char *listen;  /* HOST:PORT; port 0 picks a free one */
	int threads;         /* workers: connections served at once */
	int head_timeout;    /* seconds a client may take to send a request's head */
	int request_timeout; /* seconds a client may stall sending a body or reading */
	uint64_t max_upload; /* bytes */
	bool read_token;     /* reads need a token with the read scope */
	bool log_json;       /* access log as JSON lines instead of text */
	/* bytes a compressed section may claim to inflate to: more is
	 * refused, when served (413) and when uploaded (422) */
	uint64_t max_section;
	/* modules the symbolicate route keeps open between requests (their
	 * symcaches mapped); 0 opens them anew for every request */
	int open_modules;
	/* upstream servers asked for downloads the store lacks (upstream.h):
	 * space-separated URLs, "symsrv:URL" for a SymSrv store; NULL or ""
	 * for none. What they send is cached up to upstream_cache_size bytes
	 * (in STORE/upstream, or $TMPDIR/napi-symbols-upstream with the scaled
	 * store); a miss of all of them is remembered upstream_miss_seconds. */
	const char *upstreams;
	uint64_t upstream_cache_size;
	int upstream_miss_seconds;
	/* uploaded artifacts whose symcache builds may wait at once
	 * (symcache_queue.h); 0: none is built on upload */
	int symcache_queue;
};

/* What the start found and did to the store before serving. */
struct nsym_server_start_notes {
	int uploads_swept;     /* unfinished uploads of an earlier run, removed */
	int blobs_swept;       /* blob files that no row names, removed */
	char sweep_error[512]; /* why the sweep could not run, or "" */
};

struct nsym_server;

/*
 * Opens the store (its migrations run here, once, before any worker opens
 * it), sweeps what an earlier run left (notes), and serves on cfg->listen
 * until nsym_server_stop. The store stays open while the server runs, so
 * a second server on the same store knows it is not alone. cfg is copied.
 * err never quotes a store or blobs URL, which may hold a password.
 */
int nsym_server_start(struct nsym_server **out, struct nsym_server_start_notes *notes,
                      const struct nsym_server_config *cfg, char *err, size_t err_size);
/* "HOST:PORT" it listens on, with the port it really bound. */
const char *nsym_server_address(const struct nsym_server *srv);
/* Stops accepting, lets requests in flight finish, closes the stores. */
void nsym_server_stop(struct nsym_server *srv);

/* ---- moving a store ------------------------------------------------------- */

/* What nsym_server_store_migrate did. Rows are copied, found present (the
 * same bytes under the same identity), or in conflict (other bytes there:
 * left alone and said). */
struct nsym_migrate_report {
	int64_t tokens_copied, tokens_present, tokens_conflict;
	int64_t artifacts_copied, artifacts_present, artifacts_conflict;
	int64_t sources_copied, sources_present, sources_conflict;
	int64_t blobs_copied;  /* hashed on the way and put into the target */
	int64_t blobs_present; /* the target's storage had them already */
	int64_t blobs_damaged; /* the source's bytes did not hash to their name */
	uint64_t bytes_copied;
};

/*
 * Copies the store `from` (a folder or a URL, as serve's --store, with its
 * blob storage from_blobs, NULL for a folder) into `to` (with to_blobs):
 * tokens with their ids,
 * artifacts and sources with their blobs, each blob hashed on the way.
 * What the target has already is not copied again, so running it again
 * resumes one that stopped. progress (may be NULL) gets one line for each
 * row left alone and each damaged blob. 0 when it went through (out says
 * what it did, conflicts included); a negative code with why in err when
 * it stopped (out says what it did until then).
 */
int nsym_server_store_migrate(struct nsym_migrate_report *out, const char *from,
                              const char *from_blobs, const char *to, const char *to_blobs,
                              void (*progress)(void *arg, const char *line), void *arg, char *err,
                              size_t err_size);

/* Whether store names the scaled store (a postgres:// or postgresql://
 * URL) rather than a folder. */
bool nsym_server_store_is_scaled(const char *store);

/* ---- tokens --------------------------------------------------------------- */

/* Scopes are ordered: each allows what the ones below it allow. */
enum nsym_scope {
	NSYM_SCOPE_NONE = 0,
	NSYM_SCOPE_READ,
	NSYM_SCOPE_UPLOAD,
	NSYM_SCOPE_ADMIN,
};

#define NSYM_TOKEN_MAX 96 /* bytes of a token, with its NUL */

/* "read", "upload", "admin" → scope; NSYM_SCOPE_NONE for anything else. */
enum nsym_scope nsym_scope_parse(const char *name);
const char *nsym_scope_name(enum nsym_scope scope);

/* A token as `token list` shows it; its secret is never kept. */
struct nsym_token_info {
	const char *name;
	const char *scope;
	int64_t created; /* Unix time */
	bool revoked;
};

/* A new token of the store in store_dir (a folder or a postgres:// URL,
 * as the server's); out (NSYM_TOKEN_MAX bytes) gets the only copy of it. */
int nsym_server_token_create(char *out, const char *store_dir, const char *name,
                             enum nsym_scope scope, char *err, size_t err_size);
/* Calls each(arg, token) for every token of the store, oldest first; a
 * non-zero return from each stops the list and is returned. */
int nsym_server_token_list(const char *store_dir,
                           int (*each)(void *arg, const struct nsym_token_info *t), void *arg,
                           char *err, size_t err_size);
/* Revokes the token named name: NSYM_ENOENT when there is none. */
int nsym_server_token_revoke(const char *store_dir, const char *name, char *err, size_t err_size);

#endif
