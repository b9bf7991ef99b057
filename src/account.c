/*
 * The account files in the state directory, and the "account" command:
 * register, show, update, rollover, deactivate, thumbprint.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "account.h"
#include "base64.h"
#include "cli_config.h"
#include "commands.h"
#include "json.h"
#include "jws.h"
#include "lock.h"
#include "log.h"
#include "store.h"

#define ACCOUNT_JSON_MAX (64 * 1024)

/* see account.h */
void
account_options_init(struct account_options *o)
{
	memset(o, 0, sizeof(*o));
	o->key_type = KEY_EC_P256;
	o->lock_wait = -1;
}

/* Decode an EAB MAC key in either base64 alphabet, with or without padding. */
static int
decode_eab_key(struct account_options *o, const char *value)
{
	size_t len = 0;

	if (base64_decode(o->eab_key, sizeof(o->eab_key), &len, value, strlen(value), BASE64_ANY) != 0 ||
	    len == 0)
		return error_set("--eab-hmac-key is not valid base64 or base64url; copy the MAC key "
		    "exactly as the CA shows it");

	/* HMAC takes keys of any length and CAs hand out shorter ones, so a short key only warns. */
	if (len < EAB_KEY_SHORT)
		log_warning("--eab-hmac-key decodes to %zu bytes, fewer than the %d that HS256 calls for; "
		    "using it anyway", len, EAB_KEY_SHORT);
	o->request.eab_mac_key = o->eab_key;
	o->request.eab_mac_key_len = len;
	return 0;
}

/* see account.h */
int
account_option(struct account_options *o, int id, const char *value)
{
	char *end;
	long n;

	switch (id) {
	case OPT_DIRECTORY:
		if (!acme_url_valid(value))
			return error_set("--directory '%s' is not an https:// URL; give the CA's directory URL, "
			    "such as https://acme-v02.api.letsencrypt.org/directory", log_short(value));
		o->directory_url = value;
		return 1;
	case OPT_CA:
		o->directory_url = acme_ca_directory(value);
		if (o->directory_url == NULL)
			return error_set("--ca '%s' is unknown; use " ACME_CA_NAMES ", or --directory URL",
			    log_short(value));
		return 1;
	case OPT_CA_BUNDLE:
		o->ca_bundle = value;
		return 1;
	case OPT_STATE_DIR:
		o->state_dir = value;
		return 1;
	case OPT_CONTACT:
		if (strcmp(value, "none") == 0) {
			o->contacts_none = 1;
			return 1;
		}
		if (strncmp(value, "mailto:", 7) != 0 || value[7] == '\0')
			return error_set("--contact '%s' is not a mailto: URL; write mailto:admin@example.org",
			    log_short(value));
		if (o->request.contact_count == ACME_MAX_CONTACTS)
			return error_set("more than %d --contact options", ACME_MAX_CONTACTS);
		o->request.contacts[o->request.contact_count++] = value;
		return 1;
	case OPT_AGREE_TOS:
		o->request.agree_tos = 1;
		return 1;
	case OPT_EAB_KID:
		o->request.eab_kid = value;
		return 1;
	case OPT_EAB_HMAC_KEY:
		return decode_eab_key(o, value) == 0 ? 1 : -1;
	case OPT_TIMEOUT:
		errno = 0;
		n = strtol(value, &end, 10);
		if (errno != 0 || *end != '\0' || n <= 0 || n > 86400)
			return error_set("--timeout '%s' is invalid; give seconds from 1 to 86400", log_short(value));
		o->timeout = (int)n;
		return 1;
	}
	return 0;
}

static int
set_paths(struct account *acct, const struct account_options *o)
{
	char ca[256];

	if (acme_ca_dirname(o->directory_url, ca, sizeof(ca)) != 0)
		return -1;
	if ((size_t)snprintf(acct->dir, sizeof(acct->dir), "%s/accounts/%s", o->state_dir, ca) >=
	    sizeof(acct->dir) - 16)
		return error_set("state directory path '%s' is too long", o->state_dir);
	snprintf(acct->key_path, sizeof(acct->key_path), "%s/account.key", acct->dir);
	snprintf(acct->json_path, sizeof(acct->json_path), "%s/account.json", acct->dir);
	return 0;
}

