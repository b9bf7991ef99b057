#!/bin/sh
# Fetch the pinned BearSSL source, verify its SHA-256 against
# third_party/bearssl.pin, and unpack it into DEST.
#
# Sources, tried in order:
#   1. the archive named by $BEARSSL_SRC, or a pinned archive already in third_party/;
#   2. the upstream release, with curl or wget;
#   3. on Debian, `apt-get source --download-only bearssl`, after enabling
#      deb-src entries derived from the machine's own apt sources.
# A verified archive is kept in third_party/ (git-ignored), so later builds
# need no network.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
pin="$here/bearssl.pin"
dest=${1:?usage: fetch-bearssl.sh DEST}

[ -f "$dest/.verified" ] && exit 0

expected_sum() {
	awk -v name="$1" '$1 == "archive" && $2 == name { print $3 }' "$pin"
}

archive_names() {
	awk '$1 == "archive" { print $2 }' "$pin"
}

# Print the path of the first verified archive among the arguments.
# A pinned file with the wrong checksum stops the build.
verify() {
	for file in "$@"; do
		[ -f "$file" ] || continue
		name=$(basename "$file")
		want=$(expected_sum "$name")
		if [ -z "$want" ]; then
			echo "fetch-bearssl: $file: not a pinned archive name (see $pin)" >&2
			exit 1
		fi
		got=$(sha256sum "$file" | cut -d' ' -f1)
		if [ "$got" != "$want" ]; then
			echo "fetch-bearssl: $file: SHA-256 is $got, expected $want; delete the file and run again" >&2
			exit 1
		fi
		echo "$file"
		return 0
	done
	return 1
}

from_local() {
	if [ -n "${BEARSSL_SRC:-}" ]; then
		verify "$BEARSSL_SRC" && return 0
		echo "fetch-bearssl: BEARSSL_SRC=$BEARSSL_SRC: file not found" >&2
		exit 1
	fi
	for name in $(archive_names); do
		verify "$here/$name" && return 0
	done
	return 1
}

from_upstream() {
	url=$(awk '$1 == "upstream" { print $2 }' "$pin")
	out="$here/$(basename "$url")"
	if command -v curl >/dev/null 2>&1; then
		curl -fsSL --connect-timeout 5 --max-time 60 -o "$out.part" "$url" 2>/dev/null || { rm -f "$out.part"; return 1; }
	elif command -v wget >/dev/null 2>&1; then
		wget -q -T 10 -t 1 -O "$out.part" "$url" 2>/dev/null || { rm -f "$out.part"; return 1; }
	else
		return 1
	fi
	mv "$out.part" "$out"
	verify "$out"
}

# Add deb-src twins of the machine's own deb entries, so no mirror is
# named here, then download the source package.
enable_deb_src() {
	if [ -d /etc/apt/sources.list.d ]; then
		for f in /etc/apt/sources.list.d/*.sources; do
			[ -f "$f" ] || continue
			case "$f" in *keepcert-deb-src*) continue ;; esac
			grep -q '^Types:.*deb-src' "$f" && return 0
		done
	fi
	if grep -qs '^deb-src ' /etc/apt/sources.list; then
		return 0
	fi
	: > /tmp/keepcert-deb-src.$$
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		case "$f" in *keepcert-deb-src*) continue ;; esac
		sed -n '/^Types:/s/^Types:.*/Types: deb-src/p; /^Types:/!p' "$f" >> /tmp/keepcert-deb-src.$$
		echo >> /tmp/keepcert-deb-src.$$
	done
	if [ -s /tmp/keepcert-deb-src.$$ ]; then
		mv /tmp/keepcert-deb-src.$$ /etc/apt/sources.list.d/keepcert-deb-src.sources
	else
		rm -f /tmp/keepcert-deb-src.$$
	fi
	if grep -qs '^deb ' /etc/apt/sources.list; then
		sed -n 's/^deb /deb-src /p' /etc/apt/sources.list > /etc/apt/sources.list.d/keepcert-deb-src.list
	fi
	apt-get update -qq >/dev/null
}

from_apt() {
	command -v apt-get >/dev/null 2>&1 || return 1
	[ "$(id -u)" = 0 ] || return 1
	enable_deb_src || return 1
	work=$(mktemp -d)
	(cd "$work" && apt-get source -qq --download-only bearssl >/dev/null 2>&1) || { rm -rf "$work"; return 1; }
	for name in $(archive_names); do
		if [ -f "$work/$name" ]; then
			mv "$work/$name" "$here/$name"
			rm -rf "$work"
			verify "$here/$name"
			return
		fi
	done
	echo "fetch-bearssl: apt-get source bearssl gave none of the pinned archives:" $(ls "$work") >&2
	rm -rf "$work"
	return 1
}

archive=$(from_local || from_upstream || from_apt) || {
	echo "fetch-bearssl: no BearSSL $(awk '$1 == "version" { print $2 }' "$pin") source found." >&2
	echo "fetch-bearssl: place one of these archives in $here, or set BEARSSL_SRC=FILE:" >&2
	awk '$1 == "archive" { print "  " $2 "  sha256 " $3 }' "$pin" >&2
	exit 1
}

rm -rf "$dest"
mkdir -p "$dest"
tar -xf "$archive" -C "$dest" --strip-components=1
echo "$archive" > "$dest/.verified"
echo "fetch-bearssl: using $(basename "$archive")" >&2
