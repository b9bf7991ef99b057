#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base64.h"
#include "buf.h"
#include "clock.h"
#include "log.h"
#include "net.h"

/* The longest reply to CONNECT that is read before giving up on the proxy. */
#define PROXY_REPLY_MAX 8192

/* Wait for EVENTS on FD until DEADLINE (monotonic ms). Returns 1 when ready, 0 on timeout, -1 on error. */
static int
wait_fd(int fd, short events, long long deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };

	for (;;) {
		long long left = deadline - clock_ms();
		int r;

		if (left <= 0)
			return 0;
		r = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

/* The end of a wait of SECONDS that starts now, cut to DEADLINE (0: none). */
static long long
wait_end(int seconds, long long deadline)
{
	long long end = clock_ms() + (long long)seconds * 1000;

	return deadline > 0 && deadline < end ? deadline : end;
}

/* Whether a wait timed out because DEADLINE (0: none) passed rather than its own timeout. */
static int
deadline_passed(long long deadline)
{
	return deadline > 0 && clock_ms() >= deadline;
}

static void
format_address(const struct sockaddr *sa, char *out, size_t cap)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
		snprintf(out, cap, "[%s]:%u", ip, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		snprintf(out, cap, "%s:%u", ip, ntohs(s4->sin_port));
	}
}

/* Describe a failed connect to ADDR in WHY (of CAP bytes). */
static void
describe_connect_error(int err, const char *addr, int timeout, long long deadline, char *why, size_t cap)
{
	switch (err) {
	case ETIMEDOUT:
		if (deadline_passed(deadline))
			snprintf(why, cap, "the deadline passed while connecting to %s", addr);
		else
			snprintf(why, cap, "timed out after %d s connecting to %s", timeout, addr);
		break;
	case ECONNREFUSED:
		snprintf(why, cap, "connection refused by %s", addr);
		break;
	case ENETUNREACH:
		snprintf(why, cap, "network unreachable for %s", addr);
		break;
	case EHOSTUNREACH:
		snprintf(why, cap, "host unreachable at %s", addr);
		break;
	default:
		snprintf(why, cap, "connecting to %s failed: %s", addr, strerror(err));
		break;
	}
}

/* Connect to one address with a deadline. Returns the socket, or -1 with *ERR set (ETIMEDOUT on timeout). */
static int
connect_address(const struct addrinfo *ai, int timeout, long long deadline, int *err)
{
	socklen_t len = sizeof(*err);
	int fd, r, one = 1;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
	if (fd < 0) {
		*err = errno;
		return -1;
	}

	r = connect(fd, ai->ai_addr, ai->ai_addrlen);
	if (r < 0 && errno != EINPROGRESS) {
		*err = errno;
		close(fd);
		return -1;
	}
	if (r < 0) {
		r = wait_fd(fd, POLLOUT, wait_end(timeout, deadline));
		if (r <= 0) {
			*err = r == 0 ? ETIMEDOUT : errno;
			close(fd);
			return -1;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, err, &len) < 0)
			*err = errno;
		if (*err != 0) {
			close(fd);
			return -1;
		}
	}

	/* Requests are small and written whole: send them without waiting for more. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/*
 * Resolve HOST and connect to each address in turn until one accepts.
 * Stores "ADDR:PORT" of the connected address in ADDR.
 */
static int
dial(const char *host, unsigned port, int timeout, long long deadline, char *addr, size_t addr_cap)
{
	struct addrinfo hints, *list, *ai;
	char service[8], why[512] = "", one[160];
	int fd = -1, err = 0, r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG | AI_NUMERICSERV;
	snprintf(service, sizeof(service), "%u", port);

	r = getaddrinfo(host, service, &hints, &list);
	if (r == EAI_ADDRFAMILY || r == EAI_NONAME) {
		/* AI_ADDRCONFIG hides ::1 and 127.0.0.1 on a host without other addresses. */
		hints.ai_flags = AI_NUMERICSERV;
		r = getaddrinfo(host, service, &hints, &list);
	}
	if (r != 0)
		return error_set("name resolution failed for %s: %s", host,
		    r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));

	for (ai = list; ai != NULL && fd < 0; ai = ai->ai_next) {
		format_address(ai->ai_addr, addr, addr_cap);
		fd = connect_address(ai, timeout, deadline, &err);
		if (fd >= 0)
			break;
		describe_connect_error(err, addr, timeout, deadline, one, sizeof(one));
		if (why[0] != '\0')
			strncat(why, "; ", sizeof(why) - strlen(why) - 1);
		strncat(why, one, sizeof(why) - strlen(why) - 1);
	}
	freeaddrinfo(list);

	if (fd < 0)
		return error_set("cannot connect to %s port %u: %s", host, port, why);
	return fd;
}

