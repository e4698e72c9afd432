/*
 * The queue behind symcache_queue.h: a ring of artifact copies under a
 * mutex, and one thread that takes them in turn. One thread, because a
 * build keeps a core busy for as long as parsing the whole debug file
 * takes, and the requests the server answers meanwhile need the others;
 * a request that needs a symcache the queue has not reached builds it
 * itself (build_once.h makes the queue's build and the request's the same
 * one when they meet).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "symcache_build.h"
#include "symcache_queue.h"

struct nsym_symcache_queue {
	pthread_mutex_t lock;
	pthread_cond_t added;
	pthread_t thread;
	bool stopping;
	struct nsym_artifact *ring; /* capacity entries, n of them waiting from head */
	size_t capacity, head, n;
	struct nsym_store *store; /* the thread's */
	struct nsym_builds *builds;
	const char *cache_dir;
};

/* Whether a's symcache is worth building now: the artifact is still
 * stored (read back into a, with its size), and is not an executable whose
 * debug file is stored too (that one answers, and has its own turn). */
static bool wanted(struct nsym_symcache_queue *q, struct nsym_artifact *a)
{
	struct nsym_artifact debug;

	if (q->store->ops->artifact_find(q->store, a, a->key, a->kind) != 0)
		return false;
	return strcmp(a->kind, "executable") != 0 ||
	       q->store->ops->artifact_find(q->store, &debug, a->key, "debuginfo") != 0;
}

static void *run(void *arg)
{
	struct nsym_symcache_queue *q = arg;
	struct nsym_stored_modules src = {q->store, q->builds, q->cache_dir};
	struct nsym_artifact a;
	char why[400];

	pthread_mutex_lock(&q->lock);
	for (;;) {
		while (q->n == 0 && !q->stopping)
			pthread_cond_wait(&q->added, &q->lock);
		if (q->stopping)
			break;
		a = q->ring[q->head];
		q->head = (q->head + 1) % q->capacity;
		q->n--;
		pthread_mutex_unlock(&q->lock);
		/* failures are logged and counted by the build */
		if (wanted(q, &a))
			nsym_symcache_ensure(NULL, why, sizeof(why), &src, &a, "upload");
		pthread_mutex_lock(&q->lock);
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

int nsym_symcache_queue_start(struct nsym_symcache_queue **out, const char *store,
                              const char *blobs, struct nsym_builds *builds, const char *cache_dir,
                              int capacity, char *err, size_t err_size)
{
	struct nsym_symcache_queue *q = calloc(1, sizeof(*q));
	int rc;

	*out = NULL;
	if (q == NULL ||
	    (capacity > 0 && (q->ring = calloc((size_t)capacity, sizeof(*q->ring))) == NULL)) {
		free(q);
		snprintf(err, err_size, "out of memory");
		return NSYM_ENOMEM;
	}
	q->capacity = (size_t)capacity;
	q->builds = builds;
	q->cache_dir = cache_dir;
	if (capacity == 0) {
		*out = q; /* takes nothing: no thread, no store */
		return 0;
	}
	rc = nsym_store_open(&q->store, store, blobs, NSYM_STORE_LAZY, err, err_size);
	if (rc != 0) {
		free(q->ring);
		free(q);
		return rc;
	}
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->added, NULL);
	if (pthread_create(&q->thread, NULL, run, q) != 0) {
		snprintf(err, err_size, "cannot start the symcache queue's thread");
		q->store->ops->close(q->store);
		pthread_cond_destroy(&q->added);
		pthread_mutex_destroy(&q->lock);
		free(q->ring);
		free(q);
		return NSYM_EIO;
	}
	*out = q;
	return 0;
}

void nsym_symcache_queue_add(struct nsym_symcache_queue *q, const struct nsym_artifact *a)
{
	bool queued = false;

	if (!nsym_symcache_buildable(a))
		return;
	if (q->capacity > 0) {
		pthread_mutex_lock(&q->lock);
		if (q->n < q->capacity && !q->stopping) {
			q->ring[(q->head + q->n) % q->capacity] = *a;
			q->n++;
			queued = true;
			pthread_cond_signal(&q->added);
		}
		pthread_mutex_unlock(&q->lock);
	}
	nsym_metrics_symcache_queue(queued ? "queued" : "full");
	if (!queued)
		fprintf(stderr,
		        "napi-symbols serve: the symcache queue is full (%zu); the symcache of %s "
		        "(%s, %s) is built by the first request that needs it\n",
		        q->capacity, a->key, a->name, a->kind);
}

void nsym_symcache_queue_stop(struct nsym_symcache_queue *q)
{
	if (q == NULL)
		return;
	if (q->capacity > 0) {
		pthread_mutex_lock(&q->lock);
		q->stopping = true;
		pthread_cond_signal(&q->added);
		pthread_mutex_unlock(&q->lock);
		pthread_join(q->thread, NULL);
		q->store->ops->close(q->store);
		pthread_cond_destroy(&q->added);
		pthread_mutex_destroy(&q->lock);
	}
	free(q->ring);
	free(q);
}
