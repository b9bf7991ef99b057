/*
 * libFuzzer target for the PEM reader. Any input must be read or rejected
 * without a crash, and every block read must come back unchanged after
 * pem_write and a second read.
 *
 * Built by hand from the top of the tree (any make target may link more files):
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc \
 *	    -o fuzz_pem tests/fuzz/fuzz_pem.c src/pem.c src/base64.c src/buf.c src/log.c
 *	./fuzz_pem -max_total_time=30 NEW_INPUTS_DIR tests/fuzz/corpus/pem
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pem.h"

/* Write one block and read it back: the label and DER must not change. */
static void
check_round_trip(const char *label, const struct buf *der)
{
	struct buf text = { 0 }, again = { 0 };
	char label2[PEM_LABEL_MAX];
	const char *pos;

	pem_write(&text, label, der->data, der->len);
	if (text.failed)
		abort();
	pos = text.data;
	if (pem_next(&pos, text.data + text.len, label2, &again) != 1)
		abort();
	if (strcmp(label, label2) != 0 || again.len != der->len ||
	    (der->len != 0 && memcmp(again.data, der->data, der->len) != 0))
		abort();
	if (pos != text.data + text.len)
		abort();
	buf_free(&text);
	buf_free(&again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *pos = (const char *)data, *end = pos + size;
	char label[PEM_LABEL_MAX];
	int blocks, rc;

	/* Each block consumes at least one line, so the loop ends. The cap only bounds the time. */
	for (blocks = 0; blocks < 64; blocks++) {
		struct buf der = { 0 };
		const char *before = pos;

		rc = pem_next(&pos, end, label, &der);
		if (rc == 1) {
			if (pos <= before || pos > end)
				abort();
			check_round_trip(label, &der);
		} else if (pos != (rc == 0 ? end : before) || der.len != 0) {
			abort();
		}
		buf_free(&der);
		if (rc != 1)
			break;
	}
	return 0;
}
