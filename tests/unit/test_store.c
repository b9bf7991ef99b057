#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "store.h"
#include "unit.h"

/* A fresh directory under the run's scratch directory. */
static const char *
scratch(const char *name)
{
	static char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/store-%s", unit_tmpdir(), name);
	if (store_mkdirs(path, 0700) != 0)
		unit_fail(__FILE__, __LINE__, "store_mkdirs %s: %s", path, error_text());
	return path;
}

static char *
slurp(const char *path)
{
	char *data = NULL;
	size_t len;

	if (store_read_file(path, 1 << 20, &data, &len) != 0)
		return NULL;
	return data;
}

/* The target of the symlink PATH, or "" when PATH is not a symlink. */
static const char *
link_target(const char *path)
{
	static char target[PATH_MAX];
	ssize_t n = readlink(path, target, sizeof(target) - 1);

	target[n > 0 ? n : 0] = '\0';
	return target;
}

static int
exists(const char *dir, const char *leaf)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, leaf);
	return lstat(path, &st) == 0;
}

/* The number of entries in DIR other than "." and "..". */
static int
count_entries(const char *dir)
{
	struct dirent *e;
	int n = 0;
	DIR *d = opendir(dir);

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static mode_t
mode_of(const char *dir, const char *leaf)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, leaf);
	if (stat(path, &st) != 0)
		return (mode_t)-1;
	return st.st_mode & 07777;
}

static struct store_cert_files
files_for(const char *tag)
{
	static char key[64], cert[64], chain[64];
	struct store_cert_files f;

	snprintf(key, sizeof(key), "KEY %s\n", tag);
	snprintf(cert, sizeof(cert), "CERT %s\n", tag);
	snprintf(chain, sizeof(chain), "CHAIN %s\n", tag);
	f.privkey = key;
	f.privkey_len = strlen(key);
	f.cert = cert;
	f.cert_len = strlen(cert);
	f.chain = chain;
	f.chain_len = strlen(chain);
	return f;
}

TEST(store_name_validation)
{
	static const char *const good[] = { "example.org", "mail_1", "a", "www-2.example.org" };
	static const char *const bad[] = { "", ".", "..", "../etc", "a/b", ".hidden", "-rf", "a b",
		"x\n", "0123456789012345678901234567890123456789012345678901234567890123456789" };
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!CHECK_INT(store_check_name(good[i]), 0))
			fprintf(stderr, "  name '%s': %s\n", good[i], error_text());
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!CHECK_INT(store_check_name(bad[i]), -1))
			fprintf(stderr, "  name '%s' accepted\n", bad[i]);
}

TEST(store_write_file_exact_mode)
{
	const char *dir = scratch("write");
	char path[PATH_MAX], *data;

	snprintf(path, sizeof(path), "%s/file", dir);
	CHECK_INT(store_write_file(path, "one", 3, 0640), 0);
	CHECK_INT(mode_of(dir, "file"), 0640);
	data = slurp(path);
	CHECK_STR(data, "one");
	free(data);

	/* Replacing keeps no temporary file behind and takes the new mode. */
	CHECK_INT(store_write_file(path, "second", 6, 0600), 0);
	CHECK_INT(mode_of(dir, "file"), 0600);
	data = slurp(path);
	CHECK_STR(data, "second");
	free(data);
	CHECK_INT(count_entries(dir), 1);
}

TEST(store_write_file_missing_dir)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/no-such-dir/file", unit_tmpdir());
	CHECK_INT(store_write_file(path, "x", 1, 0600), -1);
	/* The message names the directory that is missing, not the temporary file. */
	CHECK(strstr(error_text(), "no-such-dir: No such file") != NULL);
	CHECK(strstr(error_text(), ".tmp.") == NULL);
}

TEST(store_read_file_cap)
{
	const char *dir = scratch("read");
	char path[PATH_MAX], *data = NULL;
	size_t len = 99;

	snprintf(path, sizeof(path), "%s/ten", dir);
	CHECK_INT(store_write_file(path, "0123456789", 10, 0600), 0);
	CHECK_INT(store_read_file(path, 10, &data, &len), 0);
	CHECK_INT(len, 10);
	CHECK_STR(data, "0123456789");
	free(data);

	CHECK_INT(store_read_file(path, 9, &data, &len), -1);
	CHECK(data == NULL);
	CHECK(strstr(error_text(), "larger than 9 bytes") != NULL);

	snprintf(path, sizeof(path), "%s/missing", dir);
	CHECK_INT(store_read_file(path, 10, &data, &len), -1);
	CHECK(strstr(error_text(), "No such file") != NULL);

	CHECK_INT(store_read_file(dir, 10, &data, &len), -1);
	CHECK(strstr(error_text(), "not a regular file") != NULL);
}

