#include <string.h>

#include "base64.h"
#include "json.h"
#include "jws.h"
#include "log.h"

/* see jws.h */
const char *
jws_alg(const struct key *k)
{
	if (k->is_rsa)
		return "RS256";
	return k->type == KEY_EC_P384 ? "ES384" : "ES256";
}

/* Append "NAME":"base64url(BYTES)" as one JSON member, NAME and value through the string writer. */
static void
member_base64(struct buf *out, const char *name, const unsigned char *bytes, size_t len)
{
	struct buf value = { 0 };

	buf_base64(&value, bytes, len, BASE64_URL);
	json_write_string(out, name);
	buf_putc(out, ':');
	json_write_string(out, value.failed || value.data == NULL ? "" : value.data);
	if (value.failed)
		out->failed = 1;
	buf_free(&value);
}

/* Append "NAME":"VALUE". */
static void
member_string(struct buf *out, const char *name, const char *value)
{
	json_write_string(out, name);
	buf_putc(out, ':');
	json_write_string(out, value);
}

/* Drop the leading zero bytes of a big-endian integer, keeping at least one byte. */
static const unsigned char *
minimal(const unsigned char *p, size_t *len)
{
	while (*len > 1 && p[0] == 0) {
		p++;
		(*len)--;
	}
	return p;
}

/* see jws.h */
void
jws_jwk(const struct key *k, struct buf *out)
{
	const unsigned char *n, *e;
	size_t nlen, elen, half;

	/* RFC 7638 section 3.2: only the required members, sorted by name, no whitespace. */
	buf_putc(out, '{');
	if (k->is_rsa) {
		/* RFC 7518 section 6.3.1: n and e are unsigned big-endian with no leading zero. */
		nlen = k->rsa_pub.nlen;
		elen = k->rsa_pub.elen;
		n = minimal(k->rsa_pub.n, &nlen);
		e = minimal(k->rsa_pub.e, &elen);
		member_base64(out, "e", e, elen);
		buf_putc(out, ',');
		member_string(out, "kty", "RSA");
		buf_putc(out, ',');
		member_base64(out, "n", n, nlen);
	} else {
		/* RFC 7518 section 6.2.1: x and y at the full coordinate size, from 04 || x || y. */
		half = (k->ec_pub.qlen - 1) / 2;
		member_string(out, "crv", k->type == KEY_EC_P384 ? "P-384" : "P-256");
		buf_putc(out, ',');
		member_string(out, "kty", "EC");
		buf_putc(out, ',');
		member_base64(out, "x", k->ec_pub.q + 1, half);
		buf_putc(out, ',');
		member_base64(out, "y", k->ec_pub.q + 1 + half, half);
	}
	buf_putc(out, '}');
}

/* base64url of the SHA-256 of LEN bytes at DATA, into OUT. */
static void
sha256_base64url(const void *data, size_t len, char out[JWS_THUMBPRINT_SIZE])
{
	br_sha256_context sc;
	unsigned char hash[br_sha256_SIZE];

	br_sha256_init(&sc);
	br_sha256_update(&sc, data, len);
	br_sha256_out(&sc, hash);
	base64_encode(out, hash, sizeof(hash), BASE64_URL);
}

/* see jws.h */
void
jws_thumbprint(const struct key *k, char out[JWS_THUMBPRINT_SIZE])
{
	struct buf jwk = { 0 };

	jws_jwk(k, &jwk);
	sha256_base64url(jwk.data != NULL ? jwk.data : "", jwk.len, out);
	buf_free(&jwk);
}

/*
 * Append {"protected":B64(PROTECTED),"payload":B64(PAYLOAD),"signature":B64(SIG)}
 * (RFC 7515 section 7.2.2), signed by K or, when K is NULL, with HMAC-SHA256
 * under MAC_KEY.
 */
