/*
 * Fuzzes the server's HTTP request path up to and through the route
 * handlers: the real server (server/server.h) runs in this process on
 * 127.0.0.1 port 0 with a store of its own, and each input is written raw
 * to a fresh loopback connection, whose write side is then shut; the reply
 * is read until the server closes, within REPLY_TIMEOUT_MS. So every layer
 * a client reaches is fuzzed together: civetweb's parsing, the framing and
 * path checks of http.c, the token check, and the handlers with their
 * store, on bodies of any shape (raw, multipart, chunked, 100-continue).
 *
 * The store holds four tokens with fixed secrets (admin, upload, read, and
 * one revoked: TOKEN_* below, which the seeds use) and a few files of the
 * corpus, uploaded at start and again every REFRESH_INPUTS inputs (an input
 * may delete them), with a source of small.c. Every RESET_INPUTS inputs
 * the server starts again on an empty store, so uploads do not pile up.
 * The store is under /dev/shm when there is one (uploads fsync); a crash
 * leaves it, and the next run removes it.
 *
 * Checked besides the sanitizers: a reply, when there is one, starts with
 * "HTTP/1.1 " and a three-digit status below 500 (the server's own faults
 * are 5xx: no input may cause one; 505 for an HTTP version other than 1.0
 * and 1.1 aside); an error's text/plain body is one line without control
 * characters; a request for a path gets a reply; the server closes the
 * connection within REPLY_TIMEOUT_MS (the watchdog cuts a stalled head
 * after 2 s); and it still answers GET /healthz with 200 after every input.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "napi_symbols_util.h"
#include "server.h"
#include "store.h"

#define SECRET(two)                                                                                \
	two two two two two two two two two two two two two two two two two two two two two two    \
	    two two
/* The seeds' tokens: "nsym_ID_SECRET", IDs as the empty store gives them. */
#define TOKEN_ADMIN   "nsym_1_" SECRET("ad")
#define TOKEN_UPLOAD  "nsym_2_" SECRET("0b")
#define TOKEN_READ    "nsym_3_" SECRET("5e")
#define TOKEN_REVOKED "nsym_4_" SECRET("de")

#define REPLY_TIMEOUT_MS 5000
#define REPLY_KEPT       4096 /* bytes of a reply kept to check */
#define REFRESH_INPUTS   500
#define RESET_INPUTS     20000

static const struct {
	const char *name, *scope, *secret;
	bool revoked;
} tokens[] = {
    {"fuzz-admin", "admin", SECRET("ad"), false},
    {"fuzz-upload", "upload", SECRET("0b"), false},
    {"fuzz-read", "read", SECRET("5e"), false},
    {"fuzz-revoked", "admin", SECRET("de"), true},
};

/* Files of the corpus the server holds, under the names they are uploaded
 * as (the SymSrv route asks for the name). */
static const struct {
	const char *path, *name;
} preload[] = {
    {"elf_identity/small.so.debug", "small.so.debug"},
    {"elf_identity/small.so.stripped", "small.so"},
    {"elf_identity/small-zlib.so", "small-zlib.so"},
    {"elf_identity/small-zstd.so", "small-zstd.so"},
    {"pe/x86_64-dll.node", "addon.node"},
    {"pdb/x86_64-512-byte-blocks.pdb", "addon.pdb"},
    {"macho/x86_64-bundle.node", "addon.node"},
    {"macho/x86_64-dsym-dwarf", "addon.node.dwarf"},
};
#define SMALL_BUILD_ID "3902b32f8cc2dd424482ce107bdde065ff4bc0bb"
#define SMALL_SOURCE   "/seed-src/small.c"

static struct nsym_server *srv;
static struct sockaddr_in addr;
static char store[4096];
static unsigned long inputs;

/* ---- one exchange -------------------------------------------------------- */

