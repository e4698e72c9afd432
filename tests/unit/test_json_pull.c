/*
 * The pull reader and the tape (napi_symbols_json.h) held to jansson, the
 * reference: a table of texts at the edges of RFC 8259, then mutations of
 * them, each read by both. The reader must accept exactly what jansson accepts
 * (JSON_DECODE_ANY, at the same depth limit) and read the same values:
 * strings unescaped byte for byte, integers, the kinds of everything, the
 * members of objects whose names are not repeated (jansson keeps the
 * last of a repeated name, which the crash report reader does on its
 * own). One difference is allowed and counted: a real number past a
 * double, which jansson refuses and the reader, which needs no reals'
 * values, takes as RFC 8259 allows.
 */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "napi_symbols.h"
#include "napi_symbols_json.h"
#include "napi_symbols_util.h"
#include "test_util.h"

#define DEPTH 2048 /* jansson's JSON_PARSER_MAX_DEPTH in Debian's 2.14 */

/* Whether the value the reader is at (v, already read) is j, and what
 * follows it in the text the reader passes over the same way. */
static bool same(struct nsym_jp *jp, const struct nsym_jp_value *v, json_t *j)
{
	struct nsym_jp_value inner;
	struct nsym_jp_text key;
	bool first = true, all = true, repeated = false;
	char *names[64];
	size_t n = 0, members = 0;
	int rc;

	switch (v->kind) {
	case NSYM_JP_OBJECT:
		if (!json_is_object(j))
			return false;
		while ((rc = nsym_jp_member(jp, &first, &key)) > 0) {
			char *name = malloc(key.len + 1);
			size_t len = nsym_jp_unescape(name, &key);
			json_t *m = json_object_getn(j, name, len);
			for (size_t i = 0; i < n; i++)
				repeated |=
				    strlen(names[i]) == len && memcmp(names[i], name, len) == 0;
			if (n < 64)
				names[n++] = name;
			else
				free(name);
			members++;
			if (m == NULL || nsym_jp_value(jp, &inner) != 0)
				return false;
			all &= same(jp, &inner, m);
			if (jp->failed)
				return false;
		}
		for (size_t i = 0; i < n; i++)
			free(names[i]);
		return rc == 0 && (repeated || (all && members == json_object_size(j)));
	case NSYM_JP_ARRAY:
		if (!json_is_array(j))
			return false;
		while ((rc = nsym_jp_item(jp, &first)) > 0)
			if (nsym_jp_value(jp, &inner) != 0 ||
			    !same(jp, &inner, json_array_get(j, n++)))
				return false;
		return rc == 0 && n == json_array_size(j);
	case NSYM_JP_STRING: {
		char *s = malloc(v->text.len + 1);
		size_t len = nsym_jp_unescape(s, &v->text);
		bool eq = json_is_string(j) && json_string_length(j) == len &&
		          memcmp(json_string_value(j), s, len) == 0;
		free(s);
		return eq;
	}
	case NSYM_JP_NUMBER:
		return v->integer ? json_is_integer(j) && json_integer_value(j) == v->n
		                  : json_is_real(j);
	case NSYM_JP_TRUE:
		return json_is_true(j);
	case NSYM_JP_FALSE:
		return json_is_false(j);
	case NSYM_JP_NULL:
		return json_is_null(j);
	}
	return false;
}

static unsigned real_overflows;

/* The tape reads what the pull reader reads, and finds each member of a
 * top object where jansson finds it (the last of a repeated name). */
static void tape_agrees(const char *text, size_t len, json_t *j)
{
	struct nsym_json_tape tape;
	int rc = nsym_json_tape_read(&tape, text, len, DEPTH);
	const char *key;
	json_t *m;

	ck_assert_msg(rc == (j != NULL ? 0 : NSYM_EINVAL), "the tape of '%.*s': %d", (int)len, text,
	              rc);
	json_object_foreach(j, key, m)
	{
		size_t at = nsym_json_get(&tape, 0, key);
		ck_assert_msg(at != 0, "'%s' of '%.*s' not on the tape", key, (int)len, text);
		ck_assert_int_eq(tape.nodes[at].v.kind == NSYM_JP_OBJECT, json_is_object(m));
		ck_assert_int_eq(tape.nodes[at].v.kind == NSYM_JP_STRING, json_is_string(m));
		ck_assert_int_eq(tape.nodes[at].v.kind == NSYM_JP_NUMBER &&
		                     tape.nodes[at].v.integer,
		                 json_is_integer(m));
		ck_assert_uint_eq(tape.nodes[at].size, json_is_array(m)    ? json_array_size(m)
		                                       : json_is_object(m) ? json_object_size(m)
		                                                           : 0);
	}
	nsym_json_tape_free(&tape);
}

