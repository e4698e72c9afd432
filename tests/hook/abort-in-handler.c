/*
 * abort-in-handler.c: a program whose own SIGSEGV handler, installed after
 * the preloaded hook as Node's is, calls abort(); a dlopen then puts the
 * hook in front, and the program faults. The hook chains to that handler,
 * whose SIGABRT is a crash of its own, not the SIGSEGV handed back.
 */
#include <dlfcn.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int *volatile target;

static void on_segv(int sig)
{
	(void)sig;
	abort();
}

int main(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_segv;
	sigaction(SIGSEGV, &sa, NULL);
	dlopen("libm.so.6", RTLD_NOW);
	*target = 1;
	return 0;
}
