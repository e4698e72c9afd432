/*
 * Reading one DIE: the handful of attributes the symbolizer needs, taken in
 * a single pass over its attribute list, and its address ranges in every
 * form DWARF 4 and 5 give them (low/high pc, .debug_ranges, .debug_rnglists
 * by offset or index).
 */
#include <stdlib.h>
#include <string.h>

#include "dwarf_internal.h"

int nsym__range_add(struct nsym_range_list *list, uint64_t lo, uint64_t hi)
{
	if (hi <= lo || nsym__is_tombstone(lo))
		return 0;
	if (nsym__grow((void **)&list->items, &list->capacity, list->count + 1,
	               sizeof(list->items[0])) != 0)
		return NSYM_ENOMEM;
	list->items[list->count].lo = lo;
	list->items[list->count].hi = hi;
	list->count++;
	return 0;
}

void nsym__range_list_free(struct nsym_range_list *list)
{
	free(list->items);
	memset(list, 0, sizeof(*list));
}

/* DWARF 4: .debug_ranges, entries relative to a base that starts as the
 * unit's low_pc and may be changed by base-address-selection entries. */
static int read_ranges_v4(struct nsym_dwarf *dw, Dwarf_Die die, Dwarf_Unsigned offset,
                          uint64_t base, struct nsym_range_list *out)
{
	Dwarf_Ranges *r = NULL;
	Dwarf_Signed count = 0;
	Dwarf_Unsigned bytes = 0;
	Dwarf_Off real = 0;
	Dwarf_Error err = NULL;
	int rc = 0;

	if (dwarf_get_ranges_b(dw->dbg, offset, die, &real, &r, &count, &bytes, &err) !=
	    DW_DLV_OK) {
		if (err != NULL)
			dwarf_dealloc_error(dw->dbg, err);
		return 0; /* a broken list loses that DIE's ranges, not the file */
	}
	for (Dwarf_Signed i = 0; i < count && rc == 0; i++) {
		if (r[i].dwr_type == DW_RANGES_ADDRESS_SELECTION)
			base = r[i].dwr_addr2;
		else if (r[i].dwr_type == DW_RANGES_ENTRY)
			rc = nsym__range_add(out, base + r[i].dwr_addr1, base + r[i].dwr_addr2);
	}
	dwarf_ranges_dealloc(dw->dbg, r, count);
	return rc;
}

/* DWARF 5: .debug_rnglists; libdwarf applies bases and indexes for us. */
static int read_rnglists(struct nsym_dwarf *dw, Dwarf_Attribute attr, Dwarf_Half form,
                         Dwarf_Unsigned value, struct nsym_range_list *out)
{
	Dwarf_Rnglists_Head head = NULL;
	Dwarf_Unsigned count = 0, global = 0;
	Dwarf_Error err = NULL;
	int rc = 0;

	if (dwarf_rnglists_get_rle_head(attr, form, value, &head, &count, &global, &err) !=
	    DW_DLV_OK) {
		if (err != NULL)
			dwarf_dealloc_error(dw->dbg, err);
		return 0;
	}
	for (Dwarf_Unsigned i = 0; i < count && rc == 0; i++) {
		unsigned len = 0, code = 0;
		Dwarf_Unsigned raw1, raw2, lo = 0, hi = 0;
		Dwarf_Bool unavailable = 0;
		if (dwarf_get_rnglists_entry_fields_a(head, i, &len, &code, &raw1, &raw2,
		                                      &unavailable, &lo, &hi, &err) != DW_DLV_OK) {
			if (err != NULL)
				dwarf_dealloc_error(dw->dbg, err);
			break;
		}
		if (unavailable || code == DW_RLE_end_of_list || code == DW_RLE_base_address ||
		    code == DW_RLE_base_addressx)
			continue;
		rc = nsym__range_add(out, lo, hi);
	}
	dwarf_dealloc_rnglists_head(head);
	return rc;
}

static int read_ranges_attr(struct nsym_dwarf *dw, Dwarf_Die die, Dwarf_Attribute attr,
                            uint64_t base, struct nsym_range_list *out)
{
	Dwarf_Half form = 0, version = 0, offset_size = 0;
	Dwarf_Unsigned value = 0;
	Dwarf_Error err = NULL;

	if (dwarf_whatform(attr, &form, &err) != DW_DLV_OK)
		goto bad;
	if (dwarf_formudata(attr, &value, &err) != DW_DLV_OK) {
		Dwarf_Off off = 0;
		dwarf_dealloc_error(dw->dbg, err);
		err = NULL;
		if (dwarf_global_formref(attr, &off, &err) != DW_DLV_OK)
			goto bad;
		value = off;
	}
	if (dwarf_get_version_of_die(die, &version, &offset_size) != DW_DLV_OK)
		version = 4;
	if (version >= 5)
		return read_rnglists(dw, attr, form, value, out);
	return read_ranges_v4(dw, die, value, base, out);
bad:
	if (err != NULL)
		dwarf_dealloc_error(dw->dbg, err);
	return 0;
}

static uint64_t form_udata(Dwarf_Attribute attr, Dwarf_Debug dbg)
{
	Dwarf_Unsigned v = 0;
	Dwarf_Error err = NULL;
	if (dwarf_formudata(attr, &v, &err) != DW_DLV_OK) {
		if (err != NULL)
			dwarf_dealloc_error(dbg, err);
		return 0;
	}
	return v;
}

