/* /metrics, /healthz and the home page. */
#include <civetweb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
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
	int64_t artifacts = 0, bytes = 0;
	size_t need;
	char *buf;

	if (r->store->ops->stats(r->store, &artifacts, &bytes) != 0) {
		nsym_reply_internal(r, NSYM_EIO, nsym_store_errmsg(r->store));
		return;
	}
	need = nsym_metrics_format(NULL, 0, artifacts, bytes) + 1;
	buf = malloc(need);
	if (buf == NULL) {
		nsym_reply_internal(r, NSYM_ENOMEM, "out of memory");
		return;
	}
	need = nsym_metrics_format(buf, need, artifacts, bytes);
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

/* The home page: every route of nsym_routes, one line each, with the
 * scope a token needs for it (reads need one only with --read-token). */
void nsym_handle_home(struct nsym_request *r)
{
	struct nsym_buf b;

	nsym_buf_init(&b, 16384);
	nsym_buf_printf(&b, "napi-symbols symbol server\n\n");
	for (const struct nsym_route *rt = nsym_routes; rt->prefix != NULL; rt++) {
		const char *scope = rt->need == NSYM_SCOPE_NONE ? "" : nsym_scope_name(rt->need);
		nsym_buf_printf(&b, "%-9s %-60s %-7s %s\n", rt->methods, rt->usage, scope,
		                rt->about);
	}
	nsym_buf_printf(&b,
	                "\nA scope needs a token: Authorization: Bearer TOKEN%s.\n"
	                "Documentation: docs/server-api.md in the napi-symbols sources.\n",
	                r->srv != NULL && nsym_server_config(r->srv)->read_token
	                    ? ""
	                    : " (reads need none on this server)");
	if (b.failed)
		nsym_reply_internal(r, NSYM_ENOMEM, "the home page outgrew its buffer");
	else
		nsym_reply(r, 200, "text/plain; charset=utf-8", "", b.data, b.len);
	nsym_buf_free(&b);
}
