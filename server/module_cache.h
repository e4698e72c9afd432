/*
 * The server's open modules, shared by its worker threads: the symbolicate
 * route asks for a module by the key it was named by (an identity, or a
 * Breakpad debug id) and gets the symbolizer opened for it a moment ago by
 * any request, instead of opening it from the store again, which cost
 * three quarters of a request's time (docs/performance.md). Only a module
 * that answers from a symcache is kept (nsym_symbolizer_share: several
 * threads look up in it at once, and it is mapped, not copied); one
 * answering from its debug file is the request's alone. "No symbols"
 * answers are kept too, briefly, so that unknown ids do not query the
 * store each time.
 *
 * Bounds and freshness: at most max_open modules are kept open, the least
 * recently used closed first; a module in use by a request is never
 * closed under it (reference counts: it closes when the last request lets
 * it go). A kept module is opened again from the store after
 * NSYM_MODULE_TTL_SECONDS, and a "no symbols" answer is asked again after
 * NSYM_NO_SYMBOLS_TTL_SECONDS, so that what other servers sharing the
 * store upload or delete is seen; what this server uploads or deletes is
 * seen at once (nsym_module_cache_forget).
 */
#ifndef NSYM_SERVER_MODULE_CACHE_H
#define NSYM_SERVER_MODULE_CACHE_H

#include <stddef.h>

#include "napi_symbols.h"

/* Modules kept open by default (serve --open-modules). */
#define NSYM_OPEN_MODULES_DEFAULT 256
/* "No symbols" answers kept at most. */
#define NSYM_NO_SYMBOLS_MAX         1024
#define NSYM_MODULE_TTL_SECONDS     60
#define NSYM_NO_SYMBOLS_TTL_SECONDS 10
/* Bytes of a key: a kind letter, ':', an identity or debug id in hex. */
#define NSYM_MODULE_KEY_SIZE 144

struct nsym_module_cache;
struct nsym_module_entry;

/* A module as a request uses it: sym (NULL when nothing answers; then why
 * says why) and what nsym_module_cache_put needs to let it go. */
struct nsym_module_use {
	nsym_symbolizer *sym;
	struct nsym_module_entry *entry; /* NULL: sym is this request's own */
};

/*
 * Opens the module of key for the cache: 0 with *out a symbolizer, or
 * with *out NULL and why (why_size bytes, one line) saying why nothing
 * answers, which is remembered; ident (NSYM_MODULE_KEY_SIZE bytes) gets
 * the identity of the artifact found ("" for none), by which
 * nsym_module_cache_forget finds it. Any other return (NSYM_ENOMEM,
 * NSYM_EIO with why) is handed to the caller and not remembered.
 */
typedef int nsym_module_open_fn(nsym_symbolizer **out, char *ident, char *why, size_t why_size,
                                void *arg);

/* A cache keeping at most max_open modules open (0: none; every request
 * opens its own) and as many "no symbols" answers as NSYM_NO_SYMBOLS_MAX
 * (none with max_open 0), for ttl and none_ttl seconds. 0 or
 * NSYM_ENOMEM. */
int nsym_module_cache_new(struct nsym_module_cache **out, size_t max_open, int ttl, int none_ttl);
/* No module may be in use. NULL is fine. */
void nsym_module_cache_free(struct nsym_module_cache *c);

/*
 * The module of key (at most NSYM_MODULE_KEY_SIZE - 1 bytes): kept, else
 * opened by open(arg) and kept when it can be shared. 0 with out set (and
 * why, when out->sym is NULL); or what open returned, with why, and
 * out->sym NULL. Every 0 must be matched by nsym_module_cache_put.
 * Thread-safe; open runs without the cache's lock held.
 */
int nsym_module_cache_get(struct nsym_module_use *out, char *why, size_t why_size,
                          struct nsym_module_cache *c, const char *key, nsym_module_open_fn *open,
                          void *arg);

/* Lets the module go: closed now when it was the request's own, or when
 * it left the cache meanwhile and this was its last use. out is zeroed. */
void nsym_module_cache_put(struct nsym_module_cache *c, struct nsym_module_use *use);

/* Forgets the modules opened from the artifact of identity ident, and
 * every "no symbols" answer: an upload or a delete of it was made. */
void nsym_module_cache_forget(struct nsym_module_cache *c, const char *ident);

/* What the cache holds: modules kept open, and those closed from it but
 * still in use; "no symbols" answers kept. */
struct nsym_module_cache_stats {
	size_t open, open_in_use_evicted, none;
	size_t max_open;
};
void nsym_module_cache_stats(struct nsym_module_cache_stats *out, struct nsym_module_cache *c);

#endif
