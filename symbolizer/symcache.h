/*
 * The symcache: everything a lookup needs from a file's debug information
 * and symbol tables, in one compact file that is mapped and searched in
 * place (after Sentry's SymCache and LLVM's GSYM). A lookup is a binary
 * search over the first address of each block of ranges, a short decode of
 * that block, then a walk up a chain of scopes, each naming its function and
 * where it was inlined. Built once per file identity and format version; a
 * file of another version is ignored and rebuilt, and damage is found by
 * checksums before a byte is used.
 *
 * The writer (symcache_build.c) takes ranges of addresses with their frames
 * and a symbol table, whatever container they came from; the DWARF adapter
 * (symcache_dwarf.c) feeds it from a file's DWARF, and pdb_symcache.c from
 * a PDB.
 *
 * Layout, version 5 (little-endian; offsets from the start of the file):
 *   header                     struct nsym_sc_header
 *   uint32_t crc[nchunks]      CRC-32 of each NSYM_SC_CHUNK bytes from data_off
 *   tables, from data_off      each 8-aligned, found by header.t[]
 *
 * Addresses are stored as 32-bit offsets from header.base. A "packed" table
 * holds fixed-size records of bit fields (widths in its descriptor, record
 * i at bit i * sum(widths)), followed by 8 zero bytes so that any field can
 * be read with one 64-bit load. A "ref" is a string: (string block << 14) |
 * offset in the block's decompressed bytes; "+1" fields hold 0 for none.
 *
 *   BLOCKS      uint32_t[2n + 2]  for each block of ranges its first
 *       address and where its bytes start in BLOCK_DATA (side by side: the
 *       search's last probe brings both); then UINT32_MAX and the end
 *   BLOCK_DATA  bytes          per block: uvarint fresh (how many innermost
 *       scopes the blocks before it brought in), then up to NSYM_SC_BLOCK
 *       entries, each a range from its start to the next one's:
 *         code j   the h and p below: JOINT[j], or for none both come in
 *                  full, each where the list puts it
 *         byte h   h & 15: start minus the previous start (0 for the first
 *                  of the block), 15: a uvarint with it follows;
 *                  h >> 4 & 7: the innermost scope: 0-5 that entry of the
 *                  block's list of recent scopes (most recent first), 6 the
 *                  next new scope (fresh, then fresh + 1), 7 a uvarint
 *                  follows: 0 a gap (no frames; the entry ends there), else
 *                  1 + zigzag(scope minus the previous entry's scope);
 *                  h >> 7: a uvarint file index follows; else the file is
 *                  the function's
 *         code p   the line and column: PAIRS0[p] or PAIRS1[p] by class, or
 *                  for none two uvarints with them. Class 0, for a scope
 *                  from the list: zigzag(line minus its line there); class
 *                  1: line minus the function's base_line
 *       In all: j, [h], [start], [scope], [file], [p], [line, column].
 *       A code is one byte v < NSYM_SC_CODE1; two, for NSYM_SC_CODE1 +
 *       (v - NSYM_SC_CODE1) / 256 then (v - NSYM_SC_CODE1) % 256, up to
 *       NSYM_SC_NCODES; or the byte 255 for none.
 *   JOINT   packed {h, p}  the most common (h, p), most common first; p is
 *       NSYM_SC_NCODES for a (line, column) given in full
 *   PAIRS0, PAIRS1  packed {line, column}  the most common of each class
 *   SCOPES  packed {kind, id, caller}  kind 0: ROOTS[id], a function not
 *       inlined; the frame above it keeps its location. kind 1: CALLS[id],
 *       inlined; the frame above it is at the call's location. caller: 0
 *       none, all ones: CALLERS says, else zigzag(caller minus scope).
 *       Innermost scopes come first, numbered in the order the ranges bring
 *       them in.
 *   CALLERS uint32_t[2n]       (scope, caller) for callers too far for
 *       their field, sorted by scope
 *   ROOTS   packed {func, has_entry, entry}   entry: its first address
 *   CALLS   packed {func, file, line, column} func inlined at file:line:column
 *   FUNCS   packed {name, linkage+1, dwarf_name+1, base_line, file}
 *   FILES   packed {name}
 *   SYMS        uint32_t[2n + 2]  the same for the blocks of symbols
 *   SYM_DATA    bytes          per block, up to NSYM_SC_SYM_BLOCK symbols,
 *       sorted, the last symbol at each address only: byte flags (1: a
 *       linkage ref follows, else it is the name; 2: a file ref follows),
 *       uvarint address minus the previous (0 first), uvarint extent (the
 *       symbol holds [address, address + extent)), uvarint name ref, then
 *       the refs the flags announce
 *   STR_OFF     packed {off}   n + 1 offsets into STR_DATA
 *   STR_SIZE    packed {size}  decompressed size of each string block
 *   STR_DATA    bytes          zstd frames of NUL-terminated strings; names
 *       and paths a plain lookup prints come in blocks before the others
 */
