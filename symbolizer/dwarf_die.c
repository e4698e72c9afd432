/*
 * Reading DIEs: abbreviation tables, every attribute form of DWARF 2 to 5,
 * and the handful of attributes the symbolizer needs, decoded in one pass
 * over a bounded cursor. The walk (dwarf_walk.c) decodes a unit's DIEs in
 * order with these; the unit index reads each unit DIE, and names read the
 * odd DIE a name chain leads to that the walk did not record.
 */
#include <stdlib.h>
#include <string.h>

#include "dwarf_internal.h"

/* An abbreviation with more attributes than this is not a real one. */
#define NSYM_MAX_ABBREV_ATTRS 256

static bool load(struct nsym_section *out, struct nsym_dwarf *dw, enum nsym_dw_section which)
{
	*out = dw->sec[which];
	return out->data != NULL;
}

/* The next attribute specification of an abbreviation, or false at the
 * (0, 0) that ends them (or when b runs out: b->bad says which). */
static bool next_spec(struct nsym_buf *b, struct nsym_abbrev_attr *out)
{
	out->name = (uint16_t)nsym_buf_uleb(b);
	out->form = (uint16_t)nsym_buf_uleb(b);
	out->implicit_const = out->form == DW_FORM_implicit_const ? nsym_buf_sleb(b) : 0;
	return !b->bad && (out->name != 0 || out->form != 0);
}

void nsym__abbrevs_free(struct nsym_abbrevs *t)
{
	free(t->items);
	free(t->attrs);
	memset(t, 0, sizeof(*t));
}

int nsym__abbrevs_read(struct nsym_abbrevs *out, struct nsym_dwarf *dw, uint64_t offset)
{
	struct nsym_section sec;
	struct nsym_buf b;

	memset(out, 0, sizeof(*out));
	if (!load(&sec, dw, NSYM_DW_ABBREV) || offset >= sec.size)
		return NSYM_EDWARF;
	b = (struct nsym_buf){sec.data + offset, sec.data + sec.size, dw->big_endian, false};
	out->dense = true;
	for (;;) {
		struct nsym_abbrev a = {0};
		struct nsym_abbrev_attr at;
		a.code = nsym_buf_uleb(&b);
		if (a.code == 0 || b.bad)
			break;
		a.tag = (uint16_t)nsym_buf_uleb(&b);
		a.children = nsym_buf_u8(&b);
		a.first = (uint32_t)out->nattrs;
		while (next_spec(&b, &at)) {
			if (a.count == NSYM_MAX_ABBREV_ATTRS)
				return NSYM_EDWARF;
			if (nsym__grow((void **)&out->attrs, &out->attrs_cap, out->nattrs + 1,
			               sizeof(*out->attrs)) != 0)
				return NSYM_ENOMEM;
			out->attrs[out->nattrs++] = at;
			a.count++;
		}
		if (b.bad)
			break;
		if (nsym__grow((void **)&out->items, &out->cap, out->n + 1, sizeof(*out->items)) !=
		    0)
			return NSYM_ENOMEM;
		if (a.code != out->n + 1)
			out->dense = false;
		out->items[out->n++] = a;
	}
	return b.bad ? NSYM_EDWARF : 0;
}

const struct nsym_abbrev *nsym__abbrev_find(const struct nsym_abbrevs *t, uint64_t code)
{
	if (t->dense)
		return code - 1 < t->n ? &t->items[code - 1] : NULL;
	for (size_t i = 0; i < t->n; i++) {
		if (t->items[i].code == code)
			return &t->items[i];
	}
	return NULL;
}

/* Reads one attribute value; returns the value for the forms that carry a
 * number or an address, and 0 for the rest, which are only skipped. */
