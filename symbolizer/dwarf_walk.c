/*
 * A unit's scopes, read straight from .debug_info. libdwarf hands out one
 * allocated object per DIE and, when a producer omits DW_AT_sibling (LLVM and
 * rustc do), decodes a whole subtree again each time it steps past it: two
 * thirds of a lookup's time on a large Rust file went there. This walker
 * decodes each DIE once, in order, allocating nothing per DIE, and keeps only
 * subprograms and inlined subroutines that have code, with their ranges and
 * call sites. Names are still resolved through libdwarf, lazily.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf_buf.h"
#include "dwarf_internal.h"

#define NSYM_MAX_DIE_DEPTH    1024
#define NSYM_MAX_ABBREV_ATTRS 256

struct abbrev_attr {
	uint16_t name, form;
	int64_t implicit_const;
};

struct abbrev {
	uint64_t code;
	uint16_t tag;
	uint8_t children;
	uint32_t first, count; /* into the table's attrs */
};

struct abbrev_table {
	struct abbrev *items;
	size_t n, cap;
	struct abbrev_attr *attrs;
	size_t nattrs, attrs_cap;
	bool dense; /* items[i].code == i + 1 for all i */
};

/* What the walk needs to know about the unit being read. */
struct unit_ctx {
	struct nsym_dwarf *dw;
	struct nsym_unit *unit;
	uint64_t addr_base, rnglists_base, str_offsets_base;
	struct nsym_section addr, ranges, rnglists, str, line_str, str_offsets;
	bool rust; /* keep namespace paths for names */
};

/* The attributes of one DIE that matter here. */
struct die {
	uint64_t offset;
	uint16_t tag;
	uint8_t children;
	uint64_t low, high, ranges, sibling;
	uint16_t low_form, high_form, ranges_form;
	bool has_low, has_high, has_ranges, has_sibling;
	uint64_t call_file, call_line, call_column;
	uint64_t addr_base, rnglists_base, str_offsets_base;
	bool has_addr_base, has_rnglists_base, has_str_offsets_base;
	uint16_t name_form, linkage_form; /* 0: attribute absent */
	uint64_t name_value, linkage_value;
	const char *name_inline, *linkage_inline; /* DW_FORM_string */
	uint64_t origin; /* abstract_origin or specification, absolute; 0: none */
};

static void abbrev_table_free(struct abbrev_table *t)
{
	free(t->items);
	free(t->attrs);
}

static int read_abbrevs(struct abbrev_table *out, struct nsym_dwarf *dw, uint64_t offset)
{
	struct nsym_section sec;
	struct nsym_buf b;

	memset(out, 0, sizeof(*out));
	if (dw->abbrev_index == 0 || nsym__elf_section_data(&sec, dw->ef, dw->abbrev_index) != 0 ||
	    offset >= sec.size)
		return NSYM_EDWARF;
	b = (struct nsym_buf){sec.data + offset, sec.data + sec.size, dw->big_endian, false};
	out->dense = true;
	for (;;) {
		struct abbrev a = {0};
		a.code = nsym_buf_uleb(&b);
		if (a.code == 0 || b.bad)
			break;
		a.tag = (uint16_t)nsym_buf_uleb(&b);
		a.children = nsym_buf_u8(&b);
		a.first = (uint32_t)out->nattrs;
		for (;;) {
			struct abbrev_attr at = {0};
			at.name = (uint16_t)nsym_buf_uleb(&b);
			at.form = (uint16_t)nsym_buf_uleb(&b);
			if (at.form == DW_FORM_implicit_const)
				at.implicit_const = nsym_buf_sleb(&b);
			if ((at.name == 0 && at.form == 0) || b.bad)
				break;
			if (a.count == NSYM_MAX_ABBREV_ATTRS)
				return NSYM_EDWARF;
			if (nsym__grow((void **)&out->attrs, &out->attrs_cap, out->nattrs + 1,
			               sizeof(*out->attrs)) != 0)
				return NSYM_ENOMEM;
			out->attrs[out->nattrs++] = at;
			a.count++;
		}
		if (nsym__grow((void **)&out->items, &out->cap, out->n + 1, sizeof(*out->items)) !=
		    0)
			return NSYM_ENOMEM;
		if (a.code != out->n + 1)
			out->dense = false;
		out->items[out->n++] = a;
	}
	return b.bad ? NSYM_EDWARF : 0;
}

