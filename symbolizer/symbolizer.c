/*
 * nsym_symbolizer: one file opened for lookups. It pairs the file with its
 * debug file, answers from DWARF where there is DWARF, and falls back to the
 * symbol tables (marked approximate) where there is none. The file is ELF
 * or a Mach-O slice; past opening, only the DWARF, the symbol table and the
 * identity are used, whichever container they came from.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "code.h"
#include "debug_pair.h"
#include "dwarf_internal.h"
#include "image.h"
#include "macho_object.h"
#include "napi_symbols_util.h"
#include "symcache.h"
#include "symtab.h"

struct nsym_symbolizer {
	const char *path;       /* the file opened, borrowed from file or mfile */
	const char *debug_path; /* NULL: no DWARF */
	struct nsym_elf *file;
	struct nsym_elf *debug; /* may be the same as file; NULL: none */
	struct nsym_identity id;
	struct nsym_macho *mfile, *mdebug;    /* Mach-O: the same roles */
	unsigned char key[NSYM_BUILD_ID_MAX]; /* the identity: build-id, fallback id or UUID */
	size_t key_len;                       /* 0: none */
	uint64_t image_base;
	struct nsym_dwarf *dwarf;
	struct nsym_symtab symtab;
	struct nsym_symcache *cache; /* when set, nothing else is loaded */
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
	nsym_hex(out, sym->key, sym->key_len, false);
	return 0;
}

static int cache_path(char *out, size_t size, const nsym_symbolizer *sym, const char *dir)
{
	char hex[2 * NSYM_BUILD_ID_MAX + 1];

	if (nsym_symbolizer_id(hex, sizeof(hex), sym) != 0)
		return nsym__fail(NSYM_ENOENT, sym->path,
		                  "no build-id, UUID or fallback identity to key a symcache by");
	if ((size_t)snprintf(out, size, "%s/%s.v%d.symcache", dir, hex, NSYM_SC_VERSION) >= size)
		return nsym__fail(NSYM_EINVAL, dir, "cache folder path is too long");
	return 0;
}

/* Answers from a symcache when one matches; an explicit debug file is
 * still checked against the file, so a mismatch is reported either way. */
static bool open_cached(nsym_symbolizer *sym, const struct nsym_open_options *options)
{
	char path[4096];

	if (options == NULL || options->cache_dir == NULL || sym->key_len == 0 ||
	    cache_path(path, sizeof(path), sym, options->cache_dir) != 0)
		return false;
	return nsym__symcache_open(&sym->cache, path, sym->key, sym->key_len) == 0;
}

static int pick_debug_file(nsym_symbolizer *sym, const char *path,
                           const struct nsym_open_options *options)
{
	int rc;

	if (options != NULL && options->debug_file != NULL)
		return nsym__debug_open_explicit(&sym->debug, options->debug_file, &sym->id);
	if (sym->id.has_debug_info) {
		sym->debug = sym->file;
		return 0;
	}
	if (options != NULL && options->no_search)
		return 0; /* the symbol tables answer */
	rc = nsym__debug_find(&sym->debug, path, &sym->id,
	                      options != NULL ? options->debug_dirs : NULL);
	/* No debug file is not an error: the symbol tables still answer. */
	return rc == NSYM_ENODEBUG ? 0 : rc;
}

