/*
 * The HTTP side of the server: civetweb underneath, one table of routes
 * (routes.c), and what every handler shares: its thread's store, the token
 * it was given, replies that are counted for the access log and /metrics.
 */
#ifndef NSYM_SERVER_HTTP_H
#define NSYM_SERVER_HTTP_H

#include <stdbool.h>
#include <stdint.h>

#include "json_writer.h"
#include "server.h"
#include "store.h"
#include "tokens.h"

struct mg_connection;
struct nsym_builds;
struct mg_request_info;

struct nsym_request {
	struct mg_connection *conn;
	const struct mg_request_info *ri;
	struct nsym_server *srv;
	struct nsym_store *store; /* this worker thread's */
	const char *path;         /* decoded path, without the query or dot segments */
	const char *sent_path;    /* decoded path as sent: dot segments, "//" kept */
	const char *rest;         /* path after the route's prefix */
	bool head;                /* a HEAD request: headers only */
	bool chunked;             /* the body comes in chunks, of unknown length */
	bool body;                /* the request has a body: a length > 0, or chunks */
	bool close;               /* the connection closes after the reply, read or not */
	bool continued;           /* "100 Continue" was sent */
	bool body_read;           /* the handler read the whole body (nsym_read_body,
	                           * upload_body.c) */
	enum nsym_scope scope;    /* of the token presented, if any */
	char token_name[64];
	int status;     /* of the reply, for the log and metrics */
	uint64_t bytes; /* body bytes sent */
	int route;      /* index in nsym_routes */
};

typedef void (*nsym_handler)(struct nsym_request *r);

struct nsym_route {
	const char *methods; /* "GET HEAD", "POST", ... */
	const char *prefix;  /* matched against the path's start */
	bool exact;          /* the whole path must equal prefix */
	enum nsym_scope need;
	nsym_handler handler;
	const char *name;  /* for /metrics */
	const char *usage; /* the path as the home page shows it, with its query */
	const char *about; /* one line for the home page */
};

/* The one table of routes (routes.c), ended by a NULL prefix. */
extern const struct nsym_route nsym_routes[];

/* (Start, address and stop: server.h.) */
const struct nsym_server_config *nsym_server_config(const struct nsym_server *srv);
/* The folder where symcaches are built (and a remote store's copied):
 * STORE/symcache, or $TMPDIR/napi-symbols-symcache. */
const char *nsym_server_cache_dir(const struct nsym_server *srv);
/* The server's upstream servers (upstream.h), or NULL when it has none. */
struct nsym_upstream *nsym_server_upstream(struct nsym_server *srv);
/* The scaled store's blobs kept on this machine; NULL: none (upstream_cache.h). */
struct nsym_ucache *nsym_server_blob_cache(struct nsym_server *srv);
/* The server's table of symcache builds (build_once.h). */
struct nsym_builds *nsym_server_builds(struct nsym_server *srv);
/* The open modules the workers share (module_cache.h). */
struct nsym_module_cache *nsym_server_modules(struct nsym_server *srv);
/* The server's queue of symcache builds on upload (symcache_queue.h). */
struct nsym_symcache_queue *nsym_server_symcache_queue(struct nsym_server *srv);

/* ---- replies ------------------------------------------------------------ */

/* A whole reply with a body (not sent for HEAD). extra_headers: "" or
 * "Name: value\r\n" lines. */
void nsym_reply(struct nsym_request *r, int status, const char *content_type,
                const char *extra_headers, const void *body, size_t size);
/* A text/plain error reply, one line: control characters of what it
 * quotes (a path, a file's section name) are sent as '?'. */
void nsym_reply_error(struct nsym_request *r, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Sends the bytes [from, from + count) of fd after headers already built. */
int nsym_send_fd(struct nsym_request *r, int fd, uint64_t from, uint64_t count);
/* Whether the connection closes after this reply: its framing was
 * refused (r->close), or it has a body the handler did not read to its
 * end. Replies built here say "Connection: close" then (check_framing in
 * http.c tells why). */
bool nsym_closing(const struct nsym_request *r);
/* The status line's reason phrase. */
const char *nsym_status_text(int status);
/* Writes raw bytes (headers or body) to the client, counting body bytes
 * when `body` is set. */
int nsym_write(struct nsym_request *r, const void *data, size_t size, bool body);

/* The handler is about to read the request's body: answers a client that
 * sent "Expect: 100-continue" with "100 Continue", once, so that it sends
 * the body (curl otherwise waits a second first). Handlers that refuse a
 * request before reading its body do not call it: the client then sends
 * no body at all. */
void nsym_body_continue(struct nsym_request *r);
/* Reads the whole request body, at most max bytes, into out (initialized
 * here, NUL-terminated; the caller frees it). 0; or -1, out empty, after
 * replying 413 (too large), 400 (the body ended early) or 503. */
int nsym_read_body(struct nsym_request *r, struct nsym_buf *out, size_t max);
/* Sends b as a JSON reply of status, or 503 when it could not be written
 * whole; frees b either way. */
void nsym_reply_json(struct nsym_request *r, int status, struct nsym_buf *b);

/* The value of a request header, or NULL. */
const char *nsym_header(const struct nsym_request *r, const char *name);
/* The value of a query parameter, decoded, into out; 0 or -1 when absent. */
int nsym_query(const struct nsym_request *r, const char *name, char *out, size_t size);

#endif
