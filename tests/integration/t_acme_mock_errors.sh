# Problem documents from a scripted server: subproblems naming the
# identifier, rate limits long and short, userActionRequired, an order
# invalid for CAA with escapes in its detail, account lookups answered
# 404 or 400 or with an empty body, and profiles.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/acme_mock.sh"

# After a failure, live is where it was ("" when there was none).
live_version() { readlink "$WORK/state/certs/example.com/live" 2>/dev/null; }
no_install() {
	[ "$(live_version)" = "$1" ] || fail "live is '$(live_version)' after a failure, expected '$1'"
}

mock_start subproblems
expect_exit 1 mock_keepcert issue -d xn--bcher-kva.example.com -d www.example.com --agree-tos \
	--challenge standalone "127.0.0.1:$MOCK_HTTP_PORT"
expect_match "$WORK/err" 'rejectedIdentifier: Problem\(s\) occurred while validating identifiers'
expect_match "$WORK/err" '; xn--bcher-kva.example.com: rejectedIdentifier: Punycode labels are not supported\.'
expect_lines "$WORK/err" 1
[ "$(mock_py 'print(len(posts("/new-order")))')" = 1 ] || fail "newOrder was retried"

# A week-long rate limit: one request, and the time to retry in the message.
mock_start rate-limited
expect_exit 1 mock_issue
week=$(date -u -d "@$(( $(date +%s) + 604800 ))" +%Y-%m-%d)
expect_match "$WORK/err" "rateLimited: too many certificates already issued .*; retry after $week [0-9:]+ UTC"
[ "$(mock_py 'print(len(posts("/new-order")))')" = 1 ] || fail "a rate-limited newOrder was retried"
no_install ""

# A one-second rate limit: one wait, then a retry with a fresh nonce.
mock_start rate-limited-short
expect_exit 0 mock_issue
[ "$(live_version)" = v1 ] || fail "nothing installed after a short rate limit"
mock_py '
o = posts("/new-order")
assert len(o) == 2, "%d newOrder requests" % len(o)
assert o[1]["time"] - o[0]["time"] >= 0.95, "retried after %.2f s" % (o[1]["time"] - o[0]["time"])
assert o[0]["protected"]["nonce"] != o[1]["protected"]["nonce"]
'

mock_start user-action
expect_exit 1 mock_issue
expect_match "$WORK/err" 'userActionRequired: Terms of service have changed; visit https://localhost:[0-9]+/agreement$'

# CAA: the order is invalid after processing; its detail is unescaped and kept on one line.
mock_start caa
expect_exit 1 mock_issue
expect_match "$WORK/err" 'is invalid after finalize: caa: CAA forbids "issuance" \\ here\?second line'
grep -q "$(printf '\xf0\x9f\x98\x80')" "$WORK/err" || fail "the surrogate pair was not decoded to UTF-8"
expect_lines "$WORK/err" 1
[ "$(mock_py 'print(len(posts("/finalize/")))')" = 1 ] || fail "finalize was sent again"
no_install v1

# An account key without a cached URL: looked up, then created once, whatever the status of "does not exist".
for scenario in no-account-404 no-account-400 existing-empty; do
	rm -rf "$WORK/state"
	mock_start "$scenario"
	dir=$WORK/state/accounts/localhost_${MOCK_DIRECTORY#https://localhost:}
	dir=${dir%/dir}
	mkdir -p "$dir"
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/account.key" 2>/dev/null
	chmod 600 "$dir/account.key"
	expect_exit 0 mock_issue -v
	lookups=$(mock_py 'print(sum(1 for e in posts("/new-acct") if e["payload"].get("onlyReturnExisting")))')
	creates=$(mock_py 'print(sum(1 for e in posts("/new-acct") if not e["payload"].get("onlyReturnExisting")))')
	[ "$lookups" = 1 ] || fail "$scenario: $lookups lookups, expected 1"
	if [ "$scenario" = existing-empty ]; then
		[ "$creates" = 0 ] || fail "$scenario: an existing account was created again"
	else
		[ "$creates" = 1 ] || fail "$scenario: $creates creations, expected 1"
	fi
	grep -q "\"url\": \"https://localhost:[0-9]*/acct/1\"" "$dir/account.json" || fail "$scenario: URL not cached"
done

# Profiles: one the directory lists is sent; another is an error naming the offered ones.
rm -rf "$WORK/state"
mock_start profiles
expect_exit 0 mock_issue --profile shortlived
[ "$(mock_py 'print(posts("/new-order")[0]["payload"].get("profile"))')" = shortlived ] || fail "profile not sent"
expect_exit 1 mock_issue --profile nope
expect_match "$WORK/err" "does not offer the profile 'nope'; it offers: classic, shortlived"
[ "$(mock_py 'print(len(posts("/new-order")))')" = 1 ] || fail "an order was sent with an unknown profile"
