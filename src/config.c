#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acme.h"
#include "challenge_http.h"
#include "config.h"
#include "csr.h"
#include "log.h"
#include "store.h"

/* The sections a key may appear in. */
enum key_scope {
	SCOPE_GLOBAL = 1,
	SCOPE_CERT = 2,
	SCOPE_BOTH = SCOPE_GLOBAL | SCOPE_CERT,
};

struct parser;

struct key_def {
	const char *name;
	enum key_scope scope;
	int (*set)(struct parser *p, const char *value);
};

/* The parser's position: the section being filled and the keys it has seen. */
struct parser {
	struct config *config;
	struct config_cert *cert;	/* NULL in the global part */
	struct config_defaults *settings;	/* &config->defaults or &cert->settings */
	unsigned char seen[32];		/* indexed like key_defs */
	int line;
	int eab_kid_line;
};

static const char *const key_types[] = { "ec-p256", "ec-p384", "rsa-2048", "rsa-3072", "rsa-4096" };

static const char *const challenge_names[] = {
	[CHALLENGE_HTTP_STATELESS] = "http-stateless",
	[CHALLENGE_WEBROOT] = "webroot",
	[CHALLENGE_STANDALONE] = "standalone",
	[CHALLENGE_DNS_HOOK] = "dns-hook",
	[CHALLENGE_TLS_ALPN] = "tls-alpn",
};

/* see config.h */
const char *
config_challenge_name(enum challenge_type type)
{
	if ((size_t)type < sizeof(challenge_names) / sizeof(challenge_names[0]) &&
	    challenge_names[type] != NULL)
		return challenge_names[type];
	return "unset";
}

static int
set_string(char **dst, const char *value)
{
	char *copy = strdup(value);

	if (copy == NULL)
		return error_set("out of memory");
	free(*dst);
	*dst = copy;
	return 0;
}

/* Parse a decimal integer in [MIN, MAX]. */
static int
parse_int(const char *value, int min, int max, int *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(value, &end, 10);
	if (!isdigit((unsigned char)value[0]) || *end != '\0' || errno != 0 || n < min || n > max)
		return error_set("'%s' is not a whole number from %d to %d", log_short(value), min, max);
	*out = (int)n;
	return 0;
}

static int
parse_bool(const char *value, int *out)
{
	if (strcmp(value, "yes") == 0 || strcmp(value, "true") == 0) {
		*out = 1;
		return 0;
	}
	if (strcmp(value, "no") == 0 || strcmp(value, "false") == 0) {
		*out = 0;
		return 0;
	}
	return error_set("'%s' is not yes or no", log_short(value));
}

/*
 * Check *NAME with name_normalize(), the validator of -d NAME too, and
 * replace it with its normal form (lower case, no trailing dot).
 */
static int
check_name(char **name)
{
	char normal[NAME_MAX_LEN + 1];
	unsigned char addr[16];
	size_t len;

	if (name_normalize(*name, normal) != 0)
		return -1;

	/* CAs issue for fully qualified names only, so "localhost" or "web" cannot work. */
	if (!name_is_ip(normal, addr, &len) && strchr(normal, '.') == NULL)
		return error_set("'%s' is not a fully qualified DNS name (no '.')", log_short(*name));
	return set_string(name, normal);
}

/* Check "HOST:PORT" or "[IPV6]:PORT", the form of listen and probe addresses. */
static int
check_host_port(const char *value)
{
	const char *colon;
	int port;

	if (value[0] == '[') {
		colon = strstr(value, "]:");
		if (colon == NULL || colon == value + 1)
			return error_set("'%s' is not ADDR:PORT", log_short(value));
		colon++;
	} else {
		colon = strrchr(value, ':');
		if (colon == NULL || colon == value || memchr(value, ':', (size_t)(colon - value)) != NULL)
			return error_set("'%s' is not ADDR:PORT (write an IPv6 address in brackets)", log_short(value));
	}
	if (parse_int(colon + 1, 1, 65535, &port) != 0)
		return error_set("'%s': the port is not a number from 1 to 65535", log_short(value));
	return 0;
}

