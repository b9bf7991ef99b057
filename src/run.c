/*
 * The "run" command: renew every configured certificate that is due. It
 * is the entry point of the timer and of crond. It prints nothing when
 * nothing was due, one notice line per renewed certificate, and errors.
 * Through notify it mails every renewal and every failure, and a warning
 * on every run once a certificate is inside the last sixth of its lifetime.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "challenge.h"
#include "cli_config.h"
#include "clock.h"
#include "commands.h"
#include "config.h"
#include "hook.h"
#include "live.h"
#include "lock.h"
#include "log.h"
#include "obtain.h"
#include "probe.h"
#include "renew.h"

#define DAY 86400LL
#define RANDOM_SLEEP_MAX 86400		/* seconds --random-sleep accepts */
#define PROBE_ATTEMPTS 5		/* a reloading daemon gets this many seconds to serve the new certificate */

enum {
	OPT_FORCE = 100,
	OPT_DRY_RUN,
	OPT_RANDOM_SLEEP,
	OPT_RUN_DIRECTORY,
};

static const struct option_spec run_specs[] = {
	{ "force", 0, 0, OPT_FORCE },
	{ "dry-run", 0, 0, OPT_DRY_RUN },
	{ "random-sleep", 0, 1, OPT_RANDOM_SLEEP },
	{ "directory", 0, 1, OPT_RUN_DIRECTORY },
	{ NULL, 0, 0, 0 },
};

struct run_options {
	int force;
	int dry_run;
	long random_sleep;
	const char *directory;	/* --directory: the CA for a dry run */
};

/* The state of one run, carried from certificate to certificate. */
struct run {
	const struct config *config;
	const struct run_options *options;
	struct account_options account;
	struct acme_client *client;	/* opened on first need, one per run */
	struct account acct;
	int client_open;		/* 1: the directory was fetched */
	int account_ready;		/* 1: the account is usable */
	int ca_failed;			/* 1: the CA could not be reached; later certificates fail at once */
	char ca_error[512];
	int pre_done;			/* the pre hook ran */
	int failed;			/* exit 1 at the end */
	unsigned renewed;
	struct buf mail;		/* the renewal notice's body */
	char mail_to[256];
};

static int
parse_run_options(struct args *a, struct run_options *o)
{
	const char *value;
	char *end;
	int id;

	memset(o, 0, sizeof(*o));
	while ((id = args_next(a, run_specs, &value)) > 0) {
		switch (id) {
		case OPT_FORCE:
			o->force = 1;
			break;
		case OPT_DRY_RUN:
			o->dry_run = 1;
			break;
		case OPT_RANDOM_SLEEP:
			errno = 0;
			o->random_sleep = strtol(value, &end, 10);
			if (errno != 0 || *end != '\0' || o->random_sleep < 0 || o->random_sleep > RANDOM_SLEEP_MAX)
				return error_set("--random-sleep '%s' is invalid; give seconds from 0 to %d", value,
				    RANDOM_SLEEP_MAX);
			break;
		case OPT_RUN_DIRECTORY:
			o->directory = value;
			break;
		}
	}
	if (id < 0)
		return -1;
	if (a->operand_count != 0)
		return error_set("unexpected argument '%s'; run takes options only", a->operands[0]);
	if (o->directory != NULL && !o->dry_run)
		return error_set("--directory is for --dry-run; the config's directory is used otherwise");
	return 0;
}

static uint64_t
random_draw(void)
{
	uint64_t draw = 0;

	if (getrandom(&draw, sizeof(draw), 0) != sizeof(draw))
		draw = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ (uint64_t)clock_ms();
	return draw;
}

/* The CA of a dry run: --directory, or the staging twin of the config's CA. */
static const char *
dry_run_directory(const struct config *config, const char *given)
{
	static const char *const pairs[][2] = {
		{ "letsencrypt", "letsencrypt-staging" },
		{ "google", "google-staging" },
	};
	size_t i;

	if (given != NULL)
		return given;
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		if (strcmp(config->directory, acme_ca_directory(pairs[i][0])) == 0)
			return acme_ca_directory(pairs[i][1]);
	return NULL;
}

