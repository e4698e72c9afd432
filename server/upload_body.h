/*
 * A request body streamed into a new blob: hashed as it arrives, written
 * to the store's temporary file, never held whole in memory, and refused
 * past the upload limit. Every upload route (route_upload.c for debug
 * files and executables, route_source.c for sources) goes through it, so
 * they share one size limit, one error mapping and one commit path.
 */
#ifndef NSYM_SERVER_UPLOAD_BODY_H
#define NSYM_SERVER_UPLOAD_BODY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http.h"

struct nsym_upload_body {
	struct nsym_request *r;
	struct nsym_blob_writer w; /* the temporary blob; w.size bytes so far */
	uint64_t max;              /* the server's upload limit */
	int failed;                /* an HTTP status, once something went wrong */
	int code;                  /* the NSYM_E* code when failed is 5xx: the server's
	                              fault, logged with why and counted */
	char why[256];             /* the reply's text when failed */
};

/* Starts a body for request r: refuses a declared length over the limit
 * (413) and opens the temporary blob (507 when the disk is too full to
 * take an upload). 0; or -1 after replying. */
int nsym_upload_body_begin(struct nsym_upload_body *out, struct nsym_request *r);

/* Appends bytes to the blob. 0; or -1 with failed and why set (413 past the
 * limit, 507 when the disk, a quota or the file-size limit is full, 503 for
 * other write errors). */
int nsym_upload_body_take(struct nsym_upload_body *b, const void *data, size_t size);

/* Reads the raw request body to its end through nsym_upload_body_take;
 * a body shorter than its Content-Length, or a client that stalls past the
 * request timeout, sets failed to 400. */
void nsym_upload_body_read(struct nsym_upload_body *b);

/* The SHA-256 of the bytes taken so far, as lowercase hex (out needs
 * NSYM_SHA256_HEX bytes), without finishing the blob: lets a route find
 * that it already has the content before paying for fsync and rename. */
int nsym_upload_body_sha256(char *out, const struct nsym_upload_body *b);

/* Refuses the upload: removes the temporary blob, counts it, and replies
 * with b->failed and b->why; a 5xx is logged as an internal failure of
 * b->code too. */
void nsym_upload_body_refuse(struct nsym_upload_body *b);

/* Makes the blob durable under its SHA-256 (written to out_sha256, which
 * needs NSYM_SHA256_HEX bytes). 0; or -1 after replying 503 (507 for a
 * full disk). The temporary blob is gone either way. */
int nsym_upload_body_commit(struct nsym_upload_body *b, char *out_sha256);

#endif
