#include <string.h>

#include "asn1.h"
#include "unit.h"

/* Write an OCTET STRING of LEN bytes and compare its header with the expected length octets. */
static void
check_length_form(size_t len, const unsigned char *header, size_t header_len)
{
	static unsigned char content[70000];
	struct buf b = { 0 };
	struct asn1 in;
	struct asn1_elem e;

	asn1_write_tlv(&b, ASN1_OCTET_STRING, content, len);
	CHECK(!b.failed);
	CHECK_INT(b.len, header_len + len);
	CHECK_MEM(b.data, header_len, header, header_len);

	/* The reader takes back what the writer wrote. */
	in.p = (const unsigned char *)b.data;
	in.len = b.len;
	CHECK_INT(asn1_next(&in, &e), ASN1_OK);
	CHECK_INT(e.tag, ASN1_OCTET_STRING);
	CHECK_INT(e.len, len);
	CHECK_INT(e.raw_len, b.len);
	CHECK_INT(in.len, 0);
	buf_free(&b);
}

TEST(asn1_length_forms)
{
	check_length_form(0, (const unsigned char *)"\x04\x00", 2);
	check_length_form(127, (const unsigned char *)"\x04\x7f", 2);
	check_length_form(128, (const unsigned char *)"\x04\x81\x80", 3);
	check_length_form(255, (const unsigned char *)"\x04\x81\xff", 3);
	check_length_form(256, (const unsigned char *)"\x04\x82\x01\x00", 4);
	check_length_form(65535, (const unsigned char *)"\x04\x82\xff\xff", 4);
	check_length_form(65536, (const unsigned char *)"\x04\x83\x01\x00\x00", 5);
}

TEST(asn1_begin_end_nested)
{
	static unsigned char big[300];
	struct buf b = { 0 };
	size_t outer, inner;

	/* The inner element grows past 127 bytes, so both lengths need the long form. */
	outer = asn1_begin(&b, ASN1_SEQUENCE);
	inner = asn1_begin(&b, ASN1_SET);
	asn1_write_tlv(&b, ASN1_OCTET_STRING, big, sizeof(big));
	asn1_end(&b, inner);
	asn1_write_small_int(&b, 5);
	asn1_end(&b, outer);

	CHECK(!b.failed);
	CHECK_MEM(b.data, 4, "\x30\x82\x01\x37", 4);
	CHECK_MEM(b.data + 4, 4, "\x31\x82\x01\x30", 4);
	CHECK_MEM(b.data + 8, 4, "\x04\x82\x01\x2c", 4);
	CHECK_MEM(b.data + b.len - 3, 3, "\x02\x01\x05", 3);
	CHECK_INT(b.len, 4 + 4 + 4 + 300 + 3);
	buf_free(&b);
}

TEST(asn1_integer_encoding)
{
	struct buf b = { 0 };

	/* A set top bit gets a zero byte; leading zeros go; zero stays one byte. */
	asn1_write_unsigned(&b, (const unsigned char *)"\x80", 1);
	CHECK_MEM(b.data, b.len, "\x02\x02\x00\x80", 4);
	buf_reset(&b);
	asn1_write_unsigned(&b, (const unsigned char *)"\x00\x00\x7f\x01", 4);
	CHECK_MEM(b.data, b.len, "\x02\x02\x7f\x01", 4);
	buf_reset(&b);
	asn1_write_unsigned(&b, (const unsigned char *)"\x00\x00", 2);
	CHECK_MEM(b.data, b.len, "\x02\x01\x00", 3);
	buf_reset(&b);
	asn1_write_small_int(&b, 0);
	CHECK_MEM(b.data, b.len, "\x02\x01\x00", 3);
	buf_reset(&b);
	asn1_write_small_int(&b, 65537);
	CHECK_MEM(b.data, b.len, "\x02\x03\x01\x00\x01", 5);
	buf_reset(&b);
	asn1_write_bit_string(&b, "\xab", 1);
	CHECK_MEM(b.data, b.len, "\x03\x02\x00\xab", 4);
	buf_free(&b);
}

/* Run asn1_next on LEN bytes of DER and return its result. */
static int
read_one(const char *der, size_t len)
{
	struct asn1 in = { (const unsigned char *)der, len };
	struct asn1_elem e;

	return asn1_next(&in, &e);
}

