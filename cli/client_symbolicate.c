/*
 * The client side of a server's symbolicate route (client.h): one POST of
 * a crash's text with libcurl, its answer kept in memory. The caller
 * decides what an answer other than 200 means (an older server without
 * the route, a refused token) and falls back to fetching debug files.
 */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client.h"

/* The most of an answer kept: far above any crash's frames. */
#define MAX_ANSWER (64u << 20)

struct answer {
	struct nsym_symbolicate_reply *out;
	size_t cap;
	bool too_big;
};

static size_t keep(char *data, size_t size, size_t count, void *arg)
{
	struct answer *a = arg;
	struct nsym_symbolicate_reply *out = a->out;
	size_t n = size * count;

	if (out->len + n + 1 > a->cap) {
		size_t cap = (out->len + n + 1) * 2;
		char *grown = cap <= 2 * (size_t)MAX_ANSWER ? realloc(out->body, cap) : NULL;
		if (grown == NULL) {
			a->too_big = cap > 2 * (size_t)MAX_ANSWER;
			return 0; /* libcurl stops the transfer */
		}
		out->body = grown;
		a->cap = cap;
	}
	memcpy(out->body + out->len, data, n);
	out->len += n;
	out->body[out->len] = '\0';
	return n;
}

/* Whether the answer's Content-Type is the media type asked for. */
static bool typed(CURL *e, bool json)
{
	const char *want = json ? "application/json" : "text/plain", *type = NULL;
	size_t n = strlen(want);

	return curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK && type != NULL &&
	       strncasecmp(type, want, n) == 0 && (type[n] == '\0' || type[n] == ';');
}

static struct curl_slist *headers(const struct nsym_client *c, bool json)
{
	char line[600];
	/* no "Expect: 100-continue" round trip before the body */
	struct curl_slist *h = curl_slist_append(NULL, "Expect:");

	h = curl_slist_append(h, "Content-Type: text/plain; charset=utf-8");
	h = curl_slist_append(h, json ? "Accept: application/json" : "Accept: text/plain");
	if (c->token != NULL && c->token[0] != '\0') {
		snprintf(line, sizeof(line), "Authorization: Bearer %s", c->token);
		h = curl_slist_append(h, line);
	}
	return h;
}

int nsym_client_symbolicate(struct nsym_symbolicate_reply *out, const struct nsym_client *c,
                            const char *server, const char *text, size_t len, bool json,
                            bool basenames)
{
	struct answer a = {out, 0, false};
	struct curl_slist *hdr = NULL;
	size_t slen = strlen(server);
	char url[4600];
	CURL *e = NULL;
	CURLcode rc;

	memset(out, 0, sizeof(*out));
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || (e = curl_easy_init()) == NULL ||
	    (hdr = headers(c, json)) == NULL) {
		snprintf(out->error, sizeof(out->error), "libcurl cannot be set up");
		curl_easy_cleanup(e);
		return -1;
	}
	/* a trailing slash is allowed, as in DEBUGINFOD_URLS */
	snprintf(url, sizeof(url), "%.*s/api/v1/symbolicate%s",
	         (int)(slen > 0 && server[slen - 1] == '/' ? slen - 1 : slen), server,
	         basenames ? "?basenames=1" : "");
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, text);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, keep);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &a);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, c->connect_timeout);
	/* the first request for a module builds its index before a byte of
	 * the answer: no stall timeout, a bound on the whole instead */
	curl_easy_setopt(e, CURLOPT_TIMEOUT, 10 * c->stall_timeout);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_USERAGENT, "napi-symbols/" NSYM_VERSION);
	rc = curl_easy_perform(e);
	if (rc == CURLE_OK) {
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &out->status);
		out->typed = typed(e, json);
	} else {
		snprintf(out->error, sizeof(out->error), "%s",
		         a.too_big ? "the answer is larger than 64 MiB" : curl_easy_strerror(rc));
	}
	curl_slist_free_all(hdr);
	curl_easy_cleanup(e);
	return rc == CURLE_OK ? 0 : -1;
}
