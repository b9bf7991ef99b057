# keepcert status: the table, --json, and exit 1 inside the last sixth.
# Probes compare the served certificate over TLS (openssl s_server) and
# over SMTP and IMAP STARTTLS (tests/mock/starttls_server.py). run prints
# and mails the last-sixth warning.
. "$TESTS_DIR/lib.sh"

# make_live NAME DAYS_AGO DAYS_LEFT [SAN]: a certificate of a test CA, installed as certs/NAME/live.
mkdir -p "$WORK/ca"
: > "$WORK/ca/index.txt"
echo 1000 > "$WORK/ca/serial"
cat > "$WORK/ca/ca.cnf" <<-EOF2
[ca]
default_ca = test
[test]
database = $WORK/ca/index.txt
new_certs_dir = $WORK/ca
serial = $WORK/ca/serial
default_md = sha256
policy = any
copy_extensions = copy
unique_subject = no
[any]
commonName = supplied
EOF2
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=status test CA" \
	-keyout "$WORK/ca/ca.key" -out "$WORK/ca/ca.pem" 2> /dev/null || fail "openssl: cannot make the CA"
make_live() {
	local name=$1 ago=$2 left=$3 dir=$WORK/state/certs/$1/v${5:-1}
	mkdir -p "$dir"
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$name" \
		-addext "subjectAltName=${4:-DNS:$name}" -keyout "$dir/privkey.pem" -out "$dir/csr.pem" 2> /dev/null
	openssl ca -batch -config "$WORK/ca/ca.cnf" -cert "$WORK/ca/ca.pem" -keyfile "$WORK/ca/ca.key" \
		-in "$dir/csr.pem" -out "$dir/cert.pem" -notext \
		-startdate "$(date -u -d "-$ago days" +%Y%m%d%H%M%SZ)" \
		-enddate "$(date -u -d "+$left days" +%Y%m%d%H%M%SZ)" 2> "$WORK/ca.err" \
		|| { cat "$WORK/ca.err"; fail "openssl ca: cannot sign $name"; }
	rm "$dir/csr.pem"
	cp "$WORK/ca/ca.pem" "$dir/chain.pem"
	cat "$dir/cert.pem" "$dir/chain.pem" > "$dir/fullchain.pem"
	ln -sfn "v${5:-1}" "$WORK/state/certs/$name/live"
}

mkdir -p "$WORK/mail"
cat > "$WORK/sendmail" <<-EOF2
#!/bin/sh
cat > "$WORK/mail/\$(date +%s%N).\$\$"
EOF2
chmod 755 "$WORK/sendmail"

# old.test: 90-day certificate with 10 days left (inside the last sixth), renew-days 1 so
# that it is not due yet; new.test: 89 days left, fine.
make_live old.test 80 10
make_live new.test 1 89 "DNS:new.test,DNS:www.new.test"
tls_port=$(free_port)
smtp_port=$(free_port)
imap_port=$(free_port)
cat > "$WORK/keepcert.conf" <<-EOF2
directory = https://localhost:$(free_port)/dir
state-dir = $WORK/state
self-check = no
contact = mailto:ops@example.org
notify = $WORK/sendmail -t

[old.test]
names = old.test
renew-days = 1
challenge = standalone 127.0.0.1:1

[new.test]
names = new.test www.new.test
challenge = standalone 127.0.0.1:1
probe = 127.0.0.1:$tls_port smtp://127.0.0.1:$smtp_port imap://127.0.0.1:$imap_port
EOF2
kc() { "$KEEPCERT" -c "$WORK/keepcert.conf" "$@"; }

live=$WORK/state/certs/new.test/live
start_bg s_server openssl s_server -accept "127.0.0.1:$tls_port" -cert "$live/cert.pem" -key "$live/privkey.pem" -www -quiet
start_bg smtp python3 "$TESTS_DIR/../mock/starttls_server.py" --port "$smtp_port" --cert "$live/cert.pem" \
	--key "$live/privkey.pem" --protocol smtp
start_bg imap python3 "$TESTS_DIR/../mock/starttls_server.py" --port "$imap_port" --cert "$live/cert.pem" \
	--key "$live/privkey.pem" --protocol imap
