#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "unit.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/*
 * A parse of a heap copy of exactly LEN bytes with no terminating NUL, so
 * that AddressSanitizer reports any read past the end of the text.
 */
struct parsed {
	char *copy;
	struct json_doc doc;
	struct json_token tokens[512];
	size_t err_offset;
	int result;
};

static int
parse(struct parsed *p, const char *text, size_t len, uint32_t cap)
{
	p->copy = malloc(len != 0 ? len : 1);
	if (p->copy == NULL)
		abort();
	memcpy(p->copy, text, len);
	if (cap > COUNT(p->tokens))
		cap = COUNT(p->tokens);
	p->err_offset = (size_t)-1;
	p->result = json_parse(&p->doc, p->copy, len, p->tokens, cap, &p->err_offset);
	return p->result;
}

static int
parse_text(struct parsed *p, const char *text, uint32_t cap)
{
	return parse(p, text, strlen(text), cap);
}

static void
parsed_free(struct parsed *p)
{
	free(p->copy);
	p->copy = NULL;
}

/* Whole documents, accepted or rejected with an exact error code. LEN 0 means strlen(TEXT). */
static const struct {
	const char *text;
	size_t len;
	int want;
} parse_cases[] = {
	/* Values of every type, and whitespace as RFC 8259 section 2 defines it. */
	{ "{}", 0, JSON_OK },
	{ "[]", 0, JSON_OK },
	{ " \t\r\n{ \t\r\n} \t\r\n", 0, JSON_OK },
	{ "[ 1 , \"a\" , true , false , null , { } , [ ] ]", 0, JSON_OK },
	{ "0", 0, JSON_OK },
	{ "-0", 0, JSON_OK },
	{ "2.5e3", 0, JSON_OK },
	{ "1E+2", 0, JSON_OK },
	{ "1e-2", 0, JSON_OK },
	{ "-12.75", 0, JSON_OK },
	{ "0.0e0", 0, JSON_OK },
	{ "true", 0, JSON_OK },
	{ "false", 0, JSON_OK },
	{ "null", 0, JSON_OK },
	{ "\"\"", 0, JSON_OK },
	{ "[1,[2,[3]]]", 0, JSON_OK },
	{ "{\"a\":{\"b\":[]}}", 0, JSON_OK },
	{ "\"\\u0000\"", 0, JSON_OK },
	{ "\"\x7f\"", 0, JSON_OK },

	/* Raw UTF-8 at the edges of RFC 3629's table. */
	{ "\"\xc2\x80\"", 0, JSON_OK },
	{ "\"\xc3\xa9\"", 0, JSON_OK },
	{ "\"\xe2\x82\xac\"", 0, JSON_OK },
	{ "\"\xed\x9f\xbf\"", 0, JSON_OK },
	{ "\"\xee\x80\x80\"", 0, JSON_OK },
	{ "\"\xf0\x9f\x98\x80\"", 0, JSON_OK },
	{ "\"\xf4\x8f\xbf\xbf\"", 0, JSON_OK },

	/* Numbers outside the grammar of RFC 8259 section 6. */
	{ "01", 0, JSON_ERR_SYNTAX },
	{ "+1", 0, JSON_ERR_SYNTAX },
	{ ".5", 0, JSON_ERR_SYNTAX },
	{ "1.", 0, JSON_ERR_SYNTAX },
	{ "NaN", 0, JSON_ERR_SYNTAX },
	{ "Infinity", 0, JSON_ERR_SYNTAX },
	{ "-", 0, JSON_ERR_SYNTAX },
	{ "--1", 0, JSON_ERR_SYNTAX },
	{ "1e", 0, JSON_ERR_SYNTAX },
	{ "1e+", 0, JSON_ERR_SYNTAX },
	{ "1.e3", 0, JSON_ERR_SYNTAX },
	{ "0x10", 0, JSON_ERR_SYNTAX },
	{ "[-01]", 0, JSON_ERR_SYNTAX },

	/* Structure. */
	{ "", 0, JSON_ERR_SYNTAX },
	{ " \n ", 0, JSON_ERR_SYNTAX },
	{ "[1,]", 0, JSON_ERR_SYNTAX },
	{ "{\"a\":1,}", 0, JSON_ERR_SYNTAX },
	{ "[,1]", 0, JSON_ERR_SYNTAX },
	{ "{,}", 0, JSON_ERR_SYNTAX },
	{ "[1 2]", 0, JSON_ERR_SYNTAX },
	{ "{\"a\" 1}", 0, JSON_ERR_SYNTAX },
	{ "{\"a\":1 \"b\":2}", 0, JSON_ERR_SYNTAX },
	{ "{a:1}", 0, JSON_ERR_SYNTAX },
	{ "{'a':1}", 0, JSON_ERR_SYNTAX },
	{ "{1:1}", 0, JSON_ERR_SYNTAX },
	{ "[\"a\"", 0, JSON_ERR_SYNTAX },
	{ "[]]", 0, JSON_ERR_SYNTAX },
	{ "{} {}", 0, JSON_ERR_SYNTAX },
	{ "1 2", 0, JSON_ERR_SYNTAX },
	{ "tru", 0, JSON_ERR_SYNTAX },
	{ "nul", 0, JSON_ERR_SYNTAX },
	{ "True", 0, JSON_ERR_SYNTAX },
	{ "nulll", 0, JSON_ERR_SYNTAX },
	{ "/*c*/{}", 0, JSON_ERR_SYNTAX },
	{ "\v[]", 0, JSON_ERR_SYNTAX },
	{ "\f[]", 0, JSON_ERR_SYNTAX },
	{ "\xc2\xa0[]", 0, JSON_ERR_SYNTAX },
	{ "\xef\xbb\xbf{}", 0, JSON_ERR_SYNTAX },
	{ "[1]\0", 4, JSON_ERR_SYNTAX },
	{ "\"abc", 0, JSON_ERR_SYNTAX },

	/* Strings: escapes, surrogates, control bytes and invalid UTF-8. */
	{ "\"a\nb\"", 0, JSON_ERR_STRING },
	{ "\"\t\"", 0, JSON_ERR_STRING },
	{ "\"a\0b\"", 5, JSON_ERR_STRING },
	{ "\"\\x\"", 0, JSON_ERR_STRING },
	{ "\"\\U0041\"", 0, JSON_ERR_STRING },
	{ "\"\\u12G4\"", 0, JSON_ERR_STRING },
	{ "\"\\u12\"", 0, JSON_ERR_STRING },
	{ "\"\\ud83d\"", 0, JSON_ERR_STRING },
	{ "\"\\ude00\"", 0, JSON_ERR_STRING },
	{ "\"\\ud83d\\u0041\"", 0, JSON_ERR_STRING },
	{ "\"\\ud83d\\ud83d\"", 0, JSON_ERR_STRING },
	{ "\"\\ud83dx\"", 0, JSON_ERR_STRING },
	{ "\"\\ude00\\ud83d\"", 0, JSON_ERR_STRING },
	{ "\"\xc0\xaf\"", 0, JSON_ERR_STRING },
	{ "\"\xc1\xbf\"", 0, JSON_ERR_STRING },
	{ "\"\xe0\x80\xaf\"", 0, JSON_ERR_STRING },
	{ "\"\xf0\x80\x80\xaf\"", 0, JSON_ERR_STRING },
	{ "\"\xed\xa0\x80\"", 0, JSON_ERR_STRING },
	{ "\"\xed\xbf\xbf\"", 0, JSON_ERR_STRING },
	{ "\"\xf4\x90\x80\x80\"", 0, JSON_ERR_STRING },
	{ "\"\xf5\x80\x80\x80\"", 0, JSON_ERR_STRING },
	{ "\"\x80\"", 0, JSON_ERR_STRING },
	{ "\"\xe2\x82\"", 0, JSON_ERR_STRING },
	{ "\"\xf0\x9f\x98\"", 0, JSON_ERR_STRING },
	{ "\"\xff\"", 0, JSON_ERR_STRING },
	{ "\"\xc3" "a\"", 0, JSON_ERR_STRING },

	/* Member names, compared after unescaping. */
	{ "{\"a\":1,\"a\":2}", 0, JSON_ERR_DUPLICATE },
	{ "{\"new\\u004frder\":1,\"newOrder\":2}", 0, JSON_ERR_DUPLICATE },
	{ "{\"\\/\":1,\"/\":2}", 0, JSON_ERR_DUPLICATE },
	{ "{\"a\":1,\"b\":{\"c\":1},\"a\":3}", 0, JSON_ERR_DUPLICATE },
	{ "{\"\":1,\"\":2}", 0, JSON_ERR_DUPLICATE },
	{ "{\"a\":{\"a\":1}}", 0, JSON_OK },
	{ "[{\"a\":1},{\"a\":2}]", 0, JSON_OK },
	{ "{\"a\":1,\"A\":2,\"a \":3,\"ab\":4}", 0, JSON_OK },
};

