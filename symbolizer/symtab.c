/*
 * The symbol-table fallback: function symbols from .symtab and .dynsym,
 * sorted by address, for code that has no DWARF (assembly, objects built
 * without -g, or a file whose debug file is missing). Answers are marked
 * approximate: a symbol names the nearest exported function, which may not
 * be the one that holds the address.
 */
#include <stdlib.h>
#include <string.h>

#include "symtab.h"

static uint64_t section_end(struct nsym_elf *ef, size_t index)
{
	GElf_Shdr sh;
	if (index >= ef->shnum || nsym__elf_section_name(ef, index, &sh) == NULL)
		return 0;
	return sh.sh_addr + sh.sh_size;
}

static int add_symbols(struct nsym_symtab *st, struct nsym_elf *ef, size_t index)
{
	Elf_Scn *scn = elf_getscn(ef->elf, index);
	GElf_Shdr sh;
	Elf_Data *data;
	size_t count;
	const char *file = NULL; /* STT_FILE names the file of the locals after it */

	if (scn == NULL || gelf_getshdr(scn, &sh) == NULL || sh.sh_entsize == 0)
		return 0;
	data = elf_getdata(scn, NULL);
	if (data == NULL)
		return 0;
	count = data->d_size / sh.sh_entsize;
	for (size_t i = 0; i < count; i++) {
		GElf_Sym sym;
		const char *name;
		int type;
		if (gelf_getsym(data, (int)i, &sym) == NULL)
			break;
		type = GELF_ST_TYPE(sym.st_info);
		if (type == STT_FILE) {
			file = elf_strptr(ef->elf, sh.sh_link, sym.st_name);
			if (file != NULL && file[0] == '\0')
				file = NULL;
			continue;
		}
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) || sym.st_shndx == SHN_UNDEF ||
		    sym.st_value == 0)
			continue;
		name = elf_strptr(ef->elf, sh.sh_link, sym.st_name);
		if (name == NULL || name[0] == '\0')
			continue;
		if (nsym__grow((void **)&st->syms, &st->capacity, st->count + 1,
		               sizeof(*st->syms)) != 0)
			return NSYM_ENOMEM;
		st->syms[st->count++] = (struct nsym_sym){
		    .addr = sym.st_value,
		    .size = sym.st_size,
		    .limit = section_end(ef, sym.st_shndx),
		    .name = name,
		    .file = GELF_ST_BIND(sym.st_info) == STB_LOCAL ? file : NULL,
		    .seq = (uint32_t)st->count,
		};
	}
	return 0;
}

static int compare_syms(const void *pa, const void *pb)
{
	const struct nsym_sym *a = pa, *b = pb;
	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	if (a->size != b->size)
		return a->size < b->size ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

int nsym__symtab_add(struct nsym_symtab *st, struct nsym_elf *ef, unsigned section_type)
{
	for (size_t i = 1; i < ef->shnum; i++) {
		GElf_Shdr sh;
		if (nsym__elf_section_name(ef, i, &sh) == NULL || sh.sh_type != section_type)
			continue;
		int rc = add_symbols(st, ef, i);
		if (rc != 0)
			return rc;
	}
	return 0;
}

void nsym__symtab_sort(struct nsym_symtab *st)
{
	if (st->count > 1)
		qsort(st->syms, st->count, sizeof(*st->syms), compare_syms);
}

const struct nsym_sym *nsym__symtab_find(struct nsym_symtab *st, uint64_t addr)
{
	size_t lo = NSYM_UPPER_BOUND(st->syms, st->count, struct nsym_sym, addr, addr);
	struct nsym_sym *s;

	if (lo == 0)
		return NULL;
	s = &st->syms[lo - 1];
	if (s->size != 0 ? addr - s->addr >= s->size : addr >= s->limit)
		return NULL;
	if (s->demangled == NULL) {
		char *d = nsym_demangle(s->name);
		s->demangled = d != NULL ? d : (char *)s->name;
	}
	return s;
}

void nsym__symtab_free(struct nsym_symtab *st)
{
	for (size_t i = 0; i < st->count; i++) {
		if (st->syms[i].demangled != st->syms[i].name)
			free(st->syms[i].demangled);
	}
	free(st->syms);
	memset(st, 0, sizeof(*st));
}

/* Whether s is the function a trace calls `name`; bare is name without
 * Mach-O's extra leading underscore. */
static bool names(struct nsym_sym *s, const char *name, const char *bare)
{
	if (strcmp(s->name, name) == 0 || strcmp(s->name, bare) == 0)
		return true;
	if (s->demangled == NULL) {
		char *d = nsym_demangle(s->name);
		s->demangled = d != NULL ? d : (char *)s->name;
	}
	return strcmp(s->demangled, name) == 0;
}

bool nsym__symtab_has(struct nsym_symtab *st, const char *name)
{
	const char *bare = name[0] == '_' ? name + 1 : name;

	for (size_t i = 0; i < st->count; i++) {
		if (names(&st->syms[i], name, bare))
			return true;
	}
	return false;
}

size_t nsym__symtab_named(uint64_t *out, struct nsym_symtab *st, const char *name)
{
	const char *bare = name[0] == '_' ? name + 1 : name;
	size_t n = 0;

	for (size_t i = 0; i < st->count && n < 2; i++) {
		struct nsym_sym *s = &st->syms[i];
		if (!names(s, name, bare) || (n == 1 && s->addr == *out))
			continue;
		*out = s->addr;
		n++;
	}
	return n;
}
