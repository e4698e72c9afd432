/*
 * PE/COFF identity. A symbol server keys the image itself by the COFF
 * TimeDateStamp and the optional header's SizeOfImage, and its PDB by the
 * GUID and age of the CodeView (RSDS) record in the debug directory, which
 * also names the PDB. Both come from headers, read here with every offset
 * checked against the file: the DOS header's e_lfanew, the COFF header, the
 * optional header (PE32 or PE32+), the section table (to turn the debug
 * directory's RVA into a file offset), then the debug directory entries.
 *
 * MSVC and lld-link keep the debug info in the PDB, so a PE image normally
 * has none; mingw links keep DWARF in sections whose long names
 * (".debug_info") live in the COFF string table, and those are counted.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"

#define COFF_HEADER_SIZE    20
#define SECTION_HEADER_SIZE 40
#define DEBUG_ENTRY_SIZE    28
#define SYMBOL_SIZE         18 /* a COFF symbol table entry */

#define PE32_MAGIC     0x10b
#define PE32PLUS_MAGIC 0x20b

#define IMAGE_FILE_EXECUTABLE_IMAGE 0x0002
#define IMAGE_FILE_DLL              0x2000

#define DIR_EXPORT   0
#define DIR_SECURITY 4 /* its "RVA" is a file offset */
#define DIR_DEBUG    6

#define IMAGE_DEBUG_TYPE_CODEVIEW 2
#define CV_SIGNATURE_RSDS         0x53445352u /* "RSDS" */
#define CV_RSDS_HEADER_SIZE       24          /* signature, GUID, age */

const char *nsym__coff_arch(uint16_t machine)
{
	switch (machine) {
	case 0x8664:
		return "x86_64";
	case 0xaa64:
		return "arm64";
	case 0xa641:
		return "arm64ec";
	case 0x14c:
		return "i386";
	case 0x1c0:
	case 0x1c2:
	case 0x1c4:
		return "arm";
	}
	return "unknown";
}

struct section {
	char name[9];
	uint32_t virtual_size, virtual_address, raw_size, raw_offset, characteristics;
};

struct pe {
	const struct nsym_bytes *file;
	uint64_t sections_at; /* file offset of the section table */
	uint16_t nsections;
	uint64_t strtab_at;    /* file offset of the COFF string table, or 0 */
	uint32_t headers_size; /* SizeOfHeaders */
	struct nsym_pe_layout *layout;
};

