/*
 * A PE image opened for lookups, kept mapped: its identity (the CodeView
 * record naming its PDB), the image base that turns RVAs into the virtual
 * addresses lookups take, its sections (which a PDB without a copy of the
 * section headers borrows), the DWARF sections that mingw links keep, and
 * names for code no debug file describes: the export table, and the COFF
 * symbol table when the image kept one (mingw does).
 *
 * Export names are read as llvm-symbolizer reads them
 * (SymbolizableObjectFile::addCoffExportSymbols): every exported RVA that
 * is not a forwarder, each reaching to the next symbol; here, since the
 * symbols have no size, to the end of their section.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "code.h"
#include "pe_object.h"

#define IMAGE_SCN_CNT_CODE       0x00000020u
#define IMAGE_SCN_MEM_EXECUTE    0x20000000u
#define EXPORT_DIR_SIZE          40
#define SYMBOL_SIZE              18
#define COFF_FUNCTION_TYPE       0x20 /* DTYPE_FUNCTION << 4 */
#define IMAGE_SYM_CLASS_EXTERNAL 2
#define IMAGE_SYM_CLASS_STATIC   3
#define EXPORTS_MAX              (1u << 20)

struct nsym_pe {
	char *path;
	struct nsym_bytes bytes;
	struct nsym_file f; /* identity: images[0], pdb_name */
	struct nsym_pe_layout layout;
	char **names; /* short COFF symbol names, copied to end in NUL */
	size_t nnames, names_cap;
};

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int nsym__pe_open(struct nsym_pe **out, const char *path)
{
	struct nsym_pe *pe;
	int rc;

	*out = NULL;
	pe = calloc(1, sizeof(*pe));
	if (pe == NULL)
		return nsym__fail(NSYM_ENOMEM, path, NULL);
	pe->path = strdup(path);
	rc = pe->path != NULL ? nsym__map_file(&pe->bytes, pe->path)
	                      : nsym__fail(NSYM_ENOMEM, path, NULL);
	if (rc == 0) {
		pe->bytes.path = pe->path;
		pe->f.path = pe->path;
		rc = nsym__pe_layout(&pe->layout, &pe->f, &pe->bytes);
	}
	if (rc != 0) {
		nsym__pe_close(pe);
		return rc;
	}
	*out = pe;
	return 0;
}

void nsym__pe_close(struct nsym_pe *pe)
{
	if (pe == NULL)
		return;
	if (pe->bytes.data != NULL)
		munmap((void *)pe->bytes.data, pe->bytes.size);
	for (size_t i = 0; i < pe->nnames; i++)
		free(pe->names[i]);
	free(pe->names);
	free(pe->f.pdb_name);
	free(pe->path);
	free(pe);
}

const char *nsym__pe_path(const struct nsym_pe *pe)
{
	return pe->path;
}

const struct nsym_image *nsym__pe_image(const struct nsym_pe *pe)
{
	return &pe->f.images[0];
}

uint64_t nsym__pe_image_base(const struct nsym_pe *pe)
{
	return pe->layout.image_base;
}

size_t nsym__pe_sections(struct nsym_pdb_section *out, const struct nsym_pe *pe)
{
	for (uint32_t i = 0; i < pe->layout.nsections; i++) {
		const struct nsym_pe_section *s = &pe->layout.sections[i];
		out[i] = (struct nsym_pdb_section){
		    .rva = s->rva, .size = s->vsize, .characteristics = s->characteristics};
	}
	return pe->layout.nsections;
}

/* A section's bytes in the file: its content (VirtualSize), or all of its
 * raw data when that is shorter or the size is not given. */
static uint32_t content_size(const struct nsym_pe_section *s)
{
	return s->vsize != 0 && s->vsize < s->raw_size ? s->vsize : s->raw_size;
}

bool nsym__pe_has_dwarf(const struct nsym_pe *pe)
{
	for (uint32_t i = 0; i < pe->layout.nsections; i++) {
		if (strcmp(pe->layout.sections[i].name, ".debug_info") == 0 &&
		    pe->layout.sections[i].raw_size > 0)
			return true;
	}
	return false;
}

