/*
 * Tests aimed at mistakes that show only on some machines. Byte order:
 * mips and s390x are big-endian. Alignment: MIPS traps on unaligned word
 * loads and ARMv7 on some. Word size: armhf and MIPS have a 32-bit size_t.
 * Plain char is unsigned on ARM and s390x but signed on x86, and a va_list
 * is consumed by use on x86-64, s390x and ARM. Each test compares with an
 * independent computation, and `make test-cross` runs them on every target.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base64.h"
#include "buf.h"
#include "unit.h"

#define MAX_LEN 300
#define GUARD 0xa5

/* The alphabets of RFC 4648 sections 4 and 5, indexed by 6-bit value. */
static const char std_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/*
 * Encode one bit at a time, most significant bit of each byte first, as
 * RFC 4648 section 4 describes the bit stream. Nothing here loads more
 * than a byte, so it cannot share a byte-order mistake with base64_encode.
 */
static size_t
encode_bitwise(char *out, const unsigned char *in, size_t n, enum base64_alphabet alphabet)
{
	const char *chars = alphabet == BASE64_URL ? url_alphabet : std_alphabet;
	size_t bit, len = 0;
	unsigned digit = 0, digit_bits = 0;

	for (bit = 0; bit < n * 8; bit++) {
		digit = digit << 1 | ((in[bit / 8] >> (7 - bit % 8)) & 1);
		if (++digit_bits == 6) {
			out[len++] = chars[digit];
			digit = 0;
			digit_bits = 0;
		}
	}
	if (digit_bits != 0)
		out[len++] = chars[digit << (6 - digit_bits)];
	while (alphabet != BASE64_URL && len % 4 != 0)
		out[len++] = '=';
	out[len] = '\0';
	return len;
}

/* Fill P with every byte value once in each run of 256 bytes: 151 is odd, so i * 151 is a permutation mod 256. */
static void
fill_all_bytes(unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 151 + 7);
}

/* Require every byte of P[0..N) to still be GUARD; report WHAT on failure. */
static int
guard_intact(const unsigned char *p, size_t n, const char *what, size_t len, size_t offset)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != GUARD) {
			unit_fail(__FILE__, __LINE__, "%s: byte %zu outside the output changed (length %zu, offset %zu)",
			    what, i, len, offset);
			return 0;
		}
	return 1;
}

/*
 * Lengths 0 to 300, so that every remainder mod 3 meets every byte value,
 * and input and output starting at each of 8 offsets, so that neither
 * side is ever word-aligned by luck. The output must equal the bit-serial
 * encoding exactly and leave the bytes around it untouched.
 */
TEST(portable_base64_encode_bitwise_all_offsets)
{
	static const enum base64_alphabet alphabets[] = { BASE64_STD, BASE64_URL };
	unsigned char in[MAX_LEN + 8];
	unsigned char out[8 + (MAX_LEN + 2) / 3 * 4 + 1 + 8];
	char want[(MAX_LEN + 2) / 3 * 4 + 1];
	size_t n, offset, a, want_len, got_len;

	for (a = 0; a < 2; a++)
		for (n = 0; n <= MAX_LEN; n++)
			for (offset = 0; offset < 8; offset++) {
				fill_all_bytes(in + offset, n);
				want_len = encode_bitwise(want, in + offset, n, alphabets[a]);
				memset(out, GUARD, sizeof(out));

				got_len = base64_encode((char *)out + offset, in + offset, n, alphabets[a]);
				if (!CHECK_INT(got_len, want_len) || !CHECK_INT(base64_encoded_len(n, alphabets[a]), want_len)
				    || !CHECK_MEM(out + offset, got_len + 1, want, want_len + 1)
				    || !guard_intact(out, offset, "before", n, offset)
				    || !guard_intact(out + offset + got_len + 1, sizeof(out) - offset - got_len - 1,
				    "after", n, offset))
					return;
			}
}

/*
 * Decoding the bit-serial encoding gives the bytes back, into an output
 * at each of 8 offsets and exactly as large as needed. One byte less is
 * an overflow. Neither call writes past the output.
 */
TEST(portable_base64_decode_bitwise_all_offsets)
{
	static const struct {
		enum base64_alphabet encode, decode;
	} pairs[] = {
		{ BASE64_STD, BASE64_STD }, { BASE64_URL, BASE64_URL },
		{ BASE64_STD, BASE64_ANY }, { BASE64_URL, BASE64_ANY },
	};
	unsigned char plain[MAX_LEN];
	unsigned char out[8 + MAX_LEN + 8];
	char text[(MAX_LEN + 2) / 3 * 4 + 1];
	size_t n, offset, p, text_len, len;

	fill_all_bytes(plain, sizeof(plain));
	for (p = 0; p < sizeof(pairs) / sizeof(pairs[0]); p++)
		for (n = 0; n <= MAX_LEN; n++) {
			text_len = encode_bitwise(text, plain, n, pairs[p].encode);
			for (offset = 0; offset < 8; offset++) {
				memset(out, GUARD, sizeof(out));
				len = SIZE_MAX;
				if (!CHECK_INT(base64_decode(out + offset, n, &len, text, text_len, pairs[p].decode), 0)
				    || !CHECK_MEM(out + offset, len, plain, n)
				    || !guard_intact(out + offset + n, sizeof(out) - offset - n, "after", n, offset))
					return;
				if (n == 0)
					continue;

				memset(out, GUARD, sizeof(out));
				if (!CHECK_INT(base64_decode(out + offset, n - 1, &len, text, text_len, pairs[p].decode), -1)
				    || !guard_intact(out + offset + n - 1, sizeof(out) - offset - n + 1, "after", n, offset))
					return;
			}
		}
}

