/*
 * The artifacts API, in JSON: GET /api/v1/artifacts?q=TEXT&offset=N&limit=N
 * (a page, newest first, searched by name or key; &name=FILE keeps the
 * rows of that file name, &pe_timestamp=HEX the PE images of that
 * TimeDateStamp, which is what a Windows crash record gives of a module,
 * and &package=NAME[@VERSION] those uploaded from that npm package),
 * GET /api/v1/artifacts/ID
 * (one row) and DELETE /api/v1/artifacts/ID (admin; the blob goes when no
 * other row names it). ID is the row id the list reports.
 */
#include <civetweb.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "module_cache.h"
#include "routes.h"

#define DEFAULT_LIMIT 100
#define MAX_LIMIT     1000
#define MAX_QUERY     256
/* A row is at most about 2 KB of JSON (a 255-byte name of bytes that are
 * not UTF-8 becomes 1.5 KB of \ufffd), so a full page fits in 4 MB. */
#define MAX_REPLY (4 << 20)

static void field(struct nsym_buf *b, const char *name, const char *value)
{
	nsym_buf_printf(b, ", \"%s\": ", name);
	nsym_buf_json_string(b, value);
}

static void write_artifact(struct nsym_buf *b, const struct nsym_artifact *a)
{
	char when[32];
	time_t t = (time_t)a->created;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	nsym_buf_printf(b, "{\"id\": %" PRId64, a->id);
	field(b, "key", a->key);
	field(b, "id_kind", a->id_kind);
	field(b, "kind", a->kind);
	field(b, "format", a->format);
	field(b, "arch", a->arch);
	field(b, "name", a->name);
	field(b, "sha256", a->sha256);
	nsym_buf_printf(b, ", \"size\": %" PRIu64, a->size);
	field(b, "created", when);
	field(b, "uploaded_by", a->uploaded_by);
	if (a->package_name[0] == '\0') {
		nsym_buf_printf(b, ", \"package\": null");
	} else {
		char package[sizeof(a->package_name) + sizeof(a->package_version)];
		snprintf(package, sizeof(package), "%s@%s", a->package_name, a->package_version);
		field(b, "package", package);
	}
	nsym_buf_add(b, "}", 1);
}

/* Digits only, 0 to 10^18: a number no JSON client mangles. */
static int parse_number(int64_t *out, const char *text)
{
	size_t n = strspn(text, "0123456789");

	if (n == 0 || n > 18 || text[n] != '\0')
		return -1;
	*out = strtoll(text, NULL, 10);
	return 0;
}

/* The query parameter `name` in [min, max], or def when absent; -1 after
 * replying 400. */
static int number_param(struct nsym_request *r, int64_t *out, const char *name, int64_t def,
                        int64_t min, int64_t max)
{
	char text[32];

	*out = def;
	if (nsym_query(r, name, text, sizeof(text)) != 0)
		return 0;
	if (parse_number(out, text) != 0 || *out < min || *out > max) {
		nsym_reply_error(r, 400, "%s is a number from %" PRId64 " to %" PRId64, name, min,
		                 max);
		return -1;
	}
	return 0;
}

/* ---- the list ------------------------------------------------------------------ */

/* What the rows must also match, beyond the store's search (all optional):
 * the exact file name, and for a PE image the TimeDateStamp its key starts
 * with, as Windows' crash records give a module. */
struct filter {
	bool on;
	char name[MAX_QUERY];
	char stamp[9]; /* %08x, or "" */
	char q[MAX_QUERY];
	int64_t skip; /* filtered rows before the page */
};

struct page {
	struct nsym_buf *b;
	int64_t n, limit;
	bool more; /* a row past the page exists */
	struct filter f;
};

static bool contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay != '\0'; hay++) {
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	}
	return n == 0;
}

