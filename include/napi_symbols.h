/*
 * napi_symbols.h: the public interface of libnsym, the library under the
 * napi-symbols tools. It identifies ELF objects (build-id, .gnu_debuglink,
 * fallback identity), pairs a stripped file with its debug file, and turns
 * module-relative addresses into function, file, line and column with full
 * inline chains.
 *
 * Conventions: functions return 0 or a negative NSYM_E* code; output
 * parameters come first and are named `out`; every _open has a _close and
 * every _new a _free, and those accept NULL. The library never prints and
 * never exits. After a failure, nsym_error_detail() returns one line that
 * names the file and what is wrong, for the calling thread.
 */
#ifndef NAPI_SYMBOLS_H
#define NAPI_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define NSYM_EXTERN __attribute__((visibility("default")))
#else
#define NSYM_EXTERN
#endif

/*
 * Every error code, once. Codes are never renumbered: scripts and the server
 * may report them.
 */
#define NSYM_ERRORS(X)                                                                             \
	X(NSYM_OK, 0, "success")                                                                   \
	X(NSYM_ENOMEM, -1, "out of memory")                                                        \
	X(NSYM_EINVAL, -2, "invalid argument")                                                     \
	X(NSYM_ENOENT, -3, "no such file")                                                         \
	X(NSYM_EIO, -4, "cannot read file")                                                        \
	X(NSYM_EISDIR, -5, "is a directory")                                                       \
	X(NSYM_EEMPTY, -6, "file is empty")                                                        \
	X(NSYM_ENOTELF, -7, "not an ELF file")                                                     \
	X(NSYM_ETRUNC, -8, "file is truncated or damaged")                                         \
	X(NSYM_EARCH, -9, "unsupported architecture or object type")                               \
	X(NSYM_EMISMATCH, -10, "debug file does not match")                                        \
	X(NSYM_ENODEBUG, -11, "no debug file found")                                               \
	X(NSYM_EDWARF, -12, "malformed DWARF")                                                     \
	X(NSYM_EUNSUPPORTED, -13, "unsupported feature")                                           \
	X(NSYM_EEXIST, -14, "already exists")                                                      \
	X(NSYM_ENOSPC, -15, "no space left on the device")

enum nsym_error {
#define NSYM_ERROR_ENUM(name, value, text) name = value,
	NSYM_ERRORS(NSYM_ERROR_ENUM)
#undef NSYM_ERROR_ENUM
};

/* Static text for a code; never NULL. */
NSYM_EXTERN const char *nsym_strerror(int code);

/*
 * One line describing the last failure on this thread, naming the file and
 * the problem ("addon.node: section header table past end of file"). Falls
 * back to nsym_strerror() of the last code. Valid until the next library call
 * on this thread.
 */
NSYM_EXTERN const char *nsym_error_detail(void);

/* ---- Objects and their identity ---------------------------------------- */

#define NSYM_BUILD_ID_MAX     64
#define NSYM_FALLBACK_ID_SIZE 20

/* What identifies an ELF object; filled by nsym_object_identity(). */
struct nsym_identity {
	unsigned char build_id[NSYM_BUILD_ID_MAX];        /* GNU build-id bytes */
	size_t build_id_len;                              /* 0: the file has none */
	unsigned char fallback_id[NSYM_FALLBACK_ID_SIZE]; /* SHA-1 of allocated contents */
	int has_fallback_id;    /* 0 when it cannot be computed (a debug file) */
	const char *debuglink;  /* .gnu_debuglink file name, or NULL; borrowed */
	uint32_t debuglink_crc; /* CRC-32 stored with the debuglink */
	uint16_t machine;       /* e_machine */
	uint8_t elf_class;      /* ELFCLASS32 or ELFCLASS64 */
	uint8_t elf_data;       /* ELFDATA2LSB or ELFDATA2MSB */
	uint16_t type;          /* e_type */
	int has_debug_info;     /* a .debug_info section with contents */
	uint64_t debug_bytes;   /* bytes of .debug_* sections as stored (compressed or not) */
	int has_symtab;         /* a .symtab section */
	int has_code;           /* an executable section with contents: the file runs,
	                           it is not only a debug file */
};

typedef struct nsym_object nsym_object;

/*
 * Opens an ELF executable, shared object or separate debug file read-only
 * (memory-mapped). Refuses relocatable objects, cores and machines the
 * library does not know with NSYM_EARCH.
 */
