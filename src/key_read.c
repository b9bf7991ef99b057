/*
 * Reading private keys: PEM files holding PKCS#8, SEC1 or PKCS#1 DER, and
 * private JWKs. Every key is checked for consistency before use, because a
 * key whose halves disagree makes signatures that CAs reject much later.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "asn1.h"
#include "base64.h"
#include "json.h"
#include "key.h"
#include "log.h"
#include "pem.h"

/* A key file is a few kilobytes; anything much larger is not a key. */
#define KEY_FILE_MAX (64 * 1024)

/* Members of a private JWK: an RSA-4096 modulus is 683 base64url characters. */
#define JWK_VALUE_MAX 1024
#define JWK_TOKENS_MAX 64

/* Fill K from an EC private key: copy the scalar and recompute the public point. */
static int
set_ec(struct key *k, const br_ec_private_key *sk)
{
	if (sk->curve == BR_EC_secp256r1)
		k->type = KEY_EC_P256;
	else if (sk->curve == BR_EC_secp384r1)
		k->type = KEY_EC_P384;
	else
		return error_set("unsupported EC curve (BearSSL curve %d); use P-256 or P-384", sk->curve);
	if (sk->xlen == 0 || sk->xlen > BR_EC_KBUF_PRIV_MAX_SIZE)
		return error_set("invalid EC private key length");

	memcpy(k->priv_buf, sk->x, sk->xlen);
	k->ec.curve = sk->curve;
	k->ec.x = k->priv_buf;
	k->ec.xlen = sk->xlen;
	if (br_ec_compute_pub(&br_ec_all_m31, &k->ec_pub, k->pub_buf, &k->ec) == 0)
		return error_set("invalid EC private key: its scalar is out of range");
	return 0;
}

/* Copy LEN bytes at SRC into K's private buffer at *USED, dropping leading zeros. */
static unsigned char *
copy_part(struct key *k, size_t *used, const unsigned char *src, size_t *len)
{
	unsigned char *dst = k->priv_buf + *used;

	while (*len > 0 && src[0] == 0) {
		src++;
		(*len)--;
	}
	if (*len == 0 || *len > sizeof(k->priv_buf) - *used)
		return NULL;
	memcpy(dst, src, *len);
	*used += *len;
	return dst;
}

/* The integers of an RSA key that BearSSL's CRT key does not carry, big-endian. */
struct rsa_numbers {
	const unsigned char *n, *e, *d;
	size_t nlen, elen, dlen;
};

/* Strip leading zero bytes: the integers of a JWK are unsigned big-endian (RFC 7518 section 2). */
static const unsigned char *
strip_zeros(const unsigned char *p, size_t *len)
{
	while (*len > 1 && p[0] == 0) {
		p++;
		(*len)--;
	}
	return p;
}

/* 1 when the CRT key in K and its public key (n, e) belong together: n = p * q, and e undoes d. */
static int
rsa_consistent(const struct key *k)
{
	static const unsigned char hash[br_sha256_SIZE] = "a test value for the RSA check";
	unsigned char n[512], sig[512], back[br_sha256_SIZE];
	size_t n_len = (k->rsa.n_bitlen + 7) / 8;

	/*
	 * The i31 version's scratch space is two words short for two 2048-bit
	 * primes (BearSSL 0.6), so it fails on 4096-bit keys; the i15 one fits.
	 */
	if (n_len != k->rsa_pub.nlen || br_rsa_i15_compute_modulus(n, &k->rsa) != n_len ||
	    memcmp(n, k->rsa_pub.n, n_len) != 0)
		return 0;

	/* A signature that verifies shows that e matches the private exponents dp and dq. */
	if (!br_rsa_pkcs1_sign_get_default()(BR_HASH_OID_SHA256, hash, sizeof(hash), &k->rsa, sig))
		return 0;
	return br_rsa_pkcs1_vrfy_get_default()(sig, n_len, BR_HASH_OID_SHA256, sizeof(back), &k->rsa_pub,
	    back) && memcmp(back, hash, sizeof(hash)) == 0;
}

