/*
 * The ACME account as the commands see it: options shared by issue,
 * revoke and account, and the account files in the state directory
 *
 *	accounts/<CA host[_port]>/account.key	0600, PKCS#8 PEM
 *	accounts/<CA host[_port]>/account.json	{"url", "contact", "status"}
 *
 * so that a run with a cached account URL sends no newAccount request.
 */
#ifndef KEEPCERT_ACCOUNT_H
#define KEEPCERT_ACCOUNT_H

#include <limits.h>

#include "acme.h"
#include "args.h"
#include "key.h"

#define DEFAULT_STATE_DIR "/var/lib/keepcert"
#define EAB_KEY_MAX 256		/* bytes of a decoded EAB MAC key */
#define EAB_KEY_SHORT 32	/* RFC 7518 section 3.2 wants at least the hash size for HS256 */

/* Option ids shared by the commands that talk to a CA; commands number theirs from 100. */
enum {
	OPT_DIRECTORY = 1,
	OPT_CA,
	OPT_CA_BUNDLE,
	OPT_STATE_DIR,
	OPT_CONTACT,
	OPT_AGREE_TOS,
	OPT_EAB_KID,
	OPT_EAB_HMAC_KEY,
	OPT_TIMEOUT,
};

/* The option_spec entries for the ids above, to put at the head of a command's table. */
#define ACCOUNT_OPTION_SPECS                                    \
	{ "directory", 0, 1, OPT_DIRECTORY },                   \
	{ "ca", 0, 1, OPT_CA },                                 \
	{ "ca-bundle", 0, 1, OPT_CA_BUNDLE },                   \
	{ "state-dir", 0, 1, OPT_STATE_DIR },                   \
	{ "contact", 0, 1, OPT_CONTACT },                       \
	{ "agree-tos", 0, 0, OPT_AGREE_TOS },                   \
	{ "eab-kid", 0, 1, OPT_EAB_KID },                       \
	{ "eab-hmac-key", 0, 1, OPT_EAB_HMAC_KEY },             \
	{ "timeout", 0, 1, OPT_TIMEOUT }

/* Help lines for ACCOUNT_OPTION_SPECS. */
#define ACCOUNT_OPTION_HELP                                                                     \
	"  --directory URL        ACME directory URL (default: Let's Encrypt)\n"                  \
	"  --ca NAME              " ACME_CA_NAMES "\n"                                         \
	"  --ca-bundle FILE       PEM file of roots to trust for the CA's HTTPS server\n"          \
	"  --state-dir DIR        state directory (default " DEFAULT_STATE_DIR ")\n"              \
	"  --timeout SECONDS      deadline for the whole run (default 300)\n"                  \
	"\n"                                                                                    \
	"Settings no option gives come from the config file's global keys when there is one.\n"

/* Help lines for the options that only matter when an account is created. */
#define ACCOUNT_CREATE_HELP                                                                     \
	"  --contact URL          account contact, such as mailto:admin@example.org; repeatable\n" \
	"  --agree-tos            accept the CA's terms of service when creating the account\n"  \
	"  --eab-kid KID          external account binding key id, from the CA\n"               \
	"  --eab-hmac-key KEY     external account binding MAC key (base64 or base64url)\n"

#define ISSUE_HELP                                                                          \
	"  -d, --domain NAME      a DNS name or IP address for the certificate; repeatable\n"   \
	"  SECTION                instead of -d: the names and settings of the config's [SECTION]\n" \
	CHALLENGE_OPTION_HELP                                                                   \
	"  --key TYPE             certificate key: ec-p256 (default), ec-p384, rsa-2048, rsa-3072, rsa-4096\n" \
	"  --preferred-chain CN   use the chain whose top certificate was issued by CN, if offered\n" \
	"  --profile NAME         certificate profile, one the CA's directory lists\n"          \
	ACCOUNT_CREATE_HELP                                                                     \
	ACCOUNT_OPTION_HELP

#define REVOKE_HELP                                                                         \
	"  --reason REASON        CRL reason (RFC 5280 section 5.3.1), by name or number:\n"     \
	"                         unspecified (0), keyCompromise (1), affiliationChanged (3),\n" \
	"                         superseded (4), cessationOfOperation (5)\n"                   \
	ACCOUNT_OPTION_HELP

#define ACCOUNT_HELP                                                                        \
	"  --key TYPE             new key type for rollover (default ec-p256)\n"                \
	"  --contact URL          with update: the new contact list; repeatable. 'none' removes\n" \
	"                         every contact\n"                                               \
	ACCOUNT_CREATE_HELP                                                                     \
	ACCOUNT_OPTION_HELP

struct account_options {
	const char *directory_url;
	const char *ca_bundle;
	const char *state_dir;
	struct acme_account_request request;
	unsigned char eab_key[EAB_KEY_MAX];
	enum key_type key_type;	/* of a new account key: ec-p256 unless account register --key */
	int contacts_none;	/* --contact none: no contact at all */
	int timeout;		/* seconds for the whole run; 0 until set */
	int lock_wait;		/* seconds to wait for another run's lock; -1 until set */
};

/*
 * Clear O: every setting unset, so that cli_config_account() can tell
 * what no option gave and fill it from the config or the defaults.
 */
void account_options_init(struct account_options *o);

/*
 * Apply option ID with VALUE if it is one of the shared ones. Returns 1
 * when applied, 0 when ID is not a shared option, or -1 with error_text()
 * set on an invalid value (an EAB key that does not decode, for one).
 */
int account_option(struct account_options *o, int id, const char *value);

/*
 * 1 when the cached account.json of the CA of O says the account was
 * deactivated, with its URL in URL (of size CAP); 0 when not or unknown.
 */
int account_cached_deactivated(const struct account_options *o, char *url, size_t cap);

/* The account files' paths and the account key, while a command runs. */
struct account {
	char dir[PATH_MAX];
	char key_path[PATH_MAX];
	char json_path[PATH_MAX];
	struct key key;
	int have_key;
};

/*
 * Open the CA's directory and make C's account usable: load the key and
 * the cached URL; with CREATE, generate the key and create (or find) the
 * account when needed, and cache its URL. Returns 0 or -1.
 */
int account_open(struct acme_client *c, struct account *acct, const struct account_options *o, int create);

/*
 * As account_open, for a client C that acme_open() opened already, such as
 * one that fetched renewalInfo before any certificate was due. Returns 0 or -1.
 */
int account_attach(struct acme_client *c, struct account *acct, const struct account_options *o, int create);

/* Write account.json with C's account URL, CONTACTS and STATUS. Returns 0 or -1. */
int account_save(const struct account *acct, const struct acme_client *c, const char *const *contacts,
    size_t count, const char *status);

/* Wipe the key and close the client. */
void account_close(struct acme_client *c, struct account *acct);

#endif
