/*
 * two-copies.c: two libraries that each link the hook's archive, as two
 * addons would, the archive's symbols hidden in each (as in a Rust cdylib),
 * both installed, the second in front; then one of them faults, or the
 * program itself does with its frame pointer at unmapped memory (so the
 * capturing copy, the one behind, faults in its walk), or aborts so. Usage:
 * two-copies REPORT_DIR LIB_A LIB_B a|b|main-bad-fp|abort-bad-fp. Built
 * without sanitizers.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bad-fp.h"

static void poke(void *p)
{
	*(volatile int *)p = 1;
}

static void do_abort(void *p)
{
	(void)p;
	abort();
}

int main(int argc, char **argv)
{
	void *a, *b;
	int (*install_a)(const char *), (*install_b)(const char *);
	void (*fault)(void);

	if (argc != 5)
		return 64;
	a = dlopen(argv[2], RTLD_NOW | RTLD_LOCAL);
	b = dlopen(argv[3], RTLD_NOW | RTLD_LOCAL);
	if (!a || !b) {
		fprintf(stderr, "two-copies: %s\n", dlerror());
		return 3;
	}
	install_a = (int (*)(const char *))dlsym(a, "copy_install");
	install_b = (int (*)(const char *))dlsym(b, "copy_install");
	fault = (void (*)(void))dlsym(strcmp(argv[4], "a") == 0 ? a : b, "copy_fault");
	if (!install_a || !install_b || !fault)
		return 3;
	if (install_a(argv[1]) != 0 || install_b(argv[1]) != 0)
		return 2;
	if (strcmp(argv[4], "main-bad-fp") == 0)
		bad_fp_call((void *)poke, (void *)(uintptr_t)8, 0, NULL, bad_fp_address());
	else if (strcmp(argv[4], "abort-bad-fp") == 0)
		bad_fp_call((void *)do_abort, NULL, 0, NULL, bad_fp_address());
	else
		fault();
	return 0;
}
