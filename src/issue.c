/*
 * The "issue" command: obtain a certificate now, from options alone, and
 * install it with store_install(); and the "revoke" command.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "account.h"
#include "cert.h"
#include "challenge.h"
#include "cli_config.h"
#include "commands.h"
#include "csr.h"
#include "lock.h"
#include "log.h"
#include "obtain.h"
#include "pem.h"
#include "store.h"

#define CERT_FILE_MAX (1024 * 1024)

enum {
	OPT_NAME = 100,
	OPT_KEY,
	OPT_PREFERRED_CHAIN,
	OPT_REASON,
	OPT_PROFILE,
};

struct issue_options {
	struct account_options account;
	const char *names[ACME_MAX_IDENTIFIERS];
	size_t name_count;
	struct challenge_spec challenge;
	enum key_type key_type;
	const char *preferred_chain;
	const char *profile;		/* NULL: the CA's default */
};

static const struct option_spec issue_specs[] = {
	ACCOUNT_OPTION_SPECS,
	{ "domain", 'd', 1, OPT_NAME },
	CHALLENGE_OPTION_SPECS,
	{ "key", 0, 1, OPT_KEY },
	{ "preferred-chain", 0, 1, OPT_PREFERRED_CHAIN },
	{ "profile", 0, 1, OPT_PROFILE },
	{ NULL, 0, 0, 0 },
};

/*
 * Take from the config what no option gave: the section SECTION's names and
 * settings when one was named, else the global defaults.
 */
static int
apply_config(struct issue_options *o, const char *section, int challenge_given, int key_given)
{
	const struct config *config = cli_config();
	const struct config_defaults *settings;
	const struct config_cert *cert = NULL;
	size_t i;

	if (section != NULL) {
		cert = config != NULL ? config_find(config, section) : NULL;
		if (cert == NULL)
			return error_set("unexpected argument '%s'; give names with -d NAME%s", log_short(section),
			    config != NULL ? ", or the name of a section of the config file" : "");
		for (i = 0; i < cert->name_count; i++)
			o->names[o->name_count++] = cert->names[i];
	}
	if (config == NULL)
		return 0;
	settings = cert != NULL ? &cert->settings : &config->defaults;
	if (!challenge_given && settings->challenge.type != 0) {
		struct challenge_spec given = o->challenge;

		challenge_spec_from_config(&o->challenge, settings);
		if (given.self_check == 0)
			o->challenge.self_check = 0;
		if (given.self_check_addr != NULL)
			o->challenge.self_check_addr = given.self_check_addr;
	}
	if (!key_given && settings->key != NULL && key_type_parse(settings->key, &o->key_type) != 0)
		return error_set("%s: key '%s' is unknown", config->path, settings->key);
	if (o->preferred_chain == NULL)
		o->preferred_chain = settings->preferred_chain;
	if (o->profile == NULL)
		o->profile = settings->profile;
	return 0;
}

static int
parse_issue_options(struct args *a, struct issue_options *o)
{
	const char *value;
	int id, rc, challenge_given = 0, key_given = 0;

	memset(o, 0, sizeof(*o));
	account_options_init(&o->account);
	challenge_spec_init(&o->challenge);
	o->key_type = KEY_EC_P256;
	while ((id = args_next(a, issue_specs, &value)) > 0) {
		rc = account_option(&o->account, id, value);
		if (rc == 0)
			rc = challenge_option(&o->challenge, id, value, a);
		if (rc < 0)
			return -1;
		challenge_given |= id == OPT_CHALLENGE_MODE;
		if (rc == 1)
			continue;
		switch (id) {
		case OPT_NAME:
			if (o->name_count == ACME_MAX_IDENTIFIERS)
				return error_set("more than %d names", ACME_MAX_IDENTIFIERS);
			o->names[o->name_count++] = value;
			break;
		case OPT_KEY:
			if (key_type_parse(value, &o->key_type) != 0)
				return error_set("--key '%s' is unknown; use ec-p256, ec-p384, rsa-2048, rsa-3072 or "
				    "rsa-4096", log_short(value));
			key_given = 1;
			break;
		case OPT_PREFERRED_CHAIN:
			o->preferred_chain = value;
			break;
		case OPT_PROFILE:
			o->profile = value;
			break;
		}
	}
	if (id < 0 || cli_config_account(&o->account) != 0)
		return -1;
	if (a->operand_count > 1 || (a->operand_count == 1 && o->name_count != 0))
		return error_set("unexpected argument '%s'; give names with -d NAME, or one section name of "
		    "the config file", log_short(a->operands[a->operand_count - 1]));
	if (apply_config(o, a->operand_count == 1 ? a->operands[0] : NULL, challenge_given, key_given) != 0)
		return -1;
	if (o->name_count == 0)
		return error_set("give at least one name with -d NAME");
	return 0;
}

