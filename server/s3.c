/*
 * The S3 client of s3.h on libcurl: path-style URLs (ENDPOINT/BUCKET/KEY,
 * which every S3-compatible storage takes), each request signed by curl's
 * SigV4 with the payload declared unsigned (x-amz-content-sha256:
 * UNSIGNED-PAYLOAD), so that a body is streamed from its file, never
 * hashed twice or held in memory. One easy handle per client keeps the
 * connection open between requests. Replies are read for their status,
 * the few headers that matter (ETag, Content-Range, Content-Length) and,
 * for errors and the XML of multipart uploads and listings, a body held
 * to REPLY_MAX.
 */
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "napi_symbols.h"
#include "s3.h"
#include "sigv4.h"

/* A reply body kept for its XML or its error: listings of 1000 keys are
 * about 300 KB. */
#define REPLY_MAX (4u << 20)
#define PART_MIN  ((uint64_t)5 << 20) /* S3's smallest part but the last */
#define PART_MAX  10000               /* S3's most parts in one upload */

struct nsym_s3 {
	CURL *curl;
	char bucket[64];
	char prefix[256];
	char endpoint[512];
	char presign_endpoint[512];
	char region[64];
	char key_id[256];
	char secret[256];
	char session_token[2048];
	char sigv4[128]; /* curl's "aws:amz:REGION:s3" */
	uint64_t part_size;
	int delete_grace;
	char err[512];
};

static int fail(struct nsym_s3 *s3, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct nsym_s3 *s3, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s3->err, sizeof(s3->err), fmt, ap);
	va_end(ap);
	return code;
}

int nsym_s3_delete_grace(const struct nsym_s3 *s3)
{
	return s3->delete_grace;
}

const char *nsym_s3_error(const struct nsym_s3 *s3)
{
	return s3->err;
}

/* ---- opening ------------------------------------------------------------- */

