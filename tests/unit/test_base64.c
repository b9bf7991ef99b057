#include <string.h>

#include "base64.h"
#include "unit.h"

/* RFC 4648 section 10 test vectors. */
static const struct {
	const char *plain;
	const char *std;
	const char *url;
} rfc4648[] = {
	{ "", "", "" },
	{ "f", "Zg==", "Zg" },
	{ "fo", "Zm8=", "Zm8" },
	{ "foo", "Zm9v", "Zm9v" },
	{ "foob", "Zm9vYg==", "Zm9vYg" },
	{ "fooba", "Zm9vYmE=", "Zm9vYmE" },
	{ "foobar", "Zm9vYmFy", "Zm9vYmFy" },
};

TEST(base64_rfc4648_encode)
{
	size_t i;
	char out[32];

	for (i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
		size_t n = strlen(rfc4648[i].plain);

		CHECK_INT(base64_encode(out, rfc4648[i].plain, n, BASE64_STD), strlen(rfc4648[i].std));
		CHECK_STR(out, rfc4648[i].std);
		CHECK_INT(base64_encoded_len(n, BASE64_STD), strlen(rfc4648[i].std));
		CHECK_INT(base64_encode(out, rfc4648[i].plain, n, BASE64_URL), strlen(rfc4648[i].url));
		CHECK_STR(out, rfc4648[i].url);
		CHECK_INT(base64_encoded_len(n, BASE64_URL), strlen(rfc4648[i].url));
	}
}

TEST(base64_rfc4648_decode)
{
	size_t i, len;
	char out[32];

	for (i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
		const char *std = rfc4648[i].std, *url = rfc4648[i].url;
		size_t n = strlen(rfc4648[i].plain);

		CHECK_INT(base64_decode(out, sizeof(out), &len, std, strlen(std), BASE64_STD), 0);
		CHECK_MEM(out, len, rfc4648[i].plain, n);
		CHECK_INT(base64_decode(out, sizeof(out), &len, url, strlen(url), BASE64_URL), 0);
		CHECK_MEM(out, len, rfc4648[i].plain, n);
		CHECK_INT(base64_decode(out, sizeof(out), &len, std, strlen(std), BASE64_ANY), 0);
		CHECK_MEM(out, len, rfc4648[i].plain, n);
		CHECK_INT(base64_decode(out, sizeof(out), &len, url, strlen(url), BASE64_ANY), 0);
		CHECK_MEM(out, len, rfc4648[i].plain, n);
	}
}

TEST(base64_alphabets_differ)
{
	const unsigned char bytes[] = { 0xfb, 0xff, 0xbf };
	char out[8];
	size_t len;
	unsigned char back[8];

	base64_encode(out, bytes, 3, BASE64_STD);
	CHECK_STR(out, "+/+/");
	base64_encode(out, bytes, 3, BASE64_URL);
	CHECK_STR(out, "-_-_");
	CHECK_INT(base64_decode(back, sizeof(back), &len, "+/+/", 4, BASE64_URL), -1);
	CHECK_INT(base64_decode(back, sizeof(back), &len, "-_-_", 4, BASE64_STD), -1);
	CHECK_INT(base64_decode(back, sizeof(back), &len, "-_+/", 4, BASE64_ANY), 0);
	CHECK_MEM(back, len, bytes, 3);
}

TEST(base64_rejects_invalid)
{
	static const struct {
		const char *text;
		enum base64_alphabet alphabet;
	} bad[] = {
		{ "Zg", BASE64_STD },		/* padding missing */
		{ "Zg==", BASE64_URL },		/* padding forbidden */
		{ "Zg=", BASE64_ANY },		/* partial padding */
		{ "Zh==", BASE64_STD },		/* non-zero leftover bits */
		{ "Z", BASE64_URL },		/* one digit cannot encode a byte */
		{ "Zm9v YmFy", BASE64_STD },	/* whitespace */
		{ "Zm9v\nYmFy", BASE64_ANY },
		{ "Zm9=v", BASE64_ANY },	/* padding in the middle */
		{ "Zm9v*", BASE64_ANY },
		{ "===", BASE64_ANY },
	};
	unsigned char out[16];
	size_t i, len;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!CHECK_INT(base64_decode(out, sizeof(out), &len, bad[i].text, strlen(bad[i].text),
		    bad[i].alphabet), -1))
			unit_fail(__FILE__, __LINE__, "accepted \"%s\"", bad[i].text);
}

TEST(base64_decode_overflow)
{
	unsigned char out[6];
	size_t len;

	CHECK_INT(base64_decode(out, 5, &len, "Zm9vYmFy", 8, BASE64_STD), -1);
	CHECK_INT(base64_decode(out, 6, &len, "Zm9vYmFy", 8, BASE64_STD), 0);
	CHECK_INT(len, 6);
}

TEST(base64_buf_append)
{
	struct buf b = { 0 };

	buf_puts(&b, "x.");
	buf_base64(&b, "foobar", 6, BASE64_URL);
	buf_base64(&b, "f", 1, BASE64_STD);
	CHECK_INT(b.failed, 0);
	CHECK_STR(b.data, "x.Zm9vYmFyZg==");
	buf_free(&b);
}
