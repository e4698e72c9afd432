/*
 * allocfail: fails the Nth allocation of a piece of code, for every N, and
 * checks what the code did about it (SQLite's fault simulation, curl's
 * torture tests, libbacktrace's allocfail.sh). allocfail.c says how the
 * allocator is replaced in the plain and the ASan build, and why that way.
 *
 * A path under test is four callbacks; allocfail_walk() runs it once to
 * warm up, once more to count its allocations (K), then with each N of
 * 1..K failing (every N up to ALLOCFAIL_DENSE, then a stride), then once
 * more unarmed. Its `run` brackets the code under test with
 * allocfail_enter() / allocfail_leave() on whichever thread runs it; only
 * allocations made there are counted, so the test's own and other
 * threads' are never failed. Adding a path is a struct allocfail_path and
 * one check test case that walks it (test_allocfail.c).
 *
 * Environment: ALLOCFAIL_N=n walks only n, ALLOCFAIL_N=n-m those (to
 * debug one failure: CK_FORK=no and a breakpoint on allocfail_failing in
 * gdb show the allocation); ALLOCFAIL_ALL=1 walks every N however large
 * K is.
 */
#ifndef NSYM_TEST_ALLOCFAIL_H
#define NSYM_TEST_ALLOCFAIL_H

#include <stdbool.h>

/* Allocations counted on this thread from here to allocfail_leave(). */
void allocfail_enter(void);
void allocfail_leave(void);

/* Called (noinline) when an allocation is about to fail: a breakpoint. */
void allocfail_failing(long n);

/* Sets an error detail of its own (a file that is not there), so that a
 * run that fails without setting one is seen: a path's setup calls it. */
void allocfail_plant_detail(void);
/* Asserts a failed run's outcome: rc is NSYM_ENOMEM and detail (the run's
 * nsym_error_detail()) is its own and says "out of memory". `path` and n
 * name the run in the message. */
void allocfail_check_enomem(const char *path, long n, int rc, const char *detail);

struct allocfail_path {
	const char *name;
	void *arg;
	/* A fresh start for one run (files copied, rows removed); unarmed. */
	void (*setup)(void *arg);
	/* Runs the code under test, bracketed by allocfail_enter/leave on the
	 * thread that runs it; returns its result for check (0 or a negative
	 * NSYM_E* code; an HTTP status for the server). */
	int (*run)(void *arg);
	/* Checks one run with ck_assert: failed_at is 0 when no allocation
	 * failed (the answer must be right), else the N that failed (a clear
	 * error and nothing half-done, or the right answer if the code could do
	 * without that allocation). */
	void (*check)(void *arg, int rc, long failed_at);
	/* Undoes setup; may be NULL. */
	void (*teardown)(void *arg);
};

/* What a walk did, for the test's report. */
struct allocfail_walked {
	long allocations; /* K: allocations of one unarmed run */
	long runs;        /* N tried */
	long failed;      /* runs in which the Nth allocation did fail */
};

/*
 * Walks the path as the header comment says, and under LeakSanitizer
 * checks for leaks after every run, failing the test at the first N that
 * leaked. Prints K, how many runs were made and how many of them had
 * their Nth allocation fail.
 */
void allocfail_walk(struct allocfail_walked *out, const struct allocfail_path *p);

#endif
