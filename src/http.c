/*
 * The HTTP/1.1 client: one connection at a time, kept alive between
 * requests to the same scheme, host and port (RFC 9112 section 9.3).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "log.h"
#include "net.h"
#include "tls.h"

struct http_client {
	struct http_options options;
	char *ca_bundle;		/* the options' string, copied */
	char *user_agent_extra;
	struct tls_trust *trust;	/* loaded at the first https request */

	/* The open connection, if any, and what it leads to. */
	struct net_conn net;
	struct tls_conn *tls;
	int https;
	char host[256];
	unsigned port;
	unsigned served;		/* responses read on this connection */

	unsigned connections;
	unsigned requests;
};

/* see http.h */
struct http_client *
http_client_new(const struct http_options *options)
{
	struct http_client *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return error_set("out of memory"), NULL;
	if (options != NULL)
		c->options = *options;
	if (c->options.ca_bundle != NULL)
		c->ca_bundle = strdup(c->options.ca_bundle);
	if (c->options.user_agent_extra != NULL)
		c->user_agent_extra = strdup(c->options.user_agent_extra);
	if ((c->options.ca_bundle != NULL && c->ca_bundle == NULL) ||
	    (c->options.user_agent_extra != NULL && c->user_agent_extra == NULL)) {
		http_client_free(c);
		return error_set("out of memory"), NULL;
	}
	c->options.ca_bundle = c->ca_bundle;
	c->options.user_agent_extra = c->user_agent_extra;
	if (c->options.max_body == 0)
		c->options.max_body = HTTP_DEFAULT_MAX_BODY;
	c->net.fd = -1;
	return c;
}

static void
close_connection(struct http_client *c)
{
	tls_close(c->tls);
	c->tls = NULL;
	net_close(&c->net);
	c->served = 0;
}

/* Open a connection to the URL's origin, reusing the open one when it leads there already. */
static int
open_connection(struct http_client *c, const struct http_url *u)
{
	if (c->net.fd >= 0 && c->https == u->https && c->port == u->port && strcasecmp(c->host, u->host) == 0)
		return 0;
	close_connection(c);

	if (u->https && c->trust == NULL) {
		c->trust = tls_trust_load(c->options.ca_bundle);
		if (c->trust == NULL)
			return -1;
		log_debug("trust anchors: %zu from %s, read in %ld.%03ld ms", c->trust->count, c->trust->source,
		    c->trust->parse_us / 1000, c->trust->parse_us % 1000);
	}

	/* Only https goes through https_proxy; plain http is for checks on servers of our own. */
	if (net_connect(&c->net, u->host, u->port, u->https, c->options.connect_timeout,
	    c->options.io_timeout, c->options.deadline_ms) < 0)
		return -1;
	if (u->https) {
		c->tls = tls_connect(&c->net, u->host, c->trust);
		if (c->tls == NULL) {
			net_close(&c->net);
			return -1;
		}
	}
	c->https = u->https;
	c->port = u->port;
	snprintf(c->host, sizeof(c->host), "%s", u->host);
	c->connections++;
	log_debug("connected to %s%s", c->net.peer, u->https ? " with TLS" : "");
	return 0;
}

static int
send_bytes(struct http_client *c, const void *data, size_t len)
{
	if (c->tls != NULL)
		return tls_write_all(c->tls, data, len);
	return net_write_all(&c->net, data, len);
}

static ssize_t
receive_bytes(struct http_client *c, void *data, size_t len)
{
	if (c->tls != NULL)
		return tls_read(c->tls, data, len);
	return net_read(&c->net, data, len);
}

/*
 * Write the request head (RFC 9112 section 3). The Host header carries the
 * port only when it is not the scheme's default. A body is sent with a
 * Content-Length, never with chunked coding, and POST and PUT always get a
 * Content-Length, 0 when there is no body.
 */
static void
write_request_head(struct http_client *c, struct buf *out, const char *method, const struct http_url *u,
    const char *content_type, size_t body_len, int has_body)
{
	int ipv6 = strchr(u->host, ':') != NULL;

	buf_printf(out, "%s %.*s HTTP/1.1\r\n", method, (int)u->target_len, u->target);
	buf_printf(out, "Host: %s%s%s", ipv6 ? "[" : "", u->host, ipv6 ? "]" : "");
	if (u->port != (u->https ? 443u : 80u))
		buf_printf(out, ":%u", u->port);
	buf_puts(out, "\r\n");
	buf_printf(out, "User-Agent: keepcert/%s%s%s\r\n", KEEPCERT_VERSION,
	    c->options.user_agent_extra != NULL ? " " : "",
	    c->options.user_agent_extra != NULL ? c->options.user_agent_extra : "");
	buf_puts(out, "Accept: */*\r\n");
	if (has_body && content_type != NULL)
		buf_printf(out, "Content-Type: %s\r\n", content_type);
	if (has_body || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0)
		buf_printf(out, "Content-Length: %zu\r\n", body_len);
	buf_puts(out, "\r\n");
}

