/*
 * Fuzzes the web page's form reader (server/page_form.h) and its HTML
 * escaper (server/page.h): the input's first byte picks the shape (even:
 * a multipart body with the boundary "b", odd: a urlencoded body), the
 * rest is the body. Each field is then written as HTML, as the page
 * writes whatever a form holds.
 *
 * Checked besides the sanitizers: a refusal is NSYM_EINVAL with one line
 * of why; every field lies inside the body, its value NUL-terminated at
 * its length and its name a string; and the HTML of a value holds no
 * '<', '>', '"' or '\'' and no control byte but tab, newline and CR,
 * while each '&' starts a character reference.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "page.h"
#include "page_form.h"

struct body {
	const char *start, *end; /* the body as read, with its NUL */
};

static void check_html(const char *html, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)html[i];
		if (c == '<' || c == '>' || c == '"' || c == '\'' ||
		    (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
			fuzz_fail("the HTML of a value holds the byte 0x%02x at %zu", c, i);
		if (c == '&' && strncmp(html + i, "&amp;", 5) != 0 &&
		    strncmp(html + i, "&lt;", 4) != 0 && strncmp(html + i, "&gt;", 4) != 0 &&
		    strncmp(html + i, "&quot;", 6) != 0 && strncmp(html + i, "&#39;", 5) != 0)
			fuzz_fail("a bare '&' at %zu of the HTML of a value", i);
	}
}

static int each(void *ctx, const struct nsym_form_field *f)
{
	const struct body *b = ctx;
	struct nsym_buf html;

	if (f->name < b->start || f->name + strlen(f->name) >= b->end || f->value < b->start ||
	    f->value + f->len >= b->end)
		fuzz_fail("a field lies outside the body");
	if (f->value[f->len] != '\0')
		fuzz_fail("a value is not NUL-terminated at its length");
	if (f->filename != NULL && (f->filename < b->start || f->filename >= b->end))
		fuzz_fail("a file name lies outside the body");
	fuzz_touch(f->filename);
	nsym_buf_init(&html, 8 * f->len + 16);
	nsym_buf_html(&html, f->value, f->len);
	nsym_buf_html_str(&html, f->name);
	if (html.failed)
		fuzz_fail("the HTML of a value outgrew 8 bytes a byte");
	check_html(html.data != NULL ? html.data : "", html.len);
	nsym_buf_free(&html);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *type = size > 0 && (data[0] & 1) == 0 ? "multipart/form-data; boundary=b"
	                                                  : "application/x-www-form-urlencoded";
	size_t len = size > 0 ? size - 1 : 0;
	char *text = malloc(len + 1), why[256] = "";
	struct body b = {text, text + len + 1};
	int rc;

	if (text == NULL)
		return 0;
	memcpy(text, data + (size > 0), len);
	text[len] = '\0';
	rc = nsym_form_read(text, len, type, each, &b, why, sizeof(why));
	if (rc != 0 && rc != NSYM_EINVAL)
		fuzz_fail("nsym_form_read returned %d", rc);
	if (rc != 0)
		fuzz_check_line("why", why);
	if (rc != 0 && why[0] == '\0')
		fuzz_fail("a refusal without a reason");
	free(text);
	return 0;
}
