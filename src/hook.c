#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "hook.h"
#include "log.h"

extern char **environ;

/* Milliseconds between SIGTERM and SIGKILL to a hook's process group after its timeout. */
#define HOOK_KILL_GRACE_MS 1000

/* The environment size limit we accept from our own parent; more is a broken setup. */
#define ENVIRON_MAX 4096

/* see hook.h */
int
hook_env_add(struct hook_env *env, const char *name, const char *value)
{
	size_t i, name_len = strlen(name);
	char *var;

	if (asprintf(&var, "%s=%s", name, value) < 0)
		return error_set("%s: out of memory", name);
	for (i = 0; i < env->count; i++) {
		if (strncmp(env->vars[i], name, name_len) == 0 && env->vars[i][name_len] == '=') {
			free(env->vars[i]);
			env->vars[i] = var;
			return 0;
		}
	}
	if (env->count == HOOK_ENV_MAX) {
		free(var);
		return error_set("%s: more than %d hook variables", name, HOOK_ENV_MAX);
	}
	env->vars[env->count++] = var;
	return 0;
}

/* see hook.h */
int
hook_env_cert(struct hook_env *env, const char *name, const char *domains, const char *live_dir)
{
	if (hook_env_add(env, "KEEPCERT_NAME", name) != 0 ||
	    hook_env_add(env, "KEEPCERT_DOMAINS", domains) != 0 ||
	    hook_env_add(env, "KEEPCERT_LIVE_DIR", live_dir) != 0 ||
	    hook_env_add(env, "RENEWED_LINEAGE", live_dir) != 0 ||
	    hook_env_add(env, "RENEWED_DOMAINS", domains) != 0)
		return -1;
	return 0;
}

/* see hook.h */
void
hook_env_free(struct hook_env *env)
{
	size_t i;

	for (i = 0; i < env->count; i++)
		free(env->vars[i]);
	env->count = 0;
}

/* see hook.h */
void
hook_result_free(struct hook_result *result)
{
	buf_free(&result->output);
}

/* Is VAR ("NAME=VALUE") one whose NAME ENV sets? */
static int
env_overrides(const struct hook_env *env, const char *var)
{
	size_t i, len = strcspn(var, "=");

	for (i = 0; env != NULL && i < env->count; i++)
		if (strncmp(env->vars[i], var, len) == 0 && env->vars[i][len] == '=')
			return 1;
	return 0;
}

/* Build the child's environment: ours without the names ENV sets, then ENV. */
static char **
build_envp(const struct hook_env *env)
{
	size_t n = 0, i, k = 0;
	char **envp;

	while (environ != NULL && environ[n] != NULL && n < ENVIRON_MAX)
		n++;
	envp = calloc(n + (env != NULL ? env->count : 0) + 1, sizeof(*envp));
	if (envp == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (!env_overrides(env, environ[i]))
			envp[k++] = environ[i];
	for (i = 0; env != NULL && i < env->count; i++)
		envp[k++] = env->vars[i];
	envp[k] = NULL;
	return envp;
}

/* In the child: wire up stdin and stdout/stderr, leave our signal setup behind, exec the shell. */
static void
exec_child(const char *command, char **envp, int in_fd, int out_fd)
{
	char *argv[] = { "sh", "-c", (char *)command, NULL };
	sigset_t none;

	setpgid(0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);

	if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0)
		_exit(127);
	if (in_fd > 2)
		close(in_fd);
	if (out_fd > 2)
		close(out_fd);
	execve("/bin/sh", argv, envp);
	_exit(127);
}

/* Append what is readable on FD to RESULT; returns 0 at end of file, 1 for more, -1 on error. */
static int
read_output(int fd, struct hook_result *result)
{
	char chunk[4096];
	ssize_t n;
	size_t keep;

	n = read(fd, chunk, sizeof(chunk));
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : -1;
	if (n == 0)
		return 0;

	/* Past the cap the output is still read, so the hook never blocks on a full pipe. */
	keep = (size_t)n;
	if (result->output.len + keep > HOOK_OUTPUT_MAX) {
		keep = HOOK_OUTPUT_MAX - result->output.len;
		result->truncated = 1;
	}
	buf_append(&result->output, chunk, keep);
	return 1;
}

