# The scripted ACME server of tests/mock/acme_mock.py, for integration
# tests; source it after lib.sh.
#
#   mock_start SCENARIO   start the mock with one scenario (see SCENARIOS in
#                         acme_mock.py), stopping any mock started before;
#                         its TLS certificate comes from pebble.sh's CA.
#                         Sets MOCK_DIRECTORY, MOCK_LOG (the request log,
#                         one JSON object per line) and MOCK_HTTP_PORT (where
#                         the mock expects keepcert's http-01 listener).
#   mock_keepcert ARGS... run $KEEPCERT ARGS with the mock's directory and CA
#                         bundle and the state directory $WORK/state; issue
#                         gets --no-self-check.
#   mock_issue ARGS...    mock_keepcert issue -d example.com --agree-tos with
#                         the standalone listener on $MOCK_HTTP_PORT.
#   mock_py CODE          run python3 CODE with `log`, the list of logged
#                         requests, and `posts(prefix)`, the POSTs to paths
#                         starting with prefix; prints what CODE prints.

. "$TESTS_DIR/pebble.sh"

mock_pid=""

mock_start() {
	local scenario=$1 port attempt i

	[ -f "$WORK/pebble/server.pem" ] || pebble_make_tls_certs
	if [ -n "$mock_pid" ]; then
		kill "$mock_pid" 2>/dev/null
		wait "$mock_pid" 2>/dev/null
	fi
	MOCK_LOG=$WORK/mock-$scenario.jsonl
	mkdir -p "$WORK/mock-ca"

	# free_port can race with other processes, so a mock that exits early is started again.
	for attempt in 1 2 3; do
		port=$(free_port)
		MOCK_HTTP_PORT=$(free_port)
		MOCK_DIRECTORY=https://localhost:$port/dir
		: > "$MOCK_LOG"
		python3 "$TESTS_DIR/../mock/acme_mock.py" --port "$port" --cert "$WORK/pebble/server.pem" \
			--key "$WORK/pebble/server.key" --workdir "$WORK/mock-ca" --log "$MOCK_LOG" \
			--scenario "$scenario" --http-port "$MOCK_HTTP_PORT" > "$WORK/mock-$scenario.out" 2>&1 &
		mock_pid=$!
		bg_pids="$bg_pids $mock_pid"
		for i in $(seq 200); do
			(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
			kill -0 "$mock_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill "$mock_pid" 2>/dev/null
		wait "$mock_pid" 2>/dev/null
	done
	cat "$WORK/mock-$scenario.out" >&2
	fail "the ACME mock did not start for scenario $scenario"
}

mock_keepcert() {
	local self_check=

	# issue would fetch each http-01 token from NAME:80 first; the mock's names are not ours to reach.
	[ "$1" = issue ] && self_check=--no-self-check
	"$KEEPCERT" "$@" $self_check --directory "$MOCK_DIRECTORY" --ca-bundle "$WORK/pebble/ca.pem" \
		--state-dir "$WORK/state"
}

mock_issue() {
	mock_keepcert issue -d example.com --agree-tos --challenge standalone "127.0.0.1:$MOCK_HTTP_PORT" \
		--timeout 20 "$@"
}

mock_py() {
	python3 -c '
import json, sys
log = [json.loads(line) for line in open(sys.argv[1])]
def posts(prefix):
    return [e for e in log if e.get("method") == "POST" and e["path"].startswith(prefix)]
exec(sys.argv[2])' "$MOCK_LOG" "$1"
}
