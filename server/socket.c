/*
 * Sending file bytes straight to the connection's socket with sendfile(2).
 *
 * civetweb's own mg_send_file_body() gives up on sendfile at the first
 * EAGAIN of its non-blocking sockets and copies the rest through an 8 KB
 * user-space buffer: a 500 MB download took 60,000 read/send pairs and ran
 * at 1.0 GB/s against debuginfod's 1.6. civetweb does not expose the socket,
 * so it is found among the process's descriptors by the client's address
 * and port and the server's port, once per connection, and kept in the
 * connection's record (connections.h), whose watchdog looks up the sockets
 * of the connections it shuts down the same way. civetweb does not say
 * which of the server's addresses the client reached, so two sockets can
 * match (one client address and port, through a NAT, to two addresses of a
 * server listening on all): then neither is used, and the bytes go through
 * civetweb, since the wrong one would hand one client's reply to another.
 */
#include <arpa/inet.h>
#include <civetweb.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <time.h>

#include "connections.h"
#include "socket.h"

/* Address and port of one end of a TCP socket, as civetweb prints them. */
static int endpoint(const struct sockaddr_storage *ss, char *addr, size_t size, int *port)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
		*port = ntohs(in->sin_port);
		return inet_ntop(AF_INET, &in->sin_addr, addr, (socklen_t)size) != NULL ? 0 : -1;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
		*port = ntohs(in6->sin6_port);
		return inet_ntop(AF_INET6, &in6->sin6_addr, addr, (socklen_t)size) != NULL ? 0 : -1;
	}
	return -1;
}

/* The ends of a TCP socket: the peer's address and port, and our port. */
struct ends {
	char addr[INET6_ADDRSTRLEN];
	int port, local_port;
};

static int socket_ends(struct ends *out, int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char local[INET6_ADDRSTRLEN];

	if (getpeername(fd, (struct sockaddr *)&ss, &len) != 0 ||
	    endpoint(&ss, out->addr, sizeof(out->addr), &out->port) != 0)
		return -1;
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return -1;
	return endpoint(&ss, local, sizeof(local), &out->local_port);
}

/* Whether the socket runs from the request's client address and port to
 * the server's port. civetweb prints a link-local client with its scope
 * ("fe80::1%lo"), inet_ntop without. */
static bool is_request_socket(const struct mg_request_info *ri, const struct ends *e)
{
	size_t scope = strcspn(ri->remote_addr, "%");
	return !ri->is_ssl && e->port == ri->remote_port && e->local_port == ri->server_port &&
	       strlen(e->addr) == scope && strncmp(e->addr, ri->remote_addr, scope) == 0;
}

void nsym_socket_find(int *out, const struct mg_request_info *const *ri, size_t n)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;

	for (size_t i = 0; i < n; i++)
		out[i] = -1;
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		struct ends e;
		char *end;
		long fd = strtol(de->d_name, &end, 10);
		if (end == de->d_name || *end != '\0' || fd == dirfd(d) || fd > INT32_MAX ||
		    socket_ends(&e, (int)fd) != 0)
			continue;
		for (size_t i = 0; i < n; i++) {
			if (ri[i] != NULL && is_request_socket(ri[i], &e))
				out[i] = out[i] == -1 ? (int)fd : -2;
		}
	}
	closedir(d);
	for (size_t i = 0; i < n; i++)
		out[i] = out[i] >= 0 ? out[i] : -1;
}

int nsym_request_socket(struct mg_connection *conn)
{
	return nsym_conn_socket(mg_get_user_connection_data(conn), mg_get_request_info(conn));
}

/* A reply cut short cannot be finished or framed again: the connection is
 * shut down, so that the client sees it end rather than wait for bytes
 * that never come on a connection civetweb would keep alive. */
static int abandon(int sock)
{
	shutdown(sock, SHUT_RDWR);
	return -1;
}

void nsym_request_abandon(struct mg_connection *conn)
{
	int sock = nsym_request_socket(conn);
	if (sock >= 0)
		abandon(sock);
}

/* Bounds of a lingering close: what a client may still send, and for how
 * long, before the socket is closed anyway. */
#define LINGER_MS    1000
#define LINGER_BYTES (16u << 20)

static long long monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void nsym_request_linger(struct mg_connection *conn)
{
	int sock = nsym_request_socket(conn);
	long long deadline = monotonic_ms() + LINGER_MS, left;
	size_t dropped = 0;
	char buf[16384];

	if (sock < 0 || shutdown(sock, SHUT_WR) != 0)
		return;
	while ((left = deadline - monotonic_ms()) > 0 && dropped < LINGER_BYTES) {
		struct pollfd p = {.fd = sock, .events = POLLIN};
		ssize_t n;
		if (poll(&p, 1, (int)left) <= 0)
			return;
		n = recv(sock, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			return; /* the client closed: nothing left to reset */
		dropped += n > 0 ? (size_t)n : 0;
	}
}

int nsym_sendfile(int sock, int fd, uint64_t from, uint64_t count, int timeout_ms, uint64_t *sent)
{
	off_t off = (off_t)from;

	*sent = 0;
	while (count > 0) {
		size_t want = count < 0x7ffff000 ? (size_t)count : 0x7ffff000;
		ssize_t n = sendfile(sock, fd, &off, want);
		if (n > 0) {
			count -= (uint64_t)n;
			*sent += (uint64_t)n;
			continue;
		}
		if (n == 0)
			return abandon(sock); /* the file is shorter than recorded */
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return abandon(sock);
		struct pollfd p = {.fd = sock, .events = POLLOUT};
		if (poll(&p, 1, timeout_ms) <= 0 || (p.revents & (POLLERR | POLLHUP)) != 0)
			return abandon(sock); /* the client stopped reading */
	}
	return 0;
}

int nsym_send_more(int sock, const void *data, size_t size, int timeout_ms)
{
	const char *p = data;

	while (size > 0) {
		ssize_t n = send(sock, p, size, MSG_MORE | MSG_NOSIGNAL);
		if (n > 0) {
			p += n;
			size -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
			return abandon(sock);
		struct pollfd pfd = {.fd = sock, .events = POLLOUT};
		if (poll(&pfd, 1, timeout_ms) <= 0 || (pfd.revents & (POLLERR | POLLHUP)) != 0)
			return abandon(sock);
	}
	return 0;
}
