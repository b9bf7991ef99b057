# Alternate chains: with PEBBLE_ALTERNATE_ROOTS=1 the certificate download
# links an alternate chain. --preferred-chain with the alternate root's name
# picks it; an unknown name keeps the default chain.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/pebble.sh"

PEBBLE_ALTERNATE_ROOTS=1 pebble_start
listen=127.0.0.1:$PEBBLE_HTTP_PORT
root_cn() { openssl x509 -in "$1" -noout -subject -nameopt multiline | sed -n 's/^ *commonName *= *//p'; }
top_issuer() { awk '/-----BEGIN/ { n++; f = "'"$WORK"'/block" n ".pem" } { print > f }' "$1"; \
	openssl x509 -in "$(ls "$WORK"/block*.pem | sort -V | tail -1)" -noout -issuer -nameopt multiline |
	sed -n 's/^ *commonName *= *//p'; rm -f "$WORK"/block*.pem; }

default_cn=$(root_cn "$WORK/pebble/root-0.pem")
alternate_cn=$(root_cn "$WORK/pebble/root-1.pem")
[ "$default_cn" != "$alternate_cn" ] || fail "Pebble's two roots have the same name"

expect_exit 0 pebble_keepcert issue -v -d chain.test --challenge standalone "$listen" --agree-tos \
	--preferred-chain "$alternate_cn"
expect_match "$WORK/err" 'using the alternate chain'
live=$WORK/state/certs/chain.test/live
[ "$(top_issuer "$live/fullchain.pem")" = "$alternate_cn" ] || fail "the alternate chain was not chosen"
pebble_verify "$live/fullchain.pem" "$WORK/pebble/root-1.pem"

expect_exit 0 pebble_keepcert issue -v -d chain.test --challenge standalone "$listen" \
	--preferred-chain "No Such Root"
expect_match "$WORK/err" 'no chain issued by "No Such Root" among 1 alternate\(s\); keeping the default chain'
[ "$(top_issuer "$live/fullchain.pem")" = "$default_cn" ] || fail "the default chain was not kept"
pebble_verify "$live/fullchain.pem" "$WORK/pebble/root-0.pem"

# Naming the default root keeps the default chain without fetching alternates.
expect_exit 0 pebble_keepcert issue -v -d chain.test --challenge standalone "$listen" \
	--preferred-chain "$default_cn"
expect_no_match "$WORK/err" 'alternate'
[ "$(top_issuer "$live/fullchain.pem")" = "$default_cn" ] || fail "the default chain was not kept"
