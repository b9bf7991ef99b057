#!/bin/sh
# Build keepcert: install what the build needs (on Debian, as root), fetch
# and verify the pinned BearSSL source, then run make. The result is
# ./keepcert, static and stripped. CC=... builds with another compiler, for
# example a musl cross compiler: CC=aarch64-linux-musl-gcc ./build.sh
set -eu
cd "$(dirname "$0")"

jobs=$(nproc 2>/dev/null || echo 2)
packages=""

# Tools the build itself runs; musl-gcc only when no CC was given.
for tool in make tar xz sha256sum awk; do
	command -v "$tool" >/dev/null 2>&1 || case "$tool" in
		xz) packages="$packages xz-utils" ;;
		sha256sum) packages="$packages coreutils" ;;
		awk) packages="$packages mawk" ;;
		*) packages="$packages $tool" ;;
	esac
done
if [ -z "${CC:-}" ] && ! command -v musl-gcc >/dev/null 2>&1; then
	packages="$packages musl-tools"
fi
command -v file >/dev/null 2>&1 || packages="$packages file"

if [ -n "$packages" ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "build.sh: installing$packages" >&2
		apt-get update -qq >/dev/null
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages >/dev/null
	else
		echo "build.sh: missing packages:$packages (on Debian: apt-get install$packages)" >&2
		exit 1
	fi
fi

third_party/fetch-bearssl.sh build/bearssl-src
make -j"$jobs" --no-print-directory ${CC:+CC="$CC"}
file keepcert 2>/dev/null || true
