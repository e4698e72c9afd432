/*
 * JSON strings written out, the one escaper of the project (the CLI's
 * --json output and the report pipeline's; the server's replies are to use
 * it too). Names in crashes and uploads may hold any bytes, hence the
 * UTF-8 check: a JSON parser must never choke on what we write. jansson,
 * which reads our JSON, is not used to write it: it refuses strings that
 * are not valid UTF-8 rather than mending them.
 */
#include <stdio.h>
#include <string.h>

#include "napi_symbols_util.h"

/* Length of the valid UTF-8 sequence at p (2 to 4), or 0 (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF). Stops at a NUL,
 * which is never a continuation byte. */
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

/* Bytes that JSON takes as they are: printable ASCII but '"' and '\\'.
 * The rest (controls, quotes, and bytes of UTF-8 to be checked) stop the
 * run. A table, since names and paths are long and almost all plain: the
 * check per byte was the server's largest cost of a v5 answer after its
 * modules were kept open (docs/performance.md). */
static const unsigned char plain[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

void nsym_json_quote(void (*put)(void *arg, const char *p, size_t n), void *arg, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *run = p;
	char esc[8];

	put(arg, "\"", 1);
	for (;;) {
		size_t n;
		const char *e = NULL;

		while (plain[*p])
			p++;
		if (*p == '\0')
			break;
		n = *p >= 0x80 ? utf8_length(p) : 1;
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

static void put_stream(void *arg, const char *p, size_t n)
{
	fwrite(p, 1, n, arg);
}

void nsym_json_string(FILE *out, const char *s)
{
	nsym_json_quote(put_stream, out, s);
}
