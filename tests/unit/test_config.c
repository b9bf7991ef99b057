#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "store.h"
#include "unit.h"

#define P "/etc/keepcert/keepcert.conf"

/*
 * Each file either parses (want is NULL) or fails with a message that
 * starts with want: the file, the line and the key come first.
 */
static const struct {
	const char *text;
	const char *want;
} config_cases[] = {
	/* Valid files. */
	{ "", NULL },
	{ "# only a comment\n\n   \n", NULL },
	{ "directory = letsencrypt-staging\ncontact = mailto:a@example.org\n", NULL },
	{ "[example.org]\n", NULL },
	{ "[example.org]\nnames = example.org www.example.org *.example.org\nchallenge = dns-hook /usr/local/bin/dns\n",
	    NULL },
	{ "key = rsa-3072\n[a.example]\nkey = ec-p384\nrenew-days = 20\n", NULL },
	{ "challenge = webroot /var/www/acme\n[web]\nnames = a.example\n", NULL },
	{ "[web]\nnames = a.example\nchallenge = standalone [::1]:8080\n", NULL },
	{ "[web]\nnames = a.example\nchallenge = standalone :80\n", NULL },
	{ "[web]\nnames = a.example\nchallenge = tls-alpn 127.0.0.1:443\n", NULL },
	{ "[web]\nnames = a.example\nchallenge = dns-hook /usr/local/bin/dns-update --zone x\n", NULL },
	{ "[mail]\nnames = mail.example\nprobe = mail.example:993 smtp://mail.example:25 imap://[::1]:143\n",
	  NULL },
	{ "eab-kid = kid-1\neab-hmac-key = c2VjcmV0LWtleQ\n", NULL },
	{ "directory = https://127.0.0.1:14000/dir\nlock-timeout = 0\ntimeout = 10\nagree-tos = yes\n", NULL },
	{ "pre = systemctl stop thing # not a comment\npost = true\nnotify = /usr/sbin/sendmail -t\n", NULL },
	{ "reuse-key = true\nprofile = shortlived\npreferred-chain = ISRG Root X1\n", NULL },
	{ "\t key\t=\tec-p256 \r\n", NULL },
	{ "\xEF\xBB\xBFkey = ec-p256\n", NULL },
	{ "key = ec-p256\n\xEF\xBB\xBFkey = ec-p384\n", P ":2: key '\xEF\xBB\xBFkey': unknown key" },

	/* Unknown, misplaced and repeated keys. */
	{ "[example.org]\nnmaes = example.org\n",
	  P ":2: key 'nmaes': unknown key; valid keys in a certificate section: key, challenge, " },
	{ "colour = blue\n", P ":1: key 'colour': unknown key; valid keys before the first section: directory," },
	{ "[example.org]\ncontact = mailto:a@example.org\n",
	  P ":2: key 'contact': global key inside section [example.org]; move it above the first section" },
	{ "names = example.org\n", P ":1: key 'names': belongs in a certificate section" },
	{ "key = ec-p256\nkey = ec-p384\n", P ":2: key 'key': set twice in the global part; keep one line" },
	{ "[a.example]\nprobe = a.example:443\nprobe = a.example:993\n",
	  P ":3: key 'probe': set twice in this section; keep one line" },
	{ "key = ec-p256\n[a.example]\nkey = ec-p384\n", NULL },

	/* Line structure. */
	{ "just words\n", P ":1: expected 'key = value' or '[name]'" },
	{ "= value\n", P ":1: a line starts with '='; expected 'key = value'" },
	{ "key =\n", P ":1: key 'key': missing value" },
	{ "[example.org\n", P ":1: a section header is [NAME]" },
	{ "[a/b]\n", P ":1: section [a/b]: certificate name 'a/b' contains an invalid character" },
	{ "[]\n", P ":1: section []: certificate name is empty" },
	{ "[a.example]\n[a.example]\n", P ":2: section [a.example] is already defined on line 1" },
	{ "[web]\nkey = ec-p256\n", P ":1: section [web]: key 'names' is missing and the section name is not a DNS name" },

	/* Values. */
	{ "directory = http://ca.example/dir\n", P ":1: key 'directory': 'http://ca.example/dir' is neither an https:// URL" },
	{ "directory = lets-encrypt\n", P ":1: key 'directory': 'lets-encrypt' is neither" },
	{ "contact = admin@example.org\n", P ":1: key 'contact': 'admin@example.org' is not a mailto: address" },
	{ "state-dir = var/lib/keepcert\n", P ":1: key 'state-dir': 'var/lib/keepcert' is not an absolute path" },
	{ "key = ed25519\n", P ":1: key 'key': 'ed25519' is not a key type" },
	{ "challenge = http-01\n", P ":1: key 'challenge': 'http-01' is not a challenge type" },
	{ "challenge = webroot\n", P ":1: key 'challenge': webroot needs a directory" },
	{ "challenge = webroot www\n", P ":1: key 'challenge': webroot 'www' is not an absolute path" },
	{ "challenge = http-stateless /x\n", P ":1: key 'challenge': http-stateless takes no argument" },
	{ "challenge = standalone 80\n", P ":1: key 'challenge': standalone '80' is invalid: give ADDR:PORT" },
	{ "challenge = standalone 0.0.0.0:99999\n",
	  P ":1: key 'challenge': standalone '0.0.0.0:99999': port 99999 is out of range 1-65535" },
	{ "challenge = tls-alpn ::1:443\n", P ":1: key 'challenge': tls-alpn '::1:443' is invalid: write an IPv6 address in brackets" },
	{ "challenge = standalone web:80\n", P ":1: key 'challenge': standalone 'web:80': 'web' is not a numeric IP address" },
	{ "challenge = dns-hook\n", P ":1: key 'challenge': dns-hook needs a program" },
	{ "renew-days = 0\n", P ":1: key 'renew-days': '0' is not a whole number from 1 to 365" },
	{ "renew-days = 30d\n", P ":1: key 'renew-days': '30d' is not a whole number from 1 to 365" },
	{ "lock-timeout = -5\n", P ":1: key 'lock-timeout': '-5' is not a whole number from 0 to 86400" },
	{ "reuse-key = maybe\n", P ":1: key 'reuse-key': 'maybe' is not yes or no" },
	{ "profile = short lived\n", P ":1: key 'profile': 'short lived' is not a profile name" },
	{ "[a.example]\nnames = a.example a..example\n", P ":2: key 'names': a..example: empty label" },
	{ "[a.example]\nnames = a_b.example\n", P ":2: key 'names': a_b.example: invalid character '_'" },
	{ "[a.example]\nnames = -a.example\n", P ":2: key 'names': -a.example: a label starts or ends with a hyphen" },
	/* The same validator as -d NAME: a non-ASCII name is named, not printed as a raw byte. */
	{ "[a.example]\nnames = b\xc3\xbc" "cher.example.com\n",
	    P ":2: key 'names': b\xc3\xbc" "cher.example.com: non-ASCII name; give its xn-- form" },
	{ "[a.example]\nnames = ::ffff:127.0.0.1\n", P ":2: key 'names': ::ffff:127.0.0.1: an IPv4-mapped IPv6 address; give its IPv4 form 127.0.0.1" },
	{ "directory = buypass\n", P ":1: key 'directory': 'buypass' is neither an https:// URL nor a known CA" },
	{ "[a.example]\nnames = a.example A.EXAMPLE\n", P ":2: key 'names': 'a.example' is listed twice" },
	{ "[a.example]\nnames = localhost\n", P ":2: key 'names': 'localhost' is not a fully qualified DNS name" },
	{ "[a.example]\nprobe = a.example\n", P ":2: key 'probe': 'a.example' is not ADDR:PORT" },
	{ "[a.example]\nprobe = pop3://a.example:995\n", P ":2: key 'probe': 'pop3://a.example:995': a probe is HOST:PORT" },
	{ "eab-kid = kid-1\n", P ":1: key 'eab-kid': set without 'eab-hmac-key'" },
	{ "eab-hmac-key = abc\n", P ": key 'eab-hmac-key': set without 'eab-kid'" },
	{ "eab-kid = k\neab-hmac-key = s3cr=t\n", P ":2: key 'eab-hmac-key': the value is not base64url" },
};