#ifndef NSYM_SYMCACHE_H
#define NSYM_SYMCACHE_H

#include "symtab.h"

#define NSYM_SC_MAGIC   "NSYMSC\r\n"
#define NSYM_SC_VERSION 5
/* Range entries per block: a lookup decodes half of one on average. */
#define NSYM_SC_BLOCK     32
#define NSYM_SC_SYM_BLOCK 16
/* Length of the list of recent scopes in a block. */
#define NSYM_SC_RECENT 6
/* Codes for common values: one byte below NSYM_SC_CODE1, two bytes for the
 * rest up to NSYM_SC_NCODES, and the byte 255 for a value with no code. */
#define NSYM_SC_CODE1  224
#define NSYM_SC_NCODES (NSYM_SC_CODE1 + (255 - NSYM_SC_CODE1) * 256)
/* Strings start below this offset of their block (ref = block << 14 | off). */
#define NSYM_SC_STR_SHIFT 14
#define NSYM_SC_STR_BLOCK (1u << NSYM_SC_STR_SHIFT)
/* Each chunk of this many bytes has a CRC, checked before first use. */
#define NSYM_SC_CHUNK_SHIFT 12
#define NSYM_SC_CHUNK       (1u << NSYM_SC_CHUNK_SHIFT)
#define NSYM_SC_NONE        UINT32_MAX

enum nsym_sc_table_id {
	NSYM_SC_BLOCKS,
	NSYM_SC_BLOCK_DATA,
	NSYM_SC_JOINT,
	NSYM_SC_PAIRS0,
	NSYM_SC_PAIRS1,
	NSYM_SC_SCOPES,
	NSYM_SC_CALLERS,
	NSYM_SC_ROOTS,
	NSYM_SC_CALLS,
	NSYM_SC_FUNCS,
	NSYM_SC_FILES,
	NSYM_SC_SYMS,
	NSYM_SC_SYM_DATA,
	NSYM_SC_STR_OFF,
	NSYM_SC_STR_SIZE,
	NSYM_SC_STR_DATA,
	NSYM_SC_NTABLES
};

/* Fields of the packed tables, in order. */
enum { NSYM_SC_SCOPE_KIND, NSYM_SC_SCOPE_ID, NSYM_SC_SCOPE_CALLER };
enum { NSYM_SC_ROOT_FUNC, NSYM_SC_ROOT_HAS_ENTRY, NSYM_SC_ROOT_ENTRY };
enum { NSYM_SC_CALL_FUNC, NSYM_SC_CALL_FILE, NSYM_SC_CALL_LINE, NSYM_SC_CALL_COLUMN };
enum {
	NSYM_SC_FUNC_NAME,
	NSYM_SC_FUNC_LINKAGE,
	NSYM_SC_FUNC_DWARF_NAME,
	NSYM_SC_FUNC_BASE_LINE,
	NSYM_SC_FUNC_FILE
};
#define NSYM_SC_MAX_FIELDS 6

struct nsym_sc_table {
	uint64_t off;   /* from the start of the file; 8-aligned, at or past data_off */
	uint64_t size;  /* bytes, padding included */
	uint64_t count; /* records (array and packed tables), 0 for bytes */
	uint8_t width[NSYM_SC_MAX_FIELDS]; /* packed: bits of each field, 0 past the last */
	uint8_t pad[2];
};

struct nsym_sc_header {
	char magic[8];
	uint32_t version;
	uint32_t header_size;
	uint8_t id[NSYM_BUILD_ID_MAX]; /* identity of the file it describes */
	uint32_t id_len;
	uint32_t crc;        /* CRC-32 of this header (with crc 0), then crc[] */
	uint64_t file_size;  /* a shorter or longer file is damaged */
	uint64_t base;       /* stored addresses are offsets from this */
	uint64_t image_base; /* what nsym_symbolizer_image_base says of the file */
	uint64_t data_off;   /* where the tables and the chunks begin */
	uint64_t nchunks;
	struct nsym_sc_table t[NSYM_SC_NTABLES];
};

