/*
 * nsym_symbolizer: one file opened for lookups. It pairs the file with its
 * debug file, answers from DWARF or a PDB where there is one, and falls
 * back to the symbol tables (marked approximate) where there is none. The
 * file is ELF, a Mach-O slice, a PE image or a PDB; past opening, only the
 * DWARF or PDB, the symbol table and the identity are used, whichever
 * container they came from.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "code.h"
#include "debug_pair.h"
#include "dwarf_internal.h"
#include "image.h"
#include "macho_object.h"
#include "napi_symbols_util.h"
#include "pe_object.h"
#include "symcache.h"
#include "symtab.h"

struct nsym_symbolizer {
	const char *path;       /* the file opened, borrowed from file or mfile */
	const char *debug_path; /* NULL: no DWARF */
	struct nsym_elf *file;
	struct nsym_elf *debug; /* may be the same as file; NULL: none */
	struct nsym_identity id;
	struct nsym_macho *mfile, *mdebug;    /* Mach-O: the same roles */
	struct nsym_pe *pe;                   /* PE: the image */
	struct nsym_pdb *pdb;                 /* its PDB (or the PDB opened alone) */
	unsigned char key[NSYM_BUILD_ID_MAX]; /* the identity: build-id, fallback id or UUID;
	                                         PE and PDB: GUID and age */
	size_t key_len;                       /* 0: none */
	char id_text[NSYM_IMAGE_ID_SIZE];     /* PE and PDB: the PDB's SymSrv key */
	char *debug_name;                     /* PE: the PDB's file name, owned */
	bool pdb_keyed; /* keyed by a PDB: its frames (or its symcache's) are named
	                   by the PDB, never renamed from a symbol table */
	uint64_t image_base;
	struct nsym_dwarf *dwarf;
	struct nsym_symtab symtab;
	struct nsym_symcache *cache; /* when set, nothing else is loaded */
	char *cache_path;            /* where cache came from */
	/* Answering from a symcache opened beside the file: what loading its
	 * debug file takes, should the symcache turn out damaged. */
	char *open_path;
	char **debug_dirs;
	bool explicit_debug; /* options->debug_file, opened already */
	bool no_search;      /* options->no_search */
	bool debug_loaded;   /* the debug file's DWARF and the symbols are in */
	char *own_path;      /* a symcache opened alone: its path */
	bool shared;         /* nsym_symbolizer_share: lookups from several threads */
};

/* The identity a symcache is keyed by: the build-id, else the fallback. */
static void elf_key(nsym_symbolizer *sym)
{
	if (sym->id.build_id_len > 0) {
		memcpy(sym->key, sym->id.build_id, sym->id.build_id_len);
		sym->key_len = sym->id.build_id_len;
	} else if (sym->id.has_fallback_id) {
		memcpy(sym->key, sym->id.fallback_id, NSYM_FALLBACK_ID_SIZE);
		sym->key_len = NSYM_FALLBACK_ID_SIZE;
	}
}

int nsym_symbolizer_id(char *out, size_t size, const nsym_symbolizer *sym)
{
	if (out == NULL || sym == NULL || size < 2 * sym->key_len + 1)
		return NSYM_EINVAL;
	if (sym->key_len == 0)
		return NSYM_ENOENT;
	if (sym->id_text[0] != '\0')
		snprintf(out, size, "%s", sym->id_text);
	else
		nsym_hex(out, sym->key, sym->key_len, false);
	return 0;
}

static int cache_path(char *out, size_t size, const nsym_symbolizer *sym, const char *dir)
{
	char hex[2 * NSYM_BUILD_ID_MAX + 1];

	if (nsym_symbolizer_id(hex, sizeof(hex), sym) != 0)
		return nsym__fail(NSYM_ENOENT, sym->path,
		                  "no build-id, UUID or fallback identity to key a symcache by");
	if ((size_t)snprintf(out, size, "%s/%s.v%d.symcache", dir, hex, nsym_symcache_version()) >=
	    size)
		return nsym__fail(NSYM_EINVAL, dir, "cache folder path is too long");
	return 0;
}

/* Answers from a symcache when one matches (0); an explicit debug file is
 * still checked against the file, so a mismatch is reported either way.
 * NSYM_ENOENT when there is none to answer from (the debug file will), or
 * NSYM_ENOMEM: a symcache that is there is not given up for want of a few
 * bytes, to read the DWARF instead. */
static int open_cached(nsym_symbolizer *sym, const struct nsym_open_options *options)
{
	char path[4096];
	int rc;

	if (options == NULL || options->cache_dir == NULL || sym->key_len == 0 ||
	    cache_path(path, sizeof(path), sym, options->cache_dir) != 0)
		return NSYM_ENOENT;
	rc = nsym__symcache_open(&sym->cache, path, sym->key, sym->key_len);
	if (rc == 0 && (sym->cache_path = strdup(path)) == NULL) {
		nsym__symcache_close(sym->cache);
		sym->cache = NULL;
		rc = nsym__fail(NSYM_ENOMEM, path, NULL);
	}
	return rc == 0 || rc == NSYM_ENOMEM ? rc : NSYM_ENOENT;
}

