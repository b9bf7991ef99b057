#!/bin/sh
# Install what building and testing the router targets named as arguments
# needs ("all" names every line of cross/targets): Debian's cross gcc,
# musl-dev for that architecture through multiarch (hard-float targets),
# and qemu-user-static to run the result here. On Debian as root this uses dpkg and apt-get;
# elsewhere it names what is missing and stops.
set -eu
cd "$(dirname "$0")/.."

table=cross/targets
all=$(awk '$1 ~ /^[a-z]/ { print $1 }' "$table")
[ "$*" = all ] && set -- $all

packages=""
foreign=""
for name in "$@"; do
	line=$(awk -v name="$name" '$1 == name' "$table")
	if [ -z "$line" ]; then
		echo "cross/deps.sh: no target '$name'; cross/targets lists:" $all >&2
		exit 2
	fi
	gnu=$(echo "$line" | awk '{ print $2 }')
	musl=$(echo "$line" | awk '{ print $3 }')
	debian=$(echo "$line" | awk '{ print $4 }')
	float=$(echo "$line" | awk '{ print $5 }')
	qemu=$(echo "$line" | awk '{ print $6 }')

	command -v "$gnu-gcc" >/dev/null 2>&1 || packages="$packages gcc-$gnu"
	# A soft-float target's musl is built from source by cross/musl.sh.
	if [ "$float" = hard ] && [ ! -f "/usr/lib/$musl/musl-gcc.specs" ]; then
		packages="$packages musl-dev:$debian"
		dpkg --print-foreign-architectures 2>/dev/null | grep -qx "$debian" ||
			foreign="$foreign $debian"
	fi
	command -v "qemu-$qemu-static" >/dev/null 2>&1 || packages="$packages qemu-user-static"
done
command -v file >/dev/null 2>&1 || packages="$packages file"
[ -n "$packages" ] || exit 0

packages=$(echo $packages | tr ' ' '\n' | sort -u | tr '\n' ' ')
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	echo "cross/deps.sh: missing packages: $packages" >&2
	[ -z "$foreign" ] || echo "cross/deps.sh: musl-dev of another architecture needs, on Debian: dpkg --add-architecture$foreign" >&2
	exit 1
fi

# musl-dev:ARCH comes through multiarch: the architecture must be known to
# dpkg before apt-get update fetches its package lists. An architecture the
# mirror does not serve is taken back out, so apt-get keeps working.
for debian in $foreign; do
	echo "cross/deps.sh: dpkg --add-architecture $debian" >&2
	dpkg --add-architecture "$debian"
done
if ! apt-get update -qq >/dev/null; then
	for debian in $foreign; do
		dpkg --remove-architecture "$debian" || true
	done
	echo "cross/deps.sh: apt-get update failed with the architectures$foreign added; removed them again" >&2
	exit 1
fi
echo "cross/deps.sh: installing $packages" >&2
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages >/dev/null; then
	echo "cross/deps.sh: failed to install: $packages (apt-cache policy NAME shows whether this mirror has it)" >&2
	exit 1
fi
