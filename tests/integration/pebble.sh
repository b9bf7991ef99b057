# A local Pebble ACME CA for integration tests; source it after lib.sh.
#
#	. "$TESTS_DIR/lib.sh"
#	. "$TESTS_DIR/pebble.sh"
#	pebble_start
#	"$KEEPCERT" issue -d a.test --directory "$PEBBLE_DIRECTORY" \
#	    --ca-bundle "$PEBBLE_CA_BUNDLE" --state-dir "$WORK/state" \
#	    --challenge standalone "127.0.0.1:$PEBBLE_HTTP_PORT" --agree-tos
#	pebble_verify "$WORK/state/certs/a.test/live/fullchain.pem"
#
# Functions:
#   pebble_start       start pebble-challtestsrv (every name resolves to
#                      127.0.0.1, its own challenge servers off) and pebble,
#                      wait until both accept connections, and fetch the
#                      roots. Both stop when the test exits (start_bg in
#                      lib.sh); a start that loses a port to another
#                      process is retried on fresh ports.
#   pebble_fetch_roots write $PEBBLE_ROOT, $PEBBLE_INTERMEDIATE and, with
#                      alternate roots, $WORK/pebble/root-N.pem and
#                      intermediate-N.pem; pebble_start calls it.
#   pebble_verify FILE verify the leaf (first block of FILE) against
#                      Pebble's root with openssl, taking the other blocks of
#                      FILE as untrusted intermediates.
#   pebble_key_matches KEY CERT
#                      succeed when the private key KEY belongs to CERT.
#   pebble_cert_status CERT
#                      print "Valid" or "Revoked" for CERT, from the
#                      management interface's /cert-status-by-serial.
#   pebble_keepcert ARGS...
#                      run $KEEPCERT with the directory, CA bundle and state
#                      directory of this Pebble ($WORK/state) after ARGS;
#                      issue gets --no-self-check unless ARGS has --self-check-addr.
#
# Settings read by pebble_start (set them before calling it):
#   PEBBLE_HTTP_PORT   where Pebble validates http-01 (httpPort); default a
#                      free port. Run keepcert's standalone listener there.
#   PEBBLE_TLS_PORT    where Pebble validates tls-alpn-01; default a free port.
#   PEBBLE_STRICT=1    run pebble with -strict.
#   PEBBLE_EAB_KEYS    a JSON object of EAB key id -> base64url MAC key;
#                      when set, Pebble requires external account binding.
#   PEBBLE_VALIDITY    certificateValidityPeriod in seconds (Pebble's
#                      default is five years).
#   PEBBLE_VA_NOSLEEP, PEBBLE_WFE_NONCEREJECT, PEBBLE_AUTHZREUSE: pinned to
#                      1, 0 and 0 unless set; any other PEBBLE_* variable of
#                      Pebble's (PEBBLE_ALTERNATE_ROOTS, PEBBLE_CHAIN_LENGTH,
#                      PEBBLE_VA_ALWAYS_VALID) is passed through as it is.
#
# Results, after pebble_start:
#   PEBBLE_DIRECTORY   the ACME directory URL
#   PEBBLE_CA_BUNDLE   the CA that signed Pebble's HTTPS certificate (--ca-bundle)
#   PEBBLE_MANAGEMENT  the management interface's base URL
#   PEBBLE_ROOT, PEBBLE_INTERMEDIATE  PEM files of the issuing root and intermediate
#   CHALLTESTSRV_MANAGEMENT  pebble-challtestsrv's management URL (plain HTTP)

pebble_dir=$WORK/pebble

