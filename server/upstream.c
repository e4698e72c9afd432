/*
 * Upstream servers (upstream.h): the order of the asking, the check of
 * what comes back, the memory of misses and the headers that stop loops.
 *
 * Upstreams are asked one after the other, in the order given, and the
 * first that has the file wins. In parallel (as elfutils' client does)
 * would save the latency of the misses before the one that has it, but
 * every upstream would start sending a file that may be hundreds of
 * megabytes, and the order would no longer say which server is preferred
 * (the company's own before the public ones). A miss costs one round trip
 * per upstream, and then nothing for --upstream-miss-seconds.
 *
 * A file is fetched whole into the cache before any byte of it is sent:
 * its identity can be checked only once it is all there, and a file
 * streamed as it arrives could not be taken back. Then it is a local
 * file like a blob, with Range, ETag and sendfile.
 */
#include <civetweb.h>
#include <curl/curl.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "build_once.h"
#include "metrics.h"
#include "routes.h"
#include "send.h"
#include "upload_identify.h"
#include "upstream.h"
#include "upstream_cache.h"
#include "upstream_fetch.h"

#define MAX_UPSTREAMS 16
#define URL_MAX       2048
/* misses remembered at once: a slot per hash, a newer miss takes it over */
#define MISS_SLOTS 4096

/* "Authorization: Bearer " and a token of at most this many bytes */
#define AUTH_MAX 600

struct upstream_url {
	char url[URL_MAX];   /* without a trailing slash or the #token_… part */
	char shown[URL_MAX]; /* for the log: without user:password@ */
	bool symsrv;
	/* the header that carries its token ("" for none): never shown */
	char auth[AUTH_MAX];
};

struct miss {
	unsigned char digest[32];
	time_t until;
};

struct nsym_upstream {
	struct upstream_url urls[MAX_UPSTREAMS];
	size_t n;
	struct nsym_ucache *cache;
	int miss_seconds, stall_seconds;
	char self[48]; /* this server's pseudonym in Via: napi-symbols-HEX */
	pthread_mutex_t lock;
	struct miss misses[MISS_SLOTS];
	/* fetches under way, by cache entry: one per entry at a time, the
	 * requests that come meanwhile wait for it (nothing is remembered
	 * after: the cache and the misses do that) */
	struct nsym_builds *fetches;
};

/* ---- settings --------------------------------------------------------------- */

/* The URL as the log may show it: a password in it is not. */
static void redact(char *out, size_t size, const char *url)
{
	const char *scheme = strstr(url, "://");
	const char *host = scheme != NULL ? scheme + 3 : url;
	const char *at = strchr(host, '@'), *slash = strchr(host, '/');

	if (at != NULL && (slash == NULL || at < slash))
		snprintf(out, size, "%.*s%s", (int)(host - url), url, at + 1);
	else
		snprintf(out, size, "%s", url);
}

/*
 * The bearer token an upstream's "#token_env=NAME" or "#token_file=PATH"
 * names (the first line of the file), as the Authorization header into
 * x->auth. A token is never in the URL itself: URLs show in process lists
 * and logs, and the fragment only names where the token is. 0, or
 * NSYM_EINVAL with err saying what is wrong without quoting the token.
 */
