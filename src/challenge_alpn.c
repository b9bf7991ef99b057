/*
 * tls-alpn-01 (RFC 8737): the challenge certificates and the TLS listener.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bearssl.h>

#include "asn1.h"
#include "challenge_alpn.h"
#include "challenge_http.h"
#include "log.h"

#define ALPN01_MAX_HANDLERS 16		/* handshakes served at once */
#define X520_COMMON_NAME_MAX 64		/* ub-common-name, RFC 5280 appendix A.1 */

/* Append a UTCTime (RFC 5280 section 4.1.2.5.1) for T, which must be before 2050. */
static void
write_utc_time(struct buf *b, long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char text[16];

	gmtime_r(&tt, &tm);
	strftime(text, sizeof(text), "%y%m%d%H%M%SZ", &tm);
	asn1_write_tlv(b, ASN1_UTC_TIME, text, strlen(text));
}

/* Append the Name CN=NAME, or the empty Name when NAME is too long for a common name. */
static void
write_name(struct buf *b, const char *name)
{
	size_t name_mark = asn1_begin(b, ASN1_SEQUENCE), set, atv;

	if (strlen(name) <= X520_COMMON_NAME_MAX) {
		set = asn1_begin(b, ASN1_SET);
		atv = asn1_begin(b, ASN1_SEQUENCE);
		asn1_write_tlv(b, ASN1_OID, OID_COMMON_NAME, ASN1_OID_LEN(OID_COMMON_NAME));
		asn1_write_tlv(b, ASN1_UTF8_STRING, name, strlen(name));
		asn1_end(b, atv);
		asn1_end(b, set);
	}
	asn1_end(b, name_mark);
}

/*
 * The extensions: subjectAltName with the one dNSName (critical when the
 * subject is empty, RFC 5280 section 4.2.1.6), and the critical
 * acmeIdentifier holding an OCTET STRING of the digest (RFC 8737 section 3).
 */
static void
write_extensions(struct buf *b, const char *name, const unsigned char digest[32])
{
	size_t explicit = asn1_begin(b, ASN1_CONTEXT_CONSTRUCTED(3)), list = asn1_begin(b, ASN1_SEQUENCE);
	size_t ext, value, names;

	ext = asn1_begin(b, ASN1_SEQUENCE);
	asn1_write_tlv(b, ASN1_OID, OID_SUBJECT_ALT_NAME, ASN1_OID_LEN(OID_SUBJECT_ALT_NAME));
	if (strlen(name) > X520_COMMON_NAME_MAX)
		asn1_write_tlv(b, ASN1_BOOLEAN, "\xff", 1);
	value = asn1_begin(b, ASN1_OCTET_STRING);
	names = asn1_begin(b, ASN1_SEQUENCE);
	asn1_write_tlv(b, ASN1_CONTEXT(2), name, strlen(name));
	asn1_end(b, names);
	asn1_end(b, value);
	asn1_end(b, ext);

	ext = asn1_begin(b, ASN1_SEQUENCE);
	asn1_write_tlv(b, ASN1_OID, OID_ACME_IDENTIFIER, ASN1_OID_LEN(OID_ACME_IDENTIFIER));
	asn1_write_tlv(b, ASN1_BOOLEAN, "\xff", 1);
	value = asn1_begin(b, ASN1_OCTET_STRING);
	asn1_write_tlv(b, ASN1_OCTET_STRING, digest, 32);
	asn1_end(b, value);
	asn1_end(b, ext);

	asn1_end(b, list);
	asn1_end(b, explicit);
}

/* see challenge_alpn.h */
int
alpn01_certificate(const char *name, const unsigned char digest[32], const struct key *key, long long now,
    struct buf *der)
{
	unsigned char serial[16], sig[KEY_SIGNATURE_MAX];
	struct buf tbs = { 0 };
	size_t mark, alg;
	int sig_len;

	if (key->is_rsa || key->type != KEY_EC_P256)
		return error_set("the tls-alpn certificate key must be P-256");
	if (getrandom(serial, sizeof(serial), 0) != (ssize_t)sizeof(serial))
		return error_set("cannot read random bytes for a certificate serial: %s", strerror(errno));
	serial[0] &= 0x7f;

