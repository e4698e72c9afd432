/*
 * Sending blobs that live in a blob storage (the scaled store's objects),
 * in either of two ways:
 * - streamed: the storage is asked for exactly the bytes the reply sends
 *   (a Range of its own), and the reply's head goes out only once the
 *   storage has answered, with the size the row records: so a storage that
 *   is unreachable, or has lost the object, is a 503 like any internal
 *   failure, never a 404 (which debuginfod clients remember as a miss) and
 *   never a reply cut short. Range, If-None-Match, HEAD and the
 *   X-DEBUGINFOD-* headers behave as for a local file (send.c).
 *   A whole blob streamed is also written to the blob cache (serve
 *   --blob-cache-size) as it goes, and kept there once its bytes hash to
 *   its name, for send.c to serve the next requests from.
 * - redirected (serve --blob-reads redirect): a GET is answered with 302
 *   and a presigned URL, which the client follows to the storage itself;
 *   the server sends no bytes. HEAD and If-None-Match are still answered
 *   here. docs/scale-out.md says what each costs, as measured.
 */
#include <civetweb.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "routes.h"
#include "send.h"
#include "socket.h"
#include "upstream_cache.h"

/* How long a presigned URL works: long enough for a slow download to
 * start, short enough that a URL copied from a log is soon useless. */
#define PRESIGN_SECONDS 300

struct remote_reply {
	struct nsym_request *r;
	const struct nsym_entity *e;
	const char *head;
	size_t head_len;
	bool begun; /* the head went out: a failure now cuts the reply */
	char why[200];
	/* the blob cache's copy being written, or fill_fd -1 */
	int fill_fd;
	char fill_tmp[4096 + 64];
	nsym_hash *fill_hash;
};

/* A copy that cannot be written is dropped; the reply goes on. */
static void fill_drop(struct remote_reply *rr)
{
	if (rr->fill_fd < 0)
		return;
	close(rr->fill_fd);
	unlink(rr->fill_tmp);
	rr->fill_fd = -1;
	nsym_hash_free(rr->fill_hash);
	rr->fill_hash = NULL;
}

static void fill_write(struct remote_reply *rr, const void *bytes, size_t n)
{
	const char *p = bytes;

	if (rr->fill_fd < 0)
		return;
	if (nsym_hash_update(rr->fill_hash, bytes, n) != 0) {
		fill_drop(rr);
		return;
	}
	while (n > 0) {
		ssize_t w = write(rr->fill_fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			fill_drop(rr);
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

/* Starts a copy of a whole blob into the cache c, when there is one. */
static void fill_begin(struct remote_reply *rr, struct nsym_ucache *c)
{
	if (c == NULL || nsym_hash_new(&rr->fill_hash, NSYM_HASH_SHA256) != 0)
		return;
	if (nsym_ucache_temp(&rr->fill_fd, rr->fill_tmp, sizeof(rr->fill_tmp), c) != 0) {
		rr->fill_fd = -1;
		nsym_hash_free(rr->fill_hash);
		rr->fill_hash = NULL;
	}
}

/* Keeps the copy when its bytes are the blob's: a storage that sent other
 * bytes under the name is logged, and its bytes are not kept. */
static void fill_end(struct remote_reply *rr, struct nsym_ucache *c)
{
	char got[NSYM_SHA256_HEX];

	if (rr->fill_fd < 0)
		return;
	if (nsym_hash_final_hex(got, rr->fill_hash) != 0 || strcmp(got, rr->e->remote) != 0) {
		fprintf(
		    stderr,
		    "napi-symbols serve: the blob storage sent bytes hashing to %s for blob %s; "
		    "not kept\n",
		    got, rr->e->remote);
		fill_drop(rr);
		return;
	}
	nsym_hash_free(rr->fill_hash);
	rr->fill_hash = NULL;
	close(rr->fill_fd);
	rr->fill_fd = -1;
	/* a copy that cannot be kept is only a copy: the reply went out */
	nsym_ucache_commit(c, rr->fill_tmp, rr->e->remote);
}

static int on_begin(void *arg, uint64_t size)
{
	struct remote_reply *rr = arg;

	/* an object changed behind the store's back is not what was uploaded */
	if (size != rr->e->size) {
		snprintf(rr->why, sizeof(rr->why),
		         "blob %.64s is %" PRIu64 " bytes in the storage, %" PRIu64 " recorded",
		         rr->e->remote, size, rr->e->size);
		return NSYM_EIO;
	}
	rr->begun = true;
	return nsym_write(rr->r, rr->head, rr->head_len, false) == 0 ? 0 : NSYM_EIO;
}

static int on_data(void *arg, const void *bytes, size_t n)
{
	struct remote_reply *rr = arg;

	fill_write(rr, bytes, n);
	return nsym_write(rr->r, bytes, n, true) == 0 ? 0 : NSYM_EIO;
}

int nsym_send_remote(struct nsym_request *r, const struct nsym_entity *e, uint64_t from,
                     uint64_t count, const char *head, size_t head_len)
{
	struct remote_reply rr = {r, e, head, head_len, false, "", -1, "", NULL};
	struct nsym_blob_sink sink = {on_begin, on_data, &rr};
	struct nsym_store *s = r->store;
	struct nsym_ucache *cache = nsym_server_blob_cache(r->srv);
	int status = r->status, rc;

	if (r->head || count == 0) {
		uint64_t size = 0;
		rc = s->ops->blob_stat(s, &size, e->remote);
		if (rc == 0)
			rc = on_begin(&rr, size);
	} else {
		if (from == 0 && count == e->size)
			fill_begin(&rr, cache);
		rc = s->ops->blob_read(s, e->remote, from, count, &sink);
		if (rc == 0)
			fill_end(&rr, cache);
		fill_drop(&rr);
	}
	if (rc == 0)
		return 0;
	if (!rr.begun) {
		nsym_reply_internal(r, rc, rr.why[0] != '\0' ? rr.why : nsym_store_errmsg(s));
		return 0;
	}
	/* the head promised bytes that will not come: the client must see the
	 * reply broken, which only closing the connection says */
	fprintf(stderr,
	        "napi-symbols serve: %s %s: the blob storage broke off after %" PRIu64
	        " of %" PRIu64 " bytes: %s; connection closed\n",
	        r->ri->request_method, r->path, r->bytes, count, nsym_store_errmsg(s));
	r->status = status;
	nsym_request_abandon(r->conn);
	return -1;
}

void nsym_redirect_remote(struct nsym_request *r, const struct nsym_entity *e)
{
	char url[4096], headers[4096 + 600];
	int rc = r->store->ops->blob_url(r->store, url, sizeof(url), e->remote, PRESIGN_SECONDS);

	if (rc != 0) {
		nsym_reply_internal(r, rc, nsym_store_errmsg(r->store));
		return;
	}
	/* the URL expires: the redirect is not to be cached, the blob is
	 * (its ETag and size are those of a download) */
	snprintf(headers, sizeof(headers),
	         "Location: %s\r\nETag: %s\r\nCache-Control: no-store\r\n"
	         "X-DEBUGINFOD-SIZE: %" PRIu64 "\r\nX-DEBUGINFOD-FILE: %s\r\n",
	         url, e->etag, e->size, e->file);
	nsym_reply(r, 302, "text/plain", headers, NULL, 0);
}