/* The whole issuance, from account to installed files. */
static int
issue(const struct issue_options *o, const char *name, const struct acme_solver *solver)
{
	struct obtain_request req;
	struct obtain_result result;
	struct acme_client *c = calloc(1, sizeof(*c));
	struct account acct;
	int rc = -1;

	memset(&acct, 0, sizeof(acct));
	memset(&req, 0, sizeof(req));
	req.state_dir = o->account.state_dir;
	req.name = name;
	req.names = o->names;
	req.name_count = o->name_count;
	req.key_type = o->key_type;
	req.solver = solver;
	req.preferred_chain = o->preferred_chain;
	req.profile = o->profile;
	if (c == NULL)
		return error_set("out of memory");

	if (account_open(c, &acct, &o->account, 1) == 0 && obtain_certificate(c, &req, &result) == 0) {
		log_notice("%s: installed a new certificate as version %d", name, result.version);
		rc = 0;
	}
	account_close(c, &acct);
	free(c);
	return rc;
}

/* see commands.h */
int
cmd_issue(struct args *a)
{
	static struct acme_identifier ids[ACME_MAX_IDENTIFIERS];
	struct issue_options o;
	struct challenge_solver *solver;
	const char *names[ACME_MAX_IDENTIFIERS];
	size_t i;
	struct lock lock;
	char name[NAME_MAX_LEN + 16];
	size_t count;
	int rc;

	if (parse_issue_options(a, &o) != 0 || obtain_identifiers(o.names, o.name_count, ids, &count) != 0 ||
	    obtain_cert_name(&ids[0], name, sizeof(name)) != 0) {
		log_failure("issue");
		explicit_bzero(o.account.eab_key, sizeof(o.account.eab_key));
		return EXIT_USAGE;
	}

	for (i = 0; i < count; i++)
		names[i] = ids[i].value;
	if (challenge_check_names(&o.challenge, names, count) != 0) {
		log_failure("issue");
		explicit_bzero(o.account.eab_key, sizeof(o.account.eab_key));
		return EXIT_USAGE;
	}

	/* A timer run and this one must not write the state directory at once. */
	if (lock_acquire(&lock, o.account.state_dir, o.account.lock_wait) != 0) {
		log_failure("issue");
		explicit_bzero(o.account.eab_key, sizeof(o.account.eab_key));
		return EXIT_FAILED;
	}

	/* Ports are bound and the webroot opened before the first request, so a mistake costs the CA nothing. */
	solver = challenge_solver_new(&o.challenge, o.account.timeout + 10);
	if (solver == NULL) {
		log_failure("issue");
		lock_release(&lock);
		explicit_bzero(o.account.eab_key, sizeof(o.account.eab_key));
		return EXIT_FAILED;
	}

	rc = issue(&o, name, challenge_solver_acme(solver));
	if (rc != 0)
		log_failure(ids[0].value);
	challenge_solver_free(solver);
	lock_release(&lock);
	explicit_bzero(o.account.eab_key, sizeof(o.account.eab_key));
	return rc == 0 ? EXIT_OK : EXIT_FAILED;
}

