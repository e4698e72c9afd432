/* The handlers nsym_routes (routes.c) points at. */
#ifndef NSYM_SERVER_ROUTES_H
#define NSYM_SERVER_ROUTES_H

#include "http.h"

void nsym_handle_buildid(struct nsym_request *r);
void nsym_handle_upload(struct nsym_request *r);
void nsym_handle_metrics(struct nsym_request *r);
void nsym_handle_healthz(struct nsym_request *r);
void nsym_handle_home(struct nsym_request *r);

/* An internal failure: logged with its detail, counted, answered 503 so a
 * debuginfod client does not take it for a miss it may remember. */
void nsym_reply_internal(struct nsym_request *r, int code, const char *detail);

#endif
