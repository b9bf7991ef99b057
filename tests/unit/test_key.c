#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "asn1.h"
#include "jws.h"
#include "key.h"
#include "log.h"
#include "pem.h"
#include "unit.h"

TEST(key_type_names)
{
	static const char *const names[] = { "ec-p256", "ec-p384", "rsa-2048", "rsa-3072", "rsa-4096" };
	enum key_type type;
	size_t i;

	for (i = 0; i < 5; i++) {
		CHECK_INT(key_type_parse(names[i], &type), 0);
		CHECK_STR(key_type_name(type), names[i]);
	}
	CHECK_INT(key_type_parse("ec-p521", &type), -1);
	CHECK(strstr(error_text(), "ec-p521: unknown key type") != NULL);
	CHECK_INT(key_type_parse("", &type), -1);
}

/* Generate a key of TYPE, write it as PKCS#8 PEM, read it back and compare the public keys. */
static void
check_round_trip(enum key_type type)
{
	struct key k, back;
	struct buf pem = { 0 }, spki1 = { 0 }, spki2 = { 0 };
	unsigned char sig[KEY_SIGNATURE_MAX];
	char t1[JWS_THUMBPRINT_SIZE], t2[JWS_THUMBPRINT_SIZE];

	if (!CHECK_INT(key_generate(&k, type), 0))
		return;
	CHECK_INT(k.type, type);
	CHECK_INT(key_to_pem(&k, &pem), 0);
	CHECK(strncmp(pem.data, "-----BEGIN PRIVATE KEY-----\n", 28) == 0);
	if (!CHECK_INT(key_parse(&back, pem.data, pem.len), 0)) {
		unit_fail(__FILE__, __LINE__, "%s: %s", key_type_name(type), error_text());
		goto out;
	}
	CHECK_INT(back.type, type);
	key_spki(&k, &spki1);
	key_spki(&back, &spki2);
	CHECK_MEM(spki2.data, spki2.len, spki1.data, spki1.len);
	jws_thumbprint(&k, t1);
	jws_thumbprint(&back, t2);
	CHECK_STR(t2, t1);
	CHECK(key_sign(&back, "m", 1, sig) > 0);
out:
	key_wipe(&k);
	key_wipe(&back);
	buf_free(&pem);
	buf_free(&spki1);
	buf_free(&spki2);
}

TEST(key_round_trip_ec_p256)
{
	check_round_trip(KEY_EC_P256);
}

TEST(key_round_trip_ec_p384)
{
	check_round_trip(KEY_EC_P384);
}

TEST(key_round_trip_rsa_2048)
{
	check_round_trip(KEY_RSA_2048);
}

TEST(key_save_private_and_exclusive)
{
	char path[256];
	struct stat st;
	struct key k, back;
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "%s/account.key", unit_tmpdir());
	if (!CHECK_INT(key_generate(&k, KEY_EC_P256), 0))
		return;
	CHECK_INT(key_save(&k, path), 0);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0600);

	/* An existing file is never replaced. */
	CHECK_INT(key_save(&k, path), -1);
	CHECK(strstr(error_text(), "cannot create") != NULL);

	CHECK_INT(key_load(&back, path), 0);
	CHECK_MEM(back.ec_pub.q, back.ec_pub.qlen, k.ec_pub.q, k.ec_pub.qlen);
	CHECK_INT(key_load(&back, "/nonexistent/key.pem"), -1);
	CHECK(strstr(error_text(), "/nonexistent/key.pem: cannot open") != NULL);

	/* A file over 64 KiB is not read to the end. */
	snprintf(path, sizeof(path), "%s/huge.pem", unit_tmpdir());
	f = fopen(path, "w");
	if (CHECK(f != NULL)) {
		for (i = 0; i < 70000; i++)
			fputc('#', f);
		fclose(f);
		CHECK_INT(key_load(&back, path), -1);
		CHECK(strstr(error_text(), "larger than 65536 bytes") != NULL);
	}
	key_wipe(&k);
	key_wipe(&back);
}

TEST(key_wipe_zeroes_everything)
{
	static const unsigned char zero[sizeof(struct key)];
	struct key k;

	if (!CHECK_INT(key_generate(&k, KEY_EC_P256), 0))
		return;
	key_wipe(&k);
	CHECK(memcmp(&k, zero, sizeof(k)) == 0);
}

