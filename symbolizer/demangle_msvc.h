/*
 * The Microsoft C++ demangler (demangle_msvc.c), for nsym_demangle and the
 * tests. Internal to libnsym.
 */
#ifndef NSYM_DEMANGLE_MSVC_H
#define NSYM_DEMANGLE_MSVC_H

/* What to leave out, as llvm-undname's --no-* options do. */
enum {
	NSYM_MSVC_NO_ACCESS = 1 << 0,             /* "public: " */
	NSYM_MSVC_NO_CALLING_CONVENTION = 1 << 1, /* "__cdecl", but in function pointers */
	NSYM_MSVC_NO_MEMBER_TYPE = 1 << 2,        /* "static ", "virtual ", "extern \"C\" " */
	NSYM_MSVC_NO_RETURN_TYPE = 1 << 3,        /* but of function pointers */
	/* llvm-symbolizer's choice (LLVMSymbolizer::DemangleName): "ns::f(int)" */
	NSYM_MSVC_SYMBOLIZER = NSYM_MSVC_NO_ACCESS | NSYM_MSVC_NO_CALLING_CONVENTION |
	                       NSYM_MSVC_NO_MEMBER_TYPE | NSYM_MSVC_NO_RETURN_TYPE
};

/*
 * Demangles an MSVC-decorated name ("?f@ns@@YAHH@Z") into the text
 * llvm-undname prints ("int __cdecl ns::f(int)"), less what `flags` leaves
 * out (NSYM_MSVC_SYMBOLIZER: "ns::f(int)"). Names a back-reference or a
 * local scope recalls keep everything, as in llvm-undname. On success *out is a new
 * string to free(). Returns 0; NSYM_EINVAL when `mangled` is not a name of
 * the scheme, uses a part of it the demangler does not know, or would print
 * as nothing;
 * NSYM_EUNSUPPORTED when it nests deeper, or its text would be longer, than
 * the named limits in demangle_msvc.c; NSYM_ENOMEM. *out is NULL on error.
 * Thread-safe: all state lives on the caller's stack and in its own
 * allocations.
 */
int nsym__demangle_msvc(char **out, const char *mangled, unsigned flags);

#endif
