/* A breakpoint trap: after int3 the pc is already past the instruction, so
 * a hook that returned without sending the signal again let it run on. */
#include <stdio.h>

int main(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ volatile("int3");
#else
	__builtin_trap();
#endif
	fputs("SURVIVED\n", stderr);
	return 0;
}
