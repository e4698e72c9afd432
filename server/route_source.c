/*
 * Source files for the debuginfod API. POST /api/v1/upload/source?buildid=
 * ID&path=/abs/path stores the body (streamed like any upload) as that
 * build's source at the path's canonical form; GET|HEAD /buildid/ID/source/
 * PATH (through route_buildid.c) canonicalises what the client sent the way
 * elfutils' server does and serves what was stored there. A path is only
 * ever a key in the database, never opened on the server's disk: "..",
 * "%2e%2e", "//" and encoded slashes reach nothing but what was uploaded
 * for that build.
 */
#include <civetweb.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "routes.h"
#include "send.h"
#include "source_path.h"
#include "upload_body.h"
#include "upstream.h"

/* ---- upload ------------------------------------------------------------------ */

/* ?buildid=: hex digits, an even number of them, kept lowercase. 0; or -1
 * after replying 400. */
static int read_build_id(struct nsym_request *r, struct nsym_source *src)
{
	char id[512];
	size_t n = 0;

	if (nsym_query(r, "buildid", id, sizeof(id)) != 0) {
		nsym_reply_error(r, 400, "which build? ?buildid=ID (hex), ?path=/absolute/path");
		return -1;
	}
	n = strlen(id);
	/* a non-hex digit ends the string, which the length check then sees */
	for (size_t i = 0; i < n; i++)
		id[i] = isxdigit((unsigned char)id[i]) ? (char)tolower((unsigned char)id[i]) : '\0';
	if (n < 2 || n >= sizeof(src->build_id) || n % 2 != 0 || strlen(id) != n) {
		nsym_reply_error(r, 400, "a build-id is an even number (2 to %zu) of hex digits",
		                 sizeof(src->build_id) - 2);
		return -1;
	}
	memcpy(src->build_id, id, n + 1);
	return 0;
}

/* ?path=: checked (source_path.h) and stored canonical. mg_get_var
 * decodes %00 too, so a decoded length that strlen disagrees with is a
 * NUL in the path. 0; or -1 after replying 400. */
static int read_path(struct nsym_request *r, struct nsym_source *src)
{
	const char *q = r->ri->query_string, *why = NULL;
	char raw[NSYM_SOURCE_PATH_MAX + 2];
	int n = q != NULL ? mg_get_var(q, strlen(q), "path", raw, sizeof(raw)) : -1;

	if (n == -1)
		why = "which file? ?path=/absolute/path, as the DWARF names it";
	else if (n < 0 || n > NSYM_SOURCE_PATH_MAX)
		why = "a source path must be at most 4096 bytes";
	else if ((size_t)n != strlen(raw))
		why = "a source path must not contain NUL";
	else if (nsym_source_path_check(&why, raw) == 0)
		nsym_source_path_canon(src->path, raw);
	if (why != NULL) {
		nsym_reply_error(r, 400, "%s", why);
		return -1;
	}
	return 0;
}

static void refuse_unknown_build(struct nsym_request *r, const char *id)
{
	nsym_metrics_upload("refused");
	nsym_reply_error(r, 422,
	                 "nothing stored for build-id %s: upload its debug file or executable "
	                 "first",
	                 id);
}

/* 0 when the store has a debug file or executable for the build: sources
 * come after the binary they belong to, so a typo in the build-id is caught
 * at upload rather than found as a miss later. Else replies 422 (or 503). */
static int build_known(struct nsym_request *r, const char *id)
{
	static const char *const kinds[] = {"debuginfo", "executable"};
	struct nsym_artifact a;

	for (size_t i = 0; i < 2; i++) {
		int rc = r->store->ops->artifact_find(r->store, &a, id, kinds[i]);
		if (rc == 0)
			return 0;
		if (rc != NSYM_ENOENT) {
			nsym_reply_internal(r, rc, nsym_store_errmsg(r->store));
			return -1;
		}
	}
	refuse_unknown_build(r, id);
	return -1;
}

/* A reply naming one source: its path with every byte escaped, at worst. */
#define SOURCE_REPLY_MAX (6 * NSYM_SOURCE_PATH_MAX + 512)

/* 201 created, 200 the same bytes were there, 409 other bytes are there. */
static void reply_source(struct nsym_request *r, const struct nsym_source *src, const char *sha256,
                         uint64_t size, const char *result)
{
	int status = strcmp(result, "created") == 0  ? 201
	             : strcmp(result, "exists") == 0 ? 200
	                                             : 409;
	struct nsym_buf b;

	nsym_metrics_upload(result);
	nsym_buf_init(&b, SOURCE_REPLY_MAX);
	nsym_buf_printf(&b, "{\"build_id\": \"%s\", \"path\": ", src->build_id);
	nsym_buf_json_string(&b, src->path);
	nsym_buf_printf(&b, ", \"sha256\": \"%s\", \"size\": %" PRIu64 ", \"result\": \"%s\"}\n",
	                sha256, size, result);
	nsym_reply_json(r, status, &b);
}

/* Answers from the row already there, if any, without committing: the same
 * content twice costs no fsync. 1 when it answered. */
