/*
 * http-01 challenges (RFC 8555 section 8.3) in three modes, and the
 * self-check that fetches a token the way the CA will, before keepcert
 * responds to the challenge.
 *
 * http-stateless: nginx returns TOKEN.THUMBPRINT for every token from a
 * regex location (keepcert nginx-snippet), so keepcert writes nothing.
 *
 * webroot DIR: keepcert writes DIR/.well-known/acme-challenge/TOKEN (0644,
 * directories 0755) for the web server to serve, opening each path
 * component below DIR with O_NOFOLLOW, and removes the files afterwards.
 *
 * standalone ADDR:PORT: keepcert's own listener.
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

#include "acme.h"
#include "buf.h"
#include "config.h"

#define HTTP01_PATH_PREFIX "/.well-known/acme-challenge/"
#define HTTP01_MAX_TOKENS 100		/* one per identifier of an order */
#define HTTP01_TOKEN_MAX 128		/* Let's Encrypt and Pebble send 43 characters */
#define HTTP01_KEY_AUTH_MAX 256		/* token "." 43-character thumbprint */
#define HTTP01_MAX_REQUEST 4096		/* request line and headers */
#define HTTP01_MAX_CONNECTIONS 64
#define HTTP01_CONNECTION_TIMEOUT 10	/* seconds from accept to the last byte sent */
#define HTTP01_CHECK_TIMEOUT 10		/* seconds for each connect, read and write of a self-check */
#define HTTP01_CHECK_BUDGET 120		/* seconds for the self-checks of one order, then the rest is skipped */
#define HTTP01_CHECK_MAX_BODY 4096	/* a key authorization is under 200 bytes */
#define HTTP01_CHECK_SHOWN 60		/* bytes of a wrong answer quoted in the error */
#define HTTP01_UNREACHABLE (-2)		/* http01_self_check() got no response */

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
 * Parse "ADDR:PORT", "[IPV6]:PORT" or ":PORT" (every address): the numeric
 * address goes to HOST (of size CAP; empty for ":PORT"), the port, 1 to
 * 65535, to *PORT. WHAT names the value in errors ("standalone address").
 * Returns 0 or -1 with error_text() set.
 */
int challenge_address_parse(const char *addr_port, const char *what, char *host, size_t cap, unsigned *port);

/*
 * Parse ADDR_PORT as challenge_address_parse does, bind it and listen, for
 * the challenge MODE ("standalone", "tls-alpn") that errors name. ":PORT"
 * listens on every IPv6 and IPv4 address (one socket with IPV6_V6ONLY
 * off, or IPv4 alone where the kernel has no IPv6); an explicit address,
 * "[::]" included, on that address only. Returns the non-blocking socket,
 * or -1 with error_text() set.
 */
int challenge_listen(const char *addr_port, const char *mode);

/*
 * Parse "ADDR:PORT", "[IPV6]:PORT", ":PORT" or "PORT" (any address), bind
 * it and listen. Returns 0, or -1 with error_text() naming the address.
 */
int http01_listen(struct http01_server *s, const char *addr_port);

/* Add a token to serve, with KEY_AUTHORIZATION as its response body. Returns 0, or -1 on an invalid token or too many. */
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

/*
 * The http-01 solver of one run: the tokens of every authorization, the
 * mode's resources (the webroot directory or the listener), and the
 * self-check settings.
 */
struct http01_solver {
	enum challenge_type mode;	/* CHALLENGE_HTTP_STATELESS, CHALLENGE_WEBROOT or CHALLENGE_STANDALONE */
	const char *arg;		/* DIR or ADDR:PORT; NULL for http-stateless */
	int self_check;
	const char *self_check_addr;	/* ADDR:PORT to connect to instead of NAME:80, or NULL */
	int lifetime;			/* seconds the standalone listener may live */
	int challenge_fd;		/* webroot: DIR/.well-known/acme-challenge, or -1 */
	struct http01_server server;	/* standalone */
	struct http01_token tokens[HTTP01_MAX_TOKENS];
	char names[HTTP01_MAX_TOKENS][NAME_MAX_LEN + 3];	/* the identifier of each token */
	unsigned char written[HTTP01_MAX_TOKENS];	/* webroot: the file exists and is ours */
	size_t token_count;
};

/*
 * Prepare solver S for MODE with ARG: the standalone mode binds its
 * address and the webroot mode opens DIR, so that a mistake fails before
 * any request to the CA. Returns 0, or -1 with error_text() set.
 */
int http01_solver_open(struct http01_solver *s, enum challenge_type mode, const char *arg);

/* Fill OUT with the acme_solver callbacks of S. */
void http01_solver_bind(struct http01_solver *s, struct acme_solver *out);

/* Remove every file written, stop the listener and close the directory. Safe to call twice. */
void http01_solver_close(struct http01_solver *s);

/*
 * Create DIR/.well-known/acme-challenge below DIR_FD (directories 0755),
 * never following a symbolic link, and return a descriptor of it, or -1
 * with error_text() naming DIR.
 */
int http01_webroot_open(int dir_fd, const char *dir);

/*
 * Write CONTENT to the file TOKEN (0644) in the directory CHALLENGE_FD
 * without following a symbolic link, replacing a file left by an earlier
 * run. Returns 0 or -1.
 */
int http01_webroot_write(int challenge_fd, const char *dir, const char *token, const char *content);

/*
 * Fetch http://NAME/.well-known/acme-challenge/TOKEN, connecting to ADDR
 * ("ADDR:PORT") when it is not NULL, else to NAME on port 80, with the
 * Host header NAME either way, and compare the body, without trailing
 * whitespace (RFC 8555 section 8.3), with KEY_AUTHORIZATION. Redirects
 * are not followed. Returns 0 when they match, -1 when a response came
 * back but not the key authorization, or HTTP01_UNREACHABLE when no
 * complete response came back. error_text() then describes the response
 * and, for MODE and ARG, what to fix.
 */
int http01_self_check(const char *name, const char *token, const char *key_authorization,
    const char *addr, enum challenge_type mode, const char *arg);

#endif
