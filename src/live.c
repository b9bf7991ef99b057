#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bearssl.h"
#include "key.h"
#include "live.h"
#include "log.h"

#define LIVE_FILE_MAX (1024 * 1024)

/* see live.h */
void
live_format_time(long long t, char *out, size_t cap)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, cap, "%Y-%m-%d %H:%M UTC", &tm);
}

/* see live.h */
void
live_config_names(const struct config_cert *cert, char *out, size_t cap)
{
	size_t i, used = 0;

	out[0] = '\0';
	for (i = 0; i < cert->name_count && used < cap; i++)
		used += (size_t)snprintf(out + used, cap - used, "%s%s", i > 0 ? " " : "", cert->names[i]);
}

/* Read the leaf of PATH into LIVE->info and LIVE->sha256. */
static int
read_leaf(const char *path, struct live *live)
{
	struct buf ders[CERT_MAX_CHAIN];
	br_sha256_context sc;
	char *text = NULL;
	size_t len, i, used = 0;
	int n, rc = -1;

	if (store_read_file(path, LIVE_FILE_MAX, &text, &len) != 0)
		return -1;
	memset(ders, 0, sizeof(ders));
	n = cert_chain_split(text, len, ders);
	free(text);
	if (n <= 0) {
		error_set("%s: no PEM certificate; the live version is damaged", path);
		goto out;
	}
	if (cert_parse((const unsigned char *)ders[0].data, ders[0].len, &live->info) != 0) {
		error_prefix("%s", path);
		goto out;
	}
	br_sha256_init(&sc);
	br_sha256_update(&sc, ders[0].data, ders[0].len);
	br_sha256_out(&sc, live->sha256);
	for (i = 0; i < live->info.name_count && used < sizeof(live->names); i++)
		used += (size_t)snprintf(live->names + used, sizeof(live->names) - used, "%s%s",
		    i > 0 ? " " : "", live->info.names[i]);
	rc = 0;
out:
	for (n = 0; n < CERT_MAX_CHAIN; n++)
		buf_free(&ders[n]);
	return rc;
}

/* see live.h */
int
live_read(const char *state_dir, const char *name, struct live *live)
{
	char path[PATH_MAX + 32];

	memset(live, 0, sizeof(*live));
	if (store_cert_path(live->dir, sizeof(live->dir), state_dir, name, "live") != 0)
		return error_set("the state directory path '%s' is too long", state_dir);
	snprintf(path, sizeof(path), "%s/cert.pem", live->dir);
	if (access(path, F_OK) != 0) {
		if (errno == ENOENT)
			return 0;
		return error_set("%s: %s", path, strerror(errno));
	}
	if (read_leaf(path, live) != 0)
		return -1;
	live->present = 1;

	/*
	 * The key type decides "key changed". It is read from the certificate,
	 * whose key matched privkey.pem when it was installed, so a run over a
	 * thousand certificates does no private-key arithmetic.
	 */
	snprintf(live->key_type, sizeof(live->key_type), "%s", live->info.key_type);
	return 0;
}

/* see live.h */
int
live_decide(const struct config_cert *cert, const struct live *live, const struct store_state *state,
    long long now, struct renew_decision *out)
{
	static char want[STORE_STATE_NAMES_MAX];
	struct renew_input in;

	live_config_names(cert, want, sizeof(want));
	memset(&in, 0, sizeof(in));
	in.now = now;
	in.has_cert = live->present;
	in.not_before = live->info.not_before;
	in.not_after = live->info.not_after;
	in.cert_names = live->names;
	in.cert_key_type = live->key_type[0] != '\0' ? live->key_type : NULL;
	in.want_names = want;
	in.want_key_type = cert->settings.key;
	in.renew_days = cert->settings.renew_days > 0 ? cert->settings.renew_days : 0;
	in.state = state;
	renew_decide(&in, out);
	return out->due;
}
