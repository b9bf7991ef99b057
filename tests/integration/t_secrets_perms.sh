# Secrets and permissions against Pebble with external account binding.
# No private key, JWS or EAB MAC key reaches stdout or stderr at -q, the
# default level, -v or -v -v. Keys are 0600 and the state directory 0700,
# even under umask 000. Two issues at once on one state directory both
# end cleanly, with one good live pair.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/pebble.sh"

eab_key=Xq3mN8pL2vR7tY1wK9zB4cF6hJ0sD5gA8eU3iO7yT2rW6nM1qP4kL9xC0vZ5bH3j
PEBBLE_EAB_KEYS="{\"kid-1\": \"$eab_key\"}" pebble_start
listen=127.0.0.1:$PEBBLE_HTTP_PORT

issue() {
	local state=$1
	shift
	"$KEEPCERT" issue -d secret.test --challenge standalone "$listen" --agree-tos --timeout 30 \
		--eab-kid kid-1 --eab-hmac-key "$eab_key" --directory "$PEBBLE_DIRECTORY" \
		--ca-bundle "$PEBBLE_CA_BUNDLE" --state-dir "$state" "$@"
}

# The base64 lines of every private key under STATE, one a line.
key_lines() {
	find "$1" -name '*.key' -o -name 'privkey.pem' | xargs cat | grep -v -e '^-----' -e '^$'
}

# Each level creates its account anew, so the EAB MAC key is used in every run.
for level in -q "" -v "-v -v"; do
	state=$WORK/state${level// /}
	umask 000
	# shellcheck disable=SC2086
	expect_exit 0 issue "$state" $level
	umask 022
	cat "$WORK/out" "$WORK/err" > "$WORK/output"
	what="at level '${level:-default}'"

	key_lines "$state" > "$WORK/key-lines"
	[ "$(wc -l < "$WORK/key-lines")" -ge 4 ] || fail "$what: found too few key lines to look for"
	! grep -F -q -f "$WORK/key-lines" "$WORK/output" || fail "$what: a private key line was printed"
	! grep -F -q -- "$eab_key" "$WORK/output" || fail "$what: the EAB MAC key was printed"
	! grep -F -q -- "${eab_key:0:20}" "$WORK/output" || fail "$what: part of the EAB MAC key was printed"
	expect_no_match "$WORK/output" '"(protected|signature)"'

	# The state directory, the account key and every certificate key, whatever the umask was.
	[ "$(stat -c %a "$state")" = 700 ] || fail "$what: the state directory is mode $(stat -c %a "$state")"
	for f in $(find "$state" -name '*.key' -o -name 'privkey.pem'); do
		[ "$(stat -c %a "$f")" = 600 ] || fail "$what: $f is mode $(stat -c %a "$f")"
	done
	[ "$(find "$state" ! -type l -perm /o+w | wc -l)" = 0 ] || fail "$what: world-writable files: $(find "$state" ! -type l -perm /o+w)"
done
# The -v -v output is not empty: it shows the requests whose bodies must stay hidden.
expect_match "$WORK/err" 'POST https://'

# Two issues at once on one state directory: each waits for the other or
# exits cleanly, and one complete, matching pair is live afterwards.
state=$WORK/state-v-v
for round in 1 2 3; do
	issue "$state" > "$WORK/a.out" 2> "$WORK/a.err" &
	a=$!
	issue "$state" > "$WORK/b.out" 2> "$WORK/b.err" &
	b=$!
	wait "$a"
	status_a=$?
	wait "$b"
	status_b=$?
	for run in a b; do
		status=$([ "$run" = a ] && echo "$status_a" || echo "$status_b")
		case $status in
		0) ;;
		1) expect_match "$WORK/$run.err" 'lock' ;;
		*) cat "$WORK/$run.err" >&2; fail "round $round: a concurrent issue exited $status" ;;
		esac
		expect_no_match "$WORK/$run.err" 'Sanitizer|runtime error:'
	done
	[ "$status_a" = 0 ] || [ "$status_b" = 0 ] || fail "round $round: neither concurrent issue succeeded"
	live=$state/certs/secret.test/live
	pebble_key_matches "$live/privkey.pem" "$live/cert.pem" || fail "round $round: the live pair does not match"
	pebble_verify "$live/fullchain.pem"
	echo "round $round: exit statuses $status_a and $status_b, live is $(readlink "$live")"
done