TEST(config_table)
{
	struct config c;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(config_cases) / sizeof(config_cases[0]); i++) {
		rc = config_parse(config_cases[i].text, strlen(config_cases[i].text), P, &c);
		if (config_cases[i].want == NULL) {
			if (!CHECK_INT(rc, 0))
				fprintf(stderr, "  case %zu: %s\n", i, error_text());
			else
				config_free(&c);
			continue;
		}
		if (!CHECK_INT(rc, -1)) {
			fprintf(stderr, "  case %zu parsed, expected: %s\n", i, config_cases[i].want);
			config_free(&c);
			continue;
		}
		if (strncmp(error_text(), config_cases[i].want, strlen(config_cases[i].want)) != 0)
			unit_fail(__FILE__, __LINE__, "case %zu: message\n    got  %s\n    want %s...", i,
			    error_text(), config_cases[i].want);
	}
}

/* A long value is shortened in the message, so the reason after it is never cut off. */
TEST(config_long_name_keeps_reason)
{
	char text[3000];
	struct config c;
	size_t n;

	n = (size_t)snprintf(text, sizeof(text), "[a.example]\nnames = ");
	memset(text + n, 'a', 2000);
	snprintf(text + n + 2000, sizeof(text) - n - 2000, ".example\n");
	if (CHECK_INT(config_parse(text, strlen(text), P, &c), -1)) {
		CHECK(strstr(error_text(), "name longer than 253 characters") != NULL);
		CHECK(strlen(error_text()) < 300);
	} else {
		config_free(&c);
	}
}

