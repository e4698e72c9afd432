/*
 * linked.c: the hook in linked mode. A program that links the static archive
 * (as an addon would), installs the hook with explicit options and then
 * stores through NULL. Usage: linked REPORT_DIR. Built without sanitizers, so
 * that ASan's own SIGSEGV handler does not take the fault first.
 */
#include "napi_symbols_hook.h"

static int *volatile target;

int main(int argc, char **argv)
{
	struct nsym_hook_options opts = {argc > 1 ? argv[1] : 0, 0, 0};
	if (nsym_hook_install(&opts) != 0)
		return 2;
	*target = 1;
	return 0;
}
