/*
 * allocfail's allocator and walk (allocfail.h). The test program that links
 * this file defines malloc, calloc, realloc, reallocarray, free,
 * posix_memalign, aligned_alloc, memalign, strdup and strndup itself. A
 * definition in the executable comes first in the dynamic linker's search
 * order, so it replaces the allocator for every library in the process,
 * not only ours: libelf, zlib, zstd, libdeflate, jansson,
 * sqlite, libcrypto, civetweb and glibc's own internal callers (fopen,
 * opendir, realpath) all allocate through it, and no library's own hook
 * (sqlite3_config, CRYPTO_set_mem_functions, json_set_alloc_funcs) is
 * needed. Each function counts the call when the calling thread is between
 * allocfail_enter() and allocfail_leave(), fails it (NULL and ENOMEM) when
 * it is the Nth, and otherwise hands it to the next definition, found with
 * dlsym(RTLD_NEXT): glibc's malloc in the plain build, and in the ASan
 * build ASan's, which comes before glibc (libasan is first in the search
 * order), so ASan still sees every block and LeakSanitizer still checks
 * them. That is why this works in both builds where --wrap (our own calls
 * only) or a malloc forwarding to __libc_malloc (memory ASan never saw)
 * would not. strdup and strndup are made here from malloc because ASan's
 * own strdup allocates without calling malloc. Allocations dlsym itself
 * makes while the next definitions are looked up come from a small static
 * arena that free() ignores.
 *
 * Only the Nth call fails; those after it succeed again (SQLite's
 * transient faults, curl's torture). A failure is made here, without
 * asking ASan for anything, so ASan's allocator_may_return_null does not
 * come into it.
 *
 * What is not counted: ASan's interceptors that allocate on their own
 * (realpath(p, NULL) under ASan, for one), and mmap. So K can differ
 * between the plain and the ASan build (for the paths here it does not);
 * each build walks its own K. Leaks are checked after every run, by
 * LeakSanitizer in the ASan build (none in the plain one), with nothing
 * suppressed: every leak it finds is ours to fix.
 */
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "allocfail.h"
#include "napi_symbols.h"

/* Walked in full up to here; past it, a stride keeps the walk to
 * ALLOCFAIL_DENSE + ALLOCFAIL_SPARSE runs, so a test takes seconds. */
#define ALLOCFAIL_DENSE  600
#define ALLOCFAIL_SPARSE 300

static void *(*next_malloc)(size_t);
static void *(*next_calloc)(size_t, size_t);
static void *(*next_realloc)(void *, size_t);
static void (*next_free)(void *);
static int (*next_posix_memalign)(void **, size_t, size_t);
static void *(*next_aligned_alloc)(size_t, size_t);
static void *(*next_memalign)(size_t, size_t);

/* What dlsym allocates while the next definitions are being looked up. */
static alignas(max_align_t) unsigned char arena[4096];
static size_t arena_used;
static int resolving;

static void *arena_take(size_t size)
{
	size_t at = (arena_used + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1);

	if (size > sizeof(arena) - at)
		return NULL;
	arena_used = at + size;
	return arena + at;
}

static int in_arena(const void *p)
{
	return (const unsigned char *)p >= arena &&
	       (const unsigned char *)p < arena + sizeof(arena);
}

/* Done by the first allocation, which comes before main and before any
 * thread, so no lock is needed. */
static void resolve(void)
{
	if (next_free != NULL || resolving)
		return;
	resolving = 1;
	next_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
	next_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
	next_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
	next_posix_memalign = (int (*)(void **, size_t, size_t))dlsym(RTLD_NEXT, "posix_memalign");
	next_aligned_alloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "aligned_alloc");
	next_memalign = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "memalign");
	next_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
	resolving = 0;
}

/* ---- counting ----------------------------------------------------------- */

static _Thread_local int inside;
static atomic_long counted;  /* allocations counted since the run began */
static atomic_long fail_at;  /* the one to fail; 0: none */
static atomic_long failed_n; /* the one that did fail; 0: none yet */

void allocfail_enter(void)
{
	inside = 1;
}

void allocfail_leave(void)
{
	inside = 0;
}

__attribute__((noinline)) void allocfail_failing(long n)
{
	__asm__ volatile("" : : "r"(n) : "memory");
}

/* Whether this allocation is the one to fail. */
static int failing(void)
{
	long n;

	if (!inside)
		return 0;
	n = atomic_fetch_add(&counted, 1) + 1;
	if (n != atomic_load(&fail_at))
		return 0;
	atomic_store(&failed_n, n);
	allocfail_failing(n);
	errno = ENOMEM;
	return 1;
}

/* ---- the allocator ------------------------------------------------------ */

void *malloc(size_t size)
{
	resolve();
	if (resolving)
		return arena_take(size);
	return failing() ? NULL : next_malloc(size);
}

void *calloc(size_t n, size_t size)
{
	resolve();
	if (resolving)
		return size != 0 && n > SIZE_MAX / size ? NULL : arena_take(n * size);
	return failing() ? NULL : next_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
	resolve();
	if (in_arena(p)) {
		void *q = malloc(size);
		size_t left = (size_t)(arena + sizeof(arena) - (unsigned char *)p);
		if (q != NULL)
			memcpy(q, p, size < left ? size : left);
		return q;
	}
	/* realloc(p, 0) frees p: failing it would leak what the caller let go */
	return size > 0 && failing() ? NULL : next_realloc(p, size);
}

