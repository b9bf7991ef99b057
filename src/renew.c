#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "renew.h"

#define DAY 86400LL

/* see renew.h */
long long
renew_backoff(unsigned failures)
{
	long long wait = RENEW_BACKOFF_FIRST;
	unsigned i;

	for (i = 1; i < failures && wait < RENEW_BACKOFF_MAX; i++)
		wait *= 2;
	return wait < RENEW_BACKOFF_MAX ? wait : RENEW_BACKOFF_MAX;
}

/* see renew.h */
void
renew_record_failure(struct store_state *state, long long now, const char *error)
{
	state->last_attempt = now;
	state->last_result = STORE_RESULT_FAILED;
	if (state->failures < 1000000)
		state->failures++;
	state->next_retry = now + renew_backoff(state->failures);
	snprintf(state->last_error, sizeof(state->last_error), "%s", error != NULL ? error : "");
}

/* see renew.h */
void
renew_record_success(struct store_state *state, long long now)
{
	state->last_attempt = now;
	state->last_result = STORE_RESULT_OK;
	state->failures = 0;
	state->next_retry = 0;

	/* The window belonged to the replaced certificate; the new one gets its own. */
	state->ari_start = 0;
	state->ari_end = 0;
	state->ari_instant = 0;
	state->ari_retry_after = 0;
	state->last_error[0] = '\0';
}

/* see renew.h */
int
renew_ari_pick(struct store_state *state, long long start, long long end, uint64_t draw)
{
	if (end < start)
		return -1;
	if (state->ari_start == start && state->ari_end == end && state->ari_instant >= start &&
	    state->ari_instant <= end && state->ari_instant != 0)
		return 0;
	state->ari_start = start;
	state->ari_end = end;
	state->ari_instant = start + (long long)(draw % ((uint64_t)(end - start) + 1));
	return 0;
}

/* Is the word W (LEN bytes) in the space-separated LIST, ignoring case? */
static int
has_word(const char *list, const char *w, size_t len)
{
	const char *p = list;
	size_t n;

	while (*p != '\0') {
		p += strspn(p, " \t");
		n = strcspn(p, " \t");
		if (n == len && n > 0 && strncasecmp(p, w, n) == 0)
			return 1;
		p += n;
	}
	return 0;
}

/* Is every word of A in B? */
static int
words_within(const char *a, const char *b)
{
	const char *p = a;
	size_t n;

	while (*p != '\0') {
		p += strspn(p, " \t");
		n = strcspn(p, " \t");
		if (n > 0 && !has_word(b, p, n))
			return 0;
		p += n;
	}
	return 1;
}

/* see renew.h */
int
renew_same_names(const char *a, const char *b)
{
	return words_within(a, b) && words_within(b, a);
}

static void
format_time(char *dst, size_t cap, long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(dst, cap, "%Y-%m-%d %H:%M UTC", &tm);
}

/* When the lifetime rule makes the certificate due, and the words for the reason. */
static long long
lifetime_renew_at(long long not_before, long long not_after, const char **fraction)
{
	long long lifetime = not_after - not_before;

	if (lifetime < RENEW_SHORT_LIFETIME) {
		*fraction = "half";
		return not_after - lifetime / 2;
	}
	*fraction = "a third";
	return not_after - lifetime / 3;
}

/* Check the reasons to renew at once, whatever the dates. Returns 1 when one applies. */
static int
decide_now(const struct renew_input *in, struct renew_decision *out)
{
	if (!in->has_cert) {
		out->reason = RENEW_REASON_NO_CERT;
		snprintf(out->text, sizeof(out->text), "due: no certificate yet");
		return 1;
	}
	if (in->want_names != NULL && in->cert_names != NULL &&
	    !renew_same_names(in->want_names, in->cert_names)) {
		out->reason = RENEW_REASON_NAMES_CHANGED;
		snprintf(out->text, sizeof(out->text), "due: names changed (config: %s; certificate: %s)",
		    in->want_names, in->cert_names);
		return 1;
	}
	if (in->want_key_type != NULL && in->cert_key_type != NULL &&
	    strcmp(in->want_key_type, in->cert_key_type) != 0) {
		out->reason = RENEW_REASON_KEY_CHANGED;
		snprintf(out->text, sizeof(out->text), "due: key type changed (config: %s; certificate: %s)",
		    in->want_key_type, in->cert_key_type);
		return 1;
	}
	return 0;
}

