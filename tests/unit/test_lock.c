#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lock.h"
#include "log.h"
#include "store.h"
#include "unit.h"

static const char *
lock_dir(const char *name)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/lock-%s", unit_tmpdir(), name);
	return path;
}

TEST(lock_second_process_times_out)
{
	const char *dir = lock_dir("timeout");
	char message[1024] = "", want[64];
	struct lock held;
	int fds[2], status;
	ssize_t n;
	long long start;
	pid_t pid;

	CHECK_INT(lock_acquire(&held, dir, 0), 0);
	CHECK_INT(pipe(fds), 0);
	start = unit_now_ms();
	pid = fork();
	if (pid == 0) {
		struct lock second;
		int rc = lock_acquire(&second, dir, 1);

		if (write(fds[1], error_text(), strlen(error_text())) < 0)
			_exit(3);
		_exit(rc == -1 ? 0 : 1);
	}
	close(fds[1]);
	n = read(fds[0], message, sizeof(message) - 1);
	close(fds[0]);
	message[n > 0 ? n : 0] = '\0';
	CHECK_INT(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status));
	CHECK_INT(WEXITSTATUS(status), 0);
	CHECK(unit_now_ms() - start >= 900);

	/* The message names the lock file and the holder, this process. */
	CHECK(strstr(message, held.path) != NULL);
	snprintf(want, sizeof(want), "(PID %ld)", (long)getpid());
	if (!CHECK(strstr(message, want) != NULL))
		fprintf(stderr, "  message: %s\n", message);
	CHECK(strstr(message, "lock-timeout") != NULL);
	lock_release(&held);
	CHECK_INT(held.fd, -1);
	lock_release(&held);
}

TEST(lock_waits_for_release)
{
	const char *dir = lock_dir("wait");
	struct lock lock;
	int fds[2], status;
	char ready;
	long long start;
	pid_t pid;

	CHECK_INT(pipe(fds), 0);
	pid = fork();
	if (pid == 0) {
		struct lock child;
		struct timespec hold = { 0, 400 * 1000000L };

		if (lock_acquire(&child, dir, 0) != 0)
			_exit(1);
		if (write(fds[1], "r", 1) != 1)
			_exit(2);
		nanosleep(&hold, NULL);
		lock_release(&child);
		_exit(0);
	}
	close(fds[1]);
	CHECK_INT(read(fds[0], &ready, 1), 1);
	close(fds[0]);

	start = unit_now_ms();
	CHECK_INT(lock_acquire(&lock, dir, 5), 0);
	CHECK(unit_now_ms() - start >= 200);
	CHECK(unit_now_ms() - start < 4000);
	CHECK_INT(waitpid(pid, &status, 0), pid);
	CHECK_INT(WEXITSTATUS(status), 0);
	lock_release(&lock);
}

TEST(lock_freed_when_holder_dies)
{
	const char *dir = lock_dir("killed");
	struct lock lock;
	int fds[2], status;
	char ready;
	pid_t pid;

	CHECK_INT(pipe(fds), 0);
	pid = fork();
	if (pid == 0) {
		struct lock child;

		if (lock_acquire(&child, dir, 0) != 0 || write(fds[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(fds[1]);
	CHECK_INT(read(fds[0], &ready, 1), 1);
	close(fds[0]);
	CHECK_INT(lock_acquire(&lock, dir, 0), -1);

	/* A holder killed with SIGKILL leaves no stale lock behind. */
	CHECK_INT(kill(pid, SIGKILL), 0);
	CHECK_INT(waitpid(pid, &status, 0), pid);
	CHECK_INT(lock_acquire(&lock, dir, 0), 0);
	lock_release(&lock);
}

TEST(lock_file_holds_pid)
{
	const char *dir = lock_dir("pid");
	char path[600], want[32], *text = NULL;
	struct lock lock;
	size_t len;

	CHECK_INT(lock_acquire(&lock, dir, 0), 0);
	snprintf(path, sizeof(path), "%s/lock", dir);
	CHECK_INT(store_read_file(path, 64, &text, &len), 0);
	snprintf(want, sizeof(want), "%ld\n", (long)getpid());
	CHECK_STR(text, want);
	free(text);

	lock_release(&lock);
	CHECK_INT(store_read_file(path, 64, &text, &len), 0);
	CHECK_INT(len, 0);
	free(text);
}

TEST(lock_bad_state_dir)
{
	struct lock lock;
	char path[512];

	snprintf(path, sizeof(path), "%s/lock-file", unit_tmpdir());
	CHECK_INT(store_write_file(path, "", 0, 0600), 0);
	CHECK_INT(lock_acquire(&lock, path, 0), -1);
	CHECK(strstr(error_text(), "not a directory") != NULL);
	CHECK_INT(lock.fd, -1);
}

/* A state directory others can write is refused, one keepcert creates is 0700. */
TEST(lock_state_dir_modes)
{
	char open_dir[512], fresh[512];
	struct lock lock;
	struct stat st;

	snprintf(open_dir, sizeof(open_dir), "%s", lock_dir("world-writable"));
	snprintf(fresh, sizeof(fresh), "%s", lock_dir("fresh/nested"));

	mkdir(open_dir, 0700);
	chmod(open_dir, 0777);
	CHECK_INT(lock_acquire(&lock, open_dir, 0), -1);
	CHECK(strstr(error_text(), "writable by group or others (mode 0777)") != NULL);
	CHECK(strstr(error_text(), "chmod 0700") != NULL);

	chmod(open_dir, 0750);
	if (CHECK_INT(lock_acquire(&lock, open_dir, 0), 0))
		lock_release(&lock);

	if (CHECK_INT(lock_acquire(&lock, fresh, 0), 0))
		lock_release(&lock);
	CHECK_INT(stat(fresh, &st), 0);
	CHECK_INT(st.st_mode & 07777, 0700);
}
