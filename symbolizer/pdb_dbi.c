/*
 * The DBI stream of a PDB (LLVM's docs/PDB/DbiStream.rst): a 64-byte
 * header, then substreams in this order: module info, section
 * contributions, section map, file info, type server map, EC, and the
 * optional debug header, an array of stream numbers whose sixth names the
 * stream of the image's section headers. Those headers turn the
 * (section, offset) pairs every CodeView record uses into RVAs, as
 * llvm-symbolizer does; the section contributions say which module's
 * streams describe an RVA.
 *
 * The section map substream is not read: it only restates the sections
 * (frame, offset, length) without their RVAs, which the section headers
 * give.
 */
#include <stdlib.h>
#include <string.h>

#include "pdb_internal.h"

#define DBI_HEADER_SIZE     64
#define MODI_FIXED          64
#define SC_ENTRY_SIZE       28
#define SC_ENTRY2_SIZE      32
#define SC_VER60            (0xeffe0000u + 19970605u)
#define SC_V2               (0xeffe0000u + 20140516u)
#define DBG_SECTION_HDR     5 /* in the optional debug header */
#define SECTION_HEADER_SIZE 40
#define SECTIONS_MAX        65535 /* a COFF section number is 16 bits */

static int damaged(const struct nsym_pdb *pdb, const char *what)
{
	return nsym__fail(NSYM_ETRUNC, pdb->path, "DBI stream: %s", what);
}

/* The module info substream: one record per module, 64 bytes, then the
 * module and object names, padded to 4. */
static int read_modules(struct nsym_pdb *pdb, const unsigned char *p, uint32_t size)
{
	size_t cap = 0;

	for (uint32_t at = 0; at < size;) {
		const unsigned char *r = p + at, *end = p + size;
		const unsigned char *name = r + MODI_FIXED, *nul, *nul2 = NULL;
		struct nsym_pdb_module *m;
		uint16_t stream;

		if (size - at < MODI_FIXED)
			return damaged(pdb, "module info ends inside a record");
		nul = memchr(name, '\0', (size_t)(end - name));
		if (nul != NULL && nul + 1 < end)
			nul2 = memchr(nul + 1, '\0', (size_t)(end - (nul + 1)));
		if (nul2 == NULL)
			return damaged(pdb, "a module's names run past the module info");
		if (nsym__grow((void **)&pdb->modules, &cap, pdb->nmodules + 1,
		               sizeof(*pdb->modules)) != 0)
			return NSYM_ENOMEM;
		m = &pdb->modules[pdb->nmodules++];
		memset(m, 0, sizeof(*m));
		stream = nsym__le16(r + 34);
		m->stream = stream == 0xffff ? NSYM_MSF_NIL_STREAM : stream;
		m->sym_size = nsym__le32(r + 36);
		m->c11_size = nsym__le32(r + 40);
		m->c13_size = nsym__le32(r + 44);
		at = (uint32_t)(nul2 + 1 - p);
		at = (at + 3) & ~3u;
	}
	return 0;
}

static int by_lo(const void *a, const void *b)
{
	const struct nsym_pdb_contrib *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->hi < y->hi ? -1 : x->hi > y->hi;
}

static int read_contribs(struct nsym_pdb *pdb, const unsigned char *p, uint32_t size)
{
	uint32_t version, entry;
	size_t n;

	if (size == 0)
		return 0;
	if (size < 4)
		return damaged(pdb, "section contributions are truncated");
	version = nsym__le32(p);
	if (version == SC_VER60)
		entry = SC_ENTRY_SIZE;
	else if (version == SC_V2)
		entry = SC_ENTRY2_SIZE;
	else
		return damaged(pdb, "section contributions of an unknown version");
	n = (size - 4) / entry;
	pdb->contribs = calloc(n > 0 ? n : 1, sizeof(*pdb->contribs));
	if (pdb->contribs == NULL)
		return NSYM_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const unsigned char *e = p + 4 + i * entry;
		uint32_t rva, csize = nsym__le32(e + 8);
		uint16_t module = nsym__le16(e + 16);

		if (csize == 0 || module >= pdb->nmodules ||
		    !nsym__pdb_rva(&rva, pdb, nsym__le16(e), nsym__le32(e + 4)) ||
		    rva + (uint64_t)csize > UINT32_MAX)
			continue; /* nothing of ours: LLVM skips these too */
		pdb->contribs[pdb->ncontribs++] =
		    (struct nsym_pdb_contrib){.lo = rva, .hi = rva + csize, .module = module};
	}
	qsort(pdb->contribs, pdb->ncontribs, sizeof(*pdb->contribs), by_lo);
	return 0;
}

/* The section headers stream named by the optional debug header. */
static int read_sections(struct nsym_pdb *pdb, uint32_t index)
{
	struct nsym_msf_stream s;
	unsigned char h[SECTION_HEADER_SIZE];
	size_t n;
	int rc = nsym__msf_stream(&s, &pdb->msf, index, "section headers stream");

	if (rc != 0)
		return rc;
	n = s.size / SECTION_HEADER_SIZE;
	if (n > SECTIONS_MAX)
		n = SECTIONS_MAX;
	pdb->sections = calloc(n > 0 ? n : 1, sizeof(*pdb->sections));
	if (pdb->sections == NULL)
		return NSYM_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		nsym__msf_read(h, &s, i * SECTION_HEADER_SIZE, sizeof(h));
		pdb->sections[i] = (struct nsym_pdb_section){
		    .size = nsym__le32(h + 8),
		    .rva = nsym__le32(h + 12),
		    .characteristics = nsym__le32(h + 36),
		};
	}
	pdb->nsections = n;
	return 0;
}