/* Set out->renew_at and out->reason from the dates: renewalInfo, renew-days, or the lifetime. */
static void
decide_when(const struct renew_input *in, struct renew_decision *out, char *why, size_t cap)
{
	long long lifetime = in->not_after - in->not_before;
	const struct store_state *st = in->state;
	const char *fraction;
	char when[40];

	out->renew_at = lifetime_renew_at(in->not_before, in->not_after, &fraction);
	out->reason = RENEW_REASON_LIFETIME;
	snprintf(why, cap, "renews at %s of the %lld-day lifetime", fraction, (lifetime + DAY / 2) / DAY);

	/* renew-days longer than the lifetime would renew on every run, so it does not apply then. */
	if (in->renew_days > 0 && (long long)in->renew_days * DAY < lifetime) {
		out->renew_at = in->not_after - (long long)in->renew_days * DAY;
		out->reason = RENEW_REASON_RENEW_DAYS;
		snprintf(why, cap, "renew-days is %d", in->renew_days);
	} else if (in->renew_days > 0) {
		snprintf(why, cap, "renews at %s of the %lld-day lifetime, since renew-days %d is longer",
		    fraction, (lifetime + DAY / 2) / DAY, in->renew_days);
	}

	/* An instant after expiry cannot be what the CA meant: the rules above stay then. */
	if (st != NULL && st->ari_instant != 0 && st->ari_instant >= st->ari_start &&
	    st->ari_instant <= st->ari_end && st->ari_instant < in->not_after) {
		out->renew_at = st->ari_instant;
		out->reason = RENEW_REASON_ARI;
		format_time(when, sizeof(when), st->ari_instant);
		snprintf(why, cap, "the CA's renewal window chose %s", when);
	}
}

/* see renew.h */
void
renew_decide(const struct renew_input *in, struct renew_decision *out)
{
	const struct store_state *st = in->state;
	long long left, lifetime;
	char why[160], when[40];

	memset(out, 0, sizeof(*out));
	if (decide_now(in, out)) {
		out->due = 1;
	} else {
		decide_when(in, out, why, sizeof(why));
		lifetime = in->not_after - in->not_before;
		left = in->not_after - in->now;
		out->due = in->now >= out->renew_at;
		out->urgent = left < lifetime / 6;
		if (left <= 0) {
			format_time(when, sizeof(when), in->not_after);
			snprintf(out->text, sizeof(out->text), "due: expired on %s", when);
		} else if (out->due) {
			snprintf(out->text, sizeof(out->text), "due: %lld of %lld days left; %s",
			    left / DAY, (lifetime + DAY / 2) / DAY, why);
		} else {
			format_time(when, sizeof(when), out->renew_at);
			snprintf(out->text, sizeof(out->text), "not due: %lld of %lld days left; due %s, %s",
			    left / DAY, (lifetime + DAY / 2) / DAY, when, why);
		}
	}

	/* After failures, wait out the backoff unless the end is near. */
	if (out->due && st != NULL && st->failures > 0 && in->now < st->next_retry && !out->urgent) {
		out->due = 0;
		out->backing_off = 1;
		format_time(when, sizeof(when), st->next_retry);
		snprintf(out->text, sizeof(out->text), "backing off: %u failed attempt%s, next at %s",
		    st->failures, st->failures == 1 ? "" : "s", when);
	}
}
