/*
 * AWS Signature Version 4 where libcurl does not sign for us: presigned
 * URLs (query-string signing), which let a client GET an object from the
 * storage itself for a while, without credentials. And the URI encoding
 * SigV4 wants, which the S3 client also uses for the query values it puts
 * into URLs, so that what curl signs is what the storage checks. Internal
 * to the server.
 */
#ifndef NSYM_SERVER_SIGV4_H
#define NSYM_SERVER_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct nsym_sigv4 {
	const char *endpoint;      /* "http://host:port", no trailing slash */
	const char *region;        /* "us-east-1" */
	const char *key_id;        /* the access key id */
	const char *secret;        /* the secret access key */
	const char *session_token; /* or NULL */
};

/* s URI-encoded as SigV4 wants it: unreserved characters (A-Z a-z 0-9
 * - . _ ~) kept, '/' kept when keep_slash, every other byte %XX in upper
 * case. false when it does not fit in size bytes (with its NUL). */
bool nsym_uri_encode(char *out, size_t size, const char *s, bool keep_slash);

/* A URL that makes the request `method path` (path as "/bucket/key", not
 * encoded) at c->endpoint for `expires` seconds from `now`, signed for the
 * service "s3" with the payload unsigned (AWS's "Authenticating Requests:
 * Using Query Parameters"). 0, or NSYM_EINVAL when it does not fit in out
 * or a hash cannot be made. */
int nsym_sigv4_presign(char *out, size_t size, const struct nsym_sigv4 *c, const char *method,
                       const char *path, time_t now, int expires);

#endif