/* ---- writing (symcache_build.c) ------------------------------------------ */

struct nsym_sc_builder;

/* What the symcache is of: its identity (1 to NSYM_BUILD_ID_MAX bytes) and
 * the image base lookups report for it. */
struct nsym_sc_identity {
	const unsigned char *id;
	size_t id_len;
	uint64_t image_base;
};

int nsym__sc_builder_new(struct nsym_sc_builder **out);
void nsym__sc_builder_free(struct nsym_sc_builder *b);
/*
 * The range of addresses from addr up to the next range's start has these
 * frames, innermost first, as a lookup answers them: function (never
 * NULL; "??" when unknown), linkage_name and dwarf_name (or NULL), file,
 * line and column where that frame is, inlined when it was inlined into the
 * next frame, and for a frame that is not inlined, symbol_offset: addr
 * minus its function's entry. The frame after one that is not inlined is
 * taken to be at the same location (as DWARF's nested scopes are). count 0
 * is a gap: no frames. Ranges may come in any order; where several start
 * at one address, the first one added that has frames is kept. Strings are
 * copied; they need only live for the call.
 */
int nsym__sc_builder_add_range(struct nsym_sc_builder *b, uint64_t addr,
                               const struct nsym_frame *frames, size_t count);
/* Strings handed in before may be freed now: until this is called, the
 * builder may know a string again by its address alone. */
void nsym__sc_builder_strings_released(struct nsym_sc_builder *b);
/* The symbol table (sorted by nsym__symtab_sort), for the outermost
 * frame's name and for addresses with no frames. */
int nsym__sc_builder_add_symbols(struct nsym_sc_builder *b, struct nsym_symtab *st);
/* Writes the symcache to path, through a temporary file beside it and a
 * rename, so that no reader ever sees half of one. */
int nsym__sc_builder_write(struct nsym_sc_builder *b, const char *path,
                           const struct nsym_sc_identity *id);

struct nsym_dwarf;
/* The DWARF adapter (symcache_dwarf.c): every unit's ranges, with the
 * frames a lookup would give, one unit in memory at a time. */
int nsym__sc_add_dwarf(struct nsym_sc_builder *b, struct nsym_dwarf *dw);

/* ---- reading (symcache_read.c) ------------------------------------------- */

struct nsym_symcache;

/* Maps and checks a symcache (lookups on it may come from several threads
 * at once); NSYM_ENOENT when there is none, NSYM_EMISMATCH
 * when it is of another version or (with id non-NULL) identity,
 * NSYM_ETRUNC when it is damaged. */
int nsym__symcache_open(struct nsym_symcache **out, const char *path, const unsigned char *id,
                        size_t id_len);
void nsym__symcache_close(struct nsym_symcache *sc);
/* Whether a lookup found the symcache damaged: every later one fails. */
bool nsym__symcache_damaged(const struct nsym_symcache *sc);
/* The identity and image base the symcache was written for. */
const unsigned char *nsym__symcache_id(const struct nsym_symcache *sc, size_t *out_len);
uint64_t nsym__symcache_image_base(const struct nsym_symcache *sc);
/* Frames for addr, innermost first; *found is false when the cache knows
 * nothing of the address. NSYM_ETRUNC (with a detail) when the bytes the
 * answer needs are damaged: the cache must not be used again. */
int nsym__symcache_lookup(struct nsym_frames *out, struct nsym_symcache *sc, uint64_t addr,
                          unsigned flags, bool *found);
/* The symbol-table entry holding addr, as nsym__symtab_find finds it;
 * *found false when none does. NSYM_ETRUNC as for lookups. */
int nsym__symcache_symbol(struct nsym_symbol_hit *out, bool *found, struct nsym_symcache *sc,
                          uint64_t addr);
/* The address of the symbol-table function named `name` (its name or its
 * linkage name, with or without Mach-O's leading underscore), as
 * nsym__symtab_named answers: how many there are (0, 1, or 2 for several).
 * A damaged symcache gives what was found before the damage. */
size_t nsym__symcache_named(uint64_t *out, struct nsym_symcache *sc, const char *name);
/* Recomputes the checksums of a symcache in memory, so that a test can
 * hand damaged tables to the decoders past the checks. */
void nsym__symcache_reseal(unsigned char *data, size_t size);

#endif