static int fail(const struct pe *pe, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(const struct pe *pe, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return nsym__fail(NSYM_ETRUNC, pe->file->path, "%s", msg);
}

static void section_at(struct section *out, const struct pe *pe, uint16_t i)
{
	struct nsym_buf b =
	    nsym__bytes_at(pe->file, pe->sections_at + (uint64_t)i * SECTION_HEADER_SIZE,
	                   SECTION_HEADER_SIZE, false);

	memset(out, 0, sizeof(*out));
	if (b.bad)
		return; /* not reached: the table was checked when the headers were read */
	memcpy(out->name, b.p, 8);
	out->name[8] = '\0';
	/* the name may end up in an error detail, which is one line */
	for (char *c = out->name; *c != '\0'; c++) {
		if (*c < 0x20 || *c == 0x7f)
			*c = '?';
	}
	b.p += 8;
	out->virtual_size = (uint32_t)nsym_buf_uint(&b, 4);
	out->virtual_address = (uint32_t)nsym_buf_uint(&b, 4);
	out->raw_size = (uint32_t)nsym_buf_uint(&b, 4);
	out->raw_offset = (uint32_t)nsym_buf_uint(&b, 4);
	nsym_buf_skip(&b, 12); /* relocations and line numbers */
	out->characteristics = (uint32_t)nsym_buf_uint(&b, 4);
}

/*
 * The file offset of `size` bytes at `rva`, found through the section that
 * holds them (or the headers); false when no section holds all of them.
 */
static bool rva_to_offset(uint64_t *out, const struct pe *pe, uint32_t rva, uint32_t size)
{
	if (rva < pe->headers_size && nsym__range_fits(rva, size, pe->headers_size)) {
		*out = rva;
		return true;
	}
	for (uint16_t i = 0; i < pe->nsections; i++) {
		struct section s;
		section_at(&s, pe, i);
		if (rva < s.virtual_address)
			continue;
		if (nsym__range_fits(rva - s.virtual_address, size, s.raw_size)) {
			*out = (uint64_t)s.raw_offset + (rva - s.virtual_address);
			return true;
		}
	}
	return false;
}

/* A section's real name: short names are inline, longer ones ("/4") are an
 * offset into the string table after the COFF symbols. Writes "" when it
 * cannot be found. */
static void section_name(char *out, size_t size, const struct pe *pe, const struct section *s)
{
	uint64_t offset = 0;
	const unsigned char *start;
	size_t len;

	out[0] = '\0';
	if (s->name[0] != '/') {
		snprintf(out, size, "%s", s->name);
		return;
	}
	for (const char *p = s->name + 1; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return; /* "//" base-64 offsets: never a .debug_ name in practice */
		offset = offset * 10 + (uint64_t)(*p - '0');
	}
	if (pe->strtab_at == 0 || pe->strtab_at + offset >= pe->file->size)
		return;
	start = pe->file->data + pe->strtab_at + offset;
	len = strnlen((const char *)start, pe->file->size - (pe->strtab_at + offset));
	if (len >= size)
		len = size - 1;
	memcpy(out, start, len);
	out[len] = '\0';
}

/* Checks every section against the file, and adds up the DWARF ones. */
static int read_sections(struct nsym_image *out, const struct pe *pe)
{
	for (uint16_t i = 0; i < pe->nsections; i++) {
		struct section s;
		char name[64];

		section_at(&s, pe, i);
		if (s.raw_size > 0 && !nsym__range_fits(s.raw_offset, s.raw_size, pe->file->size))
			return fail(
			    pe, "section %u (%.8s) extends past the end of the file (truncated?)",
			    i, s.name);
		section_name(name, sizeof(name), pe, &s);
		if (i < NSYM_PE_SECTIONS_MAX) {
			struct nsym_pe_section *to = &pe->layout->sections[i];
			snprintf(to->name, sizeof(to->name), "%s", name);
			to->rva = s.virtual_address;
			to->vsize = s.virtual_size;
			to->raw_offset = s.raw_offset;
			to->raw_size = s.raw_size;
			to->characteristics = s.characteristics;
			pe->layout->nsections = i + 1u;
		}
		if (strncmp(name, ".debug_", 7) != 0 || s.raw_size == 0)
			continue;
		/* raw data is padded to FileAlignment; VirtualSize is the content */
		out->debug_bytes += s.virtual_size != 0 && s.virtual_size < s.raw_size
		                        ? s.virtual_size
		                        : s.raw_size;
		if (strcmp(name, ".debug_info") == 0)
			out->has_debug_info = 1;
	}
	return 0;
}

/* Reads the first CodeView RSDS record the debug directory points at. */
static int read_codeview(struct nsym_file *f, struct nsym_image *out, const struct pe *pe,
                         uint32_t rva, uint32_t size)
{
	uint64_t at;
	struct nsym_buf dir;

	if (rva == 0 || size == 0)
		return 0;
	if (!rva_to_offset(&at, pe, rva, size))
		return fail(pe, "debug directory (RVA %#x, %u bytes) is outside every section", rva,
		            size);
	dir = nsym__bytes_at(pe->file, at, size, false);
	if (dir.bad)
		return fail(pe, "debug directory is past the end of the file (truncated?)");
	for (uint32_t i = 0; i < size / DEBUG_ENTRY_SIZE; i++) {
		uint32_t type, data_size, data_rva, data_ptr;
		struct nsym_buf cv;
		const unsigned char *name;
		size_t name_len;
		uint64_t data_at;

		nsym_buf_skip(&dir, 12); /* characteristics, timestamp, version */
		type = (uint32_t)nsym_buf_uint(&dir, 4);
		data_size = (uint32_t)nsym_buf_uint(&dir, 4);
		data_rva = (uint32_t)nsym_buf_uint(&dir, 4);
		data_ptr = (uint32_t)nsym_buf_uint(&dir, 4);
		if (type != IMAGE_DEBUG_TYPE_CODEVIEW)
			continue;
		/* PointerToRawData is the file offset; AddressOfRawData the
		 * RVA, for images whose loader dropped the former */
		data_at = data_ptr;
		if (data_ptr == 0 && !rva_to_offset(&data_at, pe, data_rva, data_size))
			return fail(pe, "CodeView record %u is outside every section", i);
		cv = nsym__bytes_at(pe->file, data_at, data_size, false);
		if (cv.bad)
			return fail(
			    pe, "CodeView record %u is past the end of the file (truncated?)", i);
		/* NEEDSWORK: the older NB10 form (timestamp instead of GUID)
		 * is not read; no current toolchain writes it */
		if (data_size < CV_RSDS_HEADER_SIZE || nsym_buf_uint(&cv, 4) != CV_SIGNATURE_RSDS)
			continue;
		memcpy(out->uuid, cv.p, 16);
		cv.p += 16;
		out->age = (uint32_t)nsym_buf_uint(&cv, 4);
		out->has_uuid = 1;
		name = cv.p;
		name_len = strnlen((const char *)name, (size_t)(cv.end - cv.p));
		if (name_len > 0) {
			f->pdb_name = malloc(name_len + 1);
			if (f->pdb_name == NULL)
				return nsym__fail(NSYM_ENOMEM, pe->file->path, NULL);
			memcpy(f->pdb_name, name, name_len);
			f->pdb_name[name_len] = '\0';
			out->pdb_name = f->pdb_name;
		}
		return 0;
	}
	return 0;
}

int nsym__pe_read(struct nsym_file *f, const struct nsym_bytes *file)
{
	struct nsym_pe_layout *layout = malloc(sizeof(*layout));
	int rc;

	if (layout == NULL)
		return nsym__fail(NSYM_ENOMEM, file->path, NULL);
	rc = nsym__pe_layout(layout, f, file);
	free(layout);
	return rc;
}

int nsym__pe_layout(struct nsym_pe_layout *layout, struct nsym_file *f,
                    const struct nsym_bytes *file)
{
	struct nsym_image *out = &f->images[0];
	struct pe pe = {.file = file, .layout = layout};
	struct nsym_buf b = nsym__bytes_at(file, 0x3c, 4, false);
	uint32_t lfanew = (uint32_t)nsym_buf_uint(&b, 4);
	uint32_t symtab, nsyms, ndirs, debug_rva = 0, debug_size = 0;
	uint16_t machine, characteristics, opt_size, opt_magic;
	uint64_t opt_at;
	int rc;

	memset(layout, 0, sizeof(*layout));
	if (b.bad)
		return fail(&pe, "DOS header is truncated");
	b = nsym__bytes_at(file, lfanew, 4 + COFF_HEADER_SIZE, false);
	if (b.bad)
		return fail(&pe, "PE header offset %#x is past the end of the file", lfanew);
	if (memcmp(b.p, "PE\0\0", 4) != 0)
		return nsym__fail(NSYM_ENOTELF, file->path,
		                  "an MZ file without a PE header (a DOS program?)");
	b.p += 4;
	machine = (uint16_t)nsym_buf_uint(&b, 2);
	pe.nsections = (uint16_t)nsym_buf_uint(&b, 2);
	out->timestamp = (uint32_t)nsym_buf_uint(&b, 4);
	symtab = (uint32_t)nsym_buf_uint(&b, 4);
	nsyms = (uint32_t)nsym_buf_uint(&b, 4);
	opt_size = (uint16_t)nsym_buf_uint(&b, 2);
	characteristics = (uint16_t)nsym_buf_uint(&b, 2);

	opt_at = (uint64_t)lfanew + 4 + COFF_HEADER_SIZE;
	b = nsym__bytes_at(file, opt_at, opt_size, false);
	opt_magic = (uint16_t)nsym_buf_uint(&b, 2);
	if (b.bad || opt_size < 2)
		return fail(&pe, "optional header is truncated or missing");
	if (opt_magic != PE32_MAGIC && opt_magic != PE32PLUS_MAGIC)
		return fail(&pe, "unknown optional header magic %#x", opt_magic);
	/* ImageBase: 4 bytes at 28 in PE32, 8 at 24 in PE32+ */
	nsym_buf_skip(&b, opt_magic == PE32_MAGIC ? 26 : 22);
	layout->image_base = nsym_buf_uint(&b, opt_magic == PE32_MAGIC ? 4 : 8);
	nsym_buf_skip(&b, 24); /* to SizeOfImage, at 56 in both forms */
	out->size_of_image = (uint32_t)nsym_buf_uint(&b, 4);
	pe.headers_size = (uint32_t)nsym_buf_uint(&b, 4);
	nsym_buf_skip(&b, opt_magic == PE32_MAGIC ? 28 : 44); /* to NumberOfRvaAndSizes */
	ndirs = (uint32_t)nsym_buf_uint(&b, 4);
	if (b.bad)
		return fail(&pe, "optional header is truncated (%u bytes)", opt_size);
	for (uint32_t i = 0; i < ndirs && i <= DIR_DEBUG; i++) {
		uint32_t rva = (uint32_t)nsym_buf_uint(&b, 4),
		         size = (uint32_t)nsym_buf_uint(&b, 4);
		if (b.bad)
			return fail(&pe, "data directory %u is past the optional header", i);
		if (i == DIR_SECURITY && size > 0 && !nsym__range_fits(rva, size, file->size))
			return fail(&pe,
			            "certificate table is past the end of the file (truncated?)");
		if (i == DIR_DEBUG) {
			debug_rva = rva;
			debug_size = size;
		}
		if (i == DIR_EXPORT) {
			layout->export_rva = rva;
			layout->export_size = size;
		}
	}

	pe.sections_at = opt_at + opt_size;
	if (!nsym__range_fits(pe.sections_at, (uint64_t)pe.nsections * SECTION_HEADER_SIZE,
	                      file->size))
		return fail(&pe, "section table (%u sections) is past the end of the file",
		            pe.nsections);
	/* Images rarely keep COFF symbols; mingw ones do, and the string
	 * table after them holds the long section names. Like LLVM's
	 * COFFObjectFile, refuse tables past the end and read a size below 4
	 * (the size field itself) as 4. */
	if (symtab != 0) {
		uint64_t strtab = symtab + (uint64_t)nsyms * SYMBOL_SIZE;
		uint32_t strtab_size;
		b = nsym__bytes_at(file, strtab, 4, false);
		strtab_size = (uint32_t)nsym_buf_uint(&b, 4);
		if (b.bad ||
		    !nsym__range_fits(strtab, strtab_size < 4 ? 4 : strtab_size, file->size))
			return fail(&pe,
			            "COFF symbol table (%u symbols) or its string table is past "
			            "the end of the file (truncated?)",
			            nsyms);
		pe.strtab_at = strtab;
		layout->symtab = symtab;
		layout->nsyms = nsyms;
		layout->strtab_at = strtab;
	}
	layout->machine = machine;
	layout->headers_size = pe.headers_size;

	f->format = NSYM_FORMAT_PE;
	out->format = NSYM_FORMAT_PE;
	out->arch = nsym__coff_arch(machine);
	out->kind = characteristics & IMAGE_FILE_DLL                ? "shared library"
	            : characteristics & IMAGE_FILE_EXECUTABLE_IMAGE ? "executable"
	                                                            : "other";
	out->offset = 0;
	out->size = file->size;
	rc = read_sections(out, &pe);
	if (rc == 0)
		rc = read_codeview(f, out, &pe, debug_rva, debug_size);
	if (rc == 0)
		f->count = 1;
	return rc;
}
