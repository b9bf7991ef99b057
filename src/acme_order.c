/*
 * ACME orders (RFC 8555 sections 7.4 to 7.6): newOrder, authorizations and
 * their challenges, finalization, certificate download with alternate
 * chains, and revocation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "acme_internal.h"
#include "base64.h"
#include "cert.h"
#include "jws.h"
#include "log.h"
#include "pem.h"

/* One authorization of an order, between preparing its challenge and its final status. */
struct authz_work {
	char url[HTTP_URL_MAX];
	char challenge_url[HTTP_URL_MAX];
	char identifier[NAME_MAX_LEN + 3];	/* "*." and the name for a wildcard */
	int answer;	/* the challenge is pending and needs our POST */
	long retry_after;	/* seconds, from the response to our POST; -1 when none */
	int wait;	/* the authorization is pending: poll it */
};

/* Read an order object (RFC 8555 section 7.1.3) into ORDER, keeping its URL. */
static int
read_order(const struct acme_json *j, struct acme_order *order)
{
	int ids, authzs, tok;
	uint32_t i;

	order->status = acme_get_status(j, 0);
	if (order->status == ACME_STATUS_UNKNOWN)
		return error_set("the CA's order has no valid status");

	authzs = json_get(&j->doc, 0, "authorizations");
	if (authzs >= 0 && j->doc.tokens[authzs].type == JSON_ARRAY) {
		if (j->doc.tokens[authzs].size > ACME_MAX_IDENTIFIERS)
			return error_set("the CA's order has %u authorizations, more than %d",
			    j->doc.tokens[authzs].size, ACME_MAX_IDENTIFIERS);
		order->authorization_count = 0;
		for (i = 0; i < j->doc.tokens[authzs].size; i++) {
			char *url = order->authorizations[order->authorization_count];

			tok = json_index(&j->doc, authzs, i);
			if (json_string(&j->doc, tok, url, HTTP_URL_MAX) < 0 || !acme_url_valid(url))
				return error_set("the CA's order lists an authorization that is not an https URL");
			order->authorization_count++;
		}
	}

	ids = json_get(&j->doc, 0, "identifiers");
	if (ids >= 0 && j->doc.tokens[ids].type == JSON_ARRAY &&
	    j->doc.tokens[ids].size <= ACME_MAX_IDENTIFIERS) {
		order->identifier_count = 0;
		for (i = 0; i < j->doc.tokens[ids].size; i++) {
			struct acme_identifier *id = &order->identifiers[order->identifier_count];

			tok = json_index(&j->doc, ids, i);
			if (acme_get_string(j, tok, "type", id->type, sizeof(id->type)) == 0 &&
			    acme_get_string(j, tok, "value", id->value, sizeof(id->value)) == 0)
				order->identifier_count++;
		}
	}

	if (json_get(&j->doc, 0, "finalize") >= 0 && acme_get_url(j, 0, "finalize", order->finalize) != 0)
		return -1;
	if (json_get(&j->doc, 0, "certificate") >= 0 &&
	    acme_get_url(j, 0, "certificate", order->certificate) != 0)
		return -1;
	return 0;
}

/* The order's "error" member as one line, or its status. */
static void
order_failure(const struct acme_json *j, char *out, size_t cap)
{
	int error = json_get(&j->doc, 0, "error");

	if (error >= 0 && j->doc.tokens[error].type == JSON_OBJECT)
		acme_problem_text(j, error, out, cap);
	else
		snprintf(out, cap, "no error given");
}

static int
profile_offered(const struct acme_directory *dir, const char *profile, char *offered, size_t cap)
{
	size_t used = 0;
	int i, found = 0;

	offered[0] = '\0';
	for (i = 0; i < dir->profile_count; i++) {
		if (strcmp(dir->profiles[i], profile) == 0)
			found = 1;
		snprintf(offered + used, cap - used, "%s%s", i > 0 ? ", " : "", dir->profiles[i]);
		used = strlen(offered);
	}
	return found;
}

