/*
 * Crash texts written as UTF-16, read as the UTF-8 every reader expects
 * (report.h). Windows writes its WER reports (Report.wer) in UTF-16LE with
 * a byte-order mark, and Windows PowerShell 5 redirects a program's output
 * (`node app.js 2> crash.txt`) into UTF-16LE too; read as bytes, such a
 * text is a NUL every other byte and no reader would find anything in it.
 * A text is taken as UTF-16 when it starts with a byte-order mark, or when
 * its first bytes are ASCII characters each followed (little-endian) or
 * preceded (big-endian) by a NUL. Unpaired surrogates become U+FFFD.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "report.h"

#define SAMPLE 512 /* bytes looked at to tell UTF-16 without a mark */

/* 0: not UTF-16; 1 little-endian; 2 big-endian. *skip: the mark's bytes. */
static int byte_order(size_t *skip, const unsigned char *b, size_t len)
{
	size_t pairs = 0, le = 0, be = 0;

	*skip = 0;
	if (len >= 2 && b[0] == 0xff && b[1] == 0xfe) {
		*skip = 2;
		return 1;
	}
	if (len >= 2 && b[0] == 0xfe && b[1] == 0xff) {
		*skip = 2;
		return 2;
	}
	for (size_t i = 0; i + 1 < len && i < SAMPLE; i += 2) {
		pairs++;
		le += b[i] != 0 && b[i] < 0x80 && b[i + 1] == 0;
		be += b[i] == 0 && b[i + 1] != 0 && b[i + 1] < 0x80;
	}
	/* a few pairs are no evidence; text in UTF-8 has no NUL at all */
	if (pairs < 4)
		return 0;
	if (le * 10 >= pairs * 9)
		return 1;
	if (be * 10 >= pairs * 9)
		return 2;
	return 0;
}

int nsym__report_utf8(char **out, size_t *out_len, const char *text, size_t len)
{
	const unsigned char *b = (const unsigned char *)text;
	size_t skip, n = 0;
	int order = byte_order(&skip, b, len);
	char *t;

	*out = NULL;
	*out_len = 0;
	if (order == 0)
		return 0;
	/* at most 3 bytes of UTF-8 per code unit (4 per surrogate pair) */
	if ((t = malloc((len - skip) / 2 * 3 + 1)) == NULL)
		return nsym__fail(NSYM_ENOMEM, NULL, NULL);
	for (size_t i = skip; i + 1 < len; i += 2) {
		uint32_t u = order == 1 ? (uint32_t)(b[i] | b[i + 1] << 8)
		                        : (uint32_t)(b[i] << 8 | b[i + 1]);
		if (u >= 0xd800 && u < 0xdc00 && i + 3 < len) {
			uint32_t lo = order == 1 ? (uint32_t)(b[i + 2] | b[i + 3] << 8)
			                         : (uint32_t)(b[i + 2] << 8 | b[i + 3]);
			if (lo >= 0xdc00 && lo < 0xe000) {
				n += nsym__utf8_put(t + n,
				                    0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00));
				i += 2;
				continue;
			}
		}
		if (u >= 0xd800 && u < 0xe000)
			u = 0xfffd;
		n += nsym__utf8_put(t + n, u);
	}
	t[n] = '\0';
	*out = t;
	*out_len = n;
	return 0;
}
