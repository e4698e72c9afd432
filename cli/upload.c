/*
 * Uploading to a symbol server: one POST /api/v1/missing for every
 * identity at hand, a HEAD per artifact for identities the server knows
 * (it may hold the executable and lack the debug file), then streamed
 * POST /api/v1/upload transfers with libcurl multi. Transport errors and
 * 5xx are retried with growing waits; refusals are not retried.
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "upload.h"

#define PARALLEL    4
#define MAX_RETRIES 3
#define MISSING_MAX 1000 /* ids per /missing request */

static const char *const kinds[] = {"debuginfo", "executable"};

/* ---- identities ----------------------------------------------------------- */

int nsym_upload_identify(struct nsym_upload *out, const char *path, char *err, size_t err_size)
{
	nsym_file *f = NULL;
	const char *slash = strrchr(path, '/');
	struct stat st;

	memset(out, 0, sizeof(*out));
	out->fd = -1;
	if (nsym_file_open(&f, path) != 0) {
		snprintf(err, err_size, "%s", nsym_error_detail());
		return -1;
	}
	out->ids = calloc(nsym_file_image_count(f), sizeof(*out->ids));
	for (size_t i = 0; out->ids != NULL && i < nsym_file_image_count(f); i++) {
		struct nsym_upload_id *id = &out->ids[out->nids];
		const struct nsym_image *im = nsym_file_image(f, i);
		if (nsym_image_id(id->id, sizeof(id->id), im, NSYM_ID_NATIVE) != 0 ||
		    (id->serves = nsym_image_serves(im)) == 0)
			continue;
		out->has_dwarf |= im->format == NSYM_FORMAT_ELF && im->elf->has_debug_info;
		for (char *p = id->id; *p != '\0'; p++)
			*p = (char)(*p >= 'A' && *p <= 'F' ? *p + 32 : *p);
		out->nids++;
	}
	out->path = strdup(nsym_file_path(f));
	nsym_file_close(f);
	if (out->nids == 0 || out->path == NULL || stat(out->path, &st) != 0) {
		snprintf(err, err_size, "%s: no identity a server could file it under", path);
		nsym_upload_release(out);
		return -1;
	}
	out->size = (uint64_t)st.st_size;
	snprintf(out->id, sizeof(out->id), "%s", out->ids[0].id);
	snprintf(out->name, sizeof(out->name), "%s", slash != NULL ? slash + 1 : path);
	return 0;
}

void nsym_upload_release(struct nsym_upload *u)
{
	free(u->path);
	free(u->ids);
	u->path = NULL;
	u->ids = NULL;
}

const char *nsym_upload_result_text(const struct nsym_upload *u)
{
	static const char *const text[] = {"pending", "already there", "would upload", "uploaded",
	                                   "failed"};
	return text[u->state];
}

/* ---- asking first ------------------------------------------------------------ */

struct buffer {
	char *data;
	size_t len, cap;
};

static size_t to_buffer(char *data, size_t size, size_t count, void *arg)
{
	struct buffer *b = arg;
	size_t n = size * count;

	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *grown = cap <= (64u << 20) ? realloc(b->data, cap) : NULL;
		if (grown == NULL)
			return 0;
		b->data = grown;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

static CURL *easy_for(const struct nsym_client *c, const char *path, struct curl_slist *hdr)
{
	char url[4600];
	const char *server = c->servers[0];
	size_t len = strlen(server);
	CURL *e = curl_easy_init();

	if (e == NULL)
		return NULL;
	/* a trailing slash is allowed, as in DEBUGINFOD_URLS */
	snprintf(url, sizeof(url), "%.*s%s",
	         (int)(len > 0 && server[len - 1] == '/' ? len - 1 : len), server, path);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, c->connect_timeout);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, c->stall_timeout);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_USERAGENT, "napi-symbols/" NSYM_VERSION);
	return e;
}

