# A throw-away PKI for the TLS tests, made with openssl in $WORK/pki:
#	pki_ca NAME SUBJECT			self-signed root NAME.crt/NAME.key
#	pki_sign NAME ISSUER EXT START END SAN	NAME.crt signed by ISSUER, EXT = ca or leaf
# START and END are openssl dates (YYYYMMDDHHMMSSZ); SAN is for leaves only.
# Keys are ECDSA P-256, or RSA 2048 when PKI_KEY=rsa.
PKI=$WORK/pki
mkdir -p "$PKI/newcerts"
: > "$PKI/index.txt"
echo 1000 > "$PKI/serial"
cat > "$PKI/ca.cnf" <<CNF
[ ca ]
default_ca = signing
[ signing ]
dir = $PKI
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
default_md = sha256
policy = any_name
unique_subject = no
email_in_dn = no
[ any_name ]
commonName = supplied
[ ca_ext ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ leaf_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = \$ENV::SAN
CNF

pki_ca() {
	local name=$1 subject=$2
	openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/$name.key" 2>/dev/null
	openssl req -x509 -new -key "$PKI/$name.key" -subj "$subject" -days 3650 -sha256 \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
		-out "$PKI/$name.crt" 2>/dev/null || fail "openssl could not make the root $name"
}

pki_sign() {
	local name=$1 issuer=$2 ext=$3 start=$4 end=$5 san=${6:-DNS:unused}
	if [ "${PKI_KEY:-ec}" = rsa ]; then
		openssl genrsa -out "$PKI/$name.key" 2048 2>/dev/null
	else
		openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/$name.key" 2>/dev/null
	fi
	openssl req -new -key "$PKI/$name.key" -subj "/CN=$name" -out "$PKI/$name.csr" 2>/dev/null
	SAN=$san openssl ca -batch -notext -config "$PKI/ca.cnf" -cert "$PKI/$issuer.crt" \
		-keyfile "$PKI/$issuer.key" -in "$PKI/$name.csr" -out "$PKI/$name.crt" \
		-startdate "$start" -enddate "$end" -extensions "${ext}_ext" >/dev/null 2>&1 ||
		fail "openssl could not sign $name"
}
