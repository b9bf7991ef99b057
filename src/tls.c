#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base64.h"
#include "buf.h"
#include "cert.h"
#include "clock.h"
#include "log.h"
#include "tls.h"

/* The system bundles, first found wins: Debian and OpenWrt, Alpine and the BSDs, Fedora, FreeBSD ports. */
static const char *const system_bundles[] = {
	"/etc/ssl/certs/ca-certificates.crt",
	"/etc/ssl/cert.pem",
	"/etc/pki/tls/certs/ca-bundle.crt",
	"/usr/local/share/certs/ca-root-nss.crt",
};

/* How much of each certificate is kept for messages: its names and dates come first. */
#define CERT_PREFIX_MAX 2048
/* How many certificates of a chain are described in messages. */
#define CHAIN_MAX 8
/* A larger leaf certificate cannot match an IP address host (Let's Encrypt's are under 2 KiB). */
#define LEAF_MAX (16 * 1024)
/* A larger distinguished name in a bundle is skipped. */
#define DN_MAX 4096
/* A certificate whose base64 text is larger is skipped (the largest roots are under 3 KiB). */
#define PEM_TEXT_MAX (64 * 1024)

/* ---- trust anchors ---- */

struct anchor_reader {
	struct tls_trust *trust;
	br_x509_decoder_context decoder;
	struct buf dn;
};

static void
append_dn(void *ctx, const void *data, size_t len)
{
	struct anchor_reader *r = ctx;

	buf_append(&r->dn, data, len);
}

static void
start_certificate(struct anchor_reader *r)
{
	buf_reset(&r->dn);
	r->dn.limit = DN_MAX;
	br_x509_decoder_init(&r->decoder, append_dn, r);
}

/*
 * Turn the certificate just decoded into a trust anchor, copying its name
 * and key into one allocation. Every anchor may issue certificates: a
 * bundle lists CAs, and a self-signed server certificate given as its own
 * bundle then verifies as well.
 */
static int
finish_certificate(struct anchor_reader *r)
{
	struct tls_trust *t = r->trust;
	const br_x509_pkey *pk = br_x509_decoder_get_pkey(&r->decoder);
	br_x509_trust_anchor *ta;
	size_t key_len;
	unsigned char *mem;

	if (pk == NULL || r->dn.failed || r->dn.len == 0) {
		t->skipped++;
		return 0;
	}

	if (t->count == t->cap) {
		size_t cap = t->cap != 0 ? t->cap * 2 : 16;
		br_x509_trust_anchor *grown = realloc(t->anchors, cap * sizeof(*grown));

		if (grown == NULL)
			return error_set("out of memory reading trust anchors");
		t->anchors = grown;
		t->cap = cap;
	}

	key_len = pk->key_type == BR_KEYTYPE_RSA ? pk->key.rsa.nlen + pk->key.rsa.elen : pk->key.ec.qlen;
	mem = malloc(r->dn.len + key_len);
	if (mem == NULL)
		return error_set("out of memory reading trust anchors");

	ta = &t->anchors[t->count++];
	memset(ta, 0, sizeof(*ta));
	memcpy(mem, r->dn.data, r->dn.len);
	ta->dn.data = mem;
	ta->dn.len = r->dn.len;
	ta->flags = BR_X509_TA_CA;
	ta->pkey.key_type = pk->key_type;
	mem += r->dn.len;
	if (pk->key_type == BR_KEYTYPE_RSA) {
		memcpy(mem, pk->key.rsa.n, pk->key.rsa.nlen);
		memcpy(mem + pk->key.rsa.nlen, pk->key.rsa.e, pk->key.rsa.elen);
		ta->pkey.key.rsa.n = mem;
		ta->pkey.key.rsa.nlen = pk->key.rsa.nlen;
		ta->pkey.key.rsa.e = mem + pk->key.rsa.nlen;
		ta->pkey.key.rsa.elen = pk->key.rsa.elen;
	} else {
		memcpy(mem, pk->key.ec.q, pk->key.ec.qlen);
		ta->pkey.key.ec.curve = pk->key.ec.curve;
		ta->pkey.key.ec.q = mem;
		ta->pkey.key.ec.qlen = pk->key.ec.qlen;
	}
	return 0;
}

