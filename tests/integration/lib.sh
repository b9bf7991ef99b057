# Helpers for the integration tests, sourced by each t_*.sh. A test runs in
# its own scratch directory ($WORK) and fails by exiting non-zero; fail()
# says why. Servers started with start_bg are stopped when the test exits.

set -u

fail() {
	echo "FAILED: $*" >&2
	exit 1
}

# Run a command, keeping its stdout in $WORK/out and stderr in $WORK/err, and
# require its exit status to be WANT.
expect_exit() {
	local want=$1 status
	shift
	"$@" > "$WORK/out" 2> "$WORK/err"
	status=$?
	if [ "$status" != "$want" ]; then
		echo "--- stdout" >&2; cat "$WORK/out" >&2
		echo "--- stderr" >&2; cat "$WORK/err" >&2
		fail "'$*' exited $status, expected $want"
	fi
}

# Require FILE to contain a line matching the extended regular expression.
expect_match() {
	local file=$1 pattern=$2
	grep -Eq -- "$pattern" "$file" || { cat "$file" >&2; fail "$file: no line matches /$pattern/"; }
}

expect_no_match() {
	local file=$1 pattern=$2
	! grep -Eq -- "$pattern" "$file" || { cat "$file" >&2; fail "$file: a line matches /$pattern/"; }
}

# Require FILE to have exactly N lines.
expect_lines() {
	local file=$1 n=$2 got
	got=$(wc -l < "$file")
	[ "$got" -eq "$n" ] || { cat "$file" >&2; fail "$file: $got lines, expected $n"; }
}

bg_pids=""
cleanup_bg() {
	local pid
	for pid in $bg_pids; do
		kill "$pid" 2>/dev/null
	done
	for pid in $bg_pids; do
		wait "$pid" 2>/dev/null
	done
}
trap cleanup_bg EXIT

# Start a command in the background, logging to $WORK/NAME.log; stopped at exit.
start_bg() {
	local name=$1
	shift
	"$@" > "$WORK/$name.log" 2>&1 &
	bg_pids="$bg_pids $!"
}

# Print a TCP port on 127.0.0.1 that nothing listens on. Ports come from
# below the kernel's ephemeral range, where no outgoing connection can hold
# them, so a server started on one will not find it in use.
free_port() {
	local port low=32768
	read -r low _ < /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null
	[ "$low" -gt 12000 ] || low=32768
	while :; do
		port=$((10000 + RANDOM % (low - 10000)))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return
		fi
	done
}

# Wait up to SECONDS for a TCP listener on 127.0.0.1:PORT.
wait_port() {
	local port=$1 seconds=${2:-10} i
	for i in $(seq $((seconds * 10))); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
		sleep 0.1
	done
	fail "nothing listens on 127.0.0.1:$port after ${seconds}s"
}
