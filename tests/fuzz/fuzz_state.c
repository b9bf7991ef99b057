/*
 * Fuzz the state file reader: whatever parses must format and parse back
 * to the same values. Build:
 *	clang -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc \
 *	    tests/fuzz/fuzz_state.c src/store.c src/log.c src/buf.c
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[STORE_STATE_MAX];
	struct store_state a, b;
	int n;

	if (store_state_parse((const char *)data, size, &a) != 0)
		return 0;
	n = store_state_format(&a, text, sizeof(text));
	if (n < 0)
		return 0;
	if (store_state_parse(text, (size_t)n, &b) != 0)
		abort();
	if (a.failures != b.failures || a.last_attempt != b.last_attempt || a.ari_instant != b.ari_instant ||
	    a.last_result != b.last_result || strcmp(a.names, b.names) != 0 ||
	    strcmp(a.key_type, b.key_type) != 0)
		abort();
	return 0;
}