static bool passes(const struct filter *f, const struct nsym_artifact *a)
{
	char q[MAX_QUERY];

	if (f->name[0] != '\0' && strcasecmp(a->name, f->name) != 0)
		return false;
	if (f->stamp[0] != '\0' &&
	    (strcmp(a->id_kind, "pe") != 0 || strncmp(a->key, f->stamp, 8) != 0))
		return false;
	if (f->q[0] == '\0')
		return true;
	/* as the store searches: the name in any case, the key in lowercase */
	for (size_t i = 0; i < sizeof(q) && (i == 0 || q[i - 1] != '\0'); i++)
		q[i] = (char)(f->q[i] >= 'A' && f->q[i] <= 'Z' ? f->q[i] + 32 : f->q[i]);
	return contains_nocase(a->name, f->q) || strstr(a->key, q) != NULL;
}

static int add_row(void *arg, const struct nsym_artifact *a)
{
	struct page *p = arg;

	if (p->f.on && !passes(&p->f, a))
		return 0;
	if (p->f.on && p->f.skip > 0) {
		p->f.skip--;
		return 0;
	}
	if (p->n == p->limit) {
		p->more = true;
		return 1;
	}
	nsym_buf_add(p->b, p->n > 0 ? ",\n  " : "\n  ", p->n > 0 ? 4 : 3);
	write_artifact(p->b, a);
	p->n++;
	return 0;
}

/* The query parameter `name`, decoded: its length, -1 when absent (out is
 * then ""), or -2 after replying 400 when it is too long. */
static int search_var(struct nsym_request *r, const char *name, char *out, size_t size)
{
	const char *qs = r->ri->query_string;
	int n = qs != NULL ? mg_get_var(qs, strlen(qs), name, out, size) : -1;

	if (n == -2) {
		nsym_reply_error(r, 400, "%s is longer than %zu bytes", name, size - 1);
		return -2;
	}
	if (n < 0)
		out[0] = '\0';
	return n;
}

/* package=NAME or NAME@VERSION, decoded and checked, into name and
 * version ("" when absent); -1 after replying 400. */
static int package_param(struct nsym_request *r, char *name, char *version)
{
	char text[NSYM_NPM_NAME_MAX + NSYM_NPM_VERSION_MAX + 2], why[200];
	int n = search_var(r, "package", text, sizeof(text));

	name[0] = version[0] = '\0';
	if (n == -2)
		return -1;
	if (n > 0 && strlen(text) != (size_t)n) { /* a %00 would cut what is checked */
		nsym_reply_error(r, 400, "package: it has a NUL byte");
		return -1;
	}
	if (n > 0 && nsym_npm_package_split(name, version, text, false, why, sizeof(why)) != 0) {
		nsym_reply_error(r, 400, "package: %s", why);
		return -1;
	}
	return 0;
}

/* q, decoded; -1 after replying 400 when it is too long. */
static int search_text(struct nsym_request *r, char *out, size_t size)
{
	return search_var(r, "q", out, size) == -2 ? -1 : 0;
}

/* name= and pe_timestamp= into f; -1 after replying 400. */
static int filter_params(struct nsym_request *r, struct filter *f)
{
	char stamp[32];
	const char *h;
	uint64_t v = 0;
	int n;

	if (search_var(r, "name", f->name, sizeof(f->name)) == -2 ||
	    (n = search_var(r, "pe_timestamp", stamp, sizeof(stamp))) == -2)
		return -1;
	if (n >= 0) {
		h = strncasecmp(stamp, "0x", 2) == 0 ? stamp + 2 : stamp;
		if (*h == '\0' || strlen(h) > 8 ||
		    strspn(h, "0123456789abcdefABCDEF") != strlen(h)) {
			nsym_reply_error(r, 400,
			                 "pe_timestamp is a PE TimeDateStamp: 1 to 8 hex digits");
			return -1;
		}
		v = strtoull(h, NULL, 16);
		snprintf(f->stamp, sizeof(f->stamp), "%08" PRIx64, v);
	}
	f->on = f->name[0] != '\0' || f->stamp[0] != '\0';
	return 0;
}

