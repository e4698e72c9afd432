/*
 * The table behind module_cache.h: entries in a hash table of chains under
 * one mutex, each also on one of two lists in order of use (kept modules,
 * "no symbols" answers), whose tails go first when a list is full. The
 * lock is held for a lookup and a count, never while a module is opened or
 * closed: opening reads the store, and closing unmaps, which interrupts the
 * other CPUs (a TLB shootdown), so entries to close are gathered under the
 * lock and closed after it. Two requests that miss the same key at once
 * both open it; the second to come back takes the first one's and closes
 * its own (the symcache build behind an open is once only: build_once.h).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "module_cache.h"

struct nsym_module_entry {
	struct nsym_module_entry *hnext;       /* next in its chain; or in a list to close */
	struct nsym_module_entry *prev, *next; /* on its list, most recently used first */
	char key[NSYM_MODULE_KEY_SIZE];
	char ident[NSYM_MODULE_KEY_SIZE]; /* of the artifact it was opened from */
	nsym_symbolizer *sym;             /* NULL: a "no symbols" answer */
	char *why;                        /* with sym NULL: why, owned */
	time_t until;                     /* kept until then */
	int refs;                         /* requests using it */
	bool kept;                        /* in the table (else closed at its last put) */
};

struct list {
	struct nsym_module_entry *head, *tail;
	size_t n, max;
};

struct nsym_module_cache {
	pthread_mutex_t lock;
	struct nsym_module_entry **buckets;
	size_t mask;
	struct list open, none;
	int ttl, none_ttl;
	size_t evicted_in_use; /* left the table while in use: closed at their last put */
	/* forgets so far: what was opened across one may be out of date */
	uint64_t forgets;
};

static time_t now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* FNV-1a: keys are short hex strings. */
static size_t hash(const char *key)
{
	uint64_t h = 14695981039346656037u;
	for (; *key != '\0'; key++)
		h = (h ^ (unsigned char)*key) * 1099511628211u;
	return (size_t)h;
}

int nsym_module_cache_new(struct nsym_module_cache **out, size_t max_open, int ttl, int none_ttl)
{
	struct nsym_module_cache *c = calloc(1, sizeof(*c));
	size_t want = max_open > 0 ? 2 * (max_open + NSYM_NO_SYMBOLS_MAX) : 1, n = 16;

	*out = NULL;
	while (n < want && n < ((size_t)1 << 30))
		n <<= 1;
	if (c == NULL || (c->buckets = calloc(n, sizeof(*c->buckets))) == NULL) {
		free(c);
		return NSYM_ENOMEM;
	}
	if (pthread_mutex_init(&c->lock, NULL) != 0) {
		free(c->buckets);
		free(c);
		return NSYM_ENOMEM;
	}
	c->mask = n - 1;
	c->open.max = max_open;
	c->none.max = max_open > 0 ? NSYM_NO_SYMBOLS_MAX : 0;
	c->ttl = ttl;
	c->none_ttl = none_ttl;
	*out = c;
	return 0;
}

static void destroy(struct nsym_module_entry *e)
{
	nsym_symbolizer_close(e->sym);
	free(e->why);
	free(e);
}

/* Closes a list gathered by drop(), linked by hnext. */
static void destroy_all(struct nsym_module_entry *doomed)
{
	while (doomed != NULL) {
		struct nsym_module_entry *next = doomed->hnext;
		destroy(doomed);
		doomed = next;
	}
}

void nsym_module_cache_free(struct nsym_module_cache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i <= c->mask; i++) {
		struct nsym_module_entry *e = c->buckets[i];
		while (e != NULL) {
			struct nsym_module_entry *next = e->hnext;
			destroy(e);
			e = next;
		}
	}
	pthread_mutex_destroy(&c->lock);
	free(c->buckets);
	free(c);
}

static struct list *list_of(struct nsym_module_cache *c, const struct nsym_module_entry *e)
{
	return e->sym != NULL ? &c->open : &c->none;
}

static void unlink_list(struct list *l, struct nsym_module_entry *e)
{
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		l->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		l->tail = e->prev;
	e->prev = e->next = NULL;
	l->n--;
}

static void push_front(struct list *l, struct nsym_module_entry *e)
{
	e->prev = NULL;
	e->next = l->head;
	if (l->head != NULL)
		l->head->prev = e;
	else
		l->tail = e;
	l->head = e;
	l->n++;
}

static struct nsym_module_entry *find(struct nsym_module_cache *c, const char *key)
{
	struct nsym_module_entry *e = c->buckets[hash(key) & c->mask];

	while (e != NULL && strcmp(e->key, key) != 0)
		e = e->hnext;
	return e;
}

/* Takes e out of the table; onto *doomed when no request uses it, to be
 * closed once the lock is let go, else its last put closes it. */
static void drop(struct nsym_module_cache *c, struct nsym_module_entry *e,
                 struct nsym_module_entry **doomed)
{
	struct nsym_module_entry **p = &c->buckets[hash(e->key) & c->mask];

	while (*p != e)
		p = &(*p)->hnext;
	*p = e->hnext;
	unlink_list(list_of(c, e), e);
	e->kept = false;
	if (e->refs == 0) {
		e->hnext = *doomed;
		*doomed = e;
	} else {
		e->hnext = NULL;
		c->evicted_in_use++;
	}
}

/* Puts e in the table, the least recently used going when its list is
 * full. */
static void insert(struct nsym_module_cache *c, struct nsym_module_entry *e,
                   struct nsym_module_entry **doomed)
{
	struct list *l = list_of(c, e);
	size_t b = hash(e->key) & c->mask;

	while (l->n >= l->max && l->tail != NULL)
		drop(c, l->tail, doomed);
	e->hnext = c->buckets[b];
	c->buckets[b] = e;
	e->kept = true;
	push_front(l, e);
}

