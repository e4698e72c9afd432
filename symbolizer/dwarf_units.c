/*
 * Opening a file's DWARF and the unit index: every unit header of
 * .debug_info read in turn, every unit DIE read for its address ranges
 * (low/high pc or DW_AT_ranges), and the ranges sorted for binary search.
 * We read the unit DIEs rather than .debug_aranges because aranges is often
 * missing or incomplete (rustc before 1.41, many C objects). Reading one DIE
 * per unit is cheap; lines and scopes wait for the first lookup in that
 * unit.
 */
#include <stdlib.h>
#include <string.h>

#include "dwarf_internal.h"

/* Reads the unit header at `offset` of .debug_info into cu and gives the
 * offset of the next unit. Header layouts: DWARF 4 section 7.5.1, DWARF 5
 * section 7.5.1 (with a unit type, and the extra fields of type, skeleton
 * and split units). NSYM_EDWARF when the header cannot be read, which
 * also loses the way to the next one. */
static int read_header(struct nsym_cu *cu, uint64_t *next, const struct nsym_section *info,
                       uint64_t offset, bool big_endian)
{
	struct nsym_buf b = {info->data + offset, info->data + info->size, big_endian, false};
	uint64_t length = nsym_buf_uint(&b, 4);
	uint8_t unit_type = DW_UT_compile;

	memset(cu, 0, sizeof(*cu));
	cu->header = offset;
	cu->offset_size = 4;
	if (length == 0xffffffff) {
		length = nsym_buf_uint(&b, 8);
		cu->offset_size = 8;
	} else if (length >= 0xfffffff0) {
		return NSYM_EDWARF; /* reserved values */
	}
	if (b.bad || length > (uint64_t)(b.end - b.p))
		return NSYM_EDWARF;
	b.end = b.p + length;
	cu->end = (uint64_t)(b.end - info->data);
	cu->version = (uint16_t)nsym_buf_uint(&b, 2);
	if (cu->version < 2 || cu->version > 5)
		return NSYM_EDWARF;
	if (cu->version == 5) {
		unit_type = nsym_buf_u8(&b);
		cu->address_size = nsym_buf_u8(&b);
		cu->abbrev_offset = nsym_buf_uint(&b, cu->offset_size);
	} else {
		cu->abbrev_offset = nsym_buf_uint(&b, cu->offset_size);
		cu->address_size = nsym_buf_u8(&b);
	}
	switch (unit_type) {
	case DW_UT_compile:
	case DW_UT_partial:
		break;
	case DW_UT_skeleton:
	case DW_UT_split_compile:
		nsym_buf_skip(&b, 8); /* dwo_id */
		break;
	case DW_UT_type:
	case DW_UT_split_type:
		nsym_buf_skip(&b, 8 + (uint64_t)cu->offset_size); /* signature, type offset */
		break;
	default:
		return NSYM_EDWARF;
	}
	if (b.bad)
		return NSYM_EDWARF;
	cu->die = (uint64_t)(b.p - info->data);
	*next = cu->end;
	return 0;
}

/* Reads the unit DIE of cu: its bases go into cu; when it has code, the
 * unit joins the index with its ranges. A unit DIE that cannot be read
 * leaves the unit out, as one without code. */
