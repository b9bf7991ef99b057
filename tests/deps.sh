#!/bin/sh
# Install what the integration tests run against, when it is missing:
# Pebble and its mock DNS, nginx, openssl, python3 (the tests' own mock
# servers), and the sanitizer and fuzzer toolchain. On Debian as root this
# uses apt-get; elsewhere it names the packages and stops.
set -eu

missing=""
need() {
	command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || missing="$missing $2"
}
need pebble pebble
need pebble-challtestsrv pebble
need nginx nginx
need openssl openssl
need python3 python3
need clang clang
need curl curl
need ss iproute2
need busybox busybox
need msmtp msmtp
# The shell's own "time" keyword would satisfy command -v; the tests need the program.
[ -x /usr/bin/time ] || missing="$missing time"
[ -n "$missing" ] || exit 0

missing=$(echo $missing | tr ' ' '\n' | sort -u | tr '\n' ' ')
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "tests/deps.sh: installing$missing" >&2
	apt-get update -qq >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
	echo "tests/deps.sh: the tests need these packages: $missing" >&2
	exit 1
fi
