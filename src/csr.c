#include <arpa/inet.h>
#include <string.h>

#include "asn1.h"
#include "cert.h"
#include "csr.h"
#include "log.h"

#define LABEL_MAX_LEN 63

/* The upper bound of a subject common name (RFC 5280 appendix A.1, ub-common-name). */
#define COMMON_NAME_MAX_LEN 64

static int
is_ldh(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/* Check one lower-cased label of LEN bytes at P; NAME is the whole input, for messages. */
static int
check_label(const char *name, const char *p, size_t len)
{
	size_t i;

	if (len == 0)
		return error_set("%s: empty label; check for doubled or leading dots", log_short(name));
	if (len > LABEL_MAX_LEN)
		return error_set("%s: label longer than %d characters", log_short(name), LABEL_MAX_LEN);
	for (i = 0; i < len; i++) {
		if (!is_ldh(p[i]))
			return error_set("%s: invalid character '%c'; a DNS name has letters, digits, "
			    "hyphens and dots", log_short(name), p[i]);
	}
	if (p[0] == '-' || p[len - 1] == '-')
		return error_set("%s: a label starts or ends with a hyphen", log_short(name));

	/* RFC 5891 section 4.2.3.1: "??--" is reserved for A-labels, which start "xn--". */
	if (len >= 4 && p[2] == '-' && p[3] == '-' && !(p[0] == 'x' && p[1] == 'n'))
		return error_set("%s: hyphens in the third and fourth positions are reserved for "
		    "xn-- labels", log_short(name));
	return 0;
}

/* Validate and lower-case a DNS name, with at most one leading "*." label. */
static int
normalize_dns(const char *in, char out[NAME_MAX_LEN + 1])
{
	size_t len = strlen(in), i, start, label_start;

	for (i = 0; i < len; i++) {
		if ((unsigned char)in[i] >= 0x80)
			return error_set("%s: non-ASCII name; give its xn-- form (IDNA A-label) instead", log_short(in));
	}

	/* A trailing dot marks a fully qualified name; ACME identifiers are written without it. */
	if (len > 0 && in[len - 1] == '.')
		len--;
	if (len == 0)
		return error_set("%s: empty name", log_short(in));
	if (len > NAME_MAX_LEN)
		return error_set("%s: name longer than %d characters", log_short(in), NAME_MAX_LEN);
	for (i = 0; i < len; i++)
		out[i] = (in[i] >= 'A' && in[i] <= 'Z') ? (char)(in[i] - 'A' + 'a') : in[i];
	out[len] = '\0';

	/* RFC 8555 section 7.1.3: a wildcard is one "*" label in front of the base name. */
	start = 0;
	if (len >= 2 && out[0] == '*' && out[1] == '.')
		start = 2;
	else if (out[0] == '*')
		return error_set("%s: a wildcard must be a whole first label, as in *.example.org", log_short(in));

	label_start = start;
	for (i = start; i <= len; i++) {
		if (i < len && out[i] != '.')
			continue;
		if (check_label(in, out + label_start, i - label_start) != 0)
			return -1;
		label_start = i + 1;
	}

	/* A top-level domain is never all digits (RFC 3696 section 2), so this is a mistyped IP. */
	label_start = len;
	while (label_start > start && out[label_start - 1] != '.')
		label_start--;
	for (i = label_start; i < len && out[i] >= '0' && out[i] <= '9'; i++)
		;
	if (i == len)
		return error_set("%s: the last label is all digits; an IP address needs four numbers "
		    "0-255 (IPv4) or colons (IPv6)", log_short(in));
	return 0;
}

/* see csr.h */
int
name_is_ip(const char *name, unsigned char addr[16], size_t *len)
{
	if (inet_pton(AF_INET, name, addr) == 1) {
		*len = 4;
		return 1;
	}
	if (inet_pton(AF_INET6, name, addr) == 1) {
		*len = 16;
		return 1;
	}
	return 0;
}

/* see csr.h */
int
name_normalize(const char *in, char out[NAME_MAX_LEN + 1])
{
	unsigned char addr[16];
	size_t len;

	/* RFC 8738 section 3: IP identifiers in their usual text form (RFC 5952 for IPv6). */
	if (name_is_ip(in, addr, &len)) {
		/* A CA records an IPv4-mapped address as IPv4, so the certificate would lack the name given. */
		if (len == 16 && IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)addr)) {
			char v4[INET_ADDRSTRLEN];

			inet_ntop(AF_INET, addr + 12, v4, sizeof(v4));
			return error_set("%s: an IPv4-mapped IPv6 address; give its IPv4 form %s", log_short(in),
			    v4);
		}
		if (inet_ntop(len == 4 ? AF_INET : AF_INET6, addr, out, NAME_MAX_LEN + 1) == NULL)
			return error_set("%s: cannot format the IP address", log_short(in));
		return 0;
	}
	return normalize_dns(in, out);
}

