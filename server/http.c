/*
 * The server's HTTP layer on civetweb: one catch-all handler that checks a
 * request's framing and path, finds the route in nsym_routes, checks the
 * token against the route's scope, runs the handler with its thread's
 * store, and writes the access-log line; and the callbacks through which
 * the watchdog (connections.h) follows each connection.
 */
#include <civetweb.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build_once.h"
#include "connections.h"
#include "http.h"
#include "napi_symbols_util.h"
#include "json_writer.h"
#include "metrics.h"
#include "module_cache.h"
#include "request_head.h"
#include "routes.h"
#include "socket.h"
#include "stored_module.h"
#include "upstream.h"
#include "upstream_cache.h"
#include "symcache_queue.h"

/* A reply up to this size is sent with its head in one send (nsym_reply). */
#define ONE_SEND_MAX (64 * 1024)
/* A request body is read into room for at least this much more, and room
 * for up to RESERVE_AT_ONCE of its declared length is made before it. */
#define READ_AT_LEAST   4096
#define RESERVE_AT_ONCE (1024 * 1024)

struct nsym_server {
	struct mg_context *ctx;
	struct nsym_conns *conns; /* the watchdog's table */
	struct nsym_store *first; /* opened at start, held while serving (server.h) */
	struct nsym_server_config cfg;
	char address[128];
	char store_dir[4096];
	char blobs[2048];
	char cache_dir[4096 + 16];  /* where symcaches are built, and a remote store's copied */
	struct nsym_builds *builds; /* those under way and failed (build_once.h) */
	struct nsym_module_cache *modules;     /* open modules the workers share */
	struct nsym_upstream *upstream;        /* NULL: none (upstream.h) */
	struct nsym_ucache *blob_cache;        /* NULL: none (upstream_cache.h) */
	struct nsym_symcache_queue *symcaches; /* builds on upload (symcache_queue.h) */
};

const struct nsym_server_config *nsym_server_config(const struct nsym_server *srv)
{
	return &srv->cfg;
}

const char *nsym_server_address(const struct nsym_server *srv)
{
	return srv->address;
}

const char *nsym_server_cache_dir(const struct nsym_server *srv)
{
	return srv->cache_dir;
}

struct nsym_upstream *nsym_server_upstream(struct nsym_server *srv)
{
	return srv->upstream;
}

struct nsym_ucache *nsym_server_blob_cache(struct nsym_server *srv)
{
	return srv->blob_cache;
}

struct nsym_builds *nsym_server_builds(struct nsym_server *srv)
{
	return srv->builds;
}

struct nsym_module_cache *nsym_server_modules(struct nsym_server *srv)
{
	return srv->modules;
}

struct nsym_symcache_queue *nsym_server_symcache_queue(struct nsym_server *srv)
{
	return srv->symcaches;
}

/* ---- replies --------------------------------------------------------------- */

bool nsym_closing(const struct nsym_request *r)
{
	return r->close || (r->body && !r->body_read);
}

const char *nsym_status_text(int status)
{
	const char *text = mg_get_response_code_text(NULL, status);
	return text != NULL ? text : "Unknown";
}

int nsym_write(struct nsym_request *r, const void *data, size_t size, bool body)
{
	int n = mg_write(r->conn, data, size);
	if (n < 0 || (size_t)n != size)
		return -1;
	if (body)
		r->bytes += size;
	return 0;
}

