/* One GET of an upstream server into a file (upstream_fetch.c). */
#ifndef NSYM_SERVER_UPSTREAM_FETCH_H
#define NSYM_SERVER_UPSTREAM_FETCH_H

#include <stdbool.h>
#include <stdint.h>

#include "napi_symbols.h"

struct curl_slist;

struct nsym_fetch {
	const char *url;
	const struct curl_slist *headers; /* sent with the request; may be NULL */
	int fd;                           /* the body is written here */
	uint64_t max;                     /* bytes of body at most */
	int stall_seconds;                /* no byte for this long ends it */
};

struct nsym_fetch_result {
	int status;    /* the HTTP status of the last reply (redirects followed) */
	uint64_t size; /* body bytes written */
	char why[256]; /* when it failed: one line, without the URL */
};

/* Sets libcurl up and the per-thread handles; once, before threads. 0 or
 * NSYM_ENOMEM. */
int nsym_upstream_fetch_init(void);

/* GETs f->url into f->fd. 0 when an answer came (any status, in out);
 * NSYM_EIO when none did or it broke off, NSYM_ENOSPC when the disk is
 * full, NSYM_ENOMEM; then out->why says why. Uses the calling thread's
 * handle. */
int nsym_upstream_get(struct nsym_fetch_result *out, const struct nsym_fetch *f);

#endif