/* Split VALUE at spaces into DST (up to MAX words), copying each word. */
static int
split_words(const char *value, char **dst, size_t max, size_t *count)
{
	const char *p = value, *start;
	size_t len;

	*count = 0;
	while (*p != '\0') {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		start = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
		len = (size_t)(p - start);
		if (*count == max)
			return error_set("more than %zu values", max);
		dst[*count] = strndup(start, len);
		if (dst[*count] == NULL)
			return error_set("out of memory");
		(*count)++;
	}
	return 0;
}

static int
set_directory(struct parser *p, const char *value)
{
	const char *url = acme_ca_directory(value);

	if (url != NULL)
		return set_string(&p->config->directory, url);
	if (strncmp(value, "https://", 8) != 0 || value[8] == '\0')
		return error_set("'%s' is neither an https:// URL nor a known CA (" ACME_CA_NAMES ")",
		    log_short(value));
	if (strpbrk(value, " \t") != NULL)
		return error_set("'%s': a URL cannot contain spaces", log_short(value));
	return set_string(&p->config->directory, value);
}

static int
set_contact(struct parser *p, const char *value)
{
	struct config *c = p->config;
	size_t i;

	if (split_words(value, c->contacts, CONFIG_CONTACTS_MAX, &c->contact_count) != 0)
		return -1;
	/* RFC 8555 section 7.3: CAs support mailto: contacts; others are often rejected. */
	for (i = 0; i < c->contact_count; i++)
		if (strncmp(c->contacts[i], "mailto:", 7) != 0 || strchr(c->contacts[i], '@') == NULL)
			return error_set("'%s' is not a mailto: address, e.g. mailto:admin@example.org",
			    log_short(c->contacts[i]));
	return 0;
}

static int
set_absolute_path(char **dst, const char *value)
{
	if (value[0] != '/')
		return error_set("'%s' is not an absolute path", log_short(value));
	return set_string(dst, value);
}

static int
set_state_dir(struct parser *p, const char *value)
{
	return set_absolute_path(&p->config->state_dir, value);
}

static int
set_ca_bundle(struct parser *p, const char *value)
{
	return set_absolute_path(&p->config->ca_bundle, value);
}

static int
set_notify(struct parser *p, const char *value)
{
	return set_string(&p->config->notify, value);
}

static int
set_eab_kid(struct parser *p, const char *value)
{
	p->eab_kid_line = p->line;
	return set_string(&p->config->eab_kid, value);
}

/* The EAB MAC key is a secret: messages about it never repeat the value. */
static int
set_eab_hmac_key(struct parser *p, const char *value)
{
	size_t i;

	for (i = 0; value[i] != '\0'; i++)
		if (!isalnum((unsigned char)value[i]) && value[i] != '-' && value[i] != '_')
			return error_set("the value is not base64url (A-Z, a-z, 0-9, '-', '_'; no padding)");
	return set_string(&p->config->eab_hmac_key, value);
}

static int
set_pre(struct parser *p, const char *value)
{
	return set_string(&p->config->pre, value);
}

static int
set_post(struct parser *p, const char *value)
{
	return set_string(&p->config->post, value);
}

static int
set_lock_timeout(struct parser *p, const char *value)
{
	return parse_int(value, 0, 86400, &p->config->lock_timeout);
}

static int
set_timeout(struct parser *p, const char *value)
{
	return parse_int(value, 1, 86400, &p->config->timeout);
}

static int
set_agree_tos(struct parser *p, const char *value)
{
	return parse_bool(value, &p->config->agree_tos);
}

static int
set_key(struct parser *p, const char *value)
{
	size_t i;

	for (i = 0; i < sizeof(key_types) / sizeof(key_types[0]); i++)
		if (strcmp(value, key_types[i]) == 0)
			return set_string(&p->settings->key, value);
	return error_set("'%s' is not a key type: use ec-p256, ec-p384, rsa-2048, rsa-3072 or rsa-4096",
	    log_short(value));
}

