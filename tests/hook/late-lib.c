/*
 * late-lib.c: a library that linked.c loads after installing the hook, whose
 * late_fault() stores through NULL, so the fault is in a module the hook's
 * table was not built with.
 */
static int *volatile late_target;

void late_fault(void);

__attribute__((visibility("default"), noinline)) void late_fault(void)
{
	*late_target = 1;
}
