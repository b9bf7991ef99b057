#include <stdio.h>
#include <string.h>

#include "base64.h"
#include "json.h"
#include "jws.h"
#include "key.h"
#include "log.h"
#include "unit.h"

/* The RSA public key of RFC 7638 section 3.1 (also RFC 7517 appendix A.1). */
static const char rfc7638_n[] =
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECP"
    "ebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2Qvzq"
    "Y368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0f"
    "M4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";

/* Build a public-only RSA key from base64url N with e = 65537, prefixing ZEROS zero bytes to n. */
static void
rsa_public_key(struct key *k, const char *n_b64, size_t zeros)
{
	size_t len;

	memset(k, 0, sizeof(*k));
	k->is_rsa = 1;
	k->type = KEY_RSA_2048;
	memset(k->pub_buf, 0, zeros);
	if (base64_decode(k->pub_buf + zeros, sizeof(k->pub_buf) - 8, &len, n_b64, strlen(n_b64),
	    BASE64_URL) != 0)
		unit_fail(__FILE__, __LINE__, "bad base64url in test vector");
	k->rsa_pub.n = k->pub_buf;
	k->rsa_pub.nlen = zeros + len;
	k->rsa_pub.e = k->pub_buf + zeros + len;
	memcpy(k->rsa_pub.e, "\x01\x00\x01", 3);
	k->rsa_pub.elen = 3;
}

