#!/bin/bash
# Run every integration test (tests/integration/t_*.sh), or those whose
# names start with one of the arguments. Each test runs in a scratch
# directory of its own with $KEEPCERT set to the binary under test; it
# passes when it exits 0. The last line is "N passed, N failed".
set -u

here=$(cd "$(dirname "$0")" && pwd)
export KEEPCERT=${KEEPCERT:-$(cd "$here/../.." && pwd)/keepcert}
export TESTS_DIR=$here
[ -x "$KEEPCERT" ] || { echo "run.sh: $KEEPCERT: no such binary; run ./build.sh first" >&2; exit 1; }
"$here/../deps.sh" || exit 1

selected() {
	[ $# -eq 1 ] && return 0
	local name=$1 prefix
	shift
	for prefix in "$@"; do
		case "$name" in "$prefix"*) return 0 ;; esac
	done
	return 1
}

# Each test runs in a network namespace of its own that has only a loopback
# interface, so nothing a test starts can reach beyond this machine, and
# tests cannot take each other's ports.
isolate=()
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1 && command -v ip >/dev/null 2>&1 &&
	unshare --net true 2>/dev/null; then
	isolate=(unshare --net -- sh -c 'ip link set lo up && exec "$@"' sh)
else
	echo "run.sh: note: running without network isolation (it needs root, unshare and ip)" >&2
fi

passed=0
failed=0
for test in "$here"/t_*.sh; do
	name=$(basename "$test" .sh)
	name=${name#t_}
	selected "$name" "$@" || continue

	work=$(mktemp -d /tmp/keepcert-it.XXXXXX)
	start=$EPOCHREALTIME
	(cd "$work" && WORK=$work timeout 600 "${isolate[@]}" bash "$test") > "$work/test.log" 2>&1
	status=$?
	seconds=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')
	if [ $status -eq 0 ]; then
		printf 'ok   %-40s %5.1fs\n' "$name" "$seconds"
		passed=$((passed + 1))
		rm -rf "$work"
	else
		printf 'FAIL %-40s exit %d, log kept in %s\n' "$name" $status "$work"
		tail -n 25 "$work/test.log" | sed 's/^/     /'
		failed=$((failed + 1))
	fi
done

echo "$passed passed, $failed failed"
[ $failed -eq 0 ] && [ $passed -gt 0 ]
