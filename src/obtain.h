/*
 * Obtaining one certificate from a CA whose account is open: the flow that
 * "issue" and "run" share. It makes (or reuses) the certificate key and
 * CSR, orders the names, responds to the challenges, finalizes, downloads the
 * chain, checks that the leaf is for our key and exactly our names, and
 * installs key, leaf and chain with store_install().
 */
#ifndef KEEPCERT_OBTAIN_H
#define KEEPCERT_OBTAIN_H

#include <stddef.h>

#include "acme.h"
#include "key.h"

struct obtain_request {
	const char *state_dir;
	const char *name;		/* the directory under certs/ */
	const char *const *names;	/* DNS names and IP addresses, as configured */
	size_t name_count;
	enum key_type key_type;		/* of a new key */
	const struct key *reuse_key;	/* NULL: generate a new key */
	const struct acme_solver *solver;	/* ready: its listeners bound, its directories open */
	const char *preferred_chain;	/* NULL: the CA's default chain */
	const char *profile;		/* NULL: the CA's default profile */
	const char *replaces;		/* the RFC 9773 certID of the certificate replaced, or NULL */
	int dry_run;			/* 1: check the certificate and install nothing */
};

struct obtain_result {
	int version;			/* the installed version; 0 after a dry run */
	long long not_after;		/* of the new certificate */
};

/*
 * Obtain and install a certificate as REQ describes, over C, whose account
 * is open. Returns 0 with RESULT filled, or -1 with error_text() set and
 * live unchanged.
 */
int obtain_certificate(struct acme_client *c, const struct obtain_request *req, struct obtain_result *result);

/*
 * Normalize NAMES into order identifiers IDS (at most ACME_MAX_IDENTIFIERS),
 * dropping duplicates. Returns 0, or -1 on a name that is neither a DNS name
 * nor an IP address.
 */
int obtain_identifiers(const char *const *names, size_t count, struct acme_identifier *ids, size_t *out_count);

/*
 * The directory name under certs/ for a certificate whose first identifier
 * is FIRST: a wildcard's "*." is written "_wildcard." and an IPv6 address's
 * ':' is written '_'. Returns 0, or -1 when the result is not a valid name.
 */
int obtain_cert_name(const struct acme_identifier *first, char *out, size_t cap);

#endif
