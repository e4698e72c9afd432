/*
 * The connection's own socket, for sending file bytes with sendfile(2)
 * where civetweb would copy them through user space, and for shutting down
 * a connection that holds a worker too long (connections.h).
 */
#ifndef NSYM_SERVER_SOCKET_H
#define NSYM_SERVER_SOCKET_H

#include <stdbool.h>
#include <stdint.h>

struct mg_connection;
struct mg_request_info;

/* For each of the n requests (NULL ones are skipped), out[i] is the
 * descriptor of the plain TCP socket from its client address and port to
 * its server port, or -1 when none or several match (or it is TLS). One
 * pass through /proc/self/fd for all of them. */
void nsym_socket_find(int *out, const struct mg_request_info *const *ri, size_t n);

/* The descriptor of conn's socket (looked up once per connection), or -1
 * when it cannot be known: the caller then writes through civetweb. */
int nsym_request_socket(struct mg_connection *conn);

/* Shuts conn down, so that the client sees a reply cut short end rather
 * than wait for bytes that never come on a connection civetweb would keep
 * alive. NEEDSWORK: without its socket (TLS, or not found), civetweb
 * closes it only after its keep-alive wait. */
void nsym_request_abandon(struct mg_connection *conn);

/* Sends [from, from + count) of fd on the socket, waiting up to timeout_ms
 * each time the socket is full. 0, or -1 when the client went away, stalled
 * or the file ended early, and then the connection is shut down (the reply
 * cannot be finished); *sent counts the bytes sent either way. */
/*
 * A lingering close, for a reply that closes a connection whose request
 * body may not all have been read (a refused upload): the FIN goes out,
 * then what the client still sends is read and dropped, for at most a
 * second and 16 MiB, or until the client closes. Closing a socket with
 * unread bytes makes Linux answer with a reset, which can destroy the
 * reply before the client reads it (curl then reports only its 100
 * Continue); nginx's lingering_close exists for the same reason.
 */
void nsym_request_linger(struct mg_connection *conn);

int nsym_sendfile(int sock, int fd, uint64_t from, uint64_t count, int timeout_ms, uint64_t *sent);

/* Sends the bytes with MSG_MORE, so that they leave with the data that
 * follows (the headers with the first bytes of the body, not in a small
 * packet of their own, which TCP_NODELAY would otherwise push at once).
 * 0, or -1 when the client went away or stalled past timeout_ms, and then
 * the connection is shut down. */
int nsym_send_more(int sock, const void *data, size_t size, int timeout_ms);

#endif
