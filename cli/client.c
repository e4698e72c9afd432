/*
 * Fetching from symbol servers with libcurl's multi interface: up to
 * `parallel` transfers at once, spread over a worker thread per CPU, each
 * job walking the server list in order. A plain-http transfer takes the
 * fast path beside libcurl (http_direct.h), and goes back to libcurl when
 * the answer needs a full client.
 * Bodies stream into a temporary file in the cache, whose identity is read
 * back before the file is renamed into place.
 */
#include <curl/curl.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "http_direct.h"
#include "napi_symbols.h"

static long env_seconds(const char *name, long fallback)
{
	const char *v = getenv(name);
	char *end;
	long s = v != NULL ? strtol(v, &end, 10) : -1;
	return v != NULL && end != v && *end == '\0' && s > 0 ? s : fallback;
}

int nsym_client_init(struct nsym_client *out, const char *servers, const char *token, char *err,
                     size_t err_size)
{
	const char *list = servers;
	char *save = NULL;

	bool ours = true;

	memset(out, 0, sizeof(*out));
	if (list == NULL)
		list = getenv("NAPI_SYMBOLS_SERVER");
	if (list == NULL || list[0] == '\0') {
		list = getenv("DEBUGINFOD_URLS");
		ours = false;
	}
	snprintf(out->urls, sizeof(out->urls), "%s", list != NULL ? list : "");
	for (char *u = strtok_r(out->urls, " \t\n", &save);
	     u != NULL && out->nservers < NSYM_CLIENT_MAX_SERVERS;
	     u = strtok_r(NULL, " \t\n", &save))
		out->servers[out->nservers++] = u;
	/* A token goes only to servers named for napi-symbols: DEBUGINFOD_URLS
	 * is often a distribution's public server, set for every shell, and a
	 * CI token must not leak there. */
	out->ours = ours;
	out->token = !ours ? NULL : token != NULL ? token : getenv("NAPI_SYMBOLS_TOKEN");
	out->connect_timeout = env_seconds("NAPI_SYMBOLS_CONNECT_TIMEOUT", 5);
	out->stall_timeout = env_seconds("NAPI_SYMBOLS_TIMEOUT", 30);
	out->parallel = 4;
	if (nsym_cache_init(&out->cache) != 0) {
		snprintf(err, err_size, "no cache folder: set DEBUGINFOD_CACHE_PATH or HOME");
		return -1;
	}
	return 0;
}

/* ---- one transfer ------------------------------------------------------------- */

/* One nsym_fetch_run: its jobs are shared by worker threads, each with its
 * own libcurl multi handle. One thread receiving and writing every file
 * was CPU-bound on the two copies of each byte (socket to libcurl, libcurl
 * to the page cache: docs/performance.md); workers spread those over the
 * CPUs. */
struct fetch_run {
	struct nsym_client *c;
	struct nsym_fetch *jobs;
	size_t n;
	struct curl_slist *hdr;
	char auth[600];             /* the token's header line, or "" */
	int per_worker;             /* transfers at once in each worker */
	atomic_size_t next;         /* the next job to take */
	atomic_size_t done;         /* jobs settled */
	atomic_uint_fast64_t bytes; /* downloaded, all jobs */
	pthread_mutex_t progress_lock;
	nsym_fetch_progress progress;
	void *arg;
};

static size_t on_body(char *data, size_t size, size_t count, void *arg)
{
	struct nsym_fetch *j = arg;
	size_t n = size * count, done = 0;
	curl_off_t length = -1;

	if (j->bytes == 0 &&
	    curl_easy_getinfo(j->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) == CURLE_OK &&
	    length > 0)
		nsym_cache_reserve(j->fd, (uint64_t)length);
	while (done < n) {
		ssize_t w = write(j->fd, data + done, n - done);
		if (w <= 0) {
			snprintf(j->error, sizeof(j->error), "cannot write to the cache: %s",
			         strerror(errno));
			return 0; /* makes libcurl stop this transfer */
		}
		done += (size_t)w;
	}
	j->bytes += n;
	atomic_fetch_add(&((struct fetch_run *)j->run)->bytes, n);
	return n;
}

/* name with every byte but A-Z a-z 0-9 . _ ~ - percent-encoded. */
static void url_escape(char *out, size_t size, const char *name)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)name; *p != '\0' && n + 4 < size;
	     p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("._~-", *p) != NULL) {
			out[n++] = (char)*p;
		} else {
			out[n++] = '%';
			out[n++] = hex[*p >> 4];
			out[n++] = hex[*p & 15];
		}
	}
	out[n] = '\0';
}

