/*
 * The web page at / (route_page.c): its files, compiled into the server
 * from server/page/ (cmake/NsymEmbed.cmake), and the HTML it is filled
 * with (page_render.c). Everything written into the page from a request or
 * an answer goes through nsym_buf_html.
 */
#ifndef NSYM_SERVER_PAGE_H
#define NSYM_SERVER_PAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json_writer.h"

/* One file of server/page/. */
struct nsym_page_asset {
	const char *name; /* "page.css" */
	const char *type; /* its Content-Type */
	const unsigned char *data;
	size_t size;
	const char *etag; /* "\"…\"": part of the SHA-256 of data */
};

/* Every file, ended by a NULL name (the generated page_assets.c). */
extern const struct nsym_page_asset nsym_page_assets[];

/* The file named name, or NULL. */
const struct nsym_page_asset *nsym_page_asset(const char *name);

/*
 * Appends s[0..len) to b as HTML text, fit for an element's content and a
 * quoted attribute: & < > " ' as character references, and control
 * characters other than tab, newline and carriage return as U+FFFD (HTML
 * has no way to write them). Bytes of invalid UTF-8 pass through; a
 * browser shows them as U+FFFD.
 */
void nsym_buf_html(struct nsym_buf *b, const char *s, size_t len);
/* nsym_buf_html of a C string. */
void nsym_buf_html_str(struct nsym_buf *b, const char *s);

/*
 * Where the page finds the source lines of a location (page_source.c for
 * the store's): appends to b the lines around `line` of `file` as built
 * in the build `build_id` (the JSON's "id" of the frame's module), or
 * nothing when it has no such source. The file is the full path the debug
 * file names, whatever the page shows of it.
 */
typedef void nsym_page_source_fn(void *ctx, struct nsym_buf *b, const char *build_id,
                                 const char *file, uint64_t line);

/* How nsym_page_render shows a crash. */
struct nsym_page_view {
	bool basenames;              /* source files without their folders */
	nsym_page_source_fn *source; /* NULL: no source lines */
	void *ctx;                   /* for source */
};

/*
 * Renders what nsym_report_symbolicate wrote with NSYM_REPORT_JSON (one
 * crash object, or an array of them) as HTML into b: per crash a heading
 * (the signal, or the panic and where it was raised), the frames innermost
 * first with the function, file:line:column and module of each, the source
 * lines around each location when view->source has them, its inlined
 * callers under it, why an unresolved frame has no source line, and the
 * registers. The JSON is to be written without NSYM_REPORT_BASENAMES (the
 * sources are found by full path); view->basenames shows the file names
 * alone. title (title_size bytes) gets the first crash's heading, for the
 * page's title. 0, or NSYM_EINVAL with the reason in title when json is
 * not that (never for the pipeline's own output), or NSYM_ENOMEM.
 */
int nsym_page_render(struct nsym_buf *b, char *title, size_t title_size, const char *json,
                     size_t len, const struct nsym_page_view *view);

/*
 * Appends to b, as a <pre> block, lines line - around to line + around of
 * text[0..len) (1-based; those that exist), each after its number and
 * HTML-escaped, `line` itself in a <mark>; a line longer than
 * NSYM_PAGE_CONTEXT_LINE_MAX bytes is cut there, and around is at most
 * NSYM_PAGE_CONTEXT_AROUND_MAX. Nothing when the text
 * has no line `line`. 0, or NSYM_ENOMEM when b failed.
 */
#define NSYM_PAGE_CONTEXT_LINE_MAX   400
#define NSYM_PAGE_CONTEXT_AROUND_MAX 10
int nsym_page_context(struct nsym_buf *b, const char *text, size_t len, uint64_t line,
                      unsigned around);

/* Source lines from a store, for one page (page_source.c). */
struct nsym_store;
struct nsym_page_sources;

/* A reader of r's sources for one page, reading at most `budget` bytes of
 * them in all (each file at most once), or NULL for want of memory. */
struct nsym_page_sources *nsym_page_sources_new(struct nsym_store *store, uint64_t budget);
void nsym_page_sources_free(struct nsym_page_sources *s);
/* An nsym_page_source_fn over a struct nsym_page_sources. */
void nsym_page_sources_lines(void *ctx, struct nsym_buf *b, const char *build_id, const char *file,
                             uint64_t line);
/* The first failure while reading sources: its code (0 when none) and
 * message in *out_message. NSYM_ENOMEM: lines are missing for want of
 * memory, and the page is not to be shown so; another code is the store's,
 * which the caller logs, the page going on without those lines. */
int nsym_page_sources_error(const char **out_message, const struct nsym_page_sources *s);

/* ---- what the pages share (page_reply.c) ---------------------------------------- */

struct nsym_request;

/* The most HTML one page is: a crash echoed into the form (up to the body
 * limit, up to 6 bytes per byte escaped) and its answer. */
#define NSYM_PAGE_MAX (64u << 20)

/* Every reply of the pages and their files: no script or style from
 * anywhere else, none inline, the page in no frame, nothing sniffed, and
 * no Referer to carry a trace's link elsewhere. */
#define NSYM_PAGE_SECURITY_HEADERS                                                                 \
	"Content-Security-Policy: default-src 'self'; base-uri 'none'; form-action 'self'; "       \
	"frame-ancestors 'none'\r\n"                                                               \
	"X-Content-Type-Options: nosniff\r\n"                                                      \
	"Referrer-Policy: no-referrer\r\n"

/* Writes into b what replaces the marker <!--nsym:NAME--> (name[0..len)). */
typedef void nsym_page_fill_fn(void *ctx, struct nsym_buf *b, const char *name, size_t len);

/*
 * Answers r with the page file `template` (an HTML file of nsym_page_assets)
 * with its markers filled by fill, as HTML with `status`, the security
 * headers, no caching, and `headers` ("" or "Name: value\r\n" lines; with
 * WWW-Authenticate for a 401). When the page outgrew NSYM_PAGE_MAX or
 * memory, or `failed` says a part of it did, answers 503 instead.
 */
void nsym_page_send(struct nsym_request *r, int status, const char *template,
                    nsym_page_fill_fn *fill, void *ctx, const char *headers, bool failed);

/*
 * Whether a page may read (list, symbolicate) for r: always when reads
 * need no token; else with the read scope from the Authorization header
 * (checked before the route ran), from `token` (a form's field; may be
 * NULL), or from the cookie the pages set. A token from a form is
 * remembered in the cookie when `remember`; a cookie whose token is no
 * longer valid is dropped. cookie_header gets a "Set-Cookie: ...\r\n"
 * line, or "". 0 when the page may go on; else -1 with a sentence for the
 * page in message, which says the token is needed `what` ("to
 * symbolicate"): the page then answers 401.
 */
int nsym_page_authorize(struct nsym_request *r, char *cookie_header, size_t cookie_size,
                        char *message, size_t message_size, const char *what, const char *token,
                        bool remember);

/* The form fields of a read token (a password field, and "remember"),
 * focused when `focus`. */
void nsym_page_token_fields(struct nsym_buf *b, bool focus);

#endif