/* "TYPE" or "TYPE ARGUMENT"; the argument runs to the end of the line. */
static int
set_challenge(struct parser *p, const char *value)
{
	struct config_challenge *ch = &p->settings->challenge;
	const char *arg;
	size_t word, type;

	word = strcspn(value, " \t");
	arg = value + word + strspn(value + word, " \t");
	for (type = CHALLENGE_HTTP_STATELESS; type <= CHALLENGE_TLS_ALPN; type++)
		if (strlen(challenge_names[type]) == word && strncmp(value, challenge_names[type], word) == 0)
			break;
	if (type > CHALLENGE_TLS_ALPN)
		return error_set("'%.*s' is not a challenge type: use http-stateless, webroot DIR, "
		    "standalone ADDR:PORT, dns-hook PROGRAM or tls-alpn ADDR:PORT", (int)word, value);

	if (type == CHALLENGE_HTTP_STATELESS && *arg != '\0')
		return error_set("http-stateless takes no argument");
	if (type != CHALLENGE_HTTP_STATELESS && *arg == '\0')
		return error_set("%s needs %s", challenge_names[type],
		    type == CHALLENGE_WEBROOT ? "a directory" :
		    type == CHALLENGE_DNS_HOOK ? "a program" : "ADDR:PORT");
	if (type == CHALLENGE_WEBROOT && arg[0] != '/')
		return error_set("webroot '%s' is not an absolute path", log_short(arg));
	if (type == CHALLENGE_STANDALONE || type == CHALLENGE_TLS_ALPN) {
		char host[64];
		unsigned port;

		/* The listener's own parser, so the config accepts what --challenge does, ":PORT" too. */
		if (challenge_address_parse(arg, challenge_names[type], host, sizeof(host), &port) != 0)
			return -1;
	}

	ch->type = (enum challenge_type)type;
	free(ch->arg);
	ch->arg = NULL;
	return type == CHALLENGE_HTTP_STATELESS ? 0 : set_string(&ch->arg, arg);
}

static int
set_deploy(struct parser *p, const char *value)
{
	return set_string(&p->settings->deploy, value);
}

static int
set_renew_days(struct parser *p, const char *value)
{
	return parse_int(value, 1, 365, &p->settings->renew_days);
}

static int
set_reuse_key(struct parser *p, const char *value)
{
	return parse_bool(value, &p->settings->reuse_key);
}

static int
set_self_check(struct parser *p, const char *value)
{
	return parse_bool(value, &p->settings->self_check);
}

static int
set_self_check_addr(struct parser *p, const char *value)
{
	if (check_host_port(value) != 0)
		return -1;
	return set_string(&p->settings->self_check_addr, value);
}

static int
set_preferred_chain(struct parser *p, const char *value)
{
	return set_string(&p->settings->preferred_chain, value);
}

/* Profile names are short tokens chosen by the CA, e.g. "tlsserver" or "shortlived". */
static int
set_profile(struct parser *p, const char *value)
{
	size_t i;

	for (i = 0; value[i] != '\0'; i++)
		if (!isalnum((unsigned char)value[i]) && strchr("._-", value[i]) == NULL)
			return error_set("'%s' is not a profile name (letters, digits, '.', '_', '-')", log_short(value));
	return set_string(&p->settings->profile, value);
}

static int
set_names(struct parser *p, const char *value)
{
	struct config_cert *cert = p->cert;
	size_t i, j;

	if (split_words(value, cert->names, CONFIG_NAMES_MAX, &cert->name_count) != 0)
		return -1;
	for (i = 0; i < cert->name_count; i++) {
		if (check_name(&cert->names[i]) != 0)
			return -1;
		for (j = 0; j < i; j++)
			if (strcmp(cert->names[i], cert->names[j]) == 0)
				return error_set("'%s' is listed twice", log_short(cert->names[i]));
	}
	return 0;
}

static int
set_probe(struct parser *p, const char *value)
{
	struct config_cert *cert = p->cert;
	const char *target;
	size_t i;

	if (split_words(value, cert->probes, CONFIG_PROBES_MAX, &cert->probe_count) != 0)
		return -1;
	for (i = 0; i < cert->probe_count; i++) {
		target = cert->probes[i];
		if (strncmp(target, "smtp://", 7) == 0 || strncmp(target, "imap://", 7) == 0)
			target += 7;
		else if (strstr(target, "://") != NULL)
			return error_set("'%s': a probe is HOST:PORT for implicit TLS, or smtp:// or "
			    "imap:// HOST:PORT for STARTTLS", cert->probes[i]);
		if (check_host_port(target) != 0)
			return -1;
	}
	return 0;
}

