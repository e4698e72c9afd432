/*
 * The symcaches of stored artifacts, kept in the store: a blob per artifact
 * and symcache format version (store.h, symcache_find/_add), so that every
 * server sharing the store answers from the one any of them built, and a
 * server of another format version builds its own. A build writes the whole
 * symcache to a file, copies it into a blob, and names the blob in the
 * store only once it is complete: a server killed midway leaves a blob no
 * row names (swept at start) and no row, never part of a symcache that is
 * then served. Builds go one at a time per artifact (build_once.h): the
 * upload queue (symcache_queue.h), the symbolicate route and
 * GET /buildid/ID/symcache share them.
 */
#ifndef NSYM_SERVER_SYMCACHE_BUILD_H
#define NSYM_SERVER_SYMCACHE_BUILD_H

#include <stddef.h>

#include "stored_module.h"

/* Whether an artifact can have a symcache of its own: ELF and Mach-O files
 * and PDBs. A PE image cannot: its symcache is its PDB's, built when the
 * PDB is uploaded. */
bool nsym_symcache_buildable(const struct nsym_artifact *a);

/*
 * Opens the symcache the store holds for artifact a: *out answers from it,
 * or is NULL. With a store whose blobs are remote, the symcache is copied
 * into src->cache_dir first, named by its hash, and mapped from there by
 * later opens. 0 (*out set), NSYM_ENOENT (none of this format version was
 * built), NSYM_ENOMEM, NSYM_EIO (the store failed), NSYM_ETRUNC or
 * NSYM_EMISMATCH (the stored symcache is damaged or not a's: not served).
 */
int nsym_symcache_open(nsym_symbolizer **out, const struct nsym_stored_modules *src,
                       const struct nsym_artifact *a);

/*
 * Makes the store hold a's symcache: builds it when it has none, unless
 * another thread builds it (then waits for that build) or a build of it
 * failed less than NSYM_SYMCACHE_RETRY_SECONDS ago. origin ("upload",
 * "request") is for the log. When out_debug is not NULL and this call
 * built the symcache, or tried and failed, *out_debug gets the symbolizer
 * of the debug file (the caller closes it) so that the request that asked
 * answers without opening it again; else NULL. 0 when the store holds the
 * symcache now; NSYM_ENODEBUG with why (one line naming no path of the
 * server's) when it cannot be built; NSYM_ENOMEM. Failures are logged and
 * counted here.
 */
int nsym_symcache_ensure(nsym_symbolizer **out_debug, char *why, size_t why_size,
                         const struct nsym_stored_modules *src, const struct nsym_artifact *a,
                         const char *origin);

#endif
