# Renew while nginx keeps running: Pebble validates http-01 on nginx's
# port-80 server, which responds through the stateless snippet, then the
# webroot snippet, then a proxy to the standalone listener. Each run
# issues, reloads nginx, and checks with openssl s_client that nginx
# serves the serial in live/; a forced re-issue changes the served serial
# again. nginx's master process is the same one at the end.
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/nginx.sh"

NGINX_HTTP_PORT=$(free_port)
PEBBLE_HTTP_PORT=$NGINX_HTTP_PORT
. "$TESTS_DIR/pebble.sh"

nginx_start
pebble_start
master=$(nginx_master_pid)
check_addr=127.0.0.1:$NGINX_HTTP_PORT
live=$WORK/state/certs/site.test/live

live_serial() {
	openssl x509 -in "$live/cert.pem" -noout -serial | sed 's/^serial=//'
}

# wait_served SERIAL: nginx serves SERIAL for site.test within five seconds of the reload.
wait_served() {
	local i got
	for i in $(seq 50); do
		got=$(nginx_served_serial site.test)
		[ "$got" = "$1" ] && return 0
		sleep 0.1
	done
	fail "nginx serves serial '$got', expected $1 from live/"
}

# issue_and_serve ARGS...: issue site.test with the challenge ARGS, reload, check the served serial.
issue_and_serve() {
	local before seen
	before=$(grep -c 'POST /chalZ/' "$WORK/pebble.log")
	seen=$(wc -l < "$WORK/nginx/access.log")
	expect_exit 0 pebble_keepcert issue -v -d site.test -d www.site.test "$@" --self-check-addr "$check_addr"
	# Pebble may reuse a valid authorization, so at least one name is checked, not both.
	expect_match "$WORK/err" 'site\.test: self-check passed'
	[ "$(grep -c 'POST /chalZ/' "$WORK/pebble.log")" -gt "$before" ] || fail "no challenge response was sent"
	# Pebble validated through nginx, which served the key authorization.
	tail -n +"$((seen + 1))" "$WORK/nginx/access.log" |
		grep -q 'GET /\.well-known/acme-challenge/[-_A-Za-z0-9]* HTTP/1\.1" 200 .*Pebble-VA' ||
		fail "nginx served no token to Pebble with status 200"
	pebble_verify "$live/fullchain.pem"
	[ -s "$WORK/nginx/tls.conf" ] || nginx_enable_tls "$live"
	# The deploy step; keepcert run will do this from the config's deploy hook.
	nginx_reload
	wait_served "$(live_serial)"
}

# 1. http-stateless: the account exists first, so its thumbprint can go into nginx.
expect_exit 0 pebble_keepcert account register --agree-tos
expect_exit 0 pebble_keepcert nginx-snippet
cp "$WORK/out" "$NGINX_ACME_CONF"
thumbprint=$(pebble_keepcert account thumbprint)
grep -q "return 200 \"\$1.$thumbprint\";" "$NGINX_ACME_CONF" || fail "the snippet lacks the thumbprint $thumbprint"
nginx_reload

issue_and_serve --challenge http-stateless
first=$(live_serial)
issue_and_serve --challenge http-stateless
[ "$(live_serial)" != "$first" ] || fail "the forced re-issue kept serial $first"

# 2. webroot: one folder shared by every site; keepcert removes its files afterwards.
mkdir -p "$WORK/www"
chmod 755 "$WORK/www"
expect_exit 0 "$KEEPCERT" nginx-snippet --webroot "$WORK/www/acme"
cp "$WORK/out" "$NGINX_ACME_CONF"
mkdir "$WORK/www/acme"
chmod 755 "$WORK/www/acme"
nginx_reload
second=$(live_serial)
issue_and_serve --challenge webroot "$WORK/www/acme"
[ "$(live_serial)" != "$second" ] || fail "the webroot issue kept serial $second"
[ -z "$(ls -A "$WORK/www/acme/.well-known/acme-challenge")" ] || fail "token files were left in the webroot"
[ "$(stat -c %a "$WORK/www/acme/.well-known/acme-challenge")" = 755 ] || fail "acme-challenge is not mode 0755"

# 3. standalone on loopback behind nginx's proxy_pass.
listener=127.0.0.1:$(free_port)
expect_exit 0 "$KEEPCERT" nginx-snippet --standalone "$listener"
cp "$WORK/out" "$NGINX_ACME_CONF"
nginx_reload
third=$(live_serial)
issue_and_serve --challenge standalone "$listener"
[ "$(live_serial)" != "$third" ] || fail "the standalone issue kept serial $third"

[ "$(nginx_master_pid)" = "$master" ] || fail "nginx's master changed from $master to $(nginx_master_pid)"
kill -0 "$master" || fail "nginx's master $master is gone"