struct reply {
	char head[REPLY_KEPT + 1]; /* the first bytes, NUL-terminated */
	size_t len;                /* all bytes read */
	bool timed_out;
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void take(struct reply *out, const char *buf, size_t n)
{
	size_t room = out->len < REPLY_KEPT ? REPLY_KEPT - out->len : 0;

	if (room > 0)
		memcpy(out->head + out->len, buf, n < room ? n : room);
	out->len += n;
	out->head[out->len < REPLY_KEPT ? out->len : REPLY_KEPT] = '\0';
}

/* Connects fd, made non-blocking, to the server: 0, or -1 with errno.
 * A blocking connect would fail with EINTR when libFuzzer's timeout alarm
 * (SIGALRM, every few seconds) comes in the middle of it. */
static int connect_by(int fd, long long deadline)
{
	struct pollfd p = {fd, POLLOUT, 0};
	int err = 0;
	socklen_t len = sizeof(err);

	if (fcntl(fd, F_SETFL, O_NONBLOCK) != 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0)
		return 0;
	if (errno != EINPROGRESS && errno != EINTR)
		return -1;
	while (poll(&p, 1, (int)(deadline - now_ms())) < 0) {
		if (errno != EINTR)
			return -1;
	}
	if (!(p.revents & POLLOUT)) {
		errno = ETIMEDOUT;
		return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
		errno = err != 0 ? err : errno;
		return -1;
	}
	return 0;
}

/* Writes req to a new connection, shuts the write side, and reads the
 * reply until the server closes (a reset counts as a close). Reading goes
 * on while writing, so a server that answers early and closes cannot make
 * the write block. */
static void exchange(struct reply *out, const void *req, size_t len)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	long long deadline = now_ms() + REPLY_TIMEOUT_MS;
	size_t sent = 0;
	bool writing = true;

	memset(out, 0, sizeof(*out));
	if (fd < 0 || connect_by(fd, deadline) != 0)
		fuzz_fail("cannot connect to the server: %s", strerror(errno));
	for (;;) {
		struct pollfd p = {fd, POLLIN | (writing ? POLLOUT : 0), 0};
		long long left = deadline - now_ms();
		char buf[16384];
		ssize_t n;

		if (writing && sent == len) {
			shutdown(fd, SHUT_WR);
			writing = false;
			continue;
		}
		if (left <= 0) {
			out->timed_out = true;
			break;
		}
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			fuzz_fail("poll: %s", strerror(errno));
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			n = recv(fd, buf, sizeof(buf), 0);
			if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
				break; /* closed, or reset */
			if (n > 0)
				take(out, buf, (size_t)n);
		}
		if (writing && (p.revents & POLLOUT)) {
			n = send(fd, (const char *)req + sent, len - sent, MSG_NOSIGNAL);
			if (n > 0)
				sent += (size_t)n;
			else if (n < 0 && errno != EAGAIN && errno != EINTR)
				writing = false; /* the server stopped reading: read what it said */
		}
	}
	close(fd);
}

/* A request of method and target with the admin token and body. */
static void request(struct reply *out, const char *method, const char *target, const void *body,
                    size_t size)
{
	char head[1024];
	int n = snprintf(head, sizeof(head),
	                 "%s %s HTTP/1.1\r\nHost: fuzz\r\nAuthorization: Bearer " TOKEN_ADMIN
	                 "\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
	                 method, target, size);
	char *req = malloc((size_t)n + size);

	if (n < 0 || (size_t)n >= sizeof(head) || req == NULL)
		fuzz_fail("cannot make a request");
	memcpy(req, head, (size_t)n);
	if (size > 0)
		memcpy(req + n, body, size);
	exchange(out, req, (size_t)n + size);
	free(req);
}