/* see acme.h */
int
acme_order_new(struct acme_client *c, const struct acme_identifier *ids, size_t count,
    const char *profile, const char *replaces, struct acme_order *order)
{
	struct http_response resp;
	struct acme_json j;
	struct buf payload = { 0 };
	const char *location;
	char offered[ACME_MAX_PROFILES * (ACME_PROFILE_MAX + 2)];
	size_t i;
	int rc;

	memset(order, 0, sizeof(*order));
	if (count == 0 || count > ACME_MAX_IDENTIFIERS)
		return error_set("an order needs 1 to %d names, not %zu", ACME_MAX_IDENTIFIERS, count);
	if (profile != NULL && !profile_offered(&c->dir, profile, offered, sizeof(offered)))
		return error_set("the CA does not offer the profile '%s'; %s%s", profile,
		    c->dir.profile_count > 0 ? "it offers: " : "its directory lists no profiles", offered);

	buf_puts(&payload, "{\"identifiers\":[");
	for (i = 0; i < count; i++) {
		buf_printf(&payload, "%s{\"type\":", i > 0 ? "," : "");
		json_write_string(&payload, ids[i].type);
		buf_puts(&payload, ",\"value\":");
		json_write_string(&payload, ids[i].value);
		buf_putc(&payload, '}');
	}
	buf_putc(&payload, ']');
	if (profile != NULL) {
		buf_puts(&payload, ",\"profile\":");
		json_write_string(&payload, profile);
	}
	if (replaces != NULL && c->dir.renewal_info[0] != '\0') {
		buf_puts(&payload, ",\"replaces\":");
		json_write_string(&payload, replaces);
	}
	buf_putc(&payload, '}');

	rc = acme_post(c, c->dir.new_order, payload.data, 0, &resp);
	buf_free(&payload);
	if (rc != 0) {
		http_response_free(&resp);
		return error_prefix("new order");
	}

	location = http_header(&resp, "Location");
	if (location == NULL || !acme_url_valid(location))
		rc = error_set("new order: the CA sent no valid https Location for the order");
	else if (acme_parse(&resp, &j) != 0 || read_order(&j, order) != 0)
		rc = error_prefix("new order");
	else if (order->finalize[0] == '\0' || order->authorization_count == 0)
		rc = error_set("new order: the CA's order has no finalize URL or no authorizations");
	if (rc == 0) {
		snprintf(order->url, sizeof(order->url), "%s", location);
		log_info("order %s is %s", order->url, acme_status_name(order->status));
	}
	http_response_free(&resp);
	return rc;
}

/* Find the challenge of TYPE in authorization J; returns its token index or -1. */
static int
find_challenge(const struct acme_json *j, const char *type, char *offered, size_t cap)
{
	int challenges = json_get(&j->doc, 0, "challenges"), ch;
	char t[32];
	size_t used = 0;
	uint32_t i;

	offered[0] = '\0';
	if (challenges < 0 || j->doc.tokens[challenges].type != JSON_ARRAY)
		return -1;
	for (i = 0; i < j->doc.tokens[challenges].size; i++) {
		ch = json_index(&j->doc, challenges, i);
		if (acme_get_string(j, ch, "type", t, sizeof(t)) != 0)
			continue;
		if (strcmp(t, type) == 0)
			return ch;
		snprintf(offered + used, cap - used, "%s%s", used > 0 ? ", " : "", t);
		used = strlen(offered);
	}
	return -1;
}

/* The first challenge error of authorization J (RFC 8555 section 7.1.4), as one line. */
static void
authz_failure(const struct acme_json *j, char *out, size_t cap)
{
	int challenges = json_get(&j->doc, 0, "challenges"), ch, error;
	uint32_t i;

	snprintf(out, cap, "no error given");
	if (challenges < 0 || j->doc.tokens[challenges].type != JSON_ARRAY)
		return;
	for (i = 0; i < j->doc.tokens[challenges].size; i++) {
		ch = json_index(&j->doc, challenges, i);
		error = json_get(&j->doc, ch, "error");
		if (error >= 0 && j->doc.tokens[error].type == JSON_OBJECT) {
			acme_problem_text(j, error, out, cap);
			return;
		}
	}
}

/* Read the identifier of authorization J as the user wrote it ("*." for a wildcard). */
static void
authz_identifier(const struct acme_json *j, char *out, size_t cap)
{
	char value[NAME_MAX_LEN + 1];
	int id = json_get(&j->doc, 0, "identifier"), wildcard = json_get(&j->doc, 0, "wildcard");

	if (id < 0 || acme_get_string(j, id, "value", value, sizeof(value)) != 0)
		snprintf(value, sizeof(value), "(no identifier)");
	snprintf(out, cap, "%s%s", wildcard >= 0 && j->doc.tokens[wildcard].type == JSON_TRUE ? "*." : "",
	    value);
}

/*
 * Fetch one authorization; for a pending one, prepare SOLVER's challenge
 * and note whether it needs a response.
 */
