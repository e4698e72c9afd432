/*
 * ctor-crash.c: a library whose constructor faults, as an addon's C++
 * static initializer may: the crash happens inside dlopen, while node's
 * require() is loading it, before the hook's table has the library.
 */
static int *volatile table;

__attribute__((noinline)) static void init_table(void)
{
	*table = 1; /* a store: no compiler may drop it */
}

__attribute__((constructor)) static void at_load(void)
{
	init_table();
}