int nsym__pe_dwarf_sections(struct nsym_dwarf_sections *out, const struct nsym_pe *pe)
{
	memset(out, 0, sizeof(*out));
	out->path = pe->path;
	for (uint32_t i = 0; i < pe->layout.nsections; i++) {
		const struct nsym_pe_section *s = &pe->layout.sections[i];
		for (int k = 0; k < NSYM_DW_COUNT; k++) {
			if (strcmp(s->name, nsym__dw_elf_name((enum nsym_dw_section)k)) != 0 ||
			    out->sec[k].data != NULL || s->raw_size == 0)
				continue;
			/* pe.c checked the raw data lies in the file */
			out->sec[k].data = pe->bytes.data + s->raw_offset;
			out->sec[k].size = content_size(s);
		}
	}
	if (out->sec[NSYM_DW_INFO].data == NULL)
		return nsym__fail(NSYM_ENODEBUG, pe->path, "no DWARF debug information");
	return 0;
}

static bool is_code(const struct nsym_pe_section *s)
{
	return (s->characteristics & (IMAGE_SCN_CNT_CODE | IMAGE_SCN_MEM_EXECUTE)) != 0 &&
	       s->vsize > 0;
}

/* The code section that holds rva, or NULL. */
static const struct nsym_pe_section *code_section(const struct nsym_pe *pe, uint32_t rva)
{
	for (uint32_t i = 0; i < pe->layout.nsections; i++) {
		const struct nsym_pe_section *s = &pe->layout.sections[i];
		if (is_code(s) && rva >= s->rva && rva - s->rva < s->vsize)
			return s;
	}
	return NULL;
}

/* The file offset of `size` bytes at rva, or false. */
static bool rva_to_file(uint64_t *out, const struct nsym_pe *pe, uint32_t rva, uint32_t size)
{
	for (uint32_t i = 0; i < pe->layout.nsections; i++) {
		const struct nsym_pe_section *s = &pe->layout.sections[i];
		if (rva >= s->rva && nsym__range_fits(rva - s->rva, size, s->raw_size)) {
			*out = (uint64_t)s->raw_offset + (rva - s->rva);
			return true;
		}
	}
	return false;
}

/* A NUL-terminated string at rva, or NULL. */
static const char *string_at(const struct nsym_pe *pe, uint32_t rva)
{
	uint64_t at;
	const char *s;

	if (!rva_to_file(&at, pe, rva, 1))
		return NULL;
	s = (const char *)pe->bytes.data + at;
	return memchr(s, '\0', pe->bytes.size - at) != NULL ? s : NULL;
}

static int add_symbol(struct nsym_symtab *st, const struct nsym_pe *pe, uint32_t rva,
                      const char *name)
{
	const struct nsym_pe_section *s = code_section(pe, rva);

	if (s == NULL || name == NULL || name[0] == '\0')
		return 0; /* data, or nothing to name */
	if (nsym__grow((void **)&st->syms, &st->capacity, st->count + 1, sizeof(*st->syms)) != 0)
		return nsym__fail(NSYM_ENOMEM, pe->path, NULL);
	st->syms[st->count] = (struct nsym_sym){
	    .addr = pe->layout.image_base + rva,
	    .limit = pe->layout.image_base + s->rva + s->vsize,
	    .name = name,
	    .seq = (uint32_t)st->count,
	};
	st->count++;
	return 0;
}