void nsym_handle_artifacts(struct nsym_request *r)
{
	char q[MAX_QUERY];
	char package[NSYM_NPM_NAME_MAX + 1], version[NSYM_NPM_VERSION_MAX + 1];
	struct nsym_artifact_search search = {0};
	int64_t offset, limit;
	struct nsym_buf b;
	struct page p = {.b = &b};
	int rc;

	if (number_param(r, &offset, "offset", 0, 0, INT64_MAX / 2) != 0 ||
	    number_param(r, &limit, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT) != 0 ||
	    search_text(r, q, sizeof(q)) != 0 || filter_params(r, &p.f) != 0 ||
	    package_param(r, package, version) != 0)
		return;
	p.limit = limit;
	search.text = q[0] != '\0' ? q : NULL;
	/* the store matches the package exactly, so it stays with the store
	 * in either mode */
	search.package_name = package[0] != '\0' ? package : NULL;
	search.package_version = version[0] != '\0' ? version : NULL;
	if (p.f.on) {
		/* the store narrows by the time stamp (or the name); the exact
		 * match and the page are counted here */
		snprintf(p.f.q, sizeof(p.f.q), "%s", q);
		search.text = p.f.stamp[0] != '\0' ? p.f.stamp : p.f.name;
		p.f.skip = offset;
	}
	nsym_buf_init(&b, MAX_REPLY);
	nsym_buf_printf(&b, "{\"artifacts\": [");
	/* one more than the page, to know whether there is a next one */
	rc = r->store->ops->artifact_list(r->store, &search, p.f.on ? 0 : offset,
	                                  p.f.on ? INT64_MAX / 2 : limit + 1, add_row, &p);
	if (rc != 0) {
		nsym_buf_free(&b);
		nsym_reply_internal(r, rc, nsym_store_errmsg(r->store));
		return;
	}
	nsym_buf_printf(&b,
	                "%s], \"offset\": %" PRId64 ", \"limit\": %" PRId64 ", \"next_offset\": ",
	                p.n > 0 ? "\n" : "", offset, limit);
	if (p.more)
		nsym_buf_printf(&b, "%" PRId64 "}\n", offset + limit);
	else
		nsym_buf_printf(&b, "null}\n");
	nsym_reply_json(r, 200, &b);
}

/* ---- one artifact ---------------------------------------------------------------- */

/* The artifact the path names, or a reply: 400, 404 or 503. */
static int find(struct nsym_request *r, struct nsym_artifact *out)
{
	int64_t id;
	int rc;

	if (parse_number(&id, r->rest) != 0) {
		nsym_reply_error(r, 400, "an artifact id is a number: /api/v1/artifacts/ID");
		return NSYM_EINVAL;
	}
	rc = r->store->ops->artifact_get(r->store, out, id);
	if (rc == NSYM_ENOENT)
		nsym_reply_error(r, 404, "no artifact %" PRId64, id);
	else if (rc != 0)
		nsym_reply_internal(r, rc, nsym_store_errmsg(r->store));
	return rc;
}

void nsym_handle_artifact(struct nsym_request *r)
{
	struct nsym_artifact a;
	struct nsym_buf b;

	if (find(r, &a) != 0)
		return;
	nsym_buf_init(&b, MAX_REPLY);
	write_artifact(&b, &a);
	nsym_buf_add(&b, "\n", 1);
	nsym_reply_json(r, 200, &b);
}

void nsym_handle_artifact_delete(struct nsym_request *r)
{
	struct nsym_artifact a;
	struct nsym_buf b;
	bool blob_removed;
	int rc;

	if (find(r, &a) != 0)
		return;
	rc = r->store->ops->artifact_delete(r->store, &blob_removed, a.id);
	if (rc == NSYM_ENOENT) { /* deleted by another request meanwhile */
		nsym_reply_error(r, 404, "no artifact %" PRId64, a.id);
		return;
	}
	if (rc != 0) {
		nsym_reply_internal(r, rc, nsym_store_errmsg(r->store));
		return;
	}
	/* requests after this one answer without it */
	nsym_module_cache_forget(nsym_server_modules(r->srv), a.key);
	fprintf(stderr, "napi-symbols serve: %s deleted artifact %" PRId64 " (%s %s)%s\n",
	        r->token_name, a.id, a.key, a.kind, blob_removed ? " and its blob" : "");
	nsym_buf_init(&b, MAX_REPLY);
	nsym_buf_printf(&b, "{\"deleted\": ");
	write_artifact(&b, &a);
	nsym_buf_printf(&b, ", \"blob_removed\": %s}\n", blob_removed ? "true" : "false");
	nsym_reply_json(r, 200, &b);
}
