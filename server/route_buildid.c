/*
 * The debuginfod read API: GET and HEAD /buildid/ID/{debuginfo,executable,
 * section/NAME,source/PATH}, and ours beside it, /buildid/ID/symcache. IDs are taken in any case
 * and answered for their lowercase form. Blobs are streamed from their file in bounded chunks,
 * never read whole, and compressed sections are inflated as they are sent (section_inflate.h). 404
 * means only that the store has no such artifact: elfutils clients remember any error as a miss for
 * ten minutes, so internal failures answer 503 and are logged and counted.
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
#include "section_inflate.h"
#include "send.h"
#include "upstream.h"
#include "symcache_build.h"

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
		                 "expected /buildid/ID/debuginfo, executable, section/NAME, "
		                 "source/PATH or symcache");
		return -1;
	}
	memcpy(b->type, type, tlen);
	b->type[tlen] = '\0';
	b->tail = tail != NULL ? tail + 1 : "";
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

/* From the store, else from the upstream servers (upstream.h). */
static void serve_artifact(struct nsym_request *r, const struct buildid_request *b)
{
	struct nsym_artifact a;
	char path[MAX_ID_HEX + 32];
	struct nsym_upstream_ask ask = {
	    .path = path, .key = b->id, .kind = b->type, .file = b->type};
	int rc = find(r, &a, b->id, b->type, false);

	snprintf(path, sizeof(path), "/buildid/%s/%s", b->id, b->type);
	if (rc == 0)
		nsym_send_artifact(r, &a);
	else if (rc == NSYM_ENOENT &&
	         nsym_upstream_serve(nsym_server_upstream(r->srv), r, &ask) != 0)
		nsym_reply_error(r, 404, "no %s for build-id %s", b->type, b->id);
}

/* ---- symcaches ---------------------------------------------------------------- */

/*
 * The symcache of the artifact the symbolicate route reads for the id (its
 * debug file, else its executable), in this server's format version. One
 * that is not built yet (the upload queue has not reached it, was full, or
 * the version changed) is built now, the request waiting for it as the
 * symbolicate route does, and other requests for it waiting for the same
 * build: a client that downloads a symcache instead of the debug file
 * would otherwise download the debug file after all. A build that fails
 * answers 503 with Retry-After: the failure is remembered that long, and
 * the debug file is there to fetch meanwhile.
 */
static void serve_symcache(struct nsym_request *r, const struct buildid_request *b)
{
	static const char *const kinds[] = {"debuginfo", "executable"};
	struct nsym_stored_modules src = {r->store, nsym_server_builds(r->srv),
	                                  nsym_server_cache_dir(r->srv)};
	struct nsym_artifact a;
	struct nsym_symcache sc;
	char why[400], file[sizeof(a.name) + 16];
	int rc = NSYM_ENOENT;

	for (size_t i = 0; i < 2 && rc == NSYM_ENOENT; i++)
		rc = find(r, &a, b->id, kinds[i], false);
	if (rc == NSYM_ENOENT)
		nsym_reply_error(r, 404, "nothing stored for build-id %s", b->id);
	if (rc != 0)
		return;
	rc = r->store->ops->symcache_find(r->store, &sc, a.key, a.kind, nsym_symcache_version());
	if (rc == NSYM_ENOENT) {
		rc = nsym_symcache_ensure(NULL, why, sizeof(why), &src, &a, "request");
		if (rc == 0)
			rc = r->store->ops->symcache_find(r->store, &sc, a.key, a.kind,
			                                  nsym_symcache_version());
		if (rc == NSYM_ENODEBUG) {
			char retry[64];
			snprintf(retry, sizeof(retry), "Retry-After: %d\r\n",
			         NSYM_SYMCACHE_RETRY_SECONDS);
			snprintf(why, sizeof(why),
			         "the symcache of build-id %s cannot be built now; fetch its %s\n",
			         b->id, a.kind);
			nsym_reply(r, 503, "text/plain; charset=utf-8", retry, why, strlen(why));
			return;
		}
	}
	if (rc != 0) {
		nsym_reply_internal(r, rc, nsym_store_errmsg(r->store));
		return;
	}
	snprintf(file, sizeof(file), "%s.symcache", a.name[0] != '\0' ? a.name : a.kind);
	nsym_send_blob(r, sc.sha256, sc.size, (time_t)sc.created, file);
}

/* ---- sections ------------------------------------------------------------------ */

/* Section `name` of the ELF file, when it has contents. */
static int find_section(Elf *elf, const char *name, GElf_Shdr *out)
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
		if (strcmp(n, name) == 0 && out->sh_type != SHT_NOBITS)
			return 0;
	}
	return -1;
}

static int read_inflated(void *z, void *buf, size_t size, size_t *out_n)
{
	return nsym_inflater_read(z, buf, size, out_n);
}

static const char *inflate_error(void *z)
{
	return nsym_inflater_error(z);
}

static void send_inflated(struct nsym_request *r, struct nsym_entity *e, int fd,
                          const struct nsym_compressed *c)
{
	struct nsym_inflater *z;
	struct nsym_stream stream = {read_inflated, inflate_error, NULL};

	if (nsym_inflater_open(&z, fd, c) != 0) {
		nsym_reply_internal(r, NSYM_ENOMEM, "out of memory");
		return;
	}
	stream.ctx = z;
	e->size = c->size;
	e->stream = &stream;
	nsym_send_entity(r, e);
	nsym_inflater_close(z);
}