TEST(json_parse_table)
{
	size_t i;

	for (i = 0; i < COUNT(parse_cases); i++) {
		const char *text = parse_cases[i].text;
		size_t len = parse_cases[i].len != 0 ? parse_cases[i].len : strlen(text);
		struct parsed p;

		if (!CHECK_INT(parse(&p, text, len, 64), parse_cases[i].want))
			unit_fail(__FILE__, __LINE__, "parse case %zu: %s", i, text);
		else if (p.result == JSON_OK)
			CHECK_INT(p.doc.count > 0, 1);
		else
			CHECK_INT(p.doc.count, 0);
		parsed_free(&p);
	}
}

/* The offset of the byte at fault. */
static const struct {
	const char *text;
	size_t offset;
} offset_cases[] = {
	{ "[1,]", 3 },
	{ "01", 1 },
	{ "[1", 2 },
	{ "\"abc", 4 },
	{ "{\"a\":1,\"a\":2}", 7 },
	{ "[\"\\ud83d\"]", 2 },
	{ "{\"a\":tru}", 8 },
	{ "[1] x", 4 },
};

TEST(json_parse_error_offset)
{
	size_t i;

	for (i = 0; i < COUNT(offset_cases); i++) {
		struct parsed p;

		CHECK(parse(&p, offset_cases[i].text, strlen(offset_cases[i].text), 64) != JSON_OK);
		CHECK_INT(p.err_offset, offset_cases[i].offset);
		parsed_free(&p);
	}
}