/* One explanation per refusal, so a CI log says what to fix. */
static void explain(char *out, size_t size, long status, const char *reply)
{
	switch (status) {
	case 401:
		snprintf(out, size,
		         "the token is missing, wrong or revoked (401): set --token or "
		         "NAPI_SYMBOLS_TOKEN");
		break;
	case 403:
		snprintf(out, size, "the token lacks the upload scope (403)");
		break;
	case 413:
		snprintf(out, size, "larger than the server's upload limit (413)");
		break;
	case 415:
		snprintf(out, size, "the server cannot identify this kind of file (415)");
		break;
	case 409:
		snprintf(out, size, "the server holds a different file under this identity (409)");
		break;
	default:
		snprintf(out, size, "HTTP %ld: %.300s", status, reply);
		for (char *p = out; *p != '\0'; p++)
			*p = *p == '\n' ? ' ' : *p;
	}
}

/* Set in nsym_upload_id.serves on ids the server said it lacks. */
#define MISSING_BIT 0x100u

static int post_missing(const struct nsym_client *c, const char *body, struct buffer *reply,
                        struct curl_slist *hdr, char *err, size_t err_size)
{
	CURL *e = easy_for(c, "/api/v1/missing", hdr);
	long status = 0;
	CURLcode rc;

	if (e == NULL)
		return -1;
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, to_buffer);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, reply);
	rc = curl_easy_perform(e);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(e);
	if (rc != CURLE_OK) {
		snprintf(err, err_size, "cannot reach %s: %s", c->servers[0],
		         curl_easy_strerror(rc));
		return -1;
	}
	if (status != 200) {
		explain(err, err_size, status, reply->data != NULL ? reply->data : "");
		return -1;
	}
	return 0;
}

static void mark_missing(struct nsym_upload *u, size_t n, const char *reply)
{
	const char *list = strstr(reply, "\"missing\"");

	for (const char *q = list != NULL ? strchr(list + 9, '"') : NULL; q != NULL;
	     q = strchr(q + 1, '"')) {
		const char *end = strchr(q + 1, '"');
		if (end == NULL)
			break;
		for (size_t i = 0; i < n; i++) {
			for (size_t k = 0; k < u[i].nids; k++) {
				if (strlen(u[i].ids[k].id) == (size_t)(end - q - 1) &&
				    strncmp(u[i].ids[k].id, q + 1, (size_t)(end - q - 1)) == 0)
					u[i].ids[k].serves |= MISSING_BIT;
			}
		}
		q = end;
	}
}

static int ask_missing(const struct nsym_client *c, struct nsym_upload *u, size_t n,
                       struct curl_slist *hdr, char *err, size_t err_size)
{
	struct buffer body = {0}, reply = {0};
	size_t count = 0;
	int rc = 0;

	to_buffer("{\"ids\": [", 1, 9, &body);
	for (size_t i = 0; i < n && rc == 0; i++) {
		for (size_t k = 0; k < u[i].nids && rc == 0; k++) {
			char item[NSYM_IMAGE_ID_SIZE + 4];
			int len = snprintf(item, sizeof(item), "%s\"%s\"",
			                   count % MISSING_MAX ? ", " : "", u[i].ids[k].id);
			to_buffer(item, 1, (size_t)len, &body);
			if (++count % MISSING_MAX == 0 || (i == n - 1 && k == u[i].nids - 1)) {
				to_buffer("]}", 1, 2, &body);
				reply.len = 0;
				rc = post_missing(c, body.data, &reply, hdr, err, err_size);
				if (rc == 0)
					mark_missing(u, n, reply.data != NULL ? reply.data : "");
				body.len = 0;
				to_buffer("{\"ids\": [", 1, 9, &body);
			}
		}
	}
	free(body.data);
	free(reply.data);
	return rc;
}

/* Whether the server holds every artifact this file provides. */
static bool all_present(const struct nsym_client *c, const struct nsym_upload *u,
                        struct curl_slist *hdr)
{
	for (size_t k = 0; k < u->nids; k++) {
		if (u->ids[k].serves & MISSING_BIT)
			return false;
		for (size_t t = 0; t < 2; t++) {
			char path[NSYM_IMAGE_ID_SIZE + 40];
			long status = 0;
			CURL *e;
			if (!(u->ids[k].serves & (1u << t)))
				continue;
			snprintf(path, sizeof(path), "/buildid/%s/%s", u->ids[k].id, kinds[t]);
			if ((e = easy_for(c, path, hdr)) == NULL)
				return false;
			curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
			if (curl_easy_perform(e) == CURLE_OK)
				curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
			curl_easy_cleanup(e);
			if (status != 200)
				return false;
		}
	}
	return true;
}

