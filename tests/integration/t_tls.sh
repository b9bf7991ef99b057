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

# Serve LEAF with the certificates listed after it, on a new $port; the
# server options in $SERVER_OPTIONS are passed on. Not run in $(...), so
# that start_bg records the server for the cleanup at exit.
serve() {
	local name=$1 leaf=$2
	shift 2
	port=$(free_port)
	cat "$PKI/$leaf.crt" "${@/#/$PKI/}" > "$WORK/$name.chain"
	start_bg "$name" python3 "$TESTS_DIR/../mock/https_server.py" --port "$port" \
		--cert "$WORK/$name.chain" --key "$PKI/$leaf.key" --count-file "$WORK/$name.count" \
		${SERVER_OPTIONS:-}
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

# One certificate whose issuer is no trust anchor: a missing intermediate and an
# untrusted CA look alike, so the message names both and the option for the second.
serve incomplete good
expect_exit 1 "$KEEPCERT" fetch --ca-bundle "$PKI/root.crt" "https://localhost:$port/"
expect_match "$WORK/err" 'localhost sent only its own certificate \(CN=good\), whose issuer CN=inter is not among the trust anchors'
expect_match "$WORK/err" 'give its certificate with --ca-bundle.*chain is incomplete'
# A server whose leaf is signed by a root the system does not know, as a test CA's is.
pki_sign direct root leaf "$year_ago" "$in_a_year" "DNS:localhost"
serve direct direct
expect_exit 1 "$KEEPCERT" fetch "https://localhost:$port/"
expect_match "$WORK/err" 'issuer CN=Keepcert Test Root is not among the trust anchors.*root of a private or test CA, give its certificate with --ca-bundle'
expect_exit 0 "$KEEPCERT" fetch --ca-bundle "$PKI/root.crt" "https://localhost:$port/"
serve incomplete good
expect_exit 1 "$KEEPCERT" fetch --ca-bundle "$PKI/root.crt" "https://localhost:$port/"

# Each failure is one line, and a bundle that does not exist is named.
expect_lines "$WORK/err" 1
expect_exit 1 "$KEEPCERT" fetch --ca-bundle "$WORK/nonexistent.pem" "https://localhost:$port/"
expect_match "$WORK/err" "CA bundle $WORK/nonexistent.pem: cannot read it"

# An RSA leaf: ECDHE_RSA key exchange and RSA signatures.
PKI_KEY=rsa pki_sign rsaleaf inter leaf "$year_ago" "$in_a_year" "DNS:localhost"
serve rsa rsaleaf inter.crt
expect_exit 0 "$KEEPCERT" fetch --ca-bundle "$PKI/root.crt" "https://localhost:$port/rsa"
expect_match "$WORK/out" '"path": "/rsa"'

# Each offered cipher family works on its own: ChaCha20-Poly1305, AES-128-GCM, AES-256-GCM.
for cipher in ECDHE-ECDSA-CHACHA20-POLY1305 ECDHE-ECDSA-AES128-GCM-SHA256 ECDHE-ECDSA-AES256-GCM-SHA384; do
	SERVER_OPTIONS="--ciphers $cipher" serve "cipher-$cipher" good inter.crt
	expect_exit 0 "$KEEPCERT" fetch --ca-bundle "$PKI/root.crt" "https://localhost:$port/$cipher"
	expect_match "$WORK/out" "\"path\": \"/$cipher\""
done

# Suites keepcert does not offer: CBC with SHA-1 (ECDSA leaf), and RSA key
# exchange without forward secrecy (RSA leaf, which the server could use for it).
for weak in ECDHE-ECDSA-AES128-SHA:good AES128-GCM-SHA256:rsaleaf; do
	SERVER_OPTIONS="--ciphers ${weak%%:*}" serve "weak-${weak%%:*}" "${weak#*:}" inter.crt
	expect_exit 1 "$KEEPCERT" fetch --ca-bundle "$PKI/root.crt" "https://localhost:$port/"
	expect_match "$WORK/err" 'localhost sent the fatal TLS alert 40, handshake_failure: no cipher suite in common'
done

# A server that speaks only TLS 1.3.
SERVER_OPTIONS=--tls13-only serve tls13 good inter.crt
expect_exit 1 "$KEEPCERT" fetch --ca-bundle "$PKI/root.crt" "https://localhost:$port/"
expect_match "$WORK/err" 'localhost sent the fatal TLS alert 70, protocol_version: the server does not speak TLS 1.2'
