/*
 * SigV4 query-string signing (server/sigv4.c) against the worked example
 * of AWS's "Authenticating Requests: Using Query Parameters (AWS Signature
 * Version 4)", and the URI encoding it rests on.
 */
#include <check.h>
#include <string.h>

#include "napi_symbols.h"
#include "sigv4.h"
#include "test_util.h"

START_TEST(presigned_url_matches_aws_example)
{
	/* GET examplebucket/test.txt for 86400 s from 2013-05-24 00:00:00Z */
	const struct nsym_sigv4 c = {"https://examplebucket.s3.amazonaws.com", "us-east-1",
	                             "AKIAIOSFODNN7EXAMPLE",
	                             "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", NULL};
	char url[2048], small[64];

	ck_assert_int_eq(
	    nsym_sigv4_presign(url, sizeof(url), &c, "GET", "/test.txt", 1369353600, 86400), 0);
	ck_assert_str_eq(url,
	                 "https://examplebucket.s3.amazonaws.com/test.txt"
	                 "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
	                 "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2F"
	                 "aws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400"
	                 "&X-Amz-SignedHeaders=host&X-Amz-Signature="
	                 "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
	/* what does not fit is refused, not cut */
	ck_assert_int_eq(
	    nsym_sigv4_presign(small, sizeof(small), &c, "GET", "/test.txt", 1369353600, 86400),
	    NSYM_EINVAL);
}
END_TEST

START_TEST(session_token_is_signed_in_its_place)
{
	const struct nsym_sigv4 c = {"http://127.0.0.1:9000", "us-east-1", "AK", "SK", "t/o+k"};
	char url[2048];

	ck_assert_int_eq(nsym_sigv4_presign(url, sizeof(url), &c, "GET", "/b/k", 0, 60), 0);
	/* after X-Amz-Expires, before X-Amz-SignedHeaders: the order of the
	 * names, which the canonical query needs */
	ck_assert_ptr_nonnull(
	    strstr(url, "&X-Amz-Expires=60&X-Amz-Security-Token=t%2Fo%2Bk&X-Amz-SignedHeaders"));
}
END_TEST

START_TEST(uri_encoding_keeps_only_unreserved)
{
	char out[64];

	ck_assert(nsym_uri_encode(out, sizeof(out), "a-Z.0_~/ +=%\xc3\xa9", false));
	ck_assert_str_eq(out, "a-Z.0_~%2F%20%2B%3D%25%C3%A9");
	ck_assert(nsym_uri_encode(out, sizeof(out), "/b/sha256/ab/c d", true));
	ck_assert_str_eq(out, "/b/sha256/ab/c%20d");
	ck_assert(!nsym_uri_encode(out, 4, "abcd", false));
	ck_assert(!nsym_uri_encode(out, 4, "a b", false));
	ck_assert(nsym_uri_encode(out, 4, "abc", false));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sigv4");
	TEST_ADD(s, presigned_url_matches_aws_example);
	TEST_ADD(s, session_token_is_signed_in_its_place);
	TEST_ADD(s, uri_encoding_keeps_only_unreserved);
	return test_run(s);
}