TEST(store_mkdirs_nested)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/mk/a/b/c", unit_tmpdir());
	CHECK_INT(store_mkdirs(path, 0700), 0);
	CHECK_INT(stat(path, &st), 0);
	CHECK(S_ISDIR(st.st_mode));
	CHECK_INT(store_mkdirs(path, 0700), 0);

	snprintf(path, sizeof(path), "%s/mk/a/file", unit_tmpdir());
	CHECK_INT(store_write_file(path, "x", 1, 0600), 0);
	snprintf(path, sizeof(path), "%s/mk/a/file/sub", unit_tmpdir());
	CHECK_INT(store_mkdirs(path, 0700), -1);
	CHECK(strstr(error_text(), "not a directory") != NULL);
}

TEST(store_install_versions_and_prune)
{
	const char *state = scratch("install");
	struct store_cert_files f;
	char dir[PATH_MAX], path[PATH_MAX], *data;

	CHECK_INT(store_cert_path(dir, sizeof(dir), state, "example.org", NULL), 0);

	f = files_for("1");
	CHECK_INT(store_install(state, "example.org", &f), 1);
	snprintf(path, sizeof(path), "%s/live", dir);
	CHECK_STR(link_target(path), "v1");

	f = files_for("2");
	CHECK_INT(store_install(state, "example.org", &f), 2);
	CHECK_STR(link_target(path), "v2");
	CHECK(exists(dir, "v1"));

	f = files_for("3");
	CHECK_INT(store_install(state, "example.org", &f), 3);
	CHECK_STR(link_target(path), "v3");
	CHECK(exists(dir, "v2"));
	CHECK(!exists(dir, "v1"));
	CHECK(!exists(dir, ".live.new"));

	snprintf(path, sizeof(path), "%s/live/fullchain.pem", dir);
	data = slurp(path);
	CHECK_STR(data, "CERT 3\nCHAIN 3\n");
	free(data);
	snprintf(path, sizeof(path), "%s/live/privkey.pem", dir);
	data = slurp(path);
	CHECK_STR(data, "KEY 3\n");
	free(data);
	snprintf(path, sizeof(path), "%s/v2/cert.pem", dir);
	data = slurp(path);
	CHECK_STR(data, "CERT 2\n");
	free(data);

	CHECK_INT(mode_of(dir, "live/privkey.pem"), 0600);
	CHECK_INT(mode_of(dir, "live/cert.pem"), 0644);
	CHECK_INT(mode_of(dir, "live/chain.pem"), 0644);
	CHECK_INT(mode_of(dir, "live/fullchain.pem"), 0644);
	CHECK_INT(mode_of(dir, "v3"), 0755);
}

TEST(store_install_keeps_key_owner_and_mode)
{
	const char *state = scratch("owner");
	struct store_cert_files f = files_for("1");
	char dir[PATH_MAX], path[PATH_MAX];
	struct stat st;
	gid_t gid = getegid();

	CHECK_INT(store_install(state, "mail.example.org", &f), 1);
	CHECK_INT(store_cert_path(dir, sizeof(dir), state, "mail.example.org", "live/privkey.pem"), 0);

	/* A key shared with a mail daemon's group: the group and 0640 must survive renewal. */
	if (geteuid() == 0)
		gid = 4242;
	CHECK_INT(chown(dir, (uid_t)-1, gid), 0);
	CHECK_INT(chmod(dir, 0640), 0);

	f = files_for("2");
	CHECK_INT(store_install(state, "mail.example.org", &f), 2);
	CHECK_INT(store_cert_path(path, sizeof(path), state, "mail.example.org", "v2/privkey.pem"), 0);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 07777, 0640);
	CHECK_INT(st.st_gid, gid);
}

