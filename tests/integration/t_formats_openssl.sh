# Cross-check keys, CSRs, JWS signatures and certificate fields with openssl
# as the independent implementation, through the test-only kc-tool.
. "$TESTS_DIR/lib.sh"

KC=${KC_TOOL:-$(dirname "$KEEPCERT")/build/kc-tool}
[ -x "$KC" ] || fail "$KC: no kc-tool; run 'make build/kc-tool' (make test-integration builds it)"
checks=0
pass() { checks=$((checks + 1)); }

# A small python3 helper: thumbprints from openssl's DER, JWKs from openssl's
# key text, and JWS parts as files openssl dgst can verify.
cat > "$WORK/helper.py" <<'PY'
import base64, hashlib, json, re, subprocess, sys

def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

def unb64u(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))

def der_read(buf, pos):
    tag = buf[pos]; length = buf[pos + 1]; pos += 2
    if length & 0x80:
        n = length & 0x7f
        length = int.from_bytes(buf[pos:pos + n], "big"); pos += n
    return tag, buf[pos:pos + length], pos + length

def der_int(i):
    b = i.to_bytes((i.bit_length() + 8) // 8 or 1, "big")
    return b"\x02" + der_len(len(b)) + b

def der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b

def thumbprint(spki_path):
    """RFC 7638 thumbprint from an openssl SubjectPublicKeyInfo DER file."""
    spki = open(spki_path, "rb").read()
    _, body, _ = der_read(spki, 0)
    _, alg, pos = der_read(body, 0)
    _, bits, _ = der_read(body, pos)
    key = bits[1:]
    if b"\x2a\x86\x48\xce\x3d\x02\x01" in alg:
        half = (len(key) - 1) // 2
        crv = "P-256" if half == 32 else "P-384"
        jwk = '{"crv":"%s","kty":"EC","x":"%s","y":"%s"}' % (crv, b64u(key[1:1 + half]), b64u(key[1 + half:]))
    else:
        _, seq, _ = der_read(key, 0)
        _, n, pos = der_read(seq, 0)
        _, e, _ = der_read(seq, pos)
        jwk = '{"e":"%s","kty":"RSA","n":"%s"}' % (b64u(e.lstrip(b"\0")), b64u(n.lstrip(b"\0")))
    print(b64u(hashlib.sha256(jwk.encode()).digest()))

def field_bytes(text, name):
    m = re.search(r"^%s:?\s*\n((?:\s+[0-9a-f:]+\n)+)" % name, text, re.M)
    return bytes.fromhex(re.sub(r"[\s:]", "", m.group(1)))

def jwk(key_path):
    """A private JWK, as certbot stores it, from openssl's text dump of the key."""
    text = subprocess.run(["openssl", "pkey", "-in", key_path, "-noout", "-text"],
                          capture_output=True, text=True, check=True).stdout
    if "ASN1 OID" in text:
        size = 48 if "secp384r1" in text else 32
        crv = "P-384" if size == 48 else "P-256"
        priv = field_bytes(text, "priv").rjust(size, b"\0")[-size:]
        pub = field_bytes(text, "pub")
        out = {"kty": "EC", "crv": crv, "d": b64u(priv), "x": b64u(pub[1:1 + size]), "y": b64u(pub[1 + size:])}
    else:
        e = int(re.search(r"publicExponent: (\d+)", text).group(1))
        names = [("n", "modulus"), ("d", "privateExponent"), ("p", "prime1"), ("q", "prime2"),
                 ("dp", "exponent1"), ("dq", "exponent2"), ("qi", "coefficient")]
        out = {"kty": "RSA", "e": b64u(e.to_bytes(3, "big"))}
        for jname, oname in names:
            out[jname] = b64u(field_bytes(text, oname).lstrip(b"\0"))
    print(json.dumps(out, indent=2))

def jws(path, outdir):
    """Split a flattened JWS into the signing input and a DER signature for openssl dgst."""
    doc = json.load(open(path))
    assert list(doc) == ["protected", "payload", "signature"], list(doc)
    open(outdir + "/input", "w").write(doc["protected"] + "." + doc["payload"])
    open(outdir + "/protected", "wb").write(unb64u(doc["protected"]))
    open(outdir + "/payload", "wb").write(unb64u(doc["payload"]))
    sig = unb64u(doc["signature"])
    header = json.loads(unb64u(doc["protected"]))
    if header["alg"].startswith("ES"):
        half = len(sig) // 2
        body = der_int(int.from_bytes(sig[:half], "big")) + der_int(int.from_bytes(sig[half:], "big"))
        sig = b"\x30" + der_len(len(body)) + body
    open(outdir + "/sig", "wb").write(sig)
    print(header["alg"], len(unb64u(doc["signature"])))

def ari(aki_hex, serial_hex):
    """RFC 9773 certID from the hex that openssl prints."""
    aki = bytes.fromhex(aki_hex.replace(":", ""))
    serial = bytes.fromhex(serial_hex if len(serial_hex) % 2 == 0 else "0" + serial_hex)
    if serial[0] & 0x80:
        serial = b"\0" + serial
    print(b64u(aki) + "." + b64u(serial))

globals()[sys.argv[1]](*sys.argv[2:])
PY
py() { python3 "$WORK/helper.py" "$@"; }

# Compare the public key kc-tool reads from KEY with openssl's, and the thumbprints.
same_public_key() {
	local key=$1 ours theirs
	openssl pkey -in "$key" -pubout -outform DER -out "$WORK/spki.der" 2>"$WORK/err" ||
		{ cat "$WORK/err"; fail "openssl cannot read $key"; }
	theirs=$(od -An -v -tx1 "$WORK/spki.der" | tr -d ' \n')
	ours=$("$KC" spki "$key") || fail "kc-tool cannot read $key"
	[ "$ours" = "$theirs" ] || fail "$key: public key differs from openssl's"
	pass
	[ "$("$KC" thumbprint "$key")" = "$(py thumbprint "$WORK/spki.der")" ] ||
		fail "$key: thumbprint differs from the one computed from openssl's key"
	pass
}

# ---- our keys load in openssl ----
for type in ec-p256 ec-p384 rsa-2048 rsa-3072 rsa-4096; do
	"$KC" keygen "$type" "$WORK/ours-$type.pem" || fail "keygen $type"
	[ "$(stat -c %a "$WORK/ours-$type.pem")" = 600 ] || fail "ours-$type.pem is not mode 600"
	head -1 "$WORK/ours-$type.pem" | grep -qx -- '-----BEGIN PRIVATE KEY-----' || fail "$type: not PKCS#8 PEM"
	# -check also tests, for RSA, that d and the CRT parts agree with n and e.
	openssl pkey -in "$WORK/ours-$type.pem" -check -noout > "$WORK/check" 2>&1 ||
		{ cat "$WORK/check"; fail "openssl rejects our $type key"; }
	pass
	same_public_key "$WORK/ours-$type.pem"
done
expect_exit 1 "$KC" keygen ec-p256 "$WORK/ours-ec-p256.pem"
expect_match "$WORK/err" 'cannot create'
pass

# ---- openssl's keys load in ours: PKCS#8, SEC1, PKCS#1, and as a certbot-style JWK ----
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WORK/p8-p256.pem" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$WORK/p8-p384.pem" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$WORK/p8-rsa.pem" 2>/dev/null
openssl ecparam -name prime256v1 -genkey -out "$WORK/sec1-p256.pem"
openssl ec -in "$WORK/p8-p384.pem" -out "$WORK/sec1-p384.pem" 2>/dev/null
openssl rsa -in "$WORK/p8-rsa.pem" -traditional -out "$WORK/pkcs1-rsa.pem" 2>/dev/null
grep -q 'BEGIN EC PARAMETERS' "$WORK/sec1-p256.pem" || fail "openssl ecparam wrote no EC PARAMETERS block"
grep -q 'BEGIN EC PRIVATE KEY' "$WORK/sec1-p384.pem" || fail "openssl ec did not write SEC1"
grep -q 'BEGIN RSA PRIVATE KEY' "$WORK/pkcs1-rsa.pem" || fail "openssl rsa did not write PKCS#1"
for key in p8-p256 p8-p384 p8-rsa sec1-p256 sec1-p384 pkcs1-rsa; do
	same_public_key "$WORK/$key.pem"

	# Our PKCS#8 rewrite of it is the same key to openssl, and a valid one.
	"$KC" topem "$WORK/$key.pem" > "$WORK/$key-rewritten.pem" || fail "topem $key"
	openssl pkey -in "$WORK/$key-rewritten.pem" -check -noout > "$WORK/check" 2>&1 ||
		{ cat "$WORK/check"; fail "openssl rejects our rewrite of $key"; }
	openssl pkey -in "$WORK/$key-rewritten.pem" -pubout -outform DER -out "$WORK/rewritten.der"
	cmp -s "$WORK/rewritten.der" "$WORK/spki.der" || fail "$key: our PKCS#8 rewrite changed the key"
	pass

	py jwk "$WORK/$key.pem" > "$WORK/$key.jwk" || fail "cannot make a JWK of $key"
	[ "$("$KC" spki "$WORK/$key.jwk")" = "$("$KC" spki "$WORK/$key.pem")" ] ||
		fail "$key: the JWK form gives another public key"
	pass
done

# ---- CSRs: openssl verifies the signature and shows the same names ----
for key in ours-ec-p256 ours-ec-p384 ours-rsa-2048; do
	case $key in
	*p256) alg=ecdsa-with-SHA256 ;;
	*p384) alg=ecdsa-with-SHA384 ;;
	*) alg=sha256WithRSAEncryption ;;
	esac
	"$KC" csr "$WORK/$key.pem" WWW.example.org '*.example.org' 192.0.2.10 2001:db8::a > "$WORK/$key.csr" ||
		fail "csr $key"
	openssl req -in "$WORK/$key.csr" -verify -noout 2>"$WORK/verify" || { cat "$WORK/verify"; fail "$key: CSR signature"; }
	expect_match "$WORK/verify" 'verify OK'
	openssl req -in "$WORK/$key.csr" -noout -text > "$WORK/csr.txt"
	expect_match "$WORK/csr.txt" 'Subject: CN ?= ?www\.example\.org$'
	expect_match "$WORK/csr.txt" '^ +DNS:www\.example\.org, DNS:\*\.example\.org, IP Address:192\.0\.2\.10, IP Address:2001:DB8:0:0:0:0:0:A$'
	expect_match "$WORK/csr.txt" "Signature Algorithm: $alg"
	openssl req -in "$WORK/$key.csr" -noout -pubkey | openssl pkey -pubin -outform DER -out "$WORK/csr-key.der"
	openssl pkey -in "$WORK/$key.pem" -pubout -outform DER -out "$WORK/key.der"
	cmp -s "$WORK/csr-key.der" "$WORK/key.der" || fail "$key: the CSR holds another public key"
	checks=$((checks + 5))
