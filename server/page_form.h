/*
 * The fields of a form as a browser sends it to the web page: a body of
 * application/x-www-form-urlencoded or multipart/form-data (RFC 7578), or
 * a query string, read from memory the server holds whole (a body is read
 * under the page's size limit first). Nothing is allocated: names and
 * values are decoded in place and handed out as pointers into the text.
 */
#ifndef NSYM_SERVER_PAGE_FORM_H
#define NSYM_SERVER_PAGE_FORM_H

#include <stddef.h>

/* One field, borrowed for the call. */
struct nsym_form_field {
	const char *name;     /* decoded, NUL-terminated */
	const char *filename; /* a multipart file part's file name ("" when none was
	                         chosen), or NULL for a plain field */
	const char *value;    /* decoded; NUL-terminated, but len counts (it may hold NULs) */
	size_t len;
};

/* Called for each field in order; a nonzero return stops the reading and
 * is returned. */
typedef int nsym_form_each_fn(void *ctx, const struct nsym_form_field *field);

/*
 * Reads the fields of text[0..len), which must be followed by a NUL
 * (text[len] == 0) and is changed in place. content_type is the request's
 * Content-Type, or NULL for a query string. For urlencoded text, '+' is a
 * space and %XX a byte ('%' without two hex digits stays itself, as
 * browsers read it). A multipart body's boundary comes from content_type.
 * 0; NSYM_EUNSUPPORTED when content_type is neither form type;
 * NSYM_EINVAL, with one line in why, for a multipart body that is not one;
 * or what each returned.
 */
int nsym_form_read(char *text, size_t len, const char *content_type, nsym_form_each_fn *each,
                   void *ctx, char *why, size_t why_size);

#endif