/* The address for the notices' To: the first mailto contact, else root. */
static void
mail_recipient(const struct config *config, char *out, size_t cap)
{
	size_t i;

	snprintf(out, cap, "root");
	for (i = 0; i < config->contact_count; i++) {
		if (strncmp(config->contacts[i], "mailto:", 7) == 0) {
			snprintf(out, cap, "%s", config->contacts[i] + 7);
			return;
		}
	}
}

/* Mail SUBJECT and BODY through the notify program, if one is configured; a failure is logged. */
static void
notify(struct run *r, const char *subject, const char *body)
{
	if (r->config->notify == NULL || r->options->dry_run)
		return;
	if (hook_notify(r->config->notify, r->mail_to, subject, body, HOOK_TIMEOUT_DEFAULT) != 0) {
		log_error("notify: %s", error_text());
		r->failed = 1;
	}
}

/* Run hook COMMAND (the config key WHAT) with ENV; logs its output. Returns 0 when it exited 0. */
static int
run_hook(struct run *r, const char *what, const char *command, const struct hook_env *env, char *problem,
    size_t cap)
{
	struct hook_result result;
	char label[64];
	int rc = 0;

	snprintf(label, sizeof(label), "%s hook", what);
	log_info("running the %s hook: %s", what, command);
	if (hook_run(command, env, NULL, 0, HOOK_TIMEOUT_DEFAULT, &result) != 0) {
		snprintf(problem, cap, "the %s hook could not start: %s", what, error_text());
		rc = -1;
	} else if (result.status != 0) {
		hook_log_output(LOG_WARNING, label, result.output.data, result.output.len);
		if (result.timed_out)
			snprintf(problem, cap, "the %s hook '%s' was killed after %d seconds", what, command,
			    HOOK_TIMEOUT_DEFAULT);
		else
			snprintf(problem, cap, "the %s hook '%s' exited with status %d", what, command,
			    result.status);
		rc = -1;
	} else {
		hook_log_output(LOG_INFO, label, result.output.data, result.output.len);
	}
	hook_result_free(&result);
	if (rc != 0) {
		log_error("%s", problem);
		r->failed = 1;
	}
	return rc;
}

/* Fetch the CA's directory once per run. Returns 0 or -1. */
static int
open_client(struct run *r)
{
	struct acme_options ao = { r->account.directory_url, r->account.ca_bundle, r->account.timeout };

	if (r->client_open)
		return 0;
	if (r->ca_failed)
		return error_set("%s", r->ca_error);
	if (acme_open(r->client, &ao) != 0) {
		r->ca_failed = 1;
		snprintf(r->ca_error, sizeof(r->ca_error), "%s", error_text());
		acme_close(r->client);
		return -1;
	}
	r->client_open = 1;
	return 0;
}

/* Make the account usable once per run. Returns 0 or -1. */
static int
open_account(struct run *r)
{
	if (r->account_ready)
		return 0;
	if (open_client(r) != 0)
		return -1;
	if (account_attach(r->client, &r->acct, &r->account, 1) != 0) {
		r->ca_failed = 1;
		snprintf(r->ca_error, sizeof(r->ca_error), "%s", error_text());
		return -1;
	}
	r->account_ready = 1;
	return 0;
}

/*
 * Ask the CA for the renewalInfo window of the live certificate when the
 * last response's Retry-After has passed (RFC 9773 section 4.3), and store
 * the window and a random instant inside it in STATE. A CA without
 * renewalInfo is asked again, by fetching its directory, a few hours later.
 */
