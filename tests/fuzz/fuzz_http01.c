/*
 * libFuzzer target for the standalone http-01 listener's request handling.
 * Any request must get a complete response or a "need more" result, never
 * a crash, and only a request for the one known token may get its key
 * authorization.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "challenge_http.h"

#define TOKEN "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA"
#define KEY_AUTH TOKEN ".9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http01_server s;
	struct buf out = { 0 };
	int rc;

	if (s.token_count == 0) {
		s.listen_fd = -1;
		if (http01_add(&s, TOKEN, KEY_AUTH) != 0)
			abort();
	}
	if (size > HTTP01_MAX_REQUEST)
		size = HTTP01_MAX_REQUEST;

	rc = http01_respond(&s, (const char *)data, size, &out);
	if (rc < -1 || rc > 1 || (rc != 0 && out.len == 0) || (rc == 0 && out.len != 0))
		abort();
	if (out.data != NULL && strstr(out.data, KEY_AUTH) != NULL &&
	    (size < 4 || memmem(data, size, TOKEN, strlen(TOKEN)) == NULL))
		abort();
	buf_free(&out);
	return 0;
}
