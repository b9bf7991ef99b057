/*
 * The "check" command: prove, without contacting the CA, that http-01
 * will work for every configured or given name. Each name gets a random
 * probe token, fetched exactly as the self-check before issuance fetches
 * a real one: for http-stateless nginx must build the response from the account
 * thumbprint; for webroot and standalone keepcert places the response itself
 * and removes it afterwards.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>

#include "account.h"
#include "base64.h"
#include "challenge.h"
#include "challenge_http.h"
#include "cli_config.h"
#include "commands.h"
#include "config.h"
#include "log.h"

#define CHECK_TOKEN_BYTES 32		/* as many as a CA's token: 43 base64url characters */
#define CHECK_LISTENER_LIFETIME 60	/* seconds the standalone probe listener may live */

static const struct option_spec check_specs[] = {
	ACCOUNT_OPTION_SPECS,
	CHALLENGE_OPTION_SPECS,
	{ NULL, 0, 0, 0 },
};

/* The settings every probe of one run shares. */
struct check_run {
	const char *state_dir;
	const char *directory_url;
	char thumbprint[JWS_THUMBPRINT_SIZE];
	int have_thumbprint;
};

static int
random_token(char *out, size_t cap)
{
	unsigned char bytes[CHECK_TOKEN_BYTES];
	size_t len = 0;

	if (getrandom(bytes, sizeof(bytes), 0) != (ssize_t)sizeof(bytes))
		return error_set("cannot read random bytes for the probe token");
	if (base64_encoded_len(sizeof(bytes), BASE64_URL) + 1 > cap)
		return error_set("the probe token does not fit");
	len = base64_encode(out, bytes, sizeof(bytes), BASE64_URL);
	out[len] = '\0';
	return 0;
}

/* Probe NAME with SPEC once: place the response where the mode needs it, fetch it, remove it. */
static int
probe_name(struct check_run *run, const char *name, const struct challenge_spec *spec)
{
	struct challenge_spec placing;
	struct challenge_solver *solver;
	const struct acme_solver *acme;
	char token[64], key_auth[HTTP01_KEY_AUTH_MAX + 1];
	int rc;

	if (random_token(token, sizeof(token)) != 0)
		return -1;
	if (spec->type == CHALLENGE_HTTP_STATELESS) {
		if (!run->have_thumbprint &&
		    challenge_thumbprint(run->state_dir, run->directory_url, run->thumbprint) != 0)
			return -1;
		run->have_thumbprint = 1;
		snprintf(key_auth, sizeof(key_auth), "%s.%s", token, run->thumbprint);
		return http01_self_check(name, token, key_auth, spec->self_check_addr, spec->type, spec->arg) == 0 ?
		    0 : -1;
	}

	/*
	 * Webroot and standalone: the probe is placed by the solver an issuance
	 * uses, with its own self-check off, because here no response at all is
	 * a failure too.
	 */
	snprintf(key_auth, sizeof(key_auth), "%s.keepcert-check", token);
	placing = *spec;
	placing.self_check = 0;
	solver = challenge_solver_new(&placing, CHECK_LISTENER_LIFETIME);
	if (solver == NULL)
		return -1;
	acme = challenge_solver_acme(solver);
	rc = acme->prepare(acme->ctx, name, token, key_auth);
	if (rc == 0)
		rc = acme->start(acme->ctx);
	if (rc == 0 && http01_self_check(name, token, key_auth, spec->self_check_addr, spec->type, spec->arg) != 0)
		rc = -1;
	acme->cleanup(acme->ctx);
	challenge_solver_free(solver);
	return rc;
}

