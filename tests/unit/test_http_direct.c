/*
 * fetch's plain-http fast path (cli/http_direct.c) against a server thread
 * on loopback that answers one connection with canned bytes: a body spliced
 * whole into the file, heads in pieces and with bare LF, answers it leaves
 * to a full HTTP client, broken answers, a refused connection, a stalled
 * transfer, the read/write fallback, and which URLs it takes.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http_direct.h"
#include "test_util.h"

#define WAIT_MS     10000 /* the bound of every wait here */
#define PAUSE_MS    20    /* between the parts of an answer, when asked */
#define MAX_PARTS   8
#define BIG_BODY    (3 * 1024 * 1024 + 12345) /* three pipe loads and a bit */
#define REQUEST_MAX 8192

static int64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec t = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

	while (nanosleep(&t, &t) != 0 && errno == EINTR)
		;
}

/* ---- the server: one connection, canned answer ---- */

struct part {
	const void *data;
	size_t size;
};

#define TEXT(s) ((struct part){(s), sizeof(s) - 1})

struct server {
	int listener;
	int port;
	struct part parts[MAX_PARTS];
	size_t nparts;
	bool paced;  /* PAUSE_MS between parts */
	bool hold;   /* keep the connection open until server_stop */
	int stop[2]; /* server_stop writes here */
	pthread_t thread;
	/* what the thread saw, read after the join */
	char request[REQUEST_MAX + 1];
	size_t request_len;
	bool accepted;
	char error[256]; /* the server's own trouble, "" when none */
};

