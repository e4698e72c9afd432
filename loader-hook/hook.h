/*
 * hook.h: what the files of the crash hook share. Everything here is internal
 * (hidden visibility); the public interface is include/napi_symbols_hook.h.
 * Functions marked "signal-safe" are called from the signal handler and use
 * only async-signal-safe calls and memory set aside at install time.
 */
#ifndef NSYM_HOOK_H
#define NSYM_HOOK_H

#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <ucontext.h>

#define HOOK_MAX_MODULES 512          /* modules kept; more are left out of reports */
#define HOOK_MAX_RANGES  8            /* executable PT_LOAD segments per module */
#define HOOK_MAX_ID      64           /* build-id bytes kept */
#define HOOK_PATHS_SIZE  (128 * 1024) /* module path bytes per table */
#define HOOK_MAX_FRAMES  64           /* frames unwound, as the compact trace allows */
#define HOOK_MAX_ACTS    512          /* a signal's activations kept, past the frames */
#define HOOK_PANIC_TEXT  512          /* panic message bytes kept */
#define HOOK_PANIC_FILE  256          /* panic location file bytes kept */
#define HOOK_MAX_REGS    34           /* general registers (aarch64: x0-x30, sp, pc, pstate) */

/* One loaded ELF object, as dl_iterate_phdr saw it. */
struct hook_module {
	uintptr_t base;                       /* load bias: rel = pc - base */
	uintptr_t ranges[HOOK_MAX_RANGES][2]; /* executable segments, end exclusive */
	uint32_t path;                        /* offset of the path in the pool */
	uint8_t nranges;                      /* used entries of ranges */
	uint8_t id_len;                       /* build-id bytes; 0: none */
	uint8_t id[HOOK_MAX_ID];              /* the GNU build-id */
};

/* A snapshot of the loaded modules; the first is the main program. */
struct hook_modtab {
	size_t count;      /* used entries of mods */
	size_t paths_used; /* used bytes of paths */
	struct hook_module mods[HOOK_MAX_MODULES];
	char paths[HOOK_PATHS_SIZE]; /* NUL-terminated paths */
};

/* Settings fixed at install time. */
struct hook_settings {
	char report_dir[PATH_MAX]; /* where reports go first */
	char tmp_dir[PATH_MAX];    /* where they go when report_dir fails */
	char program[PATH_MAX];    /* napi-symbols; "" when not found */
	int symbolicate;           /* run `napi-symbols symbolicate` after a crash */
	int panics_all;            /* NAPI_SYMBOLS_PANICS=all: report caught panics too */
	unsigned napi_version;     /* from nsym_hook_options; 0 unknown */
	/* the first server of NAPI_SYMBOLS_SERVER, without a trailing '/': its
	 * page symbolicates a trace given in its URL; "" when none is set */
	char server[512];
};

extern struct hook_settings hook_settings;

/* Another copy of the hook in the process that this one hands its calls to
 * (hook_install.c); all NULL when this copy is the one that reports. */
struct nsym_hook_options;
struct hook_other {
	int (*install)(const struct nsym_hook_options *opts);
	int (*thread_init)(void);
	void (*panic)(const char *message, const char *file, unsigned line, unsigned column);
};
extern struct hook_other hook_other;

/* Which activation of which function a frame is: the stack pointer in it
 * (the CFA of the frame it called, as libunwind reads it from the CFI; 0
 * when unknown) and its pc, whose procedure hook_proc_start finds when two
 * frames' stack pointers agree. */
struct hook_activation {
	uintptr_t sp, pc;
};