/* TEXT is one JSON string. WANT is what json_string() stores for it, or NULL when it returns -1. */
static const struct {
	const char *text;
	const char *want;
} string_cases[] = {
	{ "\"https:\\/\\/a\\/b\"", "https://a/b" },
	{ "\"\\u002f\"", "/" },
	{ "\"\\\"quoted\\\" \\\\ back\\nline\"", "\"quoted\" \\ back\nline" },
	{ "\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80" },
	{ "\"Error: \\\"x\\\" \\\\ \\n \\ud83d\\ude00!\"", "Error: \"x\" \\ \n \xf0\x9f\x98\x80!" },
	{ "\"\\b\\f\\n\\r\\t\"", "\b\f\n\r\t" },
	{ "\"\\u00e9\"", "\xc3\xa9" },
	{ "\"\\u20AC\"", "\xe2\x82\xac" },
	{ "\"\\uffff\"", "\xef\xbf\xbf" },
	{ "\"\\udbff\\udfff\"", "\xf4\x8f\xbf\xbf" },
	{ "\"\\u0041\\u0062\"", "Ab" },
	{ "\"\xc3\xa9t\xc3\xa9\"", "\xc3\xa9t\xc3\xa9" },
	{ "\"\"", "" },
	{ "\"\\u0000\"", NULL },
	{ "\"a\\u0000b\"", NULL },
};

