/*
 * hook_signal.c: the fatal-signal handler and its chaining to the handlers
 * installed before it. Node installs a SIGSEGV handler for V8's WebAssembly
 * bounds traps, which turns a fault in JIT code into a JS RuntimeError by
 * rewriting the context's pc; such a fault is not a crash and must behave as
 * it does without the hook. So (loader-hook/README.md):
 * - a real fault (si_code > 0) whose pc lies in a shared object is captured
 *   first, since WebAssembly code lives in V8's code space, not in an ELF
 *   object; the previous handler then runs as it would have;
 * - anything else goes to the previous handler first; if it returns having
 *   moved pc or sp, it handled the signal and we return; if it gave up (reset
 *   the disposition or left the signal pending, as Node's does) or there is
 *   none, we capture;
 * then the default disposition comes back and the signal is raised again, so
 * the exit status and core dump are those without the hook. A SIGABRT on a
 * thread with a Rust panic pending is reported as that panic, with the stack
 * taken where it was raised (hook_panic.c).
 */
#include "hook.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

static const int fatal_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP};
#define NSIGNALS (sizeof(fatal_signals) / sizeof(fatal_signals[0]))

/* The disposition each signal had before ours, to chain to. A dlopen on
 * one thread may put our handler back in front (and record what it
 * replaced) while a handler on another thread reads it, so each entry is
 * read and written under a sequence count (a seqlock): odd while written. */
static struct sigaction previous[NSIGNALS];
static atomic_uint previous_seq[NSIGNALS];
static pthread_mutex_t install_lock = PTHREAD_MUTEX_INITIALIZER;
/* The thread capturing a crash; 0 when none. */
static atomic_int crashing_tid;
/* Threads inside a chained call: a handler that chains back to us is answered at once. */
#define CHAIN_SLOTS 16
static atomic_int chaining[CHAIN_SLOTS];
/* Set when the handler in that slot's chained call handed the signal back
 * to us: it did not deal with the signal, whatever it did to the context. */
static atomic_int fell_through[CHAIN_SLOTS];
/* What the chained call in that slot was handed: a handler that passes it
 * back hands the same signal (with the same si_code and si_addr, even from
 * a copy of the siginfo). Another signal on that thread meanwhile (a fault
 * in the handler, an abort() it calls) is a crash of its own. */
static int chain_sig[CHAIN_SLOTS], chain_code[CHAIN_SLOTS];
static void *chain_addr[CHAIN_SLOTS];
/* A fault while unwinding jumps back here rather than killing the report. */
static sigjmp_buf unwind_escape;
static volatile sig_atomic_t unwinding;
/* The crash being captured; static because only the latched thread writes it. */
static struct hook_crash crash;

static void on_signal(int sig, siginfo_t *info, void *ucv);

static int signal_index(int sig)
{
	for (size_t i = 0; i < NSIGNALS; i++) {
		if (fatal_signals[i] == sig)
			return (int)i;
	}
	return -1;
}

static pid_t self_tid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* Writers take the entry by moving its count from even to odd, so that two
 * (an install, and a handler emulating SA_RESETHAND) never write at once.
 * A handler gives up after `tries` rather than wait on an interrupted
 * writer; 0 tries means wait (outside handlers). 0 written, or -1. */
static int previous_set(int idx, const struct sigaction *sa, int tries)
{
	for (int i = 0; tries == 0 || i < tries; i++) {
		unsigned seq = atomic_load(&previous_seq[idx]);
		if ((seq & 1) || !atomic_compare_exchange_strong(&previous_seq[idx], &seq, seq + 1))
			continue;
		atomic_thread_fence(memory_order_seq_cst);
		memcpy(&previous[idx], sa, sizeof(*sa));
		atomic_thread_fence(memory_order_seq_cst);
		atomic_store(&previous_seq[idx], seq + 2);
		return 0;
	}
	return -1;
}

/* Signal-safe. A writer that never finishes (it would have to crash in
 * the middle of a struct copy) leaves the last copy taken. */
