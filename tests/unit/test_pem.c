#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bearssl.h>

#include "log.h"
#include "pem.h"
#include "unit.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A heap copy of TEXT without its NUL, so that AddressSanitizer reports reads past the end. */
static char *
copy_text(const char *text, size_t len)
{
	char *p = malloc(len != 0 ? len : 1);

	if (p == NULL)
		abort();
	memcpy(p, text, len);
	return p;
}

/*
 * Read every block of TEXT. Returns the number of blocks read before
 * pem_next() returned 0, or -1 when it returned -1. Labels and DER of the
 * blocks go into LABELS (up to 4) and DERS.
 */
static int
read_all(const char *text, char labels[4][PEM_LABEL_MAX], struct buf ders[4])
{
	size_t len = strlen(text);
	char *copy = copy_text(text, len);
	const char *pos = copy, *end = copy + len;
	int n = 0, rc = 0;

	while (n < 4 && (rc = pem_next(&pos, end, labels[n], &ders[n])) == 1)
		n++;
	if (n < 4 && rc == 0)
		CHECK(pos == end);
	free(copy);
	return rc < 0 ? -1 : n;
}

static void
free_ders(struct buf ders[4])
{
	int i;

	for (i = 0; i < 4; i++)
		buf_free(&ders[i]);
}

TEST(pem_chain_without_final_newline)
{
	char labels[4][PEM_LABEL_MAX];
	struct buf ders[4] = { { 0 } };

	CHECK_INT(read_all("-----BEGIN CERTIFICATE-----\nZm9v\n-----END CERTIFICATE-----\n"
	    "-----BEGIN CERTIFICATE-----\nYmFy\n-----END CERTIFICATE-----", labels, ders), 2);
	CHECK_STR(labels[0], "CERTIFICATE");
	CHECK_MEM(ders[0].data, ders[0].len, "foo", 3);
	CHECK_STR(labels[1], "CERTIFICATE");
	CHECK_MEM(ders[1].data, ders[1].len, "bar", 3);
	free_ders(ders);
}

TEST(pem_text_around_blocks)
{
	char labels[4][PEM_LABEL_MAX];
	struct buf ders[4] = { { 0 } };

	CHECK_INT(read_all("subject=/CN=example.org\n"
	    "issuer=/CN=Test CA\n"
	    "-----BEGIN CERTIFICATE-----\n"
	    "Zm9vYmFy\n"
	    "-----END CERTIFICATE-----\n"
	    "\n"
	    " 1 s:/CN=Test CA\n"
	    "   i:/CN=Root -----END CERTIFICATE-----\n"
	    "-----BEGIN PRIVATE KEY-----\n"
	    "Zg==\n"
	    "-----END PRIVATE KEY-----\n"
	    "trailing words\n", labels, ders), 2);
	CHECK_MEM(ders[0].data, ders[0].len, "foobar", 6);
	CHECK_STR(labels[1], "PRIVATE KEY");
	CHECK_MEM(ders[1].data, ders[1].len, "f", 1);
	free_ders(ders);
}

TEST(pem_crlf_and_whitespace)
{
	char labels[4][PEM_LABEL_MAX];
	struct buf ders[4] = { { 0 } };

	CHECK_INT(read_all("junk\r\n"
	    "  -----BEGIN EC PRIVATE KEY-----  \r\n"
	    "Zm9v\t\r\n"
	    "\r\n"
	    " YmFy \r\n"
	    "-----END EC PRIVATE KEY----- \t\r\n", labels, ders), 1);
	CHECK_STR(labels[0], "EC PRIVATE KEY");
	CHECK_MEM(ders[0].data, ders[0].len, "foobar", 6);
	free_ders(ders);
}

TEST(pem_zero_blocks)
{
	static const char *texts[] = {
		"",
		"\n\n",
		"no blocks here\r\n",
		"-----END CERTIFICATE-----\n",
		"-----BEGINNING-----\n",
	};
	char labels[4][PEM_LABEL_MAX];
	struct buf ders[4] = { { 0 } };
	size_t i;

	for (i = 0; i < COUNT(texts); i++) {
		CHECK_INT(read_all(texts[i], labels, ders), 0);
		CHECK_INT(ders[0].len, 0);
	}
	free_ders(ders);
}