# A CA and a certificate for localhost and 127.0.0.1, for Pebble's own HTTPS.
pebble_make_tls_certs() {
	mkdir -p "$pebble_dir"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=keepcert test CA" -keyout "$pebble_dir/ca.key" \
		-out "$pebble_dir/ca.pem" 2>/dev/null || fail "openssl: cannot make the test CA"
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-subj "/CN=localhost" -keyout "$pebble_dir/server.key" \
		-out "$pebble_dir/server.csr" 2>/dev/null || fail "openssl: cannot make the server CSR"
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > "$pebble_dir/server.ext"
	openssl x509 -req -in "$pebble_dir/server.csr" -CA "$pebble_dir/ca.pem" \
		-CAkey "$pebble_dir/ca.key" -CAcreateserial -days 2 \
		-extfile "$pebble_dir/server.ext" -out "$pebble_dir/server.pem" 2>/dev/null \
		|| fail "openssl: cannot sign the server certificate"
}

pebble_write_config() {
	local eab_required=false eab_keys='{}'

	if [ -n "${PEBBLE_EAB_KEYS:-}" ]; then
		eab_required=true
		eab_keys=$PEBBLE_EAB_KEYS
	fi
	cat > "$pebble_dir/config.json" <<-EOF
	{
	  "pebble": {
	    "listenAddress": "127.0.0.1:$pebble_port",
	    "managementListenAddress": "127.0.0.1:$pebble_management_port",
	    "certificate": "$pebble_dir/server.pem",
	    "privateKey": "$pebble_dir/server.key",
	    "httpPort": $PEBBLE_HTTP_PORT,
	    "tlsPort": $PEBBLE_TLS_PORT,
	    "ocspResponderURL": "",
	    "certificateValidityPeriod": ${PEBBLE_VALIDITY:-157766400},
	    "externalAccountBindingRequired": $eab_required,
	    "externalAccountMACKeys": $eab_keys
	  }
	}
	EOF
}

