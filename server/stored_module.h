/*
 * A module of a crash opened from the store by its identity, for the
 * symbolicate route: the artifact with the module's debug info (else its
 * executable, whose symbol tables still name functions), read through its
 * symcache in the store (symcache_build.h). The upload queue builds it;
 * a request for a module whose symcache is not there yet builds it, while
 * the requests that come meanwhile wait for that one build (build_once.h);
 * when building fails, the debug file answers directly, as it does for
 * `napi-symbols symbolicate`.
 */
#ifndef NSYM_SERVER_STORED_MODULE_H
#define NSYM_SERVER_STORED_MODULE_H

#include <stdbool.h>
#include <stddef.h>

#include "build_once.h"
#include "napi_symbols.h"
#include "store.h"

/* How long a failed symcache build is remembered before a request tries
 * again: a damaged debug file stays damaged, a full disk may clear. */
#define NSYM_SYMCACHE_RETRY_SECONDS 600
/* How long a server waits for another server's build of a symcache it
 * needs (store.h, symcache_lock) before building it too: longer than a
 * build of a large debug file takes (docs/performance.md), shorter than a
 * client's patience. */
#define NSYM_SYMCACHE_WAIT_SECONDS 60

/* Where modules come from: borrowed for the calls. */
struct nsym_stored_modules {
	struct nsym_store *store;   /* the calling thread's */
	struct nsym_builds *builds; /* the server's */
	/* where symcaches are built, and the local copies of a remote store's
	 * symcaches kept */
	const char *cache_dir;
};

/*
 * Opens the module with identity id (lowercase hex: a build-id, fallback
 * id, or with macho a Mach-O UUID, whose slice is then read). *out is a
 * symbolizer for the caller to close, or NULL with why (why_size bytes)
 * saying in one line why not, naming no path of the server's: "no symbols
 * on the server", or what is wrong with the stored file. 0 in both cases;
 * NSYM_ENOMEM; NSYM_EIO when the store failed, with the detail for the
 * log in why. Symcache builds that fail are logged here.
 */
int nsym_stored_module_open(nsym_symbolizer **out, char *why, size_t why_size,
                            const struct nsym_stored_modules *src, const char *id, bool macho);

/* nsym_stored_module_open of an artifact already found (by a debug id:
 * debug_id.h), opened by its key, as a Mach-O slice when its format is
 * "macho". */
int nsym_stored_artifact_open(nsym_symbolizer **out, char *why, size_t why_size,
                              const struct nsym_stored_modules *src, const struct nsym_artifact *a);

/* The debug file of artifact a itself, with no symcache: *out, or NULL
 * with why as nsym_stored_module_open gives them. 0, NSYM_ENOMEM or
 * NSYM_EIO. */
int nsym_stored_debug_open(nsym_symbolizer **out, char *why, size_t why_size,
                           const struct nsym_stored_modules *src, const struct nsym_artifact *a);

#endif
