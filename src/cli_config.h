/*
 * The config file as the one-shot commands (issue, revoke, account, check,
 * nginx-snippet) see it: the file -c names, or the default file when it
 * exists, gives the defaults that their command-line options override.
 */
#ifndef KEEPCERT_CLI_CONFIG_H
#define KEEPCERT_CLI_CONFIG_H

#include "account.h"
#include "config.h"

/*
 * Load the config once per run: the file -c named (it must exist), else
 * CONFIG_DEFAULT_PATH when it exists. Returns 1 when a config is loaded,
 * 0 when there is none, or -1 with "FILE:LINE: ..." in error_text(), a
 * usage error.
 */
int cli_config_load(void);

/* The config cli_config_load() loaded, or NULL. */
const struct config *cli_config(void);

/* Free the loaded config, wiping its EAB key. Safe to call when none is loaded. */
void cli_config_release(void);

/*
 * Complete O after its options were parsed: every setting no option gave
 * takes the config's global value (directory, ca-bundle, state-dir,
 * contact, agree-tos, eab-kid, eab-hmac-key, timeout, lock-timeout), then
 * the built-in default. Checks that the EAB key id and MAC key come
 * together and that the state directory is private (store_check_state_dir).
 * Returns 0, or -1 with error_text() set: a usage error.
 */
int cli_config_account(struct account_options *o);

/* The same as cli_config_account, from CONFIG (NULL for none) rather than the loaded file. */
int cli_config_account_from(struct account_options *o, const struct config *config);

#endif
