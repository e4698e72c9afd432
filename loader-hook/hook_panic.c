/*
 * hook_panic.c: Rust panics, captured where they are raised. By the time a
 * panic ends the process (SIGABRT from `panic in a function that cannot
 * unwind`, or from `failed to initiate panic` when no handler was found) the
 * frames that raised it may have been unwound away, so the stack is taken
 * at the raise, kept in a slot of the raising thread, and used by the
 * SIGABRT handler (hook_signal.c) if an abort follows on that thread. The
 * raise is seen through _Unwind_RaiseException (hook_preload.c, preload mode)
 * or through nsym_hook_panic() (a Rust panic hook, linked mode; that one
 * also knows the message and location).
 *
 * The slots are a fixed table keyed by thread id rather than thread-local
 * variables: a signal handler may read them, and the first touch of a
 * dynamically loaded library's TLS can allocate. A slot is written by its
 * own thread only, outside any handler.
 *
 * A panic that is caught (catch_unwind, NAPI-RS turning it into a JS error)
 * leaves its slot behind: nothing tells us it was caught. What an abort
 * tells is its own stack: while the panic is in flight (the raise failed for
 * want of a handler, or the unwinding stopped at a function that cannot
 * unwind), the frames that raised it, or some of their callers in the same
 * module, are still on the stack; once a catch has returned, they are gone.
 * So an abort is tied to a capture only when its stack holds one of the
 * capture's calls in the module that raised it, and within
 * HOOK_PANIC_MAX_AGE; a newer raise on the same thread replaces it.
 */
#include "hook.h"
#include "napi_symbols_hook.h"

#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

#define HOOK_PANIC_SLOTS   32    /* threads with a pending panic at once */
#define HOOK_PANIC_MAX_AGE 30000 /* ms from raise to abort, at most */
#define HOOK_HOOK_TO_RAISE 1000  /* ms from a panic hook's capture to its raise */
#define HOOK_PANIC_REPORTS 10    /* reports written at raise time, per process */
#define HOOK_PANIC_EDGES   8     /* runs of the raising module's frames kept */

/* One thread's last raised panic. */
struct panic_slot {
	atomic_int tid;                 /* owner; 0 free, -1 being claimed */
	atomic_int pending;             /* holds a raise not yet reported at abort */
	int reported;                   /* a report was written at raise time */
	int from_panic_hook;            /* nsym_hook_panic took it; its raise follows */
	int64_t when;                   /* CLOCK_MONOTONIC ms at the raise */
	size_t nframes;                 /* used entries of pcs */
	uintptr_t pcs[HOOK_MAX_FRAMES]; /* innermost first, return addresses */
	struct hook_activation acts[HOOK_MAX_FRAMES]; /* of those frames */
	/* the outermost frame of each run of frames in the raising module,
	 * over the whole stack: where a deep panic's unwinding may stop */
	struct hook_activation edges[HOOK_PANIC_EDGES];
	size_t nedges;
	char message[HOOK_PANIC_TEXT]; /* "" when unknown */
	char file[HOOK_PANIC_FILE];    /* "" when unknown */
	unsigned line, column;         /* with file */
};

static struct panic_slot slots[HOOK_PANIC_SLOTS];
static atomic_int reports_written;
/* The report a raise writes; only the holder of the crash latch uses it. */
static struct hook_crash raise_report;

