/*
 * Opening a symbolizer: the file (ELF, a Mach-O slice, a PE image or a
 * PDB, told by its first bytes), its identity, and its debug file: beside
 * it, in the debug directories, by its dSYM, by the PDB its CodeView
 * record names, or a symcache of its identity kept in the cache folder,
 * in which case the debug file is loaded only if the symcache turns out
 * damaged (nsym__symbolizer_load_debug).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "symbolizer_internal.h"

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

int nsym__symbolizer_cache_path(char *out, size_t size, const nsym_symbolizer *sym, const char *dir)
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
	    nsym__symbolizer_cache_path(path, sizeof(path), sym, options->cache_dir) != 0)
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

int nsym__symbolizer_load_debug(nsym_symbolizer *sym)
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
