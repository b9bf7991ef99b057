# TLS verification against a PKI made here: a valid chain is accepted, and
# an expired, not yet valid, wrong-name, untrusted-root or incomplete chain
# is rejected with its own message naming the host.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/pki.sh"

now=$(date -u +%Y%m%d%H%M%SZ)
past=20200101000000Z
year_ago=$(date -u -d '-1 year' +%Y%m%d%H%M%SZ)
in_a_year=$(date -u -d '+1 year' +%Y%m%d%H%M%SZ)

pki_ca root "/CN=Keepcert Test Root"
pki_sign inter root ca "$year_ago" "$in_a_year"
pki_sign good inter leaf "$year_ago" "$in_a_year" "DNS:localhost"
pki_sign expired inter leaf "$past" 20210101000000Z "DNS:localhost"
pki_sign future inter leaf 20990101000000Z 21000101000000Z "DNS:localhost"
pki_sign othername inter leaf "$year_ago" "$in_a_year" "DNS:other.example"
pki_ca stranger "/CN=Stranger Root"
pki_sign strangerinter stranger ca "$year_ago" "$in_a_year"
pki_sign strangerleaf strangerinter leaf "$year_ago" "$in_a_year" "DNS:localhost"

# Check the PKI with openssl first, so a failure below is ours and not the test's.
cat "$PKI/inter.crt" > "$PKI/untrusted.pem"
openssl verify -CAfile "$PKI/root.crt" -untrusted "$PKI/untrusted.pem" "$PKI/good.crt" >/dev/null ||
	fail "openssl does not accept the test chain"

# Serve LEAF with the certificates listed after it, on a new $port. Not run
# in $(...), so that start_bg records the server for the cleanup at exit.
serve() {
	local name=$1 leaf=$2
	shift 2
	port=$(free_port)
	cat "$PKI/$leaf.crt" "${@/#/$PKI/}" > "$WORK/$name.chain"
	start_bg "$name" python3 "$TESTS_DIR/../mock/https_server.py" --port "$port" \
		--cert "$WORK/$name.chain" --key "$PKI/$leaf.key" --count-file "$WORK/$name.count"
	wait_port "$port"
}

# Valid chain: leaf + intermediate, root given as the bundle.
serve good good inter.crt
expect_exit 0 "$KEEPCERT" fetch --ca-bundle "$PKI/root.crt" "https://localhost:$port/directory"
expect_match "$WORK/out" '^HTTP/1.1 200$'
expect_match "$WORK/out" '"path": "/directory"'
expect_match "$WORK/out" "\"host\": \"localhost:$port\""
expect_match "$WORK/out" '"user_agent": "keepcert/[0-9.]+"'

# The same server is untrusted without the bundle: the system roots do not know our root.
expect_exit 1 "$KEEPCERT" fetch "https://localhost:$port/"
expect_match "$WORK/err" 'localhost.*not a trusted root|localhost.*not trusted'

serve expired expired inter.crt
expect_exit 1 "$KEEPCERT" fetch --ca-bundle "$PKI/root.crt" "https://localhost:$port/"
expect_match "$WORK/err" 'the certificate of localhost \(CN=expired\) expired on 2021-01-01 00:00:00 UTC'
expect_no_match "$WORK/err" 'clock may be wrong'

serve future future inter.crt
expect_exit 1 "$KEEPCERT" fetch --ca-bundle "$PKI/root.crt" "https://localhost:$port/"
expect_match "$WORK/err" 'the certificate of localhost \(CN=future\) is not valid before 2099-01-01 00:00:00 UTC'
expect_match "$WORK/err" "system clock says $(date -u +%Y-%m-%d) [0-9:]+ UTC: the system clock may be wrong"

serve othername othername inter.crt
expect_exit 1 "$KEEPCERT" fetch --ca-bundle "$PKI/root.crt" "https://localhost:$port/"
expect_match "$WORK/err" 'the certificate of localhost is for another name \(its subject is CN=othername\)'

serve stranger strangerleaf strangerinter.crt stranger.crt
expect_exit 1 "$KEEPCERT" fetch --ca-bundle "$PKI/root.crt" "https://localhost:$port/"
expect_match "$WORK/err" 'the certificate chain of localhost ends at the root CN=Stranger Root, which is not trusted'

serve incomplete good
expect_exit 1 "$KEEPCERT" fetch --ca-bundle "$PKI/root.crt" "https://localhost:$port/"
expect_match "$WORK/err" 'localhost sent only its own certificate \(CN=good\), without the intermediate certificate of its issuer CN=inter.*missing'

# Each failure is one line, and a bundle that does not exist is named.
expect_lines "$WORK/err" 1
expect_exit 1 "$KEEPCERT" fetch --ca-bundle "$WORK/nonexistent.pem" "https://localhost:$port/"
expect_match "$WORK/err" "CA bundle $WORK/nonexistent.pem: cannot read it"
