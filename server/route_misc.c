/* /metrics, /healthz, and the log line and reply of an internal failure. */
#include <civetweb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "module_cache.h"
#include "routes.h"

void nsym_log_internal(struct nsym_request *r, int code, const char *detail)
{
	fprintf(stderr, "napi-symbols serve: %s %s: %s\n", r->ri->request_method, r->path, detail);
	nsym_metrics_error(code);
}

void nsym_reply_internal(struct nsym_request *r, int code, const char *detail)
{
	nsym_log_internal(r, code, detail);
	if (code == NSYM_ENOSPC)
		nsym_reply_error(r, 507, "the server's disk is full (logged); try again later");
	else
		nsym_reply_error(r, 503, "internal error (logged); try again");
}

void nsym_handle_metrics(struct nsym_request *r)
{
	struct nsym_module_cache_stats modules;
	int64_t artifacts = 0, bytes = 0;
	size_t need;
	char *buf;

	nsym_module_cache_stats(&modules, nsym_server_modules(r->srv));
	if (r->store->ops->stats(r->store, &artifacts, &bytes) != 0) {
		nsym_reply_internal(r, NSYM_EIO, nsym_store_errmsg(r->store));
		return;
	}
	need = nsym_metrics_format(NULL, 0, artifacts, bytes, &modules) + 1;
	buf = malloc(need);
	if (buf == NULL) {
		nsym_reply_internal(r, NSYM_ENOMEM, "out of memory");
		return;
	}
	need = nsym_metrics_format(buf, need, artifacts, bytes, &modules);
	nsym_reply(r, 200, "text/plain; version=0.0.4", "", buf, need);
	free(buf);
}

void nsym_handle_healthz(struct nsym_request *r)
{
	int64_t artifacts = 0, bytes = 0;

	/* healthy: the database answers */
	if (r->store->ops->stats(r->store, &artifacts, &bytes) != 0)
		nsym_reply_internal(r, NSYM_EIO, nsym_store_errmsg(r->store));
	else
		nsym_reply(r, 200, "text/plain", "", "ok\n", 3);
}