static int read_token(struct upstream_url *x, const char *how, size_t len, char *err,
                      size_t err_size)
{
	char where[1024], token[AUTH_MAX - 32] = "";
	const char *v = NULL;
	int rc = 0;

	if (len > 10 && strncmp(how, "token_env=", 10) == 0 && len - 10 < sizeof(where)) {
		snprintf(where, sizeof(where), "%.*s", (int)(len - 10), how + 10);
		if ((v = getenv(where)) == NULL || v[0] == '\0') {
			snprintf(err, err_size, "upstream '%.200s': the variable %.200s is not set",
			         x->shown, where);
			return NSYM_EINVAL;
		}
		if (strlen(v) >= sizeof(token)) {
			snprintf(err, err_size,
			         "upstream '%.200s': the token in %.200s is over %zu bytes",
			         x->shown, where, sizeof(token) - 1);
			return NSYM_EINVAL;
		}
		snprintf(token, sizeof(token), "%s", v);
	} else if (len > 11 && strncmp(how, "token_file=", 11) == 0 && len - 11 < sizeof(where)) {
		FILE *f;
		snprintf(where, sizeof(where), "%.*s", (int)(len - 11), how + 11);
		if ((f = fopen(where, "re")) == NULL) {
			snprintf(err, err_size,
			         "upstream '%.200s': cannot read the token file %.200s", x->shown,
			         where);
			return NSYM_EINVAL;
		}
		if (fgets(token, (int)sizeof(token), f) == NULL)
			token[0] = '\0';
		/* a line longer than the buffer: not cut into a wrong token */
		if (strchr(token, '\n') == NULL && fgetc(f) != EOF) {
			snprintf(err, err_size,
			         "upstream '%.200s': the token in %.200s is over %zu bytes",
			         x->shown, where, sizeof(token) - 2);
			rc = NSYM_EINVAL;
		}
		fclose(f);
		token[strcspn(token, "\r\n")] = '\0';
		if (rc == 0 && token[0] == '\0') {
			snprintf(
			    err, err_size,
			    "upstream '%.200s': the token file %.200s holds no token on its first "
			    "line",
			    x->shown, where);
			rc = NSYM_EINVAL;
		}
	} else {
		snprintf(
		    err, err_size,
		    "upstream '%.200s': expected #token_env=NAME or #token_file=PATH after the "
		    "URL",
		    x->shown);
		return NSYM_EINVAL;
	}
	if (rc == 0 && strcspn(token, " \t\r\n") != strlen(token)) {
		snprintf(err, err_size, "upstream '%.200s': a token is one word", x->shown);
		rc = NSYM_EINVAL;
	}
	if (rc == 0)
		snprintf(x->auth, sizeof(x->auth), "Authorization: Bearer %s", token);
	explicit_bzero(token, sizeof(token));
	return rc;
}

static int add_url(struct nsym_upstream *u, const char *word, size_t len, char *err,
                   size_t err_size)
{
	struct upstream_url *x = &u->urls[u->n];
	bool symsrv = len > 7 && strncmp(word, "symsrv:", 7) == 0;
	const char *hash;
	size_t token_len = 0;
	char url[URL_MAX];

	if (symsrv) {
		word += 7;
		len -= 7;
	}
	/* URL#token_…: where its token is (read_token) */
	hash = memchr(word, '#', len);
	if (hash != NULL) {
		token_len = len - (size_t)(hash - word) - 1;
		len = (size_t)(hash - word);
	}
	while (len > 0 && word[len - 1] == '/')
		len--;
	if (u->n == MAX_UPSTREAMS || len >= URL_MAX) {
		snprintf(err, err_size, "at most %d upstreams, of %d bytes each", MAX_UPSTREAMS,
		         URL_MAX - 1);
		return NSYM_EINVAL;
	}
	snprintf(url, sizeof(url), "%.*s", (int)len, word);
	memcpy(x->url, url, sizeof(url));
	redact(x->shown, sizeof(x->shown), url);
	if (strncmp(x->url, "http://", 7) != 0 && strncmp(x->url, "https://", 8) != 0) {
		snprintf(
		    err, err_size,
		    "upstream '%.200s': expected http://HOST… or https://HOST… (symsrv: before "
		    "a SymSrv store's)",
		    x->shown);
		return NSYM_EINVAL;
	}
	x->symsrv = symsrv;
	if (hash != NULL && read_token(x, hash + 1, token_len, err, err_size) != 0)
		return NSYM_EINVAL;
	u->n++;
	return 0;
}