static int answer_existing(struct nsym_upload_body *u, const struct nsym_source *src)
{
	struct nsym_request *r = u->r;
	struct nsym_source old;
	char sha256[NSYM_SHA256_HEX];
	int rc = r->store->ops->source_find(r->store, &old, src->build_id, src->path);

	if (rc == NSYM_ENOENT)
		return 0;
	if (rc == 0)
		rc = nsym_upload_body_sha256(sha256, u);
	r->store->ops->blob_abort(r->store, &u->w);
	if (rc != 0)
		nsym_reply_internal(r, rc, nsym_store_errmsg(r->store));
	else
		reply_source(r, src, sha256, u->w.size,
		             strcmp(old.sha256, sha256) == 0 ? "exists" : "conflict");
	return 1;
}

void nsym_handle_upload_source(struct nsym_request *r)
{
	struct nsym_source src = {0};
	struct nsym_upload_body u;
	char sha256[NSYM_SHA256_HEX];
	int rc;

	if (read_build_id(r, &src) != 0 || read_path(r, &src) != 0 ||
	    build_known(r, src.build_id) != 0 || nsym_upload_body_begin(&u, r) != 0)
		return;
	nsym_upload_body_read(&u);
	if (u.failed != 0) {
		nsym_upload_body_refuse(&u);
		return;
	}
	if (answer_existing(&u, &src) || nsym_upload_body_commit(&u, sha256) != 0)
		return;
	memcpy(src.sha256, sha256, sizeof(sha256));
	snprintf(src.uploaded_by, sizeof(src.uploaded_by), "%s", r->token_name);
	rc = r->store->ops->source_add(r->store, &src);
	if (rc == NSYM_ENOENT) /* the build's last artifact was deleted meanwhile */
		refuse_unknown_build(r, src.build_id);
	else if (rc != 0 && rc != NSYM_EEXIST) /* EEXIST: a concurrent upload won */
		nsym_reply_internal(r, rc, nsym_store_errmsg(r->store));
	else
		reply_source(r, &src, sha256, u.w.size,
		             rc == 0                           ? "created"
		             : strcmp(src.sha256, sha256) == 0 ? "exists"
		                                               : "conflict");
}

/* ---- delete ------------------------------------------------------------------ */

/* DELETE /api/v1/sources?buildid=ID&path=/ABS/PATH (admin): one source, as
 * when a file that should never have left the build machine was sent. */
void nsym_handle_source_delete(struct nsym_request *r)
{
	struct nsym_source src = {0};
	struct nsym_buf b;
	bool blob_removed;
	int rc;

	if (read_build_id(r, &src) != 0 || read_path(r, &src) != 0)
		return;
	rc = r->store->ops->source_delete(r->store, &blob_removed, src.build_id, src.path);
	if (rc == NSYM_ENOENT) {
		nsym_reply_error(r, 404, "no source %s for build-id %s", src.path, src.build_id);
		return;
	}
	if (rc != 0) {
		nsym_reply_internal(r, rc, nsym_store_errmsg(r->store));
		return;
	}
	fprintf(stderr, "napi-symbols serve: %s deleted source %s of %s%s\n", r->token_name,
	        src.path, src.build_id, blob_removed ? " and its blob" : "");
	nsym_buf_init(&b, SOURCE_REPLY_MAX);
	nsym_buf_printf(&b, "{\"deleted\": {\"build_id\": \"%s\", \"path\": ", src.build_id);
	nsym_buf_json_string(&b, src.path);
	nsym_buf_printf(&b, "}, \"blob_removed\": %s}\n", blob_removed ? "true" : "false");
	nsym_reply_json(r, 200, &b);
}

/* ---- download ---------------------------------------------------------------- */

/* The source from the upstream servers (upstream.h), by its canonical
 * path; as nsym_upstream_serve returns. A source has no identity of its
 * own to check. */
static int upstream_source(struct nsym_request *r, const char *id, const char *canon)
{
	size_t size = strlen(id) + strlen(canon) + 32;
	char *path = malloc(size);
	struct nsym_upstream_ask ask = {.path = path, .file = canon};
	int rc;

	if (path == NULL) {
		nsym_reply_internal(r, NSYM_ENOMEM, "out of memory");
		return 0;
	}
	snprintf(path, size, "/buildid/%s/source%s", id, canon);
	rc = nsym_upstream_serve(nsym_server_upstream(r->srv), r, &ask);
	free(path);
	return rc;
}

void nsym_serve_source(struct nsym_request *r, const char *id, const char *path)
{
	size_t n = strlen(path);
	struct nsym_source src;
	char *canon;
	int rc;

	if (n == 0) {
		nsym_reply_error(r, 400, "no path: /buildid/ID/source/ABSOLUTE/PATH");
		return;
	}
	canon = malloc(n + 2);
	if (canon == NULL) {
		nsym_reply_internal(r, NSYM_ENOMEM, "out of memory");
		return;
	}
	/* elfutils' suffix is the path with its leading slash */
	canon[0] = '/';
	memcpy(canon + 1, path, n + 1);
	/* Stored paths are canonical, so this one lookup answers for both the
	 * form sent and its canonical form, as elfutils' "IN (?, ?)" does. */
	nsym_source_path_canon(canon, canon);
	rc = r->store->ops->source_find(r->store, &src, id, canon);
	if (rc == NSYM_ENOENT && upstream_source(r, id, canon) != 0)
		nsym_reply_error(r, 404, "no source %s for build-id %s", canon, id);
	else if (rc != 0)
		nsym_reply_internal(r, rc, nsym_store_errmsg(r->store));
	else
		nsym_send_blob(r, src.sha256, src.size, (time_t)src.created, src.path);
	free(canon);
}