/* PEM for DER of LEN bytes under LABEL, with PREFIX (another block or text) in front. */
static void
make_pem(struct buf *out, const char *prefix, const char *label, const void *der, size_t len)
{
	buf_puts(out, prefix);
	pem_write(out, label, der, len);
}

/* The contents of the OCTET STRING in PKCS#8 DER: the SEC1 or PKCS#1 key inside. */
static int
inner_key(const struct buf *pem, unsigned char *out, size_t cap, size_t *len)
{
	const char *pos = pem->data;
	char label[PEM_LABEL_MAX];
	struct buf der = { 0 };
	struct asn1 in, fields;
	struct asn1_elem e;
	int rc = -1;

	if (pem_next(&pos, pem->data + pem->len, label, &der) != 1)
		goto out;
	in.p = (const unsigned char *)der.data;
	in.len = der.len;
	if (asn1_expect(&in, ASN1_SEQUENCE, &e) != ASN1_OK)
		goto out;
	asn1_enter(&e, &fields);
	if (asn1_expect(&fields, ASN1_INTEGER, &e) != ASN1_OK || asn1_expect(&fields, ASN1_SEQUENCE, &e) != ASN1_OK ||
	    asn1_expect(&fields, ASN1_OCTET_STRING, &e) != ASN1_OK || e.len > cap)
		goto out;
	memcpy(out, e.data, e.len);
	*len = e.len;
	rc = 0;
out:
	buf_free(&der);
	return rc;
}

TEST(key_reads_sec1_and_pkcs1)
{
	struct key k, back;
	struct buf pem = { 0 }, pkcs8 = { 0 };
	unsigned char der[4096];
	size_t len;

	/* SEC1 "EC PRIVATE KEY" after "EC PARAMETERS", as openssl ecparam -genkey writes it. */
	if (!CHECK_INT(key_generate(&k, KEY_EC_P384), 0))
		return;
	len = br_encode_ec_raw_der(der, &k.ec, &k.ec_pub);
	make_pem(&pem, "-----BEGIN EC PARAMETERS-----\nBgUrgQQAIg==\n-----END EC PARAMETERS-----\n",
	    "EC PRIVATE KEY", der, len);
	CHECK_INT(key_parse(&back, pem.data, pem.len), 0);
	CHECK_INT(back.type, KEY_EC_P384);
	CHECK_MEM(back.ec_pub.q, back.ec_pub.qlen, k.ec_pub.q, k.ec_pub.qlen);
	buf_reset(&pem);

	/* PKCS#1 "RSA PRIVATE KEY": the RSAPrivateKey from inside our PKCS#8. */
	if (!CHECK_INT(key_generate(&k, KEY_RSA_2048), 0))
		return;
	CHECK_INT(key_to_pem(&k, &pkcs8), 0);
	if (!CHECK_INT(inner_key(&pkcs8, der, sizeof(der), &len), 0))
		goto out;
	make_pem(&pem, "some text before the block\n", "RSA PRIVATE KEY", der, len);
	CHECK_INT(key_parse(&back, pem.data, pem.len), 0);
	CHECK_INT(back.type, KEY_RSA_2048);
	CHECK_MEM(back.rsa_pub.n, back.rsa_pub.nlen, k.rsa_pub.n, k.rsa_pub.nlen);
	CHECK_MEM(back.rsa_pub.e, back.rsa_pub.elen, "\x01\x00\x01", 3);
	CHECK_MEM(back.rsa_d, back.rsa_dlen, k.rsa_d, k.rsa_dlen);
out:
	key_wipe(&k);
	key_wipe(&back);
	buf_free(&pem);
	buf_free(&pkcs8);
}

TEST(key_rejects_other_curves_and_sizes)
{
	br_hmac_drbg_context rng;
	br_ec_private_key sk;
	unsigned char kbuf[BR_EC_KBUF_PRIV_MAX_SIZE], der[2048];
	struct buf pem = { 0 };
	struct key k, small;
	size_t len;

	br_hmac_drbg_init(&rng, &br_sha256_vtable, "fixed seed", 10);
	CHECK(br_ec_keygen(&rng.vtable, &br_ec_all_m31, &sk, kbuf, BR_EC_secp521r1) > 0);
	len = br_encode_ec_pkcs8_der(der, &sk, NULL);
	make_pem(&pem, "", "PRIVATE KEY", der, len);
	CHECK_INT(key_parse(&k, pem.data, pem.len), -1);
	CHECK(strstr(error_text(), "unsupported EC curve") != NULL);
	buf_reset(&pem);

	/* A 1024-bit key, written through key_to_pem, which does not check sizes. */
	memset(&small, 0, sizeof(small));
	small.is_rsa = 1;
	CHECK(br_rsa_i31_keygen(&rng.vtable, &small.rsa, small.priv_buf, &small.rsa_pub, small.pub_buf, 1024,
	    65537) == 1);
	small.rsa_dlen = br_rsa_i31_compute_privexp(small.rsa_d, &small.rsa, 65537);
	CHECK_INT(key_to_pem(&small, &pem), 0);
	CHECK_INT(key_parse(&k, pem.data, pem.len), -1);
	CHECK(strstr(error_text(), "RSA key of 1024 bits") != NULL);
	buf_free(&pem);
	key_wipe(&small);
}

