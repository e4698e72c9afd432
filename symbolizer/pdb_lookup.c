/*
 * A PDB opened for lookups, and the frames of one address (see
 * pdb_object.h and, for the parts, pdb_internal.h). Opening reads only
 * headers: the info stream (GUID, age), the DBI stream (modules, sections,
 * contributions), /names and the publics header. A module's stream is read
 * on the first lookup that lands in it, so a crash-sized request touches
 * only the modules its addresses need.
 *
 * The answer is llvm-symbolizer's (PDBContext::getInliningInfoForAddress):
 * one frame per inline site that holds the address, innermost first, named
 * after its inlinee, its line the inlinee's line plus the site's offset;
 * then the procedure, with the line the module's line table gives (for
 * inlined code, the line of the outermost call). The procedure is named
 * by the public symbol at its start when there is one (the linker's name,
 * demangled), else by its own record. An inline site whose inlinee has no
 * line record ends the chain there, as llvm-symbolizer ends it.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "pdb_internal.h"

#define INFO_HEADER_SIZE 28

const char *nsym__pdb_keep(struct nsym_pdb *pdb, char *s)
{
	if (nsym__grow((void **)&pdb->strings, &pdb->strings_cap, pdb->nstrings + 1,
	               sizeof(*pdb->strings)) != 0) {
		free(s);
		return NULL;
	}
	pdb->strings[pdb->nstrings++] = s;
	return s;
}

static int read_info(struct nsym_pdb *pdb)
{
	struct nsym_msf_stream s;
	unsigned char h[INFO_HEADER_SIZE];
	int rc = nsym__msf_stream(&s, &pdb->msf, NSYM_PDB_STREAM_INFO, "PDB info stream");

	if (rc == NSYM_ENOENT || (rc == 0 && !nsym__msf_read(h, &s, 0, sizeof(h))))
		return nsym__fail(NSYM_ETRUNC, pdb->path,
		                  "PDB info stream is missing or truncated");
	if (rc != 0)
		return rc;
	pdb->age = nsym__le32(h + 8);
	memcpy(pdb->guid, h + 12, 16);
	return 0;
}

int nsym__pdb_open(struct nsym_pdb **out, const char *path, const struct nsym_pdb_section *image,
                   size_t n)
{
	struct nsym_pdb *pdb;
	int rc;

	*out = NULL;
	pdb = calloc(1, sizeof(*pdb));
	if (pdb == NULL)
		return nsym__fail(NSYM_ENOMEM, path, NULL);
	/* the caller's path may not outlive this call (a name made to look
	 * beside an image): errors name our copy */
	pdb->owned_path = strdup(path);
	rc = pdb->owned_path != NULL ? nsym__map_file(&pdb->bytes, pdb->owned_path)
	                             : nsym__fail(NSYM_ENOMEM, path, NULL);
	if (rc == 0) {
		pdb->mapped = true;
		pdb->path = pdb->owned_path;
		if (pdb->bytes.size < 32 || memcmp(pdb->bytes.data, NSYM_MSF7_MAGIC, 32) != 0)
			rc = nsym__fail(NSYM_ENOTELF, path, "not a PDB (MSF 7.0) file");
	}
	if (rc == 0)
		rc = nsym__msf_open(&pdb->msf, &pdb->bytes);
	if (rc == 0)
		rc = read_info(pdb);
	if (rc == 0)
		rc = nsym__pdb_read_dbi(pdb, image, n);
	if (rc == 0)
		rc = nsym__pdb_read_names(pdb);
	if (rc == 0)
		rc = nsym__pdb_open_publics(pdb);
	if (rc != 0) {
		nsym__pdb_close(pdb);
		return rc == NSYM_ENOMEM ? nsym__fail(NSYM_ENOMEM, path, NULL) : rc;
	}
	*out = pdb;
	return 0;
}

static void module_free(struct nsym_pdb_module *m)
{
	free(m->owned);
	free(m->procs);
	free(m->lines);
	free(m->inlinees);
	m->owned = NULL;
	m->procs = NULL;
	m->lines = NULL;
	m->inlinees = NULL;
	m->nprocs = m->nlines = m->ninlinees = 0;
	m->checksums = NULL;
	m->checksums_size = 0;
}

void nsym__pdb_close(struct nsym_pdb *pdb)
{
	if (pdb == NULL)
		return;
	for (size_t i = 0; i < pdb->nmodules; i++)
		module_free(&pdb->modules[i]);
	free(pdb->modules);
	free(pdb->sections);
	free(pdb->contribs);
	free(pdb->publics);
	free(pdb->names_owned);
	nsym__pdb_types_free(pdb);
	for (size_t i = 0; i < pdb->nstrings; i++)
		free(pdb->strings[i]);
	free(pdb->strings);
	nsym__msf_close(&pdb->msf);
	if (pdb->mapped)
		munmap((void *)pdb->bytes.data, pdb->bytes.size);
	free(pdb->owned_path);
	free(pdb);
}

const char *nsym__pdb_path(const struct nsym_pdb *pdb)
{
	return pdb->path;
}

const unsigned char *nsym__pdb_guid(const struct nsym_pdb *pdb)
{
	return pdb->guid;
}

uint32_t nsym__pdb_age(const struct nsym_pdb *pdb)
{
	return pdb->age;
}

