/*
 * The unit index: every compilation unit's address ranges, read from its
 * unit DIE (low/high pc or DW_AT_ranges), sorted for binary search. We read
 * the unit DIEs rather than .debug_aranges because aranges is often missing
 * or incomplete (rustc before 1.41, many C objects). Reading one DIE per unit
 * is cheap; lines and scopes wait for the first lookup in that unit.
 */
#include <stdlib.h>
#include <string.h>

#include "dwarf_internal.h"

/* What libdwarf read of a unit header. */
struct unit_header {
	Dwarf_Off offset, next, abbrev_offset;
	Dwarf_Half version, address_size, offset_size;
};

static int add_unit(struct nsym_dwarf *dw, Dwarf_Die cu_die, const struct unit_header *h)
{
	struct nsym_range_list ranges = {0};
	struct nsym_die_attrs a;
	struct nsym_unit *unit;
	Dwarf_Off off = 0;
	Dwarf_Error err = NULL;
	int rc;

	if (dwarf_dieoffset(cu_die, &off, &err) != DW_DLV_OK) {
		dwarf_dealloc_error(dw->dbg, err);
		return 0;
	}
	rc = nsym__die_read(&a, dw, cu_die, NSYM_BASE_OWN_LOW_PC, &ranges);
	if (rc == 0 && ranges.count > 0)
		rc = nsym__grow((void **)&dw->units, &dw->units_cap, dw->nunits + 1,
		                sizeof(*dw->units));
	if (rc == 0 && ranges.count > 0)
		rc = nsym__grow((void **)&dw->uranges, &dw->uranges_cap,
		                dw->nuranges + ranges.count, sizeof(*dw->uranges));
	if (rc != 0 || ranges.count == 0) {
		nsym__range_list_free(&ranges);
		return rc;
	}
	unit = &dw->units[dw->nunits];
	memset(unit, 0, sizeof(*unit));
	unit->die = off;
	unit->base = a.has_low ? a.low : 0;
	unit->version = h->version;
	unit->header = h->offset;
	unit->end = h->next;
	unit->abbrev_offset = h->abbrev_offset;
	unit->address_size = (uint8_t)h->address_size;
	unit->offset_size = (uint8_t)h->offset_size;
	unit->language = a.language;
	unit->stmt_list = a.stmt_list;
	unit->has_stmt_list = a.has_stmt_list;
	unit->comp_dir = a.comp_dir;
	for (size_t i = 0; i < ranges.count; i++) {
		struct nsym_unit_range *r = &dw->uranges[dw->nuranges++];
		r->lo = ranges.items[i].lo;
		r->hi = ranges.items[i].hi;
		r->unit = (uint32_t)dw->nunits;
	}
	dw->nunits++;
	nsym__range_list_free(&ranges);
	return 0;
}

static int compare_unit_ranges(const void *pa, const void *pb)
{
	const struct nsym_unit_range *a = pa, *b = pb;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	return a->unit < b->unit ? -1 : a->unit > b->unit;
}

int nsym__dwarf_index_units(struct nsym_dwarf *dw)
{
	Dwarf_Error err = NULL;
	Dwarf_Off offset = 0;

	for (;;) {
		Dwarf_Unsigned header_length = 0, typeoffset = 0, next = 0;
		Dwarf_Half version = 0, address_size = 0, length_size = 0, ext_size = 0;
		Dwarf_Half cu_type = 0;
		Dwarf_Off abbrev = 0;
		Dwarf_Sig8 sig;
		Dwarf_Die cu_die = NULL;
		int rc = dwarf_next_cu_header_d(dw->dbg, 1, &header_length, &version, &abbrev,
		                                &address_size, &length_size, &ext_size, &sig,
		                                &typeoffset, &next, &cu_type, &err);
		if (rc == DW_DLV_NO_ENTRY)
			break;
		if (rc == DW_DLV_ERROR) {
			rc = nsym__fail(NSYM_EDWARF, dw->ef->path, "damaged unit header: %s",
			                dwarf_errmsg(err));
			dwarf_dealloc_error(dw->dbg, err);
			return rc;
		}
		struct unit_header h = {offset, next, abbrev, version, address_size, length_size};
		offset = next;
		if (dwarf_siblingof_b(dw->dbg, NULL, 1, &cu_die, &err) != DW_DLV_OK) {
			if (err != NULL)
				dwarf_dealloc_error(dw->dbg, err);
			err = NULL;
			continue;
		}
		rc = (address_size == 4 || address_size == 8) &&
		             (length_size == 4 || length_size == 8)
		         ? add_unit(dw, cu_die, &h)
		         : 0;
		dwarf_dealloc_die(cu_die);
		if (rc != 0)
			return nsym__fail(rc, dw->ef->path, NULL);
	}
	if (dw->nuranges > 1)
		qsort(dw->uranges, dw->nuranges, sizeof(*dw->uranges), compare_unit_ranges);
	return 0;
}