static void previous_get(int idx, struct sigaction *out)
{
	for (int tries = 0; tries < 100000; tries++) {
		unsigned seq = atomic_load(&previous_seq[idx]);
		atomic_thread_fence(memory_order_seq_cst);
		memcpy(out, &previous[idx], sizeof(*out));
		atomic_thread_fence(memory_order_seq_cst);
		if (!(seq & 1) && atomic_load(&previous_seq[idx]) == seq)
			return;
	}
}

static int is_ours(const struct sigaction *sa)
{
	return (sa->sa_flags & SA_SIGINFO) && sa->sa_sigaction == on_signal;
}

static int chain_slot_take(pid_t tid)
{
	for (int i = 0; i < CHAIN_SLOTS; i++) {
		int expected = 0;
		if (atomic_compare_exchange_strong(&chaining[i], &expected, (int)tid))
			return i;
	}
	return -1;
}

static int chain_reentered(pid_t tid, int sig, const siginfo_t *info)
{
	for (int i = 0; i < CHAIN_SLOTS; i++) {
		if (atomic_load(&chaining[i]) == (int)tid && chain_sig[i] == sig &&
		    chain_code[i] == info->si_code && chain_addr[i] == info->si_addr) {
			atomic_store(&fell_through[i], 1);
			return 1;
		}
	}
	return 0;
}

/* Calls the previous handler as the kernel would have. Returns 1 when it
 * passed the signal back to us (a handler installed after ours that chains
 * to what it replaced): then it has not dealt with it. */
static int call_previous(int idx, int sig, siginfo_t *info, void *uc)
{
	struct sigaction prev;
	int slot = chain_slot_take(self_tid()), back = 0;
	previous_get(idx, &prev);
	if (slot >= 0) {
		atomic_store(&fell_through[slot], 0);
		chain_sig[slot] = sig;
		chain_code[slot] = info->si_code;
		chain_addr[slot] = info->si_addr;
	}
	if (prev.sa_flags & SA_RESETHAND) {
		struct sigaction reset = prev;
		reset.sa_flags &= ~SA_SIGINFO;
		reset.sa_handler = SIG_DFL; /* the kernel would have reset it */
		previous_set(idx, &reset, 1000);
	}
	if (prev.sa_flags & SA_SIGINFO)
		prev.sa_sigaction(sig, info, uc);
	else
		prev.sa_handler(sig);
	if (slot >= 0) {
		back = atomic_load(&fell_through[slot]);
		atomic_store(&chaining[slot], 0);
	}
	return back;
}

static int has_function(const struct sigaction *sa)
{
	if (sa->sa_flags & SA_SIGINFO)
		return sa->sa_sigaction != NULL;
	return sa->sa_handler != SIG_DFL && sa->sa_handler != SIG_IGN;
}

/* Takes sig off the pending signals (it is blocked while we handle it). */
static void take_pending(int sig)
{
	struct timespec now = {0, 0};
	sigset_t one;

	sigemptyset(&one);
	sigaddset(&one, sig);
	while (sigtimedwait(&one, NULL, &now) == sig)
		;
}

/*
 * Offers the signal to the previous handler. Returns 1 when it dealt with it
 * (the process goes on), 0 when the signal is fatal and ours to capture.
 */
static int previous_handles(int idx, int sig, siginfo_t *info, ucontext_t *uc)
{
	struct sigaction copy, *prev = &copy;
	uintptr_t pc = hook_context_pc(uc), sp = hook_context_sp(uc);
	struct sigaction now;
	sigset_t pending;
	previous_get(idx, &copy);
	if (prev->sa_handler == SIG_IGN && !(prev->sa_flags & SA_SIGINFO))
		return info->si_code <= 0; /* a sent signal is ignored; a fault kills */
	if (!has_function(prev))
		return 0;
	if (call_previous(idx, sig, info, uc))
		return 0; /* it gave the signal back: nobody dealt with it */
	if (hook_context_pc(uc) != pc || hook_context_sp(uc) != sp)
		return 1; /* it moved execution on: a WebAssembly trap, say */
	if (sigpending(&pending) == 0 && sigismember(&pending, sig)) {
		/* It raised the signal again to die (Node's handler, on a fault
		 * outside the libraries we know). Left pending, that signal would
		 * kill the process the moment the capture unblocks faults to
		 * unwind; die_by_default raises it again once the report is out. */
		take_pending(sig);
		return 0;
	}
	if (sigaction(sig, NULL, &now) == 0 && !is_ours(&now))
		return 0; /* it reset the disposition to die */
	return 1;         /* it returned as a handler that fixed the fault would */
}

