/*
 * The debuginfod read API: GET and HEAD /buildid/ID/{debuginfo,executable,
 * section/NAME,source/PATH}. IDs are taken in any case and answered for
 * their lowercase form. Blobs are streamed from their file in bounded
 * chunks, never read whole. 404 means only that the store has no such
 * artifact: elfutils clients remember any error as a miss for ten minutes,
 * so internal failures answer 503 and are logged and counted.
 */
#include <civetweb.h>
#include <ctype.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "routes.h"

#define MAX_ID_HEX 128

struct buildid_request {
	char id[MAX_ID_HEX + 1];
	char type[16];    /* debuginfo, executable, section, source */
	const char *tail; /* section name or source path; "" when none */
};

/* "ID/TYPE[/TAIL]" → parts; 0, or -1 after replying 400. */
static int parse(struct nsym_request *r, struct buildid_request *b)
{
	const char *slash = strchr(r->rest, '/');
	size_t len = slash != NULL ? (size_t)(slash - r->rest) : strlen(r->rest), tlen;
	const char *type = slash != NULL ? slash + 1 : "";
	const char *tail = strchr(type, '/');

	if (len < 2 || len > MAX_ID_HEX || len % 2 != 0) {
		nsym_reply_error(r, 400, "a build-id is an even number (2 to %d) of hex digits",
		                 MAX_ID_HEX);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		if (!isxdigit((unsigned char)r->rest[i])) {
			nsym_reply_error(r, 400, "a build-id is hex digits only");
			return -1;
		}
		b->id[i] = (char)tolower((unsigned char)r->rest[i]);
	}
	b->id[len] = '\0';
	tlen = tail != NULL ? (size_t)(tail - type) : strlen(type);
	if (tlen == 0 || tlen >= sizeof(b->type)) {
		nsym_reply_error(r, 400,
		                 "expected /buildid/ID/debuginfo, executable, section/NAME "
		                 "or source/PATH");
		return -1;
	}
	memcpy(b->type, type, tlen);
	b->type[tlen] = '\0';
	b->tail = tail != NULL ? tail + 1 : "";
	return 0;
}

/* ---- headers ----------------------------------------------------------------- */

static void http_date(char *out, size_t size, time_t t)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, size, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* Whether If-None-Match names our entity tag. */
static bool not_modified(const struct nsym_request *r, const char *etag)
{
	const char *inm = nsym_header(r, "If-None-Match");
	return inm != NULL && (strstr(inm, etag) != NULL || strcmp(inm, "*") == 0);
}

enum range_result { RANGE_NONE, RANGE_OK, RANGE_BAD };

/* One "bytes=" range, as RFC 9110 section 14.1.2 allows; several ranges
 * or other units are answered whole, which the RFC permits. */
static enum range_result parse_range(const char *h, uint64_t size, uint64_t *from, uint64_t *to)
{
	char *end;
	unsigned long long a, b;

	if (h == NULL || strncmp(h, "bytes=", 6) != 0 || strchr(h, ',') != NULL)
		return RANGE_NONE;
	h += 6;
	if (*h == '-') { /* the last N bytes */
		b = strtoull(h + 1, &end, 10);
		if (end == h + 1 || *end != '\0' || b == 0 || size == 0)
			return RANGE_BAD;
		*from = b >= size ? 0 : size - b;
		*to = size - 1;
		return RANGE_OK;
	}
	a = strtoull(h, &end, 10);
	if (end == h || *end != '-' || a >= size)
		return RANGE_BAD;
	h = end + 1;
	b = *h == '\0' ? size - 1 : strtoull(h, &end, 10);
	if ((*h != '\0' && *end != '\0') || b < a)
		return RANGE_BAD;
	*from = a;
	*to = b >= size ? size - 1 : b;
	return RANGE_OK;
}

struct entity {
	int fd;
	uint64_t offset, size; /* the bytes of fd to serve */
	const void *memory;    /* or these bytes, when not NULL */
	time_t mtime;
	char etag[NSYM_SHA256_HEX + 80];
	const char *file; /* X-DEBUGINFOD-FILE */
};

