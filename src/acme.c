/*
 * The ACME client core: directory, nonces, signed requests, problem
 * documents and polling (RFC 8555 sections 6 and 7.1). Accounts are in
 * acme_account.c, orders and certificates in acme_order.c.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "acme_internal.h"
#include "clock.h"
#include "jws.h"
#include "log.h"

/* Directory URLs of well-known CAs, for --ca. */
static const struct {
	const char *name;
	const char *url;
} ca_shortcuts[] = {
	{ "letsencrypt", "https://acme-v02.api.letsencrypt.org/directory" },
	{ "letsencrypt-staging", "https://acme-staging-v02.api.letsencrypt.org/directory" },
	{ "zerossl", "https://acme.zerossl.com/v2/DV90" },
	{ "google", "https://dv.acme-v02.api.pki.goog/directory" },
	{ "google-staging", "https://dv.acme-v02.test-api.pki.goog/directory" },
};

static const char *const status_names[] = {
	[ACME_STATUS_UNKNOWN] = "unknown",
	[ACME_STATUS_PENDING] = "pending",
	[ACME_STATUS_READY] = "ready",
	[ACME_STATUS_PROCESSING] = "processing",
	[ACME_STATUS_VALID] = "valid",
	[ACME_STATUS_INVALID] = "invalid",
	[ACME_STATUS_DEACTIVATED] = "deactivated",
	[ACME_STATUS_EXPIRED] = "expired",
	[ACME_STATUS_REVOKED] = "revoked",
};

/* see acme.h */
enum acme_status
acme_status_parse(const char *s)
{
	size_t i;

	for (i = 1; i < sizeof(status_names) / sizeof(status_names[0]); i++)
		if (strcmp(s, status_names[i]) == 0)
			return (enum acme_status)i;
	return ACME_STATUS_UNKNOWN;
}

/* see acme.h */
const char *
acme_status_name(enum acme_status status)
{
	return status_names[status];
}

/* see acme.h */
const char *
acme_ca_directory(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(ca_shortcuts) / sizeof(ca_shortcuts[0]); i++)
		if (strcmp(name, ca_shortcuts[i].name) == 0)
			return ca_shortcuts[i].url;
	return NULL;
}

/* see acme_internal.h */
int
acme_base64url_valid(const char *s, size_t max)
{
	size_t n = strlen(s);

	return n > 0 && n <= max &&
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == n;
}

/* see acme.h */
int
acme_url_valid(const char *url)
{
	size_t i, n = strlen(url);

	if (n >= HTTP_URL_MAX || strncasecmp(url, "https://", 8) != 0 || n == 8)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)url[i];

		if (ch <= 0x20 || ch >= 0x7f || ch == '"' || ch == '<' || ch == '>' || ch == '\\')
			return 0;
	}
	return 1;
}

