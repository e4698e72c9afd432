/*
 * Shared by the Mach-O side of `split`: split_macho.c (the dSYM check, the
 * universal header, the output), macho_strip.c (one thin image rewritten
 * without its local symbols and debug map) and macho_sign.c (its ad-hoc
 * code signature made anew).
 */
#ifndef NSYM_SPLIT_MACHO_H
#define NSYM_SPLIT_MACHO_H

#include "image.h"

/* ---- macho_strip.c ------------------------------------------------------ */

/*
 * One thin image as it is written: its header and load commands (patched),
 * then the input's bytes from there up to __LINKEDIT unchanged, then the new
 * __LINKEDIT. An image with nothing to drop keeps head NULL and is copied
 * whole. Offsets are from the start of the image.
 */
struct nsym_macho_strip {
	uint64_t in_offset, in_size; /* the image in the input file */
	unsigned char *head;         /* header and load commands; owned, or NULL */
	size_t head_size;
	uint64_t linkedit_at;    /* where the new __LINKEDIT starts */
	unsigned char *linkedit; /* its bytes; owned */
	size_t linkedit_size;
	uint64_t size; /* of the image written */
	uint32_t cputype, cpusubtype;
	uint32_t symbols_before, symbols_after;
	bool has_debug_map; /* N_OSO stabs: dsymutil can still read the objects */
	bool resigned;
};

/*
 * Plans the image at [offset, offset + size) of file without its debug-map
 * stabs and, unless keep_symbols, its local symbols. `where` prefixes
 * messages ("arm64 slice: ", or ""). Errors: NSYM_ETRUNC (damaged),
 * NSYM_EUNSUPPORTED (a layout or signature it cannot rewrite, named),
 * NSYM_ENOMEM. Free with nsym__macho_strip_free, on failure too.
 */
int nsym__macho_strip(struct nsym_macho_strip *out, const struct nsym_bytes *file, uint64_t offset,
                      uint64_t size, bool keep_symbols, const char *where);
void nsym__macho_strip_free(struct nsym_macho_strip *s);

/* ---- macho_sign.c ------------------------------------------------------- */

#define NSYM_CS_BLOBS_MAX 16

/* One blob of an embedded signature. */
struct nsym_cs_blob {
	uint32_t type;         /* its slot: 0 the CodeDirectory, 0x10000 the CMS blob */
	uint32_t offset, size; /* in the old SuperBlob */
	uint32_t index;        /* its place in the blob index */
	bool directory;        /* a CodeDirectory: rewritten */
	uint32_t hash_offset;  /* CodeDirectory: code slot 0, from its start */
	uint8_t hash_type;     /* CS_HASHTYPE_* */
	uint8_t hash_size;     /* bytes per slot */
	uint8_t page_shift;    /* log2 of the bytes a code slot hashes */
};

/* How an old signature becomes a new one. */
struct nsym_cs_plan {
	const unsigned char *old; /* the old SuperBlob; borrowed */
	uint32_t old_size;
	uint32_t count;
	struct nsym_cs_blob blobs[NSYM_CS_BLOBS_MAX]; /* by offset */
};

/* The bytes the new signature of an image is hashed over: the parts in
 * turn, code_limit bytes in all. */
struct nsym_cs_code {
	const unsigned char *part[3];
	size_t size[3];
};

/*
 * Reads the old signature (`size` bytes at sig) and checks that it can be
 * made again: ad hoc, SHA-1 or SHA-256 pages. NSYM_EUNSUPPORTED for a
 * signature with a certificate, NSYM_ETRUNC when damaged; the detail names
 * path and where.
 */
int nsym__cs_plan(struct nsym_cs_plan *out, const unsigned char *sig, size_t size, const char *path,
                  const char *where);
/* The bytes the new signature takes for code_limit bytes of code, padded
 * to 16 as linkers leave it. */
uint64_t nsym__cs_size(const struct nsym_cs_plan *p, uint64_t code_limit);
/* Writes the new signature into out (nsym__cs_size bytes, zeroed). 0 or
 * NSYM_ENOMEM. */
int nsym__cs_write(unsigned char *out, const struct nsym_cs_plan *p,
                   const struct nsym_cs_code *code, uint64_t code_limit, const char *path);

#endif