/* Append the subject Name: CN = COMMON_NAME, or an empty sequence when it is NULL. */
static void
write_subject(struct buf *b, const char *common_name)
{
	size_t name, rdn, attr;

	name = asn1_begin(b, ASN1_SEQUENCE);
	if (common_name != NULL) {
		/* UTF8String, because PrintableString has no '*' for a wildcard. */
		rdn = asn1_begin(b, ASN1_SET);
		attr = asn1_begin(b, ASN1_SEQUENCE);
		asn1_write_tlv(b, ASN1_OID, OID_COMMON_NAME, ASN1_OID_LEN(OID_COMMON_NAME));
		asn1_write_tlv(b, ASN1_UTF8_STRING, common_name, strlen(common_name));
		asn1_end(b, attr);
		asn1_end(b, rdn);
	}
	asn1_end(b, name);
}

/*
 * Append the attributes [0] with one extensionRequest (RFC 2986 section 4.1,
 * RFC 2985 section 5.4.2) holding subjectAltName (RFC 5280 section 4.2.1.6):
 * dNSName [2] for names, iPAddress [7] for IP literals.
 */
static void
write_attributes(struct buf *b, char names[][NAME_MAX_LEN + 1], size_t count)
{
	size_t attrs, attr, values, exts, ext, value, general_names, i, len;
	unsigned char addr[16];

	attrs = asn1_begin(b, ASN1_CONTEXT_CONSTRUCTED(0));
	attr = asn1_begin(b, ASN1_SEQUENCE);
	asn1_write_tlv(b, ASN1_OID, OID_EXTENSION_REQUEST, ASN1_OID_LEN(OID_EXTENSION_REQUEST));
	values = asn1_begin(b, ASN1_SET);
	exts = asn1_begin(b, ASN1_SEQUENCE);
	ext = asn1_begin(b, ASN1_SEQUENCE);
	asn1_write_tlv(b, ASN1_OID, OID_SUBJECT_ALT_NAME, ASN1_OID_LEN(OID_SUBJECT_ALT_NAME));
	value = asn1_begin(b, ASN1_OCTET_STRING);
	general_names = asn1_begin(b, ASN1_SEQUENCE);
	for (i = 0; i < count; i++) {
		if (name_is_ip(names[i], addr, &len))
			asn1_write_tlv(b, ASN1_CONTEXT(7), addr, len);
		else
			asn1_write_tlv(b, ASN1_CONTEXT(2), names[i], strlen(names[i]));
	}
	asn1_end(b, general_names);
	asn1_end(b, value);
	asn1_end(b, ext);
	asn1_end(b, exts);
	asn1_end(b, values);
	asn1_end(b, attr);
	asn1_end(b, attrs);
}