static const struct abbrev *find_abbrev(const struct abbrev_table *t, uint64_t code)
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
static uint64_t read_form(struct nsym_buf *b, const struct nsym_unit *u, uint16_t form,
                          int64_t implicit_const, int depth)
{
	switch (form) {
	case DW_FORM_addr:
		return nsym_buf_uint(b, u->address_size);
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
		return nsym_buf_uint(b, u->offset_size);
	case DW_FORM_ref_addr:
		return nsym_buf_uint(b, u->version <= 2 ? u->address_size : u->offset_size);
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
		return read_form(b, u, (uint16_t)nsym_buf_uleb(b), implicit_const, depth + 1);
	}
	b->bad = true; /* a form we cannot size: nothing after it can be read */
	return 0;
}

static bool is_addrx(uint16_t form)
{
	return form == DW_FORM_addrx || form == DW_FORM_addrx1 || form == DW_FORM_addrx2 ||
	       form == DW_FORM_addrx3 || form == DW_FORM_addrx4 || form == DW_FORM_GNU_addr_index;
}

static bool is_constant(uint16_t form)
{
	return form == DW_FORM_data1 || form == DW_FORM_data2 || form == DW_FORM_data4 ||
	       form == DW_FORM_data8 || form == DW_FORM_udata || form == DW_FORM_sdata ||
	       form == DW_FORM_implicit_const;
}

/* A reference attribute as a .debug_info offset, or 0 for forms that point
 * elsewhere (type units, supplementary files). */
static uint64_t reference(const struct nsym_unit *u, uint16_t form, uint64_t v)
{
	switch (form) {
	case DW_FORM_ref1:
	case DW_FORM_ref2:
	case DW_FORM_ref4:
	case DW_FORM_ref8:
	case DW_FORM_ref_udata:
		return u->header + v;
	case DW_FORM_ref_addr:
		return v;
	}
	return 0;
}

static void read_die_attrs(struct die *d, struct nsym_buf *b, const struct nsym_unit *u,
                           const struct abbrev_table *t, const struct abbrev *a)
{
	for (uint32_t i = 0; i < a->count && !b->bad; i++) {
		const struct abbrev_attr *at = &t->attrs[a->first + i];
		const char *here = (const char *)b->p;
		uint64_t v = read_form(b, u, at->form, at->implicit_const, 0);
		switch (at->name) {
		case DW_AT_name:
			d->name_form = at->form, d->name_value = v;
			d->name_inline = at->form == DW_FORM_string ? here : NULL;
			break;
		case DW_AT_linkage_name:
		case DW_AT_MIPS_linkage_name:
			d->linkage_form = at->form, d->linkage_value = v;
			d->linkage_inline = at->form == DW_FORM_string ? here : NULL;
			break;
		case DW_AT_abstract_origin:
		case DW_AT_specification:
			d->origin = reference(u, at->form, v);
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
		}
	}
}

/* An entry of .debug_addr, or false. */
static bool indexed_address(uint64_t *out, const struct unit_ctx *c, uint64_t index)
{
	uint64_t size = c->unit->address_size, at;
	struct nsym_buf b;

	if (c->addr.data == NULL || index > (c->addr.size / (size ? size : 1)))
		return false;
	at = c->addr_base + index * size;
	if (at > c->addr.size)
		return false;
	b = (struct nsym_buf){c->addr.data + at, c->addr.data + c->addr.size, c->dw->big_endian,
	                      false};
	*out = nsym_buf_uint(&b, (int)size);
	return !b.bad;
}

