/*
 * hook_altstack.c: the alternate signal stack of each thread that has one
 * from us. A stack overflow leaves the thread no stack to run its handler
 * on, so the handler is installed with SA_ONSTACK and every thread we can
 * reach gets its own stack: the installing thread, threads created through
 * the preloaded pthread_create (hook_preload.c), and threads on which an
 * addon calls nsym_hook_thread_init(). Each is mmapped with a guard page
 * below it and unmapped by a thread-specific-data destructor when its
 * thread ends, by returning or by pthread_exit.
 */
#include "hook.h"
#include "napi_symbols_hook.h"

#include <pthread.h>
#include <unistd.h>
#include <sys/auxv.h>
#include <sys/mman.h>

#define HOOK_ALTSTACK_WORK (64 * 1024) /* the handler's own use: unwinder, buffers */

/* Holds each thread's mapping (guard page first), to unmap it at thread exit. */
static pthread_key_t altstack_key;
static int altstack_key_ok;
static pthread_once_t altstack_once = PTHREAD_ONCE_INIT;

/* max(_SC_MINSIGSTKSZ, AT_MINSIGSTKSZ, SIGSTKSZ): SIGSTKSZ is no constant since glibc 2.34,
 * which brought _SC_MINSIGSTKSZ. */
static size_t altstack_size(void)
{
#ifdef _SC_MINSIGSTKSZ
	long sc = sysconf(_SC_MINSIGSTKSZ);
#else
	long sc =
	    -1; /* glibc before 2.34 (the npm packages): the kernel's AT_MINSIGSTKSZ says it */
#endif
	size_t need = SIGSTKSZ;
	size_t at = (size_t)getauxval(AT_MINSIGSTKSZ);
	if (sc > 0 && (size_t)sc > need)
		need = (size_t)sc;
	if (at > need)
		need = at;
	return need + HOOK_ALTSTACK_WORK;
}

/* The mapping's size, guard page included; the same for every thread. */
static size_t mapping_size(size_t *out_page)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	*out_page = page;
	return ((altstack_size() + page - 1) & ~(page - 1)) + page;
}

/* At thread exit: stop using the stack before unmapping it. */
static void altstack_free(void *mem)
{
	stack_t ss = {.ss_flags = SS_DISABLE};
	size_t page;
	if (sigaltstack(&ss, NULL) == 0)
		munmap(mem, mapping_size(&page));
	/* NEEDSWORK: a thread that exits while on the stack (EPERM) keeps it mapped. */
}

static void altstack_key_create(void)
{
	altstack_key_ok = pthread_key_create(&altstack_key, altstack_free) == 0;
}

int hook_altstack_init(void)
{
	stack_t old, ss;
	size_t page;
	size_t total = mapping_size(&page);
	char *mem;
	if (sigaltstack(NULL, &old) == 0 && !(old.ss_flags & SS_DISABLE) &&
	    old.ss_size >= total - page)
		return 0; /* the thread has one big enough: keep it */
	pthread_once(&altstack_once, altstack_key_create);
	/* One guard page below, so an overflow of the handler faults cleanly. */
	mem = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return NSYM_HOOK_ENOMEM;
	mprotect(mem, page, PROT_NONE);
	ss.ss_sp = mem + page;
	ss.ss_size = total - page;
	ss.ss_flags = 0;
	if (sigaltstack(&ss, NULL) != 0) {
		munmap(mem, total);
		return NSYM_HOOK_EIO;
	}
	/* Without the key the stack lives as long as the process: a leak, not a fault. */
	if (altstack_key_ok) {
		void *before = pthread_getspecific(altstack_key);
		if (before) /* ours, since replaced or disabled: no longer in use */
			munmap(before, total);
		pthread_setspecific(altstack_key, mem);
	}
	return 0;
}
