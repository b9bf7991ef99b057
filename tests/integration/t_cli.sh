# The command line: version, help, exit statuses for usage errors.
. "$TESTS_DIR/lib.sh"

expect_exit 0 "$KEEPCERT" version
expect_match "$WORK/out" '^keepcert [0-9]+\.[0-9]+\.[0-9]+ \(BearSSL 0\.6, [a-z0-9_]+-[a-z]+-[a-z]+\)$'
# tests/cross/run.sh sets the triple that a cross build must print.
if [ -n "${KEEPCERT_TARGET:-}" ]; then
	expect_match "$WORK/out" ", ${KEEPCERT_TARGET}\)\$"
fi

expect_exit 0 "$KEEPCERT" --version
expect_match "$WORK/out" '^keepcert '

expect_exit 0 "$KEEPCERT" help
expect_match "$WORK/out" '^usage: keepcert '
expect_match "$WORK/out" '^  version '

expect_exit 0 "$KEEPCERT" help version
expect_match "$WORK/out" '^usage: keepcert version'

# No command: the overview goes to stderr and the exit status is 2.
expect_exit 2 "$KEEPCERT"
expect_match "$WORK/err" '^usage: keepcert '

expect_exit 2 "$KEEPCERT" frobnicate
expect_match "$WORK/err" "^keepcert: error: unknown command 'frobnicate'"
expect_lines "$WORK/err" 1

expect_exit 2 "$KEEPCERT" --frobnicate version
expect_match "$WORK/err" 'unknown option --frobnicate'

expect_exit 2 "$KEEPCERT" version --frobnicate
expect_match "$WORK/err" 'version: unknown option --frobnicate'
expect_lines "$WORK/err" 1

expect_exit 2 "$KEEPCERT" help frobnicate
expect_match "$WORK/err" "unknown command 'frobnicate'"

# Under systemd, journald reads the priority from a "<N>" prefix.
JOURNAL_STREAM=8:1234 expect_exit 2 "$KEEPCERT" frobnicate
expect_match "$WORK/err" "^<3>error: unknown command"

# The binary is static: it must run with no dynamic loader in sight.
# $KEEPCERT_BINARY is the binary itself when $KEEPCERT is a qemu wrapper.
if command -v file >/dev/null 2>&1 && [ "${KEEPCERT_DYNAMIC:-}" = "" ]; then
	binary=${KEEPCERT_BINARY:-$KEEPCERT}
	file -L "$binary" | grep -q 'statically linked' || fail "$binary is not statically linked"
fi
