# keepcert check: passes with the stateless, webroot and standalone
# snippets in nginx, from options and from a config file; fails, naming
# the fix, when the snippet is missing or carries another account's
# thumbprint; and issue stops before responding to any challenge when the
# self-check fails.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/nginx.sh"

NGINX_HTTP_PORT=$(free_port)
PEBBLE_HTTP_PORT=$NGINX_HTTP_PORT
. "$TESTS_DIR/pebble.sh"

nginx_start
pebble_start
addr=127.0.0.1:$NGINX_HTTP_PORT

expect_exit 0 pebble_keepcert account register --agree-tos
expect_exit 0 pebble_keepcert nginx-snippet
cp "$WORK/out" "$WORK/stateless.conf"
cp "$WORK/stateless.conf" "$NGINX_ACME_CONF"
nginx_reload

# Stateless, names from the command line.
expect_exit 0 pebble_keepcert check site.test www.site.test --challenge http-stateless --self-check-addr "$addr"
expect_lines "$WORK/out" 2
expect_match "$WORK/out" '^site\.test: ok \(http-stateless\)$'
expect_match "$WORK/out" '^www\.site\.test: ok \(http-stateless\)$'

# Names and modes from the config file.
cat > "$WORK/keepcert.conf" <<EOF
directory = $PEBBLE_DIRECTORY
ca-bundle = $PEBBLE_CA_BUNDLE
state-dir = $WORK/state

[site.test]
names = site.test www.site.test
challenge = http-stateless

[other.test]
names = other.test
challenge = http-stateless
self-check-addr = $addr
EOF
chmod 600 "$WORK/keepcert.conf"
expect_exit 0 "$KEEPCERT" -c "$WORK/keepcert.conf" check --self-check-addr "$addr"
expect_lines "$WORK/out" 3
expect_match "$WORK/out" '^other\.test: ok'
# other.test's section names the address itself.
expect_exit 0 "$KEEPCERT" -c "$WORK/keepcert.conf" check other.test
expect_lines "$WORK/out" 1
expect_exit 1 "$KEEPCERT" -c "$WORK/keepcert.conf" check nowhere.test --self-check-addr "$addr"
expect_match "$WORK/out" '^nowhere\.test: FAILED: not a name or section of '

# Without the snippet the dot-path rule denies the token; check and issue both name the fix.
: > "$NGINX_ACME_CONF"
nginx_reload
expect_exit 1 pebble_keepcert check site.test --challenge http-stateless --self-check-addr "$addr"
expect_lines "$WORK/out" 1
expect_match "$WORK/out" "^site\.test: FAILED: .*status 403.*the stateless snippet is missing from the port-80 server block of site\.test; run 'keepcert nginx-snippet'"
expect_exit 1 "$KEEPCERT" -c "$WORK/keepcert.conf" check --self-check-addr "$addr"
expect_lines "$WORK/out" 3
expect_no_match "$WORK/out" ': ok'

posts=$(grep -c 'POST /chalZ/' "$WORK/pebble.log")
expect_exit 1 pebble_keepcert issue -d site.test --challenge http-stateless --self-check-addr "$addr"
expect_match "$WORK/err" 'stopped before responding to the challenge: self-check of http://site\.test/\.well-known/acme-challenge/[-_A-Za-z0-9]+: status 403'
expect_match "$WORK/err" "the stateless snippet is missing from the port-80 server block of site\.test"
[ "$(grep -c 'POST /chalZ/' "$WORK/pebble.log")" = "$posts" ] || fail "a challenge response was sent although the self-check failed"

# A redirect to https is quoted with its target; keepcert does not follow it.
printf '%s\n' 'location ^~ /.well-known/ { return 301 https://$host$request_uri; }' > "$NGINX_ACME_CONF"
nginx_reload
expect_exit 1 pebble_keepcert check site.test --challenge http-stateless --self-check-addr "$addr"
expect_match "$WORK/out" "status 301, a redirect to https://site\.test/\.well-known/acme-challenge/[-_A-Za-z0-9]+; keepcert does not follow redirects"

# A snippet made for another account returns the wrong thumbprint.
sed 's/\(return 200 "\$1\.\)[-_A-Za-z0-9]*/\1AAAAbbbbCCCCddddEEEEffffGGGGhhhhIIIIjjjjKKK/' "$WORK/stateless.conf" > "$NGINX_ACME_CONF"
nginx_reload
expect_exit 1 pebble_keepcert check site.test --challenge http-stateless --self-check-addr "$addr"
expect_match "$WORK/out" 'status 200 with .*AAAAbbbbCCCC.*the thumbprint of another account'

# No response at all (nothing listens) fails the check, unlike issue, which only warns.
expect_exit 1 pebble_keepcert check site.test --challenge http-stateless --self-check-addr "127.0.0.1:$(free_port)"
expect_match "$WORK/out" '^site\.test: FAILED: self-check of http://site\.test/.*'

# Webroot: check writes its probe and removes it.
mkdir -m 755 "$WORK/www"
expect_exit 0 "$KEEPCERT" nginx-snippet --webroot "$WORK/www"
cp "$WORK/out" "$NGINX_ACME_CONF"
nginx_reload
expect_exit 0 "$KEEPCERT" check site.test --challenge webroot "$WORK/www" --self-check-addr "$addr"
expect_match "$WORK/out" "^site\.test: ok \(webroot $WORK/www\)$"
[ -z "$(ls -A "$WORK/www/.well-known/acme-challenge")" ] || fail "check left its probe in the webroot"
expect_exit 1 "$KEEPCERT" check site.test --challenge webroot "$WORK/elsewhere" --self-check-addr "$addr"
expect_match "$WORK/out" "^site\.test: FAILED: webroot $WORK/elsewhere: "

# Standalone behind proxy_pass: check runs the listener for its probe.
listener=127.0.0.1:$(free_port)
expect_exit 0 "$KEEPCERT" nginx-snippet --standalone "$listener"
cp "$WORK/out" "$NGINX_ACME_CONF"
nginx_reload
expect_exit 0 "$KEEPCERT" check site.test --challenge standalone "$listener" --self-check-addr "$addr"
expect_match "$WORK/out" "^site\.test: ok \(standalone $listener\)$"
other=127.0.0.1:$(free_port)
expect_exit 1 "$KEEPCERT" check site.test --challenge standalone "$other" --self-check-addr "$addr"
expect_match "$WORK/out" "do not reach keepcert's listener on $other"

# A wildcard needs dns-01.
expect_exit 1 "$KEEPCERT" check '*.site.test' --challenge http-stateless --self-check-addr "$addr"
expect_match "$WORK/out" "wildcard name, which only dns-01 can validate.*dns-hook PROGRAM"
