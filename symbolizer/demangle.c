/*
 * Demangling through libiberty, which knows Rust legacy, Rust v0 and C++.
 * Rust legacy names lose their "::h<hash>" tail, as rustc-demangle's "{:#}"
 * and llvm-symbolizer's users expect; C++ names keep their parameters.
 */
#include <demangle.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

char *nsym_demangle(const char *name)
{
	if (name == NULL)
		return NULL;
	/* Mach-O prefixes every symbol with one more underscore. */
	if (strncmp(name, "__Z", 3) == 0 || strncmp(name, "__R", 3) == 0)
		name++;
	if (strncmp(name, "_Z", 2) != 0 && strncmp(name, "_R", 2) != 0)
		return NULL;
	/* DMGL_AUTO tries Rust first: legacy Rust is also valid Itanium. */
	return cplus_demangle(name, DMGL_PARAMS | DMGL_ANSI | DMGL_AUTO);
}
