/*
 * The run lock: STATE_DIR/lock, held with flock(2) for a whole run so that
 * a timer run and a manual run never renew the same certificate at once.
 * The holder writes its PID into the file, so a waiting run can name it.
 * The kernel drops the lock when the holder exits, even on a crash, so no
 * stale lock needs cleaning.
 */
#ifndef KEEPCERT_LOCK_H
#define KEEPCERT_LOCK_H

#include <limits.h>

struct lock {
	int fd;			/* -1 when not held */
	char path[PATH_MAX];
};

/*
 * Take the lock STATE_DIR/lock, creating the state directory (0700) and the
 * file (0600) when missing, and waiting up to TIMEOUT seconds (0: do not
 * wait) while another process holds it. Returns 0, or -1 with the lock
 * file's path and the holder's PID in error_text().
 */
int lock_acquire(struct lock *lock, const char *state_dir, int timeout);

/* Release LOCK if it is held; safe to call twice. */
void lock_release(struct lock *lock);

#endif