static int parse_size(uint64_t *out, const char *text)
{
	char *end;
	unsigned long long v = strtoull(text, &end, 10);
	int shift = *end == 'K' ? 10 : *end == 'M' ? 20 : *end == 'G' ? 30 : 0;

	if (end == text || text[0] == '-' || (shift > 0 && end[1] != '\0') ||
	    (shift == 0 && *end != '\0') || v > (UINT64_MAX >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

/* A secret from the variable `name`, or from the file `name`_FILE names
 * (its first line). 0, 1 when neither is set, -1 when the file cannot be
 * read. */
static int secret_from_env(char *out, size_t size, const char *name)
{
	char file_var[64];
	const char *v = getenv(name), *path;
	FILE *f;

	if (v != NULL && v[0] != '\0') {
		snprintf(out, size, "%s", v);
		return 0;
	}
	snprintf(file_var, sizeof(file_var), "%s_FILE", name);
	if ((path = getenv(file_var)) == NULL || path[0] == '\0')
		return 1;
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	if (fgets(out, (int)size, f) == NULL)
		out[0] = '\0';
	fclose(f);
	out[strcspn(out, "\r\n")] = '\0';
	return out[0] != '\0' ? 0 : -1;
}

/* "name=value" pairs of the URL's query into s3; 0 or -1 with err set. */
static int read_query(struct nsym_s3 *s3, const char *q, char *err, size_t err_size)
{
	while (q != NULL && *q != '\0') {
		size_t len = strcspn(q, "&"), eq = strcspn(q, "=");
		char name[32], value[512];

		if (eq >= len || eq >= sizeof(name) || len - eq - 1 >= sizeof(value)) {
			snprintf(err, err_size, "blobs URL: expected name=value in its query");
			return -1;
		}
		snprintf(name, sizeof(name), "%.*s", (int)eq, q);
		snprintf(value, sizeof(value), "%.*s", (int)(len - eq - 1), q + eq + 1);
		if (strcmp(name, "endpoint") == 0)
			snprintf(s3->endpoint, sizeof(s3->endpoint), "%s", value);
		else if (strcmp(name, "presign_endpoint") == 0)
			snprintf(s3->presign_endpoint, sizeof(s3->presign_endpoint), "%s", value);
		else if (strcmp(name, "region") == 0)
			snprintf(s3->region, sizeof(s3->region), "%.63s", value);
		else if (strcmp(name, "part_size") == 0) {
			if (parse_size(&s3->part_size, value) != 0 || s3->part_size < PART_MIN) {
				snprintf(err, err_size,
				         "blobs URL: part_size is a size of at least 5M, not '%s'",
				         value);
				return -1;
			}
		} else if (strcmp(name, "delete_grace") == 0) {
			char *end;
			long v = strtol(value, &end, 10);
			if (end == value || *end != '\0' || v < 0 || v > 86400) {
				snprintf(err, err_size,
				         "blobs URL: delete_grace is 0 to 86400 seconds, not '%s'",
				         value);
				return -1;
			}
			s3->delete_grace = (int)v;
		} else {
			snprintf(err, err_size,
			         "blobs URL: unknown setting '%s' (endpoint, region, part_size, "
			         "presign_endpoint, delete_grace)",
			         name);
			return -1;
		}
		q += len + (q[len] == '&');
	}
	return 0;
}

/* s3://BUCKET[/PREFIX][?QUERY] into s3; 0 or -1 with err set. */
static int parse_url(struct nsym_s3 *s3, const char *url, char *err, size_t err_size)
{
	const char *p = url + 5, *q = strchr(url, '?');
	size_t bucket_len = strcspn(p, "/?"), prefix_len;

	if (strncmp(url, "s3://", 5) != 0 || bucket_len == 0 || bucket_len >= sizeof(s3->bucket)) {
		snprintf(err, err_size, "blobs URL: expected s3://BUCKET[/PREFIX]?endpoint=URL");
		return -1;
	}
	snprintf(s3->bucket, sizeof(s3->bucket), "%.*s", (int)bucket_len, p);
	p += bucket_len;
	p += *p == '/';
	prefix_len = strcspn(p, "?");
	if (prefix_len + 2 >= sizeof(s3->prefix)) {
		snprintf(err, err_size, "blobs URL: the prefix is too long");
		return -1;
	}
	/* a prefix is a folder: "p/" */
	snprintf(s3->prefix, sizeof(s3->prefix), "%.*s%s", (int)prefix_len, p,
	         prefix_len > 0 && p[prefix_len - 1] != '/' ? "/" : "");
	snprintf(s3->region, sizeof(s3->region), "us-east-1");
	if (read_query(s3, q != NULL ? q + 1 : NULL, err, err_size) != 0)
		return -1;
	if (s3->endpoint[0] == '\0')
		snprintf(s3->endpoint, sizeof(s3->endpoint), "https://s3.%s.amazonaws.com",
		         s3->region);
	s3->endpoint[strcspn(s3->endpoint, "?")] = '\0';
	while (strlen(s3->endpoint) > 0 && s3->endpoint[strlen(s3->endpoint) - 1] == '/')
		s3->endpoint[strlen(s3->endpoint) - 1] = '\0';
	if (strncmp(s3->endpoint, "http://", 7) != 0 && strncmp(s3->endpoint, "https://", 8) != 0) {
		snprintf(err, err_size, "blobs URL: the endpoint is an http:// or https:// URL");
		return -1;
	}
	if (s3->presign_endpoint[0] == '\0')
		snprintf(s3->presign_endpoint, sizeof(s3->presign_endpoint), "%s", s3->endpoint);
	return 0;
}

/* libcurl's global state, made once before any handle: the first
 * curl_easy_init would make it otherwise, and worker threads open their
 * stores at once. */
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result = CURLE_FAILED_INIT;

static void init_curl(void)
{
	curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int nsym_s3_open(struct nsym_s3 **out, const char *url, char *err, size_t err_size)
{
	struct nsym_s3 *s3 = calloc(1, sizeof(*s3));
	int id, secret;

	*out = NULL;
	if (s3 == NULL) {
		snprintf(err, err_size, "out of memory");
		return NSYM_ENOMEM;
	}
	s3->part_size = (uint64_t)16 << 20;
	s3->delete_grace = 60;
	if (parse_url(s3, url, err, err_size) != 0) {
		free(s3);
		return NSYM_EINVAL;
	}
	id = secret_from_env(s3->key_id, sizeof(s3->key_id), "AWS_ACCESS_KEY_ID");
	secret = secret_from_env(s3->secret, sizeof(s3->secret), "AWS_SECRET_ACCESS_KEY");
	if (id != 0 || secret != 0) {
		snprintf(err, err_size,
		         "no credentials for the blob storage: set AWS_ACCESS_KEY_ID and "
		         "AWS_SECRET_ACCESS_KEY (or AWS_ACCESS_KEY_ID_FILE and "
		         "AWS_SECRET_ACCESS_KEY_FILE naming files that hold them)%s",
		         id < 0 || secret < 0 ? "; a file named there cannot be read" : "");
		nsym_s3_close(s3);
		return NSYM_EINVAL;
	}
	secret_from_env(s3->session_token, sizeof(s3->session_token), "AWS_SESSION_TOKEN");
	snprintf(s3->sigv4, sizeof(s3->sigv4), "aws:amz:%s:s3", s3->region);
	pthread_once(&curl_once, init_curl);
	if (curl_init_result != CURLE_OK || (s3->curl = curl_easy_init()) == NULL) {
		snprintf(err, err_size, "out of memory starting an HTTP client");
		nsym_s3_close(s3);
		return NSYM_ENOMEM;
	}
	*out = s3;
	return 0;
}

void nsym_s3_close(struct nsym_s3 *s3)
{
	if (s3 == NULL)
		return;
	if (s3->curl != NULL)
		curl_easy_cleanup(s3->curl);
	/* the secrets go with the memory they were in */
	memset(s3->secret, 0, sizeof(s3->secret));
	memset(s3->session_token, 0, sizeof(s3->session_token));
	free(s3);
}

void nsym_s3_key(char *out, size_t size, const struct nsym_s3 *s3, const char *name)
{
	snprintf(out, size, "%s%s", s3->prefix, name);
}

/* ---- one request ----------------------------------------------------------- */

struct call {
	const char *method; /* GET, HEAD, PUT, POST, DELETE */
	const char *key;    /* the object, or NULL for the bucket */
	const char *query;  /* encoded, sorted by name, or NULL */
	const char *range;  /* "bytes=A-B", or NULL */
	/* a PUT's body: bytes [offset, offset + length) of fd */
	int fd;
	uint64_t offset, length, sent;
	/* a POST's body */
	const char *body;
	size_t body_len;
	/* the reply */
	long status;
	char etag[128];
	char content_range[128];
	uint64_t content_length;
	char *reply; /* the body when no sink takes it, at most REPLY_MAX */
	size_t reply_len;
	bool reply_cut;
	/* a GET's bytes go here, when set */
	const struct nsym_s3_sink *sink;
	uint64_t want; /* bytes the sink is to get */
	uint64_t got;
	bool begun;
	int sink_rc;  /* the code a sink callback stopped the transfer with */
	CURL *handle; /* whose status the write callback reads */
};

static size_t on_header(char *line, size_t size, size_t n, void *arg)
{
	struct call *c = arg;
	size_t len = size * n, name;
	char value[128];

	if (len > 5 && strncmp(line, "HTTP/", 5) == 0) { /* a new reply (after a 100) */
		c->etag[0] = c->content_range[0] = '\0';
		c->content_length = 0;
		return len;
	}
	name = strcspn(line, ":");
	if (name >= len)
		return len;
	snprintf(value, sizeof(value), "%.*s", (int)(len - name - 1), line + name + 1);
	value[strcspn(value, "\r\n")] = '\0';
	memmove(value, value + strspn(value, " \t"), strlen(value + strspn(value, " \t")) + 1);
	if (name == 4 && strncasecmp(line, "ETag", 4) == 0)
		snprintf(c->etag, sizeof(c->etag), "%s", value);
	else if (name == 13 && strncasecmp(line, "Content-Range", 13) == 0)
		snprintf(c->content_range, sizeof(c->content_range), "%s", value);
	else if (name == 14 && strncasecmp(line, "Content-Length", 14) == 0)
		c->content_length = strtoull(value, NULL, 10);
	return len;
}

static bool keep_reply(struct call *c, const char *data, size_t len)
{
	size_t room = REPLY_MAX - c->reply_len;
	char *grown;

	if (len > room) {
		c->reply_cut = true;
		len = room;
	}
	if (len == 0)
		return true;
	grown = realloc(c->reply, c->reply_len + len + 1);
	if (grown == NULL)
		return false;
	c->reply = grown;
	memcpy(c->reply + c->reply_len, data, len);
	c->reply_len += len;
	c->reply[c->reply_len] = '\0';
	return true;
}

/* The object's whole size from a 206's Content-Range ("bytes A-B/TOTAL")
 * or a 200's Content-Length. */
static uint64_t total_size(const struct call *c)
{
	const char *slash = strchr(c->content_range, '/');
	return c->status == 206 && slash != NULL ? strtoull(slash + 1, NULL, 10)
	                                         : c->content_length;
}

static size_t on_data(char *data, size_t size, size_t n, void *arg)
{
	struct call *c = arg;
	size_t len = size * n;

	if (c->sink == NULL || (c->status != 200 && c->status != 206))
		return keep_reply(c, data, len) ? len : 0;
	if (!c->begun) {
		c->begun = true;
		if ((c->sink_rc = c->sink->begin(c->sink->arg, total_size(c))) != 0)
			return 0;
	}
	if (len > c->want - c->got) { /* more than asked for: a storage that ignored Range */
		c->sink_rc = NSYM_EIO;
		return 0;
	}
	c->got += len;
	if ((c->sink_rc = c->sink->data(c->sink->arg, data, len)) != 0)
		return 0;
	return len;
}

/* CURLOPT_HEADERFUNCTION sees the status line; the write callback asks
 * curl for the code, which it knows by then. */
static size_t on_data_status(char *data, size_t size, size_t n, void *arg);

static size_t on_read(char *buf, size_t size, size_t n, void *arg)
{
	struct call *c = arg;
	size_t want = size * n;
	ssize_t got;

	if (want > c->length - c->sent)
		want = (size_t)(c->length - c->sent);
	if (want == 0)
		return 0;
	got = pread(c->fd, buf, want, (off_t)(c->offset + c->sent));
	if (got <= 0)
		return CURL_READFUNC_ABORT;
	c->sent += (uint64_t)got;
	return (size_t)got;
}

/* "<Code>…</Code>" of an S3 error reply, or "". */
static void error_code(char *out, size_t size, const struct call *c)
{
	const char *b = c->reply != NULL ? strstr(c->reply, "<Code>") : NULL;
	const char *e = b != NULL ? strstr(b, "</Code>") : NULL;

	snprintf(out, size, "%.*s", e != NULL ? (int)(e - b - 6) : 0, e != NULL ? b + 6 : "");
}

static CURLcode configure(struct nsym_s3 *s3, struct call *c, struct curl_slist **headers,
                          const char *url)
{
	CURL *h = s3->curl;
	char line[2200];
	struct curl_slist *l = NULL, *next;

	curl_easy_reset(h);
	/* curl 7.88 signs what it is given: the payload's hash is declared,
	 * not computed (the body is streamed from a file) */
	l = curl_slist_append(l, "x-amz-content-sha256: UNSIGNED-PAYLOAD");
	if (l != NULL && s3->session_token[0] != '\0') {
		snprintf(line, sizeof(line), "x-amz-security-token: %s", s3->session_token);
		l = (next = curl_slist_append(l, line)) != NULL ? next : l;
	}
	if (l != NULL && c->range != NULL) {
		snprintf(line, sizeof(line), "Range: %s", c->range);
		l = (next = curl_slist_append(l, line)) != NULL ? next : l;
	}
	*headers = l;
	if (l == NULL)
		return CURLE_OUT_OF_MEMORY;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, l);
	curl_easy_setopt(h, CURLOPT_AWS_SIGV4, s3->sigv4);
	curl_easy_setopt(h, CURLOPT_USERNAME, s3->key_id);
	curl_easy_setopt(h, CURLOPT_PASSWORD, s3->secret);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
	/* a storage that stops sending: less than 1 byte/s for 30 s */
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 30L);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	/* curl signs the headers it is given, so "Expect:" cannot be removed
	 * that way (radosgw then refuses the signature); a body of more than
	 * 1 MiB waits for "100 Continue" at most this long instead */
	curl_easy_setopt(h, CURLOPT_EXPECT_100_TIMEOUT_MS, 200L);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data_status);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
	if (strcmp(c->method, "HEAD") == 0) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else if (strcmp(c->method, "PUT") == 0) {
		curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(h, CURLOPT_READDATA, c);
		curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)c->length);
	} else if (strcmp(c->method, "POST") == 0) {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, c->body != NULL ? c->body : "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)c->body_len);
	} else if (strcmp(c->method, "DELETE") == 0) {
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "DELETE");
	}
	return CURLE_OK;
}

