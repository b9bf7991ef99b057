#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "asn1.h"
#include "base64.h"
#include "cert.h"
#include "log.h"
#include "pem.h"

/* Return -1 after naming the certificate field that failed to parse and why. */
static int
bad(const char *field, int rc)
{
	return error_set("invalid certificate: %s: %s", field, asn1_strerror(rc));
}

/*
 * Copy a directory string into OUT (65 bytes) for display: control bytes
 * become '?', and a value longer than 64 bytes is cut at a UTF-8 character
 * boundary. Such a value is odd but harmless, so it is shown rather than
 * rejected.
 */
static void
copy_display_string(char out[65], const unsigned char *p, size_t len)
{
	size_t i;

	if (len > 64) {
		len = 64;
		while (len > 0 && (p[len] & 0xc0) == 0x80)
			len--;
	}
	for (i = 0; i < len; i++)
		out[i] = (p[i] < 0x20 || p[i] == 0x7f) ? '?' : (char)p[i];
	out[len] = '\0';
}

/* Find the first common name in Name NAME (RFC 5280 section 4.1.2.4) and copy it into OUT. */
static int
read_common_name(const struct asn1_elem *name, char out[65], const char *field)
{
	struct asn1 rdns, set, attr;
	struct asn1_elem rdn, atv, type, value;
	int rc;

	out[0] = '\0';
	asn1_enter(name, &rdns);
	while (rdns.len > 0) {
		if ((rc = asn1_expect(&rdns, ASN1_SET, &rdn)) != ASN1_OK)
			return bad(field, rc);
		asn1_enter(&rdn, &set);
		while (set.len > 0) {
			if ((rc = asn1_expect(&set, ASN1_SEQUENCE, &atv)) != ASN1_OK)
				return bad(field, rc);
			asn1_enter(&atv, &attr);
			if ((rc = asn1_expect(&attr, ASN1_OID, &type)) != ASN1_OK ||
			    (rc = asn1_next(&attr, &value)) != ASN1_OK)
				return bad(field, rc);
			if (out[0] == '\0' &&
			    asn1_oid_equal(&type, OID_COMMON_NAME, ASN1_OID_LEN(OID_COMMON_NAME)))
				copy_display_string(out, value.data, value.len);
		}
	}
	return 0;
}

/* Append one SAN entry to OUT's names. */
static int
add_name(struct cert_info *out, const char *text, int is_address)
{
	if (out->name_count >= CERT_MAX_NAMES)
		return error_set("invalid certificate: more than %d names", CERT_MAX_NAMES);
	snprintf(out->names[out->name_count], sizeof(out->names[0]), "%s", text);
	out->name_is_address[out->name_count] = (unsigned char)is_address;
	out->name_count++;
	return 0;
}

/* Read the GeneralNames of a subjectAltName (RFC 5280 section 4.2.1.6): dNSName and iPAddress. */
static int
read_subject_alt_name(const unsigned char *der, size_t len, struct cert_info *out)
{
	struct asn1 in = { der, len }, names;
	struct asn1_elem seq, gn;
	char text[INET6_ADDRSTRLEN > 254 ? INET6_ADDRSTRLEN : 254];
	size_t i;
	int rc;

	if ((rc = asn1_expect(&in, ASN1_SEQUENCE, &seq)) != ASN1_OK || in.len != 0)
		return bad("subjectAltName", rc != ASN1_OK ? rc : ASN1_ERR_LENGTH);
	asn1_enter(&seq, &names);
	while (names.len > 0) {
		if ((rc = asn1_next(&names, &gn)) != ASN1_OK)
			return bad("subjectAltName", rc);

		if (gn.tag == ASN1_CONTEXT(2)) {
			/* dNSName: IA5String, and a host name never has spaces or control bytes. */
			if (gn.len == 0 || gn.len >= sizeof(out->names[0]))
				return bad("subjectAltName dNSName", ASN1_ERR_VALUE);
			for (i = 0; i < gn.len; i++) {
				if (gn.data[i] <= 0x20 || gn.data[i] >= 0x7f)
					return bad("subjectAltName dNSName", ASN1_ERR_VALUE);
				text[i] = (char)gn.data[i];
			}
			text[gn.len] = '\0';
		} else if (gn.tag == ASN1_CONTEXT(7)) {
			/* iPAddress: 4 or 16 octets in a certificate (8 and 32 only in name constraints). */
			if (gn.len != 4 && gn.len != 16)
				return bad("subjectAltName iPAddress", ASN1_ERR_VALUE);
			if (inet_ntop(gn.len == 4 ? AF_INET : AF_INET6, gn.data, text, sizeof(text)) == NULL)
				return bad("subjectAltName iPAddress", ASN1_ERR_VALUE);
		} else {
			/* Other name forms (email, URI, directory name) are not identifiers keepcert requests. */
			continue;
		}
		if (add_name(out, text, gn.tag == ASN1_CONTEXT(7)) != 0)
			return -1;
	}
	return 0;
}

