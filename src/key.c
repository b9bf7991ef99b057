#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
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

static const struct {
	enum key_type type;
	const char *name;
	unsigned bits;
} key_types[] = {
	{ KEY_EC_P256, "ec-p256", 256 },
	{ KEY_EC_P384, "ec-p384", 384 },
	{ KEY_RSA_2048, "rsa-2048", 2048 },
	{ KEY_RSA_3072, "rsa-3072", 3072 },
	{ KEY_RSA_4096, "rsa-4096", 4096 },
};

#define KEY_TYPE_COUNT (sizeof(key_types) / sizeof(key_types[0]))

/* see key.h */
int
key_type_parse(const char *name, enum key_type *type)
{
	size_t i;

	for (i = 0; i < KEY_TYPE_COUNT; i++) {
		if (strcmp(key_types[i].name, name) == 0) {
			*type = key_types[i].type;
			return 0;
		}
	}
	return error_set("%s: unknown key type; use ec-p256, ec-p384, rsa-2048, rsa-3072 or rsa-4096",
	    name);
}

/* see key.h */
const char *
key_type_name(enum key_type type)
{
	size_t i;

	for (i = 0; i < KEY_TYPE_COUNT; i++)
		if (key_types[i].type == type)
			return key_types[i].name;
	return "unknown";
}

/* The EC implementation for every curve keepcert uses: constant-time, 31-bit words, portable. */
static const br_ec_impl *
ec_impl(void)
{
	return &br_ec_all_m31;
}

/* see key.h */
void
key_wipe(struct key *k)
{
	explicit_bzero(k, sizeof(*k));
}

/* Seed an HMAC-DRBG from the operating system's RNG (getrandom or /dev/urandom). */
static int
rng_init(br_hmac_drbg_context *rng)
{
	br_prng_seeder seeder = br_prng_seeder_system(NULL);

	br_hmac_drbg_init(rng, &br_sha256_vtable, NULL, 0);
	if (seeder == NULL || !seeder(&rng->vtable))
		return error_set("cannot read the system random number generator; check that "
		    "/dev/urandom is readable");
	return 0;
}

/* see key.h */
int
key_generate(struct key *k, enum key_type type)
{
	br_hmac_drbg_context rng;
	int rc = -1;

	key_wipe(k);
	k->type = type;
	if (rng_init(&rng) != 0)
		goto out;

	if (type == KEY_EC_P256 || type == KEY_EC_P384) {
		int curve = type == KEY_EC_P256 ? BR_EC_secp256r1 : BR_EC_secp384r1;

		if (br_ec_keygen(&rng.vtable, ec_impl(), &k->ec, k->priv_buf, curve) == 0 ||
		    br_ec_compute_pub(ec_impl(), &k->ec_pub, k->pub_buf, &k->ec) == 0) {
			error_set("EC key generation failed for %s", key_type_name(type));
			goto out;
		}
	} else {
		unsigned bits = type == KEY_RSA_2048 ? 2048 : type == KEY_RSA_3072 ? 3072 : 4096;
		br_rsa_keygen keygen = br_rsa_keygen_get_default();

		k->is_rsa = 1;
		if (!keygen(&rng.vtable, &k->rsa, k->priv_buf, &k->rsa_pub, k->pub_buf, bits, 65537)) {
			error_set("RSA key generation failed for %s", key_type_name(type));
			goto out;
		}
	}
	rc = 0;
out:
	explicit_bzero(&rng, sizeof(rng));
	if (rc != 0)
		key_wipe(k);
	return rc;
}

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
	if (br_ec_compute_pub(ec_impl(), &k->ec_pub, k->pub_buf, &k->ec) == 0)
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

/* Fill K from the CRT parts of an RSA private key and recompute n and e from them. */
static int
set_rsa(struct key *k, const br_rsa_private_key *sk)
{
	br_rsa_compute_modulus compute_modulus = br_rsa_compute_modulus_get_default();
	br_rsa_compute_pubexp compute_pubexp = br_rsa_compute_pubexp_get_default();
	size_t used = 0, n_len;
	uint32_t e;

	if (sk->n_bitlen < 2048 || sk->n_bitlen > 4096)
		return error_set("RSA key of %u bits; keepcert uses 2048 to 4096 bits", sk->n_bitlen);
	k->is_rsa = 1;
	k->type = sk->n_bitlen >= 4096 ? KEY_RSA_4096 : sk->n_bitlen >= 3072 ? KEY_RSA_3072 : KEY_RSA_2048;

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

	/* The public half is n = p * q, with e recovered from dp and p (BearSSL checks them). */
	n_len = compute_modulus(NULL, &k->rsa);
	if (n_len == 0 || n_len > sizeof(k->pub_buf) - 4 || compute_modulus(k->pub_buf, &k->rsa) != n_len)
		return error_set("invalid RSA private key: cannot compute its modulus");
	e = compute_pubexp(&k->rsa);
	if (e == 0)
		return error_set("invalid RSA private key: its CRT parts are inconsistent");

	k->rsa_pub.n = k->pub_buf;
	k->rsa_pub.nlen = n_len;
	k->rsa_pub.e = k->pub_buf + n_len;
	k->rsa_pub.elen = 0;
	while (e != 0 && (e >> 24) == 0)
		e <<= 8;
	for (; e != 0; e <<= 8)
		k->rsa_pub.e[k->rsa_pub.elen++] = (unsigned char)(e >> 24);
	return 0;
}

