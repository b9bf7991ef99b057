#include <stdio.h>
#include <string.h>

#include "renew.h"
#include "unit.h"

#define DAY 86400LL
/* Whole seconds, folded at compile time: the MIPS router builds have no FPU. */
#define DAYS(x) ((long long)((x) * DAY))
#define T0 1764547200LL	/* 2025-12-01 00:00 UTC, the not-before of every case */

/*
 * One case: a certificate of LIFETIME days issued at T0, looked at on day
 * NOW (fractional), with the config's renew-days, an optional renewalInfo
 * instant (day, 0 for none) and a failure count with its next retry
 * (days after NOW).
 */
static const struct {
	const char *name;
	long long lifetime, now;	/* seconds */
	int renew_days;
	long long ari_day;
	unsigned failures;
	long long retry_in;
	int due, urgent, backing_off;
	enum renew_reason reason;
} renew_cases[] = {
	{ "90d fresh", DAYS(90), DAYS(1), 0, DAYS(0), 0, DAYS(0), 0, 0, 0, RENEW_REASON_LIFETIME },
	{ "90d just before 60", DAYS(90), DAYS(59.99), 0, DAYS(0), 0, DAYS(0), 0, 0, 0, RENEW_REASON_LIFETIME },
	{ "90d at 60 (30 left)", DAYS(90), DAYS(60), 0, DAYS(0), 0, DAYS(0), 1, 0, 0, RENEW_REASON_LIFETIME },
	{ "90d at 76 urgent", DAYS(90), DAYS(76), 0, DAYS(0), 0, DAYS(0), 1, 1, 0, RENEW_REASON_LIFETIME },
	{ "90d at 74 not urgent", DAYS(90), DAYS(74), 0, DAYS(0), 0, DAYS(0), 1, 0, 0, RENEW_REASON_LIFETIME },
	{ "90d expired", DAYS(90), DAYS(91), 0, DAYS(0), 0, DAYS(0), 1, 1, 0, RENEW_REASON_LIFETIME },
	{ "6d at 2.9", DAYS(6), DAYS(2.9), 0, DAYS(0), 0, DAYS(0), 0, 0, 0, RENEW_REASON_LIFETIME },
	{ "6d at 3 (half)", DAYS(6), DAYS(3), 0, DAYS(0), 0, DAYS(0), 1, 0, 0, RENEW_REASON_LIFETIME },
	{ "6d at 5.1 urgent", DAYS(6), DAYS(5.1), 0, DAYS(0), 0, DAYS(0), 1, 1, 0, RENEW_REASON_LIFETIME },
	{ "2d at 0.99", DAYS(2), DAYS(0.99), 0, DAYS(0), 0, DAYS(0), 0, 0, 0, RENEW_REASON_LIFETIME },
	{ "2d at 1", DAYS(2), DAYS(1), 0, DAYS(0), 0, DAYS(0), 1, 0, 0, RENEW_REASON_LIFETIME },
	{ "397d at 264", DAYS(397), DAYS(264), 0, DAYS(0), 0, DAYS(0), 0, 0, 0, RENEW_REASON_LIFETIME },
	{ "397d at 265 (2/3)", DAYS(397), DAYS(265), 0, DAYS(0), 0, DAYS(0), 1, 0, 0, RENEW_REASON_LIFETIME },
	{ "10d uses a third", DAYS(10), DAYS(6.6), 0, DAYS(0), 0, DAYS(0), 0, 0, 0, RENEW_REASON_LIFETIME },
	{ "10d at 6.7", DAYS(10), DAYS(6.7), 0, DAYS(0), 0, DAYS(0), 1, 0, 0, RENEW_REASON_LIFETIME },
	{ "renew-days 20 at 69", DAYS(90), DAYS(69.9), 20, DAYS(0), 0, DAYS(0), 0, 0, 0, RENEW_REASON_RENEW_DAYS },
	{ "renew-days 20 at 70", DAYS(90), DAYS(70), 20, DAYS(0), 0, DAYS(0), 1, 0, 0, RENEW_REASON_RENEW_DAYS },
	{ "renew-days 45 early", DAYS(90), DAYS(45), 45, DAYS(0), 0, DAYS(0), 1, 0, 0, RENEW_REASON_RENEW_DAYS },
	{ "renew-days over 6d life", DAYS(6), DAYS(2), 30, DAYS(0), 0, DAYS(0), 0, 0, 0, RENEW_REASON_LIFETIME },
	{ "renew-days over 6d due", DAYS(6), DAYS(3), 30, DAYS(0), 0, DAYS(0), 1, 0, 0, RENEW_REASON_LIFETIME },
	{ "ari early instant", DAYS(90), DAYS(50), 0, DAYS(50), 0, DAYS(0), 1, 0, 0, RENEW_REASON_ARI },
	{ "ari before instant", DAYS(90), DAYS(49.9), 0, DAYS(50), 0, DAYS(0), 0, 0, 0, RENEW_REASON_ARI },
	{ "ari late beats lifetime", DAYS(90), DAYS(65), 0, DAYS(75), 0, DAYS(0), 0, 0, 0, RENEW_REASON_ARI },
	{ "ari beats renew-days", DAYS(90), DAYS(70), 20, DAYS(75), 0, DAYS(0), 0, 0, 0, RENEW_REASON_ARI },
	{ "ari after expiry ignored", DAYS(90), DAYS(61), 0, DAYS(95), 0, DAYS(0), 1, 0, 0, RENEW_REASON_LIFETIME },
	{ "backoff holds", DAYS(90), DAYS(61), 0, DAYS(0), 2, DAYS(0.04), 0, 0, 1, RENEW_REASON_LIFETIME },
	{ "backoff over", DAYS(90), DAYS(61), 0, DAYS(0), 2, DAYS(-0.01), 1, 0, 0, RENEW_REASON_LIFETIME },
	{ "backoff ignored urgent", DAYS(90), DAYS(80), 0, DAYS(0), 9, DAYS(0.5), 1, 1, 0, RENEW_REASON_LIFETIME },
	{ "backoff 6d urgent", DAYS(6), DAYS(5.5), 0, DAYS(0), 4, DAYS(0.5), 1, 1, 0, RENEW_REASON_LIFETIME },
	{ "backoff not due anyway", DAYS(90), DAYS(10), 0, DAYS(0), 1, DAYS(0.04), 0, 0, 0, RENEW_REASON_LIFETIME },
};