static int add_exports(struct nsym_symtab *st, const struct nsym_pe *pe)
{
	const struct nsym_pe_layout *l = &pe->layout;
	uint64_t at, names_at, ordinals_at, functions_at;
	struct nsym_buf b;
	uint32_t nfunctions, nnames;

	if (l->export_rva == 0 || !rva_to_file(&at, pe, l->export_rva, EXPORT_DIR_SIZE))
		return 0;
	b = nsym__bytes_at(&pe->bytes, at + 20, 20, false);
	nfunctions = (uint32_t)nsym_buf_uint(&b, 4);
	nnames = (uint32_t)nsym_buf_uint(&b, 4);
	if (nfunctions > EXPORTS_MAX || nnames > EXPORTS_MAX ||
	    !rva_to_file(&functions_at, pe, (uint32_t)nsym_buf_uint(&b, 4), 4 * nfunctions) ||
	    !rva_to_file(&names_at, pe, (uint32_t)nsym_buf_uint(&b, 4), 4 * nnames) ||
	    !rva_to_file(&ordinals_at, pe, (uint32_t)nsym_buf_uint(&b, 4), 2 * nnames))
		return 0; /* a damaged export table names nothing */
	for (uint32_t i = 0; i < nnames; i++) {
		const unsigned char *d = pe->bytes.data;
		uint32_t name = le32(d + names_at + 4 * (uint64_t)i);
		uint16_t ordinal =
		    (uint16_t)(d[ordinals_at + 2 * i] | d[ordinals_at + 2 * i + 1] << 8);
		uint32_t rva;
		int rc;

		if (ordinal >= nfunctions)
			continue;
		rva = le32(d + functions_at + 4 * (uint64_t)ordinal);
		/* an RVA inside the export directory forwards to another DLL */
		if (rva >= l->export_rva && rva - l->export_rva < l->export_size)
			continue;
		rc = add_symbol(st, pe, rva, string_at(pe, name));
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Function symbols of the COFF symbol table (mingw images keep one). */
static int add_coff_symbols(struct nsym_symtab *st, struct nsym_pe *pe)
{
	const struct nsym_pe_layout *l = &pe->layout;
	uint64_t strtab_size;

	if (l->symtab == 0 || l->strtab_at == 0)
		return 0;
	strtab_size = le32(pe->bytes.data + l->strtab_at);
	if (strtab_size < 4)
		strtab_size = 4; /* as pe.c reads it */
	for (uint32_t i = 0; i < l->nsyms; i++) {
		const unsigned char *e = pe->bytes.data + l->symtab + (uint64_t)i * SYMBOL_SIZE;
		uint32_t value = le32(e + 8);
		uint16_t section = (uint16_t)(e[12] | e[13] << 8),
		         type = (uint16_t)(e[14] | e[15] << 8);
		uint8_t klass = e[16], aux = e[17];
		const char *name;
		int rc;

		if ((klass == IMAGE_SYM_CLASS_EXTERNAL || klass == IMAGE_SYM_CLASS_STATIC) &&
		    (type & 0x30) == COFF_FUNCTION_TYPE && section > 0 && section <= l->nsections) {
			if (le32(e) == 0) {
				/* a long name: its offset in the string table */
				uint32_t off = le32(e + 4);
				name = off >= 4 && off < strtab_size
				           ? (const char *)pe->bytes.data + l->strtab_at + off
				           : NULL;
				if (name != NULL && memchr(name, '\0', strtab_size - off) == NULL)
					name = NULL;
			} else {
				name = NULL; /* short names are not NUL-terminated: copied below */
			}
			if (name == NULL && le32(e) != 0) {
				char *copy = strndup((const char *)e, 8);
				if (copy == NULL)
					return nsym__fail(NSYM_ENOMEM, pe->path, NULL);
				if (nsym__grow((void **)&pe->names, &pe->names_cap, pe->nnames + 1,
				               sizeof(*pe->names)) != 0) {
					free(copy);
					return nsym__fail(NSYM_ENOMEM, pe->path, NULL);
				}
				pe->names[pe->nnames++] = copy;
				name = copy;
			}
			rc = add_symbol(st, pe, l->sections[section - 1].rva + value, name);
			if (rc != 0)
				return rc;
		}
		i += aux;
	}
	return 0;
}

int nsym__pe_symbols(struct nsym_symtab *st, struct nsym_pe *pe)
{
	int rc = add_coff_symbols(st, pe);

	return rc == 0 ? add_exports(st, pe) : rc;
}

int nsym__pe_code(struct nsym_code *out, const struct nsym_pe *pe)
{
	const struct nsym_image *image = nsym__pe_image(pe);

	memset(out, 0, sizeof(*out));
	out->image_base = pe->layout.image_base;
	out->format = NSYM_FORMAT_PE;
	out->x86_64 = strcmp(image->arch, "x86_64") == 0;
	out->arm64 = strncmp(image->arch, "arm64", 5) == 0;
	/* Windows maps images at 64 KiB boundaries */
	out->page = 65536;
	for (uint32_t i = 0; i < pe->layout.nsections && out->count < NSYM_CODE_RANGES_MAX; i++) {
		const struct nsym_pe_section *s = &pe->layout.sections[i];
		if (!is_code(s))
			continue;
		out->ranges[out->count++] = (struct nsym_code_range){
		    .lo = pe->layout.image_base + s->rva,
		    .hi = pe->layout.image_base + s->rva + s->vsize,
		    /* raw data shorter than the section: the rest is zeros
		     * the loader adds, not in the file */
		    .bytes = s->raw_size >= s->vsize ? pe->bytes.data + s->raw_offset : NULL,
		};
	}
	return out->count > 0 ? 0 : nsym__fail(NSYM_ENOENT, pe->path, "no code sections");
}
