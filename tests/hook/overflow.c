/*
 * overflow.c: a stack overflow on a thread other than the main one. The main
 * thread creates a thread that recurses until it runs off its stack, then
 * waits for it. Plain, it is run with the hook preloaded, whose pthread_create
 * gives the thread an alternate signal stack. Built with NSYM_LINKED, it links
 * the static archive and installs the hook (usage: overflow REPORT_DIR), and
 * the thread calls nsym_hook_thread_init() itself, as a linked addon's
 * threads do. Built at -O0 without sanitizers: each frame keeps its array and
 * its call, and ASan's own handler does not take the fault first.
 */
#include <pthread.h>
#include <stddef.h>

#ifdef NSYM_LINKED
#include "napi_symbols_hook.h"
#endif

/* Never set: the recursion has an end the compiler cannot rule out. */
static volatile int stop;

/* Not a tail call: the sum needs the frame after the call returns. */
static __attribute__((noinline)) int recurse(int depth)
{
	volatile char frame[1024];
	if (stop)
		return 0;
	frame[0] = (char)depth;
	return recurse(depth + 1) + frame[0];
}

static void *run(void *arg)
{
	(void)arg;
#ifdef NSYM_LINKED
	if (nsym_hook_thread_init() != 0)
		return NULL;
#endif
	return (void *)(ptrdiff_t)recurse(0);
}

int main(int argc, char **argv)
{
	pthread_t t;
#ifdef NSYM_LINKED
	struct nsym_hook_options opts = {.report_dir = argc > 1 ? argv[1] : 0, .symbolicate = 0};
	if (nsym_hook_install(&opts) != 0)
		return 2;
#else
	(void)argc;
	(void)argv;
#endif
	if (pthread_create(&t, NULL, run, NULL) != 0)
		return 2;
	pthread_join(t, NULL);
	return 0;
}