static void url_for(char *out, size_t size, const char *server, const struct nsym_fetch *j)
{
	size_t len = strlen(server);
	/* as elfutils does: a trailing slash means "buildid" is appended bare */
	const char *slash = len > 0 && server[len - 1] == '/' ? "" : "/";
	char name[3 * 255 + 1];

	if (j->symsrv_name != NULL) {
		url_escape(name, sizeof(name), j->symsrv_name);
		snprintf(out, size, "%s%ssymsrv/%s/%s/%s", server, slash, name, j->id, name);
		return;
	}
	snprintf(out, size, "%s%sbuildid/%s/%s", server, slash, j->id, j->kind);
}

static CURL *start_transfer(struct nsym_client *c, struct nsym_fetch *j, const char *url,
                            struct curl_slist *hdr)
{
	CURL *e = curl_easy_init();

	if (e == NULL)
		return NULL;
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, j);
	/* larger reads: 12,600 recv/write/poll rounds for 200 MB at the default */
	curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 512L * 1024);
	curl_easy_setopt(e, CURLOPT_PRIVATE, j);
	/* several threads: no signals (SIGPIPE handling, alarm-based DNS timeouts) */
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, c->connect_timeout);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, c->stall_timeout);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "napi-symbols/" NSYM_VERSION);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdr);
	j->easy = e;
	return e;
}

/* Whether a downloaded symcache is one this library reads, for the
 * identity asked for: its format version, identity and header checksum
 * (the rest is checked as lookups read it). */
static bool symcache_matches(const struct nsym_fetch *j, char *found, size_t size)
{
	nsym_symbolizer *sym = NULL;
	int rc = nsym_symbolizer_open_cache(&sym, j->tmp, j->id);

	nsym_symbolizer_close(sym);
	if (rc != 0)
		snprintf(found, size, "none (a symcache this program cannot use: %s)",
		         nsym_error_detail());
	return rc == 0;
}

/* Whether the downloaded file carries the identity that was asked for. */
static bool identity_matches(const struct nsym_fetch *j, char *found, size_t size)
{
	nsym_file *f = NULL;
	bool ok = false;

	if (strcmp(j->kind, "symcache") == 0)
		return symcache_matches(j, found, size);
	snprintf(found, size, "none");
	if (nsym_file_open(&f, j->tmp) != 0) {
		snprintf(found, size, "none (%s)", nsym_error_detail());
		return false;
	}
	for (size_t i = 0; i < nsym_file_image_count(f) && !ok; i++) {
		char id[NSYM_IMAGE_ID_SIZE];
		if (nsym_image_id(id, sizeof(id), nsym_file_image(f, i), NSYM_ID_NATIVE) != 0)
			continue;
		for (char *p = id; *p != '\0'; p++)
			*p = (char)(*p >= 'A' && *p <= 'F' ? *p + 32 : *p);
		snprintf(found, size, "%s", id);
		ok = strcmp(id, j->id) == 0;
	}
	nsym_file_close(f);
	return ok;
}

/* Settles one finished transfer: kept, or on to the next server.
 * `answered`: the server sent a whole answer, of HTTP `status`; if not,
 * `transport` says what went wrong, unless j->error already does (a status
 * there means the server was reached: the body, or its writing, failed). */
static void finish_transfer(struct nsym_client *c, struct nsym_fetch *j, bool answered, long status,
                            const char *transport)
{
	const char *server = c->servers[j->next_server];
	char found[NSYM_IMAGE_ID_SIZE + 80];

	close(j->fd);
	j->fd = -1;
	j->reached |= answered || status > 0;
	if (answered && status == 200 && identity_matches(j, found, sizeof(found))) {
		if (nsym_cache_commit(j->tmp, j->path) == 0) {
			j->state = NSYM_FETCH_FOUND;
			j->server = server;
			return;
		}
		snprintf(j->error, sizeof(j->error), "cannot keep it in the cache: %s",
		         strerror(errno));
	} else if (answered && status == 200) {
		snprintf(j->error, sizeof(j->error),
		         "%.120s served a file with identity %.140s, not %s", server, found, j->id);
	} else if (answered && status != 404) {
		snprintf(j->error, sizeof(j->error), "%s answered HTTP %ld", server, status);
	} else if (!answered && j->error[0] == '\0') {
		snprintf(j->error, sizeof(j->error), "%s: %s", server, transport);
	}
	unlink(j->tmp);
	j->next_server++;
	j->via_libcurl = false;
}

/* ---- the run -------------------------------------------------------------------- */

static bool from_cache(struct nsym_client *c, struct nsym_fetch *j)
{
	switch (nsym_cache_lookup(&c->cache, j->path, sizeof(j->path), j->id, j->kind)) {
	case NSYM_CACHE_HIT:
		j->state = NSYM_FETCH_CACHED;
		return true;
	case NSYM_CACHE_MISS:
		j->state = NSYM_FETCH_NOT_ON_SERVER;
		snprintf(j->error, sizeof(j->error),
		         "not on the servers (a miss remembered for %d s)", c->cache.miss_seconds);
		return true;
	default:
		return false;
	}
}

