/*
 * Stored modules for the symbolicate route through the server's open
 * modules (module_cache.h): a module named by an identity (as our reports
 * and the other text formats name it) or by a Breakpad debug id (as
 * Mozilla's symbolication v5 names it) is taken from the modules other
 * requests opened a moment ago, else opened from the store
 * (stored_module.h) and kept for the next ones.
 */
#ifndef NSYM_SERVER_STORED_MODULE_CACHED_H
#define NSYM_SERVER_STORED_MODULE_CACHED_H

#include <stdbool.h>
#include <stddef.h>

#include "module_cache.h"
#include "stored_module.h"

/*
 * nsym_stored_module_open of identity id (with macho, a Mach-O UUID), from
 * the cache c: out->sym, or NULL with why. 0 (then the caller must
 * nsym_module_cache_put out), NSYM_ENOMEM, or NSYM_EIO with the store's
 * message in why. Thread-safe: src is the calling thread's.
 */
int nsym_stored_module_get(struct nsym_module_use *out, char *why, size_t why_size,
                           struct nsym_module_cache *c, const struct nsym_stored_modules *src,
                           const char *id, bool macho);

/* The same for the module a Breakpad debug id names (debug_id.h): out->sym
 * NULL, and why "no symbols on the server", when none does. */
int nsym_stored_debug_id_get(struct nsym_module_use *out, char *why, size_t why_size,
                             struct nsym_module_cache *c, const struct nsym_stored_modules *src,
                             const char *debug_id);

#endif
