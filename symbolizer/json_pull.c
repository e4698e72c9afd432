/*
 * A pull reader of JSON text (napi_symbols_json.h), written from RFC 8259's
 * grammar and the Unicode standard's table of well-formed UTF-8 (Table
 * 3-7). What jansson refuses it refuses too: a "\u0000" (jansson without
 * JSON_ALLOW_NUL), a lone surrogate escape, an integer past a long long.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "napi_symbols_json.h"

__attribute__((format(printf, 3, 4))) static int fail(struct nsym_jp *jp, const char *at,
                                                      const char *fmt, ...)
{
	unsigned line = 1;
	const char *bol = jp->start;
	char what[100];
	va_list ap;

	if (jp->failed)
		return -1;
	for (const char *c = jp->start; c < at; c++)
		if (*c == '\n') {
			line++;
			bol = c + 1;
		}
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(jp->why, sizeof(jp->why), "line %u, column %zu: %s", line, (size_t)(at - bol) + 1,
	         what);
	jp->failed = true;
	jp->p = jp->end;
	return -1;
}

void nsym_jp_start(struct nsym_jp *jp, const char *text, size_t len, unsigned max_depth)
{
	memset(jp, 0, sizeof(*jp));
	jp->start = jp->p = text;
	jp->end = text + len;
	jp->max_depth = max_depth;
}

static void white(struct nsym_jp *jp)
{
	while (jp->p < jp->end &&
	       (*jp->p == ' ' || *jp->p == '\n' || *jp->p == '\r' || *jp->p == '\t'))
		jp->p++;
}

/* The four hex digits at p (p + 4 <= end) as a number, or -1. */
static long hex4(const char *p)
{
	long v = 0;

	for (int i = 0; i < 4; i++) {
		int d = nsym__hex_value(p[i]);
		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/* The escape at q (a backslash): its length, or 0 after failing. */
static size_t escape(struct nsym_jp *jp, const char *q)
{
	long u, low;

	if (jp->end - q < 2)
		return fail(jp, q, "the string does not end"), 0;
	if (strchr("\"\\/bfnrt", q[1]) != NULL && q[1] != '\0')
		return 2;
	if (q[1] != 'u')
		return fail(jp, q, "invalid escape '\\%c'",
		            q[1] >= 0x20 && q[1] < 0x7f ? q[1] : '?'),
		       0;
	if (jp->end - q < 6 || (u = hex4(q + 2)) < 0)
		return fail(jp, q, "invalid \\u escape"), 0;
	if (u == 0)
		return fail(jp, q, "\\u0000 is not allowed"), 0;
	if (u >= 0xdc00 && u <= 0xdfff)
		return fail(jp, q, "invalid Unicode '\\u%04lX'", u), 0;
	if (u < 0xd800 || u > 0xdbff)
		return 6;
	/* a high surrogate: its low one must follow */
	if (jp->end - q < 12 || q[6] != '\\' || q[7] != 'u' || (low = hex4(q + 8)) < 0xdc00 ||
	    low > 0xdfff)
		return fail(jp, q, "invalid Unicode '\\u%04lX'", u), 0;
	return 12;
}

/* The string at jp->p (its opening quote) into t. */
static int string(struct nsym_jp *jp, struct nsym_jp_text *t)
{
	const unsigned char *q = (const unsigned char *)jp->p + 1,
	                    *end = (const unsigned char *)jp->end;
	size_t n;

	t->escaped = false;
	for (;;) {
		while (q < end && nsym__json_plain[*q])
			q++;
		if (q == end)
			return fail(jp, jp->p, "the string does not end");
		if (*q == '"')
			break;
		if (*q == '\\') {
			t->escaped = true;
			if ((n = escape(jp, (const char *)q)) == 0)
				return -1;
		} else if (*q < 0x20) {
			return fail(jp, (const char *)q, "control character 0x%x in a string", *q);
		} else if ((n = nsym__utf8_length(q, (size_t)(end - q))) == 0) {
			return fail(jp, (const char *)q, "invalid UTF-8 in a string");
		}
		q += n;
	}
	t->p = jp->p + 1;
	t->len = (size_t)((const char *)q - t->p);
	jp->p = (const char *)q + 1;
	return 0;
}

static bool digit(const char *p, const char *end)
{
	return p < end && *p >= '0' && *p <= '9';
}

/* The number at jp->p into v. */
static int number(struct nsym_jp *jp, struct nsym_jp_value *v)
{
	const char *s = jp->p, *p = s, *end = jp->end;
	bool negative = p < end && *p == '-';
	unsigned long long limit, n = 0;

	p += negative;
	if (!digit(p, end))
		return fail(jp, s, "invalid number");
	if (*p == '0')
		p++;
	else
		while (digit(p, end))
			p++;
	v->integer = true;
	if (p < end && *p == '.') {
		if (!digit(++p, end))
			return fail(jp, s, "invalid number");
		while (digit(p, end))
			p++;
		v->integer = false;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p += p + 1 < end && (p[1] == '+' || p[1] == '-') ? 2 : 1;
		if (!digit(p, end))
			return fail(jp, s, "invalid number");
		while (digit(p, end))
			p++;
		v->integer = false;
	}
	v->kind = NSYM_JP_NUMBER;
	v->text = (struct nsym_jp_text){s, (size_t)(p - s), false};
	if (v->integer) {
		limit = negative ? (unsigned long long)LLONG_MAX + 1 : LLONG_MAX;
		for (const char *d = s + negative; d < p; d++) {
			unsigned digit_value = (unsigned)(*d - '0');
			if (n > (limit - digit_value) / 10)
				return fail(jp, s,
				            negative ? "too big negative integer"
				                     : "too big integer");
			n = n * 10 + digit_value;
		}
		v->n = negative
		           ? (n == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)n)
		           : (long long)n;
	}
	jp->p = p;
	return 0;
}

static int word(struct nsym_jp *jp, struct nsym_jp_value *v, const char *w, enum nsym_jp_kind k)
{
	size_t n = strlen(w);

	if ((size_t)(jp->end - jp->p) < n || memcmp(jp->p, w, n) != 0)
		return fail(jp, jp->p, "invalid literal");
	jp->p += n;
	v->kind = k;
	return 0;
}

int nsym_jp_value(struct nsym_jp *jp, struct nsym_jp_value *v)
{
	char c;

	memset(v, 0, sizeof(*v));
	if (jp->failed)
		return -1;
	white(jp);
	if (jp->p == jp->end)
		return fail(jp, jp->p, "a value was expected, at the end of the text");
	c = *jp->p;
	if (c == '{' || c == '[') {
		if (jp->depth >= jp->max_depth)
			return fail(jp, jp->p, "nested deeper than %u levels", jp->max_depth);
		jp->depth++;
		jp->p++;
		v->kind = c == '{' ? NSYM_JP_OBJECT : NSYM_JP_ARRAY;
		return 0;
	}
	if (c == '"') {
		v->kind = NSYM_JP_STRING;
		return string(jp, &v->text);
	}
	if (c == '-' || (c >= '0' && c <= '9'))
		return number(jp, v);
	if (c == 't')
		return word(jp, v, "true", NSYM_JP_TRUE);
	if (c == 'f')
		return word(jp, v, "false", NSYM_JP_FALSE);
	if (c == 'n')
		return word(jp, v, "null", NSYM_JP_NULL);
	return fail(jp, jp->p, "unexpected character '%c'", c >= 0x20 && c < 0x7f ? c : '?');
}

/* After a member or item, or at the start: 1 when another follows (the
 * comma passed), 0 at the closing bracket (passed, the depth left). */
static int next(struct nsym_jp *jp, bool *first, char close)
{
	if (jp->failed)
		return -1;
	white(jp);
	if (jp->p < jp->end && *jp->p == close) {
		jp->p++;
		jp->depth--;
		return 0;
	}
	if (!*first) {
		if (jp->p == jp->end || *jp->p != ',')
			return fail(jp, jp->p, "',' or '%c' expected", close);
		jp->p++;
		white(jp);
	}
	*first = false;
	return 1;
}

int nsym_jp_member(struct nsym_jp *jp, bool *first, struct nsym_jp_text *key)
{
	int rc = next(jp, first, '}');

	if (rc <= 0)
		return rc;
	if (jp->p == jp->end || *jp->p != '"')
		return fail(jp, jp->p, "a member's name was expected");
	if (string(jp, key) != 0)
		return -1;
	white(jp);
	if (jp->p == jp->end || *jp->p != ':')
		return fail(jp, jp->p, "':' expected");
	jp->p++;
	return 1;
}

int nsym_jp_item(struct nsym_jp *jp, bool *first)
{
	return next(jp, first, ']');
}

int nsym_jp_skip(struct nsym_jp *jp, const struct nsym_jp_value *v)
{
	struct nsym_jp_value inner;
	struct nsym_jp_text key;
	bool first = true;
	int rc;

	if (v->kind == NSYM_JP_OBJECT) {
		while ((rc = nsym_jp_member(jp, &first, &key)) > 0)
			if (nsym_jp_value(jp, &inner) != 0 || nsym_jp_skip(jp, &inner) != 0)
				return -1;
		return rc;
	}
	if (v->kind == NSYM_JP_ARRAY) {
		while ((rc = nsym_jp_item(jp, &first)) > 0)
			if (nsym_jp_value(jp, &inner) != 0 || nsym_jp_skip(jp, &inner) != 0)
				return -1;
		return rc;
	}
	return jp->failed ? -1 : 0;
}

int nsym_jp_end(struct nsym_jp *jp)
{
	if (jp->failed)
		return -1;
	white(jp);
	return jp->p == jp->end ? 0 : fail(jp, jp->p, "end of text expected after the value");
}

size_t nsym_jp_unescape(char *out, const struct nsym_jp_text *t)
{
	const char *p = t->p, *end = t->p + t->len;
	size_t n = 0;

	if (!t->escaped) {
		memcpy(out, p, t->len);
		out[t->len] = '\0';
		return t->len;
	}
	while (p < end) {
		const char *b = memchr(p, '\\', (size_t)(end - p));
		size_t run = (size_t)((b != NULL ? b : end) - p);
		unsigned long u;

		memcpy(out + n, p, run);
		n += run;
		p += run;
		if (p == end)
			break;
		switch (p[1]) {
		case 'b':
			out[n++] = '\b';
			break;
		case 'f':
			out[n++] = '\f';
			break;
		case 'n':
			out[n++] = '\n';
			break;
		case 'r':
			out[n++] = '\r';
			break;
		case 't':
			out[n++] = '\t';
			break;
		case 'u':
			u = (unsigned long)hex4(p + 2);
			if (u >= 0xd800 && u <= 0xdbff) { /* checked: its low half follows */
				u = 0x10000 + ((u - 0xd800) << 10) +
				    ((unsigned long)hex4(p + 8) - 0xdc00);
				p += 6;
			}
			n += nsym__utf8_put(out + n, (uint32_t)u);
			p += 4;
			break;
		default:
			out[n++] = p[1];
			break; /* '"', '\\', '/' */
		}
		p += 2;
	}
	out[n] = '\0';
	return n;
}

bool nsym_jp_is(const struct nsym_jp_text *t, const char *s)
{
	size_t n = strlen(s);
	char buf[256];

	if (!t->escaped)
		return t->len == n && memcmp(t->p, s, n) == 0;
	/* an escape stands for at least one byte in at most 12 */
	if (t->len >= sizeof(buf) || t->len > 12 * n)
		return false;
	return nsym_jp_unescape(buf, t) == n && memcmp(buf, s, n) == 0;
}
