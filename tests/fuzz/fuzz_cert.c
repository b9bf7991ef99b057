/*
 * libFuzzer target for the certificate reader: cert_parse() on arbitrary
 * bytes, and on a success the certID and the text fields, which must be
 * NUL-terminated within their arrays. Build and run by hand, from the top
 * directory after a first build (so BearSSL's headers are unpacked):
 *
 *	make -f third_party/bearssl.mk BUILD=build/fuzz CC=clang BR_CFLAGS='-O1 -g -fsanitize=address'
 *	clang -O1 -g -fsanitize=fuzzer,address -D_GNU_SOURCE -Isrc -Ibuild/bearssl-src/inc \
 *	    tests/fuzz/fuzz_cert.c src/asn1.c src/base64.c src/buf.c src/cert.c src/key.c src/log.c \
 *	    src/pem.c build/fuzz/libbearssl.a -o build/fuzz/fuzz_cert
 *	mkdir -p build/fuzz/corpus
 *	build/fuzz/fuzz_cert -max_total_time=30 build/fuzz/corpus tests/fuzz/corpus/cert
 *
 * libFuzzer adds new inputs to the first directory, so the seeds stay as they are.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cert_info info;
	char id[256];
	size_t i;

	if (cert_parse(data, size, &info) != 0)
		return 0;

	/* Read every field a caller prints, so that ASan reports a missing terminator. */
	(void)cert_ari_id(&info, id, sizeof(id));
	if (strlen(info.subject_cn) >= sizeof(info.subject_cn) || strlen(info.issuer_cn) >= sizeof(info.issuer_cn))
		__builtin_trap();
	if (info.name_count > CERT_MAX_NAMES || info.serial_len > sizeof(info.serial) ||
	    info.aki_len > sizeof(info.aki))
		__builtin_trap();
	for (i = 0; i < info.name_count; i++) {
		if (strlen(info.names[i]) >= sizeof(info.names[i]))
			__builtin_trap();
	}
	return 0;
}
