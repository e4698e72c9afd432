/* The handlers nsym_routes (routes.c) points at. */
#ifndef NSYM_SERVER_ROUTES_H
#define NSYM_SERVER_ROUTES_H

#include <stddef.h>

#include "http.h"

void nsym_handle_buildid(struct nsym_request *r);
void nsym_handle_upload(struct nsym_request *r);
void nsym_handle_symsrv(struct nsym_request *r);
void nsym_handle_missing(struct nsym_request *r);
void nsym_handle_symbolicate(struct nsym_request *r);
/* The symbolicate route's body when it is a request of Mozilla's
 * symbolication API v5 (route_symbolicate_v5.c): answered, 0; or
 * NSYM_ENOENT, nothing sent, when the body is no such request. */
int nsym_symbolicate_v5(struct nsym_request *r, const char *text, size_t len);
void nsym_handle_artifacts(struct nsym_request *r);
void nsym_handle_artifact(struct nsym_request *r);
void nsym_handle_artifact_delete(struct nsym_request *r);
void nsym_handle_upload_source(struct nsym_request *r);
void nsym_handle_source_delete(struct nsym_request *r);
/* GET|HEAD /buildid/ID/source/PATH, from nsym_handle_buildid: id is
 * lowercase hex, path what followed "source/" (percent-decoded). */
void nsym_serve_source(struct nsym_request *r, const char *id, const char *path);
void nsym_handle_metrics(struct nsym_request *r);
void nsym_handle_healthz(struct nsym_request *r);
void nsym_handle_page(struct nsym_request *r);
void nsym_handle_asset(struct nsym_request *r);
void nsym_handle_page_artifacts(struct nsym_request *r);

/* An internal failure: logged with its detail (which may name server
 * paths; the reply never does), counted, answered 503 so a debuginfod
 * client does not take it for a miss it may remember; 507 when code is
 * NSYM_ENOSPC (a full disk), which a client reports rather than retrying
 * at once. */
void nsym_reply_internal(struct nsym_request *r, int code, const char *detail);
/* Its log line and count alone, for a route that words the reply itself. */
void nsym_log_internal(struct nsym_request *r, int code, const char *detail);

#endif
