/*
 * The web page's form reader (server/page_form.c): urlencoded bodies and
 * query strings, and multipart bodies in the shapes browsers send and in
 * shapes they do not. The HTTP side is in tests/server/server-test.sh
 * (page-*) and the browser's in tests/browser.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "napi_symbols.h"
#include "page_form.h"
#include "test_util.h"

/* What a reading found: "name=value" or "name[file]=value" per field, one
 * a line, with NUL bytes of a value as "\0". */
struct seen {
	char text[4096];
	size_t len;
	int stop_after; /* stop the reading after this many fields (0: never) */
	int fields;
};

static int record(void *ctx, const struct nsym_form_field *f)
{
	struct seen *s = ctx;

	ck_assert(f->value[f->len] == '\0');
	s->len += (size_t)snprintf(s->text + s->len, sizeof(s->text) - s->len, "%s", f->name);
	if (f->filename != NULL)
		s->len += (size_t)snprintf(s->text + s->len, sizeof(s->text) - s->len, "[%s]",
		                           f->filename);
	s->text[s->len++] = '=';
	for (size_t i = 0; i < f->len && s->len + 3 < sizeof(s->text); i++) {
		if (f->value[i] == '\0') {
			memcpy(s->text + s->len, "\\0", 2);
			s->len += 2;
		} else {
			s->text[s->len++] = f->value[i];
		}
	}
	s->text[s->len++] = '\n';
	s->text[s->len] = '\0';
	return ++s->fields == s->stop_after ? 7 : 0;
}

/* Reads text (a copy: it is changed) as content_type; the fields in
 * seen->text, the return code returned. */
static int read_form(struct seen *seen, const char *text, size_t len, const char *content_type,
                     char *why, size_t why_size)
{
	char *copy = malloc(len + 1);
	int rc;

	memcpy(copy, text, len);
	copy[len] = '\0';
	rc = nsym_form_read(copy, len, content_type, record, seen, why, why_size);
	free(copy);
	return rc;
}

static void expect(const char *text, size_t len, const char *type, const char *want)
{
	struct seen seen = {0};
	char why[256] = "";
	int rc = read_form(&seen, text, len, type, why, sizeof(why));

	ck_assert_msg(rc == 0, "%s: %d %s", text, rc, why);
	ck_assert_msg(strcmp(seen.text, want) == 0, "%s:\n%s\nexpected\n%s", text, seen.text, want);
}

static void expect_refused(const char *text, const char *type, int code, const char *why_part)
{
	struct seen seen = {0};
	char why[256] = "";
	int rc = read_form(&seen, text, strlen(text), type, why, sizeof(why));

	ck_assert_msg(rc == code, "%s: %d, expected %d", text, rc, code);
	ck_assert_msg(strstr(why, why_part) != NULL, "%s: '%s' lacks '%s'", text, why, why_part);
}

#define URLENCODED "application/x-www-form-urlencoded"
#define MULTIPART  "multipart/form-data; boundary=----b0und"

START_TEST(urlencoded_fields_are_decoded)
{
	const char *t;

	expect("trace=a+b%0Ac&token=x", 21, URLENCODED, "trace=a b\nc\ntoken=x\n");
	/* names are decoded too; a pair without '=' has an empty value */
	expect("tr%61ce=1&remember&&x=", 22, NULL, "trace=1\nremember=\nx=\n");
	/* '%' without two hex digits stays itself, as browsers read it */
	expect("a=%&b=%4&c=%zz&d=100%", 21, NULL, "a=%\nb=%4\nc=%zz\nd=100%\n");
	/* an escape at the very end, and every case of hex */
	expect("a=%41%4a%4A", 11, NULL, "a=AJJ\n");
	/* %00 is a byte of the value, counted by len */
	expect("a=x%00y", 7, NULL, "a=x\\0y\n");
	/* the type's parameters and case do not matter; the empty body has no field */
	expect("a=1", 3, "Application/X-WWW-Form-Urlencoded; charset=UTF-8", "a=1\n");
	expect("", 0, URLENCODED, "");
	t = "%zz";
	expect(t, strlen(t), NULL, "%zz=\n");
}
END_TEST

