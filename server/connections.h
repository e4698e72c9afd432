/*
 * The connections the server's workers hold, and the watchdog that keeps
 * slow clients from holding them all (slowloris). civetweb gives each
 * connection one worker thread from the moment a worker takes it until it
 * closes, and a worker waiting for a request's head waits as long as the
 * request timeout allows: enough clients that each send half a head take
 * every worker, and nobody else is answered. The watchdog shuts down a
 * connection that waits for a head (a first one, or the next one on a kept
 * connection) longer than the head timeout, and, while no worker is free,
 * each one that has waited for its head more than NSYM_CONN_SHORT_MS. Why
 * these rules: connections.c, and docs/server-api.md.
 */
#ifndef NSYM_SERVER_CONNECTIONS_H
#define NSYM_SERVER_CONNECTIONS_H

struct mg_connection;
struct mg_request_info;
struct nsym_conns;
struct nsym_conn;

/* How long a connection may wait for its request's head while every
 * worker is taken, in ms: a client's head leaves with its first packet,
 * so only a slow client is still waiting after that. */
#define NSYM_CONN_SHORT_MS 100

/* Starts the watchdog for a pool of `workers` workers (one connection
 * each). head_timeout_ms: how long a connection may wait for a request's
 * head while workers are free. 0, or NSYM_ENOMEM, NSYM_EIO (no thread). */
int nsym_conns_start(struct nsym_conns **out, int workers, int head_timeout_ms);
/* Stops the watchdog; call it after the server stopped, when no
 * connection is left. Accepts NULL. */
void nsym_conns_stop(struct nsym_conns *c);

/* A worker took `conn`, which now waits for a request's head. Returns its
 * record, or NULL when the table is full (more connections than workers,
 * which civetweb never has). From civetweb's init_connection, on the
 * worker's thread, as are the calls below with the record it returned. */
struct nsym_conn *nsym_conn_open(struct nsym_conns *c, const struct mg_connection *conn);
/* A request's head arrived: the connection is being served (the watchdog
 * leaves it alone). Accepts NULL, as do the ones below. */
void nsym_conn_busy(struct nsym_conn *k);
/* The reply went out: the connection waits for the next head (it is kept
 * alive), or is about to close. */
void nsym_conn_idle(struct nsym_conn *k);
/* The connection closes: its record goes before civetweb closes its
 * socket, so the watchdog never shuts down a descriptor that by then
 * names another connection. */
void nsym_conn_close(struct nsym_conn *k);
/* The connection's socket descriptor (ri: its request), looked up the
 * first time and remembered; -1 when no single socket matches (see
 * socket.c). */
int nsym_conn_socket(struct nsym_conn *k, const struct mg_request_info *ri);

#endif
