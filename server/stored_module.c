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

/* Builds the symcache of sym, claimed by this thread; logs a failure. */
static void build(nsym_symbolizer *sym, const struct nsym_stored_modules *src, const char *id,
                  const char *path, const struct nsym_artifact *a)
{
	char why[400];
	int rc = nsym_symbolizer_write_cache(sym, src->cache_dir);

	if (rc != 0)
		name_path(why, sizeof(why), nsym_error_detail(), path, a->name);
	nsym_builds_done(src->builds, id, rc == 0, rc == 0 ? NULL : why);
	nsym_metrics_symcache(rc == 0 ? "built" : "failed");
	if (rc != 0)
		fprintf(stderr,
		        "napi-symbols serve: cannot build the symcache of %s (%s): %s; its debug "
		        "file answers instead until a request tries again in %d s\n",
		        id, a->name, why, NSYM_SYMCACHE_RETRY_SECONDS);
}

/* sym answers from the symcache when there is one; else it is built now,
 * or was a moment ago by another request, whose symcache then answers. */
static int with_symcache(nsym_symbolizer **sym, const struct nsym_stored_modules *src,
                         const char *id, const char *path, const struct nsym_open_options *opts,
                         const struct nsym_artifact *a)
{
	nsym_symbolizer *cached = NULL;
	int rc;

	if (nsym_symbolizer_cached(*sym))
		return 0;
	switch (nsym_builds_claim(src->builds, id, NULL, 0)) {
	case NSYM_BUILD_YOURS:
		build(*sym, src, id, path, a);
		return 0; /* its DWARF, parsed for the build, answers this request */
	case NSYM_BUILD_DONE:
		rc = nsym_symbolizer_open(&cached, path, opts);
		if (rc == NSYM_ENOMEM)
			return rc;
		if (rc == 0 && nsym_symbolizer_cached(cached)) {
			nsym_symbolizer_close(*sym);
			*sym = cached;
			return 0;
		}
		nsym_symbolizer_close(cached);
		return 0;
	case NSYM_BUILD_FAILED:
		return 0; /* logged when it failed: the debug file answers */
	}
	return 0;
}

/* Opens the artifact found for id (a's key) into *out. */
static int open_found(nsym_symbolizer **out, char *why, size_t why_size,
                      const struct nsym_stored_modules *src, const char *id, bool macho,
                      const struct nsym_artifact *a)
{
	struct nsym_open_options opts = {
	    .uuid = macho ? id : NULL, .cache_dir = src->cache_dir, .no_search = 1};
	struct nsym_blob blob;
	char path[64];
	int rc;

	if ((rc = src->store->ops->blob_open(src->store, &blob, a->sha256)) != 0) {
		snprintf(why, why_size, "%s", nsym_store_errmsg(src->store));
		return rc == NSYM_ENOMEM ? rc : NSYM_EIO;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", blob.fd);
	rc = nsym_symbolizer_open(out, path, &opts);
	if (rc == 0)
		rc = with_symcache(out, src, id, path, &opts, a);
	else if (rc != NSYM_ENOMEM)
		cannot_use(why, why_size, path, a);
	close(blob.fd);
	if (rc == NSYM_ENOMEM) {
		nsym_symbolizer_close(*out);
		*out = NULL;
		return rc;
	}
	return 0;
}

int nsym_stored_module_open(nsym_symbolizer **out, char *why, size_t why_size,
                            const struct nsym_stored_modules *src, const char *id, bool macho)
{
	struct nsym_artifact a;
	int rc;

	*out = NULL;
	why[0] = '\0';
	if ((rc = find(&a, why, why_size, src, id)) != 0)
		return rc == NSYM_ENOENT ? 0 : rc;
	return open_found(out, why, why_size, src, id, macho, &a);
}

int nsym_stored_artifact_open(nsym_symbolizer **out, char *why, size_t why_size,
                              const struct nsym_stored_modules *src, const struct nsym_artifact *a)
{
	*out = NULL;
	why[0] = '\0';
	return open_found(out, why, why_size, src, a->key, strcmp(a->format, "macho") == 0, a);
}
