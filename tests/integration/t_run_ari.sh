# keepcert run with renewalInfo (RFC 9773), against the mock. A window in
# the future is stored, and not requested again before its Retry-After.
# A window in the past renews at once, with replaces in the new order.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/acme_mock.sh"

write_config() {
	cat > "$WORK/keepcert.conf" <<-EOF2
	directory = $MOCK_DIRECTORY
	ca-bundle = $WORK/pebble/ca.pem
	state-dir = $WORK/state
	self-check = no
	agree-tos = yes
	challenge = standalone 127.0.0.1:$MOCK_HTTP_PORT

	[example.com]
	names = example.com
	EOF2
}
kc() { "$KEEPCERT" -c "$WORK/keepcert.conf" "$@"; }
state_value() { sed -n "s/^$1 = //p" "$WORK/state/certs/example.com/state"; }
ari_gets() { grep -c '"path": "/renewal-info/' "$MOCK_LOG"; }

# A window 3 days ahead (the mock issues 10-day certificates): the first run issues, then asks for the new certificate's window.
mock_start ari-future
write_config
expect_exit 0 kc run
expect_match "$WORK/err" 'example\.com: renewed'
[ "$(ari_gets)" = 1 ] || fail "expected one renewalInfo request after the first run, got $(ari_gets)"
id=$(mock_py 'print([e["renewal_info"] for e in log if "renewal_info" in e][0])')
openssl x509 -in "$WORK/state/certs/example.com/live/cert.pem" -noout -serial > /dev/null
start=$(mock_py 'print([e["start"] for e in log if "renewal_info" in e][0])')
end=$(mock_py 'print([e["end"] for e in log if "renewal_info" in e][0])')
instant=$(state_value ari-instant)
[ "$(state_value ari-start)" = "$start" ] && [ "$(state_value ari-end)" = "$end" ] \
	|| fail "the stored window is not the mock's [$start, $end]"
[ "$instant" -ge "$start" ] && [ "$instant" -le "$end" ] || fail "the instant $instant is outside the window"
[ "$(state_value ari-retry-after)" -ge $(( $(date +%s) + 3500 )) ] || fail "Retry-After: 3600 was not stored"

# The certID asked for is base64url(AKI).base64url(serial) of the live certificate.
serial=$(openssl x509 -in "$WORK/state/certs/example.com/live/cert.pem" -noout -serial | sed 's/serial=//')
case "$id" in *.*) ;; *) fail "certID '$id' has no dot" ;; esac
python3 -c '
import base64, sys
cid, serial = sys.argv[1], sys.argv[2]
s = base64.urlsafe_b64decode(cid.split(".")[1] + "==")
assert int.from_bytes(s, "big") == int(serial, 16), (cid, serial)' "$id" "$serial" || fail "certID $id does not carry serial $serial"

# The next run is silent, not due, and does not ask again before Retry-After.
expect_exit 0 kc run
[ ! -s "$WORK/out" ] && [ ! -s "$WORK/err" ] || { cat "$WORK/err"; fail "a run inside Retry-After printed something"; }
[ "$(ari_gets)" = 1 ] || fail "renewalInfo was asked again before its Retry-After"
expect_exit 0 kc -v run
expect_match "$WORK/err" "example\.com: not due: .*the CA's renewal window chose"
[ "$(state_value ari-instant)" = "$instant" ] || fail "a run without a new window moved the instant"

# Once Retry-After has passed, the window is asked again and the instant stays.
sed -i 's/^ari-retry-after = .*/ari-retry-after = 1/' "$WORK/state/certs/example.com/state"
expect_exit 0 kc run
[ "$(ari_gets)" = 2 ] || fail "renewalInfo was not asked again after its Retry-After"

# A window that has passed: the run renews and names the old certificate in replaces.
rm -rf "$WORK/state"
mock_start ari-past
write_config
expect_exit 0 kc run
old_serial=$(openssl x509 -in "$WORK/state/certs/example.com/live/cert.pem" -noout -serial)
[ "$(ari_gets)" = 1 ] || fail "no renewalInfo request after the first issuance"
expect_exit 0 kc -v run
expect_match "$WORK/err" "example\.com: due: .*the CA's renewal window chose"
expect_match "$WORK/err" 'example\.com: renewed'
[ "$(openssl x509 -in "$WORK/state/certs/example.com/live/cert.pem" -noout -serial)" != "$old_serial" ] \
	|| fail "the certificate was not replaced"
mock_py '
orders = posts("/new-order")
assert len(orders) == 2, len(orders)
asked = [e["renewal_info"] for e in log if "renewal_info" in e][0]
assert "replaces" not in orders[0]["payload"], orders[0]["payload"]
assert orders[1]["payload"].get("replaces") == asked, (orders[1]["payload"], asked)
' || fail "the second newOrder did not carry replaces"

# rateLimited with Retry-After: 604800 becomes the state's not-before; later
# runs, --force included, send the CA nothing before then.
rm -rf "$WORK/state"
mock_start rate-limited
write_config
expect_exit 1 kc run
expect_match "$WORK/err" 'example\.com: .*rateLimited'
not_before=$(state_value not-before)
[ "$not_before" -ge $(( $(date +%s) + 604000 )) ] || fail "not-before is '$not_before', not a week ahead"
[ "$(state_value next-retry)" -ge "$not_before" ] || fail "next-retry is before not-before"
requests=$(wc -l < "$MOCK_LOG")
expect_exit 0 kc -v run --force
expect_match "$WORK/err" 'example\.com: waiting: the CA asked for no request before'
[ "$(wc -l < "$MOCK_LOG")" = "$requests" ] || fail "a run sent the CA a request before its Retry-After"