/* A section offset (DW_FORM_sec_offset, or data4/8 before DWARF 4). */
static uint64_t form_offset(Dwarf_Attribute attr, Dwarf_Debug dbg)
{
	Dwarf_Unsigned v = 0;
	Dwarf_Off off = 0;
	Dwarf_Error err = NULL;

	if (dwarf_formudata(attr, &v, &err) == DW_DLV_OK)
		return v;
	if (err != NULL)
		dwarf_dealloc_error(dbg, err);
	err = NULL;
	if (dwarf_global_formref(attr, &off, &err) == DW_DLV_OK)
		return off;
	if (err != NULL)
		dwarf_dealloc_error(dbg, err);
	return 0;
}

static Dwarf_Off form_ref(Dwarf_Attribute attr, Dwarf_Debug dbg)
{
	Dwarf_Off v = 0;
	Dwarf_Error err = NULL;
	if (dwarf_global_formref(attr, &v, &err) != DW_DLV_OK) {
		if (err != NULL)
			dwarf_dealloc_error(dbg, err);
		return 0;
	}
	return v;
}

static const char *form_string(Dwarf_Attribute attr, Dwarf_Debug dbg)
{
	char *s = NULL;
	Dwarf_Error err = NULL;
	if (dwarf_formstring(attr, &s, &err) != DW_DLV_OK) {
		if (err != NULL)
			dwarf_dealloc_error(dbg, err);
		return NULL;
	}
	return s;
}

static void read_one(struct nsym_die_attrs *out, Dwarf_Debug dbg, Dwarf_Attribute attr,
                     Dwarf_Half at)
{
	Dwarf_Error err = NULL;
	Dwarf_Addr addr = 0;
	Dwarf_Half form = 0;

	switch (at) {
	case DW_AT_low_pc:
		if (dwarf_formaddr(attr, &addr, &err) == DW_DLV_OK) {
			out->low = addr;
			out->has_low = 1;
		}
		break;
	case DW_AT_high_pc:
		if (dwarf_whatform(attr, &form, &err) == DW_DLV_OK && form == DW_FORM_addr) {
			if (dwarf_formaddr(attr, &addr, &err) == DW_DLV_OK) {
				out->high = addr;
				out->has_high = 1;
			}
		} else {
			out->high = form_udata(attr, dbg);
			out->has_high = 1;
			out->high_is_offset = 1;
		}
		break;
	case DW_AT_abstract_origin:
		out->origin = form_ref(attr, dbg);
		out->has_origin = out->origin != 0;
		break;
	case DW_AT_specification:
		out->specification = form_ref(attr, dbg);
		out->has_specification = out->specification != 0;
		break;
	case DW_AT_name:
		out->name = form_string(attr, dbg);
		break;
	case DW_AT_linkage_name:
	case DW_AT_MIPS_linkage_name:
		out->linkage_name = form_string(attr, dbg);
		break;
	case DW_AT_comp_dir:
		out->comp_dir = form_string(attr, dbg);
		break;
	case DW_AT_stmt_list:
		out->stmt_list = form_offset(attr, dbg);
		out->has_stmt_list = 1;
		break;
	case DW_AT_language:
		out->language = (uint16_t)form_udata(attr, dbg);
		break;
	}
	if (err != NULL)
		dwarf_dealloc_error(dbg, err);
}

int nsym__die_read(struct nsym_die_attrs *out, struct nsym_dwarf *dw, Dwarf_Die die, uint64_t base,
                   struct nsym_range_list *ranges)
{
	Dwarf_Attribute *attrs = NULL;
	Dwarf_Signed count = 0;
	Dwarf_Signed ranges_at = -1;
	Dwarf_Error err = NULL;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (dwarf_attrlist(die, &attrs, &count, &err) != DW_DLV_OK) {
		if (err != NULL)
			dwarf_dealloc_error(dw->dbg, err);
		return 0;
	}
	for (Dwarf_Signed i = 0; i < count; i++) {
		Dwarf_Half at = 0;
		if (dwarf_whatattr(attrs[i], &at, &err) != DW_DLV_OK) {
			dwarf_dealloc_error(dw->dbg, err);
			err = NULL;
		} else if (at == DW_AT_ranges) {
			ranges_at = i;
		} else {
			read_one(out, dw->dbg, attrs[i], at);
		}
	}
	if (out->has_high && out->high_is_offset)
		out->high += out->low;
	/* Ranges last: a unit's own low_pc, wherever it stands in the list,
	 * is the base of its DWARF 4 range list. */
	if (ranges_at >= 0) {
		out->has_ranges = 1;
		if (base == NSYM_BASE_OWN_LOW_PC)
			base = out->has_low ? out->low : 0;
		if (ranges != NULL)
			rc = read_ranges_attr(dw, die, attrs[ranges_at], base, ranges);
	}
	for (Dwarf_Signed i = 0; i < count; i++)
		dwarf_dealloc_attribute(attrs[i]);
	dwarf_dealloc(dw->dbg, attrs, DW_DLA_LIST);
	if (ranges != NULL && rc == 0 && out->has_low && out->has_high)
		rc = nsym__range_add(ranges, out->low, out->high);
	return rc;
}
