/*
 * The web page: GET / is a form to paste a crash into; POST / (the form,
 * urlencoded or multipart) and GET /?trace=TEXT (the link the hook prints)
 * answer it symbolicated, as HTML made on the server, so the page works
 * without JavaScript. The crash goes through the symbolicate route's
 * readers, limits and store (symbolicate.h); the answer is the pipeline's
 * JSON rendered by page_render.c. GET /assets/NAME serves the page's style
 * sheet and script, compiled into the server (page.h). The page's URLs
 * are relative, so that it also works behind a proxy that serves it under
 * a path.

 * A page reads only with the read scope when the server's reads need a
 * token (page_reply.c).
 */
#include <civetweb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "page.h"
#include "page_form.h"
#include "routes.h"
#include "symbolicate.h"

/* Warnings about the text shown; the rest are counted. */
#define MAX_WARNINGS 20
/* The longest link to a result the page offers: browsers and this server
 * (a request head of 16 KiB) take it whole. */
#define LINK_MAX 8000

#define TRACE_MARKER "napi-symbols: "
/* Bytes of uploaded sources one page reads for its context lines. */
#define SOURCES_BUDGET (16u << 20)

struct page {
	struct nsym_request *r;
	/* what the request holds: the text field, a chosen file, a token */
	const char *trace, *file, *token;
	size_t trace_len, file_len;
	bool remember, basenames;
	bool asked; /* a crash was sent to be symbolicated */
	/* the answer */
	const char *text; /* what was symbolicated: the file's, else the field's */
	size_t text_len;
	int status;
	char message[1024]; /* why there is no answer, or "" */
	char title[512];
	char cookie[256]; /* a Set-Cookie header line, or "" */
	struct nsym_buf result;
	struct nsym_buf warnings; /* <li> lines */
	size_t nwarnings;
};

/* ---- the request ------------------------------------------------------------ */

static int field(void *ctx, const struct nsym_form_field *f)
{
	struct page *pg = ctx;

	if (strcmp(f->name, "trace") == 0) {
		pg->trace = f->value;
		pg->trace_len = f->len;
	} else if (strcmp(f->name, "file") == 0 && f->filename != NULL && f->len > 0) {
		pg->file = f->value;
		pg->file_len = f->len;
	} else if (strcmp(f->name, "token") == 0) {
		/* a NUL inside makes it a token no store has */
		pg->token = strlen(f->value) == f->len ? f->value : "-";
	} else if (strcmp(f->name, "remember") == 0) {
		pg->remember = f->len > 0;
	} else if (strcmp(f->name, "basenames") == 0) {
		pg->basenames = f->len > 0 && strcmp(f->value, "0") != 0;
	}
	return 0;
}

static bool blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			return false;
	}
	return true;
}

/* The fields of the body (POST) or of the query (GET), into pg; body is
 * kept in *body while pg points into it. 0, or -1 after replying. */
static int read_request(struct page *pg, struct nsym_buf *body)
{
	struct nsym_request *r = pg->r;
	const char *query = r->ri->query_string;
	const char *type = nsym_header(r, "Content-Type");
	char why[256] = "";
	int rc;

	nsym_buf_init(body, NSYM_SYMBOLICATE_MAX_BODY + 1);
	if (strcmp(r->ri->request_method, "POST") != 0) {
		nsym_buf_add(body, query != NULL ? query : "", query != NULL ? strlen(query) : 0);
		if (body->failed) {
			nsym_reply_internal(r, NSYM_ENOMEM, "out of memory reading a query");
			return -1;
		}
		nsym_form_read(body->data, body->len, NULL, field, pg, why, sizeof(why));
		pg->asked = pg->trace != NULL;
		return 0;
	}
	if (r->ri->content_length > (long long)NSYM_SYMBOLICATE_MAX_BODY) {
		pg->status = 413;
		snprintf(
		    pg->message, sizeof(pg->message),
		    "The form is larger than this server takes (%u bytes). Send the crash alone, "
		    "or fewer crashes at once.",
		    NSYM_SYMBOLICATE_MAX_BODY);
		return 0;
	}
	nsym_buf_free(body);
	if (nsym_read_body(r, body, NSYM_SYMBOLICATE_MAX_BODY) != 0)
		return -1;
	rc = nsym_form_read(body->data, body->len, type, field, pg, why, sizeof(why));
	pg->asked = true;
	if (rc != 0) {
		pg->status = rc == NSYM_EUNSUPPORTED ? 415 : 400;
		snprintf(pg->message, sizeof(pg->message),
		         "The request is %s. To send a crash as plain text, POST it to "
		         "/api/v1/symbolicate.",
		         why);
	}
	return 0;
}

