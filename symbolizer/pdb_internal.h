/*
 * The PDB reader of the symbolizer: a program database opened for lookups
 * by relative virtual address (RVA). Its parts, one file each:
 *
 *   pdb_msf.c      the MSF container: streams through their block lists
 *   pdb_dbi.c      the DBI stream: modules, section contributions, the
 *                  section headers that turn (section, offset) into an RVA
 *   pdb_names.c    the /names string table (found by the named stream map)
 *   pdb_types.c    inlinee names from the IPI stream (and class names, for
 *                  member functions, from the TPI stream)
 *   pdb_lines.c    a module's C13 line information: line table, file
 *                  checksums, inlinee lines
 *   pdb_symbols.c  a module's CodeView symbols: procedures, inline sites
 *   pdb_publics.c  S_PUB32 through the publics stream's address map
 *   pdb_lookup.c   opening, and the frames of one address
 *
 * Layouts: LLVM's docs/PDB (one .rst a stream) and the CodeView records of
 * llvm/DebugInfo/CodeView. The answers follow what llvm-symbolizer's
 * native PDB reader gives (llvm/lib/DebugInfo/PDB/Native), so the two
 * agree. Everything read is checked: a damaged stream is an NSYM_ETRUNC
 * whose detail names the stream, never a read out of bounds.
 */
#ifndef NSYM_PDB_INTERNAL_H
#define NSYM_PDB_INTERNAL_H

#include "pdb_msf.h"
#include "pdb_object.h"

/* Fixed stream numbers (LLVM's docs/PDB/index.rst). */
#define NSYM_PDB_STREAM_INFO 1
#define NSYM_PDB_STREAM_TPI  2
#define NSYM_PDB_STREAM_DBI  3
#define NSYM_PDB_STREAM_IPI  4

/* A section contribution: RVAs [lo, hi) come from module `module`. */
struct nsym_pdb_contrib {
	uint32_t lo, hi;
	uint32_t module;
};

/* A procedure (S_GPROC32, S_LPROC32 and their _ID forms) of a module. */
struct nsym_pdb_proc {
	uint32_t lo, hi;  /* RVAs */
	uint32_t record;  /* offset of the record in the module stream */
	uint32_t end;     /* offset of its S_END */
	const char *name; /* in the module stream, or "??" */
	uint32_t seq;     /* order in the stream: the first of equals wins */
};

/* One entry of a module's line table, flattened as LLVM does: each line
 * block adds its entries, a terminal entry marks the block's end. */
struct nsym_pdb_line {
	uint32_t rva;
	uint32_t line;
	uint32_t file; /* offset of its entry in the file checksums */
	uint16_t column;
	uint8_t terminal;
};

/* An inlinee's source line (DEBUG_S_INLINEELINES). */
struct nsym_pdb_inlinee {
	uint32_t id;   /* the LF_FUNC_ID or LF_MFUNC_ID item */
	uint32_t file; /* offset of its entry in the file checksums */
	uint32_t line;
};

struct nsym_pdb_module {
	uint32_t stream;   /* its module stream, or NSYM_MSF_NIL_STREAM */
	uint32_t sym_size; /* SymByteSize: signature + symbol records */
	uint32_t c11_size, c13_size;
	int state;                 /* 0 not read, 1 read, or the NSYM_E* it failed with */
	const unsigned char *data; /* the module stream */
	unsigned char *owned;      /* data, when it had to be copied */
	uint32_t size;
	struct nsym_pdb_proc *procs; /* sorted by lo, then seq */
	size_t nprocs;
	struct nsym_pdb_line *lines; /* sorted by block start */
	size_t nlines;
	const unsigned char *checksums; /* the DEBUG_S_FILECHKSMS subsection */
	uint32_t checksums_size;
	struct nsym_pdb_inlinee *inlinees; /* sorted by id */
	size_t ninlinees;
};

/* A public symbol, in address order. */
struct nsym_pdb_public {
	uint32_t rva;
	uint32_t record;     /* offset of its S_PUB32 in the symbol record stream */
	const char *name;    /* read on first use, owned by the pdb */
	const char *display; /* demangled for printing; may equal name */
};

/* A type stream (TPI or IPI), read lazily by type index. */
struct nsym_pdb_types {
	struct nsym_msf_stream s;
	bool present;
	uint32_t begin, end; /* type indexes held: [begin, end) */
	uint32_t records_at; /* offset of the first record in the stream */
	uint32_t records_size;
	uint32_t *hints; /* pairs (type index, offset from records_at) */
	size_t nhints;
};

/* An inlinee name, computed once. */
struct nsym_pdb_name {
	uint32_t id;
	const char *name; /* owned by the pdb */
};