/* Decode one DER certificate into an anchor; one that cannot be decoded is counted as skipped. */
static int
add_certificate(struct anchor_reader *r, const void *der, size_t len)
{
	start_certificate(r);
	br_x509_decoder_push(&r->decoder, der, len);
	return finish_certificate(r);
}

static void
trim_line_end(char *line)
{
	size_t len = strlen(line);

	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' ' ||
	    line[len - 1] == '\t'))
		line[--len] = '\0';
}

/*
 * Read the CERTIFICATE blocks of the PEM file PATH (RFC 7468) line by
 * line, so a large bundle never sits in memory whole. Text between blocks
 * and blocks of other types are ignored. This reader, with the base64
 * decoder of base64.c, replaces BearSSL's br_pem_decoder because it is
 * faster. Loading Debian's bundle of 144 roots took about 45 ms with
 * br_pem_decoder and 10 to 15 ms with this one (x86-64, -Os musl build).
 */
static int
read_pem_bundle(struct tls_trust *t, const char *path)
{
	struct anchor_reader r = { .trust = t };
	struct buf text = { .limit = PEM_TEXT_MAX }, der = { 0 };
	char line[256];
	int in_certificate = 0, ret = 0;
	size_t der_len;
	FILE *f;

	f = fopen(path, "r");
	if (f == NULL)
		return -1;

	while (ret == 0 && fgets(line, sizeof(line), f) != NULL) {
		trim_line_end(line);
		if (!in_certificate) {
			if (strcmp(line, "-----BEGIN CERTIFICATE-----") == 0 ||
			    strcmp(line, "-----BEGIN X509 CERTIFICATE-----") == 0) {
				in_certificate = 1;
				buf_reset(&text);
			}
			continue;
		}
		if (strncmp(line, "-----END ", 9) != 0) {
			buf_puts(&text, line);
			continue;
		}

		in_certificate = 0;
		buf_reset(&der);
		if (text.failed || buf_reserve(&der, text.len) == NULL ||
		    base64_decode(der.data, der.cap, &der_len, text.data, text.len, BASE64_STD) < 0) {
			t->skipped++;
			continue;
		}
		ret = add_certificate(&r, der.data, der_len);
	}
	if (ret == 0 && ferror(f))
		ret = error_set("%s: read failed", path);
	fclose(f);
	buf_free(&text);
	buf_free(&der);
	buf_free(&r.dn);
	return ret;
}

static struct tls_trust *
new_trust(void)
{
	struct tls_trust *t = calloc(1, sizeof(*t));

	if (t == NULL)
		error_set("out of memory");
	return t;
}

/* see tls.h */
struct tls_trust *
tls_trust_builtin(void)
{
	struct tls_trust *t = new_trust();
	struct anchor_reader r;
	long long start = clock_us();
	size_t i;

	if (t == NULL)
		return NULL;
	memset(&r, 0, sizeof(r));
	r.trust = t;
	for (i = 0; i < tls_root_count; i++) {
		if (add_certificate(&r, tls_roots[i].der, tls_roots[i].len) < 0) {
			buf_free(&r.dn);
			tls_trust_free(t);
			return NULL;
		}
	}
	buf_free(&r.dn);
	snprintf(t->source, sizeof(t->source), "the compiled-in roots");
	t->parse_us = (long)(clock_us() - start);
	return t;
}

/* see tls.h */
struct tls_trust *
tls_trust_load(const char *ca_bundle)
{
	struct tls_trust *t;
	long long start = clock_us();
	size_t i;

	if (ca_bundle == NULL) {
		for (i = 0; i < sizeof(system_bundles) / sizeof(system_bundles[0]); i++) {
			if (access(system_bundles[i], R_OK) != 0)
				continue;
			t = new_trust();
			if (t == NULL)
				return NULL;
			if (read_pem_bundle(t, system_bundles[i]) == 0 && t->count > 0) {
				snprintf(t->source, sizeof(t->source), "%s", system_bundles[i]);
				t->parse_us = (long)(clock_us() - start);
				return t;
			}
			tls_trust_free(t);
		}
		return tls_trust_builtin();
	}

	t = new_trust();
	if (t == NULL)
		return NULL;
	if (read_pem_bundle(t, ca_bundle) < 0) {
		tls_trust_free(t);
		return error_set("CA bundle %s: cannot read it: %m", ca_bundle), NULL;
	}
	if (t->count == 0) {
		tls_trust_free(t);
		return error_set("CA bundle %s: no usable certificate in it; it must hold PEM "
		    "\"BEGIN CERTIFICATE\" blocks", ca_bundle), NULL;
	}
	snprintf(t->source, sizeof(t->source), "%s", ca_bundle);
	t->parse_us = (long)(clock_us() - start);
	return t;
}

