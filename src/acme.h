/*
 * The ACME protocol engine (RFC 8555): directory, nonces, account, orders,
 * authorizations, challenges, finalization, certificate download and
 * revocation.
 *
 * One struct acme_client owns one HTTP client, so every request of a run
 * goes over one kept-alive connection, and the nonce of the last response
 * signs the next request. Functions return 0 on success, or -1 with
 * error_text() set to one line: for a problem document from the CA, its
 * type, detail and each subproblem's identifier (RFC 8555 section 6.7).
 *
 * Every string from the server is treated as hostile: URLs must be https
 * and shorter than HTTP_URL_MAX, tokens must be base64url, and every JSON
 * value is read into a bounded buffer.
 */
#ifndef KEEPCERT_ACME_H
#define KEEPCERT_ACME_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "csr.h"
#include "http.h"
#include "key.h"

#define ACME_NONCE_MAX 256
#define ACME_MAX_IDENTIFIERS 100	/* Let's Encrypt's limit of names per order */
#define ACME_MAX_PROFILES 16
#define ACME_PROFILE_MAX 64
#define ACME_MAX_CONTACTS 8

/*
 * Re-signed retries after badNonce. At a CA rejecting half of all nonces,
 * 10 retries still failed one request in 2,000 (an issuance makes about
 * ten); 20 fail one in two million.
 */
#define ACME_BAD_NONCE_RETRIES 20

#define ACME_DEFAULT_TIMEOUT 300	/* seconds for a whole run */
#define ACME_MAX_ALTERNATES 4		/* alternate chains considered (RFC 8555 section 7.4.2) */
#define ACME_RATE_LIMIT_WAIT_MAX 60	/* rateLimited waits up to this many seconds, then fails */

#define ACME_ERROR_PREFIX "urn:ietf:params:acme:error:"

enum acme_status {
	ACME_STATUS_UNKNOWN,
	ACME_STATUS_PENDING,
	ACME_STATUS_READY,
	ACME_STATUS_PROCESSING,
	ACME_STATUS_VALID,
	ACME_STATUS_INVALID,
	ACME_STATUS_DEACTIVATED,
	ACME_STATUS_EXPIRED,
	ACME_STATUS_REVOKED,
};

/* The directory (RFC 8555 section 7.1.1); URLs are empty when the CA does not offer them. */
struct acme_directory {
	char new_nonce[HTTP_URL_MAX];
	char new_account[HTTP_URL_MAX];
	char new_order[HTTP_URL_MAX];
	char revoke_cert[HTTP_URL_MAX];
	char key_change[HTTP_URL_MAX];
	char renewal_info[HTTP_URL_MAX];
	char terms_of_service[HTTP_URL_MAX];	/* meta.termsOfService */
	int external_account_required;		/* meta.externalAccountRequired */
	char profiles[ACME_MAX_PROFILES][ACME_PROFILE_MAX];	/* meta.profiles names */
	int profile_count;
};

/*
 * A challenge solver: the ACME layer calls prepare() for each pending
 * authorization, then start() once before responding to the challenges, and
 * cleanup() at the end whatever happened.
 */
struct acme_solver {
	const char *type;	/* "http-01" */
	int (*prepare)(void *ctx, const char *identifier, const char *token, const char *key_authorization);
	int (*start)(void *ctx);
	void (*cleanup)(void *ctx);
	void *ctx;
};

struct acme_options {
	const char *directory_url;
	const char *ca_bundle;		/* NULL: the system's roots */
	int timeout;			/* seconds for the whole run; 0 means ACME_DEFAULT_TIMEOUT */
};

struct acme_client {
	struct http_client *http;
	char directory_url[HTTP_URL_MAX];
	struct acme_directory dir;
	char nonce[ACME_NONCE_MAX + 1];	/* empty when none is held */
	const struct key *account_key;
	char account_url[HTTP_URL_MAX];	/* the "kid"; empty until known */
	long long deadline_ms;		/* on clock_ms(), for the whole run */

	/* About the last failed request, for the caller's policy. */
	char problem_type[128];		/* without ACME_ERROR_PREFIX; empty when not a problem document */
	time_t retry_not_before;	/* from Retry-After on rateLimited; 0 when none */

	unsigned challenge_posts;	/* challenges answered in this run */
};

struct acme_identifier {
	char type[8];			/* "dns" or "ip" */
	char value[NAME_MAX_LEN + 1];
};

struct acme_order {
	char url[HTTP_URL_MAX];
	enum acme_status status;
	struct acme_identifier identifiers[ACME_MAX_IDENTIFIERS];
	size_t identifier_count;
	char authorizations[ACME_MAX_IDENTIFIERS][HTTP_URL_MAX];
	size_t authorization_count;
	char finalize[HTTP_URL_MAX];
	char certificate[HTTP_URL_MAX];
};

/* Parse "valid", "pending"... into an acme_status; ACME_STATUS_UNKNOWN for anything else. */
enum acme_status acme_status_parse(const char *s);

/* The RFC 8555 name of STATUS ("valid"...). */
const char *acme_status_name(enum acme_status status);

/* 1 when URL is an https URL without spaces or control characters, of fewer than HTTP_URL_MAX bytes. */
int acme_url_valid(const char *url);

/* The CA shortcuts that acme_ca_directory() resolves, for messages and help. */
#define ACME_CA_NAMES "letsencrypt, letsencrypt-staging, zerossl, google, google-staging"

