# Option and config handling of the one-shot commands, without a CA: the
# config file given with -c supplies the defaults, every usage error exits
# 2 before any network or file work, and messages carry one prefix and keep
# their reason however long the value quoted in them.
. "$TESTS_DIR/lib.sh"

# Nothing listens on these ports, so an attempt to reach the CA names the port it used.
dead=$(free_port)
dead_url=https://127.0.0.1:$dead/dir
offline="--directory $dead_url --state-dir $WORK/state"

# -c FILE: the config's directory and state-dir are used by issue, account, revoke.
cat > "$WORK/k.conf" <<CONF
directory = $dead_url
state-dir = $WORK/cfg-state
ca-bundle = $WORK/none.pem

[c.example]
names = c.example www.c.example
CONF
expect_exit 1 "$KEEPCERT" -c "$WORK/k.conf" issue -d c.example --challenge standalone 127.0.0.1:$(free_port)
expect_match "$WORK/err" "127\.0\.0\.1:$dead/dir"
expect_no_match "$WORK/err" 'letsencrypt'
# The run lock is taken in the state directory before the CA is contacted.
[ -f "$WORK/cfg-state/lock" ] || fail "issue did not use the config's state-dir"
[ ! -e "$WORK/state" ] || fail "issue created the default state-dir although the config names another"
# An account key in the config's state-dir: account show finds it, then
# trusts the config's ca-bundle, which does not exist.
mkdir -p "$WORK/cfg-state/accounts/127.0.0.1_$dead"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	-out "$WORK/cfg-state/accounts/127.0.0.1_$dead/account.key" 2>/dev/null
chmod 600 "$WORK/cfg-state/accounts/127.0.0.1_$dead/account.key"
expect_exit 1 "$KEEPCERT" -c "$WORK/k.conf" account show
expect_match "$WORK/err" "none\.pem: cannot read it"
expect_exit 1 "$KEEPCERT" account show -c "$WORK/k.conf"
expect_match "$WORK/err" "none\.pem: cannot read it"
# An option overrides the config.
expect_exit 1 "$KEEPCERT" -c "$WORK/k.conf" account show --state-dir "$WORK/opt-state"
expect_match "$WORK/err" "$WORK/opt-state/accounts/"
# issue SECTION takes the section's names.
expect_exit 1 "$KEEPCERT" -c "$WORK/k.conf" issue c.example --challenge standalone 127.0.0.1:$(free_port)
expect_match "$WORK/err" "^keepcert: error: c\.example: .*127\.0\.0\.1:$dead"
expect_exit 2 "$KEEPCERT" -c "$WORK/k.conf" issue nosuch.example
expect_match "$WORK/err" "unexpected argument 'nosuch.example'.*section of the config file"

# A missing -c file and a config with an error are usage errors naming the file and line.
expect_exit 2 "$KEEPCERT" -c "$WORK/nonexist.conf" issue -d c.example
expect_match "$WORK/err" "nonexist\.conf"
printf 'directory = %s\nnmaes = x\n' "$dead_url" > "$WORK/bad.conf"
for command in "issue -d c.example" "account show" "revoke c.example" "nginx-snippet" "check c.example"; do
	expect_exit 2 "$KEEPCERT" -c "$WORK/bad.conf" $command
	expect_match "$WORK/err" "bad\.conf:2: key 'nmaes'"
done
# Buypass is known to neither --ca nor the config: one table serves both.
printf 'directory = buypass\n' > "$WORK/buypass.conf"
expect_exit 2 "$KEEPCERT" -c "$WORK/buypass.conf" account show
expect_exit 2 "$KEEPCERT" account show --ca buypass
expect_match "$WORK/err" "letsencrypt, letsencrypt-staging, zerossl, google, google-staging"

# Global options: -c needs a file, -vvv is three -v, '--' ends them.
expect_exit 2 "$KEEPCERT" -c
expect_match "$WORK/err" '^keepcert: error: -c requires a file$'
expect_exit 0 "$KEEPCERT" -vvv version
expect_exit 0 "$KEEPCERT" -- version
expect_match "$WORK/out" '^keepcert '

