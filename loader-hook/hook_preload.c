/*
 * hook_preload.c: what only the LD_PRELOAD library does. A constructor
 * installs the hook with the settings of the environment, and dlopen is
 * interposed so the module table learns of every addon as it loads. Node
 * installs its WebAssembly SIGSEGV handler after our constructor ran and does
 * not chain to what it replaces; the first dlopen after that (the first
 * addon), before the library's constructors run, puts our handler back in
 * front, keeping Node's as the previous one.
 *
 * _Unwind_RaiseException is interposed too: every Rust panic that unwinds
 * (panic = "unwind", the default) starts there, before either phase of the
 * unwind has run, so the stack that raised it is still whole. A Rust
 * exception's stack is kept for the thread (hook_panic.c); other exceptions
 * (C++) pass straight through. Only a preloaded library can do this: node
 * links libgcc_s, whose definition wins over one loaded later.
 *
 * pthread_create is interposed so that every thread the process creates
 * (libuv's pool, worker threads, V8's platform threads, an addon's own)
 * first gives itself an alternate signal stack (hook_altstack.c): a stack
 * overflow on it is then reported too. When anything for that fails, the
 * thread runs as it would have, without one.
 */
#include "hook.h"
#include "napi_symbols_hook.h"

#include <dlfcn.h>
#include <link.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unwind.h>

typedef void *(*dlopen_fn)(const char *, int);
typedef _Unwind_Reason_Code (*raise_fn)(struct _Unwind_Exception *);
typedef void *(*start_fn)(void *);
typedef int (*create_fn)(pthread_t *, const pthread_attr_t *, start_fn, void *);

/* What a new thread runs once it has its alternate stack. */
struct thread_start {
	start_fn fn; /* the caller's start routine */
	void *arg;   /* and its argument */
};

static void hook_preload_init(void) __attribute__((constructor));

static void hook_preload_init(void)
{
	if (nsym_hook_install(NULL) != 0)
		fprintf(stderr, "napi-symbols: the crash hook could not be installed\n");
}

/* One attempt per folder of the caller's search path; NULL when none has it. */
static void *open_in_search_path(dlopen_fn real, void *caller_map, const char *file, int mode)
{
	Dl_serinfo size;
	Dl_serinfo *si;
	void *handle = NULL;

	if (dlinfo(caller_map, RTLD_DI_SERINFOSIZE, &size) != 0 ||
	    (si = malloc(size.dls_size)) == NULL)
		return NULL;
	if (dlinfo(caller_map, RTLD_DI_SERINFOSIZE, si) == 0 &&
	    dlinfo(caller_map, RTLD_DI_SERINFO, si) == 0) {
		for (unsigned i = 0; i < si->dls_cnt && handle == NULL; i++) {
			char path[4096];
			if ((size_t)snprintf(path, sizeof(path), "%s/%s",
			                     si->dls_serpath[i].dls_name, file) < sizeof(path))
				handle = real(path, mode);
		}
	}
	free(si);
	if (handle != NULL)
		dlerror(); /* the folders that did not have it are no error */
	return handle;
}

/*
 * glibc searches a bare name with the RPATH/RUNPATH of the object that
 * called dlopen, found from the return address; called from here, that
 * object would be the hook, which has none, and $ORIGIN lookups of the
 * caller would fail. So a bare name is first tried along the caller's own
 * search path (dlinfo RTLD_DI_SERINFO), then as glibc would from here (the
 * ld.so cache and default folders).
 */
static void *open_as(dlopen_fn real, const char *file, int mode, void *caller)
{
	Dl_info info;
	void *map = NULL, *handle = NULL;

	if (file != NULL && strchr(file, '/') == NULL &&
	    dladdr1(caller, &info, &map, RTLD_DL_LINKMAP) != 0 && map != NULL)
		handle = open_in_search_path(real, map, file, mode);
	return handle != NULL ? handle : real(file, mode);
}

NSYM_HOOK_EXTERN void *dlopen(const char *file, int mode)
{
	static dlopen_fn real;
	void *handle;
	if (!real)
		real = (dlopen_fn)dlsym(RTLD_NEXT, "dlopen");
	if (!real)
		return NULL;
	/* in front before the library's constructors run: a crash in one (a
	 * C++ static initializer of an addon) is reported, not lost to Node's
	 * handler, which does not chain */
	hook_signals_install();
	handle = open_as(real, file, mode, __builtin_return_address(0));
	if (handle) {
		hook_modules_refresh_if_changed();
		hook_signals_install();
	}
	return handle;
}

/* The next definition: libgcc_s's, which node links, else one already loaded. */
static raise_fn real_raise(void)
{
	static raise_fn real;
	void *lib;
	if (real)
		return real;
	real = (raise_fn)dlsym(RTLD_NEXT, "_Unwind_RaiseException");
	if (!real && (lib = dlopen("libgcc_s.so.1", RTLD_NOW | RTLD_NOLOAD)))
		real = (raise_fn)dlsym(lib, "_Unwind_RaiseException");
	return real;
}

/*
 * Not inlined or tail-called away: our caller's return address marks where
 * the captured stack starts. The real function then unwinds from this frame,
 * which has CFI and no personality, so it is passed over.
 */
NSYM_HOOK_EXTERN __attribute__((noinline)) _Unwind_Reason_Code
_Unwind_RaiseException(struct _Unwind_Exception *exc)
{
	raise_fn real = real_raise();
	_Unwind_Reason_Code rc;
	if (!real)
		return _URC_FATAL_PHASE1_ERROR; /* the raiser aborts, as it would on any failure */
	if (exc && hook_panic_is_rust(exc->exception_class))
		hook_panic_raised((uintptr_t)__builtin_return_address(0), exc);
	rc = real(exc);
	/* Returning at all means no handler was found (_URC_END_OF_STACK): Rust
	 * aborts next, and the SIGABRT handler reports the capture. */
	__asm__ volatile("" ::: "memory"); /* keeps the call a call, not a jump */
	return rc;
}

static void *thread_trampoline(void *p)
{
	struct thread_start start = *(struct thread_start *)p;
	free(p);
	hook_altstack_init(); /* a failure leaves the thread as it would have been */
	return start.fn(start.arg);
}

/*
 * The next definition: libc's default version (pthread_create@@GLIBC_2.34
 * since glibc 2.34, where it left libpthread; the same function as the
 * older GLIBC_2.2.5 one on x86_64).
 */
NSYM_HOOK_EXTERN int pthread_create(pthread_t *out, const pthread_attr_t *attr, start_fn fn,
                                    void *arg)
{
	static create_fn real;
	struct thread_start *start;
	int rc;
	if (!real)
		real = (create_fn)dlsym(RTLD_NEXT, "pthread_create");
	if (!real)
		return EAGAIN;
	start = malloc(sizeof(*start));
	if (!start)
		return real(out, attr, fn, arg); /* no alternate stack, as without the hook */
	start->fn = fn;
	start->arg = arg;
	rc = real(out, attr, thread_trampoline, start);
	if (rc != 0)
		free(start);
	return rc;
}
