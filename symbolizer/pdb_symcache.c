/*
 * The symcache of a PDB: the writer (symcache_build.c) sweeps a PDB as it
 * sweeps DWARF units, through the source this file hands it. Its
 * boundaries are every address where an answer may change: section
 * contributions (which module), procedures, line entries, the code ranges
 * of inline sites, and publics. Its frames are those a lookup gives, at
 * virtual addresses (image base plus RVA). Every module is read.
 *
 * Where a lookup has nothing but the nearest public to answer with (an
 * approximate frame, which the cache's locations cannot mark), the range
 * is left to the cache's symbol table, which holds the publics, and which
 * a lookup from the cache falls back to as the PDB's lookup does. The
 * image's exports go in nowhere: with a PDB they name nothing, as with
 * llvm-symbolizer.
 */
#include <stdlib.h>

#include "pdb_internal.h"
#include "symcache.h"

struct source {
	struct nsym_pdb *pdb;
	uint64_t base;
	uint64_t *at;
	size_t n, cap;
};

static int add(void *arg, uint32_t rva)
{
	struct source *s = arg;

	if (nsym__grow((void **)&s->at, &s->cap, s->n + 1, sizeof(*s->at)) != 0)
		return NSYM_ENOMEM;
	s->at[s->n++] = s->base + rva;
	return 0;
}

static int boundaries(void *arg, uint64_t **out, size_t *count)
{
	struct source *s = arg;
	struct nsym_pdb *pdb = s->pdb;
	const struct nsym_pdb_public *pub;
	int rc = nsym__pdb_public_at(&pub, pdb, 0); /* reads the publics */

	for (size_t i = 0; rc == 0 && i < pdb->ncontribs; i++) {
		rc = add(s, pdb->contribs[i].lo);
		if (rc == 0)
			rc = add(s, pdb->contribs[i].hi);
	}
	for (size_t i = 0; rc == 0 && i < pdb->npublics; i++)
		rc = add(s, pdb->publics[i].rva);
	for (uint32_t m = 0; rc == 0 && m < pdb->nmodules; m++) {
		const struct nsym_pdb_module *mod;
		rc = nsym__pdb_module(&mod, pdb, m);
		if (rc == NSYM_ETRUNC) {
			rc = 0; /* a damaged module is left out, as lookups fail there */
			continue;
		}
		for (size_t i = 0; rc == 0 && i < mod->nprocs; i++) {
			rc = add(s, mod->procs[i].lo);
			if (rc == 0)
				rc = add(s, mod->procs[i].hi);
			if (rc == 0)
				rc = nsym__pdb_site_bounds(mod, &mod->procs[i], add, s);
		}
		for (size_t i = 0; rc == 0 && i < mod->nlines; i++) {
			rc = add(s, mod->lines[i].rva);
			/* entries at one address: the first answers there, the
			 * last just past it (nsym__pdb_line_at) */
			if (rc == 0 && i + 1 < mod->nlines &&
			    mod->lines[i + 1].rva == mod->lines[i].rva)
				rc = add(s, mod->lines[i].rva + 1);
		}
	}
	if (rc != 0) {
		free(s->at);
		return rc == NSYM_ENOMEM ? nsym__fail(rc, pdb->path, NULL) : rc;
	}
	*out = s->at;
	*count = s->n;
	return 0;
}

static int frames(void *arg, struct nsym_frames *out, uint64_t addr, bool *found)
{
	struct source *s = arg;

	int rc;

	*found = false;
	if (addr < s->base || addr - s->base > UINT32_MAX)
		return 0;
	rc = nsym__pdb_lookup(out, s->pdb, (uint32_t)(addr - s->base), 0, found);
	if (rc == 0 && *found && out->count == 1 && out->frames[0].approximate) {
		*found = false; /* the symbol table's: see above */
		out->count = 0;
	}
	return rc;
}

/* The publics as a symbol table: each reaches to the next, however far,
 * as the PDB's lookup takes the nearest one before an address. */
static int publics_table(struct nsym_symtab *out, struct nsym_pdb *pdb, uint64_t base)
{
	const struct nsym_pdb_public *pub;
	int rc = nsym__pdb_public_at(&pub, pdb, 0);

	out->syms = calloc(pdb->npublics > 0 ? pdb->npublics : 1, sizeof(*out->syms));
	if (rc == 0 && out->syms == NULL)
		rc = nsym__fail(NSYM_ENOMEM, pdb->path, NULL);
	for (size_t i = 0; rc == 0 && i < pdb->npublics; i++) {
		/* reads its name */
		rc = nsym__pdb_public_at(&pub, pdb, pdb->publics[i].rva);
		if (rc != 0)
			break;
		pub = &pdb->publics[i];
		if (pub->name == NULL)
			continue; /* one of equals the lookup never answers with */
		out->syms[out->count] = (struct nsym_sym){
		    .addr = base + pub->rva,
		    .limit = UINT64_MAX,
		    .name = pub->name,
		    .demangled = (char *)pub->display,
		    .seq = (uint32_t)out->count,
		};
		out->count++;
	}
	return rc;
}

int nsym__pdb_symcache_write(const char *path, const unsigned char *id, size_t id_len,
                             struct nsym_pdb *pdb, uint64_t image_base)
{
	struct source s = {.pdb = pdb, .base = image_base};
	struct nsym_sc_source src = {.arg = &s, .boundaries = boundaries, .frames = frames};
	struct nsym_symtab publics = {0};
	int rc = publics_table(&publics, pdb, image_base);

	if (rc == 0)
		rc = nsym__symcache_write_source(path, id, id_len, &src, &publics);
	free(publics.syms); /* the names are the pdb's */
	return rc;
}