int nsym_upstream_new(struct nsym_upstream **out, const char *urls, const char *cache_dir,
                      uint64_t cache_size, int miss_seconds, int stall_seconds, char *err,
                      size_t err_size)
{
	struct nsym_upstream *u;
	unsigned char id[8];
	int rc = 0;

	*out = NULL;
	if (urls == NULL || urls[strspn(urls, " \t")] == '\0')
		return 0;
	u = calloc(1, sizeof(*u));
	if (u == NULL) {
		snprintf(err, err_size, "out of memory");
		return NSYM_ENOMEM;
	}
	for (const char *s = urls; rc == 0 && *(s += strspn(s, " \t")) != '\0';) {
		size_t len = strcspn(s, " \t");
		rc = add_url(u, s, len, err, err_size);
		s += len;
	}
	u->miss_seconds = miss_seconds;
	u->stall_seconds = stall_seconds;
	pthread_mutex_init(&u->lock, NULL);
	/* a pseudonym of this run: a restarted server is another hop, which
	 * is harmless; two servers never share one */
	if (rc == 0 && getrandom(id, sizeof(id), 0) != (ssize_t)sizeof(id)) {
		snprintf(err, err_size, "cannot read random bytes for the server's id");
		rc = NSYM_EIO;
	}
	if (rc == 0) {
		char hex[17];
		nsym_hex(hex, id, sizeof(id), false);
		snprintf(u->self, sizeof(u->self), "napi-symbols-%s", hex);
		rc = nsym_upstream_fetch_init();
		if (rc != 0)
			snprintf(err, err_size, "out of memory starting an HTTP client");
	}
	if (rc == 0 && nsym_builds_new(&u->fetches, 0) != 0) {
		snprintf(err, err_size, "out of memory");
		rc = NSYM_ENOMEM;
	}
	if (rc == 0)
		rc = nsym_ucache_open(&u->cache, cache_dir, cache_size, err, err_size);
	if (rc != 0) {
		nsym_upstream_free(u);
		return rc;
	}
	*out = u;
	return 0;
}

void nsym_upstream_free(struct nsym_upstream *u)
{
	if (u == NULL)
		return;
	nsym_ucache_close(u->cache);
	nsym_builds_free(u->fetches);
	explicit_bzero(u->urls, sizeof(u->urls)); /* tokens */
	pthread_mutex_destroy(&u->lock);
	free(u);
}

/* ---- misses ------------------------------------------------------------------ */

static struct miss *slot(struct nsym_upstream *u, const unsigned char *digest)
{
	unsigned v = (unsigned)digest[0] | (unsigned)digest[1] << 8;
	return &u->misses[v % MISS_SLOTS];
}

static bool miss_remembered(struct nsym_upstream *u, const unsigned char *digest)
{
	struct miss *m = slot(u, digest);
	bool hit;

	pthread_mutex_lock(&u->lock);
	hit = memcmp(m->digest, digest, 32) == 0 && m->until > time(NULL);
	pthread_mutex_unlock(&u->lock);
	return hit;
}

static void remember_miss(struct nsym_upstream *u, const unsigned char *digest)
{
	struct miss *m = slot(u, digest);

	if (u->miss_seconds <= 0)
		return;
	pthread_mutex_lock(&u->lock);
	memcpy(m->digest, digest, 32);
	m->until = time(NULL) + u->miss_seconds;
	pthread_mutex_unlock(&u->lock);
}

/* ---- checking ---------------------------------------------------------------- */

/* Whether found key `have` answers for `want`: equal, or (padded) want is
 * have followed by zero digits, SSQP's form of a shorter ELF build-id. */
static bool key_answers(const char *have, const char *want, bool padded)
{
	size_t n = strlen(have);

	if (strcasecmp(have, want) == 0)
		return true;
	return padded && n > 0 && strncasecmp(have, want, n) == 0 &&
	       want[n + strspn(want + n, "0")] == '\0';
}

/* 0 when the file at path is what ask wants; else -1 with why. */
static int check_file(char *why, size_t why_size, const char *path,
                      const struct nsym_upstream_ask *ask)
{
	struct nsym_upload_found *found;
	char detail[256];
	int code = 0, status;

	if (ask->key == NULL)
		return 0;
	found = malloc(sizeof(*found));
	if (found == NULL) {
		snprintf(why, why_size, "out of memory checking it");
		return -1;
	}
	status = nsym_upload_identify_file(found, detail, sizeof(detail), &code, path, "the file");
	if (status != 0) {
		snprintf(why, why_size, "it is no file the server can read: %s", detail);
		free(found);
		return -1;
	}
	for (size_t i = 0; i < found->n; i++) {
		const struct nsym_artifact *a = &found->a[i];
		if (key_answers(a->key, ask->key, ask->padded) && strcmp(a->kind, ask->kind) == 0 &&
		    (ask->format == NULL || strcmp(a->format, ask->format) == 0)) {
			free(found);
			return 0;
		}
	}
	snprintf(why, why_size, "it is %s %s %s, not %s%s%s %s", found->a[0].format,
	         found->a[0].kind, found->a[0].key, ask->format != NULL ? ask->format : "",
	         ask->format != NULL ? " " : "", ask->kind, ask->key);
	free(found);
	return -1;
}

