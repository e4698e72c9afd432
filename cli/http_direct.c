/*
 * fetch's fast path: GET over plain http, the body spliced from the socket
 * into the cache file (http_direct.h says when and why).
 */
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "http_direct.h"
#include "napi_symbols.h"

enum phase { CONNECTING, SENDING, HEAD, BODY, OVER };

/* a splice moves at most a pipe's worth; 1 MiB is the default ceiling of
 * F_SETPIPE_SZ for an unprivileged process */
#define PIPE_BYTES (1 << 20)
#define COPY_BYTES (256 * 1024)
#define MAX_ROUNDS 16 /* pipe loads per step, so one transfer cannot hog a worker */

static int64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static enum nsym_http_direct_result fail(struct nsym_http_direct *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->error, sizeof(d->error), fmt, ap);
	va_end(ap);
	d->phase = OVER;
	return NSYM_HTTP_DIRECT_FAILED;
}

/* A failed write into the file: the caller's to tell apart from the
 * server's failures (a full disk is no reason to try another server). */
static enum nsym_http_direct_result fail_write(struct nsym_http_direct *d)
{
	d->write_failed = true;
	return fail(d, "cannot write to the cache: %s", strerror(errno));
}

static bool proxy_set(void)
{
	/* the variables libcurl reads for an http:// URL; its no_proxy rules
	 * are libcurl's to apply, so any proxy at all sends us there */
	static const char *const names[] = {"http_proxy", "all_proxy", "ALL_PROXY"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *v = getenv(names[i]);
		if (v != NULL && v[0] != '\0')
			return true;
	}
	return false;
}

/* An http:// URL as the fast path takes it. */
struct url_parts {
	char host[300]; /* an address, or "localhost" */
	char port[8];
	int flags;              /* for getaddrinfo */
	const char *host_field; /* what Host: says: the authority, less a :80 */
	int host_field_len;
	const char *path; /* from its '/' or '?'; "" for none */
};

static bool is_port(const char *s, size_t n)
{
	long v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || (v = v * 10 + (s[i] - '0')) > 65535)
			return false;
	}
	return n == 0 || v > 0; /* empty: 80, as libcurl reads "host:" */
}

/* Whether path has a "." or ".." segment, which libcurl would resolve
 * before sending. */
static bool has_dot_segment(const char *path)
{
	size_t end = strcspn(path, "?");

	for (size_t i = 0; i < end; i++) {
		size_t dots = strspn(path + i + 1, ".");
		if (path[i] == '/' && (dots == 1 || dots == 2) &&
		    (i + 1 + dots == end || path[i + 1 + dots] == '/'))
			return true;
	}
	return false;
}

/* Splits url; -1 for a URL left to libcurl: a host given by name (libcurl
 * resolves without blocking, in parallel and with a cache; getaddrinfo
 * here would stall the worker), credentials, a zone id, an odd port. */
static int split_url(struct url_parts *out, const char *url)
{
	const char *a = url + 7, *path = a + strcspn(a, "/?#"), *h = a, *colon;
	size_t alen = (size_t)(path - a), hlen;
	unsigned char probe[sizeof(struct in6_addr)];

	if (strncasecmp(url, "http://", 7) != 0 || *path == '#' || strchr(path, '#') != NULL ||
	    alen == 0 || memchr(a, '@', alen) != NULL || memchr(a, '%', alen) != NULL)
		return -1;
	if (a[0] == '[') { /* [v6]:port */
		const char *close = memchr(a, ']', alen);
		if (close == NULL || (close + 1 < path && close[1] != ':'))
			return -1;
		h = a + 1;
		hlen = (size_t)(close - h);
		colon = close + 1 < path ? close + 1 : NULL;
	} else {
		colon = memchr(a, ':', alen);
		hlen = colon != NULL ? (size_t)(colon - a) : alen;
	}
	if (hlen == 0 || hlen >= sizeof(out->host) ||
	    (colon != NULL && !is_port(colon + 1, (size_t)(path - colon - 1))) ||
	    has_dot_segment(path))
		return -1;
	memcpy(out->host, h, hlen);
	out->host[hlen] = '\0';
	snprintf(out->port, sizeof(out->port), "%.*s",
	         colon != NULL && colon + 1 < path ? (int)(path - colon - 1) : 2,
	         colon != NULL && colon + 1 < path ? colon + 1 : "80");
	out->flags = AI_NUMERICSERV;
	if (inet_pton(a[0] == '[' ? AF_INET6 : AF_INET, out->host, probe) == 1)
		out->flags |= AI_NUMERICHOST;
	else if (a[0] == '[' || strcasecmp(out->host, "localhost") != 0)
		return -1;
	out->host_field = a;
	out->host_field_len =
	    strcmp(out->port, "80") == 0 && colon != NULL ? (int)(colon - a) : (int)alen;
	out->path = path;
	return 0;
}

