/*
 * A unit's scopes: every subprogram and inlined subroutine that has code,
 * with its ranges, its enclosing scope and, for inlined ones, where it was
 * called from. Found by walking the DIE tree without recursion (a hostile
 * file cannot overflow our stack), descending only into DIEs that can hold
 * code: namespaces and types (Rust and C++ methods live there), concrete
 * subprograms, inlined subroutines and lexical blocks.
 */
#include <stdlib.h>
#include <string.h>

#include "dwarf_internal.h"

#define NSYM_MAX_DIE_DEPTH 512

struct walk_level {
	Dwarf_Die die;
	uint32_t scope; /* enclosing scope of the DIEs at this level */
	uint32_t depth; /* their inline depth */
};

struct walk {
	struct nsym_dwarf *dw;
	struct nsym_unit *unit;
	size_t scopes_cap, ranges_cap;
	struct nsym_range_list ranges; /* reused for each DIE */
};

static bool holds_code(Dwarf_Half tag)
{
	switch (tag) {
	case DW_TAG_namespace:
	case DW_TAG_module:
	case DW_TAG_lexical_block:
		return true;
	}
	return false;
}

static int add_scope(struct walk *w, Dwarf_Die die, Dwarf_Half tag, const struct walk_level *at,
                     uint32_t *out_index, uint32_t *out_depth)
{
	struct nsym_unit *unit = w->unit;
	struct nsym_die_attrs a;
	struct nsym_scope *s;
	Dwarf_Off off = 0;
	Dwarf_Error err = NULL;
	bool inlined = tag == DW_TAG_inlined_subroutine && at->scope != NSYM_NO_SCOPE;
	uint64_t entry = UINT64_MAX;
	int rc;

	w->ranges.count = 0;
	*out_index = NSYM_NO_SCOPE;
	rc = nsym__die_read(&a, w->dw, die, unit->base, &w->ranges);
	if (rc != 0 || w->ranges.count == 0)
		return rc; /* a declaration or abstract instance: no code */
	if (dwarf_dieoffset(die, &off, &err) != DW_DLV_OK) {
		dwarf_dealloc_error(w->dw->dbg, err);
		return 0;
	}
	if (nsym__grow((void **)&unit->scopes, &w->scopes_cap, unit->nscopes + 1,
	               sizeof(*unit->scopes)) != 0 ||
	    nsym__grow((void **)&unit->ranges, &w->ranges_cap, unit->nranges + w->ranges.count,
	               sizeof(*unit->ranges)) != 0)
		return NSYM_ENOMEM;
	*out_depth = inlined ? at->depth + 1 : 0;
	*out_index = (uint32_t)unit->nscopes;
	for (size_t i = 0; i < w->ranges.count; i++) {
		struct nsym_scope_range *r = &unit->ranges[unit->nranges++];
		r->lo = w->ranges.items[i].lo;
		r->hi = w->ranges.items[i].hi;
		r->scope = *out_index;
		r->depth = *out_depth;
		if (r->lo < entry)
			entry = r->lo;
	}
	s = &unit->scopes[unit->nscopes++];
	memset(s, 0, sizeof(*s));
	s->die = off;
	s->parent = inlined ? at->scope : NSYM_NO_SCOPE;
	s->inlined = inlined;
	s->call_file = (uint32_t)a.call_file;
	s->call_line = (uint32_t)a.call_line;
	s->call_column = (uint32_t)a.call_column;
	s->entry = a.has_low ? a.low : entry;
	return 0;
}

/* Decides whether to enter `die`'s children, and with which scope. */
static int visit(struct walk *w, const struct walk_level *at, bool *out_descend,
                 struct walk_level *out_child)
{
	Dwarf_Half tag = 0;
	Dwarf_Error err = NULL;
	uint32_t index, depth;
	int rc;

	*out_descend = false;
	*out_child = *at;
	if (dwarf_tag(at->die, &tag, &err) != DW_DLV_OK) {
		dwarf_dealloc_error(w->dw->dbg, err);
		return 0;
	}
	if (tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine) {
		rc = add_scope(w, at->die, tag, at, &index, &depth);
		if (rc != 0 || index == NSYM_NO_SCOPE)
			return rc;
		out_child->scope = index;
		out_child->depth = depth;
		*out_descend = true;
	} else {
		*out_descend = holds_code(tag);
	}
	return 0;
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

static Dwarf_Off die_offset(struct nsym_dwarf *dw, Dwarf_Die die)
{
	Dwarf_Off off = 0;
	Dwarf_Error err = NULL;
	if (dwarf_dieoffset(die, &off, &err) != DW_DLV_OK)
		dwarf_dealloc_error(dw->dbg, err);
	return off;
}

/* Steps to the next DIE after the top of the stack, popping finished
 * levels; returns the new stack height (0 when the walk is over). */
static size_t advance(struct nsym_dwarf *dw, struct walk_level *stack, size_t height)
{
	while (height > 0) {
		struct walk_level *top = &stack[height - 1];
		Dwarf_Die next = NULL;
		Dwarf_Error err = NULL;
		Dwarf_Off here = die_offset(dw, top->die);
		int rc = dwarf_siblingof_b(dw->dbg, top->die, 1, &next, &err);
		dwarf_dealloc_die(top->die);
		top->die = NULL;
		if (rc == DW_DLV_ERROR)
			dwarf_dealloc_error(dw->dbg, err);
		/* A damaged DW_AT_sibling may point backwards; never revisit. */
		if (rc == DW_DLV_OK && die_offset(dw, next) > here) {
			top->die = next;
			return height;
		}
		if (rc == DW_DLV_OK)
			dwarf_dealloc_die(next);
		height--;
	}
	return 0;
}

int nsym__unit_read_scopes(struct nsym_dwarf *dw, struct nsym_unit *unit, Dwarf_Die cu_die)
{
	struct walk w = {.dw = dw, .unit = unit};
	struct walk_level *stack = calloc(NSYM_MAX_DIE_DEPTH, sizeof(*stack));
	size_t height = 0;
	Dwarf_Die first = NULL;
	Dwarf_Error err = NULL;
	int rc = 0;

	if (stack == NULL)
		return NSYM_ENOMEM;
	if (dwarf_child(cu_die, &first, &err) == DW_DLV_OK)
		stack[height++] = (struct walk_level){first, NSYM_NO_SCOPE, 0};
	else if (err != NULL)
		dwarf_dealloc_error(dw->dbg, err);
	while (height > 0 && rc == 0) {
		struct walk_level child;
		bool descend = false;
		Dwarf_Die kid = NULL;
		rc = visit(&w, &stack[height - 1], &descend, &child);
		if (rc == 0 && descend && height < NSYM_MAX_DIE_DEPTH) {
			int crc = dwarf_child(stack[height - 1].die, &kid, &err);
			if (crc == DW_DLV_OK) {
				child.die = kid;
				stack[height++] = child;
				continue;
			}
			if (crc == DW_DLV_ERROR)
				dwarf_dealloc_error(dw->dbg, err);
			err = NULL;
		}
		height = advance(dw, stack, height);
	}
	while (height > 0)
		dwarf_dealloc_die(stack[--height].die);
	free(stack);
	nsym__range_list_free(&w.ranges);
	if (unit->nranges > 1)
		qsort(unit->ranges, unit->nranges, sizeof(*unit->ranges), compare_scope_ranges);
	return rc;
}