static size_t on_data_status(char *data, size_t size, size_t n, void *arg)
{
	struct call *c = arg;

	if (c->status == 0) {
		long code = 0;
		curl_easy_getinfo(c->handle, CURLINFO_RESPONSE_CODE, &code);
		c->status = code;
	}
	return on_data(data, size, n, arg);
}

/* Makes the request c: 0 for a 2xx reply, NSYM_ENOENT for a 404,
 * NSYM_EIO otherwise (the storage unreachable, or refusing), or the code a
 * sink stopped the transfer with. */
static int perform(struct nsym_s3 *s3, struct call *c)
{
	char url[4096], key[3 * NSYM_S3_KEY_MAX + 1] = "", code[64];
	struct curl_slist *headers = NULL;
	CURLcode cc;
	int n;

	if (c->key != NULL && !nsym_uri_encode(key, sizeof(key), c->key, true))
		return fail(s3, NSYM_EINVAL, "object key too long");
	n = snprintf(url, sizeof(url), "%s/%s/%s%s%s", s3->endpoint, s3->bucket, key,
	             c->query != NULL ? "?" : "", c->query != NULL ? c->query : "");
	if (n < 0 || (size_t)n >= sizeof(url))
		return fail(s3, NSYM_EINVAL, "request URL too long");
	c->status = 0;
	c->handle = s3->curl;
	cc = configure(s3, c, &headers, url);
	if (cc == CURLE_OK)
		cc = curl_easy_perform(s3->curl);
	curl_slist_free_all(headers);
	if (c->status == 0)
		curl_easy_getinfo(s3->curl, CURLINFO_RESPONSE_CODE, &c->status);
	if (c->sink_rc != 0)
		return fail(s3, c->sink_rc, "blob storage %s %s: the transfer was stopped",
		            c->method, c->key != NULL ? c->key : s3->bucket);
	if (cc != CURLE_OK)
		return fail(s3, NSYM_EIO, "blob storage %s %s: %s", c->method,
		            c->key != NULL ? c->key : s3->bucket, curl_easy_strerror(cc));
	if (c->status == 404)
		return fail(s3, NSYM_ENOENT, "blob storage %s %s: not found", c->method,
		            c->key != NULL ? c->key : s3->bucket);
	if (c->status < 200 || c->status > 299) {
		error_code(code, sizeof(code), c);
		return fail(s3, NSYM_EIO, "blob storage %s %s: HTTP %ld%s%s", c->method,
		            c->key != NULL ? c->key : s3->bucket, c->status,
		            code[0] != '\0' ? " " : "", code);
	}
	return 0;
}

