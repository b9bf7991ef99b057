/*
 * ACME accounts (RFC 8555 section 7.3): creation with optional external
 * account binding, lookup, contact update, key rollover, deactivation.
 */
#include <stdio.h>
#include <string.h>

#include "acme_internal.h"
#include "jws.h"
#include "log.h"

/* Take the account URL from the Location header of a newAccount response. */
static int
take_account_url(struct acme_client *c, const struct http_response *resp)
{
	const char *location = http_header(resp, "Location");

	if (location == NULL || !acme_url_valid(location))
		return error_set("%s: the CA sent no valid https Location for the account", c->dir.new_account);
	snprintf(c->account_url, sizeof(c->account_url), "%s", location);
	return 0;
}

/* see acme.h */
int
acme_account_lookup(struct acme_client *c)
{
	struct http_response resp;
	int rc;

	/* Servers return 400 (RFC 8555 section 7.3.1) or 404, so the problem type decides, not the status. */
	rc = acme_post(c, c->dir.new_account, "{\"onlyReturnExisting\":true}", 1, &resp);
	if (rc == 0)
		rc = take_account_url(c, &resp) == 0 ? 1 : -1;
	else if (strcmp(c->problem_type, "accountDoesNotExist") == 0)
		rc = 0;
	else
		error_prefix("looking up the account");
	http_response_free(&resp);
	return rc;
}

static void
write_contacts(struct buf *b, const char *const *contacts, size_t count)
{
	size_t i;

	buf_puts(b, "\"contact\":[");
	for (i = 0; i < count; i++) {
		if (i > 0)
			buf_putc(b, ',');
		json_write_string(b, contacts[i]);
	}
	buf_putc(b, ']');
}

/* Check what the CA requires before sending anything it would reject. */
static int
check_account_request(const struct acme_client *c, const struct acme_account_request *req)
{
	if (c->dir.external_account_required && (req->eab_kid == NULL || req->eab_mac_key == NULL))
		return error_set("the CA requires external account binding (its directory sets "
		    "externalAccountRequired): give %s from the CA's account page",
		    req->eab_kid == NULL && req->eab_mac_key == NULL ? "--eab-kid and --eab-hmac-key" :
		    req->eab_kid == NULL ? "--eab-kid" : "--eab-hmac-key");
	if (c->dir.terms_of_service[0] != '\0' && !req->agree_tos)
		return error_set("the CA's terms of service (%s) must be accepted to create an account; "
		    "read them and run again with --agree-tos", c->dir.terms_of_service);
	return 0;
}

/* see acme.h */
int
acme_account_new(struct acme_client *c, const struct acme_account_request *req)
{
	struct http_response resp;
	struct buf payload = { 0 };
	int rc;

	if (check_account_request(c, req) != 0)
		return -1;

	buf_putc(&payload, '{');
	write_contacts(&payload, req->contacts, req->contact_count);
	if (req->agree_tos)
		buf_puts(&payload, ",\"termsOfServiceAgreed\":true");
	if (req->eab_kid != NULL && req->eab_mac_key != NULL) {
		buf_puts(&payload, ",\"externalAccountBinding\":");
		if (jws_eab(req->eab_kid, req->eab_mac_key, req->eab_mac_key_len, c->account_key,
		    c->dir.new_account, &payload) != 0) {
			buf_free(&payload);
			return error_prefix("external account binding");
		}
	}
	buf_putc(&payload, '}');
	if (payload.failed) {
		buf_free(&payload);
		return error_set("the newAccount request is too large");
	}

	/* 201 creates the account; 200 means the key already has one (RFC 8555 section 7.3.1). */
	rc = acme_post(c, c->dir.new_account, payload.data, 1, &resp);
	if (rc == 0)
		rc = take_account_url(c, &resp);
	else
		error_prefix("creating the account");
	if (rc == 0)
		log_info("%s account %s", resp.status == 201 ? "created" : "found the existing", c->account_url);
	http_response_free(&resp);
	buf_free(&payload);
	return rc;
}

/* see acme.h */
int
acme_account_fetch(struct acme_client *c, struct buf *out)
{
	struct http_response resp;
	int rc;

	rc = acme_post(c, c->account_url, "", 0, &resp);
	if (rc == 0)
		buf_append(out, resp.body.data != NULL ? resp.body.data : "", resp.body.len);
	else
		error_prefix("reading the account");
	http_response_free(&resp);
	return rc;
}

/* POST PAYLOAD to the account URL; a status in the response other than WANT is an error. */
static int
post_account(struct acme_client *c, const char *payload, enum acme_status want, const char *what)
{
	struct http_response resp;
	struct acme_json j;
	enum acme_status status;
	int rc;

	rc = acme_post(c, c->account_url, payload, 0, &resp);
	if (rc != 0) {
		error_prefix("%s", what);
	} else if (resp.body.len > 0 && acme_parse(&resp, &j) == 0) {
		status = acme_get_status(&j, 0);
		if (status != ACME_STATUS_UNKNOWN && status != want)
			rc = error_set("%s: the CA reports the account as %s", what, acme_status_name(status));
	}
	http_response_free(&resp);
	return rc;
}

/* see acme.h */
int
acme_account_update(struct acme_client *c, const char *const *contacts, size_t count)
{
	struct buf payload = { 0 };
	int rc;

	buf_putc(&payload, '{');
	write_contacts(&payload, contacts, count);
	buf_putc(&payload, '}');
	rc = payload.failed ? error_set("the contact list is too large") :
	    post_account(c, payload.data, ACME_STATUS_VALID, "updating the account");
	buf_free(&payload);
	return rc;
}

/* see acme.h */
int
acme_account_deactivate(struct acme_client *c)
{
	return post_account(c, "{\"status\":\"deactivated\"}", ACME_STATUS_DEACTIVATED,
	    "deactivating the account");
}

/* see acme.h */
int
acme_key_change(struct acme_client *c, const struct key *new_key)
{
	struct http_response resp;
	struct buf inner = { 0 };
	int rc;

	if (c->dir.key_change[0] == '\0')
		return error_set("the CA's directory has no keyChange URL, so the account key cannot be changed");

	/* The inner JWS is signed by the new key and names the old one (RFC 8555 section 7.3.5). */
	if (jws_key_change(new_key, c->account_key, c->account_url, c->dir.key_change, &inner) != 0 ||
	    inner.failed) {
		buf_free(&inner);
		return error_prefix("key change");
	}
	rc = acme_post(c, c->dir.key_change, inner.data, 0, &resp);
	if (rc == 0)
		c->account_key = new_key;
	else
		error_prefix("changing the account key");
	http_response_free(&resp);
	buf_free(&inner);
	return rc;
}