/* DWARF 4 .debug_ranges: address pairs relative to a base that a pair
 * (max, addr) replaces; (0, 0) ends the list. */
static int read_ranges_v4(struct nsym_range_list *out, const struct unit_ctx *c, uint64_t offset)
{
	const struct nsym_unit *u = c->unit;
	uint64_t max = u->address_size == 4 ? UINT32_MAX : UINT64_MAX, base = u->base;
	struct nsym_buf b;
	int rc = 0;

	if (c->ranges.data == NULL || offset >= c->ranges.size)
		return 0;
	b = (struct nsym_buf){c->ranges.data + offset, c->ranges.data + c->ranges.size,
	                      c->dw->big_endian, false};
	while (!b.bad && rc == 0) {
		uint64_t lo = nsym_buf_uint(&b, u->address_size);
		uint64_t hi = nsym_buf_uint(&b, u->address_size);
		if (b.bad || (lo == 0 && hi == 0))
			break;
		if (lo == max)
			base = hi;
		else
			rc = nsym__range_add(out, base + lo, base + hi);
	}
	return rc;
}

/* DWARF 5 .debug_rnglists entries, starting at `offset`. */
static int read_rnglist(struct nsym_range_list *out, const struct unit_ctx *c, uint64_t offset)
{
	const struct nsym_unit *u = c->unit;
	uint64_t base = u->base, lo, hi;
	struct nsym_buf b;
	int rc = 0;

	if (c->rnglists.data == NULL || offset >= c->rnglists.size)
		return 0;
	b = (struct nsym_buf){c->rnglists.data + offset, c->rnglists.data + c->rnglists.size,
	                      c->dw->big_endian, false};
	while (!b.bad && rc == 0) {
		uint8_t kind = nsym_buf_u8(&b);
		bool ok = true;
		switch (kind) {
		case DW_RLE_end_of_list:
			return 0;
		case DW_RLE_base_addressx:
			ok = indexed_address(&base, c, nsym_buf_uleb(&b));
			continue;
		case DW_RLE_startx_endx:
			ok = indexed_address(&lo, c, nsym_buf_uleb(&b));
			ok = indexed_address(&hi, c, nsym_buf_uleb(&b)) && ok;
			break;
		case DW_RLE_startx_length:
			ok = indexed_address(&lo, c, nsym_buf_uleb(&b));
			hi = lo + nsym_buf_uleb(&b);
			break;
		case DW_RLE_offset_pair:
			lo = base + nsym_buf_uleb(&b);
			hi = base + nsym_buf_uleb(&b);
			break;
		case DW_RLE_base_address:
			base = nsym_buf_uint(&b, u->address_size);
			continue;
		case DW_RLE_start_end:
			lo = nsym_buf_uint(&b, u->address_size);
			hi = nsym_buf_uint(&b, u->address_size);
			break;
		case DW_RLE_start_length:
			lo = nsym_buf_uint(&b, u->address_size);
			hi = lo + nsym_buf_uleb(&b);
			break;
		default:
			return 0; /* unknown entry kind: the rest cannot be read */
		}
		if (ok && !b.bad)
			rc = nsym__range_add(out, lo, hi);
	}
	return rc;
}

