/*
 * The artifacts API, in JSON: GET /api/v1/artifacts?q=TEXT&offset=N&limit=N
 * (a page, newest first, searched by name or key), GET /api/v1/artifacts/ID
 * (one row) and DELETE /api/v1/artifacts/ID (admin; the blob goes when no
 * other row names it). ID is the row id the list reports.
 */
#include <civetweb.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

struct page {
	struct nsym_buf *b;
	int64_t n, limit;
	bool more; /* a row past the page exists */
};

static int add_row(void *arg, const struct nsym_artifact *a)
{
	struct page *p = arg;

	if (p->n == p->limit) {
		p->more = true;
		return 1;
	}
	nsym_buf_add(p->b, p->n > 0 ? ",\n  " : "\n  ", p->n > 0 ? 4 : 3);
	write_artifact(p->b, a);
	p->n++;
	return 0;
}

/* q, decoded; -1 after replying 400 when it is too long. */
static int search_text(struct nsym_request *r, char *out, size_t size)
{
	const char *qs = r->ri->query_string;
	int n = qs != NULL ? mg_get_var(qs, strlen(qs), "q", out, size) : -1;

	if (n == -2) {
		nsym_reply_error(r, 400, "q is longer than %zu bytes", size - 1);
		return -1;
	}
	if (n < 0)
		out[0] = '\0';
	return 0;
}

void nsym_handle_artifacts(struct nsym_request *r)
{
	char q[MAX_QUERY];
	int64_t offset, limit;
	struct nsym_buf b;
	struct page p = {.b = &b};
	int rc;

	if (number_param(r, &offset, "offset", 0, 0, INT64_MAX / 2) != 0 ||
	    number_param(r, &limit, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT) != 0 ||
	    search_text(r, q, sizeof(q)) != 0)
		return;
	p.limit = limit;
	nsym_buf_init(&b, MAX_REPLY);
	nsym_buf_printf(&b, "{\"artifacts\": [");
	/* one more than the page, to know whether there is a next one */
	rc = r->store->ops->artifact_list(r->store, q[0] != '\0' ? q : NULL, offset, limit + 1,
	                                  add_row, &p);
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
	fprintf(stderr, "napi-symbols serve: %s deleted artifact %" PRId64 " (%s %s)%s\n",
	        r->token_name, a.id, a.key, a.kind, blob_removed ? " and its blob" : "");
	nsym_buf_init(&b, MAX_REPLY);
	nsym_buf_printf(&b, "{\"deleted\": ");
	write_artifact(&b, &a);
	nsym_buf_printf(&b, ", \"blob_removed\": %s}\n", blob_removed ? "true" : "false");
	nsym_reply_json(r, 200, &b);
}
