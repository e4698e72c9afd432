/*
 * The DWARF side of libnsym, read by our own decoders over a bounded cursor
 * (dwarf_buf.h): units are indexed by their address ranges up front, and
 * each unit's lines and scopes are parsed on the first lookup that lands in
 * it, so a crash-sized request touches only the units its addresses need.
 * Debug files come from uploads and servers, so nothing here trusts a
 * length, an offset or an index it reads: libdwarf, which did, is not used.
 */
#ifndef NSYM_DWARF_INTERNAL_H
#define NSYM_DWARF_INTERNAL_H

/* the DW_* constants only; libdwarf's code is not called */
#include <dwarf.h>

#include "dwarf_buf.h"
#include "internal.h"

/* One row of a unit's line table, sorted by address. */
struct nsym_row {
	uint64_t addr;
	uint32_t file;
	uint32_t line;
	uint16_t column;
	uint8_t end_sequence;
};

/* A subprogram or inlined subroutine that has code. */
struct nsym_scope {
	uint64_t die;       /* global offset, for its name */
	uint32_t parent;    /* enclosing scope, or NSYM_NO_SCOPE */
	uint32_t call_file; /* where it was inlined (inlined scopes only) */
	uint32_t call_line;
	uint32_t call_column;
	uint8_t inlined;
	uint64_t entry;      /* lowest address, for symbol offsets */
	const char *name;    /* resolved lazily: display name */
	const char *linkage; /* resolved lazily: mangled name or NULL */
	uint8_t names_done;
	const char *dwarf_name;             /* Rust: scope path + DW_AT_name, generics kept */
	uint32_t depth;                     /* inline depth: 0 for a subprogram */
	const char *own_name, *own_linkage; /* on the DIE itself, or NULL */
	uint64_t origin;                    /* abstract_origin or specification */
};
#define NSYM_NO_SCOPE UINT32_MAX

/* A subprogram DIE as the walk saw it, so names resolve without reading it
 * again. */
struct nsym_sub {
	uint64_t die;
	const char *name, *linkage; /* borrowed from the string sections, or NULL */
	uint64_t origin;            /* abstract_origin or specification, or 0 */
	uint32_t ns;                /* Rust: index into ns_paths, or NSYM_NO_SCOPE */
};

/* One address range of a scope; sorted by lo. */
struct nsym_scope_range {
	uint64_t lo, hi;
	uint32_t scope;
	uint32_t depth;
};

/* How one unit's DIEs are read: where the unit lies in .debug_info, the
 * sizes its header gives, and what its unit DIE says about the other
 * sections (bases for indexed forms, the base address of range lists). */
struct nsym_cu {
	uint64_t header;        /* offset of the unit header in .debug_info */
	uint64_t die;           /* offset of the unit DIE */
	uint64_t end;           /* offset just past the unit */
	uint64_t abbrev_offset; /* its abbreviations in .debug_abbrev */
	uint64_t base;          /* the unit DIE's low_pc, where range lists start */
	uint64_t addr_base;     /* DW_AT_addr_base: its entries in .debug_addr */
	uint64_t rnglists_base; /* DW_AT_rnglists_base: its offsets in .debug_rnglists */
	uint64_t str_offsets_base;
	uint16_t version;
	uint8_t address_size, offset_size; /* 4 or 8 each */
};

struct nsym_unit {
	struct nsym_cu cu;
	uint64_t stmt_list; /* offset of the line table in .debug_line */
	bool has_stmt_list;
	uint16_t language;
	int parsed;   /* 0 not yet, 1 done, <0 error code */
	char **files; /* full paths indexed by DWARF file number */
	size_t nfiles;
	const char *comp_dir;
	struct nsym_row *rows;
	size_t nrows;
	struct nsym_scope *scopes;
	size_t nscopes;
	struct nsym_scope_range *ranges;
	size_t nranges;
	/* Rust units: namespace paths, so a name keeps the generic arguments
	 * that legacy mangling drops */
	char **ns_paths;
	size_t nns, ns_cap;
	struct nsym_sub *subs; /* every subprogram DIE walked, sorted by die */
	size_t nsubs, subs_cap;
	char **owned; /* dwarf_name strings */
	size_t nowned, owned_cap;
};

/* An address range that belongs to a unit; sorted by lo. */
struct nsym_unit_range {
	uint64_t lo, hi;
	uint32_t unit;
};

/* ---- dwarf_die.c: abbreviations and DIEs -------------------------------- */

struct nsym_abbrev_attr {
	uint16_t name, form;
	int64_t implicit_const;
};

struct nsym_abbrev {
	uint64_t code;
	uint16_t tag;
	uint8_t children;
	uint32_t first, count; /* into the table's attrs */
};

/* One unit's abbreviation table. */
struct nsym_abbrevs {
	struct nsym_abbrev *items;
	size_t n, cap;
	struct nsym_abbrev_attr *attrs;
	size_t nattrs, attrs_cap;
	bool dense; /* items[i].code == i + 1 for all i */
};