/* Fill K from the CRT parts of an RSA private key and its n, e and d, then check they agree. */
static int
set_rsa(struct key *k, const br_rsa_private_key *sk, const struct rsa_numbers *num)
{
	const unsigned char *n, *e, *d;
	size_t used = 0, nlen = num->nlen, elen = num->elen, dlen = num->dlen;

	if (sk->n_bitlen < 2048 || sk->n_bitlen > 4096)
		return error_set("RSA key of %u bits; keepcert uses 2048 to 4096 bits", sk->n_bitlen);
	k->is_rsa = 1;
	if (sk->n_bitlen >= 4096)
		k->type = KEY_RSA_4096;
	else if (sk->n_bitlen >= 3072)
		k->type = KEY_RSA_3072;
	else
		k->type = KEY_RSA_2048;

	k->rsa.n_bitlen = sk->n_bitlen;
	k->rsa.plen = sk->plen;
	k->rsa.qlen = sk->qlen;
	k->rsa.dplen = sk->dplen;
	k->rsa.dqlen = sk->dqlen;
	k->rsa.iqlen = sk->iqlen;
	k->rsa.p = copy_part(k, &used, sk->p, &k->rsa.plen);
	k->rsa.q = copy_part(k, &used, sk->q, &k->rsa.qlen);
	k->rsa.dp = copy_part(k, &used, sk->dp, &k->rsa.dplen);
	k->rsa.dq = copy_part(k, &used, sk->dq, &k->rsa.dqlen);
	k->rsa.iq = copy_part(k, &used, sk->iq, &k->rsa.iqlen);
	if (k->rsa.p == NULL || k->rsa.q == NULL || k->rsa.dp == NULL || k->rsa.dq == NULL ||
	    k->rsa.iq == NULL)
		return error_set("invalid RSA private key: a CRT part is zero or too long");

	n = strip_zeros(num->n, &nlen);
	e = strip_zeros(num->e, &elen);
	d = strip_zeros(num->d, &dlen);
	if (nlen > sizeof(k->pub_buf) - 4 || elen > 4 || dlen > sizeof(k->rsa_d))
		return error_set("invalid RSA private key: n, e or d is too long");
	memcpy(k->pub_buf, n, nlen);
	memcpy(k->pub_buf + nlen, e, elen);
	k->rsa_pub.n = k->pub_buf;
	k->rsa_pub.nlen = nlen;
	k->rsa_pub.e = k->pub_buf + nlen;
	k->rsa_pub.elen = elen;
	memcpy(k->rsa_d, d, dlen);
	k->rsa_dlen = dlen;

	/* NOTE: d itself is not checked against the CRT parts; only PKCS#8 export uses it. */
	if (!rsa_consistent(k))
		return error_set("invalid RSA private key: its modulus or public exponent does not "
		    "match its primes");
	return 0;
}

/*
 * Find n, e and d in a PKCS#1 RSAPrivateKey (RFC 8017 appendix A.1.2),
 * bare or inside a PKCS#8 PrivateKeyInfo (RFC 5208 section 5).
 */
static int
rsa_der_numbers(const unsigned char *der, size_t len, struct rsa_numbers *num)
{
	struct asn1 in = { der, len }, fields;
	struct asn1_elem seq, e;

	if (asn1_expect(&in, ASN1_SEQUENCE, &seq) != ASN1_OK)
		return -1;
	asn1_enter(&seq, &fields);
	if (asn1_expect(&fields, ASN1_INTEGER, &e) != ASN1_OK)
		return -1;

	/* PKCS#8: version, AlgorithmIdentifier, then the PKCS#1 key in an OCTET STRING. */
	if (asn1_peek(&fields, ASN1_SEQUENCE)) {
		if (asn1_expect(&fields, ASN1_SEQUENCE, &e) != ASN1_OK ||
		    asn1_expect(&fields, ASN1_OCTET_STRING, &e) != ASN1_OK)
			return -1;
		return rsa_der_numbers(e.data, e.len, num);
	}

	if (asn1_expect(&fields, ASN1_INTEGER, &e) != ASN1_OK)
		return -1;
	num->n = e.data;
	num->nlen = e.len;
	if (asn1_expect(&fields, ASN1_INTEGER, &e) != ASN1_OK)
		return -1;
	num->e = e.data;
	num->elen = e.len;
	if (asn1_expect(&fields, ASN1_INTEGER, &e) != ASN1_OK)
		return -1;
	num->d = e.data;
	num->dlen = e.len;
	return num->nlen > 0 && num->elen > 0 && num->dlen > 0 ? 0 : -1;
}

/* Decode one DER private key (PKCS#8, SEC1 or PKCS#1) into K. */
static int
parse_der(struct key *k, const void *der, size_t len)
{
	br_skey_decoder_context dc;
	struct rsa_numbers num;
	int rc;

	br_skey_decoder_init(&dc);
	br_skey_decoder_push(&dc, der, len);
	if (br_skey_decoder_last_error(&dc) != 0) {
		rc = error_set("invalid or unsupported private key (BearSSL error %d)",
		    br_skey_decoder_last_error(&dc));
	} else if (br_skey_decoder_key_type(&dc) == BR_KEYTYPE_EC) {
		rc = set_ec(k, br_skey_decoder_get_ec(&dc));
	} else if (br_skey_decoder_key_type(&dc) == BR_KEYTYPE_RSA) {
		/* BearSSL keeps only the CRT parts; n, e and d are read from the same DER. */
		if (rsa_der_numbers(der, len, &num) != 0)
			rc = error_set("invalid RSA private key: cannot read n, e and d");
		else
			rc = set_rsa(k, br_skey_decoder_get_rsa(&dc), &num);
	} else {
		rc = error_set("the private key is neither EC nor RSA");
	}
	explicit_bzero(&dc, sizeof(dc));
	return rc;
}