/* Read keyIdentifier [0] from an AuthorityKeyIdentifier (RFC 5280 section 4.2.1.1). */
static int
read_authority_key_id(const unsigned char *der, size_t len, struct cert_info *out)
{
	struct asn1 in = { der, len }, fields;
	struct asn1_elem seq, field;
	int rc;

	if ((rc = asn1_expect(&in, ASN1_SEQUENCE, &seq)) != ASN1_OK || in.len != 0)
		return bad("authorityKeyIdentifier", rc != ASN1_OK ? rc : ASN1_ERR_LENGTH);
	asn1_enter(&seq, &fields);
	while (fields.len > 0) {
		if ((rc = asn1_next(&fields, &field)) != ASN1_OK)
			return bad("authorityKeyIdentifier", rc);
		if (field.tag != ASN1_CONTEXT(0))
			continue;
		if (field.len == 0 || field.len > sizeof(out->aki))
			return bad("authorityKeyIdentifier keyIdentifier", ASN1_ERR_VALUE);
		memcpy(out->aki, field.data, field.len);
		out->aki_len = field.len;
	}
	return 0;
}

/* Read the extensions [3] (RFC 5280 section 4.1.2.9), keeping subjectAltName and the AKI. */
static int
read_extensions(const struct asn1_elem *tagged, struct cert_info *out)
{
	struct asn1 wrapper, list, fields;
	struct asn1_elem seq, ext, oid, value;
	int rc, seen_san = 0, seen_aki = 0;

	asn1_enter(tagged, &wrapper);
	if ((rc = asn1_expect(&wrapper, ASN1_SEQUENCE, &seq)) != ASN1_OK || wrapper.len != 0)
		return bad("extensions", rc != ASN1_OK ? rc : ASN1_ERR_LENGTH);
	asn1_enter(&seq, &list);
	while (list.len > 0) {
		if ((rc = asn1_expect(&list, ASN1_SEQUENCE, &ext)) != ASN1_OK)
			return bad("extension", rc);
		asn1_enter(&ext, &fields);
		if ((rc = asn1_expect(&fields, ASN1_OID, &oid)) != ASN1_OK)
			return bad("extension", rc);
		if (asn1_peek(&fields, ASN1_BOOLEAN) && (rc = asn1_next(&fields, &value)) != ASN1_OK)
			return bad("extension", rc);
		if ((rc = asn1_expect(&fields, ASN1_OCTET_STRING, &value)) != ASN1_OK || fields.len != 0)
			return bad("extension", rc != ASN1_OK ? rc : ASN1_ERR_LENGTH);

		/* A certificate must not repeat an extension (RFC 5280 section 4.2). */
		if (asn1_oid_equal(&oid, OID_SUBJECT_ALT_NAME, ASN1_OID_LEN(OID_SUBJECT_ALT_NAME))) {
			if (seen_san)
				return error_set("invalid certificate: subjectAltName appears twice");
			seen_san = 1;
			if (read_subject_alt_name(value.data, value.len, out) != 0)
				return -1;
		} else if (asn1_oid_equal(&oid, OID_AUTHORITY_KEY_ID, ASN1_OID_LEN(OID_AUTHORITY_KEY_ID))) {
			if (seen_aki)
				return error_set("invalid certificate: authorityKeyIdentifier appears twice");
			seen_aki = 1;
			if (read_authority_key_id(value.data, value.len, out) != 0)
				return -1;
		}
	}
	return 0;
}

/* Read notBefore and notAfter (RFC 5280 section 4.1.2.5). */
static int
read_validity(const struct asn1_elem *validity, struct cert_info *out)
{
	struct asn1 in;
	struct asn1_elem t;
	int rc;

	asn1_enter(validity, &in);
	if ((rc = asn1_next(&in, &t)) != ASN1_OK || (rc = asn1_read_time(&t, &out->not_before)) != ASN1_OK)
		return bad("notBefore", rc);
	if ((rc = asn1_next(&in, &t)) != ASN1_OK || (rc = asn1_read_time(&t, &out->not_after)) != ASN1_OK)
		return bad("notAfter", rc);
	if (in.len != 0)
		return bad("validity", ASN1_ERR_LENGTH);
	return 0;
}

/*
 * Name the key type of a SubjectPublicKeyInfo (RFC 5480 for EC, RFC 3279
 * for RSA) as key_type_name() does, or leave OUT empty for any other key.
 * Reading it from the certificate spares loading the private key, which
 * for EC costs a point multiplication per certificate.
 */