/* ---- the read token ------------------------------------------------------- */

static int authorize(struct page *pg)
{
	if (nsym_page_authorize(pg->r, pg->cookie, sizeof(pg->cookie), pg->message,
	                        sizeof(pg->message), "to symbolicate", pg->token,
	                        pg->remember) == 0)
		return 0;
	pg->status = 401;
	return -1;
}

/* ---- the answer ----------------------------------------------------------- */

/* What the readers passed over, for the page to list (nsym_report_warn_fn). */
static void warn(void *ctx, const char *kind, const char *message)
{
	struct page *pg = ctx;

	(void)kind;
	if (pg->nwarnings++ >= MAX_WARNINGS)
		return;
	nsym_buf_printf(&pg->warnings, "<li>");
	nsym_buf_html_str(&pg->warnings, message);
	nsym_buf_printf(&pg->warnings, "</li>\n");
}

/* An internal failure: logged, and said on the page with 503. */
static void failed(struct page *pg, int code, const char *detail)
{
	nsym_log_internal(pg->r, code, detail);
	pg->status = 503;
	snprintf(pg->message, sizeof(pg->message),
	         "The server failed (the reason is in its log). Try again.");
}

/* A line of a compact trace, from its marker on: the kinds the trace
 * reader reads ("crash v1", "panic v1", "mN", "f", "end"). */
static const char *trace_line(const char *line, size_t len, size_t *out_len)
{
	const char *m = memmem(line, len, TRACE_MARKER, sizeof(TRACE_MARKER) - 1);
	const char *rest;
	size_t n;

	if (m == NULL)
		return NULL;
	rest = m + sizeof(TRACE_MARKER) - 1;
	n = (size_t)(line + len - m);
	while (n > 0 && (m[n - 1] == '\r' || m[n - 1] == ' '))
		n--;
	*out_len = n;
	if (strncmp(rest, "crash ", 6) == 0 || strncmp(rest, "panic ", 6) == 0 ||
	    strncmp(rest, "f ", 2) == 0 || strncmp(rest, "end", 3) == 0 ||
	    (rest[0] == 'm' && rest[1] >= '0' && rest[1] <= '9'))
		return m;
	return NULL;
}

/*
 * The link to this answer, for an issue: "./?trace=" (relative, as every
 * URL of the page, which may be served under a proxy's path) and the text's compact
 * trace lines form-encoded as the hook writes them, and nothing else of the
 * text (a report's paths and registers stay out). Only for texts read as
 * compact traces (a report is JSON). Into pg->result, or nothing; 0, or
 * NSYM_ENOMEM.
 */
static int share_link(struct page *pg)
{
	const char *p = pg->text, *end = pg->text + pg->text_len;
	struct nsym_buf q;
	size_t lines = 0;
	int rc;

	p += strspn(p, " \t\r\n");
	if (p < end && *p == '{')
		return 0;
	nsym_buf_init(&q, LINK_MAX);
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((eol != NULL ? eol : end) - p), n;
		const char *line = trace_line(p, len, &n);
		for (size_t i = 0; line != NULL && i < n; i++) {
			unsigned char c = (unsigned char)line[i];
			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~')
				nsym_buf_add(&q, line + i, 1);
			else if (c == ' ')
				nsym_buf_add(&q, "+", 1);
			else
				nsym_buf_printf(&q, "%%%02X", c);
		}
		if (line != NULL) {
			nsym_buf_add(&q, "%0A", 3);
			lines++;
		}
		p += len + 1;
	}
	if (lines > 0 && !q.failed) {
		nsym_buf_printf(
		    &pg->result,
		    "<p class=\"share\"><a id=\"share-link\" href=\"./?trace=%.*s%s#result\">Link "
		    "to this crash</a> <button type=\"button\" class=\"plain\" "
		    "id=\"copy-link\" hidden>Copy the link</button>"
		    "<span class=\"hint\">For an issue: the link holds only the compact "
		    "trace (module names, identities and offsets), and opens this "
		    "answer.</span></p>\n",
		    (int)q.len, q.data, pg->basenames ? "&amp;basenames=1" : "");
	} else if (lines > 0 && q.over) {
		nsym_buf_printf(&pg->result,
		                "<p class=\"hint\">The trace is too long for a link.</p>\n");
	}
	rc = q.failed && !q.over ? NSYM_ENOMEM : 0;
	nsym_buf_free(&q);
	return rc;
}

/* The pipeline's JSON as HTML into pg->result, with the source lines the
 * store has. */
