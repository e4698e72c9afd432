/*
 * Demangling through libiberty, which knows Rust legacy, Rust v0 and
 * Itanium C++, and through demangle_msvc.c for MSVC-decorated C++ ("?f@@...",
 * which libiberty does not know). Rust legacy names lose their "::h<hash>"
 * tail, as rustc-demangle's "{:#}" and llvm-symbolizer's users expect; C++
 * names keep their parameters; MSVC ones print as llvm-symbolizer prints
 * them, without access, calling convention, static/virtual and return type
 * ("ns::f(int)", where llvm-undname says "int __cdecl ns::f(int)").
 */
#include <demangle.h>
#include <stdlib.h>
#include <string.h>

#include "demangle_msvc.h"
#include "internal.h"

int nsym__demangle(char **out, const char *name)
{
	int rc;

	*out = NULL;
	if (name == NULL || name[0] != '?') {
		*out = nsym_demangle(name);
		return 0;
	}
	rc = nsym__demangle_msvc(out, name, NSYM_MSVC_SYMBOLIZER);
	return rc == NSYM_ENOMEM ? rc : 0;
}

char *nsym_demangle(const char *name)
{
	if (name == NULL)
		return NULL;
	if (name[0] == '?') {
		char *out;

		return nsym__demangle_msvc(&out, name, NSYM_MSVC_SYMBOLIZER) == 0 ? out : NULL;
	}
	/* Mach-O prefixes every symbol with one more underscore. */
	if (strncmp(name, "__Z", 3) == 0 || strncmp(name, "__R", 3) == 0)
		name++;
	if (strncmp(name, "_Z", 2) != 0 && strncmp(name, "_R", 2) != 0)
		return NULL;
	/* DMGL_AUTO tries Rust first: legacy Rust is also valid Itanium. */
	return cplus_demangle(name, DMGL_PARAMS | DMGL_ANSI | DMGL_AUTO);
}