/* Find the first private key block in a PEM text and decode it. */
static int
parse_pem(struct key *k, const char *data, size_t len)
{
	const char *pos = data, *end = data + len;
	char label[PEM_LABEL_MAX];
	struct buf der = { 0 };
	int rc = -1, found;

	/* Skip other blocks, such as the "EC PARAMETERS" that openssl ecparam writes first. */
	while ((found = pem_next(&pos, end, label, &der)) == 1) {
		if (strcmp(label, "PRIVATE KEY") == 0 || strcmp(label, "EC PRIVATE KEY") == 0 ||
		    strcmp(label, "RSA PRIVATE KEY") == 0)
			break;
		if (strcmp(label, "ENCRYPTED PRIVATE KEY") == 0) {
			error_set("the key is encrypted; decrypt it first with 'openssl pkey -in FILE -out NEWFILE'");
			goto out;
		}
		buf_reset(&der);
	}
	if (found < 0)
		goto out;	/* pem_next() named the malformed block */
	if (found == 0) {
		error_set("no PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY block found");
		goto out;
	}
	if (der.failed) {
		error_set("out of memory decoding the key");
		goto out;
	}
	rc = parse_der(k, der.data, der.len);
out:
	buf_free(&der);
	return rc;
}

/*
 * Decode the base64url member NAME of the JWK (the top-level object) into OUT
 * of size CAP. When EXACT is non-zero, the value must be exactly that long.
 */
static int
jwk_member(const struct json_doc *doc, const char *name, unsigned char *out, size_t cap,
    size_t *len, size_t exact)
{
	char text[JWK_VALUE_MAX];
	int tok = json_get(doc, 0, name), n;

	if (tok < 0)
		return error_set("JWK: member \"%s\" is missing", name);
	n = json_string(doc, tok, text, sizeof(text));
	if (n < 0 || base64_decode(out, cap, len, text, (size_t)n, BASE64_URL) != 0 || *len == 0) {
		explicit_bzero(text, sizeof(text));
		return error_set("JWK: member \"%s\" is not a base64url value of a valid size", name);
	}
	explicit_bzero(text, sizeof(text));
	if (exact != 0 && *len != exact)
		return error_set("JWK: member \"%s\" is %zu bytes, expected %zu", name, *len, exact);
	return 0;
}

/* An EC JWK (RFC 7518 section 6.2): crv, x, y, d, with d checked against x and y. */
static int
parse_jwk_ec(struct key *k, const struct json_doc *doc)
{
	unsigned char d[48], x[48], y[48];
	br_ec_private_key sk;
	size_t size, dlen, xlen, ylen;
	int tok = json_get(doc, 0, "crv"), rc = -1;

	if (tok >= 0 && json_string_eq(doc, tok, "P-256")) {
		sk.curve = BR_EC_secp256r1;
		size = 32;
	} else if (tok >= 0 && json_string_eq(doc, tok, "P-384")) {
		sk.curve = BR_EC_secp384r1;
		size = 48;
	} else {
		return error_set("JWK: \"crv\" is missing or not P-256 or P-384");
	}

	if (jwk_member(doc, "d", d, sizeof(d), &dlen, size) != 0 ||
	    jwk_member(doc, "x", x, sizeof(x), &xlen, size) != 0 ||
	    jwk_member(doc, "y", y, sizeof(y), &ylen, size) != 0)
		goto out;
	sk.x = d;
	sk.xlen = dlen;
	if (set_ec(k, &sk) != 0)
		goto out;

	/* The public point the JWK states must be the one its private scalar gives. */
	if (k->ec_pub.qlen != 1 + 2 * size || memcmp(k->ec_pub.q + 1, x, size) != 0 ||
	    memcmp(k->ec_pub.q + 1 + size, y, size) != 0) {
		error_set("JWK: \"x\" and \"y\" do not match the private key \"d\"");
		goto out;
	}
	rc = 0;
out:
	explicit_bzero(d, sizeof(d));
	return rc;
}

