#include <string.h>

#include "asn1.h"

/* Length octets never exceed this many bytes here: 4 GiB is far past any certificate. */
#define LENGTH_MAX_OCTETS 4

static const char *const error_names[] = {
	[-ASN1_OK] = "no error",
	[-ASN1_ERR_TRUNCATED] = "input ends inside a tag or length",
	[-ASN1_ERR_LENGTH] = "length past the end of its container",
	[-ASN1_ERR_NONMINIMAL] = "indefinite or non-minimal length (not DER)",
	[-ASN1_ERR_TAG] = "unexpected or multi-octet tag",
	[-ASN1_ERR_VALUE] = "invalid contents for the type",
	[-ASN1_ERR_END] = "element missing",
};

_Static_assert(sizeof(error_names) / sizeof(error_names[0]) == 1 - ASN1_ERR_END,
    "one name per asn1_error");

/* see asn1.h */
const char *
asn1_strerror(int code)
{
	if (code > 0 || code < ASN1_ERR_END)
		return "unknown DER error";
	return error_names[-code];
}

/* Number of octets in the long-form length of LEN, or 0 for the short form. */
static size_t
length_octets(size_t len)
{
	size_t n = 0;

	if (len < 0x80)
		return 0;
	while (len != 0) {
		n++;
		len >>= 8;
	}
	return n;
}

/* Encode the length of LEN into OUT (at least 1 + sizeof(size_t) bytes); returns the count. */
static size_t
encode_length(unsigned char *out, size_t len)
{
	size_t n = length_octets(len), i;

	if (n == 0) {
		out[0] = (unsigned char)len;
		return 1;
	}
	out[0] = (unsigned char)(0x80 | n);
	for (i = 0; i < n; i++)
		out[n - i] = (unsigned char)(len >> (8 * i));
	return n + 1;
}

/* see asn1.h */
void
asn1_write_length(struct buf *b, size_t len)
{
	unsigned char octets[1 + sizeof(size_t)];

	buf_append(b, octets, encode_length(octets, len));
}

/* see asn1.h */
size_t
asn1_begin(struct buf *b, unsigned char tag)
{
	buf_append(b, &tag, 1);
	return b->len;
}

/* see asn1.h */
void
asn1_end(struct buf *b, size_t mark)
{
	unsigned char octets[1 + sizeof(size_t)];
	size_t content, n;

	if (b->failed || mark > b->len)
		return;

	/* The contents are already in place: shift them right to make room for the length. */
	content = b->len - mark;
	n = encode_length(octets, content);
	if (buf_reserve(b, n) == NULL)
		return;
	memmove(b->data + mark + n, b->data + mark, content);
	memcpy(b->data + mark, octets, n);
	b->len += n;
	b->data[b->len] = '\0';
}

/* see asn1.h */
void
asn1_write_tlv(struct buf *b, unsigned char tag, const void *content, size_t len)
{
	buf_append(b, &tag, 1);
	asn1_write_length(b, len);
	buf_append(b, content, len);
}

/* see asn1.h */
void
asn1_write_unsigned(struct buf *b, const unsigned char *bytes, size_t len)
{
	static const unsigned char zero = 0;
	size_t mark;

	while (len > 0 && bytes[0] == 0) {
		bytes++;
		len--;
	}
	if (len == 0) {
		asn1_write_tlv(b, ASN1_INTEGER, &zero, 1);
		return;
	}

	/* X.690 section 8.3: two's complement, so a set top bit needs a zero byte in front. */
	mark = asn1_begin(b, ASN1_INTEGER);
	if (bytes[0] & 0x80)
		buf_append(b, &zero, 1);
	buf_append(b, bytes, len);
	asn1_end(b, mark);
}

/* see asn1.h */
void
asn1_write_small_int(struct buf *b, unsigned value)
{
	unsigned char bytes[sizeof(value)];
	size_t i;

	for (i = 0; i < sizeof(value); i++)
		bytes[i] = (unsigned char)(value >> (8 * (sizeof(value) - 1 - i)));
	asn1_write_unsigned(b, bytes, sizeof(bytes));
}

/* see asn1.h */
void
asn1_write_bit_string(struct buf *b, const void *bytes, size_t len)
{
	static const unsigned char no_unused_bits = 0;
	size_t mark = asn1_begin(b, ASN1_BIT_STRING);

	buf_append(b, &no_unused_bits, 1);
	buf_append(b, bytes, len);
	asn1_end(b, mark);
}