static void
refresh_renewal_info(struct run *r, const char *name, const struct live *live, struct store_state *state,
    long long now)
{
	struct acme_renewal_info info;
	char id[256], when[40];

	if (!live->present || r->options->dry_run || now < state->ari_retry_after || now < state->not_before)
		return;
	if (cert_ari_id(&live->info, id, sizeof(id)) != 0) {
		log_info("%s: no renewalInfo: %s", name, error_text());
		state->ari_retry_after = now + ACME_ARI_RETRY_MAX;
		return;
	}
	if (open_client(r) != 0) {
		log_info("%s: renewalInfo not fetched: %s", name, error_text());
		return;
	}
	if (r->client->dir.renewal_info[0] == '\0') {
		log_info("%s: the CA offers no renewalInfo; the lifetime decides", name);
		state->ari_retry_after = now + ACME_ARI_RETRY_DEFAULT;
		return;
	}

	if (acme_renewal_info(r->client, id, now, &info) != 0) {
		log_warning("%s: %s", name, error_text());
		state->ari_retry_after = info.retry_after != 0 ? info.retry_after : now + ACME_ARI_RETRY_DEFAULT;
		return;
	}
	state->ari_retry_after = info.retry_after;
	renew_ari_pick(state, info.start, info.end, random_draw());
	live_format_time(state->ari_instant, when, sizeof(when));
	log_info("%s: the CA's renewal window picks %s%s%s", name, when,
	    info.explanation_url[0] != '\0' ? "; see " : "", info.explanation_url);
}

/* Compare what each probe of CERT serves with LIVE, retrying while a daemon reloads. Returns 0 when all match. */
static int
check_probes(struct run *r, const struct config_cert *cert, const struct live *live, char *problem,
    size_t cap)
{
	unsigned char served[32];
	size_t i;
	int attempt, rc = 0;

	for (i = 0; i < cert->probe_count; i++) {
		for (attempt = 1; attempt <= PROBE_ATTEMPTS; attempt++) {
			if (probe_leaf(cert->probes[i], PROBE_TIMEOUT, served) == 0 &&
			    memcmp(served, live->sha256, sizeof(served)) == 0)
				break;
			if (attempt < PROBE_ATTEMPTS)
				sleep(1);
		}
		if (attempt <= PROBE_ATTEMPTS) {
			log_info("%s: %s serves the live certificate", cert->name, cert->probes[i]);
			continue;
		}
		if (probe_leaf(cert->probes[i], PROBE_TIMEOUT, served) != 0)
			snprintf(problem, cap, "%s: probe %s failed: %s", cert->name, cert->probes[i], error_text());
		else
			snprintf(problem, cap, "%s: %s serves an older certificate: reload missing?", cert->name,
			    cert->probes[i]);
		log_error("%s", problem);
		r->failed = 1;
		rc = -1;
	}
	return rc;
}

/* Load the live key for reuse-key when it has the configured type. Returns 1 when KEY contains it. */
static int
reusable_key(const struct config_cert *cert, const struct live *live, struct key *key)
{
	char path[PATH_MAX + 16];

	if (!cert->settings.reuse_key || !live->present)
		return 0;
	snprintf(path, sizeof(path), "%s/privkey.pem", live->dir);
	if (key_load(key, path) != 0) {
		log_warning("%s: reuse-key: %s; making a new key", cert->name, error_text());
		return 0;
	}
	if (strcmp(key_type_name(key->type), cert->settings.key) != 0) {
		key_wipe(key);
		return 0;
	}
	return 1;
}

/* Send the failure notice of CERT: the error, the next attempt, the days left. */
static void
notify_failure(struct run *r, const struct config_cert *cert, const struct live *live,
    const struct store_state *state, long long now, int urgent)
{
	char subject[256], body[2048], when[40], left[128], expires[40];

	live_format_time(state->next_retry > state->not_before ? state->next_retry : state->not_before, when,
	    sizeof(when));
	if (live->present) {
		live_format_time(live->info.not_after, expires, sizeof(expires));
		snprintf(left, sizeof(left), "%lld days left, expires %s", (live->info.not_after - now) / DAY,
		    expires);
	} else {
		snprintf(left, sizeof(left), "none is installed yet");
	}
	snprintf(subject, sizeof(subject), "keepcert: renewing %s failed%s", cert->name,
	    urgent ? ", and it expires soon" : "");
	snprintf(body, sizeof(body),
	    "Renewing the certificate %s failed (%u failed attempt%s in a row).\n\n"
	    "Error: %s\n\n"
	    "Next attempt: the first run after %s.\n"
	    "Certificate: %s.\n",
	    cert->name, state->failures, state->failures == 1 ? "" : "s", state->last_error, when, left);
	notify(r, subject, body);
}

