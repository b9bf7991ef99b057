#include <string.h>

#include "acme_internal.h"
#include "unit.h"

static int
parse_dir(const char *text, struct acme_directory *dir)
{
	return acme_directory_parse(text, strlen(text), dir);
}

/* Meta first, a random key, nested values of every type, numbers such as 2.5e3 and -0. */
TEST(acme_directory_rich)
{
	static struct acme_directory dir;
	const char *text =
	    "{\"meta\":{\"termsOfService\":\"https://acme.example.org/tos.pdf\",\"website\":\"https://example.org\","
	    "\"caaIdentities\":[\"example.org\"],\"externalAccountRequired\":false,"
	    "\"profiles\":{\"classic\":\"x\",\"shortlived\":\"y\"},\"future\":{\"a\":[1,2.5e3,-0,true,null]}},"
	    "\"kX9q2Zp_aBc\":\"https://community.example.org/t/adding-random-entries\","
	    "\"newNonce\":\"https://acme.example.org/new-nonce\",\"newAccount\":\"https://acme.example.org/new-acct\","
	    "\"newOrder\":\"https:\\u002f\\u002facme.example.org\\u002fnew-order\","
	    "\"revokeCert\":\"https:\\/\\/acme.example.org\\/revoke\",\"keyChange\":\"https://acme.example.org/key-change\","
	    "\"renewalInfo\":\"https://acme.example.org/renewal-info\",\"newAuthz\":\"https://acme.example.org/new-authz\"}";

	CHECK_INT(parse_dir(text, &dir), 0);
	CHECK_STR(dir.new_nonce, "https://acme.example.org/new-nonce");
	CHECK_STR(dir.new_account, "https://acme.example.org/new-acct");
	CHECK_STR(dir.new_order, "https://acme.example.org/new-order");
	CHECK_STR(dir.revoke_cert, "https://acme.example.org/revoke");
	CHECK_STR(dir.key_change, "https://acme.example.org/key-change");
	CHECK_STR(dir.renewal_info, "https://acme.example.org/renewal-info");
	CHECK_STR(dir.terms_of_service, "https://acme.example.org/tos.pdf");
	CHECK_INT(dir.external_account_required, 0);
	CHECK_INT(dir.profile_count, 2);
	CHECK_STR(dir.profiles[0], "classic");
	CHECK_STR(dir.profiles[1], "shortlived");
}

TEST(acme_directory_minimal_and_eab)
{
	static struct acme_directory dir;

	CHECK_INT(parse_dir("{\"newNonce\":\"https://a.test/n\",\"newAccount\":\"https://a.test/a\","
	    "\"newOrder\":\"https://a.test/o\",\"meta\":{\"externalAccountRequired\":true}}", &dir), 0);
	CHECK_INT(dir.external_account_required, 1);
	CHECK_STR(dir.revoke_cert, "");
	CHECK_STR(dir.terms_of_service, "");
	CHECK_INT(dir.profile_count, 0);
}

TEST(acme_directory_rejects)
{
	static struct acme_directory dir;

	/* A duplicate member: the scanner rejects the document rather than pick one. */
	CHECK_INT(parse_dir("{\"newNonce\":\"https://a.test/n\",\"newAccount\":\"https://a.test/a\","
	    "\"newOrder\":\"https://a.test/o\",\"newOrder\":\"https://evil.test/o\"}", &dir), -1);
	/* A required endpoint missing, or of another type. */
	CHECK_INT(parse_dir("{\"newNonce\":\"https://a.test/n\",\"newAccount\":\"https://a.test/a\"}", &dir), -1);
	CHECK_INT(parse_dir("{\"newNonce\":\"https://a.test/n\",\"newAccount\":\"https://a.test/a\","
	    "\"newOrder\":{\"url\":\"https://a.test/o\"}}", &dir), -1);
	/* Plain http, a lone surrogate, a NUL character: rejected, never truncated. */
	CHECK_INT(parse_dir("{\"newNonce\":\"http://a.test/n\",\"newAccount\":\"https://a.test/a\","
	    "\"newOrder\":\"https://a.test/o\"}", &dir), -1);
	CHECK_INT(parse_dir("{\"newNonce\":\"https://a.test/n\\ud800\",\"newAccount\":\"https://a.test/a\","
	    "\"newOrder\":\"https://a.test/o\"}", &dir), -1);
	CHECK_INT(parse_dir("{\"newNonce\":\"https://a.test/n\\u0000x\",\"newAccount\":\"https://a.test/a\","
	    "\"newOrder\":\"https://a.test/o\"}", &dir), -1);
	CHECK_INT(parse_dir("[]", &dir), -1);
	CHECK_INT(parse_dir("", &dir), -1);
}