/* Reads module `index` on first use: its stream, procedures and lines. */
static int load_module(struct nsym_pdb *pdb, uint32_t index)
{
	struct nsym_pdb_module *m = &pdb->modules[index];
	struct nsym_msf_stream s;
	uint64_t need;
	int rc;

	if (m->state == 1)
		return 0;
	if (m->state < 0)
		return nsym__fail(m->state, pdb->path, "module %u's stream (stream %u) is damaged",
		                  index, m->stream);
	if (m->stream == NSYM_MSF_NIL_STREAM) {
		m->state = 1;
		return 0;
	}
	rc = nsym__msf_stream(&s, &pdb->msf, m->stream, "module stream");
	need = (uint64_t)m->sym_size + m->c11_size + m->c13_size;
	if (rc == 0 && (m->sym_size < 4 || need > s.size))
		rc =
		    nsym__fail(NSYM_ETRUNC, pdb->path,
		               "module %u's stream (stream %u): its symbols and lines (%llu bytes) "
		               "run past its %u bytes",
		               index, m->stream, (unsigned long long)need, s.size);
	if (rc == NSYM_ENOENT)
		rc = nsym__fail(NSYM_ETRUNC, pdb->path, "module %u's stream (stream %u) is missing",
		                index, m->stream);
	if (rc == 0)
		rc = nsym__msf_load(&m->data, &m->owned, &s, 0, need, "module stream");
	if (rc == 0) {
		m->size = (uint32_t)need;
		rc = nsym__pdb_read_procs(pdb, m, index);
	}
	if (rc == 0)
		rc = nsym__pdb_read_lines(pdb, m, index);
	if (rc != 0) {
		module_free(m);
		/* out of memory may pass; damage stays */
		m->state = rc == NSYM_ENOMEM ? 0 : rc;
		return rc;
	}
	m->state = 1;
	return 0;
}

int nsym__pdb_module(const struct nsym_pdb_module **out, struct nsym_pdb *pdb, uint32_t index)
{
	int rc = load_module(pdb, index);

	*out = rc == 0 ? &pdb->modules[index] : NULL;
	return rc;
}

/* The inlined frames, innermost first. */
static int inline_frames(struct nsym_frames *out, struct nsym_pdb *pdb,
                         const struct nsym_pdb_module *mod, const struct nsym_pdb_proc *proc,
                         uint32_t rva)
{
	struct nsym_pdb_site sites[NSYM_PDB_INLINE_MAX];
	size_t n = nsym__pdb_inline_sites(sites, mod, proc, rva);

	for (size_t i = n; i-- > 0;) {
		const struct nsym_pdb_inlinee *inl = nsym__pdb_inlinee(mod, sites[i].inlinee);
		const char *name, *file;

		if (inl == NULL)
			break; /* llvm-symbolizer stops the chain there too */
		if (nsym__pdb_inlinee_name(&name, pdb, sites[i].inlinee) != 0)
			return nsym__fail(NSYM_ENOMEM, pdb->path, NULL);
		file = nsym__pdb_file(pdb, mod, sites[i].file != 0 ? sites[i].file : inl->file);
		if (nsym__frames_push(out, &(struct nsym_frame){
		                               .function = name,
		                               .file = file != NULL ? file : "??",
		                               .line = inl->line + sites[i].line_offset,
		                               .inlined = 1,
		                           }) != 0)
			return nsym__fail(NSYM_ENOMEM, pdb->path, NULL);
	}
	return 0;
}

int nsym__pdb_lookup(struct nsym_frames *out, struct nsym_pdb *pdb, uint32_t rva, unsigned flags,
                     bool *found)
{
	long index = nsym__pdb_module_of(pdb, rva);
	const struct nsym_pdb_module *mod = NULL;
	const struct nsym_pdb_proc *proc = NULL;
	const struct nsym_pdb_line *line = NULL;
	const struct nsym_pdb_public *pub;
	struct nsym_frame outer = {.function = "??", .file = "??"};
	int rc;

	*found = false;
	if (index >= 0) {
		rc = load_module(pdb, (uint32_t)index);
		if (rc != 0)
			return rc;
		mod = &pdb->modules[index];
		proc = nsym__pdb_proc_at(mod, rva);
		line = nsym__pdb_line_at(mod, rva);
	}
	rc = nsym__pdb_public_at(&pub, pdb, rva);
	if (rc != 0)
		return rc;
	if (proc != NULL) {
		rc = inline_frames(out, pdb, mod, proc, rva);
		if (rc != 0)
			return rc;
	}
	if (proc != NULL) {
		outer.function = proc->name;
		outer.symbol_offset = rva - proc->lo;
		/* the linker's name, when it is at the procedure's start and
		 * can be shown (not an MSVC C++ name the demangler refused:
		 * pdb_publics.c) */
		if (pub != NULL && pub->rva == proc->lo) {
			if (pub->display[0] != '?')
				outer.function = pub->display;
			if (strcmp(pub->name, outer.function) != 0)
				outer.linkage_name = pub->name;
		}
	} else if (pub != NULL) {
		/* the nearest public: a guess at the function, unless a line
		 * entry says where the code is from */
		outer.function = pub->display;
		outer.linkage_name = pub->name != pub->display ? pub->name : NULL;
		outer.symbol_offset = rva - pub->rva;
		outer.approximate = line == NULL;
	}
	if (line != NULL) {
		const char *file = nsym__pdb_file(pdb, mod, line->file);
		outer.file = file != NULL ? file : "??";
		outer.line = line->line;
		outer.column = line->column;
	}
	if (proc == NULL && line == NULL && pub == NULL) {
		out->count = 0;
		return 0;
	}
	if (nsym__frames_push(out, &outer) != 0)
		return nsym__fail(NSYM_ENOMEM, pdb->path, NULL);
	/* the innermost frame alone, as from DWARF (llvm-symbolizer
	 * --no-inlines answers with the procedure and its line instead) */
	if (flags & NSYM_LOOKUP_NO_INLINES) {
		out->count = 1;
		out->frames[0].inlined = 0;
	}
	*found = true;
	return 0;
}
