/*
 * The server's open modules (server/module_cache.h) on a symcache of the C
 * fixture addon, opened by a counting stand-in for the store: a module is
 * opened once and shared, the least recently used goes past the bound but
 * never while in use, "no symbols" is remembered until a forget, a module
 * answering from its debug file stays the request's, failures to open are
 * not remembered, threads share one module and get the answers one alone
 * gets, and every allocation of the cache's own may fail without a leak or
 * a wrong answer (allocfail.h).
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "allocfail.h"
#include "module_cache.h"
#include "napi_symbols.h"
#include "test_util.h"

#define DEBUG_FILE NSYM_FIXTURES_DIR "/c/addon.node.debug"
/* The Rust fixture's symcache has many blocks of strings, which threads
 * that start together read for the first time together. */
#define RUST_DEBUG_FILE NSYM_FIXTURES_DIR "/rust/addon.node.debug"
#define LOOKUPS         400 /* addresses each thread looks up */
#define STRIDE          0x9c1

static char *dir, *symcache;

/* A symcache of the C fixture (or of debug_file), built once. */
static void make_symcache_of(const char *debug_file)
{
	nsym_symbolizer *sym = NULL;

	dir = test_tmpdir();
	symcache = malloc(strlen(dir) + 32);
	ck_assert_ptr_nonnull(symcache);
	snprintf(symcache, strlen(dir) + 32, "%s/addon.symcache", dir);
	ck_assert_int_eq(nsym_symbolizer_open(&sym, debug_file, NULL), 0);
	ck_assert_int_eq(nsym_symbolizer_write_cache_file(sym, symcache), 0);
	nsym_symbolizer_close(sym);
}

static void make_symcache(void)
{
	make_symcache_of(DEBUG_FILE);
}

static void remove_symcache(void)
{
	test_tmpdir_remove(dir);
	free(symcache);
}

/* What the stand-in for the store answers. */
enum answer { SYMCACHE, DEBUG_ONLY, NONE, STORE_FAILS };

struct store {
	enum answer answer;
	int opens;
};

static int open_module(nsym_symbolizer **out, char *ident, char *why, size_t why_size, void *arg)
{
	struct store *s = arg;

	s->opens++;
	*out = NULL;
	snprintf(ident, NSYM_MODULE_KEY_SIZE, "ident-%d", (int)s->answer);
	switch (s->answer) {
	case SYMCACHE:
		return nsym_symbolizer_open_cache(out, symcache, NULL);
	case DEBUG_ONLY:
		return nsym_symbolizer_open(out, DEBUG_FILE, NULL);
	case NONE:
		snprintf(why, why_size, "no symbols on the server");
		return 0;
	case STORE_FAILS:
		snprintf(why, why_size, "the store is down");
		return NSYM_EIO;
	}
	return NSYM_EINVAL;
}

static struct nsym_module_cache *new_cache(size_t max_open)
{
	struct nsym_module_cache *c = NULL;

	ck_assert_int_eq(nsym_module_cache_new(&c, max_open, 60, 60), 0);
	return c;
}

static struct nsym_module_cache_stats stats(struct nsym_module_cache *c)
{
	struct nsym_module_cache_stats st;

	nsym_module_cache_stats(&st, c);
	return st;
}

START_TEST(a_kept_module_is_shared)
{
	struct nsym_module_cache *c = new_cache(4);
	struct store s = {SYMCACHE, 0};
	struct nsym_module_use a, b;
	char why[200];

	make_symcache();
	ck_assert_int_eq(nsym_module_cache_get(&a, why, sizeof(why), c, "e:a", open_module, &s), 0);
	ck_assert_int_eq(nsym_module_cache_get(&b, why, sizeof(why), c, "e:a", open_module, &s), 0);
	ck_assert_ptr_nonnull(a.sym);
	ck_assert_ptr_eq(a.sym, b.sym);
	ck_assert_int_eq(s.opens, 1);
	nsym_module_cache_put(c, &a);
	nsym_module_cache_put(c, &b);
	ck_assert_ptr_null(a.sym);
	ck_assert_uint_eq(stats(c).open, 1);
	nsym_module_cache_free(c);
	remove_symcache();
}
END_TEST

START_TEST(the_least_recently_used_goes_past_the_bound)
{
	struct nsym_module_cache *c = new_cache(2);
	struct store s = {SYMCACHE, 0};
	const char *keys[] = {"e:a", "e:b", "e:a", "e:c", "e:a", "e:b"};
	/* opens after each get: b goes when c comes (a was used since) */
	const int opens[] = {1, 2, 2, 3, 3, 4};
	struct nsym_module_use u;
	char why[200];

	make_symcache();
	for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
		ck_assert_int_eq(
		    nsym_module_cache_get(&u, why, sizeof(why), c, keys[i], open_module, &s), 0);
		nsym_module_cache_put(c, &u);
		ck_assert_msg(s.opens == opens[i], "after %s: %d opens", keys[i], s.opens);
		ck_assert_uint_le(stats(c).open, 2);
	}
	nsym_module_cache_free(c);
	remove_symcache();
}
END_TEST