/* see asn1.h */
int
asn1_next(struct asn1 *in, struct asn1_elem *e)
{
	const unsigned char *start = in->p;
	size_t left = in->len, len, n, i;
	unsigned char tag;

	if (left == 0)
		return ASN1_ERR_END;
	if (left < 2)
		return ASN1_ERR_TRUNCATED;

	/* Tag numbers of 31 and above take more octets; nothing keepcert reads uses them. */
	tag = start[0];
	if ((tag & 0x1f) == 0x1f)
		return ASN1_ERR_TAG;

	len = start[1];
	n = 2;
	if (len & 0x80) {
		size_t count = len & 0x7f;

		/* 0x80 alone is BER's indefinite form, which DER forbids (X.690 section 10.1). */
		if (count == 0)
			return ASN1_ERR_NONMINIMAL;
		if (count > LENGTH_MAX_OCTETS)
			return ASN1_ERR_LENGTH;
		if (left - n < count)
			return ASN1_ERR_TRUNCATED;
		if (start[n] == 0)
			return ASN1_ERR_NONMINIMAL;
		len = 0;
		for (i = 0; i < count; i++)
			len = len << 8 | start[n + i];
		n += count;
		if (len < 0x80)
			return ASN1_ERR_NONMINIMAL;
	}

	if (len > left - n)
		return ASN1_ERR_LENGTH;

	e->tag = tag;
	e->data = start + n;
	e->len = len;
	e->raw = start;
	e->raw_len = n + len;
	in->p += n + len;
	in->len -= n + len;
	return ASN1_OK;
}

/* see asn1.h */
int
asn1_expect(struct asn1 *in, unsigned char tag, struct asn1_elem *e)
{
	struct asn1 copy = *in;
	int rc = asn1_next(&copy, e);

	if (rc != ASN1_OK)
		return rc;
	if (e->tag != tag)
		return ASN1_ERR_TAG;
	*in = copy;
	return ASN1_OK;
}

/* see asn1.h */
int
asn1_peek(const struct asn1 *in, unsigned char tag)
{
	return in->len > 0 && in->p[0] == tag;
}

/* see asn1.h */
void
asn1_enter(const struct asn1_elem *e, struct asn1 *inner)
{
	inner->p = e->data;
	inner->len = e->len;
}

/* see asn1.h */
int
asn1_oid_equal(const struct asn1_elem *e, const void *oid, size_t len)
{
	return e->tag == ASN1_OID && e->len == len && memcmp(e->data, oid, len) == 0;
}

static int
is_leap_year(int64_t year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static unsigned
days_in_month(int64_t year, unsigned month)
{
	static const unsigned char days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return month == 2 && is_leap_year(year) ? 29 : days[month - 1];
}

/* Leap years from year 1 up to and including YEAR (0 for YEAR <= 0). */
static int64_t
leap_years_through(int64_t year)
{
	if (year <= 0)
		return 0;
	return year / 4 - year / 100 + year / 400;
}

/* see asn1.h */
int64_t
asn1_days_from_civil(int64_t year, unsigned month, unsigned day)
{
	/* Days before each month in a common year. */
	static const unsigned short before[12] = {
		0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334,
	};
	int64_t days;

	/* Whole years since 1970, counting a leap day for each leap year in between. */
	days = (year - 1970) * 365 + leap_years_through(year - 1) - leap_years_through(1969);

	days += before[month - 1];
	if (month > 2 && is_leap_year(year))
		days++;
	return days + day - 1;
}

/* Read N decimal digits at P as a number, or -1 when one is not a digit. */
static int64_t
read_digits(const unsigned char *p, size_t n)
{
	int64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

/* see asn1.h */
int
asn1_read_time(const struct asn1_elem *e, int64_t *seconds)
{
	const unsigned char *p = e->data;
	int64_t year, month, day, hour, minute, second;
	size_t year_digits;

	/* RFC 5280 section 4.1.2.5.1 and 4.1.2.5.2: YYMMDDHHMMSSZ and YYYYMMDDHHMMSSZ. */
	if (e->tag == ASN1_UTC_TIME && e->len == 13)
		year_digits = 2;
	else if (e->tag == ASN1_GENERALIZED_TIME && e->len == 15)
		year_digits = 4;
	else
		return ASN1_ERR_VALUE;
	if (p[e->len - 1] != 'Z')
		return ASN1_ERR_VALUE;

	year = read_digits(p, year_digits);
	p += year_digits;
	month = read_digits(p, 2);
	day = read_digits(p + 2, 2);
	hour = read_digits(p + 4, 2);
	minute = read_digits(p + 6, 2);
	second = read_digits(p + 8, 2);
	if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 ||
	    minute < 0 || minute > 59 || second < 0 || second > 59)
		return ASN1_ERR_VALUE;
	if (year_digits == 2)
		year += year >= 50 ? 1900 : 2000;
	if ((unsigned)day > days_in_month(year, (unsigned)month))
		return ASN1_ERR_VALUE;

	*seconds = asn1_days_from_civil(year, (unsigned)month, (unsigned)day) * 86400 +
	    hour * 3600 + minute * 60 + second;
	return ASN1_OK;
}
