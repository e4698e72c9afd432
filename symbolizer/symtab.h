/* The symbol-table fallback of the symbolizer (symtab.c). */
#ifndef NSYM_SYMTAB_H
#define NSYM_SYMTAB_H

#include "internal.h"

struct nsym_sym {
	uint64_t addr, size;
	uint64_t limit;   /* for a symbol of size 0: the end of its section */
	const char *name; /* borrowed from the ELF file */
	const char *file; /* for a local symbol: its STT_FILE, or NULL */
	char *demangled;  /* filled on first use; may equal name */
};

/* A symbol found for an address, from the symbol tables or a symcache;
 * strings borrowed from whichever holds them. */
struct nsym_symbol_hit {
	const char *name;    /* demangled when it was mangled */
	const char *linkage; /* as in the table */
	const char *file;    /* STT_FILE of a local symbol, or NULL */
	uint64_t addr;
};

struct nsym_symtab {
	struct nsym_sym *syms;
	size_t count, capacity;
};

/* Adds the function symbols of ef (which must outlive st) and re-sorts. */
int nsym__symtab_add(struct nsym_symtab *st, struct nsym_elf *ef);
/* The symbol holding addr, or NULL. */
const struct nsym_sym *nsym__symtab_find(struct nsym_symtab *st, uint64_t addr);
void nsym__symtab_free(struct nsym_symtab *st);

#endif