static const struct key_def key_defs[] = {
	{ "directory", SCOPE_GLOBAL, set_directory },
	{ "contact", SCOPE_GLOBAL, set_contact },
	{ "state-dir", SCOPE_GLOBAL, set_state_dir },
	{ "notify", SCOPE_GLOBAL, set_notify },
	{ "ca-bundle", SCOPE_GLOBAL, set_ca_bundle },
	{ "eab-kid", SCOPE_GLOBAL, set_eab_kid },
	{ "eab-hmac-key", SCOPE_GLOBAL, set_eab_hmac_key },
	{ "pre", SCOPE_GLOBAL, set_pre },
	{ "post", SCOPE_GLOBAL, set_post },
	{ "lock-timeout", SCOPE_GLOBAL, set_lock_timeout },
	{ "timeout", SCOPE_GLOBAL, set_timeout },
	{ "agree-tos", SCOPE_GLOBAL, set_agree_tos },
	{ "key", SCOPE_BOTH, set_key },
	{ "challenge", SCOPE_BOTH, set_challenge },
	{ "deploy", SCOPE_BOTH, set_deploy },
	{ "renew-days", SCOPE_BOTH, set_renew_days },
	{ "reuse-key", SCOPE_BOTH, set_reuse_key },
	{ "preferred-chain", SCOPE_BOTH, set_preferred_chain },
	{ "profile", SCOPE_BOTH, set_profile },
	{ "self-check", SCOPE_BOTH, set_self_check },
	{ "self-check-addr", SCOPE_BOTH, set_self_check_addr },
	{ "names", SCOPE_CERT, set_names },
	{ "probe", SCOPE_CERT, set_probe },
};

_Static_assert(sizeof(key_defs) / sizeof(key_defs[0]) <= sizeof(((struct parser *)0)->seen),
    "parser.seen has a slot per key");

/* List the keys allowed in SCOPE, for the unknown-key message. */
static void
list_keys(char *dst, size_t cap, enum key_scope scope)
{
	size_t i, n = 0;

	dst[0] = '\0';
	for (i = 0; i < sizeof(key_defs) / sizeof(key_defs[0]); i++) {
		if ((key_defs[i].scope & scope) == 0)
			continue;
		n += (size_t)snprintf(dst + n, n < cap ? cap - n : 0, "%s%s", n > 0 ? ", " : "",
		    key_defs[i].name);
		if (n >= cap)
			return;
	}
}

static void
settings_init(struct config_defaults *s)
{
	memset(s, 0, sizeof(*s));
	s->renew_days = -1;
	s->reuse_key = -1;
	s->self_check = -1;
}

/* Start the section [NAME] on the current line. */
static int
begin_section(struct parser *p, const char *name)
{
	struct config *c = p->config;
	struct config_cert *cert, *grown;
	size_t i;

	if (store_check_name(name) != 0)
		return error_prefix("section [%s]", name);
	for (i = 0; i < c->cert_count; i++)
		if (strcmp(c->certs[i].name, name) == 0)
			return error_set("section [%s] is already defined on line %d", name, c->certs[i].line);
	if (c->cert_count == CONFIG_CERTS_MAX)
		return error_set("section [%s]: more than %d certificate sections", name, CONFIG_CERTS_MAX);

	grown = realloc(c->certs, (c->cert_count + 1) * sizeof(*c->certs));
	if (grown == NULL)
		return error_set("out of memory");
	c->certs = grown;
	cert = &c->certs[c->cert_count++];
	memset(cert, 0, sizeof(*cert));
	settings_init(&cert->settings);
	cert->line = p->line;
	p->cert = cert;
	p->settings = &cert->settings;
	memset(p->seen, 0, sizeof(p->seen));
	return set_string(&cert->name, name);
}

/* Apply "KEY = VALUE" on the current line to the current section. */
static int
apply_key(struct parser *p, const char *key, const char *value)
{
	enum key_scope here = p->cert != NULL ? SCOPE_CERT : SCOPE_GLOBAL;
	char keys[512];
	size_t i;

	for (i = 0; i < sizeof(key_defs) / sizeof(key_defs[0]); i++)
		if (strcmp(key_defs[i].name, key) == 0)
			break;
	if (i == sizeof(key_defs) / sizeof(key_defs[0])) {
		list_keys(keys, sizeof(keys), here);
		return error_set("unknown key; valid keys %s: %s",
		    here == SCOPE_CERT ? "in a certificate section" : "before the first section", keys);
	}
	if ((key_defs[i].scope & here) == 0) {
		if (here == SCOPE_CERT)
			return error_set("global key inside section [%s]; move it above the first section",
			    p->cert->name);
		return error_set("belongs in a certificate section, e.g. after a line [example.org]");
	}
	if (p->seen[i])
		return error_set("set twice in %s; keep one line",
		    p->cert != NULL ? "this section" : "the global part");
	p->seen[i] = 1;
	if (value[0] == '\0')
		return error_set("missing value");
	return key_defs[i].set(p, value);
}

