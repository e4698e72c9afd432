/*
 * hook_spawn.c: runs `napi-symbols symbolicate REPORT`, so that the
 * symbolicated trace appears on stderr. fork() runs atfork handlers that
 * take malloc's locks, so the child comes from _Fork() (glibc 2.34), which
 * is async-signal-safe (before 2.34, the clone system call: fork_bare). A
 * dying process must never hang: the child gets an alarm before execve
 * (alarms survive it), and the parent polls waitpid and kills the child
 * when it is still running after HOOK_SYMBOLICATE_SECONDS.
 *
 * After a crash the handler waits for the child, since the process is about
 * to die. A panic reported where it was raised may well be caught and the
 * process go on, so that child is not waited for then: it is waited for
 * (within the same bound) when the process exits, or when an abort follows,
 * so its trace is still printed before the process ends.
 */
#include "hook.h"

#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <poll.h>
#include <unistd.h>
#include <sys/syscall.h>
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

/* A symbolicating child, named by a pidfd where the kernel has them: a
 * host that reaps children itself (SIGCHLD ignored, or its own
 * waitpid(-1)) may reap ours, and its pid then go to another process. */
struct child {
	pid_t pid;
	int pidfd;           /* -1 without pidfd_open (Linux < 5.3) */
	pid_t owner;         /* the process that started it */
	int64_t deadline_ms; /* CLOCK_MONOTONIC */
};

static int64_t monotonic_ms(void)
{
	struct timespec ts = {0};
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * _Fork() came with glibc 2.34; the npm packages are built against glibc
 * 2.31 so that they run there too. Built against an older glibc, the bare
 * clone system call stands in for it: a child with no atfork handlers run,
 * which only calls sigprocmask, dup2, alarm, execve and _exit, none of
 * which reads what clone leaves stale in the child (its thread id).
 */
static pid_t fork_bare(void)
{
#if __GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34)
	return _Fork();
#else
	return (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
#endif
}

static int spawn(struct child *c, const char *report_path)
{
	if (!hook_settings.program[0])
		return -1;
	build_env();
	c->owner = getpid();
	c->deadline_ms = monotonic_ms() + HOOK_SYMBOLICATE_SECONDS * 1000;
	c->pid = fork_bare();
	if (c->pid == 0)
		run_child(report_path);
	if (c->pid < 0)
		return -1;
#ifdef SYS_pidfd_open
	c->pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
#else
	c->pidfd = -1;
#endif
	return 0;
}

#ifndef P_PIDFD
#define P_PIDFD 3 /* Linux 5.4 */
#endif

/*
 * Whether the child has ended. With a pidfd, that is the pidfd's answer,
 * and only that process is reaped (waitid P_PIDFD): a waitpid on its pid
 * could see, or reap, a child of the host's that took the pid over after
 * the host reaped ours. Without one, waitpid on the pid; a pid that is no
 * longer our child counts as ended.
 */
static int child_done(const struct child *c)
{
	struct pollfd p = {.fd = c->pidfd, .events = POLLIN};
	siginfo_t info;
	int status;
	if (c->pidfd >= 0) {
		if (poll(&p, 1, 0) == 0)
			return 0;
		waitid((idtype_t)P_PIDFD, (id_t)c->pidfd, &info, WEXITED | WNOHANG);
		return 1;
	}
	return waitpid(c->pid, &status, WNOHANG) != 0;
}

/* Only through the pidfd: without one the pid may be another process's by
 * now, and the child's own alarm ends it anyway. */
static void kill_child(const struct child *c)
{
#ifdef SYS_pidfd_send_signal
	siginfo_t info;
	if (c->pidfd >= 0 && syscall(SYS_pidfd_send_signal, c->pidfd, SIGKILL, NULL, 0) == 0)
		waitid((idtype_t)P_PIDFD, (id_t)c->pidfd, &info, WEXITED);
#else
	(void)c;
#endif
}

/* Waits until the child ends or its deadline passes, then kills it. */
static void wait_child(struct child *c)
{
	struct timespec tick = {0, 10 * 1000 * 1000};
	while (!child_done(c)) {
		if (monotonic_ms() >= c->deadline_ms) {
			kill_child(c);
			break;
		}
		nanosleep(&tick, NULL);
	}
	if (c->pidfd >= 0)
		close(c->pidfd);
	c->pidfd = -1;
}

void hook_symbolicate(const char *report_path)
{
	struct child c;
	if (spawn(&c, report_path) == 0)
		wait_child(&c);
}

/* Children started by hook_symbolicate_start and not yet waited for;
 * taken (claimed != 0) by one thread at a time. */
#define HOOK_RUNNING 16
static struct {
	atomic_int claimed;
	struct child c;
} running[HOOK_RUNNING];

/* Claims a slot for a new child; frees the slots of children that ended. */
static int claim_slot(void)
{
	for (int i = 0; i < HOOK_RUNNING; i++) {
		int expected = 0;
		if (atomic_compare_exchange_strong(&running[i].claimed, &expected, 1))
			return i;
	}
	return -1;
}

void hook_symbolicate_start(const char *report_path)
{
	int slot;
	hook_symbolicate_reap();
	slot = claim_slot();
	if (slot < 0) {
		hook_symbolicate(report_path); /* no room to remember it: wait now */
		return;
	}
	if (spawn(&running[slot].c, report_path) == 0)
		atomic_store(&running[slot].claimed, 2); /* 2: holds a child */
	else
		atomic_store(&running[slot].claimed, 0);
}

/* Settles the children that ended, without waiting. */
void hook_symbolicate_reap(void)
{
	for (int i = 0; i < HOOK_RUNNING; i++) {
		int held = 2;
		if (!atomic_compare_exchange_strong(&running[i].claimed, &held, 1))
			continue;
		if (running[i].c.owner == getpid() && child_done(&running[i].c)) {
			wait_child(&running[i].c); /* ended: closes its pidfd */
			atomic_store(&running[i].claimed, 0);
		} else {
			atomic_store(&running[i].claimed, 2);
		}
	}
}

void hook_symbolicate_wait_all(void)
{
	for (int i = 0; i < HOOK_RUNNING; i++) {
		int held = 2;
		if (!atomic_compare_exchange_strong(&running[i].claimed, &held, 1))
			continue;
		/* a process forked since inherited the table, not the children */
		if (running[i].c.owner == getpid())
			wait_child(&running[i].c);
		atomic_store(&running[i].claimed, 0);
	}
}

/* A process that goes on after a caught panic prints its trace before it exits. */
__attribute__((destructor)) static void wait_at_exit(void)
{
	hook_symbolicate_wait_all();
}
