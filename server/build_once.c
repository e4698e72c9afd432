/*
 * The table behind build_once.h: a fixed array of entries under one mutex,
 * with one condition variable the waiters of every key share (builds are
 * rare and waiters few, so a broadcast that wakes the others too costs
 * nothing worth a variable per entry). Entries are kept only as long as
 * they say something: a build under way, or a failure to remember. A build
 * that succeeded says nothing once its waiters are woken: the store holds
 * its symcache, which a caller that claims the key after looks for again
 * before building (symcache_build.c), and which may have gone since (a row
 * of another format version, a deleted artifact) and then needs a build.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "build_once.h"
#include "napi_symbols.h"

#define MAX_ENTRIES 256
#define KEY_SIZE    132 /* an ELF build-id of NSYM_BUILD_ID_MAX bytes in hex */
#define WHY_SIZE    400

enum state { FREE = 0, BUILDING, DONE, FAILED };

struct entry {
	char key[KEY_SIZE];
	enum state state;
	time_t at;    /* when it ended (DONE, FAILED) */
	int waiters;  /* threads waiting on it: it is not reused meanwhile */
	unsigned gen; /* builds of it ended: a waiter waits for the next one */
	char why[WHY_SIZE];
};

struct nsym_builds {
	pthread_mutex_t lock;
	pthread_cond_t ended;
	int retry_seconds;
	struct entry entries[MAX_ENTRIES];
};

static time_t now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

int nsym_builds_new(struct nsym_builds **out, int retry_seconds)
{
	struct nsym_builds *b = calloc(1, sizeof(*b));

	*out = NULL;
	if (b == NULL)
		return NSYM_ENOMEM;
	if (pthread_mutex_init(&b->lock, NULL) != 0) {
		free(b);
		return NSYM_ENOMEM;
	}
	if (pthread_cond_init(&b->ended, NULL) != 0) {
		pthread_mutex_destroy(&b->lock);
		free(b);
		return NSYM_ENOMEM;
	}
	b->retry_seconds = retry_seconds;
	*out = b;
	return 0;
}

void nsym_builds_free(struct nsym_builds *b)
{
	if (b == NULL)
		return;
	pthread_cond_destroy(&b->ended);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

/* Whether an ended entry still says something at time t. */
static bool fresh(const struct nsym_builds *b, const struct entry *e, time_t t)
{
	if (e->state == FAILED)
		return t - e->at < b->retry_seconds;
	return e->state == BUILDING;
}

static struct entry *find(struct nsym_builds *b, const char *key)
{
	for (size_t i = 0; i < MAX_ENTRIES; i++) {
		if (b->entries[i].state != FREE && strcmp(b->entries[i].key, key) == 0)
			return &b->entries[i];
	}
	return NULL;
}

/* A slot for a new key: a free one, else one that says nothing any more,
 * else the oldest ended one nobody waits on; NULL when all are building. */
static struct entry *slot(struct nsym_builds *b, time_t t)
{
	struct entry *oldest = NULL;

	for (size_t i = 0; i < MAX_ENTRIES; i++) {
		struct entry *e = &b->entries[i];
		if (e->state == FREE || (e->waiters == 0 && !fresh(b, e, t)))
			return e;
		if (e->state != BUILDING && e->waiters == 0 &&
		    (oldest == NULL || e->at < oldest->at))
			oldest = e;
	}
	return oldest;
}

enum nsym_build_claim nsym_builds_claim(struct nsym_builds *b, const char *key, char *why,
                                        size_t why_size)
{
	enum nsym_build_claim claim = NSYM_BUILD_YOURS;
	struct entry *e;
	time_t t;

	pthread_mutex_lock(&b->lock);
	t = now();
	e = find(b, key);
	if (e != NULL && e->state == BUILDING) {
		unsigned gen = e->gen;
		e->waiters++;
		while (e->gen == gen)
			pthread_cond_wait(&b->ended, &b->lock);
		e->waiters--;
		claim = e->state == DONE ? NSYM_BUILD_DONE : NSYM_BUILD_FAILED;
	} else if (e != NULL && fresh(b, e, t)) {
		claim = e->state == DONE ? NSYM_BUILD_DONE : NSYM_BUILD_FAILED;
	} else if (e != NULL || (e = slot(b, t)) != NULL) {
		snprintf(e->key, sizeof(e->key), "%s", key);
		e->state = BUILDING;
		e->why[0] = '\0';
	}
	if (claim == NSYM_BUILD_FAILED && why_size > 0)
		snprintf(why, why_size, "%s", e->why);
	pthread_mutex_unlock(&b->lock);
	return claim;
}

void nsym_builds_done(struct nsym_builds *b, const char *key, int ok, const char *why)
{
	struct entry *e;

	pthread_mutex_lock(&b->lock);
	e = find(b, key);
	if (e != NULL && e->state == BUILDING) {
		e->state = ok ? DONE : FAILED;
		e->at = now();
		e->gen++;
		snprintf(e->why, sizeof(e->why), "%s", ok || why == NULL ? "" : why);
		pthread_cond_broadcast(&b->ended);
	}
	pthread_mutex_unlock(&b->lock);
}
