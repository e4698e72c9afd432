/*
 * Sources in the server's store: paths checked and canonicalised as
 * elfutils' debuginfod canonicalises them, and rows keyed by build and
 * canonical path. The HTTP side is in tests/server/server-test.sh.
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "source_path.h"
#include "store.h"
#include "test_util.h"

static void expect_canon(const char *in, const char *want)
{
	char out[256];
	nsym_source_path_canon(out, in);
	ck_assert_msg(strcmp(out, want) == 0, "canon(%s) = %s, expected %s", in, out, want);
}

START_TEST(paths_canonicalise_like_elfutils)
{
	expect_canon("/usr/include/stdio.h", "/usr/include/stdio.h");
	expect_canon("/a/./b.c", "/a/b.c");
	expect_canon("/a/../b.c", "/b.c");
	expect_canon("/a//b.c", "/a/b.c");
	expect_canon("////x.c", "/x.c");
	/* debuginfod.8's example, comp_dir /zoo/ and ../bar/foo.c: "//" goes
	 * first, so ".." removes zoo */
	expect_canon("/zoo//../bar/foo.c", "/bar/foo.c");
	expect_canon("/../../etc/passwd", "/etc/passwd");
	expect_canon("/a/b/../../../../x.c", "/x.c");
	/* elfutils drops a final "/." or "/.." and keeps the segment before */
	expect_canon("/a/b/..", "/a/b");
	expect_canon("/a/b/.", "/a/b");
	/* dots that are not whole segments, and backslashes, are names */
	expect_canon("/a/.b/..c/...d/e.", "/a/.b/..c/...d/e.");
	expect_canon("/a\\..\\b.c", "/a\\..\\b.c");
	expect_canon("/dir/", "/dir/");
}
END_TEST

/* Every absolute path over {/, ., a} up to 10 bytes: the canonical form is
 * no longer, is a fixed point, and in-place canonicalisation agrees. */
START_TEST(canonical_paths_are_fixed_points)
{
	static const char alphabet[] = "/.a";
	char in[12], out[12], again[12];

	for (int len = 1; len <= 10; len++) {
		long total = 1;
		for (int i = 1; i < len; i++)
			total *= 3;
		for (long k = 0; k < total; k++) {
			long v = k;
			in[0] = '/';
			for (int i = 1; i < len; i++, v /= 3)
				in[i] = alphabet[v % 3];
			in[len] = '\0';
			nsym_source_path_canon(out, in);
			ck_assert_uint_le(strlen(out), strlen(in));
			nsym_source_path_canon(again, out);
			ck_assert_msg(strcmp(again, out) == 0, "%s -> %s -> %s", in, out, again);
			nsym_source_path_canon(in, in);
			ck_assert_str_eq(in, out);
		}
	}
}
END_TEST

static void expect_refused(const char *path, const char *because)
{
	const char *why = NULL;
	ck_assert_int_eq(nsym_source_path_check(&why, path), -1);
	ck_assert_msg(why != NULL && strstr(why, because) != NULL, "%s: %s", path, why);
}

START_TEST(paths_are_checked)
{
	char long_path[NSYM_SOURCE_PATH_MAX + 2];
	const char *why = "unset";

	ck_assert_int_eq(nsym_source_path_check(&why, "/src/a.c"), 0);
	ck_assert_ptr_null(why);
	ck_assert_int_eq(nsym_source_path_check(&why, "/src/../ü/c++/a b.c"), 0);
	expect_refused("", "absolute");
	expect_refused("src/a.c", "absolute");
	expect_refused("/src/a\n.c", "control");
	expect_refused("/src/a\r.c", "control");
	expect_refused("/src/\x7f.c", "control");
	expect_refused("/src/", "name a file");
	expect_refused("/src/.", "name a file");
	expect_refused("/src/..", "name a file");
	expect_refused("/", "name a file");
	memset(long_path, 'a', sizeof(long_path));
	long_path[0] = '/';
	long_path[NSYM_SOURCE_PATH_MAX] = '\0';
	ck_assert_int_eq(nsym_source_path_check(&why, long_path), 0);
	long_path[NSYM_SOURCE_PATH_MAX] = 'a';
	long_path[NSYM_SOURCE_PATH_MAX + 1] = '\0';
	expect_refused(long_path, "4096");
}
END_TEST

static struct nsym_store *open_store(const char *dir)
{
	struct nsym_store *s = NULL;
	char err[600];
	ck_assert_msg(nsym_store_open_local(&s, dir, err, sizeof(err)) == 0, "%s", err);
	return s;
}

