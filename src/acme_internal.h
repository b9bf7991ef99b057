/*
 * Declarations acme.c shares with acme_account.c and acme_order.c: signed
 * requests, polling, and reading JSON responses into bounded buffers.
 */
#ifndef KEEPCERT_ACME_INTERNAL_H
#define KEEPCERT_ACME_INTERNAL_H

#include "acme.h"
#include "json.h"

#define ACME_MAX_TOKENS 2048		/* JSON values in one response */
#define ACME_POLL_FIRST_MS 50		/* first polling delay without Retry-After, doubled each time */
#define ACME_POLL_MAX_MS 4000
#define ACME_TOKEN_MAX 128		/* challenge tokens; RFC 8555 section 8.1 asks for at least 128 bits */

/* A parsed JSON response; large, so functions keep one each, not one per call. */
struct acme_json {
	struct json_doc doc;
	struct json_token tokens[ACME_MAX_TOKENS];
};

/* The polling delay of one wait, carried from one poll to the next. */
struct acme_poll {
	long next_ms;
	long retry_after_ms;	/* a Retry-After seen before the first poll, such as on a challenge response */
};

/*
 * Sign PAYLOAD ("" for POST-as-GET) for URL and POST it (RFC 8555 section
 * 6.2), with the account's "kid", or with its "jwk" when USE_JWK is set.
 * Retries badNonce with the nonce of the error response, up to
 * ACME_BAD_NONCE_RETRIES times. Returns 0 for a 2xx response, or -1 with
 * error_text() naming the problem; RESP must be freed in both cases.
 */
int acme_post(struct acme_client *c, const char *url, const char *payload, int use_jwk,
    struct http_response *resp);

/* Parse TEXT[0..LEN) into J; the top-level value must be an object. Returns 0 or -1. */
int acme_parse_text(const char *text, size_t len, struct acme_json *j);

/* Parse the JSON body of RESP into J; the top-level value must be an object. Returns 0 or -1. */
int acme_parse(const struct http_response *resp, struct acme_json *j);

/* Copy string member NAME of object OBJ into OUT. Returns 0, or -1 when absent, not a string or too long. */
int acme_get_string(const struct acme_json *j, int obj, const char *name, char *out, size_t cap);

/* Like acme_get_string, for a URL, which must also be https. */
int acme_get_url(const struct acme_json *j, int obj, const char *name, char out[HTTP_URL_MAX]);

/* Read the "status" member of object OBJ. */
enum acme_status acme_get_status(const struct acme_json *j, int obj);

/* 1 when S is 1 to MAX characters of the base64url alphabet (RFC 4648 section 5). */
int acme_base64url_valid(const char *s, size_t max);

/*
 * Format the problem document at token PROBLEM of J (an "error" member of
 * an order, authorization or challenge) into OUT as one line.
 */
void acme_problem_text(const struct acme_json *j, int problem, char *out, size_t cap);

/*
 * Wait before the next poll of a resource whose last response was RESP:
 * its Retry-After, else (or when RESP is NULL) the doubling delay of P.
 * Fails with error_text() naming WHAT when the wait would pass the run's
 * deadline. Returns 0 or -1.
 */
int acme_poll_wait(struct acme_client *c, struct acme_poll *p, const struct http_response *resp,
    const char *what);

#endif