TEST(json_string_table)
{
	size_t i;
	char out[64];

	for (i = 0; i < COUNT(string_cases); i++) {
		struct parsed p;
		int n;

		if (!CHECK_INT(parse(&p, string_cases[i].text, strlen(string_cases[i].text), 8), JSON_OK)) {
			parsed_free(&p);
			continue;
		}
		n = json_string(&p.doc, 0, out, sizeof(out));
		if (string_cases[i].want == NULL) {
			CHECK_INT(n, -1);
		} else if (CHECK_INT(n, strlen(string_cases[i].want))) {
			CHECK_MEM(out, (size_t)n, string_cases[i].want, strlen(string_cases[i].want));
			CHECK_INT(out[n], '\0');
			CHECK_INT(json_string_eq(&p.doc, 0, string_cases[i].want), 1);
		}
		parsed_free(&p);
	}
}

TEST(json_string_buffer_size)
{
	struct parsed p;
	char out[8];

	CHECK_INT(parse_text(&p, "\"abcdefg\"", 8), JSON_OK);
	CHECK_INT(json_string(&p.doc, 0, out, 8), 7);
	CHECK_STR(out, "abcdefg");
	CHECK_INT(json_string(&p.doc, 0, out, 7), -1);
	CHECK_INT(json_string(&p.doc, 0, out, 0), -1);
	parsed_free(&p);

	/* A multi-byte character that does not fit whole is a failure, not a cut. */
	CHECK_INT(parse_text(&p, "\"\\u20ac\"", 8), JSON_OK);
	CHECK_INT(json_string(&p.doc, 0, out, 3), -1);
	CHECK_INT(json_string(&p.doc, 0, out, 4), 3);
	parsed_free(&p);
}

TEST(json_string_wrong_type)
{
	struct parsed p;
	char out[8];

	CHECK_INT(parse_text(&p, "[1,\"a\"]", 8), JSON_OK);
	CHECK_INT(json_string(&p.doc, 0, out, sizeof(out)), -1);
	CHECK_INT(json_string(&p.doc, 1, out, sizeof(out)), -1);
	CHECK_INT(json_string(&p.doc, 2, out, sizeof(out)), 1);
	CHECK_INT(json_string(&p.doc, 3, out, sizeof(out)), -1);
	CHECK_INT(json_string(&p.doc, -1, out, sizeof(out)), -1);
	parsed_free(&p);
}

TEST(json_string_eq_cases)
{
	struct parsed p;

	CHECK_INT(parse_text(&p, "[\"new\\u004frder\",\"a\\u0000\",\"ab\"]", 8), JSON_OK);
	CHECK_INT(json_string_eq(&p.doc, 1, "newOrder"), 1);
	CHECK_INT(json_string_eq(&p.doc, 1, "newOrde"), 0);
	CHECK_INT(json_string_eq(&p.doc, 1, "newOrderX"), 0);
	/* A NUL inside a value never matches the end of a C string. */
	CHECK_INT(json_string_eq(&p.doc, 2, "a"), 0);
	CHECK_INT(json_string_eq(&p.doc, 3, "ab"), 1);
	CHECK_INT(json_string_eq(&p.doc, 0, "ab"), 0);
	parsed_free(&p);
}

/* TEXT is one JSON value. OK is 1 when json_int64() accepts it and sets WANT. */
static const struct {
	const char *text;
	int ok;
	int64_t want;
} int64_cases[] = {
	{ "0", 1, 0 },
	{ "-0", 1, 0 },
	{ "42", 1, 42 },
	{ "-17", 1, -17 },
	{ "9223372036854775807", 1, INT64_MAX },
	{ "-9223372036854775808", 1, INT64_MIN },
	{ "9223372036854775808", 0, 0 },
	{ "-9223372036854775809", 0, 0 },
	{ "18446744073709551616", 0, 0 },
	{ "99999999999999999999", 0, 0 },
	{ "2.5e3", 0, 0 },
	{ "1e2", 0, 0 },
	{ "1.0", 0, 0 },
	{ "-0.0", 0, 0 },
	{ "\"1\"", 0, 0 },
	{ "true", 0, 0 },
	{ "null", 0, 0 },
};