void nsym_reply(struct nsym_request *r, int status, const char *content_type,
                const char *extra_headers, const void *body, size_t size)
{
	char head[1024];
	int n = snprintf(head, sizeof(head),
	                 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s%s\r\n",
	                 status, nsym_status_text(status), content_type, size,
	                 nsym_closing(r) ? "Connection: close\r\n" : "",
	                 extra_headers != NULL ? extra_headers : "");
	char *whole;

	r->status = status;
	if (n < 0 || (size_t)n >= sizeof(head))
		return;
	/* A small reply goes out in one send, head and body together: a send
	 * each was a second system call and TCP segment per request, more than
	 * the copy costs (docs/performance.md, "symbolicate route"). */
	if (!r->head && size > 0 && size <= ONE_SEND_MAX &&
	    (whole = malloc((size_t)n + size)) != NULL) {
		memcpy(whole, head, (size_t)n);
		memcpy(whole + n, body, size);
		if (nsym_write(r, whole, (size_t)n + size, false) == 0)
			r->bytes += size;
		free(whole);
		return;
	}
	if (nsym_write(r, head, (size_t)n, false) != 0)
		return;
	if (!r->head && size > 0)
		nsym_write(r, body, size, true);
}

void nsym_reply_json(struct nsym_request *r, int status, struct nsym_buf *b)
{
	if (b->failed)
		nsym_reply_internal(r, NSYM_ENOMEM, "the reply outgrew its buffer");
	else
		nsym_reply(r, status, "application/json", "", b->data, b->len);
	nsym_buf_free(b);
}

void nsym_reply_error(struct nsym_request *r, int status, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof(msg) - 2)
		n = (int)sizeof(msg) - 2;
	/* one line, whatever it quotes of the request or of a file */
	for (int i = 0; i < n; i++)
		msg[i] = (unsigned char)msg[i] < 0x20 || msg[i] == 0x7f ? '?' : msg[i];
	msg[n++] = '\n';
	msg[n] = '\0';
	nsym_reply(r, status, "text/plain; charset=utf-8",
	           status == 401 ? "WWW-Authenticate: Bearer\r\n" : "", msg, (size_t)n);
}

/* Not thread-local: civetweb's worker stacks are small, and glibc carves
 * static TLS out of them, so large __thread buffers stop threads starting. */
#define SEND_CHUNK (256 * 1024)

/* Through civetweb: two copies of every byte (pread, then send). */
static int send_fd_copying(struct nsym_request *r, int fd, uint64_t from, uint64_t count)
{
	size_t cap = count < SEND_CHUNK ? (size_t)count : SEND_CHUNK;
	char *buf = count > 0 ? malloc(cap) : NULL;
	int rc = 0;

	if (count > 0 && buf == NULL)
		return -1;
	while (count > 0 && rc == 0) {
		size_t want = count < cap ? (size_t)count : cap;
		ssize_t got = pread(fd, buf, want, (off_t)from);
		if (got <= 0 || nsym_write(r, buf, (size_t)got, true) != 0)
			rc = -1;
		from += got > 0 ? (uint64_t)got : 0;
		count -= got > 0 ? (uint64_t)got : 0;
	}
	free(buf);
	return rc;
}

int nsym_send_fd(struct nsym_request *r, int fd, uint64_t from, uint64_t count)
{
	int sock = count > 0 ? nsym_request_socket(r->conn) : -1;
	uint64_t sent;
	int rc;

	if (sock < 0)
		return send_fd_copying(r, fd, from, count);
	rc = nsym_sendfile(sock, fd, from, count, r->srv->cfg.request_timeout * 1000, &sent);
	r->bytes += sent;
	return rc;
}

void nsym_body_continue(struct nsym_request *r)
{
	static const char line[] = "HTTP/1.1 100 Continue\r\n\r\n";
	const char *expect = nsym_header(r, "Expect");

	/* RFC 9110 section 10.1.1: never to an HTTP/1.0 client */
	if (r->continued || expect == NULL || strcasecmp(expect, "100-continue") != 0 ||
	    strcmp(r->ri->http_version, "1.1") != 0)
		return;
	r->continued = true;
	nsym_write(r, line, sizeof(line) - 1, false);
}