NSYM_EXTERN int nsym_object_open(nsym_object **out, const char *path);
NSYM_EXTERN void nsym_object_close(nsym_object *obj);

/* The identity; borrowed pointers live as long as obj. */
NSYM_EXTERN int nsym_object_identity(struct nsym_identity *out, nsym_object *obj);
NSYM_EXTERN const char *nsym_object_path(const nsym_object *obj);

/*
 * The virtual address (as the program headers state it: the module-relative
 * address nsym_symbolizer_lookup takes) of the byte at file offset `offset`,
 * through the PT_LOAD segment whose file contents hold it; an executable
 * segment wins where segments share bytes. With a /proc/PID/maps line
 * "START-END ... OFFSET ... PATH", an absolute address A in it is at file
 * offset A - START + OFFSET. NSYM_ENOENT, with a detail, when no PT_LOAD
 * segment holds the offset (the file is not the one that was mapped).
 */
NSYM_EXTERN int nsym_object_vaddr(uint64_t *out, nsym_object *obj, uint64_t offset);

/*
 * The identity as lowercase hex: the GNU build-id when there is one, else the
 * fallback id. buf needs 2 * NSYM_BUILD_ID_MAX + 1 bytes. NSYM_ENOENT when
 * the object has neither.
 */
NSYM_EXTERN int nsym_identity_hex(char *out, size_t size, const struct nsym_identity *id);

/* CRC-32 as .gnu_debuglink uses it, over a whole file. */
NSYM_EXTERN int nsym_file_crc32(uint32_t *out, const char *path);

/* ---- Any binary: ELF, Mach-O, PE, PDB ---------------------------------- */

enum nsym_format {
	NSYM_FORMAT_ELF = 1,
	NSYM_FORMAT_MACHO,     /* thin Mach-O: binary, or the DWARF file of a .dSYM */
	NSYM_FORMAT_MACHO_FAT, /* universal file: one image per architecture */
	NSYM_FORMAT_PE,        /* PE/COFF image (.node, .dll, .exe) */
	NSYM_FORMAT_PDB,       /* MSF 7.0 program database */
};

/* At most this many images (fat slices) are read from one file. */
#define NSYM_IMAGES_MAX 16

/*
 * One image: the ELF, PE or PDB file itself, or one architecture of a Mach-O
 * file. Strings are borrowed from the nsym_file and live until it is closed.
 */
struct nsym_image {
	enum nsym_format format; /* ELF, MACHO, PE or PDB; never MACHO_FAT */
	const char *arch;        /* "x86_64", "arm64", "i386", ...; "unknown" */
	const char *kind;        /* "executable", "shared library", "bundle",
	                            "debug file", "program database", "other" */
	/* ELF only: build-id, fallback id, debuglink */
	const struct nsym_identity *elf;
	unsigned char uuid[16]; /* Mach-O LC_UUID; PE CodeView or PDB GUID as stored */
	int has_uuid;           /* 0 when the image carries none */
	uint32_t age;           /* PE CodeView age; PDB: its DBI stream's age (the one
	                           linkers copy into the image), else its info stream's */
	uint32_t timestamp;     /* PE COFF TimeDateStamp */
	uint32_t size_of_image; /* PE optional header SizeOfImage */
	const char *pdb_name;   /* PE CodeView PdbFileName, or NULL */
	int has_debug_info;     /* DWARF sections (ELF, Mach-O, mingw PE) or a PDB's
	                           DBI stream; 0 for an MSVC/lld PE, whose is in its PDB */
	uint64_t debug_bytes;   /* size of that debug info as stored */
	uint64_t offset, size;  /* where the image lies in the file */
};

typedef struct nsym_file nsym_file;

/*
 * Opens any supported binary read-only and reads its identities. `path` may
 * also name a .dSYM bundle folder, which opens the DWARF file under
 * Contents/Resources/DWARF/. Unknown formats give NSYM_ENOTELF; damaged
 * headers NSYM_ETRUNC with a detail naming what is wrong.
 */
NSYM_EXTERN int nsym_file_open(nsym_file **out, const char *path);
NSYM_EXTERN void nsym_file_close(nsym_file *file);

