/*
 * libFuzzer target for base64. Decoding any input must not crash. Text that
 * decodes in BASE64_STD or BASE64_URL must encode back to the same text,
 * because the decoder accepts only one encoding of each byte string. Any
 * bytes must survive an encode and a decode in both alphabets.
 *
 * Built by hand from the top of the tree (any make target may link more files):
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc \
 *	    -o fuzz_base64 tests/fuzz/fuzz_base64.c src/base64.c src/buf.c
 *	./fuzz_base64 -max_total_time=30 NEW_INPUTS_DIR tests/fuzz/corpus/base64
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"

#define MAX_INPUT 4096

static void
check_decode(const uint8_t *data, size_t size, enum base64_alphabet alphabet)
{
	static unsigned char out[MAX_INPUT];
	static char again[MAX_INPUT * 2 + 1];
	size_t len;

	if (base64_decode(out, sizeof(out), &len, (const char *)data, size, alphabet) != 0)
		return;
	if (len > size)
		abort();
	if (alphabet == BASE64_ANY)
		return;
	if (base64_encode(again, out, len, alphabet) != size || memcmp(again, data, size) != 0)
		abort();
}

static void
check_encode(const uint8_t *data, size_t size, enum base64_alphabet alphabet)
{
	static char text[MAX_INPUT * 2 + 1];
	static unsigned char back[MAX_INPUT];
	size_t n, len;

	n = base64_encode(text, data, size, alphabet);
	if (n != base64_encoded_len(size, alphabet) || text[n] != '\0')
		abort();
	if (base64_decode(back, sizeof(back), &len, text, n, alphabet) != 0)
		abort();
	if (len != size || (size != 0 && memcmp(back, data, size) != 0))
		abort();
	if (base64_decode(back, sizeof(back), &len, text, n, BASE64_ANY) != 0 || len != size)
		abort();

	/* One byte too little room is an error, not an overflow. */
	if (size != 0 && base64_decode(back, size - 1, &len, text, n, alphabet) != -1)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > MAX_INPUT)
		return 0;
	check_decode(data, size, BASE64_STD);
	check_decode(data, size, BASE64_URL);
	check_decode(data, size, BASE64_ANY);
	check_encode(data, size, BASE64_STD);
	check_encode(data, size, BASE64_URL);
	return 0;
}
