# Certificate downloads from a scripted server: chunked and close-delimited
# bodies stored byte for byte, a cut-off download that installs nothing,
# PEM with text around the blocks, and alternate chains chosen by the
# issuer of the topmost certificate.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/acme_mock.sh"

live=$WORK/state/certs/example.com/live

served_chain() {
	mock_py 'print([e["served_chain"] for e in log if "served_chain" in e][-1], end="")' > "$WORK/served.pem"
}

for scenario in chunked close-delimited; do
	mock_start "$scenario"
	expect_exit 0 mock_issue
	served_chain
	cmp "$live/fullchain.pem" "$WORK/served.pem" || fail "$scenario: fullchain.pem differs from what was served"
	[ "$(grep -c 'BEGIN CERTIFICATE' "$live/chain.pem")" = 1 ] || fail "$scenario: chain.pem is not one certificate"
done
version=$(readlink "$live")

mock_start cut
expect_exit 1 mock_issue
expect_match "$WORK/err" 'trunc|cut short|closed'
[ "$(readlink "$live")" = "$version" ] || fail "a cut-off chain was installed"

mock_start pem-text
expect_exit 0 mock_issue
expect_no_match "$live/fullchain.pem" 'subject=|issuer='
[ "$(grep -c 'BEGIN CERTIFICATE' "$live/fullchain.pem")" = 2 ] || fail "fullchain.pem does not hold 2 certificates"
[ "$(tail -c 1 "$live/fullchain.pem" | od -An -c | tr -d ' ')" = '\n' ] || fail "fullchain.pem lacks its final newline"
openssl verify -CAfile "$WORK/mock-ca/x1.pem" -untrusted "$live/chain.pem" "$live/cert.pem" > /dev/null ||
	fail "the normalised chain does not verify"

# The default chain is leaf, R3, X1 cross-signed by X3. Its topmost issuer is X3,
# although a certificate named "Test Root X1" is in it: only the alternate matches X1.
mock_start alternates
expect_exit 0 mock_issue -v --preferred-chain "Test Root X1"
expect_match "$WORK/err" 'using the alternate chain https://localhost:[0-9]+/cert/1/1'
[ "$(grep -c 'BEGIN CERTIFICATE' "$live/fullchain.pem")" = 2 ] || fail "the alternate chain was not installed"
openssl verify -CAfile "$WORK/mock-ca/x1.pem" -untrusted "$live/chain.pem" "$live/cert.pem" > /dev/null ||
	fail "the alternate chain does not verify against Test Root X1"

mock_start alternates
expect_exit 0 mock_issue -v --preferred-chain "Test Legacy Root X3"
expect_no_match "$WORK/err" 'alternate'
[ "$(mock_py 'print(len(posts("/cert/")))')" = 1 ] || fail "an alternate was fetched although the default matched"
[ "$(grep -c 'BEGIN CERTIFICATE' "$live/fullchain.pem")" = 3 ] || fail "the default chain was not kept"
openssl verify -CAfile "$WORK/mock-ca/x3.pem" -untrusted "$live/chain.pem" "$live/cert.pem" > /dev/null ||
	fail "the default chain does not verify against Test Legacy Root X3"

mock_start no-alternates
expect_exit 0 mock_issue --preferred-chain "Test Root X1"
expect_match "$WORK/err" 'no chain issued by "Test Root X1" among 0 alternate\(s\); keeping the default chain'
[ "$(grep -c 'BEGIN CERTIFICATE' "$live/fullchain.pem")" = 3 ] || fail "the default chain was not kept"

# A certificate for another key, or with a name that was not ordered: nothing is installed.
version=$(readlink "$live")
mock_start wrong-key
expect_exit 1 mock_issue
expect_match "$WORK/err" 'the issued certificate is not for our key; nothing was installed'
mock_start extra-name
expect_exit 1 mock_issue
expect_match "$WORK/err" 'has the name unordered.example.net, which was not ordered'
[ "$(readlink "$live")" = "$version" ] || fail "a wrong certificate was installed"
