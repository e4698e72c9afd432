/*
 * One build at a time per key, shared by the server's worker threads: the
 * first request that needs a module's symcache builds it, the others that
 * come meanwhile wait for that build instead of starting their own, and a
 * build that failed is not tried again for a while (a damaged debug file
 * would otherwise be parsed by every request). Keys are identities.
 */
#ifndef NSYM_SERVER_BUILD_ONCE_H
#define NSYM_SERVER_BUILD_ONCE_H

#include <stddef.h>

struct nsym_builds;

/* What nsym_builds_claim found. */
enum nsym_build_claim {
	NSYM_BUILD_YOURS,  /* build it now, then call nsym_builds_done */
	NSYM_BUILD_DONE,   /* built by another thread while this one waited */
	NSYM_BUILD_FAILED, /* failed less than retry_seconds ago; why says why */
};

/* A table of builds; a failure is remembered retry_seconds. 0 or
 * NSYM_ENOMEM. */
int nsym_builds_new(struct nsym_builds **out, int retry_seconds);
/* No build may be under way. NULL is fine. */
void nsym_builds_free(struct nsym_builds *b);

/*
 * Claims the build of key: YOURS when nobody builds it (the caller must
 * then call nsym_builds_done, whatever happens); otherwise waits while
 * another thread builds it and says how that went. A key the table has no
 * room for is YOURS, untracked. why (why_size bytes, may be 0) gets the
 * failure's reason for FAILED. Thread-safe.
 */
enum nsym_build_claim nsym_builds_claim(struct nsym_builds *b, const char *key, char *why,
                                        size_t why_size);

/* Ends the build of key claimed YOURS: ok, or failed for why (one line,
 * kept for the waiters and for later claims). Wakes the waiters. */
void nsym_builds_done(struct nsym_builds *b, const char *key, int ok, const char *why);

#endif
