/*
 * Probes: connect to an endpoint that serves a certificate (nginx on 443,
 * postfix on 25 or 465, dovecot on 993 or 143) and read the leaf it sends.
 * Compared with the live certificate, it shows a daemon that was not
 * reloaded after a renewal on the same day.
 *
 * An endpoint is "HOST:PORT", "[IPV6]:PORT", "smtp://HOST:PORT" or
 * "imap://HOST:PORT". Ports 25 and 587 speak SMTP STARTTLS (RFC 3207) and
 * port 143 IMAP STARTTLS (RFC 9051 section 6.2.1) unless a prefix says
 * otherwise; every other port starts TLS at once.
 *
 * The served leaf is read without verifying it: the question is only
 * whether it is byte for byte the live one, and the server may present a
 * certificate of a private or test CA. This module never carries ACME
 * traffic and sends nothing after the handshake but a close.
 */
#ifndef KEEPCERT_PROBE_H
#define KEEPCERT_PROBE_H

#define PROBE_TIMEOUT 10	/* seconds for one probe, connect to handshake */

enum probe_protocol {
	PROBE_TLS,		/* TLS from the first byte */
	PROBE_SMTP,		/* EHLO, STARTTLS */
	PROBE_IMAP,		/* STARTTLS */
};

/*
 * Parse ENDPOINT into HOST (of size CAP), PORT and PROTOCOL. Returns 0, or
 * -1 with error_text() naming the endpoint.
 */
int probe_parse(const char *endpoint, char *host, unsigned long cap, unsigned *port, enum probe_protocol *protocol);

/*
 * Connect to ENDPOINT, start TLS (after STARTTLS when its protocol needs
 * it), and write the SHA-256 of the leaf certificate the server sends into
 * SHA256. Returns 0, or -1 with error_text() set.
 */
int probe_leaf(const char *endpoint, int timeout, unsigned char sha256[32]);

#endif
