#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hook.h"
#include "log.h"
#include "store.h"
#include "unit.h"

TEST(hook_exit_status_and_output)
{
	struct hook_result r;

	CHECK_INT(hook_run("echo out; echo err >&2; exit 3", NULL, NULL, 0, 5, &r), 0);
	CHECK_INT(r.status, 3);
	CHECK_INT(r.timed_out, 0);
	CHECK_STR(r.output.data, "out\nerr\n");
	hook_result_free(&r);

	CHECK_INT(hook_run("true", NULL, NULL, 0, 5, &r), 0);
	CHECK_INT(r.status, 0);
	CHECK_INT(r.output.len, 0);
	hook_result_free(&r);

	CHECK_INT(hook_run("kill -TERM $$", NULL, NULL, 0, 5, &r), 0);
	CHECK_INT(r.status, 128 + SIGTERM);
	hook_result_free(&r);

	CHECK_INT(hook_run("/nonexistent/program", NULL, NULL, 0, 5, &r), 0);
	CHECK_INT(r.status, 127);
	hook_result_free(&r);
}

TEST(hook_env_seen)
{
	struct hook_env env = { 0 };
	struct hook_result r;

	CHECK_INT(hook_env_cert(&env, "example.org", "example.org www.example.org",
	    "/var/lib/keepcert/certs/example.org/live"), 0);
	CHECK_INT(hook_env_add(&env, "HOME", "/overridden"), 0);
	CHECK_INT(hook_env_add(&env, "KEEPCERT_NAME", "replaced.example"), 0);
	CHECK_INT(env.count, 6);
	CHECK_INT(hook_run("printf '%s|%s|%s|%s|%s|%s' \"$KEEPCERT_NAME\" \"$KEEPCERT_DOMAINS\" "
	    "\"$KEEPCERT_LIVE_DIR\" \"$RENEWED_LINEAGE\" \"$RENEWED_DOMAINS\" \"$HOME\"",
	    &env, NULL, 0, 5, &r), 0);
	CHECK_STR(r.output.data, "replaced.example|example.org www.example.org|"
	    "/var/lib/keepcert/certs/example.org/live|/var/lib/keepcert/certs/example.org/live|"
	    "example.org www.example.org|/overridden");
	hook_result_free(&r);

	/* PATH comes through from our own environment. */
	CHECK_INT(hook_run("test -n \"$PATH\"", &env, NULL, 0, 5, &r), 0);
	CHECK_INT(r.status, 0);
	hook_result_free(&r);
	hook_env_free(&env);
	CHECK_INT(env.count, 0);
}

TEST(hook_timeout_kills_group)
{
	char pidfile[512], command[1200], *text = NULL, proc[64];
	struct hook_result r;
	size_t len;
	long long start;
	long child;
	FILE *f;
	char state = '?';

	snprintf(pidfile, sizeof(pidfile), "%s/hook-bg.pid", unit_tmpdir());
	snprintf(command, sizeof(command), "sleep 60 & echo $! > %s; echo started; wait", pidfile);
	start = unit_now_ms();
	CHECK_INT(hook_run(command, NULL, NULL, 0, 1, &r), 0);
	CHECK_INT(r.timed_out, 1);
	CHECK_INT(r.status, -1);
	CHECK_STR(r.output.data, "started\n");
	CHECK(unit_now_ms() - start < 5000);
	CHECK(unit_now_ms() - start >= 900);
	hook_result_free(&r);

	/* The background sleep was in the hook's process group: it is gone too. */
	CHECK_INT(store_read_file(pidfile, 32, &text, &len), 0);
	child = text != NULL ? atol(text) : 0;
	free(text);
	CHECK(child > 0);
	usleep(200 * 1000);
	snprintf(proc, sizeof(proc), "/proc/%ld/stat", child);
	f = fopen(proc, "r");
	if (f != NULL) {
		/* Only a zombie waiting for its new parent to reap it may remain. */
		if (fscanf(f, "%*d (%*[^)]) %c", &state) != 1)
			state = '?';
		fclose(f);
		CHECK_INT(state, 'Z');
	}
}

TEST(hook_background_child_does_not_block)
{
	struct hook_result r;
	long long start = unit_now_ms();

	/* The shell exits at once; its background child keeps stdout open for 30 s. */
	CHECK_INT(hook_run("sleep 30 & echo done", NULL, NULL, 0, 10, &r), 0);
	CHECK_INT(r.timed_out, 0);
	CHECK_INT(r.status, 0);
	CHECK_STR(r.output.data, "done\n");
	CHECK(unit_now_ms() - start < 3000);
	hook_result_free(&r);
}

TEST(hook_output_bounded)
{
	struct hook_result r;

	CHECK_INT(hook_run("head -c 200000 /dev/zero | tr '\\0' x; echo end >&2", NULL, NULL, 0, 10, &r), 0);
	CHECK_INT(r.status, 0);
	CHECK_INT(r.truncated, 1);
	CHECK_INT(r.output.len, HOOK_OUTPUT_MAX);
	CHECK_INT(r.output.failed, 0);
	hook_result_free(&r);
}

