/*
 * The renewal policy: when a certificate is due, how failures back off,
 * and how a renewalInfo window (RFC 9773) turns into one instant. These
 * are pure functions of their inputs, the current time included, so that
 * every rule is tested without a clock or a CA; the run command gathers
 * the inputs from the config, the live certificate and certs/NAME/state.
 *
 * A certificate is due when:
 *  - there is no live certificate, or its names or key type differ from
 *    the config (renew now);
 *  - a renewalInfo window was fetched and the random instant stored in the
 *    state file has passed (this wins over the rules below);
 *  - renew-days is set and fewer days remain;
 *  - otherwise, less than a third of the lifetime remains, or half for
 *    lifetimes under 10 days (30 days of 90, 3 of 6).
 * After a failure, attempts wait RENEW_BACKOFF_FIRST, doubling up to
 * RENEW_BACKOFF_MAX, but once less than a sixth of the lifetime remains
 * every run tries again and sends a notice.
 */
#ifndef KEEPCERT_RENEW_H
#define KEEPCERT_RENEW_H

#include <stdint.h>

#include "store.h"

#define RENEW_BACKOFF_FIRST 3600	/* seconds after the first failure */
#define RENEW_BACKOFF_MAX 86400		/* the longest wait between attempts */
#define RENEW_SHORT_LIFETIME (10 * 86400)	/* below this, renew at half the lifetime */

/* The inputs of the decision. Times are seconds since the epoch. */
struct renew_input {
	long long now;
	int has_cert;			/* 0: nothing is live yet */
	long long not_before;		/* of the live certificate */
	long long not_after;
	const char *cert_names;		/* names in the live certificate, space separated */
	const char *cert_key_type;	/* e.g. "ec-p256"; NULL when unknown */
	const char *want_names;		/* names in the config, space separated */
	const char *want_key_type;
	int renew_days;			/* from the config; 0 when unset */
	const struct store_state *state;	/* failures, next retry, renewalInfo window */
};

enum renew_reason {
	RENEW_REASON_NO_CERT = 1,
	RENEW_REASON_NAMES_CHANGED,
	RENEW_REASON_KEY_CHANGED,
	RENEW_REASON_ARI,		/* the stored renewalInfo instant decides */
	RENEW_REASON_RENEW_DAYS,	/* renew-days decides */
	RENEW_REASON_LIFETIME,		/* the fraction of the lifetime decides */
};

struct renew_decision {
	int due;			/* 1: renew in this run */
	enum renew_reason reason;
	long long renew_at;		/* when it is or becomes due; 0 for "now" */
	int backing_off;		/* due, but waiting after a failure until state->next_retry */
	int urgent;			/* less than a sixth of the lifetime left, or expired */
	char text[256];			/* one line for -v and status, e.g. "due: 29 of 90 days left ..." */
};

/* Decide whether IN's certificate is due and why, into OUT. */
void renew_decide(const struct renew_input *in, struct renew_decision *out);

/* The wait before the next attempt after FAILURES consecutive failures (at least 1), in seconds. */
long long renew_backoff(unsigned failures);

/* Record a failed attempt at NOW with ERROR in STATE: count it and set next_retry. */
void renew_record_failure(struct store_state *state, long long now, const char *error);

/* Record a successful renewal at NOW: clear the failures and the renewalInfo instant. */
void renew_record_success(struct store_state *state, long long now);

/*
 * Store a renewalInfo suggestedWindow [START, END] in STATE and pick the
 * instant to renew at, uniformly inside it from the random number DRAW (RFC 9773 section
 * 4.2). An unchanged window keeps the instant picked before, so that runs
 * do not draw again and drift towards the start. Returns 0, or -1 when
 * END is before START (the window is then ignored).
 */
int renew_ari_pick(struct store_state *state, long long start, long long end, uint64_t draw);

/* Do the space-separated name lists A and B hold the same names, in any order and case? */
int renew_same_names(const char *a, const char *b);

#endif
