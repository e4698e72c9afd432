/*
 * Counters behind /metrics. Few distinct label sets exist (routes times the
 * statuses they answer), so a small table under a mutex is enough; the
 * cost is one uncontended lock per request.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "metrics.h"
#include "module_cache.h"
#include "napi_symbols.h"

#define MAX_SERIES 128

struct series {
	const char *name; /* route, upload result, or error text */
	int code;         /* status or error code */
	uint64_t count;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct series requests[MAX_SERIES], uploads[8], errors[32], sheds[4], symcaches[2],
    upstreams[8];
static uint64_t bytes_sent;

static void bump(struct series *table, size_t n, const char *name, int code)
{
	for (size_t i = 0; i < n; i++) {
		if (table[i].name == NULL) {
			table[i].name = name;
			table[i].code = code;
		}
		if (table[i].name == name && table[i].code == code) {
			table[i].count++;
			return;
		}
	}
}

void nsym_metrics_request(const char *route, int status, uint64_t bytes)
{
	pthread_mutex_lock(&lock);
	bump(requests, MAX_SERIES, route, status);
	bytes_sent += bytes;
	pthread_mutex_unlock(&lock);
}

void nsym_metrics_upload(const char *result)
{
	pthread_mutex_lock(&lock);
	bump(uploads, sizeof(uploads) / sizeof(*uploads), result, 0);
	pthread_mutex_unlock(&lock);
}

void nsym_metrics_conn_shed(const char *reason)
{
	pthread_mutex_lock(&lock);
	bump(sheds, sizeof(sheds) / sizeof(*sheds), reason, 0);
	pthread_mutex_unlock(&lock);
}

void nsym_metrics_symcache(const char *result)
{
	pthread_mutex_lock(&lock);
	bump(symcaches, sizeof(symcaches) / sizeof(*symcaches), result, 0);
	pthread_mutex_unlock(&lock);
}

void nsym_metrics_upstream(const char *result)
{
	pthread_mutex_lock(&lock);
	bump(upstreams, sizeof(upstreams) / sizeof(*upstreams), result, 0);
	pthread_mutex_unlock(&lock);
}

void nsym_metrics_error(int code)
{
	pthread_mutex_lock(&lock);
	bump(errors, sizeof(errors) / sizeof(*errors), "error", code);
	pthread_mutex_unlock(&lock);
}

struct out {
	char *buf;
	size_t size, used;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->used < o->size ? o->buf + o->used : NULL,
	              o->used < o->size ? o->size - o->used : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->used += (size_t)n;
}

size_t nsym_metrics_format(char *buf, size_t size, int64_t artifacts, int64_t store_bytes,
                           const struct nsym_module_cache_stats *modules)
{
	struct out o = {buf, size, 0};

	pthread_mutex_lock(&lock);
	put(&o, "# HELP nsym_http_requests_total HTTP requests by route and status.\n"
	        "# TYPE nsym_http_requests_total counter\n");
	for (size_t i = 0; i < MAX_SERIES && requests[i].name != NULL; i++)
		put(&o, "nsym_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n",
		    requests[i].name, requests[i].code, (unsigned long long)requests[i].count);
	put(&o,
	    "# HELP nsym_http_sent_bytes_total Response body bytes sent.\n"
	    "# TYPE nsym_http_sent_bytes_total counter\nnsym_http_sent_bytes_total %llu\n",
	    (unsigned long long)bytes_sent);
	put(&o,
	    "# HELP nsym_uploads_total Uploads by result.\n# TYPE nsym_uploads_total counter\n");
	for (size_t i = 0; i < sizeof(uploads) / sizeof(*uploads) && uploads[i].name != NULL; i++)
		put(&o, "nsym_uploads_total{result=\"%s\"} %llu\n", uploads[i].name,
		    (unsigned long long)uploads[i].count);
	put(&o, "# HELP nsym_symcache_builds_total Symcaches the symbolicate route built, by "
	        "result.\n# TYPE nsym_symcache_builds_total counter\n");
	for (size_t i = 0; i < sizeof(symcaches) / sizeof(*symcaches) && symcaches[i].name != NULL;
	     i++)
		put(&o, "nsym_symcache_builds_total{result=\"%s\"} %llu\n", symcaches[i].name,
		    (unsigned long long)symcaches[i].count);
	put(&o, "# HELP nsym_upstream_total Downloads the store lacked, by what asking the "
	        "upstream servers came to.\n# TYPE nsym_upstream_total counter\n");
	for (size_t i = 0; i < sizeof(upstreams) / sizeof(*upstreams) && upstreams[i].name != NULL;
	     i++)
		put(&o, "nsym_upstream_total{result=\"%s\"} %llu\n", upstreams[i].name,
		    (unsigned long long)upstreams[i].count);
	put(&o, "# HELP nsym_errors_total Internal failures by error code.\n"
	        "# TYPE nsym_errors_total counter\n");
	for (size_t i = 0; i < sizeof(errors) / sizeof(*errors) && errors[i].name != NULL; i++)
		put(&o, "nsym_errors_total{code=\"%s\"} %llu\n", nsym_strerror(errors[i].code),
		    (unsigned long long)errors[i].count);
	put(&o, "# HELP nsym_connections_shed_total Connections closed while they waited for a "
	        "request's head, by reason.\n# TYPE nsym_connections_shed_total counter\n");
	for (size_t i = 0; i < sizeof(sheds) / sizeof(*sheds) && sheds[i].name != NULL; i++)
		put(&o, "nsym_connections_shed_total{reason=\"%s\"} %llu\n", sheds[i].name,
		    (unsigned long long)sheds[i].count);
	pthread_mutex_unlock(&lock);
	put(&o,
	    "# HELP nsym_store_artifacts Artifacts in the store.\n# TYPE nsym_store_artifacts "
	    "gauge\nnsym_store_artifacts %lld\n",
	    (long long)artifacts);
	put(&o,
	    "# HELP nsym_store_bytes Bytes of blobs in the store.\n# TYPE nsym_store_bytes "
	    "gauge\nnsym_store_bytes %lld\n",
	    (long long)store_bytes);
	put(&o,
	    "# HELP nsym_open_modules Modules the symbolicate route keeps open between "
	    "requests (at most nsym_open_modules_max).\n# TYPE nsym_open_modules gauge\n"
	    "nsym_open_modules %zu\n# HELP nsym_open_modules_max serve --open-modules.\n"
	    "# TYPE nsym_open_modules_max gauge\nnsym_open_modules_max %zu\n"
	    "# HELP nsym_open_modules_evicted_in_use Modules closed out of the cache while a "
	    "request used them: closed when it ends.\n# TYPE nsym_open_modules_evicted_in_use "
	    "gauge\nnsym_open_modules_evicted_in_use %zu\n# HELP nsym_no_symbols_remembered "
	    "Modules the store had no symbols for, remembered briefly.\n# TYPE "
	    "nsym_no_symbols_remembered gauge\nnsym_no_symbols_remembered %zu\n",
	    modules->open, modules->max_open, modules->open_in_use_evicted, modules->none);
	return o.used;
}