TEST(json_int64_table)
{
	size_t i;

	for (i = 0; i < COUNT(int64_cases); i++) {
		struct parsed p;
		int64_t v = 12345;

		if (!CHECK_INT(parse(&p, int64_cases[i].text, strlen(int64_cases[i].text), 8), JSON_OK)) {
			parsed_free(&p);
			continue;
		}
		if (int64_cases[i].ok) {
			CHECK_INT(json_int64(&p.doc, 0, &v), 0);
			CHECK_INT(v == int64_cases[i].want, 1);
		} else {
			CHECK_INT(json_int64(&p.doc, 0, &v), -1);
			CHECK_INT(v, 12345);
		}
		parsed_free(&p);
	}
}

/* "[[[...]]]" nested N deep, or {"a":{"a":...}} when OBJECTS. */
static char *
nested(int n, int objects)
{
	struct buf b = { 0 };
	int i;

	for (i = 0; i < n; i++)
		buf_puts(&b, objects ? "{\"a\":" : "[");
	buf_puts(&b, "1");
	for (i = 0; i < n; i++)
		buf_puts(&b, objects ? "}" : "]");
	if (b.failed)
		abort();
	return b.data;
}

TEST(json_depth_limit)
{
	int objects;

	for (objects = 0; objects <= 1; objects++) {
		char *ok = nested(JSON_MAX_DEPTH, objects);
		char *deep = nested(JSON_MAX_DEPTH + 1, objects);
		struct parsed p;

		CHECK_INT(parse(&p, ok, strlen(ok), 512), JSON_OK);
		parsed_free(&p);
		CHECK_INT(parse(&p, deep, strlen(deep), 512), JSON_ERR_DEPTH);
		/* The offset is the container that goes one level too deep. */
		CHECK_INT(p.err_offset, JSON_MAX_DEPTH * (objects ? 5 : 1));
		parsed_free(&p);
		free(ok);
		free(deep);
	}
}

TEST(json_token_limit)
{
	struct parsed p;

	/* The array and its three elements: four tokens. */
	CHECK_INT(parse_text(&p, "[1,2,3]", 4), JSON_OK);
	CHECK_INT(p.doc.count, 4);
	parsed_free(&p);
	CHECK_INT(parse_text(&p, "[1,2,3]", 3), JSON_ERR_TOKENS);
	CHECK_INT(p.err_offset, 5);
	parsed_free(&p);
	CHECK_INT(parse_text(&p, "{\"a\":\"b\"}", 2), JSON_ERR_TOKENS);
	parsed_free(&p);
	CHECK_INT(parse_text(&p, "1", 0), JSON_ERR_TOKENS);
	parsed_free(&p);
}

/* An object with N members "k0" to "k<N-1>". */
static char *
wide_object(int n)
{
	struct buf b = { 0 };
	int i;

	buf_putc(&b, '{');
	for (i = 0; i < n; i++)
		buf_printf(&b, "%s\"k%d\":%d", i == 0 ? "" : ",", i, i);
	buf_putc(&b, '}');
	if (b.failed)
		abort();
	return b.data;
}

TEST(json_member_limit)
{
	char *ok = wide_object(JSON_MAX_MEMBERS);
	char *wide = wide_object(JSON_MAX_MEMBERS + 1);
	struct parsed p;
	int64_t v;

	CHECK_INT(parse(&p, ok, strlen(ok), 512), JSON_OK);
	CHECK_INT(p.tokens[0].size, JSON_MAX_MEMBERS);
	CHECK_INT(json_get_int64(&p.doc, 0, "k127", &v), 0);
	CHECK_INT(v, 127);
	parsed_free(&p);
	CHECK_INT(parse(&p, wide, strlen(wide), 512), JSON_ERR_MEMBERS);
	parsed_free(&p);
	free(ok);
	free(wide);
}