/* A compressed section, inflated as it is sent. Its size is the one its
 * header claims, read from the file before anything is inflated: a claim
 * over the server's limit is refused (413), and so is one the client will
 * not take (406), at the cost of reading a few bytes; HEAD inflates
 * nothing. A section that can never be inflated answers 422, which a
 * client does not retry: it is the file's fault and stays so. */
static void serve_compressed(struct nsym_request *r, const char *name, struct nsym_entity *e,
                             const unsigned char *ident, const struct nsym_blob *blob,
                             const GElf_Shdr *sh)
{
	uint64_t max = nsym_server_config(r->srv)->max_section;
	struct nsym_compressed c;
	const char *why;
	int rc =
	    nsym_compressed_read(&c, &why, blob->fd, blob->size, ident, sh->sh_offset, sh->sh_size);

	if (rc == NSYM_EUNSUPPORTED)
		nsym_reply_error(r, 422,
		                 "section %s is compressed with type %" PRIu32
		                 ", which the server cannot inflate (zlib and zstd it can)",
		                 name, c.type);
	else if (rc == NSYM_EIO)
		nsym_reply_internal(r, rc, "cannot read the stored file");
	else if (rc != 0)
		nsym_reply_error(r, 422, "section %s cannot be inflated: %s", name, why);
	else if (c.size > max)
		nsym_reply_error(r, 413,
		                 "section %s inflates to %" PRIu64
		                 " bytes, over the server's limit of %" PRIu64
		                 " (--max-section-size)",
		                 name, c.size, max);
	else if (nsym_not_modified(r, e->etag))
		nsym_reply(r, 304, "application/octet-stream", "", NULL, 0);
	else if (nsym_within_maxsize(r, c.size) == 0)
		send_inflated(r, e, blob->fd, &c);
}

/* Serves section b->tail from artifact a; 1 when a has no such section. */
static int serve_section_of(struct nsym_request *r, const struct buildid_request *b,
                            const struct nsym_artifact *a)
{
	struct nsym_blob blob;
	struct nsym_entity e = {0};
	GElf_Shdr sh;
	Elf *elf;
	int rc = 1;

	if (nsym_open_blob(r, &blob, a) != 0)
		return 0;
	elf_version(EV_CURRENT);
	elf = elf_begin(blob.fd, ELF_C_READ_MMAP_PRIVATE, NULL);
	if (elf != NULL && find_section(elf, b->tail, &sh) == 0) {
		e.fd = blob.fd;
		e.offset = sh.sh_offset;
		e.size = sh.sh_size;
		e.mtime = (time_t)a->created;
		e.file = a->name[0] != '\0' ? a->name : a->kind;
		snprintf(e.etag, sizeof(e.etag), "\"%s-%.64s\"", a->sha256, b->tail);
		rc = 0;
		/* debuginfod serves sections inflated */
		if (sh.sh_flags & SHF_COMPRESSED)
			serve_compressed(r, b->tail, &e,
			                 (const unsigned char *)elf_getident(elf, NULL), &blob,
			                 &sh);
		else if (sh.sh_offset > blob.size || sh.sh_size > blob.size - sh.sh_offset)
			/* an uploaded file that lies about its section: promise no
			 * more bytes than the file has */
			nsym_reply_error(r, 422, "section %s lies past the end of the stored file",
			                 b->tail);
		else if (nsym_not_modified(r, e.etag))
			nsym_reply(r, 304, "application/octet-stream", "", NULL, 0);
		else if (nsym_within_maxsize(r, e.size) == 0)
			nsym_send_entity(r, &e);
	}
	elf_end(elf);
	close(blob.fd);
	return rc;
}

/* The section from the upstream servers (upstream.h), when the store has
 * nothing for the build-id; as nsym_upstream_serve returns. Its bytes are a
 * section's, not a file's: no identity to check (elfutils' client checks
 * none either). */
static int upstream_section(struct nsym_request *r, const struct buildid_request *b)
{
	size_t size = strlen(b->id) + strlen(b->tail) + 32;
	char *path = malloc(size);
	struct nsym_upstream_ask ask = {.path = path, .file = "section"};
	int rc;

	if (path == NULL) {
		nsym_reply_internal(r, NSYM_ENOMEM, "out of memory");
		return 0;
	}
	snprintf(path, size, "/buildid/%s/section/%s", b->id, b->tail);
	rc = nsym_upstream_serve(nsym_server_upstream(r->srv), r, &ask);
	free(path);
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
	else if (upstream_section(r, b) != 0)
		nsym_reply_error(r, 404, "nothing stored for build-id %s", b->id);
}

/* The path after "/buildid/" as the client sent it: percent-decoded but,
 * unlike r->path, with its dot segments, "//" and backslashes, which is
 * what elfutils' server sees, so source paths are canonicalised by its
 * rules alone (route_source.c). */
static const char *sent_rest(const struct nsym_request *r)
{
	const char *sent = r->sent_path;
	return sent != NULL && strncmp(sent, "/buildid/", 9) == 0 ? sent + 9 : r->rest;
}

void nsym_handle_buildid(struct nsym_request *r)
{
	struct buildid_request b;

	r->rest = sent_rest(r);
	if (parse(r, &b) != 0)
		return;
	if (strcmp(b.type, "debuginfo") == 0 || strcmp(b.type, "executable") == 0)
		serve_artifact(r, &b);
	else if (strcmp(b.type, "section") == 0)
		serve_section(r, &b);
	else if (strcmp(b.type, "source") == 0)
		nsym_serve_source(r, b.id, b.tail);
	else if (strcmp(b.type, "symcache") == 0 && b.tail[0] == '\0')
		serve_symcache(r, &b);
	else
		nsym_reply_error(r, 400, "unknown artifact type '%s'", b.type);
}
