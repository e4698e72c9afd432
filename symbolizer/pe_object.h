/* A PE image opened for lookups (pe_object.c). */
#ifndef NSYM_PE_OBJECT_H
#define NSYM_PE_OBJECT_H

#include "image.h"
#include "pdb_object.h"
#include "symtab.h"

struct nsym_pe;
struct nsym_code;

/* Opens and maps the image at path, reading its headers (pe.c). */
int nsym__pe_open(struct nsym_pe **out, const char *path);
void nsym__pe_close(struct nsym_pe *pe);

const char *nsym__pe_path(const struct nsym_pe *pe);
/* Its identity: CodeView GUID, age and PDB name, machine. */
const struct nsym_image *nsym__pe_image(const struct nsym_pe *pe);
/* ImageBase: the virtual address of RVA 0, which lookups add. */
uint64_t nsym__pe_image_base(const struct nsym_pe *pe);
/* Its sections for a PDB that lacks their headers; out holds
 * NSYM_PE_SECTIONS_MAX. Returns how many. */
size_t nsym__pe_sections(struct nsym_pdb_section *out, const struct nsym_pe *pe);
/* Whether it carries DWARF (mingw), and its DWARF sections, pointing into
 * the mapping (pe outlives them). */
bool nsym__pe_has_dwarf(const struct nsym_pe *pe);
int nsym__pe_dwarf_sections(struct nsym_dwarf_sections *out, const struct nsym_pe *pe);
/* Adds the COFF function symbols and the exports that lie in code (pe
 * must outlive st). */
int nsym__pe_symbols(struct nsym_symtab *st, struct nsym_pe *pe);
/* Its executable sections, at their virtual addresses. */
int nsym__pe_code(struct nsym_code *out, const struct nsym_pe *pe);

#endif