/* see net.h */
int
net_no_proxy_match(const char *list, const char *host)
{
	size_t host_len = strlen(host);
	const char *s = list;

	while (*s != '\0') {
		size_t len, name_len;
		const char *entry;

		while (*s == ',' || *s == ' ' || *s == '\t')
			s++;
		entry = s;
		len = strcspn(s, ", \t");
		s += len;
		if (len == 0)
			continue;
		if (len == 1 && entry[0] == '*')
			return 1;

		if (entry[0] == '.') {
			entry++;
			len--;
		}
		/* "example.org:8443" names a host with a port; only the host is compared. */
		name_len = len;
		if (entry[0] != '[' && memchr(entry, ':', len) != NULL &&
		    memchr(entry, ':', len) == memrchr(entry, ':', len))
			name_len = (size_t)((const char *)memchr(entry, ':', len) - entry);
		if (name_len == 0 || name_len > host_len)
			continue;

		if (strncasecmp(host + host_len - name_len, entry, name_len) == 0 &&
		    (name_len == host_len || host[host_len - name_len - 1] == '.'))
			return 1;
	}
	return 0;
}

struct proxy {
	char host[256];
	unsigned port;
	char credentials[512];	/* "user:password" or empty */
};

/* Read https_proxy; returns 1 when HOST should go through it, 0 when not, -1 on an invalid setting. */
static int
proxy_for(const char *host, struct proxy *proxy)
{
	const char *value = getenv("https_proxy"), *no_proxy, *p, *at, *end;
	size_t len;

	if (value == NULL || *value == '\0')
		value = getenv("HTTPS_PROXY");
	if (value == NULL || *value == '\0')
		return 0;
	no_proxy = getenv("no_proxy");
	if (no_proxy == NULL || *no_proxy == '\0')
		no_proxy = getenv("NO_PROXY");
	if (no_proxy != NULL && net_no_proxy_match(no_proxy, host))
		return 0;

	memset(proxy, 0, sizeof(*proxy));
	p = value;
	if (strncasecmp(p, "http://", 7) == 0)
		p += 7;
	else if (strstr(p, "://") != NULL)
		return error_set("https_proxy '%s': only http:// proxies are supported", value);

	end = p + strcspn(p, "/");
	at = memchr(p, '@', (size_t)(end - p));
	if (at != NULL) {
		len = (size_t)(at - p);
		if (len >= sizeof(proxy->credentials))
			return error_set("https_proxy: the user name and password are too long");
		memcpy(proxy->credentials, p, len);
		p = at + 1;
	}

	len = strcspn(p, ":/");
	if (len == 0 || len >= sizeof(proxy->host))
		return error_set("https_proxy '%s': the proxy host name is missing or too long", value);
	memcpy(proxy->host, p, len);
	p += len;
	proxy->port = 80;
	if (*p == ':') {
		char *num_end;
		long port = strtol(p + 1, &num_end, 10);

		if (num_end == p + 1 || port < 1 || port > 65535 || (*num_end != '\0' && *num_end != '/'))
			return error_set("https_proxy '%s': the port must be a number from 1 to 65535", value);
		proxy->port = (unsigned)port;
	}
	return 1;
}

/*
 * Ask the proxy on C for a tunnel to HOST:PORT and read its reply up to the
 * empty line. Only a 2xx status opens the tunnel (RFC 9110 section 9.3.6).
 */
static int
proxy_connect(struct net_conn *c, const struct proxy *proxy, const char *host, unsigned port)
{
	struct buf request = { 0 };
	char reply[PROXY_REPLY_MAX + 1], line[128];
	size_t len = 0;
	int status;

	buf_printf(&request, "CONNECT %s:%u HTTP/1.1\r\nHost: %s:%u\r\n", host, port, host, port);
	if (proxy->credentials[0] != '\0') {
		buf_puts(&request, "Proxy-Authorization: Basic ");
		buf_base64(&request, proxy->credentials, strlen(proxy->credentials), BASE64_STD);
		buf_puts(&request, "\r\n");
	}
	buf_puts(&request, "\r\n");
	if (request.failed) {
		buf_free(&request);
		return error_set("out of memory");
	}
	if (net_write_all(c, request.data, request.len) < 0) {
		buf_free(&request);
		return -1;
	}
	buf_free(&request);

	/* Read one byte at a time, so no byte of the tunnel (the TLS handshake) is taken. */
	while (len < 4 || memcmp(reply + len - 4, "\r\n\r\n", 4) != 0) {
		ssize_t n;

		if (len == PROXY_REPLY_MAX)
			return error_set("proxy %s:%u: reply to CONNECT longer than %d bytes", proxy->host,
			    proxy->port, PROXY_REPLY_MAX);
		n = net_read(c, reply + len, 1);
		if (n < 0)
			return error_prefix("proxy %s:%u", proxy->host, proxy->port);
		if (n == 0)
			return error_set("proxy %s:%u closed the connection instead of answering CONNECT",
			    proxy->host, proxy->port);
		len++;
	}
	reply[len] = '\0';

	/* "HTTP/1.x NNN ...": read by hand, which keeps scanf and its float parsing out of the binary. */
	if (strncmp(reply, "HTTP/1.", 7) != 0 || (reply[7] != '0' && reply[7] != '1') || reply[8] != ' ' ||
	    !isdigit((unsigned char)reply[9]) || !isdigit((unsigned char)reply[10]) ||
	    !isdigit((unsigned char)reply[11]))
		return error_set("proxy %s:%u: invalid reply to CONNECT", proxy->host, proxy->port);
	status = (reply[9] - '0') * 100 + (reply[10] - '0') * 10 + (reply[11] - '0');
	if (status < 200 || status > 299) {
		log_sanitize(line, sizeof(line), reply, strcspn(reply, "\r\n"));
		return error_set("proxy %s:%u refused the tunnel to %s:%u: %s", proxy->host, proxy->port,
		    host, port, line);
	}
	return 0;
}

