# The protocol against a scripted server: header quirks, escaped URLs, a
# rich directory, nonce handling on errors, orders already ready, challenge
# processing with Retry-After, and a User-Agent on every request.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/acme_mock.sh"

# Lower-case headers, "replay-nonce:N" without a space, a TAB and a space
# after "LOCATION:", "\/" in the order and "\u002f" in the directory.
mock_start basic
expect_exit 0 mock_issue -v
[ "$(readlink "$WORK/state/certs/example.com/live")" = v1 ] || fail "nothing installed"
mock_py '
acct = "https://localhost:%s/acct/1" % log[0]["headers"]["host"].split(":")[1]
signed = [e for e in log if "protected" in e and e["path"] != "/new-acct"]
assert signed, "no request after newAccount"
bad = [e["path"] for e in signed if e["protected"].get("kid") != acct]
assert not bad, "kid not the exact account URL in %s" % bad
promised = [e["promised_nonce"] for e in log if "promised_nonce" in e][0]
# The entry after newAccount is the note of the nonce the mock sent; the request after it is ours.
after = log.index([e for e in log if e.get("path") == "/new-acct"][-1]) + 2
assert log[after]["protected"]["nonce"] == promised, "the nonce of the lower-case header was not used next"
assert log[after]["path"] == "/new-order", log[after]["path"]
authz = [e["path"] for e in posts("/authz/")]
assert authz and all(p.startswith("/authz/1-0") for p in authz), authz
assert len(posts("/chall/")) == 1, "challenge not answered exactly once"
validated = [e for e in log if "validated" in e]
assert validated and validated[0]["got"] == validated[0]["expected"], validated
agents = {e["headers"].get("user-agent", "") for e in log if "method" in e}
assert all(a.startswith("keepcert/") for a in agents), agents
assert all(e["headers"].get("content-type") == "application/jose+json" for e in log if e.get("method") == "POST")
assert not any("transfer-encoding" in e["headers"] for e in log if "method" in e), "chunked request"
assert all(e["headers"]["host"].startswith("localhost:") for e in log if "method" in e), "Host without port"
'
heads=$(mock_py 'print(sum(1 for e in log if e.get("method") == "HEAD"))')
[ "$heads" = 1 ] || fail "$heads HEAD requests for nonces, expected 1"

# badNonce: a new signature over the nonce of the error response, and no HEAD in between.
mock_start bad-nonce
expect_exit 0 mock_issue -v
expect_no_match "$WORK/err" 'badNonce'
mock_py '
orders = posts("/new-order")
assert len(orders) == 2, "%d newOrder requests, expected 2" % len(orders)
i = log.index(orders[0])
assert log[i + 1] is orders[1], "a request came between the badNonce and its retry: %s" % log[i + 1].get("path")
assert orders[0]["protected"]["nonce"] != orders[1]["protected"]["nonce"]
assert sum(1 for e in log if e.get("method") == "HEAD") == 1
'

# A 403 orderNotReady: its nonce signs the next request; finalize is sent again once ready.
mock_start not-ready
expect_exit 0 mock_issue -v
mock_py '
assert sum(1 for e in log if e.get("method") == "HEAD") == 1, "a HEAD for a nonce after the 403"
assert len(posts("/finalize/")) == 2
'

# An order already ready: no challenge response, finalized at once.
mock_start ready
expect_exit 0 mock_issue -v
expect_no_match "$WORK/err" 'responding to'
mock_py '
assert not posts("/chall/"), "a challenge was answered"
assert not posts("/authz/"), "authorizations were fetched for a ready order"
assert len(posts("/finalize/")) == 1
'

# Challenge processing: Retry-After: 1 on the authorization is honoured, the challenge POSTed once.
mock_start challenge-processing
expect_exit 0 mock_issue -v
mock_py '
assert len(posts("/chall/")) == 1, "challenge POSTed %d times" % len(posts("/chall/"))
polls = [e["time"] for e in posts("/authz/")]
assert len(polls) == 4, "%d authorization requests, expected 4" % len(polls)
gaps = [b - a for a, b in zip(polls[1:], polls[2:])]
assert all(g >= 0.95 for g in gaps), "polls closer than Retry-After: %s" % gaps
first = polls[1] - posts("/chall/")[0]["time"]
assert first >= 0.95, "first poll %.2f s after the challenge response that said Retry-After: 1" % first
'

# Invalid server strings: an http:// authorization URL and a token that is a path.
mock_start bad-url
expect_exit 1 mock_issue
expect_match "$WORK/err" 'not an https URL'
mock_start bad-token
expect_exit 1 mock_issue
expect_match "$WORK/err" 'base64url token'
mock_py 'assert not posts("/chall/"), "a challenge with a bad token was answered"'
[ ! -e "$WORK/state/certs/example.com/v2" ] || fail "a certificate was installed after a failure"
