/* The one table of HTTP routes: method, path, scope needed, handler. */
#include "routes.h"

const struct nsym_route nsym_routes[] = {
    {"GET HEAD", "/buildid/", false, NSYM_SCOPE_READ, nsym_handle_buildid, "buildid"},
    {"POST", "/api/v1/upload", true, NSYM_SCOPE_UPLOAD, nsym_handle_upload, "upload"},
    {"GET HEAD", "/metrics", true, NSYM_SCOPE_NONE, nsym_handle_metrics, "metrics"},
    {"GET HEAD", "/healthz", true, NSYM_SCOPE_NONE, nsym_handle_healthz, "healthz"},
    {"GET HEAD", "/", true, NSYM_SCOPE_NONE, nsym_handle_home, "home"},
    {NULL, NULL, false, NSYM_SCOPE_NONE, NULL, NULL},
};
