#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <unistd.h>

#include <bearssl.h>

#include "asn1.h"
#include "cert.h"
#include "config.h"
#include "challenge.h"
#include "challenge_alpn.h"
#include "challenge_dns.h"
#include "challenge_http.h"
#include "log.h"
#include "unit.h"

#define TOKEN "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA"
#define KEY_AUTH TOKEN ".9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI"

static const char *
names_of(const char *a, const char *b, const char **list)
{
	list[0] = a;
	list[1] = b;
	return a;
}

TEST(challenge_spec_modes)
{
	struct challenge_spec spec;

	challenge_spec_init(&spec);
	CHECK_INT(spec.type, CHALLENGE_HTTP_STATELESS);
	CHECK_INT(spec.self_check, 1);
	CHECK_INT(challenge_spec_set(&spec, "webroot", "/var/www/acme"), 0);
	CHECK_INT(spec.type, CHALLENGE_WEBROOT);
	CHECK_STR(spec.arg, "/var/www/acme");
	CHECK_INT(challenge_spec_set(&spec, "http-stateless", "ignored"), 0);
	CHECK(spec.arg == NULL);
	CHECK_INT(challenge_spec_set(&spec, "tls-alpn", "127.0.0.1:8443"), 0);
	CHECK_STR(challenge_acme_type(spec.type), "tls-alpn-01");
	CHECK_INT(challenge_spec_set(&spec, "dns-hook", NULL), -1);
	CHECK(strstr(error_text(), "dns-hook needs PROGRAM") != NULL);
	CHECK_INT(challenge_spec_set(&spec, "http-01", NULL), -1);
	CHECK(strstr(error_text(), "challenge 'http-01' is unknown") != NULL);
}

TEST(challenge_wildcard_needs_dns)
{
	struct challenge_spec spec;
	const char *names[2];

	challenge_spec_init(&spec);
	names_of("example.org", "*.example.org", names);
	CHECK_INT(challenge_check_names(&spec, names, 2), -1);
	CHECK(strstr(error_text(), "*.example.org is a wildcard name") != NULL);
	CHECK(strstr(error_text(), "dns-hook") != NULL);
	CHECK_INT(challenge_spec_set(&spec, "dns-hook", "/bin/true"), 0);
	CHECK_INT(challenge_check_names(&spec, names, 2), 0);
	names_of("192.0.2.1", "example.org", names);
	CHECK_INT(challenge_check_names(&spec, names, 2), -1);
	CHECK(strstr(error_text(), "192.0.2.1 is an IP address") != NULL);
}

TEST(challenge_spec_from_config_keys)
{
	static const char text[] =
	    "self-check = no\n"
	    "[a.example.org]\n"
	    "challenge = webroot /var/www/acme\n"
	    "[b.example.org]\n"
	    "self-check = yes\n"
	    "self-check-addr = 127.0.0.1:8080\n";
	struct config config;
	struct challenge_spec spec;

	if (!CHECK_INT(config_parse(text, strlen(text), "test.conf", &config), 0))
		return;
	challenge_spec_from_config(&spec, &config.certs[0].settings);
	CHECK_INT(spec.type, CHALLENGE_WEBROOT);
	CHECK_STR(spec.arg, "/var/www/acme");
	CHECK_INT(spec.self_check, 0);
	CHECK(spec.self_check_addr == NULL);
	challenge_spec_from_config(&spec, &config.certs[1].settings);
	CHECK_INT(spec.type, CHALLENGE_HTTP_STATELESS);
	CHECK_INT(spec.self_check, 1);
	CHECK_STR(spec.self_check_addr, "127.0.0.1:8080");
	config_free(&config);

	CHECK_INT(config_parse("self-check-addr = nowhere\n", 25, "test.conf", &config), -1);
	CHECK(strstr(error_text(), "self-check-addr") != NULL);
}

TEST(config_wildcard_needs_dns_hook)
{
	static const char http[] = "[example.org]\nnames = example.org *.example.org\n";
	static const char dns[] = "challenge = dns-hook /usr/local/bin/dns\n"
	    "[example.org]\nnames = example.org *.example.org\n";
	struct config config;

	CHECK_INT(config_parse(http, strlen(http), "test.conf", &config), -1);
	CHECK_STR(error_text(), "test.conf:1: section [example.org]: *.example.org is a wildcard name, which "
	    "only dns-01 can validate, but the challenge is http-stateless; set 'challenge = dns-hook "
	    "PROGRAM' in this section");
	if (CHECK_INT(config_parse(dns, strlen(dns), "test.conf", &config), 0))
		config_free(&config);
}