/* see net.h */
int
net_connect(struct net_conn *c, const char *host, unsigned port, int use_proxy, int connect_timeout,
    int io_timeout, long long deadline_ms)
{
	struct proxy proxy;
	char addr[INET6_ADDRSTRLEN + 16];
	int via_proxy = 0, io;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->deadline_ms = deadline_ms;
	if (connect_timeout <= 0)
		connect_timeout = NET_DEFAULT_CONNECT_TIMEOUT;
	io = io_timeout > 0 ? io_timeout : NET_DEFAULT_IO_TIMEOUT;

	if (use_proxy) {
		via_proxy = proxy_for(host, &proxy);
		if (via_proxy < 0)
			return -1;
	}

	if (!via_proxy) {
		c->fd = dial(host, port, connect_timeout, deadline_ms, addr, sizeof(addr));
		if (c->fd < 0)
			return -1;
		c->io_timeout = io;
		snprintf(c->peer, sizeof(c->peer), "%s (%s)", host, addr);
		return 0;
	}

	c->fd = dial(proxy.host, proxy.port, connect_timeout, deadline_ms, addr, sizeof(addr));
	if (c->fd < 0)
		return error_prefix("proxy from https_proxy");
	snprintf(c->peer, sizeof(c->peer), "proxy %s (%s)", proxy.host, addr);

	/* The proxy's reply falls under the connect deadline; the tunnel then gets the I/O one. */
	c->io_timeout = connect_timeout;
	if (proxy_connect(c, &proxy, host, port) < 0) {
		net_close(c);
		return -1;
	}
	c->io_timeout = io;
	snprintf(c->peer, sizeof(c->peer), "%s:%u through proxy %s (%s)", host, port, proxy.host, addr);
	return 0;
}

/* see net.h */
ssize_t
net_read(struct net_conn *c, void *data, size_t len)
{
	long long deadline = wait_end(c->io_timeout, c->deadline_ms);

	c->failure = NET_FAIL_NONE;
	for (;;) {
		ssize_t n = recv(c->fd, data, len, 0);
		int r;

		if (n >= 0) {
			if (n == 0)
				c->failure = NET_FAIL_EOF;
			return n;
		}
		if (errno == EINTR)
			continue;
		if (errno == ECONNRESET) {
			c->failure = NET_FAIL_RESET;
			return error_set("%s reset the connection", c->peer);
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			c->failure = NET_FAIL_OTHER;
			return error_set("reading from %s failed: %s", c->peer, strerror(errno));
		}

		r = wait_fd(c->fd, POLLIN, deadline);
		if (r == 0) {
			c->failure = NET_FAIL_TIMEOUT;
			if (deadline_passed(c->deadline_ms))
				return error_set("timed out waiting for data from %s: the deadline passed", c->peer);
			return error_set("timed out after %d s waiting for data from %s", c->io_timeout, c->peer);
		}
		if (r < 0) {
			c->failure = NET_FAIL_OTHER;
			return error_set("waiting for %s failed: %s", c->peer, strerror(errno));
		}
	}
}

/* see net.h */
int
net_write_all(struct net_conn *c, const void *data, size_t len)
{
	const char *p = data;

	c->failure = NET_FAIL_NONE;
	while (len > 0) {
		long long deadline = wait_end(c->io_timeout, c->deadline_ms);
		/* MSG_NOSIGNAL: a peer that went away is an error to report, not a SIGPIPE. */
		ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
		int r;

		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
			c->failure = NET_FAIL_RESET;
			return error_set("%s closed the connection while we were sending", c->peer);
		}
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			c->failure = NET_FAIL_OTHER;
			return error_set("sending to %s failed: %s", c->peer, strerror(errno));
		}

		r = wait_fd(c->fd, POLLOUT, deadline);
		if (r == 0) {
			c->failure = NET_FAIL_TIMEOUT;
			if (deadline_passed(c->deadline_ms))
				return error_set("timed out sending to %s: the deadline passed", c->peer);
			return error_set("timed out after %d s sending to %s", c->io_timeout, c->peer);
		}
		if (r < 0) {
			c->failure = NET_FAIL_OTHER;
			return error_set("waiting for %s failed: %s", c->peer, strerror(errno));
		}
	}
	return 0;
}

/* see net.h */
void
net_close(struct net_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}
