/*
 * Form bodies and query strings, read in memory (page_form.h). civetweb's
 * own form reader streams from the connection, and it decodes a
 * urlencoded value in separate pieces (an escape cut at a piece boundary
 * comes out wrong) and reads parts as C strings (a NUL in a pasted file
 * ends it); the page holds the body whole anyway, under its size limit.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "napi_symbols.h"
#include "page_form.h"

/* RFC 2046 section 5.1.1: a boundary is 1 to 70 characters. */
#define MAX_BOUNDARY 70

/* ---- application/x-www-form-urlencoded ---------------------------------- */

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes s[0..len) in place and NUL-terminates it (at most at s[len]);
 * its decoded length. */
static size_t url_decode(char *s, size_t len)
{
	size_t out = 0;

	for (size_t i = 0; i < len; i++) {
		int hi = s[i] == '%' && i + 2 < len ? hex_digit(s[i + 1]) : -1;
		int lo = hi >= 0 ? hex_digit(s[i + 2]) : -1;
		if (lo >= 0) {
			s[out++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			s[out++] = s[i] == '+' ? ' ' : s[i];
		}
	}
	s[out] = '\0';
	return out;
}

/* "a=1&b=2&c": every pair; a name without '=' has the value "". */
static int read_urlencoded(char *text, size_t len, nsym_form_each_fn *each, void *ctx)
{
	char *p = text, *end = text + len;

	while (p < end) {
		char *amp = memchr(p, '&', (size_t)(end - p));
		char *stop = amp != NULL ? amp : end;
		char *eq = memchr(p, '=', (size_t)(stop - p));
		struct nsym_form_field f = {.name = p};
		int rc;

		if (eq == NULL) {
			/* the value is "" at the name's NUL, where the '&' was */
			f.value = p + url_decode(p, (size_t)(stop - p));
		} else {
			url_decode(p, (size_t)(eq - p));
			f.value = eq + 1;
			f.len = url_decode(eq + 1, (size_t)(stop - eq - 1));
		}
		if (stop > p && (rc = each(ctx, &f)) != 0)
			return rc;
		p = stop + 1;
	}
	return 0;
}

/* ---- multipart/form-data ------------------------------------------------- */

/* A parameter's value in a header value, not yet terminated. */
struct span {
	char *p;
	size_t len;
};

/*
 * The value of parameter `name` among the `;`-separated parameters of a
 * header value (a Content-Type's boundary, a Content-Disposition's name
 * and filename), quotes removed; p NULL when absent or unterminated.
 * Quoted values are taken to the next quote: RFC 7578 section 4.2 has
 * browsers write a '"' in a name as %22, not with a backslash. A ';'
 * inside quotes does not start a parameter.
 */
static struct span param(char *value, const char *name)
{
	size_t n = strlen(name);
	bool quoted = false;

	for (char *p = value; *p != '\0'; p++) {
		char *v;
		if (*p == '"')
			quoted = !quoted;
		if (*p != ';' || quoted)
			continue;
		v = p + 1 + strspn(p + 1, " \t");
		if (strncasecmp(v, name, n) != 0 || v[n] != '=')
			continue;
		v += n + 1;
		if (*v == '"') {
			char *q = strchr(v + 1, '"');
			return q != NULL ? (struct span){v + 1, (size_t)(q - v - 1)}
			                 : (struct span){0};
		}
		return (struct span){v, strcspn(v, "; \t")};
	}
	return (struct span){0};
}

/* The name and file name of a part from its headers (lines "Name:
 * value", NUL-terminated at the empty line that ends them); changes head.
 * 0, or -1 when no Content-Disposition names it. */
static int part_names(struct nsym_form_field *f, char *head)
{
	for (char *line = head; line != NULL && *line != '\0';) {
		char *eol = strstr(line, "\r\n");
		if (eol != NULL)
			*eol = '\0';
		if (strncasecmp(line, "Content-Disposition:", 20) == 0) {
			struct span name = param(line + 20, "name");
			struct span file = param(line + 20, "filename");
			if (name.p == NULL)
				return -1;
			/* both found before either is cut */
			name.p[name.len] = '\0';
			if (file.p != NULL)
				file.p[file.len] = '\0';
			f->name = name.p;
			f->filename = file.p;
			return 0;
		}
		line = eol != NULL ? eol + 2 : NULL;
	}
	return -1;
}

/*
 * RFC 2046 section 5.1.1: a preamble, then parts each opened by a line
 * "--BOUNDARY", the last closed by "--BOUNDARY--"; a part is headers, an
 * empty line, and content up to the CRLF before the next delimiter.
 */
static int read_multipart(char *text, size_t len, const char *content_type, nsym_form_each_fn *each,
                          void *ctx, char *why, size_t why_size)
{
	char type[512], delim[MAX_BOUNDARY + 5] = "\r\n--";
	struct span b;
	char *p, *end = text + len;
	size_t dlen;

	snprintf(type, sizeof(type), "%s", content_type);
	b = param(type, "boundary");
	if (b.p == NULL || b.len == 0 || b.len > MAX_BOUNDARY) {
		snprintf(why, why_size, "a multipart form needs a boundary of 1 to 70 characters");
		return NSYM_EINVAL;
	}
	memcpy(delim + 4, b.p, b.len);
	dlen = 4 + b.len;
	/* the first delimiter may open the body, without the CRLF before it */
	if (len >= dlen - 2 && memcmp(text, delim + 2, dlen - 2) == 0)
		p = text + dlen - 2;
	else if ((p = memmem(text, len, delim, dlen)) != NULL)
		p += dlen;
	for (;;) {
		struct nsym_form_field f = {0};
		char *head_end, *next;
		int rc;

		if (p == NULL || end - p < 2) {
			snprintf(why, why_size,
			         "the multipart form ends before its closing delimiter");
			return NSYM_EINVAL;
		}
		if (p[0] == '-' && p[1] == '-')
			return 0;      /* the close delimiter; the epilogue is ignored */
		p += strspn(p, " \t"); /* transport padding */
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n') {
			snprintf(why, why_size,
			         "a multipart delimiter is not followed by a line end");
			return NSYM_EINVAL;
		}
		p += 2;
		/* headers end at an empty line; none at all is an empty line at once */
		if (end - p >= 2 && p[0] == '\r' && p[1] == '\n')
			head_end = p;
		else if ((head_end = memmem(p, (size_t)(end - p), "\r\n\r\n", 4)) != NULL)
			head_end += 2;
		next = head_end != NULL
		           ? memmem(head_end + 2, (size_t)(end - head_end - 2), delim, dlen)
		           : NULL;
		if (head_end == NULL || next == NULL) {
			snprintf(why, why_size, "a part of the multipart form is cut short");
			return NSYM_EINVAL;
		}
		*head_end = '\0';
		if (part_names(&f, p) != 0) {
			snprintf(why, why_size, "a part of the multipart form has no name");
			return NSYM_EINVAL;
		}
		f.value = head_end + 2;
		f.len = (size_t)(next - f.value);
		*next = '\0'; /* the CR of the delimiter's line end */
		if ((rc = each(ctx, &f)) != 0)
			return rc;
		p = next + dlen;
	}
}

/* ---- either ------------------------------------------------------------------ */

int nsym_form_read(char *text, size_t len, const char *content_type, nsym_form_each_fn *each,
                   void *ctx, char *why, size_t why_size)
{
	size_t type_len = content_type != NULL ? strcspn(content_type, "; \t") : 0;

	if (content_type == NULL ||
	    (type_len == 33 &&
	     strncasecmp(content_type, "application/x-www-form-urlencoded", 33) == 0))
		return read_urlencoded(text, len, each, ctx);
	if (type_len == 19 && strncasecmp(content_type, "multipart/form-data", 19) == 0)
		return read_multipart(text, len, content_type, each, ctx, why, why_size);
	snprintf(why, why_size,
	         "not a form (application/x-www-form-urlencoded or multipart/form-data)");
	return NSYM_EUNSUPPORTED;
}
