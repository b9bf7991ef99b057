/*
 * libFuzzer target for what the ACME layer reads from a CA without a
 * socket: the directory parser and the problem document formatter. Any
 * input must be accepted or rejected without a crash. Every URL accepted
 * into the directory must pass acme_url_valid, and the problem text must
 * be NUL-terminated within its buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acme_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_url(const char *url, int required)
{
	if (url[0] == '\0' && !required)
		return;
	if (!acme_url_valid(url))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct acme_directory dir;
	static struct acme_json j;
	char text[900];

	if (acme_directory_parse((const char *)data, size, &dir) == 0) {
		check_url(dir.new_nonce, 1);
		check_url(dir.new_account, 1);
		check_url(dir.new_order, 1);
		check_url(dir.revoke_cert, 0);
		check_url(dir.key_change, 0);
		check_url(dir.renewal_info, 0);
		if (dir.profile_count < 0 || dir.profile_count > ACME_MAX_PROFILES)
			abort();
	}

	if (acme_parse_text((const char *)data, size, &j) == 0) {
		memset(text, 'x', sizeof(text));
		acme_problem_text(&j, 0, text, sizeof(text));
		if (memchr(text, '\0', sizeof(text)) == NULL)
			abort();
	}
	return 0;
}
