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
	uint32_t seq;     /* order of appearance in the symbol tables */
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

/* Adds the function symbols of ef's sections of type SHT_SYMTAB or
 * SHT_DYNSYM (ef must outlive st); nsym__symtab_sort() when all are in. */
int nsym__symtab_add(struct nsym_symtab *st, struct nsym_elf *ef, unsigned section_type);
void nsym__symtab_sort(struct nsym_symtab *st);
/* The symbol holding addr, or NULL. Where several start at one address, the
 * largest, and among equals the last in the tables, answers: the choice
 * llvm-symbolizer makes (it keeps the last of a stable sort by address and
 * size), so that names agree with it. */
const struct nsym_sym *nsym__symtab_find(struct nsym_symtab *st, uint64_t addr);
void nsym__symtab_free(struct nsym_symtab *st);
/* Whether a function symbol is named `name`, as a trace prints it: the
 * name in the table, demangled, or with Mach-O's leading underscore. */
bool nsym__symtab_has(struct nsym_symtab *st, const char *name);
/* The address of the function a trace calls `name` (matched as by
 * nsym__symtab_has) into *out: 1 when one address answers, 0 when none,
 * 2 when several do (a name shared by local functions says nothing). */
size_t nsym__symtab_named(uint64_t *out, struct nsym_symtab *st, const char *name);

#endif