/* Whether a header value we send contains CR, LF or another control byte. */
static int
unsafe_header_text(const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/*
 * Read one response into RESP. Returns 0 when complete; -1 on failure,
 * with *NOTHING_READ set when the connection ended before any byte of it.
 * Over TLS, a body delimited by the end of the connection is accepted only
 * when the server sends close_notify, so a truncation cannot pass as the end.
 */
static int
read_response(struct http_client *c, struct http_response *resp, int head, int *nothing_read)
{
	struct http_parser parser;
	char chunk[4096];
	size_t used;
	int r = HTTP_PARSE_MORE;

	*nothing_read = 1;
	http_parser_init(&parser, resp, head, c->options.max_body);
	while (r == HTTP_PARSE_MORE) {
		ssize_t n = receive_bytes(c, chunk, sizeof(chunk));

		if (n < 0) {
			/* TLS ended without close_notify: name the part of the response that is missing. */
			if (c->tls != NULL && c->net.failure == NET_FAIL_EOF && !*nothing_read &&
			    http_parser_finish(&parser) == HTTP_PARSE_ERROR)
				error_set("invalid response from %s: %s, without TLS close_notify", c->net.peer,
				    http_parse_strerror(parser.error));
			http_parser_free(&parser);
			return -1;
		}
		if (n == 0) {
			c->net.failure = NET_FAIL_EOF;
			r = http_parser_finish(&parser);
			break;
		}
		*nothing_read = 0;
		r = http_parser_feed(&parser, chunk, (size_t)n, &used);

		/* Bytes past the response: we never pipeline, so this connection cannot be trusted. */
		if (r == HTTP_PARSE_DONE && used < (size_t)n)
			resp->connection_close = 1;
	}
	if (r == HTTP_PARSE_ERROR) {
		error_set("invalid response from %s: %s", c->net.peer, http_parse_strerror(parser.error));
		if (parser.error == HTTP_ERR_NO_RESPONSE)
			error_set("%s closed the connection before sending a response", c->net.peer);
		http_parser_free(&parser);
		return -1;
	}
	http_parser_free(&parser);
	return 0;
}

/* Send the request and read its response over the open connection. */
static int
exchange(struct http_client *c, const struct buf *head, const void *body, size_t body_len, int is_head,
    struct http_response *resp, int *retryable)
{
	int reused = c->served > 0, nothing_read = 1;

	*retryable = 0;
	c->requests++;
	if (send_bytes(c, head->data, head->len) == 0 && (body_len == 0 || send_bytes(c, body, body_len) == 0) &&
	    read_response(c, resp, is_head, &nothing_read) == 0) {
		c->served++;
		return 0;
	}

	/*
	 * A server may close a kept-alive connection just as we reuse it
	 * (RFC 9112 section 9.3.1): when it ended without a byte of response,
	 * the request was not processed and is sent once more on a new one.
	 */
	*retryable = reused && nothing_read &&
	    (c->net.failure == NET_FAIL_EOF || c->net.failure == NET_FAIL_RESET);
	return -1;
}

/* see http.h */
int
http_request(struct http_client *c, const char *method, const char *url, const char *content_type,
    const void *body, size_t body_len, struct http_response *resp)
{
	struct http_url u;
	struct buf head = { 0 };
	int is_head = strcmp(method, "HEAD") == 0, retryable, attempt, r = -1;

	buf_reset(&resp->body);
	resp->header_count = 0;
	resp->status = 0;
	if (body == NULL)
		body_len = 0;
	if (http_url_parse(url, &u) < 0)
		return -1;
	if (unsafe_header_text(method) || unsafe_header_text(content_type) || strchr(method, ' ') != NULL)
		return error_set("%s: invalid method or content type", url);

	write_request_head(c, &head, method, &u, content_type, body_len, body != NULL);
	if (head.failed) {
		buf_free(&head);
		return error_set("out of memory");
	}

	for (attempt = 0; attempt < 2; attempt++) {
		if (open_connection(c, &u) < 0)
			break;
		r = exchange(c, &head, body, body_len, is_head, resp, &retryable);
		if (r == 0 || !retryable) {
			if (r < 0)
				close_connection(c);
			break;
		}
		log_debug("%s closed the kept-alive connection; sending the request again on a new one",
		    c->net.peer);
		close_connection(c);
	}
	buf_free(&head);

	if (r < 0)
		return error_prefix("%s %s", method, url);
	if (resp->connection_close)
		close_connection(c);
	return 0;
}

/* see http.h */
void
http_response_free(struct http_response *resp)
{
	buf_free(&resp->header_store);
	buf_free(&resp->body);
	resp->header_count = 0;
	resp->status = 0;
}

/* see http.h */
unsigned
http_client_connections(const struct http_client *c)
{
	return c->connections;
}

/* see http.h */
unsigned
http_client_requests(const struct http_client *c)
{
	return c->requests;
}

/* see http.h */
void
http_client_free(struct http_client *c)
{
	if (c == NULL)
		return;
	close_connection(c);
	tls_trust_free(c->trust);
	free(c->ca_bundle);
	free(c->user_agent_extra);
	free(c);
}
