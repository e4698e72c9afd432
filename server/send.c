/*
 * Sending stored files with the headers debuginfod clients expect: the
 * entity is written from its file in bounded chunks (nsym_send_fd), or
 * from a stream one chunk at a time, never read whole, and a single byte
 * range is honoured.
 */
#include <civetweb.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "routes.h"
#include "send.h"
#include "upstream_cache.h"
#include "socket.h"

static void http_date(char *out, size_t size, time_t t)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, size, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

bool nsym_not_modified(const struct nsym_request *r, const char *etag)
{
	const char *inm = nsym_header(r, "If-None-Match");
	return inm != NULL && (strstr(inm, etag) != NULL || strcmp(inm, "*") == 0);
}

enum range_result { RANGE_NONE, RANGE_OK, RANGE_BAD };

/* A position: digits only (strtoull would also take a sign or spaces). One
 * past UINT64_MAX stays there: it is as unsatisfiable as it is large. The
 * end of the digits, or NULL when there is none. */
static const char *parse_pos(const char *s, uint64_t *out)
{
	size_t n = strspn(s, "0123456789");
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(s[i] - '0');
		v = v > (UINT64_MAX - d) / 10 ? UINT64_MAX : v * 10 + d;
	}
	*out = v;
	return n > 0 ? s + n : NULL;
}

/*
 * One "bytes=" range (RFC 9110 section 14.1.2). RANGE_NONE: no Range, or
 * one to answer whole: another unit or several ranges (section 14.2 lets a
 * server ignore them), or one that is not valid (a syntax error, or last
 * before first), which it must ignore. RANGE_BAD: valid but not
 * satisfiable (416): it starts past the end, or is a suffix of 0 bytes.
 */
static enum range_result parse_range(const char *h, uint64_t size, uint64_t *from, uint64_t *to)
{
	uint64_t a, b = UINT64_MAX;
	const char *p;

	if (h == NULL || strncasecmp(h, "bytes=", 6) != 0 || strchr(h, ',') != NULL)
		return RANGE_NONE;
	h += 6;
	if (*h == '-') { /* the last N bytes */
		p = parse_pos(h + 1, &b);
		if (p == NULL || *p != '\0')
			return RANGE_NONE;
		if (b == 0 || size == 0)
			return RANGE_BAD;
		*from = b >= size ? 0 : size - b;
		*to = size - 1;
		return RANGE_OK;
	}
	p = parse_pos(h, &a);
	if (p == NULL || *p != '-')
		return RANGE_NONE;
	if (p[1] != '\0' && ((p = parse_pos(p + 1, &b)) == NULL || *p != '\0' || b < a))
		return RANGE_NONE;
	if (a >= size)
		return RANGE_BAD;
	*from = a;
	*to = b >= size ? size - 1 : b;
	return RANGE_OK;
}

/* The headers of a body that goes out by sendfile are sent with MSG_MORE
 * on the socket itself, to leave in the body's first packet. */
static int send_head(struct nsym_request *r, const struct nsym_entity *e, uint64_t count,
                     const char *head, size_t size)
{
	int sock = !r->head && e->memory == NULL && e->stream == NULL && count > 0
	               ? nsym_request_socket(r->conn)
	               : -1;
	if (sock < 0)
		return nsym_write(r, head, size, false);
	return nsym_send_more(sock, head, size, nsym_server_config(r->srv)->request_timeout * 1000);
}

/* A stream's bytes are made in chunks of this size. */
#define STREAM_CHUNK (64 * 1024)

/* Logs a stream that broke its promise and cuts the reply off. */
static int stream_broke(struct nsym_request *r, const struct nsym_entity *e, const char *what,
                        uint64_t made)
{
	const char *why = e->stream->error != NULL ? e->stream->error(e->stream->ctx) : "";

	fprintf(stderr,
	        "napi-symbols serve: %s %s: the body %s after %" PRIu64 " of %" PRIu64
	        " bytes promised%s%s; connection closed\n",
	        r->ri->request_method, r->path, what, made, e->size, why[0] != '\0' ? ": " : "",
	        why);
	nsym_request_abandon(r->conn);
	return -1;
}

/* Bytes [from, from + count) of the stream: those before `from` are made
 * and dropped. When the reply reaches the entity's end, the stream must
 * end there too. */
static int send_stream(struct nsym_request *r, const struct nsym_entity *e, uint64_t from,
                       uint64_t count)
{
	char *buf = malloc(STREAM_CHUNK);
	uint64_t made = 0, end = from + count;
	size_t n = 0;
	int rc = 0;

	if (buf == NULL)
		return stream_broke(r, e, "could not be made (out of memory)", 0);
	while (made < end && rc == 0) {
		size_t want = end - made < STREAM_CHUNK ? (size_t)(end - made) : STREAM_CHUNK;
		if (e->stream->read(e->stream->ctx, buf, want, &n) != 0 || n == 0) {
			rc = stream_broke(r, e, "ended", made);
			break;
		}
		if (made + n > from) {
			size_t skip = from > made ? (size_t)(from - made) : 0;
			rc = nsym_write(r, buf + skip, n - skip, true);
		}
		made += n;
	}
	if (rc == 0 && end == e->size &&
	    (e->stream->read(e->stream->ctx, buf, 1, &n) != 0 || n != 0))
		rc = stream_broke(r, e, n != 0 ? "went on" : "failed its check", made);
	free(buf);
	return rc;
}

