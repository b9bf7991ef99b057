#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "store.h"

/* Version directories are v1, v2, ...; a number this large means a damaged directory. */
#define VERSION_MAX 999999999L

/* The temporary name of the new live symlink before it is renamed over "live". */
#define LIVE_TEMP ".live.new"

/* see store.h */
int
store_check_name(const char *name)
{
	size_t i, len = strlen(name);

	if (len == 0)
		return error_set("certificate name is empty; use the first domain name, e.g. example.org");
	if (len > STORE_NAME_MAX)
		return error_set("certificate name '%.*s...' is longer than %d bytes", 16, name, STORE_NAME_MAX);
	if (name[0] == '.' || name[0] == '-')
		return error_set("certificate name '%s' starts with '%c'; start it with a letter or digit",
		    name, name[0]);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '-' || c == '_')
			continue;
		return error_set("certificate name '%s' contains an invalid character at offset %zu; "
		    "use letters, digits, '.', '-' and '_'", name, i);
	}
	return 0;
}

/* see store.h */
int
store_cert_path(char *dst, size_t cap, const char *state_dir, const char *name, const char *leaf)
{
	int n;

	if (leaf != NULL)
		n = snprintf(dst, cap, "%s/certs/%s/%s", state_dir, name, leaf);
	else
		n = snprintf(dst, cap, "%s/certs/%s", state_dir, name);
	if (n < 0 || (size_t)n >= cap)
		return error_set("%s/certs/%s: path is too long", state_dir, name);
	return 0;
}

/* see store.h */
int
store_mkdirs(const char *dir, mode_t mode)
{
	char path[PATH_MAX];
	struct stat st;
	size_t len = strlen(dir), i;

	if (len == 0 || len >= sizeof(path))
		return error_set("'%s': invalid directory path", dir);
	memcpy(path, dir, len + 1);

	/* Create each prefix ending before a '/', then the whole path. */
	for (i = 1; i <= len; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, mode) != 0 && errno != EEXIST)
			return error_set("%s: cannot create directory: %s", path, strerror(errno));
		if (stat(path, &st) != 0)
			return error_set("%s: %s", path, strerror(errno));
		if (!S_ISDIR(st.st_mode))
			return error_set("%s: exists and is not a directory", path);
		if (i < len)
			path[i] = '/';
	}
	return 0;
}

/* see store.h */
int
store_check_state_dir(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) != 0)
		return errno == ENOENT ? 0 : error_set("state directory %s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return error_set("state directory %s exists and is not a directory", dir);
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return error_set("state directory %s is writable by group or others (mode %04o), so they "
		    "could replace keys and certificates; run 'chmod 0700 %s'", dir,
		    (unsigned)(st.st_mode & 07777), dir);
	return 0;
}

/* Write all of DATA to FD, retrying short writes. Returns 0 or -1 with errno set. */
static int
write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* fsync the directory at PATH, so that a rename or a new entry in it is durable. */
static int
fsync_dir(const char *path)
{
	int fd, rc;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return error_set("%s: cannot open directory: %s", path, strerror(errno));
	rc = fsync(fd);
	if (rc != 0)
		error_set("%s: fsync failed: %s", path, strerror(errno));
	close(fd);
	return rc == 0 ? 0 : -1;
}

/* The directory part of PATH, into DST; "." when PATH has no '/'. */
static int
dir_of(char *dst, size_t cap, const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t len;

	if (slash == NULL) {
		snprintf(dst, cap, ".");
		return 0;
	}
	len = slash == path ? 1 : (size_t)(slash - path);
	if (len >= cap)
		return error_set("%s: path is too long", path);
	memcpy(dst, path, len);
	dst[len] = '\0';
	return 0;
}

