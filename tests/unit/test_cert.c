/*
 * The fixtures in tests/unit/data/ come from make-fixtures.sh (openssl);
 * the expected values below are what `openssl x509 -noout -text -dates`
 * prints for them, with the dates converted by `date -u -d ... +%s`.
 */
#include <stdio.h>
#include <string.h>

#include "cert.h"
#include "key.h"
#include "log.h"
#include "unit.h"

#define DATA "tests/unit/data/"

static int
read_file(const char *path, struct buf *b)
{
	FILE *f = fopen(path, "rb");
	char chunk[4096];
	size_t n;

	if (f == NULL) {
		unit_fail(__FILE__, __LINE__, "%s: cannot open (run the tests from the top directory)", path);
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(b, chunk, n);
	fclose(f);
	return b->failed ? -1 : 0;
}

/* Split the PEM file PATH into DERS; returns the count or -1. */
static int
load_chain(const char *path, struct buf ders[CERT_MAX_CHAIN])
{
	struct buf text = { 0 };
	int count;

	memset(ders, 0, sizeof(struct buf) * CERT_MAX_CHAIN);
	if (read_file(path, &text) != 0)
		return -1;
	count = cert_chain_split(text.data, text.len, ders);
	buf_free(&text);
	return count;
}

static void
free_chain(struct buf ders[CERT_MAX_CHAIN])
{
	size_t i;

	for (i = 0; i < CERT_MAX_CHAIN; i++)
		buf_free(&ders[i]);
}

TEST(cert_leaf_fields)
{
	struct buf ders[CERT_MAX_CHAIN];
	struct cert_info info;

	if (!CHECK_INT(load_chain(DATA "leaf.pem", ders), 1))
		return;
	if (!CHECK_INT(cert_parse((const unsigned char *)ders[0].data, ders[0].len, &info), 0)) {
		unit_fail(__FILE__, __LINE__, "%s", error_text());
		goto out;
	}

	/* Serial Number: 2271560481 (0x87654321): the DER contents keep the zero byte in front. */
	CHECK_MEM(info.serial, info.serial_len, "\x00\x87\x65\x43\x21", 5);
	/* Not Before: Dec  4 20:10:21 2026 GMT (UTCTime); Not After: Apr 21 20:10:21 2054 GMT (GeneralizedTime). */
	CHECK_INT(info.not_before, 1796415021);
	CHECK_INT(info.not_after, 2660415021);
	CHECK_STR(info.subject_cn, "www.example.org");
	CHECK_STR(info.issuer_cn, "keepcert test CA");
	CHECK_INT(info.name_count, 4);
	CHECK_STR(info.names[0], "www.example.org");
	CHECK_STR(info.names[1], "*.example.org");
	CHECK_STR(info.names[2], "192.0.2.7");
	CHECK_STR(info.names[3], "2001:db8::7");
	CHECK_MEM(info.aki, info.aki_len,
	    "\x69\x88\x5b\x6b\x87\x46\x40\x41\xe1\xb3\x7b\x84\x7b\xa0\xae\x2c\xde\x01\xc8\xd4", 20);
out:
	free_chain(ders);
}

TEST(cert_ari_id_rfc9773_values)
{
	struct buf ders[CERT_MAX_CHAIN];
	struct cert_info info;
	char id[128];

	if (!CHECK_INT(load_chain(DATA "leaf.pem", ders), 1) ||
	    !CHECK_INT(cert_parse((const unsigned char *)ders[0].data, ders[0].len, &info), 0))
		goto out;

	/* The AKI keyIdentifier and serial of the RFC 9773 section 4.1 example give its certID. */
	CHECK_INT(cert_ari_id(&info, id, sizeof(id)), 0);
	CHECK_STR(id, "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE");

	/* 27 + 1 + 7 characters and a NUL need 36 bytes. */
	CHECK_INT(cert_ari_id(&info, id, 36), 0);
	CHECK_INT(cert_ari_id(&info, id, 35), -1);
out:
	free_chain(ders);
}

TEST(cert_chain_and_ca)
{
	struct buf ders[CERT_MAX_CHAIN];
	struct cert_info info;
	char id[128];

	if (!CHECK_INT(load_chain(DATA "chain.pem", ders), 2))
		goto out;
	CHECK_INT(cert_parse((const unsigned char *)ders[1].data, ders[1].len, &info), 0);
	CHECK_STR(info.subject_cn, "keepcert test CA");
	CHECK_STR(info.issuer_cn, "keepcert test CA");
	CHECK_MEM(info.serial, info.serial_len, "\x01", 1);
	CHECK_INT(info.name_count, 0);
	/* notAfter=Sep  6 20:10:21 2081 GMT */
	CHECK_INT(info.not_after, 3524415021);

	/* The self-signed CA has no AKI, so it has no certID. */
	CHECK_INT(info.aki_len, 0);
	CHECK_INT(cert_ari_id(&info, id, sizeof(id)), -1);
	CHECK(strstr(error_text(), "no authority key identifier") != NULL);
out:
	free_chain(ders);
}

TEST(cert_matches_its_key)
{
	struct buf ders[CERT_MAX_CHAIN];
	struct cert_info info;
	struct key k, other;

	if (!CHECK_INT(load_chain(DATA "leaf.pem", ders), 1) ||
	    !CHECK_INT(cert_parse((const unsigned char *)ders[0].data, ders[0].len, &info), 0))
		goto out;
	if (!CHECK_INT(key_load(&k, DATA "leaf-key.pem"), 0)) {
		unit_fail(__FILE__, __LINE__, "%s", error_text());
		goto out;
	}
	CHECK_INT(cert_matches_key(&info, &k), 1);
	CHECK_STR(info.key_type, key_type_name(k.type));
	if (CHECK_INT(key_generate(&other, KEY_EC_P256), 0))
		CHECK_INT(cert_matches_key(&info, &other), 0);
	key_wipe(&k);
	key_wipe(&other);
out:
	free_chain(ders);
}

TEST(cert_every_truncation_fails)
{
	struct buf ders[CERT_MAX_CHAIN];
	struct cert_info info;
	size_t len;
	int failures = 0;

	if (!CHECK_INT(load_chain(DATA "leaf.pem", ders), 1))
		goto out;

	/* Each proper prefix must be rejected, and ASan checks that none is read past its end. */
	for (len = 0; len < ders[0].len; len++) {
		if (cert_parse((const unsigned char *)ders[0].data, len, &info) != 0)
			failures++;
	}
	CHECK_INT(failures, ders[0].len);
	CHECK_INT(info.serial_len, 0);

	/* A trailing byte after the certificate is rejected too. */
	buf_putc(&ders[0], 0);
	CHECK_INT(cert_parse((const unsigned char *)ders[0].data, ders[0].len, &info), -1);
out:
	free_chain(ders);
}

TEST(cert_corrupt_lengths_fail)
{
	struct buf ders[CERT_MAX_CHAIN];
	struct cert_info info;
	unsigned char copy[4096];
	size_t i, len;
	int accepted = 0;

	if (!CHECK_INT(load_chain(DATA "leaf.pem", ders), 1))
		goto out;
	len = ders[0].len;
	if (!CHECK(len <= sizeof(copy)))
		goto out;

	/* Grow each byte by one: where it is a length, the element no longer fits its container. */
	for (i = 0; i < len; i++) {
		memcpy(copy, ders[0].data, len);
		copy[i]++;
		if (cert_parse(copy, len, &info) == 0)
			accepted++;
	}
	/* Some bytes are content (key, signature), so some copies still parse: but not all. */
	CHECK(accepted < (int)len);
	CHECK(accepted > 0);
out:
	free_chain(ders);
}

TEST(cert_chain_split_rejects)
{
	static const char key_block[] = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
	struct buf ders[CERT_MAX_CHAIN], text = { 0 }, one = { 0 };
	int i;

	memset(ders, 0, sizeof(ders));
	CHECK_INT(cert_chain_split("no blocks here\n", 15, ders), -1);
	CHECK(strstr(error_text(), "no CERTIFICATE block") != NULL);
	CHECK_INT(cert_chain_split(key_block, strlen(key_block), ders), -1);
	CHECK(strstr(error_text(), "PRIVATE KEY") != NULL);

	/* Nine certificates: one more than CERT_MAX_CHAIN. */
	if (read_file(DATA "leaf.pem", &one) != 0)
		return;
	buf_puts(&text, "text before the first block\n");
	for (i = 0; i < CERT_MAX_CHAIN + 1; i++)
		buf_append(&text, one.data, one.len);
	CHECK_INT(cert_chain_split(text.data, text.len, ders), -1);
	CHECK(strstr(error_text(), "more than 8") != NULL);
	free_chain(ders);
	memset(ders, 0, sizeof(ders));
	CHECK_INT(cert_chain_split(text.data, one.len * CERT_MAX_CHAIN + 28, ders), CERT_MAX_CHAIN);
	free_chain(ders);
	buf_free(&text);
	buf_free(&one);
}