TEST(config_secret_not_in_message)
{
	static const char text[] = "eab-kid = k\neab-hmac-key = topsecret+value\n";
	struct config c;

	CHECK_INT(config_parse(text, strlen(text), P, &c), -1);
	CHECK(strstr(error_text(), "topsecret") == NULL);
}

TEST(config_defaults_and_inheritance)
{
	static const char text[] =
	    "contact = mailto:a@example.org mailto:b@example.org\n"
	    "key = rsa-2048\n"
	    "challenge = webroot /srv/acme\n"
	    "deploy = systemctl reload nginx\n"
	    "renew-days = 25\n"
	    "\n"
	    "[example.org]\n"
	    "names = example.org WWW.example.org\n"
	    "\n"
	    "[mail.example.org]\n"
	    "key = ec-p384\n"
	    "challenge = dns-hook /usr/local/bin/hook\n"
	    "deploy = systemctl restart postfix\n"
	    "reuse-key = yes\n";
	const struct config_cert *web, *mail;
	struct config c;

	if (!CHECK_INT(config_parse(text, strlen(text), P, &c), 0)) {
		fprintf(stderr, "  %s\n", error_text());
		return;
	}
	CHECK_STR(c.directory, CONFIG_DEFAULT_DIRECTORY);
	CHECK_STR(c.state_dir, CONFIG_DEFAULT_STATE_DIR);
	CHECK_INT(c.lock_timeout, CONFIG_DEFAULT_LOCK_TIMEOUT);
	CHECK_INT(c.timeout, CONFIG_DEFAULT_TIMEOUT);
	CHECK_INT(c.agree_tos, 0);
	CHECK_INT(c.contact_count, 2);
	CHECK_STR(c.contacts[1], "mailto:b@example.org");
	CHECK_INT(c.cert_count, 2);

	web = config_find(&c, "example.org");
	mail = config_find(&c, "mail.example.org");
	CHECK(config_find(&c, "other") == NULL);
	if (!CHECK(web != NULL && mail != NULL)) {
		config_free(&c);
		return;
	}
	CHECK_INT(web->line, 7);
	CHECK_INT(web->name_count, 2);
	CHECK_STR(web->names[1], "www.example.org");
	CHECK_STR(web->settings.key, "rsa-2048");
	CHECK_INT(web->settings.challenge.type, CHALLENGE_WEBROOT);
	CHECK_STR(web->settings.challenge.arg, "/srv/acme");
	CHECK_STR(web->settings.deploy, "systemctl reload nginx");
	CHECK_INT(web->settings.renew_days, 25);
	CHECK_INT(web->settings.reuse_key, 0);

	/* A section without names takes its own name. */
	CHECK_INT(mail->name_count, 1);
	CHECK_STR(mail->names[0], "mail.example.org");
	CHECK_STR(mail->settings.key, "ec-p384");
	CHECK_INT(mail->settings.challenge.type, CHALLENGE_DNS_HOOK);
	CHECK_STR(mail->settings.challenge.arg, "/usr/local/bin/hook");
	CHECK_STR(mail->settings.deploy, "systemctl restart postfix");
	CHECK_INT(mail->settings.reuse_key, 1);
	CHECK_STR(config_challenge_name(mail->settings.challenge.type), "dns-hook");
	config_free(&c);
}

TEST(config_builtin_defaults)
{
	static const char text[] = "directory = letsencrypt-staging\n[a.example]\n";
	struct config c;

	if (!CHECK_INT(config_parse(text, strlen(text), P, &c), 0))
		return;
	CHECK_STR(c.directory, "https://acme-staging-v02.api.letsencrypt.org/directory");
	CHECK_INT(c.certs[0].settings.challenge.type, CHALLENGE_HTTP_STATELESS);
	CHECK(c.certs[0].settings.challenge.arg == NULL);
	CHECK_STR(c.certs[0].settings.key, "ec-p256");
	CHECK_INT(c.certs[0].settings.renew_days, 0);
	CHECK(c.certs[0].settings.deploy == NULL);
	config_free(&c);
}