/* The DWARF sections the decoders read, by what they hold; the container
 * (ELF, Mach-O) names them its own way (dwarf_sections.c). */
enum nsym_dw_section {
	NSYM_DW_INFO,
	NSYM_DW_ABBREV,
	NSYM_DW_ADDR,
	NSYM_DW_RANGES,
	NSYM_DW_RNGLISTS,
	NSYM_DW_STR,
	NSYM_DW_LINE,
	NSYM_DW_LINE_STR,
	NSYM_DW_STR_OFFSETS,
	NSYM_DW_COUNT
};

/* A section's name in ELF (".debug_info") and in Mach-O ("__debug_info",
 * cut to the 16 bytes a Mach-O section name has: "__debug_str_offs"). */
const char *nsym__dw_elf_name(enum nsym_dw_section s);
const char *nsym__dw_macho_name(enum nsym_dw_section s);

/* What a container hands the decoders: every section loaded (inflated if
 * it was compressed), data NULL for one the file lacks or that is damaged.
 * The bytes belong to the container, which outlives the nsym_dwarf. */
struct nsym_dwarf_sections {
	const char *path; /* named in errors; borrowed */
	bool big_endian;
	struct nsym_section sec[NSYM_DW_COUNT];
};

/* elf_file.c: the DWARF sections of an ELF file. NSYM_ENODEBUG when it has
 * no .debug_info with contents; NSYM_ENOMEM or the error that kept
 * .debug_info from being read (inflating it). A damaged other section is
 * left out. */
int nsym__elf_dwarf_sections(struct nsym_dwarf_sections *out, struct nsym_elf *ef);

struct nsym_dwarf {
	const char *path; /* borrowed from the container */
	bool big_endian;
	struct nsym_section sec[NSYM_DW_COUNT];
	struct nsym_cu *cus; /* every unit we can read, in section order */
	size_t ncus, cus_cap;
	struct nsym_unit *units; /* the units that have code */
	size_t nunits, units_cap;
	struct nsym_unit_range *uranges;
	size_t nuranges, uranges_cap;
	struct nsym_name_cache *names; /* demangled names */
	/* the abbreviations of the unit last read by nsym__die_at */
	struct nsym_abbrevs last_abbrevs;
	uint64_t last_abbrev_offset;
	bool has_last_abbrevs;
};

/* A string attribute as the DIE gives it: resolved only when asked for. */
struct nsym_die_string {
	uint16_t form; /* 0: the attribute is absent */
	uint64_t value;
	const char *inline_ptr; /* DW_FORM_string */
};

/* The attributes of one DIE that matter to us. Offsets (origin,
 * specification) are .debug_info offsets, 0 when absent. */
struct nsym_die {
	uint64_t offset;
	uint16_t tag;
	uint8_t children;
	uint64_t low, high, ranges, sibling;
	uint16_t low_form, high_form, ranges_form;
	bool has_low, has_high, has_ranges, has_sibling;
	uint64_t call_file, call_line, call_column;
	uint64_t addr_base, rnglists_base, str_offsets_base, stmt_list, language;
	bool has_addr_base, has_rnglists_base, has_str_offsets_base, has_stmt_list;
	struct nsym_die_string name, linkage, comp_dir;
	uint64_t origin, specification;
};

/* Reads the abbreviation table at `offset` of .debug_abbrev. 0, NSYM_EDWARF
 * (damaged or missing: what was read stays in *out) or NSYM_ENOMEM; free
 * with nsym__abbrevs_free either way. */
int nsym__abbrevs_read(struct nsym_abbrevs *out, struct nsym_dwarf *dw, uint64_t offset);
void nsym__abbrevs_free(struct nsym_abbrevs *t);
const struct nsym_abbrev *nsym__abbrev_find(const struct nsym_abbrevs *t, uint64_t code);
/* Decodes the attribute values of one DIE whose abbreviation code was just
 * read from b, leaving b past them; b->bad when they run past its end or
 * use a form that cannot be sized. */
void nsym__die_decode(struct nsym_die *d, struct nsym_buf *b, const struct nsym_cu *cu,
                      const struct nsym_abbrev_attr *attrs, uint32_t count);
/* The unit DIE of a unit whose header has been read, found with a scan of
 * its abbreviations up to the one it uses (no table is built). */
int nsym__die_unit(struct nsym_die *out, struct nsym_dwarf *dw, const struct nsym_cu *cu);
/* The DIE at .debug_info offset `offset` of unit cu. 0, NSYM_EDWARF,
 * NSYM_ENOMEM. */
int nsym__die_at(struct nsym_die *out, struct nsym_dwarf *dw, const struct nsym_cu *cu,
                 uint64_t offset);
/* A string attribute's value from whichever section its form names, or
 * NULL. Borrowed from the file's sections. */
const char *nsym__die_string(struct nsym_dwarf *dw, const struct nsym_cu *cu,
                             const struct nsym_die_string *s);
