/*
 * Fuzzes the artifacts page's query reader (server/page_browse.h): the
 * input's first byte picks the shape (0 mod 3: a query string, 1: a
 * urlencoded body, 2: a multipart body with the boundary "b"), the rest is
 * the text.
 *
 * Checked besides the sanitizers: a refusal is NSYM_EINVAL with one line
 * of why; whatever was read is what the page may echo and search for: a
 * search text of at most NSYM_BROWSE_Q_MAX bytes that strlen agrees with,
 * a kind and a format of the page's lists, a page from 1 to
 * NSYM_BROWSE_PAGE_MAX, and a token inside the text (or "-").
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "page_browse.h"

static bool listed(const char *v, const char *const *names)
{
	for (; *names != NULL; names++) {
		if (strcmp(v, *names) == 0)
			return true;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A package kept is one npm takes, split into the parts the store is
 * asked for; none kept is none at all. */
static void check_package(const struct nsym_browse_query *q)
{
	char name[NSYM_NPM_NAME_MAX + 1], version[NSYM_NPM_VERSION_MAX + 1], why[200];

	if (q->package[0] == '\0') {
		if (q->package_name[0] != '\0' || q->package_version[0] != '\0')
			fuzz_fail("the parts of no package: '%.32s' '%.32s'", q->package_name,
			          q->package_version);
		return;
	}
	if (nsym_npm_package_split(name, version, q->package, false, why, sizeof(why)) != 0)
		fuzz_fail("a package npm would not take: '%.64s'", q->package);
	if (strcmp(name, q->package_name) != 0 || strcmp(version, q->package_version) != 0)
		fuzz_fail("the package's parts differ: '%.64s'", q->package);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const kinds[] = {"", "debuginfo", "executable", NULL};
	static const char *const formats[] = {"", "elf", "macho", "pe", "pdb", NULL};
	static const char *const types[] = {NULL, "application/x-www-form-urlencoded",
	                                    "multipart/form-data; boundary=b"};
	const char *type = types[size > 0 ? data[0] % 3 : 0];
	size_t len = size > 0 ? size - 1 : 0;
	char *text = malloc(len + 1), why[256] = "";
	struct nsym_browse_query q;
	int rc;

	if (text == NULL)
		return 0;
	memcpy(text, data + (size > 0), len);
	text[len] = '\0';
	rc = nsym_browse_query_read(&q, text, len, type, why, sizeof(why));
	if (rc != 0 && rc != NSYM_EINVAL)
		fuzz_fail("nsym_browse_query_read returned %d", rc);
	if (rc != 0) {
		fuzz_check_line("why", why);
		if (why[0] == '\0')
			fuzz_fail("a refusal without a reason");
	}
	if (strnlen(q.q, sizeof(q.q)) > NSYM_BROWSE_Q_MAX)
		fuzz_fail("a search text of more than %d bytes", NSYM_BROWSE_Q_MAX);
	if (!listed(q.kind, kinds) || !listed(q.format, formats))
		fuzz_fail("a kind or format the page does not list: '%.16s' '%.8s'", q.kind,
		          q.format);
	if (q.page < 1 || q.page > NSYM_BROWSE_PAGE_MAX)
		fuzz_fail("page %llu", (unsigned long long)q.page);
	check_package(&q);
	if (q.token != NULL && strcmp(q.token, "-") != 0 &&
	    (q.token < text || q.token + strlen(q.token) > text + len))
		fuzz_fail("the token lies outside the text");
	fuzz_touch(q.token);
	free(text);
	return 0;
}