static void put_blob(struct nsym_store *s, const char *text, char *sha)
{
	struct nsym_blob_writer w;
	ck_assert_int_eq(s->ops->blob_begin(s, &w), 0);
	ck_assert_int_eq(write(w.fd, text, strlen(text)), (ssize_t)strlen(text));
	nsym_hash_update(w.hash, text, strlen(text));
	w.size = strlen(text);
	ck_assert_int_eq(s->ops->blob_commit(s, &w, sha), 0);
}

/* A debug file for build id, so that sources may be added to it. */
static void put_build(struct nsym_store *s, const char *id)
{
	struct nsym_artifact a = {0};
	char text[64];
	int result = -1;

	snprintf(text, sizeof(text), "the debug file of %s\n", id);
	put_blob(s, text, a.sha256);
	snprintf(a.key, sizeof(a.key), "%s", id);
	snprintf(a.kind, sizeof(a.kind), "debuginfo");
	ck_assert_int_eq(s->ops->artifact_add(s, &result, &a, 1), 0);
	ck_assert_int_eq(result, 0);
}

static bool blob_file_exists(const char *dir, const char *sha)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/blobs/sha256/%.2s/%s", dir, sha, sha + 2);
	return access(path, F_OK) == 0;
}

static void fill(struct nsym_source *src, const char *id, const char *path, const char *sha)
{
	memset(src, 0, sizeof(*src));
	snprintf(src->build_id, sizeof(src->build_id), "%s", id);
	snprintf(src->path, sizeof(src->path), "%s", path);
	snprintf(src->sha256, sizeof(src->sha256), "%s", sha);
	snprintf(src->uploaded_by, sizeof(src->uploaded_by), "ci");
}

START_TEST(sources_by_build_and_path)
{
	char *dir = test_tmpdir(), one[NSYM_SHA256_HEX], two[NSYM_SHA256_HEX];
	struct nsym_store *s = open_store(dir);
	struct nsym_source src, found;

	put_build(s, "0102");
	put_build(s, "0304");
	put_blob(s, "int main(void) { return 0; }\n", one);
	put_blob(s, "int other;\n", two);
	fill(&src, "0102", "/src/a.c", one);
	ck_assert_int_eq(s->ops->source_add(s, &src), 0);
	ck_assert_int_gt(src.id, 0);
	/* another build may have the same path, and share the blob */
	fill(&src, "0304", "/src/a.c", one);
	ck_assert_int_eq(s->ops->source_add(s, &src), 0);
	/* a second row for (build, path) is refused, and names the first */
	fill(&src, "0102", "/src/a.c", two);
	ck_assert_int_eq(s->ops->source_add(s, &src), NSYM_EEXIST);
	ck_assert_str_eq(src.sha256, one);
	ck_assert_int_eq(s->ops->source_find(s, &found, "0102", "/src/a.c"), 0);
	ck_assert_str_eq(found.sha256, one);
	ck_assert_str_eq(found.uploaded_by, "ci");
	ck_assert_uint_eq(found.size, 29);
	ck_assert_int_eq(s->ops->source_find(s, &found, "0102", "/src/b.c"), NSYM_ENOENT);
	ck_assert_int_eq(s->ops->source_find(s, &found, "0506", "/src/a.c"), NSYM_ENOENT);
	/* a row must name a recorded blob; that is a failure, not a duplicate */
	fill(&src, "0102", "/src/c.c",
	     "00000000000000000000000000000000000000000000000000000000000000ff");
	ck_assert_int_eq(s->ops->source_add(s, &src), NSYM_EIO);
	s->ops->close(s);
	test_tmpdir_remove(dir);
}
END_TEST

struct listed {
	char paths[8][96 + 4097 + 2];
	int n;
};

static int list_one(void *arg, const struct nsym_source *src)
{
	struct listed *l = arg;
	snprintf(l->paths[l->n++], sizeof(l->paths[0]), "%s:%s", src->build_id, src->path);
	return l->n == 8;
}

/* Sources are listed in the order of their ids, by pages (store migrate
 * reads them so); a given creation time is kept. */
START_TEST(sources_are_listed_by_page)
{
	char *dir = test_tmpdir(), sha[NSYM_SHA256_HEX];
	struct nsym_store *s = open_store(dir);
	struct nsym_source src, found;
	struct listed l = {0};

	put_build(s, "0102");
	put_blob(s, "int x;\n", sha);
	fill(&src, "0102", "/b.c", sha);
	src.created = 1234;
	ck_assert_int_eq(s->ops->source_add(s, &src), 0);
	fill(&src, "0102", "/a.c", sha);
	ck_assert_int_eq(s->ops->source_add(s, &src), 0);
	fill(&src, "0102", "/c.c", sha);
	ck_assert_int_eq(s->ops->source_add(s, &src), 0);
	ck_assert_int_eq(s->ops->source_list(s, 0, 2, list_one, &l), 0);
	ck_assert_int_eq(l.n, 2);
	ck_assert_str_eq(l.paths[0], "0102:/b.c");
	ck_assert_str_eq(l.paths[1], "0102:/a.c");
	ck_assert_int_eq(s->ops->source_list(s, 2, 2, list_one, &l), 0);
	ck_assert_int_eq(l.n, 3);
	ck_assert_str_eq(l.paths[2], "0102:/c.c");
	ck_assert_int_eq(s->ops->source_find(s, &found, "0102", "/b.c"), 0);
	ck_assert_int_eq(found.created, 1234);
	s->ops->close(s);
	test_tmpdir_remove(dir);
}
END_TEST