static int add_unit(struct nsym_dwarf *dw, struct nsym_cu *cu)
{
	struct nsym_range_list ranges = {0};
	struct nsym_unit *unit;
	struct nsym_die d;
	int rc;

	cu->str_offsets_base = cu->offset_size == 8 ? 16 : 8; /* past a header */
	if (nsym__die_unit(&d, dw, cu) != 0)
		return 0;
	if (d.has_addr_base)
		cu->addr_base = d.addr_base;
	if (d.has_rnglists_base)
		cu->rnglists_base = d.rnglists_base;
	if (d.has_str_offsets_base)
		cu->str_offsets_base = d.str_offsets_base;
	if (!nsym__die_low_pc(&cu->base, dw, cu, &d))
		cu->base = 0;
	rc = nsym__die_ranges(&ranges, dw, cu, &d);
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
	unit->cu = *cu;
	unit->language = (uint16_t)d.language;
	unit->stmt_list = d.stmt_list;
	unit->has_stmt_list = d.has_stmt_list;
	unit->comp_dir = nsym__die_string(dw, cu, &d.comp_dir);
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

static int index_units(struct nsym_dwarf *dw, const struct nsym_section *info)
{
	uint64_t offset = 0;

	while (offset < info->size) {
		struct nsym_cu cu;
		int rc = read_header(&cu, &offset, info, offset, dw->big_endian);
		if (rc != 0)
			break; /* no way to the units after it: keep those before */
		/* other address sizes are for machines we do not read */
		if (cu.address_size != 4 && cu.address_size != 8)
			continue;
		rc = add_unit(dw, &cu);
		if (rc == 0)
			rc = nsym__grow((void **)&dw->cus, &dw->cus_cap, dw->ncus + 1,
			                sizeof(*dw->cus));
		if (rc != 0)
			return nsym__fail(rc, dw->path, NULL);
		dw->cus[dw->ncus++] = cu;
	}
	if (dw->nuranges > 1)
		qsort(dw->uranges, dw->nuranges, sizeof(*dw->uranges), compare_unit_ranges);
	return 0;
}

int nsym__dwarf_open(struct nsym_dwarf **out, const struct nsym_dwarf_sections *in)
{
	struct nsym_dwarf *dw;
	int rc;

	*out = NULL;
	if (in->sec[NSYM_DW_INFO].data == NULL || in->sec[NSYM_DW_INFO].size == 0)
		return nsym__fail(NSYM_ENODEBUG, in->path, "no DWARF debug information");
	dw = calloc(1, sizeof(*dw));
	if (dw == NULL)
		return nsym__fail(NSYM_ENOMEM, in->path, NULL);
	dw->path = in->path;
	dw->big_endian = in->big_endian;
	memcpy(dw->sec, in->sec, sizeof(dw->sec));
	rc = index_units(dw, &dw->sec[NSYM_DW_INFO]);
	if (rc != 0) {
		nsym__dwarf_close(dw);
		return rc;
	}
	*out = dw;
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

struct nsym_unit *nsym__dwarf_unit_of_die(struct nsym_dwarf *dw, uint64_t die)
{
	/* units are indexed in section order */
	size_t lo = NSYM_UPPER_BOUND(dw->units, dw->nunits, struct nsym_unit, cu.header, die);

	if (lo == 0 || die >= dw->units[lo - 1].cu.end)
		return NULL;
	return &dw->units[lo - 1];
}

const struct nsym_cu *nsym__dwarf_cu_of_die(struct nsym_dwarf *dw, uint64_t die)
{
	size_t lo = NSYM_UPPER_BOUND(dw->cus, dw->ncus, struct nsym_cu, header, die);

	if (lo == 0 || die >= dw->cus[lo - 1].end)
		return NULL;
	return &dw->cus[lo - 1];
}

int nsym__unit_parse(struct nsym_dwarf *dw, struct nsym_unit *unit)
{
	int rc;

	if (unit->parsed != 0)
		return unit->parsed < 0 ? unit->parsed : 0;
	rc = nsym__unit_read_lines(dw, unit);
	if (rc == 0)
		rc = nsym__unit_read_scopes(dw, unit);
	/* The readers keep what they read of a damaged section; for want of
	 * memory the unit is not damaged: it fails, and the next lookup in it
	 * tries again. */
	if (rc == NSYM_ENOMEM) {
		nsym__unit_release(unit);
		return nsym__fail(NSYM_ENOMEM, dw->path, NULL);
	}
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
	if (dw == NULL)
		return;
	for (size_t i = 0; i < dw->nunits; i++)
		nsym__unit_release(&dw->units[i]);
	free(dw->units);
	free(dw->uranges);
	free(dw->cus);
	nsym__abbrevs_free(&dw->last_abbrevs);
	nsym__name_cache_free(dw->names);
	free(dw);
}