/* see store.h */
int
store_write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	char temp[PATH_MAX], dir[PATH_MAX];
	int fd = -1, attempt, n;

	if (dir_of(dir, sizeof(dir), path) != 0)
		return -1;

	/* O_EXCL: a stale temporary file from a crashed run is never reused as is. */
	for (attempt = 0; attempt < 100; attempt++) {
		n = snprintf(temp, sizeof(temp), "%s.tmp.%ld.%d", path, (long)getpid(), attempt);
		if (n < 0 || (size_t)n >= sizeof(temp))
			return error_set("%s: path is too long", path);
		fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode & 07777);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0)
		return error_set("cannot write %s: cannot create a file in %s: %s", path, dir, strerror(errno));

	/* The umask has narrowed the mode given to open(); set it exactly. */
	if (fchmod(fd, mode & 07777) != 0 || write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		error_set("%s: cannot write: %s", temp, strerror(errno));
		close(fd);
		unlink(temp);
		return -1;
	}
	if (close(fd) != 0) {
		error_set("%s: cannot write: %s", temp, strerror(errno));
		unlink(temp);
		return -1;
	}
	if (rename(temp, path) != 0) {
		error_set("%s: cannot rename into place: %s", path, strerror(errno));
		unlink(temp);
		return -1;
	}
	return fsync_dir(dir);
}

/* see store.h */
int
store_read_file(const char *path, size_t max, char **data, size_t *len)
{
	struct stat st;
	char *p;
	size_t got = 0;
	ssize_t n = 0;
	int fd;

	*data = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set("%s: cannot open: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return error_set("%s: not a regular file", path);
	}
	if ((unsigned long long)st.st_size > max) {
		close(fd);
		return error_set("%s: file is larger than %zu bytes", path, max);
	}

	p = malloc(max + 1);
	if (p == NULL) {
		close(fd);
		return error_set("%s: out of memory", path);
	}

	/* Read up to one byte past MAX, so a file that grew since fstat() is still caught. */
	for (;;) {
		n = read(fd, p + got, max + 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (got > max)
			break;
	}
	close(fd);
	if (n < 0 || got > max) {
		if (n < 0)
			error_set("%s: read failed: %s", path, strerror(errno));
		else
			error_set("%s: file is larger than %zu bytes", path, max);
		explicit_bzero(p, got);
		free(p);
		return -1;
	}
	p[got] = '\0';
	*data = p;
	*len = got;
	return 0;
}

/* Parse "vN" into N; 0 when ENTRY is not a version directory name. */
static long
version_of(const char *entry)
{
	char *end;
	long n;

	if (entry[0] != 'v' || entry[1] < '1' || entry[1] > '9')
		return 0;
	errno = 0;
	n = strtol(entry + 1, &end, 10);
	if (*end != '\0' || errno != 0 || n > VERSION_MAX)
		return 0;
	return n;
}

/* The largest N of the vN entries in DIR, 0 when there is none. Returns -1 on error. */
static long
max_version(const char *dir)
{
	struct dirent *e;
	long max = 0, n;
	DIR *d;

	d = opendir(dir);
	if (d == NULL)
		return error_set("%s: cannot list: %s", dir, strerror(errno));
	while ((e = readdir(d)) != NULL) {
		n = version_of(e->d_name);
		if (n > max)
			max = n;
	}
	closedir(d);
	return max;
}

/* The version that DIR/live points at, 0 when live is missing or not a vN link. */
static long
live_version(const char *dir)
{
	char path[PATH_MAX], target[64];
	ssize_t n;

	if (snprintf(path, sizeof(path), "%s/live", dir) >= (int)sizeof(path))
		return 0;
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return 0;
	target[n] = '\0';
	return version_of(target);
}

/*
 * Remove the version directory DIR/ENTRY and the files in it. Version
 * directories hold only the four PEM files, so this does not recurse.
 */
static int
remove_version(const char *dir, const char *entry)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d;
	int dfd, rc = 0;

	if (snprintf(path, sizeof(path), "%s/%s", dir, entry) >= (int)sizeof(path))
		return error_set("%s/%s: path is too long", dir, entry);
	d = opendir(path);
	if (d == NULL)
		return error_set("%s: cannot list: %s", path, strerror(errno));
	dfd = dirfd(d);
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (unlinkat(dfd, e->d_name, 0) != 0 && rc == 0)
			rc = error_set("%s/%s: cannot remove: %s", path, e->d_name, strerror(errno));
	}
	closedir(d);
	if (rc == 0 && rmdir(path) != 0)
		rc = error_set("%s: cannot remove: %s", path, strerror(errno));
	return rc;
}

