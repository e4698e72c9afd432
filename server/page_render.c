/*
 * The HTML of the web page's answer (page.h), from the JSON the report
 * pipeline writes: the same pipeline as the symbolicate route and the CLI,
 * so the page shows what they print, and every string is HTML-escaped on
 * its way in by nsym_buf_html, whatever the crash text held.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "napi_symbols_util.h"
#include "page.h"

/* The pipeline nests no deeper than crash array, crash, frames, frame,
 * inline frames, frame. */
#define JSON_DEPTH 16

const struct nsym_page_asset *nsym_page_asset(const char *name)
{
	for (const struct nsym_page_asset *a = nsym_page_assets; a->name != NULL; a++) {
		if (strcmp(a->name, name) == 0)
			return a;
	}
	return NULL;
}

void nsym_buf_html(struct nsym_buf *b, const char *s, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *ref;
		switch (c) {
		case '&':
			ref = "&amp;";
			break;
		case '<':
			ref = "&lt;";
			break;
		case '>':
			ref = "&gt;";
			break;
		case '"':
			ref = "&quot;";
			break;
		case '\'':
			ref = "&#39;";
			break;
		default:
			if ((c >= 0x20 && c != 0x7f) || c == '\t' || c == '\n' || c == '\r')
				continue;
			ref = "\xef\xbf\xbd"; /* U+FFFD */
		}
		nsym_buf_add(b, s + start, i - start);
		nsym_buf_add(b, ref, strlen(ref));
		start = i + 1;
	}
	nsym_buf_add(b, s + start, len - start);
}

void nsym_buf_html_str(struct nsym_buf *b, const char *s)
{
	nsym_buf_html(b, s, strlen(s));
}

/* ---- reading the pipeline's JSON ---------------------------------------------- */

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* A number of the JSON (read as reals: an offset may pass 2^63), or -1. */
static double num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return json_is_number(v) ? json_number_value(v) : -1;
}

/* "<span class=CLASS>TEXT</span>", the text escaped. */
static void span(struct nsym_buf *b, const char *class, const char *text)
{
	nsym_buf_printf(b, "<span class=\"%s\">", class);
	nsym_buf_html_str(b, text);
	nsym_buf_printf(b, "</span>");
}

/* The file as the page shows it: without its folders when asked, as the
 * CLI's --basenames does. */
static const char *shown(const struct nsym_page_view *view, const char *file)
{
	const char *slash = view->basenames ? strrchr(file, '/') : NULL;
	return slash != NULL ? slash + 1 : file;
}

/* "function at file:line:column", the way the CLI writes a location (a
 * column of 0 is unknown, and left out). */
static void location(struct nsym_buf *b, const json_t *f, const struct nsym_page_view *view)
{
	const char *file = str(f, "file");
	double line = num(f, "line"), column = num(f, "column");

	span(b, "fn", str(f, "function") != NULL ? str(f, "function") : "??");
	if (file == NULL || strcmp(file, "??") == 0)
		return;
	nsym_buf_printf(b, " at <span class=\"loc\">");
	nsym_buf_html_str(b, shown(view, file));
	if (line > 0)
		nsym_buf_printf(b, ":%.0f", line);
	if (line > 0 && column > 0)
		nsym_buf_printf(b, ":%.0f", column);
	nsym_buf_printf(b, "</span>");
}

/* The source lines around the location f of the module whose identity is
 * id, when the view has them. */
static void context(struct nsym_buf *b, const json_t *f, const char *id,
                    const struct nsym_page_view *view)
{
	const char *file = str(f, "file");
	double line = num(f, "line");

	if (view->source == NULL || id == NULL || file == NULL || line < 1 || line > 1e9)
		return;
	view->source(view->ctx, b, id, file, (uint64_t)line);
}

/* The report's own name for a frame, demangled (a Mach-O symbol has one
 * more leading underscore), with its offset. */
static void symbol(struct nsym_buf *b, const json_t *frame)
{
	const char *name = str(frame, "symbol");
	char *d = nsym_demangle(name[0] == '_' && name[1] == '_' ? name + 1 : name);
	double offset = num(frame, "symbol_offset");

	nsym_buf_printf(b, "<span class=\"fn\">");
	nsym_buf_html_str(b, d != NULL ? d : name);
	if (offset > 0)
		nsym_buf_printf(b, " + %.0f", offset);
	nsym_buf_printf(b, "</span>");
	free(d);
}