/* Keeps what loading the debug file later takes (see leave_cache). */
static int remember_for_later(nsym_symbolizer *sym, const char *path,
                              const struct nsym_open_options *options)
{
	const char *const *dirs = options->debug_dirs;
	size_t n = 0;

	sym->explicit_debug = options->debug_file != NULL;
	while (dirs != NULL && dirs[n] != NULL)
		n++;
	if ((sym->open_path = strdup(path)) == NULL ||
	    (dirs != NULL && (sym->debug_dirs = calloc(n + 1, sizeof(char *))) == NULL))
		return nsym__fail(NSYM_ENOMEM, path, NULL);
	for (size_t i = 0; i < n; i++) {
		if ((sym->debug_dirs[i] = strdup(dirs[i])) == NULL)
			return nsym__fail(NSYM_ENOMEM, path, NULL);
	}
	return 0;
}

/* The debug file of an ELF file: the file itself when it has DWARF, else
 * the one the usual places hold. */
static int find_elf_debug(nsym_symbolizer *sym, const char *path, const char *const *debug_dirs)
{
	int rc;

	if (sym->id.has_debug_info) {
		sym->debug = sym->file;
		return 0;
	}
	if (sym->no_search)
		return 0; /* the symbol tables answer */
	rc = nsym__debug_find(&sym->debug, path, &sym->id, debug_dirs);
	/* No debug file is not an error: the symbol tables still answer. */
	return rc == NSYM_ENODEBUG ? 0 : rc;
}

/* The ELF side of loading: the debug file, its DWARF and the symbols. */
static int load_elf_debug(nsym_symbolizer *sym, const char *path, const char *const *debug_dirs)
{
	int rc = 0;

	if (sym->debug == NULL)
		rc = find_elf_debug(sym, path, debug_dirs);
	if (rc == 0 && sym->debug != NULL) {
		struct nsym_dwarf_sections sections;
		rc = nsym__elf_dwarf_sections(&sections, sym->debug);
		if (rc == 0)
			rc = nsym__dwarf_open(&sym->dwarf, &sections);
		if (rc == 0)
			sym->debug_path = sym->debug->path;
		if (rc == NSYM_ENODEBUG)
			rc = 0;
	}
	/* .symtab when there is one (the debug file's first), else .dynsym,
	 * as llvm-symbolizer reads them */
	if (rc == 0 && sym->debug != NULL && sym->debug != sym->file)
		rc = nsym__symtab_add(&sym->symtab, sym->debug, SHT_SYMTAB);
	if (rc == 0)
		rc = nsym__symtab_add(&sym->symtab, sym->file, SHT_SYMTAB);
	if (rc == 0 && sym->symtab.count == 0)
		rc = nsym__symtab_add(&sym->symtab, sym->file, SHT_DYNSYM);
	return rc;
}

/* The ELF side of opening: identity, an explicit debug file, then a
 * symcache or else the debug file's DWARF and the symbols. */
static int open_elf(nsym_symbolizer *sym, const char *path, const struct nsym_open_options *options)
{
	int rc = nsym__elf_open(&sym->file, path);

	if (rc != 0)
		return rc;
	sym->path = sym->file->path;
	rc = nsym__elf_identity(&sym->id, sym->file);
	elf_key(sym);
	if (rc == 0 && options != NULL && options->debug_file != NULL)
		rc = nsym__debug_open_explicit(&sym->debug, options->debug_file, &sym->id);
	if (rc == 0 && (rc = open_cached(sym, options)) == 0)
		return remember_for_later(sym, path, options);
	if (rc == NSYM_ENOENT)
		rc = 0;
	return rc != 0 ? rc
	               : load_elf_debug(sym, path, options != NULL ? options->debug_dirs : NULL);
}

/* The dSYM of a Mach-O slice: the one given, or PATH.dSYM beside it; its
 * slice must carry the binary's UUID. NSYM_ENODEBUG when there is none. */
static int find_dsym(nsym_symbolizer *sym, const char *path,
                     const struct nsym_open_options *options)
{
	const struct nsym_image *image = nsym__macho_image(sym->mfile);
	struct nsym_macho_want want = {.uuid = image->has_uuid ? image->uuid : NULL,
	                               .arch = image->arch};
	const char *dsym = options != NULL ? options->debug_file : NULL;
	char *beside = NULL, why[600];
	int rc;

	if (dsym == NULL) {
		if (asprintf(&beside, "%s.dSYM", path) < 0)
			return nsym__fail(NSYM_ENOMEM, path, NULL);
		dsym = beside;
	}
	rc = nsym__macho_open(&sym->mdebug, dsym, &want);
	if (rc == NSYM_ENOENT && beside != NULL)
		rc = NSYM_ENODEBUG;
	if (rc == NSYM_EMISMATCH || rc == NSYM_EARCH) {
		/* "DSYM: no slice with UUID X; it holds arm64 Y", said of the pair */
		const char *detail = nsym_error_detail(), *colon = strstr(detail, ": ");
		snprintf(why, sizeof(why), "%s", colon != NULL ? colon + 2 : detail);
		rc = nsym__fail(NSYM_EMISMATCH, dsym, "is not the dSYM of %s (%s): %s", path,
		                image->arch, why);
	}
	free(beside);
	return rc;
}

