/*
 * Public symbols (S_PUB32): the linker's names of functions and data, the
 * only names a PDB gives code that has no procedure record (assembly,
 * stripped modules). The publics stream (LLVM's docs/PDB/PublicStream.md)
 * holds, after its 28-byte header and a hash table of SymHash bytes, an
 * address map: the offsets of every S_PUB32 in the symbol record stream,
 * sorted by (section, offset). The records are read once, on the first
 * lookup that needs a public, into (RVA, record) pairs; a name is read
 * when it is first answered with.
 *
 * Names are shown as llvm-symbolizer shows them: Itanium, Rust and MSVC
 * C++ names demangled (through nsym_demangle, which drops a Rust legacy
 * hash as everywhere else in napi-symbols and prints "?f@ns@@YAHH@Z" as
 * "ns::f(int)"), i386 C decorations (_f, _f@8, @f@8) dropped. An MSVC
 * name the demangler refuses stays decorated; the lookup then prefers the
 * procedure's own name ("f").
 */
#include <stdlib.h>
#include <string.h>

#include "pdb_internal.h"

#define PUBLICS_HEADER_SIZE     28
#define S_PUB32                 0x110e
#define PUB32_FIXED             14 /* length, kind, flags, offset, section */
#define IMAGE_FILE_MACHINE_I386 0x14c

static int by_rva(const void *a, const void *b)
{
	const struct nsym_pdb_public *x = a, *y = b;

	return x->rva < y->rva ? -1 : x->rva > y->rva;
}

int nsym__pdb_open_publics(struct nsym_pdb *pdb)
{
	struct nsym_msf_stream *s = &pdb->publics_s;
	unsigned char h[PUBLICS_HEADER_SIZE];
	int rc;

	rc = nsym__msf_stream(s, &pdb->msf, pdb->publics_stream, "publics stream");
	if (rc == 0)
		rc = nsym__msf_stream(&pdb->symrec, &pdb->msf, pdb->symrec_stream,
		                      "symbol record stream");
	if (rc == NSYM_ENOENT)
		return 0; /* no publics: names come from procedures alone */
	if (rc != 0)
		return rc;
	if (!nsym__msf_read(h, s, 0, sizeof(h)))
		return nsym__fail(NSYM_ETRUNC, pdb->path, "publics stream (stream %u) is truncated",
		                  s->index);
	pdb->map_at = PUBLICS_HEADER_SIZE + (uint64_t)nsym__le32(h);
	pdb->map_size = nsym__le32(h + 4);
	if (pdb->map_at > s->size || pdb->map_size > s->size - pdb->map_at)
		return nsym__fail(NSYM_ETRUNC, pdb->path,
		                  "publics stream (stream %u): its address map runs past its end",
		                  s->index);
	pdb->has_publics = true;
	return 0;
}

static int read_publics(struct nsym_pdb *pdb)
{
	unsigned char rec[PUB32_FIXED];
	uint32_t n = pdb->map_size / 4;

	if (!pdb->has_publics)
		return 0;
	pdb->publics = calloc(n > 0 ? n : 1, sizeof(*pdb->publics));
	if (pdb->publics == NULL)
		return NSYM_ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		unsigned char w[4];
		uint32_t at, rva;
		nsym__msf_read(w, &pdb->publics_s, pdb->map_at + 4 * (uint64_t)i, 4);
		at = nsym__le32(w);
		/* a record the map points at that is not a public is skipped,
		 * as is one of a section the image lacks */
		if (!nsym__msf_read(rec, &pdb->symrec, at, sizeof(rec)) ||
		    nsym__le16(rec + 2) != S_PUB32 || nsym__le16(rec) < PUB32_FIXED - 2 ||
		    !nsym__pdb_rva(&rva, pdb, nsym__le16(rec + 12), nsym__le32(rec + 8)))
			continue;
		pdb->publics[pdb->npublics++] = (struct nsym_pdb_public){.rva = rva, .record = at};
	}
	/* the map is in (section, offset) order, which RVAs normally keep;
	 * sorted stably all the same, so the last of equals stays last */
	return nsym__sort_stable(pdb->publics, pdb->npublics, sizeof(*pdb->publics), by_rva);
}

/* i386 C names as llvm-symbolizer shows them (demanglePE32ExternCFunc):
 * no leading '_' or '@', no "@N" tail, no vectorcall '@'. */
static char *undecorate_i386(const char *name)
{
	size_t len = strlen(name);
	char front = name[0];
	char *out, *at;

	if (front == '_' || front == '@') {
		name++;
		len--;
	}
	out = malloc(len + 1);
	if (out == NULL)
		return NULL;
	memcpy(out, name, len + 1);
	at = strrchr(out, '@');
	if (front != '?' && at != NULL && at[1] != '\0' &&
	    strspn(at + 1, "0123456789") == strlen(at + 1))
		*at = '\0';
	len = strlen(out);
	if (len > 0 && out[len - 1] == '@')
		out[len - 1] = '\0';
	return out;
}

/* Reads the name of p and how it is shown. */
static int read_name(struct nsym_pdb *pdb, struct nsym_pdb_public *p)
{
	unsigned char h[2];
	uint32_t len;
	char *name, *display = NULL;

	nsym__msf_read(h, &pdb->symrec, p->record, 2);
	len = nsym__le16(h) + 2u - PUB32_FIXED; /* the name and its padding */
	name = malloc(len + 1);
	if (name == NULL)
		return NSYM_ENOMEM;
	if (!nsym__msf_read(name, &pdb->symrec, p->record + (uint64_t)PUB32_FIXED, len))
		len = 0;
	name[len] = '\0';
	if (nsym__pdb_keep(pdb, name) == NULL)
		return NSYM_ENOMEM;
	/* p->name is set last: a lookup that ran out of memory here reads the
	 * name again the next time, rather than answering with it undemangled */
	if (nsym__demangle(&display, name) != 0)
		return NSYM_ENOMEM;
	if (display == NULL && name[0] != '?' && pdb->machine == IMAGE_FILE_MACHINE_I386) {
		display = undecorate_i386(name);
		if (display == NULL)
			return NSYM_ENOMEM;
	}
	if (display != NULL && nsym__pdb_keep(pdb, display) == NULL)
		return NSYM_ENOMEM;
	p->display = display != NULL ? display : name;
	p->name = name;
	return 0;
}

int nsym__pdb_public_at(const struct nsym_pdb_public **out, struct nsym_pdb *pdb, uint32_t rva)
{
	size_t lo = 0, hi;

	*out = NULL;
	if (!pdb->publics_read) {
		if (read_publics(pdb) != 0) {
			free(pdb->publics);
			pdb->publics = NULL;
			pdb->npublics = 0;
			return nsym__fail(NSYM_ENOMEM, pdb->path, NULL);
		}
		pdb->publics_read = true;
	}
	hi = pdb->npublics;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (pdb->publics[mid].rva <= rva)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return 0;
	if (pdb->publics[lo - 1].name == NULL && read_name(pdb, &pdb->publics[lo - 1]) != 0)
		return nsym__fail(NSYM_ENOMEM, pdb->path, NULL);
	*out = &pdb->publics[lo - 1];
	return 0;
}
