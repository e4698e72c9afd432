/*
 * The server in the test's own process, for the allocation-failure walks
 * of its routes (test_allocfail_upload.c, _v5.c, _page.c): started on
 * 127.0.0.1 port 0 over a store folder, a request sent and its reply read
 * to the end, and what the server logged during the run captured, since a
 * failed run's log line must say what ran out.
 */
#ifndef NSYM_TEST_ALLOCFAIL_HTTP_H
#define NSYM_TEST_ALLOCFAIL_HTTP_H

#include <stddef.h>
#include <stdint.h>

struct nsym_server;

/* Starts a server over the store in dir with one worker (its allocations
 * are the ones counted), bodies and sections up to max_body bytes; *port
 * is the port it listens on. */
struct nsym_server *allocfail_server_start(int *port, const char *dir, uint64_t max_body);

/* The server's stderr goes to DIR/allocfail.log from log_begin to
 * log_end, which puts what it logged into log (log_size bytes, cut). */
void allocfail_log_begin(int *saved_stderr, const char *dir);
void allocfail_log_end(char *log, size_t log_size, int saved_stderr, const char *dir);

/* Sends head (the request line and headers, with their blank line) and
 * body_size bytes of body to the server at port, and reads the reply to
 * its end into reply (NUL-terminated, cut at reply_size - 1). *sent is
 * the bytes of body the server took: it may answer and close before
 * taking them all, which is no failure here. Returns the reply's status,
 * or -1 when there is none. */
int allocfail_http_exchange(char *reply, size_t reply_size, size_t *sent, int port,
                            const char *head, const void *body, size_t body_size);

/* A path (allocfail.h) of one request to the server: its setup and run
 * below, the check the test's own. */
struct allocfail_route {
	char *dir; /* the store */
	int port;
	const char *request;   /* the request line, with its query */
	const char *type;      /* the body's Content-Type, or NULL */
	char *body;            /* "" for none */
	const char *must_have; /* for the check: in the first unarmed reply */
	char reply[262144];    /* status line to the end */
	char want[262144];     /* the first unarmed run's */
	char log[8192];        /* what the server logged during the run */
	int saved_stderr;
};
/* Captures the server's log from here (arg: a struct allocfail_route). */
void allocfail_route_setup(void *arg);
/* Sends the request with its whole body and reads the reply to the end;
 * the log to c->log. Returns the reply's status. */
int allocfail_route_run(void *arg);

#endif
