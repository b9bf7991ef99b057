# tls-alpn-01 (RFC 8737): Pebble validates on its tlsPort, where keepcert's
# listener serves ALPN acme-tls/1 with a certificate per name chosen by
# SNI; the listener is gone afterwards. A wildcard is refused, and a port
# in use fails the run before any request.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/pebble.sh"

pebble_start
listen=127.0.0.1:$PEBBLE_TLS_PORT

posts=$(grep -c 'POST /chalZ/' "$WORK/pebble.log")
expect_exit 0 pebble_keepcert issue -v -d alpn.test -d www.alpn.test --challenge tls-alpn "$listen" --agree-tos
live=$WORK/state/certs/alpn.test/live
pebble_verify "$live/fullchain.pem"
[ "$(grep -c 'POST /chalZ/' "$WORK/pebble.log")" -ge $((posts + 2)) ] || fail "fewer than two challenges were answered"
! (exec 3<>"/dev/tcp/127.0.0.1/$PEBBLE_TLS_PORT") 2>/dev/null || fail "the tls-alpn listener still runs"

# A wildcard needs dns-01.
expect_exit 2 pebble_keepcert issue -d '*.alpn.test' --challenge tls-alpn "$listen"
expect_match "$WORK/err" "wildcard name, which only dns-01 can validate"

# A port in use fails before any request to the CA. SO_REUSEADDR lets the blocker bind
# past the TIME_WAIT connections the listener left; Linux still refuses a second listener.
start_bg blocker python3 -c "import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $PEBBLE_TLS_PORT)); s.listen(1); time.sleep(60)"
wait_port "$PEBBLE_TLS_PORT"
requests=$(grep -c 'POST ' "$WORK/pebble.log")
expect_exit 1 pebble_keepcert issue -d alpn.test --challenge tls-alpn "$listen"
expect_match "$WORK/err" "cannot listen on $listen: .*--challenge tls-alpn ADDR:PORT"
[ "$(grep -c 'POST ' "$WORK/pebble.log")" = "$requests" ] || fail "the run reached the CA with its port in use"
