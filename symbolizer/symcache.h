/*
 * The symcache: everything a lookup needs from a file's DWARF and symbol
 * tables, flattened into one file that is mapped and searched in place (after
 * Sentry's SymCache and LLVM's GSYM). A lookup is one binary search over
 * sorted range starts, then a walk up a chain of locations, each of which
 * names its function, its file and line, and the location it was inlined
 * into. Built once per file identity and format version; a file of another
 * version, or a damaged one, is ignored and rebuilt.
 *
 * Layout (little-endian; all offsets from the start of the file, 8-aligned):
 *   header
 *   uint64_t fence[nfence]         range_addr[i * NSYM_SC_FENCE_STEP]
 *   uint64_t range_addr[nranges]   sorted starts of address ranges
 *   uint32_t range_loc[nranges]    innermost location, or NSYM_SC_NONE (a gap)
 *   struct nsym_sc_loc  locs[nlocs]
 *   struct nsym_sc_func funcs[nfuncs]
 *   struct nsym_sc_sym  syms[nsyms]  the symbol-table fallback, sorted
 *   char strings[strings_size]       NUL-terminated strings; ends in NUL
 */
#ifndef NSYM_SYMCACHE_H
#define NSYM_SYMCACHE_H

#include "symtab.h"

#define NSYM_SC_MAGIC   "NSYMSC\r\n"
#define NSYM_SC_VERSION 4
/* Every this many range starts, one goes into the fence: a small table a
 * lookup searches first, so the big one is touched in one block only. */
#define NSYM_SC_FENCE_STEP 256
#define NSYM_SC_NONE       UINT32_MAX

struct nsym_sc_header {
	char magic[8];
	uint32_t version;
	uint32_t header_size;
	uint8_t id[NSYM_BUILD_ID_MAX]; /* identity of the file it describes */
	uint32_t id_len;
	uint32_t reserved;
	uint64_t nranges, nlocs, nfuncs, nsyms, strings_size, nfence;
	uint64_t fence_off, range_addr_off, range_loc_off, locs_off, funcs_off, syms_off,
	    strings_off;
	uint64_t file_size;
};

struct nsym_sc_loc {
	uint32_t func; /* index into funcs */
	uint32_t file; /* string offset */
	uint32_t line, column;
	uint32_t parent; /* the location this one is inlined into, or NONE */
	uint32_t inlined;
};

struct nsym_sc_func {
	uint32_t name;       /* display (demangled) name */
	uint32_t linkage;    /* mangled name, or NONE */
	uint32_t dwarf_name; /* Rust: name with generic arguments, or NONE */
	uint32_t pad;
	uint64_t entry;
};

struct nsym_sc_sym {
	uint64_t addr, size, limit;
	uint32_t name, linkage, file, pad;
};

struct nsym_dwarf;
struct nsym_symtab;
struct nsym_symcache;

/* Writes the symcache for the file with identity `id` to `path` (through a
 * temporary file and rename). dw may be NULL (symbol tables only). */
int nsym__symcache_write(const char *path, const unsigned char *id, size_t id_len,
                         struct nsym_dwarf *dw, struct nsym_symtab *st);
/*
 * A source of frames other than DWARF (a PDB, pdb_symcache.c), which the
 * writer sweeps as it sweeps DWARF units: `boundaries` hands over (in a
 * malloc'd array the writer frees) every address where the frames may
 * change, in any order; `frames` gives the frames at one of them, innermost
 * first, as a lookup would, *found false where there are none.
 */
struct nsym_sc_source {
	void *arg;
	int (*boundaries)(void *arg, uint64_t **out, size_t *count);
	int (*frames)(void *arg, struct nsym_frames *out, uint64_t addr, bool *found);
};
/* Writes the symcache of such a source, as nsym__symcache_write does. */
int nsym__symcache_write_source(const char *path, const unsigned char *id, size_t id_len,
                                const struct nsym_sc_source *src, struct nsym_symtab *st);
/* Maps and checks a symcache; NSYM_ENOENT when there is none, NSYM_EMISMATCH
 * when it is of another version or identity, NSYM_ETRUNC when damaged. */
int nsym__symcache_open(struct nsym_symcache **out, const char *path, const unsigned char *id,
                        size_t id_len);
void nsym__symcache_close(struct nsym_symcache *sc);
/* Frames for addr from what was DWARF, innermost first; *found is false
 * when the cache knows nothing of the address. */
int nsym__symcache_lookup(struct nsym_frames *out, struct nsym_symcache *sc, uint64_t addr,
                          unsigned flags, bool *found);
/* The symbol-table entry holding addr, as nsym__symtab_find finds it. */
bool nsym__symcache_symbol(struct nsym_symbol_hit *out, const struct nsym_symcache *sc,
                           uint64_t addr);
/* The address of the symbol-table function named `name`, as
 * nsym__symtab_named answers (0, 1 or 2 for several). */
size_t nsym__symcache_named(uint64_t *out, const struct nsym_symcache *sc, const char *name);

#endif
