/*
 * Identifiers and certificate signing requests (PKCS#10, RFC 2986).
 *
 * NOTE: this header is the contract other layers code against; the
 * formats implementation may add declarations but keeps these.
 */
#ifndef KEEPCERT_CSR_H
#define KEEPCERT_CSR_H

#include <stddef.h>

#include "buf.h"
#include "key.h"

#define NAME_MAX_LEN 253

/*
 * Validate one identifier as given by a user and normalize it into OUT:
 * a DNS name (lower case, labels of 1..63 letters, digits and hyphens, at
 * most one leading "*." label, an xn-- A-label allowed) or an IPv4 or IPv6
 * literal. Returns 0, or -1 with error_text() naming the value and the fix.
 *
 * A trailing dot is dropped. Also rejected: non-ASCII names (the message
 * asks for the xn-- form), hyphens in the third and fourth positions of a
 * label other than xn-- (reserved by RFC 5891), and an all-digit last label,
 * which is a mistyped IP address. IP literals come back in the text form of
 * inet_ntop(), which for IPv6 is the RFC 5952 one.
 */
int name_normalize(const char *in, char out[NAME_MAX_LEN + 1]);

/* 1 when NAME is an IP literal, storing its 4 or 16 bytes in ADDR and their count in *LEN. */
int name_is_ip(const char *name, unsigned char addr[16], size_t *len);

/*
 * Append the DER of a CSR for NAMES, signed by K. Each name goes through
 * name_normalize() and must appear once. The subjectAltName lists them in
 * order; the subject CN is the first DNS name when it fits in 64 characters,
 * and is left out otherwise. An IP literal is never the CN: that is allowed
 * but discouraged, and CAs read the names from the subjectAltName anyway.
 * Returns 0, or -1 with error_text() set.
 */
int csr_build(const struct key *k, const char *const *names, size_t count, struct buf *der);

#endif
