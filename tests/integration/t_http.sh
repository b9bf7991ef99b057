# The HTTP client over real sockets: keep-alive (counted by the server),
# reconnecting when a server drops an idle connection, plain http:// URLs,
# the CONNECT proxy from https_proxy and no_proxy, and connect and read
# failures with their messages.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/pki.sh"

year_ago=$(date -u -d '-1 year' +%Y%m%d%H%M%SZ)
in_a_year=$(date -u -d '+1 year' +%Y%m%d%H%M%SZ)
pki_ca root "/CN=Keepcert Test Root"
pki_sign good root leaf "$year_ago" "$in_a_year" "DNS:localhost"
bundle=$PKI/root.crt

# Start the mock server (extra arguments are passed on) on a new $port. Not
# run in $(...), so that start_bg records the server for the cleanup at exit.
serve() {
	local name=$1
	shift
	port=$(free_port)
	start_bg "$name" python3 "$TESTS_DIR/../mock/https_server.py" --port "$port" \
		--count-file "$WORK/$name.count" "$@"
	wait_port "$port"
	# wait_port's probe is the first accepted connection; wait until the server has counted it.
	for _ in $(seq 50); do
		[ -s "$WORK/$name.count" ] && break
		sleep 0.1
	done
}

# Connections the server NAME has accepted so far.
accepted() {
	cat "$WORK/$1.count"
}

# Keep-alive: 20 requests, one TLS connection, seen from both sides.
serve keep --cert "$PKI/good.crt" --key "$PKI/good.key"
before=$(accepted keep)
expect_exit 0 "$KEEPCERT" -v fetch --repeat 20 --ca-bundle "$bundle" "https://localhost:$port/n"
expect_match "$WORK/err" 'fetch: 1 TLS connection, 20 HTTP requests$'
[ $(( $(accepted keep) - before )) -eq 1 ] || fail "the server accepted $(( $(accepted keep) - before )) connections for 20 requests, expected 1"

# POST always carries Content-Length, and the body arrives whole.
expect_exit 0 "$KEEPCERT" fetch --ca-bundle "$bundle" -d '{"csr":"abc"}' "https://localhost:$port/new-order"
expect_match "$WORK/out" '"method": "POST"'
expect_match "$WORK/out" '"body": "\{\\"csr\\": ?\\"abc\\"\}"'
expect_match "$WORK/out" '"content_length": "13"'
expect_exit 0 "$KEEPCERT" fetch --ca-bundle "$bundle" -X POST "https://localhost:$port/post-as-get"
expect_match "$WORK/out" '"content_length": "0"'

# A server that drops each connection after one response: every request after
# the first finds the connection closed, reconnects once and succeeds.
serve drop --cert "$PKI/good.crt" --key "$PKI/good.key" --close-after 1
before=$(accepted drop)
expect_exit 0 "$KEEPCERT" -v fetch --repeat 3 --ca-bundle "$bundle" "https://localhost:$port/"
expect_match "$WORK/err" 'fetch: 3 TLS connections, 5 HTTP requests$'
[ $(( $(accepted drop) - before )) -eq 3 ] || fail "the server accepted $(( $(accepted drop) - before )) connections, expected 3"

# Plain http:// uses TCP without TLS and without the proxy.
serve plain
https_proxy=http://127.0.0.1:1 expect_exit 0 "$KEEPCERT" -v fetch --repeat 2 "http://localhost:$port/.well-known/acme-challenge/t"
expect_match "$WORK/out" '"path": "/.well-known/acme-challenge/t"'
expect_match "$WORK/out" "\"host\": \"localhost:$port\""
expect_match "$WORK/err" 'fetch: 1 TCP connection, 2 HTTP requests$'

