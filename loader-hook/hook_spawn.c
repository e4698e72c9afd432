/*
 * hook_spawn.c: runs `napi-symbols symbolicate REPORT` from the signal
 * handler, so that the symbolicated trace appears on stderr before the
 * process dies. fork() runs atfork handlers that take malloc's locks, so the
 * child comes from _Fork() (glibc 2.34), which is async-signal-safe. A dying
 * process must never hang: the child gets an alarm before execve (alarms
 * survive it), and the parent polls waitpid and kills the child when it is
 * still running after HOOK_SYMBOLICATE_SECONDS.
 */
#include "hook.h"

#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#define HOOK_SYMBOLICATE_SECONDS 10
#define HOOK_MAX_ENV             1024 /* environment entries passed on */

extern char **environ;

/* The child's environment: ours without LD_PRELOAD, so the hook does not load into it. */
static char *child_env[HOOK_MAX_ENV + 1];

static void build_env(void)
{
	size_t n = 0;
	for (char **e = environ; e && *e && n < HOOK_MAX_ENV; e++) {
		if (strncmp(*e, "LD_PRELOAD=", 11) != 0)
			child_env[n++] = *e;
	}
	child_env[n] = NULL;
}

static void run_child(const char *report_path)
{
	char *argv[] = {hook_settings.program, "symbolicate", (char *)report_path, NULL};
	sigset_t none;
	/* The handler's mask is inherited through execve: clear it. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	dup2(STDERR_FILENO, STDOUT_FILENO);
	alarm(HOOK_SYMBOLICATE_SECONDS);
	execve(hook_settings.program, argv, child_env);
	_exit(127);
}

void hook_symbolicate(const char *report_path)
{
	struct timespec tick = {0, 10 * 1000 * 1000};
	int status;
	pid_t pid;
	if (!hook_settings.program[0])
		return;
	build_env();
	pid = _Fork();
	if (pid < 0)
		return;
	if (pid == 0)
		run_child(report_path);
	for (int i = 0; i < HOOK_SYMBOLICATE_SECONDS * 100; i++) {
		if (waitpid(pid, &status, WNOHANG) != 0)
			return;
		nanosleep(&tick, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}
