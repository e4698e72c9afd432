/*
 * An address to its chain of frames, from one unit's rows and scopes. The
 * innermost frame takes its location from the line table; each outer frame
 * takes it from the call site recorded on the scope inlined into it
 * (DW_AT_call_file/line/column), as gimli's addr2line and LLVM do.
 */
#include <stdlib.h>
#include <string.h>

#include "dwarf_internal.h"

/* How far back from the search point to look for nested ranges before
 * giving up on a damaged or pathological unit. */
#define NSYM_MAX_RANGE_SCAN 65536

static const struct nsym_row *find_row(const struct nsym_unit *unit, uint64_t addr)
{
	size_t lo = NSYM_UPPER_BOUND(unit->rows, unit->nrows, struct nsym_row, addr, addr);

	if (lo == 0 || unit->rows[lo - 1].end_sequence)
		return NULL;
	return &unit->rows[lo - 1];
}

/* The deepest scope whose ranges hold addr. Ranges are sorted by start, so
 * everything nested in the outermost containing range lies between it and
 * the search point. */
static uint32_t find_scope(const struct nsym_unit *unit, uint64_t addr)
{
	size_t lo =
	    NSYM_UPPER_BOUND(unit->ranges, unit->nranges, struct nsym_scope_range, lo, addr);
	uint32_t best = NSYM_NO_SCOPE, best_depth = 0;

	for (size_t i = lo, n = 0; i > 0 && n < NSYM_MAX_RANGE_SCAN; i--, n++) {
		const struct nsym_scope_range *r = &unit->ranges[i - 1];
		if (addr >= r->hi)
			continue;
		if (best == NSYM_NO_SCOPE || r->depth > best_depth) {
			best = r->scope;
			best_depth = r->depth;
		}
		if (r->depth == 0)
			break;
	}
	return best;
}

static const char *file_or_unknown(const struct nsym_unit *unit, uint64_t file)
{
	const char *path = nsym__unit_file(unit, file);
	return path != NULL ? path : "??";
}

int nsym__unit_frames(struct nsym_frames *out, struct nsym_dwarf *dw, struct nsym_unit *unit,
                      const struct nsym_row *row, uint32_t scope, uint64_t addr, unsigned flags)
{
	struct nsym_frame f = {.function = "??", .file = "??"};
	int rc;

	if (row != NULL) {
		f.file = file_or_unknown(unit, row->file);
		f.line = row->line;
		f.column = row->column;
	}
	if (scope == NSYM_NO_SCOPE)
		return nsym__frames_push(out, &f);
	/* Bounded: a damaged file cannot make the chain loop for long. */
	for (int hops = 0; scope != NSYM_NO_SCOPE && hops < 4096; hops++) {
		struct nsym_scope *s = &unit->scopes[scope];
		rc = nsym__scope_names(dw, unit, s);
		if (rc != 0)
			return rc;
		f.function = s->name != NULL ? s->name : "??";
		f.linkage_name = s->linkage;
		f.dwarf_name = s->dwarf_name;
		f.inlined = (flags & NSYM_LOOKUP_NO_INLINES) ? 0 : s->inlined;
		f.symbol_offset = !s->inlined && addr >= s->entry ? addr - s->entry : 0;
		rc = nsym__frames_push(out, &f);
		if (rc != 0 || (flags & NSYM_LOOKUP_NO_INLINES))
			return rc;
		if (s->inlined) {
			f.file = file_or_unknown(unit, s->call_file);
			f.line = s->call_line;
			f.column = s->call_column;
		}
		scope = s->parent;
	}
	return 0;
}

int nsym__dwarf_lookup(struct nsym_frames *out, struct nsym_dwarf *dw, uint64_t addr,
                       unsigned flags, bool *found)
{
	struct nsym_unit *unit = nsym__dwarf_unit_for(dw, addr);
	const struct nsym_row *row;
	uint32_t scope;
	int rc;

	*found = false;
	if (unit == NULL)
		return 0;
	rc = nsym__unit_parse(dw, unit);
	if (rc != 0)
		return rc;
	row = find_row(unit, addr);
	scope = find_scope(unit, addr);
	if (row == NULL && scope == NSYM_NO_SCOPE)
		return 0;
	*found = true;
	return nsym__unit_frames(out, dw, unit, row, scope, addr, flags);
}
