/*
 * Logging and error reporting.
 *
 * Every event is one line on stderr. Levels follow syslog(3) priorities so
 * that, under systemd, the line can carry its priority as a "<N>" prefix
 * that journald reads (sd-daemon(3)). Server-supplied text may reach a log
 * line, so control characters are replaced before printing.
 *
 * Functions below the command layer do not print their failures. They call
 * error_set() with one sentence naming what failed, on which value, and what
 * to do, and return -1; the command that gives up logs error_text() once,
 * with the certificate name in front.
 */
#ifndef KEEPCERT_LOG_H
#define KEEPCERT_LOG_H

#include <stddef.h>

enum log_level {
	LOG_ERROR = 3,
	LOG_WARNING = 4,
	LOG_NOTICE = 5,
	LOG_INFO = 6,
	LOG_DEBUG = 7,
};

/* The maximum (most verbose) level printed: LOG_NOTICE unless -v or -q changed it. */
extern int log_max_level;

void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* Store the message of the current failure, replacing any earlier one. Returns -1. */
int error_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prefix the stored message with more context ("PREFIX: old message"). Returns -1. */
int error_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The stored message, or "unknown error" when none was set. */
const char *error_text(void);

/*
 * Log error_text() as an error with CONTEXT (a command, a certificate name)
 * in front, unless the message already starts with "CONTEXT: ", so that no
 * layer can make the prefix appear twice.
 */
void log_failure(const char *context);

/* error_text() without a leading "CONTEXT: ", for a caller that prints CONTEXT in front itself. */
const char *error_text_after(const char *context);

#define LOG_SHORT_MAX 64	/* characters of a quoted value that log_short keeps */

/*
 * VALUE for quoting in a message: itself when at most LOG_SHORT_MAX bytes,
 * else its first LOG_SHORT_MAX bytes and "...". The result lives in one of
 * a few static slots, so up to four may appear in one message.
 */
const char *log_short(const char *value);

/* Copy SRC into DST (of size CAP) with control bytes shown as '?', for logging. */
void log_sanitize(char *dst, size_t cap, const char *src, size_t len);

#endif
