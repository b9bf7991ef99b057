#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bearssl.h"
#include "clock.h"
#include "log.h"
#include "net.h"
#include "probe.h"
#include "tls.h"

#define PROBE_LEAF_MAX 16384	/* bytes of the served leaf kept; a larger one fails the probe */
#define PROBE_LINE_MAX 1024	/* bytes of one SMTP or IMAP response line */
#define PROBE_LINES_MAX 64	/* lines of one multi-line SMTP reply */

/*
 * NOT FOR ACME: an X.509 engine that verifies nothing. It records the
 * first certificate the server sends (the leaf) and hands its public key
 * to the handshake, so that the probe can compare the leaf with the live
 * certificate byte for byte. The comparison is the whole check: a probe
 * sends no data over the connection but a close_notify.
 */
struct recording_x509 {
	const br_x509_class *vtable;
	unsigned char leaf[PROBE_LEAF_MAX];
	size_t leaf_len;
	int too_long;
	unsigned count;			/* certificates seen */
	br_x509_decoder_context decoder;
	int decoded;
};

static void
recording_start_chain(const br_x509_class **ctx, const char *server_name)
{
	struct recording_x509 *r = (struct recording_x509 *)(void *)ctx;

	(void)server_name;
	r->leaf_len = 0;
	r->too_long = 0;
	r->count = 0;
	r->decoded = 0;
}

static void
recording_start_cert(const br_x509_class **ctx, uint32_t length)
{
	struct recording_x509 *r = (struct recording_x509 *)(void *)ctx;

	(void)length;
	r->count++;
}

static void
recording_append(const br_x509_class **ctx, const unsigned char *data, size_t len)
{
	struct recording_x509 *r = (struct recording_x509 *)(void *)ctx;

	if (r->count != 1)
		return;
	if (len > sizeof(r->leaf) - r->leaf_len) {
		r->too_long = 1;
		return;
	}
	memcpy(r->leaf + r->leaf_len, data, len);
	r->leaf_len += len;
}

static void
recording_end_cert(const br_x509_class **ctx)
{
	(void)ctx;
}

/* Decode the leaf's public key for the handshake; the chain itself is not checked. */
static unsigned
recording_end_chain(const br_x509_class **ctx)
{
	struct recording_x509 *r = (struct recording_x509 *)(void *)ctx;

	if (r->count == 0 || r->too_long)
		return BR_ERR_X509_TRUNCATED;
	br_x509_decoder_init(&r->decoder, NULL, NULL);
	br_x509_decoder_push(&r->decoder, r->leaf, r->leaf_len);
	if (br_x509_decoder_last_error(&r->decoder) != 0 || br_x509_decoder_get_pkey(&r->decoder) == NULL)
		return BR_ERR_X509_UNSUPPORTED;
	r->decoded = 1;
	return 0;
}

static const br_x509_pkey *
recording_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
	struct recording_x509 *r = (struct recording_x509 *)(void *)ctx;

	if (usages != NULL)
		*usages = BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN;
	return r->decoded ? br_x509_decoder_get_pkey(&r->decoder) : NULL;
}

static const br_x509_class recording_vtable = {
	sizeof(struct recording_x509),
	recording_start_chain,
	recording_start_cert,
	recording_append,
	recording_end_cert,
	recording_end_chain,
	recording_get_pkey,
};

/* The client and its buffers; large, so it lives on the heap. */
struct probe_tls {
	br_ssl_client_context client;
	struct recording_x509 x509;
	unsigned char io[BR_SSL_BUFSIZE_BIDI];
};

/* The same client as for the CA, with an X.509 engine that only records the leaf. */
static void
probe_init(struct probe_tls *p)
{
	tls_engine_setup(&p->client, p->io, sizeof(p->io));
	p->x509.vtable = &recording_vtable;
	br_ssl_engine_set_x509(&p->client.eng, &p->x509.vtable);
}

