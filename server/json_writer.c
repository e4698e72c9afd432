/*
 * JSON output without a library: the escaper (shared with the CLI) and a
 * capped buffer. Names in replies come from uploads and may hold any
 * bytes, hence the UTF-8 check: a JSON parser must never choke on a reply.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"

/* Length of the valid UTF-8 sequence at p (2 to 4), or 0 (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF). */
static size_t utf8_length(const unsigned char *p)
{
	size_t n = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : 2;
	unsigned lo = 0x80, hi = 0xbf;

	if (p[0] < 0xc2 || p[0] > 0xf4)
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++) {
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	}
	return n;
}

void nsym_json_escape(const char *s, void (*put)(void *arg, const char *p, size_t n), void *arg)
{
	const unsigned char *p = (const unsigned char *)s, *run = p;
	char esc[8];

	put(arg, "\"", 1);
	while (*p != '\0') {
		size_t n = *p >= 0x80 ? utf8_length(p) : 1;
		const char *e = NULL;

		if (*p == '"')
			e = "\\\"";
		else if (*p == '\\')
			e = "\\\\";
		else if (*p == '\n')
			e = "\\n";
		else if (*p == '\t')
			e = "\\t";
		else if (*p < 0x20)
			e = (snprintf(esc, sizeof(esc), "\\u%04x", *p), esc);
		else if (n == 0)
			e = "\\ufffd";
		if (e == NULL) {
			p += n;
			continue;
		}
		put(arg, (const char *)run, (size_t)(p - run));
		put(arg, e, strlen(e));
		p++;
		run = p;
	}
	put(arg, (const char *)run, (size_t)(p - run));
	put(arg, "\"", 1);
}

void nsym_buf_init(struct nsym_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void nsym_buf_free(struct nsym_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

/* Room for n more bytes and a NUL; false once that would pass the cap. */
static bool reserve(struct nsym_buf *b, size_t n)
{
	size_t want = b->len + n + 1, cap = b->cap > 0 ? b->cap : 256;
	char *grown;

	if (b->failed || n > b->max || want > b->max + 1) {
		b->failed = true;
		return false;
	}
	if (want <= b->cap)
		return true;
	while (cap < want)
		cap *= 2;
	if (cap > b->max + 1)
		cap = b->max + 1;
	grown = realloc(b->data, cap);
	if (grown == NULL) {
		b->failed = true;
		return false;
	}
	b->data = grown;
	b->cap = cap;
	return true;
}

void nsym_buf_add(struct nsym_buf *b, const char *p, size_t n)
{
	if (!reserve(b, n))
		return;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void nsym_buf_printf(struct nsym_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !reserve(b, (size_t)n)) {
		b->failed = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static void put_buf(void *arg, const char *p, size_t n)
{
	nsym_buf_add(arg, p, n);
}

void nsym_buf_json_string(struct nsym_buf *b, const char *s)
{
	nsym_json_escape(s, put_buf, b);
}
