#!/bin/bash
# Build and test the router targets named as arguments (default: every line
# of cross/targets) on this machine under qemu-user. For each one, build
# build/ARCH/keepcert and build/ARCH/unit-tests, and check with file(1)
# that the binary is static and for the right machine. Then run the unit
# tests under qemu emulating the CPU that cross/targets names, and the
# integration tests named by $TESTS (default: cli and acme_pebble_issue) with $KEEPCERT set to
# build/ARCH/keepcert-qemu, a wrapper that runs the binary the same way.
# $KEEPCERT_BINARY names the binary itself, and $KEEPCERT_TARGET the triple
# that "keepcert version" must print. The last line is "N passed,
# N failed", counting the unit and integration tests of all targets.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
table=cross/targets
[ $# -gt 0 ] || set -- $(awk '$1 ~ /^[a-z]/ { print $1 }' "$table")
read -r -a tests <<< "${TESTS:-cli acme_pebble_issue}"

passed=0
failed=0
broken=""

# Add the counts of a "N passed, N failed" line in FILE to the totals;
# a run that printed no such line counts as one failure.
count() {
	local line
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$1" | tail -n 1)
	if [ -z "$line" ]; then
		failed=$((failed + 1))
		return
	fi
	passed=$((passed + $(echo "$line" | awk '{ print $1 }')))
	failed=$((failed + $(echo "$line" | awk '{ print $3 }')))
}

for arch in "$@"; do
	line=$(awk -v name="$arch" '$1 == name' "$table")
	if [ -z "$line" ]; then
		echo "tests/cross/run.sh: no target '$arch' in $table" >&2
		exit 2
	fi
	read -r _ gnu musl _ float qemu cpu elf <<< "$line"
	dir=$root/build/$arch
	start=$EPOCHREALTIME
	echo "== $arch ($musl, qemu-$qemu-static -cpu $cpu)"

	if ! make --no-print-directory -j2 "cross-unit-$arch" > "/tmp/keepcert-cross-$arch.log" 2>&1; then
		tail -n 25 "/tmp/keepcert-cross-$arch.log" | sed 's/^/     /'
		echo "FAIL $arch: build failed, log in /tmp/keepcert-cross-$arch.log"
		failed=$((failed + 1))
		broken="$broken $arch"
		continue
	fi
	rm -f "/tmp/keepcert-cross-$arch.log"

	description=$(file -b "$dir/keepcert")
	if ! echo "$description" | grep -Eq "$elf" || ! echo "$description" | grep -q 'statically linked'; then
		echo "FAIL $arch: file(1) says \"$description\", expected /$elf/ and statically linked"
		failed=$((failed + 1))
		broken="$broken $arch"
	fi

	# On a soft-float target every float operation becomes a call into
	# libgcc, whose float helpers Debian builds hard-float only: one call
	# is SIGILL on the boards. Catch it here even if no test reaches it,
	# along with musl's string-to-double functions, which call them. The
	# unit tests are checked too, since they must run on the same CPU.
	if [ "$float" = soft ]; then
		calls=$(find "$dir/obj" "$dir/bearssl" "$dir/unit" -name '*.o' -exec "$gnu-nm" -u {} + 2>/dev/null |
			grep -E ' (__[a-z]*(sf|df|tf)[a-z0-9]*|strto(d|f|ld)|atof)$' | awk '{ print $2 }' |
			sort -u | tr '\n' ' ')
		if [ -n "$calls" ]; then
			echo "FAIL $arch: floating-point arithmetic in keepcert, BearSSL or the unit tests (calls: $calls); the boards have no FPU"
			failed=$((failed + 1))
			broken="$broken $arch"
		fi
	fi

	cat > "$dir/keepcert-qemu" <<-WRAPPER
	#!/bin/sh
	# Written by tests/cross/run.sh: runs the $arch keepcert under qemu-user.
	exec qemu-$qemu-static -cpu $cpu "$dir/keepcert" "\$@"
	WRAPPER
	chmod +x "$dir/keepcert-qemu"

	"qemu-$qemu-static" -cpu "$cpu" "$dir/unit-tests" > "$dir/unit.log" 2>&1
	tail -n 1 "$dir/unit.log" | sed "s/^/unit: /"
	grep -v '^[0-9]* passed, ' "$dir/unit.log" | tail -n 25 | sed 's/^/     /'
	before=$failed
	count "$dir/unit.log"

	KEEPCERT=$dir/keepcert-qemu KEEPCERT_BINARY=$dir/keepcert KEEPCERT_TARGET=$musl \
		tests/integration/run.sh "${tests[@]}" > "$dir/integration.log" 2>&1
	sed 's/^/integration: /' "$dir/integration.log"
	count "$dir/integration.log"
	[ "$failed" = "$before" ] || broken="$broken $arch"

	seconds=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
	echo "== $arch: $(wc -c < "$dir/keepcert") bytes, ${seconds}s"
done

[ -z "$broken" ] || echo "failed targets:$broken"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