/* The container format; NSYM_FORMAT_MACHO_FAT for universal files. */
NSYM_EXTERN enum nsym_format nsym_file_format(const nsym_file *file);
/* Path actually read (for a .dSYM bundle: the DWARF file inside). */
NSYM_EXTERN const char *nsym_file_path(const nsym_file *file);
NSYM_EXTERN size_t nsym_file_image_count(const nsym_file *file);
/* The i-th image, 0-based; NULL when i is out of range. */
NSYM_EXTERN const struct nsym_image *nsym_file_image(const nsym_file *file, size_t i);

/* Forms in which an image's identity is written. */
enum nsym_id_form {
	/*
	 * The key tools use for this format: ELF build-id (or fallback id) in
	 * lowercase hex; Mach-O UUID as 32 lowercase hex digits; PE
	 * TimeDateStamp as %08X then SizeOfImage as %x (SymSrv); PDB GUID as 32
	 * uppercase hex digits (Data1-3 byte-swapped) then age as %X (SymSrv).
	 */
	NSYM_ID_NATIVE,
	/*
	 * Breakpad / Sentry debug id: a GUID (from the first 16 bytes of the
	 * build-id read as a little-endian GUID for ELF; the UUID for Mach-O;
	 * the CodeView GUID for PE and the GUID for PDB) in 32 uppercase hex
	 * digits, then the age in %X (0 for ELF and Mach-O).
	 */
	NSYM_ID_DEBUG_ID,
	/* The CodeView GUID + age of the PDB that a PE file names (PE only). */
	NSYM_ID_PDB,
};

/* Bytes that always hold an id: an ELF build-id of NSYM_BUILD_ID_MAX bytes
 * in hex is the longest; every other form takes at most 41. */
#define NSYM_IMAGE_ID_SIZE (2 * NSYM_BUILD_ID_MAX + 1)

/*
 * Writes the image's identity in `form` as a NUL-terminated string.
 * NSYM_ENOENT when it has none in that form: a Mach-O file without LC_UUID,
 * a PE file without a CodeView record, an ELF file without a build-id for
 * NSYM_ID_DEBUG_ID (the fallback id is napi-symbols' own, and Breakpad
 * would derive another id for such a file). NSYM_EINVAL, with `out` empty,
 * when `size` is too small. Sets no error detail.
 */
NSYM_EXTERN int nsym_image_id(char *out, size_t size, const struct nsym_image *image,
                              enum nsym_id_form form);

/* What a symbol server serves an image as (debuginfod's artifact types). */
enum nsym_serves {
	NSYM_SERVES_DEBUGINFO = 1 << 0,  /* DWARF, a symbol table without code, a PDB */
	NSYM_SERVES_EXECUTABLE = 1 << 1, /* the code that runs: stripped or not */
};

/* The NSYM_SERVES_* bits of an image; 0 when it is neither (an ELF file
 * with no code, DWARF or symbols). An unstripped file is both. */
NSYM_EXTERN unsigned nsym_image_serves(const struct nsym_image *image);

/* ---- Split: the stripped file that ships, the debug file that stays ---- */

enum nsym_compress {
	NSYM_COMPRESS_NONE = 0, /* debug sections stay as they are in the input */
	NSYM_COMPRESS_ZLIB,     /* SHF_COMPRESSED, ELFCOMPRESS_ZLIB */
	NSYM_COMPRESS_ZSTD,     /* SHF_COMPRESSED, ELFCOMPRESS_ZSTD */
};

struct nsym_split_options {
	const char *stripped_path; /* NULL: replace the input with its stripped form */
	const char *debug_path;    /* NULL: the stripped path + ".debug" */
	enum nsym_compress compress;
	int keep_symbols; /* keep .symtab/.strtab in the stripped file; Mach-O: keep
	                     the local symbols, drop only the debug map */
	int force;        /* replace outputs that exist (the input itself always may be) */
	/* Mach-O: the .dSYM bundle (or the DWARF file inside one) made from the
	 * input; NULL: PATH.dSYM beside the input. Refused for ELF. */
	const char *dsym_path;
};

/* One image of a Mach-O split. */
struct nsym_split_slice {
	char arch[16];           /* "arm64", "x86_64", ... */
	unsigned char uuid[16];  /* LC_UUID, the same in the input, output and dSYM */
	uint32_t symbols_before; /* symbol table entries in the input */
	uint32_t symbols_after;  /* and in the stripped file */
	int resigned;            /* 1: its ad-hoc code signature was made anew */
};

