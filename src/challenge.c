/*
 * Choosing the challenge mode and building its solver.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "challenge.h"
#include "challenge_alpn.h"
#include "challenge_dns.h"
#include "challenge_http.h"
#include "key.h"
#include "log.h"

struct challenge_solver {
	struct acme_solver acme;
	enum challenge_type type;
	union {
		struct http01_solver http;
		struct dns01_solver dns;
		struct alpn01_solver alpn;
	} u;
};

/* The modes as written in the config and after --challenge; index is enum challenge_type. */
static const struct {
	const char *name;
	const char *arg;	/* what the argument is, or NULL when there is none */
} modes[] = {
	[CHALLENGE_HTTP_STATELESS] = { "http-stateless", NULL },
	[CHALLENGE_WEBROOT] = { "webroot", "DIR" },
	[CHALLENGE_STANDALONE] = { "standalone", "ADDR:PORT" },
	[CHALLENGE_DNS_HOOK] = { "dns-hook", "PROGRAM" },
	[CHALLENGE_TLS_ALPN] = { "tls-alpn", "ADDR:PORT" },
};

#define MODE_COUNT (sizeof(modes) / sizeof(modes[0]))

/* see challenge.h */
void
challenge_spec_init(struct challenge_spec *spec)
{
	memset(spec, 0, sizeof(*spec));
	spec->type = CHALLENGE_HTTP_STATELESS;
	spec->self_check = 1;
}

static int
find_mode(const char *mode)
{
	size_t i;

	for (i = 1; i < MODE_COUNT; i++)
		if (modes[i].name != NULL && strcmp(modes[i].name, mode) == 0)
			return (int)i;
	return -1;
}

/* see challenge.h */
int
challenge_spec_set(struct challenge_spec *spec, const char *mode, const char *arg)
{
	int i = find_mode(mode);

	if (i < 0)
		return error_set("challenge '%s' is unknown; use http-stateless, webroot DIR, standalone "
		    "ADDR:PORT, dns-hook PROGRAM or tls-alpn ADDR:PORT", log_short(mode));
	if (modes[i].arg != NULL && (arg == NULL || arg[0] == '\0'))
		return error_set("challenge %s needs %s, as in '%s %s'", mode, modes[i].arg, mode,
		    i == CHALLENGE_WEBROOT ? "/var/www/acme" : i == CHALLENGE_DNS_HOOK ?
		    "/usr/local/bin/dns-hook" : "127.0.0.1:8402");
	if (i == CHALLENGE_STANDALONE || i == CHALLENGE_TLS_ALPN) {
		char host[64], what[32];
		unsigned port;

		snprintf(what, sizeof(what), "%s address", mode);
		if (challenge_address_parse(arg, what, host, sizeof(host), &port) != 0)
			return -1;
	}
	spec->type = (enum challenge_type)i;
	spec->arg = modes[i].arg != NULL ? arg : NULL;
	return 0;
}

/* see challenge.h */
void
challenge_spec_from_config(struct challenge_spec *spec, const struct config_defaults *settings)
{
	challenge_spec_init(spec);
	spec->type = settings->challenge.type;
	spec->arg = settings->challenge.arg;
	spec->self_check = settings->self_check != 0;
	spec->self_check_addr = settings->self_check_addr;
}

/* see challenge.h */
int
challenge_option(struct challenge_spec *spec, int id, const char *value, struct args *a)
{
	int i;

	switch (id) {
	case OPT_CHALLENGE_MODE:
		i = find_mode(value);
		return challenge_spec_set(spec, value, i > 0 && modes[i].arg != NULL ? args_take(a) : NULL) == 0 ?
		    1 : -1;
	case OPT_NO_SELF_CHECK:
		spec->self_check = 0;
		return 1;
	case OPT_SELF_CHECK_ADDR: {
		char host[64];
		unsigned port;

		if (challenge_address_parse(value, "--self-check-addr", host, sizeof(host), &port) != 0)
			return -1;
		if (host[0] == '\0')
			return error_set("--self-check-addr '%s' needs an address, as 127.0.0.1:8402",
			    log_short(value));
		spec->self_check_addr = value;
		return 1;
	}
	}
	return 0;
}