/* Append the AlgorithmIdentifier of K's CSR signature. */
static void
write_signature_algorithm(struct buf *b, const struct key *k)
{
	size_t alg = asn1_begin(b, ASN1_SEQUENCE);

	if (k->is_rsa) {
		/* RFC 4055 section 5: sha256WithRSAEncryption takes NULL parameters. */
		asn1_write_tlv(b, ASN1_OID, OID_SHA256_WITH_RSA, ASN1_OID_LEN(OID_SHA256_WITH_RSA));
		asn1_write_tlv(b, ASN1_NULL, NULL, 0);
	} else if (k->type == KEY_EC_P384) {
		/* RFC 5758 section 3.2: ECDSA algorithm identifiers have no parameters. */
		asn1_write_tlv(b, ASN1_OID, OID_ECDSA_WITH_SHA384, ASN1_OID_LEN(OID_ECDSA_WITH_SHA384));
	} else {
		asn1_write_tlv(b, ASN1_OID, OID_ECDSA_WITH_SHA256, ASN1_OID_LEN(OID_ECDSA_WITH_SHA256));
	}
	asn1_end(b, alg);
}

/*
 * Append the signature BIT STRING over INFO. X.509 wants ECDSA as the DER
 * Ecdsa-Sig-Value SEQUENCE { r INTEGER, s INTEGER } (RFC 5480 section 2.2),
 * not the raw r || s that key_sign() returns.
 */
static int
write_signature(struct buf *b, const struct key *k, const struct buf *info)
{
	unsigned char sig[KEY_SIGNATURE_MAX];
	struct buf value = { 0 };
	size_t seq;
	int len;

	len = key_sign(k, info->data, info->len, sig);
	if (len < 0)
		return -1;
	if (k->is_rsa) {
		asn1_write_bit_string(b, sig, (size_t)len);
		return 0;
	}
	seq = asn1_begin(&value, ASN1_SEQUENCE);
	asn1_write_unsigned(&value, sig, (size_t)len / 2);
	asn1_write_unsigned(&value, sig + len / 2, (size_t)len / 2);
	asn1_end(&value, seq);
	asn1_write_bit_string(b, value.data, value.len);
	if (value.failed)
		b->failed = 1;
	buf_free(&value);
	return 0;
}

/*
 * The subject common name: the first DNS name, when it fits in 64
 * characters. IP literals are never used: a CN holding an IP address is
 * allowed but discouraged, and the SAN carries every name anyway.
 */
static const char *
pick_common_name(char names[][NAME_MAX_LEN + 1], size_t count)
{
	unsigned char addr[16];
	size_t i, len;

	for (i = 0; i < count; i++) {
		if (name_is_ip(names[i], addr, &len))
			continue;
		return strlen(names[i]) <= COMMON_NAME_MAX_LEN ? names[i] : NULL;
	}
	return NULL;
}

/* see csr.h */
int
csr_build(const struct key *k, const char *const *names, size_t count, struct buf *der)
{
	char normal[CERT_MAX_NAMES][NAME_MAX_LEN + 1];
	struct buf info = { 0 };
	size_t i, j, request, info_mark;
	int rc = -1;

	if (count == 0)
		return error_set("a certificate request needs at least one name");
	if (count > CERT_MAX_NAMES)
		return error_set("%zu names; a certificate holds at most %d", count, CERT_MAX_NAMES);
	for (i = 0; i < count; i++) {
		if (name_normalize(names[i], normal[i]) != 0)
			return -1;
		for (j = 0; j < i; j++) {
			if (strcmp(normal[i], normal[j]) == 0)
				return error_set("%s: name listed twice", names[i]);
		}
	}

	/* CertificationRequestInfo (RFC 2986 section 4.1): version 0, subject, key, attributes. */
	info_mark = asn1_begin(&info, ASN1_SEQUENCE);
	asn1_write_small_int(&info, 0);
	write_subject(&info, pick_common_name(normal, count));
	key_spki(k, &info);
	write_attributes(&info, normal, count);
	asn1_end(&info, info_mark);
	if (info.failed) {
		error_set("out of memory building the certificate request");
		goto out;
	}

	request = asn1_begin(der, ASN1_SEQUENCE);
	buf_append(der, info.data, info.len);
	write_signature_algorithm(der, k);
	if (write_signature(der, k, &info) != 0)
		goto out;
	asn1_end(der, request);
	rc = der->failed ? error_set("out of memory building the certificate request") : 0;
out:
	buf_free(&info);
	return rc;
}