/* ---- asking ------------------------------------------------------------------ */

/* url + path, the path's bytes outside RFC 3986's unreserved set and "/"
 * percent-encoded. 0, or -1 when it does not fit. */
static int make_url(char *out, size_t size, const char *base, const char *path)
{
	size_t n = (size_t)snprintf(out, size, "%s", base);

	for (const unsigned char *p = (const unsigned char *)path; *p != '\0' && n < size; p++) {
		bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		             (*p >= '0' && *p <= '9') || strchr("-._~/", *p) != NULL;
		n += (size_t)snprintf(out + n, size - n, plain ? "%c" : "%%%02X", *p);
	}
	return n < size ? 0 : -1;
}

/* "Name: " and the values of every `name` header of the request, joined
 * by commas as RFC 9110 section 5.3 reads several lines of one field, then
 * `add` as the last element. NULL when out of memory. */
static char *hop_line(const struct nsym_request *r, const char *name, const char *add)
{
	const struct mg_request_info *ri = r->ri;
	size_t size = strlen(name) + strlen(add) + 4, n;
	char *line;

	for (int i = 0; i < ri->num_headers; i++)
		if (strcasecmp(ri->http_headers[i].name, name) == 0)
			size += strlen(ri->http_headers[i].value) + 2;
	line = malloc(size);
	if (line == NULL)
		return NULL;
	n = (size_t)snprintf(line, size, "%s: ", name);
	for (int i = 0; i < ri->num_headers; i++)
		if (strcasecmp(ri->http_headers[i].name, name) == 0)
			n +=
			    (size_t)snprintf(line + n, size - n, "%s, ", ri->http_headers[i].value);
	snprintf(line + n, size - n, "%s", add);
	return line;
}

/* The headers sent upstream: Via and X-Forwarded-For, with this hop
 * appended to what the request brought. NULL when out of memory. */
static struct curl_slist *hop_headers(const struct nsym_upstream *u, const struct nsym_request *r)
{
	char via_self[sizeof(u->self) + 8];
	char *via, *xff;
	struct curl_slist *l = NULL, *next = NULL;

	snprintf(via_self, sizeof(via_self), "1.1 %s", u->self);
	via = hop_line(r, "Via", via_self);
	xff = hop_line(r, "X-Forwarded-For", r->ri->remote_addr);
	if (via != NULL && xff != NULL && (l = curl_slist_append(NULL, via)) != NULL &&
	    (next = curl_slist_append(l, xff)) == NULL) {
		curl_slist_free_all(l);
		l = NULL;
	}
	free(via);
	free(xff);
	return l;
}

/* Whether the request came through this server already, or through more
 * servers than debuginfod federation allows. */
static bool been_here(const struct nsym_upstream *u, const struct nsym_request *r)
{
	const struct mg_request_info *ri = r->ri;
	size_t hops = 0;

	/* every Via and X-Forwarded-For header, not only the first */
	for (int i = 0; i < ri->num_headers; i++) {
		if (strcasecmp(ri->http_headers[i].name, "Via") == 0 &&
		    nsym_via_names(ri->http_headers[i].value, u->self))
			return true;
		if (strcasecmp(ri->http_headers[i].name, "X-Forwarded-For") == 0)
			hops += nsym_xff_count(ri->http_headers[i].value);
	}
	return hops >= NSYM_UPSTREAM_MAX_HOPS;
}

/* How one upstream answered. */
enum outcome { GOT, LACKS, FAILED };

/* The hop headers with x's token before them, for x alone (libcurl sends
 * a list as it is); NULL when out of memory. */
static struct curl_slist *with_token(const struct upstream_url *x, const struct curl_slist *headers)
{
	struct curl_slist *l = curl_slist_append(NULL, x->auth);

	for (const struct curl_slist *h = headers; l != NULL && h != NULL; h = h->next) {
		struct curl_slist *next = curl_slist_append(l, h->data);
		if (next == NULL)
			curl_slist_free_all(l);
		l = next;
	}
	return l;
}

