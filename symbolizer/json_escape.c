/*
 * JSON strings written out, the one escaper of the project (the CLI's
 * --json output and the report pipeline's; the server's replies are to use
 * it too). Names in crashes and uploads may hold any bytes, hence the
 * UTF-8 check: a JSON parser must never choke on what we write. jansson,
 * which reads our JSON, is not used to write it: it refuses strings that
 * are not valid UTF-8 rather than mending them.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "napi_symbols_util.h"

/* Bytes that JSON takes as they are: printable ASCII and DEL but '"' and '\\'
 * (the escaper's runs and the pull reader's strings).
 * The rest (controls, quotes, and bytes of UTF-8 to be checked) stop the
 * run. A table, since names and paths are long and almost all plain: the
 * check per byte was the server's largest cost of a v5 answer after its
 * modules were kept open (docs/performance.md). */
const unsigned char nsym__json_plain[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* Whether any of the 8 bytes in x is one the table does not call plain:
 * below 0x20, '"', '\\', or 0x80 and over (DEL is let through, as the table
 * lets it through; a false yes only sends the bytes to the table).
 * The tests of "Bit Twiddling Hacks" (Sean Eron Anderson) for a zero byte
 * and a byte less than n; none misses a byte it looks for. */
static bool any_special(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
	uint64_t quote = x ^ (ones * '"'), backslash = x ^ (ones * '\\');

	return (((x - ones * 0x20) & ~x) | ((quote - ones) & ~quote) |
	        ((backslash - ones) & ~backslash) | x) &
	       highs;
}

void nsym_json_quote(void (*put)(void *arg, const char *p, size_t n), void *arg, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *run = p, *end = p + strlen(s);
	char esc[8];

	put(arg, "\"", 1);
	for (;;) {
		size_t n;
		const char *e = NULL;
		uint64_t word;

		/* names and paths are long and almost all plain: eight bytes at
		 * a time while none is special (a third of the cost of quoting
		 * them a byte at a time, docs/performance.md) */
		while (end - p >= 8 && (memcpy(&word, p, 8), !any_special(word)))
			p += 8;
		while (nsym__json_plain[*p])
			p++;
		if (*p == '\0')
			break;
		n = *p >= 0x80 ? nsym__utf8_length(p, 4) : 1; /* stops at the NUL */
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
