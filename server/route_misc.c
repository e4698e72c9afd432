/* /metrics, /healthz and the home page. */
#include <civetweb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "routes.h"

void nsym_reply_internal(struct nsym_request *r, int code, const char *detail)
{
	fprintf(stderr, "napi-symbols serve: %s %s: %s\n", r->ri->request_method, r->path, detail);
	nsym_metrics_error(code);
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

void nsym_handle_home(struct nsym_request *r)
{
	static const char page[] =
	    "napi-symbols symbol server\n\n"
	    "GET  /buildid/ID/debuginfo|executable|section/NAME   (the debuginfod API)\n"
	    "GET  /symsrv/FILE/ID/FILE                            (SymSrv and SSQP)\n"
	    "POST /api/v1/upload?name=FILE                        (Authorization: Bearer TOKEN)\n"
	    "POST /api/v1/missing                                 {\"ids\": [...]}\n"
	    "GET  /api/v1/artifacts?q=TEXT&offset=N&limit=N, /api/v1/artifacts/ID\n"
	    "DELETE /api/v1/artifacts/ID                          (admin)\n"
	    "GET  /metrics, /healthz\n"
	    "\nDocumentation: docs/server-api.md in the napi-symbols sources\n";
	nsym_reply(r, 200, "text/plain; charset=utf-8", "", page, sizeof(page) - 1);
}