# https_proxy: the tunnel goes through our CONNECT proxy; no_proxy bypasses it.
serve proxied --cert "$PKI/good.crt" --key "$PKI/good.key"
proxy_port=$(free_port)
start_bg proxy python3 "$TESTS_DIR/../mock/connect_proxy.py" --port "$proxy_port" --log "$WORK/proxy.log"
wait_port "$proxy_port"
https_proxy=http://127.0.0.1:$proxy_port expect_exit 0 "$KEEPCERT" fetch --repeat 2 --ca-bundle "$bundle" "https://localhost:$port/via"
expect_match "$WORK/out" '"path": "/via"'
expect_match "$WORK/proxy.log" "^CONNECT localhost:$port\$"
expect_lines "$WORK/proxy.log" 1
HTTPS_PROXY=http://127.0.0.1:$proxy_port no_proxy=example.org,localhost expect_exit 0 "$KEEPCERT" fetch --ca-bundle "$bundle" "https://localhost:$port/"
https_proxy=http://127.0.0.1:$proxy_port NO_PROXY='*' expect_exit 0 "$KEEPCERT" fetch --ca-bundle "$bundle" "https://localhost:$port/"
expect_lines "$WORK/proxy.log" 1
https_proxy=http://127.0.0.1:$proxy_port no_proxy=.example.org expect_exit 0 "$KEEPCERT" fetch --ca-bundle "$bundle" "https://localhost:$port/"
expect_lines "$WORK/proxy.log" 2

# The proxy rejects a tunnel to another host, and the message shows its reply.
https_proxy=http://127.0.0.1:$proxy_port expect_exit 1 "$KEEPCERT" fetch "https://keepcert-test.invalid:$port/"
expect_match "$WORK/err" "proxy 127.0.0.1:$proxy_port refused the tunnel to keepcert-test.invalid:$port: HTTP/1.1 403 Forbidden"

# Nothing listens: connection refused, naming the address.
port=$(free_port)
expect_exit 1 "$KEEPCERT" fetch "https://127.0.0.1:$port/"
expect_match "$WORK/err" "cannot connect to 127.0.0.1 port $port: connection refused by 127.0.0.1:$port"

# A listener that never responds: the read deadline fires.
port=$(free_port)
start_bg silent python3 -c "import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $port)); s.listen(8); time.sleep(60)"
wait_port "$port"
expect_exit 1 "$KEEPCERT" fetch --timeout 1 "https://localhost:$port/"
expect_match "$WORK/err" "timed out after 1 s waiting for data from localhost \(127.0.0.1:$port\)"

# A listener whose accept queue is full drops new SYNs: the connect deadline fires.
port=$(free_port)
start_bg full python3 -c "import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $port)); s.listen(0)
fill = [socket.socket() for _ in range(4)]
for c in fill:
    c.setblocking(False)
    try:
        c.connect(('127.0.0.1', $port))
    except BlockingIOError:
        pass
open('$WORK/full.ready', 'w').close()
time.sleep(60)"
for _ in $(seq 50); do [ -e "$WORK/full.ready" ] && break; sleep 0.1; done
expect_exit 1 "$KEEPCERT" fetch --timeout 1 "https://127.0.0.1:$port/"
expect_match "$WORK/err" "timed out after 1 s connecting to 127.0.0.1:$port"

# The command documents itself.
expect_exit 0 "$KEEPCERT" help fetch
expect_match "$WORK/out" '^usage: keepcert fetch \[OPTIONS\] URL'
expect_match "$WORK/out" '--ca-bundle FILE'
expect_exit 2 "$KEEPCERT" fetch
expect_match "$WORK/err" 'fetch: give exactly one URL'

# IPv6 literals, when this machine has ::1: connected to, and named in errors.
if python3 -c "import socket; s = socket.socket(socket.AF_INET6); s.bind(('::1', 0))" 2>/dev/null; then
	port=$(free_port)
	start_bg v6 python3 -m http.server --bind ::1 "$port"
	for _ in $(seq 50); do
		"$KEEPCERT" fetch "http://[::1]:$port/" >/dev/null 2>&1 && break
		sleep 0.1
	done
	expect_exit 0 "$KEEPCERT" fetch "http://[::1]:$port/"
	expect_match "$WORK/out" '^HTTP/1.0 200$'
	port=$(free_port)
	expect_exit 1 "$KEEPCERT" fetch "http://[::1]:$port/"
	expect_match "$WORK/err" "connection refused by \[::1\]:$port"
fi
