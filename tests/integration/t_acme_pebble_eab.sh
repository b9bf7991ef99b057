# External account binding with Pebble: the right MAC key creates the
# account, a wrong one is rejected as unauthorized, and a missing one fails
# before any signed request, naming externalAccountRequired.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/pebble.sh"

key=zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W
short=aRrQLI5PIAtfeK2DaS9RN91WFSE9m7YX			# 24 bytes
alphabet=yMnKy8zNzs_Q0dLT1NXW19jZ2tvc3d7f4OHi4-Tl5uc	# 32 bytes with - and _
PEBBLE_EAB_KEYS="{\"kid-1\": \"$key\", \"kid-2\": \"$short\", \"kid-3\": \"$alphabet\"}" pebble_start

register() {
	"$KEEPCERT" account register -v -v --directory "$PEBBLE_DIRECTORY" --ca-bundle "$PEBBLE_CA_BUNDLE" \
		--agree-tos --contact mailto:admin@example.org "$@"
}

# Missing: nothing is signed or sent after the directory.
expect_exit 1 register --state-dir "$WORK/s1"
expect_match "$WORK/err" 'externalAccountRequired'
expect_match "$WORK/err" '--eab-kid and --eab-hmac-key'
expect_no_match "$WORK/err" '^keepcert: (POST|HEAD) '
# Half of the pair: a usage error before the directory is even fetched.
expect_exit 2 register --state-dir "$WORK/s1" --eab-kid kid-1
expect_match "$WORK/err" '--eab-kid needs --eab-hmac-key'
expect_exit 2 register --state-dir "$WORK/s1" --eab-hmac-key "$key"
expect_match "$WORK/err" '--eab-hmac-key needs --eab-kid'

# Not base64 at all: a local error, before even the directory.
expect_exit 2 register --state-dir "$WORK/s1" --eab-kid kid-1 --eab-hmac-key 'not base64!'
expect_match "$WORK/err" 'eab-hmac-key is not valid base64'
expect_no_match "$WORK/err" '^keepcert: GET '

# Wrong: the CA rejects the binding.
wrong=b10lLJs8l1GPIzsLP0s6pMt8O0XVGnfTaCeROxQM0BIt2XrJMDHJZBM5NuQmQJQH
expect_exit 1 register --state-dir "$WORK/s2" --eab-kid kid-1 --eab-hmac-key "$wrong"
expect_match "$WORK/err" 'unauthorized'

# A short key works, with a warning; so does a key written in the other alphabet with padding.
expect_exit 0 register --state-dir "$WORK/s4" --eab-kid kid-2 --eab-hmac-key "$short"
expect_match "$WORK/err" 'warning: --eab-hmac-key decodes to 24 bytes'
expect_exit 0 register --state-dir "$WORK/s5" --eab-kid kid-3 \
	--eab-hmac-key 'yMnKy8zNzs/Q0dLT1NXW19jZ2tvc3d7f4OHi4+Tl5uc='
expect_no_match "$WORK/err" 'warning'

# Right: the account is created and an issuance works.
expect_exit 0 register --state-dir "$WORK/s3" --eab-kid kid-1 --eab-hmac-key "$key"
expect_match "$WORK/out" '^https://localhost:[0-9]+/my-account/'
# The MAC key never reaches the log, even at -vv.
! grep -q "$key" "$WORK/err" || fail "the EAB key was logged"
expect_exit 0 "$KEEPCERT" issue -d eab.test --challenge standalone "127.0.0.1:$PEBBLE_HTTP_PORT" --no-self-check \
	--directory "$PEBBLE_DIRECTORY" --ca-bundle "$PEBBLE_CA_BUNDLE" --state-dir "$WORK/s3"
pebble_verify "$WORK/s3/certs/eab.test/live/fullchain.pem"
