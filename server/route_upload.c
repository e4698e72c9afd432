/*
 * POST /api/v1/upload: the body (raw, or the file part of a multipart form)
 * streams into a temporary blob while it is hashed, so memory stays bounded
 * whatever the size. The identity is then read from the bytes received, by
 * the same readers `inspect` uses (upload_identify.c); the blob is committed (fsync, rename) and
 * the artifact rows after it. Sending the same file twice is a no-op.
 * ?package=NAME@VERSION records the npm package the file came in, checked
 * before a byte of the body is read.
 */
#include <civetweb.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "metrics.h"
#include "module_cache.h"
#include "routes.h"
#include "symcache_queue.h"
#include "upload_body.h"
#include "upload_identify.h"
#include "upload_sections.h"

struct upload {
	struct nsym_upload_body body;
	char name[256];
	char package_name[NSYM_NPM_NAME_MAX + 1];       /* "" when the upload named none */
	char package_version[NSYM_NPM_VERSION_MAX + 1]; /* its version then */
	bool got_file;
};

/* ---- multipart/form-data: the first part that carries a file name ----------- */

static int form_found(const char *key, const char *filename, char *path, size_t pathlen, void *arg)
{
	struct upload *u = arg;
	(void)key, (void)path, (void)pathlen;
	if (filename == NULL || filename[0] == '\0' || u->got_file)
		return MG_FORM_FIELD_STORAGE_SKIP;
	if (u->name[0] == '\0')
		snprintf(u->name, sizeof(u->name), "%s", filename);
	u->got_file = true;
	return MG_FORM_FIELD_STORAGE_GET;
}

static int form_get(const char *key, const char *value, size_t size, void *arg)
{
	struct upload *u = arg;
	(void)key;
	return nsym_upload_body_take(&u->body, value, size) == 0 ? MG_FORM_FIELD_HANDLE_GET
	                                                         : MG_FORM_FIELD_HANDLE_ABORT;
}

static int form_store(const char *path, long long size, void *arg)
{
	(void)path, (void)size, (void)arg;
	return MG_FORM_FIELD_HANDLE_NEXT;
}

static void read_form(struct upload *u)
{
	struct mg_form_data_handler h = {form_found, form_get, form_store, u};
	struct nsym_upload_body *b = &u->body;

	if (mg_handle_form_request(b->r->conn, &h) < 0 && b->failed == 0) {
		b->failed = 400;
		snprintf(b->why, sizeof(b->why), "malformed multipart form");
	} else if (!u->got_file && b->failed == 0) {
		b->failed = 400;
		snprintf(b->why, sizeof(b->why), "the form has no file part");
	}
}

/* ---- the reply -------------------------------------------------------------- */

/* What the reply shows of an artifact sent besides its key and kind: the
 * store answers a taken identity with the row that has it, in the artifact
 * it was given, and the reply describes what was sent (an arm64 file
 * refused for an x86_64 one under its code id is reported as arm64). */
struct shown {
	char id_kind[sizeof(((struct nsym_artifact *)NULL)->id_kind)];
	char format[sizeof(((struct nsym_artifact *)NULL)->format)];
	char arch[sizeof(((struct nsym_artifact *)NULL)->arch)];
};

/* Records every artifact the file provides, at once: all of them with the
 * blob, or none (and no blob). */
