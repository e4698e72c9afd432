/*
 * hook_spawn.c: runs `napi-symbols symbolicate REPORT`, so that the
 * symbolicated trace appears on stderr. fork() runs atfork handlers that
 * take malloc's locks, so the child comes from _Fork() (glibc 2.34), which
 * is async-signal-safe. A dying process must never hang: the child gets an
 * alarm before execve (alarms survive it), and the parent polls waitpid and
 * kills the child when it is still running after HOOK_SYMBOLICATE_SECONDS.
 *
 * After a crash the handler waits for the child, since the process is about
 * to die. A panic reported where it was raised may well be caught and the
 * process go on, so that child is not waited for then: it is waited for
 * (within the same bound) when the process exits, or when an abort follows,
 * so its trace is still printed before the process ends.
 */
#include "hook.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
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

static pid_t spawn(const char *report_path)
{
	pid_t pid;
	if (!hook_settings.program[0])
		return -1;
	build_env();
	pid = _Fork();
	if (pid == 0)
		run_child(report_path);
	return pid;
}

static int64_t monotonic_ms(void)
{
	struct timespec ts = {0};
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Whether the child has ended; with SIGCHLD ignored the kernel reaps it,
 * and then it is gone once kill() no longer finds it. */
static int child_done(pid_t pid)
{
	int status;
	pid_t r = waitpid(pid, &status, WNOHANG);
	if (r == pid)
		return 1;
	return r < 0 && (errno != ECHILD || kill(pid, 0) != 0);
}

/* Waits until the child ends or `deadline_ms` (CLOCK_MONOTONIC) passes, then kills it. */
static void wait_child(pid_t pid, int64_t deadline_ms)
{
	struct timespec tick = {0, 10 * 1000 * 1000};
	int status;
	while (!child_done(pid)) {
		if (monotonic_ms() >= deadline_ms) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return;
		}
		nanosleep(&tick, NULL);
	}
}

void hook_symbolicate(const char *report_path)
{
	pid_t pid = spawn(report_path);
	if (pid > 0)
		wait_child(pid, monotonic_ms() + HOOK_SYMBOLICATE_SECONDS * 1000);
}

/* Children started by hook_symbolicate_start and not yet waited for. */
#define HOOK_RUNNING 16
static struct {
	atomic_int pid; /* 0: free */
	int64_t deadline_ms;
} running[HOOK_RUNNING];

void hook_symbolicate_start(const char *report_path)
{
	int slot = -1;
	for (int i = 0; i < HOOK_RUNNING; i++) {
		int pid = atomic_load(&running[i].pid);
		if (pid > 0 && child_done(pid))
			atomic_compare_exchange_strong(&running[i].pid, &pid, 0);
		if (slot < 0 && atomic_load(&running[i].pid) == 0)
			slot = i;
	}
	if (slot < 0) {
		hook_symbolicate(report_path); /* no room to remember it: wait now */
		return;
	}
	running[slot].deadline_ms = monotonic_ms() + HOOK_SYMBOLICATE_SECONDS * 1000;
	pid_t pid = spawn(report_path);
	if (pid > 0)
		atomic_store(&running[slot].pid, (int)pid);
}

void hook_symbolicate_wait_all(void)
{
	for (int i = 0; i < HOOK_RUNNING; i++) {
		int pid = atomic_exchange(&running[i].pid, 0);
		if (pid > 0)
			wait_child(pid, running[i].deadline_ms);
	}
}

/* A process that goes on after a caught panic prints its trace before it exits. */
__attribute__((destructor)) static void wait_at_exit(void)
{
	hook_symbolicate_wait_all();
}
