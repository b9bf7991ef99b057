/*
 * The "nginx-snippet" command: print the nginx location block that
 * serves http-01 responses for the chosen mode, to paste into every server block
 * that listens on port 80.
 */
#include <stdio.h>
#include <string.h>

#include "account.h"
#include "challenge.h"
#include "challenge_http.h"
#include "cli_config.h"
#include "commands.h"
#include "log.h"

enum {
	OPT_WEBROOT = 100,
	OPT_STANDALONE,
};

static const struct option_spec snippet_specs[] = {
	ACCOUNT_OPTION_SPECS,
	{ "webroot", 0, 1, OPT_WEBROOT },
	{ "standalone", 0, 1, OPT_STANDALONE },
	{ NULL, 0, 0, 0 },
};

/* Printed above every block: where it goes, and the mistake that makes it unreachable. */
static void
print_placement(void)
{
	printf("# Paste into every nginx server block that listens on port 80 (or include this file\n"
	    "# there), then run 'nginx -s reload'. A server-level 'return 301 ...' runs before any\n"
	    "# location: move it into 'location / { return 301 ...; }' so this block is reached.\n");
}

/*
 * The regex is the base64url alphabet of RFC 8555 section 8.3 tokens, so
 * nothing else under the path matches. The response is TOKEN "."
 * THUMBPRINT, the key authorization of section 8.1. The outer "^~" prefix
 * location stops nginx from trying regex locations, so a rule such as
 * "location ~ /\. { deny all; }" earlier in the server block cannot catch
 * the token first.
 */
static int
print_stateless(const struct account_options *o)
{
	char thumbprint[JWS_THUMBPRINT_SIZE];

	if (challenge_thumbprint(o->state_dir, o->directory_url, thumbprint) != 0)
		return -1;
	printf("# keepcert http-01, stateless: answers every token from the account key's thumbprint.\n"
	    "# CA: %s\n", o->directory_url);
	print_placement();
	printf("location ^~ /.well-known/acme-challenge/ {\n"
	    "\tlocation ~ \"^/\\.well-known/acme-challenge/([-_a-zA-Z0-9]+)$\" {\n"
	    "\t\tdefault_type text/plain;\n"
	    "\t\treturn 200 \"$1.%s\";\n"
	    "\t}\n"
	    "\treturn 404;\n"
	    "}\n", thumbprint);
	return 0;
}

/* 1 when DIR can go between double quotes in nginx.conf unchanged: no quote, backslash, '$' or control byte. */
static int
nginx_quotable(const char *dir)
{
	const unsigned char *p;

	for (p = (const unsigned char *)dir; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\' || *p == '$')
			return 0;
	return 1;
}

static int
print_webroot(const char *dir)
{
	if (dir[0] != '/' || !nginx_quotable(dir))
		return error_set("--webroot '%s' must be an absolute path without quotes, backslashes, '$' or "
		    "control characters", dir);
	printf("# keepcert http-01, webroot: nginx serves the files keepcert writes under %s.\n", dir);
	print_placement();
	printf("location ^~ /.well-known/acme-challenge/ {\n"
	    "\troot \"%s\";\n"
	    "\tdefault_type text/plain;\n"
	    "\ttry_files $uri =404;\n"
	    "}\n", dir);
	return 0;
}

/* The address nginx connects to for a listener bound to ADDR_PORT: a wildcard address becomes loopback. */
static int
proxy_target(const char *addr_port, char *out, size_t cap)
{
	const char *colon = strrchr(addr_port, ':');
	const char *port = colon != NULL ? colon + 1 : addr_port;
	size_t host_len = colon != NULL ? (size_t)(colon - addr_port) : 0;

	if (port[0] == '\0' || strspn(port, "0123456789") != strlen(port))
		return error_set("--standalone '%s' is invalid; give ADDR:PORT, such as 127.0.0.1:8402", addr_port);
	if (host_len == 0 || (host_len == 7 && strncmp(addr_port, "0.0.0.0", 7) == 0))
		snprintf(out, cap, "127.0.0.1:%s", port);
	else if (host_len == 4 && strncmp(addr_port, "[::]", 4) == 0)
		snprintf(out, cap, "[::1]:%s", port);
	else if (strspn(addr_port, "0123456789abcdefABCDEF.:[]") == strlen(addr_port))
		snprintf(out, cap, "%s", addr_port);
	else
		return error_set("--standalone '%s' must be a numeric address, as keepcert binds it", addr_port);
	return 0;
}

static int
print_standalone(const char *addr_port)
{
	char target[128];

	if (proxy_target(addr_port, target, sizeof(target)) != 0)
		return -1;
	printf("# keepcert http-01, standalone: nginx passes the tokens to keepcert's listener on %s,\n"
	    "# which runs only while keepcert renews (start it with --challenge standalone %s).\n",
	    target, addr_port);
	print_placement();
	printf("location ^~ /.well-known/acme-challenge/ {\n"
	    "\tproxy_pass http://%s;\n"
	    "\tproxy_set_header Host $host;\n"
	    "}\n", target);
	return 0;
}

/* see commands.h */
int
cmd_nginx_snippet(struct args *a)
{
	struct account_options o;
	const char *value, *webroot = NULL, *standalone = NULL;
	int id, rc;

	account_options_init(&o);
	while ((id = args_next(a, snippet_specs, &value)) > 0) {
		if (id == OPT_WEBROOT)
			webroot = value;
		else if (id == OPT_STANDALONE)
			standalone = value;
		else if (account_option(&o, id, value) < 0)
			break;
	}
	if (id == 0 && cli_config_account(&o) != 0)
		id = -1;
	if (id != 0 || a->operand_count != 0 || (webroot != NULL && standalone != NULL)) {
		if (id == 0)
			error_set("%s", a->operand_count != 0 ?
			    "takes no arguments; give --webroot DIR or --standalone ADDR:PORT for those modes" :
			    "give --webroot or --standalone, not both");
		log_failure("nginx-snippet");
		explicit_bzero(o.eab_key, sizeof(o.eab_key));
		return EXIT_USAGE;
	}
	explicit_bzero(o.eab_key, sizeof(o.eab_key));

	if (webroot != NULL)
		rc = print_webroot(webroot);
	else if (standalone != NULL)
		rc = print_standalone(standalone);
	else
		rc = print_stateless(&o);
	if (rc != 0) {
		log_failure("nginx-snippet");
		return webroot != NULL || standalone != NULL ? EXIT_USAGE : EXIT_FAILED;
	}
	return EXIT_OK;
}
