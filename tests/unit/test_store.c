/*
 * The server's local store: migrations (a newer database is refused), SHA-256
 * against known answers, tokens, content-addressed blobs and artifacts.
 */
#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "migrate.h"
#include "napi_symbols_util.h"
#include "store.h"
#include "test_util.h"
#include "tokens.h"

static struct nsym_store *open_store(const char *dir)
{
	struct nsym_store *s = NULL;
	char err[600];
	ck_assert_msg(nsym_store_open_local(&s, dir, err, sizeof(err)) == 0, "%s", err);
	return s;
}

START_TEST(newer_database_is_refused)
{
	char *dir = test_tmpdir(), path[4096], err[600] = "";
	struct nsym_store *s = open_store(dir);
	sqlite3 *db;

	s->ops->close(s);
	snprintf(path, sizeof(path), "%s/napi-symbols.db", dir);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "PRAGMA user_version", NULL, NULL, NULL), SQLITE_OK);
	{
		sqlite3_stmt *st;
		sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
		ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
		ck_assert_int_eq(sqlite3_column_int(st, 0), nsym_schema_version());
		sqlite3_finalize(st);
	}
	ck_assert_int_eq(sqlite3_exec(db, "PRAGMA user_version = 999", NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(db);
	ck_assert_int_ne(nsym_store_open_local(&s, dir, err, sizeof(err)), 0);
	ck_assert_ptr_null(s);
	ck_assert_msg(strstr(err, "newer") != NULL && strstr(err, "999") != NULL, "%s", err);
	test_tmpdir_remove(dir);
}
END_TEST

START_TEST(tokens_are_checked_and_revoked)
{
	char *dir = test_tmpdir(), tok[NSYM_TOKEN_MAX], bad[NSYM_TOKEN_MAX], name[64];
	struct nsym_store *s = open_store(dir);
	enum nsym_scope scope;

	ck_assert_int_eq(nsym_token_create(s, tok, "ci", NSYM_SCOPE_UPLOAD), 0);
	ck_assert_int_eq(strncmp(tok, "nsym_1_", 7), 0);
	ck_assert_int_eq(nsym_token_check(s, &scope, name, sizeof(name), tok), 0);
	ck_assert_int_eq(scope, NSYM_SCOPE_UPLOAD);
	ck_assert_str_eq(name, "ci");
	snprintf(bad, sizeof(bad), "%s", tok);
	bad[strlen(bad) - 1] = bad[strlen(bad) - 1] == 'a' ? 'b' : 'a';
	ck_assert_int_eq(nsym_token_check(s, &scope, name, sizeof(name), bad), NSYM_ENOENT);
	ck_assert_int_eq(scope, NSYM_SCOPE_NONE);
	ck_assert_int_eq(nsym_token_check(s, &scope, name, sizeof(name), "nsym_2_x"), NSYM_ENOENT);
	ck_assert_int_eq(nsym_token_check(s, &scope, name, sizeof(name), "garbage"), NSYM_ENOENT);
	ck_assert_int_eq(nsym_token_create(s, bad, "ci", NSYM_SCOPE_READ), NSYM_EEXIST);
	ck_assert_int_eq(s->ops->token_revoke(s, "ci"), 0);
	ck_assert_int_eq(nsym_token_check(s, &scope, name, sizeof(name), tok), NSYM_ENOENT);
	ck_assert_int_eq(s->ops->token_revoke(s, "ci"), NSYM_ENOENT);
	s->ops->close(s);
	test_tmpdir_remove(dir);
}
END_TEST

/* A copy from another store (store migrate) keeps a token's id, so the
 * token, which names its id, still checks; and its creation time. */
START_TEST(token_keeps_a_given_id)
{
	char *dir = test_tmpdir(), tok[NSYM_TOKEN_MAX], name[64];
	struct nsym_store *s = open_store(dir), *t;
	struct nsym_token got, copy;
	enum nsym_scope scope;
	int64_t id;

	ck_assert_int_eq(nsym_token_create(s, tok, "ci", NSYM_SCOPE_UPLOAD), 0);
	ck_assert_int_eq(s->ops->token_get(s, &copy, 1), 0);
	copy.id = 7;
	copy.created = 1234;
	s->ops->close(s);
	test_tmpdir_remove(dir);
	dir = test_tmpdir();
	t = open_store(dir);
	ck_assert_int_eq(t->ops->token_add(t, &copy, &id), 0);
	ck_assert_int_eq(id, 7);
	ck_assert_int_eq(t->ops->token_get(t, &got, 7), 0);
	ck_assert_int_eq(got.created, 1234);
	ck_assert_int_eq(t->ops->token_add(t, &copy, &id), NSYM_EEXIST);
	/* the secret names id 1, which this store does not have */
	ck_assert_int_eq(nsym_token_check(t, &scope, name, sizeof(name), tok), NSYM_ENOENT);
	memmove(tok + 5, "7", 1); /* nsym_1_… is nsym_7_… here */
	ck_assert_int_eq(nsym_token_check(t, &scope, name, sizeof(name), tok), 0);
	ck_assert_str_eq(name, "ci");
	/* the next token comes after it */
	ck_assert_int_eq(nsym_token_create(t, tok, "next", NSYM_SCOPE_READ), 0);
	ck_assert_int_eq(strncmp(tok, "nsym_8_", 7), 0);
	t->ops->close(t);
	test_tmpdir_remove(dir);
}
END_TEST

/* One artifact as an upload records it: 0, NSYM_EEXIST, or the failure. */
static int add_one(struct nsym_store *s, struct nsym_artifact *a)
{
	int result = -1, rc = s->ops->artifact_add(s, &result, a, 1);
	return rc != 0 ? rc : result;
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

START_TEST(blobs_and_artifacts)
{
	char *dir = test_tmpdir(), sha[NSYM_SHA256_HEX], again[NSYM_SHA256_HEX], path[4200];
	struct nsym_store *s = open_store(dir);
	struct nsym_artifact a = {0}, found;
	struct nsym_blob blob;
	int64_t count, bytes;

	put_blob(s, "abc", sha);
	ck_assert_str_eq(sha, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	put_blob(s, "abc", again); /* the same bytes: one blob */
	ck_assert_str_eq(again, sha);
	snprintf(path, sizeof(path), "%s/blobs/sha256/ba/%s", dir, sha + 2);
	ck_assert_int_eq(access(path, R_OK), 0);
	snprintf(path, sizeof(path), "%s/tmp", dir);
	ck_assert_int_eq(test_sh("test -z \"$(ls -A '%s')\"", path), 0);
	snprintf(a.key, sizeof(a.key), "0102");
	snprintf(a.kind, sizeof(a.kind), "debuginfo");
	snprintf(a.sha256, sizeof(a.sha256), "%s", sha);
	ck_assert_int_eq(add_one(s, &a), 0);
	ck_assert_int_eq(add_one(s, &a), NSYM_EEXIST);
	ck_assert_int_eq(s->ops->artifact_find(s, &found, "0102", "debuginfo"), 0);
	ck_assert_uint_eq(found.size, 3);
	ck_assert_int_eq(s->ops->artifact_find(s, &found, "0102", "executable"), NSYM_ENOENT);
	ck_assert_int_eq(s->ops->blob_open(s, &blob, sha), 0);
	ck_assert_uint_eq(blob.size, 3);
	close(blob.fd);
	ck_assert_int_eq(s->ops->stats(s, &count, &bytes), 0);
	ck_assert_int_eq(count, 1);
	ck_assert_int_eq(bytes, 3);
	ck_assert_int_eq(s->ops->artifact_delete(s, NULL, found.id), 0);
	ck_assert_int_eq(s->ops->artifact_delete(s, NULL, found.id), NSYM_ENOENT);
	s->ops->close(s);
	test_tmpdir_remove(dir);
}
END_TEST

static void add_artifact(struct nsym_store *s, const char *key, const char *kind, const char *sha,
                         int64_t *out_id)
{
	struct nsym_artifact a = {0};
	snprintf(a.key, sizeof(a.key), "%s", key);
	snprintf(a.kind, sizeof(a.kind), "%s", kind);
	snprintf(a.sha256, sizeof(a.sha256), "%s", sha);
	ck_assert_int_eq(add_one(s, &a), 0);
	*out_id = a.id;
}

static int blob_exists(const char *dir, const char *sha)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/blobs/sha256/%.2s/%s", dir, sha, sha + 2);
	return access(path, F_OK) == 0;
}

START_TEST(delete_keeps_a_blob_until_no_row_names_it)
{
	char *dir = test_tmpdir(), sha[NSYM_SHA256_HEX], bin[NSYM_SHA256_HEX];
	struct nsym_store *s = open_store(dir);
	struct nsym_source src = {0};
	struct nsym_artifact got;
	int64_t debug, exec, other, count, bytes;
	bool removed = true;

	put_blob(s, "one file, two identities", sha);
	add_artifact(s, "0102030405", "debuginfo", sha, &debug);
	add_artifact(s, "0102030405", "executable", sha, &exec);
	ck_assert_int_eq(s->ops->artifact_get(s, &got, exec), 0);
	ck_assert_str_eq(got.kind, "executable");
	ck_assert_int_eq(s->ops->artifact_delete(s, &removed, debug), 0);
	ck_assert(!removed && blob_exists(dir, sha));
	ck_assert_int_eq(s->ops->artifact_get(s, &got, debug), NSYM_ENOENT);
	ck_assert_int_eq(s->ops->artifact_delete(s, &removed, exec), 0);
	ck_assert(removed && !blob_exists(dir, sha));
	ck_assert_int_eq(s->ops->stats(s, &count, &bytes), 0);
	ck_assert_int_eq(count + bytes, 0);
	ck_assert_int_eq(test_sh("test -z \"$(ls -A '%s/tmp')\"", dir), 0);
	/* another build's source naming the blob keeps it too (its foreign key
	 * refuses) */
	put_blob(s, "one file, two identities", sha);
	add_artifact(s, "0a0b0c0d0e", "debuginfo", sha, &other);
	put_blob(s, "build 0f's binary", bin); /* sources need their build's artifact */
	add_artifact(s, "0f0f0f0f0f", "debuginfo", bin, &exec);
	snprintf(src.build_id, sizeof(src.build_id), "0f0f0f0f0f");
	snprintf(src.path, sizeof(src.path), "/src/a.c");
	snprintf(src.sha256, sizeof(src.sha256), "%s", sha);
	ck_assert_int_eq(s->ops->source_add(s, &src), 0);
	ck_assert_int_eq(s->ops->artifact_delete(s, &removed, other), 0);
	ck_assert(!removed && blob_exists(dir, sha));
	s->ops->close(s);
	test_tmpdir_remove(dir);
}
END_TEST

static void add_source(struct nsym_store *s, const char *build_id, const char *path,
                       const char *sha)
{
	struct nsym_source src = {0};
	snprintf(src.build_id, sizeof(src.build_id), "%s", build_id);
	snprintf(src.path, sizeof(src.path), "%s", path);
	snprintf(src.sha256, sizeof(src.sha256), "%s", sha);
	ck_assert_int_eq(s->ops->source_add(s, &src), 0);
}

static int has_source(struct nsym_store *s, const char *build_id, const char *path)
{
	struct nsym_source found;
	int rc = s->ops->source_find(s, &found, build_id, path);
	ck_assert(rc == 0 || rc == NSYM_ENOENT);
	return rc == 0;
}

/* Sources belong to their build: they go with its last artifact, and each
 * of their blobs with them unless another row names the same bytes. */
START_TEST(last_artifact_of_a_build_takes_its_sources)
{
	char *dir = test_tmpdir(), bin[NSYM_SHA256_HEX], own[NSYM_SHA256_HEX],
	     shared[NSYM_SHA256_HEX], stored[NSYM_SHA256_HEX], self[NSYM_SHA256_HEX],
	     a0_bin[NSYM_SHA256_HEX];
	struct nsym_store *s = open_store(dir);
	struct nsym_artifact got;
	int64_t debug, exec, other, alone, a0, count, bytes;
	bool removed;

	put_blob(s, "an unstripped binary", bin);
	put_blob(s, "static int only_here;\n", own);
	put_blob(s, "#include <shared.h>\n", shared);     /* also another build's source */
	put_blob(s, "stored as an artifact too", stored); /* also another build's binary */
	add_artifact(s, "0102030405", "debuginfo", bin, &debug);
	add_artifact(s, "0102030405", "executable", bin, &exec);
	add_source(s, "0102030405", "/src/own.c", own);
	add_source(s, "0102030405", "/src/again/own.c", own); /* one blob, two paths */
	add_source(s, "0102030405", "/src/shared.h", shared);
	add_source(s, "0102030405", "/src/stored.c", stored);
	put_blob(s, "build a0's binary", a0_bin);
	add_artifact(s, "a0a0a0a0a0", "debuginfo", a0_bin, &a0);
	add_source(s, "a0a0a0a0a0", "/src/shared.h", shared);
	add_artifact(s, "b0b0b0b0b0", "debuginfo", stored, &other);

	/* debuginfo gone, executable kept: the build keeps its sources */
	ck_assert_int_eq(s->ops->artifact_delete(s, &removed, debug), 0);
	ck_assert(!removed && blob_exists(dir, bin));
	ck_assert(has_source(s, "0102030405", "/src/own.c"));
	ck_assert(has_source(s, "0102030405", "/src/stored.c"));
	ck_assert(blob_exists(dir, own));

	/* the last one: every source of the build goes, and the blob only
	 * they named; the blobs another build's rows name stay */
	ck_assert_int_eq(s->ops->artifact_delete(s, &removed, exec), 0);
	ck_assert(removed && !blob_exists(dir, bin));
	ck_assert(!has_source(s, "0102030405", "/src/own.c"));
	ck_assert(!has_source(s, "0102030405", "/src/again/own.c"));
	ck_assert(!has_source(s, "0102030405", "/src/shared.h"));
	ck_assert(!has_source(s, "0102030405", "/src/stored.c"));
	ck_assert(!blob_exists(dir, own));
	ck_assert(blob_exists(dir, shared) && has_source(s, "a0a0a0a0a0", "/src/shared.h"));
	ck_assert(blob_exists(dir, stored));
	ck_assert_int_eq(s->ops->artifact_get(s, &got, other), 0);
	ck_assert_int_eq(s->ops->stats(s, &count, &bytes), 0);
	ck_assert_int_eq(count, 2);
	ck_assert_int_eq(bytes, (int64_t)(strlen("#include <shared.h>\n") +
	                                  strlen("stored as an artifact too") +
	                                  strlen("build a0's binary")));
	ck_assert_int_eq(test_sh("test -z \"$(ls -A '%s/tmp')\"", dir), 0);

	/* only that build's: another build's last artifact leaves them be */
	ck_assert_int_eq(s->ops->artifact_delete(s, &removed, other), 0);
	ck_assert(removed && !blob_exists(dir, stored));
	ck_assert(blob_exists(dir, shared) && has_source(s, "a0a0a0a0a0", "/src/shared.h"));

	/* a binary uploaded as its own build's source too: one blob, gone with
	 * both rows */
	put_blob(s, "an unstripped binary", self);
	add_artifact(s, "0c0c0c0c0c", "debuginfo", self, &alone);
	add_source(s, "0c0c0c0c0c", "/src/itself", self);
	ck_assert_int_eq(s->ops->artifact_delete(s, &removed, alone), 0);
	ck_assert(removed && !blob_exists(dir, self));
	ck_assert(!has_source(s, "0c0c0c0c0c", "/src/itself"));
	ck_assert_int_eq(test_sh("test -z \"$(ls -A '%s/tmp')\"", dir), 0);
	s->ops->close(s);
	test_tmpdir_remove(dir);
}
END_TEST

/* A delete that fails after it moved blobs aside puts back every row and
 * every file: none of them may be left naming a missing blob. */
START_TEST(failed_delete_puts_back_sources_and_blobs)
{
	char *dir = test_tmpdir(), bin[NSYM_SHA256_HEX], one[NSYM_SHA256_HEX], two[NSYM_SHA256_HEX];
	struct nsym_store *s = open_store(dir);
	struct nsym_artifact got;
	int64_t id;
	bool removed = true;

	put_blob(s, "a stripped binary", bin);
	put_blob(s, "int one;\n", one);
	put_blob(s, "int two;\n", two);
	add_artifact(s, "0d0d0d0d0d", "executable", bin, &id);
	add_source(s, "0d0d0d0d0d", "/src/one.c", one);
	add_source(s, "0d0d0d0d0d", "/src/two.c", two);
	/* the artifact's blob is moved aside first; a folder where one
	 * source's blob would go makes the delete fail on it */
	ck_assert_int_eq(test_sh("mkdir -p '%s/tmp/deleted.%s/x'", dir, two), 0);
	ck_assert_int_eq(s->ops->artifact_delete(s, &removed, id), NSYM_EIO);
	ck_assert(!removed);
	ck_assert_int_eq(s->ops->artifact_get(s, &got, id), 0);
	ck_assert(has_source(s, "0d0d0d0d0d", "/src/one.c"));
	ck_assert(has_source(s, "0d0d0d0d0d", "/src/two.c"));
	ck_assert(blob_exists(dir, bin) && blob_exists(dir, one) && blob_exists(dir, two));
	ck_assert_int_eq(test_sh("rm -r '%s/tmp/deleted.%s'", dir, two), 0);
	ck_assert_int_eq(test_sh("test -z \"$(ls -A '%s/tmp')\"", dir), 0);
	/* and once it can, it does */
	ck_assert_int_eq(s->ops->artifact_delete(s, &removed, id), 0);
	ck_assert(removed && !blob_exists(dir, bin) && !blob_exists(dir, one) &&
	          !blob_exists(dir, two));
	ck_assert(!has_source(s, "0d0d0d0d0d", "/src/one.c"));
	s->ops->close(s);
	test_tmpdir_remove(dir);
}
END_TEST

START_TEST(upload_racing_a_delete_leaves_no_dangling_row)
{
	char *dir = test_tmpdir(), sha[NSYM_SHA256_HEX];
	struct nsym_store *s = open_store(dir);
	struct nsym_artifact a = {0}, found;
	int64_t id, count, bytes;
	bool removed;

	put_blob(s, "uploaded twice", sha);
	add_artifact(s, "aabbccddee", "debuginfo", sha, &id);
	/* An upload of the same bytes commits the blob (the file is there);
	 * then the delete of its only artifact removes it; then the upload
	 * adds its artifact. */
	put_blob(s, "uploaded twice", sha);
	ck_assert_int_eq(s->ops->artifact_delete(s, &removed, id), 0);
	ck_assert(removed);
	snprintf(a.key, sizeof(a.key), "aabbccddee");
	snprintf(a.kind, sizeof(a.kind), "executable");
	snprintf(a.sha256, sizeof(a.sha256), "%s", sha);
	ck_assert_int_eq(add_one(s, &a), NSYM_EIO);
	ck_assert_ptr_nonnull(strstr(nsym_store_errmsg(s), "again"));
	ck_assert_int_eq(s->ops->artifact_find(s, &found, "aabbccddee", "executable"), NSYM_ENOENT);
	ck_assert_int_eq(s->ops->stats(s, &count, &bytes), 0);
	ck_assert_int_eq(count + bytes, 0); /* the blob's row went too */
	s->ops->close(s);
	test_tmpdir_remove(dir);
}
END_TEST

START_TEST(sweep_puts_back_a_blob_moved_aside)
{
	char *dir = test_tmpdir(), sha[NSYM_SHA256_HEX], gone[NSYM_SHA256_HEX];
	struct nsym_store *s = open_store(dir);
	struct nsym_sweep swept;
	int64_t id;

	put_blob(s, "moved aside by a delete that crashed", sha);
	add_artifact(s, "1122334455", "debuginfo", sha, &id);
	ck_assert_int_eq(test_sh("mv '%s/blobs/sha256/%.2s/%s' '%s/tmp/deleted.%s'", dir, sha,
	                         sha + 2, dir, sha),
	                 0);
	ck_assert(!blob_exists(dir, sha));
	/* and one whose delete had committed: nothing names it */
	put_blob(s, "deleted, then a crash", gone);
	ck_assert_int_eq(test_sh("mv '%s/blobs/sha256/%.2s/%s' '%s/tmp/deleted.%s'", dir, gone,
	                         gone + 2, dir, gone),
	                 0);
	ck_assert_int_eq(nsym_store_sweep_local(&swept, s), 0);
	ck_assert(blob_exists(dir, sha));
	ck_assert(!blob_exists(dir, gone));
	ck_assert_int_eq(test_sh("test -z \"$(ls -A '%s/tmp')\"", dir), 0);
	s->ops->close(s);
	test_tmpdir_remove(dir);
}
END_TEST

/* An upload whose every identity is taken by other bytes (409) keeps
 * nothing: no row and no file for its bytes. */
START_TEST(upload_of_taken_identities_keeps_no_blob)
{
	char *dir = test_tmpdir(), first[NSYM_SHA256_HEX], other[NSYM_SHA256_HEX];
	struct nsym_store *s = open_store(dir);
	struct nsym_artifact a = {0};
	int64_t id, count, bytes;

	put_blob(s, "the first build", first);
	add_artifact(s, "0e0e0e0e0e", "debuginfo", first, &id);
	put_blob(s, "other bytes, the same build-id", other);
	ck_assert(blob_exists(dir, other));
	snprintf(a.key, sizeof(a.key), "0e0e0e0e0e");
	snprintf(a.kind, sizeof(a.kind), "debuginfo");
	snprintf(a.sha256, sizeof(a.sha256), "%s", other);
	ck_assert_int_eq(add_one(s, &a), NSYM_EEXIST);
	ck_assert_str_eq(a.sha256, first);
	ck_assert(!blob_exists(dir, other) && blob_exists(dir, first));
	ck_assert_int_eq(s->ops->stats(s, &count, &bytes), 0);
	ck_assert_int_eq(bytes, (int64_t)strlen("the first build"));
	ck_assert_int_eq(test_sh("test -z \"$(ls -A '%s/tmp')\"", dir), 0);
	s->ops->close(s);
	test_tmpdir_remove(dir);
}
END_TEST

/* One row of (key, id_kind, kind) naming blob sha. */
static void add_row(struct nsym_store *s, const char *key, const char *id_kind, const char *kind,
                    const char *sha)
{
	struct nsym_artifact a = {0};
	snprintf(a.key, sizeof(a.key), "%s", key);
	snprintf(a.id_kind, sizeof(a.id_kind), "%s", id_kind);
	snprintf(a.kind, sizeof(a.kind), "%s", kind);
	snprintf(a.sha256, sizeof(a.sha256), "%s", sha);
	ck_assert_int_eq(add_one(s, &a), 0);
}

/* A key found by its start (an ELF debug id keeps 16 bytes of the
 * build-id): of its id kind and artifact kind only, the first uploaded of
 * several, the whole key as its own start; nothing for what is not hex. */
START_TEST(artifacts_are_found_by_a_key_prefix)
{
	char *dir = test_tmpdir(), sha[NSYM_SHA256_HEX];
	struct nsym_store *s = open_store(dir);
	struct nsym_artifact a;

	put_blob(s, "bytes", sha);
	add_row(s, "aabbccdd0011", "build-id", "debuginfo", sha);
	add_row(s, "aabbccdd0010", "build-id", "debuginfo", sha);
	add_row(s, "aabbccdd00", "fallback-id", "debuginfo", sha);
	add_row(s, "aabbccde", "build-id", "executable", sha);
	add_row(s, "aabbcc", "macho-uuid", "debuginfo", sha);
	ck_assert_int_eq(s->ops->artifact_find_prefix(s, &a, "aabbccdd00", "build-id", "debuginfo"),
	                 0);
	ck_assert_str_eq(a.key, "aabbccdd0011");
	ck_assert_int_eq(
	    s->ops->artifact_find_prefix(s, &a, "aabbccdd001", "build-id", "debuginfo"), 0);
	ck_assert_str_eq(a.key, "aabbccdd0011");
	ck_assert_int_eq(
	    s->ops->artifact_find_prefix(s, &a, "aabbccdd00", "fallback-id", "debuginfo"), 0);
	ck_assert_str_eq(a.key, "aabbccdd00");
	ck_assert_int_eq(s->ops->artifact_find_prefix(s, &a, "aabbcc", "macho-uuid", "debuginfo"),
	                 0);
	ck_assert_str_eq(a.key, "aabbcc");
	ck_assert_int_eq(s->ops->artifact_find_prefix(s, &a, "aabbccde", "build-id", "executable"),
	                 0);
	ck_assert_str_eq(a.key, "aabbccde");
	ck_assert_int_eq(s->ops->artifact_find_prefix(s, &a, "aabbccde", "build-id", "debuginfo"),
	                 NSYM_ENOENT);
	ck_assert_int_eq(
	    s->ops->artifact_find_prefix(s, &a, "aabbccdd002", "build-id", "debuginfo"),
	    NSYM_ENOENT);
	ck_assert_int_eq(
	    s->ops->artifact_find_prefix(s, &a, "aabbccdd0", "macho-uuid", "debuginfo"),
	    NSYM_ENOENT);
	ck_assert_int_eq(s->ops->artifact_find_prefix(s, &a, "aabbccdd%", "build-id", "debuginfo"),
	                 NSYM_ENOENT);
	ck_assert_int_eq(s->ops->artifact_find_prefix(s, &a, "AABBCCDD", "build-id", "debuginfo"),
	                 NSYM_ENOENT);
	s->ops->close(s);
	test_tmpdir_remove(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("store");
	TEST_ADD(s, newer_database_is_refused);
	TEST_ADD(s, tokens_are_checked_and_revoked);
	TEST_ADD(s, token_keeps_a_given_id);
	TEST_ADD(s, blobs_and_artifacts);
	TEST_ADD(s, delete_keeps_a_blob_until_no_row_names_it);
	TEST_ADD(s, last_artifact_of_a_build_takes_its_sources);
	TEST_ADD(s, failed_delete_puts_back_sources_and_blobs);
	TEST_ADD(s, upload_racing_a_delete_leaves_no_dangling_row);
	TEST_ADD(s, sweep_puts_back_a_blob_moved_aside);
	TEST_ADD(s, upload_of_taken_identities_keeps_no_blob);
	TEST_ADD(s, artifacts_are_found_by_a_key_prefix);
	return test_run(s);
}
