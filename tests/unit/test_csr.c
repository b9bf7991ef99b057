#include <stdio.h>
#include <string.h>

#include "asn1.h"
#include "csr.h"
#include "key.h"
#include "log.h"
#include "unit.h"

/* Each input, and the normalized name or NULL when it must be rejected with ERROR in the message. */
static const struct {
	const char *in;
	const char *out;
	const char *error;
} names[] = {
	{ "example.org", "example.org", NULL },
	{ "WWW.Example.ORG", "www.example.org", NULL },
	{ "example.org.", "example.org", NULL },
	{ "*.example.org", "*.example.org", NULL },
	{ "*.EXAMPLE.org", "*.example.org", NULL },
	{ "a-b.c-d.example", "a-b.c-d.example", NULL },
	{ "xn--bcher-kva.example", "xn--bcher-kva.example", NULL },
	{ "localhost", "localhost", NULL },
	{ "1host.example", "1host.example", NULL },
	{ "192.0.2.1", "192.0.2.1", NULL },
	{ "2001:DB8::1", "2001:db8::1", NULL },
	{ "2001:db8:0:0:0:0:0:1", "2001:db8::1", NULL },
	/* CAs record an IPv4-mapped address as IPv4, so the certificate would lack it: refused. */
	{ "::ffff:192.0.2.1", NULL, "an IPv4-mapped IPv6 address; give its IPv4 form 192.0.2.1" },
	{ "::1", "::1", NULL },
	/* 63-character label: the longest allowed. */
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example", NULL },
	{ "bücher.example.com", NULL,
	    "bücher.example.com: non-ASCII name; give its xn-- form (IDNA A-label) instead" },
	{ "", NULL, "empty name" },
	{ ".", NULL, "empty name" },
	{ "example..org", NULL, "empty label" },
	{ ".example.org", NULL, "empty label" },
	{ "-example.org", NULL, "starts or ends with a hyphen" },
	{ "example-.org", NULL, "starts or ends with a hyphen" },
	{ "exa_mple.org", NULL, "invalid character '_'" },
	{ "exa mple.org", NULL, "invalid character ' '" },
	{ "*.*.example.org", NULL, "invalid character '*'" },
	{ "www.*.example.org", NULL, "invalid character '*'" },
	{ "*example.org", NULL, "whole first label" },
	{ "*", NULL, "whole first label" },
	{ "ab--cd.example", NULL, "reserved for xn-- labels" },
	{ "1.2.3.256", NULL, "last label is all digits" },
	{ "10.0.0", NULL, "last label is all digits" },
	{ "[::1]", NULL, "invalid character '['" },
	{ "fe80::1%eth0", NULL, "invalid character ':'" },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example", NULL,
	    "label longer than 63 characters" },
};

TEST(csr_name_normalize_table)
{
	char out[NAME_MAX_LEN + 1];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int rc = name_normalize(names[i].in, out);

		if (names[i].out != NULL) {
			if (!CHECK_INT(rc, 0))
				unit_fail(__FILE__, __LINE__, "%s: %s", names[i].in, error_text());
			else
				CHECK_STR(out, names[i].out);
		} else if (CHECK_INT(rc, -1) && strstr(error_text(), names[i].error) == NULL) {
			unit_fail(__FILE__, __LINE__, "%s: message \"%s\" lacks \"%s\"", names[i].in,
			    error_text(), names[i].error);
		}
	}
}

_Static_assert(sizeof(names) / sizeof(names[0]) >= 25, "at least 25 name cases");

TEST(csr_name_total_length)
{
	char in[300], out[NAME_MAX_LEN + 1];
	size_t i;

	/* 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253 characters: the longest name. */
	memset(in, 'a', sizeof(in));
	in[63] = in[127] = in[191] = '.';
	in[253] = '\0';
	CHECK_INT(name_normalize(in, out), 0);
	CHECK_INT(strlen(out), 253);

	in[253] = 'a';
	in[254] = '\0';
	CHECK_INT(name_normalize(in, out), -1);
	CHECK(strstr(error_text(), "longer than 253") != NULL);

	/* A trailing dot does not count. */
	in[253] = '.';
	CHECK_INT(name_normalize(in, out), 0);
	for (i = 0; i < 253 && out[i] != '\0'; i++)
		;
	CHECK_INT(i, 253);
}