/* text read by both: they agree. */
static void agree(const char *text, size_t len)
{
	struct nsym_jp jp;
	struct nsym_jp_value v;
	json_error_t je;
	json_t *j = json_loadb(text, len, JSON_DECODE_ANY, &je);
	bool read;

	nsym_jp_start(&jp, text, len, DEPTH);
	read = nsym_jp_value(&jp, &v) == 0 && (j == NULL || same(&jp, &v, j));
	if (j == NULL) {
		/* refused by jansson: the reader refuses it too */
		read = read && nsym_jp_skip(&jp, &v) == 0 && nsym_jp_end(&jp) == 0;
		if (read && strstr(je.text, "real number overflow") != NULL) {
			real_overflows++;
			return;
		}
		ck_assert_msg(!read, "jansson refuses '%.*s' (%s), the reader reads it", (int)len,
		              text, je.text);
		tape_agrees(text, len, NULL);
		ck_assert_msg(strncmp(jp.why, "line ", 5) == 0, "no place in '%s'", jp.why);
		return;
	}
	ck_assert_msg(read, "jansson reads '%.*s', the reader %s", (int)len, text,
	              jp.failed ? jp.why : "reads other values");
	ck_assert_msg(nsym_jp_end(&jp) == 0, "'%.*s': %s", (int)len, text, jp.why);
	tape_agrees(text, len, j);
	json_decref(j);
}

static const char *const texts[] = {
    "{}",
    "[]",
    "\"\"",
    "0",
    "-0",
    "1",
    "-1",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775808",
    "-9223372036854775809",
    "1.5",
    "-1.5e10",
    "1E+2",
    "1e-2",
    "0.0",
    "01",
    "1.",
    ".5",
    "-",
    "+1",
    "1e",
    "1e+",
    "0x10",
    "1.5.5",
    "--1",
    "true",
    "false",
    "null",
    "tru",
    "nul",
    "True",
    "truex",
    "[1,]",
    "[,1]",
    "[1 2]",
    "{\"a\":1,}",
    "{\"a\" 1}",
    "{a:1}",
    "{\"a\":1 \"b\":2}",
    "{\"a\":}",
    "[",
    "{",
    "]",
    "}",
    "",
    " ",
    "\t\n\r [ 1 , 2 ] \n",
    "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"",
    "\"\\u0041\\u00e9\\u20ac\"",
    "\"\\ud83d\\ude00\"",
    "\"\\ud83d\"",
    "\"\\ude00\"",
    "\"\\ud83dx\"",
    "\"\\ud83d\\u0041\"",
    "\"\\u0000\"",
    "\"\\u00\"",
    "\"\\x41\"",
    "\"\\\"",
    "\"a",
    "\"tab\there\"",
    "\"\xc3\xa9\"",
    "\"\xe2\x82\xac\"",
    "\"\xf0\x9f\x98\x80\"",
    "\"\xc3\"",
    "\"\xc0\x80\"",
    "\"\xed\xa0\x80\"",
    "\"\xf4\x90\x80\x80\"",
    "\"\xff\"",
    "\"\x7f\"",
    "1e400",
    "-1e400",
    "1e-400",
    "[1e999]",
    "{\"a\":{\"b\":[true,null]}}",
    "{\"a\":1,\"a\":2}",
    "{\"\\u0061\":1}",
    "[[[[[[[[[[]]]]]]]]]]",
    "\xef\xbb\xbf{}",
    "{} {}",
    "{}x",
    "[\"a\"\"b\"]",
    "{\"format\": \"napi-symbols-crash\", \"version\": 1, \"reason\": "
    "\"signal\", \"modules\": [{\"path\": \"/a.node\", \"id\": \"ab\"}], \"frames\": [{\"pc\": "
    "\"0x10\", \"module\": 0, \"rel\": \"0x10\", \"return_address\": false}]}",
};

START_TEST(reads_what_jansson_reads)
{
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		agree(texts[i], strlen(texts[i]));
	ck_assert_uint_eq(real_overflows, 3); /* 1e400, -1e400, [1e999] */
}
END_TEST

/* Mutations of the table's texts (bytes changed, put in, taken out, runs
 * copied), a fixed seed so that a failure repeats. */