/* Blocks that make pem_next() return -1. */
static const char *const malformed[] = {
	/* END label differs from BEGIN label. */
	"-----BEGIN CERTIFICATE-----\nZm9v\n-----END PRIVATE KEY-----\n",
	/* BEGIN without END. */
	"-----BEGIN CERTIFICATE-----\nZm9v\n",
	"-----BEGIN CERTIFICATE-----",
	"-----BEGIN CERTIFICATE-----\nZm9v\n-----BEGIN CERTIFICATE-----\nYmFy\n-----END CERTIFICATE-----\n",
	/* Bad base64. */
	"-----BEGIN X-----\nZm9*\n-----END X-----\n",
	"-----BEGIN X-----\nZg==Zg==\n-----END X-----\n",
	"-----BEGIN X-----\nZg\n-----END X-----\n",
	"-----BEGIN X-----\nZh==\n-----END X-----\n",
	"-----BEGIN X-----\nZm9v-_\n-----END X-----\n",
	"-----BEGIN X-----\nZm9vY\n-----END X-----\n",
	"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\nZm9v\n-----END RSA PRIVATE KEY-----\n",
	/* Invalid boundary lines. */
	"-----BEGIN CERTIFICATE----\nZm9v\n-----END CERTIFICATE----\n",
	"-----BEGIN  X-----\nZm9v\n-----END  X-----\n",
	"-----BEGIN X -----\nZm9v\n-----END X -----\n",
	"-----BEGIN A--B-----\nZm9v\n-----END A--B-----\n",
	"-----BEGIN CERTIFICATE-----\nZm9v\n-----END CERTIFICATE-----x\n",
	"-----BEGIN AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-----\n"
	"Zm9v\n-----END AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-----\n",
};

TEST(pem_malformed_blocks)
{
	size_t i;

	for (i = 0; i < COUNT(malformed); i++) {
		size_t len = strlen(malformed[i]);
		char *copy = copy_text(malformed[i], len);
		const char *pos = copy;
		char label[PEM_LABEL_MAX];
		struct buf der = { 0 };

		buf_puts(&der, "kept");
		error_set("no error yet");
		if (!CHECK_INT(pem_next(&pos, copy + len, label, &der), -1))
			unit_fail(__FILE__, __LINE__, "malformed case %zu accepted", i);
		/* A failure leaves the position and the earlier DER as they were. */
		CHECK(pos == copy);
		CHECK_MEM(der.data, der.len, "kept", 4);
		CHECK(strstr(error_text(), "PEM") != NULL);
		buf_free(&der);
		free(copy);
	}
}

TEST(pem_label_forms)
{
	char labels[4][PEM_LABEL_MAX];
	struct buf ders[4] = { { 0 } };

	CHECK_INT(read_all("-----BEGIN -----\nZm9v\n-----END -----\n"
	    "-----BEGIN X509 CRL-----\nZm9v\n-----END X509 CRL-----\n"
	    "-----BEGIN A-B C-----\nZm9v\n-----END A-B C-----\n", labels, ders), 3);
	CHECK_STR(labels[0], "");
	CHECK_STR(labels[1], "X509 CRL");
	CHECK_STR(labels[2], "A-B C");
	free_ders(ders);
}

TEST(pem_empty_body)
{
	char labels[4][PEM_LABEL_MAX];
	struct buf ders[4] = { { 0 } };

	CHECK_INT(read_all("-----BEGIN X-----\n-----END X-----\n", labels, ders), 1);
	CHECK_INT(ders[0].len, 0);
	free_ders(ders);
}

TEST(pem_appends_to_der)
{
	const char *text = "-----BEGIN X-----\nYmFy\n-----END X-----\n";
	const char *pos = text;
	char label[PEM_LABEL_MAX];
	struct buf der = { 0 };

	buf_puts(&der, "foo");
	CHECK_INT(pem_next(&pos, text + strlen(text), label, &der), 1);
	CHECK_MEM(der.data, der.len, "foobar", 6);
	CHECK_INT(pem_next(&pos, text + strlen(text), label, &der), 0);
	buf_free(&der);
}