START_TEST(multipart_fields_and_files)
{
	const char *t;
	static const char body[] =
	    "preamble to ignore\r\n"
	    "------b0und\r\n"
	    "Content-Disposition: form-data; name=\"trace\"\r\n"
	    "\r\n"
	    "napi-symbols: end\r\nsecond line\r\n"
	    "------b0und\r\n"
	    "Content-Disposition: form-data; name=\"file\"; filename=\"a;b.json\"\r\n"
	    "Content-Type: application/json\r\n"
	    "\r\n"
	    "{\"x\":\0 1}\r\n"
	    "------b0und\r\n"
	    "content-disposition: form-data; filename=\"\"; name=\"file\"\r\n"
	    "\r\n"
	    "\r\n"
	    "------b0und  \r\n"
	    "Content-Disposition: form-data; name=remember\r\n"
	    "\r\n"
	    "1\r\n"
	    "------b0und--\r\n"
	    "epilogue";

	expect(body, sizeof(body) - 1, MULTIPART,
	       "trace=napi-symbols: end\r\nsecond line\n"
	       "file[a;b.json]={\"x\":\\0 1}\n"
	       "file[]=\n"
	       "remember=1\n");
	/* a quoted boundary, and the first delimiter at the body's start */
	t = "--q\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--q--";
	expect(t, strlen(t), "multipart/form-data; boundary=\"q\"", "a=v\n");
}
END_TEST

START_TEST(damaged_multipart_is_refused)
{
	expect_refused("x", "multipart/form-data", NSYM_EINVAL, "boundary");
	expect_refused("x", "multipart/form-data; boundary=", NSYM_EINVAL, "boundary");
	expect_refused("x",
	               "multipart/form-data; boundary="
	               "12345678901234567890123456789012345678901234567890123456789012345678901",
	               NSYM_EINVAL, "boundary");
	expect_refused("no delimiter at all", MULTIPART, NSYM_EINVAL, "ends before");
	expect_refused("------b0und", MULTIPART, NSYM_EINVAL, "ends before");
	expect_refused("------b0undX\r\n", MULTIPART, NSYM_EINVAL, "line end");
	expect_refused("------b0und\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end",
	               MULTIPART, NSYM_EINVAL, "cut short");
	expect_refused("------b0und\r\nContent-Disposition: form-data; name=\"a\"", MULTIPART,
	               NSYM_EINVAL, "cut short");
	expect_refused("------b0und\r\nX-Other: 1\r\n\r\nv\r\n------b0und--", MULTIPART,
	               NSYM_EINVAL, "no name");
	expect_refused("------b0und\r\n\r\nv\r\n------b0und--", MULTIPART, NSYM_EINVAL, "no name");
	expect_refused("------b0und\r\nContent-Disposition: form-data; name=\"a\r\n\r\nv\r\n"
	               "------b0und--",
	               MULTIPART, NSYM_EINVAL, "no name");
	expect_refused("a=1", "text/plain", NSYM_EUNSUPPORTED, "not a form");
	expect_refused("a=1", "multipart/mixed; boundary=x", NSYM_EUNSUPPORTED, "not a form");
}
END_TEST

START_TEST(the_callback_stops_the_reading)
{
	struct seen seen = {.stop_after = 1};
	char why[64];
	static const char body[] =
	    "------b0und\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1"
	    "\r\n------b0und\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\n"
	    "2\r\n------b0und--";

	ck_assert_int_eq(read_form(&seen, "a=1&b=2", 7, NULL, why, sizeof(why)), 7);
	ck_assert_str_eq(seen.text, "a=1\n");
	memset(&seen, 0, sizeof(seen));
	seen.stop_after = 1;
	ck_assert_int_eq(read_form(&seen, body, sizeof(body) - 1, MULTIPART, why, sizeof(why)), 7);
	ck_assert_str_eq(seen.text, "a=1\n");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("page_form");
	TEST_ADD(s, urlencoded_fields_are_decoded);
	TEST_ADD(s, multipart_fields_and_files);
	TEST_ADD(s, damaged_multipart_is_refused);
	TEST_ADD(s, the_callback_stops_the_reading);
	return test_run(s);
}