/* No server left for j: a miss everywhere is remembered, anything else is
 * a failure (a server down must not hide the file for ten minutes). */
static void give_up(struct nsym_client *c, struct nsym_fetch *j)
{
	if (j->error[0] == '\0') {
		j->state = NSYM_FETCH_NOT_ON_SERVER;
		nsym_cache_remember_miss(&c->cache, j->id, j->kind);
	} else {
		j->state = NSYM_FETCH_FAILED;
	}
}

/* One worker thread: its libcurl multi handle, and beside it the
 * transfers of the fast path (http_direct.h), one slot per transfer it
 * may run at once. */
struct worker {
	struct fetch_run *run;
	CURLM *multi;
	int active; /* transfers under way, of both kinds */
	struct direct_slot {
		struct nsym_http_direct *d; /* NULL: free */
		struct nsym_fetch *j;
	} * direct;
	struct curl_waitfd *waits;
};

static int start_direct(struct worker *w, struct nsym_fetch *j, const char *url)
{
	struct nsym_client *c = w->run->c;
	struct direct_slot *slot = w->direct;

	while (slot->d != NULL) /* a free one is there: active < per_worker */
		slot++;
	slot->d = malloc(sizeof(*slot->d));
	if (slot->d == NULL)
		return -1;
	slot->j = j;
	nsym_http_direct_start(slot->d, url, w->run->auth[0] != '\0' ? w->run->auth : NULL, j->fd,
	                       c->connect_timeout, c->stall_timeout);
	return 0;
}

/* Starts j's next transfer, or settles it; 1 when a transfer is running. */
static int advance(struct worker *w, struct nsym_fetch *j)
{
	struct nsym_client *c = w->run->c;
	char url[4400];
	CURL *e;

	if (j->next_server >= c->nservers) {
		give_up(c, j);
		atomic_fetch_add(&w->run->done, 1);
		return 0;
	}
	if (j->fd < 0) /* a transfer the fast path declined keeps its file */
		j->fd = nsym_cache_begin(&c->cache, j->tmp, sizeof(j->tmp), j->id, j->kind);
	if (j->fd < 0) {
		snprintf(j->error, sizeof(j->error), "cannot write in the cache %.300s: %s",
		         c->cache.root, strerror(errno));
		j->state = NSYM_FETCH_FAILED;
		atomic_fetch_add(&w->run->done, 1);
		return 0;
	}
	url_for(url, sizeof(url), c->servers[j->next_server], j);
	if (!j->via_libcurl && nsym_http_direct_usable(url) && start_direct(w, j, url) == 0)
		return 1;
	e = start_transfer(c, j, url, w->run->hdr);
	if (e == NULL) {
		close(j->fd);
		unlink(j->tmp);
		j->state = NSYM_FETCH_FAILED;
		atomic_fetch_add(&w->run->done, 1);
		return 0;
	}
	curl_multi_add_handle(w->multi, e);
	return 1;
}

/* After a transfer of j ended: j is settled, or on to its next one. */
static void after_transfer(struct worker *w, struct nsym_fetch *j)
{
	w->active--;
	if (j->state != NSYM_FETCH_PENDING)
		atomic_fetch_add(&w->run->done, 1);
	else
		w->active += advance(w, j);
}

/* Settles libcurl's finished transfers. */
static void reap(struct worker *w)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(w->multi, &left)) != NULL) {
		struct nsym_fetch *j = NULL;
		long status = 0;
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&j);
		curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
		finish_transfer(w->run->c, j, msg->data.result == CURLE_OK, status,
		                curl_easy_strerror(msg->data.result));
		curl_multi_remove_handle(w->multi, msg->easy_handle);
		curl_easy_cleanup(msg->easy_handle);
		after_transfer(w, j);
	}
}

/* Moves the fast path's transfers on, and settles those that ended. A
 * declined one goes to libcurl, on the same server. */
static void step_direct(struct worker *w)
{
	for (int i = 0; i < w->run->per_worker; i++) {
		struct direct_slot *slot = &w->direct[i];
		struct nsym_fetch *j = slot->j;
		enum nsym_http_direct_result r;
		uint64_t moved;

		if (slot->d == NULL)
			continue;
		r = nsym_http_direct_step(slot->d, &moved);
		j->bytes += moved;
		atomic_fetch_add(&w->run->bytes, moved);
		if (r == NSYM_HTTP_DIRECT_AGAIN)
			continue;
		if (r == NSYM_HTTP_DIRECT_DECLINED) {
			/* nothing was written: the file is libcurl's to fill */
			j->via_libcurl = true;
		} else if (r == NSYM_HTTP_DIRECT_DONE) {
			finish_transfer(w->run->c, j, true, slot->d->status, NULL);
		} else {
			if (slot->d->write_failed) /* as on_body: the cache's error wins */
				snprintf(j->error, sizeof(j->error), "%s", slot->d->error);
			finish_transfer(w->run->c, j, false, slot->d->status, slot->d->error);
		}
		nsym_http_direct_close(slot->d);
		free(slot->d);
		slot->d = NULL;
		after_transfer(w, j);
	}
}