TEST(acme_url_valid_cases)
{
	CHECK_INT(acme_url_valid("https://a.test/x"), 1);
	CHECK_INT(acme_url_valid("HTTPS://a.test/x"), 1);
	CHECK_INT(acme_url_valid("http://a.test/x"), 0);
	CHECK_INT(acme_url_valid("https://"), 0);
	CHECK_INT(acme_url_valid("https://a.test/x y"), 0);
	CHECK_INT(acme_url_valid("https://a.test/x\ny"), 0);
	CHECK_INT(acme_url_valid("https://a.test/\"x"), 0);
	CHECK_INT(acme_url_valid("file:///etc/passwd"), 0);
}

TEST(acme_ca_dirname_forms)
{
	char out[256];

	CHECK_INT(acme_ca_dirname("https://acme-v02.api.letsencrypt.org/directory", out, sizeof(out)), 0);
	CHECK_STR(out, "acme-v02.api.letsencrypt.org");
	CHECK_INT(acme_ca_dirname("https://LocalHost:14000/dir", out, sizeof(out)), 0);
	CHECK_STR(out, "localhost_14000");
	CHECK_INT(acme_ca_dirname("https://ca.test:443/dir", out, sizeof(out)), 0);
	CHECK_STR(out, "ca.test");
	CHECK_INT(acme_ca_dirname("https://[::1]:8443/dir", out, sizeof(out)), 0);
	CHECK_STR(out, "::1_8443");
	CHECK_INT(acme_ca_dirname("https://ca.test?x=/y", out, sizeof(out)), 0);
	CHECK_STR(out, "ca.test");
	CHECK_INT(acme_ca_dirname("https://../dir", out, sizeof(out)), -1);
	CHECK_INT(acme_ca_dirname("https://ca.test:x/dir", out, sizeof(out)), -1);
	CHECK_INT(acme_ca_dirname("https://user@ca.test/dir", out, sizeof(out)), -1);
	CHECK_INT(acme_ca_dirname("http://ca.test/dir", out, sizeof(out)), -1);
}

TEST(acme_problem_text_subproblems)
{
	static struct acme_json j;
	char out[900];
	const char *text =
	    "{\"type\":\"urn:ietf:params:acme:error:rejectedIdentifier\",\"detail\":\"see the subproblems\","
	    "\"status\":400,\"subproblems\":[{\"type\":\"urn:ietf:params:acme:error:rejectedIdentifier\","
	    "\"detail\":\"Punycode labels are not supported.\",\"identifier\":{\"type\":\"dns\","
	    "\"value\":\"xn--bcher-kva.example.com\"}},{\"type\":\"urn:ietf:params:acme:error:caa\","
	    "\"identifier\":{\"type\":\"ip\",\"value\":\"192.0.2.1\"}}]}";

	CHECK_INT(acme_parse_text(text, strlen(text), &j), 0);
	acme_problem_text(&j, 0, out, sizeof(out));
	CHECK_STR(out, "rejectedIdentifier: see the subproblems; xn--bcher-kva.example.com: rejectedIdentifier: "
	    "Punycode labels are not supported.; 192.0.2.1: caa");

	text = "{\"type\":\"about:blank\"}";
	CHECK_INT(acme_parse_text(text, strlen(text), &j), 0);
	acme_problem_text(&j, 0, out, sizeof(out));
	CHECK_STR(out, "about:blank");
}

TEST(acme_status_and_shortcuts)
{
	CHECK_INT(acme_status_parse("ready"), ACME_STATUS_READY);
	CHECK_INT(acme_status_parse("processing"), ACME_STATUS_PROCESSING);
	CHECK_INT(acme_status_parse("Valid"), ACME_STATUS_UNKNOWN);
	CHECK_INT(acme_status_parse(""), ACME_STATUS_UNKNOWN);
	CHECK_STR(acme_status_name(ACME_STATUS_DEACTIVATED), "deactivated");
	CHECK_STR(acme_ca_directory("letsencrypt-staging"), "https://acme-staging-v02.api.letsencrypt.org/directory");
	CHECK(acme_ca_directory("google") != NULL);
	CHECK(acme_ca_directory("zerossl") != NULL);
	CHECK(acme_ca_directory("nope") == NULL);
	CHECK_INT(acme_base64url_valid("abc-_09", 10), 1);
	CHECK_INT(acme_base64url_valid("abc=", 10), 0);
	CHECK_INT(acme_base64url_valid("abcdef", 5), 0);
	CHECK_INT(acme_base64url_valid("", 5), 0);
}