int nsym_read_body(struct nsym_request *r, struct nsym_buf *out, size_t max)
{
	long long declared = r->ri->content_length;
	bool too_big = declared > 0 && (unsigned long long)declared > max;
	size_t room, want;
	char extra;
	int n = 0;

	if (!too_big)
		nsym_body_continue(r);
	nsym_buf_init(out, max);
	/* The room a declared length asks for, at once, up to RESERVE_AT_ONCE
	 * (a client that declares much and sends little holds no more):
	 * growing by doubling was a large allocation, and glibc's
	 * malloc_consolidate, per step. The body is read straight into it. */
	want = declared > 0 && !too_big ? (size_t)declared : 0;
	nsym_buf_reserve(out, want < RESERVE_AT_ONCE ? want : RESERVE_AT_ONCE);
	while (!too_big && !out->failed) {
		if (out->len == max) { /* a byte more says it is over the limit */
			too_big = (n = mg_read(r->conn, &extra, 1)) > 0;
			break;
		}
		want = max - out->len < READ_AT_LEAST ? max - out->len : READ_AT_LEAST;
		if (!nsym_buf_reserve(out, want))
			break;
		room = out->cap - out->len - 1;
		if ((n = mg_read(r->conn, out->data + out->len,
		                 room < max - out->len ? room : max - out->len)) <= 0)
			break;
		out->len += (size_t)n;
		out->data[out->len] = '\0';
	}
	if (too_big)
		nsym_reply_error(r, 413, "the body exceeds the limit of %zu bytes", max);
	else if (out->failed)
		nsym_reply_internal(r, NSYM_ENOMEM, "out of memory reading a request body");
	else if (n < 0 || (declared >= 0 && out->len != (size_t)declared))
		nsym_reply_error(r, 400, "the body ended after %zu of %lld bytes", out->len,
		                 declared);
	else {
		r->body_read = true;
		return 0;
	}
	nsym_buf_free(out);
	return -1;
}

const char *nsym_header(const struct nsym_request *r, const char *name)
{
	return mg_get_header(r->conn, name);
}

int nsym_query(const struct nsym_request *r, const char *name, char *out, size_t size)
{
	const char *q = r->ri->query_string;
	if (q == NULL || mg_get_var(q, strlen(q), name, out, size) < 0)
		return -1;
	return 0;
}

/* ---- dispatch -------------------------------------------------------------- */

static bool method_allowed(const struct nsym_route *route, const char *method)
{
	size_t n = strlen(method);
	for (const char *m = route->methods; (m = strstr(m, method)) != NULL; m += n) {
		if ((m == route->methods || m[-1] == ' ') && (m[n] == ' ' || m[n] == '\0'))
			return true;
	}
	return false;
}

static bool path_matches(const struct nsym_route *rt, const char *path)
{
	return rt->exact ? strcmp(path, rt->prefix) == 0
	                 : strncmp(path, rt->prefix, strlen(rt->prefix)) == 0;
}

/* The first route for the path that takes the method; else the first for
 * the path (answered 405), so one path may have a route per scope. */
static int find_route(const char *path, const char *method)
{
	int first = -1;

	for (int i = 0; nsym_routes[i].prefix != NULL; i++) {
		if (!path_matches(&nsym_routes[i], path))
			continue;
		if (method_allowed(&nsym_routes[i], method))
			return i;
		if (first < 0)
			first = i;
	}
	return first;
}

/* "Allow: GET, HEAD, DELETE": every method the routes for this path
 * with the same prefix take. */
static void allow_header(char *out, size_t size, const struct nsym_route *rt)
{
	size_t n = (size_t)snprintf(out, size, "Allow:");

	for (int i = 0; nsym_routes[i].prefix != NULL && n < size; i++) {
		const char *m = nsym_routes[i].methods;
		if (strcmp(nsym_routes[i].prefix, rt->prefix) != 0)
			continue;
		while (*m != '\0' && n < size) {
			size_t len = strcspn(m, " ");
			n += (size_t)snprintf(out + n, size - n, "%s %.*s", n > 6 ? "," : "",
			                      (int)len, m);
			m += len + (m[len] == ' ');
		}
	}
	if (n < size)
		snprintf(out + n, size - n, "\r\n");
}

