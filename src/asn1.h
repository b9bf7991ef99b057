/*
 * DER (ITU-T X.690): a writer for the structures keepcert builds (the CSR,
 * SubjectPublicKeyInfo) and a reader for the certificate fields it acts on.
 *
 * Tags are single identifier octets: class, constructed bit and a tag number
 * below 31, which covers every type in RFC 5280 and RFC 2986. The reader
 * rejects multi-octet tags, indefinite lengths and non-minimal length
 * encodings, and never reads past the element that contains it.
 *
 * The writer appends to a struct buf and inherits its sticky failure: the
 * caller checks buf.failed once at the end.
 */
#ifndef KEEPCERT_ASN1_H
#define KEEPCERT_ASN1_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Universal tags, with the constructed bit where DER requires it. */
#define ASN1_BOOLEAN		0x01
#define ASN1_INTEGER		0x02
#define ASN1_BIT_STRING		0x03
#define ASN1_OCTET_STRING	0x04
#define ASN1_NULL		0x05
#define ASN1_OID		0x06
#define ASN1_UTF8_STRING	0x0c
#define ASN1_PRINTABLE_STRING	0x13
#define ASN1_TELETEX_STRING	0x14
#define ASN1_IA5_STRING		0x16
#define ASN1_UTC_TIME		0x17
#define ASN1_GENERALIZED_TIME	0x18
#define ASN1_SEQUENCE		0x30
#define ASN1_SET		0x31

/* Context-specific tags [N]: primitive (IMPLICIT over a primitive type) and constructed. */
#define ASN1_CONTEXT(n)			(0x80 | (n))
#define ASN1_CONTEXT_CONSTRUCTED(n)	(0xa0 | (n))

/*
 * Object identifiers, as the contents octets of their encoding (X.690
 * section 8.19); pass them with ASN1_OID_LEN().
 */
#define ASN1_OID_LEN(oid) (sizeof(oid) - 1)
#define OID_EC_PUBLIC_KEY	"\x2a\x86\x48\xce\x3d\x02\x01"		/* 1.2.840.10045.2.1 */
#define OID_P256		"\x2a\x86\x48\xce\x3d\x03\x01\x07"	/* 1.2.840.10045.3.1.7 */
#define OID_P384		"\x2b\x81\x04\x00\x22"			/* 1.3.132.0.34 */
#define OID_RSA_ENCRYPTION	"\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01"	/* 1.2.840.113549.1.1.1 */
#define OID_SHA256_WITH_RSA	"\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b"	/* 1.2.840.113549.1.1.11 */
#define OID_ECDSA_WITH_SHA256	"\x2a\x86\x48\xce\x3d\x04\x03\x02"	/* 1.2.840.10045.4.3.2 */
#define OID_ECDSA_WITH_SHA384	"\x2a\x86\x48\xce\x3d\x04\x03\x03"	/* 1.2.840.10045.4.3.3 */
#define OID_EXTENSION_REQUEST	"\x2a\x86\x48\x86\xf7\x0d\x01\x09\x0e"	/* 1.2.840.113549.1.9.14 */
#define OID_COMMON_NAME		"\x55\x04\x03"				/* 2.5.4.3 */
#define OID_SUBJECT_ALT_NAME	"\x55\x1d\x11"				/* 2.5.29.17 */
#define OID_AUTHORITY_KEY_ID	"\x55\x1d\x23"				/* 2.5.29.35 */

/* ---- writer ---- */

/*
 * Start a constructed element with tag TAG. Returns a mark to pass to
 * asn1_end() once the contents are appended.
 */
size_t asn1_begin(struct buf *b, unsigned char tag);

/* Close the element opened at MARK: insert its length, in the shortest form. */
void asn1_end(struct buf *b, size_t mark);

/* Append the length octets for a content of LEN bytes (X.690 section 8.1.3, definite form). */
void asn1_write_length(struct buf *b, size_t len);

/* Append a whole element: TAG, length and LEN bytes of CONTENT. */
void asn1_write_tlv(struct buf *b, unsigned char tag, const void *content, size_t len);

/*
 * Append an INTEGER holding the unsigned big-endian number in BYTES: leading
 * zero bytes are dropped and one zero byte is added when the top bit is set,
 * so the value stays positive. An empty or all-zero input writes 0.
 */
void asn1_write_unsigned(struct buf *b, const unsigned char *bytes, size_t len);

/* Append an INTEGER holding the small non-negative VALUE. */
void asn1_write_small_int(struct buf *b, unsigned value);

/* Append a BIT STRING of whole bytes (no unused bits). */
void asn1_write_bit_string(struct buf *b, const void *bytes, size_t len);

/* ---- reader ---- */

/* A run of DER input: the reader moves P forward and shrinks LEN. */
struct asn1 {
	const unsigned char *p;
	size_t len;
};

/* One element: its tag, its contents, and the whole encoding (tag and length included). */
struct asn1_elem {
	unsigned char tag;
	const unsigned char *data;
	size_t len;
	const unsigned char *raw;
	size_t raw_len;
};

enum asn1_error {
	ASN1_OK = 0,
	ASN1_ERR_TRUNCATED = -1,	/* the input ends inside a tag or a length */
	ASN1_ERR_LENGTH = -2,		/* the length runs past the containing element */
	ASN1_ERR_NONMINIMAL = -3,	/* indefinite or non-minimal length form (not DER) */
	ASN1_ERR_TAG = -4,		/* a multi-octet tag, or not the tag expected */
	ASN1_ERR_VALUE = -5,		/* the contents are not valid for the type */
	ASN1_ERR_END = -6,		/* no element left where one was expected */
};

/* A short English description of an asn1_error, such as "length past the end of its container". */
const char *asn1_strerror(int code);

/* Read the next element of IN into E and move IN past it. Returns ASN1_OK or an asn1_error. */
int asn1_next(struct asn1 *in, struct asn1_elem *e);

/* Read the next element and require tag TAG. Returns ASN1_OK or an asn1_error. */
int asn1_expect(struct asn1 *in, unsigned char tag, struct asn1_elem *e);

/* 1 when the next element of IN has tag TAG (IN is not moved), else 0. */
int asn1_peek(const struct asn1 *in, unsigned char tag);

/* Point INNER at the contents of E, to read the elements inside a constructed one. */
void asn1_enter(const struct asn1_elem *e, struct asn1 *inner);

/* 1 when E's contents are exactly the LEN bytes of OID (its encoded contents), else 0. */
int asn1_oid_equal(const struct asn1_elem *e, const void *oid, size_t len);

/*
 * Read a UTCTime or GeneralizedTime (RFC 5280 section 4.1.2.5: seconds
 * present, "Z" zone, no fraction) as seconds since 1970-01-01T00:00:00Z.
 * UTCTime years 50..99 are 19xx and 00..49 are 20xx. Returns ASN1_OK or
 * ASN1_ERR_VALUE.
 */
int asn1_read_time(const struct asn1_elem *e, int64_t *seconds);

/* Days from 1970-01-01 to the proleptic Gregorian date YEAR-MONTH-DAY (may be negative). */
int64_t asn1_days_from_civil(int64_t year, unsigned month, unsigned day);

#endif