static int load_macho_debug(nsym_symbolizer *sym, const char *path);

/* Parses "3f2a...": 32 hex digits, dashes anywhere. */
static int parse_uuid(unsigned char out[16], const char *text)
{
	size_t n = 0;

	for (const char *p = text; *p != '\0'; p++) {
		int v = *p >= '0' && *p <= '9'   ? *p - '0'
		        : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10
		        : *p >= 'A' && *p <= 'F' ? *p - 'A' + 10
		                                 : -1;
		if (*p == '-')
			continue;
		if (v < 0 || n == 32)
			return nsym__fail(NSYM_EINVAL, text, "not a UUID (32 hex digits)");
		out[n / 2] = (unsigned char)(n % 2 == 0 ? v << 4 : out[n / 2] | v);
		n++;
	}
	return n == 32 ? 0 : nsym__fail(NSYM_EINVAL, text, "not a UUID (32 hex digits)");
}

/* The Mach-O side of opening: the slice, its dSYM, DWARF and symbols. */
static int open_macho(nsym_symbolizer *sym, const char *path,
                      const struct nsym_open_options *options)
{
	unsigned char uuid[16];
	struct nsym_macho_want want = {.arch = options != NULL ? options->arch : NULL};
	const struct nsym_image *image;
	int rc = 0;

	if (options != NULL && options->uuid != NULL) {
		rc = parse_uuid(uuid, options->uuid);
		want.uuid = uuid;
	}
	if (rc == 0)
		rc = nsym__macho_open(&sym->mfile, path, &want);
	if (rc != 0)
		return rc;
	sym->path = nsym__macho_path(sym->mfile);
	image = nsym__macho_image(sym->mfile);
	sym->image_base = nsym__macho_text_vmaddr(sym->mfile);
	if (image->has_uuid) {
		memcpy(sym->key, image->uuid, 16);
		sym->key_len = 16;
	}
	if (options != NULL && options->debug_file != NULL)
		rc = find_dsym(sym, path, options);
	if (rc == 0 && (rc = open_cached(sym, options)) == 0)
		return remember_for_later(sym, path, options);
	if (rc == NSYM_ENOENT)
		rc = 0;
	return rc != 0 ? rc : load_macho_debug(sym, path);
}

/* The Mach-O side of loading: the dSYM beside the file (unless one was
 * given, the file has its DWARF, or no search was asked for), its DWARF
 * and the symbols. */
static int load_macho_debug(nsym_symbolizer *sym, const char *path)
{
	int rc = 0;

	if (sym->mdebug == NULL && !nsym__macho_has_dwarf(sym->mfile) && !sym->no_search) {
		rc = find_dsym(sym, path, NULL);
		if (rc == NSYM_ENODEBUG)
			rc = 0; /* the symbol table still answers */
	}
	if (rc == 0 && (sym->mdebug != NULL || nsym__macho_has_dwarf(sym->mfile))) {
		struct nsym_macho *d = sym->mdebug != NULL ? sym->mdebug : sym->mfile;
		struct nsym_dwarf_sections sections;
		rc = nsym__macho_dwarf_sections(&sections, d);
		if (rc == 0)
			rc = nsym__dwarf_open(&sym->dwarf, &sections);
		if (rc == 0)
			sym->debug_path = nsym__macho_path(d);
		if (rc == NSYM_ENODEBUG)
			rc = 0;
	}
	/* the dSYM's symbols first: dsymutil copies the binary's, local
	 * ones included, which a shipped binary has lost */
	if (rc == 0 && sym->mdebug != NULL)
		rc = nsym__macho_symbols(&sym->symtab, sym->mdebug);
	if (rc == 0 && sym->symtab.count == 0)
		rc = nsym__macho_symbols(&sym->symtab, sym->mfile);
	return rc;
}

/* ---- PE and PDB ----------------------------------------------------------- */

/* The identity of a PDB (GUID and age) as SymSrv writes it, lowercase: the
 * key servers, caches and symcaches know it by. */
static void pdb_key(nsym_symbolizer *sym, const unsigned char guid[16], uint32_t age)
{
	struct nsym_image image = {.format = NSYM_FORMAT_PDB, .has_uuid = 1, .age = age};

	memcpy(image.uuid, guid, 16);
	sym->pdb_keyed = true;
	memcpy(sym->key, guid, 16);
	for (int i = 0; i < 4; i++)
		sym->key[16 + i] = (unsigned char)(age >> (8 * i));
	sym->key_len = 20;
	if (nsym_image_id(sym->id_text, sizeof(sym->id_text), &image, NSYM_ID_NATIVE) != 0)
		sym->id_text[0] = '\0';
	for (char *p = sym->id_text; *p != '\0'; p++)
		*p = (char)(*p >= 'A' && *p <= 'F' ? *p + 32 : *p);
}

