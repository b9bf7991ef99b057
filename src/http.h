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
	long long deadline_ms;		/* on clock_ms(): no connect, read or write waits past it; 0 for none */
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
 * with error_text() naming the failure and the URL. RESP must be zeroed
 * before its first use and may be reused; it must be released with
 * http_response_free() in both cases.
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

/* The response parser (http_parse.c): a pure function over bytes. */

enum http_parse_error {
	HTTP_ERR_NONE = 0,
	HTTP_ERR_STATUS_LINE,
	HTTP_ERR_VERSION,
	HTTP_ERR_STATUS_CODE,
	HTTP_ERR_SWITCHING_PROTOCOLS,
	HTTP_ERR_HEADER_LINE,
	HTTP_ERR_HEADER_NAME,
	HTTP_ERR_HEADER_VALUE,
	HTTP_ERR_OBS_FOLD,
	HTTP_ERR_HEADERS_TOO_LARGE,
	HTTP_ERR_TOO_MANY_HEADERS,
	HTTP_ERR_CONTENT_LENGTH,
	HTTP_ERR_CONTENT_LENGTH_CONFLICT,
	HTTP_ERR_LENGTH_AND_CHUNKED,
	HTTP_ERR_TRANSFER_ENCODING,
	HTTP_ERR_BODY_TOO_LARGE,
	HTTP_ERR_CHUNK_SIZE,
	HTTP_ERR_CHUNK_OVERFLOW,
	HTTP_ERR_CHUNK_LINE_TOO_LONG,
	HTTP_ERR_CHUNK_END,
	HTTP_ERR_NO_RESPONSE,
	HTTP_ERR_TRUNCATED_HEADERS,
	HTTP_ERR_TRUNCATED_BODY,
	HTTP_ERR_TRUNCATED_CHUNKED,
	HTTP_ERR_NO_MEMORY,
	HTTP_ERR__MAX
};

/* Return values of http_parser_feed() and http_parser_finish(). */
#define HTTP_PARSE_MORE 0	/* the response is not complete yet */
#define HTTP_PARSE_DONE 1	/* the response is complete */
#define HTTP_PARSE_ERROR (-1)	/* the response is invalid; see the parser's error */

/* Maximum length of a chunk-size line, extensions included. */
#define HTTP_MAX_CHUNK_LINE 4096

struct http_parser {
	struct http_response *resp;
	int state;
	enum http_parse_error error;
	int head_request;		/* a response to HEAD has no body */
	size_t max_body;
	size_t head_bytes;		/* status lines, headers and trailers seen so far */
	size_t seen;			/* every byte fed so far */
	unsigned long long remaining;	/* body or chunk bytes still expected */
	struct buf line;		/* the current, incomplete line */
	size_t name_offset[HTTP_MAX_HEADERS];
	size_t value_offset[HTTP_MAX_HEADERS];
};

/*
 * Start parsing a response into RESP, which is emptied first. HEAD_REQUEST
 * is set when the request was HEAD. MAX_BODY (0 for HTTP_DEFAULT_MAX_BODY)
 * limits the body.
 */
void http_parser_init(struct http_parser *p, struct http_response *resp, int head_request,
    size_t max_body);

/*
 * Feed the next LEN bytes of the stream; any split of the stream gives the
 * same result. Stores in *CONSUMED how many bytes belong to this response
 * (fewer than LEN only once it is complete; unspecified after an error). Returns HTTP_PARSE_MORE,
 * HTTP_PARSE_DONE, or HTTP_PARSE_ERROR with p->error set; after DONE or
 * ERROR further calls return the same value and consume nothing.
 */
int http_parser_feed(struct http_parser *p, const void *data, size_t len, size_t *consumed);

/*
 * Tell the parser that the connection was closed. Returns HTTP_PARSE_DONE
 * when that completes the response (a body delimited by the close), or
 * HTTP_PARSE_ERROR with p->error saying what was cut short.
 */
int http_parser_finish(struct http_parser *p);

/* Free the parser's line buffer; the response stays with its owner. */
void http_parser_free(struct http_parser *p);

/* One lower-case phrase describing ERROR, for messages. */
const char *http_parse_strerror(enum http_parse_error error);

/* A URL split into its parts, as http_request() uses it. */
struct http_url {
	int https;
	char host[256];		/* without the brackets of an IPv6 literal */
	unsigned port;
	const char *target;	/* path and query, pointing into the URL given; "/" when empty */
	size_t target_len;	/* without any "#fragment", which is never sent */
};

/* Split URL; returns 0, or -1 with error_text() naming what is invalid. */
int http_url_parse(const char *url, struct http_url *out);

#endif
