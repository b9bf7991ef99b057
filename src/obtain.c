#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cert.h"
#include "csr.h"
#include "log.h"
#include "obtain.h"
#include "pem.h"
#include "store.h"

/* see obtain.h */
int
obtain_identifiers(const char *const *names, size_t count, struct acme_identifier *ids, size_t *out_count)
{
	unsigned char addr[16];
	size_t i, j, len;

	*out_count = 0;
	if (count > ACME_MAX_IDENTIFIERS)
		return error_set("more than %d names", ACME_MAX_IDENTIFIERS);
	for (i = 0; i < count; i++) {
		struct acme_identifier *id = &ids[*out_count];

		if (name_normalize(names[i], id->value) != 0)
			return -1;
		for (j = 0; j < *out_count && strcmp(ids[j].value, id->value) != 0; j++)
			;
		if (j < *out_count)
			continue;
		snprintf(id->type, sizeof(id->type), "%s", name_is_ip(id->value, addr, &len) ? "ip" : "dns");
		(*out_count)++;
	}
	return 0;
}

/* see obtain.h */
int
obtain_cert_name(const struct acme_identifier *first, char *out, size_t cap)
{
	const char *name = first->value;
	size_t i;

	if (strncmp(name, "*.", 2) == 0)
		snprintf(out, cap, "_wildcard.%s", name + 2);
	else
		snprintf(out, cap, "%s", name);
	for (i = 0; out[i] != '\0'; i++)
		if (out[i] == ':')
			out[i] = '_';
	return store_check_name(out);
}

/* 1 when name A equals B; IP addresses compare by value, DNS names without regard to case. */
static int
same_name(const char *a, const char *b)
{
	unsigned char x[16], y[16];
	size_t xl, yl;

	if (name_is_ip(a, x, &xl) && name_is_ip(b, y, &yl))
		return xl == yl && memcmp(x, y, xl) == 0;
	return strcasecmp(a, b) == 0;
}

/* Check that the leaf is for KEY, has not expired, and carries exactly the ordered names; INFO gets its fields. */
static int
check_certificate(const struct buf *der, const struct key *key, const struct acme_identifier *ids,
    size_t count, struct cert_info *info)
{
	size_t i, j;

	if (cert_parse((const unsigned char *)der->data, der->len, info) != 0)
		return error_prefix("the issued certificate");
	if (!cert_matches_key(info, key))
		return error_set("the issued certificate is not for our key; nothing was installed");

	/*
	 * Only expiry is checked against the clock, not notBefore: a router
	 * whose clock runs behind would otherwise refuse every new certificate.
	 */
	if (info->not_after <= (int64_t)time(NULL)) {
		char when[32];
		time_t t = (time_t)info->not_after;
		struct tm tm;

		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", gmtime_r(&t, &tm));
		return error_set("the issued certificate expired on %s; nothing was installed", when);
	}

	for (i = 0; i < count; i++) {
		for (j = 0; j < info->name_count && !same_name(ids[i].value, info->names[j]); j++)
			;
		if (j == info->name_count)
			return error_set("the issued certificate lacks the name %s; nothing was installed",
			    ids[i].value);
	}
	for (j = 0; j < info->name_count; j++) {
		for (i = 0; i < count && !same_name(ids[i].value, info->names[j]); i++)
			;
		if (i == count)
			return error_set("the issued certificate has the name %s, which was not ordered; "
			    "nothing was installed", info->names[j]);
	}
	return 0;
}

/* Split the chain, check the leaf, and install key, leaf and chain as a new version (unless a dry run). */
static int
install(const struct obtain_request *req, const struct key *key, const struct acme_identifier *ids,
    size_t count, const struct buf *chain_pem, struct obtain_result *result)
{
	static struct cert_info info;
	struct buf ders[CERT_MAX_CHAIN], privkey = { 0 }, leaf = { 0 }, chain = { 0 };
	struct store_cert_files files;
	int n, i, rc = -1;

	memset(ders, 0, sizeof(ders));
	n = cert_chain_split(chain_pem->data, chain_pem->len, ders);
	if (n <= 0) {
		error_set("the CA's certificate chain has no valid certificate; nothing was installed");
		goto out;
	}
	if (check_certificate(&ders[0], key, ids, count, &info) != 0)
		goto out;
	result->not_after = info.not_after;
	if (req->dry_run) {
		rc = 0;
		goto out;
	}

	pem_write(&leaf, "CERTIFICATE", ders[0].data, ders[0].len);
	for (i = 1; i < n; i++)
		pem_write(&chain, "CERTIFICATE", ders[i].data, ders[i].len);
	if (key_to_pem(key, &privkey) != 0 || leaf.failed || chain.failed || privkey.failed) {
		error_set("out of memory writing the certificate files");
		goto out;
	}

	files.privkey = privkey.data;
	files.privkey_len = privkey.len;
	files.cert = leaf.data;
	files.cert_len = leaf.len;
	files.chain = chain.data != NULL ? chain.data : "";
	files.chain_len = chain.len;
	result->version = store_install(req->state_dir, req->name, &files);
	rc = result->version < 0 ? -1 : 0;
out:
	for (i = 0; i < CERT_MAX_CHAIN; i++)
		buf_free(&ders[i]);
	buf_free(&privkey);
	buf_free(&leaf);
	buf_free(&chain);
	return rc;
}

/* see obtain.h */
int
obtain_certificate(struct acme_client *c, const struct obtain_request *req, struct obtain_result *result)
{
	static struct acme_identifier ids[ACME_MAX_IDENTIFIERS];
	const char *names[ACME_MAX_IDENTIFIERS];
	struct acme_order *order = calloc(1, sizeof(*order));
	struct buf csr = { 0 }, pem = { 0 };
	struct key fresh;
	const struct key *key = req->reuse_key;
	size_t count, i;
	int rc = -1;

	memset(result, 0, sizeof(*result));
	memset(&fresh, 0, sizeof(fresh));
	if (order == NULL)
		return error_set("out of memory");
	if (obtain_identifiers(req->names, req->name_count, ids, &count) != 0 || count == 0) {
		if (count == 0)
			error_set("no names to order");
		goto out;
	}
	for (i = 0; i < count; i++)
		names[i] = ids[i].value;

	/* The certificate key and CSR come first, so no connection idles while an RSA key is made. */
	if (key == NULL) {
		if (key_generate(&fresh, req->key_type) != 0)
			goto out;
		key = &fresh;
	}
	if (csr_build(key, names, count, &csr) != 0)
		goto out;

	if (acme_order_new(c, ids, count, req->profile, req->replaces, order) != 0 ||
	    acme_order_authorize(c, order, req->solver) != 0 ||
	    acme_order_finalize(c, order, csr.data, csr.len) != 0 ||
	    acme_certificate_download(c, order, req->preferred_chain, &pem) != 0)
		goto out;

	rc = install(req, key, ids, count, &pem, result);
out:
	key_wipe(&fresh);
	buf_free(&csr);
	buf_free(&pem);
	free(order);
	return rc;
}