static int
prepare_authz(struct acme_client *c, struct authz_work *w, const struct acme_solver *solver,
    const char *thumbprint)
{
	struct http_response resp;
	struct acme_json j;
	struct buf key_auth = { 0 };
	enum acme_status status, challenge_status;
	char offered[128], token[ACME_TOKEN_MAX + 1], why[900];
	int ch, rc = -1;

	if (acme_post(c, w->url, "", 0, &resp) != 0 || acme_parse(&resp, &j) != 0) {
		error_prefix("authorization %s", w->url);
		goto out;
	}
	authz_identifier(&j, w->identifier, sizeof(w->identifier));
	status = acme_get_status(&j, 0);
	if (status == ACME_STATUS_VALID) {
		log_info("%s: authorization already valid", w->identifier);
		rc = 0;
		goto out;
	}
	if (status != ACME_STATUS_PENDING) {
		authz_failure(&j, why, sizeof(why));
		error_set("%s: the authorization is %s: %s", w->identifier, acme_status_name(status), why);
		goto out;
	}

	ch = find_challenge(&j, solver->type, offered, sizeof(offered));
	if (ch < 0) {
		error_set("%s: the CA offers no %s challenge (it offers: %s); choose another challenge type",
		    w->identifier, solver->type, offered[0] != '\0' ? offered : "none");
		goto out;
	}
	if (acme_get_url(&j, ch, "url", w->challenge_url) != 0 ||
	    acme_get_string(&j, ch, "token", token, sizeof(token)) != 0 ||
	    !acme_base64url_valid(token, ACME_TOKEN_MAX)) {
		error_set("%s: the CA's %s challenge has no valid URL or base64url token", w->identifier,
		    solver->type);
		goto out;
	}

	/* A challenge already processing, from an earlier run, is not POSTed again. */
	challenge_status = acme_get_status(&j, ch);
	w->answer = challenge_status == ACME_STATUS_PENDING;
	w->wait = 1;
	jws_key_authorization(token, thumbprint, &key_auth);
	if (key_auth.failed)
		error_set("%s: the key authorization is too large", w->identifier);
	else
		rc = solver->prepare(solver->ctx, w->identifier, token, key_auth.data);
out:
	buf_free(&key_auth);
	http_response_free(&resp);
	return rc;
}

/* POST {} to the challenge (RFC 8555 section 7.5.1), once. */
static int
answer_challenge(struct acme_client *c, struct authz_work *w, const char *type)
{
	struct http_response resp;
	struct acme_json j;
	char why[900];
	int rc;

	log_info("%s: responding to the %s challenge", w->identifier, type);
	c->challenge_posts++;
	rc = acme_post(c, w->challenge_url, "{}", 0, &resp);
	if (rc != 0 || !http_retry_after(&resp, time(NULL), &w->retry_after))
		w->retry_after = -1;
	if (rc != 0) {
		error_prefix("%s: %s challenge", w->identifier, type);
	} else if (acme_parse(&resp, &j) == 0 && acme_get_status(&j, 0) == ACME_STATUS_INVALID) {
		int error = json_get(&j.doc, 0, "error");

		snprintf(why, sizeof(why), "no error given");
		if (error >= 0)
			acme_problem_text(&j, error, why, sizeof(why));
		rc = error_set("%s: the CA rejected the %s challenge: %s", w->identifier, type, why);
	}
	http_response_free(&resp);
	return rc;
}

/* Poll a pending authorization until the CA decides (RFC 8555 section 7.5.1). */
static int
wait_authz(struct acme_client *c, struct authz_work *w, const char *type)
{
	struct acme_poll poll = { 0 };
	struct http_response resp;
	struct acme_json j;
	enum acme_status status;
	char why[900], what[NAME_MAX_LEN + 64];

	snprintf(what, sizeof(what), "the %s challenge of %s", type, w->identifier);
	if (w->retry_after >= 0)
		poll.retry_after_ms = w->retry_after * 1000 + 1;

	/* Validation takes the CA a moment: polling at once would only see "pending". */
	if (acme_poll_wait(c, &poll, NULL, what) != 0)
		return -1;
	for (;;) {
		if (acme_post(c, w->url, "", 0, &resp) != 0 || acme_parse(&resp, &j) != 0) {
			http_response_free(&resp);
			return error_prefix("authorization of %s", w->identifier);
		}
		status = acme_get_status(&j, 0);
		if (status == ACME_STATUS_VALID) {
			http_response_free(&resp);
			log_info("%s: authorization valid", w->identifier);
			return 0;
		}
		if (status != ACME_STATUS_PENDING) {
			authz_failure(&j, why, sizeof(why));
			http_response_free(&resp);
			return error_set("%s: the %s challenge failed, the authorization is %s: %s",
			    w->identifier, type, acme_status_name(status), why);
		}
		if (acme_poll_wait(c, &poll, &resp, what) != 0) {
			http_response_free(&resp);
			return -1;
		}
		http_response_free(&resp);
	}
}