static void call_free(struct call *c)
{
	free(c->reply);
	c->reply = NULL;
	c->reply_len = 0;
}

/* ---- objects ----------------------------------------------------------------- */

int nsym_s3_head(struct nsym_s3 *s3, uint64_t *out_size, const char *key)
{
	struct call c = {.method = "HEAD", .key = key, .fd = -1};
	int rc = perform(s3, &c);

	if (rc == 0)
		*out_size = c.content_length;
	call_free(&c);
	return rc;
}

int nsym_s3_get(struct nsym_s3 *s3, const char *key, uint64_t from, uint64_t count,
                const struct nsym_s3_sink *sink)
{
	char range[64];
	struct call c = {
	    .method = "GET", .key = key, .range = range, .fd = -1, .sink = sink, .want = count};
	int rc;

	snprintf(range, sizeof(range), "bytes=%" PRIu64 "-%" PRIu64, from, from + count - 1);
	rc = perform(s3, &c);
	if (rc == 0 && c.status == 200 && from != 0)
		rc = fail(s3, NSYM_EIO, "blob storage GET %s: the range was ignored", key);
	else if (rc == 0 && c.got != count)
		rc = fail(s3, NSYM_EIO, "blob storage GET %s: %" PRIu64 " of %" PRIu64 " bytes",
		          key, c.got, count);
	call_free(&c);
	return rc;
}