/* The sections a PDB without their headers borrows from the image. */
static size_t image_sections(struct nsym_pdb_section *out, const nsym_symbolizer *sym)
{
	return sym->pe != NULL ? nsym__pe_sections(out, sym->pe) : 0;
}

/*
 * Opens path as the PDB of the image: NSYM_ENOENT when there is no such
 * file (unless `explicit`), NSYM_EMISMATCH naming both identities when its
 * GUID or age is not the one the image's CodeView record names.
 */
static int open_pdb_for(nsym_symbolizer *sym, const char *path, bool explicit)
{
	const struct nsym_image *image = nsym__pe_image(sym->pe);
	struct nsym_pdb_section *sections = malloc(NSYM_PE_SECTIONS_MAX * sizeof(*sections));
	struct nsym_image have = {.format = NSYM_FORMAT_PDB, .has_uuid = 1};
	char want_id[NSYM_IMAGE_ID_SIZE], have_id[NSYM_IMAGE_ID_SIZE];
	struct stat st;
	int rc;

	if (sections == NULL)
		return nsym__fail(NSYM_ENOMEM, path, NULL);
	if (!explicit && stat(path, &st) != 0) {
		free(sections);
		return NSYM_ENOENT;
	}
	rc = nsym__pdb_open(&sym->pdb, path, sections, image_sections(sections, sym));
	free(sections);
	if (rc != 0)
		return rc;
	memcpy(have.uuid, nsym__pdb_guid(sym->pdb), 16);
	have.age = nsym__pdb_age(sym->pdb);
	if (memcmp(have.uuid, image->uuid, 16) != 0 || have.age != image->age) {
		nsym_image_id(want_id, sizeof(want_id), image, NSYM_ID_PDB);
		nsym_image_id(have_id, sizeof(have_id), &have, NSYM_ID_NATIVE);
		nsym__pdb_close(sym->pdb);
		sym->pdb = NULL;
		return nsym__fail(
		    NSYM_EMISMATCH, path,
		    "is not the PDB of %s: it is %s (GUID and age), the image names %s",
		    nsym__pe_path(sym->pe), have_id, want_id);
	}
	sym->debug_path = nsym__pdb_path(sym->pdb);
	return 0;
}

/* The base name of a path written on Windows or elsewhere. */
static const char *base_name(const char *path)
{
	const char *base = path;

	for (const char *p = path; *p != '\0'; p++) {
		if (*p == '/' || *p == '\\')
			base = p + 1;
	}
	return base;
}

/* The PDB the CodeView record names: beside the image by its base name,
 * then at the path recorded (where the linker left it). NSYM_ENODEBUG
 * when neither is there. */
static int find_pdb(nsym_symbolizer *sym, const char *path)
{
	const char *recorded = nsym__pe_image(sym->pe)->pdb_name, *slash = strrchr(path, '/');
	char *beside = NULL;
	int rc;

	if (recorded == NULL || sym->debug_name == NULL)
		return NSYM_ENODEBUG;
	if (asprintf(&beside, "%.*s%s", slash != NULL ? (int)(slash + 1 - path) : 0, path,
	             sym->debug_name) < 0)
		return nsym__fail(NSYM_ENOMEM, path, NULL);
	rc = open_pdb_for(sym, beside, false);
	free(beside);
	/* a relative name (/pdbaltpath:%_PDB%) says nothing beyond the
	 * base name; a Windows path cannot be opened here */
	if (rc == NSYM_ENOENT && recorded[0] == '/')
		rc = open_pdb_for(sym, recorded, false);
	return rc == NSYM_ENOENT ? NSYM_ENODEBUG : rc;
}

static int load_pe_debug(nsym_symbolizer *sym, const char *path);

/* The PE side of opening: the image, its PDB (or DWARF), its symbols. */
static int open_pe(nsym_symbolizer *sym, const char *path, const struct nsym_open_options *options)
{
	const struct nsym_image *image;
	int rc = nsym__pe_open(&sym->pe, path);

	if (rc != 0)
		return rc;
	sym->path = nsym__pe_path(sym->pe);
	image = nsym__pe_image(sym->pe);
	sym->image_base = nsym__pe_image_base(sym->pe);
	if (image->has_uuid) {
		pdb_key(sym, image->uuid, image->age);
		if (image->pdb_name != NULL &&
		    (sym->debug_name = strdup(base_name(image->pdb_name))) == NULL)
			return nsym__fail(NSYM_ENOMEM, path, NULL);
	}
	if (options != NULL && options->debug_file != NULL) {
		if (!image->has_uuid)
			return nsym__fail(NSYM_EMISMATCH, options->debug_file,
			                  "cannot be the PDB of %s, which names no PDB (linked "
			                  "without /DEBUG)",
			                  path);
		rc = open_pdb_for(sym, options->debug_file, true);
	}
	if (rc == 0 && (rc = open_cached(sym, options)) == 0)
		return remember_for_later(sym, path, options);
	if (rc == NSYM_ENOENT)
		rc = 0;
	return rc != 0 ? rc : load_pe_debug(sym, path);
}

/* The PE side of loading: the PDB the image names (unless one was given),
 * else DWARF in its own sections, and its symbols. */