static int send_entity(struct nsym_request *r, const struct entity *e)
{
	uint64_t from = 0, to = e->size > 0 ? e->size - 1 : 0, count = e->size;
	enum range_result range = parse_range(nsym_header(r, "Range"), e->size, &from, &to);
	char head[2048], date[64], part[128] = "";
	int status = 200, n;

	if (range == RANGE_BAD) {
		snprintf(part, sizeof(part), "Content-Range: bytes */%" PRIu64 "\r\n", e->size);
		nsym_reply(r, 416, "text/plain", part, "range not satisfiable\n", 22);
		return 0;
	}
	if (range == RANGE_OK) {
		status = 206;
		count = to - from + 1;
		snprintf(part, sizeof(part),
		         "Content-Range: bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64 "\r\n", from, to,
		         e->size);
	}
	http_date(date, sizeof(date), e->mtime);
	n = snprintf(head, sizeof(head),
	             "HTTP/1.1 %d %s\r\nContent-Type: application/octet-stream\r\n"
	             "Content-Length: %" PRIu64 "\r\nLast-Modified: %s\r\nETag: %s\r\n"
	             "Cache-Control: public\r\nAccept-Ranges: bytes\r\n%s"
	             "X-DEBUGINFOD-SIZE: %" PRIu64 "\r\nX-DEBUGINFOD-FILE: %s\r\n\r\n",
	             status, nsym_status_text(status), count, date, e->etag, part, e->size,
	             e->file);
	r->status = status;
	if (n < 0 || (size_t)n >= sizeof(head) || nsym_write(r, head, (size_t)n, false) != 0 ||
	    r->head)
		return 0;
	if (e->memory != NULL)
		return nsym_write(r, (const char *)e->memory + from, count, true);
	return nsym_send_fd(r, e->fd, e->offset + from, count);
}

/* 0 when the request may be answered with `size` bytes; else replied 406. */
static int within_maxsize(struct nsym_request *r, uint64_t size)
{
	const char *max = nsym_header(r, "X-DEBUGINFOD-MAXSIZE");
	unsigned long long limit = max != NULL ? strtoull(max, NULL, 10) : 0;

	if (limit > 0 && size > limit) {
		nsym_reply_error(r, 406, "File too large, max size=%llu", limit);
		return -1;
	}
	return 0;
}

/* ---- artifacts ----------------------------------------------------------------- */

/* The artifact, or a reply: 404 for a miss, 503 for a failure. */
static int find(struct nsym_request *r, struct nsym_artifact *a, const char *id, const char *kind,
                bool reply_miss)
{
	int rc = r->store->ops->artifact_find(r->store, a, id, kind);

	if (rc == NSYM_ENOENT && reply_miss)
		nsym_reply_error(r, 404, "no %s for build-id %s", kind, id);
	else if (rc != 0 && rc != NSYM_ENOENT)
		nsym_reply_internal(r, rc, nsym_store_errmsg(r->store));
	return rc;
}

static int open_blob(struct nsym_request *r, struct nsym_blob *blob, const struct nsym_artifact *a)
{
	int rc = r->store->ops->blob_open(r->store, blob, a->sha256);
	if (rc != 0)
		nsym_reply_internal(r, rc, nsym_store_errmsg(r->store));
	return rc;
}

static void serve_artifact(struct nsym_request *r, const struct buildid_request *b)
{
	struct nsym_artifact a;
	struct nsym_blob blob;
	struct entity e = {0};

	if (find(r, &a, b->id, b->type, true) != 0)
		return;
	snprintf(e.etag, sizeof(e.etag), "\"%s\"", a.sha256);
	if (not_modified(r, e.etag)) {
		char h[sizeof(e.etag) + 16];
		snprintf(h, sizeof(h), "ETag: %s\r\n", e.etag);
		nsym_reply(r, 304, "application/octet-stream", h, NULL, 0);
		return;
	}
	if (within_maxsize(r, a.size) != 0 || open_blob(r, &blob, &a) != 0)
		return;
	e.fd = blob.fd;
	e.size = blob.size;
	e.mtime = (time_t)a.created;
	e.file = a.name[0] != '\0' ? a.name : b->type;
	send_entity(r, &e);
	close(blob.fd);
}