int nsym_s3_delete(struct nsym_s3 *s3, const char *key)
{
	struct call c = {.method = "DELETE", .key = key, .fd = -1};
	int rc = perform(s3, &c);

	call_free(&c);
	return rc == NSYM_ENOENT ? 0 : rc;
}

/* ---- uploads ----------------------------------------------------------------- */

/* The text of the first <tag>…</tag> in xml after *from, into out; moves
 * *from past it. false when there is none. */
static bool xml_text(char *out, size_t size, const char **from, const char *tag)
{
	char open[64], close[64];
	const char *b, *e;

	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	if (*from == NULL || (b = strstr(*from, open)) == NULL || (e = strstr(b, close)) == NULL)
		return false;
	b += strlen(open);
	if ((size_t)(e - b) >= size)
		return false;
	snprintf(out, size, "%.*s", (int)(e - b), b);
	*from = e + strlen(close);
	return true;
}

static int put_part(struct nsym_s3 *s3, const char *key, const char *query, int fd, uint64_t offset,
                    uint64_t length, char *etag, size_t etag_size)
{
	struct call c = {.method = "PUT",
	                 .key = key,
	                 .query = query,
	                 .fd = fd,
	                 .offset = offset,
	                 .length = length};
	int rc = perform(s3, &c);

	if (rc == 0 && c.sent != length)
		rc =
		    fail(s3, NSYM_EIO, "blob storage PUT %s: sent %" PRIu64 " of %" PRIu64 " bytes",
		         key, c.sent, length);
	if (etag != NULL)
		snprintf(etag, etag_size, "%s", c.etag);
	call_free(&c);
	return rc;
}