/* see tls.h */
void
tls_trust_free(struct tls_trust *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->count; i++)
		free(t->anchors[i].dn.data);
	free(t->anchors);
	free(t);
}

/* ---- what the server's chain contained, for messages ---- */

struct chain_cert {
	char subject[128];
	char issuer[128];
	int self_issued;
	int have_dates;
	time_t not_before;
	time_t not_after;
};

struct der {
	const unsigned char *p;
	size_t len;
};

/* Read one DER element from D into *TAG and *CONTENT. CONTENT may be cut short when TRUNCATED_OK. */
static int
der_next(struct der *d, unsigned *tag, struct der *content, int truncated_ok)
{
	size_t len = 0, n, i;

	if (d->len < 2)
		return -1;
	*tag = d->p[0];
	if (d->p[1] < 0x80) {
		len = d->p[1];
		n = 2;
	} else {
		size_t bytes = d->p[1] & 0x7f;

		if (bytes == 0 || bytes > 3 || d->len < 2 + bytes)
			return -1;
		for (i = 0; i < bytes; i++)
			len = len << 8 | d->p[2 + i];
		n = 2 + bytes;
	}
	content->p = d->p + n;
	if (len > d->len - n) {
		if (!truncated_ok)
			return -1;
		content->len = d->len - n;
		d->p += d->len;
		d->len = 0;
		return 0;
	}
	content->len = len;
	d->p += n + len;
	d->len -= n + len;
	return 0;
}

/* UTCTime "YYMMDDHHMMSSZ" or GeneralizedTime "YYYYMMDDHHMMSSZ" (RFC 5280 section 4.1.2.5). */
static int
der_time(unsigned tag, const struct der *v, time_t *out)
{
	struct tm tm;
	const unsigned char *s = v->p;
	int digits[14], count = tag == 0x17 ? 12 : 14, i;

	if ((tag != 0x17 && tag != 0x18) || v->len != (size_t)count + 1 || s[count] != 'Z')
		return -1;
	for (i = 0; i < count; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		digits[i] = s[i] - '0';
	}
	memset(&tm, 0, sizeof(tm));
	if (tag == 0x17) {
		tm.tm_year = digits[0] * 10 + digits[1];
		if (tm.tm_year < 50)
			tm.tm_year += 100;
		i = 2;
	} else {
		tm.tm_year = digits[0] * 1000 + digits[1] * 100 + digits[2] * 10 + digits[3] - 1900;
		i = 4;
	}
	tm.tm_mon = digits[i] * 10 + digits[i + 1] - 1;
	tm.tm_mday = digits[i + 2] * 10 + digits[i + 3];
	tm.tm_hour = digits[i + 4] * 10 + digits[i + 5];
	tm.tm_min = digits[i + 6] * 10 + digits[i + 7];
	tm.tm_sec = digits[i + 8] * 10 + digits[i + 9];
	*out = timegm(&tm);
	return 0;
}

/* Describe a Name by its common name, else its organization, as "CN=..." or "O=...". */
static void
der_name_label(const struct der *name, char *out, size_t cap)
{
	static const unsigned char cn_oid[] = { 0x55, 0x04, 0x03 }, o_oid[] = { 0x55, 0x04, 0x0a };
	struct der rdns = *name, set, attr, oid, value;
	unsigned tag;
	char cn[100] = "", o[100] = "";

	while (rdns.len > 0 && der_next(&rdns, &tag, &set, 0) == 0) {
		while (set.len > 0 && der_next(&set, &tag, &attr, 0) == 0) {
			if (der_next(&attr, &tag, &oid, 0) < 0 || tag != 0x06 ||
			    der_next(&attr, &tag, &value, 0) < 0)
				break;
			if (oid.len == 3 && memcmp(oid.p, cn_oid, 3) == 0 && cn[0] == '\0')
				log_sanitize(cn, sizeof(cn), (const char *)value.p, value.len);
			if (oid.len == 3 && memcmp(oid.p, o_oid, 3) == 0 && o[0] == '\0')
				log_sanitize(o, sizeof(o), (const char *)value.p, value.len);
		}
	}
	if (cn[0] != '\0')
		snprintf(out, cap, "CN=%s", cn);
	else if (o[0] != '\0')
		snprintf(out, cap, "O=%s", o);
	else
		snprintf(out, cap, "an unnamed subject");
}

