/*
 * nsym_symbolizer: one file opened for lookups (symbolizer_open.c pairs it
 * with its debug file). It answers from a symcache, else from DWARF or a
 * PDB, and falls back to the symbol tables (marked approximate) where
 * there is none; past opening, only the DWARF or PDB, the symbol table and
 * the identity are used, whichever container they came from.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "symbolizer_internal.h"

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

/* The symcache is damaged: it is removed (so that it is rebuilt rather
 * than trusted again) and the debug file answers from now on. */
static int leave_cache(nsym_symbolizer *sym)
{
	nsym__symcache_close(sym->cache);
	sym->cache = NULL;
	unlink(sym->cache_path);
	return nsym__symbolizer_load_debug(sym);
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
	int rc = sym->cache == NULL ? nsym__symbolizer_load_debug(sym) : 0;

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
	if ((rc = nsym__symbolizer_load_debug(sym)) != 0)
		return rc;
	/* keyed by the PDB's identity, a cache of the exports alone would
	 * hide the PDB once it is found */
	if (sym->pe != NULL && sym->pdb == NULL && sym->dwarf == NULL)
		return 0;
	if ((rc = nsym__symbolizer_cache_path(path, sizeof(path), sym, cache_dir)) != 0)
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
	if ((rc = nsym__symbolizer_load_debug(sym)) != 0)
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
		int v = nsym__hex_value(hex[i]);
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