static int
finish(const struct key *k, const unsigned char *mac_key, size_t mac_key_len,
    const struct buf *protected, const char *payload, struct buf *out)
{
	unsigned char sig[KEY_SIGNATURE_MAX];
	struct buf input = { 0 };
	size_t protected_len;
	int sig_len, rc = -1;

	if (protected->failed || protected->data == NULL)
		return error_set("out of memory building a JWS header");

	/* The signing input is ASCII(BASE64URL(header) || '.' || BASE64URL(payload)) (RFC 7515 section 5.1). */
	buf_base64(&input, protected->data, protected->len, BASE64_URL);
	protected_len = input.len;
	buf_putc(&input, '.');
	buf_base64(&input, payload, strlen(payload), BASE64_URL);
	if (input.failed) {
		error_set("out of memory building a JWS");
		goto out;
	}

	if (k != NULL) {
		sig_len = key_sign(k, input.data, input.len, sig);
		if (sig_len < 0)
			goto out;
	} else {
		br_hmac_key_context kc;
		br_hmac_context hc;

		br_hmac_key_init(&kc, &br_sha256_vtable, mac_key, mac_key_len);
		br_hmac_init(&hc, &kc, 0);
		br_hmac_update(&hc, input.data, input.len);
		sig_len = (int)br_hmac_out(&hc, sig);
		explicit_bzero(&kc, sizeof(kc));
		explicit_bzero(&hc, sizeof(hc));
	}

	/* Split the signing input back into its two halves for the JSON members. */
	input.data[protected_len] = '\0';
	buf_putc(out, '{');
	member_string(out, "protected", input.data);
	buf_putc(out, ',');
	member_string(out, "payload", input.data + protected_len + 1);
	buf_putc(out, ',');
	member_base64(out, "signature", sig, (size_t)sig_len);
	buf_putc(out, '}');
	rc = out->failed ? error_set("out of memory building a JWS") : 0;
out:
	buf_free(&input);
	explicit_bzero(sig, sizeof(sig));
	return rc;
}

/* see jws.h */
int
jws_sign(const struct key *k, const char *kid, const char *nonce, const char *url,
    const char *payload, struct buf *out)
{
	struct buf protected = { 0 };
	int rc;

	/* RFC 8555 section 6.2: alg, exactly one of jwk and kid, nonce, url. */
	buf_putc(&protected, '{');
	member_string(&protected, "alg", jws_alg(k));
	buf_putc(&protected, ',');
	if (kid != NULL) {
		member_string(&protected, "kid", kid);
	} else {
		json_write_string(&protected, "jwk");
		buf_putc(&protected, ':');
		jws_jwk(k, &protected);
	}
	if (nonce != NULL) {
		buf_putc(&protected, ',');
		member_string(&protected, "nonce", nonce);
	}
	buf_putc(&protected, ',');
	member_string(&protected, "url", url);
	buf_putc(&protected, '}');

	rc = finish(k, NULL, 0, &protected, payload, out);
	buf_free(&protected);
	return rc;
}

/* see jws.h */
int
jws_eab(const char *eab_kid, const unsigned char *mac_key, size_t mac_key_len,
    const struct key *account, const char *url, struct buf *out)
{
	struct buf protected = { 0 }, payload = { 0 };
	int rc;

	if (mac_key_len == 0)
		return error_set("the external account binding MAC key is empty");

	/* RFC 8555 section 7.3.4: {alg HS256, kid, url}, no nonce; the payload is the account JWK. */
	buf_putc(&protected, '{');
	member_string(&protected, "alg", "HS256");
	buf_putc(&protected, ',');
	member_string(&protected, "kid", eab_kid);
	buf_putc(&protected, ',');
	member_string(&protected, "url", url);
	buf_putc(&protected, '}');
	jws_jwk(account, &payload);

	if (payload.failed || payload.data == NULL)
		rc = error_set("out of memory building the external account binding");
	else
		rc = finish(NULL, mac_key, mac_key_len, &protected, payload.data, out);
	buf_free(&protected);
	buf_free(&payload);
	return rc;
}

/* see jws.h */
int
jws_key_change(const struct key *new_key, const struct key *old_key,
    const char *account_url, const char *url, struct buf *out)
{
	struct buf protected = { 0 }, payload = { 0 };
	int rc;

	/* RFC 8555 section 7.3.5: the inner JWS has {alg, jwk, url} and no nonce. */
	buf_putc(&protected, '{');
	member_string(&protected, "alg", jws_alg(new_key));
	buf_putc(&protected, ',');
	json_write_string(&protected, "jwk");
	buf_putc(&protected, ':');
	jws_jwk(new_key, &protected);
	buf_putc(&protected, ',');
	member_string(&protected, "url", url);
	buf_putc(&protected, '}');

	buf_putc(&payload, '{');
	member_string(&payload, "account", account_url);
	buf_putc(&payload, ',');
	json_write_string(&payload, "oldKey");
	buf_putc(&payload, ':');
	jws_jwk(old_key, &payload);
	buf_putc(&payload, '}');

	if (payload.failed || payload.data == NULL)
		rc = error_set("out of memory building the key change");
	else
		rc = finish(new_key, NULL, 0, &protected, payload.data, out);
	buf_free(&protected);
	buf_free(&payload);
	return rc;
}

/* see jws.h */
void
jws_key_authorization(const char *token, const char *thumbprint, struct buf *out)
{
	buf_puts(out, token);
	buf_putc(out, '.');
	buf_puts(out, thumbprint);
}

/* see jws.h */
void
jws_dns01_value(const char *key_authorization, char out[JWS_THUMBPRINT_SIZE])
{
	sha256_base64url(key_authorization, strlen(key_authorization), out);
}
