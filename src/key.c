#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "asn1.h"
#include "key.h"
#include "log.h"
#include "pem.h"

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
		br_rsa_keygen keygen = br_rsa_keygen_get_default();
		unsigned bits = 4096;

		if (type == KEY_RSA_2048)
			bits = 2048;
		else if (type == KEY_RSA_3072)
			bits = 3072;

		k->is_rsa = 1;
		if (!keygen(&rng.vtable, &k->rsa, k->priv_buf, &k->rsa_pub, k->pub_buf, bits, 65537)) {
			error_set("RSA key generation failed for %s", key_type_name(type));
			goto out;
		}
		k->rsa_dlen = br_rsa_compute_privexp_get_default()(k->rsa_d, &k->rsa, 65537);
		if (k->rsa_dlen == 0) {
			error_set("cannot compute the private exponent of the new %s key", key_type_name(type));
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

/*
 * Append the PKCS#8 PrivateKeyInfo (RFC 5208 section 5) of RSA key K, with
 * the RSAPrivateKey of RFC 8017 appendix A.1.2 inside. BearSSL 0.6 has an
 * encoder for this, but it passes a null pointer to memcpy for the version
 * field, which UBSan rejects.
 */
static void
rsa_pkcs8(const struct key *k, struct buf *out)
{
	size_t info, alg, octets, rsa;

	info = asn1_begin(out, ASN1_SEQUENCE);
	asn1_write_small_int(out, 0);
	alg = asn1_begin(out, ASN1_SEQUENCE);
	asn1_write_tlv(out, ASN1_OID, OID_RSA_ENCRYPTION, ASN1_OID_LEN(OID_RSA_ENCRYPTION));
	asn1_write_tlv(out, ASN1_NULL, NULL, 0);
	asn1_end(out, alg);

	octets = asn1_begin(out, ASN1_OCTET_STRING);
	rsa = asn1_begin(out, ASN1_SEQUENCE);
	asn1_write_small_int(out, 0);	/* version two-prime */
	asn1_write_unsigned(out, k->rsa_pub.n, k->rsa_pub.nlen);
	asn1_write_unsigned(out, k->rsa_pub.e, k->rsa_pub.elen);
	asn1_write_unsigned(out, k->rsa_d, k->rsa_dlen);
	asn1_write_unsigned(out, k->rsa.p, k->rsa.plen);
	asn1_write_unsigned(out, k->rsa.q, k->rsa.qlen);
	asn1_write_unsigned(out, k->rsa.dp, k->rsa.dplen);
	asn1_write_unsigned(out, k->rsa.dq, k->rsa.dqlen);
	asn1_write_unsigned(out, k->rsa.iq, k->rsa.iqlen);
	asn1_end(out, rsa);
	asn1_end(out, octets);
	asn1_end(out, info);
}

/* see key.h */
int
key_to_pem(const struct key *k, struct buf *out)
{
	struct buf der = { 0 };
	unsigned char *p;
	size_t len;
	int rc = -1;

	if (k->is_rsa) {
		if (k->rsa_dlen == 0)
			return error_set("the RSA key has no private exponent to write");
		rsa_pkcs8(k, &der);
	} else {
		len = br_encode_ec_pkcs8_der(NULL, &k->ec, &k->ec_pub);
		p = len != 0 ? (unsigned char *)buf_reserve(&der, len) : NULL;
		if (p != NULL) {
			br_encode_ec_pkcs8_der(p, &k->ec, &k->ec_pub);
			der.len = len;
		} else if (len == 0) {
			error_set("cannot encode the EC key as PKCS#8");
			goto out;
		}
	}
	if (der.failed) {
		error_set("out of memory encoding the key");
		goto out;
	}
	pem_write(out, "PRIVATE KEY", der.data, der.len);
	rc = out->failed ? error_set("out of memory writing the key") : 0;
out:
	buf_free(&der);
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