/* Read the cached account URL and status from account.json, if there is one. */
static int
load_cached_url(const struct account *acct, struct acme_client *c, char *status, size_t cap)
{
	struct json_token tokens[256];
	struct json_doc doc;
	char *text = NULL;
	size_t len, at;
	int tok, rc = 0;

	status[0] = '\0';
	if (access(acct->json_path, F_OK) != 0)
		return 0;
	if (store_read_file(acct->json_path, ACCOUNT_JSON_MAX, &text, &len) != 0)
		return -1;
	if (json_parse(&doc, text, len, tokens, 256, &at) != JSON_OK || tokens[0].type != JSON_OBJECT ||
	    (tok = json_get(&doc, 0, "url")) < 0 ||
	    json_string(&doc, tok, c->account_url, sizeof(c->account_url)) < 0 ||
	    !acme_url_valid(c->account_url)) {
		c->account_url[0] = '\0';
		rc = error_set("%s is damaged (no valid \"url\"); move it away to look the account up again",
		    acct->json_path);
	}
	tok = rc == 0 ? json_get(&doc, 0, "status") : -1;
	if (tok >= 0 && json_string(&doc, tok, status, cap) < 0)
		status[0] = '\0';
	free(text);
	return rc;
}

/* see account.h */
int
account_save(const struct account *acct, const struct acme_client *c, const char *const *contacts,
    size_t count, const char *status)
{
	struct buf b = { 0 };
	size_t i;
	int rc;

	buf_puts(&b, "{\n  \"url\": ");
	json_write_string(&b, c->account_url);
	buf_puts(&b, ",\n  \"directory\": ");
	json_write_string(&b, c->directory_url);
	buf_puts(&b, ",\n  \"contact\": [");
	for (i = 0; i < count; i++) {
		buf_puts(&b, i > 0 ? ", " : "");
		json_write_string(&b, contacts[i]);
	}
	buf_puts(&b, "],\n  \"status\": ");
	json_write_string(&b, status);
	buf_puts(&b, "\n}\n");
	rc = b.failed ? error_set("account.json is too large") :
	    store_write_file(acct->json_path, b.data, b.len, 0600);
	buf_free(&b);
	return rc;
}

/* Load the account key, or with CREATE make one; the file is written before any request. */
static int
load_key(struct account *acct, int create, enum key_type type)
{
	if (access(acct->key_path, F_OK) == 0) {
		if (key_load(&acct->key, acct->key_path) != 0)
			return -1;
		acct->have_key = 1;
		return 0;
	}
	if (!create)
		return error_set("no account key at %s; run 'keepcert account register' first", acct->key_path);
	if (store_mkdirs(acct->dir, 0700) != 0 || key_generate(&acct->key, type) != 0 ||
	    key_save(&acct->key, acct->key_path) != 0)
		return error_prefix("creating the account key");
	acct->have_key = 1;
	log_info("created the account key %s", acct->key_path);
	return 1;
}

/* see account.h */
int
account_open(struct acme_client *c, struct account *acct, const struct account_options *o, int create)
{
	struct acme_options ao = { o->directory_url, o->ca_bundle, o->timeout };

	memset(acct, 0, sizeof(*acct));
	if (set_paths(acct, o) != 0)
		return -1;

	/* A missing key that may not be created is a local error, so report it before connecting to the CA. */
	if (!create && access(acct->key_path, F_OK) != 0)
		return load_key(acct, 0, o->key_type);
	if (acme_open(c, &ao) != 0)
		return -1;
	return account_attach(c, acct, o, create);
}

/* see account.h */
int
account_attach(struct acme_client *c, struct account *acct, const struct account_options *o, int create)
{
	char status[32];
	int new_key, found;

	memset(acct, 0, sizeof(*acct));
	if (set_paths(acct, o) != 0 || store_check_state_dir(o->state_dir) != 0)
		return -1;
	new_key = load_key(acct, create, o->key_type);
	if (new_key < 0)
		return -1;
	c->account_key = &acct->key;

	if (!new_key) {
		if (load_cached_url(acct, c, status, sizeof(status)) != 0)
			return -1;
		if (strcmp(status, "deactivated") == 0)
			return error_set("the account %s was deactivated; move %s away to create a new account",
			    c->account_url, acct->dir);
		/* NOTE: --contact does not change a cached account; 'account update' does. */
		if (c->account_url[0] != '\0')
			return 0;

		/* A key without a cached URL: the CA may know it already (RFC 8555 section 7.3.1). */
		found = acme_account_lookup(c);
		if (found < 0)
			return -1;
		if (found)
			return account_save(acct, c, o->request.contacts, o->request.contact_count, "valid");
		if (!create)
			return error_set("the CA has no account for the key %s; run 'keepcert account register'",
			    acct->key_path);
	}

	if (acme_account_new(c, &o->request) != 0)
		return -1;
	return account_save(acct, c, o->request.contacts, o->request.contact_count, "valid");
}