/* A delete that removed the blob's file between the upload's commit and its
 * row: the row is refused (the client sends again), never left dangling. */
START_TEST(source_racing_a_delete_leaves_no_dangling_row)
{
	char *dir = test_tmpdir(), sha[NSYM_SHA256_HEX], path[4200];
	struct nsym_store *s = open_store(dir);
	struct nsym_source src, found;

	put_build(s, "0102");
	put_blob(s, "static int x;\n", sha);
	snprintf(path, sizeof(path), "%s/blobs/sha256/%.2s/%s", dir, sha, sha + 2);
	ck_assert_int_eq(unlink(path), 0);
	fill(&src, "0102", "/src/x.c", sha);
	ck_assert_int_eq(s->ops->source_add(s, &src), NSYM_EIO);
	ck_assert_int_eq(s->ops->source_find(s, &found, "0102", "/src/x.c"), NSYM_ENOENT);
	put_blob(s, "static int x;\n", sha); /* sent again: it works */
	ck_assert_int_eq(s->ops->source_add(s, &src), 0);
	ck_assert_int_eq(s->ops->source_find(s, &found, "0102", "/src/x.c"), 0);
	s->ops->close(s);
	test_tmpdir_remove(dir);
}
END_TEST

/* A build with no artifact (never uploaded, or its last one deleted while
 * the source was on its way) takes no source: the store's INSERT checks,
 * under the same lock a delete takes. Its blob goes, unless named. */
START_TEST(source_of_a_build_without_artifacts_is_refused)
{
	char *dir = test_tmpdir(), sha[NSYM_SHA256_HEX], shared[NSYM_SHA256_HEX];
	struct nsym_store *s = open_store(dir);
	struct nsym_source src, found;
	struct nsym_artifact a;
	bool removed;

	put_blob(s, "static int lonely;\n", sha);
	fill(&src, "0a0b", "/src/l.c", sha);
	ck_assert_int_eq(s->ops->source_add(s, &src), NSYM_ENOENT);
	ck_assert_msg(strstr(nsym_store_errmsg(s), "0a0b") != NULL, "%s", nsym_store_errmsg(s));
	ck_assert_int_eq(s->ops->source_find(s, &found, "0a0b", "/src/l.c"), NSYM_ENOENT);
	ck_assert(!blob_file_exists(dir, sha));
	/* a blob another row names stays */
	put_build(s, "0c0d");
	put_blob(s, "int shared;\n", shared);
	fill(&src, "0c0d", "/src/s.c", shared);
	ck_assert_int_eq(s->ops->source_add(s, &src), 0);
	put_blob(s, "int shared;\n", shared);
	fill(&src, "0a0b", "/src/s.c", shared);
	ck_assert_int_eq(s->ops->source_add(s, &src), NSYM_ENOENT);
	ck_assert(blob_file_exists(dir, shared));
	ck_assert_int_eq(s->ops->source_find(s, &found, "0c0d", "/src/s.c"), 0);
	/* the last artifact deleted: the next source of that build is refused */
	ck_assert_int_eq(s->ops->artifact_find(s, &a, "0c0d", "debuginfo"), 0);
	ck_assert_int_eq(s->ops->artifact_delete(s, &removed, a.id), 0);
	put_blob(s, "int late;\n", sha);
	fill(&src, "0c0d", "/src/late.c", sha);
	ck_assert_int_eq(s->ops->source_add(s, &src), NSYM_ENOENT);
	s->ops->close(s);
	test_tmpdir_remove(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("store_sources");
	TEST_ADD(s, paths_canonicalise_like_elfutils);
	TEST_ADD(s, canonical_paths_are_fixed_points);
	TEST_ADD(s, paths_are_checked);
	TEST_ADD(s, sources_by_build_and_path);
	TEST_ADD(s, sources_are_listed_by_page);
	TEST_ADD(s, source_racing_a_delete_leaves_no_dangling_row);
	TEST_ADD(s, source_of_a_build_without_artifacts_is_refused);
	return test_run(s);
}
