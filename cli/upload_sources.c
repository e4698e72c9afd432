/*
 * upload --sources: the source files an uploaded debug file's DWARF names,
 * as far as they exist on this machine, so the server can answer
 * /buildid/ID/source/PATH for gdb. A file the server already holds with
 * the same bytes (its ETag is the SHA-256) is not sent again.
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "napi_symbols_util.h"
#include "upload.h"

struct source_run {
	const struct nsym_client *c;
	const char *build_id;
	CURL *e; /* reused, so every request rides one connection */
	struct curl_slist *hdr;
	struct nsym_source_counts *counts;
	bool dry_run;
};

static bool sha256_file(char *out, const char *path)
{
	unsigned char buf[65536];
	nsym_hash *h = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = -1;
	ssize_t n = 0;

	if (fd >= 0 && (rc = nsym_hash_new(&h, NSYM_HASH_SHA256)) == 0) {
		while (rc == 0 && (n = read(fd, buf, sizeof(buf))) > 0)
			rc = nsym_hash_update(h, buf, (size_t)n);
		if (rc == 0 && n == 0)
			rc = nsym_hash_final_hex(out, h);
		else
			rc = -1;
	}
	if (fd >= 0)
		close(fd);
	nsym_hash_free(h);
	return rc == 0;
}

static size_t ignore(char *data, size_t size, size_t count, void *arg)
{
	(void)data, (void)arg;
	return size * count;
}

struct etag {
	char value[NSYM_SHA256_HEX + 4];
};

static size_t on_header(char *line, size_t size, size_t count, void *arg)
{
	struct etag *t = arg;
	size_t n = size * count;

	if (n > 6 && strncasecmp(line, "ETag: ", 6) == 0)
		snprintf(t->value, sizeof(t->value), "%.*s", (int)(n - 6), line + 6);
	return n;
}

/* 0 when the server holds `path` for this build with these bytes. */
static bool server_has(struct source_run *s, const char *url, const char *sha)
{
	struct etag tag = {""};
	long status = 0;
	char want[NSYM_SHA256_HEX + 4];

	curl_easy_reset(s->e);
	curl_easy_setopt(s->e, CURLOPT_URL, url);
	curl_easy_setopt(s->e, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(s->e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(s->e, CURLOPT_HEADERDATA, &tag);
	curl_easy_setopt(s->e, CURLOPT_HTTPHEADER, s->hdr);
	curl_easy_setopt(s->e, CURLOPT_CONNECTTIMEOUT, s->c->connect_timeout);
	if (curl_easy_perform(s->e) == CURLE_OK)
		curl_easy_getinfo(s->e, CURLINFO_RESPONSE_CODE, &status);
	snprintf(want, sizeof(want), "\"%s\"", sha);
	return status == 200 && strncmp(tag.value, want, strlen(want)) == 0;
}

static long post_file(struct source_run *s, const char *url, const char *path, uint64_t size)
{
	FILE *f = fopen(path, "rbe");
	long status = 0;

	if (f == NULL)
		return -1;
	curl_easy_reset(s->e);
	curl_easy_setopt(s->e, CURLOPT_URL, url);
	curl_easy_setopt(s->e, CURLOPT_POST, 1L);
	curl_easy_setopt(s->e, CURLOPT_READDATA, f);
	curl_easy_setopt(s->e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)size);
	curl_easy_setopt(s->e, CURLOPT_HTTPHEADER, s->hdr);
	curl_easy_setopt(s->e, CURLOPT_WRITEFUNCTION, ignore);
	curl_easy_setopt(s->e, CURLOPT_CONNECTTIMEOUT, s->c->connect_timeout);
	curl_easy_setopt(s->e, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	curl_easy_setopt(s->e, CURLOPT_LOW_SPEED_TIME, s->c->stall_timeout);
	if (curl_easy_perform(s->e) == CURLE_OK)
		curl_easy_getinfo(s->e, CURLINFO_RESPONSE_CODE, &status);
	fclose(f);
	return status;
}

static int one_source(void *arg, const char *path)
{
	struct source_run *s = arg;
	const char *server = s->c->servers[0];
	size_t len = strlen(server);
	char url[8800], sha[NSYM_SHA256_HEX], *escaped;
	struct stat st;
	long status;

	if (path[0] != '/' || stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
	    !sha256_file(sha, path)) {
		s->counts->absent++;
		return 0;
	}
	if (len > 0 && server[len - 1] == '/')
		len--;
	snprintf(url, sizeof(url), "%.*s/buildid/%s/source%s", (int)len, server, s->build_id, path);
	if (server_has(s, url, sha)) {
		s->counts->present++;
		return 0;
	}
	if (s->dry_run) {
		s->counts->would++;
		return 0;
	}
	escaped = curl_easy_escape(s->e, path, 0);
	snprintf(url, sizeof(url), "%.*s/api/v1/upload/source?buildid=%s&path=%s", (int)len, server,
	         s->build_id, escaped != NULL ? escaped : "");
	curl_free(escaped);
	status = post_file(s, url, path, (uint64_t)st.st_size);
	if (status == 200 || status == 201)
		s->counts->uploaded++;
	else
		s->counts->failed++;
	return 0;
}

int nsym_upload_sources(const struct nsym_client *c, const struct nsym_upload *u, bool dry_run,
                        struct curl_slist *hdr, struct nsym_source_counts *counts)
{
	struct source_run s = {c, u->ids[0].id, curl_easy_init(), hdr, counts, dry_run};
	struct nsym_open_options opt = {.debug_file = u->path};
	nsym_symbolizer *sym = NULL;
	int rc;

	if (s.e == NULL)
		return -1;
	rc = nsym_symbolizer_open(&sym, u->path, &opt);
	if (rc == 0)
		rc = nsym_symbolizer_sources(sym, one_source, &s);
	nsym_symbolizer_close(sym);
	curl_easy_cleanup(s.e);
	return rc;
}
