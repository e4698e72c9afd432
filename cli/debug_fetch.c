/* See debug_fetch.h. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "debug_fetch.h"
#include "napi_symbols.h"

/* exe's first identity, lowercase; -1 when it has none or is no file to
 * read (a FIFO named in a report must not hang the run). */
static int identity_of(char *out, size_t size, const char *exe)
{
	nsym_file *f = NULL;
	int rc = -1;

	if (nsym_file_open(&f, exe) != 0)
		return -1;
	if (nsym_file_image_count(f) > 0 &&
	    nsym_image_id(out, size, nsym_file_image(f, 0), NSYM_ID_NATIVE) == 0)
		rc = 0;
	nsym_file_close(f);
	for (char *p = out; rc == 0 && *p != '\0'; p++)
		*p = (char)(*p >= 'A' && *p <= 'F' ? *p + 32 : *p);
	return rc;
}

int nsym_cli_debug_file(char *out, size_t size, const char *id, const char *symsrv_name,
                        const char *servers, bool fetch, char *why, size_t why_size)
{
	struct nsym_client c;
	struct nsym_fetch job = {.kind = "debuginfo", .symsrv_name = symsrv_name};
	char err[256];

	why[0] = '\0';
	if ((size_t)snprintf(job.id, sizeof(job.id), "%s", id) >= sizeof(job.id) ||
	    nsym_client_init(&c, servers, NULL, err, sizeof(err)) != 0)
		return -1;
	if (nsym_cache_lookup(&c.cache, out, size, job.id, job.kind) == NSYM_CACHE_HIT)
		return 0;
	if (!fetch || c.nservers == 0)
		return -1;
	if (nsym_fetch_run(&c, &job, 1, NULL, NULL) != 0)
		return -1;
	if (job.state == NSYM_FETCH_FOUND || job.state == NSYM_FETCH_CACHED) {
		snprintf(out, size, "%s", job.path);
		return 0;
	}
	snprintf(why, why_size, "%s",
	         job.state == NSYM_FETCH_NOT_ON_SERVER ? "no debug file for it on the servers"
	                                               : job.error);
	return -1;
}

int nsym_cli_file_id(char *out, size_t size, const char *path)
{
	return identity_of(out, size, path);
}

bool nsym_cli_file_has_id(const char *path, const char *id)
{
	nsym_file *f = NULL;
	char got[NSYM_IMAGE_ID_SIZE];
	bool found = false;

	if (nsym_file_open(&f, path) != 0)
		return false;
	/* a PE image is also known by its PDB's GUID and age: the identity
	 * nsym_symbolizer_id gives for it */
	for (size_t i = 0; i < nsym_file_image_count(f) && !found; i++) {
		for (int form = NSYM_ID_NATIVE; form <= NSYM_ID_PDB && !found;
		     form += NSYM_ID_PDB - NSYM_ID_NATIVE) {
			if (nsym_image_id(got, sizeof(got), nsym_file_image(f, i),
			                  (enum nsym_id_form)form) != 0)
				continue;
			for (char *p = got; *p != '\0'; p++)
				*p = (char)(*p >= 'A' && *p <= 'F' ? *p + 32 : *p);
			found = strcmp(got, id) == 0;
		}
	}
	nsym_file_close(f);
	return found;
}

int nsym_cli_debug_files_by_id(bool *out_asked, struct nsym_fetch *jobs, size_t n,
                               const char *servers, bool fetch, char *err, size_t err_size)
{
	struct nsym_client c;

	*out_asked = false;
	if (nsym_client_init(&c, servers, NULL, err, err_size) != 0)
		return -1;
	if (fetch && c.nservers > 0) {
		*out_asked = true;
		if (nsym_fetch_run(&c, jobs, n, NULL, NULL) == 0)
			return 0;
		snprintf(err, err_size, "cannot set up libcurl");
		return -1;
	}
	/* no server to ask: only the cache (a fetch run would record misses) */
	for (size_t i = 0; i < n; i++) {
		jobs[i].state = NSYM_FETCH_PENDING;
		if (nsym_cache_lookup(&c.cache, jobs[i].path, sizeof(jobs[i].path), jobs[i].id,
		                      jobs[i].kind) == NSYM_CACHE_HIT)
			jobs[i].state = NSYM_FETCH_CACHED;
	}
	return 0;
}

int nsym_cli_symcache_use(nsym_symbolizer **out, const char *path, const char *id)
{
	int rc = nsym_symbolizer_open_cache(out, path, id);

	if (rc == 0)
		return 0;
	*out = NULL;
	if (rc != NSYM_ENOMEM)
		unlink(path); /* another version's, or damaged: asked for again next time */
	return rc;
}

int nsym_cli_symcache_open(nsym_symbolizer **out, const char *id, const char *servers, bool fetch)
{
	struct nsym_client c;
	struct nsym_fetch job = {.kind = "symcache"};
	char err[256];

	*out = NULL;
	if ((size_t)snprintf(job.id, sizeof(job.id), "%s", id) >= sizeof(job.id) ||
	    nsym_client_init(&c, servers, NULL, err, sizeof(err)) != 0)
		return -1;
	if (nsym_cache_lookup(&c.cache, job.path, sizeof(job.path), job.id, job.kind) !=
	    NSYM_CACHE_HIT) {
		if (!fetch || c.nservers == 0 || nsym_fetch_run(&c, &job, 1, NULL, NULL) != 0 ||
		    (job.state != NSYM_FETCH_FOUND && job.state != NSYM_FETCH_CACHED))
			return -1;
	}
	return nsym_cli_symcache_use(out, job.path, id) == 0 ? 0 : -1;
}