int nsym__pdb_read_dbi(struct nsym_pdb *pdb, const struct nsym_pdb_section *image, size_t nimage)
{
	struct nsym_msf_stream s;
	unsigned char h[DBI_HEADER_SIZE];
	const unsigned char *p = NULL;
	unsigned char *owned = NULL;
	uint32_t sizes[7], dbg_hdr = NSYM_MSF_NIL_STREAM;
	uint64_t at = DBI_HEADER_SIZE, total = DBI_HEADER_SIZE;
	int rc = nsym__msf_stream(&s, &pdb->msf, NSYM_PDB_STREAM_DBI, "DBI stream");

	if (rc == NSYM_ENOENT)
		return nsym__fail(NSYM_ENODEBUG, pdb->path,
		                  "no DBI stream: the PDB holds types only, no symbols or lines");
	if (rc != 0)
		return rc;
	if (!nsym__msf_read(h, &s, 0, sizeof(h)) || memcmp(h, "\xff\xff\xff\xff", 4) != 0)
		return damaged(pdb, "header is truncated or of an unknown version");
	pdb->age = nsym__le32(h + 8);
	pdb->publics_stream = nsym__le16(h + 16);
	pdb->symrec_stream = nsym__le16(h + 20);
	pdb->machine = nsym__le16(h + 58);
	/* module info, contributions, section map, file info, type server
	 * map, then (in the stream) EC before the optional debug header */
	sizes[0] = nsym__le32(h + 24);
	sizes[1] = nsym__le32(h + 28);
	sizes[2] = nsym__le32(h + 32);
	sizes[3] = nsym__le32(h + 36);
	sizes[4] = nsym__le32(h + 40);
	sizes[5] = nsym__le32(h + 52);
	sizes[6] = nsym__le32(h + 48);
	for (int i = 0; i < 7; i++)
		total += sizes[i];
	if (total > s.size)
		return damaged(pdb, "substreams run past the end of the stream");
	/* the optional debug header first: contributions need the sections */
	at = total - sizes[6];
	if (sizes[6] >= 2 * (DBG_SECTION_HDR + 1)) {
		unsigned char w[2];
		nsym__msf_read(w, &s, at + 2 * DBG_SECTION_HDR, 2);
		if (nsym__le16(w) != 0xffff)
			dbg_hdr = nsym__le16(w);
	}
	rc = dbg_hdr != NSYM_MSF_NIL_STREAM ? read_sections(pdb, dbg_hdr) : NSYM_ENOENT;
	if (rc == NSYM_ENOENT && nimage > 0) {
		/* no copy in the PDB: the image's own headers say the same */
		pdb->sections = malloc(nimage * sizeof(*pdb->sections));
		if (pdb->sections == NULL)
			return NSYM_ENOMEM;
		memcpy(pdb->sections, image, nimage * sizeof(*image));
		pdb->nsections = nimage;
		rc = 0;
	}
	if (rc == NSYM_ENOENT)
		return nsym__fail(NSYM_ETRUNC, pdb->path,
		                  "DBI stream: no section headers, and no image to take them from");
	if (rc != 0)
		return rc;
	at = DBI_HEADER_SIZE;
	rc = nsym__msf_load(&p, &owned, &s, at, sizes[0], "DBI module info");
	if (rc == 0)
		rc = read_modules(pdb, p, sizes[0]);
	free(owned);
	owned = NULL;
	if (rc == 0)
		rc = nsym__msf_load(&p, &owned, &s, at + sizes[0], sizes[1],
		                    "DBI section contributions");
	if (rc == 0)
		rc = read_contribs(pdb, p, sizes[1]);
	free(owned);
	return rc == NSYM_ENOMEM ? nsym__fail(NSYM_ENOMEM, pdb->path, NULL) : rc;
}

bool nsym__pdb_rva(uint32_t *out, const struct nsym_pdb *pdb, uint16_t section, uint32_t offset)
{
	uint64_t rva;

	if (section == 0 || section > pdb->nsections)
		return false;
	rva = (uint64_t)pdb->sections[section - 1].rva + offset;
	if (rva > UINT32_MAX)
		return false;
	*out = (uint32_t)rva;
	return true;
}

long nsym__pdb_module_of(const struct nsym_pdb *pdb, uint32_t rva)
{
	size_t i = 0, lo = 0, hi = pdb->ncontribs;

	/* the last contribution starting at or before rva */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (pdb->contribs[mid].lo <= rva)
			lo = mid + 1;
		else
			hi = mid;
	}
	i = lo;
	if (i == 0 || rva >= pdb->contribs[i - 1].hi)
		return -1;
	return (long)pdb->contribs[i - 1].module;
}
