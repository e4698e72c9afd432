/*
 * A request's head read and checked before any route runs (request_head.c):
 * where its body ends, by RFC 9112's rules and civetweb's reading of them,
 * and its path percent-decoded. http.c's dispatch calls both in turn.
 */
#ifndef NSYM_SERVER_REQUEST_HEAD_H
#define NSYM_SERVER_REQUEST_HEAD_H

#include "http.h"

/* How long the body is, checked (the comment in request_head.c says
 * what is refused and why): 0, or -1 after replying; sets r->chunked. */
int nsym_check_framing(struct nsym_request *r);

/* The request's paths percent-decoded into *path and *sent, which the
 * caller frees, and set as r->path and r->sent_path: 0, or -1 after
 * replying (400 for an escaped NUL, 5xx when out of memory). */
int nsym_decode_paths(struct nsym_request *r, char **path, char **sent);

#endif
