#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

int log_max_level = LOG_NOTICE;

static char error_message[1024];

/* see log.h */
void
log_sanitize(char *dst, size_t cap, const char *src, size_t len)
{
	size_t i, n = 0;

	if (cap == 0)
		return;
	for (i = 0; i < len && n + 1 < cap; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[n++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	dst[n] = '\0';
}

static const char *
level_word(int level)
{
	switch (level) {
	case LOG_ERROR:
		return "error: ";
	case LOG_WARNING:
		return "warning: ";
	default:
		return "";
	}
}

/* see log.h */
void
log_msg(int level, const char *fmt, ...)
{
	char raw[2048], line[2048];
	va_list ap;
	int n;

	if (level > log_max_level)
		return;

	va_start(ap, fmt);
	n = vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	log_sanitize(line, sizeof(line), raw, strlen(raw));

	/* journald reads a leading "<N>" as the priority when JOURNAL_STREAM is set. */
	if (getenv("JOURNAL_STREAM") != NULL)
		fprintf(stderr, "<%d>%s%s\n", level, level_word(level), line);
	else
		fprintf(stderr, "keepcert: %s%s\n", level_word(level), line);
}

/* see log.h */
const char *
error_text_after(const char *context)
{
	const char *text = error_text();
	size_t n = strlen(context);

	if (n > 0 && strncmp(text, context, n) == 0 && text[n] == ':' && text[n + 1] == ' ')
		return text + n + 2;
	return text;
}

/* see log.h */
void
log_failure(const char *context)
{
	log_error("%s: %s", context, error_text_after(context));
}

/* see log.h */
const char *
log_short(const char *value)
{
	static char slots[4][LOG_SHORT_MAX + 4];
	static unsigned next;
	char *out = slots[next++ % 4];

	if (strlen(value) <= LOG_SHORT_MAX)
		return value;
	memcpy(out, value, LOG_SHORT_MAX);
	memcpy(out + LOG_SHORT_MAX, "...", 4);
	return out;
}

/* see log.h */
int
error_set(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(error_message, sizeof(error_message), fmt, ap);
	va_end(ap);
	return -1;
}

/* see log.h */
int
error_prefix(const char *fmt, ...)
{
	char prefix[512], old[sizeof(error_message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, error_message, sizeof(old));
	snprintf(error_message, sizeof(error_message), "%s: %s", prefix,
	    old[0] != '\0' ? old : "unknown error");
	return -1;
}

/* see log.h */
const char *
error_text(void)
{
	return error_message[0] != '\0' ? error_message : "unknown error";
}
