/*
 * A folder of files kept on this machine, bounded in bytes: where
 * upstream.c keeps what upstream servers sent (one file per request, named
 * by the SHA-256 of what was asked), and send_remote.c the scaled store's
 * blobs (named by their own SHA-256).
 * A file's access time is when it was last served (set explicitly, so
 * noatime mounts do not matter), its modification time when it was
 * fetched; past the bound the least recently served go first.
 */
#ifndef NSYM_SERVER_UPSTREAM_CACHE_H
#define NSYM_SERVER_UPSTREAM_CACHE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "napi_symbols.h"
#include "napi_symbols_util.h"

struct nsym_ucache;

/* The cache in dir (made when missing), of at most bound bytes. Temporary
 * files an earlier run left are removed. 0, NSYM_EIO with why in err, or
 * NSYM_ENOMEM. */
int nsym_ucache_open(struct nsym_ucache **out, const char *dir, uint64_t bound, char *err,
                     size_t err_size);
void nsym_ucache_close(struct nsym_ucache *c);

/* The bound given at open. */
uint64_t nsym_ucache_bound(const struct nsym_ucache *c);

/* Opens the entry `name` (hex) for reading and marks it used now: 0 with
 * *out_fd and *out_st; NSYM_ENOENT; NSYM_EIO. */
int nsym_ucache_open_entry(int *out_fd, struct stat *out_st, struct nsym_ucache *c,
                           const char *name);

/* A new temporary file in the cache folder: its fd and path (out_path,
 * size bytes). 0 or NSYM_EIO. */
int nsym_ucache_temp(int *out_fd, char *out_path, size_t size, struct nsym_ucache *c);

/* Makes the temporary file at tmp the entry `name` (replacing one there),
 * then removes the least recently used entries until the folder holds at
 * most the bound. 0 or NSYM_EIO (tmp is then removed). */
int nsym_ucache_commit(struct nsym_ucache *c, const char *tmp, const char *name);

#endif
