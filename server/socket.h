/*
 * The connection's own socket, for sending file bytes with sendfile(2)
 * where civetweb would copy them through user space.
 */
#ifndef NSYM_SERVER_SOCKET_H
#define NSYM_SERVER_SOCKET_H

#include <stdbool.h>
#include <stdint.h>

struct mg_connection;

/* The descriptor of conn's plain TCP socket, or -1 when it cannot be found
 * (or the connection is TLS): the caller then writes through civetweb. */
int nsym_request_socket(struct mg_connection *conn);

/* Sends [from, from + count) of fd on the socket, waiting up to timeout_ms
 * each time the socket is full. 0, or -1 when the client went away, stalled
 * or the file ended early; *sent counts the bytes sent either way. */
int nsym_sendfile(int sock, int fd, uint64_t from, uint64_t count, int timeout_ms, uint64_t *sent);

#endif
