/*
 * Reading the artifacts page's query (page_browse.h): each field checked
 * against what the page offers, so that the page never echoes or searches
 * for a value it did not validate.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "napi_symbols.h"
#include "page_browse.h"
#include "page_form.h"

struct reading {
	struct nsym_browse_query *q;
	char *why;
	size_t why_size;
};

/* value is one of the NULL-ended names; copies it into out (size bytes). */
static bool one_of(char *out, size_t size, const struct nsym_form_field *f,
                   const char *const *names)
{
	for (; *names != NULL; names++) {
		if (strcmp(f->value, *names) == 0 && strlen(*names) < size) {
			memcpy(out, *names, strlen(*names) + 1);
			return true;
		}
	}
	return false;
}

/* The package field, checked and split before any of it is kept: the
 * page echoes and searches for a valid one only, and a refused one leaves
 * what an earlier field set as it was. */
static int package(struct reading *rd, const struct nsym_form_field *f, bool whole)
{
	struct nsym_browse_query *q = rd->q;
	char name[sizeof(q->package_name)], version[sizeof(q->package_version)];

	if (!whole) {
		snprintf(rd->why, rd->why_size, "the package has a NUL byte");
		return NSYM_EINVAL;
	}
	if (f->len >= sizeof(q->package)) {
		snprintf(rd->why, rd->why_size, "the package is at most %zu bytes",
		         sizeof(q->package) - 1);
		return NSYM_EINVAL;
	}
	if (nsym_npm_package_split(name, version, f->value, false, rd->why, rd->why_size) != 0)
		return NSYM_EINVAL;
	memcpy(q->package, f->value, f->len + 1);
	memcpy(q->package_name, name, sizeof(name));
	memcpy(q->package_version, version, sizeof(version));
	return 0;
}

static int field(void *ctx, const struct nsym_form_field *f)
{
	static const char *const kinds[] = {"debuginfo", "executable", NULL};
	static const char *const formats[] = {"elf", "macho", "pe", "pdb", NULL};
	struct reading *rd = ctx;
	struct nsym_browse_query *q = rd->q;
	/* a NUL inside a value makes it another value than strlen says */
	bool whole = strlen(f->value) == f->len;

	if (f->len == 0)
		return 0;
	if (strcmp(f->name, "q") == 0) {
		if (!whole || f->len > NSYM_BROWSE_Q_MAX) {
			snprintf(rd->why, rd->why_size,
			         "the search text is at most %d bytes, without NUL",
			         NSYM_BROWSE_Q_MAX);
			return NSYM_EINVAL;
		}
		memcpy(q->q, f->value, f->len + 1);
	} else if (strcmp(f->name, "package") == 0) {
		return package(rd, f, whole);
	} else if (strcmp(f->name, "kind") == 0) {
		if (!whole || !one_of(q->kind, sizeof(q->kind), f, kinds)) {
			snprintf(rd->why, rd->why_size, "the kind is debuginfo or executable");
			return NSYM_EINVAL;
		}
	} else if (strcmp(f->name, "format") == 0) {
		if (!whole || !one_of(q->format, sizeof(q->format), f, formats)) {
			snprintf(rd->why, rd->why_size, "the format is elf, macho, pe or pdb");
			return NSYM_EINVAL;
		}
	} else if (strcmp(f->name, "page") == 0) {
		size_t digits = strspn(f->value, "0123456789");
		/* at most 7 digits: strtoull cannot overflow */
		uint64_t n = digits == f->len && digits <= 7 ? strtoull(f->value, NULL, 10) : 0;
		if (n < 1 || n > NSYM_BROWSE_PAGE_MAX) {
			snprintf(rd->why, rd->why_size, "the page is a number from 1 to %d",
			         NSYM_BROWSE_PAGE_MAX);
			return NSYM_EINVAL;
		}
		q->page = n;
	} else if (strcmp(f->name, "token") == 0) {
		q->token = whole ? f->value : "-"; /* "-": a token no store has */
	} else if (strcmp(f->name, "remember") == 0) {
		q->remember = true;
	}
	return 0;
}

int nsym_browse_query_read(struct nsym_browse_query *out, char *text, size_t len,
                           const char *content_type, char *why, size_t why_size)
{
	struct reading rd = {out, why, why_size};

	memset(out, 0, sizeof(*out));
	out->page = 1;
	why[0] = '\0';
	return nsym_form_read(text, len, content_type, field, &rd, why, why_size);
}