void *reallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, n * size);
}

void free(void *p)
{
	resolve();
	if (p != NULL && !in_arena(p))
		next_free(p);
}

int posix_memalign(void **out, size_t align, size_t size)
{
	resolve();
	return failing() ? ENOMEM : next_posix_memalign(out, align, size);
}

void *aligned_alloc(size_t align, size_t size)
{
	resolve();
	return failing() ? NULL : next_aligned_alloc(align, size);
}

void *memalign(size_t align, size_t size)
{
	resolve();
	return failing() ? NULL : next_memalign(align, size);
}

char *strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	return d != NULL ? memcpy(d, s, n) : NULL;
}

char *strndup(const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	char *d = malloc(n + 1);
	if (d == NULL)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* ---- what a failed run must give ---------------------------------------- */

void allocfail_plant_detail(void)
{
	nsym_object *o = NULL;
	ck_assert_int_eq(nsym_object_open(&o, "/allocfail/no such file"), NSYM_ENOENT);
}

void allocfail_check_enomem(const char *path, long n, int rc, const char *detail)
{
	ck_assert_msg(rc == NSYM_ENOMEM, "%s: allocation %ld failing gave %d (%s), not NSYM_ENOMEM",
	              path, n, rc, detail);
	ck_assert_msg(strstr(detail, "allocfail/no such file") == NULL,
	              "%s: allocation %ld failing set no error detail", path, n);
	ck_assert_msg(strstr(detail, "out of memory") != NULL,
	              "%s: allocation %ld failing: the detail \"%s\" does not say what ran out",
	              path, n, detail);
}

/* ---- the walk ----------------------------------------------------------- */

/* LeakSanitizer's check that reports and goes on; absent in the plain build. */
int __lsan_do_recoverable_leak_check(void) __attribute__((weak));

static long env_long(const char *name)
{
	const char *v = getenv(name);
	return v != NULL ? strtol(v, NULL, 10) : 0;
}

/* ALLOCFAIL_N: "n" or "n-m", the runs to make; 0 and 0 when unset. */
static void env_range(long *out_first, long *out_last)
{
	const char *v = getenv("ALLOCFAIL_N");
	char *end = NULL;

	*out_first = *out_last = 0;
	if (v == NULL || *v == '\0')
		return;
	*out_first = *out_last = strtol(v, &end, 10);
	if (*end == '-')
		*out_last = strtol(end + 1, NULL, 10);
}

/* One run failing allocation n (0: none); returns the n that failed. */
static long one_run(const struct allocfail_path *p, long n, long *out_counted)
{
	long hit;
	int rc;

	p->setup(p->arg);
	atomic_store(&counted, 0);
	atomic_store(&failed_n, 0);
	atomic_store(&fail_at, n);
	rc = p->run(p->arg);
	atomic_store(&fail_at, 0);
	hit = atomic_load(&failed_n);
	*out_counted = atomic_load(&counted);
	p->check(p->arg, rc, hit);
	if (p->teardown != NULL)
		p->teardown(p->arg);
	if (__lsan_do_recoverable_leak_check != NULL && __lsan_do_recoverable_leak_check() != 0)
		ck_abort_msg("%s: leaked with allocation %ld failing (see the report above; "
		             "ALLOCFAIL_N=%ld runs only that one)",
		             p->name, n, n);
	return hit;
}

void allocfail_walk(struct allocfail_walked *out, const struct allocfail_path *p)
{
	long k, counted_now, first, last, stride = 1;

	memset(out, 0, sizeof(*out));
	env_range(&first, &last);
	/* the first run sets up what a process does once (libcrypto,
	 * libelf's version, sqlite's and jansson's state); the second counts */
	one_run(p, 0, &k);
	one_run(p, 0, &k);
	ck_assert_msg(k > 0, "%s: no allocation was counted (allocfail_enter missing?)", p->name);
	out->allocations = k;
	printf("allocfail %s: %ld allocations\n", p->name, k);
	fflush(stdout);
	if (k > ALLOCFAIL_DENSE && env_long("ALLOCFAIL_ALL") == 0)
		stride = (k - ALLOCFAIL_DENSE + ALLOCFAIL_SPARSE - 1) / ALLOCFAIL_SPARSE;
	for (long n = 1; n <= k; n++) {
		if (first != 0
		        ? n < first || n > last
		        : n > ALLOCFAIL_DENSE && (n - ALLOCFAIL_DENSE) % stride != 0 && n != k)
			continue;
		out->runs++;
		out->failed += one_run(p, n, &counted_now) != 0;
	}
	one_run(p, 0, &counted_now);
	if (stride > 1)
		printf("allocfail %s: %ld runs: every N up to %d, then every %ld\n", p->name,
		       out->runs, ALLOCFAIL_DENSE, stride);
	else
		printf("allocfail %s: %ld runs: every N\n", p->name, out->runs);
	printf("allocfail %s: the Nth allocation failed in %ld of them\n", p->name, out->failed);
	fflush(stdout);
}
