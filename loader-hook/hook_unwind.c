/*
 * hook_unwind.c: the stack of the crashing thread, from the signal's
 * ucontext. libunwind reads the DWARF CFI of every module and starts from the
 * exact faulting pc (UNW_INIT_SIGNAL_FRAME). It is loaded with dlopen and
 * RTLD_LOCAL rather than linked: libunwind.so exports _Unwind_* too, and in
 * the global scope it could take C++ and Rust unwinding away from libgcc_s.
 * Without it, or when it stops early (V8's JIT code has no CFI), a frame
 * pointer walk takes over. libunwind's first call initialises state under a
 * lock, so hook_unwind_init() makes one call at install time.
 * NEEDSWORK: libunwind finds CFI through dl_iterate_phdr, which takes the
 * loader lock; a crash inside dlopen could hang here (dl_find_object would not).
 */
#define UNW_LOCAL_ONLY
#include "hook.h"

#include <dlfcn.h>
#include <libunwind.h>
#include <stdatomic.h>
#include <string.h>

#define STR2(x) #x
#define STR(x)  STR2(x)

typedef int (*init_fn)(unw_cursor_t *, unw_context_t *, int);
typedef int (*step_fn)(unw_cursor_t *);
typedef int (*get_reg_fn)(unw_cursor_t *, unw_regnum_t, unw_word_t *);
typedef int (*proc_info_fn)(unw_addr_space_t, unw_word_t, unw_proc_info_t *, void *);

static struct {
	init_fn init;
	step_fn step;
	get_reg_fn get_reg;
	proc_info_fn proc_info;  /* by ip; may be NULL: procedures unknown */
	unw_addr_space_t *local; /* libunwind's own address space */
} unw;

/* A stack this deep past sp is not the thread's stack any more. */
#define FP_STACK_LIMIT (64u << 20)

uintptr_t hook_context_pc(const ucontext_t *uc)
{
#if defined(__x86_64__)
	return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
	return (uintptr_t)uc->uc_mcontext.pc;
#else
#error "hook_unwind.c: add this architecture's ucontext registers"
#endif
}