TEST(json_too_long)
{
	struct json_token t[1];
	struct json_doc doc;
	size_t off = 1;

	/* The length alone is rejected, so the text is never read. */
	CHECK_INT(json_parse(&doc, "", (size_t)UINT32_MAX, t, 1, &off), JSON_ERR_TOO_LONG);
	CHECK_INT(doc.count, 0);
	CHECK_INT(off, 0);
}

/* A directory as a CA might send it, with an unknown member, nested arrays and odd numbers. */
static const char directory_a[] =
    "{\n"
    "  \"keyChange\": \"https://127.0.0.1:14000/rollover-account-key\",\n"
    "  \"meta\": {\n"
    "    \"termsOfService\": \"data:text/plain,Do%20what%20thou%20wilt\",\n"
    "    \"externalAccountRequired\": false,\n"
    "    \"caaIdentities\": [\"example.org\"],\n"
    "    \"profiles\": {\"classic\": \"the old one\", \"shortlived\": \"6 days\"}\n"
    "  },\n"
    "  \"newAccount\": \"https:\\/\\/127.0.0.1:14000\\/sign-me-up\",\n"
    "  \"newNonce\": \"https://127.0.0.1:14000/nonce-plz\",\n"
    "  \"Wq3vT9rLkAe\": \"https://127.0.0.1:14000/random-entry\",\n"
    "  \"new\\u004frder\": \"https://127.0.0.1:14000/order-plz\",\n"
    "  \"renewalInfo\": \"https://127.0.0.1:14000/draft-ietf-acme-ari-03/renewalInfo\",\n"
    "  \"revokeCert\": \"https://127.0.0.1:14000/revoke-cert\",\n"
    "  \"x-numbers\": [[2.5e3, [-0, 1E-2]], [], [[[]]]]\n"
    "}\n";

static const char directory_b[] =
    "{\"x-numbers\":[[2.5e3,[-0,1E-2]],[],[[[]]]],"
    "\"revokeCert\":\"https://127.0.0.1:14000/revoke-cert\","
    "\"newOrder\":\"https://127.0.0.1:14000/order-plz\","
    "\"renewalInfo\":\"https://127.0.0.1:14000/draft-ietf-acme-ari-03/renewalInfo\","
    "\"meta\":{\"profiles\":{\"shortlived\":\"6 days\",\"classic\":\"the old one\"},"
    "\"caaIdentities\":[\"example.org\"],\"externalAccountRequired\":false,"
    "\"termsOfService\":\"data:text/plain,Do%20what%20thou%20wilt\"},"
    "\"Wq3vT9rLkAe\":\"https://127.0.0.1:14000/random-entry\","
    "\"newNonce\":\"https://127.0.0.1:14000/nonce-plz\","
    "\"newAccount\":\"https://127.0.0.1:14000/sign-me-up\","
    "\"keyChange\":\"https://127.0.0.1:14000/rollover-account-key\"}";

