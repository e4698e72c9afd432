/*
 * Sending stored files: one entity (a whole blob, a slice of one, bytes
 * in memory, or bytes made as they are sent) with the headers every download route answers with
 * (Content-Length, Last-Modified, ETag, Cache-Control, X-DEBUGINFOD-*),
 * If-None-Match (304), a single Range (206, 416) and HEAD. The debuginfod
 * routes (route_buildid.c) and the SymSrv routes (route_symsrv.c) share it.
 */
#ifndef NSYM_SERVER_SEND_H
#define NSYM_SERVER_SEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "http.h"

/* A body made as it is sent, from its first byte on (an inflated section:
 * section_inflate.h). read puts the next bytes into buf (size > 0), *out_n
 * of them, 0 only at the end, and returns 0 or a negative NSYM_E* code;
 * error then says why. The entity's size is what the stream promises:
 * one that ends before it, or goes on past it, breaks the reply. */
struct nsym_stream {
	int (*read)(void *ctx, void *buf, size_t size, size_t *out_n);
	const char *(*error)(void *ctx);
	void *ctx;
};

struct nsym_entity {
	int fd;
	uint64_t offset, size;            /* the bytes of fd to serve */
	const void *memory;               /* or these bytes, when not NULL */
	const struct nsym_stream *stream; /* or the first size bytes it makes, when not NULL */
	/* or, when not NULL, the blob of this hash, read from the request's
	 * store as it is sent (blob_read: the scaled store's objects) */
	const char *remote;
	time_t mtime;
	char etag[NSYM_SHA256_HEX + 80];
	const char *file; /* X-DEBUGINFOD-FILE */
};

/* Whether If-None-Match names the entity tag `etag`. */
bool nsym_not_modified(const struct nsym_request *r, const char *etag);

/* 0 when the client accepts `size` bytes (X-DEBUGINFOD-MAXSIZE); else
 * replies 406 and returns -1. */
int nsym_within_maxsize(struct nsym_request *r, uint64_t size);

/* Sends e whole, or the one range the request asks for (from a stream,
 * made and dropped up to the range's start). 0, or -1 when the client went
 * away or a stream broke its promise: then the break is logged and the
 * connection shut down, since a reply that has begun cannot say so. */
int nsym_send_entity(struct nsym_request *r, const struct nsym_entity *e);

/* Opens the artifact's blob; 0, or a negative code after replying 503. */
int nsym_open_blob(struct nsym_request *r, struct nsym_blob *out, const struct nsym_artifact *a);

/* Answers with the blob `sha256` (size bytes as recorded), Last-Modified
 * mtime and X-DEBUGINFOD-FILE file: 304 when the client has it (the ETag
 * is the hash), 406 when too large for the client, 503 when the blob cannot
 * be opened. A store with remote blobs streams them from the storage, or,
 * with redirect_reads, answers a GET with a redirect to a presigned URL
 * (send_remote.c). */
void nsym_send_blob(struct nsym_request *r, const char *sha256, uint64_t size, time_t mtime,
                    const char *file);

/* send_remote.c: the body of e (e->remote set), bytes [from, from +
 * count), after the reply's head (head_len bytes, sent once the storage
 * answered): a failure before that is a 503, after it a connection cut
 * short. For HEAD, or no bytes, the storage is asked for the blob's size
 * only. As nsym_send_entity returns. */
int nsym_send_remote(struct nsym_request *r, const struct nsym_entity *e, uint64_t from,
                     uint64_t count, const char *head, size_t head_len);
/* send_remote.c: a GET of e's blob answered by a redirect (302) to a
 * presigned URL of the blob storage, with the ETag and X-DEBUGINFOD-*
 * headers a download would have; 503 when no URL can be made. */
void nsym_redirect_remote(struct nsym_request *r, const struct nsym_entity *e);

/* nsym_send_blob for an artifact, named by its upload name or kind. */
void nsym_send_artifact(struct nsym_request *r, const struct nsym_artifact *a);

#endif
