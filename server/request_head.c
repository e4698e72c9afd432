/*
 * Reading a request's head before any route runs (request_head.h): the
 * framing of its body, where civetweb and this server must agree since a
 * kept connection's next request starts where the body ends, and its paths
 * percent-decoded.
 */
#include <civetweb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "request_head.h"
#include "routes.h"

/* One Content-Length value: digits only (civetweb's strtoll would also
 * take "+5", " 5" or "5x"), or a list of one value repeated, which RFC 9110
 * section 8.6 lets a recipient accept. 0, or -1 when it is not that. */
static int parse_length(long long *out, const char *v)
{
	long long first = -1;

	do {
		long long n = 0;
		size_t digits;
		v += strspn(v, " \t");
		digits = strspn(v, "0123456789");
		if (digits == 0 || digits > 18)
			return -1;
		for (size_t i = 0; i < digits; i++)
			n = n * 10 + (v[i] - '0');
		if (first >= 0 && n != first)
			return -1;
		first = n;
		v += digits + strspn(v + digits, " \t");
	} while (*v++ == ',');
	*out = first;
	return v[-1] == '\0' ? 0 : -1;
}

/*
 * How long the body is (RFC 9112 section 6), checked before any route runs.
 * civetweb reads the first Content-Length and ignores others, reads the
 * first Transfer-Encoding, reads a request with neither a length nor
 * chunked encoding as having no body, and keeps only the first
 * MG_MAX_HEADERS header lines. Two lengths that differ, a length and
 * chunked encoding, or two encodings, let a client and anything in
 * between disagree about where the next request starts: 400; and so
 * would a length or an encoding past the lines civetweb keeps: 431. (A
 * POST with no length at all: route_request.) An expectation other than
 * 100-continue: 417. 0, or -1 after replying; sets r->chunked and r->body.
 *
 * The connection is kept after a body read to its end (HTTP/1.1
 * keep-alive; one TCP connection per request cost a busy route more than
 * the request itself). A request after such a body is one the client
 * framed as one, pipelining (RFC 9112 section 9.3), not smuggled:
 * civetweb and this server then agree on where the body ends, as
 * checked here; civetweb reads no further from the socket than that end
 * (mg_read asks for what is left of the length, or of the chunk); bytes
 * that came with the head past the body wait in civetweb's buffer, and
 * after the reply it moves them to the front as the next request's start
 * only when the body was consumed to its end (its own check in
 * process_new_connection: the length all read or all buffered, or chunks
 * ended by "0\r\n\r\n", no trailers), and closes otherwise. A body the
 * handler did not read to its end (refused with 401, 406, 413 ..., cut
 * short or malformed) closes the connection (nsym_closing): a client
 * refused after "Expect: 100-continue" may send its body or not (RFC 9110
 * section 10.1.1), so where its next request would begin is unknown, and
 * the worker is spared reading a body it refused.
 */
int nsym_check_framing(struct nsym_request *r)
{
	const char *te = nsym_header(r, "Transfer-Encoding");
	const char *expect = nsym_header(r, "Expect");
	long long length = -1;
	int encodings = 0;

	if (r->ri->num_headers >= MG_MAX_HEADERS) {
		r->close = true;
		nsym_reply_error(r, 431, "at most %d header lines are read", MG_MAX_HEADERS - 1);
		return -1;
	}
	for (int i = 0; i < r->ri->num_headers; i++) {
		const char *name = r->ri->http_headers[i].name;
		long long v;
		if (strcasecmp(name, "Transfer-Encoding") == 0)
			encodings++;
		if (strcasecmp(name, "Content-Length") != 0)
			continue;
		if (te != NULL || parse_length(&v, r->ri->http_headers[i].value) != 0 ||
		    (length >= 0 && v != length)) {
			r->close = true;
			nsym_reply_error(r, 400,
			                 "conflicting or malformed Content-Length (or with "
			                 "Transfer-Encoding)");
			return -1;
		}
		length = v;
	}
	if (encodings > 1) {
		r->close = true;
		nsym_reply_error(r, 400, "more than one Transfer-Encoding");
		return -1;
	}
	r->chunked = te != NULL && strcasecmp(te, "chunked") == 0;
	r->body = length > 0 || r->chunked;
	if (expect != NULL && strcasecmp(expect, "100-continue") != 0) {
		nsym_reply_error(r, 417, "the only expectation understood is 100-continue");
		return -1;
	}
	return 0;
}

/* Percent-decodes a request path into *out (the caller frees it). civetweb
 * is told not to (decode_url = no): it decodes into a C string, where %00
 * ends the path early, so that "/x%00.c" would look up "/x". 0; NSYM_EINVAL
 * for an escaped NUL; NSYM_ENOMEM. */
static int decode_path(char **out, const char *raw)
{
	size_t n = strlen(raw);
	int len;

	*out = malloc(n + 1);
	if (*out == NULL)
		return NSYM_ENOMEM;
	len = mg_url_decode(raw, (int)n, *out, (int)n + 1, 0);
	if (len >= 0 && (size_t)len == strlen(*out))
		return 0;
	free(*out);
	*out = NULL;
	return NSYM_EINVAL;
}

/* r->path from civetweb's local_uri (dot segments removed, still encoded)
 * and r->sent_path from local_uri_raw (as sent). 0, or -1 after replying. */
int nsym_decode_paths(struct nsym_request *r, char **path, char **sent)
{
	const char *raw = r->ri->local_uri_raw != NULL ? r->ri->local_uri_raw : r->path;
	int rc = decode_path(path, r->path);

	if (rc == 0)
		rc = decode_path(sent, raw);
	if (rc == NSYM_EINVAL) {
		nsym_reply_error(r, 400, "a request path must not contain %%00");
		return -1;
	}
	if (rc != 0) {
		nsym_reply_internal(r, rc, "out of memory decoding the path");
		return -1;
	}
	r->path = *path;
	r->sent_path = *sent;
	return 0;
}
