/*
 * The Microsoft C++ demangler (demangle_msvc.c), for nsym_demangle and the
 * tests. Internal to libnsym.
 */
#ifndef NSYM_DEMANGLE_MSVC_H
#define NSYM_DEMANGLE_MSVC_H

/*
 * Demangles an MSVC-decorated name ("?f@ns@@YAHH@Z") into the text
 * llvm-undname prints ("int __cdecl ns::f(int)"). On success *out is a new
 * string to free(). Returns 0; NSYM_EINVAL when `mangled` is not a name of
 * the scheme or uses a part of it the demangler does not know;
 * NSYM_EUNSUPPORTED when it nests deeper, or its text would be longer, than
 * the named limits in demangle_msvc.c; NSYM_ENOMEM. *out is NULL on error.
 * Thread-safe: all state lives on the caller's stack and in its own
 * allocations.
 */
int nsym__demangle_msvc(char **out, const char *mangled);

#endif
