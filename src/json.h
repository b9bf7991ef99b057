/*
 * JSON (RFC 8259): a strict scanner and a writer.
 *
 * json_parse() validates the whole text and tokenizes it into a caller-provided
 * token array; it never allocates. Tokens refer to byte offsets in the text,
 * which must stay valid as long as the tokens are used. String values are read
 * through json_string(), which unescapes into a caller buffer.
 *
 * Token 0 is the top-level value. The children of an object are its member
 * names and values, alternating; the children of an array are its elements.
 * A token's `next` is the index just past its whole subtree, so siblings are
 * reached by following `next`. To visit every member of object O:
 *
 *	for (k = O + 1, n = 0; n < tokens[O].size; n++, k = tokens[k + 1].next)
 *		name is token k, value is token k + 1
 *
 * The scanner is strict. It accepts exactly one top-level value, whitespace
 * only where RFC 8259 allows it, and numbers only by the grammar of its
 * section 6. Strings must be valid UTF-8 (RFC 3629) with valid escapes.
 * Member names of one object must differ after unescaping, and the text
 * must stay within the limits below.
 */
#ifndef KEEPCERT_JSON_H
#define KEEPCERT_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Objects and arrays nested inside each other, counting the outermost. */
#define JSON_MAX_DEPTH 32

/*
 * Members of one object. The duplicate-name check compares each name with
 * the earlier names of its object, so this bounds that work to JSON_MAX_MEMBERS
 * comparisons per name. The objects RFC 8555 defines have fewer than 15 members.
 */
#define JSON_MAX_MEMBERS 128

enum json_type {
	JSON_OBJECT = 1,
	JSON_ARRAY,
	JSON_STRING,
	JSON_NUMBER,
	JSON_TRUE,
	JSON_FALSE,
	JSON_NULL,
};

struct json_token {
	enum json_type type;
	uint32_t start;		/* first byte; for a string, just after the opening quote */
	uint32_t end;		/* one past the last byte; for a string, the closing quote */
	uint32_t size;		/* members of an object, elements of an array */
	uint32_t next;		/* index of the token after this whole subtree */
};

struct json_doc {
	const char *text;
	size_t len;
	struct json_token *tokens;
	uint32_t count;
};

enum json_error {
	JSON_OK = 0,
	JSON_ERR_SYNTAX = -1,		/* not valid JSON */
	JSON_ERR_DEPTH = -2,		/* nested deeper than JSON_MAX_DEPTH */
	JSON_ERR_TOKENS = -3,		/* more values than the token array holds */
	JSON_ERR_DUPLICATE = -4,	/* an object repeats a member name */
	JSON_ERR_STRING = -5,		/* bad escape, lone surrogate, invalid UTF-8, control byte */
	JSON_ERR_TOO_LONG = -6,		/* text larger than the scanner's 32-bit offsets */
	JSON_ERR_MEMBERS = -7,		/* an object has more than JSON_MAX_MEMBERS members */
};

/*
 * Scan TEXT[0..LEN) into TOKENS[0..CAP) and describe the result in DOC.
 * Returns JSON_OK or a json_error. On error DOC has no tokens and, when
 * ERR_OFFSET is not NULL, *ERR_OFFSET is the offset of the byte at fault
 * (LEN when the text ended too early).
 */
int json_parse(struct json_doc *doc, const char *text, size_t len, struct json_token *tokens,
    uint32_t cap, size_t *err_offset);

/* A short English description of a json_error, such as "nested too deeply". */
const char *json_strerror(int code);

/* Index of the value of member NAME in object OBJECT, or -1 when absent or OBJECT is not an object. */
int json_get(const struct json_doc *doc, int object, const char *name);

/* Index of element I of array ARRAY, or -1. */
int json_index(const struct json_doc *doc, int array, uint32_t i);

/*
 * Unescape string token TOK into OUT (of size CAP) as NUL-terminated UTF-8.
 * Returns the length, or -1 when TOK is not a string, the result does not fit,
 * or it contains a NUL character (which no value keepcert reads may contain).
 */
int json_string(const struct json_doc *doc, int tok, char *out, size_t cap);

/* Compare string token TOK, unescaped, with S. Returns 1 when equal. */
int json_string_eq(const struct json_doc *doc, int tok, const char *s);

/* Read integer token TOK. Returns 0, or -1 when TOK is not an integer or overflows int64. */
int json_int64(const struct json_doc *doc, int tok, int64_t *value);

/*
 * Convenience readers for the members of an object, as the ACME layer reads
 * them. Each returns -1 when OBJECT is not an object, NAME is not a member
 * of it, or the member's value has another type.
 */

/* Index of the value of member NAME when it has type TYPE, or -1. */
int json_get_typed(const struct json_doc *doc, int object, const char *name, enum json_type type);

/* Unescape string member NAME into OUT as json_string() does. Returns the length, or -1. */
int json_get_string(const struct json_doc *doc, int object, const char *name, char *out, size_t cap);

/* Read integer member NAME as json_int64() does. Returns 0, or -1. */
int json_get_int64(const struct json_doc *doc, int object, const char *name, int64_t *value);

/* Read boolean member NAME. Returns 1 for true, 0 for false, or -1. */
int json_get_bool(const struct json_doc *doc, int object, const char *name);

/*
 * Append S as a JSON string, with quotes. Quotes and backslashes are escaped,
 * and so is every control character below 0x20 (\b \f \n \r \t, others as
 * \u00XX). Bytes from 0x80 are copied as they are, so S must be UTF-8.
 */
void json_write_string(struct buf *b, const char *s);

#endif