/* ---- the transfers --------------------------------------------------------------- */

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t read_body(char *buf, size_t size, size_t count, void *arg)
{
	struct nsym_upload *u = arg;
	ssize_t n = read(u->fd, buf, size * count);
	return n < 0 ? CURL_READFUNC_ABORT : (size_t)n;
}

static size_t keep_reply(char *data, size_t size, size_t count, void *arg)
{
	struct nsym_upload *u = arg;
	size_t n = size * count, room = sizeof(u->reply) - 1 - u->reply_len;

	memcpy(u->reply + u->reply_len, data, n < room ? n : room);
	u->reply_len += n < room ? n : room;
	u->reply[u->reply_len] = '\0';
	return n;
}

static CURL *start_upload(const struct nsym_client *c, struct nsym_upload *u,
                          struct curl_slist *hdr)
{
	char path[2048];
	char *name, *package = NULL;
	CURL *e;

	u->fd = open(u->path, O_RDONLY | O_CLOEXEC);
	if (u->fd < 0) {
		snprintf(u->error, sizeof(u->error), "%s: %s", u->path, strerror(errno));
		return NULL;
	}
	e = easy_for(c, "", hdr);
	name = e != NULL ? curl_easy_escape(e, u->name, 0) : NULL;
	if (name != NULL && u->package[0] != '\0')
		package = curl_easy_escape(e, u->package, 0);
	if (name == NULL || (u->package[0] != '\0' && package == NULL)) {
		curl_free(name);
		curl_easy_cleanup(e);
		close(u->fd);
		u->fd = -1;
		return NULL;
	}
	/* both escaped fit: 3 bytes a byte of a 255-byte name and a 279-byte package */
	snprintf(path, sizeof(path), "/api/v1/upload?name=%s%s%s", name,
	         package != NULL ? "&package=" : "", package != NULL ? package : "");
	curl_free(name);
	curl_free(package);
	curl_easy_cleanup(e);
	e = easy_for(c, path, hdr);
	if (e == NULL) {
		close(u->fd);
		u->fd = -1;
		return NULL;
	}
	curl_easy_setopt(e, CURLOPT_POST, 1L);
	curl_easy_setopt(e, CURLOPT_READFUNCTION, read_body);
	curl_easy_setopt(e, CURLOPT_READDATA, u);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)u->size);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, keep_reply);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, u);
	curl_easy_setopt(e, CURLOPT_PRIVATE, u);
	u->reply_len = 0;
	u->attempts++;
	return e;
}

/* Settles a finished transfer, or schedules its retry. */
static void settle(struct nsym_upload *u, CURLcode rc, long status)
{
	bool retry = rc != CURLE_OK || status >= 500;

	close(u->fd);
	u->fd = -1;
	if (rc == CURLE_OK && (status == 200 || status == 201)) {
		u->state = status == 201 ? NSYM_UPLOAD_DONE : NSYM_UPLOAD_PRESENT;
		return;
	}
	if (rc != CURLE_OK)
		snprintf(u->error, sizeof(u->error), "%s", curl_easy_strerror(rc));
	else
		explain(u->error, sizeof(u->error), status, u->reply);
	if (retry && u->attempts <= MAX_RETRIES) {
		u->retry_at = now() + (double)(1 << (u->attempts - 1)); /* 1, 2, 4 s */
		return;
	}
	u->state = NSYM_UPLOAD_FAILED;
}

static void show_progress(const struct nsym_upload *u, size_t n)
{
	size_t done = 0;
	for (size_t i = 0; i < n; i++)
		done += u[i].state != NSYM_UPLOAD_PENDING;
	fprintf(stderr, "\ruploading: %zu of %zu files settled", done, n);
	if (done == n)
		fputc('\n', stderr);
}