/* What the handler learned about one crash. */
struct hook_crash {
	int signo;                      /* si_signo */
	int code;                       /* si_code */
	uintptr_t addr;                 /* si_addr */
	pid_t pid, tid;                 /* process and crashing thread */
	int64_t time;                   /* seconds since the epoch, UTC */
	char thread_name[32];           /* /proc/self/task/TID/comm, or "" */
	uintptr_t pcs[HOOK_MAX_FRAMES]; /* innermost first; pcs[0] is the fault */
	size_t nframes;                 /* used entries of pcs */
	/* the signal's own frames as libunwind walked them (a SIGABRT's,
	 * before a panic's frames replace them): their activations */
	struct hook_activation acts[HOOK_MAX_ACTS];
	size_t nacts;
	int panic;                           /* reason "panic": every pc is a return address */
	char panic_message[HOOK_PANIC_TEXT]; /* "" when unknown (preload mode) */
	char panic_file[HOOK_PANIC_FILE];    /* "" when unknown */
	unsigned panic_line, panic_column;   /* with panic_file */
	size_t nregs;                        /* a signal's registers; 0 for a panic */
	uintptr_t regs[HOOK_MAX_REGS];       /* at the signal, named by reg_names */
	const char *const *reg_names;
	const struct hook_modtab *modules; /* the snapshot the frames index */
	const struct hook_modtab *pinned;  /* the table hook_crash_identity pinned */
	const struct hook_modtab *live;    /* the link map's, once the handler took it */
	char report_name[64];              /* napi-crash-PID-TIME.json */
	char report_path[PATH_MAX + 64];   /* where it was written; "" if nowhere */
};

/* hook_out.c: buffered output to a descriptor, formatted by hand (signal-safe). */
struct hook_out {
	int fd;         /* where flushes go; -1 drops output */
	int failed;     /* a write to fd fell short (a full disk): output was lost */
	int encode;     /* write bytes form-encoded, as in a URL's query ('+' for ' ') */
	size_t len;     /* used bytes of buf */
	char buf[4096]; /* pending output */
};
void hook_out_flush(struct hook_out *o);
void hook_out_mem(struct hook_out *o, const char *p, size_t n);
void hook_out_str(struct hook_out *o, const char *s);
void hook_out_hex(struct hook_out *o, uintptr_t v, int prefix); /* lowercase, 0x when prefix */
void hook_out_dec(struct hook_out *o, int64_t v);
void hook_out_json(struct hook_out *o, const char *s); /* a quoted JSON string */
void hook_out_pad2(struct hook_out *o, unsigned v);    /* two digits */
void hook_time_parts(int64_t t, unsigned out[6]);      /* year, month, day, hour, min, sec */

/* hook_modules.c: the module table. A reader pins the table it reads
 * (until unpinned, no rebuild writes it); refresh_if_changed rebuilds only
 * when libraries were loaded or unloaded since. live() walks the loader's
 * link map into a table of the handler's own, for libraries the table
 * missed; it reads loader memory unlocked, so call it guarded against faults. */
int hook_modules_refresh(void);
int hook_modules_refresh_if_changed(void);
const struct hook_modtab *hook_modules_pin(void);                 /* signal-safe */
void hook_modules_unpin(const struct hook_modtab *t);             /* signal-safe */
const struct hook_modtab *hook_modules_live(void);                /* signal-safe */
int hook_modules_find(const struct hook_modtab *t, uintptr_t pc); /* signal-safe */
const char *hook_module_path(const struct hook_modtab *t, int i); /* signal-safe */

/* hook_unwind.c */
void hook_unwind_init(void);
/* The two walks of a signal's stack, libunwind's (CFI) and the frame
 * pointers'; the caller guards each against faults and keeps the longer. */
/* cfi: the first max_out pcs into out, the activations of the first
 * max_acts frames (max_acts >= max_out) into acts; returns the frames
 * walked, so min(return, max_out) pcs. */
size_t hook_unwind_cfi(const ucontext_t *uc, uintptr_t *out, size_t max_out,
                       struct hook_activation *acts, size_t max_acts);   /* signal-safe */
size_t hook_unwind_fp(const ucontext_t *uc, uintptr_t *out, size_t max); /* signal-safe */
/* The first address of the procedure holding pc, from its CFI; 0 when
 * unknown (as signal-safe as the unwinding). */
uintptr_t hook_proc_start(uintptr_t pc);
/* Whether a and b are the same activation of the same function: the same
 * stack pointer, and pcs in one procedure (return addresses are looked up
 * at pc - 1, a signal's own pc as it is). */