struct nsym_unit *nsym__dwarf_unit_for(struct nsym_dwarf *dw, uint64_t addr)
{
	size_t lo = NSYM_UPPER_BOUND(dw->uranges, dw->nuranges, struct nsym_unit_range, lo, addr);

	/* Units may overlap (identical code folding, broken producers): take
	 * the nearest one that contains the address, looking back a little. */
	for (size_t i = lo, seen = 0; i > 0 && seen < 64; i--, seen++) {
		const struct nsym_unit_range *r = &dw->uranges[i - 1];
		if (addr >= r->lo && addr < r->hi)
			return &dw->units[r->unit];
	}
	return NULL;
}

struct nsym_unit *nsym__dwarf_unit_of_die(struct nsym_dwarf *dw, Dwarf_Off die)
{
	/* units are indexed in section order */
	size_t lo = NSYM_UPPER_BOUND(dw->units, dw->nunits, struct nsym_unit, header, die);

	if (lo == 0 || die >= dw->units[lo - 1].end)
		return NULL;
	return &dw->units[lo - 1];
}

int nsym__unit_parse(struct nsym_dwarf *dw, struct nsym_unit *unit)
{
	int rc;

	if (unit->parsed != 0)
		return unit->parsed < 0 ? unit->parsed : 0;
	rc = nsym__unit_read_lines(dw, unit);
	if (rc == 0)
		rc = nsym__unit_read_scopes(dw, unit);
	unit->parsed = rc != 0 ? rc : 1;
	return rc;
}

void nsym__unit_release(struct nsym_unit *unit)
{
	for (size_t i = 0; i < unit->nfiles; i++)
		free(unit->files[i]);
	free(unit->files);
	free(unit->rows);
	free(unit->scopes);
	free(unit->ranges);
	for (size_t i = 0; i < unit->nns; i++)
		free(unit->ns_paths[i]);
	free(unit->ns_paths);
	free(unit->subs);
	for (size_t i = 0; i < unit->nowned; i++)
		free(unit->owned[i]);
	free(unit->owned);
	unit->files = NULL, unit->nfiles = 0;
	unit->rows = NULL, unit->nrows = 0;
	unit->scopes = NULL, unit->nscopes = 0;
	unit->ranges = NULL, unit->nranges = 0;
	unit->ns_paths = NULL, unit->nns = unit->ns_cap = 0;
	unit->subs = NULL, unit->nsubs = unit->subs_cap = 0;
	unit->owned = NULL, unit->nowned = unit->owned_cap = 0;
	unit->parsed = 0;
}

void nsym__dwarf_close(struct nsym_dwarf *dw)
{
	Dwarf_Error err = NULL;

	if (dw == NULL)
		return;
	for (size_t i = 0; i < dw->nunits; i++)
		nsym__unit_release(&dw->units[i]);
	free(dw->units);
	free(dw->uranges);
	nsym__name_cache_free(dw->names);
	if (dw->dbg != NULL)
		dwarf_object_finish(dw->dbg, &err);
	free(dw);
}