/* One frame of the stack as the CLI's text shows it (report_format.c):
 * what answers for it, where it is, why it is unresolved, and its inline
 * chain under it. */
static void frame(struct nsym_buf *b, size_t i, const json_t *fr, const struct nsym_page_view *view)
{
	const json_t *chain = json_object_get(fr, "frames");
	const json_t *first = json_array_get(chain, 0);
	const char *module = str(fr, "module"), *why = str(fr, "unresolved");
	const char *name = first != NULL ? str(first, "function") : NULL;
	bool named = name != NULL && strcmp(name, "??") != 0;
	bool addon = json_is_true(json_object_get(fr, "addon"));
	const char *sym = str(fr, "symbol"), *id = str(fr, "id");

	nsym_buf_printf(b, "<li class=\"%s%s\"><span class=\"n\">#%zu</span> ",
	                addon ? "addon" : "frame", named ? "" : " unresolved", i);
	if (named)
		location(b, first, view);
	else if (sym != NULL && strcmp(sym, "<unknown>") != 0 && !addon)
		symbol(b, fr);
	else
		span(b, "fn", "??");
	nsym_buf_printf(b, " <span class=\"where\">");
	if (module == NULL) {
		if (str(fr, "pc") != NULL) {
			nsym_buf_printf(b, "at ");
			nsym_buf_html_str(b, str(fr, "pc"));
		}
	} else {
		nsym_buf_printf(b, "in ");
		nsym_buf_html_str(b, module);
		if (str(fr, "module_offset") != NULL) {
			nsym_buf_printf(b, "+");
			nsym_buf_html_str(b, str(fr, "module_offset"));
		} else if (str(fr, "pc") != NULL) {
			nsym_buf_printf(b, " at ");
			nsym_buf_html_str(b, str(fr, "pc"));
		}
	}
	nsym_buf_printf(b, "</span>%s", addon ? " <span class=\"badge\">addon</span>" : "");
	if (why != NULL && why[0] != '\0') {
		nsym_buf_printf(b, " <span class=\"why\">(%s", named ? "symbol table only: " : "");
		nsym_buf_html_str(b, why);
		nsym_buf_printf(b, ")</span>");
	}
	if (named)
		context(b, first, id, view);
	if (json_array_size(chain) > 1) {
		nsym_buf_printf(b, "\n<ul class=\"inlines\">");
		for (size_t k = 1; k < json_array_size(chain); k++) {
			nsym_buf_printf(b, "<li>");
			location(b, json_array_get(chain, k), view);
			context(b, json_array_get(chain, k), id, view);
			nsym_buf_printf(b, "</li>");
		}
		nsym_buf_printf(b, "</ul>");
	}
	nsym_buf_printf(b, "</li>\n");
}

/* The crash's heading into h (h_size bytes), as plain text: what the
 * CLI's first line says. */
static void heading(char *h, size_t h_size, const json_t *crash)
{
	const char *reason = str(crash, "reason");
	const json_t *sig = json_object_get(crash, "signal");
	const json_t *panic = json_object_get(crash, "panic");

	if (reason != NULL && strcmp(reason, "signal") == 0) {
		const char *name = str(sig, "name"), *address = str(sig, "address");
		snprintf(h, h_size, "Crash: %s%s%s",
		         name != NULL && name[0] ? name : "a fatal signal",
		         address != NULL ? " at " : "", address != NULL ? address : "");
	} else if (reason != NULL && strcmp(reason, "panic") == 0) {
		const char *message = str(panic, "message");
		snprintf(
		    h, h_size, "Panic: %s",
		    message != NULL && message[0] != '\0'
		        ? message
		        : "(message not captured: Rust printed it on stderr, above the trace)");
	} else {
		snprintf(h, h_size, "Report (manual)");
	}
}

/* Under the heading: where a panic was raised, the process, what printed
 * the stack, and whether the trace was cut. */