int hook_same_activation(struct hook_activation a, int a_return, struct hook_activation b,
                         int b_return);
uintptr_t hook_context_pc(const ucontext_t *uc); /* signal-safe */
uintptr_t hook_context_sp(const ucontext_t *uc); /* signal-safe */
/* The general registers in uc, into out (HOOK_MAX_REGS at most), with
 * their names in *names, in the order of the architecture's manuals. */
size_t hook_context_registers(const ucontext_t *uc, uintptr_t *out,
                              const char *const **names); /* signal-safe */
/* The calling thread's stack outside a signal handler, from the frame whose
 * pc is `from` (a return address) outward (all of it when none is), frame
 * by frame to fn until it returns non-zero. Returns how many fn saw. */
typedef int (*hook_frame_fn)(void *arg, uintptr_t pc, struct hook_activation act);
#define HOOK_UNWIND_HERE_MAX 1024 /* frames walked at most; *cut set when more were there */
size_t hook_unwind_here(uintptr_t from, hook_frame_fn fn, void *arg, int *cut);

/* hook_signal.c */
int hook_signals_install(void);
/* Outside a signal handler: the crash latch (the one capture at a time),
 * taken (0) or not (-1, another capture holds it); and, holding it, the
 * report and trace of c, with its symbolication started, not waited for. */
int hook_latch_take(pid_t tid);
void hook_latch_release(void);
void hook_capture_write(struct hook_crash *c);
void hook_crash_identity(struct hook_crash *c); /* pid, tid, time, thread name, modules */
void hook_crash_release(struct hook_crash *c);  /* unpins its module table */

/* hook_panic.c: panics captured where they are raised, kept per thread. */
/* The Rust exception class is "MOZ\0RUST": older std stored it as the
 * big-endian u64 (u64::from_be_bytes), newer std as those bytes in memory
 * order (from_ne_bytes; rustc 1.95 does). Either is taken. */
int hook_panic_is_rust(uint64_t exception_class);
void hook_panic_raised(uintptr_t from, const void *exception);
/* hook_rust_payload.c: the message a Rust exception object carries, into
 * out; 0 and "" when it cannot be read safely (not async-signal-safe). */
size_t hook_rust_panic_message(char *out, size_t size, const void *exception);
/* Whether the thread has a panic capture not yet taken (signal-safe). */
int hook_panic_pending(pid_t tid);
/* At a SIGABRT whose own frames (and modules) are in c: fills c from the
 * thread's pending panic capture, if that panic is still in flight. Returns
 * 0 none (c untouched), 1 filled, 2 already reported at raise time
 * (signal-safe). */
int hook_panic_take(struct hook_crash *c, pid_t tid);

/* hook_runtime.c: the Node.js version ("v20.20.2") into out, or 0; and
 * Node's N-API version, or 0: when the process is not Node or they cannot
 * be read (signal-safe). */
void hook_runtime_init(void);
size_t hook_node_version(char *out, size_t size);
unsigned hook_node_napi(void);

/* hook_report.c: the report file and the compact trace (signal-safe). The
 * report goes to the report folder, else the temp folder: 0 with its path
 * in c->report_path, or -1 with report_path "" and no file left (one that
 * could not be written whole is removed). */
int hook_report_write(struct hook_crash *c);
void hook_trace_write(int fd, const struct hook_crash *c);

/* hook_spawn.c: napi-symbols symbolicate REPORT, bounded in time (signal-safe):
 * waiting for it, or started now and waited for at exit or by wait_all. */
void hook_symbolicate(const char *report_path);
void hook_symbolicate_start(const char *report_path);
void hook_symbolicate_reap(void);
void hook_symbolicate_wait_all(void);

/* hook_altstack.c: gives the calling thread an alternate signal stack, unless
 * it has one big enough; unmapped when the thread ends. 0 or NSYM_HOOK_E*. */
int hook_altstack_init(void);

#endif