/* Remove every vN in DIR except KEEP_A and KEEP_B. Returns 0, or -1 for the first failure. */
static int
prune_versions(const char *dir, long keep_a, long keep_b)
{
	struct dirent *e;
	int rc = 0;
	long n;
	DIR *d;

	d = opendir(dir);
	if (d == NULL)
		return error_set("%s: cannot list: %s", dir, strerror(errno));
	while ((e = readdir(d)) != NULL) {
		n = version_of(e->d_name);
		if (n == 0 || n == keep_a || n == keep_b)
			continue;
		if (remove_version(dir, e->d_name) != 0 && rc == 0)
			rc = -1;
	}
	closedir(d);
	return rc;
}

/* Write one new file NAME in the directory DFD: exclusive create, MODE, owner, fsync. */
static int
write_new_file(int dfd, const char *dir, const char *name, const char *data, size_t len,
    mode_t mode, uid_t uid, gid_t gid)
{
	int fd;

	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return error_set("%s/%s: cannot create: %s", dir, name, strerror(errno));

	/* Owner first, then mode: fchown() clears the setuid and setgid bits. */
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) && fchown(fd, uid, gid) != 0) {
		error_set("%s/%s: cannot give it the owner of the previous version (%ld:%ld): %s",
		    dir, name, (long)uid, (long)gid, strerror(errno));
		close(fd);
		return -1;
	}
	if (fchmod(fd, mode) != 0 || write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		error_set("%s/%s: cannot write: %s", dir, name, strerror(errno));
		close(fd);
		return -1;
	}
	if (close(fd) != 0)
		return error_set("%s/%s: cannot write: %s", dir, name, strerror(errno));
	return 0;
}

/*
 * The owner, group and mode for the new privkey.pem: those of the live one,
 * so that a key shared with a daemon's group (chgrp ssl-cert, chmod 0640)
 * stays readable after renewal; 0600 and no change of owner otherwise.
 */
static void
privkey_owner(const char *dir, uid_t *uid, gid_t *gid, mode_t *mode)
{
	char path[PATH_MAX];
	struct stat st;

	*uid = (uid_t)-1;
	*gid = (gid_t)-1;
	*mode = 0600;
	if (snprintf(path, sizeof(path), "%s/live/privkey.pem", dir) >= (int)sizeof(path))
		return;
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return;
	*mode = st.st_mode & 07777;
	if (st.st_uid != geteuid())
		*uid = st.st_uid;
	if (st.st_gid != getegid())
		*gid = st.st_gid;
}

