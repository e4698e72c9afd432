/*
 * linked.c: the hook in linked mode. A program that links the static archive
 * (as an addon would), installs the hook with explicit options and then
 * stores through NULL. Usage: linked REPORT_DIR [LIBRARY FUNCTION]: with a
 * library, it is loaded after the install (linked mode has no dlopen
 * interposer to see it) and FUNCTION, which faults, is called in it. Built
 * without sanitizers, so that ASan's own SIGSEGV handler does not take the
 * fault first.
 */
#include "napi_symbols_hook.h"

#include <dlfcn.h>
#include <stdio.h>

static int *volatile target;

int main(int argc, char **argv)
{
	struct nsym_hook_options opts = {.report_dir = argc > 1 ? argv[1] : 0, .symbolicate = 0};
	if (nsym_hook_install(&opts) != 0)
		return 2;
	if (argc > 3) {
		void *lib = dlopen(argv[2], RTLD_NOW);
		void (*fault)(void) = lib ? (void (*)(void))dlsym(lib, argv[3]) : NULL;
		if (!fault) {
			fprintf(stderr, "linked: %s\n", dlerror());
			return 3;
		}
		fault();
	}
	*target = 1;
	return 0;
}