TEST(csr_name_is_ip)
{
	unsigned char addr[16];
	size_t len = 0;

	CHECK_INT(name_is_ip("192.0.2.1", addr, &len), 1);
	CHECK_INT(len, 4);
	CHECK_MEM(addr, 4, "\xc0\x00\x02\x01", 4);
	CHECK_INT(name_is_ip("2001:db8::1", addr, &len), 1);
	CHECK_INT(len, 16);
	CHECK_MEM(addr, 16, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
	CHECK_INT(name_is_ip("example.org", addr, &len), 0);
	CHECK_INT(name_is_ip("1.2.3", addr, &len), 0);
}

/* Walk a CSR and collect its subject CN (empty if none) and SAN entries as text. */
static int
read_csr(const struct buf *der, char *cn, size_t cn_cap, char *sans, size_t sans_cap)
{
	struct asn1 in = { (const unsigned char *)der->data, der->len }, req, info, it;
	struct asn1_elem e, csr, inf, subject, attrs;
	size_t used = 0;

	cn[0] = sans[0] = '\0';
	if (asn1_expect(&in, ASN1_SEQUENCE, &csr) != ASN1_OK || in.len != 0)
		return -1;
	asn1_enter(&csr, &req);
	if (asn1_expect(&req, ASN1_SEQUENCE, &inf) != ASN1_OK)
		return -1;
	asn1_enter(&inf, &info);
	if (asn1_expect(&info, ASN1_INTEGER, &e) != ASN1_OK || e.len != 1 || e.data[0] != 0)
		return -1;
	if (asn1_expect(&info, ASN1_SEQUENCE, &subject) != ASN1_OK)
		return -1;
	if (subject.len > 0) {
		/* SET { SEQUENCE { OID cn, UTF8String } } */
		asn1_enter(&subject, &it);
		if (asn1_expect(&it, ASN1_SET, &e) != ASN1_OK)
			return -1;
		asn1_enter(&e, &it);
		if (asn1_expect(&it, ASN1_SEQUENCE, &e) != ASN1_OK)
			return -1;
		asn1_enter(&e, &it);
		if (asn1_expect(&it, ASN1_OID, &e) != ASN1_OK ||
		    !asn1_oid_equal(&e, OID_COMMON_NAME, ASN1_OID_LEN(OID_COMMON_NAME)) ||
		    asn1_expect(&it, ASN1_UTF8_STRING, &e) != ASN1_OK || e.len >= cn_cap)
			return -1;
		memcpy(cn, e.data, e.len);
		cn[e.len] = '\0';
	}
	if (asn1_expect(&info, ASN1_SEQUENCE, &e) != ASN1_OK)	/* subjectPKInfo */
		return -1;
	if (asn1_expect(&info, ASN1_CONTEXT_CONSTRUCTED(0), &attrs) != ASN1_OK || info.len != 0)
		return -1;

	/* [0] { SEQUENCE { OID extensionRequest, SET { SEQUENCE { SEQUENCE { OID san, OCTET STRING }}}}} */
	asn1_enter(&attrs, &it);
	if (asn1_expect(&it, ASN1_SEQUENCE, &e) != ASN1_OK)
		return -1;
	asn1_enter(&e, &it);
	if (asn1_expect(&it, ASN1_OID, &e) != ASN1_OK ||
	    !asn1_oid_equal(&e, OID_EXTENSION_REQUEST, ASN1_OID_LEN(OID_EXTENSION_REQUEST)) ||
	    asn1_expect(&it, ASN1_SET, &e) != ASN1_OK)
		return -1;
	asn1_enter(&e, &it);
	if (asn1_expect(&it, ASN1_SEQUENCE, &e) != ASN1_OK)
		return -1;
	asn1_enter(&e, &it);
	if (asn1_expect(&it, ASN1_SEQUENCE, &e) != ASN1_OK)
		return -1;
	asn1_enter(&e, &it);
	if (asn1_expect(&it, ASN1_OID, &e) != ASN1_OK ||
	    !asn1_oid_equal(&e, OID_SUBJECT_ALT_NAME, ASN1_OID_LEN(OID_SUBJECT_ALT_NAME)) ||
	    asn1_expect(&it, ASN1_OCTET_STRING, &e) != ASN1_OK)
		return -1;
	asn1_enter(&e, &it);
	if (asn1_expect(&it, ASN1_SEQUENCE, &e) != ASN1_OK)
		return -1;
	asn1_enter(&e, &it);
	while (it.len > 0) {
		if (asn1_next(&it, &e) != ASN1_OK || used + e.len * 3 + 4 >= sans_cap)
			return -1;
		if (e.tag == ASN1_CONTEXT(2)) {
			used += (size_t)snprintf(sans + used, sans_cap - used, "dns:%.*s ", (int)e.len,
			    (const char *)e.data);
		} else if (e.tag == ASN1_CONTEXT(7)) {
			size_t i;

			used += (size_t)snprintf(sans + used, sans_cap - used, "ip:");
			for (i = 0; i < e.len; i++)
				used += (size_t)snprintf(sans + used, sans_cap - used, "%02x", e.data[i]);
			used += (size_t)snprintf(sans + used, sans_cap - used, " ");
		} else {
			return -1;
		}
	}

	/* signatureAlgorithm and signature follow the info, and nothing else. */
	if (asn1_expect(&req, ASN1_SEQUENCE, &e) != ASN1_OK || asn1_expect(&req, ASN1_BIT_STRING, &e) != ASN1_OK ||
	    req.len != 0)
		return -1;
	return 0;
}

static struct key csr_key;

static const struct key *
test_key(void)
{
	if (!csr_key.ec_pub.qlen && key_generate(&csr_key, KEY_EC_P256) != 0)
		unit_fail(__FILE__, __LINE__, "key_generate: %s", error_text());
	return &csr_key;
}

TEST(csr_subject_and_names)
{
	const char *list[] = { "Example.ORG", "*.example.org", "192.0.2.1", "2001:db8::1" };
	struct buf der = { 0 };
	char cn[128], sans[1024];

	CHECK_INT(csr_build(test_key(), list, 4, &der), 0);
	CHECK_INT(read_csr(&der, cn, sizeof(cn), sans, sizeof(sans)), 0);
	CHECK_STR(cn, "example.org");
	CHECK_STR(sans, "dns:example.org dns:*.example.org ip:c0000201 ip:20010db8000000000000000000000001 ");
	buf_free(&der);
}

TEST(csr_common_name_choice)
{
	const char *ip_first[] = { "192.0.2.1", "www.example.org" };
	const char *only_ip[] = { "2001:db8::2" };
	const char *long_first[] = {
		"a-rather-long-host-name-that-does-not-fit.in-a-common-name.example.org",
		"short.example.org",
	};
	struct buf der = { 0 };
	char cn[128], sans[1024];

	/* An IP literal is skipped: the first DNS name becomes the CN. */
	CHECK_INT(csr_build(test_key(), ip_first, 2, &der), 0);
	CHECK_INT(read_csr(&der, cn, sizeof(cn), sans, sizeof(sans)), 0);
	CHECK_STR(cn, "www.example.org");
	buf_reset(&der);

	CHECK_INT(csr_build(test_key(), only_ip, 1, &der), 0);
	CHECK_INT(read_csr(&der, cn, sizeof(cn), sans, sizeof(sans)), 0);
	CHECK_STR(cn, "");
	CHECK_STR(sans, "ip:20010db8000000000000000000000002 ");
	buf_reset(&der);

	/* The first DNS name is over 64 characters: no CN at all, rather than another name. */
	CHECK_INT(csr_build(test_key(), long_first, 2, &der), 0);
	CHECK_INT(read_csr(&der, cn, sizeof(cn), sans, sizeof(sans)), 0);
	CHECK_STR(cn, "");
	buf_free(&der);
}

TEST(csr_rejects_bad_lists)
{
	const char *dup[] = { "example.org", "EXAMPLE.org." };
	const char *bad[] = { "example.org", "bad_name.example.org" };
	struct buf der = { 0 };

	CHECK_INT(csr_build(test_key(), dup, 0, &der), -1);
	CHECK_INT(csr_build(test_key(), dup, 2, &der), -1);
	CHECK(strstr(error_text(), "listed twice") != NULL);
	CHECK_INT(csr_build(test_key(), bad, 2, &der), -1);
	CHECK(strstr(error_text(), "bad_name.example.org") != NULL);
	CHECK_INT(der.len, 0);
	buf_free(&der);
}

TEST(csr_hundred_names)
{
	static char storage[101][32];
	const char *list[101];
	struct buf der = { 0 };
	char cn[128], sans[8192];
	size_t i;

	for (i = 0; i < 101; i++) {
		snprintf(storage[i], sizeof(storage[i]), "host%zu.example.org", i);
		list[i] = storage[i];
	}
	CHECK_INT(csr_build(test_key(), list, 100, &der), 0);
	CHECK_INT(read_csr(&der, cn, sizeof(cn), sans, sizeof(sans)), 0);
	CHECK(strstr(sans, "dns:host99.example.org ") != NULL);
	buf_reset(&der);
	CHECK_INT(csr_build(test_key(), list, 101, &der), -1);
	buf_free(&der);
}