/* The parts' ETags (quoted, as S3 sends them), for the closing request. */
struct parts {
	char (*etag)[128];
	size_t n;
};

static int complete(struct nsym_s3 *s3, const char *key, const char *query, const struct parts *p)
{
	size_t cap = 64 + p->n * 200, used;
	char *body = malloc(cap), code[64] = "";
	struct call c = {.method = "POST", .key = key, .query = query, .fd = -1};
	int rc;

	if (body == NULL)
		return fail(s3, NSYM_ENOMEM, "out of memory");
	used = (size_t)snprintf(body, cap, "<CompleteMultipartUpload>");
	for (size_t i = 0; i < p->n; i++)
		used += (size_t)snprintf(body + used, cap - used,
		                         "<Part><PartNumber>%zu</PartNumber><ETag>%s</ETag></Part>",
		                         i + 1, p->etag[i]);
	used += (size_t)snprintf(body + used, cap - used, "</CompleteMultipartUpload>");
	c.body = body;
	c.body_len = used;
	rc = perform(s3, &c);
	/* S3 may answer 200 and report a failure in the body */
	if (rc == 0 && c.reply != NULL && strstr(c.reply, "<Error>") != NULL) {
		error_code(code, sizeof(code), &c);
		rc = fail(s3, NSYM_EIO, "blob storage: completing %s failed: %s", key, code);
	}
	call_free(&c);
	free(body);
	return rc;
}