/* What nsym_split() wrote. */
struct nsym_split_result {
	struct nsym_identity identity; /* the input's; pointers are not valid after return */
	uint64_t input_size, stripped_size, debug_size;
	uint32_t debug_crc;           /* stored in the stripped file's .gnu_debuglink */
	unsigned compressed_sections; /* debug sections this call compressed */
	int has_dwarf;                /* 0: the debug file holds only the symbol table */
	/* where the outputs went: a symlinked input is resolved and its target
	 * replaced, so these may differ from the path given */
	char stripped_path[4096];
	char debug_path[4096]; /* Mach-O: the .dSYM checked, as named */
	/* NSYM_FORMAT_ELF, or NSYM_FORMAT_MACHO / NSYM_FORMAT_MACHO_FAT; for
	 * Mach-O, identity, debug_crc and compressed_sections are 0 and the
	 * slices say what was done */
	enum nsym_format format;
	size_t slice_count;
	struct nsym_split_slice slices[NSYM_IMAGES_MAX];
};

/*
 * Splits an ELF executable or shared object into a stripped file (everything
 * needed to load and run it, .dynsym included; no .debug_* sections, no
 * .symtab unless keep_symbols; a .gnu_debuglink naming the debug file with
 * its CRC) and a debug file in the form `objcopy --only-keep-debug` makes
 * (all section and program headers, non-debug contents as SHT_NOBITS, notes,
 * the symbol table and DWARF). A file without a GNU build-id gets its
 * fallback id recorded in the debug file. Both outputs are written to
 * temporary files beside their final names and renamed into place only once
 * both are complete and read back, so the input is never left half-written.
 * Errors: NSYM_ENOTELF, NSYM_EARCH, NSYM_ENODEBUG (nothing to split off:
 * already stripped?), NSYM_EEXIST (an output exists and force is 0),
 * NSYM_EIO (cannot write). `options` may be NULL.
 *
 * A Mach-O file (thin or universal) is split from its .dSYM, which
 * dsymutil (or Cargo with split-debuginfo = "packed") made from it while
 * the debug map still named the object files: options->dsym_path, else
 * PATH.dSYM beside it. No debug file is written. Every slice's LC_UUID
 * must be in the dSYM (NSYM_EMISMATCH names both UUIDs; NSYM_ENODEBUG
 * says how to make a dSYM when there is none). The stripped file loses
 * the local symbols and the debug-map stabs (N_SO, N_OSO, N_FUN...): the
 * symbol and string tables are rewritten inside __LINKEDIT, the indirect
 * symbol table and LC_DYSYMTAB renumbered, and an ad-hoc code signature
 * (what linkers put on arm64 code) made anew over the new bytes. A
 * signature with a certificate is refused (NSYM_EUNSUPPORTED): sign after
 * splitting. debug_path and compress are for ELF and refused here.
 */
NSYM_EXTERN int nsym_split(struct nsym_split_result *out, const char *path,
                           const struct nsym_split_options *options);

/* ---- Verify: a binary and its debug files ------------------------------ */

/* What nsym_verify found for one image of the binary. */
struct nsym_verify_image {
	char arch[16];               /* "x86_64", "arm64", ... */
	char id[NSYM_IMAGE_ID_SIZE]; /* its identity (NSYM_ID_NATIVE); "" when it has none */
	int debug;                   /* index of the debug file that belongs to it, or -1 */
	uint64_t code_bytes;         /* ELF, Mach-O: bytes of its executable sections */
	uint64_t covered_bytes;      /* of those, inside the DWARF units' address ranges */
	uint32_t modules;            /* PE: modules its PDB's DBI stream lists */
	uint32_t modules_with_lines; /* and of those, the ones with line numbers */
	int ok;                      /* 1: it has its debug file, which covers its code */
};

struct nsym_verify_result {
	enum nsym_format format; /* the binary's */
	size_t count;            /* images in the binary */
	struct nsym_verify_image images[NSYM_IMAGES_MAX];
	size_t problems; /* lines given to the callback */
};

/* Called with each problem: one line, no newline, naming the file and what
 * is wrong. The text lives until the callback returns. */
typedef void (*nsym_verify_fn)(void *arg, const char *problem);