	/* TBSCertificate, RFC 5280 section 4.1. */
	mark = asn1_begin(&tbs, ASN1_SEQUENCE);
	alg = asn1_begin(&tbs, ASN1_CONTEXT_CONSTRUCTED(0));
	asn1_write_small_int(&tbs, 2);		/* v3 */
	asn1_end(&tbs, alg);
	asn1_write_unsigned(&tbs, serial, sizeof(serial));
	alg = asn1_begin(&tbs, ASN1_SEQUENCE);
	asn1_write_tlv(&tbs, ASN1_OID, OID_ECDSA_WITH_SHA256, ASN1_OID_LEN(OID_ECDSA_WITH_SHA256));
	asn1_end(&tbs, alg);
	write_name(&tbs, name);
	alg = asn1_begin(&tbs, ASN1_SEQUENCE);
	write_utc_time(&tbs, now - 3600);
	write_utc_time(&tbs, now + ALPN01_VALIDITY);
	asn1_end(&tbs, alg);
	write_name(&tbs, name);
	key_spki(key, &tbs);
	write_extensions(&tbs, name, digest);
	asn1_end(&tbs, mark);
	if (tbs.failed) {
		buf_free(&tbs);
		return error_set("out of memory building the tls-alpn certificate");
	}

	sig_len = key_sign(key, tbs.data, tbs.len, sig);
	if (sig_len < 0) {
		buf_free(&tbs);
		return error_prefix("signing the tls-alpn certificate");
	}
	/* X.509 carries ECDSA-Sig-Value, the DER form (RFC 5480 section 2.2 via RFC 5758 section 3.2). */
	sig_len = (int)br_ecdsa_raw_to_asn1(sig, (size_t)sig_len);

	mark = asn1_begin(der, ASN1_SEQUENCE);
	buf_append(der, tbs.data, tbs.len);
	alg = asn1_begin(der, ASN1_SEQUENCE);
	asn1_write_tlv(der, ASN1_OID, OID_ECDSA_WITH_SHA256, ASN1_OID_LEN(OID_ECDSA_WITH_SHA256));
	asn1_end(der, alg);
	asn1_write_bit_string(der, sig, (size_t)sig_len);
	asn1_end(der, mark);
	buf_free(&tbs);
	if (der->failed)
		return error_set("out of memory building the tls-alpn certificate");
	return 0;
}

/* ---- the listener ---- */

/*
 * A server policy that picks the certificate by SNI, then lets BearSSL's
 * single-EC policy, kept in the server context, do the rest.
 */
struct sni_policy {
	const br_ssl_server_policy_class *vtable;
	br_ssl_server_context *cc;
	const struct alpn01_solver *solver;
	br_x509_certificate chain;
	const char *chosen;		/* the name served, for the log */
};

static const br_ssl_server_policy_class **
inner_policy(const br_ssl_server_policy_class **pctx)
{
	struct sni_policy *p = (struct sni_policy *)(void *)pctx;

	return &p->cc->chain_handler.single_ec.vtable;
}

static int
sni_choose(const br_ssl_server_policy_class **pctx, const br_ssl_server_context *cc,
    br_ssl_server_choices *choices)
{
	struct sni_policy *p = (struct sni_policy *)(void *)pctx;
	const char *sni = br_ssl_engine_get_server_name(&cc->eng);
	const br_ssl_server_policy_class **inner = inner_policy(pctx);
	size_t i;

	/*
	 * BR_OPT_FAIL_ON_ALPN_MISMATCH lets a client that sends no ALPN
	 * extension through, but the challenge certificate is only for
	 * acme-tls/1 connections (RFC 8737 section 3).
	 */
	if (br_ssl_engine_get_selected_protocol((br_ssl_engine_context *)&cc->eng) == NULL) {
		log_debug("tls-alpn-01: a client for '%s' did not offer %s", sni, ALPN01_PROTOCOL);
		return 0;
	}
	for (i = 0; i < p->solver->count; i++)
		if (strcasecmp(p->solver->certs[i].name, sni) == 0)
			break;
	if (i == p->solver->count) {
		log_debug("tls-alpn-01: no certificate for the server name '%s'", sni);
		return 0;
	}
	p->chain.data = (unsigned char *)p->solver->certs[i].der.data;
	p->chain.data_len = p->solver->certs[i].der.len;
	p->cc->chain_handler.single_ec.chain = &p->chain;
	p->cc->chain_handler.single_ec.chain_len = 1;
	p->chosen = p->solver->certs[i].name;
	return (*inner)->choose(inner, cc, choices);
}

