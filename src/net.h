/*
 * TCP connections with a deadline on every wait: resolving with
 * getaddrinfo, trying every address in turn, a non-blocking connect, and
 * HTTPS proxies reached with an HTTP CONNECT tunnel (RFC 9110 section
 * 9.3.6) as set by https_proxy and no_proxy.
 *
 * Failures are stored with error_set() and name the host or address:
 * "connection refused by 127.0.0.1:443".
 */
#ifndef KEEPCERT_NET_H
#define KEEPCERT_NET_H

#include <stddef.h>
#include <sys/types.h>

#define NET_DEFAULT_CONNECT_TIMEOUT 10
#define NET_DEFAULT_IO_TIMEOUT 30

/* The cause of the last failed read or write on a connection. */
enum net_failure {
	NET_FAIL_NONE = 0,
	NET_FAIL_EOF,		/* the peer closed the connection */
	NET_FAIL_RESET,		/* the peer reset the connection, or a write found it closed */
	NET_FAIL_TIMEOUT,
	NET_FAIL_OTHER,
};

struct net_conn {
	int fd;				/* -1 when closed */
	int io_timeout;			/* seconds for each read or write */
	long long deadline_ms;		/* on clock_ms(); no wait lasts past it; 0 for none */
	enum net_failure failure;
	char peer[300];			/* "HOST (ADDR:PORT)" or "HOST through proxy P", for messages */
};

/*
 * Connect to HOST:PORT, through the proxy in https_proxy (or HTTPS_PROXY)
 * when USE_PROXY is set and no_proxy (or NO_PROXY) does not exclude HOST.
 * CONNECT_TIMEOUT applies to each address tried and to the proxy's reply,
 * IO_TIMEOUT to every later read and write; 0 selects the defaults.
 * DEADLINE_MS (on clock_ms(), 0 for none) ends every wait of the
 * connection, the connect included, however much of those timeouts is
 * left: a server that trickles one byte at a time cannot stretch a request
 * past it. Returns 0 with C open, or -1 with error_text() set.
 * NOTE: name resolution (getaddrinfo) cannot be interrupted, so a resolver
 * that hangs can still hold a run past DEADLINE_MS.
 */
int net_connect(struct net_conn *c, const char *host, unsigned port, int use_proxy,
    int connect_timeout, int io_timeout, long long deadline_ms);

/*
 * Read up to LEN bytes, waiting at most c->io_timeout seconds and never past
 * c->deadline_ms. Returns the
 * count, 0 at end of stream, or -1 with error_text() set and c->failure
 * saying why.
 */
ssize_t net_read(struct net_conn *c, void *data, size_t len);

/*
 * Write all LEN bytes, each wait limited by c->io_timeout and all of them by
 * c->deadline_ms. Returns 0, or -1 as net_read().
 */
int net_write_all(struct net_conn *c, const void *data, size_t len);

/* Close the socket; a closed connection may be closed again. */
void net_close(struct net_conn *c);

/*
 * Whether HOST is excluded from proxying by the no_proxy list LIST: "*",
 * or a comma-separated list of names, each matching itself and every name
 * below it (a leading dot is ignored), compared without case. Ports in
 * entries are ignored.
 */
int net_no_proxy_match(const char *list, const char *host);

#endif
