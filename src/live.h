/*
 * The live certificate of a config section, as run and status see it:
 * certs/NAME/live/cert.pem and privkey.pem read back, and the renewal
 * decision made from them, the config and certs/NAME/state.
 */
#ifndef KEEPCERT_LIVE_H
#define KEEPCERT_LIVE_H

#include <limits.h>

#include "cert.h"
#include "config.h"
#include "renew.h"
#include "store.h"

struct live {
	int present;			/* 1 when live/cert.pem holds a certificate */
	struct cert_info info;		/* its fields */
	char names[STORE_STATE_NAMES_MAX];	/* its names, space separated */
	char key_type[32];		/* of the live certificate's key; empty when not one keepcert makes */
	unsigned char sha256[32];	/* of the leaf's DER, to compare with what a server sends */
	char dir[PATH_MAX];		/* certs/NAME/live */
};

/*
 * Read the live certificate of section NAME under STATE_DIR into LIVE. A
 * missing live directory gives LIVE->present 0 and returns 0; a damaged
 * certificate returns -1 with error_text() set.
 */
int live_read(const char *state_dir, const char *name, struct live *live);

/*
 * Decide whether CERT (with LIVE and STATE) is due at NOW, into OUT
 * (renew_decide). Returns OUT->due.
 */
int live_decide(const struct config_cert *cert, const struct live *live, const struct store_state *state,
    long long now, struct renew_decision *out);

/* The config's names of CERT, space separated, into OUT of size CAP. */
void live_config_names(const struct config_cert *cert, char *out, size_t cap);

/* Format T as "2025-01-02 03:04 UTC" into OUT. */
void live_format_time(long long t, char *out, size_t cap);

#endif