/* Write more of the input to FD; returns 1 while input remains, 0 when all is written or the reader left. */
static int
write_input(int fd, const char *input, size_t len, size_t *done)
{
	ssize_t n;

	n = write(fd, input + *done, len - *done);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : 0;
	*done += (size_t)n;
	return *done < len;
}

/* Signal the process group PID with SIGTERM, then SIGKILL after a grace period, and reap PID. */
static int
kill_group(pid_t pid)
{
	long long deadline = clock_ms() + HOOK_KILL_GRACE_MS;
	struct timespec pause = { 0, 20 * 1000000L };
	int status;

	kill(-pid, SIGTERM);
	while (clock_ms() < deadline) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			/* The shell is gone; anything it left running in its group goes too. */
			kill(-pid, SIGKILL);
			return status;
		}
		nanosleep(&pause, NULL);
	}
	kill(-pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

/*
 * Feed the input, collect the output and wait for the shell PID until
 * DEADLINE. Returns the wait status, with *TIMED_OUT set when the deadline
 * passed first.
 */
static int
supervise(pid_t pid, int in_fd, int out_fd, const char *input, size_t input_len, long long deadline,
    struct hook_result *result)
{
	struct pollfd fds[2];
	size_t written = 0;
	long long left;
	int status = 0, exited = 0, nfds;

	for (;;) {
		if (!exited && waitpid(pid, &status, WNOHANG) == pid)
			exited = 1;
		left = deadline - clock_ms();
		if (!exited && left <= 0) {
			result->timed_out = 1;
			return kill_group(pid);
		}

		nfds = 0;
		fds[nfds].fd = out_fd;
		fds[nfds++].events = POLLIN;
		if (in_fd >= 0) {
			fds[nfds].fd = in_fd;
			fds[nfds++].events = POLLOUT;
		}

		/*
		 * Once the shell has exited, read only what is already buffered: a
		 * background process it started may hold the pipe open for hours.
		 */
		if (poll(fds, (nfds_t)nfds, exited ? 0 : (int)(left < 100 ? left : 100)) < 0 &&
		    errno != EINTR)
			break;
		if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (read_output(out_fd, result) <= 0)
				break;
			continue;
		}
		if (in_fd >= 0 && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
			if (write_input(in_fd, input, input_len, &written) == 0) {
				close(in_fd);
				in_fd = -1;
			}
			continue;
		}
		if (exited)
			break;
	}

	if (in_fd >= 0)
		close(in_fd);
	if (!exited) {
		while (waitpid(pid, &status, WNOHANG) != pid) {
			struct timespec pause = { 0, 20 * 1000000L };

			if (clock_ms() >= deadline) {
				result->timed_out = 1;
				return kill_group(pid);
			}
			nanosleep(&pause, NULL);
		}
	}
	return status;
}

/* see hook.h */
int
hook_run(const char *command, const struct hook_env *env, const char *input, size_t input_len,
    int timeout, struct hook_result *result)
{
	int out_pipe[2] = { -1, -1 }, in_pipe[2] = { -1, -1 }, status, in_fd;
	struct sigaction ignore = { .sa_handler = SIG_IGN }, saved;
	char **envp;
	pid_t pid;

	memset(result, 0, sizeof(*result));
	result->output.limit = HOOK_OUTPUT_MAX;
	envp = build_envp(env);
	if (envp == NULL)
		return error_set("%s: out of memory", command);

	if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(in_pipe, O_CLOEXEC) != 0) {
		error_set("cannot create a pipe for '%s': %s", command, strerror(errno));
		goto fail;
	}
	if (input == NULL) {
		/* /dev/null as stdin: close our end at once, so the hook reads end of file. */
		close(in_pipe[1]);
		in_pipe[1] = -1;
	}

	pid = fork();
	if (pid < 0) {
		error_set("cannot start '%s': fork failed: %s", command, strerror(errno));
		goto fail;
	}
	if (pid == 0)
		exec_child(command, envp, in_pipe[0], out_pipe[1]);

	/* Both sides call setpgid, so the group exists before either needs it. */
	setpgid(pid, pid);
	free(envp);
	envp = NULL;
	close(out_pipe[1]);
	close(in_pipe[0]);
	in_fd = in_pipe[1];
	if (in_fd >= 0)
		fcntl(in_fd, F_SETFL, O_NONBLOCK);
	fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);

	/* A command that exits without reading its input must give EPIPE, not kill us. */
	sigaction(SIGPIPE, &ignore, &saved);
	status = supervise(pid, in_fd, out_pipe[0], input, input_len,
	    clock_ms() + (long long)timeout * 1000, result);
	sigaction(SIGPIPE, &saved, NULL);
	close(out_pipe[0]);

	if (result->timed_out)
		result->status = -1;
	else if (WIFEXITED(status))
		result->status = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		result->status = 128 + WTERMSIG(status);
	else
		result->status = -1;
	return 0;

