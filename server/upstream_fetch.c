/*
 * One GET of an upstream server into a file, for upstream.c: libcurl with
 * a handle per worker thread (kept between requests, so that connections
 * to an upstream are reused, and freed when the thread ends), no signal
 * handlers (CURLOPT_NOSIGNAL: the server's threads share the process),
 * a bounded connect, a bounded stall and a bounded size.
 */
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "upstream_fetch.h"

static pthread_key_t handle_key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static int key_made = -1;

static void free_handle(void *h)
{
	curl_easy_cleanup(h);
}

static void make_key(void)
{
	key_made = pthread_key_create(&handle_key, free_handle);
}

int nsym_upstream_fetch_init(void)
{
	/* once per process, before the workers start; s3.c's is the same
	 * call, which libcurl counts */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return NSYM_ENOMEM;
	pthread_once(&key_once, make_key);
	return key_made == 0 ? 0 : NSYM_ENOMEM;
}

/* This thread's handle, made on first use. */
static CURL *thread_handle(void)
{
	CURL *h = pthread_getspecific(handle_key);

	if (h == NULL && (h = curl_easy_init()) != NULL &&
	    pthread_setspecific(handle_key, h) != 0) {
		curl_easy_cleanup(h);
		h = NULL;
	}
	return h;
}

struct sink {
	int fd;
	uint64_t written, max;
	bool too_big, write_failed;
	int write_errno;
};

static size_t on_data(char *data, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	size_t len = size * n, done = 0;

	if (len > s->max - s->written) {
		s->too_big = true;
		return 0;
	}
	while (done < len) {
		ssize_t w = write(s->fd, data + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			s->write_failed = true;
			s->write_errno = w < 0 ? errno : EIO;
			return 0;
		}
		done += (size_t)w;
	}
	s->written += len;
	return len;
}

int nsym_upstream_get(struct nsym_fetch_result *out, const struct nsym_fetch *f)
{
	CURL *h = thread_handle();
	struct sink s = {.fd = f->fd, .max = f->max};
	CURLcode cc;

	memset(out, 0, sizeof(*out));
	if (h == NULL) {
		snprintf(out->why, sizeof(out->why), "out of memory starting an HTTP client");
		return NSYM_ENOMEM;
	}
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, f->url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, f->headers);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "napi-symbols-serve");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
	/* a stall, not a slow transfer, ends it: a big file may take long */
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (long)f->stall_seconds);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	/* SymSrv stores redirect to their blob storage; debuginfod clients
	 * follow redirects too */
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)f->max);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
	cc = curl_easy_perform(h);
	out->size = s.written;
	if (cc == CURLE_OK) {
		long status = 0;
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		out->status = (int)status;
		return 0;
	}
	if (s.too_big || cc == CURLE_FILESIZE_EXCEEDED)
		snprintf(out->why, sizeof(out->why),
		         "the file is larger than the upstream cache (--upstream-cache-size)");
	else if (s.write_failed)
		snprintf(out->why, sizeof(out->why), "cannot write to the upstream cache: %s",
		         strerror(s.write_errno));
	else
		snprintf(out->why, sizeof(out->why), "%s", curl_easy_strerror(cc));
	return s.write_failed && s.write_errno == ENOSPC ? NSYM_ENOSPC : NSYM_EIO;
}
