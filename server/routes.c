/*
 * The one table of HTTP routes: method, path, scope needed, handler, and
 * what the web page (route_page.c) says of it, so its list of routes is
 * made from the table and cannot drift from what the server answers.
 */
#include "routes.h"

const struct nsym_route nsym_routes[] = {
    {"GET HEAD", "/buildid/", false, NSYM_SCOPE_READ, nsym_handle_buildid, "buildid",
     "/buildid/ID/debuginfo|executable|section/NAME|source/PATH|symcache",
     "the debuginfod API, and symcaches"},
    {"GET HEAD", "/symsrv/", false, NSYM_SCOPE_READ, nsym_handle_symsrv, "symsrv",
     "/symsrv/FILE/ID/FILE", "SymSrv and SSQP (Windows debuggers, symbolicator)"},
    {"POST", "/api/v1/upload", true, NSYM_SCOPE_UPLOAD, nsym_handle_upload, "upload",
     "/api/v1/upload?name=FILE", "a debug file or binary (ELF, Mach-O, PE, PDB)"},
    {"POST", "/api/v1/missing", true, NSYM_SCOPE_UPLOAD, nsym_handle_missing, "missing",
     "/api/v1/missing", "which of {\"ids\": [...]} the server lacks"},
    {"POST", "/api/v1/symbolicate", true, NSYM_SCOPE_READ, nsym_handle_symbolicate, "symbolicate",
     "/api/v1/symbolicate?basenames=1",
     "a crash as text, answered in source lines (JSON, "
     "or text with Accept: text/plain); or a Mozilla symbolication v5 request"},
    {"GET HEAD", "/api/v1/artifacts", true, NSYM_SCOPE_READ, nsym_handle_artifacts, "artifacts",
     "/api/v1/artifacts?q=TEXT&offset=N&limit=N", "list and search what is stored"},
    {"GET HEAD", "/api/v1/artifacts/", false, NSYM_SCOPE_READ, nsym_handle_artifact, "artifact",
     "/api/v1/artifacts/ID", "what is stored for one identity"},
    {"DELETE", "/api/v1/artifacts/", false, NSYM_SCOPE_ADMIN, nsym_handle_artifact_delete,
     "artifact_delete", "/api/v1/artifacts/ID", "delete what is stored for one identity"},
    {"POST", "/api/v1/upload/source", true, NSYM_SCOPE_UPLOAD, nsym_handle_upload_source,
     "upload_source", "/api/v1/upload/source?buildid=ID&path=/ABS/PATH",
     "a source file of a build"},
    {"DELETE", "/api/v1/sources", true, NSYM_SCOPE_ADMIN, nsym_handle_source_delete,
     "source_delete", "/api/v1/sources?buildid=ID&path=/ABS/PATH", "delete one source file"},
    {"GET HEAD", "/metrics", true, NSYM_SCOPE_NONE, nsym_handle_metrics, "metrics", "/metrics",
     "Prometheus metrics"},
    {"GET HEAD", "/healthz", true, NSYM_SCOPE_NONE, nsym_handle_healthz, "healthz", "/healthz",
     "ok when the store answers"},
    {"GET HEAD POST", "/", true, NSYM_SCOPE_NONE, nsym_handle_page, "page", "/?trace=TEXT",
     "this page: a crash pasted or linked, answered in source lines (reads need the read "
     "scope when the server's do)"},
    {"GET HEAD POST", "/artifacts", true, NSYM_SCOPE_NONE, nsym_handle_page_artifacts,
     "page_artifacts", "/artifacts?q=TEXT&kind=KIND&format=FORMAT&page=N",
     "the page's list of what is stored, searched (reads need the read scope when the "
     "server's do)"},
    {"GET HEAD", "/assets/", false, NSYM_SCOPE_NONE, nsym_handle_asset, "assets", "/assets/NAME",
     "the page's style sheet and script"},
    {NULL, NULL, false, NSYM_SCOPE_NONE, NULL, NULL, NULL, NULL},
};