/* The pc lies in a shared object, not in the main program or JIT code. */
static int fault_in_library(const siginfo_t *info, const ucontext_t *uc)
{
	const struct hook_modtab *t;
	int found;
	if (info->si_code <= 0)
		return 0;
	t = hook_modules_pin();
	found = hook_modules_find(t, hook_context_pc(uc)) > 0;
	hook_modules_unpin(t);
	return found;
}

static void read_thread_name(struct hook_crash *c)
{
	struct hook_out path = {.fd = -1};
	int fd;
	ssize_t n;
	hook_out_str(&path, "/proc/self/task/");
	hook_out_dec(&path, c->tid);
	hook_out_mem(&path, "/comm", 6); /* with the NUL */
	c->thread_name[0] = '\0';
	fd = open(path.buf, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, c->thread_name, sizeof(c->thread_name) - 1);
	close(fd);
	if (n <= 0)
		n = 0;
	c->thread_name[n] = '\0';
	if (n > 0 && c->thread_name[n - 1] == '\n')
		c->thread_name[n - 1] = '\0';
}

static void unblock_faults(void)
{
	sigset_t faults;
	sigemptyset(&faults);
	sigaddset(&faults, SIGSEGV);
	sigaddset(&faults, SIGBUS);
	sigprocmask(SIG_UNBLOCK, &faults, NULL);
}

/*
 * A guarded walk reads memory that may not be mapped: a fault in it must
 * come to this handler, which jumps back out of the walk. So for its length
 * our handler is put in front for SIGSEGV and SIGBUS, whatever is there:
 * Node's handler reset to SIG_DFL (it raised the signal again to die), or
 * the handler of another copy of the hook that chained to us, which would
 * take the fault for a chain-back and return into it forever.
 */
static void guard_begin(struct sigaction saved[2])
{
	static const int faults[2] = {SIGSEGV, SIGBUS};
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigfillset(&sa.sa_mask);
	for (int i = 0; i < 2; i++)
		sigaction(faults[i], &sa, &saved[i]);
	unwinding = 1;
}

static void guard_end(const struct sigaction saved[2])
{
	unwinding = 0;
	sigaction(SIGSEGV, &saved[0], NULL);
	sigaction(SIGBUS, &saved[1], NULL);
}

/* Unwinds with the crash signals unblocked, so a fault in the walk comes
 * back here. Each walk is guarded on its own: a fault in the frame-pointer
 * walk keeps what libunwind found, and the longer walk wins. */
static void unwind_guarded(const ucontext_t *uc, size_t max_acts)
{
	static uintptr_t by_fp[HOOK_MAX_FRAMES];
	volatile size_t cfi = 0, fp = 0;
	struct sigaction saved[2];

	guard_begin(saved);
	if (sigsetjmp(unwind_escape, 1) == 0) {
		unblock_faults();
		cfi = hook_unwind_cfi(uc, crash.pcs, HOOK_MAX_FRAMES, crash.acts, max_acts);
	}
	if (sigsetjmp(unwind_escape, 1) == 0) {
		unblock_faults();
		fp = hook_unwind_fp(uc, by_fp, HOOK_MAX_FRAMES);
	}
	guard_end(saved);
	crash.nacts = cfi;
	crash.nframes = cfi < HOOK_MAX_FRAMES ? cfi : HOOK_MAX_FRAMES;
	if (fp > crash.nframes) {
		memcpy(crash.pcs, by_fp, fp * sizeof(by_fp[0]));
		crash.nframes = fp;
	}
	if (crash.nframes == 0) {
		crash.pcs[0] = hook_context_pc(uc);
		crash.nframes = 1;
	}
}

