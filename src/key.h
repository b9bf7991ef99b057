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
};

/* Parse "ec-p256", "ec-p384", "rsa-2048", "rsa-3072" or "rsa-4096". Returns 0 or -1. */
int key_type_parse(const char *name, enum key_type *type);
const char *key_type_name(enum key_type type);

/* Generate a new key, seeded from the system RNG. Returns 0, or -1 with error_text() set. */
int key_generate(struct key *k, enum key_type type);

/* Read a key from PEM (PKCS#8, SEC1 "EC PRIVATE KEY", PKCS#1 "RSA PRIVATE KEY") or a private JWK. */
int key_parse(struct key *k, const char *data, size_t len);

/* Read a key file; errors name PATH. */
int key_load(struct key *k, const char *path);

/* Append the key as PKCS#8 PEM ("PRIVATE KEY"). */
int key_to_pem(const struct key *k, struct buf *out);

/* Write the key as PKCS#8 PEM to a new file PATH, mode 0600; fails if PATH exists. */
int key_save(const struct key *k, const char *path);

void key_wipe(struct key *k);

#endif
