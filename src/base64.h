/*
 * Base64 (RFC 4648). BASE64_STD is section 4 with '=' padding, as in PEM.
 * BASE64_URL is section 5 without padding, as JOSE requires (RFC 7515
 * section 2). BASE64_ANY decodes either alphabet with or without padding,
 * for secrets that people paste from a CA's web page, such as EAB keys.
 * Decoding rejects any other character, including whitespace, and
 * non-zero bits left over in the last character.
 */
#ifndef KEEPCERT_BASE64_H
#define KEEPCERT_BASE64_H

#include <stddef.h>

#include "buf.h"

enum base64_alphabet {
	BASE64_STD,
	BASE64_URL,
	BASE64_ANY,	/* decoding only */
};

/* Length of the encoding of N bytes, without a terminating NUL. */
size_t base64_encoded_len(size_t n, enum base64_alphabet alphabet);

/* Encode N bytes into OUT, which must hold base64_encoded_len(N) + 1 bytes; returns the length. */
size_t base64_encode(char *out, const void *in, size_t n, enum base64_alphabet alphabet);

/* Append the encoding of N bytes to B. */
void buf_base64(struct buf *b, const void *in, size_t n, enum base64_alphabet alphabet);

/* Decode IN[0..N) into OUT of size CAP. Returns 0 and sets *OUT_LEN, or -1 on invalid input or overflow. */
int base64_decode(void *out, size_t cap, size_t *out_len, const char *in, size_t n,
    enum base64_alphabet alphabet);

#endif