static uint32_t
sni_do_keyx(const br_ssl_server_policy_class **pctx, unsigned char *data, size_t *len)
{
	const br_ssl_server_policy_class **inner = inner_policy(pctx);

	return (*inner)->do_keyx(inner, data, len);
}

static size_t
sni_do_sign(const br_ssl_server_policy_class **pctx, unsigned algo_id, unsigned char *data, size_t hv_len,
    size_t len)
{
	const br_ssl_server_policy_class **inner = inner_policy(pctx);

	return (*inner)->do_sign(inner, algo_id, data, hv_len, len);
}

static const br_ssl_server_policy_class sni_policy_vtable = {
	sizeof(struct sni_policy), sni_choose, sni_do_keyx, sni_do_sign
};

/* Move records between the engine and socket FD until the handshake is over and close_notify is sent. */
static int
run_engine(br_ssl_engine_context *eng, int fd)
{
	unsigned char *data;
	size_t len;
	ssize_t n;
	unsigned state;
	int closing = 0;

	for (;;) {
		state = br_ssl_engine_current_state(eng);
		if (state & BR_SSL_CLOSED)
			return br_ssl_engine_last_error(eng) == BR_ERR_OK ? 0 : -1;
		if (state & BR_SSL_SENDREC) {
			data = br_ssl_engine_sendrec_buf(eng, &len);
			n = send(fd, data, len, MSG_NOSIGNAL);
			if (n <= 0)
				return -1;
			br_ssl_engine_sendrec_ack(eng, (size_t)n);
			continue;
		}
		/* The handshake is done once application data could be sent; the challenge needs nothing more. */
		if ((state & BR_SSL_SENDAPP) && !closing) {
			br_ssl_engine_close(eng);
			closing = 1;
			continue;
		}
		if (state & BR_SSL_RECVAPP) {
			br_ssl_engine_recvapp_buf(eng, &len);
			br_ssl_engine_recvapp_ack(eng, len);
			continue;
		}
		if (state & BR_SSL_RECVREC) {
			data = br_ssl_engine_recvrec_buf(eng, &len);
			n = read(fd, data, len);
			if (n <= 0)
				return closing ? 0 : -1;
			br_ssl_engine_recvrec_ack(eng, (size_t)n);
			continue;
		}
		return -1;
	}
}

/* Serve one connection, in a process of its own that the alarm ends after ALPN01_CONNECTION_TIMEOUT. */
static void
handle_connection(const struct alpn01_solver *s, int fd)
{
	static br_ssl_server_context cc;
	static unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
	static const char *protocols[] = { ALPN01_PROTOCOL };
	struct sni_policy policy;

	alarm(ALPN01_CONNECTION_TIMEOUT);
	br_ssl_server_init_full_ec(&cc, NULL, 0, BR_KEYTYPE_EC, &s->key.ec);
	memset(&policy, 0, sizeof(policy));
	policy.vtable = &sni_policy_vtable;
	policy.cc = &cc;
	policy.solver = s;
	cc.policy_vtable = &policy.vtable;

	/* RFC 8737 section 3: only acme-tls/1 connections get a challenge certificate; see sni_choose. */
	br_ssl_engine_set_protocol_names(&cc.eng, protocols, 1);
	br_ssl_engine_add_flags(&cc.eng, BR_OPT_FAIL_ON_ALPN_MISMATCH);
	br_ssl_engine_set_buffer(&cc.eng, iobuf, sizeof(iobuf), 1);
	br_ssl_server_reset(&cc);

	if (run_engine(&cc.eng, fd) == 0 && policy.chosen != NULL)
		log_debug("tls-alpn-01: served the challenge certificate for %s", policy.chosen);
	else
		log_debug("tls-alpn-01: handshake failed: BearSSL error %d", br_ssl_engine_last_error(&cc.eng));
	close(fd);
}

