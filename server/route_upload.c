/*
 * POST /api/v1/upload: the body (raw, or the file part of a multipart form)
 * streams into a temporary blob while it is hashed, so memory stays bounded
 * whatever the size. The identity is then read from the bytes received, by
 * the same readers `inspect` uses; the blob is committed (fsync, rename) and
 * the artifact rows after it. Sending the same file twice is a no-op.
 */
#include <civetweb.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "metrics.h"
#include "routes.h"

#define CHUNK (64 * 1024)

struct upload {
	struct nsym_request *r;
	struct nsym_blob_writer w;
	uint64_t max;
	char name[256];
	int failed; /* an HTTP status, once something went wrong */
	char why[256];
	bool got_file;
};

static int take(struct upload *u, const void *data, size_t size)
{
	const char *p = data;

	if (u->w.size + size > u->max) {
		u->failed = 413;
		snprintf(u->why, sizeof(u->why),
		         "the upload exceeds the limit of %" PRIu64 " bytes", u->max);
		return -1;
	}
	nsym_sha256_update(&u->w.hash, data, size);
	u->w.size += size;
	while (size > 0) {
		ssize_t n = write(u->w.fd, p, size);
		if (n <= 0) {
			u->failed = errno == ENOSPC ? 507 : 503;
			snprintf(u->why, sizeof(u->why), "cannot store the upload: %s",
			         strerror(errno));
			return -1;
		}
		p += n;
		size -= (size_t)n;
	}
	return 0;
}

static void read_raw_body(struct upload *u)
{
	char *buf = malloc(CHUNK);
	long long declared = u->r->ri->content_length;
	int n = 0;

	if (buf == NULL) {
		u->failed = 503;
		snprintf(u->why, sizeof(u->why), "out of memory");
		return;
	}
	while ((n = mg_read(u->r->conn, buf, CHUNK)) > 0) {
		if (take(u, buf, (size_t)n) != 0)
			break;
	}
	free(buf);
	if (u->failed != 0)
		return;
	if (n < 0 || (declared >= 0 && u->w.size != (uint64_t)declared)) {
		u->failed = 400;
		snprintf(u->why, sizeof(u->why),
		         "the body ended after %" PRIu64 " of %lld bytes (connection closed?)",
		         u->w.size, declared);
	}
	u->got_file = true;
}

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
	(void)key;
	return take(arg, value, size) == 0 ? MG_FORM_FIELD_HANDLE_GET : MG_FORM_FIELD_HANDLE_ABORT;
}

static int form_store(const char *path, long long size, void *arg)
{
	(void)path, (void)size, (void)arg;
	return MG_FORM_FIELD_HANDLE_NEXT;
}

static void read_form(struct upload *u)
{
	struct mg_form_data_handler h = {form_found, form_get, form_store, u};

	if (mg_handle_form_request(u->r->conn, &h) < 0 && u->failed == 0) {
		u->failed = 400;
		snprintf(u->why, sizeof(u->why), "malformed multipart form");
	} else if (!u->got_file && u->failed == 0) {
		u->failed = 400;
		snprintf(u->why, sizeof(u->why), "the form has no file part");
	}
}

/* ---- identities ------------------------------------------------------------- */

struct found {
	struct nsym_artifact a[2 * NSYM_IMAGES_MAX];
	size_t n;
};

static void add(struct found *f, const char *key, const char *id_kind, const char *kind,
                const char *format, const char *arch)
{
	struct nsym_artifact *a;

	if (f->n >= sizeof(f->a) / sizeof(*f->a))
		return;
	a = &f->a[f->n++];
	memset(a, 0, sizeof(*a));
	snprintf(a->key, sizeof(a->key), "%s", key);
	for (char *c = a->key; *c != '\0'; c++)
		*c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
	snprintf(a->id_kind, sizeof(a->id_kind), "%s", id_kind);
	snprintf(a->kind, sizeof(a->kind), "%s", kind);
	snprintf(a->format, sizeof(a->format), "%s", format);
	snprintf(a->arch, sizeof(a->arch), "%s", arch);
}

static void add_elf(struct found *f, const struct nsym_image *im, const char *key)
{
	const struct nsym_identity *id = im->elf;
	const char *id_kind = id->build_id_len > 0 ? "build-id" : "fallback-id";

	if (id->has_debug_info || (id->has_symtab && !id->has_code))
		add(f, key, id_kind, "debuginfo", "elf", im->arch);
	if (id->has_code)
		add(f, key, id_kind, "executable", "elf", im->arch);
}

static void add_image(struct found *f, const struct nsym_image *im, const char *key)
{
	switch (im->format) {
	case NSYM_FORMAT_ELF:
		add_elf(f, im, key);
		break;
	case NSYM_FORMAT_MACHO:
		add(f, key, "macho-uuid", im->has_debug_info ? "debuginfo" : "executable", "macho",
		    im->arch);
		break;
	case NSYM_FORMAT_PE:
		add(f, key, "pe", "executable", "pe", im->arch);
		if (im->has_debug_info)
			add(f, key, "pe", "debuginfo", "pe", im->arch);
		break;
	case NSYM_FORMAT_PDB:
		add(f, key, "pdb", "debuginfo", "pdb", im->arch);
		break;
	default:
		break;
	}
}

