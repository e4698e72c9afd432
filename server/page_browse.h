/*
 * The query of the artifacts page (route_page_artifacts.c): what to search
 * for, which npm package, kind and format, which page, and a read token, from a query
 * string or a form's body (page_form.h). Reads memory the server holds
 * whole and allocates nothing.
 */
#ifndef NSYM_SERVER_PAGE_BROWSE_H
#define NSYM_SERVER_PAGE_BROWSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "napi_symbols_util.h"

/* The longest search text: the API's (/api/v1/artifacts?q=). */
#define NSYM_BROWSE_Q_MAX 255
/* The last page asked for: far past any store, and no overflow when it
 * is multiplied by a page's rows. */
#define NSYM_BROWSE_PAGE_MAX 1000000

struct nsym_browse_query {
	char q[NSYM_BROWSE_Q_MAX + 1]; /* a part of the file name or identity; "" for all */
	/* an npm package as given (NAME or NAME@VERSION), and its parts
	 * (nsym_npm_package_split); all "" for any */
	char package[NSYM_NPM_NAME_MAX + NSYM_NPM_VERSION_MAX + 2];
	char package_name[NSYM_NPM_NAME_MAX + 1];
	char package_version[NSYM_NPM_VERSION_MAX + 1];
	char kind[16];     /* "", debuginfo, executable */
	char format[8];    /* "", elf, macho, pe, pdb */
	uint64_t page;     /* 1-based */
	const char *token; /* borrowed from the text; NULL when none */
	bool remember;     /* keep the token in a cookie */
};

/*
 * Reads the fields of text[0..len) (text[len] == 0; changed in place) as
 * nsym_form_read does, content_type NULL for a query string, into *out.
 * Unknown fields are passed over; an empty field is as if absent. 0; or
 * NSYM_EINVAL with one sentence in why for a value out of its range (a q
 * too long, a package that is not one, a kind or format not listed above, a page that is not a
 * number from 1 to NSYM_BROWSE_PAGE_MAX), NSYM_EUNSUPPORTED for a body of
 * another type, NSYM_EINVAL for a damaged multipart body. *out is filled
 * with what was read so far either way.
 */
int nsym_browse_query_read(struct nsym_browse_query *out, char *text, size_t len,
                           const char *content_type, char *why, size_t why_size);

#endif
