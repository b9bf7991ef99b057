# Pebble reusing every valid authorization: the second order for the same
# names is ready, or its authorizations valid, and no challenge is answered.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/pebble.sh"

PEBBLE_AUTHZREUSE=100 pebble_start
listen=127.0.0.1:$PEBBLE_HTTP_PORT

expect_exit 0 pebble_keepcert issue -v -d reuse.test -d www.reuse.test --challenge standalone "$listen" --agree-tos
expect_match "$WORK/err" 'responding to the http-01 challenge'
posts=$(grep -c 'POST /chalZ/' "$WORK/pebble.log")
[ "$posts" = 2 ] || fail "the first order answered $posts challenges, expected 2"

expect_exit 0 pebble_keepcert issue -v -d reuse.test -d www.reuse.test --challenge standalone "$listen"
expect_no_match "$WORK/err" 'responding to the http-01 challenge'
expect_match "$WORK/err" 'authorization already valid|order .* is ready'
[ "$(grep -c 'POST /chalZ/' "$WORK/pebble.log")" = 2 ] || fail "the second order answered a challenge"
[ "$(readlink "$WORK/state/certs/reuse.test/live")" = v2 ] || fail "the second certificate was not installed"
pebble_verify "$WORK/state/certs/reuse.test/live/fullchain.pem"