/* see challenge.h */
const char *
challenge_acme_type(enum challenge_type type)
{
	switch (type) {
	case CHALLENGE_DNS_HOOK:
		return "dns-01";
	case CHALLENGE_TLS_ALPN:
		return "tls-alpn-01";
	default:
		return "http-01";
	}
}

/* see challenge.h */
int
challenge_check_names(const struct challenge_spec *spec, const char *const *names, size_t count)
{
	unsigned char addr[16];
	size_t i, len;

	for (i = 0; i < count; i++) {
		if (strncmp(names[i], "*.", 2) == 0 && spec->type != CHALLENGE_DNS_HOOK)
			return error_set("%s is a wildcard name, which only dns-01 can validate (RFC 8555 "
			    "section 7.1.3), but the challenge is %s; use 'challenge = dns-hook PROGRAM' "
			    "(--challenge dns-hook PROGRAM) for this certificate",
			    names[i], modes[spec->type].name);
		if (spec->type == CHALLENGE_TLS_ALPN && name_is_ip(names[i], addr, &len))
			return error_set("%s is an IP address, which keepcert's tls-alpn listener does not "
			    "answer for; use an http-01 challenge for it", names[i]);
		if (spec->type == CHALLENGE_DNS_HOOK && name_is_ip(names[i], addr, &len))
			return error_set("%s is an IP address, which has no DNS TXT record to set; use an "
			    "http-01 challenge for it", names[i]);
	}
	return 0;
}

/* see challenge.h */
int
challenge_thumbprint(const char *state_dir, const char *directory_url, char out[JWS_THUMBPRINT_SIZE])
{
	struct key key;
	char ca[256], path[PATH_MAX];
	int rc;

	if (acme_ca_dirname(directory_url, ca, sizeof(ca)) != 0)
		return -1;
	if ((size_t)snprintf(path, sizeof(path), "%s/accounts/%s/account.key", state_dir, ca) >= sizeof(path))
		return error_set("state directory path '%s' is too long", state_dir);

	memset(&key, 0, sizeof(key));
	rc = key_load(&key, path);
	if (rc == 0)
		jws_thumbprint(&key, out);
	key_wipe(&key);
	if (rc != 0) {
		char why[512];

		snprintf(why, sizeof(why), "%s", error_text());
		return error_set("%s; http-stateless needs the account key, so run 'keepcert account register' "
		    "with the same --directory and --state-dir first", why);
	}
	return 0;
}

/*
 * SIGTERM and SIGINT while a solver is open: without this the process
 * died with its listener child left unreaped and its webroot files in
 * place. The handler does only what is async-signal-safe: it stops and
 * reaps the listener, removes the webroot files, names what it cannot
 * undo, and exits 1.
 * NOTE: dns-hook records are not deleted here, since running the program
 * is not safe in a signal handler; the message names each one.
 */
static struct challenge_solver *volatile interrupted_solver;
static struct sigaction saved_term, saved_int;

/* Append SRC to the message in DST (of CAP bytes) at *LEN, with no library call that is unsafe here. */
static void
append_safe(char *dst, size_t cap, size_t *len, const char *src)
{
	while (*src != '\0' && *len + 1 < cap)
		dst[(*len)++] = *src++;
}

static void
stop_child_safe(pid_t *child)
{
	if (*child <= 0)
		return;
	kill(*child, SIGTERM);
	while (waitpid(*child, NULL, 0) < 0 && errno == EINTR)
		;
	*child = 0;
}