# Wait up to 10 s for 127.0.0.1:PORT while process PID lives; fails fast when it exits.
pebble_wait_port() {
	local port=$1 pid=$2 i

	for i in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# Start both servers on fresh ports; returns non-zero when one did not come up.
pebble_try_start() {
	local dns_port challtestsrv_port strict="" challtestsrv_pid pebble_pid

	pebble_port=$(free_port)
	pebble_management_port=$(free_port)
	dns_port=$(free_port)
	challtestsrv_port=$(free_port)
	pebble_write_config

	start_bg challtestsrv pebble-challtestsrv -defaultIPv4 127.0.0.1 -defaultIPv6 "" \
		-dns01 "127.0.0.1:$dns_port" -management "127.0.0.1:$challtestsrv_port" \
		-http01 "" -https01 "" -tlsalpn01 ""
	challtestsrv_pid=$!
	[ "${PEBBLE_STRICT:-0}" = 1 ] && strict=-strict
	PEBBLE_VA_NOSLEEP=${PEBBLE_VA_NOSLEEP:-1} \
	PEBBLE_WFE_NONCEREJECT=${PEBBLE_WFE_NONCEREJECT:-0} \
	PEBBLE_AUTHZREUSE=${PEBBLE_AUTHZREUSE:-0} \
		start_bg pebble pebble -config "$pebble_dir/config.json" \
		-dnsserver "127.0.0.1:$dns_port" $strict
	pebble_pid=$!

	if pebble_wait_port "$challtestsrv_port" "$challtestsrv_pid" &&
	    pebble_wait_port "$pebble_port" "$pebble_pid" &&
	    pebble_wait_port "$pebble_management_port" "$pebble_pid"; then
		CHALLTESTSRV_MANAGEMENT=http://127.0.0.1:$challtestsrv_port
		return 0
	fi

	# A port taken by another process between free_port and bind: stop both and try again.
	kill "$challtestsrv_pid" "$pebble_pid" 2>/dev/null
	wait "$challtestsrv_pid" "$pebble_pid" 2>/dev/null
	cat "$WORK/pebble.log" "$WORK/challtestsrv.log" >> "$WORK/pebble-failed-starts.log"
	return 1
}

pebble_start() {
	local attempt

	pebble_make_tls_certs
	PEBBLE_HTTP_PORT=${PEBBLE_HTTP_PORT:-$(free_port)}
	PEBBLE_TLS_PORT=${PEBBLE_TLS_PORT:-$(free_port)}
	for attempt in 1 2 3; do
		pebble_try_start && break
		[ "$attempt" = 3 ] && fail "pebble did not start three times; see $WORK/pebble-failed-starts.log"
	done

	PEBBLE_DIRECTORY=https://localhost:$pebble_port/dir
	PEBBLE_CA_BUNDLE=$pebble_dir/ca.pem
	PEBBLE_MANAGEMENT=https://localhost:$pebble_management_port
	PEBBLE_ROOT=$pebble_dir/root-0.pem
	PEBBLE_INTERMEDIATE=$pebble_dir/intermediate-0.pem
	export PEBBLE_HTTP_PORT PEBBLE_TLS_PORT PEBBLE_DIRECTORY PEBBLE_CA_BUNDLE \
		PEBBLE_MANAGEMENT PEBBLE_ROOT PEBBLE_INTERMEDIATE CHALLTESTSRV_MANAGEMENT

	curl -sf --cacert "$PEBBLE_CA_BUNDLE" "$PEBBLE_DIRECTORY" > /dev/null \
		|| fail "pebble: the directory $PEBBLE_DIRECTORY does not answer"
	pebble_fetch_roots
}

pebble_fetch_roots() {
	local i count=$((1 + ${PEBBLE_ALTERNATE_ROOTS:-0}))

	for i in $(seq 0 $((count - 1))); do
		curl -sf --cacert "$PEBBLE_CA_BUNDLE" "$PEBBLE_MANAGEMENT/roots/$i" \
			> "$pebble_dir/root-$i.pem" || fail "pebble: cannot fetch /roots/$i"
		curl -sf --cacert "$PEBBLE_CA_BUNDLE" "$PEBBLE_MANAGEMENT/intermediates/$i" \
			> "$pebble_dir/intermediate-$i.pem" || fail "pebble: cannot fetch /intermediates/$i"
	done
}

pebble_verify() {
	local file=$1 trusted=${2:-$PEBBLE_ROOT}

	awk '/-----BEGIN/ { n++ } n == 1' "$file" > "$pebble_dir/leaf.pem"
	awk '/-----BEGIN/ { n++ } n >= 2' "$file" > "$pebble_dir/untrusted.pem"
	[ -s "$pebble_dir/leaf.pem" ] || fail "$file: no certificate"
	if [ -s "$pebble_dir/untrusted.pem" ]; then
		openssl verify -CAfile "$trusted" -untrusted "$pebble_dir/untrusted.pem" \
			"$pebble_dir/leaf.pem" > "$pebble_dir/verify.out" 2>&1
	else
		openssl verify -CAfile "$trusted" "$pebble_dir/leaf.pem" > "$pebble_dir/verify.out" 2>&1
	fi || { cat "$pebble_dir/verify.out" >&2; fail "$file: openssl verify failed"; }
}

pebble_key_matches() {
	local key=$1 cert=$2 a b

	a=$(openssl pkey -in "$key" -pubout 2>/dev/null | sha256sum)
	b=$(openssl x509 -in "$cert" -noout -pubkey 2>/dev/null | sha256sum)
	[ -n "$a" ] && [ "$a" = "$b" ]
}

pebble_cert_status() {
	local serial

	serial=$(openssl x509 -in "$1" -noout -serial | sed 's/^serial=//')
	curl -sf --cacert "$PEBBLE_CA_BUNDLE" "$PEBBLE_MANAGEMENT/cert-status-by-serial/$serial" \
		| sed -n 's/.*"Status": *"\([A-Za-z]*\)".*/\1/p'
}

pebble_keepcert() {
	local self_check=

	# issue fetches each http-01 token from NAME:80 before answering it. Test names
	# resolve nowhere, so that lookup is skipped unless the test points it somewhere.
	if [ "$1" = issue ] && ! printf '%s\n' "$@" | grep -qx -- --self-check-addr; then
		self_check=--no-self-check
	fi
	"$KEEPCERT" "$@" $self_check --directory "$PEBBLE_DIRECTORY" --ca-bundle "$PEBBLE_CA_BUNDLE" \
		--state-dir "$WORK/state"
}
