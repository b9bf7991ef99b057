# Issue from a local Pebble: one name with an EC key, several names (one an
# IP address) with RSA and P-384 keys. Every certificate verifies with
# openssl against Pebble's root and matches its key. A second run reuses
# the cached account, and each issuance uses one TLS connection.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/pebble.sh"

pebble_start
listen=127.0.0.1:$PEBBLE_HTTP_PORT

# check_live NAME NAMES...: the live files verify, match, and carry exactly NAMES.
check_live() {
	local name=$1 live=$WORK/state/certs/$1/live want got
	shift
	pebble_verify "$live/fullchain.pem"
	pebble_key_matches "$live/privkey.pem" "$live/cert.pem" || fail "$name: privkey.pem does not match cert.pem"
	want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
	got=$(openssl x509 -in "$live/cert.pem" -noout -ext subjectAltName | tail -n +2 |
		tr ',' '\n' | sed 's/^ *//; s/^DNS://; s/^IP Address://' | sort | tr '\n' ' ')
	[ "$got" = "$want" ] || fail "$name: certificate names '$got', expected '$want'"
	[ "$(stat -c %a "$live/privkey.pem")" = 600 ] || fail "$name: privkey.pem is not mode 0600"
	cat "$live/cert.pem" "$live/chain.pem" | cmp -s - "$live/fullchain.pem" ||
		fail "$name: fullchain.pem is not cert.pem followed by chain.pem"
}

expect_exit 0 pebble_keepcert issue -v -d one.test --challenge standalone "$listen" --agree-tos
check_live one.test one.test
openssl pkey -in "$WORK/state/certs/one.test/live/privkey.pem" -noout -text | grep -q 'prime256v1' ||
	fail "the default key is not P-256"
expect_match "$WORK/err" 'created account https://'
expect_match "$WORK/err" ': 1 TLS connection\(s\), [0-9]+ HTTP request\(s\)$'
acct_dir=$(echo "$WORK"/state/accounts/localhost_*)
[ "$(stat -c %a "$acct_dir/account.key")" = 600 ] || fail "account.key is not mode 0600"
grep -q '"url": "https://localhost:' "$acct_dir/account.json" || fail "account.json has no account URL"

# Several names, an IP address among them, with an RSA key; the account is cached now.
before=$(grep -c 'POST /sign-me-up' "$WORK/pebble.log")
expect_exit 0 pebble_keepcert issue -v -d multi.test -d WWW.Multi.Test -d 127.0.0.1 \
	--key rsa-2048 --challenge standalone "$listen"
check_live multi.test multi.test www.multi.test 127.0.0.1
openssl x509 -in "$WORK/state/certs/multi.test/live/cert.pem" -noout -text | grep -q 'Public-Key: (2048 bit)' ||
	fail "multi.test: not an RSA 2048 key"
[ "$(grep -c 'POST /sign-me-up' "$WORK/pebble.log")" = "$before" ] || fail "the cached account was not used"
expect_no_match "$WORK/err" 'created account'
expect_match "$WORK/err" ': 1 TLS connection\(s\), [0-9]+ HTTP request\(s\)$'

expect_exit 0 pebble_keepcert issue -d p384.test --key ec-p384 --challenge standalone "$listen"
check_live p384.test p384.test
openssl pkey -in "$WORK/state/certs/p384.test/live/privkey.pem" -noout -text | grep -q 'secp384r1' ||
	fail "p384.test: not a P-384 key"

# A second issuance for a name makes a new version and keeps the previous one.
expect_exit 0 pebble_keepcert issue -d one.test --challenge standalone "$listen"
[ "$(readlink "$WORK/state/certs/one.test/live")" = v2 ] || fail "one.test: live is not v2"
[ -f "$WORK/state/certs/one.test/v1/cert.pem" ] || fail "one.test: v1 was not kept"
check_live one.test one.test

# Without --agree-tos a new account is not created: Pebble has terms of service.
expect_exit 1 "$KEEPCERT" issue -d tos.test --challenge standalone "$listen" \
	--directory "$PEBBLE_DIRECTORY" --ca-bundle "$PEBBLE_CA_BUNDLE" --state-dir "$WORK/state2"
expect_match "$WORK/err" 'terms of service \(data:text/plain,.*\) must be accepted.*--agree-tos'

# An IPv6 address first: the listener on :PORT serves both address families
# (v6.test resolves to 127.0.0.1), and the certificate directory spells ':'
# as '_' (openssl prints ::1 in full).
expect_exit 0 pebble_keepcert issue -d ::1 -d v6.test --challenge standalone ":$PEBBLE_HTTP_PORT"
check_live __1 0:0:0:0:0:0:0:1 v6.test

# A wildcard needs dns-01: a usage error before any request, nothing installed.
expect_exit 2 pebble_keepcert issue -d '*.wild.test' --challenge standalone "$listen"
expect_match "$WORK/err" '\*\.wild\.test is a wildcard name, which only dns-01 can validate'
[ ! -e "$WORK/state/certs/_wildcard.wild.test" ] || fail "a directory was made for a failed wildcard"