/* Send the warning of a certificate inside the last sixth of its lifetime that was not renewed. */
static void
notify_expiry(struct run *r, const struct config_cert *cert, const struct live *live, long long now)
{
	char subject[256], body[1024], expires[40];
	long long days = (live->info.not_after - now) / DAY;

	live_format_time(live->info.not_after, expires, sizeof(expires));
	snprintf(subject, sizeof(subject), "keepcert: %s %s", cert->name,
	    now >= live->info.not_after ? "has expired" : "expires soon");
	snprintf(body, sizeof(body),
	    "The certificate %s (%s) is inside the last sixth of its lifetime and was not renewed.\n"
	    "It expires %s, %lld days from now.\n\n"
	    "Run 'keepcert -v run' to see why, and 'keepcert status' for every certificate.\n",
	    cert->name, live->names, expires, days);
	notify(r, subject, body);
}

/* Renew CERT; returns 1 when a new certificate is live, 0 when not due or dry, -1 on failure. */
static int
renew_one(struct run *r, const struct config_cert *cert)
{
	static struct live live;
	struct challenge_solver *solver = NULL;
	struct challenge_spec spec;
	struct store_state state, before;
	struct renew_decision d;
	struct obtain_request req;
	struct obtain_result result;
	struct hook_env env = { { 0 }, 0 };
	struct key key;
	char id[256], expires[40], problem[512], domains[STORE_STATE_NAMES_MAX];
	long long now = time(NULL);
	int have_key = 0, rc = -1, failed;

	/* A damaged live version or state file must not stop renewal: it is what renewal repairs. */
	if (live_read(r->config->state_dir, cert->name, &live) != 0) {
		log_error("%s: %s; renewing it", cert->name, error_text());
		r->failed = 1;
		live.present = 0;
	}
	if (store_state_read(r->config->state_dir, cert->name, &state) != 0) {
		log_error("%s: %s; starting from an empty state", cert->name, error_text());
		r->failed = 1;
		memset(&state, 0, sizeof(state));
	}

	before = state;
	refresh_renewal_info(r, cert->name, &live, &state, now);
	live_decide(cert, &live, &state, now, &d);
	if (r->options->force || r->options->dry_run) {
		d.due = 1;
		snprintf(d.text, sizeof(d.text), "%s", r->options->dry_run ? "dry run" : "due: --force");
	}
	if (d.due && state.not_before > now && !r->options->dry_run) {
		live_format_time(state.not_before, expires, sizeof(expires));
		snprintf(d.text, sizeof(d.text), "waiting: the CA asked for no request before %s", expires);
		d.due = 0;
	}
	log_info("%s: %s", cert->name, d.text);

	if (!d.due) {
		/* Only a new renewalInfo response changes the state here, so flash storage is spared the rest. */
		if ((before.ari_start != state.ari_start || before.ari_end != state.ari_end ||
		    before.ari_instant != state.ari_instant || before.ari_retry_after != state.ari_retry_after) &&
		    store_state_write(r->config->state_dir, cert->name, &state) != 0) {
			log_error("%s: %s", cert->name, error_text());
			r->failed = 1;
		}
		/* Printed as well as mailed: under cron the output is the mail of last resort. */
		if (d.urgent && live.present) {
			log_warning("%s: expires in %lld days and is not renewed yet: %s", cert->name,
			    (live.info.not_after - now) / DAY, d.text);
			notify_expiry(r, cert, &live, now);
		}
		return 0;
	}

	/* pre runs once, before the first certificate that is renewed. */
	if (!r->pre_done && r->config->pre != NULL && !r->options->dry_run) {
		r->pre_done = 1;
		if (run_hook(r, "pre", r->config->pre, NULL, problem, sizeof(problem)) != 0)
			buf_printf(&r->mail, "  %s\n", problem);
	}

	memset(&key, 0, sizeof(key));
	memset(&req, 0, sizeof(req));
	req.state_dir = r->config->state_dir;
	req.name = cert->name;
	req.names = (const char *const *)cert->names;
	req.name_count = cert->name_count;
	if (key_type_parse(cert->settings.key, &req.key_type) != 0) {
		log_error("%s: key '%s' is unknown", cert->name, cert->settings.key);
		r->failed = 1;
		return -1;
	}
	have_key = reusable_key(cert, &live, &key);
	req.reuse_key = have_key ? &key : NULL;
	req.preferred_chain = cert->settings.preferred_chain;
	req.profile = cert->settings.profile;
	req.dry_run = r->options->dry_run;
	/* A staging CA of a dry run does not know the live certificate. */
	if (live.present && !r->options->dry_run && cert_ari_id(&live.info, id, sizeof(id)) == 0)
		req.replaces = id;

	/* Ports are bound and the webroot opened before the order, so a mistake costs the CA nothing. */
	challenge_spec_from_config(&spec, &cert->settings);
	solver = challenge_solver_new(&spec, r->account.timeout + 10);
	failed = solver == NULL ? -1 : open_account(r);
	if (failed == 0) {
		req.solver = challenge_solver_acme(solver);
		r->client->deadline_ms = clock_ms() + 1000LL * r->account.timeout;
		r->client->retry_not_before = 0;
		failed = obtain_certificate(r->client, &req, &result);

		/* RFC 9773 alreadyReplaced: a certificate named by an earlier order cannot be named again. */
		if (failed != 0 && req.replaces != NULL && strcmp(r->client->problem_type, "alreadyReplaced") == 0) {
			log_info("%s: %s; ordering again without replaces", cert->name, error_text());
			req.replaces = NULL;
			failed = obtain_certificate(r->client, &req, &result);
		}
	}
	challenge_solver_free(solver);
	if (have_key)
		key_wipe(&key);

	if (failed != 0) {
		log_error("%s: %s", cert->name, error_text());
		r->failed = 1;
		if (r->options->dry_run)
			return -1;
		renew_record_failure(&state, now, error_text());
		if (r->client->retry_not_before > now)
			state.not_before = r->client->retry_not_before;
		if (state.not_before > state.next_retry)
			state.next_retry = state.not_before;
		if (store_state_write(r->config->state_dir, cert->name, &state) != 0)
			log_error("%s: %s", cert->name, error_text());
		notify_failure(r, cert, &live, &state, now, d.urgent);
		return -1;
	}

	live_format_time(result.not_after, expires, sizeof(expires));
	if (r->options->dry_run) {
		log_notice("%s: dry run: obtained and checked a certificate valid until %s; nothing installed",
		    cert->name, expires);
		return 0;
	}

	renew_record_success(&state, now);
	state.not_before = 0;
	live_config_names(cert, state.names, sizeof(state.names));
	snprintf(state.key_type, sizeof(state.key_type), "%s", cert->settings.key);

	/* The new certificate's window, over the connection still open, so the next run need not connect. */
	if (live_read(r->config->state_dir, cert->name, &live) == 0)
		refresh_renewal_info(r, cert->name, &live, &state, now);
	if (store_state_write(r->config->state_dir, cert->name, &state) != 0) {
		log_error("%s: %s", cert->name, error_text());
		r->failed = 1;
	}
	log_notice("%s: renewed, valid until %s (version %d)", cert->name, expires, result.version);
	buf_printf(&r->mail, "%s (%s): renewed, valid until %s.\n", cert->name, state.names, expires);
	r->renewed++;
	rc = 1;

	/* deploy runs once the new files are live; its failure leaves them live. */
	if (cert->settings.deploy != NULL) {
		live_config_names(cert, domains, sizeof(domains));
		if (hook_env_cert(&env, cert->name, domains, live.dir) != 0 ||
		    run_hook(r, "deploy", cert->settings.deploy, &env, problem, sizeof(problem)) != 0)
			buf_printf(&r->mail, "  %s: %s; the new certificate stays installed.\n", cert->name,
			    env.count == 0 ? error_text() : problem);
		hook_env_free(&env);
	}
	return rc;
}