/* Starts what may start now: pending, not waiting for a retry, room left. */
static void start_ready(const struct nsym_client *c, CURLM *m, struct nsym_upload *u, size_t n,
                        struct curl_slist *hdr, int *active)
{
	for (size_t i = 0; i < n && *active < PARALLEL; i++) {
		CURL *e;
		if (u[i].state != NSYM_UPLOAD_PENDING || u[i].fd >= 0 || u[i].retry_at > now())
			continue;
		if ((e = start_upload(c, &u[i], hdr)) == NULL) {
			u[i].state = NSYM_UPLOAD_FAILED;
			continue;
		}
		curl_multi_add_handle(m, e);
		(*active)++;
	}
}

static void reap(CURLM *m, int *active)
{
	int left;

	for (CURLMsg *msg; (msg = curl_multi_info_read(m, &left)) != NULL;) {
		struct nsym_upload *x = NULL;
		long status = 0;
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
		settle(x, msg->data.result, status);
		curl_multi_remove_handle(m, msg->easy_handle);
		curl_easy_cleanup(msg->easy_handle);
		(*active)--;
	}
}

static void transfer_all(const struct nsym_client *c, struct nsym_upload *u, size_t n,
                         struct curl_slist *hdr, bool progress)
{
	CURLM *m = curl_multi_init();
	int active = 0, still;

	if (m == NULL) {
		for (size_t i = 0; i < n; i++) {
			if (u[i].state == NSYM_UPLOAD_PENDING) {
				u[i].state = NSYM_UPLOAD_FAILED;
				snprintf(u[i].error, sizeof(u[i].error), "cannot start libcurl");
			}
		}
		return;
	}
	for (;;) {
		size_t pending = 0;
		start_ready(c, m, u, n, hdr, &active);
		curl_multi_perform(m, &still);
		reap(m, &active);
		if (progress)
			show_progress(u, n);
		for (size_t i = 0; i < n; i++)
			pending += u[i].state == NSYM_UPLOAD_PENDING;
		if (pending == 0)
			break;
		curl_multi_poll(m, NULL, 0, 100, NULL);
	}
	curl_multi_cleanup(m);
}

static struct curl_slist *headers(const struct nsym_client *c, const char *content_type)
{
	char line[600];
	/* no "Expect: 100-continue" round trip before each body */
	struct curl_slist *h = curl_slist_append(NULL, "Expect:");

	snprintf(line, sizeof(line), "Content-Type: %s", content_type);
	h = curl_slist_append(h, line);
	if (c->token != NULL && c->token[0] != '\0') {
		snprintf(line, sizeof(line), "Authorization: Bearer %s", c->token);
		h = curl_slist_append(h, line);
	}
	return h;
}

int nsym_upload_run(const struct nsym_client *c, struct nsym_upload *u, size_t n, bool dry_run,
                    bool progress, struct nsym_source_counts *sources, char *err, size_t err_size)
{
	struct curl_slist *json, *octets;
	int rc;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, err_size, "cannot start libcurl");
		return -1;
	}
	json = headers(c, "application/json");
	octets = headers(c, "application/octet-stream");
	rc = ask_missing(c, u, n, json, err, err_size);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		u[i].fd = -1;
		if (all_present(c, &u[i], json))
			u[i].state = NSYM_UPLOAD_PRESENT;
		else if (dry_run)
			u[i].state = NSYM_UPLOAD_WOULD;
	}
	if (rc == 0 && !dry_run)
		transfer_all(c, u, n, octets, progress);
	/* after the debug files: the server takes sources only for builds it has */
	for (size_t i = 0; rc == 0 && sources != NULL && i < n; i++) {
		bool on_server = u[i].state == NSYM_UPLOAD_DONE ||
		                 u[i].state == NSYM_UPLOAD_PRESENT ||
		                 u[i].state == NSYM_UPLOAD_WOULD;
		if (u[i].has_dwarf && on_server &&
		    nsym_upload_sources(c, &u[i], dry_run, octets, sources) != 0)
			sources->failed++;
	}
	curl_slist_free_all(json);
	curl_slist_free_all(octets);
	return rc;
}
