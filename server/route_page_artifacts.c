/*
 * The artifacts page: GET /artifacts?q=TEXT&package=NAME[@VERSION]&kind=KIND
 * &format=FORMAT&page=N lists what the store holds, newest first, searched
 * the way /api/v1/artifacts searches (a part of the file name in any case,
 * or of the identity; the npm package exactly), narrowed by kind and
 * format, a page of rows at a time; each row links its downloads
 * (debuginfod, SymSrv), its JSON, a search for its identity and one for
 * its package. HTML made on the server, so it works without
 * JavaScript. It needs the read scope as the API does when reads need a
 * token: a POST of the page's token form (the same fields, and the token)
 * answers the same page, and remembers the token in the pages' cookie when
 * asked (page_reply.c).
 */
#include <civetweb.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "page.h"
#include "page_browse.h"
#include "page_form.h"
#include "routes.h"

/* Rows on one page. */
#define PER_PAGE 50
/* A form POSTed to the page: its few fields and a token. */
#define BODY_MAX (64u << 10)

struct browse {
	struct nsym_request *r;
	struct nsym_browse_query q;
	int status;
	char message[512]; /* why there is no list, or "" */
	char cookie[256];  /* a Set-Cookie header line, or "" */
	bool listed;
	/* the list */
	struct nsym_buf rows;
	uint64_t skip; /* matching rows still to pass before the page */
	size_t n;      /* rows on the page */
	bool more;     /* a matching row after the page */
};

/* ---- links ------------------------------------------------------------------------- */

/* s, percent-encoded for a URL's path or query (unreserved bytes alone
 * kept), and as HTML text: only unreserved bytes and '%' remain. */
static void url_part(struct nsym_buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~')
			nsym_buf_add(b, s, 1);
		else
			nsym_buf_printf(b, "%%%02X", c);
	}
}

/* The page's own URL (relative) for the query q with another search text
 * and page: "./artifacts?q=...&amp;kind=...". */
static void self_link(struct nsym_buf *b, const struct nsym_browse_query *q, const char *text,
                      uint64_t page)
{
	nsym_buf_printf(b, "./artifacts?q=");
	url_part(b, text);
	if (q->package[0] != '\0') {
		nsym_buf_printf(b, "&amp;package=");
		url_part(b, q->package);
	}
	if (q->kind[0] != '\0')
		nsym_buf_printf(b, "&amp;kind=%s", q->kind);
	if (q->format[0] != '\0')
		nsym_buf_printf(b, "&amp;format=%s", q->format);
	if (page > 1)
		nsym_buf_printf(b, "&amp;page=%" PRIu64, page);
	nsym_buf_printf(b, "#results");
}

/* The SymSrv path of a: the layout /symsrv/FILE/ID/FILE, with the SSQP
 * key for ELF and Mach-O (route_symsrv.c). Nothing for what it has none. */
static void symsrv_link(struct nsym_buf *b, const struct nsym_artifact *a)
{
	bool debug = strcmp(a->kind, "debuginfo") == 0;
	const char *prefix = NULL, *file = a->name;

	if (strcmp(a->id_kind, "build-id") == 0) {
		prefix = debug ? "elf-buildid-sym-" : "elf-buildid-";
		file = debug ? "_.debug" : a->name;
	} else if (strcmp(a->id_kind, "macho-uuid") == 0) {
		prefix = debug ? "mach-uuid-sym-" : "mach-uuid-";
		file = debug ? "_.dwarf" : a->name;
	} else if (strcmp(a->id_kind, "pe") == 0 || strcmp(a->id_kind, "pdb") == 0) {
		prefix = "";
	}
	if (prefix == NULL || file[0] == '\0')
		return;
	nsym_buf_printf(b, "<li><a href=\"./symsrv/");
	url_part(b, file);
	nsym_buf_printf(b, "/%s%s/", prefix, a->key);
	url_part(b, file);
	nsym_buf_printf(b, "\">SymSrv</a></li>");
}

/* ---- the list ------------------------------------------------------------------------ */

/* The package cell: NAME@VERSION, a link to all of that package's
 * artifacts; "-" when the upload named none. */
