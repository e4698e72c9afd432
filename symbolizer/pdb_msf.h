/*
 * The MSF 7.0 container of a PDB (pdb_msf.c): fixed-size blocks, a
 * superblock in block 0, a block map naming the blocks of the stream
 * directory, and the directory naming every stream's size and blocks. A
 * stream is read through its block list, so its bytes need not be
 * contiguous in the file; where they are, readers point into the mapping.
 * Layout: LLVM's docs/PDB/MsfFile.rst.
 */
#ifndef NSYM_PDB_MSF_H
#define NSYM_PDB_MSF_H

#include "image.h"

#define NSYM_MSF_NIL_STREAM 0xffffffffu /* a stream that was deleted */

struct nsym_msf {
	const struct nsym_bytes *file; /* borrowed: outlives the nsym_msf */
	uint32_t block_size, nblocks;
	unsigned char *dir; /* the stream directory, owned */
	uint32_t dir_size;
	uint32_t nstreams;
	uint64_t *lists; /* per stream: the u32 index in dir of its block list */
};

/* One stream: its size and where its block list lies in the directory. */
struct nsym_msf_stream {
	const struct nsym_msf *msf;
	uint32_t index, size;
	const unsigned char *blocks; /* little-endian u32 block numbers, in dir */
	const unsigned char *flat;   /* the whole stream in the mapping when its
	                                blocks follow each other, else NULL */
};

/* Reads the superblock and the directory. NSYM_ETRUNC with a detail when
 * they are damaged, NSYM_ENOMEM. Close with nsym__msf_close either way. */
int nsym__msf_open(struct nsym_msf *out, const struct nsym_bytes *file);
void nsym__msf_close(struct nsym_msf *m);

/*
 * Stream `index`, every block of which is checked against the file. `what`
 * names it in errors ("DBI stream"). NSYM_ENOENT (no detail) when the PDB
 * has no such stream, NSYM_ETRUNC with a detail when its entry is damaged.
 */
int nsym__msf_stream(struct nsym_msf_stream *out, const struct nsym_msf *m, uint32_t index,
                     const char *what);

/* Copies `size` bytes at `offset` of the stream; false when they are not
 * all in it. */
bool nsym__msf_read(void *out, const struct nsym_msf_stream *s, uint64_t offset, size_t size);

/* `size` bytes at `offset`: a pointer into the mapping when they lie in
 * one run of blocks, else copied into scratch (which holds `size`); NULL
 * when they are not all in the stream. */
const unsigned char *nsym__msf_view(const struct nsym_msf_stream *s, uint64_t offset, size_t size,
                                    unsigned char *scratch);

/*
 * `size` bytes at `offset` as one buffer: into the mapping when contiguous
 * there, else a copy that *out_owned holds (free it). NSYM_ETRUNC naming
 * `what` when the range is not all in the stream, NSYM_ENOMEM.
 */
int nsym__msf_load(const unsigned char **out, unsigned char **out_owned,
                   const struct nsym_msf_stream *s, uint64_t offset, uint64_t size,
                   const char *what);

static inline uint32_t nsym__le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint16_t nsym__le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

#endif
