# The workloads of each client, sourced by bench.sh. Every client has the
# functions CLIENT_version, CLIENT_issue_new, CLIENT_renew, CLIENT_rsa4096,
# CLIENT_noop_available, CLIENT_noop_prepare FIXTURE and CLIENT_noop. They
# run each process through timed (or timed_trusted). They read these
# variables, which bench.sh sets for each run:
#	dir_url   the ACME directory, Pebble's own port or the counting proxy
#	state     a directory for this run's client state; CLIENT/ under it is the client's
#	name      the DNS name to order (Pebble's mock DNS maps every name to 127.0.0.1)
#	verbose   "-v" on counted runs, so keepcert logs its connection counters
#
# The workloads, the same for every client:
#	version    print the version: the cost of starting the program
#	issue_new  a new account (keys EC P-256 where the client lets one choose)
#	           and a certificate with an EC P-256 key for one name, http-01
#	renew      the same name again with the cached account, forced
#	rsa4096    another name with an RSA-4096 certificate key, cached account
#	noop       a renewal check of FIXTURE's certificates, none of them due

# --- keepcert

keepcert_issue() {
	timed "$KEEPCERT" issue ${verbose:+"$verbose"} --directory "$dir_url" \
		--ca-bundle "$PEBBLE_CA_BUNDLE" --state-dir "$state/keepcert" \
		--challenge standalone "127.0.0.1:$PEBBLE_HTTP_PORT" --agree-tos "$@"
}

keepcert_version() { timed "$KEEPCERT" version; }
keepcert_issue_new() { keepcert_issue -d "$name"; }
keepcert_renew() { keepcert_issue -d "$name"; }
keepcert_rsa4096() { keepcert_issue -d "rsa-$name" --key rsa-4096; }

# The run command is what a timer calls; a build without it has no no-op to time.
keepcert_noop_available() {
	"$KEEPCERT" help 2>&1 | grep -q '^  run '
}

keepcert_noop_prepare() {
	local fixture=$1 dir=$1/keepcert n

	# The modes keepcert itself gives the state directory and each certs/NAME.
	mkdir -p -m 700 "$dir/state" "$dir/state/certs" "$dir/state/accounts"
	cp -a "$WORK/counted/keepcert/accounts/." "$dir/state/accounts/"
	{
		echo "directory = $COUNTED_URL"
		echo "ca-bundle = $PEBBLE_CA_BUNDLE"
		echo "state-dir = $dir/state"
		echo "challenge = standalone 127.0.0.1:$PEBBLE_HTTP_PORT"
		echo "key = ec-p256"
		echo "agree-tos = yes"
		for n in $(cat "$fixture/names"); do
			printf '\n[%s]\nnames = %s\n' "$n" "$n"
		done
	} > "$dir/keepcert.conf"
	chmod 600 "$dir/keepcert.conf"
	for n in $(cat "$fixture/names"); do
		mkdir -m 700 "$dir/state/certs/$n"
		mkdir -m 755 "$dir/state/certs/$n/v1"
		ln "$fixture/key.pem" "$dir/state/certs/$n/v1/privkey.pem"
		ln "$fixture/pool/$n.pem" "$dir/state/certs/$n/v1/cert.pem"
		ln "$fixture/ca.pem" "$dir/state/certs/$n/v1/chain.pem"
		ln "$fixture/pool/$n.full.pem" "$dir/state/certs/$n/v1/fullchain.pem"
		ln -s v1 "$dir/state/certs/$n/live"
	done
}

keepcert_noop() {
	timed "$KEEPCERT" -c "$WORK/fixture/keepcert/keepcert.conf" run
}

# --- certbot (Debian's certbot package; trusts Pebble through REQUESTS_CA_BUNDLE)

certbot_dirs() {
	printf '%s\n' --config-dir "$1/config" --work-dir "$1/work" --logs-dir "$1/logs"
}

certbot_certonly() {
	local dirs
	mapfile -t dirs < <(certbot_dirs "$state/certbot")
	timed certbot certonly --non-interactive --standalone --http-01-address 127.0.0.1 \
		--http-01-port "$PEBBLE_HTTP_PORT" --server "$dir_url" --agree-tos \
		--register-unsafely-without-email "${dirs[@]}" "$@"
}