static uint64_t read_form(struct nsym_buf *b, const struct nsym_cu *cu, uint16_t form,
                          int64_t implicit_const, int depth)
{
	switch (form) {
	case DW_FORM_addr:
		return nsym_buf_uint(b, cu->address_size);
	case DW_FORM_data1:
	case DW_FORM_ref1:
	case DW_FORM_flag:
	case DW_FORM_strx1:
	case DW_FORM_addrx1:
		return nsym_buf_uint(b, 1);
	case DW_FORM_data2:
	case DW_FORM_ref2:
	case DW_FORM_strx2:
	case DW_FORM_addrx2:
		return nsym_buf_uint(b, 2);
	case DW_FORM_strx3:
	case DW_FORM_addrx3:
		return nsym_buf_uint(b, 3);
	case DW_FORM_data4:
	case DW_FORM_ref4:
	case DW_FORM_ref_sup4:
	case DW_FORM_strx4:
	case DW_FORM_addrx4:
		return nsym_buf_uint(b, 4);
	case DW_FORM_data8:
	case DW_FORM_ref8:
	case DW_FORM_ref_sig8:
	case DW_FORM_ref_sup8:
		return nsym_buf_uint(b, 8);
	case DW_FORM_data16:
		nsym_buf_skip(b, 16);
		return 0;
	case DW_FORM_sdata:
		return (uint64_t)nsym_buf_sleb(b);
	case DW_FORM_udata:
	case DW_FORM_ref_udata:
	case DW_FORM_strx:
	case DW_FORM_addrx:
	case DW_FORM_loclistx:
	case DW_FORM_rnglistx:
	case DW_FORM_GNU_addr_index:
	case DW_FORM_GNU_str_index:
		return nsym_buf_uleb(b);
	case DW_FORM_strp:
	case DW_FORM_line_strp:
	case DW_FORM_sec_offset:
	case DW_FORM_strp_sup:
	case DW_FORM_GNU_ref_alt:
	case DW_FORM_GNU_strp_alt:
		return nsym_buf_uint(b, cu->offset_size);
	case DW_FORM_ref_addr:
		return nsym_buf_uint(b, cu->version <= 2 ? cu->address_size : cu->offset_size);
	case DW_FORM_string:
		nsym_buf_skip_string(b);
		return 0;
	case DW_FORM_block1:
		nsym_buf_skip(b, nsym_buf_uint(b, 1));
		return 0;
	case DW_FORM_block2:
		nsym_buf_skip(b, nsym_buf_uint(b, 2));
		return 0;
	case DW_FORM_block4:
		nsym_buf_skip(b, nsym_buf_uint(b, 4));
		return 0;
	case DW_FORM_block:
	case DW_FORM_exprloc:
		nsym_buf_skip(b, nsym_buf_uleb(b));
		return 0;
	case DW_FORM_flag_present:
		return 1;
	case DW_FORM_implicit_const:
		return (uint64_t)implicit_const;
	case DW_FORM_indirect:
		if (depth > 4)
			break;
		return read_form(b, cu, (uint16_t)nsym_buf_uleb(b), implicit_const, depth + 1);
	}
	b->bad = true; /* a form we cannot size: nothing after it can be read */
	return 0;
}

uint64_t nsym__die_reference(const struct nsym_cu *cu, uint16_t form, uint64_t value)
{
	switch (form) {
	case DW_FORM_ref1:
	case DW_FORM_ref2:
	case DW_FORM_ref4:
	case DW_FORM_ref8:
	case DW_FORM_ref_udata:
		return cu->header + value;
	case DW_FORM_ref_addr:
		return value;
	}
	return 0;
}

/* A string attribute; an inline string only once it is known to end
 * inside the unit. */
static void note_string(struct nsym_die_string *s, const struct nsym_buf *b, uint16_t form,
                        uint64_t value, const unsigned char *at)
{
	s->form = form;
	s->value = value;
	s->inline_ptr = form == DW_FORM_string && !b->bad ? (const char *)at : NULL;
}

void nsym__die_decode(struct nsym_die *d, struct nsym_buf *b, const struct nsym_cu *cu,
                      const struct nsym_abbrev_attr *attrs, uint32_t count)
{
	for (uint32_t i = 0; i < count && !b->bad; i++) {
		const struct nsym_abbrev_attr *at = &attrs[i];
		const unsigned char *here = b->p;
		uint64_t v = read_form(b, cu, at->form, at->implicit_const, 0);
		switch (at->name) {
		case DW_AT_name:
			note_string(&d->name, b, at->form, v, here);
			break;
		case DW_AT_linkage_name:
		case DW_AT_MIPS_linkage_name:
			note_string(&d->linkage, b, at->form, v, here);
			break;
		case DW_AT_comp_dir:
			note_string(&d->comp_dir, b, at->form, v, here);
			break;
		case DW_AT_abstract_origin:
			d->origin = nsym__die_reference(cu, at->form, v);
			break;
		case DW_AT_specification:
			d->specification = nsym__die_reference(cu, at->form, v);
			break;
		case DW_AT_str_offsets_base:
			d->str_offsets_base = v, d->has_str_offsets_base = true;
			break;
		case DW_AT_low_pc:
			d->low = v, d->low_form = at->form, d->has_low = true;
			break;
		case DW_AT_high_pc:
			d->high = v, d->high_form = at->form, d->has_high = true;
			break;
		case DW_AT_ranges:
			d->ranges = v, d->ranges_form = at->form, d->has_ranges = true;
			break;
		case DW_AT_sibling:
			if (at->form != DW_FORM_ref_addr && at->form != DW_FORM_ref_sig8)
				d->sibling = v, d->has_sibling = true;
			break;
		case DW_AT_call_file:
			d->call_file = v;
			break;
		case DW_AT_call_line:
			d->call_line = v;
			break;
		case DW_AT_call_column:
			d->call_column = v;
			break;
		case DW_AT_addr_base:
		case DW_AT_GNU_addr_base:
			d->addr_base = v, d->has_addr_base = true;
			break;
		case DW_AT_rnglists_base:
			d->rnglists_base = v, d->has_rnglists_base = true;
			break;
		case DW_AT_stmt_list:
			d->stmt_list = v, d->has_stmt_list = true;
			break;
		case DW_AT_language:
			d->language = v;
			break;
		}
	}
}

/* A NUL-terminated string at `offset` of a section, or NULL. */
static const char *string_in(const struct nsym_section *sec, uint64_t offset)
{
	if (sec->data == NULL || offset >= sec->size ||
	    memchr(sec->data + offset, 0, sec->size - offset) == NULL)
		return NULL;
	return (const char *)sec->data + offset;
}

