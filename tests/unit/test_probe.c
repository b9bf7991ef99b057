#include <string.h>

#include "acme.h"
#include "probe.h"
#include "unit.h"

/* Endpoints and the host, port and protocol each one means. */
TEST(probe_parse_endpoints)
{
	static const struct {
		const char *endpoint, *host;
		unsigned port;
		enum probe_protocol protocol;
	} cases[] = {
		{ "example.org:443", "example.org", 443, PROBE_TLS },
		{ "mail.example.org:465", "mail.example.org", 465, PROBE_TLS },
		{ "mail.example.org:993", "mail.example.org", 993, PROBE_TLS },
		{ "mail.example.org:25", "mail.example.org", 25, PROBE_SMTP },
		{ "mail.example.org:587", "mail.example.org", 587, PROBE_SMTP },
		{ "mail.example.org:143", "mail.example.org", 143, PROBE_IMAP },
		{ "smtp://127.0.0.1:2525", "127.0.0.1", 2525, PROBE_SMTP },
		{ "IMAP://127.0.0.1:1143", "127.0.0.1", 1143, PROBE_IMAP },
		{ "[::1]:8443", "::1", 8443, PROBE_TLS },
		{ "smtp://[2001:db8::1]:25", "2001:db8::1", 25, PROBE_SMTP },
	};
	enum probe_protocol protocol;
	char host[256];
	unsigned port;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_INT(probe_parse(cases[i].endpoint, host, sizeof(host), &port, &protocol), 0);
		CHECK_STR(host, cases[i].host);
		CHECK_INT(port, cases[i].port);
		CHECK_INT(protocol, cases[i].protocol);
	}
}

TEST(probe_parse_rejects)
{
	static const char *const bad[] = {
		"example.org", "example.org:", ":443", "example.org:0", "example.org:65536", "example.org:44x",
		"[::1]443", "[::1", "smtp://", "::1:443x",
	};
	enum probe_protocol protocol;
	char host[256];
	unsigned port;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(probe_parse(bad[i], host, sizeof(host), &port, &protocol), -1);
}

/* RFC 3339 dates as renewalInfo windows carry them. */
TEST(ari_rfc3339)
{
	static const struct {
		const char *text;
		long long want;
	} good[] = {
		{ "2025-01-02T03:04:05Z", 1735787045 },
		{ "2025-01-02t03:04:05z", 1735787045 },
		{ "2025-01-02T03:04:05.123456Z", 1735787045 },
		{ "2025-01-02T05:04:05+02:00", 1735787045 },
		{ "2025-01-01T22:04:05-05:00", 1735787045 },
		{ "1970-01-01T00:00:00Z", 0 },
	};
	static const char *const bad[] = {
		"2025-01-02", "2025-01-02T03:04:05", "2025-13-02T03:04:05Z", "2025-01-02T24:04:05Z",
		"2025-01-02T03:04:05Zjunk", "2025-01-02T03:04:05+0200", "2025-01-02 03:04:05Z", "",
		"20x5-01-02T03:04:05Z",
	};
	long long t;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		t = -1;
		CHECK_INT(acme_parse_rfc3339(good[i].text, &t), 0);
		CHECK_INT(t, good[i].want);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(acme_parse_rfc3339(bad[i], &t), -1);
}