/* A reference attribute as a .debug_info offset, or 0 for forms that point
 * elsewhere (type units, supplementary files). */
uint64_t nsym__die_reference(const struct nsym_cu *cu, uint16_t form, uint64_t value);

/* ---- dwarf_ranges.c: address ranges ------------------------------------- */

/* A growable list of ranges that range readers append to. */
struct nsym_range_list {
	struct {
		uint64_t lo, hi;
	} * items;
	size_t count, capacity;
};

void nsym__range_list_free(struct nsym_range_list *list);
/* Appends [lo, hi) unless it is empty or starts at a tombstone address. */
int nsym__range_add(struct nsym_range_list *list, uint64_t lo, uint64_t hi);
/* Entry `index` of the unit's .debug_addr contribution, or false. */
bool nsym__dwarf_address(uint64_t *out, struct nsym_dwarf *dw, const struct nsym_cu *cu,
                         uint64_t index);
/* The DIE's low_pc as an address (DW_FORM_addr or an index into .debug_addr),
 * or false. */
bool nsym__die_low_pc(uint64_t *out, struct nsym_dwarf *dw, const struct nsym_cu *cu,
                      const struct nsym_die *d);
/* Appends the DIE's address ranges: low_pc/high_pc, or DW_AT_ranges as a
 * DWARF 2-4 .debug_ranges list or a DWARF 5 .debug_rnglists list (by offset
 * or by DW_FORM_rnglistx index), relative to cu->base. A damaged list gives
 * the ranges before the damage; only NSYM_ENOMEM is an error. */
int nsym__die_ranges(struct nsym_range_list *out, struct nsym_dwarf *dw, const struct nsym_cu *cu,
                     const struct nsym_die *d);

/* ---- dwarf_units.c ------------------------------------------------------ */

/* Indexes the units of the sections a container found. NSYM_ENODEBUG when
 * .debug_info is missing or empty. A unit header that breaks the chain of
 * units ends the index there; the units before it stay. */
int nsym__dwarf_open(struct nsym_dwarf **out, const struct nsym_dwarf_sections *in);
void nsym__dwarf_close(struct nsym_dwarf *dw);
struct nsym_unit *nsym__dwarf_unit_for(struct nsym_dwarf *dw, uint64_t addr);
/* The unit with code whose DIEs include section offset `die`, or NULL. */
struct nsym_unit *nsym__dwarf_unit_of_die(struct nsym_dwarf *dw, uint64_t die);
/* Any unit whose DIEs include section offset `die`, or NULL. */
const struct nsym_cu *nsym__dwarf_cu_of_die(struct nsym_dwarf *dw, uint64_t die);

/* dwarf_lines.c / dwarf_walk.c: filled on the unit's first lookup */
int nsym__unit_read_lines(struct nsym_dwarf *dw, struct nsym_unit *unit);
int nsym__unit_read_scopes(struct nsym_dwarf *dw, struct nsym_unit *unit);
int nsym__unit_parse(struct nsym_dwarf *dw, struct nsym_unit *unit);
/* Frees what parsing the unit built and marks it unparsed; its index
 * entry stays. Pointers into it (names, paths) die with it. */
void nsym__unit_release(struct nsym_unit *unit);
/* Calls fn once for every distinct file the line tables name; fn returns
 * nonzero to stop (dwarf_sources.c). */
int nsym__dwarf_each_source(struct nsym_dwarf *dw, int (*fn)(void *arg, const char *path),
                            void *arg);

/* dwarf_names.c */
/* The walked subprogram DIE at `die`, parsing its unit if needed; NULL when
 * the walk did not record it (then it is read on its own). */
const struct nsym_sub *nsym__dwarf_sub(struct nsym_dwarf *dw, uint64_t die);
void nsym__name_cache_free(struct nsym_name_cache *cache);
int nsym__scope_names(struct nsym_dwarf *dw, struct nsym_unit *unit, struct nsym_scope *scope);
const char *nsym__unit_file(const struct nsym_unit *unit, uint64_t file);

/* dwarf_lookup.c */
/* Appends the frames for addr given its line row and deepest scope (either
 * may be missing): the lookup's and the symcache builder's one way of
 * turning a unit's state into frames. */
int nsym__unit_frames(struct nsym_frames *out, struct nsym_dwarf *dw, struct nsym_unit *unit,
                      const struct nsym_row *row, uint32_t scope, uint64_t addr, unsigned flags);
int nsym__dwarf_lookup(struct nsym_frames *out, struct nsym_dwarf *dw, uint64_t addr,
                       unsigned flags, bool *found);

/* True for addresses that linkers write for discarded code. */
static inline bool nsym__is_tombstone(uint64_t addr)
{
	return addr == 0 || addr >= UINT64_C(0xfffffffffffffffe) || addr == UINT64_C(0xffffffff) ||
	       addr == UINT64_C(0xfffffffe);
}

#endif
