/*
 * A handler installed after the hook that hands the signal to the one it
 * replaced, as many crash reporters do; a dlopen then puts the hook back in
 * front. The hook must not take that hand-back for a handled fault (which
 * looped forever, writing a report each round).
 */
#include <dlfcn.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static struct sigaction old;
static volatile int calls;

static void mine(int sig, siginfo_t *si, void *uc)
{
	if (++calls > 50) {
		write(2, "LOOPING\n", 8);
		_exit(99);
	}
	if (old.sa_flags & SA_SIGINFO)
		old.sa_sigaction(sig, si, uc);
	else if (old.sa_handler != SIG_DFL && old.sa_handler != SIG_IGN)
		old.sa_handler(sig);
	else {
		signal(sig, SIG_DFL);
		raise(sig);
	}
}

int main(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = mine;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, &old);
	dlopen("libm.so.6", RTLD_NOW);
	*(volatile int *)0 = 1;
	return 0;
}
