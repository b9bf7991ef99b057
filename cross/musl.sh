#!/bin/sh
# Build a soft-float musl for the router target ARCH (a line of
# cross/targets whose float column is soft) into build/ARCH/musl, with a
# gcc specs file there that links against it.
#
# Why: MT7621 and the other MIPS router SoCs have no FPU, and OpenWrt's
# kernels for them have no FPU emulator, so one floating-point instruction
# is SIGILL. Debian's musl-dev:mipsel is built hard-float, and its printf
# saves FPU registers on entry: every keepcert command would die. Built
# with -msoft-float, musl uses no FPU instruction of its own; what is left
# is libgcc's floating-point arithmetic, which Debian ships hard-float only,
# so keepcert itself must do no floating-point arithmetic (the mipsel tests
# run on qemu's FPU-less 24Kc to catch it).
#
# The source is the pinned archive in third_party/ if present, otherwise
# `apt-get source --download-only musl`; its SHA-256 must match musl.pin.
set -eu
cd "$(dirname "$0")/.."

arch=${1:?usage: cross/musl.sh ARCH}
line=$(awk -v name="$arch" '$1 == name' cross/targets)
[ -n "$line" ] || { echo "cross/musl.sh: no target '$arch' in cross/targets" >&2; exit 2; }
gnu=$(echo "$line" | awk '{ print $2 }')
pin=third_party/musl.pin
version=$(awk '$1 == "version" { print $2 }' "$pin")
root=$(pwd)
prefix=$root/build/$arch/musl
src=$root/build/musl-src

# Print the first pinned archive in DIR whose SHA-256 matches; stop on a mismatch.
verified_archive() {
	for name in $(awk '$1 == "archive" { print $2 }' "$pin"); do
		[ -f "$1/$name" ] || continue
		want=$(awk -v name="$name" '$1 == "archive" && $2 == name { print $3 }' "$pin")
		got=$(sha256sum "$1/$name" | cut -d' ' -f1)
		if [ "$got" != "$want" ]; then
			echo "cross/musl.sh: $1/$name: SHA-256 is $got, expected $want; delete it and run again" >&2
			exit 1
		fi
		echo "$1/$name"
		return 0
	done
	return 1
}

if [ ! -f "$src/.verified" ]; then
	archive=$(verified_archive third_party) || {
		work=$(mktemp -d)
		(cd "$work" && apt-get source -qq --download-only musl >/dev/null 2>&1) || true
		archive=$(verified_archive "$work") || {
			rm -rf "$work"
			echo "cross/musl.sh: no musl $version source: place one of these in third_party/," >&2
			echo "cross/musl.sh: or enable deb-src entries so that apt-get source musl works:" >&2
			awk '$1 == "archive" { print "  " $2 "  sha256 " $3 }' "$pin" >&2
			exit 1
		}
		mv "$archive" third_party/
		rm -rf "$work"
		archive=third_party/$(basename "$archive")
	}
	rm -rf "$src"
	mkdir -p "$src"
	tar -xzf "$archive" -C "$src" --strip-components=1
	echo "$archive" > "$src/.verified"
fi

# Out of tree, so that every target shares the one unpacked source.
obj=$root/build/$arch/musl-obj
rm -rf "$obj" "$prefix"
mkdir -p "$obj"
echo "cross/musl.sh: building soft-float musl $version for $arch" >&2
(
	cd "$obj"
	"$src/configure" --prefix="$prefix" --disable-shared --disable-wrapper \
		CROSS_COMPILE="$gnu-" CC="$gnu-gcc" CFLAGS="-Os -msoft-float" >configure.log 2>&1
	grep -q 'SUBARCH = .*-sf' config.mak || {
		echo "cross/musl.sh: musl's configure did not select soft float; see $obj/configure.log" >&2
		exit 1
	}
	make -j2 >make.log 2>&1 && make install >install.log 2>&1
) || { echo "cross/musl.sh: build failed; logs in $obj" >&2; exit 1; }

# gcc specs that swap the C library: musl's headers before gcc's own,
# musl's start files around gcc's crtbegin/crtend, and no system paths.
# --no-warn-mismatch: libgcc's objects are marked hard-float; the integer
# helpers keepcert uses from it (64-bit division) are the same either way.
cat > "$prefix/lib/musl-gcc.specs" <<SPECS
%rename cpp_options old_cpp_options

*cpp_options:
-nostdinc -isystem $prefix/include -isystem include%s %(old_cpp_options)

*cc1:
%(cc1_cpu) -nostdinc -isystem $prefix/include -isystem include%s

*link_libgcc:
-L$prefix/lib -L .%s

*libgcc:
libgcc.a%s %:if-exists(libgcc_eh.a%s)

*startfile:
%{!shared: $prefix/lib/Scrt1.o} $prefix/lib/crti.o crtbeginS.o%s

*endfile:
crtendS.o%s $prefix/lib/crtn.o

*link:
-nostdlib --no-warn-mismatch %{shared:-shared} %{static:-static} %{rdynamic:-export-dynamic}
SPECS
rm -rf "$obj"

# Objects built against another C library must not be linked with this one.
rm -rf "$root/build/$arch/obj" "$root/build/$arch/unit" "$root/build/$arch/bearssl" "$root/build/$arch/libbearssl.a"