TEST(store_install_failure_keeps_live)
{
	const char *state = scratch("fail");
	struct store_cert_files f = files_for("1");
	char dir[PATH_MAX], path[PATH_MAX], *data;

	CHECK_INT(store_install(state, "example.org", &f), 1);
	CHECK_INT(store_cert_path(dir, sizeof(dir), state, "example.org", NULL), 0);

	/*
	 * Block the temporary link's name with a non-empty directory: the new
	 * version is then fully written but cannot be swapped in. This works as
	 * root too, where a read-only directory would not stop anything.
	 */
	snprintf(path, sizeof(path), "%s/.live.new/x", dir);
	CHECK_INT(store_mkdirs(path, 0700), 0);
	f = files_for("2");
	CHECK_INT(store_install(state, "example.org", &f), -1);
	CHECK(strstr(error_text(), ".live.new") != NULL);
	snprintf(path, sizeof(path), "%s/live", dir);
	CHECK_STR(link_target(path), "v1");
	CHECK(!exists(dir, "v2"));
	snprintf(path, sizeof(path), "%s/live/cert.pem", dir);
	data = slurp(path);
	CHECK_STR(data, "CERT 1\n");
	free(data);

	/* Once the obstacle is gone the next install works and numbers on. */
	snprintf(path, sizeof(path), "%s/.live.new/x", dir);
	CHECK_INT(rmdir(path), 0);
	snprintf(path, sizeof(path), "%s/.live.new", dir);
	CHECK_INT(rmdir(path), 0);
	CHECK_INT(store_install(state, "example.org", &f), 2);
}

/* Install v1, make certs/NAME read-only, install again: 0 when live stayed on v1 and v2 is gone. */
static int
read_only_case(const char *state)
{
	struct store_cert_files f = files_for("1");
	char dir[PATH_MAX], path[PATH_MAX];
	int rc;

	if (store_install(state, "example.org", &f) != 1)
		return 1;
	if (store_cert_path(dir, sizeof(dir), state, "example.org", NULL) != 0 || chmod(dir, 0500) != 0)
		return 2;
	f = files_for("2");
	rc = store_install(state, "example.org", &f);
	chmod(dir, 0700);
	if (rc != -1)
		return 3;
	snprintf(path, sizeof(path), "%s/live", dir);
	if (strcmp(link_target(path), "v1") != 0)
		return 4;
	return exists(dir, "v2") ? 5 : 0;
}

TEST(store_install_read_only_dir)
{
	const char *state = scratch("readonly");
	int status;
	pid_t pid;

	/* root ignores directory permissions, so run the case as nobody then. */
	if (geteuid() != 0) {
		CHECK_INT(read_only_case(state), 0);
		return;
	}
	/* The run's scratch directory is 0700 root, so nobody gets a directory of its own. */
	char own[] = "/tmp/keepcert-store-ro.XXXXXX", command[64];

	CHECK(mkdtemp(own) != NULL);
	CHECK_INT(chown(own, 65534, 65534), 0);
	state = own;
	pid = fork();
	if (pid == 0) {
		if (setgid(65534) != 0 || setuid(65534) != 0)
			_exit(10);
		_exit(read_only_case(state));
	}
	CHECK(pid > 0);
	CHECK_INT(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status));
	CHECK_INT(WEXITSTATUS(status), 0);
	snprintf(command, sizeof(command), "rm -rf %s", own);
	CHECK_INT(system(command), 0);
}

TEST(store_install_rejects_bad_name)
{
	const char *state = scratch("badname");
	struct store_cert_files f = files_for("1");

	CHECK_INT(store_install(state, "../escape", &f), -1);
	CHECK(strstr(error_text(), "certificate name '../escape'") != NULL);
	CHECK(!exists(unit_tmpdir(), "escape"));
}

TEST(store_state_roundtrip)
{
	const char *state_dir = scratch("state");
	struct store_state in, out;

	memset(&in, 0, sizeof(in));
	in.last_attempt = 1764849600;
	in.last_result = STORE_RESULT_FAILED;
	in.failures = 3;
	in.next_retry = 1764864000;
	in.ari_start = 1767000000;
	in.ari_end = 1767172800;
	in.ari_instant = 1767100000;
	in.ari_retry_after = 1764870000;
	snprintf(in.names, sizeof(in.names), "example.org www.example.org");
	snprintf(in.key_type, sizeof(in.key_type), "ec-p256");
	snprintf(in.last_error, sizeof(in.last_error), "order failed:\nrateLimited");

	CHECK_INT(store_state_write(state_dir, "example.org", &in), 0);
	CHECK_INT(store_state_read(state_dir, "example.org", &out), 0);
	CHECK_INT(out.last_attempt, in.last_attempt);
	CHECK_INT(out.last_result, STORE_RESULT_FAILED);
	CHECK_INT(out.failures, 3);
	CHECK_INT(out.next_retry, in.next_retry);
	CHECK_INT(out.ari_start, in.ari_start);
	CHECK_INT(out.ari_end, in.ari_end);
	CHECK_INT(out.ari_instant, in.ari_instant);
	CHECK_INT(out.ari_retry_after, in.ari_retry_after);
	CHECK_STR(out.names, "example.org www.example.org");
	CHECK_STR(out.key_type, "ec-p256");
	/* The newline became '?', so the error stays one line. */
	CHECK_STR(out.last_error, "order failed:?rateLimited");
}

