/*
 * The challenge a certificate is validated with, chosen with the config
 * key `challenge` or with --challenge, and the ACME solver built from it:
 *
 *	http-stateless		http-01 response built by nginx from the account thumbprint
 *	webroot DIR		http-01 file written under DIR/.well-known/acme-challenge
 *	standalone ADDR:PORT	http-01 served by keepcert's own listener
 *	dns-hook PROGRAM	dns-01 TXT record set with "PROGRAM add NAME VALUE"
 *	tls-alpn ADDR:PORT	tls-alpn-01 (RFC 8737) served by keepcert's own TLS listener
 *
 * http-01 tokens are fetched by keepcert itself before the CA is told to
 * validate them (the self-check), unless self_check is 0.
 */
#ifndef KEEPCERT_CHALLENGE_H
#define KEEPCERT_CHALLENGE_H

#include <stddef.h>

#include "acme.h"
#include "args.h"
#include "config.h"
#include "jws.h"

struct challenge_spec {
	enum challenge_type type;	/* 0 until chosen */
	const char *arg;		/* DIR, ADDR:PORT or PROGRAM; NULL for http-stateless */
	int self_check;			/* 1 (the default): fetch each http-01 token before answering */
	const char *self_check_addr;	/* ADDR:PORT to fetch from instead of NAME:80, or NULL */
};

/* Option ids of CHALLENGE_OPTION_SPECS; clear of the ids of account.h and of the commands. */
enum {
	OPT_CHALLENGE_MODE = 200,
	OPT_NO_SELF_CHECK,
	OPT_SELF_CHECK_ADDR,
};

/* The option_spec entries for the ids above. */
#define CHALLENGE_OPTION_SPECS                                  \
	{ "challenge", 0, 1, OPT_CHALLENGE_MODE },              \
	{ "no-self-check", 0, 0, OPT_NO_SELF_CHECK },           \
	{ "self-check-addr", 0, 1, OPT_SELF_CHECK_ADDR }

/* Help lines for CHALLENGE_OPTION_SPECS. */
#define CHALLENGE_OPTION_HELP                                                                  \
	"  --challenge MODE [ARG] how the CA validates the names (default http-stateless):\n"     \
	"                         http-stateless, webroot DIR, standalone ADDR:PORT,\n"          \
	"                         dns-hook PROGRAM or tls-alpn ADDR:PORT\n"                      \
	"  --no-self-check        respond to http-01 without fetching each token first (issue)\n" \
	"  --self-check-addr ADDR:PORT\n"                                                         \
	"                         fetch the token from ADDR:PORT instead of NAME:80 (Host stays NAME)\n"

#define CHECK_HELP                                                                          \
	"  NAME                   check only these names (default: every name of the config)\n" \
	CHALLENGE_OPTION_HELP                                                                   \
	"  --state-dir, --directory, --ca: where the account key of http-stateless is found\n"  \
	"\n"                                                                                    \
	"Without --challenge, names and modes come from the config file when there is one.\n" \
	"One line per name; exit status 0 when every name passed, 1 otherwise. dns-hook and\n"  \
	"tls-alpn names are listed as skipped: only the http-01 modes are checked.\n"

#define SNIPPET_HELP                                                                        \
	"  (none)                 the http-stateless block, from the account key's thumbprint\n" \
	"  --webroot DIR          the block serving DIR/.well-known/acme-challenge\n"          \
	"  --standalone ADDR:PORT the block passing the tokens to keepcert's listener\n"        \
	"  --state-dir DIR, --directory URL, --ca NAME\n"                                      \
	"                         find the account key as issue does (accounts/<CA>/account.key)\n"

/* Set the defaults: http-stateless with the self-check on. */
void challenge_spec_init(struct challenge_spec *spec);

/*
 * Apply option ID with VALUE if it is one of CHALLENGE_OPTION_SPECS; a mode
 * that needs an argument takes it from A with args_take(). Returns 1 when
 * applied, 0 when ID is not one of them, or -1 with error_text() set.
 */
int challenge_option(struct challenge_spec *spec, int id, const char *value, struct args *a);

/*
 * Set SPEC's mode from its config name MODE ("webroot"...) and ARG, which
 * the modes other than http-stateless require. Returns 0 or -1.
 */
int challenge_spec_set(struct challenge_spec *spec, const char *mode, const char *arg);

/*
 * Set SPEC from a certificate's config settings (challenge, self-check,
 * self-check-addr). The strings stay owned by SETTINGS.
 */
void challenge_spec_from_config(struct challenge_spec *spec, const struct config_defaults *settings);

/* The ACME challenge type of TYPE: "http-01", "dns-01" or "tls-alpn-01". */
const char *challenge_acme_type(enum challenge_type type);

/*
 * Check that SPEC can validate every one of NAMES: a wildcard needs
 * dns-01 (RFC 8555 section 7.1.3). Returns 0, or -1 naming the first name
 * that cannot be validated and the fix.
 */
int challenge_check_names(const struct challenge_spec *spec, const char *const *names, size_t count);

/*
 * Load the account key of the CA at DIRECTORY_URL from STATE_DIR
 * (accounts/<CA>/account.key) and write its RFC 7638 thumbprint, which
 * ends every http-stateless response, into OUT. Returns 0 or -1.
 */
int challenge_thumbprint(const char *state_dir, const char *directory_url, char out[JWS_THUMBPRINT_SIZE]);

struct challenge_solver;

/*
 * Make the solver for SPEC: listeners are bound and the webroot is opened
 * now, before any request to the CA, so that a port in use or a missing
 * directory costs the CA nothing. LIFETIME bounds, in seconds, how long a
 * listener process may serve. Returns NULL with error_text() set.
 */
struct challenge_solver *challenge_solver_new(const struct challenge_spec *spec, int lifetime);

/* The callbacks to pass to acme_order_authorize(). */
const struct acme_solver *challenge_solver_acme(const struct challenge_solver *s);

/* Undo whatever the solver left (files, records, listeners) and free it. NULL is allowed. */
void challenge_solver_free(struct challenge_solver *s);

#endif
