/*
 * nsym_split on this test program itself: the outputs pair and keep the
 * identity, failures change nothing and leave no temporary files, and
 * damaged inputs give an error or a correct split, never a crash.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "napi_symbols.h"
#include "test_util.h"

static char *path_in(const char *dir, const char *name)
{
	char *p = NULL;
	ck_assert_int_ge(asprintf(&p, "%s/%s", dir, name), 0);
	return p;
}

static size_t entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static void identity_of(struct nsym_identity *out, const char *path)
{
	nsym_object *obj = NULL;
	ck_assert_msg(nsym_object_open(&obj, path) == 0, "%s", nsym_error_detail());
	nsym_object_identity(out, obj);
	out->debuglink = NULL;
	nsym_object_close(obj);
}

START_TEST(outputs_pair_and_keep_the_identity)
{
	char *dir = test_tmpdir();
	size_t size;
	unsigned char *b = test_self_bytes(&size);
	char *in = test_write(dir, "prog", b, size), *out = path_in(dir, "out"),
	     *dbg = path_in(dir, "out.debug");
	struct nsym_split_options opt = {.stripped_path = out, .compress = NSYM_COMPRESS_ZSTD};
	struct nsym_split_result r;
	struct nsym_identity a, s, d;
	nsym_object *obj = NULL;
	uint32_t crc;

	ck_assert_msg(nsym_split(&r, in, &opt) == 0, "%s", nsym_error_detail());
	identity_of(&a, in);
	identity_of(&s, out);
	identity_of(&d, dbg);
	ck_assert_uint_gt(a.build_id_len, 0);
	ck_assert_mem_eq(a.build_id, s.build_id, a.build_id_len);
	ck_assert_mem_eq(a.build_id, d.build_id, a.build_id_len);
	ck_assert_int_eq(s.has_debug_info, 0);
	ck_assert_int_eq(s.has_symtab, 0);
	ck_assert_int_eq(d.has_debug_info, 1);
	ck_assert_int_eq(d.has_symtab, 1);
	ck_assert_int_eq(nsym_file_crc32(&crc, dbg), 0);
	ck_assert_uint_eq(crc, r.debug_crc);
	ck_assert_uint_gt(r.compressed_sections, 0);
	ck_assert_uint_lt(r.stripped_size, r.input_size);
	ck_assert_int_eq(nsym_object_open(&obj, out), 0);
	{
		struct nsym_identity with_link;
		nsym_object_identity(&with_link, obj);
		ck_assert_str_eq(with_link.debuglink, "out.debug");
		ck_assert_uint_eq(with_link.debuglink_crc, crc);
	}
	nsym_object_close(obj);
	ck_assert_uint_eq(entries(dir), 3);
	free(in), free(out), free(dbg), free(b);
	test_tmpdir_remove(dir);
}
END_TEST

START_TEST(failures_change_nothing)
{
	char *dir = test_tmpdir();
	size_t size, after_size;
	unsigned char *b = test_self_bytes(&size), *after;
	char *in = test_write(dir, "prog", b, size), *out = path_in(dir, "out"),
	     *dbg = path_in(dir, "prog.debug");
	struct nsym_split_options opt = {0};
	struct nsym_split_result r;

	/* the debug output exists: refused, input untouched */
	free(test_write(dir, "prog.debug", "x", 1));
	ck_assert_int_eq(nsym_split(&r, in, &opt), NSYM_EEXIST);
	ck_assert_ptr_nonnull(strstr(nsym_error_detail(), "prog.debug"));
	after = test_read(in, &after_size);
	ck_assert_uint_eq(after_size, size);
	ck_assert_mem_eq(after, b, size);
	free(after);
	/* the debug file may not replace the stripped one */
	opt.stripped_path = out;
	opt.debug_path = out;
	ck_assert_int_eq(nsym_split(&r, in, &opt), NSYM_EINVAL);
	/* with force the split is done in place; a second one has nothing to do */
	opt = (struct nsym_split_options){.force = 1};
	ck_assert_int_eq(nsym_split(&r, in, &opt), 0);
	ck_assert_int_eq(nsym_split(&r, in, &opt), NSYM_ENODEBUG);
	ck_assert_ptr_nonnull(strstr(nsym_error_detail(), "already stripped"));
	ck_assert_uint_eq(entries(dir), 2);
	free(in), free(out), free(dbg), free(b);
	test_tmpdir_remove(dir);
}
END_TEST

START_TEST(damaged_inputs_never_crash)
{
	char *dir = test_tmpdir();
	size_t size;
	unsigned char *orig = test_self_bytes(&size), *b = malloc(size);
	/* NSYM_FUZZ_SEED and NSYM_FUZZ_ROUNDS as in test_readers.c */
	const char *seed_env = getenv("NSYM_FUZZ_SEED"), *rounds_env = getenv("NSYM_FUZZ_ROUNDS");
	unsigned seed = seed_env != NULL ? (unsigned)strtoul(seed_env, NULL, 10) : 777;
	int rounds = rounds_env != NULL ? (int)strtol(rounds_env, NULL, 10) : 60;
	int done = 0;

	ck_assert_ptr_nonnull(b);
	for (int round = 0; round < rounds; round++) {
		struct nsym_split_options opt = {.force = 1, .compress = round % 3};
		struct nsym_split_result r;
		char *in, *out = path_in(dir, "out");
		memcpy(b, orig, size);
		for (int k = 0; k < 16; k++) {
			seed = seed * 1103515245u + 12345u;
			size_t at = (k % 2 == 0) ? (seed >> 8) % 4096 : (seed >> 4) % size;
			seed = seed * 1103515245u + 12345u;
			b[at] = (unsigned char)(seed >> 16);
		}
		in = test_write(dir, "bent", b, size);
		opt.stripped_path = out;
		if (nsym_split(&r, in, &opt) == 0) {
			struct nsym_identity id;
			identity_of(&id, out);
			done++;
		} else {
			ck_assert_ptr_nonnull(nsym_error_detail());
		}
		/* bent, and out + out.debug when it worked: never a temporary */
		ck_assert_uint_le(entries(dir), 3);
		free(in), free(out);
	}
	ck_assert_int_gt(done, 0); /* some damage misses what split reads */
	free(b), free(orig);
	test_tmpdir_remove(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("split");
	TEST_ADD(s, outputs_pair_and_keep_the_identity);
	TEST_ADD(s, failures_change_nothing);
	TEST_ADD(s, damaged_inputs_never_crash);
	return test_run(s);
}