const char *nsym__die_string(struct nsym_dwarf *dw, const struct nsym_cu *cu,
                             const struct nsym_die_string *s)
{
	struct nsym_section sec;
	struct nsym_buf b;
	uint64_t at;

	switch (s->form) {
	case DW_FORM_string:
		return s->inline_ptr;
	case DW_FORM_strp:
		return load(&sec, dw, NSYM_DW_STR) ? string_in(&sec, s->value) : NULL;
	case DW_FORM_line_strp:
		return load(&sec, dw, NSYM_DW_LINE_STR) ? string_in(&sec, s->value) : NULL;
	case DW_FORM_strx:
	case DW_FORM_strx1:
	case DW_FORM_strx2:
	case DW_FORM_strx3:
	case DW_FORM_strx4:
	case DW_FORM_GNU_str_index:
		if (!load(&sec, dw, NSYM_DW_STR_OFFSETS) || cu->str_offsets_base > sec.size ||
		    s->value >= (sec.size - cu->str_offsets_base) / cu->offset_size)
			return NULL;
		at = cu->str_offsets_base + s->value * cu->offset_size;
		b = (struct nsym_buf){sec.data + at, sec.data + sec.size, dw->big_endian, false};
		at = nsym_buf_uint(&b, cu->offset_size);
		return !b.bad && load(&sec, dw, NSYM_DW_STR) ? string_in(&sec, at) : NULL;
	}
	return NULL;
}

int nsym__die_unit(struct nsym_die *out, struct nsym_dwarf *dw, const struct nsym_cu *cu)
{
	struct nsym_abbrev_attr attrs[NSYM_MAX_ABBREV_ATTRS];
	struct nsym_section info, abbrev;
	struct nsym_buf b, ab;
	uint64_t code;

	memset(out, 0, sizeof(*out));
	out->offset = cu->die;
	if (!load(&info, dw, NSYM_DW_INFO) || cu->end > info.size || cu->die >= cu->end ||
	    !load(&abbrev, dw, NSYM_DW_ABBREV) || cu->abbrev_offset >= abbrev.size)
		return NSYM_EDWARF;
	b = (struct nsym_buf){info.data + cu->die, info.data + cu->end, dw->big_endian, false};
	code = nsym_buf_uleb(&b);
	if (code == 0 || b.bad)
		return NSYM_EDWARF;
	/* The unit DIE's abbreviation is nearly always the first: scan to it
	 * rather than build the whole table. */
	ab = (struct nsym_buf){abbrev.data + cu->abbrev_offset, abbrev.data + abbrev.size,
	                       dw->big_endian, false};
	for (;;) {
		uint64_t have = nsym_buf_uleb(&ab);
		uint32_t count = 0;
		struct nsym_abbrev_attr at;
		if (have == 0 || ab.bad)
			return NSYM_EDWARF;
		out->tag = (uint16_t)nsym_buf_uleb(&ab);
		out->children = nsym_buf_u8(&ab);
		while (next_spec(&ab, &at)) {
			if (have != code)
				continue;
			if (count == NSYM_MAX_ABBREV_ATTRS)
				return NSYM_EDWARF;
			attrs[count++] = at;
		}
		if (ab.bad)
			return NSYM_EDWARF;
		if (have == code) {
			nsym__die_decode(out, &b, cu, attrs, count);
			return b.bad ? NSYM_EDWARF : 0;
		}
	}
}

int nsym__die_at(struct nsym_die *out, struct nsym_dwarf *dw, const struct nsym_cu *cu,
                 uint64_t offset)
{
	const struct nsym_abbrev *a;
	struct nsym_section info;
	struct nsym_buf b;
	int rc;

	memset(out, 0, sizeof(*out));
	out->offset = offset;
	if (!dw->has_last_abbrevs || dw->last_abbrev_offset != cu->abbrev_offset) {
		nsym__abbrevs_free(&dw->last_abbrevs);
		/* a damaged table still serves the codes read before the damage */
		rc = nsym__abbrevs_read(&dw->last_abbrevs, dw, cu->abbrev_offset);
		dw->has_last_abbrevs = rc != NSYM_ENOMEM;
		dw->last_abbrev_offset = cu->abbrev_offset;
		if (rc == NSYM_ENOMEM)
			return rc;
	}
	if (!load(&info, dw, NSYM_DW_INFO) || cu->end > info.size || offset < cu->die ||
	    offset >= cu->end)
		return NSYM_EDWARF;
	b = (struct nsym_buf){info.data + offset, info.data + cu->end, dw->big_endian, false};
	a = nsym__abbrev_find(&dw->last_abbrevs, nsym_buf_uleb(&b));
	if (a == NULL || b.bad)
		return NSYM_EDWARF;
	out->tag = a->tag;
	out->children = a->children;
	nsym__die_decode(out, &b, cu, &dw->last_abbrevs.attrs[a->first], a->count);
	return b.bad ? NSYM_EDWARF : 0;
}