/* 0 when the request may go on; otherwise the reply was sent. */
static int authorize(struct nsym_request *r, enum nsym_scope need)
{
	const char *auth = nsym_header(r, "Authorization");

	if (auth != NULL && strncasecmp(auth, "Bearer ", 7) == 0) {
		int rc = nsym_token_check(r->store, &r->scope, r->token_name, sizeof(r->token_name),
		                          auth + 7);
		/* a store that cannot answer says nothing of the token: 503, not
		 * a 401 that a client would take as its token revoked */
		if (rc != 0 && rc != NSYM_ENOENT) {
			nsym_reply_internal(r, rc, nsym_store_errmsg(r->store));
			return -1;
		}
		if (rc != 0) {
			nsym_reply_error(r, 401, "invalid or revoked token");
			return -1;
		}
	}
	if (need == NSYM_SCOPE_NONE || (need == NSYM_SCOPE_READ && !r->srv->cfg.read_token))
		return 0;
	if (r->scope == NSYM_SCOPE_NONE) {
		nsym_reply_error(r, 401, "this needs a token: Authorization: Bearer TOKEN");
		return -1;
	}
	if (r->scope < need) {
		nsym_reply_error(r, 403, "the token '%s' has the %s scope; this needs %s",
		                 r->token_name, nsym_scope_name(r->scope), nsym_scope_name(need));
		return -1;
	}
	return 0;
}

/* A request path as one printable word: a client controls it, and a raw
 * newline or space in it would forge or split access-log lines. */
static void printable(char *out, size_t size, const char *s)
{
	size_t n = 0;

	for (; *s != '\0' && n + 5 < size; s++) {
		unsigned char c = (unsigned char)*s;
		if (c > 0x20 && c < 0x7f && c != '\\') {
			out[n++] = (char)c;
			continue;
		}
		out[n++] = '\\';
		out[n++] = 'x';
		nsym_hex(out + n, &c, 1, false);
		n += 2;
	}
	out[n] = '\0';
}

static void log_request(const struct nsym_request *r, double ms)
{
	const char *token = r->token_name[0] != '\0' ? r->token_name : "-";
	char when[32], path[1024];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (r->srv->cfg.log_json) {
		struct nsym_buf b;
		nsym_buf_init(&b, 8192);
		nsym_buf_printf(&b, "{\"time\": \"%s\", \"method\": ", when);
		nsym_buf_json_string(&b, r->ri->request_method);
		nsym_buf_printf(&b, ", \"path\": ");
		nsym_buf_json_string(&b, r->path);
		nsym_buf_printf(&b, ", \"status\": %d, \"bytes\": %llu, \"ms\": %.1f, \"token\": ",
		                r->status, (unsigned long long)r->bytes, ms);
		nsym_buf_json_string(&b, token);
		nsym_buf_printf(&b, "}\n");
		if (!b.failed)
			fwrite(b.data, 1, b.len, stderr);
		nsym_buf_free(&b);
		return;
	}
	printable(path, sizeof(path), r->path);
	fprintf(stderr, "%s %s %s %d %llu %.1fms %s\n", when, r->ri->request_method, path,
	        r->status, (unsigned long long)r->bytes, ms, token);
}