struct nsym_pdb {
	const char *path; /* owned_path, which errors name */
	char *owned_path;
	struct nsym_bytes bytes;
	bool mapped; /* bytes are ours to unmap */
	struct nsym_msf msf;
	unsigned char guid[16];
	uint32_t age;     /* the DBI stream's, else the info stream's */
	uint16_t machine; /* from the DBI stream */
	struct nsym_pdb_section *sections;
	size_t nsections;
	struct nsym_pdb_contrib *contribs; /* sorted by lo */
	size_t ncontribs;
	struct nsym_pdb_module *modules;
	size_t nmodules;
	uint32_t publics_stream, symrec_stream;
	bool has_publics; /* a publics stream whose header is sound */
	struct nsym_msf_stream publics_s, symrec;
	uint64_t map_at; /* its address map */
	uint32_t map_size;
	struct nsym_pdb_public *publics; /* sorted by rva; read on first need */
	size_t npublics;
	bool publics_read;
	const unsigned char *names; /* the /names string buffer, or NULL */
	unsigned char *names_owned;
	uint32_t names_size;
	struct nsym_pdb_types tpi, ipi;
	int types_state;
	struct nsym_pdb_name *inline_names; /* open addressing by id */
	size_t inline_names_cap, inline_names_used;
	char **strings; /* names this pdb made, freed at close */
	size_t nstrings, strings_cap;
};

/* pdb_lookup.c: keeps a string the pdb made; frees it on failure. */
const char *nsym__pdb_keep(struct nsym_pdb *pdb, char *s);
/* Module `index`, read on first use. NSYM_ENOMEM, or NSYM_ETRUNC naming
 * its damaged stream. */
int nsym__pdb_module(const struct nsym_pdb_module **out, struct nsym_pdb *pdb, uint32_t index);

/* pdb_dbi.c: the DBI stream's modules, section headers (or `image`'s when
 * the PDB has none) and section contributions. */
int nsym__pdb_read_dbi(struct nsym_pdb *pdb, const struct nsym_pdb_section *image, size_t nimage);
/* The RVA of (section, offset), or false when the section is unknown. */
bool nsym__pdb_rva(uint32_t *out, const struct nsym_pdb *pdb, uint16_t section, uint32_t offset);
/* The module whose section contribution holds rva, or -1. */
long nsym__pdb_module_of(const struct nsym_pdb *pdb, uint32_t rva);

/* pdb_names.c: finds and loads /names through the PDB info stream's named
 * stream map; a PDB without one has no file names. */
int nsym__pdb_read_names(struct nsym_pdb *pdb);
/* The string at `offset` of /names, or NULL. */
const char *nsym__pdb_string(const struct nsym_pdb *pdb, uint32_t offset);

/* pdb_types.c: the name llvm-symbolizer gives inlinee `id` ("ns::f",
 * "Class::method"), or NULL when the IPI stream does not hold it. Computed
 * once per id. NSYM_ENOMEM only. */
int nsym__pdb_inlinee_name(const char **out, struct nsym_pdb *pdb, uint32_t id);
void nsym__pdb_types_free(struct nsym_pdb *pdb);

/* pdb_lines.c: reads the module's C13 subsections. */
int nsym__pdb_read_lines(struct nsym_pdb *pdb, struct nsym_pdb_module *mod, uint32_t index);
/* The line entry llvm-symbolizer answers for rva, or NULL. */
const struct nsym_pdb_line *nsym__pdb_line_at(const struct nsym_pdb_module *mod, uint32_t rva);
/* The file name of a file checksums entry, or NULL. */
const char *nsym__pdb_file(const struct nsym_pdb *pdb, const struct nsym_pdb_module *mod,
                           uint32_t checksum);
const struct nsym_pdb_inlinee *nsym__pdb_inlinee(const struct nsym_pdb_module *mod, uint32_t id);

/* pdb_symbols.c: reads the module's procedures. */
int nsym__pdb_read_procs(struct nsym_pdb *pdb, struct nsym_pdb_module *mod, uint32_t index);
/* The procedure that holds rva, or NULL. */
const struct nsym_pdb_proc *nsym__pdb_proc_at(const struct nsym_pdb_module *mod, uint32_t rva);

/* One inline site that holds an address, outermost first. */
struct nsym_pdb_site {
	uint32_t inlinee;
	uint32_t line_offset; /* added to the inlinee's line */
	uint32_t file;        /* checksum offset, or 0: the inlinee's file */
};
#define NSYM_PDB_INLINE_MAX 64

/* The inline sites of proc that hold rva, outermost first, as
 * llvm-symbolizer walks them; at most NSYM_PDB_INLINE_MAX. */
size_t nsym__pdb_inline_sites(struct nsym_pdb_site *out, const struct nsym_pdb_module *mod,
                              const struct nsym_pdb_proc *proc, uint32_t rva);
/* Calls fn with the RVA of every start and end of the code ranges of the
 * inline sites in proc (for the symcache); stops at fn's first error. */
int nsym__pdb_site_bounds(const struct nsym_pdb_module *mod, const struct nsym_pdb_proc *proc,
                          int (*fn)(void *arg, uint32_t rva), void *arg);

/* pdb_publics.c: checks the publics stream's header (NSYM_ETRUNC naming
 * it when damaged; a PDB without one has no publics). */
int nsym__pdb_open_publics(struct nsym_pdb *pdb);
/* The public symbol at or before rva, or NULL; the publics are read on
 * the first call, a name when first answered with. NSYM_ENOMEM only. */
int nsym__pdb_public_at(const struct nsym_pdb_public **out, struct nsym_pdb *pdb, uint32_t rva);

#endif
