# --challenge standalone :PORT listens on IPv6 and IPv4 alike, so one
# certificate for 127.0.0.1 and ::1 validates both; an explicit address
# listens on that address only.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/pebble.sh"

pebble_start

expect_exit 0 pebble_keepcert issue -d 127.0.0.1 -d ::1 --challenge standalone ":$PEBBLE_HTTP_PORT" --agree-tos
names=$(openssl x509 -in "$WORK/state/certs/127.0.0.1/live/cert.pem" -noout -ext subjectAltName | tail -n +2)
case $names in *127.0.0.1*0:0:0:0:0:0:0:1*|*127.0.0.1*::1*) ;; *) fail "the certificate names '$names'" ;; esac

# An explicit IPv4 address is that address only: the validation of ::1 fails. A
# second account, because Pebble reuses the first one's valid authorizations.
expect_exit 1 "$KEEPCERT" issue -d 127.0.0.1 -d ::1 --challenge standalone "127.0.0.1:$PEBBLE_HTTP_PORT" \
	--no-self-check --agree-tos --directory "$PEBBLE_DIRECTORY" --ca-bundle "$PEBBLE_CA_BUNDLE" \
	--state-dir "$WORK/state2"
expect_match "$WORK/err" '::1.*connection refused'
