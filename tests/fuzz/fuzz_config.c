/*
 * Fuzz the config parser: any bytes must either parse, and then free
 * cleanly, or fail with a message that starts with the file name. Build:
 *	clang -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc \
 *	    tests/fuzz/fuzz_config.c src/config.c src/store.c src/log.c src/buf.c
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config config;

	if (config_parse((const char *)data, size, "fuzz.conf", &config) == 0) {
		config_find(&config, "example.org");
		config_free(&config);
	} else if (strncmp(error_text(), "fuzz.conf", 9) != 0) {
		abort();
	}
	return 0;
}
