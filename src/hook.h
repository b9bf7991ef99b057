/*
 * Running the commands a config names: pre, deploy and post hooks, the
 * dns-hook program and the notify program.
 *
 * A command runs as "/bin/sh -c COMMAND" in a process group of its own,
 * with stdin from the given input (or /dev/null) and stdout and stderr
 * captured together, up to HOOK_OUTPUT_MAX bytes. When the timeout expires
 * the whole group gets SIGTERM, then SIGKILL a second later, so a hook that
 * hangs cannot stall every later renewal.
 */
#ifndef KEEPCERT_HOOK_H
#define KEEPCERT_HOOK_H

#include <stddef.h>

#include "buf.h"

#define HOOK_OUTPUT_MAX 65536	/* bytes of output kept; the rest is read and dropped */
#define HOOK_ENV_MAX 16		/* variables a hook gets on top of keepcert's environment */

/*
 * Seconds a pre, deploy or post hook may run before it is killed. The
 * config has no key for it; 300 s covers a service restart that waits for
 * open connections to drain.
 */
#define HOOK_TIMEOUT_DEFAULT 300

/* Variables added to a hook's environment, as "NAME=VALUE" strings. */
struct hook_env {
	char *vars[HOOK_ENV_MAX];
	size_t count;
};

/* Add NAME=VALUE to ENV, replacing an earlier NAME. Returns 0 or -1. */
int hook_env_add(struct hook_env *env, const char *name, const char *value);

/*
 * Add the variables of one certificate: KEEPCERT_NAME, KEEPCERT_DOMAINS and
 * KEEPCERT_LIVE_DIR, and certbot's RENEWED_LINEAGE (the live directory) and
 * RENEWED_DOMAINS so that existing certbot deploy hooks keep working.
 * DOMAINS is space separated. Returns 0 or -1.
 */
int hook_env_cert(struct hook_env *env, const char *name, const char *domains, const char *live_dir);

void hook_env_free(struct hook_env *env);

struct hook_result {
	int status;		/* exit status; 128 + N after signal N; -1 after a timeout */
	int timed_out;
	int truncated;		/* output went past HOOK_OUTPUT_MAX */
	struct buf output;	/* stdout and stderr, interleaved as written */
};

/*
 * Run COMMAND through /bin/sh -c with ENV (may be NULL) added, INPUT (may
 * be NULL) on stdin, for at most TIMEOUT seconds. Returns 0 when the command
 * ran, whatever its exit status (see RESULT), or -1 when it could not be
 * started. Free RESULT with hook_result_free in both cases.
 */
int hook_run(const char *command, const struct hook_env *env, const char *input, size_t input_len,
    int timeout, struct hook_result *result);

void hook_result_free(struct hook_result *result);

/* Log OUTPUT line by line at LEVEL, each line prefixed with "LABEL: ". */
void hook_log_output(int level, const char *label, const char *output, size_t len);

/*
 * Format a plain-text mail: To (omitted when TO is NULL, for programs that
 * take recipients as arguments), Subject, Date, Auto-Submitted and MIME
 * headers, a blank line, then BODY. Control bytes in header values
 * become spaces, so no text can add a header. Body lines end in LF, a
 * line of a lone "." (end of input to sendmail) becomes ". ", and lines
 * are wrapped at 998 bytes (RFC 5322 section 2.1.1). Returns 0, or -1
 * when OUT failed.
 */
int hook_mail_format(struct buf *out, const char *to, const char *subject, const char *body, long long now);

/*
 * Send a mail by piping it into COMMAND (e.g. "/usr/sbin/sendmail -t",
 * busybox sendmail -t, "msmtp -t"). Returns 0 when COMMAND exited 0;
 * -1 otherwise, with its status and first output line in error_text().
 */
int hook_notify(const char *command, const char *to, const char *subject, const char *body, int timeout);

#endif