static int load_pe_debug(nsym_symbolizer *sym, const char *path)
{
	int rc = 0;

	if (sym->pdb == NULL && nsym__pe_image(sym->pe)->has_uuid) {
		rc = find_pdb(sym, path);
		if (rc == NSYM_ENODEBUG)
			rc = 0; /* the exports still answer */
	}
	if (rc == 0 && sym->pdb == NULL && nsym__pe_has_dwarf(sym->pe)) {
		/* mingw: DWARF in the image's own sections, at its addresses */
		struct nsym_dwarf_sections sections;
		rc = nsym__pe_dwarf_sections(&sections, sym->pe);
		if (rc == 0)
			rc = nsym__dwarf_open(&sym->dwarf, &sections);
		if (rc == 0)
			sym->debug_path = sym->path;
		if (rc == NSYM_ENODEBUG)
			rc = 0;
	}
	if (rc == 0)
		rc = nsym__pe_symbols(&sym->symtab, sym->pe);
	return rc;
}

/* A PDB given alone: addresses are RVAs, there being no image base. */
static int open_pdb_alone(nsym_symbolizer *sym, const char *path,
                          const struct nsym_open_options *options)
{
	int rc = nsym__pdb_open(&sym->pdb, path, NULL, 0);

	if (rc != 0)
		return rc;
	sym->path = nsym__pdb_path(sym->pdb);
	sym->debug_path = sym->path;
	pdb_key(sym, nsym__pdb_guid(sym->pdb), nsym__pdb_age(sym->pdb));
	if (options != NULL && options->debug_file != NULL)
		return nsym__fail(NSYM_EINVAL, options->debug_file,
		                  "a PDB is its own debug file: give the image with -e and the "
		                  "PDB with --debug-file");
	return 0;
}

enum kind { KIND_ELF, KIND_MACHO, KIND_PE, KIND_PDB };

/* What path holds, by its first bytes: a Mach-O magic (thin or universal,
 * either byte order) or a folder (only a .dSYM bundle here), "MZ", the MSF
 * 7.0 magic, else ELF, whose reader says why when it is not. */
static enum kind sniff(const char *path)
{
	unsigned char b[32];
	struct stat st;
	ssize_t n;
	int fd;

