/*
 * A plain-http GET whose body goes from the socket into a file by splice(2),
 * never through a buffer of ours: fetch's fast path. libcurl reads each byte
 * into its buffer and the write callback copies it again into the page
 * cache; on loopback those two copies were fetch's whole cost
 * (docs/performance.md). Here the kernel moves the socket's pages into a
 * pipe and copies them once, into the file.
 *
 * It speaks only the simplest exchange: one GET on a fresh connection, an
 * answer with a Content-Length. Anything else (a redirect, a chunked or
 * compressed body, an odd header block) is declined before a byte is
 * written, and the caller asks libcurl instead. URLs with a proxy to go
 * through, credentials, a host name, or https are never started here
 * (nsym_http_direct_usable): the fast path is for the fast links, a server
 * on this machine or one named by its address.
 *
 * Non-blocking: the caller polls the socket it names and calls step again.
 */
#ifndef NSYM_CLI_HTTP_DIRECT_H
#define NSYM_CLI_HTTP_DIRECT_H

#include <stdbool.h>
#include <stdint.h>

enum nsym_http_direct_result {
	NSYM_HTTP_DIRECT_AGAIN,    /* waiting on the socket: poll it, step again */
	NSYM_HTTP_DIRECT_DONE,     /* answered: status is set; a 200's body is in the file */
	NSYM_HTTP_DIRECT_FAILED,   /* no usable answer: error says why */
	NSYM_HTTP_DIRECT_DECLINED, /* an answer for a full HTTP client: nothing was written */
};

struct nsym_http_direct {
	int phase;
	int sock;
	int pipe[2];
	int fd; /* the caller's file, written from offset 0 */
	struct addrinfo *addrs, *addr;
	char host[300];
	size_t request_len, sent;
	size_t head_len;
	long status;
	uint64_t length, got;
	int64_t connect_deadline; /* ms, monotonic */
	int64_t attempt_deadline; /* ms: of the address being tried */
	int64_t window_start;     /* ms: the low-speed check's window */
	uint64_t window_got;      /* bytes received before the window */
	long stall_seconds;
	char *copy_buf; /* when the kernel cannot splice here: recv and write */
	char error[400];
	bool write_failed; /* the error is the file's, not the server's */
	/* last: start clears the members before them */
	char request[5200];
	char head[16384];
};

/* Whether url may be fetched here: http:// to an IP address or localhost
 * (a name to resolve is libcurl's, whose resolver does not block), a port
 * of 1-65535, no credentials, zone id or dot segment in it, no proxy set
 * in the environment, and NAPI_SYMBOLS_SPLICE is not "0". */
bool nsym_http_direct_usable(const char *url);

/*
 * Starts GET url, with header_line ("Name: value", or NULL) among the
 * request's headers, its body to go into fd. Connecting may take
 * connect_timeout seconds; after that, a transfer that receives under
 * 1 KB/s for stall_timeout seconds fails, as libcurl's low-speed limit
 * does. Errors are reported by the first step. Pair with
 * nsym_http_direct_close.
 */
void nsym_http_direct_start(struct nsym_http_direct *d, const char *url, const char *header_line,
                            int fd, long connect_timeout, long stall_timeout);

/* Moves the transfer on as far as it can without waiting; *moved gets the
 * body bytes written to the file by this call. */
enum nsym_http_direct_result nsym_http_direct_step(struct nsym_http_direct *d, uint64_t *moved);

/* The socket to poll while the transfer waits, and whether for output
 * (connecting, sending) rather than input; -1 when there is none. */
int nsym_http_direct_poll_fd(const struct nsym_http_direct *d, bool *for_output);

/* Closes the connection; the file is the caller's. */
void nsym_http_direct_close(struct nsym_http_direct *d);

#endif