/* Copy the global value into every setting SETTINGS left unset, then the built-in defaults. */
static int
inherit(struct config_defaults *s, const struct config_defaults *g)
{
	if (s->challenge.type == 0) {
		s->challenge.type = g->challenge.type != 0 ? g->challenge.type : CHALLENGE_HTTP_STATELESS;
		if (g->challenge.arg != NULL && set_string(&s->challenge.arg, g->challenge.arg) != 0)
			return -1;
	}
	if (s->key == NULL && set_string(&s->key, g->key != NULL ? g->key : "ec-p256") != 0)
		return -1;
	if (s->deploy == NULL && g->deploy != NULL && set_string(&s->deploy, g->deploy) != 0)
		return -1;
	if (s->renew_days < 0)
		s->renew_days = g->renew_days >= 0 ? g->renew_days : 0;
	if (s->reuse_key < 0)
		s->reuse_key = g->reuse_key >= 0 ? g->reuse_key : 0;
	if (s->preferred_chain == NULL && g->preferred_chain != NULL &&
	    set_string(&s->preferred_chain, g->preferred_chain) != 0)
		return -1;
	if (s->profile == NULL && g->profile != NULL && set_string(&s->profile, g->profile) != 0)
		return -1;
	if (s->self_check < 0)
		s->self_check = g->self_check >= 0 ? g->self_check : 1;
	if (s->self_check_addr == NULL && g->self_check_addr != NULL &&
	    set_string(&s->self_check_addr, g->self_check_addr) != 0)
		return -1;
	return 0;
}

/* Only dns-01 validates a wildcard name (RFC 8555 section 7.1.3). */
static int
check_wildcards(const struct config_cert *cert)
{
	size_t i;

	if (cert->settings.challenge.type == CHALLENGE_DNS_HOOK)
		return 0;
	for (i = 0; i < cert->name_count; i++)
		if (strncmp(cert->names[i], "*.", 2) == 0)
			return error_set("%s is a wildcard name, which only dns-01 can validate, but the "
			    "challenge is %s; set 'challenge = dns-hook PROGRAM' in this section",
			    cert->names[i], config_challenge_name(cert->settings.challenge.type));
	return 0;
}

/* Checks that need the whole file, and the defaults; errors carry their own line. */
static int
finish(struct parser *p, const char *path)
{
	struct config *c = p->config;
	struct config_cert *cert;
	size_t i;

	if ((c->eab_kid != NULL) != (c->eab_hmac_key != NULL)) {
		if (c->eab_kid != NULL)
			return error_set("%s:%d: key 'eab-kid': set without 'eab-hmac-key'; the CA gives both",
			    path, p->eab_kid_line);
		return error_set("%s: key 'eab-hmac-key': set without 'eab-kid'; the CA gives both", path);
	}

	for (i = 0; i < c->cert_count; i++) {
		cert = &c->certs[i];
		if (cert->name_count == 0) {
			/* A section named after a domain needs no names line. */
			if (split_words(cert->name, cert->names, 1, &cert->name_count) != 0)
				return error_prefix("%s:%d", path, cert->line);
			if (check_name(&cert->names[0]) != 0)
				return error_set("%s:%d: section [%s]: key 'names' is missing and the section "
				    "name is not a DNS name", path, cert->line, cert->name);
		}
		if (inherit(&cert->settings, &c->defaults) != 0)
			return -1;
		if (check_wildcards(cert) != 0)
			return error_prefix("%s:%d: section [%s]", path, cert->line, cert->name);
	}

	if (c->directory == NULL && set_string(&c->directory, CONFIG_DEFAULT_DIRECTORY) != 0)
		return -1;
	if (c->state_dir == NULL && set_string(&c->state_dir, CONFIG_DEFAULT_STATE_DIR) != 0)
		return -1;
	if (c->lock_timeout < 0)
		c->lock_timeout = CONFIG_DEFAULT_LOCK_TIMEOUT;
	if (c->timeout < 0)
		c->timeout = CONFIG_DEFAULT_TIMEOUT;
	if (c->agree_tos < 0)
		c->agree_tos = 0;
	return 0;
}