/* The entry of key when it is still fresh; a stale one is dropped. */
static struct nsym_module_entry *fresh(struct nsym_module_cache *c, const char *key,
                                       struct nsym_module_entry **doomed)
{
	struct nsym_module_entry *e = find(c, key);

	if (e == NULL)
		return NULL;
	if (e->until <= now()) {
		drop(c, e, doomed);
		return NULL;
	}
	return e;
}

/* A fresh entry's answer, under the lock. */
static void use_entry(struct nsym_module_use *out, char *why, size_t why_size,
                      struct nsym_module_cache *c, struct nsym_module_entry *e)
{
	struct list *l = list_of(c, e);

	unlink_list(l, e);
	push_front(l, e);
	if (e->sym != NULL) {
		e->refs++;
		*out = (struct nsym_module_use){e->sym, e};
	} else {
		*out = (struct nsym_module_use){NULL, NULL};
		snprintf(why, why_size, "%s", e->why);
	}
}

/* A new entry for what open found; NULL when it is not to be kept. */
static struct nsym_module_entry *make(const char *key, const char *ident, nsym_symbolizer *sym,
                                      const char *why, int ttl)
{
	struct nsym_module_entry *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return NULL;
	if (sym == NULL && (e->why = strdup(why)) == NULL) {
		free(e);
		return NULL;
	}
	snprintf(e->key, sizeof(e->key), "%s", key);
	snprintf(e->ident, sizeof(e->ident), "%s", ident);
	e->sym = sym;
	e->until = now() + ttl;
	return e;
}

int nsym_module_cache_get(struct nsym_module_use *out, char *why, size_t why_size,
                          struct nsym_module_cache *c, const char *key, nsym_module_open_fn *open,
                          void *arg)
{
	struct nsym_module_entry *e, *mine, *doomed = NULL;
	char ident[NSYM_MODULE_KEY_SIZE] = "";
	nsym_symbolizer *sym = NULL;
	uint64_t forgets;
	int rc;

	*out = (struct nsym_module_use){NULL, NULL};
	why[0] = '\0';
	pthread_mutex_lock(&c->lock);
	e = fresh(c, key, &doomed);
	if (e != NULL)
		use_entry(out, why, why_size, c, e);
	forgets = c->forgets;
	pthread_mutex_unlock(&c->lock);
	destroy_all(doomed);
	doomed = NULL; /* closed: the second pass gathers anew */
	if (e != NULL)
		return 0;

	if ((rc = open(&sym, ident, why, why_size, arg)) != 0)
		return rc;
	/* kept: one that answers from a symcache (shared from now on), or
	 * "no symbols"; one answering from its debug file is the request's */
	if ((sym != NULL && nsym_symbolizer_share(sym) != 0) ||
	    (sym != NULL ? c->open.max : c->none.max) == 0 ||
	    (mine = make(key, ident, sym, why, sym != NULL ? c->ttl : c->none_ttl)) == NULL) {
		*out = (struct nsym_module_use){sym, NULL};
		return 0;
	}
	pthread_mutex_lock(&c->lock);
	if (c->forgets != forgets) {
		/* an upload or a delete came while it was opened: the store's
		 * answer may be older than it, so it is this request's alone */
		pthread_mutex_unlock(&c->lock);
		mine->sym = NULL;
		destroy(mine);
		*out = (struct nsym_module_use){sym, NULL};
		return 0;
	}
	e = fresh(c, key, &doomed);
	if (e != NULL && e->sym != NULL && sym != NULL) {
		use_entry(out, why, why_size, c, e); /* opened meanwhile: take that one */
		mine->hnext = doomed;
		doomed = mine;
	} else {
		if (e != NULL)
			drop(c, e, &doomed);
		insert(c, mine, &doomed);
		use_entry(out, why, why_size, c, mine);
	}
	pthread_mutex_unlock(&c->lock);
	destroy_all(doomed);
	return 0;
}

void nsym_module_cache_put(struct nsym_module_cache *c, struct nsym_module_use *use)
{
	struct nsym_module_entry *e = use->entry, *doomed = NULL;

	if (e == NULL) {
		nsym_symbolizer_close(use->sym);
	} else {
		pthread_mutex_lock(&c->lock);
		e->refs--;
		/* a symcache a lookup found damaged: opened again (and rebuilt) */
		if (e->kept && !nsym_symbolizer_cached(e->sym))
			drop(c, e, &doomed);
		else if (!e->kept && e->refs == 0) {
			c->evicted_in_use--;
			doomed = e;
			e->hnext = NULL;
		}
		pthread_mutex_unlock(&c->lock);
		destroy_all(doomed);
	}
	*use = (struct nsym_module_use){NULL, NULL};
}

void nsym_module_cache_forget(struct nsym_module_cache *c, const char *ident)
{
	struct nsym_module_entry *doomed = NULL;

	pthread_mutex_lock(&c->lock);
	c->forgets++;
	for (struct nsym_module_entry *e = c->open.head, *next; e != NULL; e = next) {
		next = e->next;
		if (strcmp(e->ident, ident) == 0)
			drop(c, e, &doomed);
	}
	while (c->none.head != NULL)
		drop(c, c->none.head, &doomed);
	pthread_mutex_unlock(&c->lock);
	destroy_all(doomed);
}

void nsym_module_cache_stats(struct nsym_module_cache_stats *out, struct nsym_module_cache *c)
{
	pthread_mutex_lock(&c->lock);
	*out = (struct nsym_module_cache_stats){.open = c->open.n,
	                                        .open_in_use_evicted = c->evicted_in_use,
	                                        .none = c->none.n,
	                                        .max_open = c->open.max};
	pthread_mutex_unlock(&c->lock);
}
