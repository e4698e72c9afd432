/* A Mach-O slice opened for lookups (macho_object.c). */
#ifndef NSYM_MACHO_OBJECT_H
#define NSYM_MACHO_OBJECT_H

#include "dwarf_internal.h"
#include "symtab.h"

struct nsym_macho;
struct nsym_image;

/* Which slice of a universal file to read; either may be NULL. */
struct nsym_macho_want {
	const unsigned char *uuid; /* 16 bytes: the slice with this LC_UUID */
	const char *arch;          /* "arm64", "x86_64", ...: when no UUID is given */
};

/* Opens path (a .dSYM bundle folder stands for its DWARF file) and picks
 * a slice. NSYM_EMISMATCH when no slice has the UUID, NSYM_EARCH when none
 * has the architecture or a universal file was given with neither; both
 * name what the file holds. */
int nsym__macho_open(struct nsym_macho **out, const char *path, const struct nsym_macho_want *want);
void nsym__macho_close(struct nsym_macho *m);

const char *nsym__macho_path(const struct nsym_macho *m);
const struct nsym_image *nsym__macho_image(const struct nsym_macho *m);
/* The address __TEXT is linked at: a crash report's image offset plus this
 * is the address the DWARF and symbols speak of. */
uint64_t nsym__macho_text_vmaddr(const struct nsym_macho *m);
bool nsym__macho_has_dwarf(const struct nsym_macho *m);
/* The __DWARF sections, pointing into the mapping (m outlives them). */
int nsym__macho_dwarf_sections(struct nsym_dwarf_sections *out, struct nsym_macho *m);
/* Adds the symbols of code sections (m must outlive st). */
int nsym__macho_symbols(struct nsym_symtab *st, struct nsym_macho *m);

#endif
