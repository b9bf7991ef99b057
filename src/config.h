/*
 * The configuration file (default /etc/keepcert/keepcert.conf):
 *
 *	# global keys first
 *	directory = letsencrypt
 *	contact   = mailto:admin@example.org
 *
 *	[example.org]			one section per certificate
 *	names     = example.org www.example.org
 *	challenge = webroot /var/www/acme
 *
 * Lines are "key = value", '#' starts a comment line, blank lines are
 * skipped. A '#' after a value is part of the value, because hook commands
 * may contain one. Keys may appear once per section; unknown keys are
 * errors. Section values left unset take the global value.
 *
 * Every error names the file, the line and the key:
 *	/etc/keepcert/keepcert.conf:12: key 'nmaes': unknown key; ...
 */
#ifndef KEEPCERT_CONFIG_H
#define KEEPCERT_CONFIG_H

#include <stddef.h>

#include "store.h"

#define CONFIG_DEFAULT_PATH "/etc/keepcert/keepcert.conf"
#define CONFIG_DEFAULT_STATE_DIR "/var/lib/keepcert"
#define CONFIG_DEFAULT_DIRECTORY "https://acme-v02.api.letsencrypt.org/directory"
#define CONFIG_DEFAULT_LOCK_TIMEOUT 300	/* seconds a second run waits for the lock */
#define CONFIG_DEFAULT_TIMEOUT 300	/* seconds for the whole run of a command, as ACME_DEFAULT_TIMEOUT */

#define CONFIG_FILE_MAX (1u << 20)	/* bytes */
#define CONFIG_LINE_MAX 4096		/* bytes of one line, without the newline */
#define CONFIG_LINES_MAX 65536
#define CONFIG_CERTS_MAX 4096		/* sections: a hosting box may renew thousands */
#define CONFIG_NAMES_MAX 100		/* names of one certificate, the usual CA limit */
#define CONFIG_PROBES_MAX 16
#define CONFIG_CONTACTS_MAX 8

enum challenge_type {
	CHALLENGE_HTTP_STATELESS = 1,	/* http-01 answered by nginx from the account thumbprint */
	CHALLENGE_WEBROOT,		/* http-01 file written under DIR/.well-known/acme-challenge */
	CHALLENGE_STANDALONE,		/* http-01 served by keepcert on ADDR:PORT */
	CHALLENGE_DNS_HOOK,		/* dns-01 record set and removed by PROGRAM */
	CHALLENGE_TLS_ALPN,		/* tls-alpn-01 (RFC 8737) served on ADDR:PORT */
};

struct config_challenge {
	enum challenge_type type;
	char *arg;	/* DIR, ADDR:PORT or PROGRAM; NULL for http-stateless */
};

/* Settings a certificate section may override; -1 or NULL means unset. */
struct config_defaults {
	struct config_challenge challenge;
	char *key;		/* ec-p256, ec-p384, rsa-2048, rsa-3072 or rsa-4096 */
	char *deploy;		/* shell command run once per renewed certificate */
	int renew_days;		/* renew this many days before expiry; 0: by lifetime */
	int reuse_key;		/* 1: keep the private key across renewals */
	char *preferred_chain;	/* issuer common name of the chain to prefer */
	char *profile;		/* ACME profile name to request */
	int self_check;		/* 0: answer http-01 without fetching each token first; default 1 */
	char *self_check_addr;	/* ADDR:PORT the self-check connects to instead of NAME:80 */
};

struct config_cert {
	char *name;		/* the section name, also the directory under certs/ */
	int line;		/* line of the section header */
	char *names[CONFIG_NAMES_MAX];
	size_t name_count;
	char *probes[CONFIG_PROBES_MAX];	/* HOST:PORT, or smtp:// or imap:// HOST:PORT */
	size_t probe_count;
	struct config_defaults settings;	/* after inheriting the global values */
};

struct config {
	char *path;
	char *directory;	/* ACME directory URL, a shortcut already expanded */
	char *contacts[CONFIG_CONTACTS_MAX];
	size_t contact_count;
	char *state_dir;
	char *notify;		/* command reading a mail on stdin, e.g. sendmail -t */
	char *ca_bundle;	/* PEM file of trust anchors for the CA's TLS */
	char *eab_kid;		/* external account binding (RFC 8555 section 7.3.4) */
	char *eab_hmac_key;	/* base64url; a secret, wiped by config_free */
	char *pre;		/* command run before any renewal work */
	char *post;		/* command run once after at least one renewal */
	int lock_timeout;	/* seconds */
	int timeout;		/* seconds */
	int agree_tos;
	struct config_defaults defaults;
	struct config_cert *certs;
	size_t cert_count;
};

/*
 * Parse the config text TEXT of LEN bytes; PATH names the file in error
 * messages. On success CONFIG holds every value with defaults applied and
 * must be released with config_free. Returns 0, or -1 with
 * "PATH:LINE: key 'KEY': problem" in error_text() and CONFIG empty.
 */
int config_parse(const char *text, size_t len, const char *path, struct config *config);

/*
 * Read and parse the file PATH. Running as root, a file or hook program
 * that group or others may write is rejected (config_check_private).
 * Returns 0 or -1.
 */
int config_load(const char *path, struct config *config);

/* Free everything CONFIG owns and wipe the EAB key. */
void config_free(struct config *config);

/* The certificate section NAME, or NULL. */
const struct config_cert *config_find(const struct config *config, const char *name);

/*
 * Check that PATH is not writable by group or others, is owned by root or
 * by the effective user, and sits in a directory that group and others
 * cannot write (unless it is sticky, like /tmp): a file others can change
 * must not decide what root runs. Returns 0, or -1 with the fix in
 * error_text().
 */
int config_check_private(const char *path);

/*
 * Apply config_check_private to the program of COMMAND, its first word,
 * when that word is a path (contains '/'). A bare name is found through
 * PATH at run time and is not checked. Returns 0 or -1.
 */
int config_check_command(const char *command);

/* The name of challenge TYPE as written in the config, e.g. "webroot". */
const char *config_challenge_name(enum challenge_type type);

#endif
