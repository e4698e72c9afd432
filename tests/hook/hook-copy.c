/*
 * hook-copy.c: a library with its own copy of the hook (the static archive
 * linked in, its symbols hidden), for two-copies.c.
 */
#include "napi_symbols_hook.h"

static int *volatile target;

__attribute__((visibility("default"))) int copy_install(const char *report_dir);
__attribute__((visibility("default"))) void copy_fault(void);

int copy_install(const char *report_dir)
{
	struct nsym_hook_options opts = {.report_dir = report_dir, .symbolicate = 0};
	return nsym_hook_install(&opts);
}

__attribute__((noinline)) void copy_fault(void)
{
	*target = 1;
}