/*
 * Read names and dates from the start of a certificate (RFC 5280 section
 * 4.1): Certificate { TBSCertificate { [0] version, serial, signature,
 * issuer, validity, subject, ... } ... }.
 */
static void
describe_certificate(const unsigned char *der, size_t len, struct chain_cert *out)
{
	struct der d = { der, len }, cert, tbs, field, issuer, validity, subject, time_value;
	unsigned tag;

	memset(out, 0, sizeof(*out));
	snprintf(out->subject, sizeof(out->subject), "an undecodable certificate");
	snprintf(out->issuer, sizeof(out->issuer), "an unknown issuer");

	if (der_next(&d, &tag, &cert, 1) < 0 || der_next(&cert, &tag, &tbs, 1) < 0)
		return;
	if (der_next(&tbs, &tag, &field, 0) < 0)
		return;
	if (tag == 0xa0 && der_next(&tbs, &tag, &field, 0) < 0)
		return;
	if (der_next(&tbs, &tag, &field, 0) < 0 || der_next(&tbs, &tag, &issuer, 0) < 0 ||
	    der_next(&tbs, &tag, &validity, 0) < 0 || der_next(&tbs, &tag, &subject, 0) < 0)
		return;

	der_name_label(&subject, out->subject, sizeof(out->subject));
	der_name_label(&issuer, out->issuer, sizeof(out->issuer));
	out->self_issued = issuer.len == subject.len && memcmp(issuer.p, subject.p, issuer.len) == 0;
	if (der_next(&validity, &tag, &time_value, 0) == 0 && der_time(tag, &time_value, &out->not_before) == 0 &&
	    der_next(&validity, &tag, &time_value, 0) == 0 && der_time(tag, &time_value, &out->not_after) == 0)
		out->have_dates = 1;
}

/*
 * An X.509 engine that hands everything to br_x509_minimal and keeps the
 * start of each certificate on the side, so that a failure message can
 * name the certificate at fault and the reason.
 */
struct chain_observer {
	const br_x509_class *vtable;
	br_x509_minimal_context minimal;
	unsigned char prefix[CERT_PREFIX_MAX];
	size_t prefix_len;
	struct chain_cert certs[CHAIN_MAX];
	size_t count;		/* certificates received, possibly more than CHAIN_MAX */

	/*
	 * For a host that is an IP address: br_x509_minimal matches DNS names
	 * only, so it gets no name and the leaf's iPAddress entries are matched
	 * here instead (RFC 6125 section 6.2.1: never against a dNSName).
	 */
	unsigned char address[16];
	size_t address_len;	/* 0 when the host is a DNS name */
	unsigned char leaf[LEAF_MAX];
	size_t leaf_len;	/* LEAF_MAX + 1 when the leaf was larger */
};

/* 1 when the leaf O kept lists O's address as an iPAddress subjectAltName. */
static int
leaf_has_address(const struct chain_observer *o)
{
	static struct cert_info info;
	unsigned char addr[16];
	size_t i;

	if (o->leaf_len > LEAF_MAX || cert_parse(o->leaf, o->leaf_len, &info) != 0)
		return 0;
	for (i = 0; i < info.name_count; i++) {
		if (!info.name_is_address[i])
			continue;
		if (inet_pton(o->address_len == 4 ? AF_INET : AF_INET6, info.names[i], addr) == 1 &&
		    memcmp(addr, o->address, o->address_len) == 0)
			return 1;
	}
	return 0;
}

static void
observer_start_chain(const br_x509_class **ctx, const char *server_name)
{
	struct chain_observer *o = (struct chain_observer *)(void *)ctx;

	o->count = 0;
	o->leaf_len = 0;
	o->minimal.vtable->start_chain(&o->minimal.vtable, o->address_len > 0 ? NULL : server_name);
}