static void render(struct page *pg, const char *json, size_t len)
{
	struct nsym_page_sources *sources = nsym_page_sources_new(pg->r->store, SOURCES_BUDGET);
	struct nsym_page_view view = {
	    .basenames = pg->basenames, .source = nsym_page_sources_lines, .ctx = sources};
	const char *why = "";
	int rc;

	if (sources == NULL) {
		failed(pg, NSYM_ENOMEM, "out of memory for the page's sources");
		return;
	}
	rc = share_link(pg);
	if (rc == 0)
		rc = nsym_page_render(&pg->result, pg->title, sizeof(pg->title), json, len, &view);
	else
		snprintf(pg->title, sizeof(pg->title), "out of memory for the link");
	if (rc == 0 && (rc = nsym_page_sources_error(&why, sources)) != 0 && rc != NSYM_ENOMEM) {
		nsym_log_internal(pg->r, rc, why); /* the page goes without those lines */
		rc = 0;
	}
	if (rc != 0) {
		/* what failed (the title holds why the JSON was not read) */
		failed(pg, rc, rc == NSYM_ENOMEM && why[0] != '\0' ? why : pg->title);
		/* not half a page, nor one with lines missing */
		pg->result.len = 0;
		pg->title[0] = '\0';
	}
	nsym_page_sources_free(sources);
}

/* Reads the text, symbolicates it from the store, and renders the answer
 * into pg->result, or says in pg->message why not. */
static void symbolicate(struct page *pg)
{
	struct nsym_report_input in = {
	    .text = pg->text,
	    .len = pg->text_len,
	    .name = "the text",
	    .maps_how = "'napi-symbols symbolicate --maps FILE' on the machine it ran on"};
	struct nsym_report_options ropts = {.warn = warn, .ctx = pg};
	/* full paths, by which sources are found; the view shows basenames */
	unsigned flags = NSYM_REPORT_JSON;
	struct nsym_crash *crashes = NULL;
	char *json = NULL;
	size_t n = 0, frames, len = 0;
	const char *why;
	int rc = nsym_report_read(&crashes, &n, &in, &ropts);

	if (rc == NSYM_EINVAL) {
		pg->status = 422;
		snprintf(pg->message, sizeof(pg->message), "%s", nsym_error_detail());
		/* a sentence on the page, where the CLI has "napi-symbols: " before it */
		if (pg->message[0] >= 'a' && pg->message[0] <= 'z')
			pg->message[0] = (char)(pg->message[0] - 'a' + 'A');
	} else if (rc != 0) {
		failed(pg, rc, nsym_error_detail());
	} else if ((frames = nsym_symbolicate_frames(crashes, n)) > NSYM_SYMBOLICATE_MAX_FRAMES) {
		pg->status = 413;
		snprintf(
		    pg->message, sizeof(pg->message),
		    "The text holds %zu frames; at most %d are symbolicated at once: send fewer "
		    "crashes.",
		    frames, NSYM_SYMBOLICATE_MAX_FRAMES);
	} else if ((rc = nsym_symbolicate_text(&json, &len, &why, pg->r, crashes, n, flags)) != 0) {
		failed(pg, rc, why);
	} else {
		render(pg, json, len);
	}
	free(json);
	nsym_crashes_free(crashes, n);
}

/* ---- the page -------------------------------------------------------------- */

/* The routes table of the server, as the page's footer lists it. */
static void routes(struct page *pg, struct nsym_buf *b)
{
	bool read_token = nsym_server_config(pg->r->srv)->read_token;

	nsym_buf_printf(b, "<table>\n<thead><tr><th scope=\"col\">methods</th><th "
	                   "scope=\"col\">path</th><th scope=\"col\">token scope</th><th "
	                   "scope=\"col\">what</th></tr></thead>\n<tbody>\n");
	for (const struct nsym_route *rt = nsym_routes; rt->prefix != NULL; rt++) {
		nsym_buf_printf(b, "<tr><td>");
		nsym_buf_html_str(b, rt->methods);
		nsym_buf_printf(b, "</td><td><code>");
		nsym_buf_html_str(b, rt->usage);
		nsym_buf_printf(b, "</code></td><td>%s</td><td>",
		                rt->need == NSYM_SCOPE_NONE ? "" : nsym_scope_name(rt->need));
		nsym_buf_html_str(b, rt->about);
		nsym_buf_printf(b, "</td></tr>\n");
	}
	nsym_buf_printf(b,
	                "</tbody></table>\n<p>A scope needs a token: <code>Authorization: Bearer "
	                "TOKEN</code>%s.</p>\n",
	                read_token ? "" : " (reads need none on this server)");
}