START_TEST(mutations_read_as_jansson_reads_them)
{
	static const char alphabet[] =
	    "{}[],:\"\\/ -+.0123456789eEtrufalsn\x01\x7f\x80\xc3\xed\xf0\xff"
	    "u00dD83e";
	unsigned long long state = 0x9e3779b97f4a7c15ull;
	unsigned accepted = 0, total = 60000;
	char buf[512];

	for (unsigned k = 0; k < total; k++) {
		const char *seed = texts[k % (sizeof(texts) / sizeof(texts[0]))];
		size_t len = strlen(seed);
		memcpy(buf, seed, len);
		for (int m = 0; m < 1 + (int)(k % 3); m++) {
			state = state * 6364136223846793005ull + 1442695040888963407ull;
			size_t at = len > 0 ? (size_t)(state >> 33) % (len + 1) : 0;
			char c = alphabet[(state >> 20) % (sizeof(alphabet) - 1)];
			switch ((state >> 13) % 4) {
			case 0:
				if (at < len)
					buf[at] = c;
				break;
			case 1:
				if (len + 1 < sizeof(buf)) {
					memmove(buf + at + 1, buf + at, len - at);
					buf[at] = c;
					len++;
				}
				break;
			case 2:
				if (at < len) {
					memmove(buf + at, buf + at + 1, len - at - 1);
					len--;
				}
				break;
			default: {
				size_t from = (size_t)(state >> 40) % (len + 1),
				       n = (state >> 7) % 8;
				if (from + n <= len && len + n < sizeof(buf)) {
					memmove(buf + at + n, buf + at, len - at);
					memmove(buf + at, buf + (from >= at ? from + n : from), n);
					len += n;
				}
			}
			}
		}
		json_error_t je;
		json_t *j = json_loadb(buf, len, JSON_DECODE_ANY, &je);
		accepted += j != NULL;
		json_decref(j);
		agree(buf, len);
	}
	/* the test means something only if both kinds came often */
	ck_assert_uint_gt(accepted, total / 20);
	ck_assert_uint_lt(accepted, total - total / 20);
}
END_TEST

START_TEST(depth_is_bounded)
{
	char deep[40];
	struct nsym_jp jp;
	struct nsym_jp_value v;

	memset(deep, '[', 17);
	memset(deep + 17, ']', 17);
	nsym_jp_start(&jp, deep, 34, 16);
	ck_assert_int_eq(nsym_jp_value(&jp, &v), 0);
	ck_assert_int_eq(nsym_jp_skip(&jp, &v), -1);
	ck_assert_str_eq(jp.why, "line 1, column 17: nested deeper than 16 levels");
	nsym_jp_start(&jp, deep + 1, 32, 16);
	ck_assert_int_eq(nsym_jp_value(&jp, &v), 0);
	ck_assert_int_eq(nsym_jp_skip(&jp, &v), 0);
	ck_assert_int_eq(nsym_jp_end(&jp), 0);
	/* the place of an error counts lines */
	nsym_jp_start(&jp, "{\n  \"a\": tru\n}", 14, 16);
	ck_assert_int_eq(nsym_jp_value(&jp, &v), 0);
	ck_assert_int_eq(nsym_jp_skip(&jp, &v), -1);
	ck_assert_str_eq(jp.why, "line 2, column 8: invalid literal");
}
END_TEST

static void put_mem(void *arg, const char *p, size_t n)
{
	FILE *f = arg;
	fwrite(p, 1, n, f);
}

/* The escaper (nsym_json_quote, which looks at eight bytes at a time)
 * read back by jansson and the reader: valid UTF-8 comes back as it went,
 * with every kind of byte at every place in and around a word of eight. */
START_TEST(quoted_strings_read_back)
{
	static const char *const specials[] = {
	    "\"",   "\\",   "\n",       "\t",           "\x01",
	    "\x1f", "\x7f", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
	    "/"};
	char s[40], *quoted;
	size_t size;

	for (size_t k = 0; k < sizeof(specials) / sizeof(specials[0]); k++)
		for (size_t len = 0; len < 24; len++)
			for (size_t at = 0; at <= len; at++) {
				struct nsym_jp jp;
				struct nsym_jp_value v;
				json_t *j;
				char back[40];
				FILE *f = open_memstream(&quoted, &size);
				memset(s, 'a' + (int)(len % 26), len);
				memcpy(s + at, specials[k], strlen(specials[k]));
				s[at + strlen(specials[k])] = '\0';
				if (at + strlen(specials[k]) < len)
					s[at + strlen(specials[k])] = 'z', s[len] = '\0';
				nsym_json_quote(put_mem, f, s);
				fclose(f);
				j = json_loadb(quoted, size, JSON_DECODE_ANY, NULL);
				ck_assert_msg(json_is_string(j) &&
				                  strcmp(json_string_value(j), s) == 0,
				              "'%s' quoted as %s", s, quoted);
				nsym_jp_start(&jp, quoted, size, 4);
				ck_assert_int_eq(nsym_jp_value(&jp, &v), 0);
				ck_assert_uint_lt(v.text.len, sizeof(back));
				nsym_jp_unescape(back, &v.text);
				ck_assert_str_eq(back, s);
				json_decref(j);
				free(quoted);
			}
}
END_TEST

static Suite *json_pull_suite(void)
{
	Suite *s = suite_create("json_pull");
	TEST_ADD(s, reads_what_jansson_reads);
	TEST_ADD(s, mutations_read_as_jansson_reads_them);
	TEST_ADD(s, depth_is_bounded);
	TEST_ADD(s, quoted_strings_read_back);
	return s;
}

int main(void)
{
	return test_run(json_pull_suite());
}
