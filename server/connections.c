/*
 * The connections the workers hold, and the watchdog (see connections.h).
 *
 * What civetweb 1.15 does, and why it is not enough on its own: its master
 * thread accepts connections into a queue, in order; a worker takes one
 * and keeps it until it closes, request after request. While it waits for
 * a head, the worker polls the socket until the whole head has come or
 * request_timeout_ms has passed since it began to wait (for later heads on
 * a kept connection, keep_alive_timeout_ms). So a client that trickles a
 * head holds a worker for the whole request timeout, which also bounds a
 * stalled body and so cannot be short; and civetweb has no per-phase
 * timeout and no way to drop a connection from outside.
 *
 * What the watchdog adds: each connection is tracked from civetweb's
 * init_connection (a worker took it) or end_request (the last reply went
 * out) until begin_request (a head arrived). A connection that waits for a
 * head longer than the head timeout is shut down (shutdown(2): the
 * worker's poll wakes, civetweb reads the end and closes it, and the
 * worker takes the next connection). No 408 is sent first: the watchdog is
 * not the thread that writes to the socket, and civetweb may be writing an
 * error reply of its own there at that moment. That alone does not keep a server
 * with W workers answering N > W slow clients: each would still hold a
 * worker for the head timeout, and the queue drains W connections per
 * head timeout. So when every worker holds a connection, each connection
 * that has waited for its head more than NSYM_CONN_SHORT_MS is shut down
 * too. A normal client's head comes with its first packet and has usually
 * arrived before a worker takes the connection from the queue, so it is
 * not waiting when the watchdog looks; a slow one is, and goes. The queue
 * then drains W connections per 0.1 s, and a normal client behind 200
 * slow ones is answered well within a second (tests/server: slowloris).
 * Idle kept connections count as waiting too: they give their worker back
 * first when workers run short.
 *
 * More workers alone would only move the threshold: a thread per slow
 * client is what the attacker wants. Under 0.1 s the watchdog would start
 * to drop clients on slow links whenever workers are short.
 *
 * NEEDSWORK: a client that reads a reply slowly holds its worker for up
 * to the request timeout per stall; the watchdog does not watch replies.
 */
#include <civetweb.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "connections.h"
#include "metrics.h"
#include "napi_symbols.h"
#include "socket.h"

/* How often the watchdog looks while connections are open, in ms. */
#define TICK_MS 25

/* nsym_conn.fd before a socket is found. */
#define FD_UNKNOWN (-1)
#define FD_NONE    (-2) /* looked up: no single socket matches */

enum phase {
	FREE, /* the slot holds no connection */
	HEAD, /* waiting for a request's head */
	BUSY, /* a request is being served */
};

struct nsym_conn {
	struct nsym_conns *owner;
	const struct mg_connection *conn;
	int fd;           /* the socket, FD_UNKNOWN or FD_NONE */
	enum phase phase; /* what the worker does with it */
	int64_t since_ms; /* monotonic time the phase began */
	bool shut;        /* shut down by the watchdog */
};