START_TEST(a_module_in_use_is_not_closed)
{
	struct nsym_module_cache *c = new_cache(1);
	struct store s = {SYMCACHE, 0};
	struct nsym_module_use a, b;
	struct nsym_frames fr = {0};
	char why[200];

	make_symcache();
	ck_assert_int_eq(nsym_module_cache_get(&a, why, sizeof(why), c, "e:a", open_module, &s), 0);
	ck_assert_int_eq(nsym_module_cache_get(&b, why, sizeof(why), c, "e:b", open_module, &s), 0);
	nsym_module_cache_put(c, &b);
	/* a left the cache for b, but is still this request's to use */
	ck_assert_uint_eq(stats(c).open, 1);
	ck_assert_uint_eq(stats(c).open_in_use_evicted, 1);
	ck_assert_int_eq(nsym_symbolizer_lookup(&fr, a.sym, 0x1100, 0), 0);
	nsym_module_cache_put(c, &a);
	ck_assert_uint_eq(stats(c).open_in_use_evicted, 0);
	nsym_frames_release(&fr);
	nsym_module_cache_free(c);
	remove_symcache();
}
END_TEST

START_TEST(no_symbols_is_remembered_until_a_forget)
{
	struct nsym_module_cache *c = new_cache(4);
	struct store s = {NONE, 0};
	struct nsym_module_use u;
	char why[200];

	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(
		    nsym_module_cache_get(&u, why, sizeof(why), c, "d:x", open_module, &s), 0);
		ck_assert_ptr_null(u.sym);
		ck_assert_str_eq(why, "no symbols on the server");
		nsym_module_cache_put(c, &u);
	}
	ck_assert_int_eq(s.opens, 1);
	ck_assert_uint_eq(stats(c).none, 1);
	/* an upload of any artifact: every "no symbols" is asked again */
	nsym_module_cache_forget(c, "something-else");
	ck_assert_uint_eq(stats(c).none, 0);
	ck_assert_int_eq(nsym_module_cache_get(&u, why, sizeof(why), c, "d:x", open_module, &s), 0);
	nsym_module_cache_put(c, &u);
	ck_assert_int_eq(s.opens, 2);
	nsym_module_cache_free(c);
}
END_TEST

/* Entries past their time are opened again, each closed once (the stale
 * entry dropped on the way in was closed a second time on the way out). */
START_TEST(a_stale_entry_is_opened_again)
{
	struct nsym_module_cache *c = NULL;
	struct store s = {SYMCACHE, 0}, none = {NONE, 0};
	struct nsym_module_use u;
	char why[200];

	make_symcache();
	ck_assert_int_eq(nsym_module_cache_new(&c, 4, 0, 0), 0); /* stale at once */
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(
		    nsym_module_cache_get(&u, why, sizeof(why), c, "e:a", open_module, &s), 0);
		ck_assert_ptr_nonnull(u.sym);
		nsym_module_cache_put(c, &u);
		ck_assert_int_eq(
		    nsym_module_cache_get(&u, why, sizeof(why), c, "d:x", open_module, &none), 0);
		ck_assert_str_eq(why, "no symbols on the server");
		nsym_module_cache_put(c, &u);
	}
	ck_assert_int_eq(s.opens, 3);
	ck_assert_int_eq(none.opens, 3);
	nsym_module_cache_free(c);
	remove_symcache();
}
END_TEST

START_TEST(a_forget_closes_the_artifacts_modules)
{
	struct nsym_module_cache *c = new_cache(4);
	struct store s = {SYMCACHE, 0};
	struct nsym_module_use u;
	char why[200];

	make_symcache();
	ck_assert_int_eq(nsym_module_cache_get(&u, why, sizeof(why), c, "e:a", open_module, &s), 0);
	nsym_module_cache_put(c, &u);
	nsym_module_cache_forget(c, "another-ident");
	ck_assert_uint_eq(stats(c).open, 1);
	nsym_module_cache_forget(c, "ident-0");
	ck_assert_uint_eq(stats(c).open, 0);
	ck_assert_int_eq(nsym_module_cache_get(&u, why, sizeof(why), c, "e:a", open_module, &s), 0);
	nsym_module_cache_put(c, &u);
	ck_assert_int_eq(s.opens, 2);
	nsym_module_cache_free(c);
	remove_symcache();
}
END_TEST

