/*
 * dns-01 challenges (RFC 8555 section 8.4) through a hook program:
 *
 *	PROGRAM add _acme-challenge.DOMAIN VALUE	before keepcert responds to the challenge
 *	PROGRAM del _acme-challenge.DOMAIN VALUE	afterwards, also after a failure
 *
 * with KEEPCERT_DNS_NAME, KEEPCERT_DNS_VALUE and KEEPCERT_DOMAIN in its
 * environment. DOMAIN and its wildcard share one record name, so the
 * program gets one call per value and must add the value next to any
 * other, never replace the whole record set, and delete only the value
 * it is given. VALUE is base64url and may start with '-'. The program
 * should exit once the record is published, because
 * keepcert responds to the challenge as soon as every "add" has exited 0.
 */
#ifndef KEEPCERT_CHALLENGE_DNS_H
#define KEEPCERT_CHALLENGE_DNS_H

#include <stddef.h>

#include "acme.h"
#include "csr.h"
#include "jws.h"

#define DNS01_LABEL "_acme-challenge."
#define DNS01_MAX_RECORDS 100		/* one per identifier of an order */
#define DNS01_HOOK_TIMEOUT 300		/* seconds for each run of the program */
#define DNS01_OUTPUT_SHOWN 300		/* bytes of the program's output quoted in an error */

struct dns01_record {
	char domain[NAME_MAX_LEN + 1];			/* the identifier without "*." */
	char name[sizeof(DNS01_LABEL) + NAME_MAX_LEN];	/* _acme-challenge.DOMAIN */
	char value[JWS_THUMBPRINT_SIZE];		/* base64url(SHA-256(key authorization)) */
	int added;					/* "add" exited 0 and "del" has not run */
};

struct dns01_solver {
	const char *program;
	int timeout;				/* seconds for each run; 0 means DNS01_HOOK_TIMEOUT */
	struct dns01_record records[DNS01_MAX_RECORDS];
	size_t count;
};

/*
 * Write the record name for IDENTIFIER ("*.example.org" or "example.org")
 * into OUT: "_acme-challenge.example.org". Returns 0, or -1 when it does not fit.
 */
int dns01_record_name(const char *identifier, char *out, size_t cap);

/* Start solver S for PROGRAM, a command run through /bin/sh -c with two words and NAME VALUE added. */
void dns01_solver_open(struct dns01_solver *s, const char *program);

/* Fill OUT with the acme_solver callbacks of S. */
void dns01_solver_bind(struct dns01_solver *s, struct acme_solver *out);

/* Run "del" for every record still added. Safe to call twice. */
void dns01_solver_close(struct dns01_solver *s);

#endif
