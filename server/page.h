/*
 * The web page at / (route_page.c): its files, compiled into the server
 * from server/page/ (cmake/NsymEmbed.cmake), and the HTML it is filled
 * with (page_render.c). Everything written into the page from a request or
 * an answer goes through nsym_buf_html.
 */
#ifndef NSYM_SERVER_PAGE_H
#define NSYM_SERVER_PAGE_H

#include <stddef.h>

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
 * Renders what nsym_report_symbolicate wrote with NSYM_REPORT_JSON (one
 * crash object, or an array of them) as HTML into b: per crash a heading
 * (the signal, or the panic and where it was raised), the frames innermost
 * first with the function, file:line:column and module of each, its inlined
 * callers under it, why an unresolved frame has no source line, and the
 * registers. title (title_size bytes) gets the first crash's heading, for
 * the page's title. 0, or NSYM_EINVAL with the reason in title when json
 * is not that (never for the pipeline's own output), or NSYM_ENOMEM.
 */
int nsym_page_render(struct nsym_buf *b, char *title, size_t title_size, const char *json,
                     size_t len);

#endif