/* Decode one DER private key (PKCS#8, SEC1 or PKCS#1) into K. */
static int
parse_der(struct key *k, const void *der, size_t len)
{
	br_skey_decoder_context dc;
	int rc;

	br_skey_decoder_init(&dc);
	br_skey_decoder_push(&dc, der, len);
	if (br_skey_decoder_last_error(&dc) != 0) {
		rc = error_set("invalid or unsupported private key (BearSSL error %d)",
		    br_skey_decoder_last_error(&dc));
	} else if (br_skey_decoder_key_type(&dc) == BR_KEYTYPE_EC) {
		rc = set_ec(k, br_skey_decoder_get_ec(&dc));
	} else if (br_skey_decoder_key_type(&dc) == BR_KEYTYPE_RSA) {
		rc = set_rsa(k, br_skey_decoder_get_rsa(&dc));
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
	if (found < 0) {
		error_set("malformed PEM block");
		goto out;
	}
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
 * Decode base64url member NAME of JWK object OBJ into OUT (of size CAP). When
 * EXACT is non-zero the value must be exactly that many bytes.
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

/* An RSA JWK (RFC 7518 section 6.3): the CRT parts, with n and e checked against them. */
static int
parse_jwk_rsa(struct key *k, const struct json_doc *doc)
{
	/* One buffer per part: p, q, dp, dq and qi of a 4096-bit key are 256 bytes each. */
	unsigned char parts[5][512], n[512], e[8];
	static const char *const names[5] = { "p", "q", "dp", "dq", "qi" };
	size_t lens[5], nlen, elen, i;
	const unsigned char *np, *ep;
	br_rsa_private_key sk;
	int rc = -1;

	if (json_get(doc, 0, "oth") >= 0) {
		error_set("JWK: multi-prime RSA keys (\"oth\") are not supported");
		goto out;
	}
	if (jwk_member(doc, "n", n, sizeof(n), &nlen, 0) != 0 ||
	    jwk_member(doc, "e", e, sizeof(e), &elen, 0) != 0)
		goto out;
	for (i = 0; i < 5; i++) {
		if (jwk_member(doc, names[i], parts[i], sizeof(parts[i]), &lens[i], 0) != 0) {
			error_prefix("keepcert needs the CRT parameters p, q, dp, dq and qi");
			goto out;
		}
	}

	np = strip_zeros(n, &nlen);
	sk.n_bitlen = (uint32_t)(nlen * 8);
	for (i = 0x80; i != 0 && (np[0] & i) == 0; i >>= 1)
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
	if (set_rsa(k, &sk) != 0)
		goto out;

	ep = strip_zeros(e, &elen);
	if (k->rsa_pub.nlen != nlen || memcmp(k->rsa_pub.n, np, nlen) != 0 ||
	    k->rsa_pub.elen != elen || memcmp(k->rsa_pub.e, ep, elen) != 0) {
		error_set("JWK: \"n\" and \"e\" do not match the private CRT parameters");
		goto out;
	}
	rc = 0;
out:
	explicit_bzero(parts, sizeof(parts));
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
	struct buf text = { .limit = KEY_FILE_MAX };
	char *p;
	ssize_t n;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set("%s: cannot open: %s", path, strerror(errno));
	for (;;) {
		p = buf_reserve(&text, 4096);
		if (p == NULL) {
			error_set("%s: larger than %d bytes; is it a key file?", path, KEY_FILE_MAX);
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
	}

	rc = key_parse(k, text.data != NULL ? text.data : "", text.len);
	if (rc != 0)
		error_prefix("%s", path);
out:
	close(fd);
	buf_free(&text);
	return rc;
}

/* The private exponent d, which PKCS#8 stores but BearSSL's CRT key does not hold. */
static size_t
rsa_private_exponent(const struct key *k, unsigned char *d, size_t cap)
{
	br_rsa_compute_privexp compute_privexp = br_rsa_compute_privexp_get_default();
	uint32_t e = 0;
	size_t i, len;

	for (i = 0; i < k->rsa_pub.elen; i++)
		e = e << 8 | k->rsa_pub.e[i];
	len = compute_privexp(NULL, &k->rsa, e);
	if (len == 0 || len > cap)
		return 0;
	return compute_privexp(d, &k->rsa, e);
}

/* see key.h */
int
key_to_pem(const struct key *k, struct buf *out)
{
	unsigned char d[512];
	struct buf der = { 0 };
	unsigned char *p;
	size_t len, dlen = 0;
	int rc = -1;

	if (k->is_rsa) {
		dlen = rsa_private_exponent(k, d, sizeof(d));
		if (dlen == 0)
			return error_set("cannot compute the RSA private exponent");
		len = br_encode_rsa_pkcs8_der(NULL, &k->rsa, &k->rsa_pub, d, dlen);
	} else {
		len = br_encode_ec_pkcs8_der(NULL, &k->ec, &k->ec_pub);
	}
	if (len == 0) {
		error_set("cannot encode the key as PKCS#8");
		goto out;
	}

	p = (unsigned char *)buf_reserve(&der, len);
	if (p == NULL) {
		error_set("out of memory encoding the key");
		goto out;
	}
	if (k->is_rsa)
		br_encode_rsa_pkcs8_der(p, &k->rsa, &k->rsa_pub, d, dlen);
	else
		br_encode_ec_pkcs8_der(p, &k->ec, &k->ec_pub);
	pem_write(out, "PRIVATE KEY", p, len);
	rc = out->failed ? error_set("out of memory writing the key") : 0;
out:
	buf_free(&der);
	explicit_bzero(d, sizeof(d));
	return rc;
}

/* Write all LEN bytes of DATA to FD. */
static int
write_all(int fd, const char *data, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* see key.h */
int
key_save(const struct key *k, const char *path)
{
	struct buf pem = { 0 };
	int fd, rc = -1;

	if (key_to_pem(k, &pem) != 0) {
		buf_free(&pem);
		return error_prefix("%s", path);
	}

	/* O_EXCL: never overwrite or follow a symlink to an existing key; mode 0600 from the start. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		error_set("%s: cannot create: %s", path, strerror(errno));
		goto out;
	}
	if (write_all(fd, pem.data, pem.len) != 0 || fsync(fd) != 0) {
		error_set("%s: write failed: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		goto out;
	}
	if (close(fd) != 0) {
		error_set("%s: close failed: %s", path, strerror(errno));
		unlink(path);
		goto out;
	}
	rc = 0;
out:
	buf_free(&pem);
	return rc;
}

/* see key.h */
int
key_sign(const struct key *k, const void *msg, size_t len, unsigned char sig[KEY_SIGNATURE_MAX])
{
	unsigned char hash[br_sha384_SIZE];
	const br_hash_class *hf;
	br_hash_compat_context hc;
	size_t n;

	hf = k->type == KEY_EC_P384 ? &br_sha384_vtable : &br_sha256_vtable;
	hf->init(&hc.vtable);
	hf->update(&hc.vtable, msg, len);
	hf->out(&hc.vtable, hash);

	if (k->is_rsa) {
		br_rsa_pkcs1_sign sign = br_rsa_pkcs1_sign_get_default();

		n = (k->rsa.n_bitlen + 7) / 8;
		if (n > KEY_SIGNATURE_MAX || !sign(BR_HASH_OID_SHA256, hash, br_sha256_SIZE, &k->rsa, sig))
			return error_set("RSA signing failed");
		return (int)n;
	}

	/* The raw form: r and s each padded to the curve size, as JWS wants (RFC 7518 section 3.4). */
	n = br_ecdsa_i31_sign_raw(ec_impl(), hf, hash, &k->ec, sig);
	if (n == 0)
		return error_set("ECDSA signing failed");
	return (int)n;
}

/* see key.h */
void
key_spki(const struct key *k, struct buf *out)
{
	size_t spki, alg, bits, rsa_key;

	spki = asn1_begin(out, ASN1_SEQUENCE);
	alg = asn1_begin(out, ASN1_SEQUENCE);
	if (k->is_rsa) {
		/* RFC 3279 section 2.3.1: rsaEncryption with NULL parameters, then RSAPublicKey. */
		asn1_write_tlv(out, ASN1_OID, OID_RSA_ENCRYPTION, ASN1_OID_LEN(OID_RSA_ENCRYPTION));
		asn1_write_tlv(out, ASN1_NULL, NULL, 0);
		asn1_end(out, alg);

		bits = asn1_begin(out, ASN1_BIT_STRING);
		buf_putc(out, 0);
		rsa_key = asn1_begin(out, ASN1_SEQUENCE);
		asn1_write_unsigned(out, k->rsa_pub.n, k->rsa_pub.nlen);
		asn1_write_unsigned(out, k->rsa_pub.e, k->rsa_pub.elen);
		asn1_end(out, rsa_key);
		asn1_end(out, bits);
	} else {
		/* RFC 5480 section 2: id-ecPublicKey with the named curve, then the uncompressed point. */
		asn1_write_tlv(out, ASN1_OID, OID_EC_PUBLIC_KEY, ASN1_OID_LEN(OID_EC_PUBLIC_KEY));
		if (k->type == KEY_EC_P256)
			asn1_write_tlv(out, ASN1_OID, OID_P256, ASN1_OID_LEN(OID_P256));
		else
			asn1_write_tlv(out, ASN1_OID, OID_P384, ASN1_OID_LEN(OID_P384));
		asn1_end(out, alg);
		asn1_write_bit_string(out, k->ec_pub.q, k->ec_pub.qlen);
	}
	asn1_end(out, spki);
}