static enum outcome ask_one(struct nsym_upstream *u, const struct upstream_url *x,
                            const struct nsym_upstream_ask *ask, const struct curl_slist *headers,
                            int fd, const char *tmp)
{
	struct nsym_fetch_result res = {0};
	struct nsym_fetch f = {.headers = headers,
	                       .fd = fd,
	                       .max = nsym_ucache_bound(u->cache),
	                       .stall_seconds = u->stall_seconds};
	struct curl_slist *own = NULL;
	char url[2 * URL_MAX], why[400];
	enum outcome o = FAILED;

	if (make_url(url, sizeof(url), x->url, ask->path) != 0) {
		fprintf(stderr,
		        "napi-symbols serve: upstream %s: the path is too long to ask for\n",
		        x->shown);
		return FAILED;
	}
	f.url = url;
	if (x->auth[0] != '\0' && (f.headers = own = with_token(x, headers)) == NULL) {
		fprintf(stderr, "napi-symbols serve: upstream %s: out of memory\n", x->shown);
		return FAILED;
	}
	if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0 ||
	    nsym_upstream_get(&res, &f) != 0) {
		fprintf(stderr, "napi-symbols serve: upstream %s%s: %s\n", x->shown, ask->path,
		        res.why[0] != '\0' ? res.why : "cannot write to the upstream cache");
		nsym_metrics_upstream("failed");
	} else if (res.status == 404) {
		nsym_metrics_upstream("lacks");
		o = LACKS;
	} else if (res.status != 200) {
		fprintf(stderr, "napi-symbols serve: upstream %s%s answered HTTP %d\n", x->shown,
		        ask->path, res.status);
		nsym_metrics_upstream("failed");
	} else if (check_file(why, sizeof(why), tmp, ask) != 0) {
		fprintf(stderr, "napi-symbols serve: upstream %s%s sent a file refused: %s\n",
		        x->shown, ask->path, why);
		nsym_metrics_upstream("refused");
	} else {
		nsym_metrics_upstream("fetched");
		o = GOT;
	}
	curl_slist_free_all(own);
	return o;
}

/* Sends the cached file fd (its stat st) under the entry name. */
static void send_cached(struct nsym_request *r, const struct nsym_upstream_ask *ask, int fd,
                        const struct stat *st, const char *name)
{
	struct nsym_entity e = {
	    .fd = fd, .size = (uint64_t)st->st_size, .mtime = st->st_mtime, .file = ask->file};
	char h[sizeof(e.etag) + 16];

	/* the entry's name is the request's, and its bytes never change
	 * while it is cached: a fetch again gets a new modification time */
	snprintf(e.etag, sizeof(e.etag), "\"upstream-%.32s-%" PRIx64 "-%" PRIx64 "\"", name,
	         (uint64_t)st->st_mtime, (uint64_t)st->st_size);
	if (nsym_not_modified(r, e.etag)) {
		snprintf(h, sizeof(h), "ETag: %s\r\n", e.etag);
		nsym_reply(r, 304, "application/octet-stream", h, NULL, 0);
	} else if (nsym_within_maxsize(r, e.size) == 0)
		nsym_send_entity(r, &e);
}

/* The answer when an upstream failed and none had the file: not a miss, as
 * an upstream that is down may have it. */
static void reply_failed(struct nsym_request *r)
{
	nsym_reply_error(r, 503,
	                 "not stored here, and an upstream server could not be asked; try "
	                 "again later");
}

/* Asks each upstream of the protocol in turn. 0 when one sent the file
 * (cached and served), NSYM_ENOENT when all lack it, NSYM_EIO when one
 * failed and none had it (answered 503). */
static int ask_all(struct nsym_upstream *u, struct nsym_request *r,
                   const struct nsym_upstream_ask *ask, const char *name)
{
	struct curl_slist *headers = hop_headers(u, r);
	char tmp[4096 + 64];
	bool failed = false;
	int fd = -1, rc = NSYM_ENOENT;

	if (headers == NULL || nsym_ucache_temp(&fd, tmp, sizeof(tmp), u->cache) != 0) {
		curl_slist_free_all(headers);
		nsym_reply_internal(r, headers == NULL ? NSYM_ENOMEM : NSYM_EIO,
		                    "cannot make a file in the upstream cache");
		return NSYM_EIO;
	}
	for (size_t i = 0; i < u->n && rc == NSYM_ENOENT; i++) {
		enum outcome o;
		if (u->urls[i].symsrv != ask->symsrv)
			continue;
		o = ask_one(u, &u->urls[i], ask, headers, fd, tmp);
		if (o == GOT)
			rc = 0;
		failed |= o == FAILED;
	}
	curl_slist_free_all(headers);
	if (rc == 0 && nsym_ucache_commit(u->cache, tmp, name) == 0) {
		struct stat st;
		if (fstat(fd, &st) == 0)
			send_cached(r, ask, fd, &st, name);
		else
			nsym_reply_internal(r, NSYM_EIO, "cannot read the upstream cache");
	} else if (rc == 0) {
		nsym_reply_internal(r, NSYM_EIO, "cannot keep a file in the upstream cache");
	} else {
		unlink(tmp);
		if (failed) {
			reply_failed(r);
			rc = NSYM_EIO;
		}
	}
	close(fd);
	return rc;
}