static void
check_directory(const char *text)
{
	static const struct {
		const char *name;
		const char *url;
	} urls[] = {
		{ "keyChange", "https://127.0.0.1:14000/rollover-account-key" },
		{ "newAccount", "https://127.0.0.1:14000/sign-me-up" },
		{ "newNonce", "https://127.0.0.1:14000/nonce-plz" },
		{ "newOrder", "https://127.0.0.1:14000/order-plz" },
		{ "renewalInfo", "https://127.0.0.1:14000/draft-ietf-acme-ari-03/renewalInfo" },
		{ "revokeCert", "https://127.0.0.1:14000/revoke-cert" },
	};
	struct parsed p;
	char out[128];
	size_t i;
	int meta, numbers, inner, tok;
	int64_t v;

	if (!CHECK_INT(parse(&p, text, strlen(text), 64), JSON_OK)) {
		parsed_free(&p);
		return;
	}
	CHECK_INT(p.tokens[0].type, JSON_OBJECT);
	CHECK_INT(p.tokens[0].size, 9);
	for (i = 0; i < COUNT(urls); i++) {
		CHECK_INT(json_get_string(&p.doc, 0, urls[i].name, out, sizeof(out)), strlen(urls[i].url));
		CHECK_STR(out, urls[i].url);
	}
	CHECK_INT(json_get(&p.doc, 0, "newAuthz"), -1);
	CHECK_INT(json_get_string(&p.doc, 0, "meta", out, sizeof(out)), -1);

	meta = json_get_typed(&p.doc, 0, "meta", JSON_OBJECT);
	CHECK(meta > 0);
	CHECK_INT(json_get_bool(&p.doc, meta, "externalAccountRequired"), 0);
	CHECK_INT(json_get_string(&p.doc, meta, "termsOfService", out, sizeof(out)), 39);
	CHECK_STR(out, "data:text/plain,Do%20what%20thou%20wilt");
	tok = json_get_typed(&p.doc, meta, "caaIdentities", JSON_ARRAY);
	CHECK_INT(json_string(&p.doc, json_index(&p.doc, tok, 0), out, sizeof(out)), 11);
	CHECK_STR(out, "example.org");
	CHECK_INT(json_index(&p.doc, tok, 1), -1);
	tok = json_get_typed(&p.doc, meta, "profiles", JSON_OBJECT);
	CHECK_INT(json_get_string(&p.doc, tok, "shortlived", out, sizeof(out)), 6);

	/* [[2.5e3, [-0, 1E-2]], [], [[[]]]] */
	numbers = json_get_typed(&p.doc, 0, "x-numbers", JSON_ARRAY);
	CHECK_INT(p.tokens[numbers].size, 3);
	inner = json_index(&p.doc, numbers, 0);
	tok = json_index(&p.doc, inner, 0);
	CHECK_INT(p.tokens[tok].type, JSON_NUMBER);
	CHECK_INT(json_int64(&p.doc, tok, &v), -1);
	CHECK_MEM(p.copy + p.tokens[tok].start, p.tokens[tok].end - p.tokens[tok].start, "2.5e3", 5);
	tok = json_index(&p.doc, json_index(&p.doc, inner, 1), 0);
	CHECK_INT(json_int64(&p.doc, tok, &v), 0);
	CHECK_INT(v, 0);
	CHECK_INT(p.tokens[json_index(&p.doc, numbers, 1)].size, 0);
	tok = json_index(&p.doc, json_index(&p.doc, numbers, 2), 0);
	CHECK_INT(p.tokens[tok].type, JSON_ARRAY);
	CHECK_INT(p.tokens[tok].size, 1);
	parsed_free(&p);
}

TEST(json_directory_both_orders)
{
	check_directory(directory_a);
	check_directory(directory_b);
}

TEST(json_directory_every_prefix_rejected)
{
	size_t len = strlen(directory_a), n;

	/* Every proper prefix of an object is incomplete. The last byte is a newline, so stop before it. */
	for (n = 0; n < len - 1; n++) {
		struct parsed p;

		if (!CHECK(parse(&p, directory_a, n, 64) != JSON_OK))
			unit_fail(__FILE__, __LINE__, "prefix of %zu bytes accepted", n);
		CHECK(p.err_offset <= n);
		parsed_free(&p);
	}
	for (n = 0; n < strlen(directory_b); n++) {
		struct parsed p;

		CHECK(parse(&p, directory_b, n, 64) != JSON_OK);
		parsed_free(&p);
	}
}

TEST(json_iterate_members)
{
	static const char *names[] = { "a", "b", "c" };
	struct parsed p;
	uint32_t k, n;

	CHECK_INT(parse_text(&p, "{\"a\":[1,{\"x\":2}],\"b\":{},\"c\":\"z\"}", 64), JSON_OK);
	k = 1;
	for (n = 0; n < p.tokens[0].size; n++) {
		CHECK_INT(json_string_eq(&p.doc, (int)k, names[n]), 1);
		CHECK_INT(json_get(&p.doc, 0, names[n]), (int)k + 1);
		k = p.tokens[k + 1].next;
	}
	CHECK_INT(n, 3);
	CHECK_INT(k, p.doc.count);
	CHECK_INT(p.tokens[0].next, p.doc.count);
	parsed_free(&p);
}