/* The status of a reply that starts "HTTP/1.1 NNN ", or -1. */
static int status_of(const struct reply *r)
{
	const char *s = r->head;

	if (strncmp(s, "HTTP/1.1 ", 9) != 0 || s[9] < '1' || s[9] > '5' || s[10] < '0' ||
	    s[10] > '9' || s[11] < '0' || s[11] > '9' || s[12] != ' ')
		return -1;
	return (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
}

/* An error reply's body is one line of text (docs/server-api.md): the
 * first reply's, when it is an error in text/plain and all in the bytes
 * kept, and the first request is not a HEAD (whose reply has no body). */
static void check_error_body(const struct reply *r, int status, const uint8_t *data, size_t len)
{
	const char *end = strstr(r->head, "\r\n\r\n"), *type, *length;
	unsigned long size;
	size_t skip = 0;

	while (skip < len && (data[skip] == '\r' || data[skip] == '\n'))
		skip++;
	if (status < 400 || end == NULL ||
	    (len - skip >= 5 && memcmp(data + skip, "HEAD ", 5) == 0))
		return;
	type = strstr(r->head, "\r\nContent-Type: text/plain");
	length = strstr(r->head, "\r\nContent-Length: ");
	if (type == NULL || type > end || length == NULL || length > end)
		return;
	size = strtoul(length + 18, NULL, 10);
	end += 4;
	if (size > REPLY_KEPT || (size_t)(end - r->head) + size > strlen(r->head))
		return;
	if (size == 0 || end[size - 1] != '\n')
		fuzz_fail("a %d reply's text does not end its line: %.300s", status, r->head);
	for (unsigned long i = 0; i + 1 < size; i++) {
		if ((unsigned char)end[i] < 0x20 || end[i] == 0x7f)
			fuzz_fail("a %d reply's text holds the control character 0x%02x: %.300s",
			          status, (unsigned char)end[i], r->head);
	}
}

/* ---- the server ------------------------------------------------------------ */

static char *read_file(size_t *size, const char *path)
{
	FILE *f = fopen(path, "rb");
	char *data = malloc(1 << 20);

	if (f == NULL || data == NULL)
		fuzz_fail("cannot read %s", path);
	*size = fread(data, 1, 1 << 20, f);
	fclose(f);
	return data;
}

/* Uploads the preloaded files (again): each is created or already there. */
static void upload_preload(void)
{
	struct reply r;
	char target[512], path[4096];
	size_t size;

	for (size_t i = 0; i < sizeof(preload) / sizeof(preload[0]); i++) {
		char *data;
		snprintf(path, sizeof(path), "%s/%s", NSYM_FUZZ_CORPUS, preload[i].path);
		data = read_file(&size, path);
		snprintf(target, sizeof(target), "/api/v1/upload?name=%s", preload[i].name);
		request(&r, "POST", target, data, size);
		free(data);
		if (status_of(&r) != 201 && status_of(&r) != 200)
			fuzz_fail("preloading %s: %.200s", path, r.head);
	}
	snprintf(path, sizeof(path), "%s/../seed-src/small.c", NSYM_FUZZ_CORPUS);
	{
		char *data = read_file(&size, path);
		request(&r, "POST",
		        "/api/v1/upload/source?buildid=" SMALL_BUILD_ID "&path=" SMALL_SOURCE, data,
		        size);
		free(data);
	}
	if (status_of(&r) != 201 && status_of(&r) != 200 && status_of(&r) != 409)
		fuzz_fail("preloading the source: %.200s", r.head);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void stop(void)
{
	nsym_server_stop(srv);
	srv = NULL;
	if (store[0] != '\0')
		nftw(store, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	store[0] = '\0';
}

/* The tokens, added to the store by their hashes. */
static void add_tokens(void)
{
	struct nsym_store *s = NULL;
	char err[512];

	if (nsym_store_open_local(&s, store, err, sizeof(err)) != 0)
		fuzz_fail("cannot open the store: %s", err);
	for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++) {
		struct nsym_token t = {0};
		nsym_hash *h = NULL;
		int64_t id = 0;
		snprintf(t.name, sizeof(t.name), "%s", tokens[i].name);
		snprintf(t.scope, sizeof(t.scope), "%s", tokens[i].scope);
		if (nsym_hash_new(&h, NSYM_HASH_SHA256) != 0 ||
		    nsym_hash_update(h, tokens[i].secret, strlen(tokens[i].secret)) != 0 ||
		    nsym_hash_final_hex(t.hash, h) != 0)
			fuzz_fail("cannot hash a token");
		nsym_hash_free(h);
		if (s->ops->token_add(s, &t, &id) != 0 || id != (int64_t)i + 1)
			fuzz_fail("token %s got id %lld: %s", t.name, (long long)id,
			          nsym_store_errmsg(s));
		if (tokens[i].revoked && s->ops->token_revoke(s, t.name) != 0)
			fuzz_fail("cannot revoke %s", t.name);
	}
	s->ops->close(s);
}

/* The stores of harnesses that died (a crash skips the exit's cleanup):
 * named for their process, removed once it is gone. */
static void sweep_dead(const char *base)
{
	DIR *d = opendir(base);
	struct dirent *e;
	char path[4096];

	while (d != NULL && (e = readdir(d)) != NULL) {
		long pid;
		if (sscanf(e->d_name, "nsym-fuzz-http-%ld-", &pid) != 1 || pid <= 0 ||
		    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s/%s", base, e->d_name);
		nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	}
	if (d != NULL)
		closedir(d);
}

/* A new store under /dev/shm when it is there (uploads fsync), else TMPDIR. */
static void make_store(void)
{
	const char *tmp = getenv("TMPDIR");
	const char *base = access("/dev/shm", W_OK) == 0   ? "/dev/shm"
	                   : tmp != NULL && tmp[0] != '\0' ? tmp
	                                                   : "/tmp";

	sweep_dead(base);
	snprintf(store, sizeof(store), "%s/nsym-fuzz-http-%ld-XXXXXX", base, (long)getpid());
	if (mkdtemp(store) == NULL)
		fuzz_fail("cannot make a store folder in %s", base);
}

static void start(void)
{
	static bool registered;
	struct nsym_server_config cfg = {.listen = "127.0.0.1:0",
	                                 .threads = 4,
	                                 .head_timeout = 2,
	                                 .request_timeout = 2,
	                                 .max_upload = 1 << 20,
	                                 .max_section = 4 << 20};
	struct nsym_server_start_notes notes;
	const char *address, *colon;
	char err[512];

	make_store();
	add_tokens();
	cfg.store_dir = store;
	if (nsym_server_start(&srv, &notes, &cfg, err, sizeof(err)) != 0)
		fuzz_fail("the server does not start: %s", err);
	address = nsym_server_address(srv);
	colon = strrchr(address, ':');
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)strtoul(colon + 1, NULL, 10));
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fuzz_say("the server listens on %s, store %s", address, store);
	if (!registered)
		atexit(stop);
	registered = true;
	upload_preload();
}

/* ---- the harness ------------------------------------------------------------ */

/*
 * Whether no reply at all is right for the input: when it holds no whole
 * request head, or when its target is not a path. NEEDSWORK: civetweb 1.15
 * closes the connection without a word on "OPTIONS *" and on an absolute
 * target naming another host (a proxy request: "TODO" in its source), and
 * never calls the server for them, so the server cannot answer 400.
 */
static bool silence_allowed(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size, *sp;

	if (memmem(data, size, "\r\n\r\n", 4) == NULL && memmem(data, size, "\n\n", 2) == NULL)
		return true;
	while (p < end && (*p == '\r' || *p == '\n'))
		p++;
	sp = memchr(p, ' ', (size_t)(end - p));
	return sp == NULL || sp + 1 >= end || sp[1] != '/';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char healthz[] = "GET /healthz HTTP/1.1\r\nHost: fuzz\r\n\r\n";
	struct reply r;
	int status;

	if (srv != NULL && inputs % RESET_INPUTS == 0) {
		stop();
		fuzz_say("starting again on an empty store");
	}
	if (srv == NULL)
		start();
	else if (inputs % REFRESH_INPUTS == 0)
		upload_preload();
	inputs++;

	exchange(&r, data, size);
	status = status_of(&r);
	fuzz_say("reply: %zu bytes, status %d: %.200s", r.len, status, r.head);
	if (r.timed_out)
		fuzz_fail(
		    "the server did not close the connection within %d ms (%zu bytes: %.200s)",
		    REPLY_TIMEOUT_MS, r.len, r.head);
	if (r.len == 0 && !silence_allowed(data, size))
		fuzz_fail("no reply to a request for a path");
	if (r.len > 0 && status < 0)
		fuzz_fail("the reply does not start with \"HTTP/1.1 NNN \": %.200s", r.head);
	/* 5xx is the server's fault; 505 refuses the client's HTTP version */
	if (status >= 500 && status != 505)
		fuzz_fail("the server answered %d: %.300s", status, r.head);
	check_error_body(&r, status, data, size);

	exchange(&r, healthz, sizeof(healthz) - 1);
	if (status_of(&r) != 200)
		fuzz_fail("GET /healthz after the input: %.200s",
		          r.timed_out ? "no reply" : r.head);
	return 0;
}
