#include <stdint.h>

#include "base64.h"

static const char std_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* see base64.h */
size_t
base64_encoded_len(size_t n, enum base64_alphabet alphabet)
{
	if (alphabet == BASE64_URL)
		return n / 3 * 4 + (n % 3 == 0 ? 0 : n % 3 + 1);
	return (n + 2) / 3 * 4;
}

/* see base64.h */
size_t
base64_encode(char *out, const void *in, size_t n, enum base64_alphabet alphabet)
{
	const unsigned char *p = in;
	const char *chars = alphabet == BASE64_URL ? url_chars : std_chars;
	size_t i, len = 0;

	for (i = 0; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		out[len++] = chars[v >> 18];
		out[len++] = chars[(v >> 12) & 63];
		out[len++] = chars[(v >> 6) & 63];
		out[len++] = chars[v & 63];
	}

	if (n - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;

		out[len++] = chars[v >> 18];
		out[len++] = chars[(v >> 12) & 63];
		if (alphabet != BASE64_URL) {
			out[len++] = '=';
			out[len++] = '=';
		}
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;

		out[len++] = chars[v >> 18];
		out[len++] = chars[(v >> 12) & 63];
		out[len++] = chars[(v >> 6) & 63];
		if (alphabet != BASE64_URL)
			out[len++] = '=';
	}
	out[len] = '\0';
	return len;
}

/* see base64.h */
void
buf_base64(struct buf *b, const void *in, size_t n, enum base64_alphabet alphabet)
{
	size_t len = base64_encoded_len(n, alphabet);
	char *p = buf_reserve(b, len);

	if (p == NULL)
		return;
	base64_encode(p, in, n, alphabet);
	b->len += len;
}

/* The 6-bit value of C in ALPHABET, or -1. */
static int
char_value(char c, enum base64_alphabet alphabet)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if ((c == '+' || c == '/') && alphabet != BASE64_URL)
		return c == '+' ? 62 : 63;
	if ((c == '-' || c == '_') && alphabet != BASE64_STD)
		return c == '-' ? 62 : 63;
	return -1;
}

/* see base64.h */
int
base64_decode(void *out, size_t cap, size_t *out_len, const char *in, size_t n,
    enum base64_alphabet alphabet)
{
	unsigned char *o = out;
	uint32_t acc = 0;
	size_t i, len = 0, pad = 0, digits;
	int bits = 0;

	/* Padding: required for STD, forbidden for URL, optional for ANY. */
	while (pad < 2 && pad < n && in[n - 1 - pad] == '=')
		pad++;
	digits = n - pad;
	if (alphabet == BASE64_URL && pad != 0)
		return -1;
	if (alphabet == BASE64_STD && n % 4 != 0)
		return -1;
	if (pad != 0 && n % 4 != 0)
		return -1;
	if (digits % 4 == 1)
		return -1;

	for (i = 0; i < digits; i++) {
		int v = char_value(in[i], alphabet);

		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (len >= cap)
				return -1;
			o[len++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}

	/* Leftover bits must be zero, so that every byte string has one encoding. */
	if (acc != 0)
		return -1;
	*out_len = len;
	return 0;
}