TEST(hook_input_on_stdin)
{
	static char big[300000];
	struct hook_result r;

	CHECK_INT(hook_run("tr a-z A-Z", NULL, "hello\n", 6, 5, &r), 0);
	CHECK_STR(r.output.data, "HELLO\n");
	hook_result_free(&r);

	/* More input than a pipe buffers, while the output is read at the same time. */
	memset(big, 'y', sizeof(big));
	CHECK_INT(hook_run("wc -c", NULL, big, sizeof(big), 10, &r), 0);
	CHECK_INT(atol(r.output.data != NULL ? r.output.data : "0"), sizeof(big));
	hook_result_free(&r);

	/* A command that ignores its input gets EPIPE on our side, not a dead keepcert. */
	CHECK_INT(hook_run("exit 0", NULL, big, sizeof(big), 5, &r), 0);
	CHECK_INT(r.status, 0);
	hook_result_free(&r);

	/* Without input, stdin is at end of file at once. */
	CHECK_INT(hook_run("cat; echo eof", NULL, NULL, 0, 5, &r), 0);
	CHECK_STR(r.output.data, "eof\n");
	hook_result_free(&r);
}

TEST(hook_mail_format_headers)
{
	struct buf mail = { 0 };

	CHECK_INT(hook_mail_format(&mail, "admin@example.org", "renewal failed\r\nBcc: x@evil.example",
	    "line one\r\n.\nlast", 1764849600), 0);
	CHECK_STR(mail.data,
	    "To: admin@example.org\n"
	    "Subject: renewal failed  Bcc: x@evil.example\n"
	    "Date: Thu, 04 Dec 2025 12:00:00 +0000\n"
	    "Auto-Submitted: auto-generated\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: 8bit\n"
	    "\n"
	    "line one\n"
	    ". \n"
	    "last\n");
	buf_free(&mail);

	CHECK_INT(hook_mail_format(&mail, NULL, "s", "", 0), 0);
	CHECK(strncmp(mail.data, "Subject: s\n", 11) == 0);
	buf_free(&mail);
}

TEST(hook_mail_wraps_long_lines)
{
	struct buf mail = { 0 };
	char body[2100];
	const char *blank;

	memset(body, 'a', 2000);
	body[2000] = '\0';
	CHECK_INT(hook_mail_format(&mail, NULL, "s", body, 0), 0);
	blank = strstr(mail.data, "\n\n");
	if (CHECK(blank != NULL)) {
		blank += 2;
		CHECK_INT(strcspn(blank, "\n"), 998);
		CHECK_INT(strcspn(blank + 999, "\n"), 998);
		CHECK_INT(strcspn(blank + 999 + 999, "\n"), 4);
	}
	buf_free(&mail);
}

TEST(hook_notify_pipes_mail)
{
	char path[512], command[1200], *text = NULL;
	size_t len;

	snprintf(path, sizeof(path), "%s/hook-mail.txt", unit_tmpdir());
	snprintf(command, sizeof(command), "cat > %s", path);
	CHECK_INT(hook_notify(command, "root@example.org", "keepcert: test", "body\n", 5), 0);
	CHECK_INT(store_read_file(path, 4096, &text, &len), 0);
	if (CHECK(text != NULL)) {
		CHECK(strncmp(text, "To: root@example.org\nSubject: keepcert: test\n", 45) == 0);
		CHECK(strstr(text, "\n\nbody\n") != NULL);
	}
	free(text);

	CHECK_INT(hook_notify("cat >/dev/null; echo 'mail: no route' >&2; exit 75", NULL, "s", "b", 5), -1);
	CHECK_STR(error_text(), "notify: 'cat >/dev/null; echo 'mail: no route' >&2; exit 75' exited with "
	    "status 75: mail: no route");
}

TEST(hook_log_output_lines)
{
	static const char output[] = "first\r\n\nsecond\x07 bell\nlast without newline";
	char path[512], *text = NULL;
	int saved, fd, level = log_max_level;
	size_t len;

	/* Capture stderr in a file while the lines are logged. */
	snprintf(path, sizeof(path), "%s/hook-log.txt", unit_tmpdir());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	close(fd);
	log_max_level = LOG_INFO;
	unsetenv("JOURNAL_STREAM");
	hook_log_output(LOG_INFO, "deploy example.org", output, sizeof(output) - 1);
	hook_log_output(LOG_DEBUG, "hidden", "not shown\n", 10);
	log_max_level = level;
	fflush(stderr);
	dup2(saved, 2);
	close(saved);

	CHECK_INT(store_read_file(path, 4096, &text, &len), 0);
	CHECK_STR(text, "keepcert: deploy example.org: first\n"
	    "keepcert: deploy example.org: second? bell\n"
	    "keepcert: deploy example.org: last without newline\n");
	free(text);
}