TEST(jws_rfc7638_thumbprint)
{
	struct key k;
	char thumb[JWS_THUMBPRINT_SIZE];
	struct buf jwk = { 0 };

	rsa_public_key(&k, rfc7638_n, 0);
	jws_thumbprint(&k, thumb);
	CHECK_STR(thumb, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");

	/* RFC 7518 section 6.3.1.1: n has no leading zero byte, whatever the key buffer holds. */
	rsa_public_key(&k, rfc7638_n, 2);
	jws_thumbprint(&k, thumb);
	CHECK_STR(thumb, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
	jws_jwk(&k, &jwk);
	CHECK(strncmp(jwk.data, "{\"e\":\"AQAB\",\"kty\":\"RSA\",\"n\":\"0vx7ag", 35) == 0);
	CHECK_INT(jwk.data[jwk.len - 1], '}');
	buf_free(&jwk);
}

TEST(jws_rfc8555_key_authorization)
{
	struct buf ka = { 0 };
	char txt[JWS_THUMBPRINT_SIZE];

	/* RFC 8555 section 8.1: token || '.' || base64url(Thumbprint(accountKey)). */
	jws_key_authorization("evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA",
	    "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs", &ka);
	CHECK_STR(ka.data, "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA."
	    "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");

	/* RFC 8555 section 8.4: base64url(SHA-256(key authorization)); the value was computed with python3 hashlib. */
	jws_dns01_value(ka.data, txt);
	CHECK_STR(txt, "ZTRx1Ckl1-tM05o5zaizTTA0yUy5AGereMgSNWC6Ll8");
	CHECK_INT(strlen(txt), 43);
	buf_free(&ka);
}

/* RFC 7515 appendix A.2: an RSA private JWK; dp, dq and qi computed from its d, p and q. */
static const char rfc7515_a2_jwk[] =
    "{\"kty\":\"RSA\","
    "\"n\":\"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ\","
    "\"e\":\"AQAB\","
    "\"d\":\"Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2NXOoAJe46sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn439X0M_V51gfpRLI9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDVZFD9pIuhLhBOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ\","
    "\"p\":\"4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw_Py5PJdTJNPY8cQn7ouZ2KKDcmnPGBY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc\","
    "\"q\":\"uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeLQeZD_YwD66t62wDmpe_HlB-TnBA-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc\","
    "\"dp\":\"BwKfV3Akq5_MFZDFZCnW-wzl-CCo83WoZvnLQwCTeDv8uzluRSnm71I3QCLdhrqE2e9YkxvuxdBfpT_PI7Yz-FOKnu1R6HsJeDCjn12Sk3vmAktV2zb34MCdy7cpdTh_YVr7tss2u6vneTwrA86rZtu5Mbr1C1XsmvkxHQAdYo0\","
    "\"dq\":\"h_96-mK1R_7glhsum81dZxjTnYynPbZpHziZjeeHcXYsXaaMwkOlODsWa7I9xXDoRwbKgB719rrmI2oKr6N3Do9U0ajaHF-NKJnwgjMd2w9cjz3_-kyNlxAr2v4IKhGNpmM5iIgOS1VZnOZ68m6_pbLBSp3nssTdlqvd0tIiTHU\","
    "\"qi\":\"IYd7DHOhrWvxkwPQsRM2tOgrjbcrfvtQJipd-DlcxyVuuM9sQLdgjVk2oy26F0EmpScGLq2MowX7fhd_QJQ3ydy5cY7YIBi87w93IKLEdfnbJtoOPLUW0ITrJReOgo1cq9SbsxYawBgfp_gh6A5603k2-ZQwVK0JKSHuLFkuQ3U\"}";

/* The JWS Signing Input of RFC 7515 appendices A.2 and A.3 (header, '.', payload). */
#define RFC7515_PAYLOAD "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"

TEST(jws_rfc7515_a2_rs256)
{
	static const char input[] = "eyJhbGciOiJSUzI1NiJ9." RFC7515_PAYLOAD;
	static const char expected[] =
	    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5"
	    "jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb"
	    "1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QO"
	    "YEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";
	unsigned char sig[KEY_SIGNATURE_MAX];
	char sig_b64[700];
	struct key k;
	int len;

	if (!CHECK_INT(key_parse(&k, rfc7515_a2_jwk, strlen(rfc7515_a2_jwk)), 0)) {
		unit_fail(__FILE__, __LINE__, "%s", error_text());
		return;
	}
	CHECK_INT(k.is_rsa, 1);
	CHECK_INT(k.rsa.n_bitlen, 2048);
	CHECK_STR(jws_alg(&k), "RS256");

	/* PKCS#1 v1.5 is deterministic, so our signature must be the RFC's, byte for byte. */
	len = key_sign(&k, input, strlen(input), sig);
	CHECK_INT(len, 256);
	base64_encode(sig_b64, sig, (size_t)(len > 0 ? len : 0), BASE64_URL);
	CHECK_STR(sig_b64, expected);
	key_wipe(&k);
}

/* RFC 7515 appendix A.3: the ES256 private JWK. */
static const char rfc7515_a3_jwk[] =
    "{\"kty\":\"EC\",\"crv\":\"P-256\","
    "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
    "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\","
    "\"d\":\"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI\"}";

/* 1 when SIG is a valid signature by K over MSG, checked with BearSSL's verifiers. */
static int
verify(const struct key *k, const void *msg, size_t len, const unsigned char *sig, size_t sig_len)
{
	unsigned char hash[48], recovered[48];
	const br_hash_class *hf = k->type == KEY_EC_P384 ? &br_sha384_vtable : &br_sha256_vtable;
	br_hash_compat_context hc;
	size_t hash_len = (hf->desc >> BR_HASHDESC_OUT_OFF) & BR_HASHDESC_OUT_MASK;

	hf->init(&hc.vtable);
	hf->update(&hc.vtable, msg, len);
	hf->out(&hc.vtable, hash);
	if (k->is_rsa) {
		br_rsa_pkcs1_vrfy vrfy = br_rsa_pkcs1_vrfy_get_default();

		return vrfy(sig, sig_len, BR_HASH_OID_SHA256, 32, &k->rsa_pub, recovered) &&
		    memcmp(recovered, hash, 32) == 0;
	}
	return br_ecdsa_i31_vrfy_raw(&br_ec_all_m31, hash, hash_len, &k->ec_pub, sig, sig_len) == 1;
}

TEST(jws_rfc7515_a3_es256)
{
	static const char input[] = "eyJhbGciOiJFUzI1NiJ9." RFC7515_PAYLOAD;
	static const char rfc_sig[] =
	    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
	unsigned char sig[KEY_SIGNATURE_MAX];
	struct buf jwk = { 0 };
	struct key k;
	size_t len;
	int n;

	if (!CHECK_INT(key_parse(&k, rfc7515_a3_jwk, strlen(rfc7515_a3_jwk)), 0)) {
		unit_fail(__FILE__, __LINE__, "%s", error_text());
		return;
	}
	CHECK_STR(jws_alg(&k), "ES256");
	jws_jwk(&k, &jwk);
	CHECK_STR(jwk.data, "{\"crv\":\"P-256\",\"kty\":\"EC\","
	    "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
	    "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}");

	/* ECDSA is randomized in the RFC, so check that the RFC's signature verifies under the key... */
	CHECK_INT(base64_decode(sig, sizeof(sig), &len, rfc_sig, strlen(rfc_sig), BASE64_URL), 0);
	CHECK_INT(len, 64);
	CHECK(verify(&k, input, strlen(input), sig, len));

	/* ...and that ours does too, and is the fixed-length raw r || s. */
	n = key_sign(&k, input, strlen(input), sig);
	CHECK_INT(n, 64);
	CHECK(verify(&k, input, strlen(input), sig, (size_t)n));
	sig[10] ^= 1;
	CHECK(!verify(&k, input, strlen(input), sig, (size_t)n));
	buf_free(&jwk);
	key_wipe(&k);
}

/* The three parts of a flattened JWS, the protected header and payload decoded. */
struct parts {
	char protected[4096];
	char payload[4096];
	unsigned char sig[KEY_SIGNATURE_MAX];
	size_t sig_len;
	char input[8192];	/* the signing input, still encoded */
};

static int
split_jws(const char *jws, struct parts *p)
{
	struct json_token tokens[16];
	struct json_doc doc;
	char enc_protected[4096], enc_payload[4096], enc_sig[1024];
	size_t len;
	int n1, n2, n3;

	if (json_parse(&doc, jws, strlen(jws), tokens, 16, NULL) != JSON_OK || tokens[0].size != 3)
		return -1;
	n1 = json_string(&doc, json_get(&doc, 0, "protected"), enc_protected, sizeof(enc_protected));
	n2 = json_string(&doc, json_get(&doc, 0, "payload"), enc_payload, sizeof(enc_payload));
	n3 = json_string(&doc, json_get(&doc, 0, "signature"), enc_sig, sizeof(enc_sig));
	if (n1 < 0 || n2 < 0 || n3 < 0)
		return -1;
	if (base64_decode(p->protected, sizeof(p->protected) - 1, &len, enc_protected, (size_t)n1,
	    BASE64_URL) != 0)
		return -1;
	p->protected[len] = '\0';
	if (base64_decode(p->payload, sizeof(p->payload) - 1, &len, enc_payload, (size_t)n2,
	    BASE64_URL) != 0)
		return -1;
	p->payload[len] = '\0';
	if (base64_decode(p->sig, sizeof(p->sig), &p->sig_len, enc_sig, (size_t)n3, BASE64_URL) != 0)
		return -1;
	snprintf(p->input, sizeof(p->input), "%s.%s", enc_protected, enc_payload);

	/* The members come in this order, with nothing between them. */
	return strncmp(jws, "{\"protected\":\"", 14) == 0 ? 0 : -1;
}

static struct key keys[3];

static const struct key *
key_of(enum key_type type)
{
	int i = 2;

	if (type == KEY_EC_P256)
		i = 0;
	else if (type == KEY_EC_P384)
		i = 1;

	if (keys[i].pub_buf[0] == 0 && key_generate(&keys[i], type) != 0)
		unit_fail(__FILE__, __LINE__, "key_generate: %s", error_text());
	return &keys[i];
}

TEST(jws_sign_each_algorithm)
{
	static const enum key_type types[] = { KEY_EC_P256, KEY_EC_P384, KEY_RSA_2048 };
	static const size_t sig_lens[] = { 64, 96, 256 };
	struct parts p;
	size_t i;

	for (i = 0; i < 3; i++) {
		const struct key *k = key_of(types[i]);
		struct buf jws = { 0 }, want = { 0 };

		CHECK_INT(jws_sign(k, NULL, "nonce-1", "https://ca.example/new-acct", "{\"a\":1}", &jws), 0);
		if (!CHECK_INT(split_jws(jws.data, &p), 0))
			continue;

		buf_printf(&want, "{\"alg\":\"%s\",\"jwk\":", jws_alg(k));
		jws_jwk(k, &want);
		buf_puts(&want, ",\"nonce\":\"nonce-1\",\"url\":\"https://ca.example/new-acct\"}");
		CHECK_STR(p.protected, want.data);
		CHECK_STR(p.payload, "{\"a\":1}");
		CHECK_INT(p.sig_len, sig_lens[i]);
		CHECK(verify(k, p.input, strlen(p.input), p.sig, p.sig_len));
		buf_free(&jws);
		buf_free(&want);
	}
}

TEST(jws_sign_kid_and_post_as_get)
{
	const struct key *k = key_of(KEY_EC_P256);
	struct buf jws = { 0 };
	struct parts p;

	/* With a kid there is no jwk; with no nonce there is no nonce member; "" is POST-as-GET. */
	CHECK_INT(jws_sign(k, "https://ca.example/acct/1", NULL, "https://ca.example/order/\"1\"", "", &jws), 0);
	CHECK_INT(split_jws(jws.data, &p), 0);
	CHECK_STR(p.protected, "{\"alg\":\"ES256\",\"kid\":\"https://ca.example/acct/1\","
	    "\"url\":\"https://ca.example/order/\\\"1\\\"\"}");
	CHECK_STR(p.payload, "");
	CHECK(strstr(jws.data, "\"payload\":\"\"") != NULL);
	CHECK(verify(k, p.input, strlen(p.input), p.sig, p.sig_len));
	buf_free(&jws);
}

TEST(jws_eab_hs256)
{
	static const unsigned char mac_key[] = "a 32-byte secret for the EAB mac";
	const struct key *account = key_of(KEY_EC_P256);
	struct buf jws = { 0 }, jwk = { 0 };
	unsigned char mac[32];
	br_hmac_key_context kc;
	br_hmac_context hc;
	struct parts p;

	CHECK_INT(jws_eab("kid-1", mac_key, 32, account, "https://ca.example/new-acct", &jws), 0);
	CHECK_INT(split_jws(jws.data, &p), 0);
	CHECK_STR(p.protected, "{\"alg\":\"HS256\",\"kid\":\"kid-1\",\"url\":\"https://ca.example/new-acct\"}");
	jws_jwk(account, &jwk);
	CHECK_STR(p.payload, jwk.data);

	br_hmac_key_init(&kc, &br_sha256_vtable, mac_key, 32);
	br_hmac_init(&hc, &kc, 0);
	br_hmac_update(&hc, p.input, strlen(p.input));
	br_hmac_out(&hc, mac);
	CHECK_MEM(p.sig, p.sig_len, mac, 32);

	CHECK_INT(jws_eab("kid-1", mac_key, 0, account, "https://ca.example/new-acct", &jws), -1);
	buf_free(&jws);
	buf_free(&jwk);
}

TEST(jws_key_change_inner)
{
	const struct key *new_key = key_of(KEY_EC_P384), *old_key = key_of(KEY_EC_P256);
	struct buf jws = { 0 }, want = { 0 };
	struct parts p;

	CHECK_INT(jws_key_change(new_key, old_key, "https://ca.example/acct/1", "https://ca.example/key-change",
	    &jws), 0);
	CHECK_INT(split_jws(jws.data, &p), 0);

	/* RFC 8555 section 7.3.5: no nonce inside; the payload names the account and the old key. */
	buf_puts(&want, "{\"alg\":\"ES384\",\"jwk\":");
	jws_jwk(new_key, &want);
	buf_puts(&want, ",\"url\":\"https://ca.example/key-change\"}");
	CHECK_STR(p.protected, want.data);
	buf_reset(&want);
	buf_puts(&want, "{\"account\":\"https://ca.example/acct/1\",\"oldKey\":");
	jws_jwk(old_key, &want);
	buf_putc(&want, '}');
	CHECK_STR(p.payload, want.data);
	CHECK(verify(new_key, p.input, strlen(p.input), p.sig, p.sig_len));
	CHECK(!verify(old_key, p.input, strlen(p.input), p.sig, p.sig_len));
	buf_free(&jws);
	buf_free(&want);
}

TEST(jws_ec_coordinates_fixed_length)
{
	struct buf jwk = { 0 };
	struct json_token tokens[16];
	struct json_doc doc;
	char x[128], y[128];

	jws_jwk(key_of(KEY_EC_P384), &jwk);
	CHECK_INT(json_parse(&doc, jwk.data, jwk.len, tokens, 16, NULL), JSON_OK);
	CHECK_INT(json_string(&doc, json_get(&doc, 0, "x"), x, sizeof(x)), 64);
	CHECK_INT(json_string(&doc, json_get(&doc, 0, "y"), y, sizeof(y)), 64);
	CHECK(json_string_eq(&doc, json_get(&doc, 0, "crv"), "P-384"));
	buf_free(&jwk);
}

/* The A.2 JWK with FROM replaced by TO must be rejected with WANT in the message. */
static void
check_a2_rejected(const char *from, const char *to, const char *want)
{
	char jwk[4096], *at;
	struct key k;

	snprintf(jwk, sizeof(jwk), "%s", rfc7515_a2_jwk);
	at = strstr(jwk, from);
	if (!CHECK(at != NULL))
		return;
	memmove(at + strlen(to), at + strlen(from), strlen(at + strlen(from)) + 1);
	memcpy(at, to, strlen(to));
	CHECK_INT(key_parse(&k, jwk, strlen(jwk)), -1);
	if (strstr(error_text(), want) == NULL)
		unit_fail(__FILE__, __LINE__, "message \"%s\" lacks \"%s\"", error_text(), want);
}

TEST(jws_rsa_jwk_consistency)
{
	/* e = 3 does not undo d; a changed n is not p * q; a changed q breaks both. */
	check_a2_rejected("\"e\":\"AQAB\"", "\"e\":\"Aw\"", "does not match its primes");
	check_a2_rejected("\"n\":\"ofgW", "\"n\":\"ofgX", "does not match its primes");
	check_a2_rejected("\"q\":\"uQPE", "\"q\":\"uQPF", "does not match its primes");
	check_a2_rejected("\"qi\":", "\"qj\":", "\"qi\" is missing");
	check_a2_rejected("\"kty\":\"RSA\",", "\"kty\":\"RSA\",\"oth\":[],", "multi-prime");
}
