/* Trust anchors: the compiled-in roots and reading PEM bundles. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "log.h"
#include "tls.h"
#include "unit.h"

TEST(tls_builtin_roots_decode)
{
	struct tls_trust *t = tls_trust_builtin();
	size_t i;

	if (!CHECK(t != NULL))
		return;
	CHECK_INT(tls_root_count, 10);
	CHECK_INT(t->count, tls_root_count);
	CHECK_INT(t->skipped, 0);
	CHECK_STR(t->source, "the compiled-in roots");
	for (i = 0; i < t->count; i++) {
		CHECK(t->anchors[i].dn.len > 0);
		CHECK_INT(t->anchors[i].flags, BR_X509_TA_CA);
	}
	tls_trust_free(t);
}

/* Write the compiled-in root INDEX as PEM to F, in 64-column lines. */
static void
write_pem(FILE *f, size_t index)
{
	struct buf b = { 0 };
	size_t off;

	buf_base64(&b, tls_roots[index].der, tls_roots[index].len, BASE64_STD);
	fprintf(f, "-----BEGIN CERTIFICATE-----\n");
	for (off = 0; off < b.len; off += 64)
		fprintf(f, "%.*s\n", (int)(b.len - off < 64 ? b.len - off : 64), b.data + off);
	fprintf(f, "-----END CERTIFICATE-----\n");
	buf_free(&b);
}

TEST(tls_bundle_reads_certificates_only)
{
	char path[256];
	struct tls_trust *t;
	FILE *f;

	snprintf(path, sizeof(path), "%s/bundle.pem", unit_tmpdir());
	f = fopen(path, "w");
	if (!CHECK(f != NULL))
		return;
	fprintf(f, "# a comment line, as some bundles have\n");
	write_pem(f, 0);
	fprintf(f, "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n");
	write_pem(f, tls_root_count - 1);
	fprintf(f, "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");
	fclose(f);

	t = tls_trust_load(path);
	if (!CHECK(t != NULL))
		return;
	CHECK_INT(t->count, 2);
	CHECK_INT(t->skipped, 1);
	CHECK_STR(t->source, path);
	tls_trust_free(t);
}

TEST(tls_bundle_errors)
{
	char path[256], want[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/missing.pem", unit_tmpdir());
	CHECK(tls_trust_load(path) == NULL);
	snprintf(want, sizeof(want), "CA bundle %s: cannot read it: No such file or directory", path);
	CHECK_STR(error_text(), want);

	snprintf(path, sizeof(path), "%s/empty.pem", unit_tmpdir());
	f = fopen(path, "w");
	if (!CHECK(f != NULL))
		return;
	fprintf(f, "nothing here\n");
	fclose(f);
	CHECK(tls_trust_load(path) == NULL);
	snprintf(want, sizeof(want), "CA bundle %s: no usable certificate in it; it must hold PEM "
	    "\"BEGIN CERTIFICATE\" blocks", path);
	CHECK_STR(error_text(), want);
}

/* The system bundle, when this machine has one: parsed whole, and timed for the record. */
TEST(tls_system_bundle)
{
	struct tls_trust *t = tls_trust_load(NULL);

	if (!CHECK(t != NULL))
		return;
	CHECK(t->count > 0);
	if (strcmp(t->source, "the compiled-in roots") != 0)
		fprintf(stderr, "note: %zu trust anchors from %s (%zu skipped) in %ld us\n", t->count, t->source,
		    t->skipped, t->parse_us);
	tls_trust_free(t);
}
