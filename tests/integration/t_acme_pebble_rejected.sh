# A challenge the CA cannot validate (nothing serves Pebble's httpPort):
# the run fails with Pebble's error detail and leaves the live certificate
# of the name byte for byte as it was.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/pebble.sh"

pebble_start
expect_exit 0 pebble_keepcert issue -d keep.test --challenge standalone "127.0.0.1:$PEBBLE_HTTP_PORT" --agree-tos
live=$WORK/state/certs/keep.test/live
cp -a "$WORK/state/certs/keep.test" "$WORK/before"

# keepcert listens elsewhere, so Pebble's validation connection is refused.
other=$(free_port)
expect_exit 1 pebble_keepcert issue -d keep.test --challenge standalone "127.0.0.1:$other" --timeout 30
expect_match "$WORK/err" '^keepcert: error: keep.test: the http-01 challenge failed, the authorization is invalid: (connection|unauthorized)'
expect_match "$WORK/err" "127.0.0.1:$PEBBLE_HTTP_PORT"
expect_lines "$WORK/err" 1
[ "$(readlink "$live")" = v1 ] || fail "live moved"
diff -r "$WORK/before" "$WORK/state/certs/keep.test" || fail "the certificate directory changed"

# A port that is already taken fails before any request to the CA.
requests=$(grep -c 'calling handler' "$WORK/pebble.log")
python3 -c 'import socket, time, sys
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); time.sleep(30)' "$other" &
busy=$!
bg_pids="$bg_pids $busy"
wait_port "$other"
expect_exit 1 pebble_keepcert issue -d keep.test --challenge standalone "127.0.0.1:$other"
expect_match "$WORK/err" "cannot listen on 127.0.0.1:$other: Address in use|cannot listen on 127.0.0.1:$other"
[ "$(grep -c 'calling handler' "$WORK/pebble.log")" = "$requests" ] || fail "requests reached the CA"