/* What replaces the marker <!--nsym:NAME--> of the template. */
static void fill(void *ctx, struct nsym_buf *b, const char *name, size_t len)
{
	struct page *pg = ctx;

#define IS(s) (len == sizeof(s) - 1 && memcmp(name, s, len) == 0)
	if (IS("title")) {
		if (pg->title[0] != '\0') {
			nsym_buf_html_str(b, pg->title);
			nsym_buf_printf(b, " \xe2\x80\x94 symbolicated by napi-symbols");
		} else {
			nsym_buf_printf(b, "Symbolicate a crash \xe2\x80\x94 napi-symbols");
		}
	} else if (IS("message") && pg->message[0] != '\0') {
		nsym_buf_printf(b, "<div class=\"message\" role=\"alert\"><p><strong>%s</strong> ",
		                pg->status == 401 ? "Token needed." : "Not symbolicated.");
		nsym_buf_html_str(b, pg->message);
		nsym_buf_printf(b, "</p></div>\n");
	} else if (IS("trace")) {
		nsym_buf_html(b, pg->text, pg->text_len);
	} else if (IS("token") && nsym_server_config(pg->r->srv)->read_token) {
		nsym_page_token_fields(b, pg->status == 401);
	} else if (IS("basenames")) {
		nsym_buf_printf(b,
		                "<input id=\"basenames\" name=\"basenames\" type=\"checkbox\" "
		                "value=\"1\"%s>",
		                pg->basenames ? " checked" : "");
	} else if (IS("result")) {
		if (pg->nwarnings > 0 && !pg->warnings.failed) {
			nsym_buf_printf(
			    b,
			    "<details class=\"warnings\"><summary>%zu warning%s about the "
			    "text</summary>\n<ul>\n",
			    pg->nwarnings, pg->nwarnings == 1 ? "" : "s");
			nsym_buf_add(b, pg->warnings.data, pg->warnings.len);
			if (pg->nwarnings > MAX_WARNINGS)
				nsym_buf_printf(b, "<li>and %zu more</li>\n",
				                pg->nwarnings - MAX_WARNINGS);
			nsym_buf_printf(b, "</ul></details>\n");
		}
		if (pg->result.len > 0)
			nsym_buf_add(b, pg->result.data, pg->result.len);
	} else if (IS("routes")) {
		routes(pg, b);
	}
#undef IS
}

void nsym_handle_page(struct nsym_request *r)
{
	struct page pg = {.r = r, .status = 200, .text = ""};
	struct nsym_buf body;

	nsym_buf_init(&pg.result, NSYM_PAGE_MAX);
	nsym_buf_init(&pg.warnings, 1u << 20);
	if (read_request(&pg, &body) != 0)
		goto done; /* answered */
	if (pg.file != NULL) {
		pg.text = pg.file;
		pg.text_len = pg.file_len;
	} else if (pg.trace != NULL) {
		pg.text = pg.trace;
		pg.text_len = pg.trace_len;
	}
	if (pg.message[0] != '\0' || !pg.asked)
		; /* the form alone, or why the request was refused */
	else if (blank(pg.text, pg.text_len)) {
		pg.status = 422;
		snprintf(pg.message, sizeof(pg.message),
		         "Paste a crash into the box, or choose a file.");
	} else if (authorize(&pg) == 0) {
		symbolicate(&pg);
	}
	nsym_page_send(r, pg.status, "index.html", fill, &pg, pg.cookie, pg.result.failed);
done:
	nsym_buf_free(&body);
	nsym_buf_free(&pg.result);
	nsym_buf_free(&pg.warnings);
}

/* ---- its files ------------------------------------------------------------- */

void nsym_handle_asset(struct nsym_request *r)
{
	const struct nsym_page_asset *a = nsym_page_asset(r->rest);
	const char *match = nsym_header(r, "If-None-Match");
	char headers[768];

	/* the templates are filled in by the pages, never sent as they are */
	if (a == NULL || strcmp(a->type, "text/html; charset=utf-8") == 0) {
		nsym_reply_error(r, 404, "no such file of the page: %s", r->rest);
		return;
	}
	snprintf(headers, sizeof(headers),
	         NSYM_PAGE_SECURITY_HEADERS "ETag: %s\r\nCache-Control: no-cache\r\n", a->etag);
	if (match != NULL && strcmp(match, a->etag) == 0)
		nsym_reply(r, 304, a->type, headers, NULL, 0);
	else
		nsym_reply(r, 200, a->type, headers, a->data, a->size);
}