struct nsym_conns {
	pthread_mutex_t lock; /* guards everything below but the thread */
	pthread_cond_t wake;  /* a first connection opened, or stop */
	pthread_t thread;
	bool stop;
	int head_timeout_ms;
	int open;  /* slots in use */
	int slots; /* one per worker */
	/* the sweep's scratch: connections to shut whose socket is unknown */
	struct nsym_conn **pending;
	const struct mg_request_info **pending_ri;
	int *pending_fd;
	struct nsym_conn slot[];
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void shut(struct nsym_conn *k, const char *reason)
{
	/* SHUT_RDWR: the worker's wait for the head ends at once, and the
	 * client sees the connection end (FIN), not a reset */
	shutdown(k->fd, SHUT_RDWR);
	k->shut = true;
	nsym_metrics_conn_shed(reason);
}

/*
 * Shuts down the connections that have waited for a head too long: the
 * head timeout, or NSYM_CONN_SHORT_MS while every worker is taken. Their
 * sockets are looked up here, all in one pass, the first time one is to be
 * shut: a normal connection never needs it. This reads the worker's
 * request_info from another thread: the client's address and ports in it
 * are written before init_connection (which took this lock since) and do
 * not change until connection_close, which waits for this lock. NEEDSWORK:
 * mg_get_request_info() also reads the connection's type, which the worker
 * writes (always the same value) without a lock; civetweb gives no other
 * way to the address before a request's head has come.
 */
static void sweep(struct nsym_conns *c)
{
	bool short_of_workers = c->open >= c->slots;
	const char *reason = short_of_workers ? "workers_short" : "head_timeout";
	int64_t limit = short_of_workers ? NSYM_CONN_SHORT_MS : c->head_timeout_ms;
	int64_t now = now_ms();
	size_t n = 0;

	for (int i = 0; i < c->slots; i++) {
		struct nsym_conn *k = &c->slot[i];
		if (k->phase != HEAD || k->shut || k->fd == FD_NONE || now - k->since_ms < limit)
			continue;
		if (k->fd >= 0) {
			shut(k, reason);
			continue;
		}
		/* NULL for a few microseconds after init_connection: next time */
		c->pending_ri[n] = mg_get_request_info(k->conn);
		c->pending[n++] = k;
	}
	if (n == 0)
		return;
	nsym_socket_find(c->pending_fd, c->pending_ri, n);
	for (size_t i = 0; i < n; i++) {
		struct nsym_conn *k = c->pending[i];
		if (c->pending_ri[i] == NULL)
			continue;
		k->fd = c->pending_fd[i] >= 0 ? c->pending_fd[i] : FD_NONE;
		if (k->fd >= 0)
			shut(k, reason);
	}
}

static void *watch(void *arg)
{
	struct nsym_conns *c = arg;

	pthread_mutex_lock(&c->lock);
	while (!c->stop) {
		if (c->open == 0) {
			pthread_cond_wait(&c->wake, &c->lock);
		} else {
			struct timespec until;
			clock_gettime(CLOCK_MONOTONIC, &until);
			until.tv_nsec += TICK_MS * 1000000L;
			until.tv_sec += until.tv_nsec / 1000000000L;
			until.tv_nsec %= 1000000000L;
			pthread_cond_timedwait(&c->wake, &c->lock, &until);
		}
		if (!c->stop)
			sweep(c);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

static void conns_free(struct nsym_conns *c)
{
	free(c->pending);
	free(c->pending_ri);
	free(c->pending_fd);
	free(c);
}

int nsym_conns_start(struct nsym_conns **out, int workers, int head_timeout_ms)
{
	struct nsym_conns *c = calloc(1, sizeof(*c) + (size_t)workers * sizeof(c->slot[0]));
	pthread_condattr_t attr;

	*out = NULL;
	if (c == NULL)
		return NSYM_ENOMEM;
	c->slots = workers;
	c->head_timeout_ms = head_timeout_ms;
	c->pending = calloc((size_t)workers, sizeof(*c->pending));
	c->pending_ri = calloc((size_t)workers, sizeof(*c->pending_ri));
	c->pending_fd = calloc((size_t)workers, sizeof(*c->pending_fd));
	if (c->pending == NULL || c->pending_ri == NULL || c->pending_fd == NULL) {
		conns_free(c);
		return NSYM_ENOMEM;
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&c->wake, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&c->thread, NULL, watch, c) != 0) {
		pthread_cond_destroy(&c->wake);
		pthread_mutex_destroy(&c->lock);
		conns_free(c);
		return NSYM_EIO;
	}
	*out = c;
	return 0;
}

void nsym_conns_stop(struct nsym_conns *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	c->stop = true;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	pthread_cond_destroy(&c->wake);
	pthread_mutex_destroy(&c->lock);
	conns_free(c);
}

struct nsym_conn *nsym_conn_open(struct nsym_conns *c, const struct mg_connection *conn)
{
	struct nsym_conn *k = NULL;

	pthread_mutex_lock(&c->lock);
	for (int i = 0; i < c->slots && k == NULL; i++) {
		if (c->slot[i].phase == FREE)
			k = &c->slot[i];
	}
	if (k != NULL) {
		*k = (struct nsym_conn){.owner = c,
		                        .conn = conn,
		                        .fd = FD_UNKNOWN,
		                        .phase = HEAD,
		                        .since_ms = now_ms()};
		if (c->open++ == 0)
			pthread_cond_signal(&c->wake);
	}
	pthread_mutex_unlock(&c->lock);
	return k;
}

static void set_phase(struct nsym_conn *k, enum phase phase)
{
	if (k == NULL)
		return;
	pthread_mutex_lock(&k->owner->lock);
	k->phase = phase;
	k->since_ms = now_ms();
	pthread_mutex_unlock(&k->owner->lock);
}

void nsym_conn_busy(struct nsym_conn *k)
{
	set_phase(k, BUSY);
}

void nsym_conn_idle(struct nsym_conn *k)
{
	set_phase(k, HEAD);
}

void nsym_conn_close(struct nsym_conn *k)
{
	struct nsym_conns *c = k != NULL ? k->owner : NULL;

	if (c == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	c->open--;
	*k = (struct nsym_conn){.phase = FREE};
	pthread_mutex_unlock(&c->lock);
}

int nsym_conn_socket(struct nsym_conn *k, const struct mg_request_info *ri)
{
	int fd;

	if (k == NULL || ri == NULL)
		return -1;
	pthread_mutex_lock(&k->owner->lock);
	fd = k->fd;
	pthread_mutex_unlock(&k->owner->lock);
	if (fd == FD_UNKNOWN) {
		/* outside the lock: this worker holds the connection, which so
		 * cannot close meanwhile */
		nsym_socket_find(&fd, &ri, 1);
		pthread_mutex_lock(&k->owner->lock);
		k->fd = fd >= 0 ? fd : FD_NONE;
		pthread_mutex_unlock(&k->owner->lock);
	}
	return fd >= 0 ? fd : -1;
}
