/* Helpers shared by the unit tests: temp folders and file copies. */
#ifndef NSYM_TEST_UTIL_H
#define NSYM_TEST_UTIL_H

#include <check.h>
#include <stddef.h>

/* Adds test `fn` to suite `s` as a case of its own, so ctest can run each
 * case alone (CK_RUN_CASE) and failures name themselves. */
#define TEST_ADD(s, fn)                                                                            \
	do {                                                                                       \
		TCase *tc_ = tcase_create(#fn);                                                    \
		tcase_set_timeout(tc_, 120);                                                       \
		tcase_add_test(tc_, fn);                                                           \
		suite_add_tcase(s, tc_);                                                           \
	} while (0)

/* Runs the suite; returns the process exit status. */
int test_run(Suite *s);

/* A fresh folder under $TMPDIR, removed by test_tmpdir_remove(). */
char *test_tmpdir(void);
void test_tmpdir_remove(char *dir);
/* Writes `size` bytes to dir/name and returns the new path (free it). */
char *test_write(const char *dir, const char *name, const void *data, size_t size);
/* Reads a whole file; NULL on failure. */
unsigned char *test_read(const char *path, size_t *out_size);
/* The bytes of this test program's own file (an ELF with DWARF); never NULL. */
unsigned char *test_self_bytes(size_t *out_size);
/* Runs a shell command; returns its exit status. */
int test_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