static int put_multipart(struct nsym_s3 *s3, const char *key, int fd, uint64_t size)
{
	uint64_t part = s3->part_size;
	struct call start = {.method = "POST", .key = key, .query = "uploads=", .fd = -1};
	struct parts p = {0};
	char id[512], enc_id[1600], query[1700];
	const char *xml;
	int rc;

	/* parts grow past part_size when 10000 of them would not hold it */
	if ((size + part - 1) / part > PART_MAX)
		part = (size + PART_MAX - 1) / PART_MAX;
	rc = perform(s3, &start);
	xml = start.reply;
	if (rc == 0 && !xml_text(id, sizeof(id), &xml, "UploadId"))
		rc = fail(s3, NSYM_EIO, "blob storage: no UploadId starting %s", key);
	call_free(&start);
	if (rc != 0)
		return rc;
	if (!nsym_uri_encode(enc_id, sizeof(enc_id), id, false))
		return fail(s3, NSYM_EIO, "blob storage: UploadId too long");
	p.n = (size_t)((size + part - 1) / part);
	p.etag = calloc(p.n, sizeof(*p.etag));
	if (p.etag == NULL)
		rc = fail(s3, NSYM_ENOMEM, "out of memory");
	for (size_t i = 0; rc == 0 && i < p.n; i++) {
		uint64_t off = (uint64_t)i * part, len = size - off < part ? size - off : part;
		/* partNumber before uploadId: the order of their names */
		snprintf(query, sizeof(query), "partNumber=%zu&uploadId=%s", i + 1, enc_id);
		rc = put_part(s3, key, query, fd, off, len, p.etag[i], sizeof(p.etag[i]));
		if (rc == 0 && p.etag[i][0] == '\0')
			rc = fail(s3, NSYM_EIO, "blob storage: no ETag for part %zu of %s", i + 1,
			          key);
	}
	snprintf(query, sizeof(query), "uploadId=%s", enc_id);
	if (rc == 0)
		rc = complete(s3, key, query, &p);
	if (rc != 0) {
		/* the parts go, keeping the message of what failed; what an abort
		 * that fails leaves, nsym_s3_abort_stale_uploads takes later */
		char saved[sizeof(s3->err)];
		struct call abort = {.method = "DELETE", .key = key, .query = query, .fd = -1};
		memcpy(saved, s3->err, sizeof(saved));
		perform(s3, &abort);
		call_free(&abort);
		memcpy(s3->err, saved, sizeof(saved));
	}
	free(p.etag);
	return rc;
}

int nsym_s3_put_file(struct nsym_s3 *s3, const char *key, int fd, uint64_t size)
{
	if (size > s3->part_size)
		return put_multipart(s3, key, fd, size);
	return put_part(s3, key, NULL, fd, 0, size, NULL, 0);
}

/* ---- listings ------------------------------------------------------------------ */

/* "2026-12-07T07:55:59.000Z" as Unix time; 0 when it is not that. */
static time_t iso_time(const char *s)
{
	struct tm tm = {0};
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	return end != NULL ? timegm(&tm) : 0;
}

/* GET on the bucket with query (already encoded and sorted): the reply's
 * XML in c, or a code. */
static int get_xml(struct nsym_s3 *s3, struct call *c, const char *query)
{
	int rc;

	memset(c, 0, sizeof(*c));
	c->method = "GET";
	c->query = query;
	c->fd = -1;
	rc = perform(s3, c);
	if (rc == 0 && (c->reply_cut || c->reply == NULL))
		rc = fail(s3, NSYM_EIO, "blob storage: a listing too large or empty");
	return rc;
}