static void route_request(struct nsym_request *r)
{
	const struct nsym_route *rt;

	r->route = find_route(r->path, r->ri->request_method);
	if (r->route < 0) {
		nsym_reply_error(r, 404, "no such endpoint: %s", r->path);
		return;
	}
	rt = &nsym_routes[r->route];
	if (!method_allowed(rt, r->ri->request_method)) {
		char allow[128];
		allow_header(allow, sizeof(allow), rt);
		nsym_reply(r, 405, "text/plain", allow, "method not allowed\n", 19);
		return;
	}
	r->rest = r->path + strlen(rt->prefix);
	/* Every route that takes a POST reads a body, whose end must be known:
	 * an HTTP/1.0 client's would otherwise end only with the connection,
	 * and civetweb would read it as empty. */
	if (strcmp(r->ri->request_method, "POST") == 0 && r->ri->content_length < 0 &&
	    !r->chunked) {
		r->close = true;
		nsym_reply_error(r, 411, "a POST needs a Content-Length (or chunked encoding)");
		return;
	}
	if (authorize(r, rt->need) == 0)
		rt->handler(r);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int dispatch(struct mg_connection *conn, void *data)
{
	struct nsym_request r = {.conn = conn, .srv = data, .route = -1};
	double start = now_ms();
	char *path = NULL, *sent = NULL;

	r.ri = mg_get_request_info(conn);
	r.store = mg_get_thread_pointer(conn);
	r.path = r.ri->local_uri != NULL ? r.ri->local_uri : "/";
	r.head = strcmp(r.ri->request_method, "HEAD") == 0;
	if (nsym_check_framing(&r) != 0 || nsym_decode_paths(&r, &path, &sent) != 0)
		; /* answered */
	else if (r.store == NULL)
		nsym_reply_error(&r, 503, "the store could not be opened; see the server log");
	else
		route_request(&r);
	if (nsym_closing(&r))
		mg_disable_connection_keep_alive(conn);
	nsym_metrics_request(r.route >= 0 ? nsym_routes[r.route].name : "other", r.status, r.bytes);
	log_request(&r, now_ms() - start);
	/* a body read to its end leaves the client nothing to send that a
	 * close would answer with a reset: no linger, and no search for the
	 * socket it needs (a scan of /proc/self/fd, a third of a small
	 * request's time) */
	if (nsym_closing(&r) && !r.body_read)
		nsym_request_linger(conn);
	free(path);
	free(sent);
	return r.status > 0 ? r.status : 500;
}

/* ---- threads and lifetime ---------------------------------------------------- */

static void *init_thread(const struct mg_context *ctx, int thread_type)
{
	struct nsym_server *srv = mg_get_user_data(ctx);
	struct nsym_store *store = NULL;
	char err[512];

	if (thread_type != 1) /* only workers serve requests */
		return NULL;
	if (nsym_store_open(&store, srv->store_dir, srv->cfg.blobs, NSYM_STORE_LAZY, err,
	                    sizeof(err)) != 0)
		fprintf(stderr, "napi-symbols serve: %s\n", err);
	return store;
}

static void exit_thread(const struct mg_context *ctx, int thread_type, void *store)
{
	(void)ctx;
	(void)thread_type;
	if (store != NULL)
		((struct nsym_store *)store)->ops->close(store);
}

/* The watchdog follows each connection through these four (see
 * connections.c): a worker took it, a head came, a reply went, it closes. */
static struct nsym_conns *conns_of(const struct mg_connection *conn)
{
	return ((struct nsym_server *)mg_get_user_data(mg_get_context(conn)))->conns;
}

static int init_connection(const struct mg_connection *conn, void **conn_data)
{
	*conn_data = nsym_conn_open(conns_of(conn), conn);
	return 0;
}

static int begin_request(struct mg_connection *conn)
{
	nsym_conn_busy(mg_get_user_connection_data(conn));
	return 0; /* civetweb goes on to dispatch() */
}

/*
 * Every request is authorized here, for dispatch() to check its token:
 * without a handler civetweb looks for .htpasswd files on each request
 * (a stat of the path), which this server never uses. */
static int authorized(struct mg_connection *conn, void *cbdata)
{
	(void)conn;
	(void)cbdata;
	return 1;
}

static void end_request(const struct mg_connection *conn, int status)
{
	(void)status;
	nsym_conn_idle(mg_get_user_connection_data(conn));
}

static void connection_close(const struct mg_connection *conn)
{
	nsym_conn_close(mg_get_user_connection_data(conn));
}

/*
 * A request civetweb refuses before the server sees it (a request line or
 * header it cannot parse, an HTTP version other than 1.0 and 1.1, a head
 * over its buffer): answered like the server's other errors, HTTP/1.1 and
 * one line of text/plain, and counted. civetweb's own reply put the
 * client's version word into its status line ("HTTP/fuzz 400") and came
 * as HTML. The message is civetweb's, which may quote the request.
 * civetweb closes the connection afterwards. Returns 0: handled.
 */
static int http_error(struct mg_connection *conn, int status, const char *message)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);
	bool head =
	    ri != NULL && ri->request_method != NULL && strcmp(ri->request_method, "HEAD") == 0;
	char body[256], reply[512];
	size_t n = 0;
	int len;

	for (const char *c = message != NULL ? message : ""; *c != '\0' && n + 2 < sizeof(body);
	     c++)
		body[n++] = (unsigned char)*c < 0x20 || *c == 0x7f ? '?' : *c;
	body[n++] = '\n';
	len = snprintf(reply, sizeof(reply),
	               "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
	               "Content-Length: %zu\r\nConnection: close\r\n\r\n%.*s",
	               status, nsym_status_text(status), n, head ? 0 : (int)n, body);
	if (len > 0)
		mg_write(conn, reply,
		         (size_t)len < sizeof(reply) ? (size_t)len : sizeof(reply) - 1);
	nsym_metrics_request("other", status, 0);
	return 0;
}

