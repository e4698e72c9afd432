/*
 * Compressed ELF sections (SHF_COMPRESSED, zlib or zstd) of stored files,
 * inflated as a stream in bounded chunks and never held whole. The size a
 * section claims is read from its own compression header before a byte is
 * inflated, so a reply can be refused (413, 406) or sized (HEAD) for free,
 * and memory stays at a few buffers whatever the claim: a file's header is
 * only what its uploader wrote. The section route (route_buildid.c) serves
 * through it and uploads are checked with it (upload_sections.c), so both
 * read a section by the same rules.
 */
#ifndef NSYM_SERVER_SECTION_INFLATE_H
#define NSYM_SERVER_SECTION_INFLATE_H

#include <stddef.h>
#include <stdint.h>

/* The largest zstd window inflated, as a power of 2 (16 MiB): every level
 * short of --ultra compresses with 8 MiB or less, and zstd's own default
 * of 128 MiB would let each request for a crafted frame take that much. */
#define NSYM_ZSTD_WINDOW_LOG_MAX 24

/* What a section's compression header says, checked against the file. */
struct nsym_compressed {
	uint32_t type;           /* ch_type: ELFCOMPRESS_ZLIB (1) or ELFCOMPRESS_ZSTD (2) */
	uint64_t size;           /* ch_size: the bytes it claims to inflate to */
	uint64_t offset, length; /* the compressed stream: [offset, offset + length) of the file */
};

/*
 * Reads the compression header of the section at [sh_offset, sh_offset +
 * sh_size) of the ELF file fd (file_size bytes long, ident its e_ident) and
 * the first bytes of its stream. Inflates nothing and allocates nothing.
 * 0; NSYM_EUNSUPPORTED for a compression type other than zlib and zstd
 * (out->type says which); NSYM_ETRUNC when the section lies past the end
 * of the file, is too short for its header, or its stream cannot be one
 * of its type (a bad zlib or zstd header, a zstd frame that says it holds
 * more than the section claims, or more bytes claimed than zlib can make
 * of the stream's length, 1032 to 1 at best); NSYM_EIO when the file
 * cannot be read. *out_why is a static phrase for the log or a reply.
 */
int nsym_compressed_read(struct nsym_compressed *out, const char **out_why, int fd,
                         uint64_t file_size, const unsigned char *ident, uint64_t sh_offset,
                         uint64_t sh_size);

struct nsym_inflater;

/*
 * Starts inflating c's stream, read from fd (which must stay open until
 * nsym_inflater_close). Cheap: the codec is set up on the first read.
 * 0, or NSYM_ENOMEM.
 */
int nsym_inflater_open(struct nsym_inflater **out, int fd, const struct nsym_compressed *c);

/*
 * Inflates the stream's next bytes into buf (size > 0 bytes): *out_n of
 * them, 0 only once the stream has ended. The stream's own length is what
 * it is: the caller holds it to c->size. 0; NSYM_EIO when the file cannot
 * be read; NSYM_ETRUNC when the stream is corrupt, is cut before its end
 * marker, or needs a zstd window over NSYM_ZSTD_WINDOW_LOG_MAX;
 * NSYM_ENOMEM. After an error, nsym_inflater_error says what it was.
 */
int nsym_inflater_read(struct nsym_inflater *z, void *buf, size_t size, size_t *out_n);

/* What the last failed read met, as a phrase; "" before any. Lives as
 * long as z. */
const char *nsym_inflater_error(const struct nsym_inflater *z);

/* Frees z; accepts NULL. */
void nsym_inflater_close(struct nsym_inflater *z);

#endif
