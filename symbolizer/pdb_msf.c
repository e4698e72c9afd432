/*
 * The MSF 7.0 container under every PDB (see pdb_msf.h). Only the stream
 * directory is read whole (at most BlockSize / 4 blocks, 4 MiB); streams
 * are read through their block lists. Every block number is checked
 * against the block count, and the block count against the file, before a
 * byte of the block is touched.
 */
#include <stdlib.h>
#include <string.h>

#include "pdb_msf.h"

#define MSF7_MAGIC_SIZE 32 /* NSYM_MSF7_MAGIC, which file.c checks */
#define SUPERBLOCK_SIZE 56

static bool valid_block_size(uint32_t size)
{
	return size == 512 || size == 1024 || size == 2048 || size == 4096;
}

static uint64_t blocks_for(uint64_t bytes, uint32_t block_size)
{
	return (bytes + block_size - 1) / block_size;
}

/* The bytes of block n, which must be below the block count. */
static const unsigned char *block(const struct nsym_msf *m, uint32_t n)
{
	return m->file->data + (uint64_t)n * m->block_size;
}

static int read_superblock(struct nsym_msf *m, uint32_t *out_map_block)
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

/* Gathers the directory, whose blocks the block map lists, and finds
 * where each stream's block list starts in it. */
static int read_directory(struct nsym_msf *m, uint32_t map_block)
{
	const char *path = m->file->path;
	const unsigned char *map = block(m, map_block);
	uint32_t nblocks = (uint32_t)blocks_for(m->dir_size, m->block_size);
	uint64_t list;

	if (nblocks > m->nblocks)
		return nsym__fail(NSYM_ETRUNC, path, "stream directory past end of file");
	m->dir = malloc(m->dir_size);
	if (m->dir == NULL)
		return nsym__fail(NSYM_ENOMEM, path, NULL);
	for (uint32_t i = 0; i < nblocks; i++) {
		uint32_t n = nsym__le32(map + 4 * i);
		uint32_t at = i * m->block_size;
		uint32_t take = m->dir_size - at < m->block_size ? m->dir_size - at : m->block_size;
		if (n >= m->nblocks)
			return nsym__fail(NSYM_ETRUNC, path,
			                  "stream directory block %u is past end of file", n);
		memcpy(m->dir + at, block(m, n), take);
	}
	m->nstreams = nsym__le32(m->dir);
	if (m->nstreams > (m->dir_size - 4) / 4)
		return nsym__fail(NSYM_ETRUNC, path,
		                  "stream directory lists %u streams but holds only %u bytes",
		                  m->nstreams, m->dir_size);
	m->lists = malloc(((size_t)m->nstreams + 1) * sizeof(*m->lists));
	if (m->lists == NULL)
		return nsym__fail(NSYM_ENOMEM, path, NULL);
	/* the block lists follow the sizes, in stream order; a damaged size
	 * shows when a stream after it is opened */
	list = 1 + (uint64_t)m->nstreams;
	for (uint32_t i = 0; i < m->nstreams; i++) {
		uint32_t s = nsym__le32(m->dir + 4 + 4 * (uint64_t)i);
		m->lists[i] = list;
		if (s != NSYM_MSF_NIL_STREAM)
			list += blocks_for(s, m->block_size);
	}
	return 0;
}

int nsym__msf_open(struct nsym_msf *out, const struct nsym_bytes *file)
{
	uint32_t map_block;
	int rc;

	memset(out, 0, sizeof(*out));
	out->file = file;
	rc = read_superblock(out, &map_block);
	return rc == 0 ? read_directory(out, map_block) : rc;
}

void nsym__msf_close(struct nsym_msf *m)
{
	if (m == NULL)
		return;
	free(m->dir);
	free(m->lists);
	m->dir = NULL;
	m->lists = NULL;
}