static size_t frames_outside(const struct hook_modtab *t)
{
	size_t n = 0;
	for (size_t i = 0; i < crash.nframes; i++)
		n += hook_modules_find(t, crash.pcs[i]) < 0;
	return n;
}

/* Frames in no module may be in a library loaded where no refresh saw it
 * (linked mode has no dlopen interposer), or in JIT code: the loader's link
 * map, read guarded as the unwind is, settles which. */
static __attribute__((noinline)) const struct hook_modtab *live_guarded(void)
{
	const struct hook_modtab *volatile live = NULL;
	struct sigaction saved[2];

	guard_begin(saved);
	if (sigsetjmp(unwind_escape, 1) == 0) {
		unblock_faults();
		live = hook_modules_live();
	}
	guard_end(saved);
	return live;
}

/* The live table, once taken, is the best there is for this crash. */
static void find_missing_modules(void)
{
	size_t missing = crash.modules != crash.live ? frames_outside(crash.modules) : 0;
	const struct hook_modtab *live = missing ? live_guarded() : NULL;
	if (live && frames_outside(live) < missing)
		crash.modules = crash.live = live;
}

void hook_crash_identity(struct hook_crash *c)
{
	struct timespec now = {0};
	clock_gettime(CLOCK_REALTIME, &now);
	c->pid = getpid();
	c->tid = self_tid();
	c->time = now.tv_sec;
	c->modules = c->pinned = hook_modules_pin();
	c->live = NULL;
	read_thread_name(c);
}

void hook_crash_release(struct hook_crash *c)
{
	hook_modules_unpin(c->pinned);
	c->pinned = c->modules = NULL;
}

/* dying: the process ends next, so symbolicate is waited for now. */
static void write_all(struct hook_crash *c, int dying)
{
	hook_report_write(c);
	hook_trace_write(STDERR_FILENO, c);
	if (!hook_settings.symbolicate || !c->report_path[0])
		return;
	if (dying)
		hook_symbolicate(c->report_path);
	else
		hook_symbolicate_start(c->report_path);
}

/*
 * A SIGABRT on a thread with a Rust panic pending (raised, never caught) is
 * that panic ending the process: the report carries the stack captured where
 * it was raised, since the frames there may be gone by now.
 */
static void capture(int sig, const siginfo_t *info, const ucontext_t *uc, pid_t tid)
{
	int panic = 0;
	crash.signo = sig;
	crash.code = info->si_code;
	crash.addr = (uintptr_t)info->si_addr;
	crash.panic = 0;
	crash.nregs = hook_context_registers(uc, crash.regs, &crash.reg_names);
	hook_crash_identity(&crash);
	/* an abort's own stack, deep, says whether a panic is behind it */
	unwind_guarded(uc, sig == SIGABRT ? HOOK_MAX_ACTS : HOOK_MAX_FRAMES);
	find_missing_modules(); /* and the module that raised it must be known */
	if (sig == SIGABRT)
		panic = hook_panic_take(&crash, tid);
	if (panic == 2) {
		/* reported when it was raised (NAPI_SYMBOLS_PANICS=all, linked
		 * mode): let its symbolication finish before the process dies */
		hook_symbolicate_wait_all();
		return;
	}
	if (panic == 1)
		find_missing_modules(); /* for the panic's frames */
	write_all(&crash, 1);
}

int hook_latch_take(pid_t tid)
{
	int expected = 0;
	return atomic_compare_exchange_strong(&crashing_tid, &expected, (int)tid) ? 0 : -1;
}

void hook_latch_release(void)
{
	atomic_store(&crashing_tid, 0);
}

void hook_capture_write(struct hook_crash *c)
{
	write_all(c, 0);
}

/* Makes the signal kill the process as it would have without any handler. */
static void die_by_default(int sig, const siginfo_t *info)
{
	struct sigaction dfl;
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigaction(sig, &dfl, NULL);
	/* Sent again to this thread, it stays pending until the handler returns
	 * and then kills before any instruction runs. Relying on a fault to
	 * repeat is not enough: after int3 (SIGTRAP, si_code SI_KERNEL) the pc
	 * is already past the instruction, and the program would go on. */
	(void)info;
	syscall(SYS_tgkill, getpid(), self_tid(), sig);
}