static int die_ranges(struct nsym_range_list *out, const struct unit_ctx *c, const struct die *d)
{
	uint64_t lo = d->low, hi = d->high;

	if (d->has_ranges) {
		uint64_t offset = d->ranges;
		if (c->unit->version < 5)
			return read_ranges_v4(out, c, offset);
		if (d->ranges_form == DW_FORM_rnglistx) {
			struct nsym_buf b;
			uint64_t at = c->rnglists_base + offset * c->unit->offset_size;
			if (c->rnglists.data == NULL || at >= c->rnglists.size)
				return 0;
			b = (struct nsym_buf){c->rnglists.data + at,
			                      c->rnglists.data + c->rnglists.size,
			                      c->dw->big_endian, false};
			offset = c->rnglists_base + nsym_buf_uint(&b, c->unit->offset_size);
			if (b.bad)
				return 0;
		}
		return read_rnglist(out, c, offset);
	}
	if (!d->has_low || !d->has_high)
		return 0;
	if (is_addrx(d->low_form) && !indexed_address(&lo, c, d->low))
		return 0;
	if (is_constant(d->high_form))
		hi = lo + d->high;
	else if (is_addrx(d->high_form) && !indexed_address(&hi, c, d->high))
		return 0;
	return nsym__range_add(out, lo, hi);
}

static void load_or_clear(struct nsym_section *out, struct nsym_dwarf *dw, size_t index)
{
	if (index == 0 || nsym__elf_section_data(out, dw->ef, index) != 0)
		memset(out, 0, sizeof(*out));
}

/* A NUL-terminated string at `offset` of a section, or NULL. */
static const char *string_in(const struct nsym_section *sec, uint64_t offset)
{
	if (sec->data == NULL || offset >= sec->size ||
	    memchr(sec->data + offset, 0, sec->size - offset) == NULL)
		return NULL;
	return (const char *)sec->data + offset;
}

/* A string attribute's value, from whichever section its form names. */
static const char *form_string(const struct unit_ctx *c, uint16_t form, uint64_t value,
                               const char *inline_ptr)
{
	struct nsym_buf b;
	uint64_t at;

	switch (form) {
	case DW_FORM_string:
		return inline_ptr;
	case DW_FORM_strp:
		return string_in(&c->str, value);
	case DW_FORM_line_strp:
		return string_in(&c->line_str, value);
	case DW_FORM_strx:
	case DW_FORM_strx1:
	case DW_FORM_strx2:
	case DW_FORM_strx3:
	case DW_FORM_strx4:
	case DW_FORM_GNU_str_index:
		at = c->str_offsets_base + value * c->unit->offset_size;
		if (c->str_offsets.data == NULL || at >= c->str_offsets.size)
			return NULL;
		b = (struct nsym_buf){c->str_offsets.data + at,
		                      c->str_offsets.data + c->str_offsets.size, c->dw->big_endian,
		                      false};
		at = nsym_buf_uint(&b, c->unit->offset_size);
		return b.bad ? NULL : string_in(&c->str, at);
	}
	return NULL;
}

static const char *die_name(const struct unit_ctx *c, const struct die *d)
{
	return form_string(c, d->name_form, d->name_value, d->name_inline);
}