static void
read_key_type(const struct asn1_elem *spki, char *out, size_t cap)
{
	struct asn1 in, alg_in, rsa_in;
	struct asn1_elem alg, oid, param, bits, rsa, n;
	size_t modulus_bits;

	out[0] = '\0';
	asn1_enter(spki, &in);
	if (asn1_expect(&in, ASN1_SEQUENCE, &alg) != ASN1_OK)
		return;
	asn1_enter(&alg, &alg_in);
	if (asn1_expect(&alg_in, ASN1_OID, &oid) != ASN1_OK)
		return;

	if (asn1_oid_equal(&oid, OID_EC_PUBLIC_KEY, ASN1_OID_LEN(OID_EC_PUBLIC_KEY))) {
		if (asn1_expect(&alg_in, ASN1_OID, &param) != ASN1_OK)
			return;
		if (asn1_oid_equal(&param, OID_P256, ASN1_OID_LEN(OID_P256)))
			snprintf(out, cap, "%s", key_type_name(KEY_EC_P256));
		else if (asn1_oid_equal(&param, OID_P384, ASN1_OID_LEN(OID_P384)))
			snprintf(out, cap, "%s", key_type_name(KEY_EC_P384));
		return;
	}
	if (!asn1_oid_equal(&oid, OID_RSA_ENCRYPTION, ASN1_OID_LEN(OID_RSA_ENCRYPTION)))
		return;

	/* The BIT STRING contains RSAPublicKey { modulus INTEGER, publicExponent INTEGER } after its unused-bits octet. */
	if (asn1_expect(&in, ASN1_BIT_STRING, &bits) != ASN1_OK || bits.len < 1 || bits.data[0] != 0)
		return;
	rsa_in.p = bits.data + 1;
	rsa_in.len = bits.len - 1;
	if (asn1_expect(&rsa_in, ASN1_SEQUENCE, &rsa) != ASN1_OK)
		return;
	asn1_enter(&rsa, &rsa_in);
	if (asn1_expect(&rsa_in, ASN1_INTEGER, &n) != ASN1_OK || n.len < 2)
		return;
	modulus_bits = (n.data[0] == 0 ? n.len - 1 : n.len) * 8;
	if (modulus_bits == 2048)
		snprintf(out, cap, "%s", key_type_name(KEY_RSA_2048));
	else if (modulus_bits == 3072)
		snprintf(out, cap, "%s", key_type_name(KEY_RSA_3072));
	else if (modulus_bits == 4096)
		snprintf(out, cap, "%s", key_type_name(KEY_RSA_4096));
}

/* Read the TBSCertificate fields (RFC 5280 section 4.1). */
static int
read_tbs(const struct asn1_elem *tbs, struct cert_info *out)
{
	struct asn1 in;
	struct asn1_elem e, issuer, subject;
	br_sha256_context sc;
	int rc;

	asn1_enter(tbs, &in);
	if (asn1_peek(&in, ASN1_CONTEXT_CONSTRUCTED(0)) && (rc = asn1_next(&in, &e)) != ASN1_OK)
		return bad("version", rc);

	if ((rc = asn1_expect(&in, ASN1_INTEGER, &e)) != ASN1_OK)
		return bad("serialNumber", rc);
	if (e.len == 0 || e.len > sizeof(out->serial))
		return bad("serialNumber", ASN1_ERR_VALUE);
	memcpy(out->serial, e.data, e.len);
	out->serial_len = e.len;

	if ((rc = asn1_expect(&in, ASN1_SEQUENCE, &e)) != ASN1_OK)
		return bad("signature", rc);
	if ((rc = asn1_expect(&in, ASN1_SEQUENCE, &issuer)) != ASN1_OK)
		return bad("issuer", rc);
	if ((rc = asn1_expect(&in, ASN1_SEQUENCE, &e)) != ASN1_OK || read_validity(&e, out) != 0)
		return rc != ASN1_OK ? bad("validity", rc) : -1;
	if ((rc = asn1_expect(&in, ASN1_SEQUENCE, &subject)) != ASN1_OK)
		return bad("subject", rc);
	if (read_common_name(&issuer, out->issuer_cn, "issuer") != 0 ||
	    read_common_name(&subject, out->subject_cn, "subject") != 0)
		return -1;

	/* Keep a hash of the whole SubjectPublicKeyInfo to compare with a private key later. */
	if ((rc = asn1_expect(&in, ASN1_SEQUENCE, &e)) != ASN1_OK)
		return bad("subjectPublicKeyInfo", rc);
	br_sha256_init(&sc);
	br_sha256_update(&sc, e.raw, e.raw_len);
	br_sha256_out(&sc, out->spki_hash);
	read_key_type(&e, out->key_type, sizeof(out->key_type));

	if (asn1_peek(&in, ASN1_CONTEXT(1)) && (rc = asn1_next(&in, &e)) != ASN1_OK)
		return bad("issuerUniqueID", rc);
	if (asn1_peek(&in, ASN1_CONTEXT(2)) && (rc = asn1_next(&in, &e)) != ASN1_OK)
		return bad("subjectUniqueID", rc);
	if (asn1_peek(&in, ASN1_CONTEXT_CONSTRUCTED(3))) {
		if ((rc = asn1_next(&in, &e)) != ASN1_OK)
			return bad("extensions", rc);
		if (read_extensions(&e, out) != 0)
			return -1;
	}
	if (in.len != 0)
		return bad("tbsCertificate", ASN1_ERR_LENGTH);
	return 0;
}