TEST(key_rejects_bad_pem)
{
	static const char encrypted[] =
	    "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
	static const char cert_only[] = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
	static const char garbage_key[] = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
	static const char bad_base64[] = "-----BEGIN PRIVATE KEY-----\nA!AA\n-----END PRIVATE KEY-----\n";
	static const char no_end[] = "-----BEGIN PRIVATE KEY-----\nAAAA\n";
	struct key k;

	CHECK_INT(key_parse(&k, encrypted, strlen(encrypted)), -1);
	CHECK(strstr(error_text(), "encrypted") != NULL);
	CHECK_INT(key_parse(&k, cert_only, strlen(cert_only)), -1);
	CHECK(strstr(error_text(), "no PRIVATE KEY") != NULL);
	CHECK_INT(key_parse(&k, garbage_key, strlen(garbage_key)), -1);
	CHECK_INT(key_parse(&k, "", 0), -1);

	/* Invalid base64 and a missing END line: pem_next() rejects the block. */
	CHECK_INT(key_parse(&k, bad_base64, strlen(bad_base64)), -1);
	CHECK_INT(key_parse(&k, no_end, strlen(no_end)), -1);
	CHECK(strcmp(error_text(), "unknown error") != 0);
}

/* The RFC 7515 appendix A.3 EC key with one member replaced by REPLACEMENT (a whole "name":"value"). */
static int
parse_a3_with(const char *member, const char *replacement)
{
	char jwk[512];
	struct key k;
	int rc;

	snprintf(jwk, sizeof(jwk), "{\"kty\":\"EC\",%s,%s,%s,%s}",
	    strcmp(member, "crv") == 0 ? replacement : "\"crv\":\"P-256\"",
	    strcmp(member, "x") == 0 ? replacement : "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\"",
	    strcmp(member, "y") == 0 ? replacement : "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"",
	    strcmp(member, "d") == 0 ? replacement : "\"d\":\"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI\"");
	rc = key_parse(&k, jwk, strlen(jwk));
	key_wipe(&k);
	return rc;
}

TEST(key_jwk_consistency_checks)
{
	CHECK_INT(parse_a3_with("none", ""), 0);
	CHECK_INT(parse_a3_with("x", "\"x\":\"g83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\""), -1);
	CHECK(strstr(error_text(), "do not match") != NULL);
	CHECK_INT(parse_a3_with("crv", "\"crv\":\"P-521\""), -1);
	CHECK_INT(parse_a3_with("crv", "\"crv\":\"P-384\""), -1);
	CHECK(strstr(error_text(), "bytes, expected 48") != NULL);
	CHECK_INT(parse_a3_with("d", "\"d\":\"jpsQnnGQmL+YBIffH1136cspYG6-0iY7X1fCE9-E9LI\""), -1);
	CHECK(strstr(error_text(), "\"d\"") != NULL);
	CHECK_INT(parse_a3_with("y", "\"z\":\"x\""), -1);
	CHECK(strstr(error_text(), "\"y\" is missing") != NULL);
}

TEST(key_jwk_rejects_other_documents)
{
	static const char *const docs[] = {
		"{\"kty\":\"oct\",\"k\":\"AAAA\"}",
		"{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\",\"d\":\"AQAB\"}",
		"[1,2]",
		"{\"kty\":\"EC\"",
		"{}",
	};
	struct key k;
	size_t i;

	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
		CHECK_INT(key_parse(&k, docs[i], strlen(docs[i])), -1);
	CHECK_INT(key_parse(&k, docs[1], strlen(docs[1])), -1);
	CHECK(strstr(error_text(), "CRT parameters") != NULL);
}