static int log_message(const struct mg_connection *conn, const char *message)
{
	(void)conn;
	fprintf(stderr, "napi-symbols serve: %s\n", message);
	return 1;
}

/* The address as asked for, with the port the system gave for port 0. */
static void read_back_address(struct nsym_server *srv, const char *listen)
{
	struct mg_server_port ports[4];
	int n = mg_get_server_ports(srv->ctx, 4, ports);
	const char *colon = strrchr(listen, ':');
	int host_len = colon != NULL ? (int)(colon - listen) : 0;

	snprintf(srv->address, sizeof(srv->address), "%.*s:%d", host_len, listen,
	         n > 0 ? ports[0].port : 0);
}

/* The store opened before any worker: its migrations run once, and what an
 * earlier run left is swept (notes). */
static int open_first_store(struct nsym_server *srv, struct nsym_server_start_notes *notes,
                            char *err, size_t err_size)
{
	struct nsym_sweep swept = {0};

	memset(notes, 0, sizeof(*notes));
	if (nsym_store_open(&srv->first, srv->store_dir, srv->cfg.blobs, 0, err, err_size) != 0)
		return NSYM_EIO;
	if (nsym_store_sweep(&swept, srv->first) != 0)
		snprintf(notes->sweep_error, sizeof(notes->sweep_error), "%s",
		         nsym_store_errmsg(srv->first));
	notes->uploads_swept = swept.uploads;
	notes->blobs_swept = swept.blobs;
	return 0;
}

/* Files of symcache builds (symcache_build.c names them build-PID-...)
 * whose process is gone: a server killed during a build left them. Those
 * of live processes are left alone: servers of the scaled store on one
 * machine share the folder. Nothing here is ever served: a build's result
 * is read only once complete. */
