/*
 * dns-01 (RFC 8555 section 8.4) through the dns-hook program.
 */
#include <stdio.h>
#include <string.h>

#include "challenge_dns.h"
#include "hook.h"
#include "log.h"

/* see challenge_dns.h */
int
dns01_record_name(const char *identifier, char *out, size_t cap)
{
	/* A wildcard's authorization is for the base name, and so is its record (RFC 8555 section 7.1.3). */
	if (strncmp(identifier, "*.", 2) == 0)
		identifier += 2;
	if ((size_t)snprintf(out, cap, "%s%s", DNS01_LABEL, identifier) >= cap)
		return error_set("%s: the record name is longer than %zu bytes", identifier, cap - 1);
	return 0;
}

/* 1 when S holds only characters of DNS names and base64url, so it needs no shell quoting beyond '...'. */
static int
safe_word(const char *s)
{
	return s[0] != '\0' &&
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") == strlen(s);
}

/* Run "PROGRAM ACTION NAME VALUE" for record R. Returns 0 when it exited 0, else -1 with its output. */
static int
run_hook(const struct dns01_solver *s, const char *action, const struct dns01_record *r)
{
	struct hook_env env = { 0 };
	struct hook_result result;
	struct buf command = { 0 };
	char shown[DNS01_OUTPUT_SHOWN * 4 + 1];
	size_t len;
	int rc = -1;

	memset(&result, 0, sizeof(result));
	if (!safe_word(r->name) || !safe_word(r->value))
		return error_set("%s: invalid record name or value for the dns-hook", r->domain);
	buf_printf(&command, "%s %s '%s' '%s'", s->program, action, r->name, r->value);
	if (command.failed || hook_env_add(&env, "KEEPCERT_DNS_NAME", r->name) != 0 ||
	    hook_env_add(&env, "KEEPCERT_DNS_VALUE", r->value) != 0 ||
	    hook_env_add(&env, "KEEPCERT_DOMAIN", r->domain) != 0) {
		error_set("out of memory for the dns-hook command");
		goto out;
	}

	log_info("%s: running dns-hook %s %s %s", r->domain, action, r->name, r->value);
	if (hook_run(command.data, &env, NULL, 0, s->timeout > 0 ? s->timeout : DNS01_HOOK_TIMEOUT, &result) != 0) {
		error_prefix("dns-hook '%s'", s->program);
		goto out;
	}
	hook_log_output(LOG_DEBUG, "dns-hook", result.output.data != NULL ? result.output.data : "",
	    result.output.len);
	if (result.status == 0) {
		rc = 0;
		goto out;
	}

	len = result.output.len < DNS01_OUTPUT_SHOWN ? result.output.len : DNS01_OUTPUT_SHOWN;
	log_sanitize(shown, sizeof(shown), result.output.data != NULL ? result.output.data : "", len);
	if (result.timed_out)
		error_set("dns-hook '%s %s %s' timed out after %d seconds; output: '%s'", s->program, action,
		    r->name, s->timeout > 0 ? s->timeout : DNS01_HOOK_TIMEOUT, shown);
	else
		error_set("dns-hook '%s %s %s' exited with status %d; output: '%s'%s", s->program, action,
		    r->name, result.status, shown, result.output.len > len ? "..." : "");
out:
	hook_result_free(&result);
	hook_env_free(&env);
	buf_free(&command);
	return rc;
}

static int
solver_prepare(void *ctx, const char *identifier, const char *token, const char *key_authorization)
{
	struct dns01_solver *s = ctx;
	struct dns01_record *r;

	if (s->count == DNS01_MAX_RECORDS)
		return error_set("more than %d dns-01 records in one order", DNS01_MAX_RECORDS);
	r = &s->records[s->count];
	memset(r, 0, sizeof(*r));
	snprintf(r->domain, sizeof(r->domain), "%s", strncmp(identifier, "*.", 2) == 0 ? identifier + 2 :
	    identifier);
	if (dns01_record_name(identifier, r->name, sizeof(r->name)) != 0)
		return -1;
	jws_dns01_value(key_authorization, r->value);
	s->count++;
	return 0;
}

/* Add every record; a failed "add" stops the order before any challenge response is sent. */
static int
solver_start(void *ctx)
{
	struct dns01_solver *s = ctx;
	size_t i;

	for (i = 0; i < s->count; i++) {
		if (run_hook(s, "add", &s->records[i]) != 0)
			return error_prefix("%s: stopped before responding to the challenge", s->records[i].domain);
		s->records[i].added = 1;
	}
	return 0;
}

static void
solver_cleanup(void *ctx)
{
	dns01_solver_close(ctx);
}

/* see challenge_dns.h */
void
dns01_solver_open(struct dns01_solver *s, const char *program)
{
	memset(s, 0, sizeof(*s));
	s->program = program;
}

/* see challenge_dns.h */
void
dns01_solver_bind(struct dns01_solver *s, struct acme_solver *out)
{
	out->type = "dns-01";
	out->prepare = solver_prepare;
	out->start = solver_start;
	out->cleanup = solver_cleanup;
	out->ctx = s;
}

/* see challenge_dns.h */
void
dns01_solver_close(struct dns01_solver *s)
{
	size_t i;

	/* Only our own values are deleted, so the record another order or a person added stays. */
	for (i = 0; i < s->count; i++) {
		if (!s->records[i].added)
			continue;
		if (run_hook(s, "del", &s->records[i]) != 0)
			log_warning("%s: %s; delete the TXT value %s of %s by hand", s->records[i].domain,
			    error_text(), s->records[i].value, s->records[i].name);
		s->records[i].added = 0;
	}
	s->count = 0;
}