START_TEST(a_module_answering_from_its_debug_file_is_the_requests)
{
	struct nsym_module_cache *c = new_cache(4);
	struct store s = {DEBUG_ONLY, 0};
	struct nsym_module_use u;
	char why[200];

	ck_assert_int_eq(nsym_module_cache_get(&u, why, sizeof(why), c, "e:a", open_module, &s), 0);
	ck_assert_ptr_nonnull(u.sym);
	ck_assert_ptr_null(u.entry);
	ck_assert_int_eq(nsym_symbolizer_share(u.sym), NSYM_EUNSUPPORTED);
	nsym_module_cache_put(c, &u); /* closes it */
	ck_assert_uint_eq(stats(c).open, 0);
	nsym_module_cache_free(c);
}
END_TEST

START_TEST(a_failure_to_open_is_not_remembered)
{
	struct nsym_module_cache *c = new_cache(4);
	struct store s = {STORE_FAILS, 0};
	struct nsym_module_use u;
	char why[200];

	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(
		    nsym_module_cache_get(&u, why, sizeof(why), c, "e:a", open_module, &s),
		    NSYM_EIO);
		ck_assert_ptr_null(u.sym);
		ck_assert_str_eq(why, "the store is down");
	}
	ck_assert_int_eq(s.opens, 2);
	nsym_module_cache_free(c);
}
END_TEST

START_TEST(no_module_is_kept_with_a_bound_of_0)
{
	struct nsym_module_cache *c = new_cache(0);
	struct store s = {SYMCACHE, 0};
	struct nsym_module_use u;
	char why[200];

	make_symcache();
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(
		    nsym_module_cache_get(&u, why, sizeof(why), c, "e:a", open_module, &s), 0);
		ck_assert_ptr_null(u.entry);
		nsym_module_cache_put(c, &u);
	}
	ck_assert_int_eq(s.opens, 2);
	ck_assert_uint_eq(stats(c).open, 0);
	nsym_module_cache_free(c);
	remove_symcache();
}
END_TEST

/* ---- threads ----------------------------------------------------------- */

/* One lookup's answer as text, to compare. */
static void answer_of(char *out, size_t size, nsym_symbolizer *sym, uint64_t addr)
{
	struct nsym_frames fr = {0};
	size_t used = 0;

	ck_assert_int_eq(nsym_symbolizer_lookup(&fr, sym, addr, 0), 0);
	for (size_t i = 0; i < fr.count && used < size; i++)
		used +=
		    (size_t)snprintf(out + used, size - used, "%s %s:%u;", fr.frames[i].function,
		                     fr.frames[i].file, fr.frames[i].line);
	nsym_frames_release(&fr);
}

struct worker {
	struct nsym_module_cache *c;
	struct store *s;
	pthread_mutex_t *opens;     /* the store's count is shared */
	pthread_barrier_t *started; /* all start their lookups together */
	char (*want)[256];
	int wrong;
};

static int open_locked(nsym_symbolizer **out, char *ident, char *why, size_t why_size, void *arg)
{
	struct worker *w = arg;
	int rc;

	pthread_mutex_lock(w->opens);
	rc = open_module(out, ident, why, why_size, w->s);
	pthread_mutex_unlock(w->opens);
	return rc;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	char why[200], got[256];

	pthread_barrier_wait(w->started);
	for (int i = 0; i < LOOKUPS; i++) {
		struct nsym_module_use u;
		if (nsym_module_cache_get(&u, why, sizeof(why), w->c, "e:a", open_locked, w) != 0 ||
		    u.sym == NULL) {
			w->wrong++;
			continue;
		}
		answer_of(got, sizeof(got), u.sym, 0x1000 + (uint64_t)i * STRIDE);
		w->wrong += strcmp(got, w->want[i]) != 0;
		nsym_module_cache_put(w->c, &u);
	}
	return NULL;
}