static void package_cell(struct nsym_buf *b, const struct nsym_artifact *a)
{
	char package[sizeof(a->package_name) + sizeof(a->package_version)];

	if (a->package_name[0] == '\0') {
		nsym_buf_printf(b, "<td class=\"hint\">-</td>");
		return;
	}
	snprintf(package, sizeof(package), "%s@%s", a->package_name, a->package_version);
	nsym_buf_printf(b, "<td><a class=\"package\" href=\"./artifacts?package=");
	url_part(b, package);
	nsym_buf_printf(b, "#results\">");
	nsym_buf_html_str(b, package);
	nsym_buf_printf(b, "</a></td>");
}

static void row(struct nsym_buf *b, const struct nsym_artifact *a)
{
	char when[32];
	time_t t = (time_t)a->created;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
	nsym_buf_printf(b, "<tr><th scope=\"row\">");
	nsym_buf_html_str(b, a->name[0] != '\0' ? a->name : "(no name)");
	nsym_buf_printf(b, "</th><td>");
	nsym_buf_html_str(b, a->kind);
	nsym_buf_printf(b, "</td><td>");
	nsym_buf_html_str(b, a->format);
	nsym_buf_printf(b, " ");
	nsym_buf_html_str(b, a->arch);
	nsym_buf_printf(b, "</td><td><span class=\"hint\">");
	nsym_buf_html_str(b, a->id_kind);
	nsym_buf_printf(b, "</span><code>");
	nsym_buf_html_str(b, a->key);
	nsym_buf_printf(b, "</code></td><td class=\"num\">%" PRIu64 "</td><td>%s", a->size, when);
	if (a->uploaded_by[0] != '\0') {
		nsym_buf_printf(b, " by ");
		nsym_buf_html_str(b, a->uploaded_by);
	}
	/* after the columns the page had before it, which scripts read by place */
	nsym_buf_printf(b, "</td>");
	package_cell(b, a);
	nsym_buf_printf(b, "<td><ul>");
	/* debuginfod takes an even number of digits (docs/server-api.md) */
	if (strlen(a->key) % 2 == 0)
		nsym_buf_printf(b, "<li><a href=\"./buildid/%s/%s\">debuginfod</a></li>", a->key,
		                a->kind);
	symsrv_link(b, a);
	nsym_buf_printf(b,
	                "<li><a href=\"./api/v1/artifacts/%" PRId64
	                "\">JSON</a></li><li><a href=\"./artifacts?q=%s#results\">All of this "
	                "identity</a></li></ul></td></tr>\n",
	                a->id, a->key);
}

static int add_row(void *arg, const struct nsym_artifact *a)
{
	struct browse *br = arg;

	if ((br->q.kind[0] != '\0' && strcmp(a->kind, br->q.kind) != 0) ||
	    (br->q.format[0] != '\0' && strcmp(a->format, br->q.format) != 0))
		return 0;
	if (br->skip > 0) {
		br->skip--;
		return 0;
	}
	if (br->n == PER_PAGE) {
		br->more = true;
		return 1;
	}
	row(&br->rows, a);
	br->n++;
	return 0;
}

/* The page's rows from the store into br->rows; 0, or -1 after a failure
 * of the store (logged, and said on the page with 503). */
static int list(struct browse *br)
{
	struct nsym_request *r = br->r;
	bool filtered = br->q.kind[0] != '\0' || br->q.format[0] != '\0';
	uint64_t before = (br->q.page - 1) * PER_PAGE;
	struct nsym_artifact_search search = {
	    .text = br->q.q[0] != '\0' ? br->q.q : NULL,
	    .package_name = br->q.package_name[0] != '\0' ? br->q.package_name : NULL,
	    .package_version = br->q.package_version[0] != '\0' ? br->q.package_version : NULL,
	};
	int rc;

	/* The store searches by text and package; kind and format are
	 * matched here, and then the rows before the page are counted here
	 * too. */
	br->skip = filtered ? before : 0;
	rc = r->store->ops->artifact_list(r->store, &search, filtered ? 0 : (int64_t)before,
	                                  filtered ? INT64_MAX / 2 : PER_PAGE + 1, add_row, br);
	if (rc != 0) {
		nsym_log_internal(r, rc, nsym_store_errmsg(r->store));
		br->status = 503;
		snprintf(br->message, sizeof(br->message),
		         "The server failed (the reason is in its log). Try again.");
		return -1;
	}
	br->listed = true;
	return 0;
}

