/*
 * The server's JSON replies: a capped buffer, with strings written by the
 * library's escaper (nsym_json_quote). Names in replies come from uploads
 * and may hold any bytes: a JSON parser must never choke on a reply.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"
#include "napi_symbols_util.h"

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
bool nsym_buf_reserve(struct nsym_buf *b, size_t n)
{
	size_t want = b->len + n + 1, cap = b->cap > 0 ? b->cap : 256;
	char *grown;

	if (b->failed || n > b->max || want > b->max + 1) {
		b->over = !b->failed || b->over;
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
	if (!nsym_buf_reserve(b, n))
		return;
	if (n > 0) /* p may be an empty buffer's NULL, which memcpy may not take */
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void nsym_buf_printf(struct nsym_buf *b, const char *fmt, ...)
{
	size_t room = b->cap > b->len ? b->cap - b->len : 0;
	va_list ap;
	int n;

	if (b->failed)
		return;
	/* formatted once into the room there is, which is most times enough,
	 * and again only when it was not (twice each time cost 10% of a v5
	 * answer: docs/performance.md) */
	va_start(ap, fmt);
	n = vsnprintf(room > 0 ? b->data + b->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < room) {
		if (b->len + (size_t)n <= b->max) {
			b->len += (size_t)n;
			return;
		}
		b->data[b->len] = '\0';
	}
	if (n < 0 || !nsym_buf_reserve(b, (size_t)n)) {
		b->failed = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void nsym_buf_num(struct nsym_buf *b, uint64_t v, bool hex)
{
	char digits[NSYM_NUM_MAX];
	const char *p = nsym_num(digits, v, hex);

	nsym_buf_add(b, p, (size_t)(digits + sizeof(digits) - p));
}

static void put_buf(void *arg, const char *p, size_t n)
{
	nsym_buf_add(arg, p, n);
}

void nsym_buf_json_string(struct nsym_buf *b, const char *s)
{
	nsym_json_quote(put_buf, b, s);
}