TEST(pem_write_known_text)
{
	struct buf out = { 0 };

	pem_write(&out, "CERTIFICATE", "foobar", 6);
	CHECK_STR(out.data, "-----BEGIN CERTIFICATE-----\nZm9vYmFy\n-----END CERTIFICATE-----\n");
	buf_reset(&out);
	pem_write(&out, "X", "", 0);
	CHECK_STR(out.data, "-----BEGIN X-----\n-----END X-----\n");
	buf_free(&out);
}

TEST(pem_write_line_length)
{
	unsigned char der[49];
	struct buf out = { 0 };
	const char *line;
	size_t i;

	for (i = 0; i < sizeof(der); i++)
		der[i] = (unsigned char)(i * 37);
	pem_write(&out, "X", der, sizeof(der));

	/* 48 bytes fill one 64-column line. The 49th byte (48 * 37 mod 256 = 0xf0) goes on a line of its own. */
	line = strchr(out.data, '\n') + 1;
	CHECK_INT(strcspn(line, "\n"), 64);
	line += 65;
	CHECK_STR(line, "8A==\n-----END X-----\n");
	buf_free(&out);
}

/* A three-certificate chain of different sizes, written and read back. */
TEST(pem_round_trip_chain)
{
	static const size_t sizes[3] = { 1, 48, 1000 };
	static const char *labels_in[3] = { "CERTIFICATE", "CERTIFICATE", "TRUSTED CERTIFICATE" };
	unsigned char der[1000];
	char labels[4][PEM_LABEL_MAX];
	struct buf ders[4] = { { 0 } };
	struct buf text = { 0 };
	size_t i, j;

	for (i = 0; i < 3; i++) {
		for (j = 0; j < sizes[i]; j++)
			der[j] = (unsigned char)(j * 7 + i);
		pem_write(&text, labels_in[i], der, sizes[i]);
	}
	CHECK_INT(text.failed, 0);
	CHECK_INT(read_all(text.data, labels, ders), 3);

	for (i = 0; i < 3; i++) {
		for (j = 0; j < sizes[i]; j++)
			der[j] = (unsigned char)(j * 7 + i);
		CHECK_STR(labels[i], labels_in[i]);
		CHECK_MEM(ders[i].data, ders[i].len, der, sizes[i]);
	}
	free_ders(ders);
	buf_free(&text);
}

/*
 * Three self-signed P-256 certificates from "openssl req -x509", joined with
 * CRLF line ends, a "subject=" line first, a blank line between blocks, the
 * third body on one line, and no final newline. The digests are from
 * "openssl x509 -outform DER | openssl dgst -sha256", so they check the
 * decoded DER against a second implementation.
 */
TEST(pem_openssl_chain)
{
	static const char *digests[3] = {
		"255d15ba32d58af9440cdc0ad74ed1607a33e108e41b810cdc3591d5c00d416f",
		"3a045ff68c3cf1f23b5c4a65d1842b08e1628d2f278fc8489d70ffb1f2499187",
		"a852373ecf9c2efaa6a6c65c0b0c647caf12c85b970dfc8aeca938e37f8cabe0",
	};
	static char text[4096];
	FILE *f = fopen("tests/unit/data/openssl-chain.pem", "rb");
	const char *pos = text, *end;
	char label[PEM_LABEL_MAX], hex[65];
	unsigned char digest[br_sha256_SIZE];
	size_t len;
	int n, i;

	if (!CHECK(f != NULL))
		return;
	len = fread(text, 1, sizeof(text), f);
	fclose(f);
	if (!CHECK(len > 0))
		return;
	CHECK(len < sizeof(text));
	CHECK(text[len - 1] != '\n');
	end = text + len;

	for (n = 0; n < 3; n++) {
		struct buf der = { 0 };
		br_sha256_context ctx;

		if (!CHECK_INT(pem_next(&pos, end, label, &der), 1))
			break;
		CHECK_STR(label, "CERTIFICATE");
		br_sha256_init(&ctx);
		br_sha256_update(&ctx, der.data, der.len);
		br_sha256_out(&ctx, digest);
		for (i = 0; i < br_sha256_SIZE; i++)
			snprintf(hex + 2 * i, 3, "%02x", digest[i]);
		CHECK_STR(hex, digests[n]);
		buf_free(&der);
	}
	CHECK_INT(n, 3);
	CHECK_INT(pem_next(&pos, end, label, &(struct buf){ 0 }), 0);
}