int nsym_s3_list(struct nsym_s3 *s3, const char *prefix,
                 int (*fn)(void *arg, const char *key, time_t modified), void *arg)
{
	char enc_prefix[3 * NSYM_S3_KEY_MAX], token[1024] = "", enc_token[3100], query[4800];
	int rc = 0, stop = 0;

	if (!nsym_uri_encode(enc_prefix, sizeof(enc_prefix), prefix, false))
		return fail(s3, NSYM_EINVAL, "prefix too long");
	do {
		struct call c;
		const char *xml, *item;
		char truncated[8] = "", key[NSYM_S3_KEY_MAX], modified[64];

		if (token[0] != '\0' &&
		    !nsym_uri_encode(enc_token, sizeof(enc_token), token, false))
			return fail(s3, NSYM_EIO, "blob storage: continuation token too long");
		snprintf(query, sizeof(query), "%s%s%slist-type=2&prefix=%s",
		         token[0] != '\0' ? "continuation-token=" : "",
		         token[0] != '\0' ? enc_token : "", token[0] != '\0' ? "&" : "",
		         enc_prefix);
		rc = get_xml(s3, &c, query);
		xml = c.reply;
		token[0] = '\0';
		while (rc == 0 && stop == 0 &&
		       (item = xml != NULL ? strstr(xml, "<Contents>") : NULL)) {
			const char *end = strstr(item, "</Contents>");
			xml = item;
			if (end == NULL || !xml_text(key, sizeof(key), &xml, "Key"))
				break;
			xml = item;
			if (!xml_text(modified, sizeof(modified), &xml, "LastModified"))
				modified[0] = '\0';
			stop = fn(arg, key, iso_time(modified));
			xml = end;
		}
		xml = c.reply;
		if (rc == 0 && stop == 0 &&
		    xml_text(truncated, sizeof(truncated), &xml, "IsTruncated") &&
		    strcmp(truncated, "true") == 0) {
			xml = c.reply;
			if (!xml_text(token, sizeof(token), &xml, "NextContinuationToken"))
				rc = fail(s3, NSYM_EIO,
				          "blob storage: a listing without its next token");
		}
		call_free(&c);
	} while (rc == 0 && stop == 0 && token[0] != '\0');
	return rc;
}

int nsym_s3_abort_stale_uploads(struct nsym_s3 *s3, int *out_aborted, const char *prefix,
                                time_t before)
{
	char enc_prefix[3 * NSYM_S3_KEY_MAX], query[3 * NSYM_S3_KEY_MAX + 32];
	struct call c;
	const char *xml, *item;
	int rc;

	*out_aborted = 0;
	if (!nsym_uri_encode(enc_prefix, sizeof(enc_prefix), prefix, false))
		return fail(s3, NSYM_EINVAL, "prefix too long");
	/* one page (1000 uploads) per call: more wait for the next start */
	snprintf(query, sizeof(query), "prefix=%s&uploads=", enc_prefix);
	rc = get_xml(s3, &c, query);
	xml = c.reply;
	while (rc == 0 && (item = xml != NULL ? strstr(xml, "<Upload>") : NULL) != NULL) {
		const char *end = strstr(item, "</Upload>"), *p = item;
		char key[NSYM_S3_KEY_MAX], id[512], initiated[64], enc_id[1600], q[1700];
		struct call abort = {.method = "DELETE", .fd = -1};

		if (end == NULL)
			break;
		xml = end;
		if (!xml_text(key, sizeof(key), &p, "Key"))
			continue;
		p = item;
		if (!xml_text(id, sizeof(id), &p, "UploadId"))
			continue;
		p = item;
		if (!xml_text(initiated, sizeof(initiated), &p, "Initiated") ||
		    iso_time(initiated) >= before ||
		    !nsym_uri_encode(enc_id, sizeof(enc_id), id, false))
			continue;
		snprintf(q, sizeof(q), "uploadId=%s", enc_id);
		abort.key = key;
		abort.query = q;
		if (perform(s3, &abort) == 0)
			(*out_aborted)++;
		call_free(&abort);
	}
	call_free(&c);
	return rc;
}

/* ---- presigned URLs ------------------------------------------------------------ */

int nsym_s3_presign(char *out, size_t size, struct nsym_s3 *s3, const char *key, int expires)
{
	char path[NSYM_S3_KEY_MAX + 80];
	struct nsym_sigv4 c = {s3->presign_endpoint, s3->region, s3->key_id, s3->secret,
	                       s3->session_token};

	snprintf(path, sizeof(path), "/%s/%s", s3->bucket, key);
	if (nsym_sigv4_presign(out, size, &c, "GET", path, time(NULL), expires) != 0)
		return fail(s3, NSYM_EINVAL, "cannot presign %s", key);
	return 0;
}
