/*
 * http-01 challenges (RFC 8555 section 8.3): the standalone listener.
 *
 * keepcert binds ADDR:PORT itself before it contacts the CA, so a port
 * already in use fails the run before any request. Once every pending
 * token is known, http01_serve() forks a child that answers
 * GET and HEAD /.well-known/acme-challenge/TOKEN for those tokens only
 * (404 for anything else), several connections at once, while the parent
 * answers the challenges and polls. http01_stop() ends the child.
 */
#ifndef KEEPCERT_CHALLENGE_HTTP_H
#define KEEPCERT_CHALLENGE_HTTP_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

#define HTTP01_PATH_PREFIX "/.well-known/acme-challenge/"
#define HTTP01_MAX_TOKENS 100		/* one per identifier of an order */
#define HTTP01_TOKEN_MAX 128		/* Let's Encrypt and Pebble send 43 characters */
#define HTTP01_KEY_AUTH_MAX 256		/* token "." 43-character thumbprint */
#define HTTP01_MAX_REQUEST 4096		/* request line and headers */
#define HTTP01_MAX_CONNECTIONS 64
#define HTTP01_CONNECTION_TIMEOUT 10	/* seconds from accept to the last byte sent */

struct http01_token {
	char token[HTTP01_TOKEN_MAX + 1];
	char key_authorization[HTTP01_KEY_AUTH_MAX + 1];
};

struct http01_server {
	int listen_fd;			/* -1 when not listening */
	pid_t child;			/* 0 when not serving */
	struct http01_token tokens[HTTP01_MAX_TOKENS];
	size_t token_count;
};

/* 1 when TOKEN is 1..HTTP01_TOKEN_MAX characters of the base64url alphabet. */
int http01_token_valid(const char *token);

/*
 * Parse "ADDR:PORT", "[IPV6]:PORT", ":PORT" or "PORT" (any address), bind
 * it and listen. Returns 0, or -1 with error_text() naming the address.
 */
int http01_listen(struct http01_server *s, const char *addr_port);

/* Add a token to answer with KEY_AUTHORIZATION. Returns 0, or -1 on an invalid token or too many. */
int http01_add(struct http01_server *s, const char *token, const char *key_authorization);

/*
 * Fork the child that serves the tokens added so far, for at most
 * LIFETIME seconds. Returns 0, or -1 with error_text() set.
 */
int http01_serve(struct http01_server *s, int lifetime);

/* Stop the child, if any, and close the listening socket. Safe to call twice. */
void http01_stop(struct http01_server *s);

/*
 * Build the response to one request of REQ_LEN bytes into OUT. Returns 1
 * when a response was built (the connection then closes), 0 when the
 * request is not complete yet, or -1 when it is over HTTP01_MAX_REQUEST
 * bytes (a 431 response is in OUT).
 */
int http01_respond(const struct http01_server *s, const char *req, size_t req_len, struct buf *out);

#endif