static const char *die_linkage(const struct unit_ctx *c, const struct die *d)
{
	return form_string(c, d->linkage_form, d->linkage_value, d->linkage_inline);
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

static int note_subprogram(struct unit_ctx *c, const struct die *d, uint32_t ns)
{
	struct nsym_unit *u = c->unit;
	if (nsym__grow((void **)&u->subs, &u->subs_cap, u->nsubs + 1, sizeof(*u->subs)) != 0)
		return NSYM_ENOMEM;
	u->subs[u->nsubs++] =
	    (struct nsym_sub){d->offset, die_name(c, d), die_linkage(c, d), d->origin, ns};
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

static int add_scope(struct walk *w, const struct die *d, const struct level *at,
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
	rc = die_ranges(&w->ranges, &w->c, d);
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
	s->origin = d->origin;
	return 0;
}

/* The level for d's children: which scope they belong to, whether they can
 * hold code at all. */
static int child_level(struct walk *w, const struct die *d, const struct level *at,
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

static void unit_ctx_init(struct unit_ctx *c, struct nsym_dwarf *dw, struct nsym_unit *unit,
                          const struct die *root)
{
	memset(c, 0, sizeof(*c));
	c->dw = dw;
	c->unit = unit;
	c->addr_base = root->has_addr_base ? root->addr_base : 0;
	c->rnglists_base = root->has_rnglists_base ? root->rnglists_base : 0;
	c->str_offsets_base = root->has_str_offsets_base ? root->str_offsets_base : 8;
	c->rust = unit->language == DW_LANG_Rust;
	load_or_clear(&c->str, dw, dw->str_index);
	load_or_clear(&c->line_str, dw, dw->line_str_index);
	load_or_clear(&c->str_offsets, dw, dw->str_offsets_index);
	if (dw->addr_index != 0 && nsym__elf_section_data(&c->addr, dw->ef, dw->addr_index) != 0)
		c->addr.data = NULL;
	if (dw->ranges_index != 0 &&
	    nsym__elf_section_data(&c->ranges, dw->ef, dw->ranges_index) != 0)
		c->ranges.data = NULL;
	if (dw->rnglists_index != 0 &&
	    nsym__elf_section_data(&c->rnglists, dw->ef, dw->rnglists_index) != 0)
		c->rnglists.data = NULL;
}

static int walk_dies(struct walk *w, struct nsym_buf *b, const struct nsym_section *info,
                     const struct abbrev_table *t)
{
	struct level *stack = malloc(NSYM_MAX_DIE_DEPTH * sizeof(*stack));
	size_t height = 1;
	int rc = 0;

	if (stack == NULL)
		return NSYM_ENOMEM;
	stack[0] = (struct level){NSYM_NO_SCOPE, 0, true, NSYM_NO_SCOPE};
	while (height > 0 && rc == 0 && b->p < b->end && !b->bad) {
		struct die d = {.offset = (uint64_t)(b->p - info->data)};
		uint64_t code = nsym_buf_uleb(b);
		const struct abbrev *a;
		struct level next;
		if (code == 0) {
			height--; /* the end of a list of children */
			continue;
		}
		a = find_abbrev(t, code);
		if (a == NULL)
			break; /* damaged: keep what was read */
		d.tag = a->tag;
		d.children = a->children;
		read_die_attrs(&d, b, w->c.unit, t, a);
		rc = child_level(w, &d, &stack[height - 1], &next);
		if (rc != 0 || !d.children)
			continue;
		if (!next.wanted && d.has_sibling) {
			/* skip a subtree in one step; DW_AT_sibling counts from the
			 * unit header, and must lead forward within the unit */
			uint64_t to = w->c.unit->header + d.sibling;
			uint64_t here = (uint64_t)(b->p - info->data);
			if (to > here && to <= w->c.unit->end) {
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
	struct abbrev_table t;
	struct nsym_section info;
	struct nsym_buf b;
	struct walk w = {0};
	struct die root = {0};
	const struct abbrev *a;
	int rc;

	if (nsym__elf_section_data(&info, dw->ef, dw->info_index) != 0 || unit->die >= info.size ||
	    unit->end > info.size || unit->end <= unit->die)
		return 0;
	rc = read_abbrevs(&t, dw, unit->abbrev_offset);
	if (rc != 0) {
		abbrev_table_free(&t);
		return rc == NSYM_ENOMEM ? rc : 0;
	}
	b = (struct nsym_buf){info.data + unit->die, info.data + unit->end, dw->big_endian, false};
	root.offset = unit->die;
	a = find_abbrev(&t, nsym_buf_uleb(&b));
	if (a != NULL && a->children) {
		read_die_attrs(&root, &b, unit, &t, a);
		unit_ctx_init(&w.c, dw, unit, &root);
		rc = walk_dies(&w, &b, &info, &t);
	}
	abbrev_table_free(&t);
	free(w.ranges.items);
	if (unit->nranges > 1)
		qsort(unit->ranges, unit->nranges, sizeof(*unit->ranges), compare_scope_ranges);
	return rc;
}
