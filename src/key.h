/*
 * Private keys: generation, PKCS#8 PEM files, and the formats other tools
 * write. Key material is wiped from memory by key_wipe().
 *
 * NOTE: this header is the contract other layers code against; the
 * formats implementation may add declarations but keeps these.
 */
#ifndef KEEPCERT_KEY_H
#define KEEPCERT_KEY_H

#include <stddef.h>

#include <bearssl.h>

#include "buf.h"

enum key_type {
	KEY_EC_P256,
	KEY_EC_P384,
	KEY_RSA_2048,
	KEY_RSA_3072,
	KEY_RSA_4096,
};

struct key {
	enum key_type type;
	int is_rsa;
	br_ec_private_key ec;
	br_ec_public_key ec_pub;
	br_rsa_private_key rsa;
	br_rsa_public_key rsa_pub;
	unsigned char priv_buf[BR_RSA_KBUF_PRIV_SIZE(4096)];
	unsigned char pub_buf[BR_RSA_KBUF_PUB_SIZE(4096)];
	/*
	 * The RSA private exponent d, which PKCS#8 stores but BearSSL's CRT key
	 * lacks; BearSSL can recompute it only for primes equal to 3 mod 4,
	 * which keys made by openssl do not always have.
	 */
	unsigned char rsa_d[512];
	size_t rsa_dlen;
};

/* Parse "ec-p256", "ec-p384", "rsa-2048", "rsa-3072" or "rsa-4096". Returns 0 or -1. */
int key_type_parse(const char *name, enum key_type *type);

/* The name key_type_parse() reads for TYPE. */
const char *key_type_name(enum key_type type);

/* Generate a new key, seeded from the system RNG. Returns 0, or -1 with error_text() set. */
int key_generate(struct key *k, enum key_type type);

/*
 * Read a key from PEM (PKCS#8, SEC1 "EC PRIVATE KEY", PKCS#1 "RSA PRIVATE KEY")
 * or a private JWK (RFC 7518 section 6, as certbot stores its account key).
 * Only P-256, P-384 and RSA keys of 2048 to 4096 bits are accepted. An RSA key
 * gets the type of the largest standard size not above its own, and
 * rsa.n_bitlen keeps its exact size. Returns 0, or -1 with error_text() set.
 */
int key_parse(struct key *k, const char *data, size_t len);

/* Read a key file; errors name PATH. */
int key_load(struct key *k, const char *path);

/* Append the key as PKCS#8 PEM ("PRIVATE KEY"). */
int key_to_pem(const struct key *k, struct buf *out);

/* Write the key as PKCS#8 PEM to a new file PATH, mode 0600; fails if PATH exists. */
int key_save(const struct key *k, const char *path);

/* Zero every byte of K, private parts included. */
void key_wipe(struct key *k);

/* The largest signature key_sign() writes: an RSA-4096 signature. */
#define KEY_SIGNATURE_MAX 512

/*
 * Sign MSG with K: SHA-256 for P-256 and RSA, SHA-384 for P-384 (the JWS
 * algorithms ES256, RS256 and ES384). An EC signature is the raw r || s,
 * each half as long as the curve's order (RFC 7518 section 3.4); an RSA
 * signature is PKCS#1 v1.5 (RFC 8017 section 8.2). Returns the signature
 * length, or -1 with error_text() set.
 */
int key_sign(const struct key *k, const void *msg, size_t len, unsigned char sig[KEY_SIGNATURE_MAX]);

/* Append the DER SubjectPublicKeyInfo (RFC 5280 section 4.1.2.7) of K's public key. */
void key_spki(const struct key *k, struct buf *out);

#endif
