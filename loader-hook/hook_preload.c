/*
 * hook_preload.c: what only the LD_PRELOAD library does. A constructor
 * installs the hook with the settings of the environment, and dlopen is
 * interposed so the module table learns of every addon as it loads. Node
 * installs its WebAssembly SIGSEGV handler after our constructor ran and does
 * not chain to what it replaces; the first dlopen after that (the first
 * addon) puts our handler back in front, keeping Node's as the previous one.
 */
#include "hook.h"
#include "napi_symbols_hook.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

typedef void *(*dlopen_fn)(const char *, int);

static void hook_preload_init(void) __attribute__((constructor));

static void hook_preload_init(void)
{
	if (nsym_hook_install(NULL) != 0)
		fprintf(stderr, "napi-symbols: the crash hook could not be installed\n");
}

NSYM_HOOK_EXTERN void *dlopen(const char *file, int mode)
{
	static dlopen_fn real;
	void *handle;
	if (!real)
		real = (dlopen_fn)dlsym(RTLD_NEXT, "dlopen");
	if (!real)
		return NULL;
	handle = real(file, mode);
	if (handle) {
		hook_modules_refresh();
		hook_signals_install();
	}
	return handle;
}
