/*
 * The shared helpers of napi_symbols_util.h: SHA-1 and SHA-256 through
 * libcrypto against the FIPS 180-4 examples, fed in pieces across block
 * boundaries, copied midway; hex; untrusted JSON with its limits; and
 * JSON strings written out whatever bytes they hold.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "napi_symbols_util.h"
#include "test_util.h"

/* text's digest, fed 7 bytes at a time, as hex. */
static void digest_of(char *out, enum nsym_hash_kind kind, const char *text)
{
	nsym_hash *h = NULL;

	ck_assert_int_eq(nsym_hash_new(&h, kind), 0);
	for (size_t i = 0; i < strlen(text); i += 7)
		ck_assert_int_eq(
		    nsym_hash_update(h, text + i, strlen(text) - i < 7 ? strlen(text) - i : 7), 0);
	ck_assert_int_eq(nsym_hash_final_hex(out, h), 0);
	nsym_hash_free(h);
}

static const char two_blocks[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

START_TEST(sha_known_answers)
{
	char h[2 * NSYM_HASH_MAX_SIZE + 1];

	digest_of(h, NSYM_HASH_SHA256, "");
	ck_assert_str_eq(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	digest_of(h, NSYM_HASH_SHA256, "abc");
	ck_assert_str_eq(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	digest_of(h, NSYM_HASH_SHA256, two_blocks);
	ck_assert_str_eq(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	digest_of(h, NSYM_HASH_SHA1, "abc");
	ck_assert_str_eq(h, "a9993e364706816aba3e25717850c26c9cd0d89d");
	digest_of(h, NSYM_HASH_SHA1, two_blocks);
	ck_assert_str_eq(h, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
}
END_TEST

/* A copy goes on from where the original was, and both finish apart. */
START_TEST(sha_copy_goes_on_alone)
{
	nsym_hash *a = NULL, *b = NULL;
	char ha[2 * NSYM_HASH_MAX_SIZE + 1], hb[sizeof(ha)];

	ck_assert_int_eq(nsym_hash_new(&a, NSYM_HASH_SHA256), 0);
	ck_assert_int_eq(nsym_hash_update(a, "ab", 2), 0);
	ck_assert_int_eq(nsym_hash_copy(&b, a), 0);
	ck_assert_int_eq(nsym_hash_final_hex(ha, a), 0);
	ck_assert_int_eq(nsym_hash_update(b, "c", 1), 0);
	ck_assert_int_eq(nsym_hash_final_hex(hb, b), 0);
	ck_assert_str_eq(ha, "fb8e20fc2e4c3f248c60c39bd652f3c1347298bb977b8b4d5903b85055620603");
	ck_assert_str_eq(hb, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	nsym_hash_free(a);
	nsym_hash_free(b);
	nsym_hash_free(NULL);
}
END_TEST

/* A hash reset after its digest starts afresh, of the same kind: what
 * code signatures do for every page. */
START_TEST(sha_reset_starts_afresh)
{
	nsym_hash *h = NULL;
	char hex[2 * NSYM_HASH_MAX_SIZE + 1];

	for (int kind = NSYM_HASH_SHA1; kind <= NSYM_HASH_SHA256; kind++) {
		ck_assert_int_eq(nsym_hash_new(&h, (enum nsym_hash_kind)kind), 0);
		ck_assert_int_eq(nsym_hash_update(h, "xyz", 3), 0);
		ck_assert_int_eq(nsym_hash_final_hex(hex, h), 0);
		for (int round = 0; round < 2; round++) {
			ck_assert_int_eq(nsym_hash_reset(h), 0);
			ck_assert_int_eq(nsym_hash_update(h, "abc", 3), 0);
			ck_assert_int_eq(nsym_hash_final_hex(hex, h), 0);
			ck_assert_str_eq(hex,
			                 kind == NSYM_HASH_SHA1
			                     ? "a9993e364706816aba3e25717850c26c9cd0d89d"
			                     : "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb4"
			                       "10ff61f20015ad");
		}
		nsym_hash_free(h);
	}
}
END_TEST

/* Pieces of every size across block boundaries give the digest of the
 * whole, for lengths around every block boundary up to 1 MiB. */
START_TEST(sha_in_pieces_is_sha_whole)
{
	size_t max = 1 << 20;
	unsigned char *data = malloc(max);
	unsigned seed = 42;
	char whole[2 * NSYM_HASH_MAX_SIZE + 1], pieces[sizeof(whole)];

	ck_assert_ptr_nonnull(data);
	for (size_t i = 0; i < max; i++)
		data[i] = (unsigned char)rand_r(&seed);
	for (size_t size = 0; size <= max; size = size < 4096 ? size + 13 : size * 4) {
		nsym_hash *a = NULL, *b = NULL;
		ck_assert_int_eq(nsym_hash_new(&a, NSYM_HASH_SHA256), 0);
		ck_assert_int_eq(nsym_hash_new(&b, NSYM_HASH_SHA256), 0);
		ck_assert_int_eq(nsym_hash_update(a, data, size), 0);
		for (size_t at = 0; at < size;) {
			size_t n = (size_t)(rand_r(&seed) % 300);
			n = n > size - at ? size - at : n;
			ck_assert_int_eq(nsym_hash_update(b, data + at, n), 0);
			at += n;
		}
		ck_assert_int_eq(nsym_hash_final_hex(whole, a), 0);
		ck_assert_int_eq(nsym_hash_final_hex(pieces, b), 0);
		ck_assert_msg(strcmp(whole, pieces) == 0, "%zu bytes: %s, in pieces %s", size,
		              whole, pieces);
		nsym_hash_free(a);
		nsym_hash_free(b);
	}
	free(data);
}
END_TEST

START_TEST(hex_both_cases)
{
	const unsigned char bytes[] = {0x00, 0x9f, 0xa0, 0xff};
	char out[9];

	ck_assert_str_eq(nsym_hex(out, bytes, 4, false), "009fa0ff");
	ck_assert_str_eq(nsym_hex(out, bytes, 4, true), "009FA0FF");
	ck_assert_str_eq(nsym_hex(out, bytes, 0, false), "");
}
END_TEST

START_TEST(json_limits_are_named)
{
	static const struct nsym_json_limits lim = {64, 3};
	json_t *doc = NULL;
	char err[160];

	ck_assert_int_eq(nsym_json_load(&doc, "{\"a\": [[1]]}", 12, &lim, err, sizeof(err)), 0);
	ck_assert_int_eq(
	    json_integer_value(json_array_get(json_array_get(json_object_get(doc, "a"), 0), 0)), 1);
	json_decref(doc);
	/* brackets inside strings are not nesting */
	ck_assert_int_eq(nsym_json_load(&doc, "[\"[[[[\\\"[[[\"]", 13, &lim, err, sizeof(err)), 0);
	json_decref(doc);
	ck_assert_int_eq(nsym_json_load(&doc, "[[[[1]]]]", 9, &lim, err, sizeof(err)), NSYM_EINVAL);
	ck_assert_ptr_null(doc);
	ck_assert_msg(strstr(err, "nested deeper than 3") != NULL, "%s", err);
	ck_assert_int_eq(nsym_json_load(&doc, "[1]", 65, &lim, err, sizeof(err)), NSYM_EINVAL);
	ck_assert_msg(strstr(err, "over the limit of 64") != NULL, "%s", err);
	ck_assert_int_eq(nsym_json_load(&doc, "{\"a\": 1,}", 9, &lim, err, sizeof(err)),
	                 NSYM_EINVAL);
	ck_assert_msg(strncmp(err, "line 1, column ", 15) == 0, "%s", err);
	ck_assert_int_eq(nsym_json_load(&doc, "[\"\\u0000\"]", 10, &lim, err, sizeof(err)),
	                 NSYM_EINVAL);
}
END_TEST

/* jansson quotes the token it stopped at, raw: err is shown to users (the
 * symbolicate error, an HTTP reply), so it must not carry control
 * characters from the input (found by fuzz_crash_report). */
START_TEST(json_errors_are_printable)
{
	static const struct nsym_json_limits lim = {64, 3};
	static const char *const bad[] = {"{\"a\": 1\f}", "[1\033[2J]", "{\"a\"\x7f: 1}"};
	json_t *doc = NULL;
	char err[160];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(
		    nsym_json_load(&doc, bad[i], strlen(bad[i]), &lim, err, sizeof(err)),
		    NSYM_EINVAL);
		for (const char *c = err; *c != '\0'; c++)
			ck_assert_msg((unsigned char)*c >= 0x20 && *c != 0x7f,
			              "control character 0x%02x in \"%s\"", (unsigned char)*c, err);
	}
}
END_TEST

/* A fault's detail is one line, whatever bytes jansson quotes from the
 * input: its control characters are '?'. */
START_TEST(json_faults_are_one_line)
{
	static const struct nsym_json_limits lim = {1 << 16, 8};
	json_t *doc = NULL;
	char err[300];

	/* jansson's "invalid escape near '"\<newline>'" */
	ck_assert_int_eq(nsym_json_load(&doc, "[\"\\\n\"]", 6, &lim, err, sizeof(err)),
	                 NSYM_EINVAL);
	ck_assert_str_eq(err, "line 2, column 0: invalid escape near '\"\\?'");
	ck_assert_int_eq(nsym_json_load(&doc, "[\"a\tb\"]", 7, &lim, err, sizeof(err)),
	                 NSYM_EINVAL);
	ck_assert_msg(strchr(err, '\t') == NULL && strstr(err, "control character") != NULL, "%s",
	              err);
}
END_TEST

/* s as nsym_json_string writes it, read back from a memory stream. */
static char *written(const char *s)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	ck_assert_ptr_nonnull(f);
	nsym_json_string(f, s);
	ck_assert_int_eq(fclose(f), 0);
	return buf;
}

/* Quotes, backslashes and control bytes escaped; valid UTF-8 kept; every
 * byte of an invalid sequence (stray, overlong, surrogate, past U+10FFFF,
 * cut short) one U+FFFD; and jansson reads each answer back. */
START_TEST(json_strings_are_escaped)
{
	static const char *const cases[][2] = {
	    {"", "\"\""},
	    {"a\"b\\c", "\"a\\\"b\\\\c\""},
	    {"\n\t\x01\x1f", "\"\\n\\t\\u0001\\u001f\""},
	    {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	     "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\""},
	    {"\x80", "\"\\ufffd\""},
	    {"\xc0\xaf", "\"\\ufffd\\ufffd\""},
	    {"\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\""},
	    {"\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""},
	    {"x\xe2\x82", "\"x\\ufffd\\ufffd\""},
	};
	static const struct nsym_json_limits lim = {1024, 1};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = written(cases[i][0]), err[160];
		json_t *doc = NULL;

		ck_assert_msg(strcmp(got, cases[i][1]) == 0, "case %zu: %s", i, got);
		ck_assert_msg(nsym_json_load(&doc, got, strlen(got), &lim, err, sizeof(err)) == 0,
		              "case %zu: %s", i, err);
		ck_assert(json_is_string(doc));
		json_decref(doc);
		free(got);
	}
}
END_TEST

/* npm packages: what npm takes for a new name, semver's versions, and
 * every refusal leaves both outputs empty with one line of why. The edges
 * are the limits themselves: a 214-byte name, a 64-byte version. */
START_TEST(npm_packages_are_checked)
{
	static const char *const good[][3] = {
	    {"@napi-rs/canvas-linux-x64-gnu@0.1.65", "@napi-rs/canvas-linux-x64-gnu", "0.1.65"},
	    {"canvas", "canvas", ""},
	    {"a.b_c~d-e@10.20.30-rc.1+build.5", "a.b_c~d-e", "10.20.30-rc.1+build.5"},
	    {"x@0.0.0+b", "x", "0.0.0+b"},
	    {"@s/n", "@s/n", ""},
	};
	static const char *const bad[] = {
	    "",           "@",         "@s",       "@s/",          "@/n",
	    "@s/n/m",     "Canvas",    "can vas",  ".x",           "_x",
	    "@.s/n",      "x@",        "x@1",      "x@1.2",        "x@1.2.3.4",
	    "x@01.2.3",   "x@1.2.3-",  "x@1.2.3+", "x@1.2.3-a..b", "x@1.2.3-.a",
	    "x@1.2.3-a.", "x@1.2.3@4", "x@v1.2.3", "x@1.2.3 ",     "caf\xc3\xa9",
	    "x/y",
	};
	char name[NSYM_NPM_NAME_MAX + 1], version[NSYM_NPM_VERSION_MAX + 1], why[200];
	char text[400];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_msg(
		    nsym_npm_package_split(name, version, good[i][0], false, why, sizeof(why)) == 0,
		    "%s: %s", good[i][0], why);
		ck_assert_str_eq(name, good[i][1]);
		ck_assert_str_eq(version, good[i][2]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(nsym_npm_package_split(name, version, bad[i], false, why,
		                                     sizeof(why)) == NSYM_EINVAL,
		              "%s accepted", bad[i]);
		ck_assert(name[0] == '\0' && version[0] == '\0' && why[0] != '\0');
		ck_assert(strchr(why, '\n') == NULL);
	}
	/* a version is needed when the caller says so */
	ck_assert_int_eq(nsym_npm_package_split(name, version, "canvas", true, why, sizeof(why)),
	                 NSYM_EINVAL);
	/* the limits: 214 bytes of name, 64 of version, and one past each */
	memset(text, 'a', NSYM_NPM_NAME_MAX);
	snprintf(text + NSYM_NPM_NAME_MAX, sizeof(text) - NSYM_NPM_NAME_MAX, "@1.0.0-");
	memset(text + NSYM_NPM_NAME_MAX + 7, 'b', 64 - 6);
	text[NSYM_NPM_NAME_MAX + 1 + 64] = '\0';
	ck_assert_msg(nsym_npm_package_split(name, version, text, true, why, sizeof(why)) == 0,
	              "%s", why);
	ck_assert_uint_eq(strlen(name), NSYM_NPM_NAME_MAX);
	ck_assert_uint_eq(strlen(version), NSYM_NPM_VERSION_MAX);
	text[NSYM_NPM_NAME_MAX + 1 + 64] = 'b';
	text[NSYM_NPM_NAME_MAX + 1 + 65] = '\0';
	ck_assert_int_eq(nsym_npm_package_split(name, version, text, true, why, sizeof(why)),
	                 NSYM_EINVAL);
	memset(text, 'a', NSYM_NPM_NAME_MAX + 1);
	text[NSYM_NPM_NAME_MAX + 1] = '\0';
	ck_assert_int_eq(nsym_npm_package_split(name, version, text, false, why, sizeof(why)),
	                 NSYM_EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("shared");
	TEST_ADD(s, sha_known_answers);
	TEST_ADD(s, sha_copy_goes_on_alone);
	TEST_ADD(s, sha_reset_starts_afresh);
	TEST_ADD(s, sha_in_pieces_is_sha_whole);
	TEST_ADD(s, hex_both_cases);
	TEST_ADD(s, json_limits_are_named);
	TEST_ADD(s, json_errors_are_printable);
	TEST_ADD(s, json_faults_are_one_line);
	TEST_ADD(s, json_strings_are_escaped);
	TEST_ADD(s, npm_packages_are_checked);
	return test_run(s);
}
