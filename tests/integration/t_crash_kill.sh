# Crash consistency: `keepcert issue` re-issuing one name into one state
# directory is killed with SIGKILL at random instants, drawn uniformly from
# 0 to 1.2 times a normal run. After every kill, live/ contains a private key
# and a certificate that match and verify against Pebble's chain, and the
# next run completes.
#
# KILL_TRIALS sets the number of kills (default 100).
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/pebble.sh"

TRIALS=${KILL_TRIALS:-100}
PEBBLE_AUTHZREUSE=100 pebble_start
listen=127.0.0.1:$PEBBLE_HTTP_PORT
live=$WORK/state/certs/kill.test/live

issue_args=(issue -d kill.test --challenge standalone "$listen" --no-self-check --agree-tos --timeout 30
	--directory "$PEBBLE_DIRECTORY" --ca-bundle "$PEBBLE_CA_BUNDLE" --state-dir "$WORK/state")
issue() {
	"$KEEPCERT" "${issue_args[@]}"
}

# The live pair matches, verifies, and fullchain.pem is cert.pem then chain.pem.
check_live() {
	local when=$1

	[ -f "$live/privkey.pem" ] && [ -f "$live/cert.pem" ] || fail "$when: live/ lacks privkey.pem or cert.pem"
	pebble_key_matches "$live/privkey.pem" "$live/cert.pem" || fail "$when: privkey.pem does not match cert.pem"
	pebble_verify "$live/fullchain.pem"
	cat "$live/cert.pem" "$live/chain.pem" | cmp -s - "$live/fullchain.pem" ||
		fail "$when: fullchain.pem is not cert.pem followed by chain.pem"
}

expect_exit 0 issue
check_live "first issuance"

# A normal run's duration, in milliseconds: the mean of three.
total=0
for i in 1 2 3; do
	start=$EPOCHREALTIME
	expect_exit 0 issue
	total=$(awk -v t="$total" -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { print t + (b - a) * 1000 }')
done
run_ms=$(awk -v t="$total" 'BEGIN { printf "%d", t / 3 }')
max_ms=$((run_ms * 12 / 10))
echo "a normal run takes $run_ms ms; killing at 0 to $max_ms ms"

killed_early=0
finished=0
for trial in $(seq "$TRIALS"); do
	delay=$((RANDOM * 32768 + RANDOM))
	delay=$((delay % (max_ms + 1)))
	# keepcert itself, not a subshell running it, must be the process killed.
	"$KEEPCERT" "${issue_args[@]}" > "$WORK/kill.out" 2> "$WORK/kill.err" &
	pid=$!
	sleep "$(awk -v d="$delay" 'BEGIN { printf "%.3f", d / 1000 }')"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	# 128 + 9 when the kill hit a running issue; 0 when it had finished (a zombie can still be "killed").
	case $? in
	137) killed_early=$((killed_early + 1)) ;;
	0) finished=$((finished + 1)) ;;
	*) cat "$WORK/kill.err" >&2; fail "trial $trial: issue failed before the kill" ;;
	esac
	check_live "trial $trial, killed after $delay ms"

	# The next run completes and leaves a good pair too.
	expect_exit 0 issue
	check_live "the run after trial $trial"
done
echo "$TRIALS trials: $killed_early killed while running, $finished had finished"
leftovers=$(find "$WORK/state" -name '*.tmp*' | wc -l)
echo "temporary files left in the state directory: $leftovers"
[ "$killed_early" -ge $((TRIALS / 2)) ] || fail "only $killed_early of $TRIALS kills hit a running issue"