/* see account.h */
int
account_cached_deactivated(const struct account_options *o, char *url, size_t cap)
{
	static struct acme_client c;
	struct account acct;
	char status[32];
	int deactivated;

	memset(&acct, 0, sizeof(acct));
	memset(&c, 0, sizeof(c));
	if (set_paths(&acct, o) != 0 || load_cached_url(&acct, &c, status, sizeof(status)) != 0)
		return 0;
	deactivated = strcmp(status, "deactivated") == 0;
	if (deactivated)
		snprintf(url, cap, "%s", c.account_url);
	return deactivated;
}

/* see account.h */
void
account_close(struct acme_client *c, struct account *acct)
{
	acme_close(c);
	key_wipe(&acct->key);
}

/* Print the account object's fields of interest from its JSON. */
static void
print_account(const struct acme_client *c, const struct buf *json)
{
	struct json_token tokens[512];
	struct json_doc doc;
	char value[HTTP_URL_MAX], safe[HTTP_URL_MAX];
	size_t at;
	uint32_t i;
	int tok;

	printf("url: %s\n", c->account_url);
	if (json_parse(&doc, json->data != NULL ? json->data : "", json->len, tokens, 512, &at) != JSON_OK ||
	    tokens[0].type != JSON_OBJECT)
		return;
	tok = json_get(&doc, 0, "status");
	if (tok >= 0 && json_string(&doc, tok, value, sizeof(value)) >= 0) {
		log_sanitize(safe, sizeof(safe), value, strlen(value));
		printf("status: %s\n", safe);
	}
	tok = json_get(&doc, 0, "contact");
	for (i = 0; tok >= 0 && tokens[tok].type == JSON_ARRAY && i < tokens[tok].size; i++) {
		if (json_string(&doc, json_index(&doc, tok, i), value, sizeof(value)) < 0)
			continue;
		log_sanitize(safe, sizeof(safe), value, strlen(value));
		printf("contact: %s\n", safe);
	}
}

/* Write a new account key to account.key.new, roll the account over, then swap the files. */
static int
rollover(struct acme_client *c, struct account *acct, enum key_type type)
{
	char new_path[PATH_MAX + 8], old_path[PATH_MAX + 8];
	struct key new_key;
	int rc;

	snprintf(new_path, sizeof(new_path), "%s.new", acct->key_path);
	snprintf(old_path, sizeof(old_path), "%s.old", acct->key_path);

	/*
	 * The new key is on disk before the CA receives it, so a crash after the
	 * CA accepts it cannot lose the account.
	 * NOTE: no command yet falls back to account.key.new when the CA rejects account.key.
	 */
	if (access(new_path, F_OK) == 0)
		return error_set("%s exists from an interrupted rollover and may be the key the CA now "
		    "has; rename it to %s if 'account show' fails with the current key, else remove it",
		    new_path, acct->key_path);
	if (key_generate(&new_key, type) != 0 || key_save(&new_key, new_path) != 0) {
		key_wipe(&new_key);
		return error_prefix("account key rollover");
	}
	rc = acme_key_change(c, &new_key);
	key_wipe(&new_key);
	c->account_key = &acct->key;
	if (rc != 0) {
		unlink(new_path);
		return -1;
	}

	/* The old key stays as account.key.old; rename(2) swaps the new one in atomically. */
	unlink(old_path);
	if (link(acct->key_path, old_path) != 0 || rename(new_path, acct->key_path) != 0)
		return error_set("the CA now knows the account by the key %s, but renaming it to %s "
		    "failed: %s; rename it by hand", new_path, acct->key_path, strerror(errno));
	key_wipe(&acct->key);
	return key_load(&acct->key, acct->key_path);
}

/* Reject options that ACTION would silently ignore. */
static int
check_action_options(const char *action, const struct account_options *o, int key_given)
{
	struct account acct;

	if (strcmp(action, "update") == 0 && o->request.contact_count == 0 && !o->contacts_none)
		return error_set("update: give the new contacts with --contact mailto:..., or --contact none "
		    "to remove every contact");
	if (o->contacts_none && o->request.contact_count != 0)
		return error_set("--contact none cannot go with other --contact options");
	if (key_given && strcmp(action, "register") == 0) {
		memset(&acct, 0, sizeof(acct));
		if (set_paths(&acct, o) == 0 && access(acct.key_path, F_OK) == 0)
			return error_set("register: the account key %s exists, so --key would change nothing; "
			    "change the key of the account with 'keepcert account rollover --key TYPE'",
			    acct.key_path);
	} else if (key_given && strcmp(action, "rollover") != 0) {
		return error_set("%s: --key applies to register and rollover only", log_short(action));
	}
	return 0;
}

static const struct option_spec account_specs[] = {
	ACCOUNT_OPTION_SPECS,
	{ "key", 0, 1, 100 },
	{ NULL, 0, 0, 0 },
};