/*
 * Every one of the 256 byte values in every position of a group of four:
 * the decoder accepts exactly the digits of the alphabet asked for, and
 * what it accepts encodes back to the same text. A lookup indexed by a
 * plain char would read out of bounds where char is signed, or accept
 * bytes above 0x7f where it is unsigned.
 */
TEST(portable_base64_decode_every_byte_value)
{
	static const enum base64_alphabet alphabets[] = { BASE64_STD, BASE64_URL, BASE64_ANY };
	unsigned char out[3];
	char text[5], back[5];
	size_t a, pos, len;
	int c;

	for (a = 0; a < 3; a++)
		for (pos = 0; pos < 4; pos++)
			for (c = 0; c < 256; c++) {
				int std = c != 0 && strchr(std_alphabet, c) != NULL;
				int url = c != 0 && strchr(url_alphabet, c) != NULL;
				int valid = std || url;
				int got;

				if (alphabets[a] == BASE64_STD)
					valid = std;
				else if (alphabets[a] == BASE64_URL)
					valid = url;

				memcpy(text, "Zm9v", 5);
				text[pos] = (char)c;
				got = base64_decode(out, sizeof(out), &len, text, 4, alphabets[a]);
				if (!CHECK_INT(got, valid ? 0 : -1)) {
					unit_fail(__FILE__, __LINE__, "byte 0x%02x at position %zu, alphabet %zu", c, pos, a);
					return;
				}
				if (!valid)
					continue;

				/* Re-encode in the alphabet the byte belongs to. */
				base64_encode(back, out, len, url && !std ? BASE64_URL : BASE64_STD);
				if (!CHECK_STR(back, text))
					return;
			}
}

/*
 * Appends of lengths 1 to 509, of bytes that include NUL and every value
 * above 0x7f, through each doubling of the allocation past 64 KiB. The
 * content stays byte for byte what was appended, followed by a NUL, and
 * len counts exactly. A size kept in a narrower type, or a copy that
 * trusts alignment, loses bytes at one of the boundaries.
 */
TEST(portable_buf_growth_keeps_every_byte)
{
	static unsigned char pattern[80000];
	struct buf b = { 0 };
	size_t chunk = 1, total = 0, cap = 0, growths = 0;

	fill_all_bytes(pattern, sizeof(pattern));
	while (total + chunk <= sizeof(pattern)) {
		buf_append(&b, pattern + total, chunk);
		total += chunk;
		if (!CHECK_INT(b.failed, 0) || !CHECK_INT(b.len, total) || !CHECK_INT(b.data[b.len], '\0')
		    || !CHECK(b.cap > b.len))
			break;
		if (b.cap != cap) {
			growths++;
			cap = b.cap;
			if (!CHECK_MEM(b.data, b.len, pattern, total))
				break;
		}
		chunk = chunk % 509 + 1;
	}
	CHECK_MEM(b.data, b.len, pattern, total);
	/* 256 bytes first, then doubled: 256 .. 131072 is 10 allocations. */
	CHECK_INT(growths, 10);
	buf_free(&b);
}

/*
 * Sizes near SIZE_MAX are refused before any arithmetic can wrap: with a
 * 32-bit size_t, len + 1 + SIZE_MAX is small again, and a check written
 * as "b->len + len > limit" would let the append through.
 */
TEST(portable_buf_refuses_sizes_that_wrap)
{
	struct buf b = { 0 };

	buf_puts(&b, "x");
	CHECK(buf_reserve(&b, SIZE_MAX) == NULL);
	CHECK_INT(b.failed, 1);
	buf_reset(&b);
	CHECK(buf_reserve(&b, SIZE_MAX - 1) == NULL);
	CHECK_INT(b.failed, 1);
	buf_free(&b);

	b.limit = SIZE_MAX;
	buf_puts(&b, "xy");
	CHECK(buf_reserve(&b, SIZE_MAX - 1) == NULL);
	CHECK_INT(b.failed, 1);
	CHECK_INT(b.len, 2);
	buf_free(&b);
}

/*
 * buf_printf formats twice, once to measure and once into the grown
 * buffer, so it must start the arguments afresh the second time: where a
 * va_list is consumed by use, reusing it prints garbage. The 64-bit
 * arguments also sit in aligned register pairs or stack slots on 32-bit
 * ARM and MIPS. The C library's snprintf into a fixed array is the
 * reference. No floating point: the mipsel build has no FPU to use.
 */
TEST(portable_buf_printf_wide_arguments)
{
	struct buf b = { 0 };
	char want[2048];
	const char *word = "renew";
	int i;

	for (i = 0; i < 3; i++) {
		buf_printf(&b, "%d|%lld|%" PRIu64 "|%zu|%s|%c|%" PRId64 "|%hhu|%300s|%x|",
		    -i, (long long)INT64_MIN + i, UINT64_MAX - (uint64_t)i, SIZE_MAX - (size_t)i, word, 'k',
		    (int64_t)0x123456789abcdefLL * (i + 1), 250 + i, word, 0xfeedu + (unsigned)i);
	}
	want[0] = '\0';
	for (i = 0; i < 3; i++) {
		size_t used = strlen(want);

		snprintf(want + used, sizeof(want) - used, "%d|%lld|%" PRIu64 "|%zu|%s|%c|%" PRId64 "|%hhu|%300s|%x|",
		    -i, (long long)INT64_MIN + i, UINT64_MAX - (uint64_t)i, SIZE_MAX - (size_t)i, word, 'k',
		    (int64_t)0x123456789abcdefLL * (i + 1), 250 + i, word, 0xfeedu + (unsigned)i);
	}
	CHECK_INT(b.failed, 0);
	CHECK_INT(b.len, strlen(want));
	CHECK_STR(b.data, want);
	buf_free(&b);
}
