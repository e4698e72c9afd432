/*
 * A unit's scopes, read straight from .debug_info. libdwarf handed out one
 * allocated object per DIE and, when a producer omits DW_AT_sibling (LLVM and
 * rustc do), decoded a whole subtree again each time it stepped past it: two
 * thirds of a lookup's time on a large Rust file went there. This walker
 * decodes each DIE once, in order (dwarf_die.c), allocating nothing per DIE,
 * and keeps only subprograms and inlined subroutines that have code, with
 * their ranges (dwarf_ranges.c) and call sites, and every subprogram's names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf_internal.h"

#define NSYM_MAX_DIE_DEPTH 1024

/* What the walk needs to know about the unit being read. */
struct unit_ctx {
	struct nsym_dwarf *dw;
	struct nsym_unit *unit;
	bool rust; /* keep namespace paths for names */
};

static const char *die_name(const struct unit_ctx *c, const struct nsym_die *d)
{
	return nsym__die_string(c->dw, &c->unit->cu, &d->name);
}

static const char *die_linkage(const struct unit_ctx *c, const struct nsym_die *d)
{
	return nsym__die_string(c->dw, &c->unit->cu, &d->linkage);
}

/* Where the DIE's names may continue: abstract_origin, else specification. */
static uint64_t die_origin(const struct nsym_die *d)
{
	return d->origin != 0 ? d->origin : d->specification;
}

/* Rust: a namespace's full path, "crate::module::Type". */
static int push_namespace(uint32_t *out, struct unit_ctx *c, uint32_t parent, const char *name)
{
	struct nsym_unit *u = c->unit;
	const char *prefix =
	    parent != NSYM_NO_SCOPE && parent < u->nns ? u->ns_paths[parent] : NULL;
	size_t len = (prefix ? strlen(prefix) + 2 : 0) + strlen(name) + 1;
	char *path = malloc(len);

	if (path == NULL ||
	    nsym__grow((void **)&u->ns_paths, &u->ns_cap, u->nns + 1, sizeof(*u->ns_paths)) != 0) {
		free(path);
		return NSYM_ENOMEM;
	}
	snprintf(path, len, "%s%s%s", prefix ? prefix : "", prefix ? "::" : "", name);
	u->ns_paths[u->nns] = path;
	*out = (uint32_t)u->nns++;
	return 0;
}

static int note_subprogram(struct unit_ctx *c, const struct nsym_die *d, uint32_t ns)
{
	struct nsym_unit *u = c->unit;
	if (nsym__grow((void **)&u->subs, &u->subs_cap, u->nsubs + 1, sizeof(*u->subs)) != 0)
		return NSYM_ENOMEM;
	u->subs[u->nsubs++] =
	    (struct nsym_sub){d->offset, die_name(c, d), die_linkage(c, d), die_origin(d), ns};
	return 0;
}

struct level {
	uint32_t scope; /* enclosing scope of the DIEs at this level */
	uint32_t depth; /* their inline depth */
	bool wanted;    /* whether DIEs at this level can hold code */
	uint32_t ns;    /* Rust: their namespace path, or NSYM_NO_SCOPE */
};

struct walk {
	struct unit_ctx c;
	size_t scopes_cap, ranges_cap;
	struct nsym_range_list ranges; /* reused for each DIE */
};

static int add_scope(struct walk *w, const struct nsym_die *d, const struct level *at,
                     uint32_t *out_index)
{
	struct nsym_unit *unit = w->c.unit;
	bool inlined = d->tag == DW_TAG_inlined_subroutine && at->scope != NSYM_NO_SCOPE;
	uint32_t depth = inlined ? at->depth + 1 : 0;
	uint64_t entry = UINT64_MAX;
	struct nsym_scope *s;
	int rc;

	*out_index = NSYM_NO_SCOPE;
	w->ranges.count = 0;
	rc = nsym__die_ranges(&w->ranges, w->c.dw, &unit->cu, d);
	if (rc != 0 || w->ranges.count == 0)
		return rc;
	if (nsym__grow((void **)&unit->scopes, &w->scopes_cap, unit->nscopes + 1,
	               sizeof(*unit->scopes)) != 0 ||
	    nsym__grow((void **)&unit->ranges, &w->ranges_cap, unit->nranges + w->ranges.count,
	               sizeof(*unit->ranges)) != 0)
		return NSYM_ENOMEM;
	*out_index = (uint32_t)unit->nscopes;
	for (size_t i = 0; i < w->ranges.count; i++) {
		struct nsym_scope_range *r = &unit->ranges[unit->nranges++];
		r->lo = w->ranges.items[i].lo;
		r->hi = w->ranges.items[i].hi;
		r->scope = *out_index;
		r->depth = depth;
		if (r->lo < entry)
			entry = r->lo;
	}
	s = &unit->scopes[unit->nscopes++];
	memset(s, 0, sizeof(*s));
	s->die = d->offset;
	s->parent = inlined ? at->scope : NSYM_NO_SCOPE;
	s->inlined = inlined;
	s->call_file = (uint32_t)d->call_file;
	s->call_line = (uint32_t)d->call_line;
	s->call_column = (uint32_t)d->call_column;
	s->entry = entry;
	s->depth = depth;
	s->own_name = die_name(&w->c, d);
	s->own_linkage = die_linkage(&w->c, d);
	s->origin = die_origin(d);
	return 0;
}

