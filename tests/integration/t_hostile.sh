# A hostile ACME server: tests/mock/acme_mock.py with --fault spoils one
# step of an issuance at a time (bytes below HTTP, invalid JSON, wrong or
# missing members, objects that never finish, bad certificates, TLS that
# stalls). Each case must end with exit status 1, one error line naming
# the fault, no sanitizer report, bounded memory and time, and the live
# certificate of an earlier issuance byte for byte unchanged.
#
# The faults that t_acme_mock_*.sh covers are not repeated here. Those are
# a download cut off, a certificate for another key or with an extra name,
# an http authorization URL, a token that is a path, an order processing
# forever, rate limits, CAA, subproblems and userActionRequired.
#
# HOSTILE_CASES=REGEX runs only the cases whose names match; HOSTILE_SHOW=1
# prints every case's error line.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/acme_mock.sh"

[ -x /usr/bin/time ] || fail "/usr/bin/time is missing; tests/deps.sh installs it"
WORKERS=3
RSS_MAX_KB=4096
# The sanitizer build needs far more memory than the release binary; only the latter is measured.
check_rss=1
grep -q -a -m 1 __asan_init "$KEEPCERT" && check_rss=0

# One case a line: name | fault (STEP:KIND[:ARG], see acme_mock.py) | expected phrase (ERE) | --timeout.
cases=$(cat <<'EOF'
status-cut        | dir:status-cut           | invalid response from .*closed before the end of the headers | 5
status-garbage    | dir:status-garbage       | invalid response from .*(status line|version)             | 5
status-101        | dir:status-101           | invalid response from .*101 Switching Protocols              | 5
continue-flood    | dir:status-1xx-flood     | invalid response from .*(larger than|limit)             | 5
headers-cut       | dir:headers-cut          | invalid response from .*closed before the end of the headers | 5
headers-huge      | acct:headers-huge        | invalid response from .*(larger than|limit)             | 5
headers-many      | nonce:headers-many       | invalid response from .*header lines than                  | 5
headers-endless   | order:headers-endless    | invalid response from .*(larger than|limit)             | 5
header-nul        | dir:header-nul           | invalid response from .*header                            | 5
obs-fold          | dir:obs-fold             | invalid response from .*fold                              | 5
body-cut          | authz:body-cut           | closed before the end of the body, without TLS close_notify | 5
cl-negative       | dir:cl-negative          | invalid response from .*Content-Length                    | 5
cl-huge           | order:cl-huge            | invalid response from .*(Content-Length|too large)        | 5
cl-conflict       | chall:cl-conflict        | invalid response from .*Content-Length                    | 5
cl-and-chunked    | finalize:cl-and-chunked  | invalid response from .*(Content-Length|chunked)          | 5
cl-over-limit     | cert:cl-over-limit       | invalid response from .*(larger than|limit)             | 5
te-unknown        | dir:te-unknown           | invalid response from .*Transfer-Encoding                 | 5
chunked-endless   | cert:chunked-endless     | invalid response from .*(larger than|limit)             | 5
chunk-overflow    | authz:chunk-overflow     | invalid response from .*chunk                             | 5
chunk-garbage     | poll:chunk-garbage       | invalid response from .*chunk                             | 5
chunk-cut         | dir:chunk-cut            | closed before the last chunk, without TLS close_notify    | 5
close-endless     | dir:close-endless        | invalid response from .*(larger than|limit)             | 5
trickle-dir       | dir:trickle              | timed out .*deadline.*raise --timeout                     | 3
trickle-cert      | cert:trickle             | timed out .*deadline.*raise --timeout                     | 3
silent-dir        | dir:silent               | timed out .*raise --timeout                               | 3
silent-finalize   | finalize:silent          | timed out .*raise --timeout                               | 3
close-dir         | dir:close                | closed the connection before sending a response           | 5
close-acct        | acct:close               | closed the connection                                     | 5
reset-body        | order:reset              | reset the connection                                      | 5
reset-early       | nonce:reset-early        | reset the connection                                      | 5
redirect-dir      | dir:redirect-loop        | HTTP 302                                                  | 5
redirect-cert     | cert:redirect-loop       | HTTP 302                                                  | 5
html-500          | order:html-500           | HTTP 500 without a problem document                       | 5
empty-directory   | dir:empty-200            | directory.*invalid JSON                                   | 5
json-garbage      | dir:json-garbage         | invalid JSON                                              | 5
json-cut          | authz:json-cut           | invalid JSON                                              | 5
json-trailing     | order:json-trailing      | invalid JSON                                              | 5
json-deep         | authz:json-deep          | invalid JSON                                              | 5
json-bad-escape   | poll:json-bad-escape     | invalid JSON                                              | 5
json-surrogate    | dir:json-lone-surrogate  | invalid JSON                                              | 5
json-bad-utf8     | poll:json-bad-utf8       | invalid JSON                                              | 5
json-control      | finalize:json-control    | invalid JSON                                              | 5
json-nul          | order:json-nul           | invalid JSON                                              | 5
json-array        | authz:json-array         | not an object                                             | 5
json-number       | dir:json-number          | invalid JSON                                              | 5
json-huge-string  | order:json-huge-string   | body larger than the limit                                | 5
dir-no-nonce-url  | dir:del:newNonce         | no valid "newNonce" URL                                   | 5
dir-no-order-url  | dir:del:newOrder         | no valid "newOrder" URL                                   | 5
dir-account-int   | dir:set:newAccount=42    | no valid "newAccount" URL                                 | 5
dir-http-url      | dir:set:newNonce="http://localhost/n" | "newNonce" is not an https URL               | 5
order-no-status   | order:del:status         | order has no valid status                                 | 5
order-status-num  | order:set:status=7       | order has no valid status                                 | 5
order-status-odd  | order:set:status="cooking" | order has no valid status                               | 5
order-authz-str   | order:set:authorizations="x" | no finalize URL or no authorizations                | 5
order-authz-none  | order:del:authorizations | no finalize URL or no authorizations                      | 5
order-authz-int   | order:set:authorizations=[7] | authorization that is not an https URL               | 5
order-no-finalize | order:del:finalize       | no finalize URL                                           | 5
order-finalize-obj | order:set:finalize={}   | "finalize" URL                                            | 5
order-invalid     | order:status:invalid     | is invalid                                                | 5
order-no-location | order:no-location        | no valid https Location for the order                     | 5
acct-no-location  | acct:no-location         | no valid https Location for the account                   | 5
authz-no-status   | authz:del:status         | the authorization is unknown                              | 5
authz-no-chall    | authz:del:challenges     | offers no http-01 challenge                               | 5
authz-chall-obj   | authz:set:challenges={"type":"http-01"} | offers no http-01 challenge \(it offers: none\) | 5
chall-type-num    | authz:set:challenges.1.type=1 | offers no http-01 challenge                          | 5
chall-no-url      | authz:del:challenges.1.url | no valid URL or base64url token                         | 5
chall-url-num     | authz:set:challenges.1.url=12 | no valid URL or base64url token                      | 5
chall-no-token    | authz:del:challenges.1.token | no valid URL or base64url token                       | 5
chall-token-arr   | authz:set:challenges.1.token=["a"] | no valid URL or base64url token                 | 5
chall-status-num  | authz:set:challenges.1.status=3 | (status|challenge)                                 | 5
authz-pending     | authz:status:pending     | timed out waiting for .*raise --timeout                   | 3
authz-retry-huge  | authz:status:pending:999999999 | would pass the run's deadline                       | 5
authz-retry-neg   | authz:status:pending:-5  | timed out waiting for .*raise --timeout                   | 3
authz-retry-text  | authz:status:pending:soon | timed out waiting for .*raise --timeout                  | 3
authz-retry-past  | authz:status:pending:Sat, 01 Jan 2000 00:00:00 GMT | timed out waiting for           | 3
order-pending     | poll:status:pending      | order .* is pending after finalize                        | 3
finalize-proc-huge | finalize:status:processing:86400 | would pass the run's deadline                      | 5
no-nonce          | any:no-nonce             | no valid Replay-Nonce                                     | 5
bad-nonce-forever | order:bad-nonce          | badNonce                                                  | 5
problem-no-type   | order:problem:{"detail":"who knows"} | HTTP 400\): unknown problem: who knows        | 5
problem-type-num  | order:problem:{"type":5,"detail":7} | HTTP 400\): unknown problem                    | 5
problem-array     | order:problem:[1,2]      | HTTP 400 without a problem document                       | 5
cert-not-pem      | cert:cert-not-pem        | no valid PEM certificate chain                            | 5
cert-bad-base64   | cert:cert-bad-base64     | no valid PEM certificate chain                            | 5
cert-other-names  | cert:cert-other-names    | certificate lacks the name example\.com                   | 5
cert-expired      | cert:cert-expired        | certificate expired on 2020-01-02 00:00:00 UTC            | 5
cert-no-url       | finalize:del:certificate | valid but has no certificate URL                          | 5
cert-url-num      | finalize:set:certificate=5 | "certificate" URL                                       | 5
tls-stall         | dir:tls-stall            | TLS handshake .*timed out .*raise --timeout               | 3
tls-garbage       | dir:tls-garbage          | TLS handshake with .*does not speak TLS                   | 5
tls-untrusted     | dir:tls-untrusted        | TLS handshake .*not trusted                               | 5
tls-wrong-name    | dir:tls-wrong-name       | TLS handshake .*for another name                          | 5
EOF
)

