# Pebble in -strict mode rejecting half of all good nonces with badNonce:
# every issuance must still succeed, retrying with the nonce of each error
# response, and no badNonce reaches the user.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/pebble.sh"

PEBBLE_STRICT=1 PEBBLE_WFE_NONCEREJECT=50 pebble_start

rejected=0
for i in 1 2 3 4 5; do
	expect_exit 0 pebble_keepcert issue -v -v -d "n$i.test" -d "www.n$i.test" \
		--challenge standalone "127.0.0.1:$PEBBLE_HTTP_PORT" --agree-tos
	expect_no_match "$WORK/err" 'badNonce|error'
	pebble_verify "$WORK/state/certs/n$i.test/live/fullchain.pem"
	rejected=$((rejected + $(grep -c 'rejected the nonce; signing again' "$WORK/err")))
done

# About half of some 70 signed requests had their nonce rejected, and each was retried.
[ "$rejected" -ge 10 ] || fail "Pebble rejected only $rejected nonces; the test did not exercise badNonce"