/* Write the four PEM files into the new, empty directory VDIR and fsync it. */
static int
write_version(const char *vdir, const char *dir, const struct store_cert_files *files)
{
	char *fullchain;
	size_t full_len;
	mode_t key_mode;
	uid_t uid;
	gid_t gid;
	int dfd, rc;

	dfd = open(vdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return error_set("%s: cannot open directory: %s", vdir, strerror(errno));

	privkey_owner(dir, &uid, &gid, &key_mode);
	rc = write_new_file(dfd, vdir, "privkey.pem", files->privkey, files->privkey_len, key_mode,
	    uid, gid);

	/* Certificates are public: 0644 lets daemons that drop privileges read them. */
	if (rc == 0)
		rc = write_new_file(dfd, vdir, "cert.pem", files->cert, files->cert_len, 0644,
		    (uid_t)-1, (gid_t)-1);
	if (rc == 0)
		rc = write_new_file(dfd, vdir, "chain.pem", files->chain, files->chain_len, 0644,
		    (uid_t)-1, (gid_t)-1);

	if (rc == 0) {
		full_len = files->cert_len + files->chain_len;
		fullchain = malloc(full_len + 1);
		if (fullchain == NULL) {
			rc = error_set("%s: out of memory", vdir);
		} else {
			memcpy(fullchain, files->cert, files->cert_len);
			memcpy(fullchain + files->cert_len, files->chain, files->chain_len);
			rc = write_new_file(dfd, vdir, "fullchain.pem", fullchain, full_len, 0644,
			    (uid_t)-1, (gid_t)-1);
			free(fullchain);
		}
	}

	if (rc == 0 && fsync(dfd) != 0)
		rc = error_set("%s: fsync failed: %s", vdir, strerror(errno));
	close(dfd);
	return rc;
}

/* Point DIR/live at vN: a new symlink under a temporary name, renamed over live. */
static int
swap_live(const char *dir, long version)
{
	char temp[PATH_MAX], live[PATH_MAX], target[32];

	snprintf(target, sizeof(target), "v%ld", version);
	if (snprintf(temp, sizeof(temp), "%s/" LIVE_TEMP, dir) >= (int)sizeof(temp) ||
	    snprintf(live, sizeof(live), "%s/live", dir) >= (int)sizeof(live))
		return error_set("%s: path is too long", dir);

	/* A temporary link left by a crashed run is stale: live itself was never touched. */
	if (unlink(temp) != 0 && errno != ENOENT)
		return error_set("%s: cannot remove the stale temporary link: %s", temp, strerror(errno));
	if (symlink(target, temp) != 0)
		return error_set("%s: cannot create symlink: %s", temp, strerror(errno));
	if (rename(temp, live) != 0) {
		error_set("%s: cannot replace with a link to %s: %s", live, target, strerror(errno));
		unlink(temp);
		return -1;
	}
	return 0;
}

/* see store.h */
int
store_install(const char *state_dir, const char *name, const struct store_cert_files *files)
{
	char dir[PATH_MAX], vdir[PATH_MAX], entry[32];
	long previous, version;

	if (store_check_name(name) != 0)
		return -1;
	if (store_cert_path(dir, sizeof(dir), state_dir, name, NULL) != 0)
		return -1;
	if (store_mkdirs(dir, 0700) != 0)
		return -1;

	version = max_version(dir);
	if (version < 0)
		return -1;
	if (version >= VERSION_MAX)
		return error_set("%s: version numbers are exhausted (v%ld); remove old vN directories", dir,
		    version);
	version++;
	previous = live_version(dir);

	snprintf(entry, sizeof(entry), "v%ld", version);
	if (snprintf(vdir, sizeof(vdir), "%s/%s", dir, entry) >= (int)sizeof(vdir))
		return error_set("%s: path is too long", dir);
	if (mkdir(vdir, 0755) != 0)
		return error_set("%s: cannot create directory: %s", vdir, strerror(errno));

	/* Until the rename in swap_live(), live still points at the complete old version. */
	if (chmod(vdir, 0755) != 0) {
		error_set("%s: chmod failed: %s", vdir, strerror(errno));
		goto fail;
	}
	if (write_version(vdir, dir, files) != 0 || fsync_dir(dir) != 0)
		goto fail;
	if (swap_live(dir, version) != 0)
		goto fail;
	if (fsync_dir(dir) != 0) {
		/*
		 * live already names vN, so this is not a failure of the install:
		 * after a crash live is on the old or the new version, both complete.
		 */
		log_warning("%s: %s", name, error_text());
	}

	/* The new version is live: failing to prune only leaves extra directories. */
	if (prune_versions(dir, version, previous) != 0)
		log_warning("%s: %s", name, error_text());
	return (int)version;

fail:
	{
		char reason[1024];

		snprintf(reason, sizeof(reason), "%s", error_text());
		remove_version(dir, entry);
		error_set("%s", reason);
	}
	return -1;
}

/* The fields of the state file, in the order they are written. */
enum state_key {
	STATE_LAST_ATTEMPT,
	STATE_LAST_RESULT,
	STATE_FAILURES,
	STATE_NEXT_RETRY,
	STATE_ARI_START,
	STATE_ARI_END,
	STATE_ARI_INSTANT,
	STATE_ARI_RETRY_AFTER,
	STATE_NOT_BEFORE,
	STATE_NAMES,
	STATE_KEY_TYPE,
	STATE_LAST_ERROR,
	STATE_KEY_COUNT,
};

static const char *const state_keys[STATE_KEY_COUNT] = {
	[STATE_LAST_ATTEMPT] = "last-attempt",
	[STATE_LAST_RESULT] = "last-result",
	[STATE_FAILURES] = "failures",
	[STATE_NEXT_RETRY] = "next-retry",
	[STATE_ARI_START] = "ari-start",
	[STATE_ARI_END] = "ari-end",
	[STATE_ARI_INSTANT] = "ari-instant",
	[STATE_ARI_RETRY_AFTER] = "ari-retry-after",
	[STATE_NOT_BEFORE] = "not-before",
	[STATE_NAMES] = "names",
	[STATE_KEY_TYPE] = "key-type",
	[STATE_LAST_ERROR] = "last-error",
};

static const char *const result_words[] = {
	[STORE_RESULT_NONE] = "none",
	[STORE_RESULT_OK] = "ok",
	[STORE_RESULT_FAILED] = "failed",
};

/* The time field of STATE for KEY, or NULL when KEY is not a time. */
static long long *
state_time(struct store_state *state, enum state_key key)
{
	switch (key) {
	case STATE_LAST_ATTEMPT:
		return &state->last_attempt;
	case STATE_NEXT_RETRY:
		return &state->next_retry;
	case STATE_ARI_START:
		return &state->ari_start;
	case STATE_ARI_END:
		return &state->ari_end;
	case STATE_ARI_INSTANT:
		return &state->ari_instant;
	case STATE_ARI_RETRY_AFTER:
		return &state->ari_retry_after;
	case STATE_NOT_BEFORE:
		return &state->not_before;
	default:
		return NULL;
	}
}

/* Copy VALUE (LEN bytes) into the text field DST of size CAP. */
static int
set_text(char *dst, size_t cap, const char *value, size_t len, int line, const char *key)
{
	if (len >= cap)
		return error_set("line %d: key '%s': value is longer than %zu bytes", line, key, cap - 1);
	memcpy(dst, value, len);
	dst[len] = '\0';
	return 0;
}

/* Store VALUE for KEY in STATE. */
static int
state_set(struct store_state *state, enum state_key key, const char *value, size_t len, int line)
{
	long long *t = state_time(state, key), n;
	char number[24], *end;
	size_t i;

	if (t != NULL || key == STATE_FAILURES) {
		if (len == 0 || len >= sizeof(number))
			return error_set("line %d: key '%s': invalid number", line, state_keys[key]);
		memcpy(number, value, len);
		number[len] = '\0';
		errno = 0;
		n = strtoll(number, &end, 10);
		if (*end != '\0' || errno != 0 || n < 0 || (key == STATE_FAILURES && n > 1000000))
			return error_set("line %d: key '%s': invalid number '%s'", line, state_keys[key],
			    number);
		if (t != NULL)
			*t = n;
		else
			state->failures = (unsigned)n;
		return 0;
	}

	switch (key) {
	case STATE_LAST_RESULT:
		for (i = 0; i < sizeof(result_words) / sizeof(result_words[0]); i++) {
			if (strlen(result_words[i]) == len && memcmp(result_words[i], value, len) == 0) {
				state->last_result = (enum store_result)i;
				return 0;
			}
		}
		return error_set("line %d: key 'last-result': expected none, ok or failed", line);
	case STATE_NAMES:
		return set_text(state->names, sizeof(state->names), value, len, line, state_keys[key]);
	case STATE_KEY_TYPE:
		return set_text(state->key_type, sizeof(state->key_type), value, len, line,
		    state_keys[key]);
	case STATE_LAST_ERROR:
		return set_text(state->last_error, sizeof(state->last_error), value, len, line,
		    state_keys[key]);
	default:
		return error_set("line %d: key '%s': not handled", line, state_keys[key]);
	}
}

/* Trim spaces and tabs from both ends of [*start, *start + *len). */
static void
trim(const char **start, size_t *len)
{
	while (*len > 0 && (**start == ' ' || **start == '\t')) {
		(*start)++;
		(*len)--;
	}
	while (*len > 0 && ((*start)[*len - 1] == ' ' || (*start)[*len - 1] == '\t' ||
	    (*start)[*len - 1] == '\r'))
		(*len)--;
}

/* see store.h */
int
store_state_parse(const char *text, size_t len, struct store_state *state)
{
	const char *p = text, *end = text + len, *eol, *eq, *key, *value;
	size_t key_len, value_len;
	int line = 0, i;

	memset(state, 0, sizeof(*state));
	if (len > STORE_STATE_MAX)
		return error_set("state file is larger than %d bytes", STORE_STATE_MAX);
	if (memchr(text, '\0', len) != NULL)
		return error_set("state file contains a NUL byte");

	for (; p < end; p = eol + 1) {
		line++;
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		key = p;
		key_len = (size_t)(eol - p);
		trim(&key, &key_len);
		if (key_len == 0 || key[0] == '#')
			continue;

		eq = memchr(key, '=', key_len);
		if (eq == NULL)
			return error_set("line %d: expected 'key = value'", line);
		value = eq + 1;
		value_len = (size_t)(key + key_len - value);
		key_len = (size_t)(eq - key);
		trim(&key, &key_len);
		trim(&value, &value_len);

		for (i = 0; i < STATE_KEY_COUNT; i++)
			if (strlen(state_keys[i]) == key_len && memcmp(state_keys[i], key, key_len) == 0)
				break;
		if (i == STATE_KEY_COUNT)
			continue;
		if (state_set(state, (enum state_key)i, value, value_len, line) != 0)
			return -1;
	}
	return 0;
}

/* see store.h */
int
store_state_format(const struct store_state *state, char *out, size_t cap)
{
	char error_line[STORE_STATE_ERROR_MAX];
	unsigned result = (unsigned)state->last_result;
	int n;

	if (result >= sizeof(result_words) / sizeof(result_words[0]))
		result = STORE_RESULT_NONE;

	/* The error text may come from a server: one line, no control bytes. */
	log_sanitize(error_line, sizeof(error_line), state->last_error, strlen(state->last_error));

	n = snprintf(out, cap,
	    "# keepcert renewal state; rewritten after every attempt\n"
	    "last-attempt = %lld\n"
	    "last-result = %s\n"
	    "failures = %u\n"
	    "next-retry = %lld\n"
	    "ari-start = %lld\n"
	    "ari-end = %lld\n"
	    "ari-instant = %lld\n"
	    "ari-retry-after = %lld\n"
	    "not-before = %lld\n"
	    "names = %s\n"
	    "key-type = %s\n"
	    "last-error = %s\n",
	    state->last_attempt, result_words[result], state->failures, state->next_retry,
	    state->ari_start, state->ari_end, state->ari_instant, state->ari_retry_after, state->not_before,
	    state->names, state->key_type, error_line);
	if (n < 0 || (size_t)n >= cap)
		return -1;
	return n;
}

/* see store.h */
int
store_state_read(const char *state_dir, const char *name, struct store_state *state)
{
	char path[PATH_MAX], *text;
	size_t len;
	int rc;

	memset(state, 0, sizeof(*state));
	if (store_check_name(name) != 0 || store_cert_path(path, sizeof(path), state_dir, name, "state") != 0)
		return -1;
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return 0;
	if (store_read_file(path, STORE_STATE_MAX, &text, &len) != 0)
		return -1;
	rc = store_state_parse(text, len, state);
	free(text);
	if (rc != 0)
		return error_prefix("%s", path);
	return 0;
}

/* see store.h */
int
store_state_write(const char *state_dir, const char *name, const struct store_state *state)
{
	char path[PATH_MAX], text[STORE_STATE_MAX];
	int n;

	if (store_check_name(name) != 0 || store_cert_path(path, sizeof(path), state_dir, name, NULL) != 0)
		return -1;
	if (store_mkdirs(path, 0700) != 0)
		return -1;
	if (store_cert_path(path, sizeof(path), state_dir, name, "state") != 0)
		return -1;
	n = store_state_format(state, text, sizeof(text));
	if (n < 0)
		return error_set("%s: state does not fit in %d bytes", path, STORE_STATE_MAX);
	return store_write_file(path, text, (size_t)n, 0600);
}
