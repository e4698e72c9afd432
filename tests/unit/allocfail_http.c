/*
 * The server in the test's own process, and one exchange with it
 * (allocfail_http.h).
 */
#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "allocfail_http.h"
#include "server.h"
#include "test_util.h"

struct nsym_server *allocfail_server_start(int *port, const char *dir, uint64_t max_body)
{
	struct nsym_server_config cfg = {.listen = "127.0.0.1:0",
	                                 .threads = 1,
	                                 .request_timeout = 30,
	                                 .max_upload = max_body,
	                                 .max_section = max_body,
	                                 .store_dir = dir};
	struct nsym_server_start_notes notes;
	struct nsym_server *server = NULL;
	char err[600];

	ck_assert_msg(nsym_server_start(&server, &notes, &cfg, err, sizeof(err)) == 0, "%s", err);
	*port = (int)strtol(strrchr(nsym_server_address(server), ':') + 1, NULL, 10);
	return server;
}

void allocfail_log_begin(int *saved_stderr, const char *dir)
{
	char path[4200];
	int fd;

	fflush(stderr);
	*saved_stderr = dup(2);
	ck_assert_int_ge(*saved_stderr, 0);
	snprintf(path, sizeof(path), "%s/allocfail.log", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	dup2(fd, 2);
	close(fd);
}

void allocfail_log_end(char *log, size_t log_size, int saved_stderr, const char *dir)
{
	char path[4200];
	unsigned char *bytes;
	size_t size = 0;

	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	snprintf(path, sizeof(path), "%s/allocfail.log", dir);
	bytes = test_read(path, &size);
	snprintf(log, log_size, "%.*s", (int)size, bytes != NULL ? (char *)bytes : "");
	free(bytes);
}

int allocfail_http_exchange(char *reply, size_t reply_size, size_t *sent, int port,
                            const char *head, const void *body, size_t body_size)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	struct timeval tv = {.tv_sec = 30};
	size_t used = 0, head_len = strlen(head);
	int fd = socket(AF_INET, SOCK_STREAM, 0), status = -1;
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	/* with the body: a head sent alone waits for the server's delayed ACK */
	ck_assert_int_eq(send(fd, head, head_len, body_size > 0 ? MSG_MORE : 0), (ssize_t)head_len);
	/* the server may answer and close before taking it all: no SIGPIPE */
	*sent = 0;
	while (*sent < body_size &&
	       (n = send(fd, (const char *)body + *sent, body_size - *sent, MSG_NOSIGNAL)) > 0)
		*sent += (size_t)n;
	while (used + 1 < reply_size && (n = read(fd, reply + used, reply_size - 1 - used)) > 0)
		used += (size_t)n;
	reply[used] = '\0';
	close(fd);
	sscanf(reply, "HTTP/1.1 %d", &status);
	return status;
}

void allocfail_route_setup(void *arg)
{
	struct allocfail_route *c = arg;

	/* the server's log of this run, to read what ran out */
	allocfail_log_begin(&c->saved_stderr, c->dir);
}

int allocfail_route_run(void *arg)
{
	struct allocfail_route *c = arg;
	size_t len = strlen(c->body), sent;
	char head[512];
	int status;

	snprintf(head, sizeof(head),
	         "%s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s%sContent-Length: "
	         "%zu\r\nConnection: close\r\n\r\n",
	         c->request, c->type != NULL ? "Content-Type: " : "",
	         c->type != NULL ? c->type : "", c->type != NULL ? "\r\n" : "", len);
	status =
	    allocfail_http_exchange(c->reply, sizeof(c->reply), &sent, c->port, head, c->body, len);
	ck_assert_uint_eq(sent, len);
	/* the connection closes after the access log line: the log is whole */
	allocfail_log_end(c->log, sizeof(c->log), c->saved_stderr, c->dir);
	return status;
}
