/*
 * PDB identity: the GUID and age that a PE's CodeView record names. A PDB
 * is an MSF 7.0 container: fixed-size blocks, a superblock in block 0, a
 * block map listing the blocks of the stream directory, and the directory
 * listing every stream's size and blocks. Stream 1 (the PDB info stream)
 * holds the GUID and an age; stream 3 (DBI) holds the machine and its own
 * age. Layouts: LLVM's docs/PDB (MsfFile.rst, PdbStream.rst, DbiStream.rst).
 *
 * The age kept is DBI's when there is a DBI stream, else the info stream's,
 * as getsentry/symbolic does (symbolic-debuginfo/src/pdb.rs, PdbObject::
 * debug_id): tools that rewrite a PDB bump the info stream's age without
 * touching the image, while the DBI age stays what the linker wrote into
 * the image's CodeView record. lld writes the same value in both places.
 *
 * Only the directory is read whole (at most BlockSize / 4 blocks, 4 MiB);
 * the two headers needed are gathered block by block. Every block number
 * is checked against the block count, and the block count against the file.
 */
#include <stdlib.h>
#include <string.h>

#include "image.h"

#define MSF7_MAGIC_SIZE 32 /* NSYM_MSF7_MAGIC, which file.c checks */
#define SUPERBLOCK_SIZE 56
#define NIL_STREAM      0xffffffffu /* a stream that was deleted */

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

struct msf {
	const struct nsym_bytes *file;
	uint32_t block_size, nblocks;
	unsigned char *dir; /* the stream directory, owned */
	uint32_t dir_size;
	uint32_t nstreams;
};

static bool valid_block_size(uint32_t size)
{
	return size == 512 || size == 1024 || size == 2048 || size == 4096;
}

static uint64_t blocks_for(uint64_t bytes, uint32_t block_size)
{
	return (bytes + block_size - 1) / block_size;
}