/*
 * Checks, for CI, that `debug` (ndebug paths) are the debug files of
 * `binary` and describe its code:
 * - ELF: a debug file with the binary's GNU build-id, else its fallback id
 *   (which split records), else the CRC its .gnu_debuglink names; its DWARF
 *   units' address ranges must cover some of the binary's .text (the code
 *   compilers emit; the PLT and stubs are the linker's and have no DWARF),
 *   and at least min_coverage percent of it when that is > 0;
 * - Mach-O, thin or universal: every slice's LC_UUID in one of the dSYMs
 *   (bundle folders or the DWARF files in them), whose DWARF covers the
 *   slice's (__TEXT,__text) as for ELF;
 * - PE: the PDB with the GUID and age of its CodeView record and the same
 *   architecture, whose DBI stream lists modules with line numbers.
 * A debug file that belongs to no image, or cannot be read, is a problem
 * too. Each problem goes to fn (which may be NULL). Returns 0 when there is
 * none, NSYM_EMISMATCH when there was at least one, or the error that kept
 * `binary` from being read (with a detail).
 */
NSYM_EXTERN int nsym_verify(struct nsym_verify_result *out, const char *binary,
                            const char *const *debug, size_t ndebug, double min_coverage,
                            nsym_verify_fn fn, void *arg);

/* ---- Symbolizer -------------------------------------------------------- */

struct nsym_open_options {
	const char *debug_file;        /* explicit debug file, or NULL to search */
	const char *const *debug_dirs; /* NULL-terminated list of debug roots
	                                  (holding .build-id/); NULL: /usr/lib/debug */
	const char *cache_dir;         /* folder of symcaches to answer from, or NULL */
	/* Mach-O: which slice of a universal file to read, by its LC_UUID (32
	 * hex digits, dashes allowed) or else by architecture ("arm64",
	 * "x86_64"...); NULL for a thin file */
	const char *uuid;
	const char *arch;
	/* 1: no debug file is looked for: the file itself (or debug_file)
	 * answers, and nothing beside it, under debug_dirs or PATH.dSYM is
	 * opened. For a caller whose path says nothing of where debug files
	 * would be (the server opens a stored blob by /proc/self/fd/N, where
	 * a .gnu_debuglink of "5" would name another of its open files). */
	int no_search;
};

typedef struct nsym_symbolizer nsym_symbolizer;

/*
 * Opens `path` for lookups. The debug file is taken from options->debug_file,
 * else the file itself when it has DWARF, else its .gnu_debuglink (beside
 * it, in .debug/ beside it, or under each debug dir), else
 * DEBUG_DIR/.build-id/xx/rest.debug. A debug file whose identity differs
 * from the file's is refused with NSYM_EMISMATCH. When no debug file is found
 * the symbolizer still opens and answers from the symbol tables, marking
 * frames approximate. options may be NULL.
 *
 * A Mach-O file (thin or universal; a .dSYM bundle folder stands for its
 * DWARF file) is read the same way: its debug file is options->debug_file,
 * else the file itself when it has DWARF, else PATH.dSYM beside it; the
 * dSYM slice must carry the binary's LC_UUID. Addresses are the ones the
 * file is linked at (vmaddr), as llvm-symbolizer takes them: see
 * nsym_symbolizer_image_base.
 *
 * A PE image (.node, .dll, .exe) is read with its PDB: options->debug_file,
 * else a symcache for the PDB's GUID and age, else the file its CodeView
 * record names, beside the image by its base name, then at the path the
 * record gives. The PDB's GUID and age must be the ones the record names
 * (NSYM_EMISMATCH says both). A mingw image without a PDB is read from the
 * DWARF in its own sections. Without either, its COFF symbols and exports
 * answer, marked approximate. Addresses are virtual addresses (ImageBase
 * plus RVA), as llvm-symbolizer takes them. A PDB given alone answers for
 * RVAs.
 *
 * A symbolizer is not thread-safe: use one per thread, or share one that
 * answers from a symcache (nsym_symbolizer_share).
 */
NSYM_EXTERN int nsym_symbolizer_open(nsym_symbolizer **out, const char *path,
                                     const struct nsym_open_options *options);
NSYM_EXTERN void nsym_symbolizer_close(nsym_symbolizer *sym);

/*
 * Writes the symcache of the opened file into cache_dir (which must exist),
 * named ID.vVERSION.symcache by the file's identity and the format version,
 * through a temporary file and rename. Parses every unit: it costs about
 * what symbolizing every address of the file once would. Later opens with
 * options->cache_dir set answer from it without reading DWARF. A no-op when
 * already answering from a symcache.
 */
