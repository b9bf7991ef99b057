#!/bin/sh
# Regenerate the certificate fixtures that test_cert.c reads. The expected
# values in test_cert.c come from `openssl x509 -noout -text` on these files,
# so rerunning this script means updating them too.
#
# ca.pem has subjectKeyIdentifier 69:88:5b:...:d4 and leaf.pem has serial
# 0x87654321, the values of the certID example in RFC 9773 section 4.1, so
# the leaf's certID is aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE. The leaf is
# valid for 10000 days, so notBefore is a UTCTime and notAfter (after 2049)
# a GeneralizedTime (RFC 5280 section 4.1.2.5).
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/ca-key.pem"
cat > "$tmp/ca.cnf" <<'CNF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = keepcert test CA
[ext]
basicConstraints = critical,CA:true
subjectKeyIdentifier = 69:88:5B:6B:87:46:40:41:E1:B3:7B:84:7B:A0:AE:2C:DE:01:C8:D4
CNF
openssl req -new -x509 -key "$tmp/ca-key.pem" -config "$tmp/ca.cnf" -extensions ext \
	-days 20000 -set_serial 1 -out ca.pem

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out leaf-key.pem
cat > "$tmp/leaf.cnf" <<'CNF'
[ext]
basicConstraints = CA:false
authorityKeyIdentifier = keyid:always
subjectAltName = DNS:www.example.org, DNS:*.example.org, IP:192.0.2.7, IP:2001:db8::7
CNF
openssl req -new -key leaf-key.pem -subj /CN=www.example.org -out "$tmp/leaf.csr"
openssl x509 -req -in "$tmp/leaf.csr" -CA ca.pem -CAkey "$tmp/ca-key.pem" \
	-set_serial 0x87654321 -days 10000 -extfile "$tmp/leaf.cnf" -extensions ext -out leaf.pem
cat leaf.pem ca.pem > chain.pem
