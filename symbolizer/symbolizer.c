/*
 * nsym_symbolizer: one file opened for lookups. It pairs the file with its
 * debug file, answers from DWARF where there is DWARF, and falls back to the
 * symbol tables (marked approximate) where there is none.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "debug_pair.h"
#include "dwarf_internal.h"
#include "symcache.h"
#include "symtab.h"

struct nsym_symbolizer {
	struct nsym_elf *file;
	struct nsym_elf *debug; /* may be the same as file; NULL: none */
	struct nsym_identity id;
	struct nsym_dwarf *dwarf;
	struct nsym_symtab symtab;
	struct nsym_symcache *cache; /* when set, nothing else is loaded */
};

/* The identity a symcache is keyed by: the build-id, else the fallback. */
static const unsigned char *cache_key(const nsym_symbolizer *sym)
{
	return sym->id.build_id_len > 0 ? sym->id.build_id : sym->id.fallback_id;
}

static size_t cache_key_len(const nsym_symbolizer *sym)
{
	if (sym->id.build_id_len > 0)
		return sym->id.build_id_len;
	return sym->id.has_fallback_id ? NSYM_FALLBACK_ID_SIZE : 0;
}

static int cache_path(char *out, size_t size, const nsym_symbolizer *sym, const char *dir)
{
	char hex[2 * NSYM_BUILD_ID_MAX + 1];

	if (nsym_identity_hex(hex, sizeof(hex), &sym->id) != 0)
		return nsym__fail(NSYM_ENOENT, sym->file->path,
		                  "no build-id or fallback identity to key a symcache by");
	if ((size_t)snprintf(out, size, "%s/%s.v%d.symcache", dir, hex, NSYM_SC_VERSION) >= size)
		return nsym__fail(NSYM_EINVAL, dir, "cache folder path is too long");
	return 0;
}

/* Answers from a symcache when one matches; an explicit debug file is
 * still checked against the file, so a mismatch is reported either way. */
static bool open_cached(nsym_symbolizer *sym, const struct nsym_open_options *options)
{
	char path[4096];

	if (options == NULL || options->cache_dir == NULL || cache_key_len(sym) == 0 ||
	    cache_path(path, sizeof(path), sym, options->cache_dir) != 0)
		return false;
	return nsym__symcache_open(&sym->cache, path, cache_key(sym), cache_key_len(sym)) == 0;
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
	rc = nsym__debug_find(&sym->debug, path, &sym->id,
	                      options != NULL ? options->debug_dirs : NULL);
	/* No debug file is not an error: the symbol tables still answer. */
	return rc == NSYM_ENODEBUG ? 0 : rc;
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
	rc = nsym__elf_open(&sym->file, path);
	if (rc == 0)
		rc = nsym__elf_identity(&sym->id, sym->file);
	if (rc == 0 && options != NULL && options->debug_file != NULL)
		rc = pick_debug_file(sym, path, options);
	if (rc == 0 && open_cached(sym, options)) {
		*out = sym;
		return 0;
	}
	if (rc == 0 && sym->debug == NULL)
		rc = pick_debug_file(sym, path, options);
	if (rc == 0 && sym->debug != NULL) {
		struct nsym_dwarf_sections sections;
		rc = nsym__elf_dwarf_sections(&sections, sym->debug);
		if (rc == 0)
			rc = nsym__dwarf_open(&sym->dwarf, &sections);
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
	free(sym);
}

const char *nsym_symbolizer_debug_path(const nsym_symbolizer *sym)
{
	return sym != NULL && sym->dwarf != NULL ? sym->debug->path : NULL;
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
	return nsym__symcache_write(path, cache_key(sym), cache_key_len(sym), sym->dwarf,
	                            &sym->symtab);
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
		return sym->cache != NULL ? nsym__fail(NSYM_EUNSUPPORTED, sym->file->path,
		                                       "answering from a symcache: open it with "
		                                       "no cache folder to list sources")
		                          : 0;
	return nsym__dwarf_each_source(sym->dwarf, fn, arg);
}
