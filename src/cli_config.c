/*
 * Config defaults for the one-shot commands; see cli_config.h.
 */
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "cli_config.h"
#include "log.h"
#include "store.h"

static struct config loaded;
static int state;	/* 0: not tried, 1: loaded, 2: no config file */

/* see cli_config.h */
int
cli_config_load(void)
{
	const char *path = args_config_path;

	if (state != 0)
		return state == 1;
	if (path == NULL) {
		if (access(CONFIG_DEFAULT_PATH, F_OK) != 0) {
			state = 2;
			return 0;
		}
		path = CONFIG_DEFAULT_PATH;
	}
	if (config_load(path, &loaded) != 0)
		return -1;
	state = 1;
	return 1;
}

/* see cli_config.h */
const struct config *
cli_config(void)
{
	return state == 1 ? &loaded : NULL;
}

/* see cli_config.h */
void
cli_config_release(void)
{
	if (state == 1)
		config_free(&loaded);
	state = 0;
}

/* Apply the config's global account settings that no option gave. */
static int
apply_config(struct account_options *o, const struct config *c)
{
	size_t i;

	if (o->directory_url == NULL)
		o->directory_url = c->directory;
	if (o->ca_bundle == NULL)
		o->ca_bundle = c->ca_bundle;
	if (o->state_dir == NULL)
		o->state_dir = c->state_dir;
	if (o->request.contact_count == 0 && !o->contacts_none)
		for (i = 0; i < c->contact_count; i++)
			if (account_option(o, OPT_CONTACT, c->contacts[i]) < 0)
				return error_prefix("%s: key 'contact'", c->path);
	if (c->agree_tos > 0)
		o->request.agree_tos = 1;
	if (o->request.eab_kid == NULL && o->request.eab_mac_key_len == 0 && c->eab_kid != NULL &&
	    c->eab_hmac_key != NULL) {
		o->request.eab_kid = c->eab_kid;
		if (account_option(o, OPT_EAB_HMAC_KEY, c->eab_hmac_key) < 0)
			return error_prefix("%s: key 'eab-hmac-key'", c->path);
	}
	if (o->timeout == 0)
		o->timeout = c->timeout;
	if (o->lock_wait < 0)
		o->lock_wait = c->lock_timeout;
	return 0;
}

/* see cli_config.h */
int
cli_config_account(struct account_options *o)
{
	if (cli_config_load() < 0)
		return -1;
	return cli_config_account_from(o, cli_config());
}

/* see cli_config.h */
int
cli_config_account_from(struct account_options *o, const struct config *config)
{
	if (config != NULL && apply_config(o, config) != 0)
		return -1;

	if (o->directory_url == NULL)
		o->directory_url = acme_ca_directory("letsencrypt");
	if (o->state_dir == NULL)
		o->state_dir = DEFAULT_STATE_DIR;
	if (o->timeout == 0)
		o->timeout = ACME_DEFAULT_TIMEOUT;
	if (o->lock_wait < 0)
		o->lock_wait = CONFIG_DEFAULT_LOCK_TIMEOUT;

	/* RFC 8555 section 7.3.4: the CA hands out both; one alone would register without the binding. */
	if (o->request.eab_kid != NULL && o->request.eab_mac_key_len == 0)
		return error_set("--eab-kid needs --eab-hmac-key too; give both, as the CA shows them");
	if (o->request.eab_kid == NULL && o->request.eab_mac_key_len != 0)
		return error_set("--eab-hmac-key needs --eab-kid too; give both, as the CA shows them");
	return store_check_state_dir(o->state_dir);
}