/* see acme.h */
int
acme_order_authorize(struct acme_client *c, struct acme_order *order, const struct acme_solver *solver)
{
	struct authz_work *work;
	char thumbprint[JWS_THUMBPRINT_SIZE];
	size_t i, n = order->authorization_count, answers = 0;
	int rc = 0, started = 0;

	/* An order can be ready at creation when the CA reuses valid authorizations. */
	if (order->status == ACME_STATUS_READY || order->status == ACME_STATUS_VALID)
		return 0;
	if (order->status != ACME_STATUS_PENDING)
		return error_set("order %s is %s; start a new one", order->url, acme_status_name(order->status));

	work = calloc(n, sizeof(*work));
	if (work == NULL)
		return error_set("out of memory for %zu authorizations", n);
	jws_thumbprint(c->account_key, thumbprint);

	for (i = 0; i < n && rc == 0; i++) {
		snprintf(work[i].url, sizeof(work[i].url), "%s", order->authorizations[i]);
		rc = prepare_authz(c, &work[i], solver, thumbprint);
		answers += work[i].answer;
		work[i].retry_after = -1;
	}

	if (rc == 0 && answers > 0) {
		rc = solver->start(solver->ctx);
		started = 1;
	}
	for (i = 0; i < n && rc == 0; i++)
		if (work[i].answer)
			rc = answer_challenge(c, &work[i], solver->type);
	for (i = 0; i < n && rc == 0; i++)
		if (work[i].wait)
			rc = wait_authz(c, &work[i], solver->type);

	if (started || answers > 0 || rc != 0)
		solver->cleanup(solver->ctx);
	free(work);
	return rc;
}

/* POST-as-GET the order into J and ORDER. */
static int
fetch_order(struct acme_client *c, struct acme_order *order, struct acme_json *j, struct http_response *resp)
{
	if (acme_post(c, order->url, "", 0, resp) != 0 || acme_parse(resp, j) != 0 || read_order(j, order) != 0)
		return error_prefix("order %s", order->url);
	return 0;
}

/* Poll the order while it is in status WHILE (RFC 8555 section 7.4). RESP is the last response. */
static int
wait_order(struct acme_client *c, struct acme_order *order, enum acme_status while_status,
    struct acme_json *j, struct http_response *resp)
{
	struct acme_poll poll = { 0 };

	while (order->status == while_status) {
		if (acme_poll_wait(c, &poll, resp, "the CA to finish the order") != 0)
			return -1;
		http_response_free(resp);
		if (fetch_order(c, order, j, resp) != 0)
			return -1;
	}
	return 0;
}

/* see acme.h */
int
acme_order_finalize(struct acme_client *c, struct acme_order *order, const void *csr, size_t csr_len)
{
	struct http_response resp;
	struct acme_json j;
	struct buf payload = { 0 };
	char why[900];
	int rc, attempt;

	buf_puts(&payload, "{\"csr\":\"");
	buf_base64(&payload, csr, csr_len, BASE64_URL);
	buf_puts(&payload, "\"}");
	if (payload.failed) {
		buf_free(&payload);
		return error_set("the CSR is too large");
	}

	/*
	 * After its authorizations, the order is ready without a fetch of ours.
	 * Only when the CA returns orderNotReady is it polled, and finalize sent again.
	 */
	for (attempt = 0;; attempt++) {
		rc = acme_post(c, order->finalize, payload.data, 0, &resp);
		if (rc == 0 || attempt > 0 || strcmp(c->problem_type, "orderNotReady") != 0)
			break;
		http_response_free(&resp);
		if (fetch_order(c, order, &j, &resp) != 0 ||
		    wait_order(c, order, ACME_STATUS_PENDING, &j, &resp) != 0) {
			http_response_free(&resp);
			buf_free(&payload);
			return -1;
		}
		http_response_free(&resp);
		if (order->status != ACME_STATUS_READY)
			break;
	}
	buf_free(&payload);
	if (rc != 0) {
		http_response_free(&resp);
		return error_prefix("finalize");
	}

	if (acme_parse(&resp, &j) != 0 || read_order(&j, order) != 0) {
		http_response_free(&resp);
		return error_prefix("finalize");
	}
	if (wait_order(c, order, ACME_STATUS_PROCESSING, &j, &resp) != 0) {
		http_response_free(&resp);
		return -1;
	}

	rc = 0;
	if (order->status != ACME_STATUS_VALID) {
		order_failure(&j, why, sizeof(why));
		rc = error_set("order %s is %s after finalize: %s", order->url, acme_status_name(order->status), why);
	} else if (order->certificate[0] == '\0') {
		rc = error_set("order %s is valid but has no certificate URL", order->url);
	}
	http_response_free(&resp);
	return rc;
}

