/* The one table of HTTP routes: method, path, scope needed, handler. */
#include "routes.h"

const struct nsym_route nsym_routes[] = {
    {"GET HEAD", "/buildid/", false, NSYM_SCOPE_READ, nsym_handle_buildid, "buildid"},
    {"GET HEAD", "/symsrv/", false, NSYM_SCOPE_READ, nsym_handle_symsrv, "symsrv"},
    {"POST", "/api/v1/upload", true, NSYM_SCOPE_UPLOAD, nsym_handle_upload, "upload"},
    {"POST", "/api/v1/missing", true, NSYM_SCOPE_UPLOAD, nsym_handle_missing, "missing"},
    {"GET HEAD", "/api/v1/artifacts", true, NSYM_SCOPE_READ, nsym_handle_artifacts, "artifacts"},
    {"GET HEAD", "/api/v1/artifacts/", false, NSYM_SCOPE_READ, nsym_handle_artifact, "artifact"},
    {"DELETE", "/api/v1/artifacts/", false, NSYM_SCOPE_ADMIN, nsym_handle_artifact_delete,
     "artifact_delete"},
    {"POST", "/api/v1/upload/source", true, NSYM_SCOPE_UPLOAD, nsym_handle_upload_source,
     "upload_source"},
    {"DELETE", "/api/v1/sources", true, NSYM_SCOPE_ADMIN, nsym_handle_source_delete,
     "source_delete"},
    {"GET HEAD", "/metrics", true, NSYM_SCOPE_NONE, nsym_handle_metrics, "metrics"},
    {"GET HEAD", "/healthz", true, NSYM_SCOPE_NONE, nsym_handle_healthz, "healthz"},
    {"GET HEAD", "/", true, NSYM_SCOPE_NONE, nsym_handle_home, "home"},
    {NULL, NULL, false, NSYM_SCOPE_NONE, NULL, NULL},
};
