/*
 * Reading header values and URLs: case-insensitive header lookup,
 * Retry-After (RFC 9110 section 10.2.3), Link (RFC 8288), and splitting an
 * http or https URL (RFC 3986) into host, port and request target.
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "log.h"

/* see http.h */
const char *
http_header(const struct http_response *resp, const char *name)
{
	size_t i;

	for (i = 0; i < resp->header_count; i++)
		if (strcasecmp(resp->headers[i].name, name) == 0)
			return resp->headers[i].value;
	return NULL;
}

/* Read exactly N digits at *S into *VALUE. */
static int
read_digits(const char **s, int n, int *value)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*s)[i]))
			return -1;
		v = v * 10 + ((*s)[i] - '0');
	}
	*s += n;
	*value = v;
	return 0;
}

static int
read_literal(const char **s, const char *literal)
{
	size_t n = strlen(literal);

	if (strncmp(*s, literal, n) != 0)
		return -1;
	*s += n;
	return 0;
}

static int
read_month(const char **s, int *month)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int i;

	for (i = 0; i < 12; i++) {
		if (strncmp(*s, months + 3 * i, 3) == 0) {
			*s += 3;
			*month = i;
			return 0;
		}
	}
	return -1;
}

/* Skip a day name: three letters for IMF-fixdate and asctime, the full name for RFC 850. */
static int
skip_day_name(const char **s, int full)
{
	static const char *const days[] = {
		"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
	};
	size_t i, n;

	for (i = 0; i < 7; i++) {
		n = full ? strlen(days[i]) : 3;
		if (strncmp(*s, days[i], n) == 0) {
			*s += n;
			return 0;
		}
	}
	return -1;
}

static int
read_clock(const char **s, struct tm *tm)
{
	if (read_digits(s, 2, &tm->tm_hour) < 0 || read_literal(s, ":") < 0 ||
	    read_digits(s, 2, &tm->tm_min) < 0 || read_literal(s, ":") < 0 ||
	    read_digits(s, 2, &tm->tm_sec) < 0)
		return -1;
	return 0;
}

/*
 * Parse an HTTP-date in any of the three forms of RFC 9110 section 5.6.7:
 *	IMF-fixdate	Sun, 06 Nov 1994 08:49:37 GMT
 *	RFC 850		Sunday, 06-Nov-94 08:49:37 GMT
 *	asctime		Sun Nov  6 08:49:37 1994
 */
