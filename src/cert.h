/*
 * Reading certificates: the fields keepcert acts on, from DER or PEM.
 *
 * NOTE: this header is the contract other layers code against; the
 * formats implementation may add declarations but keeps these.
 */
#ifndef KEEPCERT_CERT_H
#define KEEPCERT_CERT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "key.h"

#define CERT_MAX_NAMES 100
#define CERT_MAX_CHAIN 8

struct cert_info {
	unsigned char serial[32];	/* DER content octets, leading zero kept */
	size_t serial_len;
	int64_t not_before;		/* seconds since the epoch, UTC */
	int64_t not_after;
	char subject_cn[65];		/* empty when absent; for display: control bytes '?', cut at 64 bytes */
	char issuer_cn[65];
	char names[CERT_MAX_NAMES][254]; /* SAN dNSName entries, and iPAddress entries as text */
	size_t name_count;
	unsigned char name_is_address[CERT_MAX_NAMES];	/* 1 where names[i] is an iPAddress entry */
	unsigned char aki[64];		/* authority key identifier keyIdentifier */
	size_t aki_len;
	unsigned char spki_hash[32];	/* SHA-256 of the subjectPublicKeyInfo DER */
	char key_type[16];		/* key_type_name() of the public key; empty for other kinds */
};

/* Parse one DER certificate. Returns 0, or -1 with error_text() set. */
int cert_parse(const unsigned char *der, size_t len, struct cert_info *out);

/*
 * Split a PEM chain into its DER certificates, in order, appending each to
 * DERS[i] (at most CERT_MAX_CHAIN). Text outside the blocks is ignored.
 * Returns the number of certificates, or -1 when a block is malformed or
 * there is none.
 */
int cert_chain_split(const char *pem, size_t len, struct buf ders[CERT_MAX_CHAIN]);

/* 1 when the certificate's public key is the public half of K. */
int cert_matches_key(const struct cert_info *c, const struct key *k);

/* The RFC 9773 certID: base64url(AKI keyIdentifier) "." base64url(serial). Returns 0 or -1. */
int cert_ari_id(const struct cert_info *c, char *out, size_t cap);

#endif