/* Waits for libcurl's sockets and the fast path's, 200 ms at most. */
static void wait_for_sockets(struct worker *w)
{
	unsigned n = 0;

	for (int i = 0; i < w->run->per_worker; i++) {
		bool out;
		int fd =
		    w->direct[i].d != NULL ? nsym_http_direct_poll_fd(w->direct[i].d, &out) : -1;
		if (fd < 0)
			continue;
		w->waits[n].fd = fd;
		w->waits[n].events = out ? CURL_WAIT_POLLOUT : CURL_WAIT_POLLIN;
		w->waits[n].revents = 0;
		n++;
	}
	curl_multi_poll(w->multi, w->waits, n, 200, NULL);
}

/* Takes jobs until none is left; 1 when it started a transfer. */
static int take_job(struct worker *w, bool *more)
{
	struct fetch_run *run = w->run;
	size_t i = atomic_fetch_add(&run->next, 1);
	struct nsym_fetch *j;

	if (i >= run->n) {
		*more = false;
		return 0;
	}
	j = &run->jobs[i];
	j->run = run;
	if (!from_cache(run->c, j))
		return advance(w, j);
	atomic_fetch_add(&run->done, 1);
	return 0;
}

/* Progress from whichever worker is free to give it; the last is the caller's. */
static void report_progress(struct fetch_run *run)
{
	size_t done = atomic_load(&run->done);

	if (run->progress == NULL || done == run->n ||
	    pthread_mutex_trylock(&run->progress_lock) != 0)
		return;
	run->progress(run->arg, done, run->n, atomic_load(&run->bytes));
	pthread_mutex_unlock(&run->progress_lock);
}

static void *fetch_worker(void *arg)
{
	struct worker w = {.run = arg, .multi = curl_multi_init()};
	bool more;
	int still;

	w.direct = calloc((size_t)w.run->per_worker, sizeof(*w.direct));
	w.waits = calloc((size_t)w.run->per_worker, sizeof(*w.waits));
	more = w.multi != NULL && w.direct != NULL && w.waits != NULL;
	while (more || w.active > 0) {
		while (more && w.active < w.run->per_worker)
			w.active += take_job(&w, &more);
		curl_multi_perform(w.multi, &still);
		reap(&w);
		step_direct(&w);
		report_progress(w.run);
		if (w.active > 0)
			wait_for_sockets(&w);
	}
	if (w.multi != NULL)
		curl_multi_cleanup(w.multi);
	free(w.direct);
	free(w.waits);
	return NULL;
}

/* The token's header, for both kinds of transfer. */
static struct curl_slist *auth_header(const struct nsym_client *c, char *line, size_t size)
{
	line[0] = '\0';
	if (c->token == NULL || c->token[0] == '\0')
		return NULL;
	snprintf(line, size, "Authorization: Bearer %s", c->token);
	return curl_slist_append(NULL, line);
}

/* One per CPU, at most 4 and at most one per job. */
static int worker_count(size_t jobs)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int n = cpus < 1 ? 1 : cpus > 4 ? 4 : (int)cpus;

	return jobs < (size_t)n ? (jobs > 0 ? (int)jobs : 1) : n;
}

int nsym_fetch_run(struct nsym_client *c, struct nsym_fetch *jobs, size_t n,
                   nsym_fetch_progress progress, void *arg)
{
	struct fetch_run run = {.c = c, .jobs = jobs, .n = n, .progress = progress, .arg = arg};
	pthread_t threads[4];
	int workers = worker_count(n), started = 0;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -1;
	run.hdr = auth_header(c, run.auth, sizeof(run.auth));
	run.per_worker = c->parallel / workers > 0 ? c->parallel / workers : 1;
	pthread_mutex_init(&run.progress_lock, NULL);
	for (size_t i = 0; i < n; i++) {
		jobs[i].state = NSYM_FETCH_PENDING;
		jobs[i].fd = -1;
	}
	/* the caller's thread is a worker too; a thread that cannot start is one fewer */
	while (started + 1 < workers &&
	       pthread_create(&threads[started], NULL, fetch_worker, &run) == 0)
		started++;
	fetch_worker(&run);
	for (int i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	if (progress != NULL)
		progress(arg, atomic_load(&run.done), n, atomic_load(&run.bytes));
	pthread_mutex_destroy(&run.progress_lock);
	curl_slist_free_all(run.hdr);
	return 0;
}
