# keepcert install systemd|cron: the units pass systemd-analyze verify, the
# crontab line has five valid time fields, and --write puts files in place.
. "$TESTS_DIR/lib.sh"

mkdir -p "$WORK/etc" "$WORK/units" "$WORK/cron.d"
cat > "$WORK/etc/keepcert.conf" <<CONF
state-dir = /var/lib/keepcert
challenge = webroot $WORK/www

[example.org]
names = example.org www.example.org

[mail.example.org]
challenge = webroot $WORK/mailroot
CONF
chmod 600 "$WORK/etc/keepcert.conf"
bin=$(readlink -f "$KEEPCERT")

# Printing: both units, with the real binary, the config and every webroot.
expect_exit 0 "$KEEPCERT" -c "$WORK/etc/keepcert.conf" install systemd
expect_match "$WORK/out" "^ExecStart=$bin -c $WORK/etc/keepcert.conf run\$"
expect_match "$WORK/out" '^Type=oneshot$'
expect_match "$WORK/out" '^ProtectSystem=strict$'
expect_match "$WORK/out" '^StateDirectory=keepcert$'
expect_match "$WORK/out" "^ReadWritePaths=$WORK/www\$"
expect_match "$WORK/out" "^ReadWritePaths=$WORK/mailroot\$"
expect_match "$WORK/out" '^PrivateTmp=true$'
expect_match "$WORK/out" '^ProtectHome=read-only$'
expect_match "$WORK/out" '^OnCalendar=\*-\*-\* 00,12:00:00$'
expect_match "$WORK/out" '^RandomizedDelaySec=1h$'
expect_match "$WORK/out" '^Persistent=true$'
expect_match "$WORK/out" '^# NoNewPrivileges= is left out on purpose'
expect_no_match "$WORK/out" '^NoNewPrivileges'
expect_no_match "$WORK/out" '^(SystemCallFilter|RestrictSUIDSGID|User)='

# Writing: the same text lands in the directory, readable by systemd.
expect_exit 0 "$KEEPCERT" -c "$WORK/etc/keepcert.conf" install systemd --write --dir "$WORK/units"
expect_match "$WORK/err" "wrote $WORK/units/keepcert.service"
[ "$(stat -c %a "$WORK/units/keepcert.service")" = 644 ] || fail "keepcert.service is not mode 644"
grep -q '^ExecStart=' "$WORK/units/keepcert.service" || fail "keepcert.service has no ExecStart"
grep -q '^OnCalendar=' "$WORK/units/keepcert.timer" || fail "keepcert.timer has no OnCalendar"

if command -v systemd-analyze >/dev/null 2>&1; then
	# verify warns about unknown keys on stderr but still exits 0, so any output fails.
	(cd "$WORK/units" && systemd-analyze verify ./keepcert.service ./keepcert.timer) > "$WORK/verify" 2>&1 \
		|| { cat "$WORK/verify" >&2; fail "systemd-analyze verify rejected the units"; }
	[ ! -s "$WORK/verify" ] || { cat "$WORK/verify" >&2; fail "systemd-analyze verify printed warnings"; }
else
	echo "SKIP: systemd-analyze is not installed; the unit text was checked only"
fi

# A state directory outside /var/lib is made writable with ReadWritePaths.
sed -i "s|^state-dir = .*|state-dir = $WORK/state|" "$WORK/etc/keepcert.conf"
expect_exit 0 "$KEEPCERT" -c "$WORK/etc/keepcert.conf" install systemd
expect_match "$WORK/out" "^ReadWritePaths=$WORK/state\$"
expect_no_match "$WORK/out" '^StateDirectory='
# ReadWritePaths= fails the service while the directory is missing, so --write
# creates it (0700) and the printed unit says so.
expect_match "$WORK/out" "mkdir -m 0700 -p $WORK/state"
[ ! -e "$WORK/state" ] || fail "printing the units created the state directory"
mkdir -p "$WORK/units2"
expect_exit 0 "$KEEPCERT" -c "$WORK/etc/keepcert.conf" install systemd --write --dir "$WORK/units2"
[ "$(stat -c %a "$WORK/state")" = 700 ] || fail "install systemd --write did not create the state directory 0700"

# cron: five time fields, twice a day at a random minute, then the command.
check_cron_line() {
	local line=$1 user=$2
	echo "$line" | awk -v user="$user" '
		function field_ok(f, lo, hi,   n, parts, i) {
			n = split(f, parts, ",")
			for (i = 1; i <= n; i++)
				if (parts[i] !~ /^[0-9]+$/ || parts[i] + 0 < lo || parts[i] + 0 > hi)
					return 0
			return 1
		}
		{
			if (!field_ok($1, 0, 59)) { print "bad minute " $1; exit 1 }
			if (!field_ok($2, 0, 23)) { print "bad hour " $2; exit 1 }
			if (split($2, h, ",") != 2 || h[2] - h[1] != 12) { print "not twice a day: " $2; exit 1 }
			if ($3 != "*" || $4 != "*" || $5 != "*") { print "bad day fields"; exit 1 }
			c = 6
			if (user != "") { if ($6 != user) { print "no user field"; exit 1 } c = 7 }
			if ($c !~ /^PATH=/) { print "no PATH"; exit 1 }
			if ($(c + 1) !~ /\/keepcert$/ || $(c + 2) != "-c" || $(c + 4) != "run") { print "bad command"; exit 1 }
		}' || fail "crontab line rejected: $line"
}

expect_exit 0 "$KEEPCERT" -c "$WORK/etc/keepcert.conf" install cron
expect_lines "$WORK/out" 1
check_cron_line "$(cat "$WORK/out")" ""
expect_match "$WORK/out" " $bin -c $WORK/etc/keepcert.conf run\$"

# The minute is random: 20 runs give more than one value.
minutes=$(for i in $(seq 20); do "$KEEPCERT" -c "$WORK/etc/keepcert.conf" install cron | cut -d' ' -f1; done | sort -u | wc -l)
[ "$minutes" -gt 1 ] || fail "20 crontab lines all use the same minute"

expect_exit 0 "$KEEPCERT" -c "$WORK/etc/keepcert.conf" install cron --write --dir "$WORK/cron.d"
check_cron_line "$(cat "$WORK/cron.d/keepcert")" root
[ "$(stat -c %a "$WORK/cron.d/keepcert")" = 644 ] || fail "cron.d/keepcert is not mode 644"

if busybox crond --help > /dev/null 2>&1; then
	echo "NOTE: busybox has crond, but it has no syntax-check mode; the line was checked by field"
else
	echo "SKIP: this busybox has no crond applet; the crontab line was checked by field only"
fi

expect_exit 1 "$KEEPCERT" -c "$WORK/etc/keepcert.conf" install cron --write --dir "$WORK/no-such-dir"
expect_match "$WORK/err" 'is not a directory'

# Usage errors and a broken config exit 2.
expect_exit 2 "$KEEPCERT" -c "$WORK/etc/keepcert.conf" install
expect_match "$WORK/err" "install: expected 'systemd' or 'cron'"
expect_exit 2 "$KEEPCERT" -c "$WORK/etc/keepcert.conf" install launchd
echo "colour = blue" >> "$WORK/etc/keepcert.conf"
expect_exit 2 "$KEEPCERT" -c "$WORK/etc/keepcert.conf" install systemd
expect_match "$WORK/err" "keepcert.conf:[0-9]+: key 'colour': unknown key"
