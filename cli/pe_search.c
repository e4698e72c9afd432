/*
 * Which PE image a Windows crash record means (pe_search.h). Event Viewer
 * and WER give a faulting module by its file name and its COFF
 * TimeDateStamp only; a symbol server keys the image by that stamp and
 * its SizeOfImage (SymSrv's code id). napi-symbols' server searches its
 * artifacts by name and stamp (docs/server-api.md), and the one build
 * found gives the code id, by which the image and then its PDB are
 * fetched. A server that has no such search (a plain debuginfod) answers
 * 404 and is passed over.
 */
#include <curl/curl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "napi_symbols.h"
#include "napi_symbols_util.h"
#include "pe_search.h"

#define MAX_REPLY (4u << 20) /* a page of 100 rows is far less */

struct reply {
	char *data;
	size_t len;
	bool too_big;
};

static size_t keep(char *data, size_t size, size_t count, void *arg)
{
	struct reply *r = arg;
	size_t n = size * count;
	char *grown;

	if (r->len + n > MAX_REPLY) {
		r->too_big = true;
		return 0;
	}
	if ((grown = realloc(r->data, r->len + n + 1)) == NULL)
		return 0;
	r->data = grown;
	memcpy(r->data + r->len, data, n);
	r->len += n;
	r->data[r->len] = '\0';
	return n;
}

/* One server's answer: 0 with the keys of its rows ("k1, k2" when
 * several), 1 when it has none, -1 with why. */
static int ask(char *keys, size_t size, size_t *nkeys, const struct nsym_client *c,
               const char *server, const char *name, uint32_t timestamp, char *why, size_t why_size)
{
	static const struct nsym_json_limits limits = {MAX_REPLY, 16};
	struct reply r = {0};
	struct curl_slist *hdr = NULL;
	char url[4600], auth[600], err[256];
	size_t len = strlen(server);
	long status = 0;
	json_t *doc = NULL, *rows;
	CURLcode rc;
	CURL *e = curl_easy_init();
	char *escaped = e != NULL ? curl_easy_escape(e, name, 0) : NULL;
	int result = -1;

	*nkeys = 0;
	keys[0] = '\0';
	if (escaped == NULL) {
		snprintf(why, why_size, "cannot set up libcurl");
		goto out;
	}
	snprintf(
	    url, sizeof(url), "%.*s/api/v1/artifacts?name=%s&pe_timestamp=%08" PRIx32 "&limit=100",
	    (int)(len > 0 && server[len - 1] == '/' ? len - 1 : len), server, escaped, timestamp);
	if (c->token != NULL) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", c->token);
		hdr = curl_slist_append(NULL, auth);
	}
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, keep);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, c->connect_timeout);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, c->stall_timeout);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "napi-symbols/" NSYM_VERSION);
	rc = curl_easy_perform(e);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK) {
		snprintf(why, why_size, "cannot search %.200s: %s", server,
		         r.too_big ? "the answer is too large" : curl_easy_strerror(rc));
		goto out;
	}
	if (status == 404) { /* no artifact search: a debuginfod of another kind */
		result = 1;
		goto out;
	}
	if (status != 200) {
		snprintf(why, why_size, "%.200s answered the search with HTTP %ld", server, status);
		goto out;
	}
	if (nsym_json_load(&doc, r.data != NULL ? r.data : "", r.len, &limits, err, sizeof(err)) !=
	        0 ||
	    !json_is_array(rows = json_object_get(doc, "artifacts"))) {
		snprintf(why, why_size, "%.200s answered the search with no artifact list", server);
		goto out;
	}
	for (size_t i = 0; i < json_array_size(rows); i++) {
		const char *key =
		    json_string_value(json_object_get(json_array_get(rows, i), "key"));
		const char *kind =
		    json_string_value(json_object_get(json_array_get(rows, i), "id_kind"));
		if (key == NULL || kind == NULL || strcmp(kind, "pe") != 0 ||
		    strspn(key, "0123456789abcdef") != strlen(key) || strlen(key) > 16)
			continue;
		if (*nkeys > 0 && strstr(keys, key) != NULL)
			continue; /* the same build, uploaded twice */
		snprintf(keys + strlen(keys), size - strlen(keys), "%s%s", *nkeys > 0 ? ", " : "",
		         key);
		(*nkeys)++;
	}
	result = *nkeys > 0 ? 0 : 1;
out:
	json_decref(doc);
	curl_free(escaped);
	curl_slist_free_all(hdr);
	if (e != NULL)
		curl_easy_cleanup(e);
	free(r.data);
	return result;
}

int nsym_cli_pe_code_id(char *out, size_t size, const struct nsym_client *c, const char *name,
                        uint32_t timestamp, char *why, size_t why_size)
{
	char keys[512], err[512] = "";

	for (size_t i = 0; i < c->nservers; i++) {
		size_t n;
		int rc = ask(keys, sizeof(keys), &n, c, c->servers[i], name, timestamp, err,
		             sizeof(err));
		if (rc == 0 && n == 1) {
			snprintf(out, size, "%s", keys);
			return 0;
		}
		if (rc == 0) {
			snprintf(why, why_size,
			         "%.200s holds several builds named %s with time stamp %08" PRIx32
			         " (%s)",
			         c->servers[i], name, timestamp, keys);
			return -1;
		}
	}
	if (err[0] != '\0')
		snprintf(why, why_size, "%s", err);
	else
		snprintf(why, why_size,
		         "no server has %s with time stamp %08" PRIx32
		         " (upload the .node and its .pdb)",
		         name, timestamp);
	return -1;
}