done

# An IP literal alone: no subject CN, the address in the SAN.
"$KC" csr "$WORK/ours-ec-p256.pem" 192.0.2.11 > "$WORK/ip.csr" || fail "csr for an IP"
openssl req -in "$WORK/ip.csr" -verify -noout -text > "$WORK/csr.txt" 2>&1
expect_match "$WORK/csr.txt" 'verify OK'
expect_match "$WORK/csr.txt" 'Subject: *$'
expect_match "$WORK/csr.txt" '^ +IP Address:192\.0\.2\.11$'
checks=$((checks + 3))

# ---- JWS: openssl verifies ES256, ES384 and RS256 signatures ----
for key in ours-ec-p256 ours-ec-p384 ours-rsa-2048 sec1-p384 pkcs1-rsa; do
	"$KC" jws "$WORK/$key.pem" https://ca.example/new-order nonce-abc '{"identifiers":[]}' > "$WORK/jws.json" ||
		fail "jws $key"
	mkdir -p "$WORK/jws-$key"
	read -r alg siglen < <(py jws "$WORK/jws.json" "$WORK/jws-$key") || fail "$key: malformed JWS"
	case $alg in
	ES256) digest=-sha256 want=64 ;;
	ES384) digest=-sha384 want=96 ;;
	RS256) digest=-sha256 want=256 ;;
	*) fail "$key: unexpected alg $alg" ;;
	esac
	[ "$siglen" = "$want" ] || fail "$key: $alg signature is $siglen bytes, expected $want"
	openssl pkey -in "$WORK/$key.pem" -pubout -out "$WORK/pub.pem"
	openssl dgst "$digest" -verify "$WORK/pub.pem" -signature "$WORK/jws-$key/sig" "$WORK/jws-$key/input" \
		> "$WORK/dgst" 2>&1 || { cat "$WORK/dgst"; fail "$key: openssl rejects our $alg signature"; }
	grep -q '"nonce":"nonce-abc","url":"https://ca.example/new-order"}$' "$WORK/jws-$key/protected" ||
		fail "$key: protected header $(cat "$WORK/jws-$key/protected")"
	[ "$(cat "$WORK/jws-$key/payload")" = '{"identifiers":[]}' ] || fail "$key: payload changed"
	checks=$((checks + 4))