static void results(struct browse *br, struct nsym_buf *b)
{
	uint64_t first = (br->q.page - 1) * PER_PAGE + 1;

	if (!br->listed)
		return;
	if (br->n == 0) {
		nsym_buf_printf(b, "<p role=\"status\">%s</p>\n",
		                br->q.page > 1 ? "No artifacts on this page: it is past the last."
		                               : "No artifacts match.");
	} else {
		nsym_buf_printf(b,
		                "<p role=\"status\" id=\"count\">Artifacts %" PRIu64 " to %" PRIu64
		                "%s.</p>\n",
		                first, first + br->n - 1, br->more ? ", and more" : "");
		nsym_buf_printf(
		    b,
		    "<div class=\"table\"><table class=\"artifacts\" aria-describedby=\"count\">\n"
		    "<caption>Artifacts, newest first</caption>\n"
		    "<thead><tr><th scope=\"col\">file name</th><th scope=\"col\">kind</th><th "
		    "scope=\"col\">format</th><th scope=\"col\">identity</th><th "
		    "scope=\"col\">bytes</th><th scope=\"col\">uploaded</th><th "
		    "scope=\"col\">package</th><th "
		    "scope=\"col\">downloads</th></tr></thead>\n<tbody>\n");
		nsym_buf_add(b, br->rows.data, br->rows.len);
		nsym_buf_printf(b, "</tbody></table></div>\n");
	}
	if (br->q.page == 1 && !br->more)
		return;
	nsym_buf_printf(b, "<nav class=\"pages\" aria-label=\"Pages of artifacts\">");
	if (br->q.page > 1) {
		nsym_buf_printf(b, "<a rel=\"prev\" href=\"");
		self_link(b, &br->q, br->q.q, br->q.page - 1);
		nsym_buf_printf(b, "\">Previous page</a>");
	}
	nsym_buf_printf(b, "<span>Page %" PRIu64 "</span>", br->q.page);
	if (br->more) {
		nsym_buf_printf(b, "<a rel=\"next\" href=\"");
		self_link(b, &br->q, br->q.q, br->q.page + 1);
		nsym_buf_printf(b, "\">Next page</a>");
	}
	nsym_buf_printf(b, "</nav>\n");
}

/* ---- the page ------------------------------------------------------------------------ */

/* <option>s of names (NULL-ended, the first "" for any), `chosen` selected. */
static void options(struct nsym_buf *b, const char *const *names, const char *const *labels,
                    const char *chosen)
{
	for (size_t i = 0; names[i] != NULL; i++)
		nsym_buf_printf(b, "<option value=\"%s\"%s>%s</option>", names[i],
		                strcmp(names[i], chosen) == 0 ? " selected" : "", labels[i]);
}

/* The token form: the search's fields again, and the token. */
static void token_form(struct browse *br, struct nsym_buf *b)
{
	nsym_buf_printf(b,
	                "<form id=\"token-form\" method=\"post\" action=\"./artifacts#results\" "
	                "aria-label=\"Read token\">\n<input type=\"hidden\" name=\"q\" value=\"");
	nsym_buf_html_str(b, br->q.q);
	nsym_buf_printf(b, "\">\n<input type=\"hidden\" name=\"package\" value=\"");
	nsym_buf_html_str(b, br->q.package);
	nsym_buf_printf(b,
	                "\">\n<input type=\"hidden\" name=\"kind\" value=\"%s\">\n<input "
	                "type=\"hidden\" name=\"format\" value=\"%s\">\n<input type=\"hidden\" "
	                "name=\"page\" value=\"%" PRIu64 "\">\n",
	                br->q.kind, br->q.format, br->q.page);
	nsym_page_token_fields(b, true);
	nsym_buf_printf(b, "<p><button type=\"submit\">List</button></p>\n</form>\n");
}