/* After the hooks: compare what each renewed certificate's probes serve with live. */
static void
probe_renewed(struct run *r, const char *renewed, size_t count)
{
	static struct live live;
	char problem[512];
	size_t i;
	const struct config_cert *cert;

	for (i = 0; i < count; i++) {
		cert = &r->config->certs[i];
		if (!renewed[i] || cert->probe_count == 0)
			continue;
		if (live_read(r->config->state_dir, cert->name, &live) != 0 || !live.present) {
			log_error("%s: %s", cert->name, error_text());
			r->failed = 1;
			continue;
		}
		if (check_probes(r, cert, &live, problem, sizeof(problem)) != 0)
			buf_printf(&r->mail, "  %s\n", problem);
	}
}

/* Every certificate, then post, probes and the renewal notice. */
static void
run_all(struct run *r)
{
	char renewed[CONFIG_CERTS_MAX] = { 0 };
	char problem[512], subject[256];
	size_t i;

	for (i = 0; i < r->config->cert_count; i++)
		renewed[i] = renew_one(r, &r->config->certs[i]) == 1;
	if (r->renewed == 0)
		return;

	if (r->config->post != NULL && run_hook(r, "post", r->config->post, NULL, problem, sizeof(problem)) != 0)
		buf_printf(&r->mail, "  %s\n", problem);
	probe_renewed(r, renewed, r->config->cert_count);

	if (r->mail.failed)
		return;
	snprintf(subject, sizeof(subject), "keepcert: renewed %u certificate%s%s", r->renewed,
	    r->renewed == 1 ? "" : "s", r->failed ? ", with problems" : "");
	notify(r, subject, r->mail.data);
}

