/*
 * The /names stream of a PDB: the string table that file checksums name
 * source files by. It has no fixed number; the PDB info stream's named
 * stream map says which stream it is (LLVM's docs/PDB/PdbStream.rst and
 * HashTable.rst): after the 28-byte header, a length-prefixed buffer of
 * names, then a hash table of (name offset, stream) pairs, of which only
 * the present buckets are written, in bucket order. The table is read
 * entry by entry, not hashed: a PDB names a handful of streams.
 *
 * The string table itself: signature 0xEFFEEFFE, hash version, the size
 * of the string buffer, then the buffer (offsets index it), then a hash
 * index that lookups by offset do not need.
 */
#include <stdlib.h>
#include <string.h>

#include "pdb_internal.h"

#define INFO_HEADER_SIZE  28
#define STRINGS_SIGNATURE 0xeffeeffeu
#define NAMES_HEADER_SIZE 12

static int damaged(const struct nsym_pdb *pdb, const char *what)
{
	return nsym__fail(NSYM_ETRUNC, pdb->path, "PDB info stream: named stream map %s", what);
}

/* The stream the map names "/names", or NSYM_MSF_NIL_STREAM. */
static int find_names(uint32_t *out, const struct nsym_pdb *pdb)
{
	struct nsym_msf_stream s;
	const unsigned char *p;
	unsigned char *owned = NULL;
	struct nsym_buf b;
	uint32_t strings_size, present_words, deleted_words;
	const unsigned char *strings;
	uint32_t npresent = 0;
	int rc = nsym__msf_stream(&s, &pdb->msf, NSYM_PDB_STREAM_INFO, "PDB info stream");

	*out = NSYM_MSF_NIL_STREAM;
	if (rc == NSYM_ENOENT || (rc == 0 && s.size < INFO_HEADER_SIZE))
		return nsym__fail(NSYM_ETRUNC, pdb->path,
		                  "PDB info stream is missing or truncated");
	if (rc == 0)
		rc = nsym__msf_load(&p, &owned, &s, 0, s.size, "PDB info stream");
	if (rc != 0)
		return rc;
	b = (struct nsym_buf){.p = p + INFO_HEADER_SIZE, .end = p + s.size};
	strings_size = (uint32_t)nsym_buf_uint(&b, 4);
	strings = b.p;
	nsym_buf_skip(&b, strings_size);
	nsym_buf_skip(&b, 8); /* size, capacity */
	present_words = (uint32_t)nsym_buf_uint(&b, 4);
	if (!b.bad && present_words > (uint32_t)(b.end - b.p) / 4)
		b.bad = true;
	for (uint32_t i = 0; i < present_words && !b.bad; i++)
		npresent += (uint32_t)__builtin_popcount((uint32_t)nsym_buf_uint(&b, 4));
	deleted_words = (uint32_t)nsym_buf_uint(&b, 4);
	nsym_buf_skip(&b, 4 * (uint64_t)deleted_words);
	for (uint32_t i = 0; i < npresent && !b.bad; i++) {
		uint32_t key = (uint32_t)nsym_buf_uint(&b, 4);
		uint32_t value = (uint32_t)nsym_buf_uint(&b, 4);
		if (!b.bad && key < strings_size && strings_size - key >= sizeof("/names") &&
		    memcmp(strings + key, "/names", sizeof("/names")) == 0) {
			*out = value;
			break;
		}
	}
	rc = b.bad ? damaged(pdb, "is truncated") : 0;
	free(owned);
	return rc;
}

int nsym__pdb_read_names(struct nsym_pdb *pdb)
{
	struct nsym_msf_stream s;
	unsigned char h[NAMES_HEADER_SIZE];
	uint32_t index;
	int rc = find_names(&index, pdb);

	if (rc != 0 || index == NSYM_MSF_NIL_STREAM)
		return rc; /* no /names: files are "??" */
	rc = nsym__msf_stream(&s, &pdb->msf, index, "/names stream");
	if (rc == NSYM_ENOENT)
		return 0;
	if (rc != 0)
		return rc;
	if (!nsym__msf_read(h, &s, 0, sizeof(h)) || nsym__le32(h) != STRINGS_SIGNATURE)
		return nsym__fail(NSYM_ETRUNC, pdb->path,
		                  "/names stream (stream %u): not a string table", index);
	pdb->names_size = nsym__le32(h + 8);
	return nsym__msf_load(&pdb->names, &pdb->names_owned, &s, NAMES_HEADER_SIZE,
	                      pdb->names_size, "/names stream");
}

const char *nsym__pdb_string(const struct nsym_pdb *pdb, uint32_t offset)
{
	const char *s;

	if (pdb->names == NULL || offset >= pdb->names_size)
		return NULL;
	s = (const char *)pdb->names + offset;
	return memchr(s, '\0', pdb->names_size - offset) != NULL ? s : NULL;
}
