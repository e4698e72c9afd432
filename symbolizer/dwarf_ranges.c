/*
 * Address ranges of a DIE, in every form DWARF 2 to 5 gives them: low_pc
 * with high_pc (an address, an offset from low_pc, or an index into
 * .debug_addr), a DWARF 2-4 .debug_ranges list, or a DWARF 5
 * .debug_rnglists list named by section offset or by DW_FORM_rnglistx
 * index. The one decoder for the unit index and the walk alike: every read
 * goes through the bounded cursor, every offset and index is checked
 * against its section before use, and a damaged list ends where the damage
 * starts. Layouts: DWARF 5, sections 2.17.3 (range list entries), 7.25
 * (range list entry kinds) and 7.28 (the range list table).
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

/* A cursor at `offset` of section `index` up to its end, or false when the
 * section is missing or the offset lies outside it. */
static bool cursor_at(struct nsym_buf *out, struct nsym_dwarf *dw, enum nsym_dw_section which,
                      uint64_t offset)
{
	struct nsym_section sec = dw->sec[which];

	if (sec.data == NULL || offset >= sec.size)
		return false;
	*out = (struct nsym_buf){sec.data + offset, sec.data + sec.size, dw->big_endian, false};
	return true;
}

bool nsym__dwarf_address(uint64_t *out, struct nsym_dwarf *dw, const struct nsym_cu *cu,
                         uint64_t index)
{
	struct nsym_buf b;
	uint64_t v;

	/* addr_base points past the contribution's header, at entry 0 */
	if (index > UINT64_MAX / cu->address_size ||
	    cu->addr_base > UINT64_MAX - index * cu->address_size ||
	    !cursor_at(&b, dw, NSYM_DW_ADDR, cu->addr_base + index * cu->address_size))
		return false;
	v = nsym_buf_uint(&b, cu->address_size);
	if (b.bad)
		return false;
	*out = v;
	return true;
}

/* An address attribute's value: the address itself, or the entry of
 * .debug_addr its index names. */
static bool address_of(uint64_t *out, struct nsym_dwarf *dw, const struct nsym_cu *cu,
                       uint16_t form, uint64_t value)
{
	switch (form) {
	case DW_FORM_addrx:
	case DW_FORM_addrx1:
	case DW_FORM_addrx2:
	case DW_FORM_addrx3:
	case DW_FORM_addrx4:
	case DW_FORM_GNU_addr_index:
		return nsym__dwarf_address(out, dw, cu, value);
	case DW_FORM_addr:
		*out = value;
		return true;
	}
	return false;
}

bool nsym__die_low_pc(uint64_t *out, struct nsym_dwarf *dw, const struct nsym_cu *cu,
                      const struct nsym_die *d)
{
	return d->has_low && address_of(out, dw, cu, d->low_form, d->low);
}

static bool is_constant(uint16_t form)
{
	return form == DW_FORM_data1 || form == DW_FORM_data2 || form == DW_FORM_data4 ||
	       form == DW_FORM_data8 || form == DW_FORM_udata || form == DW_FORM_sdata ||
	       form == DW_FORM_implicit_const;
}

/* DWARF 2-4 .debug_ranges: pairs of addresses relative to a base that
 * starts as the unit's and that a pair (largest address, new base)
 * replaces; (0, 0) ends the list. */
static int read_ranges(struct nsym_range_list *out, struct nsym_dwarf *dw, const struct nsym_cu *cu,
                       uint64_t offset)
{
	uint64_t largest = cu->address_size == 4 ? UINT32_MAX : UINT64_MAX, base = cu->base;
	struct nsym_buf b;
	int rc = 0;

	if (!cursor_at(&b, dw, NSYM_DW_RANGES, offset))
		return 0;
	while (rc == 0) {
		uint64_t lo = nsym_buf_uint(&b, cu->address_size);
		uint64_t hi = nsym_buf_uint(&b, cu->address_size);
		if (b.bad || (lo == 0 && hi == 0))
			break;
		if (lo == largest)
			base = hi;
		else
			rc = nsym__range_add(out, base + lo, base + hi);
	}
	return rc;
}

