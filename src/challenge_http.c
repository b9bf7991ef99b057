#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "challenge_http.h"
#include "log.h"

struct connection {
	int fd;			/* -1 for a free slot */
	time_t deadline;
	char request[HTTP01_MAX_REQUEST];
	size_t request_len;
	struct buf response;
	size_t sent;
};

/* see challenge_http.h */
int
http01_token_valid(const char *token)
{
	size_t n = strlen(token);

	if (n == 0 || n > HTTP01_TOKEN_MAX)
		return 0;
	return strspn(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == n;
}

/* Split ADDR:PORT into a host (NULL for any address) and a port, in HOST of size CAP. */
static int
split_address(const char *addr_port, char *host, size_t cap, const char **port)
{
	const char *colon = strrchr(addr_port, ':');
	size_t len;

	if (colon == NULL) {
		*port = addr_port;
		host[0] = '\0';
		return 0;
	}
	*port = colon + 1;
	len = (size_t)(colon - addr_port);
	if (len >= 2 && addr_port[0] == '[' && addr_port[len - 1] == ']') {
		addr_port++;
		len -= 2;
	} else if (memchr(addr_port, ':', len) != NULL) {
		return -1;	/* an IPv6 address needs brackets */
	}
	if (len >= cap)
		return -1;
	memcpy(host, addr_port, len);
	host[len] = '\0';
	return 0;
}

/* see challenge_http.h */
int
http01_listen(struct http01_server *s, const char *addr_port)
{
	struct addrinfo hints, *res = NULL;
	char host[64];
	const char *port;
	int fd, one = 1, rc;

	s->listen_fd = -1;
	s->child = 0;
	s->token_count = 0;

	if (split_address(addr_port, host, sizeof(host), &port) != 0 || port[0] == '\0' ||
	    strspn(port, "0123456789") != strlen(port))
		return error_set("standalone address '%s' is invalid; give ADDR:PORT, [IPV6]:PORT or :PORT",
		    addr_port);

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
	rc = getaddrinfo(host[0] != '\0' ? host : NULL, port, &hints, &res);
	if (rc != 0)
		return error_set("standalone address '%s': %s; give a numeric address", addr_port,
		    gai_strerror(rc));

	fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		freeaddrinfo(res);
		return error_set("standalone address '%s': socket: %s", addr_port, strerror(errno));
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 64) != 0) {
		rc = errno;
		freeaddrinfo(res);
		close(fd);
		return error_set("cannot listen on %s: %s; stop the server using that port or choose "
		    "another with --challenge standalone ADDR:PORT", addr_port, strerror(rc));
	}
	freeaddrinfo(res);
	s->listen_fd = fd;
	return 0;
}

/* see challenge_http.h */
int
http01_add(struct http01_server *s, const char *token, const char *key_authorization)
{
	struct http01_token *t;

	if (!http01_token_valid(token))
		return error_set("the CA sent an http-01 token that is not base64url; refusing to serve it");
	if (strlen(key_authorization) > HTTP01_KEY_AUTH_MAX)
		return error_set("http-01 key authorization is longer than %d bytes", HTTP01_KEY_AUTH_MAX);
	if (s->token_count == HTTP01_MAX_TOKENS)
		return error_set("more than %d http-01 tokens in one order", HTTP01_MAX_TOKENS);

	t = &s->tokens[s->token_count++];
	snprintf(t->token, sizeof(t->token), "%s", token);
	snprintf(t->key_authorization, sizeof(t->key_authorization), "%s", key_authorization);
	return 0;
}

static const struct http01_token *
find_token(const struct http01_server *s, const char *token, size_t len)
{
	size_t i;

	for (i = 0; i < s->token_count; i++)
		if (strlen(s->tokens[i].token) == len && memcmp(s->tokens[i].token, token, len) == 0)
			return &s->tokens[i];
	return NULL;
}

static void
status_response(struct buf *out, const char *status, int head)
{
	const char *text = status + 4;	/* the reason phrase after "NNN " */

	buf_printf(out, "HTTP/1.1 %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n", status, strlen(text) + 1);
	if (!head)
		buf_printf(out, "%s\n", text);
}

/* Find the end of the header section, accepting bare LF line ends as RFC 9112 section 2.2 allows. */
static int
request_complete(const char *req, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (req[i] != '\n')
			continue;
		if (i + 1 < len && req[i + 1] == '\n')
			return 1;
		if (i + 2 < len && req[i + 1] == '\r' && req[i + 2] == '\n')
			return 1;
	}
	return 0;
}

