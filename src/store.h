/*
 * The state directory (DESIGN: /var/lib/keepcert, mode 0700):
 *
 *	accounts/<CA>/account.key	0600
 *	accounts/<CA>/account.json	account URL and contact
 *	certs/<name>/live -> vN		replaced with one rename(2)
 *	certs/<name>/vN/privkey.pem cert.pem chain.pem fullchain.pem
 *	certs/<name>/state		last attempt, failures, renewal window
 *	lock
 *
 * Every file is written to a temporary name in its directory, fsync'd,
 * renamed into place, and the directory fsync'd, so a crash at any instant
 * leaves either the old or the new content, never a mix.
 *
 * NOTE: this header is the contract other layers code against; the store
 * implementation may add declarations but keeps these.
 */
#ifndef KEEPCERT_STORE_H
#define KEEPCERT_STORE_H

#include <stddef.h>
#include <sys/types.h>

/* Create DIR (and its parents) with MODE if missing. Returns 0 or -1. */
int store_mkdirs(const char *dir, mode_t mode);

/*
 * Check the state directory DIR, when it exists: group and others must
 * not be able to write it, since they could then replace keys and
 * certificates, and a directory keepcert creates is 0700. Refusing rather
 * than fixing the mode, as for a config file, leaves the decision to the
 * admin. Returns 0, or -1 with the chmod to run in error_text().
 */
int store_check_state_dir(const char *dir);

/* Replace PATH atomically with DATA: temporary file, fsync, rename, directory fsync. Returns 0 or -1. */
int store_write_file(const char *path, const void *data, size_t len, mode_t mode);

/* Read a whole file of at most MAX bytes into a NUL-terminated heap buffer. Returns 0 or -1. */
int store_read_file(const char *path, size_t max, char **data, size_t *len);

/* The certificate's files, for store_install(). */
struct store_cert_files {
	const char *privkey;	/* PEM */
	size_t privkey_len;
	const char *cert;	/* the leaf, PEM */
	size_t cert_len;
	const char *chain;	/* the intermediates, PEM */
	size_t chain_len;
};

/*
 * Write a new version directory certs/NAME/vN under STATE_DIR, fsync each
 * file and the directory, then point certs/NAME/live at it with one rename,
 * keeping the previous version and pruning older ones. privkey.pem is 0600,
 * or takes the owner, group and mode of the previous live privkey.pem.
 * Returns the new version number N, or -1 with live unchanged.
 */
int store_install(const char *state_dir, const char *name, const struct store_cert_files *files);

/* The maximum length of a certificate name that store_check_name() accepts. */
#define STORE_NAME_MAX 64

/*
 * Check that NAME can be a directory name under certs/: 1 to STORE_NAME_MAX
 * bytes of letters, digits, '.', '-' and '_', not starting with '.' or '-'.
 * Returns 0, or -1 with the reason in error_text().
 */
int store_check_name(const char *name);

/*
 * Write STATE_DIR/certs/NAME/LEAF (LEAF may be NULL for the directory
 * itself) into DST of size CAP. Returns 0, or -1 when it does not fit.
 */
int store_cert_path(char *dst, size_t cap, const char *state_dir, const char *name, const char *leaf);

/* The outcome of the last renewal attempt, as stored in the state file. */
enum store_result {
	STORE_RESULT_NONE = 0,	/* never attempted */
	STORE_RESULT_OK,
	STORE_RESULT_FAILED,
};

#define STORE_STATE_MAX 16384		/* bytes of a state file */
#define STORE_STATE_NAMES_MAX 4096	/* bytes of the names list */
#define STORE_STATE_ERROR_MAX 512	/* bytes of the last error */

/*
 * certs/NAME/state: what the renewal policy needs to remember between runs.
 * Times are seconds since the epoch; 0 means unset.
 */
struct store_state {
	long long last_attempt;		/* when the last renewal attempt started */
	enum store_result last_result;
	unsigned failures;		/* consecutive failed attempts */
	long long next_retry;		/* no new attempt before this, after a failure */
	long long ari_start;		/* renewalInfo suggestedWindow (RFC 9773 section 4.2) */
	long long ari_end;
	long long ari_instant;		/* the random instant chosen inside the window */
	long long ari_retry_after;	/* when to fetch renewalInfo again */
	long long not_before;		/* no request to the CA before this (rateLimited Retry-After) */
	char names[STORE_STATE_NAMES_MAX];	/* names of the live certificate, space separated */
	char key_type[32];			/* key type of the live certificate, e.g. ec-p256 */
	char last_error[STORE_STATE_ERROR_MAX];	/* one line, empty after a success */
};

/*
 * Parse the text of a state file: "key = value" lines, '#' comments and
 * blank lines. Unknown keys are skipped so that a newer keepcert's file can
 * be read back. Returns 0, or -1 with the line and key in error_text().
 */
int store_state_parse(const char *text, size_t len, struct store_state *state);

/* Format STATE as state file text into OUT (of size CAP). Returns the length, or -1 when it does not fit. */
int store_state_format(const struct store_state *state, char *out, size_t cap);

/* Read certs/NAME/state; a missing file gives a zeroed STATE. Returns 0 or -1. */
int store_state_read(const char *state_dir, const char *name, struct store_state *state);

/* Replace certs/NAME/state atomically (mode 0600), creating certs/NAME if needed. Returns 0 or -1. */
int store_state_write(const char *state_dir, const char *name, const struct store_state *state);

#endif