int nsym__msf_stream(struct nsym_msf_stream *out, const struct nsym_msf *m, uint32_t index,
                     const char *what)
{
	const char *path = m->file->path;
	uint64_t n, dir_words = m->dir_size / 4;
	uint32_t size, prev = 0;
	bool flat = true;

	memset(out, 0, sizeof(*out));
	if (index >= m->nstreams)
		return NSYM_ENOENT;
	size = nsym__le32(m->dir + 4 + 4 * (uint64_t)index);
	if (size == NSYM_MSF_NIL_STREAM)
		return NSYM_ENOENT;
	if ((uint64_t)size > (uint64_t)m->nblocks * m->block_size)
		return nsym__fail(NSYM_ETRUNC, path,
		                  "%s (stream %u, %u bytes) is larger than the file (truncated?)",
		                  what, index, size);
	n = blocks_for(size, m->block_size);
	if (m->lists[index] + n > dir_words)
		return nsym__fail(NSYM_ETRUNC, path,
		                  "stream %u's block list runs past the stream directory (%s)",
		                  index, what);
	out->msf = m;
	out->index = index;
	out->size = size;
	out->blocks = m->dir + 4 * m->lists[index];
	for (uint64_t i = 0; i < n; i++) {
		uint32_t b = nsym__le32(out->blocks + 4 * i);
		if (b >= m->nblocks)
			return nsym__fail(NSYM_ETRUNC, path,
			                  "stream %u: block %u is past end of file (%s)", index, b,
			                  what);
		flat &= i == 0 || b == prev + 1;
		prev = b;
	}
	if (n > 0 && flat)
		out->flat = block(m, nsym__le32(out->blocks));
	return 0;
}

bool nsym__msf_read(void *out, const struct nsym_msf_stream *s, uint64_t offset, size_t size)
{
	const struct nsym_msf *m = s->msf;
	unsigned char *to = out;

	if (offset > s->size || size > s->size - offset)
		return false;
	if (s->flat != NULL) {
		memcpy(to, s->flat + offset, size);
		return true;
	}
	while (size > 0) {
		uint64_t i = offset / m->block_size;
		uint32_t within = (uint32_t)(offset % m->block_size);
		size_t take = m->block_size - within < size ? m->block_size - within : size;
		memcpy(to, block(m, nsym__le32(s->blocks + 4 * i)) + within, take);
		to += take;
		offset += take;
		size -= take;
	}
	return true;
}

/* The bytes at [offset, offset + size) of the stream, which the caller
 * checked are in it, as a pointer into the mapping when they lie in one
 * run of blocks; NULL when they do not. */
static const unsigned char *in_place(const struct nsym_msf_stream *s, uint64_t offset, size_t size)
{
	const struct nsym_msf *m = s->msf;
	uint64_t first, last;

	if (s->flat != NULL)
		return s->flat + offset;
	first = offset / m->block_size;
	last = size > 0 ? (offset + size - 1) / m->block_size : first;
	for (uint64_t i = first + 1; i <= last; i++) {
		if (nsym__le32(s->blocks + 4 * i) != nsym__le32(s->blocks + 4 * (i - 1)) + 1)
			return NULL;
	}
	return block(m, nsym__le32(s->blocks + 4 * first)) + offset % m->block_size;
}

const unsigned char *nsym__msf_view(const struct nsym_msf_stream *s, uint64_t offset, size_t size,
                                    unsigned char *scratch)
{
	const unsigned char *p;

	if (offset > s->size || size > s->size - offset)
		return NULL;
	p = in_place(s, offset, size);
	if (p != NULL)
		return p;
	nsym__msf_read(scratch, s, offset, size);
	return scratch;
}

int nsym__msf_load(const unsigned char **out, unsigned char **out_owned,
                   const struct nsym_msf_stream *s, uint64_t offset, uint64_t size,
                   const char *what)
{
	const struct nsym_msf *m = s->msf;
	unsigned char *copy;

	*out = NULL;
	*out_owned = NULL;
	if (offset > s->size || size > s->size - offset)
		return nsym__fail(NSYM_ETRUNC, m->file->path,
		                  "%s: %llu bytes at %llu run past the end of stream %u (%u bytes)",
		                  what, (unsigned long long)size, (unsigned long long)offset,
		                  s->index, s->size);
	if (size == 0) {
		*out = (const unsigned char *)"";
		return 0;
	}
	*out = in_place(s, offset, (size_t)size);
	if (*out != NULL)
		return 0;
	copy = malloc((size_t)size);
	if (copy == NULL)
		return nsym__fail(NSYM_ENOMEM, m->file->path, NULL);
	nsym__msf_read(copy, s, offset, (size_t)size);
	*out = copy;
	*out_owned = copy;
	return 0;
}