START_TEST(threads_share_one_module_and_get_the_same_answers)
{
	static char want[LOOKUPS][256];
	struct nsym_module_cache *c = new_cache(4);
	struct store s = {SYMCACHE, 0};
	pthread_mutex_t opens = PTHREAD_MUTEX_INITIALIZER;
	pthread_barrier_t started;
	struct nsym_module_use held;
	struct worker w[8];
	pthread_t t[8];
	nsym_symbolizer *alone = NULL;
	char why[200];

	make_symcache_of(access(RUST_DEBUG_FILE, R_OK) == 0 ? RUST_DEBUG_FILE : DEBUG_FILE);
	ck_assert_int_eq(nsym_symbolizer_open_cache(&alone, symcache, NULL), 0);
	for (int i = 0; i < LOOKUPS; i++)
		answer_of(want[i], sizeof(want[i]), alone, 0x1000 + (uint64_t)i * STRIDE);
	nsym_symbolizer_close(alone);
	/* opened before the threads, none of its strings read yet */
	ck_assert_int_eq(nsym_module_cache_get(&held, why, sizeof(why), c, "e:a", open_module, &s),
	                 0);
	ck_assert_int_eq(pthread_barrier_init(&started, NULL, 8), 0);
	for (int i = 0; i < 8; i++) {
		w[i] = (struct worker){c, &s, &opens, &started, want, 0};
		ck_assert_int_eq(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		ck_assert_msg(w[i].wrong == 0, "thread %d: %d answers differ", i, w[i].wrong);
	}
	pthread_barrier_destroy(&started);
	nsym_module_cache_put(c, &held);
	ck_assert_uint_eq(stats(c).open, 1);
	nsym_module_cache_free(c);
	remove_symcache();
}
END_TEST

/* ---- allocation failures ------------------------------------------------ */

struct walk {
	char want[256];
};

/* A cache's life: a module opened and shared, used again, a "no symbols"
 * answer, a forget, the bound passed. Out of memory in the cache's own
 * allocations is no error (the module is then the request's); in the
 * symcache's opening it is NSYM_ENOMEM. */
static int walk_run(void *arg)
{
	struct walk *wk = arg;
	struct nsym_module_cache *c = NULL;
	struct store s = {SYMCACHE, 0}, none = {NONE, 0};
	struct nsym_module_use a = {0}, b = {0}, n = {0};
	char why[200], got[256] = "";
	int rc;

	allocfail_enter();
	rc = nsym_module_cache_new(&c, 1, 60, 60);
	if (rc == 0)
		rc = nsym_module_cache_get(&a, why, sizeof(why), c, "e:a", open_module, &s);
	if (rc == 0)
		rc = nsym_module_cache_get(&b, why, sizeof(why), c, "e:a", open_module, &s);
	if (rc == 0) {
		struct nsym_frames fr = {0};
		rc = nsym_symbolizer_lookup(&fr, b.sym, 0x1100, 0);
		if (rc == 0 && fr.count > 0)
			snprintf(got, sizeof(got), "%s", fr.frames[0].function);
		nsym_frames_release(&fr);
	}
	if (rc == 0)
		rc = nsym_module_cache_get(&n, why, sizeof(why), c, "d:x", open_module, &none);
	if (c != NULL) {
		nsym_module_cache_put(c, &a);
		nsym_module_cache_put(c, &b);
		nsym_module_cache_put(c, &n);
		nsym_module_cache_forget(c, "ident-0");
	}
	if (rc == 0)
		rc = nsym_module_cache_get(&a, why, sizeof(why), c, "e:b", open_module, &s);
	if (c != NULL)
		nsym_module_cache_put(c, &a);
	nsym_module_cache_free(c);
	allocfail_leave();
	if (rc == 0 && wk->want[0] == '\0')
		snprintf(wk->want, sizeof(wk->want), "%s", got);
	if (rc == 0 && strcmp(got, wk->want) != 0)
		return NSYM_EINVAL;
	return rc;
}

static void walk_setup(void *arg)
{
	(void)arg;
}

static void walk_check(void *arg, int rc, long failed_at)
{
	(void)arg;
	if (failed_at == 0)
		ck_assert_msg(rc == 0, "no allocation failing: %d", rc);
	else
		ck_assert_msg(rc == 0 || rc == NSYM_ENOMEM, "allocation %ld failing gave %d",
		              failed_at, rc);
}

START_TEST(the_cache_fails_cleanly_at_every_allocation)
{
	struct walk wk = {""};
	struct allocfail_path p = {"module cache", &wk, walk_setup, walk_run, walk_check, NULL};
	struct allocfail_walked w;

	make_symcache();
	allocfail_walk(&w, &p);
	ck_assert_int_gt(w.failed, 0);
	ck_assert_str_ne(wk.want, "");
	remove_symcache();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("module_cache");
	TEST_ADD(s, a_kept_module_is_shared);
	TEST_ADD(s, the_least_recently_used_goes_past_the_bound);
	TEST_ADD(s, a_module_in_use_is_not_closed);
	TEST_ADD(s, no_symbols_is_remembered_until_a_forget);
	TEST_ADD(s, a_stale_entry_is_opened_again);
	TEST_ADD(s, a_forget_closes_the_artifacts_modules);
	TEST_ADD(s, a_module_answering_from_its_debug_file_is_the_requests);
	TEST_ADD(s, a_failure_to_open_is_not_remembered);
	TEST_ADD(s, no_module_is_kept_with_a_bound_of_0);
	TEST_ADD(s, threads_share_one_module_and_get_the_same_answers);
	TEST_ADD(s, the_cache_fails_cleanly_at_every_allocation);
	return test_run(s);
}
