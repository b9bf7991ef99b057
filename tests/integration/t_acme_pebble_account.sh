# The account commands against Pebble: register, show, update, thumbprint
# (checked against an RFC 7638 thumbprint computed here), key rollover then
# an order with the new key, revocation seen by Pebble, and deactivation
# after which the account cannot order.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/pebble.sh"

pebble_start
listen=127.0.0.1:$PEBBLE_HTTP_PORT

expect_exit 0 pebble_keepcert account register --agree-tos --contact mailto:one@example.org
url=$(cat "$WORK/out")
case $url in https://localhost:*/my-account/*) ;; *) fail "register printed '$url'" ;; esac
acct_dir=$(echo "$WORK"/state/accounts/localhost_*)

# Registering again finds the cached account: no second newAccount.
expect_exit 0 pebble_keepcert account register --agree-tos
[ "$(cat "$WORK/out")" = "$url" ] || fail "the second register printed another URL"
[ "$(grep -c 'POST /sign-me-up' "$WORK/pebble.log")" = 1 ] || fail "the cached account was not used"

# Without account.json the key is looked up with onlyReturnExisting, not created again.
mv "$acct_dir/account.json" "$WORK/account.json.saved"
expect_exit 0 pebble_keepcert account show
expect_match "$WORK/out" "^url: $url\$"
expect_match "$WORK/out" '^status: valid$'
expect_match "$WORK/out" '^contact: mailto:one@example.org$'

expect_exit 0 pebble_keepcert account update --contact mailto:two@example.org --contact mailto:three@example.org
expect_exit 0 pebble_keepcert account show
expect_match "$WORK/out" '^contact: mailto:two@example.org$'
expect_match "$WORK/out" '^contact: mailto:three@example.org$'
expect_no_match "$WORK/out" 'one@example.org'

# The thumbprint of the P-256 account key, computed from its coordinates.
thumbprint_of() {
	openssl pkey -in "$1" -pubout -outform DER 2>/dev/null | python3 -c '
import sys, hashlib, base64, json
der = sys.stdin.buffer.read()
point = der[-65:]
assert point[0] == 4
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
jwk = {"crv": "P-256", "kty": "EC", "x": b64(point[1:33]), "y": b64(point[33:])}
text = json.dumps(jwk, separators=(",", ":"), sort_keys=True)
print(b64(hashlib.sha256(text.encode()).digest()))'
}
expect_exit 0 pebble_keepcert account thumbprint
[ "$(cat "$WORK/out")" = "$(thumbprint_of "$acct_dir/account.key")" ] || fail "thumbprint differs from RFC 7638"

# Rollover: the CA takes the new key, the old one is kept, and orders use the new one.
old_thumbprint=$(thumbprint_of "$acct_dir/account.key")
expect_exit 0 pebble_keepcert account rollover
[ -f "$acct_dir/account.key.old" ] || fail "the old account key was not kept"
[ ! -e "$acct_dir/account.key.new" ] || fail "account.key.new was left behind"
[ "$(thumbprint_of "$acct_dir/account.key.old")" = "$old_thumbprint" ] || fail "account.key.old is not the old key"
[ "$(thumbprint_of "$acct_dir/account.key")" != "$old_thumbprint" ] || fail "the account key did not change"
[ "$(stat -c %a "$acct_dir/account.key")" = 600 ] || fail "the new account key is not mode 0600"
# A key left by an interrupted rollover may be the one the CA has: it is never overwritten.
echo leftover > "$acct_dir/account.key.new"
expect_exit 1 pebble_keepcert account rollover
expect_match "$WORK/err" 'account.key.new exists from an interrupted rollover'
[ "$(cat "$acct_dir/account.key.new")" = leftover ] || fail "account.key.new was overwritten"
rm "$acct_dir/account.key.new"
expect_exit 0 pebble_keepcert issue -d roll.test --challenge standalone "$listen"
pebble_verify "$WORK/state/certs/roll.test/live/fullchain.pem"
expect_exit 0 pebble_keepcert account show
expect_match "$WORK/out" "^url: $url\$"

# Revocation with the account key and a reason code.
cert=$WORK/state/certs/roll.test/live/cert.pem
[ "$(pebble_cert_status "$cert")" = Valid ] || fail "the new certificate is not Valid at Pebble"
expect_exit 2 pebble_keepcert revoke roll.test --reason 7
expect_exit 0 pebble_keepcert revoke roll.test --reason superseded
[ "$(pebble_cert_status "$cert")" = Revoked ] || fail "Pebble does not report the certificate as Revoked"
# live/ still contains it: the notice reports that and how to replace it.
expect_match "$WORK/err" 'roll.test: live/ still contains the revoked certificate.*keepcert issue'
# register --key cannot change an existing account's key: it points to rollover.
expect_exit 2 pebble_keepcert account register --key rsa-2048
expect_match "$WORK/err" "account rollover --key"
expect_exit 1 pebble_keepcert revoke "$cert"
expect_match "$WORK/err" 'alreadyRevoked'

# Deactivation: the CA rejects further orders from the account, and keepcert gives the reason.
expect_exit 0 pebble_keepcert account deactivate
grep -q '"status": "deactivated"' "$acct_dir/account.json" || fail "account.json does not record the deactivation"
# Deactivating again is done already; show reports the status instead of failing.
expect_exit 0 pebble_keepcert account deactivate
expect_match "$WORK/err" 'already deactivated'
expect_exit 0 pebble_keepcert account show
expect_match "$WORK/out" "^url: $url\$"
expect_match "$WORK/out" '^status: deactivated$'
expect_exit 1 pebble_keepcert issue -d after.test --challenge standalone "$listen"
expect_match "$WORK/err" 'was deactivated'
# The CA itself rejects the key too, whatever the cached state records.
mv "$acct_dir/account.json" "$WORK/account.json.deactivated"
expect_exit 1 pebble_keepcert issue -d after.test --challenge standalone "$listen" --agree-tos
expect_match "$WORK/err" 'unauthorized|deactivated'
[ ! -e "$WORK/state/certs/after.test" ] || fail "a certificate directory was made for a refused order"