static int send_all(int fd, const void *data, size_t size)
{
	const char *p = data;

	while (size > 0) {
		ssize_t n = send(fd, p, size, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		size -= (size_t)n;
	}
	return 0;
}

static void *serve(void *arg)
{
	struct server *s = arg;
	struct pollfd p = {.fd = s->listener, .events = POLLIN};
	struct timeval tv = {.tv_sec = 5};
	int conn;

	if (poll(&p, 1, WAIT_MS) != 1) {
		snprintf(s->error, sizeof(s->error), "no connection came");
		return NULL;
	}
	conn = accept(s->listener, NULL, NULL);
	if (conn < 0) {
		snprintf(s->error, sizeof(s->error), "accept: %s", strerror(errno));
		return NULL;
	}
	s->accepted = true;
	setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(conn, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	/* the request, up to its blank line */
	while (s->request_len < REQUEST_MAX) {
		ssize_t n =
		    recv(conn, s->request + s->request_len, REQUEST_MAX - s->request_len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(s->error, sizeof(s->error), "request cut short after %zu bytes",
			         s->request_len);
			break;
		}
		s->request_len += (size_t)n;
		s->request[s->request_len] = '\0';
		if (strstr(s->request, "\r\n\r\n") != NULL)
			break;
	}
	/* the answer; a client that has had enough may reset the connection */
	for (size_t i = 0; i < s->nparts; i++) {
		if (i > 0 && s->paced)
			sleep_ms(PAUSE_MS);
		if (send_all(conn, s->parts[i].data, s->parts[i].size) != 0)
			break;
	}
	if (s->hold) {
		struct pollfd q = {.fd = s->stop[0], .events = POLLIN};
		if (poll(&q, 1, WAIT_MS) != 1)
			snprintf(s->error, sizeof(s->error), "never told to stop");
	}
	close(conn);
	return NULL;
}

/* A socket listening on 127.0.0.1 at a port of the kernel's choosing. */
static int listen_loopback(int *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

/* Starts a server answering with parts[0..n). */
static struct server *server_start(const struct part *parts, size_t n, bool paced, bool hold)
{
	struct server *s = calloc(1, sizeof(*s));

	ck_assert_ptr_nonnull(s);
	ck_assert_uint_le(n, MAX_PARTS);
	if (n > 0)
		memcpy(s->parts, parts, n * sizeof(*parts));
	s->nparts = n;
	s->paced = paced;
	s->hold = hold;
	ck_assert_int_eq(pipe2(s->stop, O_CLOEXEC), 0);
	s->listener = listen_loopback(&s->port);
	ck_assert_int_eq(pthread_create(&s->thread, NULL, serve, s), 0);
	return s;
}

/* Lets a holding server go and joins it; the caller frees s. */
static void server_stop(struct server *s)
{
	ck_assert_int_eq(write(s->stop[1], "x", 1), 1);
	ck_assert_int_eq(pthread_join(s->thread, NULL), 0);
	close(s->listener);
	close(s->stop[0]);
	close(s->stop[1]);
}

/* ---- the client: one transfer driven to its end ---- */

struct outcome {
	enum nsym_http_direct_result result;
	long status;
	uint64_t moved; /* the sum of step's *moved */
	int64_t ms;     /* how long it took */
	bool timed_out; /* still AGAIN after WAIT_MS */
	bool copied;    /* the body went through recv and write, not splice */
	char error[400];
};

static void drive(const char *url, const char *header_line, int fd, long stall_timeout,
                  struct outcome *o)
{
	struct nsym_http_direct *d = malloc(sizeof(*d)); /* ~22 KB: not on the stack */
	int64_t start = now_ms();

	ck_assert_ptr_nonnull(d);
	memset(o, 0, sizeof(*o));
	nsym_http_direct_start(d, url, header_line, fd, 5, stall_timeout);
	for (;;) {
		uint64_t moved = 0;
		bool for_output = false;
		int sock;

		o->result = nsym_http_direct_step(d, &moved);
		o->moved += moved;
		if (o->result != NSYM_HTTP_DIRECT_AGAIN)
			break;
		if (now_ms() - start > WAIT_MS) {
			o->timed_out = true;
			break;
		}
		sock = nsym_http_direct_poll_fd(d, &for_output);
		if (sock < 0) {
			sleep_ms(10);
			continue;
		}
		struct pollfd p = {.fd = sock, .events = for_output ? POLLOUT : POLLIN};
		poll(&p, 1, 100);
	}
	o->ms = now_ms() - start;
	o->status = d->status;
	o->copied = d->copy_buf != NULL;
	snprintf(o->error, sizeof(o->error), "%s", d->error);
	nsym_http_direct_close(d);
	free(d);
}

/* Runs one exchange: a server answering with parts, a transfer into a
 * fresh dir/out (opened with extra_flags), the server joined. */
static void exchange(const char *dir, const struct part *parts, size_t n, bool paced,
                     const char *header_line, int extra_flags, struct outcome *o,
                     struct server **server_out)
{
	struct server *s = server_start(parts, n, paced, false);
	char url[128], path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/out", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | extra_flags, 0644);
	ck_assert_int_ge(fd, 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/buildid/ab/debuginfo", s->port);
	drive(url, header_line, fd, 30, o);
	close(fd);
	server_stop(s);
	ck_assert_msg(s->accepted && s->error[0] == '\0', "server: %s", s->error);
	ck_assert_msg(!o->timed_out, "the transfer did not end within %d ms", WAIT_MS);
	if (server_out != NULL)
		*server_out = s;
	else
		free(s);
}

/* The bytes of dir/out (NULL when empty) and their count. */
static unsigned char *out_bytes(const char *dir, size_t *size)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/out", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	*size = (size_t)st.st_size;
	if (st.st_size == 0)
		return NULL;
	return test_read(path, size);
}

static void assert_out(const char *dir, const void *want, size_t want_size)
{
	size_t size = 0;
	unsigned char *got = out_bytes(dir, &size);

	ck_assert_uint_eq(size, want_size);
	if (want_size > 0) {
		const unsigned char *w = want;
		size_t i = 0;

		ck_assert_ptr_nonnull(got);
		while (i < size && got[i] == w[i])
			i++;
		ck_assert_msg(i == size, "byte %zu of %zu: 0x%02x, want 0x%02x", i, size, got[i],
		              w[i]);
	}
	free(got);
}

static const char *result_name(enum nsym_http_direct_result r)
{
	switch (r) {
	case NSYM_HTTP_DIRECT_AGAIN:
		return "AGAIN";
	case NSYM_HTTP_DIRECT_DONE:
		return "DONE";
	case NSYM_HTTP_DIRECT_FAILED:
		return "FAILED";
	case NSYM_HTTP_DIRECT_DECLINED:
		return "DECLINED";
	}
	return "?";
}

static void assert_result(const struct outcome *o, enum nsym_http_direct_result want)
{
	ck_assert_msg(o->result == want, "result %s (error \"%s\"), want %s",
	              result_name(o->result), o->error, result_name(want));
}

static void assert_error(const struct outcome *o, const char *part)
{
	assert_result(o, NSYM_HTTP_DIRECT_FAILED);
	ck_assert_msg(strstr(o->error, part) != NULL, "error \"%s\" lacks \"%s\"", o->error, part);
}

/* BIG_BODY bytes of a pattern no two pipe loads share. */
static unsigned char *pattern(size_t size)
{
	unsigned char *p = malloc(size);
	uint32_t x = 2463534242u;

	ck_assert_ptr_nonnull(p);
	for (size_t i = 0; i < size; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (unsigned char)x;
	}
	return p;
}

/* ---- cases ---- */

START_TEST(body_is_spliced_into_the_file)
{
	char *dir = test_tmpdir();
	unsigned char *body = pattern(BIG_BODY);
	char head[128], want[64];
	struct part parts[2];
	struct server *s;
	struct outcome o;

	ck_assert_ptr_nonnull(dir);
	snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", BIG_BODY);
	parts[0] = (struct part){head, strlen(head)};
	parts[1] = (struct part){body, BIG_BODY};
	exchange(dir, parts, 2, true, "Authorization: Bearer t0k", 0, &o, &s);
	assert_result(&o, NSYM_HTTP_DIRECT_DONE);
	ck_assert_msg(!o.copied, "the body was copied, not spliced");
	ck_assert_int_eq(o.status, 200);
	ck_assert_uint_eq(o.moved, BIG_BODY);
	assert_out(dir, body, BIG_BODY);
	/* the request as sent */
	ck_assert_msg(strncmp(s->request, "GET /buildid/ab/debuginfo HTTP/1.1\r\n", 36) == 0,
	              "request: %s", s->request);
	snprintf(want, sizeof(want), "\r\nHost: 127.0.0.1:%d\r\n", s->port);
	ck_assert_msg(strstr(s->request, want) != NULL, "request lacks %s: %s", want, s->request);
	ck_assert_msg(strstr(s->request, "\r\nAuthorization: Bearer t0k\r\n") != NULL,
	              "request lacks the header line: %s", s->request);
	ck_assert_msg(s->request_len >= 4 &&
	                  strcmp(s->request + s->request_len - 4, "\r\n\r\n") == 0,
	              "request does not end at its blank line: %s", s->request);
	free(s);
	free(body);
	test_tmpdir_remove(dir);
}
END_TEST

START_TEST(head_in_pieces_and_bare_lf)
{
	char *dir = test_tmpdir();
	struct part parts[] = {TEXT("HTTP/1.1 200 OK\nContent-Le"), TEXT("ngth: 5\n"),
	                       TEXT("\nhello")};
	struct outcome o;

	ck_assert_ptr_nonnull(dir);
	exchange(dir, parts, 3, true, NULL, 0, &o, NULL);
	assert_result(&o, NSYM_HTTP_DIRECT_DONE);
	ck_assert_int_eq(o.status, 200);
	ck_assert_uint_eq(o.moved, 5);
	assert_out(dir, "hello", 5);
	test_tmpdir_remove(dir);
}
END_TEST

START_TEST(body_beyond_its_length_is_left)
{
	char *dir = test_tmpdir();
	struct part parts[] = {TEXT("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello world")};
	struct outcome o;

	ck_assert_ptr_nonnull(dir);
	exchange(dir, parts, 1, false, NULL, 0, &o, NULL);
	assert_result(&o, NSYM_HTTP_DIRECT_DONE);
	ck_assert_int_eq(o.status, 200);
	ck_assert_uint_eq(o.moved, 5);
	assert_out(dir, "hello", 5);
	test_tmpdir_remove(dir);
}
END_TEST

START_TEST(answers_for_a_full_client_are_declined)
{
	static const char *const answers[] = {
	    "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/elsewhere\r\n"
	    "Content-Length: 0\r\n\r\n",
	    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
	    "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 5\r\n\r\nhello",
	    "HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\nhello world!",
	    "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nhello",
	    NULL, /* the big head, built below */
	    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n",
	};
	char *dir = test_tmpdir();
	char *big = malloc(32768);
	size_t big_len = 0;

	ck_assert_ptr_nonnull(dir);
	ck_assert_ptr_nonnull(big);
	big_len += (size_t)snprintf(big, 32768, "HTTP/1.1 200 OK\r\n");
	for (int i = 0; big_len < 20000; i++)
		big_len +=
		    (size_t)snprintf(big + big_len, 32768 - big_len,
		                     "X-Filler-%04d: abcdefghijklmnopqrstuvwxyz0123456789\r\n", i);
	big_len +=
	    (size_t)snprintf(big + big_len, 32768 - big_len, "Content-Length: 5\r\n\r\nhello");
	for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		const char *a = answers[i] != NULL ? answers[i] : big;
		struct part part = {a, answers[i] != NULL ? strlen(a) : big_len};
		struct outcome o;
		size_t size = 1;

		exchange(dir, &part, 1, false, NULL, 0, &o, NULL);
		ck_assert_msg(o.result == NSYM_HTTP_DIRECT_DECLINED,
		              "answer %zu (%.60s): result %s (error \"%s\"), want DECLINED", i, a,
		              result_name(o.result), o.error);
		ck_assert_uint_eq(o.moved, 0);
		free(out_bytes(dir, &size));
		ck_assert_msg(size == 0, "answer %zu (%.60s): %zu bytes in the file", i, a, size);
	}
	free(big);
	test_tmpdir_remove(dir);
}
END_TEST

START_TEST(other_statuses_are_answers)
{
	static const struct {
		const char *answer;
		long status;
	} cases[] = {
	    {"HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\n\r\nnot found\n", 404},
	    {"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 6\r\n\r\noops!\n", 500},
	};
	char *dir = test_tmpdir();

	ck_assert_ptr_nonnull(dir);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct part part = {cases[i].answer, strlen(cases[i].answer)};
		struct outcome o;

		exchange(dir, &part, 1, false, NULL, 0, &o, NULL);
		assert_result(&o, NSYM_HTTP_DIRECT_DONE);
		ck_assert_int_eq(o.status, cases[i].status);
		ck_assert_uint_eq(o.moved, 0);
		assert_out(dir, "", 0);
	}
	test_tmpdir_remove(dir);
}
END_TEST

START_TEST(broken_answers_fail)
{
	char *dir = test_tmpdir();
	struct part ssh = TEXT("SSH-2.0-OpenSSH_9.2\r\n\r\n");
	struct part short_body = TEXT("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
	struct outcome o;

	ck_assert_ptr_nonnull(dir);
	exchange(dir, &ssh, 1, false, NULL, 0, &o, NULL);
	assert_error(&o, "did not answer in HTTP/1");
	exchange(dir, NULL, 0, false, NULL, 0, &o, NULL);
	assert_error(&o, "without an answer");
	exchange(dir, &short_body, 1, false, NULL, 0, &o, NULL);
	assert_error(&o, "after 10 of 100 bytes");
	test_tmpdir_remove(dir);
}
END_TEST

START_TEST(refused_connection_fails)
{
	char *dir = test_tmpdir();
	char url[128], path[4096];
	struct outcome o;
	int port, fd;

	ck_assert_ptr_nonnull(dir);
	close(listen_loopback(&port)); /* a port nothing listens on now */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/buildid/ab/debuginfo", port);
	snprintf(path, sizeof(path), "%s/out", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ck_assert_int_ge(fd, 0);
	drive(url, NULL, fd, 30, &o);
	close(fd);
	ck_assert(!o.timed_out);
	assert_error(&o, "cannot connect");
	assert_out(dir, "", 0);
	test_tmpdir_remove(dir);
}
END_TEST

START_TEST(stalled_transfer_fails)
{
	char *dir = test_tmpdir();
	struct part parts[] = {TEXT("HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\nx")};
	char url[128], path[4096];
	struct server *s;
	struct outcome o;
	int fd;

	ck_assert_ptr_nonnull(dir);
	s = server_start(parts, 1, false, true);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/buildid/ab/debuginfo", s->port);
	snprintf(path, sizeof(path), "%s/out", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ck_assert_int_ge(fd, 0);
	drive(url, NULL, fd, 1, &o);
	close(fd);
	server_stop(s);
	ck_assert_msg(s->accepted && s->error[0] == '\0', "server: %s", s->error);
	free(s);
	ck_assert(!o.timed_out);
	assert_error(&o, "under 1 KB/s");
	ck_assert_msg(o.ms >= 900 && o.ms < 5000, "failed after %lld ms", (long long)o.ms);
	test_tmpdir_remove(dir);
}
END_TEST

START_TEST(append_only_file_falls_back_to_copying)
{
	char *dir = test_tmpdir();
	unsigned char *body = pattern(BIG_BODY);
	char head[128];
	struct part parts[2];
	struct outcome o;

	ck_assert_ptr_nonnull(dir);
	snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", BIG_BODY);
	parts[0] = (struct part){head, strlen(head)};
	parts[1] = (struct part){body, BIG_BODY};
	/* splice(2) into an O_APPEND file is EINVAL: the copy runs instead */
	exchange(dir, parts, 2, true, NULL, O_APPEND, &o, NULL);
	assert_result(&o, NSYM_HTTP_DIRECT_DONE);
	ck_assert_msg(o.copied, "an O_APPEND file took splice");
	ck_assert_int_eq(o.status, 200);
	ck_assert_uint_eq(o.moved, BIG_BODY);
	assert_out(dir, body, BIG_BODY);
	free(body);
	test_tmpdir_remove(dir);
}
END_TEST

START_TEST(usable_urls)
{
	unsetenv("http_proxy");
	unsetenv("all_proxy");
	unsetenv("ALL_PROXY");
	unsetenv("NAPI_SYMBOLS_SPLICE");
	ck_assert(nsym_http_direct_usable("http://127.0.0.1:8002/buildid/x/debuginfo"));
	ck_assert(nsym_http_direct_usable("http://[::1]:80/x"));
	ck_assert(!nsym_http_direct_usable("https://127.0.0.1:8002/buildid/x/debuginfo"));
	ck_assert(!nsym_http_direct_usable("http://user:pw@host/x"));
	ck_assert(!nsym_http_direct_usable("http://[fe80::1%25eth0]/x"));
	ck_assert(!nsym_http_direct_usable("ftp://x"));
	/* addresses and localhost only: a name is libcurl's to resolve */
	ck_assert(nsym_http_direct_usable("http://localhost:8002/x"));
	ck_assert(nsym_http_direct_usable("http://LocalHost/x"));
	ck_assert(!nsym_http_direct_usable("http://symbols.example.com:8002/x"));
	ck_assert(!nsym_http_direct_usable("http://[localhost]/x"));
	ck_assert(!nsym_http_direct_usable("http://127.0.0.1.nip.io/x"));
	/* ports libcurl takes; what it refuses or reads otherwise goes to it */
	ck_assert(nsym_http_direct_usable("http://127.0.0.1:/x"));
	ck_assert(nsym_http_direct_usable("http://127.0.0.1:65535/x"));
	ck_assert(!nsym_http_direct_usable("http://127.0.0.1:65536/x"));
	ck_assert(!nsym_http_direct_usable("http://127.0.0.1:99999/x"));
	ck_assert(!nsym_http_direct_usable("http://127.0.0.1:0/x"));
	ck_assert(!nsym_http_direct_usable("http://127.0.0.1:8a/x"));
	ck_assert(!nsym_http_direct_usable("http://[::1]x/x"));
	/* dot segments, which libcurl resolves before sending */
	ck_assert(!nsym_http_direct_usable("http://127.0.0.1/a/../buildid/x"));
	ck_assert(!nsym_http_direct_usable("http://127.0.0.1/a/./x"));
	ck_assert(!nsym_http_direct_usable("http://127.0.0.1/a/.."));
	ck_assert(nsym_http_direct_usable("http://127.0.0.1/a/..x/.y/x?q=/../"));
	ck_assert(!nsym_http_direct_usable("http://127.0.0.1/x#frag"));
	ck_assert_int_eq(setenv("http_proxy", "http://127.0.0.1:3128", 1), 0);
	ck_assert(!nsym_http_direct_usable("http://127.0.0.1:8002/buildid/x/debuginfo"));
	ck_assert_int_eq(unsetenv("http_proxy"), 0);
	ck_assert(nsym_http_direct_usable("http://127.0.0.1:8002/buildid/x/debuginfo"));
	ck_assert_int_eq(setenv("NAPI_SYMBOLS_SPLICE", "0", 1), 0);
	ck_assert(!nsym_http_direct_usable("http://127.0.0.1:8002/buildid/x/debuginfo"));
	ck_assert_int_eq(setenv("NAPI_SYMBOLS_SPLICE", "1", 1), 0);
	ck_assert(nsym_http_direct_usable("http://127.0.0.1:8002/buildid/x/debuginfo"));
	unsetenv("NAPI_SYMBOLS_SPLICE");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("http_direct");
	TEST_ADD(s, body_is_spliced_into_the_file);
	TEST_ADD(s, head_in_pieces_and_bare_lf);
	TEST_ADD(s, body_beyond_its_length_is_left);
	TEST_ADD(s, answers_for_a_full_client_are_declined);
	TEST_ADD(s, other_statuses_are_answers);
	TEST_ADD(s, broken_answers_fail);
	TEST_ADD(s, refused_connection_fails);
	TEST_ADD(s, stalled_transfer_fails);
	TEST_ADD(s, append_only_file_falls_back_to_copying);
	TEST_ADD(s, usable_urls);
	return test_run(s);
}