/* see cert.h */
int
cert_parse(const unsigned char *der, size_t len, struct cert_info *out)
{
	struct asn1 in = { der, len }, fields;
	struct asn1_elem cert, tbs, e;
	int rc;

	memset(out, 0, sizeof(*out));

	/* Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue } */
	if ((rc = asn1_expect(&in, ASN1_SEQUENCE, &cert)) != ASN1_OK)
		return bad("Certificate", rc);
	if (in.len != 0)
		return bad("Certificate", ASN1_ERR_LENGTH);
	asn1_enter(&cert, &fields);
	if ((rc = asn1_expect(&fields, ASN1_SEQUENCE, &tbs)) != ASN1_OK)
		return bad("tbsCertificate", rc);
	if ((rc = asn1_expect(&fields, ASN1_SEQUENCE, &e)) != ASN1_OK)
		return bad("signatureAlgorithm", rc);
	if ((rc = asn1_expect(&fields, ASN1_BIT_STRING, &e)) != ASN1_OK || fields.len != 0)
		return bad("signatureValue", rc != ASN1_OK ? rc : ASN1_ERR_LENGTH);

	rc = read_tbs(&tbs, out);
	if (rc != 0)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* see cert.h */
int
cert_chain_split(const char *pem, size_t len, struct buf ders[CERT_MAX_CHAIN])
{
	const char *pos = pem, *end = pem + len;
	char label[PEM_LABEL_MAX];
	struct buf der = { 0 };
	int count = 0, found;

	while ((found = pem_next(&pos, end, label, &der)) == 1) {
		if (strcmp(label, "CERTIFICATE") != 0) {
			error_set("PEM block \"%s\" in a certificate chain; expected only CERTIFICATE", label);
			goto fail;
		}
		if (count == CERT_MAX_CHAIN) {
			error_set("more than %d certificates in the chain", CERT_MAX_CHAIN);
			goto fail;
		}
		buf_append(&ders[count], der.data, der.len);
		if (der.failed || ders[count].failed) {
			error_set("out of memory reading the certificate chain");
			goto fail;
		}
		count++;
		buf_reset(&der);
	}
	if (found < 0) {
		error_prefix("certificate %d of the chain", count + 1);
		goto fail;
	}
	if (count == 0) {
		error_set("no CERTIFICATE block found");
		goto fail;
	}
	buf_free(&der);
	return count;
fail:
	buf_free(&der);
	return -1;
}

/* see cert.h */
int
cert_matches_key(const struct cert_info *c, const struct key *k)
{
	struct buf spki = { 0 };
	unsigned char hash[br_sha256_SIZE];
	br_sha256_context sc;

	key_spki(k, &spki);
	if (spki.failed || spki.data == NULL) {
		buf_free(&spki);
		return 0;
	}
	br_sha256_init(&sc);
	br_sha256_update(&sc, spki.data, spki.len);
	br_sha256_out(&sc, hash);
	buf_free(&spki);

	/* NOTE: this compares encodings, so a certificate holding a compressed EC point would not match. */
	return memcmp(hash, c->spki_hash, sizeof(hash)) == 0;
}

/* see cert.h */
int
cert_ari_id(const struct cert_info *c, char *out, size_t cap)
{
	size_t aki_len = base64_encoded_len(c->aki_len, BASE64_URL);
	size_t serial_len = base64_encoded_len(c->serial_len, BASE64_URL);

	/* RFC 9773 section 4.1: both parts base64url without padding, the serial's DER contents. */
	if (c->aki_len == 0)
		return error_set("the certificate has no authority key identifier; its CA cannot "
		    "offer renewal information");
	if (c->serial_len == 0)
		return error_set("the certificate has no serial number");
	if (aki_len + 1 + serial_len + 1 > cap)
		return error_set("certificate identifier longer than %zu bytes", cap);

	base64_encode(out, c->aki, c->aki_len, BASE64_URL);
	out[aki_len] = '.';
	base64_encode(out + aki_len + 1, c->serial, c->serial_len, BASE64_URL);
	return 0;
}