/* see challenge_http.h */
int
http01_respond(const struct http01_server *s, const char *req, size_t req_len, struct buf *out)
{
	const struct http01_token *t;
	const char *p, *sp, *end;
	size_t plen = strlen(HTTP01_PATH_PREFIX);
	int head;

	if (!request_complete(req, req_len)) {
		if (req_len < HTTP01_MAX_REQUEST)
			return 0;
		status_response(out, "431 Request Header Fields Too Large", 0);
		return -1;
	}

	end = memchr(req, '\n', req_len);
	if (req_len >= 4 && memcmp(req, "GET ", 4) == 0) {
		head = 0;
		p = req + 4;
	} else if (req_len >= 5 && memcmp(req, "HEAD ", 5) == 0) {
		head = 1;
		p = req + 5;
	} else {
		status_response(out, "405 Method Not Allowed", 0);
		return 1;
	}

	/* The request target ends at the next space of the request line. */
	sp = memchr(p, ' ', (size_t)(end - p));
	if (sp == NULL || (size_t)(sp - p) <= plen || memcmp(p, HTTP01_PATH_PREFIX, plen) != 0) {
		status_response(out, "404 Not Found", head);
		return 1;
	}
	t = find_token(s, p + plen, (size_t)(sp - p) - plen);
	if (t == NULL) {
		status_response(out, "404 Not Found", head);
		return 1;
	}

	buf_printf(out, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n", strlen(t->key_authorization));
	if (!head)
		buf_puts(out, t->key_authorization);
	log_debug("http-01: served the key authorization for token %s", t->token);
	return 1;
}

static void
close_connection(struct connection *c)
{
	close(c->fd);
	c->fd = -1;
	buf_free(&c->response);
}

static void
accept_connections(const struct http01_server *s, struct connection *conns, time_t now)
{
	int fd, i;

	for (;;) {
		fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		for (i = 0; i < HTTP01_MAX_CONNECTIONS && conns[i].fd >= 0; i++)
			;
		if (i == HTTP01_MAX_CONNECTIONS) {
			close(fd);	/* full: the client will retry from another vantage point */
			continue;
		}
		conns[i].fd = fd;
		conns[i].deadline = now + HTTP01_CONNECTION_TIMEOUT;
		conns[i].request_len = 0;
		conns[i].sent = 0;
		memset(&conns[i].response, 0, sizeof(conns[i].response));
	}
}

/* Read what is available on C; build the response once the request is complete. */
static void
read_request(const struct http01_server *s, struct connection *c)
{
	ssize_t n;

	if (c->response.len != 0)
		return;
	n = read(c->fd, c->request + c->request_len, sizeof(c->request) - c->request_len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		close_connection(c);
		return;
	}
	c->request_len += (size_t)n;
	if (http01_respond(s, c->request, c->request_len, &c->response) != 0 && c->response.failed)
		close_connection(c);
}

static void
write_response(struct connection *c)
{
	ssize_t n;

	n = send(c->fd, c->response.data + c->sent, c->response.len - c->sent, MSG_NOSIGNAL);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		close_connection(c);
		return;
	}
	c->sent += (size_t)n;
	if (c->sent == c->response.len) {
		shutdown(c->fd, SHUT_WR);
		close_connection(c);
	}
}

/* The child's loop: serve until killed, the parent is gone, or LIFETIME seconds pass. */
static void
serve_loop(const struct http01_server *s, pid_t parent, int lifetime)
{
	static struct connection conns[HTTP01_MAX_CONNECTIONS];
	struct pollfd fds[HTTP01_MAX_CONNECTIONS + 1];
	int slot[HTTP01_MAX_CONNECTIONS + 1];
	time_t now = time(NULL), end = now + lifetime;
	int i, nfds;

	for (i = 0; i < HTTP01_MAX_CONNECTIONS; i++)
		conns[i].fd = -1;

	while (now < end && getppid() == parent) {
		fds[0].fd = s->listen_fd;
		fds[0].events = POLLIN;
		nfds = 1;
		for (i = 0; i < HTTP01_MAX_CONNECTIONS; i++) {
			if (conns[i].fd < 0)
				continue;
			fds[nfds].fd = conns[i].fd;
			fds[nfds].events = conns[i].response.len != 0 ? POLLOUT : POLLIN;
			slot[nfds++] = i;
		}

		if (poll(fds, (nfds_t)nfds, 1000) < 0 && errno != EINTR)
			break;
		now = time(NULL);

		for (i = 1; i < nfds; i++) {
			struct connection *c = &conns[slot[i]];

			if (fds[i].revents & (POLLERR | POLLNVAL))
				close_connection(c);
			else if (fds[i].revents & POLLOUT)
				write_response(c);
			else if (fds[i].revents & (POLLIN | POLLHUP))
				read_request(s, c);
			if (c->fd >= 0 && now >= c->deadline)
				close_connection(c);
		}
		if (fds[0].revents & POLLIN)
			accept_connections(s, conns, now);
	}
}

/* see challenge_http.h */
int
http01_serve(struct http01_server *s, int lifetime)
{
	pid_t parent = getpid(), pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return error_set("cannot start the http-01 listener: fork: %s", strerror(errno));
	if (pid == 0) {
		/* Die with the parent, even if it is killed before it can stop us. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		serve_loop(s, parent, lifetime);
		_exit(0);
	}
	s->child = pid;
	log_debug("http-01: listener process %d serves %zu token(s)", (int)pid, s->token_count);
	return 0;
}

/* see challenge_http.h */
void
http01_stop(struct http01_server *s)
{
	if (s->child > 0) {
		kill(s->child, SIGTERM);
		while (waitpid(s->child, NULL, 0) < 0 && errno == EINTR)
			;
		s->child = 0;
	}
	if (s->listen_fd >= 0) {
		close(s->listen_fd);
		s->listen_fd = -1;
	}
	explicit_bzero(s->tokens, sizeof(s->tokens));
	s->token_count = 0;
}
