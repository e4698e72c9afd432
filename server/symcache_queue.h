/*
 * The upload queue of symcache builds: an upload's reply does not wait for
 * its symcache, which one thread of the server builds afterwards
 * (symcache_build.h), one artifact at a time, in the order they came. The
 * queue holds a bounded number of artifacts; an upload that finds it full
 * leaves the build to the first request that needs the symcache, and says
 * so in the log and in /metrics (nsym_symcache_queue_total{result="full"}).
 */
#ifndef NSYM_SERVER_SYMCACHE_QUEUE_H
#define NSYM_SERVER_SYMCACHE_QUEUE_H

#include "build_once.h"
#include "store.h"

struct nsym_symcache_queue;

/*
 * Starts the queue's thread, which opens its own handle of the store
 * (store and blobs as nsym_store_open takes them, NSYM_STORE_LAZY) and
 * builds with the server's table of builds and cache folder (borrowed
 * until nsym_symcache_queue_stop). capacity is how many artifacts may
 * wait; 0 makes a queue that takes none. 0, NSYM_ENOMEM, or NSYM_EIO (no
 * thread), with why in err.
 */
int nsym_symcache_queue_start(struct nsym_symcache_queue **out, const char *store,
                              const char *blobs, struct nsym_builds *builds, const char *cache_dir,
                              int capacity, char *err, size_t err_size);

/* Queues the build of a's symcache when a can have one (a PE image waits
 * for its PDB); never waits. Thread-safe. */
void nsym_symcache_queue_add(struct nsym_symcache_queue *q, const struct nsym_artifact *a);

/* Drops what waits, lets the build under way finish, and ends the
 * thread. NULL is fine. */
void nsym_symcache_queue_stop(struct nsym_symcache_queue *q);

#endif
