/*
 * http-01 (RFC 8555 section 8.3): the standalone listener, the webroot
 * and stateless modes, and the self-check.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "challenge_http.h"
#include "clock.h"
#include "http.h"
#include "log.h"
#include "net.h"

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

/* challenge_address_parse, with port 0 (any free port, as the unit tests bind) allowed unless MIN is 1. */
static int
parse_address(const char *addr_port, const char *what, char *host, size_t cap, unsigned *port,
    unsigned long min)
{
	const char *colon = strrchr(addr_port, ':'), *digits, *start = addr_port;
	unsigned char addr[16];
	unsigned long n = 0;
	size_t len, i;

	digits = colon != NULL ? colon + 1 : addr_port;
	len = colon != NULL ? (size_t)(colon - addr_port) : 0;
	if (len >= 2 && addr_port[0] == '[' && addr_port[len - 1] == ']') {
		start++;
		len -= 2;
	} else if (len > 0 && memchr(addr_port, ':', len) != NULL) {
		return error_set("%s '%s' is invalid: write an IPv6 address in brackets, as [::1]:8402",
		    what, log_short(addr_port));
	}
	if (digits[0] == '\0' || strspn(digits, "0123456789") != strlen(digits) || colon == NULL)
		return error_set("%s '%s' is invalid: give ADDR:PORT, [IPV6]:PORT or :PORT (every address)",
		    what, log_short(addr_port));
	for (i = 0; digits[i] != '\0' && n <= 65535; i++)
		n = n * 10 + (unsigned long)(digits[i] - '0');
	if (n < min || n > 65535)
		return error_set("%s '%s': port %s is out of range 1-65535", what, log_short(addr_port),
		    log_short(digits));
	if (len >= cap)
		return error_set("%s '%s': the address is too long", what, log_short(addr_port));
	memcpy(host, start, len);
	host[len] = '\0';
	if (len > 0 && inet_pton(AF_INET, host, addr) != 1 && inet_pton(AF_INET6, host, addr) != 1)
		return error_set("%s '%s': '%s' is not a numeric IP address; keepcert binds what it is given",
		    what, log_short(addr_port), log_short(host));
	*port = (unsigned)n;
	return 0;
}

/* see challenge_http.h */
int
challenge_address_parse(const char *addr_port, const char *what, char *host, size_t cap, unsigned *port)
{
	return parse_address(addr_port, what, host, cap, port, 1);
}