static void
observer_start_cert(const br_x509_class **ctx, uint32_t length)
{
	struct chain_observer *o = (struct chain_observer *)(void *)ctx;

	o->prefix_len = 0;
	o->minimal.vtable->start_cert(&o->minimal.vtable, length);
}

static void
observer_append(const br_x509_class **ctx, const unsigned char *data, size_t len)
{
	struct chain_observer *o = (struct chain_observer *)(void *)ctx;
	size_t room = CERT_PREFIX_MAX - o->prefix_len;

	memcpy(o->prefix + o->prefix_len, data, len < room ? len : room);
	o->prefix_len += len < room ? len : room;
	if (o->count == 0 && o->address_len > 0) {
		if (o->leaf_len + len <= LEAF_MAX) {
			memcpy(o->leaf + o->leaf_len, data, len);
			o->leaf_len += len;
		} else {
			o->leaf_len = LEAF_MAX + 1;
		}
	}
	o->minimal.vtable->append(&o->minimal.vtable, data, len);
}

static void
observer_end_cert(const br_x509_class **ctx)
{
	struct chain_observer *o = (struct chain_observer *)(void *)ctx;

	if (o->count < CHAIN_MAX)
		describe_certificate(o->prefix, o->prefix_len, &o->certs[o->count]);
	o->count++;
	o->minimal.vtable->end_cert(&o->minimal.vtable);
}

static unsigned
observer_end_chain(const br_x509_class **ctx)
{
	struct chain_observer *o = (struct chain_observer *)(void *)ctx;
	unsigned err = o->minimal.vtable->end_chain(&o->minimal.vtable);

	/* The chain verified without a name; an IP address host must still be in the leaf. */
	if (err == BR_ERR_OK && o->address_len > 0 && !leaf_has_address(o))
		return BR_ERR_X509_BAD_SERVER_NAME;
	return err;
}

static const br_x509_pkey *
observer_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
	const struct chain_observer *o = (const struct chain_observer *)(const void *)ctx;

	return o->minimal.vtable->get_pkey(&o->minimal.vtable, usages);
}

static const br_x509_class observer_vtable = {
	sizeof(struct chain_observer),
	observer_start_chain,
	observer_start_cert,
	observer_append,
	observer_end_cert,
	observer_end_chain,
	observer_get_pkey,
};

/* ---- connections ---- */

struct tls_conn {
	br_ssl_client_context client;
	struct chain_observer observer;
	struct net_conn *net;
	const struct tls_trust *trust;
	int failed;		/* the socket failed and error_text() already says how */
	char host[256];
	unsigned char io[BR_SSL_BUFSIZE_BIDI];
};

/*
 * TLS 1.2 suites with forward secrecy and an AEAD cipher, ChaCha20 first
 * (fast without AES-NI). Only what they need is set up, so the other
 * ciphers of BearSSL stay out of the binary.
 */
static const uint16_t suites[] = {
	BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
};

/* The hashes for the handshake and for certificate signatures: no SHA-1 or MD5. */
static const br_hash_class *const tls_hashes[] = {
	&br_sha256_vtable, &br_sha384_vtable, &br_sha512_vtable,
};

static int
hash_id(const br_hash_class *h)
{
	return (int)((h->desc >> BR_HASHDESC_ID_OFF) & BR_HASHDESC_ID_MASK);
}

/* see tls.h */
void
tls_engine_setup(br_ssl_client_context *cc, unsigned char *io, size_t io_len)
{
	size_t i;

	br_ssl_client_zero(cc);
	br_ssl_engine_set_versions(&cc->eng, BR_TLS12, BR_TLS12);
	br_ssl_engine_set_suites(&cc->eng, suites, sizeof(suites) / sizeof(suites[0]));
	br_ssl_engine_set_default_rsavrfy(&cc->eng);
	br_ssl_engine_set_default_ecdsa(&cc->eng);
	br_ssl_engine_set_default_ec(&cc->eng);
	for (i = 0; i < sizeof(tls_hashes) / sizeof(tls_hashes[0]); i++)
		br_ssl_engine_set_hash(&cc->eng, hash_id(tls_hashes[i]), tls_hashes[i]);
	br_ssl_engine_set_prf_sha256(&cc->eng, &br_tls12_sha256_prf);
	br_ssl_engine_set_prf_sha384(&cc->eng, &br_tls12_sha384_prf);
	br_ssl_engine_set_default_aes_gcm(&cc->eng);
	br_ssl_engine_set_default_chapol(&cc->eng);
	br_ssl_engine_set_buffer(&cc->eng, io, io_len, 1);
}