/* see commands.h */
int
cmd_account(struct args *a)
{
	struct account_options o;
	struct acme_client *c = NULL;
	struct account acct;
	struct lock lock;
	struct buf json = { 0 };
	enum key_type new_type = KEY_EC_P256;
	const char *value, *action;
	char thumbprint[JWS_THUMBPRINT_SIZE], url[HTTP_URL_MAX];
	int id, rc = EXIT_FAILED, key_given = 0;

	account_options_init(&o);
	while ((id = args_next(a, account_specs, &value)) > 0) {
		if (id == 100) {
			if (key_type_parse(value, &new_type) != 0) {
				error_set("--key '%s' is unknown; use ec-p256, ec-p384, rsa-2048, rsa-3072 or "
				    "rsa-4096", log_short(value));
				break;
			}
			key_given = 1;
		} else if (account_option(&o, id, value) < 0) {
			break;
		}
	}
	if (id == 0 && a->operand_count != 1)
		id = error_set("give one of register, show, update, rollover, deactivate, thumbprint");
	action = id == 0 ? a->operands[0] : "";
	if (id == 0 && cli_config_account(&o) != 0)
		id = -1;
	if (id == 0 && check_action_options(action, &o, key_given) != 0)
		id = -1;
	if (id != 0) {
		log_failure("account");
		explicit_bzero(o.eab_key, sizeof(o.eab_key));
		return EXIT_USAGE;
	}
	o.key_type = new_type;

	/* A deactivated account stays so (RFC 8555 section 7.3.6): show what is known, deactivate is done. */
	if ((strcmp(action, "show") == 0 || strcmp(action, "deactivate") == 0) &&
	    account_cached_deactivated(&o, url, sizeof(url))) {
		if (strcmp(action, "show") == 0)
			printf("url: %s\nstatus: deactivated\n", url);
		else
			log_notice("the account %s is already deactivated", url);
		explicit_bzero(o.eab_key, sizeof(o.eab_key));
		return EXIT_OK;
	}

	if (strcmp(action, "thumbprint") == 0) {
		memset(&acct, 0, sizeof(acct));
		if (set_paths(&acct, &o) != 0 || load_key(&acct, 0, KEY_EC_P256) != 0) {
			log_failure("account thumbprint");
			return EXIT_FAILED;
		}
		jws_thumbprint(&acct.key, thumbprint);
		printf("%s\n", thumbprint);
		key_wipe(&acct.key);
		return EXIT_OK;
	}
	if (strcmp(action, "register") != 0 && strcmp(action, "show") != 0 && strcmp(action, "update") != 0 &&
	    strcmp(action, "rollover") != 0 && strcmp(action, "deactivate") != 0) {
		log_error("account: unknown action '%s'; give register, show, update, rollover, deactivate "
		    "or thumbprint", action);
		return EXIT_USAGE;
	}

	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		log_error("account: out of memory");
		return EXIT_FAILED;
	}
	memset(&acct, 0, sizeof(acct));
	lock.fd = -1;
	if (strcmp(action, "show") != 0 && lock_acquire(&lock, o.state_dir, o.lock_wait) != 0)
		goto out;
	if (account_open(c, &acct, &o, strcmp(action, "register") == 0) != 0)
		goto out;

	if (strcmp(action, "register") == 0) {
		printf("%s\n", c->account_url);
		rc = EXIT_OK;
	} else if (strcmp(action, "show") == 0) {
		if (acme_account_fetch(c, &json) == 0) {
			print_account(c, &json);
			rc = EXIT_OK;
		}
	} else if (strcmp(action, "update") == 0) {
		if (acme_account_update(c, o.request.contacts, o.request.contact_count) == 0 &&
		    account_save(&acct, c, o.request.contacts, o.request.contact_count, "valid") == 0)
			rc = EXIT_OK;
	} else if (strcmp(action, "rollover") == 0) {
		if (rollover(c, &acct, new_type) == 0) {
			log_notice("the account %s now uses the key %s (the old one is %s.old)", c->account_url,
			    acct.key_path, acct.key_path);
			rc = EXIT_OK;
		}
	} else {
		if (acme_account_deactivate(c) == 0 &&
		    account_save(&acct, c, o.request.contacts, o.request.contact_count, "deactivated") == 0) {
			log_notice("deactivated the account %s", c->account_url);
			rc = EXIT_OK;
		}
	}
out:
	if (rc != EXIT_OK) {
		char context[64];

		snprintf(context, sizeof(context), "account %s", action);
		log_failure(context);
	}
	account_close(c, &acct);
	lock_release(&lock);
	buf_free(&json);
	free(c);
	explicit_bzero(o.eab_key, sizeof(o.eab_key));
	return rc;
}
