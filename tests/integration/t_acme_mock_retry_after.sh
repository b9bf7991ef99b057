# Retry-After while an order is processing after finalize: an IMF-fixdate,
# an RFC 850 date, a past date and garbage. Finalize is sent once; polls
# wait for the date (within a second), then for delta-seconds.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/acme_mock.sh"

for scenario in processing-date processing-rfc850 processing-past processing-garbage; do
	mock_start "$scenario"
	expect_exit 0 mock_issue
	mock_py '
import sys
scenario = sys.argv[-1] if False else "'"$scenario"'"
fin = posts("/finalize/")
assert len(fin) == 1, "finalize sent %d times" % len(fin)
polls = posts("/order/")
assert len(polls) == 2, "%d order polls, expected 2" % len(polls)
retry_at = [e["retry_at"] for e in log if "retry_at" in e][0]
first = polls[0]["time"]
if scenario in ("processing-date", "processing-rfc850"):
    assert first >= retry_at - 1.0, "polled %.2f s before the date" % (retry_at - first)
    assert first <= retry_at + 1.5, "polled %.2f s after the date" % (first - retry_at)
else:
    assert first - fin[0]["time"] < 1.0, "waited %.2f s for a past or invalid date" % (first - fin[0]["time"])
gap = polls[1]["time"] - first
assert 0.95 <= gap <= 2.5, "second wait %.2f s for Retry-After: 1" % gap
'
	[ -f "$WORK/state/certs/example.com/live/fullchain.pem" ] || fail "$scenario: nothing installed"
done

# An order that never leaves processing: the run's deadline, not a count of polls, ends it.
mock_start processing-forever
start=$(date +%s)
expect_exit 1 mock_issue --timeout 4
elapsed=$(( $(date +%s) - start ))
expect_match "$WORK/err" 'timed out waiting for the CA to finish the order.*raise --timeout'
[ "$elapsed" -le 8 ] || fail "the run took ${elapsed}s with --timeout 4"
polls=$(mock_py 'print(len(posts("/order/")))')
[ "$polls" -ge 2 ] && [ "$polls" -le 5 ] || fail "$polls order polls in 4 s with Retry-After: 1"