TEST(renew_policy_table)
{
	struct renew_decision d;
	struct renew_input in;
	struct store_state st;
	const char *prefix;
	size_t i;

	for (i = 0; i < sizeof(renew_cases) / sizeof(renew_cases[0]); i++) {
		memset(&st, 0, sizeof(st));
		memset(&in, 0, sizeof(in));
		in.has_cert = 1;
		in.not_before = T0;
		in.not_after = T0 + renew_cases[i].lifetime;
		in.now = T0 + renew_cases[i].now;
		in.cert_names = in.want_names = "example.org www.example.org";
		in.cert_key_type = in.want_key_type = "ec-p256";
		in.renew_days = renew_cases[i].renew_days;
		if (renew_cases[i].ari_day != 0) {
			st.ari_start = T0 + renew_cases[i].ari_day - DAY;
			st.ari_end = T0 + renew_cases[i].ari_day + DAY;
			st.ari_instant = T0 + renew_cases[i].ari_day;
		}
		st.failures = renew_cases[i].failures;
		if (st.failures > 0)
			st.next_retry = in.now + renew_cases[i].retry_in;
		in.state = &st;

		renew_decide(&in, &d);
		if (!CHECK_INT(d.due, renew_cases[i].due) ||
		    !CHECK_INT(d.urgent, renew_cases[i].urgent) ||
		    !CHECK_INT(d.backing_off, renew_cases[i].backing_off) ||
		    !CHECK_INT(d.reason, renew_cases[i].reason))
			fprintf(stderr, "  case '%s': %s\n", renew_cases[i].name, d.text);
		if (d.due)
			prefix = "due: ";
		else if (d.backing_off)
			prefix = "backing off: ";
		else
			prefix = "not due: ";
		if (!CHECK(strncmp(d.text, prefix, strlen(prefix)) == 0))
			fprintf(stderr, "  case '%s': %s\n", renew_cases[i].name, d.text);
	}
}

static void
input_90d(struct renew_input *in, struct store_state *st)
{
	memset(in, 0, sizeof(*in));
	memset(st, 0, sizeof(*st));
	in->has_cert = 1;
	in->not_before = T0;
	in->not_after = T0 + 90 * DAY;
	in->now = T0 + 10 * DAY;
	in->cert_names = "example.org www.example.org";
	in->want_names = "www.example.org EXAMPLE.org";
	in->cert_key_type = "ec-p256";
	in->want_key_type = "ec-p256";
	in->state = st;
}

TEST(renew_reason_text)
{
	struct renew_decision d;
	struct renew_input in;
	struct store_state st;

	input_90d(&in, &st);
	renew_decide(&in, &d);
	CHECK_STR(d.text, "not due: 80 of 90 days left; due 2026-01-30 00:00 UTC, "
	    "renews at a third of the 90-day lifetime");
	CHECK_INT(d.renew_at, T0 + 60 * DAY);

	in.now = T0 + 61 * DAY;
	renew_decide(&in, &d);
	CHECK_STR(d.text, "due: 29 of 90 days left; renews at a third of the 90-day lifetime");

	in.now = T0 + 91 * DAY;
	renew_decide(&in, &d);
	CHECK_STR(d.text, "due: expired on 2026-03-01 00:00 UTC");

	in.now = T0 + 61 * DAY;
	st.failures = 3;
	st.next_retry = in.now + 3600;
	renew_decide(&in, &d);
	CHECK_STR(d.text, "backing off: 3 failed attempts, next at 2026-01-31 01:00 UTC");
}