TEST(store_state_missing_is_zero)
{
	const char *state_dir = scratch("state-missing");
	struct store_state st;

	st.failures = 7;
	CHECK_INT(store_state_read(state_dir, "nothing.example", &st), 0);
	CHECK_INT(st.failures, 0);
	CHECK_INT(st.last_result, STORE_RESULT_NONE);
	CHECK_STR(st.names, "");
}

TEST(store_state_parse_cases)
{
	static const struct {
		const char *text;
		int rc;
		const char *message;
	} cases[] = {
		{ "", 0, NULL },
		{ "# comment\n\n  failures = 2  \r\n", 0, NULL },
		{ "future-key = whatever\nfailures=1\n", 0, NULL },
		{ "failures\n", -1, "line 1: expected 'key = value'" },
		{ "\nfailures = -1\n", -1, "line 2: key 'failures': invalid number '-1'" },
		{ "last-attempt = 12x\n", -1, "line 1: key 'last-attempt': invalid number '12x'" },
		{ "last-attempt =\n", -1, "line 1: key 'last-attempt': invalid number" },
		{ "last-result = maybe\n", -1, "line 1: key 'last-result': expected none, ok or failed" },
		{ "key-type = 0123456789012345678901234567890123456789\n", -1,
		  "line 1: key 'key-type': value is longer than 31 bytes" },
	};
	struct store_state st;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = store_state_parse(cases[i].text, strlen(cases[i].text), &st);

		if (!CHECK_INT(rc, cases[i].rc))
			fprintf(stderr, "  case %zu: %s\n", i, error_text());
		else if (cases[i].message != NULL)
			CHECK_STR(error_text(), cases[i].message);
	}
	CHECK_INT(store_state_parse("failures = 5\n", 13, &st), 0);
	CHECK_INT(st.failures, 5);
	CHECK_INT(store_state_parse("a\0b", 3, &st), -1);
}

/* Does DIR/live hold four files from one install, i.e. with the same tag? */
static int
live_is_matching(const char *dir)
{
	static const char *const leaves[] = { "privkey.pem", "cert.pem", "chain.pem", "fullchain.pem" };
	char path[PATH_MAX], *data[4] = { NULL }, tag[32];
	int ok = 1;
	size_t i;

	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/live/%s", dir, leaves[i]);
		data[i] = slurp(path);
		if (data[i] == NULL)
			ok = 0;
	}
	if (ok && sscanf(data[0], "KEY %31s", tag) == 1) {
		char want[128];

		snprintf(want, sizeof(want), "CERT %s\n", tag);
		ok = strcmp(data[1], want) == 0;
		snprintf(want, sizeof(want), "CHAIN %s\n", tag);
		ok = ok && strcmp(data[2], want) == 0;
		snprintf(want, sizeof(want), "CERT %s\nCHAIN %s\n", tag, tag);
		ok = ok && strcmp(data[3], want) == 0;
	} else {
		ok = 0;
	}
	for (i = 0; i < 4; i++)
		free(data[i]);
	return ok;
}

TEST(store_install_killed_keeps_pair)
{
	const char *state = scratch("killed");
	struct store_cert_files f = files_for("0");
	char dir[PATH_MAX];
	int round, status;
	pid_t pid;

	CHECK_INT(store_install(state, "example.org", &f), 1);
	CHECK_INT(store_cert_path(dir, sizeof(dir), state, "example.org", NULL), 0);

	/* SIGKILL a process that installs in a loop, at varied instants; live must always match. */
	for (round = 0; round < 25; round++) {
		pid = fork();
		if (pid == 0) {
			char tag[32];
			int i;

			for (i = 0;; i++) {
				snprintf(tag, sizeof(tag), "%d-%d", round, i);
				f = files_for(tag);
				store_install(state, "example.org", &f);
			}
		}
		usleep((useconds_t)(1000 + (round * 1777) % 9000));
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		if (!CHECK(live_is_matching(dir))) {
			fprintf(stderr, "  round %d: live is not a complete matching set\n", round);
			break;
		}
	}

	/* The next install cleans up whatever the kills left, except the previous version. */
	f = files_for("final");
	CHECK(store_install(state, "example.org", &f) > 0);
	CHECK(live_is_matching(dir));
	CHECK_INT(count_entries(dir), 3 + !!exists(dir, "state"));
}