/* Set up the engine and a chain validator over T's trust anchors that accepts no SHA-1 or MD5 signature. */
static void
init_client(struct tls_conn *t)
{
	br_ssl_client_context *cc = &t->client;
	br_x509_minimal_context *xc = &t->observer.minimal;
	size_t i;

	tls_engine_setup(cc, t->io, sizeof(t->io));

	br_x509_minimal_init(xc, &br_sha256_vtable, t->trust->anchors, t->trust->count);
	br_x509_minimal_set_rsa(xc, br_ssl_engine_get_rsavrfy(&cc->eng));
	br_x509_minimal_set_ecdsa(xc, br_ssl_engine_get_ec(&cc->eng), br_ssl_engine_get_ecdsa(&cc->eng));
	for (i = 0; i < sizeof(tls_hashes) / sizeof(tls_hashes[0]); i++)
		br_x509_minimal_set_hash(xc, hash_id(tls_hashes[i]), tls_hashes[i]);

	t->observer.vtable = &observer_vtable;
	br_ssl_engine_set_x509(&cc->eng, &t->observer.vtable);
}

static void
format_utc(time_t when, char *out, size_t cap)
{
	struct tm tm;

	gmtime_r(&when, &tm);
	strftime(out, cap, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

/* Explain an expired or not yet valid chain: BearSSL reports both with one code. */
static int
explain_dates(const struct tls_conn *t)
{
	const struct chain_observer *o = &t->observer;
	time_t now = time(NULL);
	char when[40], clock[40];
	size_t i, n = o->count < CHAIN_MAX ? o->count : CHAIN_MAX;

	format_utc(now, clock, sizeof(clock));
	for (i = 0; i < n; i++) {
		if (o->certs[i].have_dates && now < o->certs[i].not_before) {
			format_utc(o->certs[i].not_before, when, sizeof(when));
			return error_set("the certificate of %s (%s) is not valid before %s, but the system "
			    "clock says %s: the system clock may be wrong", t->host, o->certs[i].subject,
			    when, clock);
		}
	}
	for (i = 0; i < n; i++) {
		if (o->certs[i].have_dates && now > o->certs[i].not_after) {
			format_utc(o->certs[i].not_after, when, sizeof(when));
			return error_set("the certificate of %s (%s) expired on %s (the system clock says %s)",
			    t->host, o->certs[i].subject, when, clock);
		}
	}
	return error_set("a certificate in the chain of %s is expired or not yet valid (the system clock "
	    "says %s)", t->host, clock);
}

static int
explain_untrusted(const struct tls_conn *t)
{
	const struct chain_observer *o = &t->observer;
	const struct chain_cert *last;

	if (o->count == 0)
		return error_set("%s sent no certificate", t->host);
	last = &o->certs[(o->count < CHAIN_MAX ? o->count : CHAIN_MAX) - 1];
	if (last->self_issued)
		return error_set("the certificate chain of %s ends at the root %s, which is not trusted "
		    "(trust anchors from %s); if it is a private CA, give its certificate with --ca-bundle "
		    "(config: ca-bundle)",
		    t->host, last->subject, t->trust->source);
	/*
	 * BearSSL reports BR_ERR_X509_NOT_TRUSTED both for a root missing from
	 * the anchors and for an intermediate the server left out. One
	 * certificate alone cannot tell which, so the message names both.
	 */
	if (o->count == 1)
		return error_set("%s sent only its own certificate (%s), whose issuer %s is not among the "
		    "trust anchors (from %s): if %s is the root of a private or test CA, give its "
		    "certificate with --ca-bundle (config: ca-bundle); if it is an intermediate, the "
		    "server's chain is incomplete and the server must send it", t->host, last->subject,
		    last->issuer, t->trust->source, last->issuer);
	return error_set("the certificate chain of %s ends at %s, whose issuer %s is not a trusted root "
	    "(trust anchors from %s): if it is a private or test CA, give its root with --ca-bundle "
	    "(config: ca-bundle); else an intermediate certificate is missing from the chain",
	    t->host, last->subject, last->issuer, t->trust->source);
}

static const char *
alert_name(int alert)
{
	switch (alert) {
	case 40:
		return "handshake_failure: no cipher suite in common (keepcert offers TLS 1.2 with ECDHE "
		    "and AES-GCM or ChaCha20-Poly1305)";
	case 42:
	case 43:
	case 44:
	case 45:
	case 46:
	case 48:
		return "the server rejected a certificate";
	case 70:
		return "protocol_version: the server does not speak TLS 1.2";
	case 80:
		return "internal_error";
	case 112:
		return "unrecognized_name: the server does not know this host name";
	default:
		return "see RFC 5246 section 7.2";
	}
}

/* Turn the engine's error into a sentence naming the host. */
static int
explain_failure(const struct tls_conn *t, int err)
{
	if (t->failed || err == BR_ERR_IO)
		return -1;	/* the socket layer already said what happened */
	if (err == BR_ERR_X509_EXPIRED)
		return explain_dates(t);
	if (err == BR_ERR_X509_NOT_TRUSTED)
		return explain_untrusted(t);
	if (err == BR_ERR_X509_BAD_SERVER_NAME && t->observer.address_len > 0)
		return error_set("the certificate of %s does not list the IP address %s as an iPAddress "
		    "subjectAltName (its subject is %s): wrong address, or the server sends the certificate "
		    "of another site", t->host, t->host,
		    t->observer.count > 0 ? t->observer.certs[0].subject : "unknown");
	if (err == BR_ERR_X509_BAD_SERVER_NAME)
		return error_set("the certificate of %s is for another name (its subject is %s): wrong host "
		    "name, or the server sends the certificate of another site", t->host,
		    t->observer.count > 0 ? t->observer.certs[0].subject : "unknown");
	if (err == BR_ERR_X509_NOT_CA)
		return error_set("the certificate chain of %s is invalid: a certificate that is not a CA "
		    "signed another one", t->host);
	if (err == BR_ERR_X509_BAD_SIGNATURE)
		return error_set("the certificate chain of %s is invalid: a signature does not verify", t->host);
	if (err == BR_ERR_X509_UNSUPPORTED)
		return error_set("the certificate chain of %s uses an unsupported algorithm (SHA-1 and MD5 "
		    "signatures are not accepted)", t->host);
	if (err >= BR_ERR_X509_OK && err <= BR_ERR_X509_NOT_TRUSTED)
		return error_set("the certificate of %s is invalid (BearSSL X.509 error %d)", t->host, err);
	if (err >= BR_ERR_RECV_FATAL_ALERT && err < BR_ERR_SEND_FATAL_ALERT)
		return error_set("%s sent the fatal TLS alert %d, %s", t->host, err - BR_ERR_RECV_FATAL_ALERT,
		    alert_name(err - BR_ERR_RECV_FATAL_ALERT));
	if (err == BR_ERR_BAD_VERSION || err == BR_ERR_UNSUPPORTED_VERSION)
		return error_set("%s does not speak TLS 1.2", t->host);
	if (err == BR_ERR_NO_RANDOM)
		return error_set("no source of random numbers for TLS (is /dev/urandom missing?)");
	return error_set("TLS with %s failed (BearSSL error %d)", t->host, err);
}

/*
 * Drive the engine until it can do one of TARGET (BR_SSL_SENDAPP or
 * BR_SSL_RECVAPP), sending and receiving records as needed. Returns 0, or
 * -1 when the engine closed or the socket failed.
 */
static int
run_until(struct tls_conn *t, unsigned target)
{
	br_ssl_engine_context *eng = &t->client.eng;

	for (;;) {
		unsigned state = br_ssl_engine_current_state(eng);
		unsigned char *rec;
		size_t len;
		ssize_t n;

		if (state & BR_SSL_CLOSED)
			return -1;
		if (state & BR_SSL_SENDREC) {
			rec = br_ssl_engine_sendrec_buf(eng, &len);
			if (net_write_all(t->net, rec, len) < 0) {
				t->failed = 1;
				return -1;
			}
			br_ssl_engine_sendrec_ack(eng, len);
			continue;
		}
		if (state & target)
			return 0;
		if (state & BR_SSL_RECVAPP) {
			/* Application data arrived before a request was sent: the server is out of step. */
			error_set("%s sent data that was not asked for", t->host);
			t->failed = 1;
			return -1;
		}
		if (state & BR_SSL_RECVREC) {
			rec = br_ssl_engine_recvrec_buf(eng, &len);
			n = net_read(t->net, rec, len);
			if (n <= 0) {
				if (n == 0)
					error_set("%s closed the connection without TLS close_notify", t->host);
				t->failed = 1;
				return -1;
			}
			br_ssl_engine_recvrec_ack(eng, (size_t)n);
			continue;
		}
		br_ssl_engine_flush(eng, 0);
	}
}

/* see tls.h */
struct tls_conn *
tls_connect(struct net_conn *nc, const char *host, const struct tls_trust *trust)
{
	struct tls_conn *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return error_set("out of memory"), NULL;
	t->net = nc;
	t->trust = trust;
	snprintf(t->host, sizeof(t->host), "%s", host);
	init_client(t);

	/*
	 * The host name goes out as SNI and is what the certificate must match.
	 * An IP address is sent as no SNI at all (RFC 6066 section 3) and is
	 * matched by the observer against the leaf's iPAddress entries.
	 */
	if (inet_pton(AF_INET, host, t->observer.address) == 1)
		t->observer.address_len = 4;
	else if (inet_pton(AF_INET6, host, t->observer.address) == 1)
		t->observer.address_len = 16;
	if (!br_ssl_client_reset(&t->client, t->observer.address_len > 0 ? NULL : host, 0)) {
		explain_failure(t, br_ssl_engine_last_error(&t->client.eng));
		free(t);
		return NULL;
	}
	if (run_until(t, BR_SSL_SENDAPP) < 0) {
		explain_failure(t, br_ssl_engine_last_error(&t->client.eng));
		error_prefix("TLS handshake with %s", nc->peer);
		free(t);
		return NULL;
	}
	return t;
}

/* see tls.h */
ssize_t
tls_read(struct tls_conn *t, void *data, size_t len)
{
	br_ssl_engine_context *eng = &t->client.eng;
	unsigned char *app;
	size_t avail;

	if (run_until(t, BR_SSL_RECVAPP) < 0) {
		int err = br_ssl_engine_last_error(eng);

		if (!t->failed && err == BR_ERR_OK)
			return 0;	/* close_notify */
		return explain_failure(t, err);
	}
	app = br_ssl_engine_recvapp_buf(eng, &avail);
	if (avail > len)
		avail = len;
	memcpy(data, app, avail);
	br_ssl_engine_recvapp_ack(eng, avail);
	return (ssize_t)avail;
}

/* see tls.h */
int
tls_write_all(struct tls_conn *t, const void *data, size_t len)
{
	br_ssl_engine_context *eng = &t->client.eng;
	const unsigned char *p = data;

	while (len > 0) {
		unsigned char *app;
		size_t room;

		if (run_until(t, BR_SSL_SENDAPP) < 0)
			return explain_failure(t, br_ssl_engine_last_error(eng));
		app = br_ssl_engine_sendapp_buf(eng, &room);
		if (room > len)
			room = len;
		memcpy(app, p, room);
		br_ssl_engine_sendapp_ack(eng, room);
		p += room;
		len -= room;
	}
	br_ssl_engine_flush(eng, 0);
	if (run_until(t, BR_SSL_SENDAPP | BR_SSL_RECVAPP) < 0)
		return explain_failure(t, br_ssl_engine_last_error(eng));
	return 0;
}

/* see tls.h */
void
tls_close(struct tls_conn *t)
{
	br_ssl_engine_context *eng;

	if (t == NULL)
		return;
	eng = &t->client.eng;

	/* Send close_notify if the connection still works; the reply is not awaited. */
	if (!t->failed && !(br_ssl_engine_current_state(eng) & BR_SSL_CLOSED) && t->net->fd >= 0) {
		unsigned char *rec;
		size_t len;

		br_ssl_engine_close(eng);
		if (br_ssl_engine_current_state(eng) & BR_SSL_SENDREC) {
			rec = br_ssl_engine_sendrec_buf(eng, &len);
			t->net->io_timeout = 1;
			if (net_write_all(t->net, rec, len) == 0)
				br_ssl_engine_sendrec_ack(eng, len);
		}
	}
	explicit_bzero(t, sizeof(*t));
	free(t);
}