static int
parse_http_date(const char *s, time_t now, time_t *out)
{
	struct tm tm;
	const char *p;
	int year;

	memset(&tm, 0, sizeof(tm));

	p = s;
	if (skip_day_name(&p, 0) == 0 && read_literal(&p, ", ") == 0) {
		if (read_digits(&p, 2, &tm.tm_mday) < 0 || read_literal(&p, " ") < 0 ||
		    read_month(&p, &tm.tm_mon) < 0 || read_literal(&p, " ") < 0 ||
		    read_digits(&p, 4, &year) < 0 || read_literal(&p, " ") < 0 ||
		    read_clock(&p, &tm) < 0 || read_literal(&p, " GMT") < 0)
			return -1;
	} else if (p = s, skip_day_name(&p, 1) == 0 && read_literal(&p, ", ") == 0) {
		struct tm now_tm;

		if (read_digits(&p, 2, &tm.tm_mday) < 0 || read_literal(&p, "-") < 0 ||
		    read_month(&p, &tm.tm_mon) < 0 || read_literal(&p, "-") < 0 ||
		    read_digits(&p, 2, &year) < 0 || read_literal(&p, " ") < 0 ||
		    read_clock(&p, &tm) < 0 || read_literal(&p, " GMT") < 0)
			return -1;

		/* A two-digit year more than 50 years ahead is in the past century (RFC 9110 section 5.6.7). */
		gmtime_r(&now, &now_tm);
		year += (now_tm.tm_year + 1900) / 100 * 100;
		if (year > now_tm.tm_year + 1900 + 50)
			year -= 100;
	} else if (p = s, skip_day_name(&p, 0) == 0 && read_literal(&p, " ") == 0) {
		if (read_month(&p, &tm.tm_mon) < 0 || read_literal(&p, " ") < 0)
			return -1;
		if (*p == ' ')
			p++, tm.tm_mday = 0;
		if (*p == '\0' || !isdigit((unsigned char)*p))
			return -1;
		if (isdigit((unsigned char)p[1])) {
			if (read_digits(&p, 2, &tm.tm_mday) < 0)
				return -1;
		} else if (read_digits(&p, 1, &tm.tm_mday) < 0) {
			return -1;
		}
		if (read_literal(&p, " ") < 0 || read_clock(&p, &tm) < 0 || read_literal(&p, " ") < 0 ||
		    read_digits(&p, 4, &year) < 0)
			return -1;
	} else {
		return -1;
	}
	if (*p != '\0')
		return -1;
	if (tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;

	tm.tm_year = year - 1900;
	*out = timegm(&tm);
	return *out == (time_t)-1 ? -1 : 0;
}

/* see http.h */
int
http_retry_after(const struct http_response *resp, time_t now, long *seconds)
{
	const char *value = http_header(resp, "Retry-After");
	time_t when;

	if (value == NULL || *value == '\0')
		return 0;

	/* delta-seconds = 1*DIGIT; absurdly large values are clamped rather than refused. */
	if (isdigit((unsigned char)value[0])) {
		long v = 0;
		const char *p;

		for (p = value; isdigit((unsigned char)*p); p++)
			v = v > (LONG_MAX - 9) / 10 ? LONG_MAX : v * 10 + (*p - '0');
		if (*p != '\0')
			return 0;
		*seconds = v;
		return 1;
	}

	if (parse_http_date(value, now, &when) < 0)
		return 0;
	*seconds = when > now ? (long)(when - now) : 0;
	return 1;
}

static const char *
skip_ows(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static int
is_token_char(unsigned char c)
{
	return isalnum(c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/*
 * Read a parameter value, a token or a quoted-string (RFC 9110 section
 * 5.6.4), into OUT of CAP bytes (truncated). Returns the position after it,
 * or NULL when it is malformed.
 */
static const char *
read_param_value(const char *s, char *out, size_t cap)
{
	size_t n = 0;

	if (*s == '"') {
		for (s++; *s != '"'; s++) {
			if (*s == '\0')
				return NULL;
			if (*s == '\\' && s[1] != '\0')
				s++;
			if (n + 1 < cap)
				out[n++] = *s;
		}
		s++;
	} else {
		for (; is_token_char((unsigned char)*s); s++)
			if (n + 1 < cap)
				out[n++] = *s;
	}
	out[n] = '\0';
	return s;
}

/* Whether the space-separated relation list LIST contains REL (RFC 8288 section 3.3). */
static int
rel_list_has(const char *list, const char *rel)
{
	size_t n = strlen(rel);

	while (*list != '\0') {
		size_t len;

		while (*list == ' ' || *list == '\t')
			list++;
		len = strcspn(list, " \t");
		if (len == n && strncasecmp(list, rel, n) == 0)
			return 1;
		list += len;
	}
	return 0;
}

/* Collect the links of one Link header value; returns the new count, stopping at a syntax error. */
static int
links_in_value(const char *s, const char *rel, char (*urls)[HTTP_URL_MAX], int count, int max)
{
	while (count < max) {
		const char *target, *end;
		size_t target_len;
		int matches = 0;

		while (*s == ' ' || *s == '\t' || *s == ',')
			s++;
		if (*s != '<')
			return count;
		target = s + 1;
		end = strchr(target, '>');
		if (end == NULL)
			return count;
		target_len = (size_t)(end - target);
		s = skip_ows(end + 1);

		while (*s == ';') {
			char name[32], value[256];
			size_t n = 0;

			s = skip_ows(s + 1);
			for (; is_token_char((unsigned char)*s); s++)
				if (n + 1 < sizeof(name))
					name[n++] = *s;
			name[n] = '\0';
			if (n == 0)
				return count;
			s = skip_ows(s);
			value[0] = '\0';
			if (*s == '=') {
				s = read_param_value(skip_ows(s + 1), value, sizeof(value));
				if (s == NULL)
					return count;
				s = skip_ows(s);
			}
			if (strcasecmp(name, "rel") == 0 && rel_list_has(value, rel))
				matches = 1;
		}
		if (*s != ',' && *s != '\0')
			return count;

		if (matches && target_len < HTTP_URL_MAX) {
			memcpy(urls[count], target, target_len);
			urls[count][target_len] = '\0';
			count++;
		}
	}
	return count;
}

/* see http.h */
int
http_links(const struct http_response *resp, const char *rel, char (*urls)[HTTP_URL_MAX], int max)
{
	int count = 0;
	size_t i;

	for (i = 0; i < resp->header_count && count < max; i++)
		if (strcasecmp(resp->headers[i].name, "Link") == 0)
			count = links_in_value(resp->headers[i].value, rel, urls, count, max);
	return count;
}

/* see http.h */
int
http_url_parse(const char *url, struct http_url *out)
{
	const char *p, *host, *host_end, *port_start = NULL;
	size_t host_len, i;

	memset(out, 0, sizeof(*out));
	for (i = 0; url[i] != '\0'; i++)
		if ((unsigned char)url[i] <= ' ' || url[i] == 0x7f)
			return error_set("invalid URL '%s': it contains a space or control character", log_short(url));

	if (strncasecmp(url, "https://", 8) == 0) {
		out->https = 1;
		out->port = 443;
		p = url + 8;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		out->port = 80;
		p = url + 7;
	} else {
		return error_set("invalid URL '%s': only https:// and http:// URLs are supported", log_short(url));
	}

	/* authority = host [ ":" port ]; userinfo is refused rather than sent in clear. */
	if (memchr(p, '@', strcspn(p, "/?#")) != NULL)
		return error_set("invalid URL '%s': user names and passwords in URLs are not supported; "
		    "remove the part before '@'", log_short(url));
	host = p;
	if (*p == '[') {
		host = ++p;
		host_end = strchr(p, ']');
		if (host_end == NULL)
			return error_set("invalid URL '%s': missing ']' after the IPv6 address", log_short(url));
		p = host_end + 1;
	} else {
		while (*p != '\0' && *p != ':' && *p != '/' && *p != '?' && *p != '#' && *p != '@')
			p++;
		host_end = p;
	}
	if (*p == '@')
		return error_set("invalid URL '%s': user names and passwords in URLs are not supported", log_short(url));

	host_len = (size_t)(host_end - host);
	if (host_len == 0 || host_len >= sizeof(out->host))
		return error_set("invalid URL '%s': the host name is empty or too long", log_short(url));
	memcpy(out->host, host, host_len);
	for (i = 0; i < host_len; i++) {
		unsigned char c = (unsigned char)out->host[i];

		if (!isalnum(c) && c != '-' && c != '.' && c != '_' && !(host[-1] == '[' && c == ':'))
			return error_set("invalid URL '%s': invalid character in the host name", log_short(url));
	}

	if (*p == ':') {
		unsigned long port = 0;

		port_start = ++p;
		while (isdigit((unsigned char)*p) && port <= 65535)
			port = port * 10 + (unsigned long)(*p++ - '0');
		if (p == port_start || port == 0 || port > 65535 || (*p != '\0' && *p != '/' && *p != '?' && *p != '#'))
			return error_set("invalid URL '%s': the port must be a number from 1 to 65535", log_short(url));
		out->port = (unsigned)port;
	}
	if (*p != '\0' && *p != '/' && *p != '?' && *p != '#')
		return error_set("invalid URL '%s': unexpected character after the host name", log_short(url));

	out->target_len = strcspn(p, "#");
	out->target = p;
	if (out->target_len == 0 || *p == '?') {
		/* RFC 9112 section 3.2.1: an empty path is sent as "/". */
		if (out->target_len != 0)
			return error_set("invalid URL '%s': a query needs a path before it", log_short(url));
		out->target = "/";
		out->target_len = 1;
	}
	return 0;
}
