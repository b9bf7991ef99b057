# Notices through a real mail program: keepcert's failure mail, piped into
# `msmtp -t`, reaches an SMTP server of the test's own with its recipient
# taken from the To: header, its subject, and the certificate's name.
. "$TESTS_DIR/lib.sh"

command -v msmtp >/dev/null 2>&1 || fail "msmtp is missing; tests/deps.sh installs it"

port=$(free_port)
mkdir -p "$WORK/mail"
start_bg smtp python3 "$TESTS_DIR/../mock/smtp_sink.py" --port "$port" --dir "$WORK/mail"
wait_port "$port"

# msmtp rejects a config file that others can read.
cat > "$WORK/msmtprc" <<CONF
defaults
auth off
tls off
account default
host 127.0.0.1
port $port
from keepcert@host.test
CONF
chmod 600 "$WORK/msmtprc"

# Nothing listens at the CA's address, so the run fails and must send a failure notice.
cat > "$WORK/keepcert.conf" <<CONF
directory = https://127.0.0.1:$(free_port)/dir
state-dir = $WORK/state
self-check = no
contact = mailto:admin@example.org
agree-tos = yes
notify = msmtp -C $WORK/msmtprc -t
timeout = 5

[mail.test]
challenge = standalone 127.0.0.1:$(free_port)
CONF

expect_exit 1 "$KEEPCERT" -c "$WORK/keepcert.conf" run
expect_match "$WORK/err" 'mail\.test: '
expect_no_match "$WORK/err" 'notify|msmtp'

mail=$(ls "$WORK/mail"/*.eml 2>/dev/null | head -n 1)
[ -n "$mail" ] || fail "no mail reached the SMTP server"
expect_match "$mail" '^X-Envelope-To: <admin@example\.org>'
expect_match "$mail" '^To: admin@example\.org'
expect_match "$mail" '^Subject: .*mail\.test'
expect_match "$mail" 'mail\.test'
expect_match "$mail" '127\.0\.0\.1'
