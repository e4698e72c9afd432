/*
 * The DWARF side of libnsym: libdwarf reads sections through our own object
 * access (zero-copy over the mapping, decompressed once), units are indexed
 * by their address ranges up front, and each unit's lines and scopes are
 * parsed on the first lookup that lands in it, so a crash-sized request
 * touches only the units its addresses need.
 */
#ifndef NSYM_DWARF_INTERNAL_H
#define NSYM_DWARF_INTERNAL_H

#include <dwarf.h>
#include <libdwarf.h>

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
	Dwarf_Off die;      /* global offset, for its name */
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
	Dwarf_Off origin;                   /* abstract_origin or specification */
};
#define NSYM_NO_SCOPE UINT32_MAX

/* A subprogram DIE as the walk saw it, so names resolve without libdwarf. */
struct nsym_sub {
	Dwarf_Off die;
	const char *name, *linkage; /* borrowed from the string sections, or NULL */
	Dwarf_Off origin;           /* abstract_origin or specification, or 0 */
	uint32_t ns;                /* Rust: index into ns_paths, or NSYM_NO_SCOPE */
};

/* One address range of a scope; sorted by lo. */
struct nsym_scope_range {
	uint64_t lo, hi;
	uint32_t scope;
	uint32_t depth;
};

struct nsym_unit {
	Dwarf_Off header; /* offset of the unit header in .debug_info */
	Dwarf_Off die;    /* offset of the unit DIE */
	Dwarf_Off end;    /* offset just past the unit */
	Dwarf_Off abbrev_offset;
	uint8_t address_size, offset_size;
	uint64_t stmt_list; /* offset of the line table in .debug_line */
	bool has_stmt_list;
	uint64_t base; /* DW_AT_low_pc, the base for DWARF 4 ranges */
	uint16_t version;
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

struct nsym_dwarf {
	struct nsym_elf *ef; /* borrowed */
	bool big_endian;
	size_t info_index, abbrev_index, addr_index, ranges_index, rnglists_index;
	size_t str_index, line_str_index, str_offsets_index, line_index;
	Dwarf_Debug dbg;
	Dwarf_Obj_Access_Interface iface;
	struct nsym_unit *units;
	size_t nunits, units_cap;
	struct nsym_unit_range *uranges;
	size_t nuranges, uranges_cap;
	struct nsym_name_cache *names; /* demangled names */
};

/* A growable list of ranges that range readers append to. */
struct nsym_range_list {
	struct {
		uint64_t lo, hi;
	} * items;
	size_t count, capacity;
};

int nsym__dwarf_open(struct nsym_dwarf **out, struct nsym_elf *ef);
void nsym__dwarf_close(struct nsym_dwarf *dw);

/* dwarf_check.c: false when the DWARF 5 unit headers of section `index`
 * (named `name`) do not chain through it; other sections pass. */
bool nsym__dwarf5_section_ok(struct nsym_elf *ef, size_t index, const char *name);

/* dwarf_units.c */
int nsym__dwarf_index_units(struct nsym_dwarf *dw);
struct nsym_unit *nsym__dwarf_unit_for(struct nsym_dwarf *dw, uint64_t addr);
/* The unit whose DIEs include section offset `die`, or NULL. */
struct nsym_unit *nsym__dwarf_unit_of_die(struct nsym_dwarf *dw, Dwarf_Off die);

/* dwarf_die.c: the attributes we need from one DIE, read in one pass. */
struct nsym_die_attrs {
	uint64_t low, high;
	uint8_t has_low, has_high, high_is_offset, has_ranges;
	Dwarf_Off origin, specification;
	uint8_t has_origin, has_specification;
	const char *name, *linkage_name, *comp_dir;
	uint64_t stmt_list;
	uint8_t has_stmt_list;
	uint16_t language;
};
/* Reads the attributes; when `ranges` is not NULL, also the DIE's address
 * ranges (low/high or DW_AT_ranges, with `base` for DWARF 4 lists, or
 * NSYM_BASE_OWN_LOW_PC for a unit DIE, whose own low_pc is the base). */
#define NSYM_BASE_OWN_LOW_PC UINT64_MAX
int nsym__die_read(struct nsym_die_attrs *out, struct nsym_dwarf *dw, Dwarf_Die die, uint64_t base,
                   struct nsym_range_list *ranges);
void nsym__range_list_free(struct nsym_range_list *list);
/* Appends [lo, hi) unless it is empty or starts at a tombstone address. */
int nsym__range_add(struct nsym_range_list *list, uint64_t lo, uint64_t hi);

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
 * the walk did not record it (then libdwarf reads it). */
const struct nsym_sub *nsym__dwarf_sub(struct nsym_dwarf *dw, Dwarf_Off die);
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
