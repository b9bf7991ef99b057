# dns-01 through a dns-hook program: a wildcard and its base name share
# one record name, so the hook gets two distinct values, each added next
# to a value someone else put there, and cleanup deletes only keepcert's
# two. The hook keeps pebble-challtestsrv's TXT records through its
# management API. A failing hook stops the order with its output, and a
# wildcard with an http-01 mode is refused before any request.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/pebble.sh"

pebble_start
hook=$WORK/dns-hook
records=$WORK/records

# /set-txt adds a value to a name's set, and Pebble validates both names
# only when both values are there at once. /clear-txt drops the whole set,
# so the hook keeps each name's values in a file. After every change it
# clears the name and sets each value again.
# A value may start with '-' (base64url), hence grep -e.
cat > "$hook" <<EOF
#!/bin/sh
set -eu
action=\$1 name=\$2 value=\$3
echo "\$action \$name \$value env \$KEEPCERT_DNS_NAME \$KEEPCERT_DNS_VALUE \$KEEPCERT_DOMAIN" >> "$WORK/hook.log"
mkdir -p "$records"
file="$records/\$name"
touch "\$file"
case \$action in
add) echo "\$value" >> "\$file" ;;
del) grep -vxF -e "\$value" "\$file" > "\$file.new" || true; mv "\$file.new" "\$file" ;;
*) echo "unknown action \$action" >&2; exit 2 ;;
esac
curl -sf -X POST -d "{\"host\":\"\$name.\"}" "$CHALLTESTSRV_MANAGEMENT/clear-txt"
while read -r v; do
	curl -sf -X POST -d "{\"host\":\"\$name.\",\"value\":\"\$v\"}" "$CHALLTESTSRV_MANAGEMENT/set-txt"
done < "\$file"
EOF
chmod 700 "$hook"

# A value that someone else manages under the same name.
KEEPCERT_DNS_NAME= KEEPCERT_DNS_VALUE= KEEPCERT_DOMAIN= "$hook" add _acme-challenge.wild.test other-value
: > "$WORK/hook.log"

expect_exit 0 pebble_keepcert issue -v -d wild.test -d '*.wild.test' --challenge dns-hook "$hook" --agree-tos
live=$WORK/state/certs/wild.test/live
pebble_verify "$live/fullchain.pem"
names=$(openssl x509 -in "$live/cert.pem" -noout -ext subjectAltName | tail -n +2 | tr -d ' \n')
[ "$names" = "DNS:wild.test,DNS:*.wild.test" ] || [ "$names" = "DNS:*.wild.test,DNS:wild.test" ] ||
	fail "certificate names are '$names'"

# Two adds, then two deletes, of two distinct values under one name; the environment matches the arguments.
grep '^add ' "$WORK/hook.log" > "$WORK/adds"
grep '^del ' "$WORK/hook.log" > "$WORK/dels"
expect_lines "$WORK/adds" 2
expect_lines "$WORK/dels" 2
[ "$(awk '{ print $2 }' "$WORK/adds" | sort -u)" = _acme-challenge.wild.test ] || fail "the adds are not all for _acme-challenge.wild.test"
[ "$(awk '{ print $3 }' "$WORK/adds" | sort -u | wc -l)" = 2 ] || fail "the two adds carry the same value"
[ "$(awk '{ print $3 }' "$WORK/adds" | sort)" = "$(awk '{ print $3 }' "$WORK/dels" | sort)" ] ||
	fail "the deletes are not for the added values"
awk '$2 != $5 || $3 != $6 || $7 != "wild.test" { exit 1 }' "$WORK/adds" ||
	fail "KEEPCERT_DNS_NAME, KEEPCERT_DNS_VALUE or KEEPCERT_DOMAIN differ from the arguments"
[ "$(cat "$records/_acme-challenge.wild.test")" = other-value ] ||
	fail "cleanup left '$(cat "$records/_acme-challenge.wild.test")', expected only the other value"

# A failing hook stops the order before any challenge response, and its output is in the error.
printf '#!/bin/sh\necho "zone wild.test not found at the DNS provider"\nexit 3\n' > "$WORK/bad-hook"
chmod 700 "$WORK/bad-hook"
posts=$(grep -c 'POST /chalZ/' "$WORK/pebble.log")
expect_exit 1 pebble_keepcert issue -d other.wild.test --challenge dns-hook "$WORK/bad-hook"
expect_match "$WORK/err" "dns-hook '.*bad-hook add _acme-challenge\.other\.wild\.test' exited with status 3; output: 'zone wild\.test not found at the DNS provider"
[ "$(grep -c 'POST /chalZ/' "$WORK/pebble.log")" = "$posts" ] || fail "a challenge response was sent after the hook failed"

# A wildcard with an http-01 mode is refused before any request.
requests=$(grep -c 'POST ' "$WORK/pebble.log")
expect_exit 2 pebble_keepcert issue -d '*.wild.test' --challenge http-stateless
expect_match "$WORK/err" "\*\.wild\.test is a wildcard name, which only dns-01 can validate .*dns-hook PROGRAM"
[ "$(grep -c 'POST ' "$WORK/pebble.log")" = "$requests" ] || fail "the refused wildcard order reached the CA"
