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

#endif
