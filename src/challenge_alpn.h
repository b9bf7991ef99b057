/*
 * tls-alpn-01 challenges (RFC 8737): keepcert's own TLS listener on
 * ADDR:PORT that accepts only the ALPN protocol "acme-tls/1" and presents,
 * for the name the client asks for with SNI, a self-signed certificate
 * whose subjectAltName is that name and whose critical acmeIdentifier
 * extension contains the SHA-256 digest of the key authorization. Every run
 * generates a fresh P-256 key; one certificate per name.
 *
 * Like the standalone http-01 listener, the address is bound before the
 * CA is contacted and a child process serves while the parent polls.
 */
#ifndef KEEPCERT_CHALLENGE_ALPN_H
#define KEEPCERT_CHALLENGE_ALPN_H

#include <stddef.h>
#include <sys/types.h>

#include "acme.h"
#include "buf.h"
#include "csr.h"
#include "key.h"

#define ALPN01_PROTOCOL "acme-tls/1"
#define ALPN01_MAX_NAMES 100
#define ALPN01_VALIDITY (7 * 86400)	/* seconds a challenge certificate is valid, from an hour ago */
#define ALPN01_CONNECTION_TIMEOUT 10	/* seconds for one handshake */

/* acmeIdentifier, 1.3.6.1.5.5.7.1.31 (RFC 8737 section 6.1), as the contents of its encoding. */
#define OID_ACME_IDENTIFIER "\x2b\x06\x01\x05\x05\x07\x01\x1f"

struct alpn01_cert {
	char name[NAME_MAX_LEN + 1];
	struct buf der;
};

struct alpn01_solver {
	int listen_fd;			/* -1 when not listening */
	pid_t child;			/* 0 when not serving */
	int lifetime;			/* seconds the listener process may live */
	struct key key;			/* the key of every certificate of this run */
	int have_key;
	struct alpn01_cert certs[ALPN01_MAX_NAMES];
	size_t count;
};

/*
 * Build into DER a self-signed certificate for NAME (a DNS name) and KEY,
 * an EC key, valid from an hour before NOW for ALPN01_VALIDITY seconds,
 * carrying the critical acmeIdentifier extension with DIGEST, the SHA-256
 * of the key authorization. Returns 0, or -1 with error_text() set.
 */
int alpn01_certificate(const char *name, const unsigned char digest[32], const struct key *key, long long now,
    struct buf *der);

/* Bind ADDR:PORT for solver S. Returns 0, or -1 with error_text() naming the address. */
int alpn01_solver_open(struct alpn01_solver *s, const char *addr_port, int lifetime);

/* Fill OUT with the acme_solver callbacks of S. */
void alpn01_solver_bind(struct alpn01_solver *s, struct acme_solver *out);

/* Stop the listener and wipe the key. Safe to call twice. */
void alpn01_solver_close(struct alpn01_solver *s);

#endif
