# SIGTERM or SIGINT during an issuance: keepcert stops and reaps its
# http-01 listener and removes its webroot files before exiting 1 with a
# message, so no child process or token file is left behind.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/pebble.sh"

pebble_start

# A server that accepts and never answers holds the self-check, so keepcert
# is caught with its listener running and its token written.
stall=$(free_port)
start_bg stall python3 -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(8)
held = []
while True:
    held.append(s.accept()[0])' "$stall"
wait_port "$stall"

# interrupt SIGNAL ARGS...: run issue with ARGS, send SIGNAL once a child is up, and check the aftermath.
interrupt() {
	local signal=$1 pid child i status
	shift
	"$KEEPCERT" issue -d sig.test --self-check-addr "127.0.0.1:$stall" --agree-tos \
		--directory "$PEBBLE_DIRECTORY" --ca-bundle "$PEBBLE_CA_BUNDLE" --state-dir "$WORK/state" "$@" \
		> "$WORK/out" 2> "$WORK/err" &
	pid=$!
	for i in $(seq 100); do
		grep -q 'POST /authZ/' "$WORK/pebble.log" 2>/dev/null && [ "$(ls "$WORK/webroot/.well-known/acme-challenge" 2>/dev/null)$(pgrep -P "$pid")" != "" ] && break
		sleep 0.1
	done
	child=$(pgrep -P "$pid" | head -n 1)
	sleep 0.3
	kill -"$signal" "$pid"
	wait "$pid"
	status=$?
	if [ -n "$child" ] && ps -o stat= -p "$child" > "$WORK/child" 2>/dev/null; then
		fail "the listener process $child is left behind (state $(cat "$WORK/child"))"
	fi
	[ "$status" = 1 ] || { cat "$WORK/err" >&2; fail "issue exited $status after SIG$signal, expected 1"; }
	expect_match "$WORK/err" "keepcert: error: (stopped by SIGTERM|interrupted \(SIGINT\))"
}

interrupt TERM --challenge standalone "127.0.0.1:$PEBBLE_HTTP_PORT"
(exec 3<>"/dev/tcp/127.0.0.1/$PEBBLE_HTTP_PORT") 2>/dev/null && fail "the http-01 listener still accepts connections"

mkdir -p "$WORK/webroot"
interrupt INT --challenge webroot "$WORK/webroot"
[ -z "$(ls -A "$WORK/webroot/.well-known/acme-challenge")" ] || fail "the token file was left in the webroot"