TEST(asn1_reader_rejects_bad_lengths)
{
	CHECK_INT(read_one("", 0), ASN1_ERR_END);
	CHECK_INT(read_one("\x04", 1), ASN1_ERR_TRUNCATED);
	CHECK_INT(read_one("\x04\x82\x01", 3), ASN1_ERR_TRUNCATED);
	/* Length beyond the input. */
	CHECK_INT(read_one("\x04\x03\xaa\xbb", 4), ASN1_ERR_LENGTH);
	CHECK_INT(read_one("\x04\x81\x80\x00", 4), ASN1_ERR_LENGTH);
	/* Five length octets: past what any certificate needs. */
	CHECK_INT(read_one("\x04\x85\x01\x00\x00\x00\x00", 7), ASN1_ERR_LENGTH);
	/* BER forms that DER forbids. */
	CHECK_INT(read_one("\x30\x80\x00\x00", 4), ASN1_ERR_NONMINIMAL);
	CHECK_INT(read_one("\x04\x81\x05\x01\x02\x03\x04\x05", 8), ASN1_ERR_NONMINIMAL);
	CHECK_INT(read_one("\x04\x82\x00\x81", 4), ASN1_ERR_NONMINIMAL);
	/* A multi-octet tag. */
	CHECK_INT(read_one("\x1f\x81\x00\x00", 4), ASN1_ERR_TAG);
	/* A well-formed element. */
	CHECK_INT(read_one("\x05\x00", 2), ASN1_OK);
}

TEST(asn1_reader_stays_inside_container)
{
	/* SEQUENCE of 3 bytes whose inner OCTET STRING claims 4: the outer read succeeds, the inner must not. */
	static const unsigned char der[] = { 0x30, 0x03, 0x04, 0x04, 0xaa, 0xbb, 0xcc, 0xdd };
	struct asn1 in = { der, sizeof(der) }, inner;
	struct asn1_elem seq, e;

	CHECK_INT(asn1_expect(&in, ASN1_SEQUENCE, &seq), ASN1_OK);
	CHECK_INT(seq.len, 3);
	CHECK_INT(in.len, 3);
	asn1_enter(&seq, &inner);
	CHECK_INT(asn1_next(&inner, &e), ASN1_ERR_LENGTH);
}

TEST(asn1_expect_wrong_tag_keeps_position)
{
	static const unsigned char der[] = { 0x02, 0x01, 0x05, 0x05, 0x00 };
	struct asn1 in = { der, sizeof(der) };
	struct asn1_elem e;

	CHECK(asn1_peek(&in, ASN1_INTEGER));
	CHECK(!asn1_peek(&in, ASN1_NULL));
	CHECK_INT(asn1_expect(&in, ASN1_NULL, &e), ASN1_ERR_TAG);
	CHECK_INT(in.len, sizeof(der));
	CHECK_INT(asn1_expect(&in, ASN1_INTEGER, &e), ASN1_OK);
	CHECK_INT(e.len, 1);
	CHECK_INT(e.data[0], 5);
	CHECK_INT(asn1_expect(&in, ASN1_NULL, &e), ASN1_OK);
	CHECK_INT(asn1_next(&in, &e), ASN1_ERR_END);
}

TEST(asn1_oid_constants)
{
	struct asn1_elem e = { ASN1_OID, (const unsigned char *)"\x55\x1d\x11", 3, NULL, 0 };

	CHECK(asn1_oid_equal(&e, OID_SUBJECT_ALT_NAME, ASN1_OID_LEN(OID_SUBJECT_ALT_NAME)));
	CHECK(!asn1_oid_equal(&e, OID_AUTHORITY_KEY_ID, ASN1_OID_LEN(OID_AUTHORITY_KEY_ID)));
	CHECK_INT(ASN1_OID_LEN(OID_P256), 8);
	CHECK_INT(ASN1_OID_LEN(OID_P384), 5);
}

TEST(asn1_days_from_civil)
{
	CHECK_INT(asn1_days_from_civil(1970, 1, 1), 0);
	CHECK_INT(asn1_days_from_civil(1969, 12, 31), -1);
	CHECK_INT(asn1_days_from_civil(2000, 1, 1), 10957);
	CHECK_INT(asn1_days_from_civil(2000, 3, 1), 11017);
	CHECK_INT(asn1_days_from_civil(2038, 1, 19), 24855);
	CHECK_INT(asn1_days_from_civil(1950, 1, 1), -7305);
	CHECK_INT(asn1_days_from_civil(2100, 3, 1), 47541);
	CHECK_INT(asn1_days_from_civil(9999, 12, 31), 2932896);
}

