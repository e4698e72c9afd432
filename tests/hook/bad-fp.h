/*
 * bad-fp.h: calls a function with the frame pointer aimed at unmapped memory
 * just above the stack, so the hook's frame-pointer walk faults after its
 * CFI walk has gone well: the walk's fault must come back to the hook, never
 * kill the report or loop. x86-64 only (BAD_FP_CALLS 1); elsewhere the call
 * is plain and the tests that need the bad pointer skip.
 */
#ifndef NSYM_TEST_BAD_FP_H
#define NSYM_TEST_BAD_FP_H

#include <stdint.h>
#include <stdio.h>

#if defined(__x86_64__)
#define BAD_FP_CALLS 1
/* fn(a0, a1, a2) with %rbp = fp; CFI describes the frame, so libunwind
 * walks through it while the frame-pointer walk reads *fp. */
uintptr_t bad_fp_call(void *fn, void *a0, uintptr_t a1, void *a2, uintptr_t fp);
__asm__(".text\n.globl bad_fp_call\n.hidden bad_fp_call\n.type bad_fp_call,@function\n"
        "bad_fp_call:\n.cfi_startproc\n push %rbp\n .cfi_def_cfa_offset 16\n"
        " .cfi_offset %rbp,-16\n mov %r8,%rbp\n mov %rdi,%rax\n mov %rsi,%rdi\n"
        " mov %rdx,%rsi\n mov %rcx,%rdx\n call *%rax\n pop %rbp\n .cfi_def_cfa_offset 8\n"
        " ret\n .cfi_endproc\n");
#else
#define BAD_FP_CALLS 0
static uintptr_t bad_fp_call(void *fn, void *a0, uintptr_t a1, void *a2, uintptr_t fp)
{
	(void)fp;
	return ((uintptr_t(*)(void *, uintptr_t, void *))fn)(a0, a1, a2);
}
#endif

/* An aligned address in the unmapped gap just above the stack (within the
 * walk's 64 MB of sp), or 0 when the stack has no such gap. */
static uintptr_t bad_fp_address(void)
{
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0), end = 0, next = UINTPTR_MAX;
	unsigned long a, b;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");

	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%lx-%lx", &a, &b) != 2)
			continue;
		if (sp >= a && sp < b)
			end = b;
		else if (end != 0 && a >= end && a < next)
			next = a;
	}
	if (f != NULL)
		fclose(f);
	return end == 0 || next - end < 8192 ? 0 : end + 4096;
}

#endif
