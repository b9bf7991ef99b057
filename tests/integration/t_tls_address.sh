# https to an IP address: the chain is verified as for a name, and the
# address must be an iPAddress subjectAltName of the leaf, IPv4 or IPv6;
# a dNSName spelling the address, or no address at all, is refused.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/pki.sh"

year_ago=$(date -u -d '-1 year' +%Y%m%d%H%M%SZ)
in_a_year=$(date -u -d '+1 year' +%Y%m%d%H%M%SZ)
pki_ca root "/CN=Keepcert Test Root"
pki_sign inter root ca "$year_ago" "$in_a_year"
pki_sign addresses inter leaf "$year_ago" "$in_a_year" "DNS:localhost, IP:127.0.0.1, IP:::1"
pki_sign nameonly inter leaf "$year_ago" "$in_a_year" "DNS:localhost"
pki_sign lookalike inter leaf "$year_ago" "$in_a_year" "DNS:127.0.0.1"
pki_ca stranger "/CN=Stranger Root"
pki_sign strangerleaf stranger leaf "$year_ago" "$in_a_year" "IP:127.0.0.1"

# serve NAME LEAF ADDRESS: LEAF and the intermediate on ADDRESS, a new $port.
serve() {
	port=$(free_port)
	cat "$PKI/$2.crt" "$PKI/inter.crt" > "$WORK/$1.chain"
	start_bg "$1" python3 "$TESTS_DIR/../mock/https_server.py" --port "$port" --bind "$3" \
		--cert "$WORK/$1.chain" --key "$PKI/$2.key" --count-file "$WORK/$1.count"
	python3 -c '
import socket, sys, time
for _ in range(100):
    try:
        socket.create_connection((sys.argv[1], int(sys.argv[2])), 1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)' "$3" "$port" || fail "nothing listens on $3 port $port"
}

serve v4 addresses 127.0.0.1
expect_exit 0 "$KEEPCERT" fetch --ca-bundle "$PKI/root.crt" "https://127.0.0.1:$port/"
expect_match "$WORK/out" '^HTTP/1.1 200$'
expect_exit 0 "$KEEPCERT" fetch --ca-bundle "$PKI/root.crt" "https://localhost:$port/"

if python3 -c 'import socket; s = socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null; then
	serve v6 addresses ::1
	expect_exit 0 "$KEEPCERT" fetch --ca-bundle "$PKI/root.crt" "https://[::1]:$port/"
	expect_match "$WORK/out" '^HTTP/1.1 200$'
else
	echo "note: no IPv6 loopback here; the ::1 case is skipped" >&2
fi

# No iPAddress entry: refused, and the message says what is missing.
serve nameonly nameonly 127.0.0.1
expect_exit 1 "$KEEPCERT" fetch --ca-bundle "$PKI/root.crt" "https://127.0.0.1:$port/"
expect_match "$WORK/err" 'the certificate of 127\.0\.0\.1 does not list the IP address 127\.0\.0\.1 as an iPAddress subjectAltName'

# A dNSName that spells the address is not an address.
serve lookalike lookalike 127.0.0.1
expect_exit 1 "$KEEPCERT" fetch --ca-bundle "$PKI/root.crt" "https://127.0.0.1:$port/"
expect_match "$WORK/err" 'does not list the IP address 127\.0\.0\.1'

# The chain is still verified: the right address under an untrusted root fails.
port=$(free_port)
start_bg stranger python3 "$TESTS_DIR/../mock/https_server.py" --port "$port" \
	--cert "$PKI/strangerleaf.crt" --key "$PKI/strangerleaf.key" --count-file "$WORK/stranger.count"
wait_port "$port"
expect_exit 1 "$KEEPCERT" fetch --ca-bundle "$PKI/root.crt" "https://127.0.0.1:$port/"
expect_match "$WORK/err" 'CN=Stranger Root'