/*
 * Resolve a CA shortcut, one of ACME_CA_NAMES, to its directory URL, or
 * NULL. --ca and the config's "directory" both use it.
 */
const char *acme_ca_directory(const char *name);

/* Create the client and fetch the directory (RFC 8555 section 7.1.1). Returns 0 or -1. */
int acme_open(struct acme_client *c, const struct acme_options *options);

/* Free the client; logs, with -v, how many connections and requests the run used. */
void acme_close(struct acme_client *c);

/*
 * Write into OUT (of size CAP) the account directory name for the CA:
 * its host, and "_PORT" when the port is not 443. Returns 0 or -1.
 */
int acme_ca_dirname(const char *directory_url, char *out, size_t cap);

/* Parse a directory document into DIR. Returns 0, or -1 with error_text() set. */
int acme_directory_parse(const char *json, size_t len, struct acme_directory *dir);

struct acme_account_request {
	const char *contacts[ACME_MAX_CONTACTS];	/* "mailto:..." URLs */
	size_t contact_count;
	int agree_tos;
	const char *eab_kid;				/* NULL: no external account binding */
	const unsigned char *eab_mac_key;
	size_t eab_mac_key_len;
};

/*
 * Look up the account of c->account_key with onlyReturnExisting
 * (RFC 8555 section 7.3.1). Returns 1 and sets c->account_url when it
 * exists, 0 when the CA reports accountDoesNotExist (whatever the HTTP
 * status), or -1.
 */
int acme_account_lookup(struct acme_client *c);

/*
 * Create an account for c->account_key, or find the existing one
 * (RFC 8555 sections 7.3, 7.3.4), and set c->account_url. Fails before any
 * request when the CA requires EAB and none was given, or the CA has
 * terms of service and REQ->agree_tos is 0. Returns 0 or -1.
 */
int acme_account_new(struct acme_client *c, const struct acme_account_request *req);

/* POST-as-GET the account object into OUT (JSON). Returns 0 or -1. */
int acme_account_fetch(struct acme_client *c, struct buf *out);

/* Replace the account's contact list (RFC 8555 section 7.3.2). Returns 0 or -1. */
int acme_account_update(struct acme_client *c, const char *const *contacts, size_t count);

/* Deactivate the account (RFC 8555 section 7.3.6). Returns 0 or -1. */
int acme_account_deactivate(struct acme_client *c);

/*
 * Roll the account over to NEW_KEY (RFC 8555 section 7.3.5). On success
 * c->account_key becomes NEW_KEY. Returns 0 or -1.
 */
int acme_key_change(struct acme_client *c, const struct key *new_key);

/*
 * Create an order for IDS (RFC 8555 section 7.4), with PROFILE when not
 * NULL; the profile must be one the directory lists. REPLACES, when not
 * NULL, is the certID of the certificate this order replaces
 * (RFC 9773), sent only when the directory offers renewalInfo.
 * Returns 0 or -1.
 */
int acme_order_new(struct acme_client *c, const struct acme_identifier *ids, size_t count,
    const char *profile, const char *replaces, struct acme_order *order);

/*
 * Complete every authorization of ORDER that is not valid yet with
 * SOLVER's challenge type (RFC 8555 sections 7.5, 7.5.1), then wait until
 * the order is ready. Returns 0 or -1.
 */
int acme_order_authorize(struct acme_client *c, struct acme_order *order, const struct acme_solver *solver);

/*
 * Finalize ORDER with the DER CSR and wait until it is valid
 * (RFC 8555 section 7.4), polling while it is processing. Returns 0 or -1.
 */
int acme_order_finalize(struct acme_client *c, struct acme_order *order, const void *csr, size_t csr_len);

/*
 * Download the certificate chain of a valid ORDER into PEM (RFC 8555
 * section 7.4.2). With PREFERRED_CHAIN, pick the chain, default or
 * alternate, whose topmost certificate was issued by a CA of that common
 * name, else keep the default. Returns 0 or -1.
 */
int acme_certificate_download(struct acme_client *c, const struct acme_order *order,
    const char *preferred_chain, struct buf *pem);

#define ACME_ARI_RETRY_DEFAULT (6 * 3600)	/* seconds before asking again without Retry-After */
#define ACME_ARI_RETRY_MIN 60			/* a shorter Retry-After is raised to this */
#define ACME_ARI_RETRY_MAX (7 * 86400)		/* a longer one is cut to this */

/* A renewalInfo response (RFC 9773 section 4.2). Times are seconds since the epoch. */
struct acme_renewal_info {
	long long start;		/* suggestedWindow */
	long long end;
	long long retry_after;		/* when to ask again, from Retry-After, within the bounds above */
	char explanation_url[HTTP_URL_MAX];	/* empty when absent */
};

/*
 * Fetch the renewalInfo of the certificate CERT_ID (see cert_ari_id) with a
 * GET of the directory's renewalInfo URL "/" CERT_ID (RFC 9773 section
 * 4.1). Fails when the directory has no renewalInfo. Returns 0, or -1.
 */
int acme_renewal_info(struct acme_client *c, const char *cert_id, long long now, struct acme_renewal_info *out);

/* Parse an RFC 3339 date-time ("2025-01-02T03:04:05Z", offsets and fractions allowed) into *OUT. Returns 0 or -1. */
int acme_parse_rfc3339(const char *s, long long *out);

/* Revoke the DER certificate with the account key (RFC 8555 section 7.6); REASON -1 for none. */
int acme_revoke(struct acme_client *c, const void *der, size_t len, int reason);

#endif
