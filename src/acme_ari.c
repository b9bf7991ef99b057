/*
 * renewalInfo (RFC 9773): the CA's suggested window for renewing one
 * certificate, fetched with an unauthenticated GET.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acme_internal.h"
#include "log.h"

/* Read N digits at S into *OUT. Returns 0, or -1 when one is not a digit. */
static int
digits(const char *s, int n, int *out)
{
	int i;

	*out = 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		*out = *out * 10 + (s[i] - '0');
	}
	return 0;
}

/* see acme.h */
int
acme_parse_rfc3339(const char *s, long long *out)
{
	int year, mon, day, hour, min, sec, oh, om, sign;
	struct tm tm;
	const char *p;

	/* RFC 3339 section 5.6: full-date "T" full-time, with time-offset "Z" or +hh:mm. */
	if (strlen(s) < 20 || digits(s, 4, &year) || s[4] != '-' || digits(s + 5, 2, &mon) || s[7] != '-' ||
	    digits(s + 8, 2, &day) || (s[10] != 'T' && s[10] != 't') || digits(s + 11, 2, &hour) ||
	    s[13] != ':' || digits(s + 14, 2, &min) || s[16] != ':' || digits(s + 17, 2, &sec))
		return -1;
	if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60)
		return -1;
	p = s + 19;
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++)
			;
	}
	if (*p == 'Z' || *p == 'z') {
		sign = 0;
		oh = om = 0;
		p++;
	} else if ((*p == '+' || *p == '-') && digits(p + 1, 2, &oh) == 0 && p[3] == ':' &&
	    digits(p + 4, 2, &om) == 0 && oh < 24 && om < 60) {
		sign = *p == '+' ? 1 : -1;
		p += 6;
	} else {
		return -1;
	}
	if (*p != '\0')
		return -1;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec > 59 ? 59 : sec;
	*out = (long long)timegm(&tm) - (long long)sign * (oh * 3600 + om * 60);
	return 0;
}

/* Read the suggestedWindow and explanationURL of the response J into OUT. */
static int
read_window(const struct acme_json *j, struct acme_renewal_info *out)
{
	int window = json_get(&j->doc, 0, "suggestedWindow");
	char start[64], end[64];

	if (window < 0 || j->doc.tokens[window].type != JSON_OBJECT)
		return error_set("the renewalInfo response has no suggestedWindow object");
	if (acme_get_string(j, window, "start", start, sizeof(start)) != 0 ||
	    acme_get_string(j, window, "end", end, sizeof(end)) != 0 ||
	    acme_parse_rfc3339(start, &out->start) != 0 || acme_parse_rfc3339(end, &out->end) != 0)
		return error_set("the renewalInfo suggestedWindow lacks a valid RFC 3339 start or end");

	/* RFC 9773 section 4.2: a window whose end is not after its start is invalid. */
	if (out->end <= out->start)
		return error_set("the renewalInfo suggestedWindow ends before it starts");
	if (acme_get_url(j, 0, "explanationURL", out->explanation_url) != 0)
		out->explanation_url[0] = '\0';
	return 0;
}

/* see acme.h */
int
acme_renewal_info(struct acme_client *c, const char *cert_id, long long now, struct acme_renewal_info *out)
{
	static struct acme_json j;
	struct http_response resp;
	char url[HTTP_URL_MAX];
	long seconds;
	int rc;

	memset(out, 0, sizeof(*out));
	if (c->dir.renewal_info[0] == '\0')
		return error_set("the CA's directory offers no renewalInfo");
	if (strspn(cert_id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") !=
	    strlen(cert_id) || strchr(cert_id, '.') == NULL)
		return error_set("'%s' is not a certID (base64url.base64url)", cert_id);
	if ((size_t)snprintf(url, sizeof(url), "%s%s%s", c->dir.renewal_info,
	    c->dir.renewal_info[strlen(c->dir.renewal_info) - 1] == '/' ? "" : "/", cert_id) >= sizeof(url))
		return error_set("the renewalInfo URL for %s is too long", cert_id);

	memset(&resp, 0, sizeof(resp));
	if (http_request(c->http, "GET", url, NULL, NULL, 0, &resp) != 0) {
		http_response_free(&resp);
		return error_prefix("renewalInfo");
	}
	log_debug("GET %s: HTTP %d", url, resp.status);

	/*
	 * RFC 9773 section 4.3: the next request waits for Retry-After, or six
	 * hours without one. The bounds keep a hostile value from stopping or flooding the checks.
	 */
	if (!http_retry_after(&resp, (time_t)now, &seconds))
		seconds = ACME_ARI_RETRY_DEFAULT;
	if (seconds < ACME_ARI_RETRY_MIN)
		seconds = ACME_ARI_RETRY_MIN;
	if (seconds > ACME_ARI_RETRY_MAX)
		seconds = ACME_ARI_RETRY_MAX;
	out->retry_after = now + seconds;

	if (resp.status != 200)
		rc = error_set("renewalInfo %s: the CA returned HTTP %d", url, resp.status);
	else if (acme_parse(&resp, &j) != 0 || read_window(&j, out) != 0)
		rc = error_prefix("renewalInfo %s", url);
	else
		rc = 0;
	http_response_free(&resp);
	return rc;
}