/* The level for d's children: which scope they belong to, whether they can
 * hold code at all. */
static int child_level(struct walk *w, const struct nsym_die *d, const struct level *at,
                       struct level *out)
{
	const char *name;
	uint32_t index;
	int rc;

	*out = (struct level){at->scope, at->depth, false, at->ns};
	if (!at->wanted)
		return 0;
	if (w->c.rust && d->tag == DW_TAG_namespace && (name = die_name(&w->c, d)) != NULL) {
		rc = push_namespace(&out->ns, &w->c, at->ns, name);
		if (rc != 0)
			return rc;
	}
	if (d->tag == DW_TAG_subprogram) {
		rc = note_subprogram(&w->c, d, at->ns);
		if (rc != 0)
			return rc;
	}
	switch (d->tag) {
	case DW_TAG_subprogram:
	case DW_TAG_inlined_subroutine:
		rc = add_scope(w, d, at, &index);
		if (rc != 0 || index == NSYM_NO_SCOPE)
			return rc; /* declarations and abstract instances: no code */
		out->scope = index;
		out->depth = w->c.unit->scopes[index].depth;
		out->wanted = true;
		return 0;
	case DW_TAG_namespace:
	case DW_TAG_module:
	case DW_TAG_lexical_block:
		out->wanted = true;
		return 0;
	}
	return 0;
}

static int walk_dies(struct walk *w, struct nsym_buf *b, const struct nsym_section *info,
                     const struct nsym_abbrevs *t)
{
	const struct nsym_cu *cu = &w->c.unit->cu;
	struct level *stack = malloc(NSYM_MAX_DIE_DEPTH * sizeof(*stack));
	size_t height = 1;
	int rc = 0;

	if (stack == NULL)
		return NSYM_ENOMEM;
	stack[0] = (struct level){NSYM_NO_SCOPE, 0, true, NSYM_NO_SCOPE};
	while (height > 0 && rc == 0 && b->p < b->end && !b->bad) {
		struct nsym_die d = {.offset = (uint64_t)(b->p - info->data)};
		uint64_t code = nsym_buf_uleb(b);
		const struct nsym_abbrev *a;
		struct level next;
		if (code == 0) {
			height--; /* the end of a list of children */
			continue;
		}
		a = nsym__abbrev_find(t, code);
		if (a == NULL)
			break; /* damaged: keep what was read */
		d.tag = a->tag;
		d.children = a->children;
		nsym__die_decode(&d, b, cu, &t->attrs[a->first], a->count);
		if (b->bad)
			break; /* a DIE cut short: keep what was read before it */
		rc = child_level(w, &d, &stack[height - 1], &next);
		if (rc != 0 || !d.children)
			continue;
		if (!next.wanted && d.has_sibling) {
			/* skip a subtree in one step; DW_AT_sibling counts from the
			 * unit header, and must lead forward within the unit */
			uint64_t to = cu->header + d.sibling;
			uint64_t here = (uint64_t)(b->p - info->data);
			if (to > here && to <= cu->end) {
				b->p = info->data + to;
				continue;
			}
		}
		if (height == NSYM_MAX_DIE_DEPTH)
			break;
		stack[height++] = next;
	}
	free(stack);
	return rc;
}

static int compare_scope_ranges(const void *pa, const void *pb)
{
	const struct nsym_scope_range *a = pa, *b = pb;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	if (a->depth != b->depth)
		return a->depth < b->depth ? -1 : 1;
	return a->scope < b->scope ? -1 : a->scope > b->scope;
}

int nsym__unit_read_scopes(struct nsym_dwarf *dw, struct nsym_unit *unit)
{
	const struct nsym_cu *cu = &unit->cu;
	struct nsym_abbrevs t;
	struct nsym_section info;
	struct nsym_buf b;
	struct walk w = {.c = {dw, unit, unit->language == DW_LANG_Rust}};
	struct nsym_die root = {.offset = cu->die};
	const struct nsym_abbrev *a;
	int rc;

	info = dw->sec[NSYM_DW_INFO];
	if (info.data == NULL || cu->die >= info.size || cu->end > info.size || cu->end <= cu->die)
		return 0;
	rc = nsym__abbrevs_read(&t, dw, cu->abbrev_offset);
	if (rc != 0) {
		nsym__abbrevs_free(&t);
		return rc == NSYM_ENOMEM ? rc : 0;
	}
	b = (struct nsym_buf){info.data + cu->die, info.data + cu->end, dw->big_endian, false};
	a = nsym__abbrev_find(&t, nsym_buf_uleb(&b));
	if (a != NULL && a->children) {
		/* the unit DIE's own attributes were read by the index */
		nsym__die_decode(&root, &b, cu, &t.attrs[a->first], a->count);
		rc = walk_dies(&w, &b, &info, &t);
	}
	nsym__abbrevs_free(&t);
	free(w.ranges.items);
	if (unit->nranges > 1)
		qsort(unit->ranges, unit->nranges, sizeof(*unit->ranges), compare_scope_ranges);
	return rc;
}
