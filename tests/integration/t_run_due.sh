# keepcert run renews by the lifetime rule alone: Pebble issues 24-second
# certificates, which renew at half their lifetime (lifetimes under 10
# days). status exits 1 once the last sixth is reached.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/pebble.sh"

PEBBLE_VALIDITY=24
pebble_start
cat > "$WORK/keepcert.conf" <<-EOF2
directory = $PEBBLE_DIRECTORY
ca-bundle = $PEBBLE_CA_BUNDLE
state-dir = $WORK/state
self-check = no
agree-tos = yes
challenge = standalone 127.0.0.1:$PEBBLE_HTTP_PORT

[due.test]
names = due.test
EOF2
kc() { "$KEEPCERT" -c "$WORK/keepcert.conf" "$@"; }
cert=$WORK/state/certs/due.test/live/cert.pem
epoch() { date -d "$(openssl x509 -in "$cert" -noout "-$1" | sed 's/^[^=]*=//')" +%s; }
# Sleep until the epoch second $1 has passed.
sleep_until() { while [ "$(date +%s)" -le "$1" ]; do sleep 0.2; done; }

expect_exit 0 kc run
expect_match "$WORK/err" 'due\.test: renewed'
start=$(epoch startdate)
end=$(epoch enddate)
half=$(( start + (end - start) / 2 ))
serial=$(openssl x509 -in "$cert" -noout -serial)

# Before half the lifetime: not due, silent.
if [ "$(date +%s)" -lt $(( half - 1 )) ]; then
	expect_exit 0 kc -v run
	expect_match "$WORK/err" 'due\.test: not due: .* renews at half of the 0-day lifetime'
	[ "$(openssl x509 -in "$cert" -noout -serial)" = "$serial" ] || fail "renewed before half the lifetime"
fi

# After half the lifetime: renewed by a plain run.
sleep_until $(( half + 1 ))
expect_exit 0 kc -v run
expect_match "$WORK/err" 'due\.test: due: 0 of 0 days left; renews at half'
expect_match "$WORK/err" 'due\.test: renewed'
[ "$(openssl x509 -in "$cert" -noout -serial)" != "$serial" ] || fail "the certificate was not replaced"

# status is fine at first, then exits 1 inside the last sixth of the new certificate.
start=$(epoch startdate)
end=$(epoch enddate)
if [ "$(date +%s)" -lt $(( start + (end - start) / 2 - 1 )) ]; then
	expect_exit 0 kc status
fi
sleep_until $(( end - (end - start) / 6 + 1 ))
expect_exit 1 kc status
expect_match "$WORK/out" 'inside the last sixth of its lifetime'