TEST(dns01_record_names)
{
	char name[300];

	CHECK_INT(dns01_record_name("example.org", name, sizeof(name)), 0);
	CHECK_STR(name, "_acme-challenge.example.org");
	CHECK_INT(dns01_record_name("*.example.org", name, sizeof(name)), 0);
	CHECK_STR(name, "_acme-challenge.example.org");
	CHECK_INT(dns01_record_name("example.org", name, 10), -1);
}

/* A fresh directory under the unit test scratch directory. */
static int
open_fresh_dir(const char *leaf, char *path, size_t cap)
{
	snprintf(path, cap, "%s/%s", unit_tmpdir(), leaf);
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return -1;
	return open(path, O_RDONLY | O_DIRECTORY);
}

TEST(webroot_writes_readable_files)
{
	char dir[256], path[512], text[256];
	struct stat st;
	int dir_fd, fd, n;

	dir_fd = open_fresh_dir("webroot", dir, sizeof(dir));
	CHECK(dir_fd >= 0);
	fd = http01_webroot_open(dir_fd, dir);
	CHECK(fd >= 0);
	CHECK_INT(http01_webroot_write(fd, dir, TOKEN, KEY_AUTH), 0);
	/* A second write, as after a crashed run, replaces the file. */
	CHECK_INT(http01_webroot_write(fd, dir, TOKEN, KEY_AUTH), 0);

	snprintf(path, sizeof(path), "%s/.well-known/acme-challenge", dir);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 07777, 0755);
	snprintf(path, sizeof(path), "%s/.well-known/acme-challenge/%s", dir, TOKEN);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 07777, 0644);
	n = open(path, O_RDONLY);
	CHECK(n >= 0);
	memset(text, 0, sizeof(text));
	CHECK_INT(read(n, text, sizeof(text) - 1), (long long)strlen(KEY_AUTH));
	CHECK_STR(text, KEY_AUTH);
	close(n);

	CHECK_INT(http01_webroot_write(fd, dir, "../escape", KEY_AUTH), -1);
	close(fd);
	close(dir_fd);
}