done

# ---- certificates made by openssl: our fields equal what openssl prints ----
cat > "$WORK/ca.cnf" <<'CNF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = Test CA One
[ext]
basicConstraints = critical,CA:true
subjectKeyIdentifier = hash
CNF
cat > "$WORK/leaf.cnf" <<'CNF'
[ext]
authorityKeyIdentifier = keyid:always
subjectAltName = DNS:mail.example.net, DNS:*.example.net, IP:198.51.100.4, IP:2001:db8:1::20
CNF
openssl req -new -x509 -key "$WORK/p8-p384.pem" -config "$WORK/ca.cnf" -extensions ext -days 3650 \
	-out "$WORK/ca.pem" 2>/dev/null || fail "openssl could not make the CA"

# Serials with the top bit set need a leading zero byte in DER; 10000 days ends after 2049,
# so notAfter is a GeneralizedTime there and a UTCTime in the 90-day certificate.
n=0
for spec in "0x80a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3 10000" "0x7f 90" "0x00ff 30"; do
	set -- $spec
	n=$((n + 1))
	openssl req -new -key "$WORK/p8-rsa.pem" -subj "/CN=mail.example.net" -out "$WORK/leaf$n.csr"
	openssl x509 -req -in "$WORK/leaf$n.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/p8-p384.pem" -set_serial "$1" \
		-days "$2" -extfile "$WORK/leaf.cnf" -extensions ext -out "$WORK/leaf$n.pem" 2>/dev/null ||
		fail "openssl could not sign leaf $n"
	cat "$WORK/leaf$n.pem" "$WORK/ca.pem" > "$WORK/full$n.pem"
	"$KC" cert "$WORK/full$n.pem" > "$WORK/fields" || fail "kc-tool cannot read leaf $n"

	serial=$(openssl x509 -in "$WORK/leaf$n.pem" -noout -serial | sed 's/^serial=//' | tr 'A-F' 'a-f')
	[ $(( ${#serial} % 2 )) = 0 ] || serial=0$serial
	case $serial in [89a-f]*) serial=00$serial ;; esac
	expect_match "$WORK/fields" "^serial $serial\$"
	start=$(date -u -d "$(openssl x509 -in "$WORK/leaf$n.pem" -noout -startdate | cut -d= -f2)" +%s)
	end=$(date -u -d "$(openssl x509 -in "$WORK/leaf$n.pem" -noout -enddate | cut -d= -f2)" +%s)
	expect_match "$WORK/fields" "^not_before $start\$"
	expect_match "$WORK/fields" "^not_after $end\$"
	expect_match "$WORK/fields" '^certificates 2$'
	expect_match "$WORK/fields" '^subject_cn mail\.example\.net$'
	expect_match "$WORK/fields" '^issuer_cn Test CA One$'
	grep '^name ' "$WORK/fields" | tr '\n' ' ' > "$WORK/names"
	[ "$(cat "$WORK/names")" = "name mail.example.net name *.example.net name 198.51.100.4 name 2001:db8:1::20 " ] ||
		fail "leaf $n names: $(cat "$WORK/names")"
	aki=$(openssl x509 -in "$WORK/leaf$n.pem" -noout -ext authorityKeyIdentifier | sed -n '2p' |
		sed 's/^ *//; s/^keyid://' | tr 'A-F' 'a-f')
	expect_match "$WORK/fields" "^aki $(echo "$aki" | tr -d ':')\$"
	expect_match "$WORK/fields" "^ari $(py ari "$aki" "$(openssl x509 -in "$WORK/leaf$n.pem" -noout -serial | cut -d= -f2)")\$"
	"$KC" match "$WORK/leaf$n.pem" "$WORK/p8-rsa.pem" || fail "leaf $n does not match its key"
	expect_exit 3 "$KC" match "$WORK/leaf$n.pem" "$WORK/p8-p256.pem"
	checks=$((checks + 11))
done

# The time forms really differ: openssl's own parse shows which one each leaf has.
openssl asn1parse -in "$WORK/leaf1.pem" | grep -q GENERALIZEDTIME || fail "leaf 1 has no GeneralizedTime"
openssl asn1parse -in "$WORK/leaf2.pem" | grep -q GENERALIZEDTIME && fail "leaf 2 has a GeneralizedTime"
pass

echo "$checks checks against openssl passed"