/* An RSA JWK (RFC 7518 section 6.3): n, e, d and the CRT parts, checked against each other. */
static int
parse_jwk_rsa(struct key *k, const struct json_doc *doc)
{
	/* One buffer per part: p, q, dp, dq and qi of a 4096-bit key are 256 bytes each. */
	static const char *const names[5] = { "p", "q", "dp", "dq", "qi" };
	unsigned char parts[5][512], n[512], e[8], d[512];
	struct rsa_numbers num = { n, e, d, 0, 0, 0 };
	const unsigned char *np;
	br_rsa_private_key sk;
	size_t lens[5], nlen, i;
	unsigned bit;
	int rc = -1;

	if (json_get(doc, 0, "oth") >= 0) {
		error_set("JWK: multi-prime RSA keys (\"oth\") are not supported");
		goto out;
	}
	for (i = 0; i < 5; i++) {
		if (json_get(doc, 0, names[i]) < 0) {
			error_set("JWK: member \"%s\" is missing; keepcert needs the CRT parameters p, q, "
			    "dp, dq and qi", names[i]);
			goto out;
		}
		if (jwk_member(doc, names[i], parts[i], sizeof(parts[i]), &lens[i], 0) != 0)
			goto out;
	}
	if (jwk_member(doc, "n", n, sizeof(n), &num.nlen, 0) != 0 ||
	    jwk_member(doc, "e", e, sizeof(e), &num.elen, 0) != 0 ||
	    jwk_member(doc, "d", d, sizeof(d), &num.dlen, 0) != 0)
		goto out;

	/* BearSSL wants the modulus size in bits: count down from the top byte's first set bit. */
	nlen = num.nlen;
	np = strip_zeros(n, &nlen);
	sk.n_bitlen = (uint32_t)(nlen * 8);
	for (bit = 0x80; bit != 0 && (np[0] & bit) == 0; bit >>= 1)
		sk.n_bitlen--;
	sk.p = parts[0];
	sk.plen = lens[0];
	sk.q = parts[1];
	sk.qlen = lens[1];
	sk.dp = parts[2];
	sk.dplen = lens[2];
	sk.dq = parts[3];
	sk.dqlen = lens[3];
	sk.iq = parts[4];
	sk.iqlen = lens[4];
	rc = set_rsa(k, &sk, &num);
out:
	explicit_bzero(parts, sizeof(parts));
	explicit_bzero(d, sizeof(d));
	return rc;
}

/* A private JWK, as certbot writes for its account key. */
static int
parse_jwk(struct key *k, const char *data, size_t len)
{
	struct json_token tokens[JWK_TOKENS_MAX];
	struct json_doc doc;
	size_t offset;
	int tok, rc;

	rc = json_parse(&doc, data, len, tokens, JWK_TOKENS_MAX, &offset);
	if (rc != JSON_OK)
		return error_set("invalid JWK at byte %zu: %s", offset, json_strerror(rc));
	if (tokens[0].type != JSON_OBJECT)
		return error_set("the JWK is not a JSON object");

	tok = json_get(&doc, 0, "kty");
	if (tok >= 0 && json_string_eq(&doc, tok, "EC"))
		rc = parse_jwk_ec(k, &doc);
	else if (tok >= 0 && json_string_eq(&doc, tok, "RSA"))
		rc = parse_jwk_rsa(k, &doc);
	else
		rc = error_set("JWK: \"kty\" is missing or not EC or RSA");
	explicit_bzero(tokens, sizeof(tokens));
	return rc;
}

/* see key.h */
int
key_parse(struct key *k, const char *data, size_t len)
{
	size_t i = 0;
	int rc;

	key_wipe(k);
	while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
		i++;
	if (i < len && data[i] == '{')
		rc = parse_jwk(k, data, len);
	else
		rc = parse_pem(k, data, len);
	if (rc != 0)
		key_wipe(k);
	return rc;
}

/* see key.h */
int
key_load(struct key *k, const char *path)
{
	struct buf text = { .limit = KEY_FILE_MAX + 4096 };
	char *p;
	ssize_t n;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set("%s: cannot open: %s", path, strerror(errno));
	for (;;) {
		p = buf_reserve(&text, 4096);
		if (p == NULL) {
			error_set("%s: out of memory reading the key", path);
			goto out;
		}
		n = read(fd, p, 4096);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error_set("%s: read failed: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		text.len += (size_t)n;
		if (text.len > KEY_FILE_MAX) {
			error_set("%s: larger than %d bytes; is it a key file?", path, KEY_FILE_MAX);
			goto out;
		}
	}

	rc = key_parse(k, text.data != NULL ? text.data : "", text.len);
	if (rc != 0)
		error_prefix("%s", path);
out:
	close(fd);
	buf_free(&text);
	return rc;
}