static const struct option_spec revoke_specs[] = {
	ACCOUNT_OPTION_SPECS,
	{ "reason", 0, 1, OPT_REASON },
	{ NULL, 0, 0, 0 },
};

/* 1 when WHAT, the operand of revoke, names a certificate of the state directory rather than a file. */
static int
names_live_certificate(const char *what)
{
	return strchr(what, '/') == NULL && access(what, F_OK) != 0;
}

/* Read the certificate to revoke: a PEM file, or the live certificate of a name in the state directory. */
static int
read_certificate(const char *what, const char *state_dir, struct buf *der)
{
	struct buf ders[CERT_MAX_CHAIN];
	char path[4096];
	char *text = NULL;
	size_t len;
	int n, i;

	if (!names_live_certificate(what))
		snprintf(path, sizeof(path), "%s", what);
	else
		snprintf(path, sizeof(path), "%s/certs/%s/live/cert.pem", state_dir, what);
	if (store_read_file(path, CERT_FILE_MAX, &text, &len) != 0)
		return -1;

	memset(ders, 0, sizeof(ders));
	n = cert_chain_split(text, len, ders);
	free(text);
	if (n > 0)
		buf_append(der, ders[0].data, ders[0].len);
	for (i = 0; i < CERT_MAX_CHAIN; i++)
		buf_free(&ders[i]);
	if (n <= 0)
		return error_set("%s: no PEM certificate", path);
	return 0;
}

/* RFC 5280 section 5.3.1 reasons a subscriber may give (RFC 8555 section 7.6 leaves the rest to the CA). */
static const struct {
	const char *name;
	int code;
} reasons[] = {
	{ "unspecified", 0 },
	{ "keyCompromise", 1 },
	{ "affiliationChanged", 3 },
	{ "superseded", 4 },
	{ "cessationOfOperation", 5 },
};

/* The reason code of VALUE, a name or number from the table above; -1 with error_text() set. */
static int
parse_reason(const char *value)
{
	size_t i;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		char number[4];

		snprintf(number, sizeof(number), "%d", reasons[i].code);
		if (strcasecmp(value, reasons[i].name) == 0 || strcmp(value, number) == 0)
			return reasons[i].code;
	}
	return error_set("--reason '%s' is not one of unspecified (0), keyCompromise (1), "
	    "affiliationChanged (3), superseded (4), cessationOfOperation (5)", log_short(value));
}

/* see commands.h */
int
cmd_revoke(struct args *a)
{
	struct account_options o;
	struct acme_client *c;
	struct account acct;
	struct buf der = { 0 };
	const char *value;
	int id, reason = -1, rc = EXIT_FAILED;

	memset(&acct, 0, sizeof(acct));
	account_options_init(&o);
	while ((id = args_next(a, revoke_specs, &value)) > 0) {
		if (id == OPT_REASON) {
			reason = parse_reason(value);
			if (reason < 0) {
				id = -1;
				break;
			}
		} else if (account_option(&o, id, value) < 0) {
			id = -1;
			break;
		}
	}
	if (id == 0 && a->operand_count != 1)
		id = error_set("give one name or certificate file");
	if (id == 0)
		id = cli_config_account(&o);
	if (id != 0) {
		log_failure("revoke");
		explicit_bzero(o.eab_key, sizeof(o.eab_key));
		return EXIT_USAGE;
	}

	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		log_error("revoke: out of memory");
		return EXIT_FAILED;
	}
	if (read_certificate(a->operands[0], o.state_dir, &der) == 0 && account_open(c, &acct, &o, 0) == 0 &&
	    acme_revoke(c, der.data, der.len, reason) == 0) {
		log_notice("revoked the certificate %s", a->operands[0]);
		if (names_live_certificate(a->operands[0]))
			log_notice("%s: live/ still contains the revoked certificate, which clients will reject; "
			    "'keepcert issue' for the same names installs a new one", a->operands[0]);
		rc = EXIT_OK;
	} else {
		log_failure(a->operands[0]);
	}
	account_close(c, &acct);
	free(c);
	buf_free(&der);
	return rc;
}
