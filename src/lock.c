#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "lock.h"
#include "log.h"
#include "store.h"

/* How often a waiting run tries the lock again. */
#define LOCK_POLL_MS 100

/* The PID written by the holder into the file FD, or 0 when it is not there yet. */
static long
holder_pid(int fd)
{
	char text[32];
	ssize_t n;
	char *end;
	long pid;

	n = pread(fd, text, sizeof(text) - 1, 0);
	if (n <= 0)
		return 0;
	text[n] = '\0';
	pid = strtol(text, &end, 10);
	if (end == text || (*end != '\n' && *end != '\0') || pid <= 0)
		return 0;
	return pid;
}

/* Record our PID in the lock file for the next process that waits. */
static void
write_pid(int fd, const char *path)
{
	char text[32];
	int n;

	n = snprintf(text, sizeof(text), "%ld\n", (long)getpid());
	/* The PID is only for messages: failing to write it does not matter to locking. */
	if (ftruncate(fd, 0) == 0 && pwrite(fd, text, (size_t)n, 0) != n)
		log_debug("%s: cannot record the PID: %s", path, strerror(errno));
}

/* see lock.h */
int
lock_acquire(struct lock *lock, const char *state_dir, int timeout)
{
	long long deadline;
	struct timespec pause = { 0, LOCK_POLL_MS * 1000000L };
	int waited = 0;
	long pid;

	lock->fd = -1;
	if (snprintf(lock->path, sizeof(lock->path), "%s/lock", state_dir) >= (int)sizeof(lock->path))
		return error_set("%s/lock: path is too long", state_dir);
	if (store_check_state_dir(state_dir) != 0 || store_mkdirs(state_dir, 0700) != 0)
		return -1;
	lock->fd = open(lock->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lock->fd < 0)
		return error_set("%s: cannot open the lock file: %s", lock->path, strerror(errno));

	deadline = clock_ms() + (long long)timeout * 1000;
	while (flock(lock->fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK) {
			error_set("%s: flock failed: %s", lock->path, strerror(errno));
			goto fail;
		}
		pid = holder_pid(lock->fd);
		if (clock_ms() >= deadline) {
			if (pid > 0)
				error_set("%s: another keepcert (PID %ld) still holds the lock after %d s; "
				    "let it finish, or raise lock-timeout", lock->path, pid, timeout);
			else
				error_set("%s: another process still holds the lock after %d s; "
				    "let it finish, or raise lock-timeout", lock->path, timeout);
			goto fail;
		}
		if (!waited) {
			log_info("%s: held by PID %ld; waiting up to %d s", lock->path, pid, timeout);
			waited = 1;
		}
		nanosleep(&pause, NULL);
	}

	write_pid(lock->fd, lock->path);
	return 0;

fail:
	close(lock->fd);
	lock->fd = -1;
	return -1;
}

/* see lock.h */
void
lock_release(struct lock *lock)
{
	if (lock->fd < 0)
		return;

	/* Empty the PID first, so no message names a process that has moved on. */
	if (ftruncate(lock->fd, 0) != 0)
		log_debug("%s: cannot clear the PID: %s", lock->path, strerror(errno));
	close(lock->fd);
	lock->fd = -1;
}
