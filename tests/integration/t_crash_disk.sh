# A full disk: the state directory is a small tmpfs holding a valid state,
# filled up so that a new version cannot be written. `keepcert issue` must
# fail naming the file and "No space left on device", leave the live pair
# byte for byte as it was, and succeed once there is room again. Needs
# root for mount; prints SKIP otherwise.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/pebble.sh"

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: mounting a tmpfs needs root"
	exit 0
fi

full=$WORK/full
mkdir -p "$full"
unmount() {
	mountpoint -q "$full" && umount "$full"
}
trap 'cleanup_bg; unmount' EXIT

pebble_start
listen=127.0.0.1:$PEBBLE_HTTP_PORT
issue() {
	"$KEEPCERT" issue -d disk.test --challenge standalone "$listen" --no-self-check --agree-tos --timeout 30 \
		--directory "$PEBBLE_DIRECTORY" --ca-bundle "$PEBBLE_CA_BUNDLE" --state-dir "$1"
}
live_digest() {
	readlink "$full/certs/disk.test/live"
	(cd "$full/certs/disk.test/live/" && sha256sum -- *)
}

expect_exit 0 issue "$WORK/seed"

# FREE_KB: the room left after the filler; 0 fails the first write, 8 and 12 let a
# file or two through before the disk is full.
for free_kb in 0 8 12; do
	mount -t tmpfs -o size=1m,mode=0700 tmpfs "$full" || fail "cannot mount a tmpfs on $full"
	cp -a "$WORK/seed/." "$full/"
	live_digest > "$WORK/live.sum"
	dd if=/dev/zero of="$full/filler" bs=1k 2>/dev/null
	[ "$free_kb" = 0 ] || truncate -s "-${free_kb}K" "$full/filler"

	expect_exit 1 issue "$full"
	expect_lines "$WORK/err" 1
	expect_match "$WORK/err" "^keepcert: error: disk.test: .*$full/[^ ]+.*No space left on device"
	live_digest | cmp -s - "$WORK/live.sum" || fail "$free_kb KiB free: the live pair changed"
	pebble_key_matches "$full/certs/disk.test/live/privkey.pem" "$full/certs/disk.test/live/cert.pem" ||
		fail "$free_kb KiB free: the live pair does not match"
	echo "$free_kb KiB free: $(cat "$WORK/err")"

	# With room again, the next run installs a new version.
	rm "$full/filler"
	expect_exit 0 issue "$full"
	live_digest | cmp -s - "$WORK/live.sum" && fail "$free_kb KiB free: nothing new was installed after the disk had room"
	pebble_verify "$full/certs/disk.test/live/fullchain.pem"
	umount "$full" || fail "cannot unmount $full"
done