# Usage errors exit 2, before the state directory is created or the CA is asked.
for bad in "--challenge standalone 0.0.0.0" "--challenge standalone 0.0.0.0:99999" \
	"--challenge tls-alpn 127.0.0.1:0" "--challenge standalone ::1:80" \
	"--directory notaurl" "--directory http://127.0.0.1:$dead/dir" \
	"--eab-hmac-key AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" "--eab-kid kid-1" \
	"-d ::ffff:127.0.0.1" "-d *.c.example --challenge standalone :8402"; do
	expect_exit 2 "$KEEPCERT" issue -d c.example $bad --state-dir "$WORK/never"
	[ ! -e "$WORK/never" ] || fail "issue $bad created the state directory"
done
expect_exit 2 "$KEEPCERT" issue -d c.example --challenge standalone 0.0.0.0:99999
expect_match "$WORK/err" 'port 99999 is out of range 1-65535'
expect_exit 2 "$KEEPCERT" issue -d c.example --eab-hmac-key AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA $offline
expect_match "$WORK/err" '--eab-hmac-key needs --eab-kid'
expect_exit 2 "$KEEPCERT" account register --eab-kid kid-1 $offline
expect_match "$WORK/err" '--eab-kid needs --eab-hmac-key'
expect_exit 2 "$KEEPCERT" issue -d ::ffff:127.0.0.1 $offline
expect_match "$WORK/err" 'give its IPv4 form 127\.0\.0\.1'
expect_exit 2 "$KEEPCERT" fetch notaurl
expect_exit 2 "$KEEPCERT" fetch -X '' "http://127.0.0.1:$dead/"
expect_match "$WORK/err" "-X '' is not a request method"
expect_exit 2 "$KEEPCERT" fetch "https://user:pw@127.0.0.1:$dead/"
expect_match "$WORK/err" 'user names and passwords in URLs are not supported'

# account update without --contact would delete every contact: refused; --contact none says so.
expect_exit 2 "$KEEPCERT" account update $offline
expect_match "$WORK/err" '--contact none'
expect_exit 2 "$KEEPCERT" account update --contact none --contact mailto:a@c.example $offline

# revoke takes the RFC 5280 reason names; the help no longer offers account-creation options.
expect_exit 1 "$KEEPCERT" revoke "$WORK/none.pem" --reason keyCompromise $offline
expect_exit 2 "$KEEPCERT" revoke "$WORK/none.pem" --reason privilegeWithdrawn $offline
expect_exit 0 "$KEEPCERT" help revoke
expect_no_match "$WORK/out" 'agree-tos|eab-kid|--contact'

# One prefix per message, whichever layer names the command.
expect_exit 2 "$KEEPCERT" issue -d
expect_match "$WORK/err" '^keepcert: error: issue: option -d requires a value$'
expect_exit 2 "$KEEPCERT" account --frobnicate
expect_match "$WORK/err" '^keepcert: error: account: unknown option --frobnicate'
expect_exit 1 "$KEEPCERT" check --challenge standalone "127.0.0.1:$dead" a..b.example --state-dir "$WORK/state"
expect_match "$WORK/out" '^a\.\.b\.example: FAILED: empty label'
expect_exit 1 "$KEEPCERT" -c "$WORK/k.conf" issue c.example --challenge standalone "127.0.0.1:$(free_port)"
expect_no_match "$WORK/err" 'c\.example: c\.example:'

# A long value is shortened in the message, so the reason after it survives.
long=$(printf 'a%.0s' $(seq 2000))
expect_exit 2 "$KEEPCERT" issue -d "$long" $offline
expect_match "$WORK/err" '\.\.\.: name longer than 253 characters$'

# install names the missing directory, not a temporary file.
printf 'state-dir = %s/inst-state\n' "$WORK" > "$WORK/inst.conf"
expect_exit 1 "$KEEPCERT" -c "$WORK/inst.conf" install systemd -w --dir "$WORK/nonexist"
expect_match "$WORK/err" "cannot create a file in $WORK/nonexist:"
expect_no_match "$WORK/err" '\.tmp\.'

# A state directory others can write is refused before anything is done in it.
mkdir -m 777 "$WORK/open-state"
chmod 777 "$WORK/open-state"
expect_exit 2 "$KEEPCERT" issue -d c.example --directory "$dead_url" --state-dir "$WORK/open-state"
expect_match "$WORK/err" "state directory $WORK/open-state is writable by group or others \(mode 0777\).*chmod 0700"
[ ! -e "$WORK/open-state/lock" ] || fail "issue used a world-writable state directory"
