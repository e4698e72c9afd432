/*
 * Function names for scopes. Like llvm-symbolizer, a scope's linkage name
 * and its plain name are each the first found along its abstract_origin and
 * specification links (bounded, since a hostile file can make a loop), and
 * the linkage name, demangled, wins. Demangled names are cached by the
 * address of the mangled string, which lives in .debug_str: one entry per
 * function however often it was inlined.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf_internal.h"

#define NSYM_MAX_NAME_LINKS 16

struct name_entry {
	const char *mangled;
	char *demangled; /* NULL when not a mangled name */
};

struct nsym_name_cache {
	struct name_entry *slots;
	size_t capacity, used;
};

static size_t hash_ptr(const char *p, size_t mask)
{
	uint64_t x = (uint64_t)(uintptr_t)p;
	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	return (size_t)x & mask;
}

static int cache_grow(struct nsym_name_cache *c)
{
	size_t cap = c->capacity ? c->capacity * 2 : 1024;
	struct name_entry *slots = calloc(cap, sizeof(*slots));

	if (slots == NULL)
		return NSYM_ENOMEM;
	for (size_t i = 0; i < c->capacity; i++) {
		struct name_entry *e = &c->slots[i];
		size_t j = hash_ptr(e->mangled, cap - 1);
		if (e->mangled == NULL)
			continue;
		while (slots[j].mangled != NULL)
			j = (j + 1) & (cap - 1);
		slots[j] = *e;
	}
	free(c->slots);
	c->slots = slots;
	c->capacity = cap;
	return 0;
}

/* The display form of a linkage name: demangled when it is mangled. */
static int display_name(const char **out, struct nsym_dwarf *dw, const char *mangled)
{
	struct nsym_name_cache *c = dw->names;
	size_t j;

	if (c == NULL) {
		c = dw->names = calloc(1, sizeof(*c));
		if (c == NULL)
			return NSYM_ENOMEM;
	}
	if ((c->used + 1) * 2 > c->capacity && cache_grow(c) != 0)
		return NSYM_ENOMEM;
	j = hash_ptr(mangled, c->capacity - 1);
	while (c->slots[j].mangled != NULL && c->slots[j].mangled != mangled)
		j = (j + 1) & (c->capacity - 1);
	if (c->slots[j].mangled == NULL) {
		c->slots[j].mangled = mangled;
		c->slots[j].demangled = nsym_demangle(mangled);
		c->used++;
	}
	*out = c->slots[j].demangled != NULL ? c->slots[j].demangled : mangled;
	return 0;
}

void nsym__name_cache_free(struct nsym_name_cache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->capacity; i++)
		free(c->slots[i].demangled);
	free(c->slots);
	free(c);
}

const struct nsym_sub *nsym__dwarf_sub(struct nsym_dwarf *dw, uint64_t die)
{
	struct nsym_unit *u = nsym__dwarf_unit_of_die(dw, die);
	size_t at;

	if (u == NULL || die == 0 || nsym__unit_parse(dw, u) != 0)
		return NULL;
	/* the first entry at or past die */
	at = NSYM_UPPER_BOUND(u->subs, u->nsubs, struct nsym_sub, die, die - 1);
	return at < u->nsubs && u->subs[at].die == die ? &u->subs[at] : NULL;
}

/* Rust: the name as DWARF spells it under its namespaces, which keeps the
 * generic arguments ("crate::m::sum<u32>") that legacy mangling drops. The
 * DIE may live in another unit (cross-crate inlining); that unit is parsed
 * if it was not, so the answer never depends on earlier lookups. */
static const char *rust_dwarf_name(struct nsym_dwarf *dw, uint64_t name_die, const char *name)
{
	struct nsym_unit *u = nsym__dwarf_unit_of_die(dw, name_die);
	const struct nsym_sub *sub;
	size_t len;
	char *full;

	if (u == NULL || u->language != DW_LANG_Rust ||
	    (sub = nsym__dwarf_sub(dw, name_die)) == NULL || sub->ns >= u->nns)
		return NULL;
	len = strlen(u->ns_paths[sub->ns]) + strlen(name) + 3;
	if ((full = malloc(len)) == NULL ||
	    nsym__grow((void **)&u->owned, &u->owned_cap, u->nowned + 1, sizeof(*u->owned)) != 0) {
		free(full);
		return NULL;
	}
	snprintf(full, len, "%s::%s", u->ns_paths[sub->ns], name);
	u->owned[u->nowned++] = full;
	return full;
}

/* One step along the origin chain for a DIE the walk did not record (C++
 * declarations inside classes, units without code): that DIE read on its
 * own. */
static uint64_t read_elsewhere(struct nsym_dwarf *dw, uint64_t off, const char **name,
                               const char **linkage)
{
	const struct nsym_cu *cu = nsym__dwarf_cu_of_die(dw, off);
	struct nsym_die d;

	if (cu == NULL || nsym__die_at(&d, dw, cu, off) != 0)
		return 0;
	*name = nsym__die_string(dw, cu, &d.name);
	*linkage = nsym__die_string(dw, cu, &d.linkage);
	return d.origin != 0 ? d.origin : d.specification;
}

int nsym__scope_names(struct nsym_dwarf *dw, struct nsym_unit *unit, struct nsym_scope *scope)
{
	const char *linkage = scope->own_linkage, *name = scope->own_name;
	uint64_t off = scope->origin, name_die = name != NULL ? scope->die : 0;

	(void)unit;
	if (scope->names_done)
		return 0;
	for (int hop = 0; hop < NSYM_MAX_NAME_LINKS && off != 0 && linkage == NULL; hop++) {
		const struct nsym_sub *sub = nsym__dwarf_sub(dw, off);
		const char *n = NULL, *l = NULL;
		uint64_t next;
		if (sub != NULL) {
			n = sub->name, l = sub->linkage, next = sub->origin;
		} else {
			next = read_elsewhere(dw, off, &n, &l);
		}
		linkage = l;
		if (name == NULL && n != NULL) {
			name = n;
			name_die = off;
		}
		off = next;
	}
	scope->linkage = linkage;
	scope->name = name;
	if (name != NULL)
		scope->dwarf_name = rust_dwarf_name(dw, name_die, name);
	if (linkage != NULL && display_name(&scope->name, dw, linkage) != 0)
		return NSYM_ENOMEM;
	scope->names_done = 1;
	return 0;
}