/* Bind a socket of FAMILY to ADDR (of ADDR_LEN bytes) and listen; V6ONLY sets IPV6_V6ONLY. */
static int
bind_listen(int family, const struct sockaddr *addr, socklen_t addr_len, int v6only)
{
	int fd, one = 1, saved;

	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
	if (bind(fd, addr, addr_len) != 0 || listen(fd, 64) != 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* see challenge_http.h */
int
challenge_listen(const char *addr_port, const char *mode)
{
	struct sockaddr_in6 any6;
	struct sockaddr_in in4;
	char host[64], what[32];
	unsigned port;
	int fd;

	snprintf(what, sizeof(what), "%s address", mode);
	if (parse_address(addr_port, what, host, sizeof(host), &port, 0) != 0)
		return -1;

	memset(&in4, 0, sizeof(in4));
	memset(&any6, 0, sizeof(any6));
	in4.sin_family = AF_INET;
	in4.sin_port = htons((uint16_t)port);
	any6.sin6_family = AF_INET6;
	any6.sin6_port = htons((uint16_t)port);
	if (host[0] == '\0') {
		/* No address: every address of both families, on one socket with IPV6_V6ONLY off. */
		any6.sin6_addr = in6addr_any;
		fd = bind_listen(AF_INET6, (struct sockaddr *)&any6, sizeof(any6), 0);
		if (fd < 0 && (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL))
			fd = bind_listen(AF_INET, (struct sockaddr *)&in4, sizeof(in4), 0);
	} else if (inet_pton(AF_INET, host, &in4.sin_addr) == 1) {
		fd = bind_listen(AF_INET, (struct sockaddr *)&in4, sizeof(in4), 0);
	} else {
		/* An explicit IPv6 address, "[::]" too, is that address only. */
		inet_pton(AF_INET6, host, &any6.sin6_addr);
		fd = bind_listen(AF_INET6, (struct sockaddr *)&any6, sizeof(any6), 1);
	}
	if (fd < 0)
		return error_set("cannot listen on %s: %s; stop the server using that port or choose "
		    "another with --challenge %s ADDR:PORT", addr_port, strerror(errno), mode);
	return fd;
}

/* see challenge_http.h */
int
http01_listen(struct http01_server *s, const char *addr_port)
{
	s->listen_fd = -1;
	s->child = 0;
	s->token_count = 0;

	s->listen_fd = challenge_listen(addr_port, "standalone");
	return s->listen_fd < 0 ? -1 : 0;
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
		/* Die with the parent, even if it is killed before it can stop us, or before prctl ran. */
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(0);
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

/* ---- webroot ---- */

/* Open directory NAME below DIR_FD, creating it 0755 when missing; a symbolic link is an error. */
static int
open_subdir(int dir_fd, const char *name, const char *shown)
{
	int fd;

	if (mkdirat(dir_fd, name, 0755) == 0) {
		/* The umask is 077; the web server's user must be able to enter the directory. */
		if (fchmodat(dir_fd, name, 0755, AT_SYMLINK_NOFOLLOW) != 0 && errno != EOPNOTSUPP) {
			error_set("cannot make %s readable: %s", shown, strerror(errno));
			return -1;
		}
	} else if (errno != EEXIST) {
		error_set("cannot create %s: %s", shown, strerror(errno));
		return -1;
	}
	fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		error_set("cannot open %s: %s%s", shown, strerror(errno),
		    errno == ELOOP || errno == ENOTDIR ? "; it must be a directory, not a symbolic link" : "");
	return fd;
}

/* see challenge_http.h */
int
http01_webroot_open(int dir_fd, const char *dir)
{
	char shown[PATH_MAX + 64];
	int well_known, challenge;

	snprintf(shown, sizeof(shown), "%s/.well-known", dir);
	well_known = open_subdir(dir_fd, ".well-known", shown);
	if (well_known < 0)
		return -1;
	snprintf(shown, sizeof(shown), "%s/.well-known/acme-challenge", dir);
	challenge = open_subdir(well_known, "acme-challenge", shown);
	close(well_known);
	return challenge;
}

/* see challenge_http.h */
int
http01_webroot_write(int challenge_fd, const char *dir, const char *token, const char *content)
{
	size_t len = strlen(content), done = 0;
	ssize_t n;
	int fd, tries;

	if (!http01_token_valid(token))
		return error_set("the token '%s' is not base64url; it is not written under %s", token, dir);

	/* A file left by a crashed run is replaced; O_EXCL and O_NOFOLLOW keep a planted link from being followed. */
	for (tries = 0; tries < 2; tries++) {
		fd = openat(challenge_fd, token, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd >= 0 || errno != EEXIST)
			break;
		unlinkat(challenge_fd, token, 0);
	}
	if (fd < 0)
		return error_set("cannot create %s/.well-known/acme-challenge/%s: %s", dir, token, strerror(errno));

	while (done < len) {
		n = write(fd, content + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	if (done < len || fchmod(fd, 0644) != 0 || close(fd) != 0) {
		error_set("cannot write %s/.well-known/acme-challenge/%s: %s", dir, token, strerror(errno));
		if (done < len)
			close(fd);
		unlinkat(challenge_fd, token, 0);
		return -1;
	}
	return 0;
}

/* ---- the self-check ---- */

/* What to fix when the self-check of NAME fails in MODE. */
static void
self_check_hint(char *out, size_t cap, const char *name, enum challenge_type mode, const char *arg)
{
	switch (mode) {
	case CHALLENGE_HTTP_STATELESS:
		snprintf(out, cap, "the stateless snippet is missing from the port-80 server block of %s; run "
		    "'keepcert nginx-snippet', paste its output there and reload nginx", name);
		break;
	case CHALLENGE_WEBROOT:
		snprintf(out, cap, "the port-80 server block of %s does not serve %s/.well-known/acme-challenge; "
		    "run 'keepcert nginx-snippet --webroot %s', paste its output there and reload nginx",
		    name, arg, arg);
		break;
	case CHALLENGE_STANDALONE:
		snprintf(out, cap, "requests for %s on port 80 do not reach keepcert's listener on %s; run "
		    "'keepcert nginx-snippet --standalone %s', paste its output into the port-80 server "
		    "block and reload nginx, or let keepcert listen on port 80 itself", name, arg, arg);
		break;
	default:
		snprintf(out, cap, "serve the token on port 80 of %s", name);
		break;
	}
}

/* Write the Host header value for NAME: an IPv6 address gets brackets (RFC 3986 section 3.2.2). */
static void
host_header(const char *name, char *out, size_t cap)
{
	snprintf(out, cap, strchr(name, ':') != NULL ? "[%s]" : "%s", name);
}

/* Send the GET for TOKEN over C and read the response into RESP. */
static int
fetch_token(struct net_conn *c, const char *name, const char *token, struct http_response *resp)
{
	struct http_parser parser;
	char host[NAME_MAX_LEN + 3], chunk[4096];
	struct buf req = { 0 };
	size_t used;
	ssize_t n;
	int r = HTTP_PARSE_MORE;

	host_header(name, host, sizeof(host));
	buf_printf(&req, "GET %s%s HTTP/1.1\r\nHost: %s\r\nUser-Agent: keepcert/%s self-check\r\n"
	    "Accept: */*\r\nConnection: close\r\n\r\n", HTTP01_PATH_PREFIX, token, host, KEEPCERT_VERSION);
	if (req.failed || net_write_all(c, req.data, req.len) != 0) {
		buf_free(&req);
		return req.failed ? error_set("out of memory") : -1;
	}
	buf_free(&req);

	http_parser_init(&parser, resp, 0, HTTP01_CHECK_MAX_BODY);
	while (r == HTTP_PARSE_MORE) {
		n = net_read(c, chunk, sizeof(chunk));
		if (n < 0)
			break;
		r = n == 0 ? http_parser_finish(&parser) : http_parser_feed(&parser, chunk, (size_t)n, &used);
	}
	if (r == HTTP_PARSE_ERROR)
		error_set("invalid HTTP response: %s", http_parse_strerror(parser.error));
	http_parser_free(&parser);
	return r == HTTP_PARSE_DONE ? 0 : -1;
}

/* The body of RESP, without trailing whitespace, as its length. */
static size_t
trimmed_length(const struct http_response *resp)
{
	size_t len = resp->body.len;

	while (len > 0 && isspace((unsigned char)resp->body.data[len - 1]))
		len--;
	return len;
}

/* see challenge_http.h */
int
http01_self_check(const char *name, const char *token, const char *key_authorization,
    const char *addr, enum challenge_type mode, const char *arg)
{
	struct http_response resp;
	struct net_conn conn = { .fd = -1 };
	char host[256], hint[1024], shown[HTTP01_CHECK_SHOWN * 4 + 1], url[NAME_MAX_LEN + 200];
	const char *location;
	unsigned port = 80;
	size_t len;
	int rc;

	memset(&resp, 0, sizeof(resp));
	host_header(name, url, sizeof(url));
	snprintf(url + strlen(url), sizeof(url) - strlen(url), "%s%s", HTTP01_PATH_PREFIX, token);
	self_check_hint(hint, sizeof(hint), name, mode, arg);

	snprintf(host, sizeof(host), "%s", name);
	if (addr != NULL && challenge_address_parse(addr, "self-check address", host, sizeof(host), &port) != 0)
		return -1;
	if (addr != NULL && host[0] == '\0')
		return error_set("self-check address '%s' needs an address; give ADDR:PORT or [IPV6]:PORT",
		    log_short(addr));

	/* The deadline bounds the whole check, so a server that trickles its answer cannot stretch it. */
	if (net_connect(&conn, host, port, 0, HTTP01_CHECK_TIMEOUT, HTTP01_CHECK_TIMEOUT,
	    clock_ms() + HTTP01_CHECK_TIMEOUT * 1000LL) != 0) {
		error_prefix("self-check of http://%s", url);
		return HTTP01_UNREACHABLE;
	}
	rc = fetch_token(&conn, name, token, &resp);
	net_close(&conn);
	if (rc != 0) {
		http_response_free(&resp);
		error_prefix("self-check of http://%s: no complete response", url);
		return HTTP01_UNREACHABLE;
	}

	len = trimmed_length(&resp);
	if (resp.status == 200 && len == strlen(key_authorization) &&
	    memcmp(resp.body.data, key_authorization, len) == 0) {
		http_response_free(&resp);
		log_info("%s: self-check passed: http://%s returns the key authorization", name, url);
		return 0;
	}

	log_sanitize(shown, sizeof(shown), resp.body.data != NULL ? resp.body.data : "",
	    len < HTTP01_CHECK_SHOWN ? len : HTTP01_CHECK_SHOWN);
	/*
	 * NOTE: CAs follow redirects on http-01 (Let's Encrypt does, to ports
	 * 80 and 443), so a site that redirects the token to a server that
	 * serves it would pass there but fails this check.
	 */
	location = http_header(&resp, "Location");
	if (resp.status >= 300 && resp.status < 400 && location != NULL) {
		char where[256];

		log_sanitize(where, sizeof(where), location, strlen(location));
		error_set("self-check of http://%s: status %d, a redirect to %s; keepcert does not follow "
		    "redirects, so serve the token on port 80 before any redirect: %s", url, resp.status,
		    where, hint);
	} else if (resp.status == 200 && mode == CHALLENGE_HTTP_STATELESS && len > strlen(token) + 1 &&
	    strncmp(resp.body.data, token, strlen(token)) == 0 && resp.body.data[strlen(token)] == '.') {
		error_set("self-check of http://%s: status 200 with '%s', the thumbprint of another account; "
		    "run 'keepcert nginx-snippet' with the same --directory and --state-dir as this run, "
		    "replace the snippet in the port-80 server block of %s and reload nginx", url, shown, name);
	} else {
		error_set("self-check of http://%s: status %d with '%s'%s, expected the key authorization; %s",
		    url, resp.status, shown, len > HTTP01_CHECK_SHOWN ? "..." : "", hint);
	}
	http_response_free(&resp);
	return -1;
}

/* ---- the solver ---- */

static int
solver_prepare(void *ctx, const char *identifier, const char *token, const char *key_authorization)
{
	struct http01_solver *s = ctx;
	size_t i = s->token_count;

	if (!http01_token_valid(token))
		return error_set("%s: the CA sent an http-01 token that is not base64url; refusing it", identifier);
	if (strlen(key_authorization) > HTTP01_KEY_AUTH_MAX)
		return error_set("%s: the http-01 key authorization is longer than %d bytes", identifier,
		    HTTP01_KEY_AUTH_MAX);
	if (i == HTTP01_MAX_TOKENS)
		return error_set("more than %d http-01 tokens in one order", HTTP01_MAX_TOKENS);

	snprintf(s->tokens[i].token, sizeof(s->tokens[i].token), "%s", token);
	snprintf(s->tokens[i].key_authorization, sizeof(s->tokens[i].key_authorization), "%s",
	    key_authorization);
	snprintf(s->names[i], sizeof(s->names[i]), "%s", identifier);
	s->written[i] = 0;
	s->token_count++;

	switch (s->mode) {
	case CHALLENGE_WEBROOT:
		if (http01_webroot_write(s->challenge_fd, s->arg, token, key_authorization) != 0)
			return error_prefix("%s", identifier);
		s->written[i] = 1;
		log_debug("%s: wrote %s%s under %s", identifier, HTTP01_PATH_PREFIX, token, s->arg);
		return 0;
	case CHALLENGE_STANDALONE:
		return http01_add(&s->server, token, key_authorization);
	default:
		return 0;	/* stateless: nginx computes the answer itself */
	}
}

static int
solver_start(void *ctx)
{
	struct http01_solver *s = ctx;
	time_t started = time(NULL);
	size_t i;
	int rc;

	if (s->mode == CHALLENGE_STANDALONE && http01_serve(&s->server, s->lifetime) != 0)
		return -1;
	if (!s->self_check)
		return 0;

	/*
	 * A wrong response found here costs the CA nothing, while a failed
	 * validation counts against its limits, so it stops the run. No
	 * response at all only warns, because the CA may reach NAME where this
	 * host cannot, as behind a router without NAT loopback or with
	 * split-horizon DNS.
	 */
	for (i = 0; i < s->token_count; i++) {
		if (time(NULL) - started > HTTP01_CHECK_BUDGET) {
			log_warning("self-check: skipping the remaining %zu name(s) after %d seconds",
			    s->token_count - i, HTTP01_CHECK_BUDGET);
			break;
		}
		rc = http01_self_check(s->names[i], s->tokens[i].token, s->tokens[i].key_authorization,
		    s->self_check_addr, s->mode, s->arg);
		if (rc == HTTP01_UNREACHABLE)
			log_warning("%s: %s; responding to the challenge anyway, because the CA may reach %s where this "
			    "host cannot (give --self-check-addr ADDR:PORT to check through another address)",
			    s->names[i], error_text(), s->names[i]);
		else if (rc != 0)
			return error_prefix("stopped before responding to the challenge");
	}
	return 0;
}

/* Remove the files written for this run; the directories stay for the next one. */
static void
remove_files(struct http01_solver *s)
{
	size_t i;

	for (i = 0; i < s->token_count; i++) {
		if (!s->written[i])
			continue;
		if (unlinkat(s->challenge_fd, s->tokens[i].token, 0) != 0 && errno != ENOENT)
			log_warning("cannot remove %s/.well-known/acme-challenge/%s: %s; remove it by hand",
			    s->arg, s->tokens[i].token, strerror(errno));
		s->written[i] = 0;
	}
}

static void
solver_cleanup(void *ctx)
{
	struct http01_solver *s = ctx;

	remove_files(s);
	if (s->mode == CHALLENGE_STANDALONE && s->server.child > 0) {
		kill(s->server.child, SIGTERM);
		while (waitpid(s->server.child, NULL, 0) < 0 && errno == EINTR)
			;
		s->server.child = 0;
	}
	explicit_bzero(s->tokens, sizeof(s->tokens));
	s->token_count = 0;
	s->server.token_count = 0;
}

/* see challenge_http.h */
int
http01_solver_open(struct http01_solver *s, enum challenge_type mode, const char *arg)
{
	int dir_fd;

	s->mode = mode;
	s->arg = arg;
	s->challenge_fd = -1;
	s->server.listen_fd = -1;
	s->server.child = 0;
	s->token_count = 0;

	switch (mode) {
	case CHALLENGE_STANDALONE:
		return http01_listen(&s->server, arg);
	case CHALLENGE_WEBROOT:
		dir_fd = open(arg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dir_fd < 0)
			return error_set("webroot %s: %s; create it and serve it with the block from 'keepcert "
			    "nginx-snippet --webroot %s'", arg, strerror(errno), arg);
		s->challenge_fd = http01_webroot_open(dir_fd, arg);
		close(dir_fd);
		return s->challenge_fd < 0 ? -1 : 0;
	case CHALLENGE_HTTP_STATELESS:
		return 0;
	default:
		return error_set("challenge type %d is not an http-01 mode", (int)mode);
	}
}

/* see challenge_http.h */
void
http01_solver_bind(struct http01_solver *s, struct acme_solver *out)
{
	out->type = "http-01";
	out->prepare = solver_prepare;
	out->start = solver_start;
	out->cleanup = solver_cleanup;
	out->ctx = s;
}

/* see challenge_http.h */
void
http01_solver_close(struct http01_solver *s)
{
	remove_files(s);
	if (s->mode == CHALLENGE_STANDALONE)
		http01_stop(&s->server);
	if (s->challenge_fd >= 0) {
		close(s->challenge_fd);
		s->challenge_fd = -1;
	}
	explicit_bzero(s->tokens, sizeof(s->tokens));
	s->token_count = 0;
}