/* see acme.h */
int
acme_ca_dirname(const char *directory_url, char *out, size_t cap)
{
	const char *host = directory_url + 8, *end, *port = NULL;
	size_t len;

	if (!acme_url_valid(directory_url))
		return error_set("directory URL '%s' is not an https URL", log_short(directory_url));

	end = host + strcspn(host, "/?#");
	if (host[0] == '[') {
		const char *close = memchr(host, ']', (size_t)(end - host));

		if (close == NULL)
			return error_set("directory URL '%s' has an invalid IPv6 host", log_short(directory_url));
		if (close + 1 < end && close[1] == ':')
			port = close + 2;
		host++;
		len = (size_t)(close - host);
	} else {
		const char *colon = memchr(host, ':', (size_t)(end - host));

		if (colon != NULL)
			port = colon + 1;
		len = (size_t)((colon != NULL ? colon : end) - host);
	}

	/* The host becomes a directory name: letters, digits, '-', '.', and ':' of IPv6 only. */
	if (len == 0 || host[0] == '.' || strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-.:") < len)
		return error_set("directory URL '%s' has an unusable host name", log_short(directory_url));
	if (port != NULL && (size_t)(end - port) == 3 && memcmp(port, "443", 3) == 0)
		port = NULL;
	if (port != NULL && (end == port || strspn(port, "0123456789") != (size_t)(end - port)))
		return error_set("directory URL '%s' has an invalid port", log_short(directory_url));

	if (port != NULL)
		snprintf(out, cap, "%.*s_%.*s", (int)len, host, (int)(end - port), port);
	else
		snprintf(out, cap, "%.*s", (int)len, host);
	for (; *out != '\0'; out++)
		if (*out >= 'A' && *out <= 'Z')
			*out = (char)(*out - 'A' + 'a');
	return 0;
}

/* see acme_internal.h */
int
acme_parse_text(const char *text, size_t len, struct acme_json *j)
{
	size_t at = 0;
	int rc;

	rc = json_parse(&j->doc, text != NULL ? text : "", len, j->tokens, ACME_MAX_TOKENS, &at);
	if (rc != JSON_OK)
		return error_set("the CA sent invalid JSON (%s at byte %zu)", json_strerror(rc), at);
	if (j->doc.tokens[0].type != JSON_OBJECT)
		return error_set("the CA sent JSON that is not an object");
	return 0;
}

/* see acme_internal.h */
int
acme_parse(const struct http_response *resp, struct acme_json *j)
{
	return acme_parse_text(resp->body.data, resp->body.len, j);
}

/* see acme_internal.h */
int
acme_get_string(const struct acme_json *j, int obj, const char *name, char *out, size_t cap)
{
	int tok = json_get(&j->doc, obj, name);

	out[0] = '\0';
	if (tok < 0 || j->doc.tokens[tok].type != JSON_STRING)
		return -1;
	if (json_string(&j->doc, tok, out, cap) < 0) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

/* see acme_internal.h */
int
acme_get_url(const struct acme_json *j, int obj, const char *name, char out[HTTP_URL_MAX])
{
	if (acme_get_string(j, obj, name, out, HTTP_URL_MAX) != 0)
		return error_set("the CA's response has no valid \"%s\" URL", name);
	if (!acme_url_valid(out)) {
		out[0] = '\0';
		return error_set("the CA's \"%s\" is not an https URL", name);
	}
	return 0;
}

/* see acme_internal.h */
enum acme_status
acme_get_status(const struct acme_json *j, int obj)
{
	char s[32];

	if (acme_get_string(j, obj, "status", s, sizeof(s)) != 0)
		return ACME_STATUS_UNKNOWN;
	return acme_status_parse(s);
}

/* The problem type without the ACME namespace prefix, which every type of RFC 8555 section 6.7 has. */
static const char *
short_type(const char *type)
{
	size_t n = strlen(ACME_ERROR_PREFIX);

	return strncmp(type, ACME_ERROR_PREFIX, n) == 0 ? type + n : type;
}

/* see acme_internal.h */
void
acme_problem_text(const struct acme_json *j, int problem, char *out, size_t cap)
{
	char type[128], detail[512], id_type[16], id_value[NAME_MAX_LEN + 1];
	int subs, sub, id;
	size_t used;
	uint32_t i;

	if (acme_get_string(j, problem, "type", type, sizeof(type)) != 0)
		snprintf(type, sizeof(type), "unknown problem");
	if (acme_get_string(j, problem, "detail", detail, sizeof(detail)) != 0)
		detail[0] = '\0';
	snprintf(out, cap, "%s%s%s", short_type(type), detail[0] != '\0' ? ": " : "", detail);

	/* Each subproblem names the identifier it is about (RFC 8555 section 6.7.1). */
	subs = json_get(&j->doc, problem, "subproblems");
	if (subs < 0 || j->doc.tokens[subs].type != JSON_ARRAY)
		return;
	for (i = 0; i < j->doc.tokens[subs].size && i < 10; i++) {
		sub = json_index(&j->doc, subs, i);
		if (j->doc.tokens[sub].type != JSON_OBJECT)
			continue;
		id = json_get(&j->doc, sub, "identifier");
		if (id < 0 || acme_get_string(j, id, "type", id_type, sizeof(id_type)) != 0 ||
		    acme_get_string(j, id, "value", id_value, sizeof(id_value)) != 0)
			snprintf(id_value, sizeof(id_value), "(no identifier)");
		if (acme_get_string(j, sub, "type", type, sizeof(type)) != 0)
			type[0] = '\0';
		if (acme_get_string(j, sub, "detail", detail, sizeof(detail)) != 0)
			detail[0] = '\0';
		used = strlen(out);
		snprintf(out + used, cap - used, "; %s: %s%s%s", id_value, short_type(type),
		    detail[0] != '\0' ? ": " : "", detail);
	}
	if (j->doc.tokens[subs].size > 10) {
		used = strlen(out);
		snprintf(out + used, cap - used, "; and %u more", j->doc.tokens[subs].size - 10);
	}
}

/* Keep the Replay-Nonce of any response (RFC 8555 section 6.5), if it is valid base64url. */
static void
take_nonce(struct acme_client *c, const struct http_response *resp)
{
	const char *n = http_header(resp, "Replay-Nonce");
	size_t len;

	if (n == NULL)
		return;
	len = strlen(n);
	if (!acme_base64url_valid(n, ACME_NONCE_MAX)) {
		log_debug("ignoring an invalid Replay-Nonce from the CA");
		return;
	}
	memcpy(c->nonce, n, len + 1);
}

/* Milliseconds from now until the run's deadline. */
static long
ms_left(const struct acme_client *c)
{
	return (long)(c->deadline_ms - clock_ms());
}

/* Send one request and keep its nonce; -1 only when no complete response arrived. */
static int
send_request(struct acme_client *c, const char *method, const char *url, const char *body,
    size_t body_len, struct http_response *resp)
{
	memset(resp, 0, sizeof(*resp));
	if (http_request(c->http, method, url, body != NULL ? "application/jose+json" : NULL, body,
	    body_len, resp) != 0) {
		/* The transport's waits end at the run's deadline, so the message names the option to raise. */
		if (ms_left(c) <= 0) {
			char why[1024];

			snprintf(why, sizeof(why), "%s", error_text());
			error_set("%s; raise --timeout or try again later", why);
		}
		return -1;
	}
	take_nonce(c, resp);
	log_debug("%s %s: HTTP %d", method, url, resp->status);
	return 0;
}

static void
format_utc(time_t t, char *out, size_t cap)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, cap, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

/*
 * Turn an error response into error_text(): the problem document's type,
 * detail and subproblems, the retry time of rateLimited and the instance
 * URL of userActionRequired (RFC 8555 section 6.7).
 */
static void
set_response_error(struct acme_client *c, const char *url, const struct http_response *resp)
{
	struct acme_json j;
	char text[900], extra[HTTP_URL_MAX + 64] = "", when[64];
	const char *ctype = http_header(resp, "Content-Type");
	long seconds;

	c->problem_type[0] = '\0';
	if (ctype == NULL || strncasecmp(ctype, "application/problem+json", 24) != 0 ||
	    acme_parse(resp, &j) != 0) {
		error_set("%s: the CA returned HTTP %d without a problem document", url, resp->status);
		return;
	}

	acme_problem_text(&j, 0, text, sizeof(text));
	if (acme_get_string(&j, 0, "type", c->problem_type, sizeof(c->problem_type)) == 0)
		memmove(c->problem_type, short_type(c->problem_type), strlen(short_type(c->problem_type)) + 1);

	if (strcmp(c->problem_type, "rateLimited") == 0 && http_retry_after(resp, time(NULL), &seconds)) {
		c->retry_not_before = time(NULL) + seconds;
		format_utc(c->retry_not_before, when, sizeof(when));
		snprintf(extra, sizeof(extra), "; retry after %s", when);
	} else if (strcmp(c->problem_type, "userActionRequired") == 0) {
		char instance[HTTP_URL_MAX];

		if (acme_get_string(&j, 0, "instance", instance, sizeof(instance)) == 0 &&
		    acme_url_valid(instance))
			snprintf(extra, sizeof(extra), "; visit %s", instance);
	}
	error_set("the CA rejected the request (HTTP %d): %s%s", resp->status, text, extra);
}

/* Sleep MS milliseconds on the monotonic clock, resuming after signals. */
static void
sleep_ms(long ms)
{
	long long end = clock_ms() + ms, left;
	struct timespec t;

	while ((left = end - clock_ms()) > 0) {
		t.tv_sec = (time_t)(left / 1000);
		t.tv_nsec = (long)(left % 1000) * 1000000;
		nanosleep(&t, NULL);
	}
}

/* see acme_internal.h */
int
acme_poll_wait(struct acme_client *c, struct acme_poll *p, const struct http_response *resp,
    const char *what)
{
	long seconds, ms;

	if (p->next_ms == 0)
		p->next_ms = ACME_POLL_FIRST_MS;

	/* Retry-After is honoured on any polled response, 200 included (RFC 8555 section 7.4). */
	if (resp == NULL && p->retry_after_ms > 0) {
		ms = p->retry_after_ms;
		p->retry_after_ms = 0;
	} else if (resp != NULL && http_retry_after(resp, time(NULL), &seconds)) {
		/* A run lasts at most a day (--timeout 86400), and a day in ms still fits a 32-bit long. */
		ms = seconds > 86400 ? 86400L * 1000 : seconds * 1000;
		if (ms < ACME_POLL_FIRST_MS)
			ms = ACME_POLL_FIRST_MS;
	} else {
		ms = p->next_ms;
		p->next_ms = p->next_ms * 2 > ACME_POLL_MAX_MS ? ACME_POLL_MAX_MS : p->next_ms * 2;
	}

	if (ms > ms_left(c))
		return error_set("timed out waiting for %s: the next poll, in %ld.%03ld s, would pass the "
		    "run's deadline; raise --timeout or try again later", what, ms / 1000, ms % 1000);
	sleep_ms(ms);
	return 0;
}

/* Get a nonce from newNonce when none is held (RFC 8555 section 7.2). */
static int
get_nonce(struct acme_client *c)
{
	struct http_response resp;
	int rc = 0;

	if (c->nonce[0] != '\0')
		return 0;
	if (send_request(c, "HEAD", c->dir.new_nonce, NULL, 0, &resp) != 0)
		rc = -1;
	else if (resp.status != 200 && resp.status != 204)
		rc = error_set("%s: the CA returned HTTP %d for a new nonce", c->dir.new_nonce, resp.status);
	else if (c->nonce[0] == '\0')
		rc = error_set("%s: the CA sent no valid Replay-Nonce", c->dir.new_nonce);
	http_response_free(&resp);
	return rc;
}

/* see acme_internal.h */
int
acme_post(struct acme_client *c, const char *url, const char *payload, int use_jwk,
    struct http_response *resp)
{
	struct buf jws = { 0 };
	int attempt, rate_limit_waited = 0;
	long seconds;

	c->problem_type[0] = '\0';
	memset(resp, 0, sizeof(*resp));
	if (!use_jwk && c->account_url[0] == '\0')
		return error_set("no account URL to sign %s with; register the account first", url);

	for (attempt = 0;; attempt++) {
		if (get_nonce(c) != 0)
			break;

		/* Each attempt is signed anew, over the nonce of the last response. */
		buf_reset(&jws);
		if (jws_sign(c->account_key, use_jwk ? NULL : c->account_url, c->nonce, url, payload,
		    &jws) != 0 || jws.failed) {
			error_prefix("signing the request to %s", url);
			break;
		}
		c->nonce[0] = '\0';

		http_response_free(resp);
		if (send_request(c, "POST", url, jws.data, jws.len, resp) != 0)
			break;
		if (resp->status >= 200 && resp->status < 300) {
			buf_free(&jws);
			return 0;
		}

		set_response_error(c, url, resp);
		if (strcmp(c->problem_type, "badNonce") == 0 && attempt < ACME_BAD_NONCE_RETRIES) {
			log_debug("%s: the CA rejected the nonce; signing again with a fresh one", url);
			continue;
		}

		/* A short rate limit is worth one wait; a long one ends the run (see retry_not_before). */
		if (strcmp(c->problem_type, "rateLimited") == 0 && !rate_limit_waited &&
		    http_retry_after(resp, time(NULL), &seconds) && seconds <= ACME_RATE_LIMIT_WAIT_MAX &&
		    seconds * 1000 < ms_left(c)) {
			log_info("%s: rate limited; retrying in %ld s", url, seconds);
			sleep_ms(seconds * 1000 > 0 ? seconds * 1000 : ACME_POLL_FIRST_MS);
			rate_limit_waited = 1;
			c->retry_not_before = 0;
			continue;
		}
		break;
	}
	buf_free(&jws);
	return -1;
}

/* Keep the names of the profiles of meta.profiles (draft-ietf-acme-profiles). */
static void
read_profiles(const struct acme_json *j, int profiles, struct acme_directory *dir)
{
	uint32_t i;
	int tok;

	if (profiles < 0 || j->doc.tokens[profiles].type != JSON_OBJECT)
		return;
	tok = profiles + 1;
	for (i = 0; i < j->doc.tokens[profiles].size && dir->profile_count < ACME_MAX_PROFILES; i++) {
		if (json_string(&j->doc, tok, dir->profiles[dir->profile_count], ACME_PROFILE_MAX) >= 0)
			dir->profile_count++;
		tok = (int)j->doc.tokens[tok + 1].next;	/* past the member's value */
	}
}

/* see acme.h */
int
acme_directory_parse(const char *json, size_t len, struct acme_directory *dir)
{
	struct acme_json j;
	int meta, tok;
	static const struct {
		const char *name;
		size_t offset;
		int required;
	} endpoints[] = {
		{ "newNonce", offsetof(struct acme_directory, new_nonce), 1 },
		{ "newAccount", offsetof(struct acme_directory, new_account), 1 },
		{ "newOrder", offsetof(struct acme_directory, new_order), 1 },
		{ "revokeCert", offsetof(struct acme_directory, revoke_cert), 0 },
		{ "keyChange", offsetof(struct acme_directory, key_change), 0 },
		{ "renewalInfo", offsetof(struct acme_directory, renewal_info), 0 },
	};
	size_t i;

	memset(dir, 0, sizeof(*dir));
	if (acme_parse_text(json, len, &j) != 0)
		return error_prefix("directory");

	/* Unknown members, and values of any type under them, are ignored (RFC 8555 section 7.1.1). */
	for (i = 0; i < sizeof(endpoints) / sizeof(endpoints[0]); i++) {
		char *url = (char *)dir + endpoints[i].offset;

		if (json_get(&j.doc, 0, endpoints[i].name) < 0 && !endpoints[i].required)
			continue;
		if (acme_get_url(&j, 0, endpoints[i].name, url) != 0)
			return error_prefix("directory");
	}

	meta = json_get(&j.doc, 0, "meta");
	if (meta >= 0 && j.doc.tokens[meta].type == JSON_OBJECT) {
		acme_get_string(&j, meta, "termsOfService", dir->terms_of_service,
		    sizeof(dir->terms_of_service));
		tok = json_get(&j.doc, meta, "externalAccountRequired");
		dir->external_account_required = tok >= 0 && j.doc.tokens[tok].type == JSON_TRUE;
		read_profiles(&j, json_get(&j.doc, meta, "profiles"), dir);
	}
	return 0;
}

/* see acme.h */
int
acme_open(struct acme_client *c, const struct acme_options *options)
{
	struct http_options ho;
	struct http_response resp;
	int rc;

	memset(c, 0, sizeof(*c));
	if (!acme_url_valid(options->directory_url))
		return error_set("directory URL '%s' is not an https URL", log_short(options->directory_url));
	snprintf(c->directory_url, sizeof(c->directory_url), "%s", options->directory_url);

	c->deadline_ms = clock_ms() + 1000LL * (options->timeout > 0 ? options->timeout : ACME_DEFAULT_TIMEOUT);

	memset(&ho, 0, sizeof(ho));
	ho.ca_bundle = options->ca_bundle;
	ho.deadline_ms = c->deadline_ms;
	c->http = http_client_new(&ho);
	if (c->http == NULL)
		return -1;

	if (send_request(c, "GET", c->directory_url, NULL, 0, &resp) != 0) {
		http_response_free(&resp);
		return -1;
	}
	if (resp.status != 200) {
		set_response_error(c, c->directory_url, &resp);
		rc = error_prefix("directory %s", c->directory_url);
	} else {
		rc = acme_directory_parse(resp.body.data, resp.body.len, &c->dir);
		if (rc != 0)
			error_prefix("%s", c->directory_url);
	}
	http_response_free(&resp);
	return rc;
}

/* see acme.h */
void
acme_close(struct acme_client *c)
{
	if (c->http == NULL)
		return;
	log_info("%s: %u TLS connection(s), %u HTTP request(s)", c->directory_url,
	    http_client_connections(c->http), http_client_requests(c->http));
	http_client_free(c->http);
	c->http = NULL;
}