/* Check NAME and print its line; returns 0 when it passed. */
static int
check_name(struct check_run *run, const char *name, const struct challenge_spec *given)
{
	struct challenge_spec spec = *given;
	const char *mode = config_challenge_name(spec.type);

	if (challenge_check_names(&spec, &name, 1) != 0) {
		printf("%s: FAILED: %s\n", name, error_text_after(name));
		return -1;
	}
	if (spec.type == CHALLENGE_DNS_HOOK || spec.type == CHALLENGE_TLS_ALPN) {
		printf("%s: skipped: %s is not checked, only http-01 modes are\n", name, mode);
		return 0;
	}

	/* The self-check is the probe itself here, so --no-self-check does not turn it off. */
	spec.self_check = 1;
	if (probe_name(run, name, &spec) != 0) {
		printf("%s: FAILED: %s\n", name, error_text_after(name));
		return -1;
	}
	printf("%s: ok (%s%s%s)\n", name, mode, spec.arg != NULL ? " " : "", spec.arg != NULL ? spec.arg : "");
	return 0;
}

/* Check NAMES, or every name of the config, with their sections' challenges unless one was given. */
static int
check_config(struct check_run *run, const struct challenge_spec *given, int challenge_given,
    const char *const *names, int name_count)
{
	const struct config *loaded = cli_config();
	const char *path = args_config_path != NULL ? args_config_path : CONFIG_DEFAULT_PATH;
	struct challenge_spec spec;
	size_t i, j;
	int failed = 0, k, found;

	if (loaded == NULL) {
		log_error("check: %s: no such file; give the names and --challenge to check without a config",
		    path);
		return EXIT_USAGE;
	}

	for (i = 0; i < loaded->cert_count; i++) {
		const struct config_cert *cert = &loaded->certs[i];

		challenge_spec_from_config(&spec, &cert->settings);
		if (challenge_given) {
			spec.type = given->type;
			spec.arg = given->arg;
		}
		if (given->self_check_addr != NULL)
			spec.self_check_addr = given->self_check_addr;
		for (j = 0; j < cert->name_count; j++) {
			for (k = 0, found = name_count == 0; k < name_count && !found; k++)
				found = strcasecmp(names[k], cert->names[j]) == 0 || strcmp(names[k], cert->name) == 0;
			if (found && check_name(run, cert->names[j], &spec) != 0)
				failed = 1;
		}
	}
	for (k = 0; k < name_count; k++) {
		found = config_find(loaded, names[k]) != NULL;
		for (i = 0; i < loaded->cert_count && !found; i++)
			for (j = 0; j < loaded->certs[i].name_count && !found; j++)
				found = strcasecmp(names[k], loaded->certs[i].names[j]) == 0;
		if (!found) {
			printf("%s: FAILED: not a name or section of %s\n", names[k], path);
			failed = 1;
		}
	}
	return failed ? EXIT_FAILED : EXIT_OK;
}

/* see commands.h */
int
cmd_check(struct args *a)
{
	struct account_options o;
	struct challenge_spec spec;
	struct check_run run;
	const char *value;
	int id, rc, challenge_given = 0, failed = 0, i;

	account_options_init(&o);
	challenge_spec_init(&spec);
	memset(&run, 0, sizeof(run));
	while ((id = args_next(a, check_specs, &value)) > 0) {
		rc = account_option(&o, id, value);
		if (rc == 0)
			rc = challenge_option(&spec, id, value, a);
		if (rc < 0)
			break;
		challenge_given |= id == OPT_CHALLENGE_MODE;
	}
	if (id == 0 && cli_config_account(&o) != 0)
		id = -1;
	explicit_bzero(o.eab_key, sizeof(o.eab_key));
	if (id != 0) {
		log_failure("check");
		return EXIT_USAGE;
	}
	run.state_dir = o.state_dir;
	run.directory_url = o.directory_url;

	/*
	 * Names on the command line need no config file when --challenge is
	 * given or there is none; the mode is then http-stateless by default.
	 */
	if (a->operand_count == 0 || (!challenge_given && cli_config() != NULL))
		return check_config(&run, &spec, challenge_given, a->operands, a->operand_count);

	for (i = 0; i < a->operand_count; i++) {
		char name[NAME_MAX_LEN + 1];

		if (name_normalize(a->operands[i], name) != 0) {
			printf("%s: FAILED: %s\n", a->operands[i], error_text_after(a->operands[i]));
			failed = 1;
			continue;
		}
		if (check_name(&run, name, &spec) != 0)
			failed = 1;
	}
	return failed ? EXIT_FAILED : EXIT_OK;
}