/* The ELF side of opening: the debug file, its DWARF and the symbols. */
static int open_elf(nsym_symbolizer *sym, const char *path, const struct nsym_open_options *options)
{
	int rc = nsym__elf_open(&sym->file, path);

	if (rc != 0)
		return rc;
	sym->path = sym->file->path;
	rc = nsym__elf_identity(&sym->id, sym->file);
	elf_key(sym);
	if (rc == 0 && options != NULL && options->debug_file != NULL)
		rc = pick_debug_file(sym, path, options);
	if (rc == 0 && open_cached(sym, options))
		return 0;
	if (rc == 0 && sym->debug == NULL)
		rc = pick_debug_file(sym, path, options);
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
	if (rc == 0 && open_cached(sym, options))
		return 0;
	if (rc == 0 && sym->mdebug == NULL && !nsym__macho_has_dwarf(sym->mfile) &&
	    (options == NULL || !options->no_search)) {
		rc = find_dsym(sym, path, options);
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

/* True when path starts with a Mach-O magic (thin or universal, either
 * byte order) or is a folder, which can only be a .dSYM bundle here. */
static bool is_macho(const char *path)
{
	unsigned char b[4];
	struct stat st;
	FILE *f;
	bool yes = false;

	if (stat(path, &st) != 0)
		return false; /* the ELF reader says why */
	if (S_ISDIR(st.st_mode))
		return true;
	if (!S_ISREG(st.st_mode) || (f = fopen(path, "rb")) == NULL)
		return false;
	if (fread(b, 1, 4, f) == 4)
		yes = nsym__macho_magic((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
		                        (uint32_t)b[2] << 8 | b[3]);
	fclose(f);
	return yes;
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
	rc = is_macho(path) ? open_macho(sym, path, options) : open_elf(sym, path, options);
	nsym__symtab_sort(&sym->symtab);
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
	nsym__dwarf_close(sym->dwarf);
	nsym__symtab_free(&sym->symtab);
	if (sym->debug != sym->file)
		nsym__elf_close(sym->debug);
	nsym__elf_close(sym->file);
	nsym__macho_close(sym->mdebug);
	nsym__macho_close(sym->mfile);
	free(sym);
}

const char *nsym_symbolizer_debug_path(const nsym_symbolizer *sym)
{
	return sym != NULL && sym->dwarf != NULL ? sym->debug_path : NULL;
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

static bool find_symbol(struct nsym_symbol_hit *out, nsym_symbolizer *sym, uint64_t addr)
{
	const struct nsym_sym *s;

	if (sym->cache != NULL)
		return nsym__symcache_symbol(out, sym->cache, addr);
	s = nsym__symtab_find(&sym->symtab, addr);
	if (s == NULL)
		return false;
	*out = (struct nsym_symbol_hit){s->demangled, s->name, s->file, s->addr};
	return true;
}

/* The outermost frame is named by the ELF symbol that holds the address when
 * there is one, as llvm-symbolizer does: it tells a .cold part from its
 * function and prints the exported name of an alias. The DWARF name stays in
 * dwarf_name. Without a function DIE the symbol is all there is, marked
 * approximate. */
static void name_outer_frame(struct nsym_frame *outer, nsym_symbolizer *sym, uint64_t address)
{
	struct nsym_symbol_hit s;
	bool unnamed = strcmp(outer->function, "??") == 0;

	if (!find_symbol(&s, sym, address) || strcmp(outer->function, s.name) == 0)
		return;
	if (!unnamed && outer->dwarf_name == NULL)
		outer->dwarf_name = outer->function;
	outer->function = s.name;
	outer->linkage_name = s.linkage;
	outer->symbol_offset = address - s.addr;
	if (unnamed)
		outer->approximate = 1;
}

int nsym_symbolizer_lookup(struct nsym_frames *out, nsym_symbolizer *sym, uint64_t address,
                           unsigned flags)
{
	struct nsym_symbol_hit s;
	bool found = false;
	int rc = 0;

	if (out == NULL || sym == NULL)
		return nsym__fail(NSYM_EINVAL, NULL, NULL);
	out->count = 0;
	if ((flags & NSYM_LOOKUP_RETURN_ADDRESS) && address > 0)
		address--;
	if (sym->cache != NULL)
		rc = nsym__symcache_lookup(out, sym->cache, address, flags, &found);
	else if (sym->dwarf != NULL)
		rc = nsym__dwarf_lookup(out, sym->dwarf, address, flags, &found);
	if (rc != 0)
		return rc;
	if (found) {
		name_outer_frame(&out->frames[out->count - 1], sym, address);
		return 0;
	}
	if (!find_symbol(&s, sym, address))
		return nsym__frames_push(out, &(struct nsym_frame){.function = "??", .file = "??"});
	return nsym__frames_push(out, &(struct nsym_frame){
	                                  .function = s.name,
	                                  .linkage_name = s.linkage,
	                                  .file = s.file != NULL ? s.file : "??",
	                                  .approximate = 1,
	                                  .symbol_offset = address - s.addr,
	                              });
}

int nsym_symbolizer_write_cache(nsym_symbolizer *sym, const char *cache_dir)
{
	char path[4096];
	int rc;

	if (sym == NULL || cache_dir == NULL)
		return nsym__fail(NSYM_EINVAL, NULL, NULL);
	if (sym->cache != NULL)
		return 0;
	rc = cache_path(path, sizeof(path), sym, cache_dir);
	if (rc != 0)
		return rc;
	return nsym__symcache_write(path, sym->key, sym->key_len, sym->dwarf, &sym->symtab);
}

int nsym_symbolizer_cached(const nsym_symbolizer *sym)
{
	return sym != NULL && sym->cache != NULL;
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
	if (sym->dwarf == NULL)
		return sym->cache != NULL ? nsym__fail(NSYM_EUNSUPPORTED, sym->path,
		                                       "answering from a symcache: open it with "
		                                       "no cache folder to list sources")
		                          : 0;
	return nsym__dwarf_each_source(sym->dwarf, fn, arg);
}

int nsym__symbolizer_code(struct nsym_code *out, nsym_symbolizer *sym)
{
	int rc =
	    sym->mfile != NULL ? nsym__macho_code(out, sym->mfile) : nsym__elf_code(out, sym->file);

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
