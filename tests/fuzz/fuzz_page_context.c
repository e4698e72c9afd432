/*
 * Fuzzes the source lines the web page shows under a frame
 * (nsym_page_context, server/page.h): the input's first two bytes are the
 * line (big-endian, 0 included), the third how many lines around it, the
 * rest the source file.
 *
 * Checked besides the sanitizers: the HTML is nothing, or one <pre> block
 * whose only markup is the page's own (the block, a number per line, one
 * <mark> around the line asked for), whose numbers run on from the first
 * without a gap and include the line, with no more lines than asked; the
 * file's own text is all escaped.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "page.h"

/* The text between the tags must hold no markup and no bare '&'. */
static void check_text(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '<' || s[i] == '>' || s[i] == '"' || s[i] == '\'')
			fuzz_fail("an unescaped 0x%02x in the source lines", (unsigned char)s[i]);
		if (s[i] == '&' && strncmp(s + i, "&amp;", 5) != 0 &&
		    strncmp(s + i, "&lt;", 4) != 0 && strncmp(s + i, "&gt;", 4) != 0 &&
		    strncmp(s + i, "&quot;", 6) != 0 && strncmp(s + i, "&#39;", 5) != 0)
			fuzz_fail("a bare '&' in the source lines");
	}
}

static void check(const char *html, size_t len, uint64_t line, unsigned around)
{
	static const char end[] = "</code></pre>";
	const char *p = html, *stop = html + len - (sizeof(end) - 1);
	unsigned long long first, last, n, marks = 0, count = 0;
	int used = 0;

	if (sscanf(html,
	           "\n<pre class=\"context\" tabindex=\"0\" role=\"region\" "
	           "aria-label=\"Source, lines %llu to %llu\"><code>%n",
	           &first, &last, &used) != 2 ||
	    used == 0)
		fuzz_fail("the block does not open as the page's: %.80s", html);
	if (len < sizeof(end) - 1 || memcmp(stop, end, sizeof(end) - 1) != 0)
		fuzz_fail("the block does not close");
	p += used;
	for (n = first; p < stop; n++, count++) {
		const char *eol = memchr(p, '\n', (size_t)(stop - p));
		char want[64];
		int w;
		if (eol == NULL)
			fuzz_fail("a line without its newline");
		if (n == line && strncmp(p, "<mark>", 6) == 0) {
			p += 6;
			marks++;
			if (eol - p < 7 || memcmp(eol - 7, "</mark>", 7) != 0)
				fuzz_fail("an open <mark>");
		}
		w = snprintf(want, sizeof(want), "<span class=\"ln\">%llu</span>", n);
		if (strncmp(p, want, (size_t)w) != 0)
			fuzz_fail("line %llu is not numbered so: %.40s", n, p);
		p += w;
		check_text(p, (size_t)(eol - p) - (n == line ? 7 : 0));
		if ((size_t)(eol - p) > 6 * NSYM_PAGE_CONTEXT_LINE_MAX + 7)
			fuzz_fail("line %llu is longer than its cap", n);
		p = eol + 1;
	}
	if (marks != 1 || n - 1 != last || line < first || line > last ||
	    count > 2 * (unsigned long long)around + 1)
		fuzz_fail("lines %llu to %llu, %llu marked, for line %llu", first, last, marks,
		          (unsigned long long)line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t line;
	unsigned around;
	struct nsym_buf b;

	if (size < 3)
		return 0;
	line = (uint64_t)data[0] << 8 | data[1];
	around = data[2] % (NSYM_PAGE_CONTEXT_AROUND_MAX + 1);
	nsym_buf_init(&b, 1u << 24);
	if (nsym_page_context(&b, (const char *)data + 3, size - 3, line, around) != 0 || b.failed)
		fuzz_fail("the source lines failed");
	if (b.len > 0)
		check(b.data, b.len, line, around);
	nsym_buf_free(&b);
	return 0;
}
