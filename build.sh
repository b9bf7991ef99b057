#!/bin/sh
# Build keepcert: install what the build needs (on Debian, as root), fetch
# and verify the pinned BearSSL source, then run make. The result is
# ./keepcert, static and stripped. CC=... builds with another compiler, for
# example a musl cross compiler: CC=aarch64-linux-musl-gcc ./build.sh
#
# --target ARCH (repeatable; "all" for every one) builds for a router
# instead: ARCH is a line of cross/targets, the result build/ARCH/keepcert.
# On Debian as root, cross/deps.sh installs the cross gcc, musl-dev for
# that architecture and qemu-user-static first.
set -eu
cd "$(dirname "$0")"

targets=""
while [ $# -gt 0 ]; do
	case "$1" in
		--target) [ $# -ge 2 ] || { echo "build.sh: --target needs an ARCH" >&2; exit 2; }
			targets="$targets $2"; shift 2 ;;
		--target=*) targets="$targets ${1#--target=}"; shift ;;
		*) echo "usage: ./build.sh [--target ARCH]..." >&2; exit 2 ;;
	esac
done
case " $targets " in *" all "*) targets=$(awk '$1 ~ /^[a-z]/ { print $1 }' cross/targets) ;; esac

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
if [ -z "$targets" ] && [ -z "${CC:-}" ] && ! command -v musl-gcc >/dev/null 2>&1; then
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

if [ -n "$targets" ]; then
	cross/deps.sh $targets
	third_party/fetch-bearssl.sh build/bearssl-src
	for arch in $targets; do
		make -j"$jobs" --no-print-directory "cross-$arch"
	done
	exit 0
fi

third_party/fetch-bearssl.sh build/bearssl-src
make -j"$jobs" --no-print-directory ${CC:+CC="$CC"}
file keepcert 2>/dev/null || true
