# keepcert run against Pebble: first issuance, a run with nothing due,
# --force, --dry-run, hooks and their environment, notices through a fake
# sendmail, a failing deploy hook, a rejected challenge, the key file's
# group kept across renewals, and two runs at once.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/pebble.sh"

pebble_start

# The fake sendmail keeps each mail in its own file.
mkdir -p "$WORK/mail"
cat > "$WORK/sendmail" <<-EOF2
#!/bin/sh
cat > "$WORK/mail/\$(date +%s%N).\$\$"
EOF2
cat > "$WORK/hook" <<-EOF2
#!/bin/sh
echo "\$1 name=\${KEEPCERT_NAME:-} domains=\${KEEPCERT_DOMAINS:-} live=\${KEEPCERT_LIVE_DIR:-} lineage=\${RENEWED_LINEAGE:-} renewed=\${RENEWED_DOMAINS:-}" >> "$WORK/hooks.log"
EOF2
chmod 755 "$WORK/sendmail" "$WORK/hook"

# write_config DIRECTORY [CHALLENGE_PORT] [DEPLOY]
write_config() {
	cat > "$WORK/keepcert.conf" <<-EOF2
	directory = $1
	ca-bundle = $PEBBLE_CA_BUNDLE
	state-dir = $WORK/state
	self-check = no
	contact = mailto:admin@example.org
	agree-tos = yes
	notify = $WORK/sendmail -t
	pre = $WORK/hook pre
	post = $WORK/hook post
	challenge = standalone 127.0.0.1:${2:-$PEBBLE_HTTP_PORT}
	deploy = ${3:-$WORK/hook deploy}

	[a.test]
	names = a.test www.a.test

	[b.test]
	names = b.test
	key = rsa-2048
	EOF2
}
kc() { "$KEEPCERT" -c "$WORK/keepcert.conf" "$@"; }
live_sum() { cat "$WORK"/state/certs/*/live/*.pem | sha256sum; }
mails() { ls "$WORK/mail" | wc -l; }

# 1. The first run issues both certificates, with one notice line each.
write_config "$PEBBLE_DIRECTORY"
expect_exit 0 kc run
grep '^keepcert: [a-z.]*: renewed' "$WORK/err" > "$WORK/renewed"
expect_lines "$WORK/renewed" 2
expect_no_match "$WORK/err" 'error'
expect_match "$WORK/err" '^keepcert: a\.test: renewed, valid until'
expect_match "$WORK/err" '^keepcert: b\.test: renewed, valid until'
for name in a.test b.test; do
	pebble_verify "$WORK/state/certs/$name/live/fullchain.pem"
	pebble_key_matches "$WORK/state/certs/$name/live/privkey.pem" "$WORK/state/certs/$name/live/cert.pem" \
		|| fail "$name: the key does not match the certificate"
done
openssl x509 -in "$WORK/state/certs/a.test/live/cert.pem" -noout -ext subjectAltName | grep -q 'DNS:www.a.test' \
	|| fail "a.test: www.a.test is missing from the certificate"
openssl pkey -in "$WORK/state/certs/b.test/live/privkey.pem" -noout -text | grep -q 'Private-Key: (2048 bit' \
	|| fail "b.test: the key is not RSA 2048"

# Hooks: pre once, deploy per certificate with its environment, post once, in that order.
live_a=$WORK/state/certs/a.test/live
printf '%s\n' \
	"pre name= domains= live= lineage= renewed=" \
	"deploy name=a.test domains=a.test www.a.test live=$live_a lineage=$live_a renewed=a.test www.a.test" \
	"deploy name=b.test domains=b.test live=$WORK/state/certs/b.test/live lineage=$WORK/state/certs/b.test/live renewed=b.test" \
	"post name= domains= live= lineage= renewed=" > "$WORK/hooks.want"
diff "$WORK/hooks.want" "$WORK/hooks.log" || fail "the hooks ran in another order or with another environment"

# One renewal notice, with To:, Subject: and both names.
[ "$(mails)" = 1 ] || fail "expected 1 mail after the first run, found $(mails)"
mail=$(ls "$WORK"/mail/* | head -1)
expect_match "$mail" '^To: admin@example\.org$'
expect_match "$mail" '^Subject: keepcert: renewed 2 certificates'
expect_match "$mail" '^a\.test \(a\.test www\.a\.test\): renewed, valid until'
expect_match "$mail" '^b\.test \(b\.test\): renewed'
grep -q '^last-result = ok' "$WORK/state/certs/a.test/state" || fail "a.test: the state does not record ok"

# 2. Nothing is due: no output, exit 0, and no connection (the directory is a closed port).
closed=$(free_port)
write_config "https://localhost:$closed/dir"
: > "$WORK/hooks.log"
before=$(live_sum)
expect_exit 0 kc run
[ ! -s "$WORK/out" ] && [ ! -s "$WORK/err" ] || { cat "$WORK/err"; fail "a run with nothing due printed something"; }
expect_exit 0 kc -v run
expect_match "$WORK/err" 'a\.test: not due: [0-9]+ of [0-9]+ days left'
expect_match "$WORK/err" 'b\.test: not due'
expect_no_match "$WORK/err" 'connection|HTTP request'
[ "$(live_sum)" = "$before" ] || fail "a run with nothing due changed live"
[ ! -s "$WORK/hooks.log" ] || fail "a run with nothing due ran a hook"

# 3. --dry-run obtains from the CA but installs nothing and runs no hook.
expect_exit 0 kc run --dry-run --directory "$PEBBLE_DIRECTORY"
expect_match "$WORK/err" 'a\.test: dry run: obtained and checked a certificate'
[ "$(live_sum)" = "$before" ] || fail "--dry-run changed live"
[ ! -s "$WORK/hooks.log" ] || fail "--dry-run ran a hook"
[ "$(mails)" = 1 ] || fail "--dry-run sent a mail"

# 4. --force renews; a key shared with a group keeps its group and mode, and is a new key.
write_config "$PEBBLE_DIRECTORY"
chgrp ssl-cert "$live_a/privkey.pem" 2>/dev/null || { groupadd -f ssl-cert && chgrp ssl-cert "$live_a/privkey.pem"; } \
	|| fail "cannot give privkey.pem the group ssl-cert"
chmod 640 "$live_a/privkey.pem"
old_key=$(sha256sum < "$live_a/privkey.pem")
old_version=$(readlink "$live_a")
expect_exit 0 kc run --force
[ "$(readlink "$live_a")" != "$old_version" ] || fail "--force did not install a new version"
[ "$(stat -c '%G %a' "$live_a/privkey.pem")" = "ssl-cert 640" ] \
	|| fail "the new privkey.pem is $(stat -c '%G %a' "$live_a/privkey.pem"), not ssl-cert 640"
[ "$(sha256sum < "$live_a/privkey.pem")" != "$old_key" ] || fail "--force reused the key without reuse-key"
[ -d "$WORK/state/certs/a.test/$old_version" ] || fail "the previous version was not kept"

# 5. A failing deploy hook: reported, exit 1, and the new certificate stays live.
write_config "$PEBBLE_DIRECTORY" "$PEBBLE_HTTP_PORT" "$WORK/hook deploy; exit 3"
old_version=$(readlink "$live_a")
rm -f "$WORK"/mail/*
expect_exit 1 kc run --force
expect_match "$WORK/err" "the deploy hook '.*' exited with status 3"
[ "$(readlink "$live_a")" != "$old_version" ] || fail "a failing deploy hook lost the new certificate"
pebble_verify "$live_a/fullchain.pem"
grep -l 'with problems' "$WORK"/mail/* > /dev/null || fail "no notice names the failed deploy hook"

# 6. A rejected challenge (nothing listens on the port Pebble validates): no deploy or post
# hook, live unchanged byte for byte, a failure notice, the failure in the state.
write_config "$PEBBLE_DIRECTORY" "$(free_port)"
before=$(live_sum)
: > "$WORK/hooks.log"
rm -f "$WORK"/mail/*
# The listener binds 127.0.0.1 on a port where Pebble does not look: Pebble finds nothing.
expect_exit 1 kc run --force
expect_match "$WORK/err" 'a\.test: .*(invalid|connection|refused|unauthorized)'
[ "$(live_sum)" = "$before" ] || fail "a failed renewal changed live"
expect_no_match "$WORK/hooks.log" '^(deploy|post)'
grep -q '^last-result = failed' "$WORK/state/certs/a.test/state" || fail "the state does not record the failure"
grep -q '^failures = 1' "$WORK/state/certs/a.test/state" || fail "the state does not count the failure"
grep -l '^Subject: keepcert: renewing a\.test failed' "$WORK"/mail/* > /dev/null || fail "no failure notice for a.test"
expect_match "$(grep -l 'renewing a.test failed' "$WORK"/mail/*)" '^Next attempt: the first run after'
expect_exit 1 kc status --no-probe
expect_match "$WORK/out" 'renewal failing'

# 7. Two runs at once: one waits for the lock, both succeed, live is whole.
write_config "$PEBBLE_DIRECTORY"
kc run --force > "$WORK/run1.out" 2>&1 &
pid=$!
kc run --force > "$WORK/run2.out" 2>&1 || { cat "$WORK/run2.out"; fail "the second concurrent run failed"; }
wait "$pid" || { cat "$WORK/run1.out"; fail "the first concurrent run failed"; }
for name in a.test b.test; do
	pebble_verify "$WORK/state/certs/$name/live/fullchain.pem"
	pebble_key_matches "$WORK/state/certs/$name/live/privkey.pem" "$WORK/state/certs/$name/live/cert.pem" \
		|| fail "$name: key and certificate differ after two runs at once"
done

# 8. status: a table, JSON that parses, exit 0 with everything fine.
expect_exit 0 kc status
expect_match "$WORK/out" '^NAME +NOT AFTER +DAYS'
expect_match "$WORK/out" '^a\.test +[0-9-]+ [0-9:]+ UTC +[0-9]+ +[0-9-]+ [0-9:]+ UTC +ok +a\.test www\.a\.test'
expect_exit 0 kc status --json
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
c = {x["name"]: x for x in d["certificates"]}
assert set(c) == {"a.test", "b.test"}, c
assert c["a.test"]["ok"] is True, c
assert c["a.test"]["last_result"] == "ok", c
assert c["a.test"]["days_left"] > 1000, c
' "$WORK/out" || fail "status --json is wrong"

# 8b. Changed names renew that certificate at once, without --force; the other stays.
sed -i 's/^names = a\.test www\.a\.test$/names = a.test www.a.test api.a.test/' "$WORK/keepcert.conf"
b_version=$(readlink "$WORK/state/certs/b.test/live")
expect_exit 0 kc run
grep '^keepcert: [a-z.]*: renewed' "$WORK/err" > "$WORK/renewed"
expect_lines "$WORK/renewed" 1
expect_match "$WORK/err" '^keepcert: a\.test: renewed'
openssl x509 -in "$live_a/cert.pem" -noout -ext subjectAltName | grep -q 'DNS:api.a.test' \
	|| fail "a.test: the added name is missing from the renewed certificate"
[ "$(readlink "$WORK/state/certs/b.test/live")" = "$b_version" ] || fail "b.test was renewed without reason"

# 8c. reuse-key = yes keeps the key; a changed key type renews at once with a new key of that type.
printf 'reuse-key = yes\n' >> "$WORK/keepcert.conf"
old_key=$(sha256sum < "$WORK/state/certs/b.test/live/privkey.pem")
expect_exit 0 kc run --force
[ "$(sha256sum < "$WORK/state/certs/b.test/live/privkey.pem")" = "$old_key" ] || fail "reuse-key = yes made a new key"
sed -i 's/^key = rsa-2048$/key = ec-p256/' "$WORK/keepcert.conf"
expect_exit 0 kc -v run
expect_match "$WORK/err" 'b\.test: due: key type changed \(config: ec-p256; certificate: rsa-2048\)'
expect_match "$WORK/err" '^keepcert: b\.test: renewed'
openssl pkey -in "$WORK/state/certs/b.test/live/privkey.pem" -noout -text | grep -q 'ASN1 OID: prime256v1' \
	|| fail "b.test: the key did not change to P-256"

# 8d. A damaged live certificate and state file are reported and repaired by renewing.
echo garbage > "$live_a/cert.pem"
echo 'failures = many' > "$WORK/state/certs/a.test/state"
expect_exit 1 kc run
expect_match "$WORK/err" 'a\.test: .*renewing it'
expect_match "$WORK/err" '^keepcert: a\.test: renewed'
pebble_verify "$live_a/fullchain.pem"
grep -q '^failures = 0' "$WORK/state/certs/a.test/state" || fail "the damaged state file was not rewritten"
expect_exit 0 kc run

# 9. run probes after its hooks: a server still sending the replaced certificate
# is a failure, reported and mailed, with the new certificate left live.
probe_port=$(free_port)
cp "$WORK/state/certs/b.test/live/cert.pem" "$WORK/served-cert.pem"
cp "$WORK/state/certs/b.test/live/privkey.pem" "$WORK/served-key.pem"
start_bg s_server openssl s_server -accept "127.0.0.1:$probe_port" -cert "$WORK/served-cert.pem" \
	-key "$WORK/served-key.pem" -www -quiet
wait_port "$probe_port"
# [b.test] is the last section, so the line lands there.
printf 'probe = 127.0.0.1:%s\n' "$probe_port" >> "$WORK/keepcert.conf"
expect_exit 0 kc status
expect_match "$WORK/out" "probes: 127\.0\.0\.1:$probe_port ok"
rm -f "$WORK"/mail/*
expect_exit 1 kc run --force
expect_match "$WORK/err" "b\.test: 127\.0\.0\.1:$probe_port serves an older certificate: reload missing\?"
grep -l 'serves an older certificate' "$WORK"/mail/* > /dev/null || fail "the stale probe was not mailed"
pebble_verify "$WORK/state/certs/b.test/live/fullchain.pem"