/* Another thread is capturing: wait for it to end the process. */
static void wait_for_other_crash(void)
{
	struct timespec tick = {0, 10 * 1000 * 1000};
	for (int i = 0; i < 3000 && atomic_load(&crashing_tid) != 0; i++)
		nanosleep(&tick, NULL);
}

/*
 * Two addons that each link the archive hold two copies of the hook, each
 * with its handler, one chained behind the other, and neither can find the
 * other (a Rust cdylib hides the archive's symbols). The siginfo they are
 * both handed is the channel: the copy that captures writes a mark in its
 * last bytes, padding for every kind of signal (the kernel zeroes it), and
 * a copy that finds the mark leaves the crash to the one that wrote it.
 */
#define CAPTURED_MARK 0x6b6f6f686d79736eull /* "nsymhook" */

static uint64_t *capture_mark(siginfo_t *info)
{
	return (uint64_t *)((char *)info + sizeof(*info) - sizeof(uint64_t));
}

static int captured_elsewhere(siginfo_t *info)
{
	uint64_t mark;

	memcpy(&mark, capture_mark(info), sizeof(mark));
	return mark == CAPTURED_MARK;
}

static void mark_captured(siginfo_t *info)
{
	uint64_t mark = CAPTURED_MARK;

	memcpy(capture_mark(info), &mark, sizeof(mark));
}

static void handle(int idx, int sig, siginfo_t *info, ucontext_t *uc, pid_t tid)
{
	int expected = 0;
	/* a fault in an addon, or the abort of a panic this copy captured */
	int captured_first =
	    (fault_in_library(info, uc) || (sig == SIGABRT && hook_panic_pending(tid))) &&
	    !captured_elsewhere(info);
	if (!captured_first && previous_handles(idx, sig, info, uc))
		return;
	if (captured_elsewhere(info)) { /* by a copy in front, or behind us */
		die_by_default(sig, info);
		return;
	}
	mark_captured(info);
	if (!atomic_compare_exchange_strong(&crashing_tid, &expected, (int)tid)) {
		int again = 0;
		if (expected != (int)tid)
			wait_for_other_crash();
		/* A panic report written at raise time holds the latch briefly:
		 * once it is free, this crash is ours to capture after all. */
		if (expected == (int)tid ||
		    !atomic_compare_exchange_strong(&crashing_tid, &again, (int)tid)) {
			die_by_default(sig, info);
			return;
		}
	}
	capture(sig, info, uc, tid);
	/* The previous handler sees a fault in a library as it would have
	 * (Node's resets the terminal); if it moves execution on, so be it. */
	if (captured_first && previous_handles(idx, sig, info, uc)) {
		hook_crash_release(&crash);
		atomic_store(&crashing_tid, 0);
		return;
	}
	die_by_default(sig, info);
}

static void on_signal(int sig, siginfo_t *info, void *ucv)
{
	int saved_errno = errno;
	pid_t tid = self_tid();
	int idx = signal_index(sig);
	if (unwinding && atomic_load(&crashing_tid) == (int)tid)
		siglongjmp(unwind_escape, 1);
	if (idx < 0 || chain_reentered(tid, sig, info)) {
		errno = saved_errno;
		return; /* a handler we chained to chained back to us */
	}
	handle(idx, sig, info, ucv, tid);
	errno = saved_errno;
}

/* Puts our handler in front for every fatal signal it is not already on. */
int hook_signals_install(void)
{
	struct sigaction sa;
	int rc = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NSIGNALS; i++)
		sigaddset(&sa.sa_mask, fatal_signals[i]);
	pthread_mutex_lock(&install_lock);
	for (size_t i = 0; i < NSIGNALS && rc == 0; i++) {
		struct sigaction old;
		if (sigaction(fatal_signals[i], NULL, &old) != 0) {
			rc = -1;
		} else if (!is_ours(&old)) {
			previous_set((int)i, &old, 0);
			rc = sigaction(fatal_signals[i], &sa, NULL) != 0 ? -1 : 0;
		}
	}
	pthread_mutex_unlock(&install_lock);
	return rc;
}