/* Answers r from the cache entry `name`: 0, or NSYM_ENOENT (sent
 * nothing) when there is none. */
static int serve_entry(struct nsym_upstream *u, struct nsym_request *r,
                       const struct nsym_upstream_ask *ask, const char *name)
{
	struct stat st;
	int fd;

	if (nsym_ucache_open_entry(&fd, &st, u->cache, name) != 0)
		return NSYM_ENOENT;
	nsym_metrics_upstream("cached");
	send_cached(r, ask, fd, &st, name);
	close(fd);
	return 0;
}

/* Fetches the entry `name` for ask, or, when another request fetches it
 * already, waits for that fetch and answers as it did: from the cache, a
 * miss, or 503. So N requests at once for a file not cached cost one
 * fetch, not N (each upstream asked once). nsym_upstream_serve's return. */
static int fetch_once(struct nsym_upstream *u, struct nsym_request *r,
                      const struct nsym_upstream_ask *ask, const char *name,
                      const unsigned char *digest)
{
	char how[16] = "";
	int rc;

	switch (nsym_builds_claim(u->fetches, name, how, sizeof(how))) {
	case NSYM_BUILD_DONE:
		/* gone again (a cache smaller than what it is asked for at
		 * once): fetched once more, by this request alone */
		if (serve_entry(u, r, ask, name) == 0)
			return 0;
		break;
	case NSYM_BUILD_FAILED:
		if (strcmp(how, "lacks") == 0)
			return NSYM_ENOENT;
		reply_failed(r);
		return 0;
	case NSYM_BUILD_YOURS:
		rc = ask_all(u, r, ask, name);
		if (rc == NSYM_ENOENT)
			remember_miss(u, digest);
		nsym_builds_done(u->fetches, name, rc == 0, rc == NSYM_ENOENT ? "lacks" : "failed");
		return rc == NSYM_ENOENT ? NSYM_ENOENT : 0;
	}
	rc = ask_all(u, r, ask, name);
	return rc == NSYM_ENOENT ? NSYM_ENOENT : 0;
}

int nsym_upstream_serve(struct nsym_upstream *u, struct nsym_request *r,
                        const struct nsym_upstream_ask *ask)
{
	unsigned char digest[32];
	char name[NSYM_SHA256_HEX], what[16 + 8192];
	unsigned int len = 0;
	bool any = false;

	if (u == NULL)
		return NSYM_ENOENT;
	for (size_t i = 0; i < u->n; i++)
		any |= u->urls[i].symsrv == ask->symsrv;
	if (!any)
		return NSYM_ENOENT;
	/* SymSrv clients disagree on casing: one entry for all of them */
	snprintf(what, sizeof(what), "%s %s", ask->symsrv ? "symsrv" : "debuginfod", ask->path);
	if (ask->symsrv)
		for (char *c = what; *c != '\0'; c++)
			*c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
	if (EVP_Digest(what, strlen(what), digest, &len, EVP_sha256(), NULL) != 1 || len != 32) {
		nsym_reply_internal(r, NSYM_ENOMEM, "cannot hash a request");
		return 0;
	}
	nsym_hex(name, digest, 32, false);
	if (serve_entry(u, r, ask, name) == 0)
		return 0;
	if (been_here(u, r)) {
		nsym_metrics_upstream("loop");
		return NSYM_ENOENT;
	}
	if (miss_remembered(u, digest)) {
		nsym_metrics_upstream("miss_remembered");
		return NSYM_ENOENT;
	}
	return fetch_once(u, r, ask, name, digest);
}