	/* open and read allocate nothing: fopen would, and its failure must
	 * not make a PE file look like a damaged ELF one */
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return KIND_MACHO;
	if (nsym__open_regular(&fd, &st, path) != 0)
		return KIND_ELF; /* the ELF reader says why */
	n = read(fd, b, sizeof(b));
	close(fd);
	if (n >= 4 && nsym__macho_magic((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	                                (uint32_t)b[2] << 8 | b[3]))
		return KIND_MACHO;
	if (n >= 2 && b[0] == 'M' && b[1] == 'Z')
		return KIND_PE;
	if (n == 32 && memcmp(b, NSYM_MSF7_MAGIC, 32) == 0)
		return KIND_PDB;
	return KIND_ELF;
}

int nsym_symbolizer_open(nsym_symbolizer **out, const char *path,
                         const struct nsym_open_options *options)
{
	nsym_symbolizer *sym;
	int rc;

	if (out == NULL || path == NULL)
		return nsym__fail(NSYM_EINVAL, NULL, NULL);
	*out = NULL;
	sym = calloc(1, sizeof(*sym));
	if (sym == NULL)
		return nsym__fail(NSYM_ENOMEM, path, NULL);
	sym->no_search = options != NULL && options->no_search;
	switch (sniff(path)) {
	case KIND_MACHO:
		rc = open_macho(sym, path, options);
		break;
	case KIND_PE:
		rc = open_pe(sym, path, options);
		break;
	case KIND_PDB:
		rc = open_pdb_alone(sym, path, options);
		break;
	default:
		rc = open_elf(sym, path, options);
	}
	nsym__symtab_sort(&sym->symtab);
	sym->debug_loaded = sym->cache == NULL;
	if (rc != 0) {
		nsym_symbolizer_close(sym);
		return rc;
	}
	*out = sym;
	return 0;
}

void nsym_symbolizer_close(nsym_symbolizer *sym)
{
	if (sym == NULL)
		return;
	nsym__symcache_close(sym->cache);
	free(sym->cache_path);
	free(sym->open_path);
	for (size_t i = 0; sym->debug_dirs != NULL && sym->debug_dirs[i] != NULL; i++)
		free(sym->debug_dirs[i]);
	free(sym->debug_dirs);
	free(sym->own_path);
	nsym__dwarf_close(sym->dwarf);
	nsym__symtab_free(&sym->symtab);
	if (sym->debug != sym->file)
		nsym__elf_close(sym->debug);
	nsym__elf_close(sym->file);
	nsym__macho_close(sym->mdebug);
	nsym__macho_close(sym->mfile);
	nsym__pdb_close(sym->pdb);
	nsym__pe_close(sym->pe);
	free(sym->debug_name);
	free(sym);
}

const char *nsym_symbolizer_debug_path(const nsym_symbolizer *sym)
{
	return sym != NULL && (sym->dwarf != NULL || sym->pdb != NULL) ? sym->debug_path : NULL;
}

const char *nsym_symbolizer_debug_name(const nsym_symbolizer *sym)
{
	return sym != NULL ? sym->debug_name : NULL;
}

uint64_t nsym_symbolizer_image_base(const nsym_symbolizer *sym)
{
	return sym != NULL ? sym->image_base : 0;
}

int nsym__frames_push(struct nsym_frames *out, const struct nsym_frame *f)
{
	if (nsym__grow((void **)&out->frames, &out->capacity, out->count + 1,
	               sizeof(*out->frames)) != 0)
		return NSYM_ENOMEM;
	out->frames[out->count++] = *f;
	return 0;
}

/* The symbol holding addr, from the symcache or the symbol tables: 0 with
 * *found, or NSYM_ETRUNC from a damaged symcache. */
static int find_symbol(struct nsym_symbol_hit *out, bool *found, nsym_symbolizer *sym,
                       uint64_t addr)
{
	const struct nsym_sym *s;

	if (sym->cache != NULL)
		return nsym__symcache_symbol(out, found, sym->cache, addr);
	s = nsym__symtab_find(&sym->symtab, addr);
	*found = s != NULL;
	if (s != NULL)
		*out = (struct nsym_symbol_hit){s->demangled, s->name, s->file, s->addr};
	return 0;
}

/* The outermost frame is named by the ELF symbol that holds the address when
 * there is one, as llvm-symbolizer does: it tells a .cold part from its
 * function and prints the exported name of an alias. The DWARF name stays in
 * dwarf_name. Without a function DIE the symbol is all there is, marked
 * approximate. */
static int name_outer_frame(struct nsym_frame *outer, nsym_symbolizer *sym, uint64_t address)
{
	struct nsym_symbol_hit s;
	bool unnamed = strcmp(outer->function, "??") == 0, found;
	int rc = find_symbol(&s, &found, sym, address);

	if (rc != 0 || !found || strcmp(outer->function, s.name) == 0)
		return rc;
	if (!unnamed && outer->dwarf_name == NULL)
		outer->dwarf_name = outer->function;
	outer->function = s.name;
	outer->linkage_name = s.linkage;
	outer->symbol_offset = address - s.addr;
	if (unnamed)
		outer->approximate = 1;
	return 0;
}

/* Loads the debug file's DWARF (or PDB) and the symbols, when a damaged
 * symcache made the symbolizer need them after all. On failure nothing of
 * them is kept, so a later lookup tries again. */
static int load_debug(nsym_symbolizer *sym)
{
	int rc;

	if (sym->debug_loaded)
		return 0;
	if (sym->pe != NULL)
		rc = load_pe_debug(sym, sym->open_path);
	else if (sym->mfile != NULL)
		rc = load_macho_debug(sym, sym->open_path);
	else
		rc = load_elf_debug(sym, sym->open_path, (const char *const *)sym->debug_dirs);
	nsym__symtab_sort(&sym->symtab);
	if (rc == 0) {
		sym->debug_loaded = true;
		return 0;
	}
	nsym__dwarf_close(sym->dwarf);
	sym->dwarf = NULL;
	nsym__symtab_free(&sym->symtab);
	if (!sym->explicit_debug) {
		if (sym->debug != sym->file)
			nsym__elf_close(sym->debug);
		sym->debug = NULL;
		nsym__macho_close(sym->mdebug);
		sym->mdebug = NULL;
		nsym__pdb_close(sym->pdb);
		sym->pdb = NULL;
	}
	return rc;
}

/* The symcache is damaged: it is removed (so that it is rebuilt rather
 * than trusted again) and the debug file answers from now on. */
static int leave_cache(nsym_symbolizer *sym)
{
	nsym__symcache_close(sym->cache);
	sym->cache = NULL;
	unlink(sym->cache_path);
	return load_debug(sym);
}

/* A PDB speaks of RVAs: the address less the image base. */
static int pdb_lookup(struct nsym_frames *out, nsym_symbolizer *sym, uint64_t address,
                      unsigned flags, bool *found)
{
	*found = false;
	if (address < sym->image_base || address - sym->image_base > UINT32_MAX)
		return 0;
	return nsym__pdb_lookup(out, sym->pdb, (uint32_t)(address - sym->image_base), flags, found);
}

static int answer(struct nsym_frames *out, nsym_symbolizer *sym, uint64_t address, unsigned flags)
{
	struct nsym_symbol_hit s;
	bool found = false;
	int rc = sym->cache == NULL ? load_debug(sym) : 0;

	if (rc == 0 && sym->cache != NULL)
		rc = nsym__symcache_lookup(out, sym->cache, address, flags, &found);
	else if (rc == 0 && sym->pdb != NULL)
		rc = pdb_lookup(out, sym, address, flags, &found);
	else if (rc == 0 && sym->dwarf != NULL)
		rc = nsym__dwarf_lookup(out, sym->dwarf, address, flags, &found);
	if (rc != 0)
		return rc;
	/* llvm-symbolizer renames the outer frame from the symbol table for
	 * DWARF only; a PDB names its frames itself */
	if (found)
		return sym->pdb_keyed
		           ? 0
		           : name_outer_frame(&out->frames[out->count - 1], sym, address);
	/* with a PDB, the symbol tables name nothing, as with llvm-symbolizer
	 * (and so a PDB's symcache holds none) */
	if (sym->pdb == NULL && (rc = find_symbol(&s, &found, sym, address)) != 0)
		return rc;
	if (sym->pdb != NULL || !found)
		return nsym__frames_push(out, &(struct nsym_frame){.function = "??", .file = "??"});
	return nsym__frames_push(out, &(struct nsym_frame){
	                                  .function = s.name,
	                                  .linkage_name = s.linkage,
	                                  .file = s.file != NULL ? s.file : "??",
	                                  .approximate = 1,
	                                  .symbol_offset = address - s.addr,
	                              });
}

int nsym_symbolizer_lookup(struct nsym_frames *out, nsym_symbolizer *sym, uint64_t address,
                           unsigned flags)
{
	bool cached;
	int rc;

	if (out == NULL || sym == NULL)
		return nsym__fail(NSYM_EINVAL, NULL, NULL);
	out->count = 0;
	if ((flags & NSYM_LOOKUP_RETURN_ADDRESS) && address > 0)
		address--;
	cached = sym->cache != NULL;
	rc = answer(out, sym, address, flags);
	/* a damaged symcache is dropped and the DWARF asked instead; one
	 * opened alone has nothing to fall back on, and a shared one must not
	 * change under the other threads: its file goes, to be rebuilt */
	if (rc == NSYM_ETRUNC && cached && sym->shared && sym->cache_path != NULL)
		unlink(sym->cache_path);
	else if (rc == NSYM_ETRUNC && cached && sym->open_path != NULL) {
		out->count = 0;
		rc = leave_cache(sym);
		if (rc == 0)
			rc = answer(out, sym, address, flags);
	}
	if (rc != 0)
		out->count = 0;
	return rc;
}

/* Builds the symcache of what the symbolizer loaded, into path. */
static int build_cache(nsym_symbolizer *sym, const char *path)
{
	struct nsym_sc_identity id = {sym->key, sym->key_len, sym->image_base};
	struct nsym_sc_builder *b = NULL;
	int rc;

	if (sym->key_len == 0)
		return nsym__fail(NSYM_ENOENT, sym->path,
		                  "no build-id, UUID or fallback identity to key a symcache by");
	rc = nsym__sc_builder_new(&b);
	if (rc == 0 && sym->pdb != NULL)
		rc = nsym__sc_add_pdb(b, sym->pdb, sym->image_base);
	else if (rc == 0 && sym->dwarf != NULL)
		rc = nsym__sc_add_dwarf(b, sym->dwarf);
	/* a PDB's publics are its symbol table (nsym__sc_add_pdb) */
	if (rc == 0 && sym->pdb == NULL)
		rc = nsym__sc_builder_add_symbols(b, &sym->symtab);
	if (rc == 0)
		rc = nsym__sc_builder_write(b, path, &id);
	else if (rc == NSYM_ENOMEM)
		nsym__fail(rc, path, NULL);
	nsym__sc_builder_free(b);
	return rc;
}

int nsym_symbolizer_write_cache(nsym_symbolizer *sym, const char *cache_dir)
{
	char path[4096];
	int rc;

	if (sym == NULL || cache_dir == NULL)
		return nsym__fail(NSYM_EINVAL, NULL, NULL);
	if (sym->cache != NULL)
		return 0;
	if ((rc = load_debug(sym)) != 0)
		return rc;
	/* keyed by the PDB's identity, a cache of the exports alone would
	 * hide the PDB once it is found */
	if (sym->pe != NULL && sym->pdb == NULL && sym->dwarf == NULL)
		return 0;
	if ((rc = cache_path(path, sizeof(path), sym, cache_dir)) != 0)
		return rc;
	return build_cache(sym, path);
}

int nsym_symbolizer_write_cache_file(nsym_symbolizer *sym, const char *path)
{
	int rc;

	if (sym == NULL || path == NULL)
		return nsym__fail(NSYM_EINVAL, NULL, NULL);
	if (sym->cache != NULL)
		return nsym__fail(
		    NSYM_EUNSUPPORTED, sym->path,
		    "answering from a symcache: open it with no cache folder to build "
		    "one");
	if ((rc = load_debug(sym)) != 0)
		return rc;
	if (sym->pe != NULL && sym->pdb == NULL && sym->dwarf == NULL)
		return nsym__fail(
		    NSYM_ENODEBUG, sym->path,
		    "no PDB: a symcache keyed by its identity would hide it once found");
	return build_cache(sym, path);
}

/* Hex digits to bytes: an even number of them, at most NSYM_BUILD_ID_MAX
 * bytes' worth. */
static int parse_id(unsigned char *out, size_t *len, const char *hex)
{
	size_t n = strlen(hex);

	if (n == 0 || n % 2 != 0 || n / 2 > NSYM_BUILD_ID_MAX)
		return nsym__fail(NSYM_EINVAL, hex, "not an identity (hex digits, two a byte)");
	for (size_t i = 0; i < n; i++) {
		char c = hex[i];
		int v = c >= '0' && c <= '9'   ? c - '0'
		        : c >= 'a' && c <= 'f' ? c - 'a' + 10
		        : c >= 'A' && c <= 'F' ? c - 'A' + 10
		                               : -1;
		if (v < 0)
			return nsym__fail(NSYM_EINVAL, hex,
			                  "not an identity (hex digits, two a byte)");
		out[i / 2] = (unsigned char)(i % 2 == 0 ? v << 4 : out[i / 2] | v);
	}
	*len = n / 2;
	return 0;
}

int nsym_symbolizer_open_cache(nsym_symbolizer **out, const char *path, const char *id)
{
	unsigned char want[NSYM_BUILD_ID_MAX];
	size_t want_len = 0, len;
	const unsigned char *key;
	nsym_symbolizer *sym;
	int rc;

	if (out == NULL || path == NULL)
		return nsym__fail(NSYM_EINVAL, NULL, NULL);
	*out = NULL;
	if (id != NULL && (rc = parse_id(want, &want_len, id)) != 0)
		return rc;
	if ((sym = calloc(1, sizeof(*sym))) == NULL || (sym->own_path = strdup(path)) == NULL) {
		free(sym);
		return nsym__fail(NSYM_ENOMEM, path, NULL);
	}
	rc = nsym__symcache_open(&sym->cache, path, id != NULL ? want : NULL, want_len);
	if (rc != 0) {
		nsym_symbolizer_close(sym);
		switch (rc) {
		case NSYM_ENOENT:
			return nsym__fail(rc, path, NULL);
		case NSYM_EMISMATCH:
			return nsym__fail(rc, path, "not a symcache of version %d%s",
			                  nsym_symcache_version(),
			                  id != NULL ? " for that identity" : "");
		case NSYM_ETRUNC:
			return nsym__fail(rc, path, "damaged symcache: rebuild it");
		default:
			return nsym__fail(rc, path, NULL);
		}
	}
	key = nsym__symcache_id(sym->cache, &len);
	memcpy(sym->key, key, len);
	sym->key_len = len;
	sym->image_base = nsym__symcache_image_base(sym->cache);
	sym->path = sym->own_path;
	sym->debug_loaded = true; /* there is nothing else to load */
	*out = sym;
	return 0;
}

int nsym_symcache_version(void)
{
	return NSYM_SC_VERSION;
}

int nsym_symbolizer_cached(const nsym_symbolizer *sym)
{
	return sym != NULL && sym->cache != NULL && !nsym__symcache_damaged(sym->cache);
}

int nsym_symbolizer_share(nsym_symbolizer *sym)
{
	if (sym == NULL)
		return nsym__fail(NSYM_EINVAL, NULL, NULL);
	if (!nsym_symbolizer_cached(sym))
		return nsym__fail(NSYM_EUNSUPPORTED, sym->path,
		                  "only a symbolizer answering from a symcache can be shared");
	sym->shared = true;
	return 0;
}

void nsym_frames_release(struct nsym_frames *frames)
{
	if (frames == NULL)
		return;
	free(frames->frames);
	memset(frames, 0, sizeof(*frames));
}

int nsym_symbolizer_sources(nsym_symbolizer *sym, int (*fn)(void *arg, const char *path), void *arg)
{
	if (sym == NULL || fn == NULL)
		return nsym__fail(NSYM_EINVAL, NULL, NULL);
	/* NEEDSWORK: a PDB's sources (its file checksums) are not listed */
	if (sym->dwarf == NULL)
		return sym->cache != NULL ? nsym__fail(NSYM_EUNSUPPORTED, sym->path,
		                                       "answering from a symcache: open it with "
		                                       "no cache folder to list sources")
		                          : 0;
	return nsym__dwarf_each_source(sym->dwarf, fn, arg);
}

int nsym__symbolizer_code(struct nsym_code *out, nsym_symbolizer *sym)
{
	int rc;

	if (sym->pe != NULL)
		rc = nsym__pe_code(out, sym->pe);
	else if (sym->mfile != NULL)
		rc = nsym__macho_code(out, sym->mfile);
	else if (sym->file != NULL)
		rc = nsym__elf_code(out, sym->file);
	else if (sym->pdb != NULL)
		rc = nsym__fail(NSYM_ENOENT, sym->path, "a PDB alone holds no code");
	else
		rc = nsym__fail(NSYM_EUNSUPPORTED, sym->path,
		                "a symcache opened alone has no code to read");

	out->image_base = sym->image_base;
	return rc;
}

bool nsym__symbolizer_has_symbol(nsym_symbolizer *sym, const char *name)
{
	return nsym__symtab_has(&sym->symtab, name);
}

size_t nsym__symbolizer_named(uint64_t *out, nsym_symbolizer *sym, const char *name)
{
	if (sym->cache != NULL)
		return nsym__symcache_named(out, sym->cache, name);
	return nsym__symtab_named(out, &sym->symtab, name);
}

const char *nsym_symbolizer_path(const nsym_symbolizer *sym)
{
	return sym != NULL ? sym->path : NULL;
}