/* Trim spaces and tabs at both ends of S in place and return the new start. */
static char *
trim(char *s)
{
	size_t len;

	while (*s == ' ' || *s == '\t')
		s++;
	len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
		s[--len] = '\0';
	return s;
}

/* Parse one line (already NUL-terminated, without its newline). */
static int
parse_line(struct parser *p, char *line, const char *path)
{
	char *s = trim(line), *eq, *key, *value;
	size_t len = strlen(s);

	if (len == 0 || s[0] == '#')
		return 0;

	if (s[0] == '[') {
		if (s[len - 1] != ']')
			return error_set("%s:%d: a section header is [NAME]", path, p->line);
		s[len - 1] = '\0';
		if (begin_section(p, trim(s + 1)) != 0)
			return error_prefix("%s:%d", path, p->line);
		return 0;
	}

	eq = strchr(s, '=');
	if (eq == NULL)
		return error_set("%s:%d: expected 'key = value' or '[name]'", path, p->line);
	*eq = '\0';
	key = trim(s);
	value = trim(eq + 1);
	if (key[0] == '\0')
		return error_set("%s:%d: a line starts with '='; expected 'key = value'", path, p->line);
	if (apply_key(p, key, value) != 0)
		return error_prefix("%s:%d: key '%s'", path, p->line, key);
	return 0;
}

/* see config.h */
int
config_parse(const char *text, size_t len, const char *path, struct config *config)
{
	struct parser p;
	char line[CONFIG_LINE_MAX + 2];
	const char *at = text, *end = text + len, *eol;
	size_t line_len;

	memset(config, 0, sizeof(*config));
	settings_init(&config->defaults);
	config->lock_timeout = -1;
	config->timeout = -1;
	config->agree_tos = -1;
	memset(&p, 0, sizeof(p));
	p.config = config;
	p.settings = &config->defaults;

	if (set_string(&config->path, path) != 0)
		return -1;
	if (len > CONFIG_FILE_MAX) {
		error_set("%s: file is larger than %u bytes", path, CONFIG_FILE_MAX);
		goto fail;
	}

	/* Editors on some systems start a UTF-8 file with a byte order mark. */
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		at += 3;

	for (; at < end; at = eol + 1) {
		p.line++;
		if (p.line > CONFIG_LINES_MAX) {
			error_set("%s:%d: more than %d lines", path, p.line, CONFIG_LINES_MAX);
			goto fail;
		}
		eol = memchr(at, '\n', (size_t)(end - at));
		if (eol == NULL)
			eol = end;
		line_len = (size_t)(eol - at);
		if (line_len > CONFIG_LINE_MAX) {
			error_set("%s:%d: line is longer than %d bytes", path, p.line, CONFIG_LINE_MAX);
			goto fail;
		}
		if (memchr(at, '\0', line_len) != NULL) {
			error_set("%s:%d: line contains a NUL byte", path, p.line);
			goto fail;
		}
		memcpy(line, at, line_len);
		line[line_len] = '\0';
		if (parse_line(&p, line, path) != 0)
			goto fail;
	}

	explicit_bzero(line, sizeof(line));
	if (finish(&p, path) != 0)
		goto fail;
	return 0;

fail:
	explicit_bzero(line, sizeof(line));
	config_free(config);
	return -1;
}

static void
settings_free(struct config_defaults *s)
{
	free(s->challenge.arg);
	free(s->key);
	free(s->deploy);
	free(s->preferred_chain);
	free(s->profile);
	free(s->self_check_addr);
}

/* see config.h */
void
config_free(struct config *config)
{
	size_t i, j;

	for (i = 0; i < config->cert_count; i++) {
		struct config_cert *cert = &config->certs[i];

		free(cert->name);
		for (j = 0; j < cert->name_count; j++)
			free(cert->names[j]);
		for (j = 0; j < cert->probe_count; j++)
			free(cert->probes[j]);
		settings_free(&cert->settings);
	}
	free(config->certs);
	for (i = 0; i < config->contact_count; i++)
		free(config->contacts[i]);
	if (config->eab_hmac_key != NULL)
		explicit_bzero(config->eab_hmac_key, strlen(config->eab_hmac_key));
	free(config->eab_hmac_key);
	free(config->path);
	free(config->directory);
	free(config->state_dir);
	free(config->notify);
	free(config->ca_bundle);
	free(config->eab_kid);
	free(config->pre);
	free(config->post);
	settings_free(&config->defaults);
	memset(config, 0, sizeof(*config));
}