NSYM_EXTERN int nsym_symbolizer_write_cache(nsym_symbolizer *sym, const char *cache_dir);

/*
 * Writes the symcache of the opened file to `path` itself (say, a store's
 * blob named by identity and nsym_symcache_version()), through a temporary
 * file beside it and a rename, so that a reader never sees part of one,
 * even if the writer dies: building it in the background is safe. Costs
 * what nsym_symbolizer_write_cache does. NSYM_EUNSUPPORTED when the
 * symbolizer answers from a symcache itself (open the file with no cache
 * folder to build one); NSYM_ENODEBUG for a PE image whose PDB was not
 * found (a symcache of its exports, keyed by the PDB's identity, would
 * hide the PDB once it is); NSYM_EIO or NSYM_ENOSPC when it cannot be
 * written.
 */
NSYM_EXTERN int nsym_symbolizer_write_cache_file(nsym_symbolizer *sym, const char *path);

/*
 * Opens a symbolizer that answers from the symcache at `path` alone, with
 * no binary or debug file at hand: what a server does with the symcaches
 * it built. `id` is the identity it must be for, in hex as
 * nsym_symbolizer_id gives it, or NULL to take the one the symcache names.
 * Errors: NSYM_ENOENT (no such file), NSYM_EMISMATCH (another format
 * version or identity), NSYM_ETRUNC (damaged: rebuild it), NSYM_EINVAL (id
 * is not hex). Opening checks the header and its checksum; the rest of the
 * file is checked as lookups first read it, and a lookup that meets damage
 * answers NSYM_ETRUNC, as every later one does: rebuild the file. (A
 * symbolizer opened on a binary with a cache folder instead answers from
 * its debug file then.) nsym_symbolizer_id, _image_base and _path answer
 * from the symcache; it has no debug path, and lists no sources.
 */
NSYM_EXTERN int nsym_symbolizer_open_cache(nsym_symbolizer **out, const char *path, const char *id);

/* The symcache format version this library writes and reads. Files of
 * another version are ignored; nsym_symbolizer_write_cache puts it in the
 * file name, and a store of symcaches keys them by it. */
NSYM_EXTERN int nsym_symcache_version(void);

/* 1 when lookups are answered from a symcache, else 0 (also once a lookup
 * found the symcache damaged). */
NSYM_EXTERN int nsym_symbolizer_cached(const nsym_symbolizer *sym);

/*
 * Lets several threads look up in sym at once, as a server's workers share
 * one open module: nsym_symbolizer_lookup (and the report pipeline's use
 * of sym) may then be called on it from any thread concurrently, each with
 * its own frames. Only a symbolizer that answers from a symcache can be
 * shared (NSYM_EUNSUPPORTED otherwise: DWARF is parsed lazily into the
 * symbolizer). Once shared, a symcache that a lookup finds damaged is not
 * left for the debug file, which would change sym under the other
 * threads: its file (when opened from a cache folder) is removed, so that
 * the next open builds it again, and lookups answer NSYM_ETRUNC, as
 * nsym_symbolizer_cached then answers 0: close it and open it again. Call
 * it before handing sym to other threads; close it once no thread uses it.
 */
NSYM_EXTERN int nsym_symbolizer_share(nsym_symbolizer *sym);

/*
 * Calls fn once for each distinct source file the DWARF's line tables name
 * (full paths: the unit's directory joined as the table says), stopping
 * when fn returns nonzero. Needs the DWARF: a symbolizer answering from a
 * symcache gives NSYM_EUNSUPPORTED; one with no debug file calls fn never.
 */
NSYM_EXTERN int nsym_symbolizer_sources(nsym_symbolizer *sym,
                                        int (*fn)(void *arg, const char *path), void *arg);

/* Path of the file opened (for a .dSYM bundle, the DWARF file in it). */
NSYM_EXTERN const char *nsym_symbolizer_path(const nsym_symbolizer *sym);

/* Path of the debug file in use (DWARF or PDB), or NULL when there is
 * none. Borrowed. */
NSYM_EXTERN const char *nsym_symbolizer_debug_path(const nsym_symbolizer *sym);