TEST(renew_changes_mean_now)
{
	struct renew_decision d;
	struct renew_input in;
	struct store_state st;

	/* Same names in another order and case: nothing to do. */
	input_90d(&in, &st);
	renew_decide(&in, &d);
	CHECK_INT(d.due, 0);

	in.want_names = "example.org www.example.org mail.example.org";
	renew_decide(&in, &d);
	CHECK_INT(d.due, 1);
	CHECK_INT(d.reason, RENEW_REASON_NAMES_CHANGED);
	CHECK_STR(d.text, "due: names changed (config: example.org www.example.org mail.example.org; "
	    "certificate: example.org www.example.org)");

	in.want_names = "example.org";
	renew_decide(&in, &d);
	CHECK_INT(d.reason, RENEW_REASON_NAMES_CHANGED);

	input_90d(&in, &st);
	in.want_key_type = "rsa-2048";
	renew_decide(&in, &d);
	CHECK_INT(d.due, 1);
	CHECK_INT(d.reason, RENEW_REASON_KEY_CHANGED);
	CHECK_STR(d.text, "due: key type changed (config: rsa-2048; certificate: ec-p256)");

	input_90d(&in, &st);
	in.has_cert = 0;
	renew_decide(&in, &d);
	CHECK_INT(d.due, 1);
	CHECK_INT(d.reason, RENEW_REASON_NO_CERT);
	CHECK_STR(d.text, "due: no certificate yet");
}

TEST(renew_same_names_sets)
{
	CHECK_INT(renew_same_names("a.example b.example", "b.example a.example"), 1);
	CHECK_INT(renew_same_names("a.example  b.example ", "B.EXAMPLE\ta.example"), 1);
	CHECK_INT(renew_same_names("a.example", "a.example b.example"), 0);
	CHECK_INT(renew_same_names("a.example b.example", "a.example"), 0);
	CHECK_INT(renew_same_names("a.example", "a.exampl"), 0);
	CHECK_INT(renew_same_names("", ""), 1);
}

TEST(renew_backoff_doubles_capped)
{
	CHECK_INT(renew_backoff(1), 3600);
	CHECK_INT(renew_backoff(2), 7200);
	CHECK_INT(renew_backoff(3), 14400);
	CHECK_INT(renew_backoff(5), 57600);
	CHECK_INT(renew_backoff(6), 86400);
	CHECK_INT(renew_backoff(1000), 86400);
	CHECK_INT(renew_backoff(0), 3600);
}

TEST(renew_record_failure_and_success)
{
	struct store_state st;

	memset(&st, 0, sizeof(st));
	renew_record_failure(&st, 1000, "order rejected");
	CHECK_INT(st.failures, 1);
	CHECK_INT(st.next_retry, 1000 + 3600);
	CHECK_INT(st.last_result, STORE_RESULT_FAILED);
	CHECK_STR(st.last_error, "order rejected");
	renew_record_failure(&st, 5000, "again");
	CHECK_INT(st.failures, 2);
	CHECK_INT(st.next_retry, 5000 + 7200);
	CHECK_INT(st.last_attempt, 5000);

	st.ari_instant = 7;
	renew_record_success(&st, 9000);
	CHECK_INT(st.failures, 0);
	CHECK_INT(st.next_retry, 0);
	CHECK_INT(st.ari_instant, 0);
	CHECK_INT(st.last_result, STORE_RESULT_OK);
	CHECK_INT(st.last_attempt, 9000);
	CHECK_STR(st.last_error, "");
}

TEST(renew_ari_pick_window)
{
	struct store_state st;

	memset(&st, 0, sizeof(st));
	CHECK_INT(renew_ari_pick(&st, 1000, 2000, 123456), 0);
	CHECK_INT(st.ari_start, 1000);
	CHECK_INT(st.ari_end, 2000);
	CHECK_INT(st.ari_instant, 1000 + 123456 % 1001);

	/* The same window keeps the instant, whatever the new random value. */
	CHECK_INT(renew_ari_pick(&st, 1000, 2000, 999), 0);
	CHECK_INT(st.ari_instant, 1000 + 123456 % 1001);

	/* A moved window draws again and stays inside. */
	CHECK_INT(renew_ari_pick(&st, 5000, 5010, UINT64_MAX), 0);
	CHECK(st.ari_instant >= 5000);
	CHECK(st.ari_instant <= 5010);

	/* A zero-length window is its own instant; a reversed one is rejected. */
	CHECK_INT(renew_ari_pick(&st, 7000, 7000, 42), 0);
	CHECK_INT(st.ari_instant, 7000);
	CHECK_INT(renew_ari_pick(&st, 9000, 8000, 1), -1);
	CHECK_INT(st.ari_instant, 7000);
}