static void sweep_builds(const char *cache_dir)
{
	DIR *d = opendir(cache_dir);
	struct dirent *e;

	while (d != NULL && (e = readdir(d)) != NULL) {
		char path[4096 + 300];
		long pid;
		if (sscanf(e->d_name, "build-%ld-", &pid) != 1 || pid <= 0 ||
		    pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s/%s", cache_dir, e->d_name);
		unlink(path);
	}
	if (d != NULL)
		closedir(d);
}

/* The scaled store's blobs kept on this machine as they are streamed
 * ($TMPDIR/napi-symbols-blobs, beside the symcaches): a blob is immutable
 * under its hash, so a copy checked against it answers as the storage
 * would, at the cost of a local file instead of a round trip to the
 * storage per request (bench/server.sh --scaled measured small downloads
 * at 3% of the embedded store's rate, most of it radosgw's CPU). None for
 * the embedded store, whose blobs are local, or with redirected reads,
 * where the server sends no bytes. A folder that cannot be made is
 * logged, and blobs are streamed as without one. */
static void open_blob_cache(struct nsym_server *srv)
{
	const char *tmp = getenv("TMPDIR");
	char dir[4096 + 16], why[300];

	if (!nsym_store_is_scaled(srv->store_dir) || srv->cfg.redirect_reads ||
	    srv->cfg.blob_cache_size == 0)
		return;
	snprintf(dir, sizeof(dir), "%.4000s/napi-symbols-blobs",
	         tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if (nsym_ucache_open(&srv->blob_cache, dir, srv->cfg.blob_cache_size, why, sizeof(why)) !=
	    0)
		fprintf(stderr, "napi-symbols serve: %s; blobs are not kept on this machine\n",
		        why);
}

/* DIR/symcache, where symcaches are built before they go into the store;
 * with the scaled store, whose name is a URL,
 * $TMPDIR/napi-symbols-symcache on this machine, which also keeps local
 * copies of the symcaches the store holds. A folder that cannot be
 * made is said in the log and the server starts: every build then fails,
 * is remembered and logged, and the debug files answer. Then the table of
 * builds and the upload queue. 0, NSYM_ENOMEM or NSYM_EIO. */
static int open_cache(struct nsym_server *srv, char *err, size_t err_size)
{
	const char *tmp = getenv("TMPDIR");
	int rc;

	if (nsym_store_is_scaled(srv->store_dir))
		snprintf(srv->cache_dir, sizeof(srv->cache_dir), "%.4000s/napi-symbols-symcache",
		         tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	else
		snprintf(srv->cache_dir, sizeof(srv->cache_dir), "%s/symcache", srv->store_dir);
	if (mkdir(srv->cache_dir, 0755) != 0 && errno != EEXIST)
		fprintf(stderr, "napi-symbols serve: cannot make %s: %s; symcaches are not kept\n",
		        srv->cache_dir, strerror(errno));
	sweep_builds(srv->cache_dir);
	/* what is opened here before a failure is closed by close_parts() */
	if (nsym_builds_new(&srv->builds, NSYM_SYMCACHE_RETRY_SECONDS) != 0 ||
	    nsym_module_cache_new(&srv->modules, (size_t)srv->cfg.open_modules,
	                          NSYM_MODULE_TTL_SECONDS, NSYM_NO_SYMBOLS_TTL_SECONDS) != 0) {
		snprintf(err, err_size, "out of memory");
		return NSYM_ENOMEM;
	}
	rc = nsym_symcache_queue_start(&srv->symcaches, srv->store_dir, srv->cfg.blobs, srv->builds,
	                               srv->cache_dir, srv->cfg.symcache_queue, err, err_size);
	if (rc == 0)
		open_blob_cache(srv);
	return rc;
}

/* The upstream servers, caching into STORE/upstream, or with the scaled
 * store $TMPDIR/napi-symbols-upstream on this machine, as the symcaches.
 * 0, or a code with why in err. */
static int open_upstream(struct nsym_server *srv, const char *urls, char *err, size_t err_size)
{
	const char *tmp = getenv("TMPDIR");
	char dir[4096 + 16];

	if (nsym_store_is_scaled(srv->store_dir))
		snprintf(dir, sizeof(dir), "%.4000s/napi-symbols-upstream",
		         tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	else
		snprintf(dir, sizeof(dir), "%s/upstream", srv->store_dir);
	return nsym_upstream_new(&srv->upstream, urls, dir, srv->cfg.upstream_cache_size,
	                         srv->cfg.upstream_miss_seconds, srv->cfg.request_timeout, err,
	                         err_size);
}

/* What nsym_server_start opened, closed and freed with srv; any part may
 * be missing, from a start that failed part way. */
static void close_parts(struct nsym_server *srv)
{
	if (srv == NULL)
		return;
	nsym_conns_stop(srv->conns);
	/* no upload adds to it now; a build under way is let finish */
	nsym_symcache_queue_stop(srv->symcaches);
	if (srv->first != NULL)
		srv->first->ops->close(srv->first);
	nsym_builds_free(srv->builds);
	nsym_module_cache_free(srv->modules);
	nsym_upstream_free(srv->upstream);
	nsym_ucache_close(srv->blob_cache);
	free(srv);
}

int nsym_server_start(struct nsym_server **out, struct nsym_server_start_notes *notes,
                      const struct nsym_server_config *cfg, char *err, size_t err_size)
{
	struct nsym_server *srv = calloc(1, sizeof(*srv));
	struct mg_callbacks cb = {.init_thread = init_thread,
	                          .exit_thread = exit_thread,
	                          .init_connection = init_connection,
	                          .begin_request = begin_request,
	                          .end_request = end_request,
	                          .connection_close = connection_close,
	                          .http_error = http_error,
	                          .log_message = log_message};
	char threads[16], timeout[24];
	int rc;
	/* tcp_nodelay: headers and body go out in separate writes, and Nagle's
	 * algorithm held every small reply back 40 ms for the peer's ACK.
	 * request_timeout_ms bounds a stalled body or reply (and a head, which
	 * the watchdog bounds sooner); keep_alive_timeout_ms the wait for the
	 * next head on a kept connection, civetweb's default written out.
	 * decode_url: dispatch() decodes the path itself (decode_path). */
	const char *options[] = {"listening_ports",
	                         cfg->listen,
	                         "num_threads",
	                         threads,
	                         "enable_keep_alive",
	                         "yes",
	                         "keep_alive_timeout_ms",
	                         "500",
	                         "request_timeout_ms",
	                         timeout,
	                         "tcp_nodelay",
	                         "1",
	                         "decode_url",
	                         "no",
	                         NULL};
	int head_timeout =
	    cfg->head_timeout < cfg->request_timeout ? cfg->head_timeout : cfg->request_timeout;

	*out = NULL;
	if (srv == NULL || nsym_conns_start(&srv->conns, cfg->threads, head_timeout * 1000) != 0) {
		snprintf(err, err_size, "out of memory, or no thread for the watchdog");
		close_parts(srv);
		return NSYM_ENOMEM;
	}
	srv->cfg = *cfg;
	snprintf(srv->store_dir, sizeof(srv->store_dir), "%s", cfg->store_dir);
	srv->cfg.store_dir = srv->store_dir;
	if (cfg->blobs != NULL) {
		snprintf(srv->blobs, sizeof(srv->blobs), "%s", cfg->blobs);
		srv->cfg.blobs = srv->blobs;
	}
	if (open_first_store(srv, notes, err, err_size) != 0) {
		close_parts(srv);
		return NSYM_EIO;
	}
	if ((rc = open_cache(srv, err, err_size)) != 0) {
		close_parts(srv);
		return rc;
	}
	srv->cfg.upstreams = NULL; /* the caller's string may go: parsed here */
	if (open_upstream(srv, cfg->upstreams, err, err_size) != 0) {
		close_parts(srv);
		return NSYM_EINVAL;
	}
	snprintf(threads, sizeof(threads), "%d", cfg->threads);
	snprintf(timeout, sizeof(timeout), "%d", cfg->request_timeout * 1000);
	mg_init_library(0);
	srv->ctx = mg_start(&cb, srv, options);
	if (srv->ctx == NULL) {
		snprintf(err, err_size, "cannot listen on %s (in use, or not an address here?)",
		         cfg->listen);
		close_parts(srv);
		return NSYM_EIO;
	}
	mg_set_request_handler(srv->ctx, "/", dispatch, srv);
	mg_set_auth_handler(srv->ctx, "/", authorized, NULL);
	read_back_address(srv, cfg->listen);
	srv->cfg.listen = srv->address; /* the caller's string may go */
	*out = srv;
	return 0;
}

void nsym_server_stop(struct nsym_server *srv)
{
	if (srv == NULL)
		return;
	mg_stop(srv->ctx); /* waits for the workers, whose exit closes the stores */
	close_parts(srv);
}
