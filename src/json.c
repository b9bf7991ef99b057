#include <string.h>

#include "json.h"

struct parser {
	const char *text;
	uint32_t len;
	uint32_t pos;
	struct json_token *tokens;
	uint32_t cap;
	uint32_t count;
};

/*
 * Reads the unescaped bytes of a string token one at a time. The string was
 * validated by the scanner, so every escape in it is complete and every
 * \u high surrogate is followed by a low one.
 */
struct string_reader {
	const char *text;
	uint32_t pos;
	uint32_t end;
	unsigned char pending[4];
	int npending;
	int next_pending;
};

static int parse_value(struct parser *p, int depth);

static int
is_space(char c)
{
	/* RFC 8259 section 2: space, horizontal tab, line feed, carriage return. */
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static void
skip_space(struct parser *p)
{
	while (p->pos < p->len && is_space(p->text[p->pos]))
		p->pos++;
}

/* The value of hex digit C, or -1. */
static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The code unit of the four hex digits at S, or -1 when one is not a hex digit. */
static long
hex4(const char *s)
{
	long v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		int d = hex_value(s[i]);

		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/* Store code point CP as UTF-8 in OUT and return the byte count. */
static int
utf8_encode(uint32_t cp, unsigned char out[4])
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xc0 | cp >> 6);
		out[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xe0 | cp >> 12);
		out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (unsigned char)(0xf0 | cp >> 18);
	out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * Check the UTF-8 sequence at S (AVAIL bytes available) against the table in
 * RFC 3629 section 4, which excludes overlong forms, encoded surrogates and
 * code points above U+10FFFF. Returns its length, or 0 when it is invalid.
 */
static int
utf8_check(const unsigned char *s, uint32_t avail)
{
	unsigned char lo = 0x80, hi = 0xbf;
	int n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}

	if (avail < (uint32_t)n)
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/*
 * Read the four hex digits at offset AT into *UNIT. Returns JSON_ERR_SYNTAX
 * when the text ends first and JSON_ERR_STRING for a byte that is not a hex digit.
 */
static int
scan_hex4(const struct parser *p, uint32_t at, long *unit)
{
	long v = 0;
	uint32_t i;

	for (i = 0; i < 4; i++) {
		int d;

		if (p->len - at <= i)
			return JSON_ERR_SYNTAX;
		d = hex_value(p->text[at + i]);
		if (d < 0)
			return JSON_ERR_STRING;
		v = v << 4 | d;
	}
	*unit = v;
	return JSON_OK;
}

/*
 * Check the escape at p->pos (the backslash) and move past it. A \u escape
 * of a high surrogate must be followed by one of a low surrogate, and a low
 * surrogate alone is rejected, because neither is a character (RFC 8259
 * section 8.2).
 */
static int
scan_escape(struct parser *p)
{
	uint32_t at = p->pos;
	long unit, low;
	int err;

	if (p->len - at < 2)
		return JSON_ERR_SYNTAX;
	switch (p->text[at + 1]) {
	case '"':
	case '\\':
	case '/':
	case 'b':
	case 'f':
	case 'n':
	case 'r':
	case 't':
		p->pos += 2;
		return JSON_OK;
	case 'u':
		break;
	default:
		return JSON_ERR_STRING;
	}

	err = scan_hex4(p, at + 2, &unit);
	if (err != JSON_OK)
		return err;
	if (unit >= 0xdc00 && unit <= 0xdfff)
		return JSON_ERR_STRING;
	if (unit < 0xd800 || unit > 0xdbff) {
		p->pos += 6;
		return JSON_OK;
	}

	at += 6;
	if (p->len - at < 1)
		return JSON_ERR_SYNTAX;
	if (p->text[at] != '\\')
		return JSON_ERR_STRING;
	if (p->len - at < 2)
		return JSON_ERR_SYNTAX;
	if (p->text[at + 1] != 'u')
		return JSON_ERR_STRING;
	err = scan_hex4(p, at + 2, &low);
	if (err != JSON_OK)
		return err;
	if (low < 0xdc00 || low > 0xdfff)
		return JSON_ERR_STRING;
	p->pos += 12;
	return JSON_OK;
}

/* Scan the string whose opening quote is at p->pos, leaving p->pos just past the closing quote. */
static int
scan_string(struct parser *p)
{
	p->pos++;
	while (p->pos < p->len) {
		unsigned char c = (unsigned char)p->text[p->pos];
		int n, err;

		if (c == '"') {
			p->pos++;
			return JSON_OK;
		}
		if (c < 0x20)
			return JSON_ERR_STRING;
		if (c == '\\') {
			err = scan_escape(p);
			if (err != JSON_OK)
				return err;
			continue;
		}
		n = utf8_check((const unsigned char *)p->text + p->pos, p->len - p->pos);
		if (n == 0)
			return JSON_ERR_STRING;
		p->pos += (uint32_t)n;
	}
	return JSON_ERR_SYNTAX;
}

/* Scan the number at p->pos by the grammar of RFC 8259 section 6. */
static int
scan_number(struct parser *p)
{
	if (p->pos < p->len && p->text[p->pos] == '-')
		p->pos++;

	/* int = zero / ( digit1-9 *DIGIT ): no leading zeros. */
	if (p->pos >= p->len || !is_digit(p->text[p->pos]))
		return JSON_ERR_SYNTAX;
	if (p->text[p->pos] == '0')
		p->pos++;
	else
		while (p->pos < p->len && is_digit(p->text[p->pos]))
			p->pos++;

	/* frac = decimal-point 1*DIGIT */
	if (p->pos < p->len && p->text[p->pos] == '.') {
		p->pos++;
		if (p->pos >= p->len || !is_digit(p->text[p->pos]))
			return JSON_ERR_SYNTAX;
		while (p->pos < p->len && is_digit(p->text[p->pos]))
			p->pos++;
	}

	/* exp = e [ minus / plus ] 1*DIGIT */
	if (p->pos < p->len && (p->text[p->pos] == 'e' || p->text[p->pos] == 'E')) {
		p->pos++;
		if (p->pos < p->len && (p->text[p->pos] == '+' || p->text[p->pos] == '-'))
			p->pos++;
		if (p->pos >= p->len || !is_digit(p->text[p->pos]))
			return JSON_ERR_SYNTAX;
		while (p->pos < p->len && is_digit(p->text[p->pos]))
			p->pos++;
	}
	return JSON_OK;
}

/* Match the literal WORD at p->pos, leaving p->pos at the first byte that differs. */
static int
scan_literal(struct parser *p, const char *word)
{
	for (; *word != '\0'; word++) {
		if (p->pos >= p->len || p->text[p->pos] != *word)
			return JSON_ERR_SYNTAX;
		p->pos++;
	}
	return JSON_OK;
}

/* Claim the next token and return its index, or -1 when the array is full. */
static int
new_token(struct parser *p, enum json_type type)
{
	struct json_token *t;

	if (p->count >= p->cap)
		return -1;
	t = &p->tokens[p->count];
	t->type = type;
	t->start = p->pos;
	t->end = p->pos;
	t->size = 0;
	t->next = p->count + 1;
	return (int)p->count++;
}

static void
reader_init(struct string_reader *r, const char *text, const struct json_token *t)
{
	r->text = text;
	r->pos = t->start;
	r->end = t->end;
	r->npending = 0;
	r->next_pending = 0;
}

/* Decode the escape at r->pos into r->pending and move past it. */
static void
reader_escape(struct string_reader *r)
{
	const char *s = r->text + r->pos;
	uint32_t cp;

	switch (s[1]) {
	case 'b':
		cp = '\b';
		break;
	case 'f':
		cp = '\f';
		break;
	case 'n':
		cp = '\n';
		break;
	case 'r':
		cp = '\r';
		break;
	case 't':
		cp = '\t';
		break;
	case 'u':
		cp = (uint32_t)hex4(s + 2);
		if (cp >= 0xd800 && cp <= 0xdbff) {
			/* UTF-16 surrogate pair (RFC 8259 section 7), checked by scan_escape(). */
			cp = 0x10000 + ((cp - 0xd800) << 10) + ((uint32_t)hex4(s + 8) - 0xdc00);
			r->pos += 6;
		}
		r->pos += 6;
		r->npending = utf8_encode(cp, r->pending);
		r->next_pending = 0;
		return;
	default:
		/* '"', '\\' and '/' stand for themselves. */
		cp = (unsigned char)s[1];
		break;
	}
	r->pos += 2;
	r->pending[0] = (unsigned char)cp;
	r->npending = 1;
	r->next_pending = 0;
}

/* The next unescaped byte, or -1 at the end of the string. */
static int
reader_byte(struct string_reader *r)
{
	if (r->next_pending < r->npending)
		return r->pending[r->next_pending++];
	if (r->pos >= r->end)
		return -1;
	if (r->text[r->pos] != '\\')
		return (unsigned char)r->text[r->pos++];
	reader_escape(r);
	return r->pending[r->next_pending++];
}

/* 1 when string tokens A and B are equal after unescaping. */
static int
strings_equal(const char *text, const struct json_token *a, const struct json_token *b)
{
	struct string_reader ra, rb;
	int ca, cb;

	/* Equal raw text is equal unescaped text. */
	if (a->end - a->start == b->end - b->start &&
	    memcmp(text + a->start, text + b->start, a->end - a->start) == 0)
		return 1;

	reader_init(&ra, text, a);
	reader_init(&rb, text, b);
	do {
		ca = reader_byte(&ra);
		cb = reader_byte(&rb);
		if (ca != cb)
			return 0;
	} while (ca != -1);
	return 1;
}

/* Reject NAME (a token index) when an earlier member of object OBJECT has the same name. */
static int
check_duplicate(const struct parser *p, uint32_t object, uint32_t name)
{
	uint32_t k = object + 1, n;

	for (n = 0; n < p->tokens[object].size; n++) {
		if (strings_equal(p->text, &p->tokens[k], &p->tokens[name]))
			return JSON_ERR_DUPLICATE;
		k = p->tokens[k + 1].next;
	}
	return JSON_OK;
}

static int
parse_string(struct parser *p)
{
	int tok = new_token(p, JSON_STRING);
	int err;

	if (tok < 0)
		return JSON_ERR_TOKENS;
	err = scan_string(p);
	if (err != JSON_OK)
		return err;
	p->tokens[tok].start++;
	p->tokens[tok].end = p->pos - 1;
	return JSON_OK;
}

/* Parse one "name": value member of the object at token OBJECT. */
static int
parse_member(struct parser *p, int object, int depth)
{
	uint32_t name_start, name;
	int err;

	if (p->pos >= p->len || p->text[p->pos] != '"')
		return JSON_ERR_SYNTAX;
	if (p->tokens[object].size >= JSON_MAX_MEMBERS)
		return JSON_ERR_MEMBERS;

	name_start = p->pos;
	name = p->count;
	err = parse_string(p);
	if (err != JSON_OK)
		return err;
	err = check_duplicate(p, (uint32_t)object, name);
	if (err != JSON_OK) {
		p->pos = name_start;
		return err;
	}

	skip_space(p);
	if (p->pos >= p->len || p->text[p->pos] != ':')
		return JSON_ERR_SYNTAX;
	p->pos++;
	skip_space(p);
	err = parse_value(p, depth);
	if (err != JSON_OK)
		return err;
	p->tokens[object].size++;
	return JSON_OK;
}

/*
 * Parse the object or array at p->pos. DEPTH counts the containers around
 * it. Members and elements are separated by commas, with no trailing comma.
 */
static int
parse_container(struct parser *p, enum json_type type, int depth)
{
	char close = type == JSON_OBJECT ? '}' : ']';
	int tok, err;

	if (depth >= JSON_MAX_DEPTH)
		return JSON_ERR_DEPTH;
	tok = new_token(p, type);
	if (tok < 0)
		return JSON_ERR_TOKENS;
	p->pos++;

	skip_space(p);
	if (p->pos < p->len && p->text[p->pos] == close) {
		p->pos++;
		goto done;
	}
	for (;;) {
		skip_space(p);
		if (type == JSON_OBJECT) {
			err = parse_member(p, tok, depth + 1);
		} else {
			err = parse_value(p, depth + 1);
			if (err == JSON_OK)
				p->tokens[tok].size++;
		}
		if (err != JSON_OK)
			return err;

		skip_space(p);
		if (p->pos >= p->len)
			return JSON_ERR_SYNTAX;
		if (p->text[p->pos] == close) {
			p->pos++;
			break;
		}
		if (p->text[p->pos] != ',')
			return JSON_ERR_SYNTAX;
		p->pos++;
	}

done:
	p->tokens[tok].end = p->pos;
	p->tokens[tok].next = p->count;
	return JSON_OK;
}

/* Parse the value starting at p->pos, after any whitespace. */
static int
parse_value(struct parser *p, int depth)
{
	int tok, err;
	enum json_type type;

	if (p->pos >= p->len)
		return JSON_ERR_SYNTAX;
	switch (p->text[p->pos]) {
	case '{':
		return parse_container(p, JSON_OBJECT, depth);
	case '[':
		return parse_container(p, JSON_ARRAY, depth);
	case '"':
		return parse_string(p);
	case 't':
		type = JSON_TRUE;
		break;
	case 'f':
		type = JSON_FALSE;
		break;
	case 'n':
		type = JSON_NULL;
		break;
	default:
		if (p->text[p->pos] != '-' && !is_digit(p->text[p->pos]))
			return JSON_ERR_SYNTAX;
		type = JSON_NUMBER;
		break;
	}

	tok = new_token(p, type);
	if (tok < 0)
		return JSON_ERR_TOKENS;
	if (type == JSON_NUMBER)
		err = scan_number(p);
	else if (type == JSON_TRUE)
		err = scan_literal(p, "true");
	else if (type == JSON_FALSE)
		err = scan_literal(p, "false");
	else
		err = scan_literal(p, "null");
	if (err != JSON_OK)
		return err;
	p->tokens[tok].end = p->pos;
	return JSON_OK;
}

/* see json.h */
int
json_parse(struct json_doc *doc, const char *text, size_t len, struct json_token *tokens,
    uint32_t cap, size_t *err_offset)
{
	struct parser p;
	int err;

	doc->text = text;
	doc->len = len;
	doc->tokens = tokens;
	doc->count = 0;

	if (len >= UINT32_MAX) {
		if (err_offset != NULL)
			*err_offset = 0;
		return JSON_ERR_TOO_LONG;
	}

	p.text = text;
	p.len = (uint32_t)len;
	p.pos = 0;
	p.tokens = tokens;
	/* Token indices are returned as int. */
	p.cap = cap < INT32_MAX ? cap : INT32_MAX;
	p.count = 0;

	/* JSON-text = ws value ws (RFC 8259 section 2) */
	skip_space(&p);
	err = parse_value(&p, 0);
	if (err == JSON_OK) {
		skip_space(&p);
		if (p.pos != p.len)
			err = JSON_ERR_SYNTAX;
	}

	if (err_offset != NULL)
		*err_offset = err == JSON_OK ? 0 : p.pos;
	if (err == JSON_OK)
		doc->count = p.count;
	return err;
}

/* see json.h */
const char *
json_strerror(int code)
{
	static const char *const messages[] = {
		[-JSON_OK] = "no error",
		[-JSON_ERR_SYNTAX] = "invalid JSON syntax",
		[-JSON_ERR_DEPTH] = "nested too deeply",
		[-JSON_ERR_TOKENS] = "too many values",
		[-JSON_ERR_DUPLICATE] = "duplicate member name",
		[-JSON_ERR_STRING] = "invalid string (bad escape, lone surrogate, invalid UTF-8 or control character)",
		[-JSON_ERR_TOO_LONG] = "text too long",
		[-JSON_ERR_MEMBERS] = "too many members in one object",
	};

	if (code > 0 || -code >= (int)(sizeof(messages) / sizeof(messages[0])))
		return "unknown JSON error";
	return messages[-code];
}

/* The token at index TOK when it exists and has type TYPE, or NULL. */
static const struct json_token *
token_of(const struct json_doc *doc, int tok, enum json_type type)
{
	if (tok < 0 || (uint32_t)tok >= doc->count || doc->tokens[tok].type != type)
		return NULL;
	return &doc->tokens[tok];
}

/* see json.h */
int
json_get(const struct json_doc *doc, int object, const char *name)
{
	const struct json_token *o = token_of(doc, object, JSON_OBJECT);
	uint32_t k, n;

	if (o == NULL)
		return -1;
	k = (uint32_t)object + 1;
	for (n = 0; n < o->size; n++) {
		if (json_string_eq(doc, (int)k, name))
			return (int)k + 1;
		k = doc->tokens[k + 1].next;
	}
	return -1;
}

/* see json.h */
int
json_index(const struct json_doc *doc, int array, uint32_t i)
{
	const struct json_token *a = token_of(doc, array, JSON_ARRAY);
	uint32_t k, n;

	if (a == NULL || i >= a->size)
		return -1;
	k = (uint32_t)array + 1;
	for (n = 0; n < i; n++)
		k = doc->tokens[k].next;
	return (int)k;
}

/* see json.h */
int
json_string(const struct json_doc *doc, int tok, char *out, size_t cap)
{
	const struct json_token *t = token_of(doc, tok, JSON_STRING);
	struct string_reader r;
	size_t len = 0;
	int c;

	if (t == NULL || cap == 0)
		return -1;
	reader_init(&r, doc->text, t);
	while ((c = reader_byte(&r)) != -1) {
		if (c == 0 || len + 1 >= cap || len >= INT32_MAX) {
			out[0] = '\0';
			return -1;
		}
		out[len++] = (char)c;
	}
	out[len] = '\0';
	return (int)len;
}

/* see json.h */
int
json_string_eq(const struct json_doc *doc, int tok, const char *s)
{
	const struct json_token *t = token_of(doc, tok, JSON_STRING);
	const unsigned char *u = (const unsigned char *)s;
	struct string_reader r;
	int c;

	if (t == NULL)
		return 0;
	reader_init(&r, doc->text, t);
	while ((c = reader_byte(&r)) != -1) {
		/* A NUL in the value never equals the end of S. */
		if (*u == '\0' || c != *u)
			return 0;
		u++;
	}
	return *u == '\0';
}

/* see json.h */
int
json_int64(const struct json_doc *doc, int tok, int64_t *value)
{
	const struct json_token *t = token_of(doc, tok, JSON_NUMBER);
	uint64_t magnitude = 0, limit = INT64_MAX;
	uint32_t i;
	int negative = 0;

	if (t == NULL)
		return -1;
	i = t->start;
	if (doc->text[i] == '-') {
		negative = 1;
		limit = (uint64_t)INT64_MAX + 1;
		i++;
	}

	for (; i < t->end; i++) {
		unsigned digit;

		/* A fraction or an exponent makes the number something other than an integer. */
		if (!is_digit(doc->text[i]))
			return -1;
		digit = (unsigned)(doc->text[i] - '0');
		if (magnitude > (limit - digit) / 10)
			return -1;
		magnitude = magnitude * 10 + digit;
	}

	if (!negative)
		*value = (int64_t)magnitude;
	else if (magnitude == (uint64_t)INT64_MAX + 1)
		*value = INT64_MIN;
	else
		*value = -(int64_t)magnitude;
	return 0;
}

/* see json.h */
int
json_get_typed(const struct json_doc *doc, int object, const char *name, enum json_type type)
{
	int tok = json_get(doc, object, name);

	if (tok < 0 || doc->tokens[tok].type != type)
		return -1;
	return tok;
}

/* see json.h */
int
json_get_string(const struct json_doc *doc, int object, const char *name, char *out, size_t cap)
{
	int tok = json_get_typed(doc, object, name, JSON_STRING);

	if (tok < 0)
		return -1;
	return json_string(doc, tok, out, cap);
}

/* see json.h */
int
json_get_int64(const struct json_doc *doc, int object, const char *name, int64_t *value)
{
	int tok = json_get_typed(doc, object, name, JSON_NUMBER);

	if (tok < 0)
		return -1;
	return json_int64(doc, tok, value);
}

/* see json.h */
int
json_get_bool(const struct json_doc *doc, int object, const char *name)
{
	int tok = json_get(doc, object, name);

	if (tok < 0)
		return -1;
	if (doc->tokens[tok].type == JSON_TRUE)
		return 1;
	if (doc->tokens[tok].type == JSON_FALSE)
		return 0;
	return -1;
}

/* see json.h */
void
json_write_string(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;

	buf_putc(b, '"');
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[7];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;

		/* Copy the plain bytes before this one, then its escape (RFC 8259 section 7). */
		buf_append(b, run, (size_t)(s - run));
		run = s + 1;
		esc[0] = '\\';
		switch (c) {
		case '"':
		case '\\':
			esc[1] = (char)c;
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			buf_append(b, esc, 6);
			continue;
		}
		buf_append(b, esc, 2);
	}
	buf_append(b, run, (size_t)(s - run));
	buf_putc(b, '"');
}