/*
 * Download one chain from URL, normalise it to PEM blocks only, and read
 * the issuer CN of its topmost certificate. LINKS receives the alternate
 * chain URLs when not NULL.
 */
static int
download_chain(struct acme_client *c, const char *url, struct buf *pem, char top_issuer[65],
    char (*links)[HTTP_URL_MAX], int *link_count)
{
	struct buf ders[CERT_MAX_CHAIN];
	struct cert_info info;
	struct http_response resp;
	int n, i, rc = -1;

	memset(ders, 0, sizeof(ders));
	if (acme_post(c, url, "", 0, &resp) != 0) {
		error_prefix("certificate download");
		goto out;
	}
	n = cert_chain_split(resp.body.data != NULL ? resp.body.data : "", resp.body.len, ders);
	if (n <= 0) {
		error_set("certificate download %s: the CA sent no valid PEM certificate chain", url);
		goto out;
	}
	if (cert_parse((const unsigned char *)ders[n - 1].data, ders[n - 1].len, &info) != 0) {
		error_prefix("certificate download %s", url);
		goto out;
	}
	snprintf(top_issuer, 65, "%s", info.issuer_cn);

	/* Only the base64 blocks are kept; text around them is dropped. */
	buf_reset(pem);
	for (i = 0; i < n; i++)
		pem_write(pem, "CERTIFICATE", ders[i].data, ders[i].len);
	if (pem->failed) {
		error_set("certificate download %s: the chain is too large", url);
		goto out;
	}
	if (links != NULL)
		*link_count = http_links(&resp, "alternate", links, ACME_MAX_ALTERNATES);
	rc = 0;
out:
	for (i = 0; i < CERT_MAX_CHAIN; i++)
		buf_free(&ders[i]);
	http_response_free(&resp);
	return rc;
}

/* see acme.h */
int
acme_certificate_download(struct acme_client *c, const struct acme_order *order,
    const char *preferred_chain, struct buf *pem)
{
	char links[ACME_MAX_ALTERNATES][HTTP_URL_MAX], issuer[65];
	struct buf alternate = { 0 };
	int count = 0, i;

	if (download_chain(c, order->certificate, pem, issuer, links, &count) != 0)
		return -1;
	if (preferred_chain == NULL || strcmp(issuer, preferred_chain) == 0)
		return 0;

	/* RFC 8555 section 7.4.2: alternates are Link rel="alternate" headers of the download. */
	for (i = 0; i < count; i++) {
		if (!acme_url_valid(links[i]))
			continue;
		if (download_chain(c, links[i], &alternate, issuer, NULL, NULL) != 0) {
			buf_free(&alternate);
			return -1;
		}
		if (strcmp(issuer, preferred_chain) == 0) {
			log_info("using the alternate chain %s, issued by \"%s\"", links[i], preferred_chain);
			buf_reset(pem);
			buf_append(pem, alternate.data, alternate.len);
			buf_free(&alternate);
			return pem->failed ? error_set("the certificate chain is too large") : 0;
		}
	}
	buf_free(&alternate);
	log_notice("no chain issued by \"%s\" among %d alternate(s); keeping the default chain",
	    preferred_chain, count);
	return 0;
}

/* see acme.h */
int
acme_revoke(struct acme_client *c, const void *der, size_t len, int reason)
{
	struct http_response resp;
	struct buf payload = { 0 };
	int rc;

	if (c->dir.revoke_cert[0] == '\0')
		return error_set("the CA's directory has no revokeCert URL");

	buf_puts(&payload, "{\"certificate\":\"");
	buf_base64(&payload, der, len, BASE64_URL);
	buf_putc(&payload, '"');
	if (reason >= 0)
		buf_printf(&payload, ",\"reason\":%d", reason);
	buf_putc(&payload, '}');
	if (payload.failed) {
		buf_free(&payload);
		return error_set("the certificate is too large to revoke");
	}
	rc = acme_post(c, c->dir.revoke_cert, payload.data, 0, &resp);
	if (rc != 0)
		error_prefix("revocation");
	http_response_free(&resp);
	buf_free(&payload);
	return rc;
}