wait_port "$tls_port"
wait_port "$smtp_port"
wait_port "$imap_port"

# The table: a header, one line per certificate, the problem of old.test; exit 1 for it.
expect_exit 1 kc status
expect_match "$WORK/out" '^NAME +NOT AFTER +DAYS +RENEWAL DUE +LAST +NAMES$'
expect_match "$WORK/out" '^old\.test +[0-9-]+ [0-9:]+ UTC +(9|10) +[0-9-]+ [0-9:]+ UTC +none +old\.test$'
expect_match "$WORK/out" '^new\.test +[0-9-]+ [0-9:]+ UTC +(88|89) +.* new\.test www\.new\.test$'
expect_match "$WORK/out" '^  ! inside the last sixth of its lifetime$'
expect_match "$WORK/out" "^  probes: 127\.0\.0\.1:$tls_port ok, smtp://127\.0\.0\.1:$smtp_port ok, imap://127\.0\.0\.1:$imap_port ok$"
grep -q 'EHLO keepcert.invalid | STARTTLS | tls TLSv1.2' "$WORK/smtp.log" || { cat "$WORK/smtp.log"; fail "the SMTP probe did not speak STARTTLS"; }
grep -q 'STARTTLS | tls TLSv1.2' "$WORK/imap.log" || { cat "$WORK/imap.log"; fail "the IMAP probe did not speak STARTTLS"; }

expect_exit 1 kc status --json
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
c = {x["name"]: x for x in d["certificates"]}
assert c["old.test"]["urgent"] is True, c["old.test"]
assert c["old.test"]["ok"] is False, c["old.test"]
assert c["old.test"]["due"] is False, c["old.test"]
assert c["new.test"]["ok"] is True, c["new.test"]
assert c["new.test"]["urgent"] is False, c["new.test"]
assert c["new.test"]["names"] == "new.test www.new.test", c["new.test"]
assert 88 <= c["new.test"]["days_left"] <= 89, c["new.test"]
' "$WORK/out" || fail "status --json is wrong"

# run: nothing is due, so it exits 0 without reaching the CA, but it warns and mails about old.test.
expect_exit 0 kc run
expect_match "$WORK/err" 'old\.test: expires in (9|10) days'
expect_no_match "$WORK/err" 'new\.test'
mail=$(grep -l '^Subject: keepcert: old\.test expires soon' "$WORK"/mail/*) || fail "no last-sixth warning was mailed"
expect_match "$mail" '^To: ops@example\.org$'
expect_match "$mail" 'The certificate old\.test \(old\.test\) is inside the last sixth'
# Every run warns again.
expect_exit 0 kc run
[ "$(grep -l 'old.test expires soon' "$WORK"/mail/* | wc -l)" = 2 ] || fail "the second run did not warn again"

# Once old.test is renewed (a fresh version), status exits 0 with every probe matching.
make_live old.test 1 89 DNS:old.test 2
expect_exit 0 kc status

# A newer live version than the servers have: every probe reports the stale certificate.
make_live new.test 0 90 "DNS:new.test,DNS:www.new.test" 2
expect_exit 1 kc status
expect_match "$WORK/out" "^  ! 127\.0\.0\.1:$tls_port serves an older certificate: reload missing\?$"
expect_match "$WORK/out" "smtp://127\.0\.0\.1:$smtp_port stale"
expect_match "$WORK/out" "imap://127\.0\.0\.1:$imap_port stale"

# A probe that cannot connect is a problem too.
sed -i "s|^probe = .*|probe = 127.0.0.1:$(free_port)|" "$WORK/keepcert.conf"
expect_exit 1 kc status
expect_match "$WORK/out" 'unreachable'
expect_exit 0 kc status --no-probe

# A config error is exit 2 for both commands, naming the file and line.
printf '[x.test]\nnmaes = x.test\n' > "$WORK/bad.conf"
expect_exit 2 "$KEEPCERT" -c "$WORK/bad.conf" run
expect_match "$WORK/err" 'bad\.conf:2: .*nmaes'
expect_exit 2 "$KEEPCERT" -c "$WORK/bad.conf" status
expect_exit 2 "$KEEPCERT" -c "$WORK/missing.conf" run
expect_exit 2 kc run --random-sleep soon
