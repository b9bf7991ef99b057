/*
 * The text of the scheduler entries that run "keepcert run" unattended:
 * a systemd service and timer, or a crontab line. The functions build text
 * only; cmd_install (commands.h) prints or writes it.
 */
#ifndef KEEPCERT_INSTALL_H
#define KEEPCERT_INSTALL_H

#include <stddef.h>

#include "buf.h"

#define INSTALL_WRITABLE_MAX 32	/* directories the service may write */

/* The absolute paths the entries name, checked by install_check_path. */
struct install_paths {
	const char *binary;	/* the keepcert executable */
	const char *config;	/* the config file, passed with -c */
	const char *state_dir;
	const char *writable[INSTALL_WRITABLE_MAX];	/* webroots and other directories to keep writable */
	size_t writable_count;
};

/*
 * Check that PATH is absolute and made of letters, digits and "/._+-@:,",
 * so that it needs no quoting in a unit file or a crontab and holds no
 * systemd specifier ('%'). WHAT names it in the message. Returns 0 or -1.
 */
int install_check_path(const char *path, const char *what);

/* Append keepcert.service for PATHS to OUT. Returns 0, or -1 when a path is unusable. */
int install_systemd_service(struct buf *out, const struct install_paths *paths);

/* Append keepcert.timer to OUT: twice a day, spread over an hour, catching up after downtime. */
void install_systemd_timer(struct buf *out);

/*
 * Append a crontab line running keepcert at MINUTE past HOUR and HOUR + 12,
 * for crontab -e (busybox crond, cronie), or with a user field "root" for
 * /etc/cron.d when WITH_USER is set. Returns 0 or -1.
 */
int install_cron_line(struct buf *out, const struct install_paths *paths, unsigned minute, unsigned hour,
    int with_user);

#endif