static void reply_created(struct upload *u, struct nsym_upload_found *f, const char *sha256)
{
	struct nsym_request *r = u->body.r;
	int results[sizeof(f->a) / sizeof(*f->a)];
	struct shown sent[sizeof(f->a) / sizeof(*f->a)];
	char body[8192];
	size_t used = 0;
	int created = 0, conflicts = 0, status, rc;

	for (size_t i = 0; i < f->n; i++) {
		struct nsym_artifact *a = &f->a[i];
		snprintf(a->sha256, sizeof(a->sha256), "%s", sha256);
		snprintf(a->name, sizeof(a->name), "%s", u->name);
		memcpy(a->package_name, u->package_name, sizeof(a->package_name));
		memcpy(a->package_version, u->package_version, sizeof(a->package_version));
		snprintf(a->uploaded_by, sizeof(a->uploaded_by), "%s", r->token_name);
		memcpy(sent[i].id_kind, a->id_kind, sizeof(sent[i].id_kind));
		memcpy(sent[i].format, a->format, sizeof(sent[i].format));
		memcpy(sent[i].arch, a->arch, sizeof(sent[i].arch));
	}
	rc = r->store->ops->artifact_add(r->store, results, f->a, f->n);
	if (rc != 0) {
		nsym_reply_internal(r, rc, nsym_store_errmsg(r->store));
		return;
	}
	/* requests after this one see it: what was "no symbols", or answered
	 * from its executable before its debug info came, is opened again */
	for (size_t i = 0; i < f->n; i++)
		if (results[i] == 0)
			nsym_module_cache_forget(nsym_server_modules(r->srv), f->a[i].key);
	used += (size_t)snprintf(body, sizeof(body),
	                         "{\"sha256\": \"%s\", \"size\": %" PRIu64 ", \"artifacts\": [",
	                         sha256, u->body.w.size);
	for (size_t i = 0; i < f->n; i++) {
		const struct nsym_artifact *a = &f->a[i];
		/* a taken identity: a[i] is the row that has it */
		const char *result = results[i] == 0                  ? "created"
		                     : strcmp(a->sha256, sha256) == 0 ? "exists"
		                                                      : "conflict";
		created += strcmp(result, "created") == 0;
		conflicts += strcmp(result, "conflict") == 0;
		if (used < sizeof(body))
			used += (size_t)snprintf(
			    body + used, sizeof(body) - used,
			    "%s{\"key\": \"%s\", \"kind\": \"%s\", \"format\": \"%s\", "
			    "\"arch\": \"%s\", \"id_kind\": \"%s\", \"result\": \"%s\"}",
			    i > 0 ? ", " : "", a->key, a->kind, sent[i].format, sent[i].arch,
			    sent[i].id_kind, result);
	}
	if (used < sizeof(body))
		used += (size_t)snprintf(body + used, sizeof(body) - used, "]}\n");
	/* after the reply is ready, before it goes: its symcaches are built
	 * afterwards, the reply never waits for them */
	for (size_t i = 0; i < f->n; i++) {
		if (results[i] == 0)
			nsym_symcache_queue_add(nsym_server_symcache_queue(r->srv), &f->a[i]);
	}
	status = created > 0 ? 201 : conflicts > 0 ? 409 : 200;
	nsym_metrics_upload(status == 201 ? "created" : status == 200 ? "exists" : "conflict");
	nsym_reply(r, status, "application/json", "", body, used < sizeof(body) ? used : 0);
}

/* Keeps the last path component and refuses control characters. */
static void clean_name(char *name)
{
	const char *base = strrchr(name, '/') != NULL ? strrchr(name, '/') + 1 : name;
	size_t n = 0;

	for (const char *c = base; *c != '\0'; c++)
		name[n++] = (unsigned char)*c < 0x20 || *c == '\\' ? '_' : *c;
	name[n] = '\0';
}

/* ?package=NAME@VERSION into u, when given; -1 after replying 400 to a
 * package that is not one (too long, or not by npm's rules): refused
 * before the body is read, as a body over the limit is. */
static int read_package(struct upload *u, struct nsym_request *r)
{
	char text[NSYM_NPM_NAME_MAX + NSYM_NPM_VERSION_MAX + 2], why[200];
	const char *qs = r->ri->query_string;
	int n = qs != NULL ? mg_get_var(qs, strlen(qs), "package", text, sizeof(text)) : -1;

	if (n == -1)
		return 0;
	if (n == -2) {
		snprintf(why, sizeof(why), "it is longer than %zu bytes", sizeof(text) - 1);
	} else if (strlen(text) != (size_t)n) { /* a %00 would cut what is checked */
		snprintf(why, sizeof(why), "it has a NUL byte");
	} else if (nsym_npm_package_split(u->package_name, u->package_version, text, true, why,
	                                  sizeof(why)) == 0) {
		return 0;
	}
	nsym_metrics_upload("refused");
	nsym_reply_error(r, 400, "package: %s", why);
	return -1;
}

void nsym_handle_upload(struct nsym_request *r)
{
	struct upload u = {0};
	const char *type = nsym_header(r, "Content-Type");
	struct nsym_upload_found f = {0};
	char sha256[NSYM_SHA256_HEX];

	if (read_package(&u, r) != 0 || nsym_upload_body_begin(&u.body, r) != 0)
		return;
	nsym_query(r, "name", u.name, sizeof(u.name));
	if (type != NULL && strncasecmp(type, "multipart/form-data", 19) == 0) {
		read_form(&u);
	} else {
		nsym_upload_body_read(&u.body);
		u.got_file = true;
	}
	clean_name(u.name);
	if (u.body.failed == 0)
		u.body.failed = nsym_upload_identify_file(&f, u.body.why, sizeof(u.body.why),
		                                          &u.body.code, u.body.w.tmp, u.name);
	if (u.body.failed == 0)
		u.body.failed = nsym_upload_check_sections(&u.body);
	if (u.body.failed != 0) {
		nsym_upload_body_refuse(&u.body);
		return;
	}
	if (nsym_upload_body_commit(&u.body, sha256) != 0)
		return;
	reply_created(&u, &f, sha256);
}