static void
on_signal(int sig)
{
	struct challenge_solver *s = interrupted_solver;
	static char message[4096];
	size_t len = 0, i;

	append_safe(message, sizeof(message), &len, sig == SIGINT ? "keepcert: error: interrupted (SIGINT)" :
	    "keepcert: error: stopped by SIGTERM");
	if (s != NULL && (s->type == CHALLENGE_STANDALONE || s->type == CHALLENGE_WEBROOT)) {
		stop_child_safe(&s->u.http.server.child);
		for (i = 0; i < s->u.http.token_count; i++)
			if (s->u.http.written[i] && s->u.http.challenge_fd >= 0)
				unlinkat(s->u.http.challenge_fd, s->u.http.tokens[i].token, 0);
	} else if (s != NULL && s->type == CHALLENGE_TLS_ALPN) {
		stop_child_safe(&s->u.alpn.child);
	} else if (s != NULL && s->type == CHALLENGE_DNS_HOOK) {
		for (i = 0; i < s->u.dns.count; i++) {
			if (!s->u.dns.records[i].added)
				continue;
			append_safe(message, sizeof(message), &len, "; delete the TXT value ");
			append_safe(message, sizeof(message), &len, s->u.dns.records[i].value);
			append_safe(message, sizeof(message), &len, " of ");
			append_safe(message, sizeof(message), &len, s->u.dns.records[i].name);
		}
	}
	append_safe(message, sizeof(message), &len, "\n");
	if (write(STDERR_FILENO, message, len) < 0)
		_exit(1);
	_exit(1);
}

/* Make S the solver that SIGTERM and SIGINT clean up, or with NULL restore the signals' old handling. */
static void
watch_signals(struct challenge_solver *s)
{
	struct sigaction sa;

	if (s == NULL) {
		if (interrupted_solver == NULL)
			return;
		interrupted_solver = NULL;
		sigaction(SIGTERM, &saved_term, NULL);
		sigaction(SIGINT, &saved_int, NULL);
		return;
	}
	if (interrupted_solver != NULL)
		return;	/* one solver at a time is watched; the first stays */
	interrupted_solver = s;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigfillset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, &saved_term);
	sigaction(SIGINT, &sa, &saved_int);
}

/* see challenge.h */
struct challenge_solver *
challenge_solver_new(const struct challenge_spec *spec, int lifetime)
{
	struct challenge_solver *s = calloc(1, sizeof(*s));
	int rc = 0;

	if (s == NULL)
		return error_set("out of memory"), NULL;
	s->type = spec->type;

	switch (spec->type) {
	case CHALLENGE_HTTP_STATELESS:
	case CHALLENGE_WEBROOT:
	case CHALLENGE_STANDALONE:
		rc = http01_solver_open(&s->u.http, spec->type, spec->arg);
		s->u.http.self_check = spec->self_check;
		s->u.http.self_check_addr = spec->self_check_addr;
		s->u.http.lifetime = lifetime;
		http01_solver_bind(&s->u.http, &s->acme);
		break;
	case CHALLENGE_DNS_HOOK:
		dns01_solver_open(&s->u.dns, spec->arg);
		dns01_solver_bind(&s->u.dns, &s->acme);
		break;
	case CHALLENGE_TLS_ALPN:
		rc = alpn01_solver_open(&s->u.alpn, spec->arg, lifetime);
		alpn01_solver_bind(&s->u.alpn, &s->acme);
		break;
	default:
		rc = error_set("no challenge type chosen");
		break;
	}
	if (rc != 0) {
		challenge_solver_free(s);
		return NULL;
	}
	watch_signals(s);
	return s;
}

/* see challenge.h */
const struct acme_solver *
challenge_solver_acme(const struct challenge_solver *s)
{
	return &s->acme;
}

/* see challenge.h */
void
challenge_solver_free(struct challenge_solver *s)
{
	if (s == NULL)
		return;
	if (interrupted_solver == s)
		watch_signals(NULL);
	switch (s->type) {
	case CHALLENGE_HTTP_STATELESS:
	case CHALLENGE_WEBROOT:
	case CHALLENGE_STANDALONE:
		http01_solver_close(&s->u.http);
		break;
	case CHALLENGE_DNS_HOOK:
		dns01_solver_close(&s->u.dns);
		break;
	case CHALLENGE_TLS_ALPN:
		alpn01_solver_close(&s->u.alpn);
		break;
	}
	free(s);
}
