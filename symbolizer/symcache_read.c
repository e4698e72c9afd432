/*
 * Reading a symcache: map it, check that every table lies inside the file
 * and that it describes the file asked for, then answer lookups in place.
 * Every index read from the file is checked before use, so a damaged cache
 * gives wrong answers at worst, never a crash.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "symcache.h"

struct nsym_symcache {
	const unsigned char *map;
	size_t size;
	const struct nsym_sc_header *h;
	const uint64_t *fence;
	const uint64_t *addrs;
	const uint32_t *locs_of;
	const struct nsym_sc_loc *locs;
	const struct nsym_sc_func *funcs;
	const struct nsym_sc_sym *syms;
	const char *strings;
};

static bool table_ok(uint64_t off, uint64_t count, uint64_t size, uint64_t file_size)
{
	return off % 8 == 0 && off <= file_size && count <= (file_size - off) / size;
}

static int check_header(const struct nsym_sc_header *h, size_t size, const unsigned char *id,
                        size_t id_len)
{
	if (memcmp(h->magic, NSYM_SC_MAGIC, 8) != 0 || h->version != NSYM_SC_VERSION ||
	    h->header_size != sizeof(*h))
		return NSYM_EMISMATCH;
	if (h->id_len != id_len || memcmp(h->id, id, id_len) != 0)
		return NSYM_EMISMATCH;
	if (h->file_size != size || h->strings_size == 0 ||
	    h->nfence != (h->nranges + NSYM_SC_FENCE_STEP - 1) / NSYM_SC_FENCE_STEP ||
	    !table_ok(h->fence_off, h->nfence, 8, size) ||
	    !table_ok(h->range_addr_off, h->nranges, 8, size) ||
	    !table_ok(h->range_loc_off, h->nranges, 4, size) ||
	    !table_ok(h->locs_off, h->nlocs, sizeof(struct nsym_sc_loc), size) ||
	    !table_ok(h->funcs_off, h->nfuncs, sizeof(struct nsym_sc_func), size) ||
	    !table_ok(h->syms_off, h->nsyms, sizeof(struct nsym_sc_sym), size) ||
	    h->strings_off > size || h->strings_size > size - h->strings_off)
		return NSYM_ETRUNC;
	return 0;
}

int nsym__symcache_open(struct nsym_symcache **out, const char *path, const unsigned char *id,
                        size_t id_len)
{
	struct nsym_symcache *sc;
	struct stat st;
	void *map;
	int fd, rc;

	*out = NULL;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return NSYM_ENOENT;
	if (fstat(fd, &st) != 0 || st.st_size < (off_t)sizeof(struct nsym_sc_header)) {
		close(fd);
		return NSYM_ETRUNC;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return NSYM_EIO;
	rc = check_header(map, (size_t)st.st_size, id, id_len);
	if (rc == 0 && ((const char *)map)[st.st_size - 1] != '\0')
		rc = NSYM_ETRUNC;
	if (rc == 0 && (sc = calloc(1, sizeof(*sc))) == NULL)
		rc = NSYM_ENOMEM;
	if (rc != 0) {
		munmap(map, (size_t)st.st_size);
		return rc;
	}
	sc->map = map;
	sc->size = (size_t)st.st_size;
	sc->h = map;
	sc->fence = (const uint64_t *)(sc->map + sc->h->fence_off);
	sc->addrs = (const uint64_t *)(sc->map + sc->h->range_addr_off);
	sc->locs_of = (const uint32_t *)(sc->map + sc->h->range_loc_off);
	sc->locs = (const struct nsym_sc_loc *)(sc->map + sc->h->locs_off);
	sc->funcs = (const struct nsym_sc_func *)(sc->map + sc->h->funcs_off);
	sc->syms = (const struct nsym_sc_sym *)(sc->map + sc->h->syms_off);
	sc->strings = (const char *)(sc->map + sc->h->strings_off);
	*out = sc;
	return 0;
}

void nsym__symcache_close(struct nsym_symcache *sc)
{
	if (sc == NULL)
		return;
	munmap((void *)sc->map, sc->size);
	free(sc);
}

static const char *string_at(const struct nsym_symcache *sc, uint32_t off)
{
	if (off == NSYM_SC_NONE || off >= sc->h->strings_size)
		return NULL;
	return sc->strings + off;
}

static int frames_from_loc(struct nsym_frames *out, const struct nsym_symcache *sc, uint32_t loc,
                           uint64_t addr, unsigned flags)
{
	while (loc < sc->h->nlocs) {
		const struct nsym_sc_loc *l = &sc->locs[loc];
		const struct nsym_sc_func *fn =
		    l->func < sc->h->nfuncs ? &sc->funcs[l->func] : NULL;
		const char *name = fn != NULL ? string_at(sc, fn->name) : NULL;
		const char *file = string_at(sc, l->file);
		struct nsym_frame f = {
		    .function = name != NULL ? name : "??",
		    .linkage_name = fn != NULL ? string_at(sc, fn->linkage) : NULL,
		    .dwarf_name = fn != NULL ? string_at(sc, fn->dwarf_name) : NULL,
		    .file = file != NULL ? file : "??",
		    .line = l->line,
		    .column = l->column,
		    .inlined = (flags & NSYM_LOOKUP_NO_INLINES) ? 0 : l->inlined != 0,
		    .symbol_offset =
		        fn != NULL && fn->entry != 0 && !l->inlined && addr >= fn->entry
		            ? addr - fn->entry
		            : 0,
		};
		int rc = nsym__frames_push(out, &f);
		if (rc != 0 || (flags & NSYM_LOOKUP_NO_INLINES))
			return rc;
		/* The writer adds a location after the one it is inlined into, so
		 * a parent never comes later: a damaged file could loop; its chain
		 * ends here instead (the open-time checks cannot see this). */
		if (l->parent != NSYM_SC_NONE && l->parent >= loc)
			break;
		loc = l->parent;
	}
	return 0;
}