/* The file name a symbol server keeps the debug file under, for the SymSrv
 * layout (FILE/ID/FILE): a PE image's PDB name without its folders
 * ("addon.pdb"). NULL for other formats, whose debug files are found by
 * identity alone. Borrowed. */
NSYM_EXTERN const char *nsym_symbolizer_debug_name(const nsym_symbolizer *sym);

/*
 * What to add to an offset from the start of the loaded image to get the
 * address lookups take: the vmaddr of Mach-O's __TEXT segment (0 for a
 * bundle or dylib, 0x100000000 for an arm64 or x86_64 executable), so that
 * an .ips report's imageOffset plus this is the address to look up. 0 for
 * ELF, whose module-relative addresses already are its virtual addresses.
 * For a PE image, its ImageBase: an RVA plus this is the address to look
 * up. 0 for a PDB opened alone.
 */
NSYM_EXTERN uint64_t nsym_symbolizer_image_base(const nsym_symbolizer *sym);

/* The identity the symbolizer answers for, in lowercase hex: the ELF
 * build-id (or fallback id), the Mach-O UUID, or for a PE image (and a
 * PDB) the PDB's GUID and age as SymSrv writes them (NSYM_ID_PDB). The key
 * its debug file is fetched and its symcache kept by. NSYM_ENOENT when it
 * has none. `size` needs NSYM_IMAGE_ID_SIZE bytes. */
NSYM_EXTERN int nsym_symbolizer_id(char *out, size_t size, const nsym_symbolizer *sym);

/* One frame of a lookup's answer. Strings are borrowed from the symbolizer
 * and live until it is closed. */
struct nsym_frame {
	/* demangled, "??" when unknown; for the outermost frame the ELF symbol
	 * that holds the address when there is one (as llvm-symbolizer does) */
	const char *function;
	const char *linkage_name; /* mangled name, or NULL */
	/* DWARF's name where it differs from function: for Rust with its scope
	 * and generic arguments; or NULL */
	const char *dwarf_name;
	const char *file;       /* full path, "??" when unknown */
	uint32_t line;          /* 0 when unknown */
	uint32_t column;        /* 0 when unknown */
	int inlined;            /* 1: inlined into the next frame */
	int approximate;        /* 1: from a symbol table, not DWARF */
	uint64_t symbol_offset; /* address minus the function's entry; 0 when inlined */
};

enum nsym_lookup_flags {
	/* The address is a return address: look up address - 1, so the answer
	 * is the call instruction rather than the one after it. */
	NSYM_LOOKUP_RETURN_ADDRESS = 1 << 0,
	/* One frame: the innermost location, with no inlined callers (as
	 * llvm-symbolizer --inlines=false answers). */
	NSYM_LOOKUP_NO_INLINES = 1 << 1,
	/* Only what a plain answer prints (function, file, line, column):
	 * linkage_name and dwarf_name may be left NULL even where they are
	 * known. Answering from a symcache, this spares decompressing the
	 * blocks of strings that hold them. */
	NSYM_LOOKUP_NO_EXTRA_NAMES = 1 << 2,
};

/* The frames for one address, innermost first. */
struct nsym_frames {
	struct nsym_frame *frames;
	size_t count;
	size_t capacity;
};

/*
 * Looks up a module-relative address: the address minus the module's load
 * bias, which for an ELF file is its virtual address as the file states it.
 * `out` is reset and filled; an address with no symbol gives one frame of
 * "??" and returns 0. Errors are for memory or damaged DWARF only.
 * Release the frames with nsym_frames_release().
 */
NSYM_EXTERN int nsym_symbolizer_lookup(struct nsym_frames *out, nsym_symbolizer *sym,
                                       uint64_t address, unsigned flags);
NSYM_EXTERN void nsym_frames_release(struct nsym_frames *frames);

/* ---- Demangling -------------------------------------------------------- */

/*
 * Demangles Rust legacy (hash dropped, like rustc-demangle's "{:#}"), Rust v0
 * and C++ names, Itanium ("_ZN2ns1fEi") and MSVC-decorated ("?f@ns@@YAHH@Z"),
 * both as llvm-symbolizer prints them ("ns::f(int)"). Returns a new string to
 * free(), or NULL when `name` is not mangled or cannot be demangled.
 */
NSYM_EXTERN char *nsym_demangle(const char *name);

#ifdef __cplusplus
}
#endif
#endif
