/*
 * The subcommands. Each takes the parser positioned after the subcommand's
 * name and returns the exit status: 0 when everything asked for was done or
 * nothing was due, 1 when at least one certificate failed, 2 for a usage or
 * configuration error.
 */
#ifndef KEEPCERT_COMMANDS_H
#define KEEPCERT_COMMANDS_H

#include "args.h"

enum exit_status {
	EXIT_OK = 0,
	EXIT_FAILED = 1,
	EXIT_USAGE = 2,
};

int cmd_version(struct args *a);
int cmd_help(struct args *a);
int cmd_issue(struct args *a);
int cmd_revoke(struct args *a);
int cmd_account(struct args *a);
int cmd_check(struct args *a);
int cmd_nginx_snippet(struct args *a);

/* Send one request (or --repeat N) with keepcert's HTTP client and print the response. */
int cmd_fetch(struct args *a);
/* install systemd|cron [--write] [--dir DIR]: print or write the scheduler entries (install.c). */
int cmd_install(struct args *a);

#endif
