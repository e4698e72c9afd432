/*
 * What the readers of Mach-O, PE and PDB files share with file.c, which
 * opens any binary and hands its mapped bytes to the reader its magic names.
 * A reader fills the images of an nsym_file from those bytes and keeps no
 * pointer into them: file.c unmaps the file once the reader returns.
 */
#ifndef NSYM_IMAGE_H
#define NSYM_IMAGE_H

#include "dwarf_buf.h"
#include "dwarf_internal.h"
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
/* Whether the first four bytes of a file, read big-endian, are a Mach-O
 * magic: thin in either byte order and size, or universal. */
bool nsym__macho_magic(uint32_t magic);

/* A slice's sections, as far as its symbols can number them. */
#define NSYM_MACHO_SECTIONS_MAX 255
struct nsym_macho_section {
	uint64_t addr, size;
	uint32_t flags;  /* S_ATTR_* and the section type */
	uint64_t offset; /* of its bytes in the file (not the slice) */
	bool in_file;    /* its bytes are there: a dSYM keeps only the headers */
};

/* What the symbolizer reads of one thin image, file offsets from the start
 * of the file (not of the slice). A size of 0 means absent. */
struct nsym_macho_layout {
	bool big_endian, is64;
	bool has_text;
	uint64_t text_vmaddr, text_vmsize; /* the __TEXT segment */
	struct {
		uint64_t offset, size;
	} dwarf[NSYM_DW_COUNT]; /* in the __DWARF segment */
	uint64_t symoff, stroff;
	uint32_t nsyms, strsize;
	struct nsym_macho_section sects[NSYM_MACHO_SECTIONS_MAX];
	uint32_t nsects;
	uint32_t text_sect; /* 1-based number of (__TEXT,__text) in sects; 0: none */
};

/* Reads the thin image at [offset, offset + size) of file, as
 * nsym__macho_read does, recording its layout too. */
int nsym__macho_layout(struct nsym_macho_layout *out, struct nsym_image *image,
                       const struct nsym_bytes *file, uint64_t offset, uint64_t size);

/* file.c: a .dSYM bundle folder resolved to its DWARF file, anything else
 * copied as it is (free it); and a file mapped read-only (munmap it). */
int nsym__resolve_path(char **out, const char *path);
int nsym__map_file(struct nsym_bytes *out, const char *path);
/* pe.c: a PE/COFF image; may set f->pdb_name. */
int nsym__pe_read(struct nsym_file *f, const struct nsym_bytes *file);

/* What the symbolizer reads of a PE image besides its identity: sections
 * (the first NSYM_PE_SECTIONS_MAX, the Windows loader's limit), names
 * resolved through the COFF string table, every one checked to lie in the
 * file), the export directory and the COFF symbol table. */
#define NSYM_PE_SECTIONS_MAX 96
struct nsym_pe_section {
	char name[64];
	uint32_t rva, vsize, raw_offset, raw_size, characteristics;
};
struct nsym_pe_layout {
	uint16_t machine;
	uint64_t image_base; /* ImageBase: where RVAs start */
	uint32_t headers_size;
	struct nsym_pe_section sections[NSYM_PE_SECTIONS_MAX];
	uint32_t nsections;
	uint32_t export_rva, export_size; /* 0: no export directory */
	uint32_t symtab, nsyms;           /* COFF symbols: file offset and count */
	uint64_t strtab_at;               /* their string table, or 0 */
};
/* Reads the image as nsym__pe_read does, recording its layout too. */
int nsym__pe_layout(struct nsym_pe_layout *out, struct nsym_file *f, const struct nsym_bytes *file);
/* pdb.c: an MSF 7.0 program database. */
int nsym__pdb_read(struct nsym_file *f, const struct nsym_bytes *file);
/* The modules (compilands) a PDB's DBI stream lists, and how many of them
 * carry line numbers; both 0 without a DBI stream. */
struct nsym_pdb_modules {
	uint32_t count, with_lines;
};
int nsym__pdb_modules(struct nsym_pdb_modules *out, const struct nsym_bytes *file);

#endif