bool nsym_http_direct_usable(const char *url)
{
	const char *off = getenv("NAPI_SYMBOLS_SPLICE");
	struct url_parts u;

	return (off == NULL || strcmp(off, "0") != 0) && !proxy_set() && split_url(&u, url) == 0;
}

static int make_request(struct nsym_http_direct *d, const struct url_parts *u,
                        const char *header_line)
{
	int n = snprintf(d->request, sizeof(d->request),
	                 "GET %s%s HTTP/1.1\r\nHost: %.*s\r\nUser-Agent: napi-symbols/" NSYM_VERSION
	                 "\r\nAccept: */*\r\n%s%sConnection: close\r\n\r\n",
	                 u->path[0] != '/' ? "/" : "", u->path, u->host_field_len, u->host_field,
	                 header_line != NULL ? header_line : "", header_line != NULL ? "\r\n" : "");

	if (n < 0 || (size_t)n >= sizeof(d->request))
		return -1;
	d->request_len = (size_t)n;
	return 0;
}

/* Starts connecting to d->addr or the addresses after it, each given an
 * equal share of the time left, as libcurl shares it. */
static int connect_next(struct nsym_http_direct *d, int *last_errno)
{
	for (; d->addr != NULL; d->addr = d->addr->ai_next) {
		int64_t left = d->connect_deadline - now_ms();
		int count = 0;

		for (const struct addrinfo *a = d->addr; a != NULL; a = a->ai_next)
			count++;
		d->attempt_deadline = now_ms() + (left > 0 ? left / count : 0);
		d->sock = socket(d->addr->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (d->sock >= 0 && (connect(d->sock, d->addr->ai_addr, d->addr->ai_addrlen) == 0 ||
		                     errno == EINPROGRESS))
			return 0;
		*last_errno = errno;
		if (d->sock >= 0)
			close(d->sock);
		d->sock = -1;
	}
	return -1;
}

void nsym_http_direct_start(struct nsym_http_direct *d, const char *url, const char *header_line,
                            int fd, long connect_timeout, long stall_timeout)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	struct url_parts u;
	int rc, last_errno = ETIMEDOUT;

	memset(d, 0, offsetof(struct nsym_http_direct, request));
	d->sock = d->pipe[0] = d->pipe[1] = -1;
	d->fd = fd;
	d->stall_seconds = stall_timeout;
	d->connect_deadline = now_ms() + connect_timeout * 1000;
	if (split_url(&u, url) != 0 || make_request(d, &u, header_line) != 0) {
		fail(d, "cannot read the URL %.300s", url);
		return;
	}
	snprintf(d->host, sizeof(d->host), "%s", u.host);
	hints.ai_flags = u.flags; /* an address or localhost: no DNS query */
	rc = getaddrinfo(u.host, u.port, &hints, &d->addrs);
	if (rc != 0) {
		d->addrs = NULL;
		fail(d, "cannot resolve %s: %s", d->host, gai_strerror(rc));
		return;
	}
	d->addr = d->addrs;
	if (connect_next(d, &last_errno) != 0)
		fail(d, "cannot connect to %s: %s", d->host, strerror(last_errno));
}