TEST(webroot_follows_no_symlink)
{
	char dir[256], target[256], path[512], text[64];
	int dir_fd, fd, n;

	/* .well-known as a link to elsewhere is refused. */
	dir_fd = open_fresh_dir("linked", dir, sizeof(dir));
	CHECK(dir_fd >= 0);
	snprintf(target, sizeof(target), "%s/elsewhere", unit_tmpdir());
	CHECK_INT(mkdir(target, 0700), 0);
	snprintf(path, sizeof(path), "%s/.well-known", dir);
	CHECK_INT(symlink(target, path), 0);
	CHECK_INT(http01_webroot_open(dir_fd, dir), -1);
	CHECK(strstr(error_text(), "not a symbolic link") != NULL);
	close(dir_fd);

	/* A link planted at the token's name is replaced, and its target left alone. */
	dir_fd = open_fresh_dir("planted", dir, sizeof(dir));
	fd = http01_webroot_open(dir_fd, dir);
	CHECK(fd >= 0);
	snprintf(target, sizeof(target), "%s/victim", unit_tmpdir());
	n = open(target, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK_INT(write(n, "keep", 4), 4);
	close(n);
	snprintf(path, sizeof(path), "%s/.well-known/acme-challenge/%s", dir, TOKEN);
	CHECK_INT(symlink(target, path), 0);
	CHECK_INT(http01_webroot_write(fd, dir, TOKEN, KEY_AUTH), 0);
	n = open(target, O_RDONLY);
	memset(text, 0, sizeof(text));
	CHECK_INT(read(n, text, sizeof(text) - 1), 4);
	CHECK_STR(text, "keep");
	close(n);
	close(fd);
	close(dir_fd);
}

static void
sha256(const char *text, unsigned char out[32])
{
	br_sha256_context sha;

	br_sha256_init(&sha);
	br_sha256_update(&sha, text, strlen(text));
	br_sha256_out(&sha, out);
}

/* Check the self-signature of the DER certificate with the EC public key of K. */
static int
signature_valid(const struct buf *der, const struct key *k)
{
	struct asn1 in = { (const unsigned char *)der->data, der->len }, inner;
	struct asn1_elem cert, tbs, alg, sig;
	unsigned char hash[32];
	br_sha256_context sha;

	if (asn1_expect(&in, ASN1_SEQUENCE, &cert) != ASN1_OK)
		return 0;
	asn1_enter(&cert, &inner);
	if (asn1_expect(&inner, ASN1_SEQUENCE, &tbs) != ASN1_OK ||
	    asn1_expect(&inner, ASN1_SEQUENCE, &alg) != ASN1_OK ||
	    asn1_expect(&inner, ASN1_BIT_STRING, &sig) != ASN1_OK || sig.len < 2)
		return 0;
	br_sha256_init(&sha);
	br_sha256_update(&sha, tbs.raw, tbs.raw_len);
	br_sha256_out(&sha, hash);
	return br_ecdsa_vrfy_asn1_get_default()(br_ec_get_default(), hash, sizeof(hash), &k->ec_pub,
	    sig.data + 1, sig.len - 1) == 1;
}

TEST(alpn_certificate_fields)
{
	static struct cert_info info;
	static struct key key;
	struct buf der = { 0 };
	unsigned char digest[32];
	/* acmeIdentifier: OID, critical TRUE, OCTET STRING { OCTET STRING (32 bytes) } (RFC 8737 section 3) */
	unsigned char ext[2 + 8 + 3 + 4 + 32] = { 0x06, 0x08 };
	long long now = 1767225600;	/* 2026-01-01T00:00:00Z */

	sha256(KEY_AUTH, digest);
	memcpy(ext + 2, OID_ACME_IDENTIFIER, 8);
	memcpy(ext + 10, "\x01\x01\xff\x04\x22\x04\x20", 7);
	memcpy(ext + 17, digest, 32);

	CHECK_INT(key_generate(&key, KEY_EC_P256), 0);
	CHECK_INT(alpn01_certificate("a.example.org", digest, &key, now, &der), 0);
	CHECK(!der.failed);
	CHECK_INT(cert_parse((const unsigned char *)der.data, der.len, &info), 0);
	CHECK_INT(info.name_count, 1);
	CHECK_STR(info.names[0], "a.example.org");
	CHECK_STR(info.subject_cn, "a.example.org");
	CHECK_STR(info.issuer_cn, "a.example.org");
	CHECK(cert_matches_key(&info, &key));
	CHECK_INT(info.not_before, now - 3600);
	CHECK_INT(info.not_after, now + ALPN01_VALIDITY);
	CHECK(memmem(der.data, der.len, ext, sizeof(ext)) != NULL);
	CHECK(signature_valid(&der, &key));

	/* The RSA and P-384 keys of other commands are not for this certificate. */
	key.type = KEY_EC_P384;
	CHECK_INT(alpn01_certificate("a.example.org", digest, &key, now, &der), -1);
	key_wipe(&key);
	buf_free(&der);
}

/* Bind the tls-alpn listener on a free loopback port; returns the port, or 0. */
static unsigned
start_alpn_listener(struct alpn01_solver *s, struct acme_solver *acme)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	memset(s, 0, sizeof(*s));
	if (alpn01_solver_open(s, "127.0.0.1:0", 30) != 0)
		return 0;
	alpn01_solver_bind(s, acme);
	if (acme->prepare(acme->ctx, "a.example.org", TOKEN, KEY_AUTH) != 0 || acme->start(acme->ctx) != 0 ||
	    getsockname(s->listen_fd, (struct sockaddr *)&sin, &len) != 0)
		return 0;
	return ntohs(sin.sin_port);
}

/* Run openssl s_client against PORT with SNI NAME and ALPN (NULL for none); keep the served certificate in OUT. */
static int
fetch_served(unsigned port, const char *name, const char *alpn, const char *out)
{
	char command[1024];

	snprintf(command, sizeof(command),
	    "openssl s_client -connect 127.0.0.1:%u -servername %s %s%s < /dev/null 2> /dev/null | "
	    "openssl x509 -outform DER -out %s 2> /dev/null", port, name, alpn != NULL ? "-alpn " : "",
	    alpn != NULL ? alpn : "", out);
	return system(command);
}

TEST(alpn_listener_openssl)
{
	static struct alpn01_solver s;
	struct acme_solver acme;
	char path[256], *served = NULL;
	size_t len = 0;
	FILE *f;
	unsigned port = start_alpn_listener(&s, &acme);

	CHECK(port != 0);
	snprintf(path, sizeof(path), "%s/served.der", unit_tmpdir());

	/* With acme-tls/1 and the right SNI, openssl gets the challenge certificate itself. */
	CHECK_INT(fetch_served(port, "a.example.org", ALPN01_PROTOCOL, path), 0);
	f = fopen(path, "rb");
	if (CHECK(f != NULL)) {
		served = malloc(4096);
		len = fread(served, 1, 4096, f);
		fclose(f);
		CHECK_MEM(served, len, s.certs[0].der.data, s.certs[0].der.len);
		free(served);
	}

	/* Without acme-tls/1, or for another name, no certificate is sent. */
	CHECK(fetch_served(port, "a.example.org", NULL, path) != 0);
	CHECK(fetch_served(port, "a.example.org", "http/1.1", path) != 0);
	CHECK(fetch_served(port, "b.example.org", ALPN01_PROTOCOL, path) != 0);

	acme.cleanup(acme.ctx);
	alpn01_solver_close(&s);
}
