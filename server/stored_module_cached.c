/*
 * Stored modules through the open-module cache (stored_module_cached.h).
 * Keys are the name a request gives a module with a letter for how it is
 * looked up ("e:" an ELF or PE identity, "m:" a Mach-O UUID, "d:" a
 * debug id), so that each kind of name is remembered apart, its "no
 * symbols" answer included; the identity of the artifact found is kept
 * with it, for an upload or a delete of that artifact to forget it.
 */
#include <stdio.h>
#include <string.h>

#include "debug_id.h"
#include "stored_module_cached.h"

struct by_id {
	const struct nsym_stored_modules *src;
	const char *id;
	bool macho;
};

static int open_by_id(nsym_symbolizer **out, char *ident, char *why, size_t why_size, void *arg)
{
	const struct by_id *b = arg;

	/* the store keys an artifact by the identity it was asked for */
	snprintf(ident, NSYM_MODULE_KEY_SIZE, "%s", b->id);
	return nsym_stored_module_open(out, why, why_size, b->src, b->id, b->macho);
}

/* Through the cache, or straight from the store for a name too long to be
 * a key (no identity is: such a name finds nothing either way). */
static int get(struct nsym_module_use *out, char *why, size_t why_size, struct nsym_module_cache *c,
               char kind, const char *name, nsym_module_open_fn *open, void *arg)
{
	char key[NSYM_MODULE_KEY_SIZE], ident[NSYM_MODULE_KEY_SIZE];
	int rc;

	if (c != NULL && strlen(name) + 3 <= sizeof(key)) {
		snprintf(key, sizeof(key), "%c:%s", kind, name);
		return nsym_module_cache_get(out, why, why_size, c, key, open, arg);
	}
	*out = (struct nsym_module_use){NULL, NULL};
	why[0] = '\0';
	rc = open(&out->sym, ident, why, why_size, arg);
	return rc;
}

int nsym_stored_module_get(struct nsym_module_use *out, char *why, size_t why_size,
                           struct nsym_module_cache *c, const struct nsym_stored_modules *src,
                           const char *id, bool macho)
{
	struct by_id b = {src, id, macho};

	return get(out, why, why_size, c, macho ? 'm' : 'e', id, open_by_id, &b);
}

static int open_by_debug_id(nsym_symbolizer **out, char *ident, char *why, size_t why_size,
                            void *arg)
{
	const struct by_id *b = arg;
	struct nsym_artifact art;
	int rc = nsym_debug_id_find(&art, b->src->store, b->id);

	*out = NULL;
	if (rc == NSYM_ENOENT) {
		snprintf(why, why_size, "no symbols on the server");
		return 0;
	}
	if (rc != 0) {
		snprintf(why, why_size, "%s", nsym_store_errmsg(b->src->store));
		return NSYM_EIO;
	}
	snprintf(ident, NSYM_MODULE_KEY_SIZE, "%s", art.key);
	return nsym_stored_artifact_open(out, why, why_size, b->src, &art);
}

int nsym_stored_debug_id_get(struct nsym_module_use *out, char *why, size_t why_size,
                             struct nsym_module_cache *c, const struct nsym_stored_modules *src,
                             const char *debug_id)
{
	struct by_id b = {src, debug_id, false};

	return get(out, why, why_size, c, 'd', debug_id, open_by_debug_id, &b);
}