static enum nsym_http_direct_result step_connect(struct nsym_http_direct *d)
{
	for (;;) {
		struct pollfd p = {.fd = d->sock, .events = POLLOUT};
		int ready = poll(&p, 1, 0), err = 0, last_errno;
		socklen_t len = sizeof(err);

		if ((ready < 0 && errno == EINTR) ||
		    (ready == 0 && now_ms() <= d->attempt_deadline))
			return NSYM_HTTP_DIRECT_AGAIN;
		if (ready > 0 && getsockopt(d->sock, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
		    err == 0) {
			d->phase = SENDING;
			return NSYM_HTTP_DIRECT_AGAIN;
		}
		/* refused, unreachable, or no answer in its share of the time */
		last_errno = ready > 0 && err != 0 ? err : ETIMEDOUT;
		close(d->sock);
		d->sock = -1;
		d->addr = d->addr->ai_next;
		if (connect_next(d, &last_errno) != 0)
			return fail(d, "cannot connect to %s: %s", d->host,
			            last_errno == ETIMEDOUT ? "no answer in time"
			                                    : strerror(last_errno));
	}
}

static enum nsym_http_direct_result step_send(struct nsym_http_direct *d)
{
	while (d->sent < d->request_len) {
		ssize_t n = send(d->sock, d->request + d->sent, d->request_len - d->sent,
		                 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return NSYM_HTTP_DIRECT_AGAIN;
		if (n < 0)
			return fail(d, "cannot send the request to %s: %s", d->host,
			            strerror(errno));
		d->sent += (size_t)n;
	}
	d->phase = HEAD;
	d->window_start = now_ms();
	return NSYM_HTTP_DIRECT_AGAIN;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The value of header `name` in the block [p, end), or NULL; *count how
 * many times it is there. */
static const char *header(const char *p, const char *end, const char *name, int *count)
{
	size_t len = strlen(name);
	const char *found = NULL;

	*count = 0;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if ((size_t)(end - p) > len && strncasecmp(p, name, len) == 0 && p[len] == ':') {
			found = p + len + 1 + strspn(p + len + 1, " \t");
			++*count;
		}
		p = eol != NULL ? eol + 1 : end;
	}
	return found;
}

/* Whether s is a Content-Length: digits only, then the line's end. */
static int read_length(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	for (; s[i] >= '0' && s[i] <= '9'; i++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	i += strspn(s + i, " \t");
	if (i == 0 || (s[i] != '\r' && s[i] != '\n'))
		return -1;
	*out = v;
	return 0;
}

/* The answer's head is d->head[0, size): its status, and for a 200 whether
 * its body is one we can take. */
static enum nsym_http_direct_result take_head(struct nsym_http_direct *d, size_t size)
{
	const char *lines = memchr(d->head, '\n', size), *end = d->head + size, *length;
	int lengths, encodings, transfers;

	if (size < 13 || strncmp(d->head, "HTTP/1.", 7) != 0 || d->head[8] != ' ' ||
	    strspn(d->head + 9, "0123456789") != 3)
		return fail(d, "%s did not answer in HTTP/1", d->host);
	d->status = strtol(d->head + 9, NULL, 10);
	if (d->status < 200 || (d->status >= 300 && d->status < 400))
		return NSYM_HTTP_DIRECT_DECLINED; /* informational, or a redirect to follow */
	if (d->status != 200) {
		d->phase = OVER;
		return NSYM_HTTP_DIRECT_DONE; /* the body of a miss or an error is not wanted */
	}
	length = header(lines + 1, end, "Content-Length", &lengths);
	header(lines + 1, end, "Transfer-Encoding", &transfers);
	header(lines + 1, end, "Content-Encoding", &encodings);
	if (lengths != 1 || transfers != 0 || encodings != 0 ||
	    read_length(length, &d->length) != 0)
		return NSYM_HTTP_DIRECT_DECLINED;
	nsym_cache_reserve(d->fd, d->length);
	d->got = d->head_len - size < d->length ? d->head_len - size : d->length;
	if (write_all(d->fd, d->head + size, (size_t)d->got) != 0)
		return fail_write(d);
	d->phase = BODY;
	return NSYM_HTTP_DIRECT_AGAIN;
}

/* The length of the head in d->head: up to its blank line (CRLF or a bare
 * LF, which HTTP lets a client accept), or 0 while it is not all there. */
static size_t head_length(const struct nsym_http_direct *d)
{
	const char *p = d->head, *end = d->head + d->head_len;

	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL && ++p < end) {
		if (*p == '\n')
			return (size_t)(p + 1 - d->head);
		if (*p == '\r' && p + 1 < end && p[1] == '\n')
			return (size_t)(p + 2 - d->head);
	}
	return 0;
}

static enum nsym_http_direct_result step_head(struct nsym_http_direct *d)
{
	for (;;) {
		size_t room = sizeof(d->head) - d->head_len, size;
		ssize_t n;

		if (room == 0)
			return NSYM_HTTP_DIRECT_DECLINED; /* a header block beyond our buffer */
		n = recv(d->sock, d->head + d->head_len, room, 0);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return NSYM_HTTP_DIRECT_AGAIN;
		if (n < 0)
			return fail(d, "receiving from %s: %s", d->host, strerror(errno));
		/* a head cut short may still be an answer to libcurl: let it judge */
		if (n == 0 && d->head_len >= 5 && memcmp(d->head, "HTTP/", 5) == 0)
			return NSYM_HTTP_DIRECT_DECLINED;
		if (n == 0)
			return fail(d, "%s closed the connection without an answer", d->host);
		d->head_len += (size_t)n;
		size = head_length(d);
		if (size > 0)
			return take_head(d, size);
	}
}

/* Writes what the pipe holds (n bytes) into the file. */
static int drain_pipe(struct nsym_http_direct *d, size_t n)
{
	while (n > 0) {
		ssize_t w;
		if (d->copy_buf == NULL) {
			w = splice(d->pipe[0], NULL, d->fd, NULL, n, SPLICE_F_MOVE);
			if (w < 0 && errno == EINVAL) { /* a file system that takes no splice */
				d->copy_buf = malloc(COPY_BYTES);
				if (d->copy_buf == NULL)
					return -1;
				continue;
			}
		} else {
			w = read(d->pipe[0], d->copy_buf, n < COPY_BYTES ? n : COPY_BYTES);
			if (w > 0 && write_all(d->fd, d->copy_buf, (size_t)w) != 0)
				return -1;
		}
		if (w <= 0)
			return -1;
		n -= (size_t)w;
	}
	return 0;
}

/* A failed receive: the connection's end (n == 0) or an error. */
static ssize_t receive_failed(struct nsym_http_direct *d, ssize_t n)
{
	if (n == 0)
		fail(d, "%s closed the connection after %llu of %llu bytes", d->host,
		     (unsigned long long)d->got, (unsigned long long)d->length);
	else
		fail(d, "receiving from %s: %s", d->host, strerror(errno));
	return -1;
}

/* Moves some of the body from the socket into the file: the bytes moved,
 * 0 when none is there yet, -1 with d->error set. */
static ssize_t receive_some(struct nsym_http_direct *d, size_t want)
{
	bool copying = d->copy_buf != NULL;
	ssize_t n;

	if (!copying && d->pipe[0] < 0) {
		if (pipe2(d->pipe, O_CLOEXEC | O_NONBLOCK) != 0)
			return fail(d, "no pipe: %s", strerror(errno)), -1;
		fcntl(d->pipe[1], F_SETPIPE_SZ, PIPE_BYTES); /* a smaller pipe only costs rounds */
	}
	if (!copying)
		n = splice(d->sock, NULL, d->pipe[1], NULL, want,
		           SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	else
		n = recv(d->sock, d->copy_buf, want < COPY_BYTES ? want : COPY_BYTES, 0);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return 0;
	if (n < 0 && errno == EINVAL && !copying) { /* a socket that takes no splice */
		d->copy_buf = malloc(COPY_BYTES);
		return d->copy_buf != NULL ? 0 : (fail(d, "out of memory"), -1);
	}
	if (n <= 0)
		return receive_failed(d, n);
	if (copying ? write_all(d->fd, d->copy_buf, (size_t)n) != 0 : drain_pipe(d, (size_t)n) != 0)
		return fail_write(d), -1;
	return n;
}

static enum nsym_http_direct_result step_body(struct nsym_http_direct *d)
{
	for (int round = 0; d->got < d->length && round < MAX_ROUNDS; round++) {
		uint64_t left = d->length - d->got;
		ssize_t n = receive_some(d, left < PIPE_BYTES ? (size_t)left : PIPE_BYTES);

		if (n < 0)
			return NSYM_HTTP_DIRECT_FAILED;
		if (n == 0)
			return NSYM_HTTP_DIRECT_AGAIN;
		d->got += (uint64_t)n;
	}
	if (d->got < d->length)
		return NSYM_HTTP_DIRECT_AGAIN;
	d->phase = OVER;
	return NSYM_HTTP_DIRECT_DONE;
}

/* libcurl's low-speed limit, in windows: each stall_seconds long must have
 * brought 1 KB a second. The head counts as bytes too. */
static bool too_slow(struct nsym_http_direct *d)
{
	int64_t t = now_ms();
	uint64_t so_far = d->head_len + d->got;

	if (t - d->window_start < d->stall_seconds * 1000)
		return false;
	if (so_far - d->window_got < (uint64_t)d->stall_seconds * 1024)
		return true;
	d->window_start = t;
	d->window_got = so_far;
	return false;
}

enum nsym_http_direct_result nsym_http_direct_step(struct nsym_http_direct *d, uint64_t *moved)
{
	enum nsym_http_direct_result r = NSYM_HTTP_DIRECT_AGAIN;
	uint64_t before = d->got;

	*moved = 0;
	if (d->phase == OVER)
		return NSYM_HTTP_DIRECT_FAILED; /* the error of start */
	if (d->phase == CONNECTING)
		r = step_connect(d);
	if (r == NSYM_HTTP_DIRECT_AGAIN && d->phase == SENDING)
		r = step_send(d);
	if (r == NSYM_HTTP_DIRECT_AGAIN && d->phase == HEAD)
		r = step_head(d);
	if (r == NSYM_HTTP_DIRECT_AGAIN && d->phase == BODY)
		r = step_body(d);
	if (r == NSYM_HTTP_DIRECT_AGAIN && d->phase >= HEAD && too_slow(d))
		r = fail(d, "%s sent under 1 KB/s for %ld s", d->host, d->stall_seconds);
	*moved = d->got - before;
	return r;
}

int nsym_http_direct_poll_fd(const struct nsym_http_direct *d, bool *for_output)
{
	*for_output = d->phase == CONNECTING || d->phase == SENDING;
	return d->phase == OVER ? -1 : d->sock;
}

void nsym_http_direct_close(struct nsym_http_direct *d)
{
	if (d->sock >= 0)
		close(d->sock);
	for (int i = 0; i < 2; i++)
		if (d->pipe[i] >= 0)
			close(d->pipe[i]);
	if (d->addrs != NULL)
		freeaddrinfo(d->addrs);
	free(d->copy_buf);
	d->sock = d->pipe[0] = d->pipe[1] = -1;
	d->addrs = NULL;
	d->copy_buf = NULL;
}