/* DWARF 5 .debug_rnglists: a list of DW_RLE_* entries from `offset` to its
 * DW_RLE_end_of_list. Offset pairs are relative to the base address, which
 * starts as the unit's and which base address entries replace. An entry
 * that cannot be read, or a kind we do not know, ends the list. */
static int read_rnglist(struct nsym_range_list *out, struct nsym_dwarf *dw,
                        const struct nsym_cu *cu, uint64_t offset)
{
	uint64_t base = cu->base;
	struct nsym_buf b;
	int rc = 0;

	if (!cursor_at(&b, dw, NSYM_DW_RNGLISTS, offset))
		return 0;
	while (rc == 0) {
		uint64_t lo = 0, hi = 0;
		bool ok = true;
		switch (nsym_buf_u8(&b)) {
		case DW_RLE_end_of_list:
			return 0;
		case DW_RLE_base_addressx:
			ok = nsym__dwarf_address(&base, dw, cu, nsym_buf_uleb(&b));
			break;
		case DW_RLE_startx_endx:
			ok = nsym__dwarf_address(&lo, dw, cu, nsym_buf_uleb(&b));
			ok = nsym__dwarf_address(&hi, dw, cu, nsym_buf_uleb(&b)) && ok;
			break;
		case DW_RLE_startx_length:
			ok = nsym__dwarf_address(&lo, dw, cu, nsym_buf_uleb(&b));
			hi = lo + nsym_buf_uleb(&b);
			break;
		case DW_RLE_offset_pair:
			lo = base + nsym_buf_uleb(&b);
			hi = base + nsym_buf_uleb(&b);
			break;
		case DW_RLE_base_address:
			base = nsym_buf_uint(&b, cu->address_size);
			break;
		case DW_RLE_start_end:
			lo = nsym_buf_uint(&b, cu->address_size);
			hi = nsym_buf_uint(&b, cu->address_size);
			break;
		case DW_RLE_start_length:
			lo = nsym_buf_uint(&b, cu->address_size);
			hi = lo + nsym_buf_uleb(&b);
			break;
		default:
			return 0; /* an unknown kind: its size is unknown too */
		}
		if (b.bad)
			return 0;
		/* a base entry leaves lo == hi, which adds nothing; an index
		 * that .debug_addr does not hold loses that one range */
		if (ok)
			rc = nsym__range_add(out, lo, hi);
	}
	return rc;
}

/* The section offset of list `index` of the unit's range list table: the
 * offsets array starts at DW_AT_rnglists_base, its entries count from
 * there, and the header's offset_entry_count, the 4 bytes just before the
 * array, says how many there are. */
static bool rnglistx_offset(uint64_t *out, struct nsym_dwarf *dw, const struct nsym_cu *cu,
                            uint64_t index)
{
	uint64_t base = cu->rnglists_base, count;
	struct nsym_buf b;

	if (base < 4 || !cursor_at(&b, dw, NSYM_DW_RNGLISTS, base - 4))
		return false;
	count = nsym_buf_uint(&b, 4);
	if (index >= count)
		return false;
	nsym_buf_skip(&b, index * cu->offset_size); /* count < 2^32: no overflow */
	*out = nsym_buf_uint(&b, cu->offset_size);
	if (b.bad || *out > UINT64_MAX - base)
		return false;
	*out += base;
	return true;
}

int nsym__die_ranges(struct nsym_range_list *out, struct nsym_dwarf *dw, const struct nsym_cu *cu,
                     const struct nsym_die *d)
{
	uint64_t lo, hi = d->high, offset = d->ranges;

	if (d->has_ranges) {
		if (cu->version < 5)
			return read_ranges(out, dw, cu, offset);
		if (d->ranges_form == DW_FORM_rnglistx && !rnglistx_offset(&offset, dw, cu, offset))
			return 0;
		return read_rnglist(out, dw, cu, offset);
	}
	if (!d->has_high || !nsym__die_low_pc(&lo, dw, cu, d))
		return 0;
	if (is_constant(d->high_form))
		hi = lo + d->high;
	else if (!address_of(&hi, dw, cu, d->high_form, d->high))
		return 0;
	return nsym__range_add(out, lo, hi);
}
