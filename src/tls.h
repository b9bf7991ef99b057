/*
 * TLS 1.2 client connections with BearSSL, and the trust anchors they are
 * verified against.
 *
 * Only ECDHE key exchange with AES-GCM or ChaCha20-Poly1305 is offered.
 * The server's chain and host name are always verified (br_x509_minimal);
 * there is no switch to turn that off. A failed verification is reported
 * in words: expired, not yet valid (with the system clock), wrong host
 * name, untrusted root, or missing intermediate, each naming the host.
 *
 * A connection uses one BR_SSL_BUFSIZE_BIDI buffer (about 33 KiB) and no
 * other large allocation.
 */
#ifndef KEEPCERT_TLS_H
#define KEEPCERT_TLS_H

#include <stddef.h>
#include <sys/types.h>

#include <bearssl.h>

#include "net.h"

/* The trust anchors of a run, parsed once and shared by every connection. */
struct tls_trust {
	br_x509_trust_anchor *anchors;
	size_t count;
	size_t cap;
	size_t skipped;		/* certificates in the bundle that could not be used */
	char source[300];	/* the bundle's path, or "the compiled-in roots" */
	long parse_us;		/* microseconds spent reading and decoding them */
};

/*
 * Load trust anchors, first found wins: the PEM file CA_BUNDLE when it is
 * not NULL (an error if it cannot be read or contains no certificate); the
 * system bundle at the usual path of Debian, Alpine, Fedora or the BSDs;
 * otherwise the compiled-in roots. Returns NULL with error_text() set.
 */
struct tls_trust *tls_trust_load(const char *ca_bundle);

/* Decode the compiled-in roots alone (what tls_trust_load() falls back to). */
struct tls_trust *tls_trust_builtin(void);

/* Free the anchors; NULL is allowed. */
void tls_trust_free(struct tls_trust *t);

/* The compiled-in roots as DER, in roots.c, which tools/mkroots.sh generates. */
struct tls_root {
	const char *name;
	const unsigned char *der;
	size_t len;
};
extern const struct tls_root tls_roots[];
extern const size_t tls_root_count;

struct tls_conn;

/*
 * Set up CC as keepcert's TLS 1.2 client (its suites, hashes and PRFs) with
 * the buffer IO of IO_LEN bytes (BR_SSL_BUFSIZE_BIDI). The caller installs
 * the X.509 engine.
 */
void tls_engine_setup(br_ssl_client_context *cc, unsigned char *io, size_t io_len);

/*
 * Run a TLS handshake for HOST over the open connection NC and verify the
 * server's chain against TRUST. NC must stay open until tls_close().
 * Returns the connection, or NULL with error_text() set.
 */
struct tls_conn *tls_connect(struct net_conn *nc, const char *host, const struct tls_trust *trust);

/*
 * Read up to LEN bytes of application data. Returns the count, 0 when the
 * server closed with close_notify, or -1 with error_text() set. The
 * failure field of the net_conn records whether the socket hit end of file
 * or a reset, which also covers a close without close_notify.
 */
ssize_t tls_read(struct tls_conn *t, void *data, size_t len);

/* Send all LEN bytes and flush them. Returns 0, or -1 as tls_read(). */
int tls_write_all(struct tls_conn *t, const void *data, size_t len);

/* Send close_notify when possible and free T; the socket is left to its owner. NULL is allowed. */
void tls_close(struct tls_conn *t);

#endif
