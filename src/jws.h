/*
 * JWK and JWS for ACME (RFC 7515, 7517, 7518, 7638, 8555 section 6.2).
 *
 * NOTE: this header is the contract the ACME layer codes against; the
 * formats implementation may add declarations but keeps these.
 */
#ifndef KEEPCERT_JWS_H
#define KEEPCERT_JWS_H

#include <stddef.h>

#include "buf.h"
#include "key.h"

/* base64url of a SHA-256 digest: 43 characters and a NUL. */
#define JWS_THUMBPRINT_SIZE 44

/* "ES256", "ES384" or "RS256". */
const char *jws_alg(const struct key *k);

/* Append the public JWK, members in lexicographic order with no whitespace (the RFC 7638 form). */
void jws_jwk(const struct key *k, struct buf *out);

/* The RFC 7638 thumbprint of the public key. */
void jws_thumbprint(const struct key *k, char out[JWS_THUMBPRINT_SIZE]);

/*
 * Append a flattened JSON JWS signed by K, with protected header
 * {"alg", "kid" or (KID NULL) "jwk", "nonce" (omitted when NULL), "url"}.
 * PAYLOAD "" makes a POST-as-GET. Returns 0 or -1.
 */
int jws_sign(const struct key *k, const char *kid, const char *nonce, const char *url,
    const char *payload, struct buf *out);

/* Append the external account binding JWS (RFC 8555 section 7.3.4): HS256 over ACCOUNT's JWK. */
int jws_eab(const char *eab_kid, const unsigned char *mac_key, size_t mac_key_len,
    const struct key *account, const char *url, struct buf *out);

/* Append the inner JWS of a key change (RFC 8555 section 7.3.5), signed by NEW_KEY. */
int jws_key_change(const struct key *new_key, const struct key *old_key,
    const char *account_url, const char *url, struct buf *out);

/* Append the key authorization TOKEN "." THUMBPRINT (RFC 8555 section 8.1). */
void jws_key_authorization(const char *token, const char *thumbprint, struct buf *out);

/* The dns-01 TXT value: base64url(SHA-256(key authorization)) (RFC 8555 section 8.4). */
void jws_dns01_value(const char *key_authorization, char out[JWS_THUMBPRINT_SIZE]);

#endif