/* ---- sections ------------------------------------------------------------------ */

/* Section `name` of the ELF file, when it has contents. */
static int find_section(Elf *elf, const char *name, GElf_Shdr *out, Elf_Scn **out_scn)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return -1;
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		const char *n;
		if (gelf_getshdr(scn, out) == NULL ||
		    (n = elf_strptr(elf, shstrndx, out->sh_name)) == NULL)
			continue;
		if (strcmp(n, name) == 0 && out->sh_type != SHT_NOBITS) {
			*out_scn = scn;
			return 0;
		}
	}
	return -1;
}

/* Serves section b->tail from artifact a; 1 when a has no such section. */
static int serve_section_of(struct nsym_request *r, const struct buildid_request *b,
                            const struct nsym_artifact *a)
{
	struct nsym_blob blob;
	struct entity e = {0};
	GElf_Shdr sh;
	Elf_Scn *scn;
	Elf *elf;
	int rc = 1;

	if (open_blob(r, &blob, a) != 0)
		return 0;
	elf_version(EV_CURRENT);
	elf = elf_begin(blob.fd, ELF_C_READ_MMAP_PRIVATE, NULL);
	if (elf != NULL && find_section(elf, b->tail, &sh, &scn) == 0) {
		Elf_Data *d;
		/* debuginfod serves sections inflated */
		if ((sh.sh_flags & SHF_COMPRESSED) && elf_compress(scn, 0, 0) < 0)
			d = NULL;
		else
			d = (sh.sh_flags & SHF_COMPRESSED) ? elf_getdata(scn, NULL) : NULL;
		e.fd = blob.fd;
		e.offset = sh.sh_offset;
		e.size = d != NULL ? d->d_size : sh.sh_size;
		e.memory = d != NULL ? d->d_buf : NULL;
		e.mtime = (time_t)a->created;
		e.file = a->name[0] != '\0' ? a->name : a->kind;
		snprintf(e.etag, sizeof(e.etag), "\"%s-%.64s\"", a->sha256, b->tail);
		rc = 0;
		if ((sh.sh_flags & SHF_COMPRESSED) && d == NULL)
			nsym_reply_internal(r, NSYM_EIO, "cannot inflate the section");
		else if (not_modified(r, e.etag))
			nsym_reply(r, 304, "application/octet-stream", "", NULL, 0);
		else if (within_maxsize(r, e.size) == 0)
			send_entity(r, &e);
	}
	elf_end(elf);
	close(blob.fd);
	return rc;
}

static void serve_section(struct nsym_request *r, const struct buildid_request *b)
{
	static const char *const kinds[] = {"debuginfo", "executable"};
	bool any = false;

	if (b->tail[0] == '\0') {
		nsym_reply_error(r, 400, "no section name: /buildid/ID/section/NAME");
		return;
	}
	for (size_t i = 0; i < 2; i++) {
		struct nsym_artifact a;
		int rc = find(r, &a, b->id, kinds[i], false);
		if (rc != 0 && rc != NSYM_ENOENT)
			return;
		if (rc != 0)
			continue;
		any = true;
		if (serve_section_of(r, b, &a) == 0)
			return;
	}
	if (any)
		nsym_reply_error(r, 404, "no section %s with contents for build-id %s", b->tail,
		                 b->id);
	else
		nsym_reply_error(r, 404, "nothing stored for build-id %s", b->id);
}

void nsym_handle_buildid(struct nsym_request *r)
{
	struct buildid_request b;

	if (parse(r, &b) != 0)
		return;
	if (strcmp(b.type, "debuginfo") == 0 || strcmp(b.type, "executable") == 0)
		serve_artifact(r, &b);
	else if (strcmp(b.type, "section") == 0)
		serve_section(r, &b);
	else if (strcmp(b.type, "source") == 0)
		nsym_reply_error(r, 404, "no sources stored for build-id %s", b.id);
	else
		nsym_reply_error(r, 400, "unknown artifact type '%s'", b.type);
}