uintptr_t hook_context_sp(const ucontext_t *uc)
{
#if defined(__x86_64__)
	return (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
#elif defined(__aarch64__)
	return (uintptr_t)uc->uc_mcontext.sp;
#endif
}

#if defined(__x86_64__)
static const char *const register_names[] = {
    "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8",
    "r9",  "r10", "r11", "r12", "r13", "r14", "r15", "rip", "eflags",
};
static const int register_slots[] = {
    REG_RAX, REG_RBX, REG_RCX, REG_RDX, REG_RSI, REG_RDI, REG_RBP, REG_RSP, REG_R8,
    REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15, REG_RIP, REG_EFL,
};
#elif defined(__aarch64__)
static const char *const register_names[] = {
    "x0",  "x1",  "x2",  "x3",  "x4",  "x5",  "x6",  "x7",  "x8",  "x9",     "x10", "x11",
    "x12", "x13", "x14", "x15", "x16", "x17", "x18", "x19", "x20", "x21",    "x22", "x23",
    "x24", "x25", "x26", "x27", "x28", "x29", "x30", "sp",  "pc",  "pstate",
};
#endif

size_t hook_context_registers(const ucontext_t *uc, uintptr_t *out, const char *const **names)
{
	size_t n = sizeof(register_names) / sizeof(register_names[0]);

	_Static_assert(sizeof(register_names) / sizeof(register_names[0]) <= HOOK_MAX_REGS,
	               "HOOK_MAX_REGS is too small");
#if defined(__x86_64__)
	for (size_t i = 0; i < n; i++)
		out[i] = (uintptr_t)uc->uc_mcontext.gregs[register_slots[i]];
#elif defined(__aarch64__)
	for (size_t i = 0; i < 31; i++)
		out[i] = (uintptr_t)uc->uc_mcontext.regs[i];
	out[31] = (uintptr_t)uc->uc_mcontext.sp;
	out[32] = (uintptr_t)uc->uc_mcontext.pc;
	out[33] = (uintptr_t)uc->uc_mcontext.pstate;
#endif
	*names = register_names;
	return n;
}

static uintptr_t context_fp(const ucontext_t *uc)
{
#if defined(__x86_64__)
	return (uintptr_t)uc->uc_mcontext.gregs[REG_RBP];
#elif defined(__aarch64__)
	return (uintptr_t)uc->uc_mcontext.regs[29];
#endif
}

void hook_unwind_init(void)
{
	void *lib;
	ucontext_t uc;
	unw_cursor_t cur;
	if (unw.init)
		return;
	lib = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		return; /* frame pointers only */
	unw.step = (step_fn)dlsym(lib, STR(unw_step));
	unw.get_reg = (get_reg_fn)dlsym(lib, STR(unw_get_reg));
	unw.proc_info = (proc_info_fn)dlsym(lib, STR(unw_get_proc_info_by_ip));
	unw.local = (unw_addr_space_t *)dlsym(lib, STR(unw_local_addr_space));
	init_fn init = (init_fn)dlsym(lib, STR(unw_init_local2));
	if (!unw.step || !unw.get_reg || !init)
		return;
	/* The warm-up: libunwind's one-time set-up must not happen in the handler. */
	if (getcontext(&uc) == 0 && init(&cur, (unw_context_t *)&uc, 0) == 0)
		unw.step(&cur);
	unw.init = init;
}

/* The stack pointer is one register read; the procedure, a CFI lookup, is
 * left until two activations' stack pointers agree (hook_same_activation):
 * a raise is walked for every panic, caught ones too. */
static struct hook_activation activation(unw_cursor_t *cur, uintptr_t pc)
{
	struct hook_activation a = {0, pc};
	unw_word_t sp;

	if (unw.get_reg(cur, UNW_REG_SP, &sp) == 0)
		a.sp = (uintptr_t)sp;
	return a;
}

uintptr_t hook_proc_start(uintptr_t pc)
{
	unw_proc_info_t pi;

	if (unw.proc_info == NULL || unw.local == NULL ||
	    unw.proc_info(*unw.local, (unw_word_t)pc, &pi, NULL) != 0)
		return 0;
	return (uintptr_t)pi.start_ip;
}

int hook_same_activation(struct hook_activation a, int a_return, struct hook_activation b,
                         int b_return)
{
	uintptr_t pa, pb;

	if (a.sp == 0 || a.sp != b.sp)
		return 0;
	if (a.pc == b.pc)
		return 1;
	pa = hook_proc_start(a.pc - (a_return ? 1 : 0));
	pb = hook_proc_start(b.pc - (b_return ? 1 : 0));
	return pa != 0 && pa == pb;
}

static size_t unwind_libunwind(const ucontext_t *uc, int flags, uintptr_t *out, size_t max_out,
                               struct hook_activation *acts, size_t max_acts)
{
	unw_cursor_t cur;
	ucontext_t copy;
	size_t n = 0;
	/* libunwind writes into the context it is given: work on a copy. */
	memcpy(&copy, uc, sizeof(copy));
	if (!unw.init || unw.init(&cur, (unw_context_t *)&copy, flags) != 0)
		return 0;
	do {
		unw_word_t ip;
		if (unw.get_reg(&cur, UNW_REG_IP, &ip) != 0 || ip == 0)
			break;
		acts[n] = activation(&cur, (uintptr_t)ip);
		if (n < max_out)
			out[n] = (uintptr_t)ip;
		n++;
	} while (n < max_acts && unw.step(&cur) > 0);
	return n;
}

size_t hook_unwind_cfi(const ucontext_t *uc, uintptr_t *out, size_t max_out,
                       struct hook_activation *acts, size_t max_acts)
{
	return unwind_libunwind(uc, UNW_INIT_SIGNAL_FRAME, out, max_out, acts, max_acts);
}

/* Follows saved frame pointers while they climb the stack above sp. */
size_t hook_unwind_fp(const ucontext_t *uc, uintptr_t *out, size_t max)
{
	uintptr_t sp = hook_context_sp(uc), fp = context_fp(uc);
	size_t n = 0;
	out[n++] = hook_context_pc(uc);
	while (n < max) {
		const uintptr_t *frame = (const uintptr_t *)fp;
		if (fp < sp || fp - sp > FP_STACK_LIMIT || (fp & (sizeof(uintptr_t) - 1)))
			break;
		if (frame[1] == 0)
			break;
		out[n++] = frame[1];
		if (frame[0] <= fp)
			break;
		fp = frame[0];
	}
	return n;
}

/* Frames of ours that may sit inside `from` before the panicking code's. */
#define HERE_SLACK 16

/* The frame under cur; 0 at the end of the stack. */
static int read_frame(unw_cursor_t *cur, uintptr_t *pc, struct hook_activation *act)
{
	unw_word_t ip;

	if (unw.get_reg(cur, UNW_REG_IP, &ip) != 0 || ip == 0)
		return 0;
	*pc = (uintptr_t)ip;
	*act = activation(cur, *pc);
	return 1;
}

/*
 * Not a signal handler: the panic machinery called us (through
 * _Unwind_RaiseException or the Rust panic hook), so the stack is intact and
 * getcontext gives its innermost frame. The walk starts in our own frames:
 * those inside the frame that returns to `from` are dropped (all are kept
 * when `from` is not among the first HERE_SLACK). fn sees each frame after,
 * outward, until it returns non-zero or HOOK_UNWIND_HERE_MAX frames were
 * walked (then *cut is set if the stack went on).
 * Returns how many it saw; 0 without libunwind.
 */
static __attribute__((noinline)) size_t walk_here(ucontext_t *uc, uintptr_t from, hook_frame_fn fn,
                                                  void *arg, int *cut)
{
	uintptr_t pcs[HERE_SLACK], pc;
	struct hook_activation acts[HERE_SLACK], act;
	size_t n = 0, skip = 0, given = 0;
	int more = 1;
	unw_cursor_t cur;

	if (unw.init(&cur, (unw_context_t *)uc, 0) != 0)
		return 0;
	while (n < HERE_SLACK && more && read_frame(&cur, &pcs[n], &acts[n])) {
		n++;
		more = unw.step(&cur) > 0;
	}
	while (skip < n && pcs[skip] != from)
		skip++;
	if (skip == n)
		skip = 0;
	for (size_t i = skip; i < n; i++) {
		given++;
		if (fn(arg, pcs[i], acts[i]) != 0)
			return given;
	}
	while (more && n++ < HOOK_UNWIND_HERE_MAX && read_frame(&cur, &pc, &act)) {
		given++;
		if (fn(arg, pc, act) != 0)
			return given;
		more = unw.step(&cur) > 0;
	}
	*cut = more && n > HOOK_UNWIND_HERE_MAX;
	return given;
}

size_t hook_unwind_here(uintptr_t from, hook_frame_fn fn, void *arg, int *cut)
{
	ucontext_t uc;

	*cut = 0;
	if (!unw.init || getcontext(&uc) != 0)
		return 0;
	return walk_here(&uc, from, fn, arg, cut);
}
