/*
 * PDB identity: the GUID and age that a PE's CodeView record names. A PDB
 * is an MSF 7.0 container (pdb_msf.c). Stream 1 (the PDB info stream)
 * holds the GUID and an age; stream 3 (DBI) holds the machine and its own
 * age. Layouts: LLVM's docs/PDB (MsfFile.rst, PdbStream.rst, DbiStream.rst).
 *
 * The age kept is DBI's when there is a DBI stream, else the info stream's,
 * as getsentry/symbolic does (symbolic-debuginfo/src/pdb.rs, PdbObject::
 * debug_id): tools that rewrite a PDB bump the info stream's age without
 * touching the image, while the DBI age stays what the linker wrote into
 * the image's CodeView record. lld writes the same value in both places.
 *
 * Only the two headers needed are read, block by block.
 */
#include <stdlib.h>
#include <string.h>

#include "pdb_msf.h"

#define STREAM_PDB_INFO 1
#define STREAM_DBI      3

#define INFO_HEADER_SIZE 28 /* version, signature, age, GUID */
#define DBI_HEADER_SIZE  64
#define DBI_AGE_AT       8
#define DBI_MODINFO_AT   24 /* bytes of the module info substream after the header */
#define DBI_MACHINE_AT   58

/* A module info record: 64 bytes, then its module and object names, the
 * whole padded to 4 (LLVM's DbiStream.rst). C13ByteSize is the size of
 * its line information. */
#define MODI_FIXED  64
#define MODI_C13_AT 44
#define MODINFO_MAX (64u << 20) /* a module list larger than this is damaged */

/*
 * Copies the first `size` bytes of stream `index` to out. Returns 0,
 * NSYM_ENOENT when the stream is absent or shorter than `size`, or
 * NSYM_ETRUNC with a detail when the directory is damaged.
 */
static int read_stream_head(unsigned char *out, size_t size, const struct nsym_msf *m,
                            uint32_t index, const char *what)
{
	struct nsym_msf_stream s;
	int rc = nsym__msf_stream(&s, m, index, what);

	if (rc != 0)
		return rc;
	return nsym__msf_read(out, &s, 0, size) ? 0 : NSYM_ENOENT;
}

int nsym__pdb_read(struct nsym_file *f, const struct nsym_bytes *file)
{
	struct nsym_image *out = &f->images[0];
	struct nsym_msf m;
	unsigned char info[INFO_HEADER_SIZE], dbi[DBI_HEADER_SIZE];
	int rc;

	rc = nsym__msf_open(&m, file);
	if (rc != 0)
		goto done;
	rc = read_stream_head(info, sizeof(info), &m, STREAM_PDB_INFO, "PDB info stream");
	if (rc == NSYM_ENOENT)
		rc = nsym__fail(NSYM_ETRUNC, file->path, "PDB info stream is missing or truncated");
	if (rc != 0)
		goto done;
	f->format = NSYM_FORMAT_PDB;
	out->format = NSYM_FORMAT_PDB;
	out->kind = "program database";
	out->arch = "unknown";
	out->age = nsym__le32(info + 8);
	memcpy(out->uuid, info + 12, 16);
	out->has_uuid = 1;
	out->offset = 0;
	out->size = file->size;
	out->debug_bytes = file->size;

	rc = read_stream_head(dbi, sizeof(dbi), &m, STREAM_DBI, "DBI stream");
	if (rc == NSYM_ENOENT) {
		rc = 0; /* a PDB of types only */
	} else if (rc == 0 && memcmp(dbi, "\xff\xff\xff\xff", 4) == 0) {
		out->has_debug_info = 1;
		out->age = nsym__le32(dbi + DBI_AGE_AT);
		out->arch = nsym__coff_arch(nsym__le16(dbi + DBI_MACHINE_AT));
	}
	if (rc == 0)
		f->count = 1;
done:
	nsym__msf_close(&m);
	return rc;
}

int nsym__pdb_modules(struct nsym_pdb_modules *out, const struct nsym_bytes *file)
{
	struct nsym_msf m;
	unsigned char dbi[DBI_HEADER_SIZE], *all = NULL;
	uint32_t size;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = nsym__msf_open(&m, file);
	if (rc == 0)
		rc = read_stream_head(dbi, sizeof(dbi), &m, STREAM_DBI, "DBI stream");
	if (rc == NSYM_ENOENT || (rc == 0 && memcmp(dbi, "\xff\xff\xff\xff", 4) != 0)) {
		rc = 0; /* no DBI stream: no modules */
		goto done;
	}
	if (rc != 0)
		goto done;
	size = nsym__le32(dbi + DBI_MODINFO_AT);
	if (size > MODINFO_MAX) {
		rc = nsym__fail(NSYM_ETRUNC, file->path, "DBI module info of %u bytes (damaged?)",
		                size);
		goto done;
	}
	all = malloc(DBI_HEADER_SIZE + (size_t)size);
	if (all == NULL) {
		rc = nsym__fail(NSYM_ENOMEM, file->path, NULL);
		goto done;
	}
	rc = read_stream_head(all, DBI_HEADER_SIZE + (size_t)size, &m, STREAM_DBI, "DBI stream");
	if (rc == NSYM_ENOENT)
		rc = nsym__fail(NSYM_ETRUNC, file->path, "DBI module info runs past its stream");
	for (uint32_t at = 0; rc == 0 && at + MODI_FIXED <= size;) {
		const unsigned char *r = all + DBI_HEADER_SIZE + at;
		const unsigned char *name = r + MODI_FIXED, *end = all + DBI_HEADER_SIZE + size;
		const unsigned char *nul = memchr(name, '\0', (size_t)(end - name));
		const unsigned char *obj = nul != NULL ? nul + 1 : end;
		const unsigned char *nul2 =
		    obj < end ? memchr(obj, '\0', (size_t)(end - obj)) : NULL;

		if (nul2 == NULL) {
			rc = nsym__fail(NSYM_ETRUNC, file->path, "DBI module %u is truncated",
			                out->count);
			break;
		}
		out->count++;
		out->with_lines += nsym__le32(r + MODI_C13_AT) > 0;
		at = (uint32_t)(nul2 + 1 - (all + DBI_HEADER_SIZE));
		at = (at + 3) & ~3u;
	}
done:
	free(all);
	nsym__msf_close(&m);
	return rc;
}
