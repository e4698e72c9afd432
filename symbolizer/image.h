/*
 * What the readers of Mach-O, PE and PDB files share with file.c, which
 * opens any binary and hands its mapped bytes to the reader its magic names.
 * A reader fills the images of an nsym_file from those bytes and keeps no
 * pointer into them: file.c unmaps the file once the reader returns.
 */
#ifndef NSYM_IMAGE_H
#define NSYM_IMAGE_H

#include "dwarf_buf.h"
#include "internal.h"

struct nsym_file {
	char *path;              /* the file read (inside a .dSYM bundle) */
	enum nsym_format format; /* container format */
	struct nsym_elf *elf;    /* ELF only: kept open, the identity borrows from it */
	struct nsym_identity elf_id;
	char *pdb_name; /* PE only: CodeView PDB name, owned */
	size_t count;   /* images in use */
	struct nsym_image images[NSYM_IMAGES_MAX];
};

/* A mapped file, and the name its errors are reported under. */
struct nsym_bytes {
	const unsigned char *data;
	size_t size;
	const char *path;
};

/*
 * A cursor over `size` bytes at `offset` of the file. When they are not all
 * in the file the cursor starts out bad, so its reads give 0 and the caller
 * notices at its next check of `bad`.
 */
static inline struct nsym_buf nsym__bytes_at(const struct nsym_bytes *file, uint64_t offset,
                                             uint64_t size, bool big_endian)
{
	struct nsym_buf b = {.big_endian = big_endian};

	if (offset > file->size || size > file->size - offset) {
		b.bad = true;
		return b;
	}
	b.p = file->data + offset;
	b.end = b.p + size;
	return b;
}

/* True when [offset, offset + size) lies within `limit` bytes. */
static inline bool nsym__range_fits(uint64_t offset, uint64_t size, uint64_t limit)
{
	return offset <= limit && size <= limit - offset;
}

/* The first 32 bytes of an MSF 7.0 file (a PDB); 'D' is kept out of the
 * hex escape. */
#define NSYM_MSF7_MAGIC                                                                            \
	"Microsoft C/C++ MSF 7.00\r\n\x1a"                                                         \
	"DS\0\0\0"

/* Architecture names shared by the readers ("x86_64", "arm64", ...) for a
 * PE/COFF machine number, which PDB DBI streams use too. */
const char *nsym__coff_arch(uint16_t machine);

/* macho.c: a thin or universal Mach-O file; sets format and every image. */
int nsym__macho_read(struct nsym_file *f, const struct nsym_bytes *file);
/* pe.c: a PE/COFF image; may set f->pdb_name. */
int nsym__pe_read(struct nsym_file *f, const struct nsym_bytes *file);
/* pdb.c: an MSF 7.0 program database. */
int nsym__pdb_read(struct nsym_file *f, const struct nsym_bytes *file);

#endif