# A first issuance from the mock's happy path, so that a live certificate exists.
mock_start plain
expect_exit 0 mock_issue
live=$WORK/state/certs/example.com/live
[ -f "$live/fullchain.pem" ] || fail "the happy path installed nothing"

# What must not change: where live points, and every byte of the files in it.
live_digest() {
	local state=$1
	readlink "$state/certs/example.com/live"
	(cd "$state/certs/example.com/live/" && sha256sum -- *)
}
live_digest "$WORK/state" > "$WORK/live.sum"
kill "$mock_pid"
wait "$mock_pid" 2>/dev/null
mock_pid=""

# run_case STATE NAME FAULT PHRASE TIMEOUT: one case against its own mock; prints "ok NAME ..." or "FAIL NAME: why".
run_case() {
	local state=$1 name=$2 fault=$3 phrase=$4 timeout=$5 dir=$WORK/case/$2 port http_port pid attempt i
	local status start elapsed rss lines limit up=0

	mkdir -p "$dir"
	cp -r "$WORK/mock-ca" "$dir/ca"
	for attempt in 1 2 3; do
		port=$(free_port)
		http_port=$(free_port)
		python3 "$TESTS_DIR/../mock/acme_mock.py" --port "$port" --cert "$WORK/pebble/server.pem" \
			--key "$WORK/pebble/server.key" --workdir "$dir/ca" --log "$dir/requests.jsonl" \
			--fault "$fault" --http-port "$http_port" > "$dir/mock.out" 2>&1 &
		pid=$!
		for i in $(seq 100); do
			if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
				up=1
				break
			fi
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		[ "$up" = 1 ] && break
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	if [ "$up" != 1 ]; then
		echo "FAIL $name: the mock did not start: $(tail -n 3 "$dir/mock.out")"
		return
	fi

	# A mock on a port that an earlier case used has no record of the account cached for that port.
	rm -rf "$state/accounts/localhost_$port"
	start=$EPOCHREALTIME
	timeout 60 /usr/bin/time -f %M -o "$dir/rss" "$KEEPCERT" issue -d example.com --agree-tos \
		--challenge standalone "127.0.0.1:$http_port" --no-self-check --timeout "$timeout" \
		--directory "https://localhost:$port/dir" --ca-bundle "$WORK/pebble/ca.pem" \
		--state-dir "$state" > "$dir/out" 2> "$dir/err"
	status=$?
	elapsed=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null

	# /usr/bin/time adds a line of its own to -o when the command fails.
	rss=$(tail -n 1 "$dir/rss" 2>/dev/null)
	lines=$(wc -l < "$dir/err")
	limit=$((timeout + 3))
	[ "${HOSTILE_SHOW:-0}" = 1 ] && echo "show $name ($elapsed s, $rss KiB): $(cat "$dir/err")"
	if [ "$status" != 1 ]; then
		echo "FAIL $name: exit status $status, expected 1: $(head -c 300 "$dir/err")"
	elif grep -Eq 'Sanitizer|runtime error:' "$dir/err"; then
		echo "FAIL $name: sanitizer report: $(grep -E -m 1 'Sanitizer|runtime error:' "$dir/err")"
	elif [ "$lines" != 1 ]; then
		echo "FAIL $name: $lines lines on stderr, expected 1: $(head -c 300 "$dir/err")"
	elif ! grep -Eq "^keepcert: error: .*($phrase)" "$dir/err"; then
		echo "FAIL $name: the error does not match /$phrase/: $(cat "$dir/err")"
	elif awk -v e="$elapsed" -v l="$limit" 'BEGIN { exit !(e > l) }'; then
		echo "FAIL $name: took $elapsed s with --timeout $timeout"
	elif [ "$check_rss" = 1 ] && { [ -z "$rss" ] || [ "$rss" -gt "$RSS_MAX_KB" ]; }; then
		echo "FAIL $name: peak RSS ${rss:-unknown} KiB, more than $RSS_MAX_KB KiB"
	elif ! live_digest "$state" | cmp -s - "$WORK/live.sum"; then
		echo "FAIL $name: the live certificate changed"
	elif ! grep -q "\"fault\"" "$dir/requests.jsonl" && [ "${fault#*:tls-}" = "$fault" ]; then
		echo "FAIL $name: the fault was never served; the run failed before it"
	else
		echo "ok   $name ${elapsed}s ${rss}KiB"
	fi
}