TEST(config_limits)
{
	struct config c;
	char *text;
	size_t i;

	/* One byte past the line limit. */
	text = malloc(CONFIG_LINE_MAX + 16);
	memcpy(text, "pre = ", 6);
	memset(text + 6, 'x', CONFIG_LINE_MAX - 5);
	CHECK_INT(config_parse(text, CONFIG_LINE_MAX + 1, P, &c), -1);
	CHECK_STR(error_text(), P ":1: line is longer than 4096 bytes");
	CHECK_INT(config_parse(text, CONFIG_LINE_MAX, P, &c), 0);
	config_free(&c);
	free(text);

	/* Blank lines count too. */
	text = malloc(CONFIG_LINES_MAX + 2);
	memset(text, '\n', CONFIG_LINES_MAX + 1);
	CHECK_INT(config_parse(text, CONFIG_LINES_MAX + 1, P, &c), -1);
	CHECK_STR(error_text(), P ":65537: more than 65536 lines");
	CHECK_INT(config_parse(text, CONFIG_LINES_MAX, P, &c), 0);
	config_free(&c);
	free(text);

	CHECK_INT(config_parse("key = ec\0p256\n", 14, P, &c), -1);
	CHECK_STR(error_text(), P ":1: line contains a NUL byte");

	/* More names than a CA accepts. */
	text = malloc(64 * 1024);
	strcpy(text, "[a.example]\nnames =");
	for (i = 0; i <= CONFIG_NAMES_MAX; i++)
		sprintf(text + strlen(text), " n%zu.example", i);
	strcat(text, "\n");
	CHECK_INT(config_parse(text, strlen(text), P, &c), -1);
	CHECK_STR(error_text(), P ":2: key 'names': more than 100 values");
	free(text);
}

TEST(config_check_private_modes)
{
	char path[512], command[600];
	const char *dir = unit_tmpdir();

	snprintf(path, sizeof(path), "%s/config-private", dir);
	CHECK_INT(store_write_file(path, "x\n", 2, 0600), 0);
	CHECK_INT(config_check_private(path), 0);

	CHECK_INT(chmod(path, 0620), 0);
	CHECK_INT(config_check_private(path), -1);
	CHECK(strstr(error_text(), "writable by group or others (mode 0620)") != NULL);
	CHECK(strstr(error_text(), "chmod go-w") != NULL);

	CHECK_INT(chmod(path, 0602), 0);
	CHECK_INT(config_check_private(path), -1);

	/* A command is checked through its first word when that is a path. */
	snprintf(command, sizeof(command), "  %s --flag", path);
	CHECK_INT(config_check_command(command), -1);
	CHECK_INT(config_check_command("systemctl reload nginx"), 0);
	CHECK_INT(chmod(path, 0755), 0);
	CHECK_INT(config_check_command(command), 0);
	CHECK_INT(config_check_command("/nonexistent/program arg"), -1);
	CHECK(strstr(error_text(), "No such file") != NULL);

	/* A directory others may write lets them replace the file. */
	snprintf(path, sizeof(path), "%s/config-open-dir", dir);
	CHECK_INT(store_mkdirs(path, 0700), 0);
	CHECK_INT(chmod(path, 0777), 0);
	snprintf(command, sizeof(command), "%s/file", path);
	CHECK_INT(store_write_file(command, "x\n", 2, 0600), 0);
	CHECK_INT(config_check_private(command), -1);
	CHECK(strstr(error_text(), "the directory is writable by group or others (mode 0777)") != NULL);
	CHECK_INT(chmod(path, 01777), 0);
	CHECK_INT(config_check_private(command), 0);
	CHECK_INT(chmod(path, 0755), 0);
	CHECK_INT(config_check_private(command), 0);
}

TEST(config_load_file)
{
	char path[512], hook[512], text[1200];
	struct config c;
	int n;

	snprintf(hook, sizeof(hook), "%s/config-hook.sh", unit_tmpdir());
	CHECK_INT(store_write_file(hook, "#!/bin/sh\n", 10, 0755), 0);
	snprintf(path, sizeof(path), "%s/config-load.conf", unit_tmpdir());
	n = snprintf(text, sizeof(text), "post = %s\n[a.example]\n", hook);
	CHECK_INT(store_write_file(path, text, (size_t)n, 0600), 0);

	CHECK_INT(config_load(path, &c), 0);
	CHECK_STR(c.path, path);
	CHECK_INT(c.cert_count, 1);
	config_free(&c);

	/* As root, a hook others may write is rejected; any other user gets the file parsed. */
	CHECK_INT(chmod(hook, 0777), 0);
	if (geteuid() == 0) {
		CHECK_INT(config_load(path, &c), -1);
		CHECK(strstr(error_text(), "key 'post'") != NULL);
		CHECK_INT(chmod(path, 0666), 0);
		CHECK_INT(config_load(path, &c), -1);
		CHECK(strstr(error_text(), "writable by group or others") != NULL);
	} else {
		CHECK_INT(config_load(path, &c), 0);
		config_free(&c);
	}

	snprintf(path, sizeof(path), "%s/config-missing.conf", unit_tmpdir());
	CHECK_INT(config_load(path, &c), -1);
	CHECK(strstr(error_text(), "config-missing.conf") != NULL);
}