static pid_t self_tid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static int64_t monotonic_now(void)
{
	struct timespec ts = {0};
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct panic_slot *slot_find(pid_t tid)
{
	for (int i = 0; i < HOOK_PANIC_SLOTS; i++) {
		if (atomic_load(&slots[i].tid) == (int)tid)
			return &slots[i];
	}
	return NULL;
}

/* The thread's slot, else a free one, else the oldest (its thread is likely gone). */
static struct panic_slot *slot_claim(pid_t tid)
{
	struct panic_slot *s = slot_find(tid), *oldest = NULL;
	if (s)
		return s;
	for (int i = 0; i < HOOK_PANIC_SLOTS; i++) {
		int expected = 0;
		if (atomic_compare_exchange_strong(&slots[i].tid, &expected, (int)tid))
			return &slots[i];
	}
	for (int i = 0; i < HOOK_PANIC_SLOTS; i++) {
		if (atomic_load(&slots[i].tid) > 0 && (!oldest || slots[i].when < oldest->when))
			oldest = &slots[i];
	}
	if (oldest) {
		int owner = atomic_load(&oldest->tid);
		if (owner > 0 && atomic_compare_exchange_strong(&oldest->tid, &owner, (int)tid))
			return oldest;
	}
	return NULL; /* lost a race for the last slot: this panic goes uncaptured */
}

/* Copies s, cut to fit at a character boundary (the report is UTF-8 JSON). */
static void copy_text(char *out, size_t size, const char *s)
{
	size_t n = s ? strnlen(s, size - 1) : 0;
	while (n > 0 && s[n] && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	memcpy(out, s ? s : "", n);
	out[n] = '\0';
}

static void fill_panic(struct hook_crash *c, const struct panic_slot *s)
{
	c->panic = 1;
	c->nregs = 0; /* the raise's stack has no signal context */
	c->signo = 0;
	c->code = 0;
	c->addr = 0;
	memcpy(c->pcs, s->pcs, s->nframes * sizeof(s->pcs[0]));
	c->nframes = s->nframes;
	memcpy(c->panic_message, s->message, sizeof(c->panic_message));
	memcpy(c->panic_file, s->file, sizeof(c->panic_file));
	c->panic_line = s->line;
	c->panic_column = s->column;
}

/* Writes the report at raise time, as long as fewer than HOOK_PANIC_REPORTS were. */
static void report_now(struct panic_slot *s, pid_t tid)
{
	if (atomic_fetch_add(&reports_written, 1) >= HOOK_PANIC_REPORTS)
		return;
	if (hook_latch_take(tid) != 0) {
		/* A crash is being captured: it ends the process anyway. */
		atomic_fetch_sub(&reports_written, 1);
		return;
	}
	/* Not in a handler: the loader's lock may be taken to see libraries
	 * loaded since the last refresh (linked mode has no dlopen interposer). */
	hook_modules_refresh_if_changed();
	hook_crash_identity(&raise_report);
	fill_panic(&raise_report, s);
	hook_capture_write(&raise_report);
	hook_crash_release(&raise_report);
	hook_latch_release();
	s->reported = 1;
}

/* The raise's stack as hook_unwind_here walks it. */
struct stack_walk {
	struct panic_slot *s;
	const struct hook_modtab *t;
	int raiser;                  /* the module of the first frame */
	int in_run;                  /* the last frame was in it */
	struct hook_activation last; /* that frame's activation */
};

static void end_run(struct stack_walk *w)
{
	if (w->in_run && w->s->nedges < HOOK_PANIC_EDGES)
		w->s->edges[w->s->nedges++] = w->last;
	w->in_run = 0;
}

static int on_frame(void *arg, uintptr_t pc, struct hook_activation act)
{
	struct stack_walk *w = arg;
	struct panic_slot *s = w->s;
	int m = hook_modules_find(w->t, pc);

	if (s->nframes < HOOK_MAX_FRAMES) {
		s->pcs[s->nframes] = pc;
		s->acts[s->nframes++] = act;
	}
	if (s->nframes == 1)
		w->raiser = m;
	if (m >= 0 && m == w->raiser) {
		w->in_run = 1;
		w->last = act;
	} else {
		end_run(w);
	}
	/* every frame kept and every edge: the rest of the stack is not needed */
	return s->nframes == HOOK_MAX_FRAMES && s->nedges == HOOK_PANIC_EDGES;
}

/* The first HOOK_MAX_FRAMES frames from the raise, and the edges of the
 * raising module's runs over the whole stack. */
static void take_stack(struct panic_slot *s, uintptr_t from)
{
	struct stack_walk w = {.s = s, .t = hook_modules_pin(), .raiser = -1};

	int cut;

	s->nframes = s->nedges = 0;
	hook_unwind_here(from, on_frame, &w, &cut);
	if (!cut) /* a walk cut short is in the middle of its run: no edge there */
		end_run(&w);
	hook_modules_unpin(w.t);
	if (s->nframes == 0) {
		s->pcs[0] = from;
		s->acts[0] = (struct hook_activation){0, from};
		s->nframes = 1;
	}
}

/* from_hook: nsym_hook_panic's capture, whose raise follows. */
static void record(uintptr_t from, const char *message, const char *file, unsigned line,
                   unsigned column, int report, int from_hook)
{
	pid_t tid = self_tid();
	struct panic_slot *s = slot_claim(tid);
	if (!s)
		return;
	atomic_store(&s->pending, 0); /* the handler ignores it while it changes */
	s->when = monotonic_now();
	s->reported = 0;
	s->from_panic_hook = from_hook;
	copy_text(s->message, sizeof(s->message), message);
	copy_text(s->file, sizeof(s->file), file);
	s->line = file ? line : 0;
	s->column = file ? column : 0;
	take_stack(s, from);
	if (report)
		report_now(s, tid);
	atomic_store(&s->pending, 1);
}

int hook_panic_is_rust(uint64_t exception_class)
{
	static const char bytes[8] = {'M', 'O', 'Z', '\0', 'R', 'U', 'S', 'T'};
	return exception_class == 0x4d4f5a0052555354ull ||
	       memcmp(&exception_class, bytes, sizeof(bytes)) == 0;
}

/* _Unwind_RaiseException saw a Rust exception; from is its return address.
 * With a linked addon under the preloaded library, the addon's panic hook
 * has just captured this panic (with its message) through nsym_hook_panic:
 * that capture stands, and the raise is not captured twice. */
void hook_panic_raised(uintptr_t from, const void *exception)
{
	struct panic_slot *s = slot_find(self_tid());
	char message[HOOK_PANIC_TEXT];
	if (s && s->from_panic_hook) {
		s->from_panic_hook = 0;
		if (monotonic_now() - s->when < HOOK_HOOK_TO_RAISE)
			return;
	}
	hook_rust_panic_message(message, sizeof(message), exception);
	record(from, message, NULL, 0, 0, hook_settings.panics_all, 0);
}

/* Whether activation a of the capture is on the abort's stack: the same
 * activation where the abort's walk knows them; else, less surely, the
 * same return address. */
static int live_on(const struct hook_crash *c, struct hook_activation a)
{
	if (a.sp != 0 && c->nacts > 0) {
		for (size_t j = 0; j < c->nacts; j++) {
			if (hook_same_activation(a, 1, c->acts[j], j > 0))
				return 1;
		}
		return 0;
	}
	for (size_t j = 1; j < c->nframes; j++) {
		if (c->pcs[j] == a.pc)
			return 1;
	}
	return 0;
}

/* Whether the abort's stack still holds an activation of the panic's stack
 * in the module that raised it: the panic is then not behind a catch that
 * returned. Activations, not return addresses: every panic of a module
 * passes through the same frames of std's, and a function where the
 * unwinding stopped (one that cannot unwind) calls abort from another
 * address than the one it called the panicking code from. An abort that
 * could not be unwound says nothing, and is taken to be the panic's. */
/* How many frames after the raise's own are std's panic machinery for
 * certain (rust_panic_with_hook, begin_panic_handler and its closure,
 * __rust_end_short_backtrace), in preload and in linked mode alike. */
#define MACHINERY_FRAMES 4

/* Whether the abort comes through std's panic machinery: some frame of its
 * is in a procedure of the raise's first frames (at another activation:
 * the abort of a panic that could not start, of one that reached a
 * function that cannot unwind). A caught panic's later std::process::abort
 * or C abort() does not. */
static int through_machinery(const struct panic_slot *s, const struct hook_crash *c)
{
	uintptr_t procs[MACHINERY_FRAMES];
	size_t n = 0;

	for (size_t i = 1; i < s->nframes && n < MACHINERY_FRAMES; i++) {
		procs[n] = hook_proc_start(s->pcs[i] - 1);
		n += procs[n] != 0;
	}
	for (size_t j = 1; j < c->nacts; j++) {
		uintptr_t p = hook_proc_start(c->acts[j].pc - 1);
		for (size_t k = 0; p != 0 && k < n; k++) {
			if (p == procs[k])
				return 1;
		}
	}
	return 0;
}

static int still_in_flight(const struct panic_slot *s, const struct hook_crash *c)
{
	int raiser = hook_modules_find(c->modules, s->pcs[0]);

	if (c->nframes <= 1)
		return 1;
	if (!through_machinery(s, c))
		return 0;
	for (size_t i = 1; raiser >= 0 && i < s->nframes; i++) {
		if (hook_modules_find(c->modules, s->pcs[i]) == raiser && live_on(c, s->acts[i]))
			return 1;
	}
	for (size_t e = 0; e < s->nedges; e++) {
		if (live_on(c, s->edges[e]))
			return 1;
	}
	return 0;
}

int hook_panic_pending(pid_t tid)
{
	struct panic_slot *s = slot_find(tid);
	return s != NULL && atomic_load(&s->pending) &&
	       monotonic_now() - s->when <= HOOK_PANIC_MAX_AGE;
}

int hook_panic_take(struct hook_crash *c, pid_t tid)
{
	struct panic_slot *s = slot_find(tid);
	if (!s || !atomic_load(&s->pending))
		return 0;
	atomic_store(&s->pending, 0);
	if (monotonic_now() - s->when > HOOK_PANIC_MAX_AGE || !still_in_flight(s, c))
		return 0; /* caught: this abort is something else */
	if (s->reported)
		return 2;
	fill_panic(c, s);
	return 1;
}

NSYM_HOOK_EXTERN void nsym_hook_panic(const char *message, const char *file, unsigned line,
                                      unsigned column)
{
	if (hook_other.panic) {
		hook_other.panic(message, file, line, column);
		return;
	}
	/* Linked mode: the addon's author opted in, so every panic is reported. */
	record((uintptr_t)__builtin_return_address(0), message ? message : "", file, line, column,
	       1, 1);
}