/* Drive the handshake until application data could be sent, or the engine closed. Returns 0 or -1. */
static int
handshake(struct probe_tls *p, struct net_conn *nc, const char *endpoint)
{
	br_ssl_engine_context *eng = &p->client.eng;
	unsigned char *rec;
	unsigned state;
	size_t len;
	ssize_t n;
	int err;

	for (;;) {
		state = br_ssl_engine_current_state(eng);
		if (state & BR_SSL_CLOSED)
			break;
		if (state & BR_SSL_SENDREC) {
			rec = br_ssl_engine_sendrec_buf(eng, &len);
			if (net_write_all(nc, rec, len) != 0)
				return error_prefix("probe %s", endpoint);
			br_ssl_engine_sendrec_ack(eng, len);
			continue;
		}
		if (state & BR_SSL_SENDAPP)
			return 0;
		if (state & BR_SSL_RECVREC) {
			rec = br_ssl_engine_recvrec_buf(eng, &len);
			n = net_read(nc, rec, len);
			if (n < 0)
				return error_prefix("probe %s", endpoint);
			if (n == 0)
				return error_set("probe %s: the server closed the connection during the TLS handshake",
				    endpoint);
			br_ssl_engine_recvrec_ack(eng, (size_t)n);
			continue;
		}
		return error_set("probe %s: the TLS engine stalled", endpoint);
	}

	/* A leaf recorded before a later failure (cipher suites, signature) still answers the question. */
	err = br_ssl_engine_last_error(eng);
	if (p->x509.leaf_len > 0 && !p->x509.too_long && p->x509.count > 0)
		return 0;
	return error_set("probe %s: the TLS handshake failed (BearSSL error %d)", endpoint, err);
}

/* Send what the engine has queued (the close_notify), without waiting for the server's. */
static void
flush_records(struct probe_tls *p, struct net_conn *nc)
{
	br_ssl_engine_context *eng = &p->client.eng;
	unsigned char *rec;
	size_t len;

	while (br_ssl_engine_current_state(eng) & BR_SSL_SENDREC) {
		rec = br_ssl_engine_sendrec_buf(eng, &len);
		if (net_write_all(nc, rec, len) != 0)
			return;
		br_ssl_engine_sendrec_ack(eng, len);
	}
}

/* Read one line ending in LF, byte by byte, so that nothing of the TLS handshake is consumed. */
static int
read_line(struct net_conn *nc, char *line, size_t cap, const char *endpoint)
{
	size_t len = 0;
	ssize_t n;
	char ch;

	for (;;) {
		n = net_read(nc, &ch, 1);
		if (n < 0)
			return error_prefix("probe %s", endpoint);
		if (n == 0)
			return error_set("probe %s: the server closed the connection before STARTTLS", endpoint);
		if (ch == '\n')
			break;
		if (len + 1 >= cap)
			return error_set("probe %s: a response line is longer than %zu bytes", endpoint, cap);
		line[len++] = ch;
	}
	if (len > 0 && line[len - 1] == '\r')
		len--;
	line[len] = '\0';
	return 0;
}

/* Read an SMTP reply (RFC 5321 section 4.2) and require code WANT. */
static int
smtp_reply(struct net_conn *nc, const char *want, const char *endpoint)
{
	char line[PROBE_LINE_MAX], safe[128];
	int i;

	for (i = 0; i < PROBE_LINES_MAX; i++) {
		if (read_line(nc, line, sizeof(line), endpoint) != 0)
			return -1;
		if (strlen(line) < 3 || strncmp(line, want, 3) != 0) {
			log_sanitize(safe, sizeof(safe), line, strlen(line));
			return error_set("probe %s: expected SMTP %s, got '%s'", endpoint, want, safe);
		}
		if (line[3] != '-')
			return 0;
	}
	return error_set("probe %s: an SMTP reply of more than %d lines", endpoint, PROBE_LINES_MAX);
}

/* SMTP STARTTLS (RFC 3207): greeting, EHLO, STARTTLS. */
static int
smtp_starttls(struct net_conn *nc, const char *endpoint)
{
	static const char ehlo[] = "EHLO keepcert.invalid\r\n", starttls[] = "STARTTLS\r\n";

	if (smtp_reply(nc, "220", endpoint) != 0 || net_write_all(nc, ehlo, sizeof(ehlo) - 1) != 0 ||
	    smtp_reply(nc, "250", endpoint) != 0 || net_write_all(nc, starttls, sizeof(starttls) - 1) != 0 ||
	    smtp_reply(nc, "220", endpoint) != 0)
		return -1;
	return 0;
}