/* Parse time TEXT with TAG; returns the asn1 result and stores the seconds. */
static int
read_time(unsigned char tag, const char *text, int64_t *seconds)
{
	struct asn1_elem e = { tag, (const unsigned char *)text, strlen(text), NULL, 0 };

	*seconds = -12345;
	return asn1_read_time(&e, seconds);
}

TEST(asn1_time_values)
{
	int64_t t;

	CHECK_INT(read_time(ASN1_UTC_TIME, "700101000000Z", &t), ASN1_OK);
	CHECK_INT(t, 0);
	CHECK_INT(read_time(ASN1_UTC_TIME, "380119031407Z", &t), ASN1_OK);
	CHECK_INT(t, 2147483647);
	/* UTCTime 50..99 are 19xx, 00..49 are 20xx. */
	CHECK_INT(read_time(ASN1_UTC_TIME, "500101000000Z", &t), ASN1_OK);
	CHECK_INT(t, -631152000);
	CHECK_INT(read_time(ASN1_UTC_TIME, "491231235959Z", &t), ASN1_OK);
	CHECK_INT(t, 2524607999);
	CHECK_INT(read_time(ASN1_GENERALIZED_TIME, "20500101000000Z", &t), ASN1_OK);
	CHECK_INT(t, 2524608000);
	CHECK_INT(read_time(ASN1_UTC_TIME, "240229120000Z", &t), ASN1_OK);
	CHECK_INT(t, 1709208000);
}

TEST(asn1_time_rejects_invalid)
{
	int64_t t;

	CHECK_INT(read_time(ASN1_UTC_TIME, "230229000000Z", &t), ASN1_ERR_VALUE);
	CHECK_INT(read_time(ASN1_GENERALIZED_TIME, "21000229000000Z", &t), ASN1_ERR_VALUE);
	CHECK_INT(read_time(ASN1_UTC_TIME, "231301000000Z", &t), ASN1_ERR_VALUE);
	CHECK_INT(read_time(ASN1_UTC_TIME, "230100000000Z", &t), ASN1_ERR_VALUE);
	CHECK_INT(read_time(ASN1_UTC_TIME, "230101240000Z", &t), ASN1_ERR_VALUE);
	CHECK_INT(read_time(ASN1_UTC_TIME, "230101006000Z", &t), ASN1_ERR_VALUE);
	CHECK_INT(read_time(ASN1_UTC_TIME, "230101000060Z", &t), ASN1_ERR_VALUE);
	/* No zone, another zone, no seconds, a fraction: all outside RFC 5280's profile. */
	CHECK_INT(read_time(ASN1_UTC_TIME, "2301010000000", &t), ASN1_ERR_VALUE);
	CHECK_INT(read_time(ASN1_UTC_TIME, "2301010000+0100", &t), ASN1_ERR_VALUE);
	CHECK_INT(read_time(ASN1_UTC_TIME, "2301010000Z", &t), ASN1_ERR_VALUE);
	CHECK_INT(read_time(ASN1_GENERALIZED_TIME, "20230101000000.5Z", &t), ASN1_ERR_VALUE);
	CHECK_INT(read_time(ASN1_UTC_TIME, "2301a1000000Z", &t), ASN1_ERR_VALUE);
	/* A UTCTime-length value in a GeneralizedTime. */
	CHECK_INT(read_time(ASN1_GENERALIZED_TIME, "230101000000Z", &t), ASN1_ERR_VALUE);
	CHECK_INT(read_time(ASN1_OCTET_STRING, "230101000000Z", &t), ASN1_ERR_VALUE);
	CHECK_INT(t, -12345);
}

TEST(asn1_strerror_names)
{
	CHECK_STR(asn1_strerror(ASN1_ERR_LENGTH), "length past the end of its container");
	CHECK_STR(asn1_strerror(ASN1_ERR_END), "element missing");
	CHECK_STR(asn1_strerror(-99), "unknown DER error");
}