static void meta(struct nsym_buf *b, const json_t *crash, const struct nsym_page_view *view)
{
	const json_t *panic = json_object_get(crash, "panic");
	double pid = num(crash, "pid"), tid = num(crash, "tid");
	const char *source = str(crash, "source");

	if (str(panic, "file") != NULL) {
		nsym_buf_printf(b, "<p class=\"meta\">at <span class=\"loc\">");
		nsym_buf_html_str(b, shown(view, str(panic, "file")));
		nsym_buf_printf(b, ":%.0f:%.0f</span>%s</p>\n", num(panic, "line"),
		                num(panic, "column"),
		                json_is_true(json_object_get(panic, "from_raising_frame"))
		                    ? " (the raising frame)"
		                    : "");
	}
	if (pid >= 0 && tid >= 0)
		nsym_buf_printf(b, "<p class=\"meta\">pid %.0f, tid %.0f</p>\n", pid, tid);
	else if (pid >= 0)
		nsym_buf_printf(b, "<p class=\"meta\">pid %.0f</p>\n", pid);
	if (source != NULL) {
		nsym_buf_printf(b, "<p class=\"meta\">from: ");
		nsym_buf_html_str(b, source);
		nsym_buf_printf(b, "</p>\n");
	}
	if (json_is_true(json_object_get(crash, "cut")))
		nsym_buf_printf(b, "<p class=\"meta\">The trace was cut short: it has no "
		                   "<code>end</code> line, and later frames are missing.</p>\n");
}

static void registers(struct nsym_buf *b, const json_t *crash)
{
	const json_t *regs = json_object_get(crash, "registers");
	const char *name;
	const json_t *value;

	if (json_object_size(regs) == 0)
		return;
	nsym_buf_printf(b, "<details><summary>Registers (%zu)</summary>\n<table>\n",
	                json_object_size(regs));
	json_object_foreach((json_t *)regs, name, value)
	{
		nsym_buf_printf(b, "<tr><th scope=\"row\">");
		nsym_buf_html_str(b, name);
		nsym_buf_printf(b, "</th><td><code>");
		nsym_buf_html_str(b,
		                  json_string_value(value) != NULL ? json_string_value(value) : "");
		nsym_buf_printf(b, "</code></td></tr>\n");
	}
	nsym_buf_printf(b, "</table></details>\n");
}

static void crash(struct nsym_buf *b, size_t i, const json_t *c, char *h, size_t h_size,
                  const struct nsym_page_view *view)
{
	const json_t *frames = json_object_get(c, "frames");

	heading(h, h_size, c);
	nsym_buf_printf(b, "<article class=\"crash\" aria-labelledby=\"crash-%zu\">\n", i);
	nsym_buf_printf(b, "<h2 id=\"crash-%zu\">", i);
	nsym_buf_html_str(b, h);
	nsym_buf_printf(b, "</h2>\n");
	meta(b, c, view);
	if (json_array_size(frames) == 0)
		nsym_buf_printf(b, "<p>No frames.</p>\n");
	else
		nsym_buf_printf(b,
		                "<ol class=\"frames\" aria-label=\"Frames, innermost first\">\n");
	for (size_t k = 0; k < json_array_size(frames); k++)
		frame(b, k, json_array_get(frames, k), view);
	if (json_array_size(frames) > 0)
		nsym_buf_printf(b, "</ol>\n");
	registers(b, c);
	nsym_buf_printf(b, "</article>\n");
}

int nsym_page_render(struct nsym_buf *b, char *title, size_t title_size, const char *json,
                     size_t len, const struct nsym_page_view *view)
{
	struct nsym_json_limits limits = {len + 1, JSON_DEPTH};
	json_t *root = NULL;
	char h[512];
	int rc = nsym_json_load_reals(&root, json, len, &limits, title, title_size);

	if (rc != 0)
		return rc;
	if (json_is_object(root)) {
		crash(b, 0, root, title, title_size, view);
	} else if (json_is_array(root)) {
		for (size_t i = 0; i < json_array_size(root); i++)
			crash(b, i, json_array_get(root, i), i == 0 ? title : h,
			      i == 0 ? title_size : sizeof(h), view);
	} else {
		snprintf(title, title_size, "not the pipeline's JSON");
		rc = NSYM_EINVAL;
	}
	json_decref(root);
	return rc;
}
