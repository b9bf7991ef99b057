#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "args.h"
#include "account.h"
#include "challenge.h"
#include "cli_config.h"
#include "commands.h"
#include "log.h"

struct command {
	const char *name;
	int (*run)(struct args *a);
	const char *usage;	/* the arguments after the name */
	const char *summary;	/* one line for the command list */
	const char *help;	/* the options, one per line; may be empty */
};

static const struct command commands[] = {
	{ "version", cmd_version, "",
	    "print the versions of keepcert and BearSSL and the build target", "" },
	{ "help", cmd_help, "[COMMAND]",
	    "describe every command, or one command and its options", "" },
	{ "issue", cmd_issue, "-d NAME [-d NAME]... | SECTION [--challenge MODE [ARG]] [OPTIONS]",
	    "obtain a certificate now and install it in the state directory", ISSUE_HELP },
	{ "revoke", cmd_revoke, "NAME|FILE [--reason CODE] [OPTIONS]",
	    "revoke a certificate with the account key", REVOKE_HELP },
	{ "account", cmd_account, "register|show|update|rollover|deactivate|thumbprint [OPTIONS]",
	    "manage the ACME account: create, show, change contact or key, deactivate", ACCOUNT_HELP },
	{ "check", cmd_check, "[NAME]... [--challenge MODE [ARG]] [OPTIONS]",
	    "fetch a probe token for every name the way the CA will, without contacting the CA",
	    CHECK_HELP },
	{ "nginx-snippet", cmd_nginx_snippet, "[--webroot DIR | --standalone ADDR:PORT] [OPTIONS]",
	    "print the nginx location block that serves http-01 responses for this account or mode",
	    SNIPPET_HELP },
	{ "fetch", cmd_fetch, "[OPTIONS] URL",
	    "send one HTTP request, to check that a CA is reachable; prints the response",
	    "  --ca-bundle FILE      trust the certificates in this PEM file instead of the system's\n"
	    "  --repeat N            send the request N times over a kept-alive connection and print\n"
	    "                        the last response (with -v: the connection and request counts)\n"
	    "  -X, --method METHOD   request method (default GET, or POST with --data)\n"
	    "  -d, --data STRING     send STRING as the request body\n"
	    "  --content-type TYPE   Content-Type of the body (default application/json)\n"
	    "  --timeout SECONDS     limit for connecting and for each read or write (default 10 s\n"
	    "                        to connect, 30 s per read or write)\n"
	    "\n"
	    "https_proxy and no_proxy are honoured. Exit status 0 when a complete response arrived,\n"
	    "whatever its status code; 1 when the connection, TLS or the response failed.\n" },
	{ "install", cmd_install, "systemd|cron [--write] [--dir DIR]",
	    "print (or write) the systemd timer and service, or the crontab line",
	    "  -w, --write  write the files instead of printing them: keepcert.service and\n"
	    "               keepcert.timer in /etc/systemd/system, or /etc/cron.d/keepcert\n"
	    "  --dir DIR    write into DIR instead\n" },
	{ "run", cmd_run, "[--force] [--dry-run [--directory URL]] [--random-sleep SECONDS]",
	    "renew every configured certificate that is due (the timer's and cron's entry point)",
	    "  --force                renew every certificate now, whatever its dates\n"
	    "  --dry-run              the whole flow against the CA's staging directory; installs\n"
	    "                         nothing, runs no hook, sends no mail\n"
	    "  --directory URL        the CA for --dry-run (default: the staging twin of the config's)\n"
	    "  --random-sleep SECONDS sleep a random time up to SECONDS first, so that a fleet of\n"
	    "                         machines on one cron minute does not reach the CA at once\n"
	    "\n"
	    "Prints nothing when nothing was due; -v explains each decision. Exit status 0 when\n"
	    "everything due was renewed, 1 when a certificate, hook or probe failed, 2 for a config\n"
	    "error.\n" },
	{ "status", cmd_status, "[--json] [--no-probe]",
	    "one line per certificate: names, expiry, days left, renewal due, last result",
	    "  --json      one JSON object for monitoring\n"
	    "  --no-probe  skip connecting to the probe endpoints\n"
	    "\n"
	    "Exit status 1 when a certificate is expired, failing, inside the last sixth of its\n"
	    "lifetime, or not the one a probe endpoint serves.\n" },
};

static const struct command *
find_command(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void
print_overview(FILE *out)
{
	size_t i;

	fprintf(out,
	    "usage: keepcert [-c FILE] [-v|-q] COMMAND [OPTIONS]\n"
	    "\n"
	    "Obtains and renews certificates from an ACME CA (RFC 8555).\n"
	    "\n"
	    "commands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-14s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
	    "\n"
	    "global options:\n"
	    "  -c, --config FILE  configuration file (default /etc/keepcert/keepcert.conf)\n"
	    "  -v, --verbose      explain each step; twice for protocol details\n"
	    "  -q, --quiet        print errors only\n"
	    "\n"
	    "exit status: 0 done or nothing due, 1 a certificate failed, 2 usage or config error\n");
}

/* see commands.h */
int
cmd_version(struct args *a)
{
	const char *value;

	if (args_next(a, NULL, &value) != 0 || a->operand_count != 0) {
		if (a->operand_count != 0)
			error_set("takes no arguments");
		log_failure("version");
		return EXIT_USAGE;
	}
	printf("keepcert %s (BearSSL %s, %s)\n", KEEPCERT_VERSION, BEARSSL_VERSION, KEEPCERT_TARGET);
	return EXIT_OK;
}

/* see commands.h */
int
cmd_help(struct args *a)
{
	const struct command *c;
	const char *value;

	if (args_next(a, NULL, &value) != 0 || a->operand_count > 1) {
		if (a->operand_count > 1)
			error_set("takes at most one command name");
		log_failure("help");
		return EXIT_USAGE;
	}
	if (a->operand_count == 0) {
		print_overview(stdout);
		return EXIT_OK;
	}

	c = find_command(a->operands[0]);
	if (c == NULL) {
		log_error("help: unknown command '%s'; run 'keepcert help' for the list", a->operands[0]);
		return EXIT_USAGE;
	}
	printf("usage: keepcert %s%s%s\n\n%s\n", c->name, c->usage[0] != '\0' ? " " : "", c->usage,
	    c->summary);
	if (c->help[0] != '\0')
		printf("\noptions:\n%s", c->help);
	return EXIT_OK;
}

int
main(int argc, char **argv)
{
	const struct command *c;
	struct args a;
	int i = 1, used, status;

	/* Keys and state are private by default; files meant to be shared get chmod explicitly. */
	umask(077);

	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			print_overview(stdout);
			return EXIT_OK;
		}
		if (strcmp(argv[i], "--version") == 0)
			break;
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		used = args_global(argv[i], i + 1 < argc ? argv[i + 1] : NULL);
		if (used < 0) {
			log_error("%s", error_text());
			return EXIT_USAGE;
		}
		if (used == 0) {
			log_error("unknown option %s; run 'keepcert help' for the list", argv[i]);
			return EXIT_USAGE;
		}
		i += used;
	}

	if (i == argc) {
		print_overview(stderr);
		return EXIT_USAGE;
	}

	c = find_command(strcmp(argv[i], "--version") == 0 ? "version" : argv[i]);
	if (c == NULL) {
		log_error("unknown command '%s'; run 'keepcert help' for the list", argv[i]);
		return EXIT_USAGE;
	}

	args_init(&a, argc - i, argv + i);
	a.command = c->name;
	status = c->run(&a);
	cli_config_release();
	return status;
}