static void fill(void *ctx, struct nsym_buf *b, const char *name, size_t len)
{
	static const char *const kinds[] = {"", "debuginfo", "executable", NULL};
	static const char *const kind_labels[] = {"any", "debug file (debuginfo)",
	                                          "binary (executable)"};
	static const char *const formats[] = {"", "elf", "macho", "pe", "pdb", NULL};
	static const char *const format_labels[] = {"any", "ELF", "Mach-O", "PE", "PDB"};
	struct browse *br = ctx;

#define IS(s) (len == sizeof(s) - 1 && memcmp(name, s, len) == 0)
	if (IS("title")) {
		nsym_buf_printf(b, "Artifacts");
		if (br->q.q[0] != '\0') {
			nsym_buf_printf(b, " matching \xe2\x80\x9c");
			nsym_buf_html_str(b, br->q.q);
			nsym_buf_printf(b, "\xe2\x80\x9d");
		}
		if (br->q.package[0] != '\0') {
			nsym_buf_printf(b, " from ");
			nsym_buf_html_str(b, br->q.package);
		}
		if (br->q.page > 1)
			nsym_buf_printf(b, ", page %" PRIu64, br->q.page);
		nsym_buf_printf(b, " \xe2\x80\x94 napi-symbols");
	} else if (IS("message") && br->message[0] != '\0') {
		nsym_buf_printf(b, "<div class=\"message\" role=\"alert\"><p><strong>%s</strong> ",
		                br->status == 401 ? "Token needed." : "Not listed.");
		nsym_buf_html_str(b, br->message);
		nsym_buf_printf(b, "</p></div>\n");
	} else if (IS("token") && br->status == 401) {
		token_form(br, b);
	} else if (IS("q")) {
		nsym_buf_html_str(b, br->q.q);
	} else if (IS("package")) {
		nsym_buf_html_str(b, br->q.package);
	} else if (IS("kinds")) {
		options(b, kinds, kind_labels, br->q.kind);
	} else if (IS("formats")) {
		options(b, formats, format_labels, br->q.format);
	} else if (IS("results")) {
		results(br, b);
	}
#undef IS
}

/* The query or the form into br->q, with body holding the text it points
 * into. 0, or -1 after replying (a body that could not be read). */
static int read_query(struct browse *br, struct nsym_buf *body)
{
	struct nsym_request *r = br->r;
	const char *query = r->ri->query_string;
	bool post = strcmp(r->ri->request_method, "POST") == 0;
	char why[256];
	int rc;

	nsym_buf_init(body, BODY_MAX + 1);
	if (post && r->ri->content_length > (long long)BODY_MAX) {
		br->status = 413;
		snprintf(br->message, sizeof(br->message), "The form is larger than %u bytes.",
		         BODY_MAX);
		return 0;
	}
	if (post) {
		if (nsym_read_body(r, body, BODY_MAX) != 0)
			return -1;
	} else {
		nsym_buf_add(body, query != NULL ? query : "", query != NULL ? strlen(query) : 0);
	}
	if (body->failed) {
		nsym_reply_internal(r, NSYM_ENOMEM, "out of memory reading a query");
		return -1;
	}
	rc = nsym_browse_query_read(&br->q, body->data != NULL ? body->data : (char *)"", body->len,
	                            post ? nsym_header(r, "Content-Type") : NULL, why, sizeof(why));
	if (rc != 0) {
		br->status = rc == NSYM_EUNSUPPORTED ? 415 : 400;
		snprintf(br->message, sizeof(br->message), "%s%s.",
		         rc == NSYM_EUNSUPPORTED ? "The request is not a form" : "", why);
		/* a sentence on the page */
		if (br->message[0] >= 'a' && br->message[0] <= 'z')
			br->message[0] = (char)(br->message[0] - 'a' + 'A');
	}
	return 0;
}

void nsym_handle_page_artifacts(struct nsym_request *r)
{
	struct browse br = {.r = r, .status = 200, .q = {.page = 1}};
	struct nsym_buf body;

	nsym_buf_init(&br.rows, NSYM_PAGE_MAX);
	if (read_query(&br, &body) != 0)
		goto done; /* answered */
	if (br.message[0] != '\0')
		; /* why the request was refused */
	else if (nsym_page_authorize(r, br.cookie, sizeof(br.cookie), br.message,
	                             sizeof(br.message), "to list what is stored", br.q.token,
	                             br.q.remember) != 0)
		br.status = 401;
	else
		list(&br);
	nsym_page_send(r, br.status, "artifacts.html", fill, &br, br.cookie, br.rows.failed);
done:
	nsym_buf_free(&body);
	nsym_buf_free(&br.rows);
}