/* IMAP STARTTLS (RFC 9051 section 6.2.1): greeting, then a tagged STARTTLS. */
static int
imap_starttls(struct net_conn *nc, const char *endpoint)
{
	static const char starttls[] = "k1 STARTTLS\r\n";
	char line[PROBE_LINE_MAX], safe[128];
	int i;

	if (read_line(nc, line, sizeof(line), endpoint) != 0)
		return -1;
	if (strncasecmp(line, "* OK", 4) != 0) {
		log_sanitize(safe, sizeof(safe), line, strlen(line));
		return error_set("probe %s: expected an IMAP greeting, got '%s'", endpoint, safe);
	}
	if (net_write_all(nc, starttls, sizeof(starttls) - 1) != 0)
		return -1;
	for (i = 0; i < PROBE_LINES_MAX; i++) {
		if (read_line(nc, line, sizeof(line), endpoint) != 0)
			return -1;
		if (line[0] == '*')
			continue;
		if (strncasecmp(line, "k1 OK", 5) == 0)
			return 0;
		log_sanitize(safe, sizeof(safe), line, strlen(line));
		return error_set("probe %s: STARTTLS was refused: '%s'", endpoint, safe);
	}
	return error_set("probe %s: no answer to STARTTLS", endpoint);
}

/* see probe.h */
int
probe_parse(const char *endpoint, char *host, unsigned long cap, unsigned *port, enum probe_protocol *protocol)
{
	const char *p = endpoint, *colon, *end;
	char *stop;
	unsigned long n;
	int explicit = 0;
	size_t len;

	*protocol = PROBE_TLS;
	if (strncasecmp(p, "smtp://", 7) == 0) {
		*protocol = PROBE_SMTP;
		explicit = 1;
		p += 7;
	} else if (strncasecmp(p, "imap://", 7) == 0) {
		*protocol = PROBE_IMAP;
		explicit = 1;
		p += 7;
	}

	if (*p == '[') {
		end = strchr(p, ']');
		if (end == NULL || end[1] != ':')
			return error_set("probe '%s': write an IPv6 address as [ADDR]:PORT", endpoint);
		colon = end + 1;
		p++;
		len = (size_t)(end - p);
	} else {
		colon = strrchr(p, ':');
		if (colon == NULL)
			return error_set("probe '%s': expected HOST:PORT", endpoint);
		len = (size_t)(colon - p);
	}
	if (len == 0 || len >= cap)
		return error_set("probe '%s': the host is empty or too long", endpoint);
	memcpy(host, p, len);
	host[len] = '\0';
	n = strtoul(colon + 1, &stop, 10);
	if (*stop != '\0' || n == 0 || n > 65535 || colon[1] == '\0')
		return error_set("probe '%s': the port is not a number from 1 to 65535", endpoint);
	*port = (unsigned)n;

	/* Without a prefix the port decides: submission and SMTP use STARTTLS, IMAP on 143 too. */
	if (!explicit && (n == 25 || n == 587))
		*protocol = PROBE_SMTP;
	else if (!explicit && n == 143)
		*protocol = PROBE_IMAP;
	return 0;
}

/* see probe.h */
int
probe_leaf(const char *endpoint, int timeout, unsigned char sha256[32])
{
	struct net_conn nc;
	struct probe_tls *p;
	enum probe_protocol protocol;
	br_sha256_context sc;
	char host[256];
	unsigned port;
	int rc = -1;

	if (probe_parse(endpoint, host, sizeof(host), &port, &protocol) != 0)
		return -1;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return error_set("out of memory");
	/* One deadline for the whole probe, so a daemon that trickles its greeting cannot stall status. */
	if (net_connect(&nc, host, port, 0, timeout, timeout, clock_ms() + 1000LL * timeout) != 0) {
		free(p);
		return error_prefix("probe %s", endpoint);
	}
	if ((protocol == PROBE_SMTP && smtp_starttls(&nc, endpoint) != 0) ||
	    (protocol == PROBE_IMAP && imap_starttls(&nc, endpoint) != 0))
		goto out;

	probe_init(p);
	if (!br_ssl_client_reset(&p->client, host, 0)) {
		error_set("probe %s: TLS setup failed (BearSSL error %d)", endpoint,
		    br_ssl_engine_last_error(&p->client.eng));
		goto out;
	}
	if (handshake(p, &nc, endpoint) != 0)
		goto out;
	if (p->x509.count == 0 || p->x509.too_long) {
		error_set("probe %s: the server sent no certificate of at most %d bytes", endpoint, PROBE_LEAF_MAX);
		goto out;
	}
	br_sha256_init(&sc);
	br_sha256_update(&sc, p->x509.leaf, p->x509.leaf_len);
	br_sha256_out(&sc, sha256);
	rc = 0;

	/* Say goodbye properly; a failure here changes nothing about the leaf. */
	br_ssl_engine_close(&p->client.eng);
	flush_records(p, &nc);
out:
	net_close(&nc);
	explicit_bzero(p, sizeof(*p));
	free(p);
	return rc;
}