/* The listener's loop: fork one handler per connection, at most ALPN01_MAX_HANDLERS at once. */
static void
serve_loop(const struct alpn01_solver *s, pid_t parent)
{
	struct pollfd listener = { .fd = s->listen_fd, .events = POLLIN };
	time_t end = time(NULL) + s->lifetime;
	int active = 0, fd;
	pid_t pid;

	while (time(NULL) < end && getppid() == parent) {
		while (active > 0 && waitpid(-1, NULL, WNOHANG) > 0)
			active--;
		if (poll(&listener, 1, 1000) <= 0)
			continue;
		fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		if (active >= ALPN01_MAX_HANDLERS) {
			close(fd);
			continue;
		}
		pid = fork();
		if (pid == 0) {
			close(s->listen_fd);
			handle_connection(s, fd);
			_exit(0);
		}
		close(fd);
		if (pid > 0)
			active++;
	}
}

static int
solver_prepare(void *ctx, const char *identifier, const char *token, const char *key_authorization)
{
	struct alpn01_solver *s = ctx;
	unsigned char digest[32];
	br_sha256_context sha;
	struct alpn01_cert *c;

	if (s->count == ALPN01_MAX_NAMES)
		return error_set("more than %d tls-alpn-01 names in one order", ALPN01_MAX_NAMES);
	if (!s->have_key) {
		if (key_generate(&s->key, KEY_EC_P256) != 0)
			return error_prefix("the tls-alpn certificate key");
		s->have_key = 1;
	}

	br_sha256_init(&sha);
	br_sha256_update(&sha, key_authorization, strlen(key_authorization));
	br_sha256_out(&sha, digest);

	c = &s->certs[s->count];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", identifier);
	if (alpn01_certificate(identifier, digest, &s->key, (long long)time(NULL), &c->der) != 0) {
		buf_free(&c->der);
		return error_prefix("%s", identifier);
	}
	s->count++;
	return 0;
}

static int
solver_start(void *ctx)
{
	struct alpn01_solver *s = ctx;
	pid_t parent = getpid(), pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return error_set("cannot start the tls-alpn listener: fork: %s", strerror(errno));
	if (pid == 0) {
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(0);
		serve_loop(s, parent);
		_exit(0);
	}
	s->child = pid;
	log_debug("tls-alpn-01: listener process %d serves %zu name(s)", (int)pid, s->count);
	return 0;
}

static void
stop_child(struct alpn01_solver *s)
{
	if (s->child <= 0)
		return;
	kill(s->child, SIGTERM);
	while (waitpid(s->child, NULL, 0) < 0 && errno == EINTR)
		;
	s->child = 0;
}

static void
solver_cleanup(void *ctx)
{
	stop_child(ctx);
}

/* see challenge_alpn.h */
int
alpn01_solver_open(struct alpn01_solver *s, const char *addr_port, int lifetime)
{
	s->child = 0;
	s->count = 0;
	s->have_key = 0;
	s->lifetime = lifetime;
	s->listen_fd = challenge_listen(addr_port, "tls-alpn");
	return s->listen_fd < 0 ? -1 : 0;
}

/* see challenge_alpn.h */
void
alpn01_solver_bind(struct alpn01_solver *s, struct acme_solver *out)
{
	out->type = "tls-alpn-01";
	out->prepare = solver_prepare;
	out->start = solver_start;
	out->cleanup = solver_cleanup;
	out->ctx = s;
}

/* see challenge_alpn.h */
void
alpn01_solver_close(struct alpn01_solver *s)
{
	size_t i;

	stop_child(s);
	if (s->listen_fd >= 0) {
		close(s->listen_fd);
		s->listen_fd = -1;
	}
	for (i = 0; i < s->count; i++)
		buf_free(&s->certs[i].der);
	s->count = 0;
	if (s->have_key)
		key_wipe(&s->key);
	s->have_key = 0;
}
