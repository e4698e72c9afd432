/*
 * See json_parse.h. A recursive-descent reader over a bounded cursor; the
 * first fault stops it and names its line and column. Nodes sit in one
 * array linked by index (so growing it moves nothing that is handed out
 * before the parse ends), and every decoded string in one buffer sized from
 * the input, which no decoding can outgrow.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_parse.h"

struct nsym_json {
	struct nsym_jnode *nodes;
	size_t n, cap;
	char *strings; /* decoded strings and numbers, each NUL-terminated */
	size_t used;
};

struct parser {
	const char *start, *p, *end;
	struct nsym_json *doc;
	int depth;
	char *err;
	size_t err_size;
};

static int fault(struct parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Names the line and column of the cursor, then the fault. */
static int fault(struct parser *ps, const char *fmt, ...)
{
	size_t line = 1, col = 1;
	char what[200];
	va_list ap;

	for (const char *q = ps->start; q < ps->p; q++) {
		col = *q == '\n' ? 1 : col + 1;
		line += *q == '\n';
	}
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(ps->err, ps->err_size, "line %zu, column %zu: %s", line, col, what);
	return -1;
}

static void skip_space(struct parser *ps)
{
	while (ps->p < ps->end &&
	       (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static int new_node(struct parser *ps, size_t *out, enum nsym_jtype type)
{
	struct nsym_json *d = ps->doc;

	if (d->n == d->cap) {
		size_t cap = d->cap == 0 ? 64 : d->cap * 2;
		struct nsym_jnode *nodes;
		if (d->n >= NSYM_JSON_MAX_NODES)
			return fault(ps, "more than %u values", NSYM_JSON_MAX_NODES);
		nodes = realloc(d->nodes, cap * sizeof(*nodes));
		if (nodes == NULL)
			return fault(ps, "out of memory");
		d->nodes = nodes;
		d->cap = cap;
	}
	memset(&d->nodes[d->n], 0, sizeof(d->nodes[0]));
	d->nodes[d->n].type = type;
	*out = d->n++;
	return 0;
}

static int hex4(struct parser *ps, unsigned *out)
{
	*out = 0;
	if (ps->end - ps->p < 4)
		return fault(ps, "\\u needs four hex digits");
	for (int i = 0; i < 4; i++) {
		char c = *ps->p++;
		unsigned v = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
		             : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
		             : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
		                                    : 16u;
		if (v == 16)
			return fault(ps, "\\u needs four hex digits");
		*out = *out * 16 + v;
	}
	return 0;
}

static void put_utf8(char **w, unsigned cp)
{
	unsigned char *o = (unsigned char *)*w;
	if (cp < 0x80) {
		*o++ = (unsigned char)cp;
	} else if (cp < 0x800) {
		*o++ = (unsigned char)(0xc0 | cp >> 6);
		*o++ = (unsigned char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*o++ = (unsigned char)(0xe0 | cp >> 12);
		*o++ = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		*o++ = (unsigned char)(0x80 | (cp & 0x3f));
	} else {
		*o++ = (unsigned char)(0xf0 | cp >> 18);
		*o++ = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
		*o++ = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		*o++ = (unsigned char)(0x80 | (cp & 0x3f));
	}
	*w = (char *)o;
}

/* \uXXXX, with a surrogate pair as one code point; the cursor is past 'u'. */
static int unicode_escape(struct parser *ps, char **w)
{
	unsigned cp, lo;

	if (hex4(ps, &cp) != 0)
		return -1;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return fault(ps, "a lone low surrogate");
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u')
			return fault(ps, "a high surrogate without its low half");
		ps->p += 2;
		if (hex4(ps, &lo) != 0)
			return -1;
		if (lo < 0xdc00 || lo > 0xdfff)
			return fault(ps, "a high surrogate without its low half");
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (cp == 0)
		return fault(ps, "\\u0000 in a string");
	put_utf8(w, cp);
	return 0;
}

static int escape(struct parser *ps, char **w)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *hit;

	if (ps->p == ps->end)
		return fault(ps, "the text ends inside a string");
	if (*ps->p == 'u') {
		ps->p++;
		return unicode_escape(ps, w);
	}
	hit = memchr(from, *ps->p, sizeof(from) - 1);
	if (hit == NULL)
		return fault(ps, "'\\%c' is not a JSON escape", *ps->p);
	*(*w)++ = to[hit - from];
	ps->p++;
	return 0;
}

/* A string at the cursor ('"'), decoded into the strings buffer. */
static int string(struct parser *ps, const char **out)
{
	char *w = ps->doc->strings + ps->doc->used;

	*out = w;
	ps->p++;
	for (;;) {
		if (ps->p == ps->end)
			return fault(ps, "the text ends inside a string");
		unsigned char c = (unsigned char)*ps->p;
		if (c == '"')
			break;
		if (c < 0x20)
			return fault(ps, "a control character in a string");
		ps->p++;
		if (c != '\\')
			*w++ = (char)c;
		else if (escape(ps, &w) != 0)
			return -1;
	}
	ps->p++;
	*w++ = '\0';
	ps->doc->used = (size_t)(w - ps->doc->strings);
	return 0;
}

static size_t digits(struct parser *ps)
{
	const char *s = ps->p;
	while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
		ps->p++;
	return (size_t)(ps->p - s);
}

/* A number as RFC 8259 spells it; kept as written. */
static int number(struct parser *ps, const char **out)
{
	const char *s = ps->p;
	char *w = ps->doc->strings + ps->doc->used;

	if (ps->p < ps->end && *ps->p == '-')
		ps->p++;
	if (ps->p < ps->end && *ps->p == '0')
		ps->p++;
	else if (digits(ps) == 0)
		return fault(ps, "not a JSON value");
	if (ps->p < ps->end && *ps->p == '.') {
		ps->p++;
		if (digits(ps) == 0)
			return fault(ps, "a number needs digits after '.'");
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (digits(ps) == 0)
			return fault(ps, "a number needs digits in its exponent");
	}
	memcpy(w, s, (size_t)(ps->p - s));
	w[ps->p - s] = '\0';
	ps->doc->used += (size_t)(ps->p - s) + 1;
	*out = w;
	return 0;
}

static int value(struct parser *ps, size_t *out);

static bool word(struct parser *ps, const char *w)
{
	size_t n = strlen(w);
	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, w, n) != 0)
		return false;
	ps->p += n;
	return true;
}

/* Links child as the last member of parent. */
static void append(struct nsym_json *d, size_t parent, size_t *last, size_t child)
{
	if (d->nodes[parent].count++ == 0)
		d->nodes[parent].first = child;
	else
		d->nodes[*last].next = child;
	*last = child;
}

/* An array or object at the cursor; members parsed until the closing bracket. */
static int container(struct parser *ps, size_t self, bool object)
{
	char close = object ? '}' : ']';
	size_t last = 0, child;
	const char *key = NULL;

	if (++ps->depth > NSYM_JSON_MAX_DEPTH)
		return fault(ps, "nested deeper than %d", NSYM_JSON_MAX_DEPTH);
	ps->p++;
	skip_space(ps);
	if (ps->p < ps->end && *ps->p == close)
		goto done;
	for (;;) {
		skip_space(ps);
		if (object) {
			if (ps->p == ps->end || *ps->p != '"')
				return fault(ps, "expected a member name in quotes");
			if (string(ps, &key) != 0)
				return -1;
			skip_space(ps);
			if (ps->p == ps->end || *ps->p != ':')
				return fault(ps, "expected ':' after a member name");
			ps->p++;
		}
		if (value(ps, &child) != 0)
			return -1;
		ps->doc->nodes[child].key = key;
		append(ps->doc, self, &last, child);
		skip_space(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == close)
			break;
		return fault(ps, "expected ',' or '%c'", close);
	}
done:
	ps->p++;
	ps->depth--;
	return 0;
}

static int value(struct parser *ps, size_t *out)
{
	struct nsym_jnode *n;
	char c;

	skip_space(ps);
	if (ps->p == ps->end)
		return fault(ps, "the text ends where a value should be");
	c = *ps->p;
	enum nsym_jtype t = c == '{'               ? NSYM_JOBJECT
	                    : c == '['             ? NSYM_JARRAY
	                    : c == '"'             ? NSYM_JSTRING
	                    : c == 't' || c == 'f' ? NSYM_JBOOL
	                    : c == 'n'             ? NSYM_JNULL
	                                           : NSYM_JNUMBER;
	if (new_node(ps, out, t) != 0)
		return -1;
	switch (t) {
	case NSYM_JOBJECT:
	case NSYM_JARRAY:
		return container(ps, *out, t == NSYM_JOBJECT);
	case NSYM_JSTRING:
		return string(ps, &ps->doc->nodes[*out].text);
	case NSYM_JNUMBER:
		return number(ps, &ps->doc->nodes[*out].text);
	default:
		break;
	}
	n = &ps->doc->nodes[*out];
	n->boolean = c == 't';
	if (word(ps, c == 't' ? "true" : c == 'f' ? "false" : "null"))
		return 0;
	return fault(ps, "not a JSON value");
}

int nsym_json_parse(struct nsym_json **out, const char *text, size_t len, char *err,
                    size_t err_size)
{
	struct nsym_json *d = calloc(1, sizeof(*d));
	struct parser ps = {text, text, text + len, d, 0, err, err_size};
	size_t root;

	*out = NULL;
	/* no decoded string or number is longer than its text plus one NUL */
	if (d == NULL || (d->strings = malloc(len + 2)) == NULL) {
		nsym_json_free(d);
		snprintf(err, err_size, "out of memory");
		return -1;
	}
	if (value(&ps, &root) != 0)
		goto fail;
	skip_space(&ps);
	if (ps.p != ps.end) {
		fault(&ps, "text after the end of the JSON value");
		goto fail;
	}
	*out = d;
	return 0;
fail:
	nsym_json_free(d);
	return -1;
}

void nsym_json_free(struct nsym_json *doc)
{
	if (doc == NULL)
		return;
	free(doc->nodes);
	free(doc->strings);
	free(doc);
}

const struct nsym_jnode *nsym_json_root(const struct nsym_json *doc)
{
	return &doc->nodes[0];
}

const struct nsym_jnode *nsym_json_first(const struct nsym_json *doc, const struct nsym_jnode *n)
{
	if (n == NULL || (n->type != NSYM_JARRAY && n->type != NSYM_JOBJECT) || n->count == 0)
		return NULL;
	return &doc->nodes[n->first];
}

const struct nsym_jnode *nsym_json_next(const struct nsym_json *doc, const struct nsym_jnode *n)
{
	return n == NULL || n->next == 0 ? NULL : &doc->nodes[n->next];
}

const struct nsym_jnode *nsym_json_get(const struct nsym_json *doc, const struct nsym_jnode *obj,
                                       const char *key)
{
	if (obj == NULL || obj->type != NSYM_JOBJECT)
		return NULL;
	for (const struct nsym_jnode *m = nsym_json_first(doc, obj); m != NULL;
	     m = nsym_json_next(doc, m)) {
		if (strcmp(m->key, key) == 0)
			return m;
	}
	return NULL;
}

int nsym_json_int(long long *out, const struct nsym_jnode *n, long long min, long long max)
{
	char *end;
	long long v;

	if (n == NULL || n->type != NSYM_JNUMBER)
		return -1;
	errno = 0;
	v = strtoll(n->text, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}
