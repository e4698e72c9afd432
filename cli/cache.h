/*
 * The download cache, in the layout of elfutils' debuginfod client
 * (<root>/<id>/debuginfo, <root>/<id>/executable, an empty file for a
 * remembered miss), so gdb, debuginfod-find and napi-symbols share it.
 */
#ifndef NSYM_CLI_CACHE_H
#define NSYM_CLI_CACHE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct nsym_cache {
	char root[4096];
	int miss_seconds; /* how long a miss is remembered (root/cache_miss_s) */
};

/* DEBUGINFOD_CACHE_PATH, else $XDG_CACHE_HOME/debuginfod_client, else
 * ~/.cache/debuginfod_client. 0, or -1 when no HOME can be found. */
int nsym_cache_init(struct nsym_cache *out);

enum nsym_cache_state {
	NSYM_CACHE_ABSENT, /* never asked, or the miss expired */
	NSYM_CACHE_HIT,    /* the file is there */
	NSYM_CACHE_MISS,   /* asked recently and no server had it */
};

/* Where (id, kind) lives and whether it is there. kind: "debuginfo" or
 * "executable". id: lowercase hex. */
enum nsym_cache_state nsym_cache_lookup(const struct nsym_cache *c, char *out_path, size_t size,
                                        const char *id, const char *kind);

/* A temporary file beside the entry's final place; fd open for writing. */
/* Reserves length bytes for a download into fd, which the server says is
 * coming: ext4 then need not grow the file block by block (with 512 KiB
 * reads, fetch's CPU time for 20 files of 10 MB went from 0.33 to 0.22 s:
 * docs/performance.md). fallocate(2) itself, never glibc's block-by-block
 * emulation; nothing for a length no debug file has (over 4 GiB), nor in
 * an O_APPEND file, whose writes would go after the reservation. */
void nsym_cache_reserve(int fd, uint64_t length);
int nsym_cache_begin(const struct nsym_cache *c, char *out_tmp, size_t size, const char *id,
                     const char *kind);
/* Moves the finished temporary into place (read-only, as elfutils does). */
int nsym_cache_commit(const char *tmp, const char *final_path);
/* Remembers that no server has (id, kind). */
int nsym_cache_remember_miss(const struct nsym_cache *c, const char *id, const char *kind);

struct nsym_cache_entry {
	const char *path;
	const char *id;
	const char *kind;
	uint64_t size;
	time_t used; /* last access (atime), or mtime where atime is older */
	bool miss;   /* an empty remembered-miss file */
	bool temp;   /* a download's temporary file (left by a killed fetch when old) */
};

/* Calls fn for every entry of the cache; fn returns nonzero to stop. */
int nsym_cache_each(const struct nsym_cache *c,
                    int (*fn)(void *arg, const struct nsym_cache_entry *e), void *arg);

#endif
