/*
 * Upload bodies streamed to a temporary blob (see upload_body.h). Memory
 * stays at one chunk whatever the size; the bytes go to disk as they come.
 */
#include <civetweb.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metrics.h"
#include "routes.h"
#include "upload_body.h"

#define CHUNK (64 * 1024)

int nsym_upload_body_begin(struct nsym_upload_body *out, struct nsym_request *r)
{
	int rc;

	memset(out, 0, sizeof(*out));
	out->r = r;
	out->w.fd = -1;
	out->max = nsym_server_config(r->srv)->max_upload;
	if (r->ri->content_length > 0 && (uint64_t)r->ri->content_length > out->max) {
		nsym_metrics_upload("refused");
		nsym_reply_error(r, 413, "%lld bytes exceed the upload limit of %" PRIu64,
		                 r->ri->content_length, out->max);
		return -1;
	}
	rc = r->store->ops->blob_begin(r->store, &out->w);
	if (rc != 0) {
		nsym_reply_internal(r, rc, nsym_store_errmsg(r->store));
		return -1;
	}
	nsym_body_continue(r);
	return 0;
}

int nsym_upload_body_take(struct nsym_upload_body *b, const void *data, size_t size)
{
	const char *p = data;

	if (b->w.size + size > b->max) {
		b->failed = 413;
		snprintf(b->why, sizeof(b->why),
		         "the upload exceeds the limit of %" PRIu64 " bytes", b->max);
		return -1;
	}
	if (nsym_hash_update(b->w.hash, data, size) != 0) {
		b->failed = 503;
		snprintf(b->why, sizeof(b->why), "out of memory hashing the upload");
		return -1;
	}
	b->w.size += size;
	while (size > 0) {
		ssize_t n = write(b->w.fd, p, size);
		if (n <= 0) {
			/* out of room (disk, quota, file-size limit): 507, which a
			 * client reports as such rather than retrying at once */
			b->failed =
			    errno == ENOSPC || errno == EDQUOT || errno == EFBIG ? 507 : 503;
			b->code = b->failed == 507 ? NSYM_ENOSPC : NSYM_EIO;
			snprintf(b->why, sizeof(b->why), "cannot store the upload: %s",
			         strerror(errno));
			return -1;
		}
		p += n;
		size -= (size_t)n;
	}
	return 0;
}

void nsym_upload_body_read(struct nsym_upload_body *b)
{
	char *buf = malloc(CHUNK);
	long long declared = b->r->ri->content_length;
	int n = 0;

	if (buf == NULL) {
		b->failed = 503;
		b->code = NSYM_ENOMEM;
		snprintf(b->why, sizeof(b->why), "out of memory");
		return;
	}
	while ((n = mg_read(b->r->conn, buf, CHUNK)) > 0) {
		if (nsym_upload_body_take(b, buf, (size_t)n) != 0)
			break;
	}
	free(buf);
	if (b->failed != 0)
		return;
	if (n < 0 || (declared >= 0 && b->w.size != (uint64_t)declared)) {
		b->failed = 400;
		snprintf(b->why, sizeof(b->why),
		         "the body ended after %" PRIu64
		         " of %lld bytes (connection closed, or stalled past the request timeout)",
		         b->w.size, declared);
		return;
	}
	b->r->body_read = true; /* the connection may carry another request */
}

int nsym_upload_body_sha256(char *out, const struct nsym_upload_body *b)
{
	nsym_hash *copy; /* final() ends a hash, and the upload's goes on */
	int rc = nsym_hash_copy(&copy, b->w.hash);

	if (rc == 0)
		rc = nsym_hash_final_hex(out, copy);
	nsym_hash_free(copy);
	return rc;
}

void nsym_upload_body_refuse(struct nsym_upload_body *b)
{
	if (b->failed >= 500)
		nsym_log_internal(b->r, b->code != 0 ? b->code : NSYM_EIO, b->why);
	b->r->store->ops->blob_abort(b->r->store, &b->w);
	nsym_metrics_upload("refused");
	nsym_reply_error(b->r, b->failed != 0 ? b->failed : 400, "%s", b->why);
}

int nsym_upload_body_commit(struct nsym_upload_body *b, char *out_sha256)
{
	struct nsym_store *s = b->r->store;
	int rc = s->ops->blob_commit(s, &b->w, out_sha256);

	if (rc != 0) {
		nsym_reply_internal(b->r, rc, nsym_store_errmsg(s));
		return -1;
	}
	return 0;
}
