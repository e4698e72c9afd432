/*
 * Upstream servers (serve --upstream): a download the store cannot answer
 * (/buildid/ID/debuginfo, /executable, /source/PATH, /section/NAME and the
 * SymSrv paths) is asked of upstream debuginfod or SymSrv servers, in the
 * order given, as elfutils' debuginfod federates through DEBUGINFOD_URLS. What comes
 * back is checked (a debug file or executable must carry the identity
 * asked for), kept in a cache folder of the server's, bounded in size and
 * evicted least recently used, and served from there as a local file;
 * it is never an artifact of the store. A miss of every upstream is
 * remembered for a while; a failure of one is not, and answers 503. A
 * request that went through this server already (its id in Via) is not
 * forwarded again. Docs: docs/server-api.md, "Upstream servers".
 */
#ifndef NSYM_SERVER_UPSTREAM_H
#define NSYM_SERVER_UPSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http.h"

struct nsym_upstream;

/* What one download asks the upstreams for, and how to check the answer. */
struct nsym_upstream_ask {
	bool symsrv;        /* for the SymSrv upstreams (symsrv:URL), else debuginfod ones */
	const char *path;   /* after an upstream's URL, unencoded: "/buildid/ID/debuginfo",
	                     * "/FILE/ID/FILE" */
	const char *key;    /* the identity the file must carry (lowercase hex), or
	                     * NULL: not checked (a source file) */
	const char *kind;   /* debuginfo or executable, with key */
	const char *format; /* elf, macho, pe, pdb; NULL: any */
	bool padded;        /* key may be an ELF build-id padded with zero bytes (SSQP) */
	const char *file;   /* X-DEBUGINFOD-FILE of the reply */
};

/*
 * The upstreams of the list `urls` (space-separated; "symsrv:URL" for a
 * SymSrv store), caching into the folder cache_dir (made if missing; what
 * an earlier run left there is kept and counted) up to cache_size bytes,
 * remembering misses for miss_seconds, waiting for a stalled upstream
 * stall_seconds. Called before the workers start: it sets libcurl's global
 * state up. *out is NULL (and 0 returned) when urls names none.
 * NSYM_EINVAL with why in err for a URL that is not http(s).
 */
int nsym_upstream_new(struct nsym_upstream **out, const char *urls, const char *cache_dir,
                      uint64_t cache_size, int miss_seconds, int stall_seconds, char *err,
                      size_t err_size);
void nsym_upstream_free(struct nsym_upstream *u);

/*
 * Answers r with what the upstreams have for ask, after the store missed:
 * from the cache, or fetched, checked and cached first. 0 when it replied
 * (the file, 304, 406, or 503 when an upstream failed and none had it);
 * NSYM_ENOENT when it sent nothing and the caller answers its 404: no
 * upstream of that protocol, every one lacks it (or did recently), or the
 * request came through this server already. u may be NULL (no upstreams).
 * Thread-safe; each worker thread keeps its own HTTP client.
 */
int nsym_upstream_serve(struct nsym_upstream *u, struct nsym_request *r,
                        const struct nsym_upstream_ask *ask);

/* ---- loop protection (upstream_hops.c) ------------------------------------ */

/* X-Forwarded-For entries past which a request is not forwarded, as
 * elfutils' --forwarded-ttl-limit default. */
#define NSYM_UPSTREAM_MAX_HOPS 8

/* Whether the Via header value `via` (a comma-separated list of
 * "PROTOCOL RECEIVED-BY [COMMENT]", RFC 9110 section 7.6.3) names the
 * pseudonym `self` as a receiver. via may be NULL. */
bool nsym_via_names(const char *via, const char *self);
/* How many entries the X-Forwarded-For value xff lists (0 for NULL). */
size_t nsym_xff_count(const char *xff);

#endif
