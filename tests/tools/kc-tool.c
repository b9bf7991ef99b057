/*
 * kc-tool: a test-only front end to the format modules, so that shell
 * tests can compare their output with openssl's. It is built by
 * `make $(BUILD)/kc-tool`, never installed, and not part of keepcert.
 *
 *	kc-tool keygen TYPE FILE         generate a key (ec-p256 ...) into a new FILE
 *	kc-tool topem KEYFILE            read any supported key, print it as PKCS#8 PEM
 *	kc-tool spki KEYFILE             print the public key as SubjectPublicKeyInfo DER, hex
 *	kc-tool jwk KEYFILE              print the public JWK
 *	kc-tool thumbprint KEYFILE       print the RFC 7638 thumbprint
 *	kc-tool jws KEYFILE URL NONCE PAYLOAD   print a flattened JWS with the jwk header
 *	kc-tool csr KEYFILE NAME...      print a CSR as PEM
 *	kc-tool cert FILE                print the fields of the first certificate of a PEM file
 *	kc-tool match CERTFILE KEYFILE   exit 0 when the key belongs to the certificate, 3 when not
 *
 * The exit status is 0 on success, 1 on failure (with the error on stderr)
 * and 2 for a usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cert.h"
#include "csr.h"
#include "jws.h"
#include "key.h"
#include "log.h"
#include "pem.h"

static int
usage(void)
{
	fprintf(stderr, "usage: kc-tool keygen|topem|spki|jwk|thumbprint|jws|csr|cert|match ARGS...\n");
	return 2;
}

static int
fail(void)
{
	fprintf(stderr, "kc-tool: %s\n", error_text());
	return 1;
}

/* Read a whole file into B (at most 1 MiB). */
static int
read_file(const char *path, struct buf *b)
{
	FILE *f = fopen(path, "rb");
	char chunk[4096];
	size_t n;

	if (f == NULL)
		return error_set("%s: cannot open", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(b, chunk, n);
	fclose(f);
	if (b->failed || b->len > (1u << 20))
		return error_set("%s: too large", path);
	return 0;
}

static void
print_hex(const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		printf("%02x", p[i]);
	printf("\n");
}

static int
print_cert(const char *path)
{
	struct buf text = { 0 }, ders[CERT_MAX_CHAIN] = { { 0 } };
	struct cert_info info;
	char ari[256];
	size_t i;
	int count, rc = 1;

	if (read_file(path, &text) != 0 || (count = cert_chain_split(text.data, text.len, ders)) < 0 ||
	    cert_parse((const unsigned char *)ders[0].data, ders[0].len, &info) != 0)
		goto out;

	printf("certificates %d\n", count);
	printf("serial ");
	print_hex(info.serial, info.serial_len);
	printf("not_before %lld\n", (long long)info.not_before);
	printf("not_after %lld\n", (long long)info.not_after);
	printf("subject_cn %s\n", info.subject_cn);
	printf("issuer_cn %s\n", info.issuer_cn);
	for (i = 0; i < info.name_count; i++)
		printf("name %s\n", info.names[i]);
	printf("aki ");
	print_hex(info.aki, info.aki_len);
	if (cert_ari_id(&info, ari, sizeof(ari)) == 0)
		printf("ari %s\n", ari);
	rc = 0;
out:
	for (i = 0; i < CERT_MAX_CHAIN; i++)
		buf_free(&ders[i]);
	buf_free(&text);
	return rc;
}

static int
match(const char *cert_path, const char *key_path)
{
	struct buf text = { 0 }, ders[CERT_MAX_CHAIN] = { { 0 } };
	struct cert_info info;
	struct key k;
	size_t i;
	int rc = 1;

	if (read_file(cert_path, &text) != 0 || cert_chain_split(text.data, text.len, ders) < 0 ||
	    cert_parse((const unsigned char *)ders[0].data, ders[0].len, &info) != 0 ||
	    key_load(&k, key_path) != 0)
		goto out;
	rc = cert_matches_key(&info, &k) ? 0 : 3;
	key_wipe(&k);
out:
	for (i = 0; i < CERT_MAX_CHAIN; i++)
		buf_free(&ders[i]);
	buf_free(&text);
	return rc;
}

/* The commands that take one key file as their first argument. */
static int
key_command(const char *cmd, int argc, char **argv)
{
	struct buf out = { 0 };
	struct key k;
	char thumb[JWS_THUMBPRINT_SIZE];
	int rc = 1;

	if (key_load(&k, argv[0]) != 0)
		return fail();

	if (strcmp(cmd, "topem") == 0 && argc == 1) {
		rc = key_to_pem(&k, &out);
	} else if (strcmp(cmd, "spki") == 0 && argc == 1) {
		key_spki(&k, &out);
		print_hex((const unsigned char *)out.data, out.len);
		buf_reset(&out);
		rc = 0;
	} else if (strcmp(cmd, "jwk") == 0 && argc == 1) {
		jws_jwk(&k, &out);
		buf_putc(&out, '\n');
		rc = 0;
	} else if (strcmp(cmd, "thumbprint") == 0 && argc == 1) {
		jws_thumbprint(&k, thumb);
		buf_printf(&out, "%s\n", thumb);
		rc = 0;
	} else if (strcmp(cmd, "jws") == 0 && argc == 4) {
		rc = jws_sign(&k, NULL, argv[2], argv[1], argv[3], &out);
		buf_putc(&out, '\n');
	} else if (strcmp(cmd, "csr") == 0 && argc >= 2) {
		struct buf der = { 0 };

		rc = csr_build(&k, (const char *const *)argv + 1, (size_t)argc - 1, &der);
		if (rc == 0)
			pem_write(&out, "CERTIFICATE REQUEST", der.data, der.len);
		buf_free(&der);
	} else {
		key_wipe(&k);
		return usage();
	}

	key_wipe(&k);
	if (rc != 0)
		return fail();
	fwrite(out.data != NULL ? out.data : "", 1, out.len, stdout);
	buf_free(&out);
	return 0;
}

int
main(int argc, char **argv)
{
	enum key_type type;
	struct key k;

	if (argc < 3)
		return usage();

	if (strcmp(argv[1], "keygen") == 0) {
		if (argc != 4)
			return usage();
		if (key_type_parse(argv[2], &type) != 0 || key_generate(&k, type) != 0 ||
		    key_save(&k, argv[3]) != 0) {
			key_wipe(&k);
			return fail();
		}
		key_wipe(&k);
		return 0;
	}
	if (strcmp(argv[1], "cert") == 0) {
		if (argc != 3)
			return usage();
		return print_cert(argv[2]) == 0 ? 0 : fail();
	}
	if (strcmp(argv[1], "match") == 0) {
		int rc;

		if (argc != 4)
			return usage();
		rc = match(argv[2], argv[3]);
		return rc == 1 ? fail() : rc;
	}
	return key_command(argv[1], argc - 2, argv + 2);
}
