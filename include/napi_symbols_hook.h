/*
 * napi_symbols_hook.h: the crash hook. Loaded into a Node.js process (with
 * LD_PRELOAD=libnapi_symbols_hook.so, or linked into an addon from the static
 * archive), it catches fatal signals (SIGSEGV, SIGBUS, SIGILL, SIGFPE,
 * SIGABRT, SIGTRAP), writes a crash report and a compact trace keyed by
 * module identity and module-relative address (docs/crash-report.md), can run
 * `napi-symbols symbolicate` on the report, and then lets the process die as
 * it would have without the hook. Faults that a handler installed before the
 * hook deals with (Node's WebAssembly bounds traps) are left to it.
 *
 * The preload library installs itself from a constructor; an addon that links
 * the archive calls nsym_hook_install() from its module init.
 */
#ifndef NAPI_SYMBOLS_HOOK_H
#define NAPI_SYMBOLS_HOOK_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define NSYM_HOOK_EXTERN __attribute__((visibility("default")))
#else
#define NSYM_HOOK_EXTERN
#endif

/* Error codes; the same values as the NSYM_E* codes of napi_symbols.h. */
#define NSYM_HOOK_ENOMEM (-1) /* the alternate stack could not be mapped */
#define NSYM_HOOK_EINVAL (-2) /* a bad option */
#define NSYM_HOOK_EIO    (-4) /* a system call failed (sigaction, sigaltstack) */

/* What the hook does on a crash. A NULL or -1 member takes its default. */
struct nsym_hook_options {
	/* Folder for crash reports; NULL: $NAPI_SYMBOLS_REPORT_DIR, else the
	 * current folder, else $TMPDIR, else /tmp (the first one writable). */
	const char *report_dir;
	/* 1: run `napi-symbols symbolicate REPORT` after a crash; 0: do not;
	 * -1: $NAPI_SYMBOLS_SYMBOLICATE (0 turns it off; default on). */
	int symbolicate;
	/* The napi-symbols program; NULL: $NAPI_SYMBOLS_BIN, else
	 * `napi-symbols` found on $PATH at install time. */
	const char *program;
	/* Node's N-API version, as napi_get_version() gives it to an addon
	 * with its napi_env, for the report; 0: unknown (a preloaded hook has
	 * no napi_env to ask). Kept by later installs that give 0. */
	unsigned napi_version;
};

/*
 * Installs the hook: reads the options (opts may be NULL: all defaults),
 * takes the table of loaded modules, gives the calling thread an alternate
 * signal stack, and installs the signal handlers, keeping the previous ones
 * to chain to. Calling it again refreshes the module table and puts the
 * handlers back in front of any installed since. Strings in opts are copied.
 * Returns 0 or a negative NSYM_HOOK_E* code. Not async-signal-safe; call it
 * from one thread at a time.
 */
NSYM_HOOK_EXTERN int nsym_hook_install(const struct nsym_hook_options *opts);

/*
 * Gives the calling thread an alternate signal stack (64 KiB plus the
 * kernel's minimum, with a guard page), so that a stack overflow on it is
 * still reported; a thread that already has one as big keeps it. The stack
 * is unmapped when the thread ends (by returning or pthread_exit). Threads
 * without one have their crashes handled on their own stack, where an
 * overflow cannot be reported. The preload library gives every thread
 * created with pthread_create one by itself; in linked mode, an addon calls
 * this first thing on each thread it creates (or from its runtime's thread
 * start hook, such as tokio's on_thread_start). Returns 0 or a negative
 * NSYM_HOOK_E* code (the thread then runs without one). Not
 * async-signal-safe; affects only the calling thread.
 */
NSYM_HOOK_EXTERN int nsym_hook_thread_init(void);

/*
 * Reports a Rust panic from a panic hook (linked mode: loader-hook/rust/
 * installs one that calls this). Captures the calling thread's stack from
 * its caller outward and writes a report with reason "panic" and the
 * compact trace at once, since a panic that is caught never reaches a
 * signal; if the panic later aborts the process, no second report is
 * written. message and file are copied (message cut to 511 bytes, file to
 * 255); file may be NULL when the location is unknown, and then line and
 * column are ignored. At most 10 panic reports are written per process.
 * Automatic symbolication of the report is started, not waited for (the
 * panic may be caught and the process go on); it is waited for, within its
 * bound, when the process exits or aborts. Call nsym_hook_install() first.
 * Not async-signal-safe; any thread.
 */
NSYM_HOOK_EXTERN void nsym_hook_panic(const char *message, const char *file, unsigned line,
                                      unsigned column);

#ifdef __cplusplus
}
#endif

#endif
