/*
 * HTTP/1.1 client over TLS (or plain TCP for http:// URLs), with keep-alive:
 * every request of a run to the same host and port goes over one connection.
 *
 * The response parser is a pure function over bytes, so it can be tested
 * and fuzzed without a socket. Limits: HTTP_MAX_HEADER_BYTES of headers,
 * HTTP_MAX_HEADERS header lines, and a body limit (HTTP_DEFAULT_MAX_BODY
 * unless the client sets another).
 *
 * NOTE: this header is the contract the ACME layer codes against; the
 * transport implementation may add declarations but keeps these.
 */
#ifndef KEEPCERT_HTTP_H
#define KEEPCERT_HTTP_H

#include <stddef.h>
#include <time.h>

#include "buf.h"

#define HTTP_MAX_HEADER_BYTES (32 * 1024)
#define HTTP_MAX_HEADERS 100
#define HTTP_DEFAULT_MAX_BODY (1024 * 1024)
#define HTTP_URL_MAX 2048

struct http_header {
	const char *name;	/* NUL-terminated, as received */
	const char *value;	/* NUL-terminated, surrounding whitespace removed */
};

struct http_response {
	int status;
	int minor_version;		/* 0 for HTTP/1.0, 1 for HTTP/1.1 */
	struct http_header headers[HTTP_MAX_HEADERS];
	size_t header_count;
	struct buf header_store;	/* the names and values the headers point into */
	struct buf body;
	int connection_close;		/* the server will close the connection after this response */
};

struct http_options {
	const char *ca_bundle;		/* PEM file of trust anchors; NULL: system bundle, then compiled-in roots */
	int connect_timeout;		/* seconds; 0 means 10 */
	int io_timeout;			/* seconds for each read or write; 0 means 30 */
	size_t max_body;		/* 0 means HTTP_DEFAULT_MAX_BODY */
	const char *user_agent_extra;	/* appended to "keepcert/VERSION", or NULL */
};

struct http_client;

/* Create a client; nothing is connected until the first request. Returns NULL with error_text() set. */
struct http_client *http_client_new(const struct http_options *options);

/*
 * Send one request and read the whole response. BODY may be NULL for none.
 * CONTENT_TYPE is sent when BODY is given. Redirects are not followed.
 * Returns 0 when a complete response arrived, whatever its status, or -1
 * with error_text() naming the failure and the URL. The response must be
 * released with http_response_free() in both cases.
 */
int http_request(struct http_client *c, const char *method, const char *url,
    const char *content_type, const void *body, size_t body_len, struct http_response *resp);

void http_response_free(struct http_response *resp);

/* Counters for -v and the benchmark: TCP/TLS connections opened, requests sent. */
unsigned http_client_connections(const struct http_client *c);
unsigned http_client_requests(const struct http_client *c);

/* Close the connection (with close_notify) and free the client. NULL is allowed. */
void http_client_free(struct http_client *c);

/* The value of the first header named NAME (case-insensitive), or NULL. */
const char *http_header(const struct http_response *resp, const char *name);

/*
 * Seconds to wait from a Retry-After header (delta-seconds or an HTTP-date in
 * any of the three formats of RFC 9110 section 5.6.7), relative to NOW.
 * Returns 1 and sets *SECONDS (0 for a date in the past), or 0 when the header
 * is absent or invalid.
 */
int http_retry_after(const struct http_response *resp, time_t now, long *seconds);

/*
 * Collect the targets of Link headers (RFC 8288) whose rel list contains REL,
 * in order, across several links per header and several headers, into
 * URLS[0..MAX), each of HTTP_URL_MAX bytes. Returns how many were found.
 */
int http_links(const struct http_response *resp, const char *rel, char (*urls)[HTTP_URL_MAX], int max);

#endif