/* see config.h */
const struct config_cert *
config_find(const struct config *config, const char *name)
{
	size_t i;

	for (i = 0; i < config->cert_count; i++)
		if (strcmp(config->certs[i].name, name) == 0)
			return &config->certs[i];
	return NULL;
}

/*
 * Check the directory holding PATH: whoever may write it can replace the
 * file, unless the sticky bit (as on /tmp) limits that to the file's owner.
 */
static int
check_parent_dir(const char *path)
{
	char dir[CONFIG_LINE_MAX + 1];
	const char *slash = strrchr(path, '/');
	struct stat st;
	size_t len;

	if (slash == NULL)
		return 0;
	len = slash == path ? 1 : (size_t)(slash - path);
	if (len >= sizeof(dir))
		return error_set("%s: path is too long", path);
	memcpy(dir, path, len);
	dir[len] = '\0';
	if (stat(dir, &st) != 0)
		return error_set("%s: %s", dir, strerror(errno));
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (st.st_mode & S_ISVTX) == 0)
		return error_set("%s: the directory is writable by group or others (mode %04o), so they "
		    "could replace %s; run 'chmod go-w %s'", dir, (unsigned)(st.st_mode & 07777), path, dir);
	return 0;
}

/* see config.h */
int
config_check_private(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return error_set("%s: %s", path, strerror(errno));
	if (st.st_uid != 0 && st.st_uid != geteuid())
		return error_set("%s: owned by uid %ld, not by root; run 'chown root %s'", path,
		    (long)st.st_uid, path);
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return error_set("%s: writable by group or others (mode %04o), so they could run commands "
		    "as root; run 'chmod go-w %s'", path, (unsigned)(st.st_mode & 07777), path);
	return check_parent_dir(path);
}

/* see config.h */
int
config_check_command(const char *command)
{
	char program[CONFIG_LINE_MAX + 1];
	size_t len;

	command += strspn(command, " \t");
	len = strcspn(command, " \t");
	if (len == 0 || len >= sizeof(program))
		return 0;
	memcpy(program, command, len);
	program[len] = '\0';
	if (strchr(program, '/') == NULL)
		return 0;
	return config_check_private(program);
}

/* Check every command the config runs, naming the key on failure. */
static int
check_commands(const struct config *c)
{
	const char *global[] = { c->notify, c->pre, c->post, c->defaults.deploy,
		c->defaults.challenge.type == CHALLENGE_DNS_HOOK ? c->defaults.challenge.arg : NULL };
	const char *names[] = { "notify", "pre", "post", "deploy", "challenge" };
	const struct config_cert *cert;
	size_t i;

	for (i = 0; i < sizeof(global) / sizeof(global[0]); i++)
		if (global[i] != NULL && config_check_command(global[i]) != 0)
			return error_prefix("%s: key '%s'", c->path, names[i]);
	for (i = 0; i < c->cert_count; i++) {
		cert = &c->certs[i];
		if (cert->settings.deploy != NULL && config_check_command(cert->settings.deploy) != 0)
			return error_prefix("%s: [%s] key 'deploy'", c->path, cert->name);
		if (cert->settings.challenge.type == CHALLENGE_DNS_HOOK &&
		    config_check_command(cert->settings.challenge.arg) != 0)
			return error_prefix("%s: [%s] key 'challenge'", c->path, cert->name);
	}
	return 0;
}

/* see config.h */
int
config_load(const char *path, struct config *config)
{
	char *text;
	size_t len;
	int rc;

	memset(config, 0, sizeof(*config));

	/* As root, anyone who can write the file or a hook decides what root runs. */
	if (geteuid() == 0 && config_check_private(path) != 0)
		return -1;
	if (store_read_file(path, CONFIG_FILE_MAX, &text, &len) != 0)
		return -1;
	rc = config_parse(text, len, path, config);
	explicit_bzero(text, len);
	free(text);
	if (rc != 0)
		return -1;
	if (geteuid() == 0 && check_commands(config) != 0) {
		config_free(config);
		return -1;
	}
	return 0;
}