certbot_version() { timed certbot --version; }
certbot_issue_new() { certbot_certonly -d "$name" --key-type ecdsa --elliptic-curve secp256r1; }
certbot_rsa4096() { certbot_certonly -d "rsa-$name" --key-type rsa --rsa-key-size 4096; }

# Run what a cron job runs, forced. The server and port come from the renewal file.
certbot_renew() {
	local dirs
	mapfile -t dirs < <(certbot_dirs "$state/certbot")
	timed certbot renew --non-interactive --no-random-sleep-on-renew --force-renewal \
		--cert-name "$name" "${dirs[@]}"
}

certbot_noop_available() { return 0; }

# certbot's layout: archive/NAME/*1.pem, live/NAME/*.pem linking there, renewal/NAME.conf.
certbot_noop_prepare() {
	local fixture=$1 config=$1/certbot/config account n

	mkdir -p "$config/archive" "$config/live" "$config/renewal"
	cp -a "$WORK/counted/certbot/config/accounts" "$config/"
	account=$(find "$config/accounts" -name regr.json -printf '%h\n' | head -n 1)
	account=${account##*/}
	[ -n "$account" ] || { log "certbot: no account in the counted runs' state"; return 1; }
	for n in $(cat "$fixture/names"); do
		mkdir -p "$config/archive/$n" "$config/live/$n"
		ln "$fixture/key.pem" "$config/archive/$n/privkey1.pem"
		ln "$fixture/pool/$n.pem" "$config/archive/$n/cert1.pem"
		ln "$fixture/ca.pem" "$config/archive/$n/chain1.pem"
		ln "$fixture/pool/$n.full.pem" "$config/archive/$n/fullchain1.pem"
		for f in privkey cert chain fullchain; do
			ln -s "../../archive/$n/${f}1.pem" "$config/live/$n/$f.pem"
		done
		cat > "$config/renewal/$n.conf" <<-EOF
		version = 2.1.0
		archive_dir = $config/archive/$n
		cert = $config/live/$n/cert.pem
		privkey = $config/live/$n/privkey.pem
		chain = $config/live/$n/chain.pem
		fullchain = $config/live/$n/fullchain.pem

		[renewalparams]
		account = $account
		authenticator = standalone
		server = $COUNTED_URL
		key_type = ecdsa
		http01_port = $PEBBLE_HTTP_PORT
		http01_address = 127.0.0.1
		EOF
	done
}

certbot_noop() {
	local dirs
	mapfile -t dirs < <(certbot_dirs "$WORK/fixture/certbot")
	timed certbot renew --non-interactive --no-random-sleep-on-renew "${dirs[@]}"
}

# --- lego (Debian's lego package; trusts Pebble through LEGO_CA_CERTIFICATES)

lego_run() {
	timed lego --server "$dir_url" --path "$state/lego" --accept-tos --email bench@example.org \
		--http --http.port "127.0.0.1:$PEBBLE_HTTP_PORT" "$@"
}

lego_version() { timed lego --version; }
lego_issue_new() { lego_run --domains "$name" --key-type ec256 run; }
lego_renew() { lego_run --domains "$name" --key-type ec256 renew --days 100000 --no-random-sleep; }
lego_rsa4096() { lego_run --domains "rsa-$name" --key-type rsa4096 run; }

lego_noop_available() { return 0; }

# lego renews one certificate per invocation, so a cron job loops over them.
lego_noop_prepare() {
	local fixture=$1 path=$1/lego n

	mkdir -p "$path/certificates"
	cp -a "$WORK/counted/lego/accounts" "$path/"
	for n in $(cat "$fixture/names"); do
		ln "$fixture/key.pem" "$path/certificates/$n.key"
		ln "$fixture/pool/$n.full.pem" "$path/certificates/$n.crt"
		ln "$fixture/ca.pem" "$path/certificates/$n.issuer.crt"
		printf '{"domain": "%s", "certUrl": "", "certStableUrl": ""}\n' "$n" > "$path/certificates/$n.json"
	done
	cat > "$path/noop.sh" <<-EOF
	for n in \$(cat "$fixture/names"); do
		lego --server "$COUNTED_URL" --path "$path" --accept-tos --email bench@example.org \\
			--http --http.port "127.0.0.1:$PEBBLE_HTTP_PORT" --domains "\$n" \\
			renew --days 30 --no-random-sleep || exit 1
	done
	EOF
}

lego_noop() {
	timed sh "$WORK/fixture/lego/noop.sh"
}

# --- uacme (Debian's uacme package; http-01 through bench/uacme-hook.sh and busybox httpd)

uacme_cmd() {
	timed_trusted uacme -a "$dir_url" -c "$state/uacme" "$@"
}

# uacme -V exits 2 after printing the version.
uacme_version() {
	timed uacme -V
	[ $? = 2 ]
}

# uacme makes its account in a separate step; both processes count.
uacme_issue_new() {
	uacme_cmd -t EC -y new || return
	uacme_cmd -t EC -h "$HOOK" issue "$name"
}

uacme_renew() { uacme_cmd -t EC -f -h "$HOOK" issue "$name"; }
uacme_rsa4096() { uacme_cmd -t RSA -b 4096 -h "$HOOK" issue "rsa-$name"; }

uacme_noop_available() { return 0; }

# uacme's layout: private/key.pem (account), NAME/cert.pem, private/NAME/key.pem.
uacme_noop_prepare() {
	local fixture=$1 dir=$1/uacme n

	mkdir -p "$dir/private"
	cp -a "$WORK/counted/uacme/private/key.pem" "$dir/private/key.pem"
	for n in $(cat "$fixture/names"); do
		mkdir -p "$dir/$n" "$dir/private/$n"
		ln "$fixture/pool/$n.full.pem" "$dir/$n/cert.pem"
		ln "$fixture/key.pem" "$dir/private/$n/key.pem"
	done
	# uacme exits 1 when the certificate is still current and was not reissued.
	cat > "$dir/noop.sh" <<-EOF
	for n in \$(cat "$fixture/names"); do
		uacme -a "$COUNTED_URL" -c "$dir" -t EC -h "$HOOK" issue "\$n"
		[ \$? = 1 ] || exit 1
	done
	EOF
}

uacme_noop() {
	timed_trusted sh "$WORK/fixture/uacme/noop.sh"
}

# --- shared

# Install the peers from Debian's packages when they are missing.
peers_install() {
	local missing="" tool
	for tool in certbot lego uacme; do
		command -v "$tool" > /dev/null 2>&1 || missing="$missing $tool"
	done
	[ -n "$missing" ] || return 0
	if [ "$(id -u)" != 0 ] || ! command -v apt-get > /dev/null 2>&1; then
		log "the peers are missing:$missing (on Debian: apt-get install$missing)"
		return 1
	fi
	log "installing$missing"
	apt-get update -qq > /dev/null &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing > /dev/null
}

# make_fixture DIR N: N certificates for cN.bench.test, valid for 90 days
# from now (none due: every client renews with 30 days left), signed by a
# CA of their own, sharing one EC P-256 key. DIR/names lists the names;
# DIR/pool/NAME.pem is the leaf, NAME.full.pem the leaf and the CA.
make_fixture() {
	local dir=$1 count=$2

	mkdir -p "$dir/pool"
	printf '[req]\ndistinguished_name = dn\n[dn]\n' > "$dir/req.cnf"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
		-subj "/CN=keepcert bench CA" -keyout "$dir/ca.key" -out "$dir/ca.pem" -config "$dir/req.cnf" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2> /dev/null || return 1
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/key.pem" 2> /dev/null || return 1
	seq "$count" | sed 's/^/c/; s/$/.bench.test/' > "$dir/names"
	xargs -P 2 -I NAME openssl req -new -x509 -config "$dir/req.cnf" -key "$dir/key.pem" \
		-CA "$dir/ca.pem" -CAkey "$dir/ca.key" -subj /CN=NAME -addext subjectAltName=DNS:NAME \
		-addext basicConstraints=critical,CA:FALSE -days 90 -out "$dir/pool/NAME.pem" \
		< "$dir/names" 2> /dev/null || return 1
	while read -r n; do
		cat "$dir/pool/$n.pem" "$dir/ca.pem" > "$dir/pool/$n.full.pem"
	done < "$dir/names"
}
