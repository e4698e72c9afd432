/*
 * Opening a stored module for the symbolicate route (stored_module.h). The
 * store hands out a blob as an open file, which the library opens again by
 * /proc/self/fd/N: the store's interface has no paths (its objects may not
 * be local files), and the library maps files by path. no_search keeps the
 * library from looking beside that path for debug files.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "metrics.h"
#include "napi_symbols_report.h"
#include "stored_module.h"
#include "symcache_build.h"

/* The library's detail about the file it opened by `path`, with that path
 * given as the artifact's name: a reply never shows the server's paths. */
static void name_path(char *out, size_t size, const char *detail, const char *path,
                      const char *name)
{
	size_t n = strlen(path), used = 0;

	while (*detail != '\0' && used + 1 < size) {
		if (strncmp(detail, path, n) == 0) {
			used += (size_t)snprintf(out + used, size - used, "'%s'", name);
			used = used < size ? used : size - 1;
			detail += n;
		} else {
			out[used++] = *detail++;
		}
	}
	out[used] = '\0';
}

/* Why the stored file cannot be opened, as the CLI says it of a
 * downloaded one. */
static void cannot_use(char *why, size_t why_size, const char *path, const struct nsym_artifact *a)
{
	char detail[NSYM_REPORT_WHY_SIZE];

	name_path(detail, sizeof(detail), nsym_error_detail(), path, a->name);
	snprintf(why, why_size, "the debug file on the server cannot be used: %s", detail);
}

/* The artifact with id's debug info, else its executable. 0, NSYM_ENOENT,
 * NSYM_ENOMEM (the store ran out: the request fails, rather than say the
 * store did), or NSYM_EIO with the store's message in why. */
static int find(struct nsym_artifact *out, char *why, size_t why_size,
                const struct nsym_stored_modules *src, const char *id)
{
	static const char *const kinds[] = {"debuginfo", "executable"};
	int rc = NSYM_ENOENT;

	for (size_t i = 0; i < 2 && rc == NSYM_ENOENT; i++)
		rc = src->store->ops->artifact_find(src->store, out, id, kinds[i]);
	if (rc == NSYM_ENOENT)
		snprintf(why, why_size, "no symbols on the server");
	else if (rc != 0)
		snprintf(why, why_size, "%s", nsym_store_errmsg(src->store));
	return rc == 0 || rc == NSYM_ENOENT || rc == NSYM_ENOMEM ? rc : NSYM_EIO;
}

int nsym_stored_debug_open(nsym_symbolizer **out, char *why, size_t why_size,
                           const struct nsym_stored_modules *src, const struct nsym_artifact *a)
{
	bool macho = strcmp(a->format, "macho") == 0;
	struct nsym_open_options opts = {.uuid = macho ? a->key : NULL, .no_search = 1};
	struct nsym_blob blob;
	char path[64];
	int rc;

	*out = NULL;
	if ((rc = src->store->ops->blob_open(src->store, &blob, a->sha256)) != 0) {
		snprintf(why, why_size, "%s", nsym_store_errmsg(src->store));
		return rc == NSYM_ENOMEM ? rc : NSYM_EIO;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", blob.fd);
	rc = nsym_symbolizer_open(out, path, &opts);
	if (rc != 0 && rc != NSYM_ENOMEM)
		cannot_use(why, why_size, path, a);
	close(blob.fd);
	return rc == NSYM_ENOMEM ? rc : 0;
}

/* Opens the artifact found into *out: from its symcache in the store, else
 * built now (or a moment ago by another request, or on upload), else from
 * the debug file, which also answers while a failed build is remembered. */
static int open_found(nsym_symbolizer **out, char *why, size_t why_size,
                      const struct nsym_stored_modules *src, const struct nsym_artifact *a)
{
	char build_why[400];
	int rc = nsym_symcache_open(out, src, a);

	if (rc == 0 || rc == NSYM_ENOMEM)
		return rc;
	rc = nsym_symcache_ensure(out, build_why, sizeof(build_why), src, a, "request");
	if (rc == NSYM_ENOMEM || *out != NULL)
		return rc;
	if (rc == 0 && (rc = nsym_symcache_open(out, src, a)) == 0)
		return 0;
	if (rc == NSYM_ENOMEM)
		return rc;
	return nsym_stored_debug_open(out, why, why_size, src, a);
}

int nsym_stored_module_open(nsym_symbolizer **out, char *why, size_t why_size,
                            const struct nsym_stored_modules *src, const char *id, bool macho)
{
	struct nsym_artifact a;
	int rc;

	*out = NULL;
	why[0] = '\0';
	(void)macho; /* a Mach-O artifact's key is its slice's UUID */
	if ((rc = find(&a, why, why_size, src, id)) != 0)
		return rc == NSYM_ENOENT ? 0 : rc;
	return open_found(out, why, why_size, src, &a);
}

int nsym_stored_artifact_open(nsym_symbolizer **out, char *why, size_t why_size,
                              const struct nsym_stored_modules *src, const struct nsym_artifact *a)
{
	*out = NULL;
	why[0] = '\0';
	return open_found(out, why, why_size, src, a);
}