/* The bytes of block n, which must be below the block count. */
static const unsigned char *block(const struct msf *m, uint32_t n)
{
	return m->file->data + (uint64_t)n * m->block_size;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The index-th u32 of the directory, which the caller checked is there. */
static uint32_t dir_u32(const struct msf *m, uint64_t index)
{
	return le32(m->dir + 4 * index);
}

static int read_superblock(struct msf *m, uint32_t *out_map_block)
{
	const char *path = m->file->path;
	struct nsym_buf b =
	    nsym__bytes_at(m->file, MSF7_MAGIC_SIZE, SUPERBLOCK_SIZE - MSF7_MAGIC_SIZE, false);
	uint32_t fpm_block;

	m->block_size = (uint32_t)nsym_buf_uint(&b, 4);
	fpm_block = (uint32_t)nsym_buf_uint(&b, 4);
	m->nblocks = (uint32_t)nsym_buf_uint(&b, 4);
	m->dir_size = (uint32_t)nsym_buf_uint(&b, 4);
	nsym_buf_skip(&b, 4);
	*out_map_block = (uint32_t)nsym_buf_uint(&b, 4);
	if (b.bad)
		return nsym__fail(NSYM_ETRUNC, path, "MSF superblock is truncated");
	if (!valid_block_size(m->block_size))
		return nsym__fail(NSYM_ETRUNC, path, "block size %u is not one MSF uses",
		                  m->block_size);
	if (m->nblocks == 0 || m->nblocks > m->file->size / m->block_size)
		return nsym__fail(NSYM_ETRUNC, path,
		                  "superblock counts %u blocks of %u bytes, more than the file "
		                  "holds (truncated?)",
		                  m->nblocks, m->block_size);
	/* LLVM's MSF reader insists on this too */
	if (fpm_block != 1 && fpm_block != 2)
		return nsym__fail(NSYM_ETRUNC, path, "free block map is at block %u, not 1 or 2",
		                  fpm_block);
	if (*out_map_block == 0 || *out_map_block >= m->nblocks)
		return nsym__fail(NSYM_ETRUNC, path,
		                  "block map at block %u is past the end of file", *out_map_block);
	if (m->dir_size < 4)
		return nsym__fail(NSYM_ETRUNC, path, "stream directory is empty");
	/* the block map is one block of u32 block numbers */
	if (blocks_for(m->dir_size, m->block_size) > m->block_size / 4)
		return nsym__fail(NSYM_ETRUNC, path,
		                  "stream directory of %u bytes needs more blocks than the block "
		                  "map holds",
		                  m->dir_size);
	return 0;
}

/* Gathers the directory, whose blocks the block map lists. */
static int read_directory(struct msf *m, uint32_t map_block)
{
	const char *path = m->file->path;
	const unsigned char *map = block(m, map_block);
	uint32_t nblocks = (uint32_t)blocks_for(m->dir_size, m->block_size);

	if (nblocks > m->nblocks)
		return nsym__fail(NSYM_ETRUNC, path, "stream directory past end of file");
	m->dir = malloc(m->dir_size);
	if (m->dir == NULL)
		return nsym__fail(NSYM_ENOMEM, path, NULL);
	for (uint32_t i = 0; i < nblocks; i++) {
		uint32_t n = le32(map + 4 * i);
		uint32_t at = i * m->block_size;
		uint32_t take = m->dir_size - at < m->block_size ? m->dir_size - at : m->block_size;
		if (n >= m->nblocks)
			return nsym__fail(NSYM_ETRUNC, path,
			                  "stream directory block %u is past end of file", n);
		memcpy(m->dir + at, block(m, n), take);
	}
	m->nstreams = dir_u32(m, 0);
	if (m->nstreams > (m->dir_size - 4) / 4)
		return nsym__fail(NSYM_ETRUNC, path,
		                  "stream directory lists %u streams but holds only %u bytes",
		                  m->nstreams, m->dir_size);
	return 0;
}

/*
 * Copies the first `size` bytes of stream `index` to out, reading its block
 * list from the directory. Returns 0, NSYM_ENOENT when the stream is absent
 * or shorter than `size`, or NSYM_ETRUNC with a detail when the directory is
 * damaged.
 */
static int read_stream_head(unsigned char *out, size_t size, const struct msf *m, uint32_t index)
{
	const char *path = m->file->path;
	uint64_t list = 1 + m->nstreams; /* u32 index of stream 0's block list */
	uint64_t dir_words = m->dir_size / 4;
	uint32_t stream_size;
	size_t done = 0;

	if (index >= m->nstreams)
		return NSYM_ENOENT;
	/* the block lists of the streams before this one come first */
	for (uint32_t i = 0; i < index; i++) {
		uint32_t s = dir_u32(m, 1 + i);
		if (s != NIL_STREAM)
			list += blocks_for(s, m->block_size);
	}
	stream_size = dir_u32(m, 1 + index);
	if (stream_size == NIL_STREAM || stream_size < size)
		return NSYM_ENOENT;
	if ((uint64_t)stream_size > (uint64_t)m->nblocks * m->block_size)
		return nsym__fail(NSYM_ETRUNC, path,
		                  "stream %u (%u bytes) is larger than the file (truncated?)",
		                  index, stream_size);
	if (list + blocks_for(stream_size, m->block_size) > dir_words)
		return nsym__fail(NSYM_ETRUNC, path,
		                  "stream %u's block list runs past the stream directory", index);
	while (done < size) {
		uint32_t n = dir_u32(m, list++);
		size_t take = size - done < m->block_size ? size - done : m->block_size;
		if (n >= m->nblocks)
			return nsym__fail(NSYM_ETRUNC, path,
			                  "stream %u: block %u is past end of file", index, n);
		memcpy(out + done, block(m, n), take);
		done += take;
	}
	return 0;
}

int nsym__pdb_read(struct nsym_file *f, const struct nsym_bytes *file)
{
	struct nsym_image *out = &f->images[0];
	struct msf m = {.file = file};
	unsigned char info[INFO_HEADER_SIZE], dbi[DBI_HEADER_SIZE];
	uint32_t map_block;
	int rc;

	rc = read_superblock(&m, &map_block);
	if (rc == 0)
		rc = read_directory(&m, map_block);
	if (rc != 0)
		goto done;
	rc = read_stream_head(info, sizeof(info), &m, STREAM_PDB_INFO);
	if (rc == NSYM_ENOENT)
		rc = nsym__fail(NSYM_ETRUNC, file->path, "PDB info stream is missing or truncated");
	if (rc != 0)
		goto done;
	f->format = NSYM_FORMAT_PDB;
	out->format = NSYM_FORMAT_PDB;
	out->kind = "program database";
	out->arch = "unknown";
	out->age = le32(info + 8);
	memcpy(out->uuid, info + 12, 16);
	out->has_uuid = 1;
	out->offset = 0;
	out->size = file->size;
	out->debug_bytes = file->size;

	rc = read_stream_head(dbi, sizeof(dbi), &m, STREAM_DBI);
	if (rc == NSYM_ENOENT) {
		rc = 0; /* a PDB of types only */
	} else if (rc == 0 && memcmp(dbi, "\xff\xff\xff\xff", 4) == 0) {
		out->has_debug_info = 1;
		out->age = le32(dbi + DBI_AGE_AT);
		out->arch =
		    nsym__coff_arch((uint16_t)(dbi[DBI_MACHINE_AT] | dbi[DBI_MACHINE_AT + 1] << 8));
	}
	if (rc == 0)
		f->count = 1;
done:
	free(m.dir);
	return rc;
}

/* Reads the superblock and the directory, as nsym__pdb_read does. */
static int open_msf(struct msf *m)
{
	uint32_t map_block;
	int rc = read_superblock(m, &map_block);

	return rc == 0 ? read_directory(m, map_block) : rc;
}

int nsym__pdb_modules(struct nsym_pdb_modules *out, const struct nsym_bytes *file)
{
	struct msf m = {.file = file};
	unsigned char dbi[DBI_HEADER_SIZE], *all = NULL;
	uint32_t size;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = open_msf(&m);
	if (rc == 0)
		rc = read_stream_head(dbi, sizeof(dbi), &m, STREAM_DBI);
	if (rc == NSYM_ENOENT || (rc == 0 && memcmp(dbi, "\xff\xff\xff\xff", 4) != 0)) {
		rc = 0; /* no DBI stream: no modules */
		goto done;
	}
	if (rc != 0)
		goto done;
	size = le32(dbi + DBI_MODINFO_AT);
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
	rc = read_stream_head(all, DBI_HEADER_SIZE + (size_t)size, &m, STREAM_DBI);
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
		out->with_lines += le32(r + MODI_C13_AT) > 0;
		at = (uint32_t)(nul2 + 1 - (all + DBI_HEADER_SIZE));
		at = (at + 3) & ~3u;
	}
done:
	free(all);
	free(m.dir);
	return rc;
}