int nsym_send_entity(struct nsym_request *r, const struct nsym_entity *e)
{
	uint64_t from = 0, to = e->size > 0 ? e->size - 1 : 0, count = e->size;
	enum range_result range = parse_range(nsym_header(r, "Range"), e->size, &from, &to);
	/* room for X-DEBUGINFOD-FILE holding a source path of 4096 bytes */
	char head[2048 + 4096], date[64], part[128] = "";
	int status = 200, n;

	if (range == RANGE_BAD) {
		snprintf(part, sizeof(part), "Content-Range: bytes */%" PRIu64 "\r\n", e->size);
		nsym_reply(r, 416, "text/plain", part, "range not satisfiable\n", 22);
		return 0;
	}
	if (range == RANGE_OK) {
		status = 206;
		count = to - from + 1;
		snprintf(part, sizeof(part),
		         "Content-Range: bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64 "\r\n", from, to,
		         e->size);
	}
	http_date(date, sizeof(date), e->mtime);
	n = snprintf(head, sizeof(head),
	             "HTTP/1.1 %d %s\r\nContent-Type: application/octet-stream\r\n"
	             "Content-Length: %" PRIu64 "\r\nLast-Modified: %s\r\nETag: %s\r\n"
	             "Cache-Control: public\r\nAccept-Ranges: bytes\r\n%s"
	             "X-DEBUGINFOD-SIZE: %" PRIu64 "\r\nX-DEBUGINFOD-FILE: %s\r\n%s\r\n",
	             status, nsym_status_text(status), count, date, e->etag, part, e->size, e->file,
	             nsym_closing(r) ? "Connection: close\r\n" : "");
	r->status = status;
	if (n < 0 || (size_t)n >= sizeof(head))
		return 0;
	if (e->remote != NULL)
		return nsym_send_remote(r, e, from, count, head, (size_t)n);
	if (send_head(r, e, count, head, (size_t)n) != 0 || r->head)
		return 0;
	if (e->memory != NULL)
		return nsym_write(r, (const char *)e->memory + from, count, true);
	if (e->stream != NULL)
		return send_stream(r, e, from, count);
	return nsym_send_fd(r, e->fd, e->offset + from, count);
}

int nsym_within_maxsize(struct nsym_request *r, uint64_t size)
{
	const char *max = nsym_header(r, "X-DEBUGINFOD-MAXSIZE");
	unsigned long long limit = max != NULL ? strtoull(max, NULL, 10) : 0;

	if (limit > 0 && size > limit) {
		nsym_reply_error(r, 406, "File too large, max size=%llu", limit);
		return -1;
	}
	return 0;
}

int nsym_open_blob(struct nsym_request *r, struct nsym_blob *out, const struct nsym_artifact *a)
{
	int rc = r->store->ops->blob_open(r->store, out, a->sha256);
	if (rc != 0)
		nsym_reply_internal(r, rc, nsym_store_errmsg(r->store));
	return rc;
}

/* Sends the copy of e's remote blob that this machine kept (send_remote.c
 * made it, checked against the hash that names it), as a local file: true
 * when there was one of the size the row records. */
static bool send_kept_blob(struct nsym_request *r, struct nsym_entity *e)
{
	struct nsym_ucache *cache = nsym_server_blob_cache(r->srv);
	struct stat st;
	int fd;

	if (cache == NULL || nsym_ucache_open_entry(&fd, &st, cache, e->remote) != 0)
		return false;
	if ((uint64_t)st.st_size != e->size) {
		close(fd);
		return false;
	}
	e->fd = fd;
	e->remote = NULL;
	nsym_send_entity(r, e);
	close(fd);
	return true;
}

void nsym_send_blob(struct nsym_request *r, const char *sha256, uint64_t size, time_t mtime,
                    const char *file)
{
	struct nsym_blob blob;
	struct nsym_entity e = {0};
	int rc;

	snprintf(e.etag, sizeof(e.etag), "\"%s\"", sha256);
	if (nsym_not_modified(r, e.etag)) {
		char h[sizeof(e.etag) + 16];
		snprintf(h, sizeof(h), "ETag: %s\r\n", e.etag);
		nsym_reply(r, 304, "application/octet-stream", h, NULL, 0);
		return;
	}
	if (nsym_within_maxsize(r, size) != 0)
		return;
	e.size = size;
	e.mtime = mtime;
	e.file = file;
	if (r->store->ops->blob_read != NULL) { /* objects in a blob storage */
		e.remote = sha256;
		if (nsym_server_config(r->srv)->redirect_reads && !r->head)
			nsym_redirect_remote(r, &e);
		else if (!send_kept_blob(r, &e))
			nsym_send_entity(r, &e);
		return;
	}
	rc = r->store->ops->blob_open(r->store, &blob, sha256);
	if (rc != 0) {
		nsym_reply_internal(r, rc, nsym_store_errmsg(r->store));
		return;
	}
	/* a blob changed behind the store's back is not what was uploaded:
	 * 5xx (a client retries later), never those bytes as the artifact */
	if (blob.size != size) {
		char detail[160];
		snprintf(detail, sizeof(detail),
		         "blob %.64s is %" PRIu64 " bytes on disk, %" PRIu64 " recorded", sha256,
		         blob.size, size);
		close(blob.fd);
		nsym_reply_internal(r, NSYM_EIO, detail);
		return;
	}
	e.fd = blob.fd;
	nsym_send_entity(r, &e);
	close(blob.fd);
}

void nsym_send_artifact(struct nsym_request *r, const struct nsym_artifact *a)
{
	nsym_send_blob(r, a->sha256, a->size, (time_t)a->created,
	               a->name[0] != '\0' ? a->name : a->kind);
}