TEST(json_lookup_wrong_types)
{
	struct parsed p;
	int64_t v;
	char out[8];

	CHECK_INT(parse_text(&p, "{\"s\":\"1\",\"n\":1,\"t\":true,\"z\":null,\"a\":[0]}", 64), JSON_OK);
	CHECK_INT(json_get(&p.doc, json_get(&p.doc, 0, "a"), "s"), -1);
	CHECK_INT(json_get(&p.doc, 99, "s"), -1);
	CHECK_INT(json_index(&p.doc, 0, 0), -1);
	CHECK_INT(json_get_int64(&p.doc, 0, "s", &v), -1);
	CHECK_INT(json_get_int64(&p.doc, 0, "n", &v), 0);
	CHECK_INT(json_get_string(&p.doc, 0, "n", out, sizeof(out)), -1);
	CHECK_INT(json_get_bool(&p.doc, 0, "t"), 1);
	CHECK_INT(json_get_bool(&p.doc, 0, "z"), -1);
	CHECK_INT(json_get_bool(&p.doc, 0, "missing"), -1);
	CHECK_INT(json_get_typed(&p.doc, 0, "z", JSON_NULL), json_get(&p.doc, 0, "z"));
	CHECK_INT(json_get_typed(&p.doc, 0, "a", JSON_OBJECT), -1);
	parsed_free(&p);

	/* A failed parse leaves no tokens to look up. */
	CHECK_INT(parse_text(&p, "{\"s\":}", 64), JSON_ERR_SYNTAX);
	CHECK_INT(json_get(&p.doc, 0, "s"), -1);
	parsed_free(&p);
}

static const struct {
	const char *in;
	const char *want;
} write_cases[] = {
	{ "", "\"\"" },
	{ "abc", "\"abc\"" },
	{ "a\"b", "\"a\\\"b\"" },
	{ "a\\b", "\"a\\\\b\"" },
	{ "\n\t\r\b\f", "\"\\n\\t\\r\\b\\f\"" },
	{ "\x01\x1f" "x\x1b", "\"\\u0001\\u001fx\\u001b\"" },
	{ "https://a/b", "\"https://a/b\"" },
	{ "\xc3\xa9\x7f", "\"\xc3\xa9\x7f\"" },
	{ "say \"hi\"\n", "\"say \\\"hi\\\"\\n\"" },
};

TEST(json_write_string_table)
{
	size_t i;

	for (i = 0; i < COUNT(write_cases); i++) {
		struct buf b = { 0 };
		struct parsed p;
		char out[64];

		json_write_string(&b, write_cases[i].in);
		CHECK_INT(b.failed, 0);
		CHECK_STR(b.data, write_cases[i].want);

		/* What the writer produces, the scanner reads back unchanged. */
		if (CHECK_INT(parse(&p, b.data, b.len, 4), JSON_OK)) {
			CHECK_INT(json_string(&p.doc, 0, out, sizeof(out)), strlen(write_cases[i].in));
			CHECK_STR(out, write_cases[i].in);
		}
		parsed_free(&p);
		buf_free(&b);
	}
}

TEST(json_strerror_codes)
{
	CHECK_STR(json_strerror(JSON_ERR_DEPTH), "nested too deeply");
	CHECK_STR(json_strerror(JSON_ERR_DUPLICATE), "duplicate member name");
	CHECK_STR(json_strerror(JSON_ERR_MEMBERS), "too many members in one object");
	CHECK_STR(json_strerror(-100), "unknown JSON error");
	CHECK_STR(json_strerror(1), "unknown JSON error");
}