/* see commands.h */
int
cmd_run(struct args *a)
{
	struct run_options o;
	struct config config;
	struct lock lock;
	struct run r;
	const char *path = args_config_path != NULL ? args_config_path : CONFIG_DEFAULT_PATH;

	if (parse_run_options(a, &o) != 0) {
		log_error("run: %s", error_text());
		return EXIT_USAGE;
	}
	if (config_load(path, &config) != 0) {
		log_error("%s", error_text());
		return EXIT_USAGE;
	}

	memset(&r, 0, sizeof(r));
	r.config = &config;
	r.options = &o;
	account_options_init(&r.account);
	if (o.dry_run) {
		r.account.directory_url = dry_run_directory(&config, o.directory);
		if (r.account.directory_url == NULL) {
			log_error("run: --dry-run needs --directory URL: the config's CA %s has no known staging "
			    "directory", config.directory);
			config_free(&config);
			return EXIT_USAGE;
		}
	}
	if (cli_config_account_from(&r.account, &config) != 0) {
		log_error("run: %s", error_text());
		explicit_bzero(r.account.eab_key, sizeof(r.account.eab_key));
		config_free(&config);
		return EXIT_USAGE;
	}
	mail_recipient(&config, r.mail_to, sizeof(r.mail_to));

	/* A fleet of machines on one cron minute would reach the CA at one instant. */
	if (o.random_sleep > 0) {
		unsigned seconds = (unsigned)(random_draw() % (uint64_t)(o.random_sleep + 1));

		log_info("sleeping %u seconds first (--random-sleep)", seconds);
		while (seconds > 0)
			seconds = sleep(seconds);
	}

	if (lock_acquire(&lock, config.state_dir, config.lock_timeout) != 0) {
		log_error("run: %s", error_text());
		explicit_bzero(r.account.eab_key, sizeof(r.account.eab_key));
		config_free(&config);
		return EXIT_FAILED;
	}

	r.client = calloc(1, sizeof(*r.client));
	if (r.client == NULL) {
		log_error("run: out of memory");
		r.failed = 1;
	} else {
		run_all(&r);
		if (r.client_open)
			account_close(r.client, &r.acct);
		free(r.client);
	}

	lock_release(&lock);
	buf_free(&r.mail);
	explicit_bzero(r.account.eab_key, sizeof(r.account.eab_key));
	config_free(&config);
	return r.failed ? EXIT_FAILED : EXIT_OK;
}
