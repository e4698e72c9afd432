/* Counters for /metrics (Prometheus text format). Process-wide. */
#ifndef NSYM_SERVER_METRICS_H
#define NSYM_SERVER_METRICS_H

#include <stddef.h>
#include <stdint.h>

/* route: a static string (the route's name). */
void nsym_metrics_request(const char *route, int status, uint64_t bytes);
/* result: "created", "exists", "refused". */
void nsym_metrics_upload(const char *result);
/* A connection the watchdog shut down (connections.c); reason:
 * "head_timeout" or "workers_short". */
void nsym_metrics_conn_shed(const char *reason);
/* A symcache the symbolicate route built; result: "built", "failed". */
void nsym_metrics_symcache(const char *result);
/* What asking the upstream servers came to (upstream.c); result: "cached"
 * (served from the upstream cache), "fetched", "lacks" (an upstream's 404),
 * "failed", "refused" (a file without the identity asked for),
 * "miss_remembered", "loop" (not forwarded: it came through here). */
void nsym_metrics_upstream(const char *result);
/* An internal failure, by NSYM_E* code: these are the 5xx a client sees. */
void nsym_metrics_error(int code);
struct nsym_module_cache_stats;
/* Writes the text exposition into buf, with the gauges of the store and
 * of the open modules (module_cache.h); returns its length (or the size it
 * would need when that exceeds `size`). */
size_t nsym_metrics_format(char *buf, size_t size, int64_t artifacts, int64_t store_bytes,
                           const struct nsym_module_cache_stats *modules);

#endif