fail:
	free(envp);
	if (out_pipe[0] >= 0) {
		close(out_pipe[0]);
		close(out_pipe[1]);
	}
	if (in_pipe[0] >= 0)
		close(in_pipe[0]);
	if (in_pipe[1] >= 0)
		close(in_pipe[1]);
	return -1;
}

/* see hook.h */
void
hook_log_output(int level, const char *label, const char *output, size_t len)
{
	const char *p = output, *end = output + len, *eol;
	int line_len;

	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		line_len = (int)(eol - p);
		if (line_len > 0 && p[line_len - 1] == '\r')
			line_len--;
		if (line_len > 0)
			log_msg(level, "%s: %.*s", label, line_len, p);
		p = eol + 1;
	}
}

/* Append a header value with control bytes replaced by spaces. */
static void
put_header(struct buf *out, const char *name, const char *value)
{
	const char *p;

	buf_puts(out, name);
	buf_puts(out, ": ");
	for (p = value; *p != '\0'; p++)
		buf_putc(out, ((unsigned char)*p < 0x20 || *p == 0x7f) ? ' ' : *p);
	buf_puts(out, "\n");
}

/* The maximum body line length before a wrap, as RFC 5322 section 2.1.1 allows. */
#define MAIL_LINE_MAX 998

/* see hook.h */
int
hook_mail_format(struct buf *out, const char *to, const char *subject, const char *body, long long now)
{
	const char *p, *eol, *end;
	time_t t = (time_t)now;
	char date[64];
	struct tm tm;
	size_t len;

	/* RFC 5322 section 3.3 date, in UTC so that it needs no time zone data. */
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);

	if (to != NULL)
		put_header(out, "To", to);
	put_header(out, "Subject", subject);
	put_header(out, "Date", date);
	/* RFC 3834: an automatic message, so vacation responders stay quiet. */
	put_header(out, "Auto-Submitted", "auto-generated");
	put_header(out, "MIME-Version", "1.0");
	put_header(out, "Content-Type", "text/plain; charset=utf-8");
	put_header(out, "Content-Transfer-Encoding", "8bit");
	buf_puts(out, "\n");

	end = body + strlen(body);
	for (p = body; p < end; p = eol + 1) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		len = (size_t)(eol - p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (len == 1 && p[0] == '.') {
			buf_puts(out, ". \n");
			continue;
		}
		while (len > MAIL_LINE_MAX) {
			buf_append(out, p, MAIL_LINE_MAX);
			buf_puts(out, "\n");
			p += MAIL_LINE_MAX;
			len -= MAIL_LINE_MAX;
		}
		buf_append(out, p, len);
		buf_puts(out, "\n");
	}
	return out->failed ? -1 : 0;
}

/* see hook.h */
int
hook_notify(const char *command, const char *to, const char *subject, const char *body, int timeout)
{
	struct buf mail = { 0 };
	struct hook_result result;
	char first[200];
	size_t first_len;
	int rc;

	if (hook_mail_format(&mail, to, subject, body, (long long)time(NULL)) != 0) {
		buf_free(&mail);
		return error_set("notify: the mail is too large");
	}
	rc = hook_run(command, NULL, mail.data, mail.len, timeout, &result);
	buf_free(&mail);
	if (rc != 0)
		return error_prefix("notify");

	if (result.status != 0) {
		first_len = result.output.len > 0 ? strcspn(result.output.data, "\n") : 0;
		log_sanitize(first, sizeof(first), result.output.data != NULL ? result.output.data : "",
		    first_len);
		if (result.timed_out)
			error_set("notify: '%s' timed out after %d s", command, timeout);
		else
			error_set("notify: '%s' exited with status %d%s%s", command, result.status,
			    first_len > 0 ? ": " : "", first);
		hook_result_free(&result);
		return -1;
	}
	hook_result_free(&result);
	return 0;
}