/* The artifacts a received file provides; 0, or an HTTP status with why. */
static int identify(struct upload *u, struct found *f)
{
	nsym_file *file = NULL;
	int rc = nsym_file_open(&file, u->w.tmp);

	if (rc != 0) {
		snprintf(u->why, sizeof(u->why), "%s",
		         rc == NSYM_ENOTELF ? "not an ELF, Mach-O, PE or PDB file"
		                            : nsym_error_detail());
		return rc == NSYM_ENOTELF ? 415 : 422;
	}
	for (size_t i = 0; i < nsym_file_image_count(file); i++) {
		const struct nsym_image *im = nsym_file_image(file, i);
		char key[96];
		if (nsym_image_id(key, sizeof(key), im, NSYM_ID_NATIVE) == 0)
			add_image(f, im, key);
	}
	nsym_file_close(file);
	if (f->n == 0) {
		snprintf(u->why, sizeof(u->why),
		         "the file carries no identity to serve it by (no build-id, no UUID, no "
		         "debug info or code)");
		return 422;
	}
	return 0;
}

/* ---- the reply -------------------------------------------------------------- */

static const char *record(struct nsym_request *r, struct nsym_artifact *a)
{
	char sha[NSYM_SHA256_HEX];
	int rc;

	memcpy(sha, a->sha256, sizeof(sha));
	rc = r->store->ops->artifact_add(r->store, a);
	if (rc == 0)
		return "created";
	if (rc == NSYM_EEXIST)
		return strcmp(a->sha256, sha) == 0 ? "exists" : "conflict";
	return NULL;
}

static void reply_created(struct upload *u, struct found *f, const char *sha256)
{
	struct nsym_request *r = u->r;
	char body[8192];
	size_t used = 0;
	int created = 0, conflicts = 0, status;

	used += (size_t)snprintf(body, sizeof(body),
	                         "{\"sha256\": \"%s\", \"size\": %" PRIu64 ", \"artifacts\": [",
	                         sha256, u->w.size);
	for (size_t i = 0; i < f->n; i++) {
		struct nsym_artifact *a = &f->a[i];
		const char *result;
		snprintf(a->sha256, sizeof(a->sha256), "%s", sha256);
		snprintf(a->name, sizeof(a->name), "%s", u->name);
		snprintf(a->uploaded_by, sizeof(a->uploaded_by), "%s", r->token_name);
		result = record(r, a);
		if (result == NULL) {
			nsym_reply_internal(r, NSYM_EIO, nsym_store_errmsg(r->store));
			return;
		}
		created += strcmp(result, "created") == 0;
		conflicts += strcmp(result, "conflict") == 0;
		if (used < sizeof(body))
			used += (size_t)snprintf(
			    body + used, sizeof(body) - used,
			    "%s{\"key\": \"%s\", \"kind\": \"%s\", \"format\": \"%s\", "
			    "\"arch\": \"%s\", \"id_kind\": \"%s\", \"result\": \"%s\"}",
			    i > 0 ? ", " : "", a->key, a->kind, a->format, a->arch, a->id_kind,
			    result);
	}
	if (used < sizeof(body))
		used += (size_t)snprintf(body + used, sizeof(body) - used, "]}\n");
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

void nsym_handle_upload(struct nsym_request *r)
{
	struct upload u = {.r = r, .max = nsym_server_config(r->srv)->max_upload};
	const char *type = nsym_header(r, "Content-Type");
	struct found f = {0};
	char sha256[NSYM_SHA256_HEX];
	int status;

	if (r->ri->content_length > 0 && (uint64_t)r->ri->content_length > u.max) {
		nsym_metrics_upload("refused");
		nsym_reply_error(r, 413, "%lld bytes exceed the upload limit of %" PRIu64,
		                 r->ri->content_length, u.max);
		return;
	}
	nsym_query(r, "name", u.name, sizeof(u.name));
	if (r->store->ops->blob_begin(r->store, &u.w) != 0) {
		nsym_reply_internal(r, NSYM_EIO, nsym_store_errmsg(r->store));
		return;
	}
	if (type != NULL && strncasecmp(type, "multipart/form-data", 19) == 0)
		read_form(&u);
	else
		read_raw_body(&u);
	clean_name(u.name);
	status = u.failed != 0 ? u.failed : identify(&u, &f);
	if (status != 0) {
		r->store->ops->blob_abort(r->store, &u.w);
		nsym_metrics_upload("refused");
		nsym_reply_error(r, status, "%s", u.why);
		return;
	}
	if (r->store->ops->blob_commit(r->store, &u.w, sha256) != 0) {
		nsym_reply_internal(r, NSYM_EIO, nsym_store_errmsg(r->store));
		return;
	}
	reply_created(&u, &f, sha256);
}