# Each worker runs its share of the cases one after another on its own copy of the state.
run_worker() {
	local w=$1 n=0 name fault phrase timeout state=$WORK/state-$1

	cp -a "$WORK/state" "$state"
	# Columns are separated by a "|" with blanks around it; a "|" inside a phrase has none.
	while IFS=$'\t' read -r -u 3 name fault phrase timeout; do
		[ -n "$name" ] || continue
		n=$((n + 1))
		[ $((n % WORKERS)) = "$w" ] || continue
		[[ "$name" =~ ${HOSTILE_CASES:-.} ]] || continue
		run_case "$state" "$name" "$fault" "$phrase" "$timeout" < /dev/null
	done 3< <(sed -E 's/ +\| +/\t/g; s/ +$//' <<< "$cases")
}

mkdir -p "$WORK/case"
for w in $(seq 0 $((WORKERS - 1))); do
	run_worker "$w" > "$WORK/worker-$w.txt" &
done
wait
cat "$WORK"/worker-*.txt | sort -k 2
total=$(cat "$WORK"/worker-*.txt | grep -c -E '^(ok|FAIL)')
failed=$(cat "$WORK"/worker-*.txt | grep -c '^FAIL')
echo "$total hostile cases, $failed failed"
[ "$total" -gt 0 ] || fail "no case ran"
[ "$failed" = 0 ] || fail "$failed of $total hostile cases failed"