bool nsym__symcache_symbol(struct nsym_symbol_hit *out, const struct nsym_symcache *sc,
                           uint64_t addr)
{
	size_t lo = NSYM_UPPER_BOUND(sc->syms, sc->h->nsyms, struct nsym_sc_sym, addr, addr);
	const struct nsym_sc_sym *s;

	if (lo == 0)
		return false;
	s = &sc->syms[lo - 1]; /* the last at its address: see nsym__symtab_find */
	if (s->size != 0 ? addr - s->addr >= s->size : addr >= s->limit)
		return false;
	out->name = string_at(sc, s->name);
	out->linkage = string_at(sc, s->linkage);
	out->file = string_at(sc, s->file);
	out->addr = s->addr;
	return out->name != NULL;
}

/* Whether the string at off is name, or bare (name without Mach-O's extra
 * leading underscore). */
static bool string_is(const struct nsym_symcache *sc, uint32_t off, const char *name,
                      const char *bare)
{
	const char *s = string_at(sc, off);
	return s != NULL && (strcmp(s, name) == 0 || strcmp(s, bare) == 0);
}

size_t nsym__symcache_named(uint64_t *out, const struct nsym_symcache *sc, const char *name)
{
	const char *bare = name[0] == '_' ? name + 1 : name;
	size_t n = 0;

	for (uint64_t i = 0; i < sc->h->nsyms && n < 2; i++) {
		const struct nsym_sc_sym *s = &sc->syms[i];
		if (!string_is(sc, s->name, name, bare) && !string_is(sc, s->linkage, name, bare))
			continue;
		if (n == 1 && s->addr == *out)
			continue;
		*out = s->addr;
		n++;
	}
	return n;
}

int nsym__symcache_lookup(struct nsym_frames *out, struct nsym_symcache *sc, uint64_t addr,
                          unsigned flags, bool *found)
{
	size_t lo = nsym__upper_bound(sc->fence, sc->h->nfence, 8, 0, addr), hi;
	int rc;

	*found = false;
	if (lo == 0)
		return 0; /* before the first range */
	/* the block of the fence entry at or below addr holds the answer */
	lo = (lo - 1) * NSYM_SC_FENCE_STEP;
	hi = lo + NSYM_SC_FENCE_STEP < sc->h->nranges ? lo + NSYM_SC_FENCE_STEP : sc->h->nranges;
	lo += nsym__upper_bound(sc->addrs + lo, hi - lo, 8, 0, addr);
	if (lo == 0 || sc->locs_of[lo - 1] == NSYM_SC_NONE)
		return 0;
	rc = frames_from_loc(out, sc, sc->locs_of[lo - 1], addr, flags);
	*found = out->count > 0; /* a damaged location index gives none */
	return rc;
}
