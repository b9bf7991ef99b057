/*
 * The HTTP/1.1 response parser (RFC 9112), a state machine over bytes. It
 * never touches a socket, so the client, the unit tests and the fuzzer all
 * drive it the same way: feed whatever arrived, in any split.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "http.h"

enum parse_state {
	ST_STATUS,
	ST_HEADER,
	ST_BODY_LENGTH,
	ST_BODY_CLOSE,
	ST_CHUNK_SIZE,
	ST_CHUNK_DATA,
	ST_CHUNK_DATA_END,
	ST_TRAILER,
	ST_DONE,
	ST_ERROR,
};

static const char *const parse_errors[] = {
	[HTTP_ERR_NONE] = "no error",
	[HTTP_ERR_STATUS_LINE] = "invalid status line",
	[HTTP_ERR_VERSION] = "unsupported HTTP version in the status line (expected HTTP/1.0 or HTTP/1.1)",
	[HTTP_ERR_STATUS_CODE] = "invalid status code (expected three digits from 100 to 599)",
	[HTTP_ERR_SWITCHING_PROTOCOLS] = "unexpected 101 Switching Protocols",
	[HTTP_ERR_HEADER_LINE] = "invalid header line (no colon after the name)",
	[HTTP_ERR_HEADER_NAME] = "invalid character in a header name",
	[HTTP_ERR_HEADER_VALUE] = "control character in a header value",
	[HTTP_ERR_OBS_FOLD] = "obsolete line folding in the headers",
	[HTTP_ERR_HEADERS_TOO_LARGE] = "headers larger than 32 KiB",
	[HTTP_ERR_TOO_MANY_HEADERS] = "more header lines than the limit of 100",
	[HTTP_ERR_CONTENT_LENGTH] = "invalid Content-Length",
	[HTTP_ERR_CONTENT_LENGTH_CONFLICT] = "conflicting Content-Length values",
	[HTTP_ERR_LENGTH_AND_CHUNKED] = "both Content-Length and Transfer-Encoding",
	[HTTP_ERR_TRANSFER_ENCODING] = "unsupported Transfer-Encoding (only chunked is supported)",
	[HTTP_ERR_BODY_TOO_LARGE] = "body larger than the limit",
	[HTTP_ERR_CHUNK_SIZE] = "invalid chunk size line",
	[HTTP_ERR_CHUNK_OVERFLOW] = "chunk size too large",
	[HTTP_ERR_CHUNK_LINE_TOO_LONG] = "chunk size line longer than 4096 bytes",
	[HTTP_ERR_CHUNK_END] = "missing line end after chunk data",
	[HTTP_ERR_NO_RESPONSE] = "connection closed before any response byte",
	[HTTP_ERR_TRUNCATED_HEADERS] = "connection closed before the end of the headers",
	[HTTP_ERR_TRUNCATED_BODY] = "connection closed before the end of the body",
	[HTTP_ERR_TRUNCATED_CHUNKED] = "connection closed before the last chunk",
	[HTTP_ERR_NO_MEMORY] = "out of memory",
};

_Static_assert(sizeof(parse_errors) / sizeof(parse_errors[0]) == HTTP_ERR__MAX,
    "every parse error needs a message");

/* see http.h */
const char *
http_parse_strerror(enum http_parse_error error)
{
	if ((unsigned)error >= HTTP_ERR__MAX)
		return "unknown parse error";
	return parse_errors[error];
}

static int
fail(struct http_parser *p, enum http_parse_error error)
{
	p->error = error;
	p->state = ST_ERROR;
	return HTTP_PARSE_ERROR;
}

/* tchar of RFC 9110 section 5.6.2. */
static int
is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Field values may contain SP, HTAB, VCHAR and obs-text, nothing else (RFC 9110 section 5.5). */
static int
is_field_byte(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static void
reset_headers(struct http_parser *p)
{
	struct http_response *resp = p->resp;

	resp->header_count = 0;
	buf_reset(&resp->header_store);
}

/* Point the headers into the store again: an append may have moved it. */
static void
fix_header_pointers(struct http_parser *p)
{
	struct http_response *resp = p->resp;
	size_t i;

	for (i = 0; i < resp->header_count; i++) {
		resp->headers[i].name = resp->header_store.data + p->name_offset[i];
		resp->headers[i].value = resp->header_store.data + p->value_offset[i];
	}
}

/* status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 section 4). */
static int
parse_status_line(struct http_parser *p, const char *line, size_t len)
{
	struct http_response *resp = p->resp;
	size_t i;

	if (len < 12 || memcmp(line, "HTTP/", 5) != 0)
		return fail(p, HTTP_ERR_STATUS_LINE);
	if (memcmp(line, "HTTP/1.1 ", 9) == 0)
		resp->minor_version = 1;
	else if (memcmp(line, "HTTP/1.0 ", 9) == 0)
		resp->minor_version = 0;
	else
		return fail(p, HTTP_ERR_VERSION);

	for (i = 9; i < 12; i++)
		if (line[i] < '0' || line[i] > '9')
			return fail(p, HTTP_ERR_STATUS_CODE);
	resp->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
	if (resp->status < 100 || resp->status > 599)
		return fail(p, HTTP_ERR_STATUS_CODE);

	/* A missing reason phrase is allowed, with or without the space before it. */
	if (len > 12 && line[12] != ' ')
		return fail(p, HTTP_ERR_STATUS_CODE);
	for (i = 13; i < len; i++)
		if (!is_field_byte((unsigned char)line[i]))
			return fail(p, HTTP_ERR_STATUS_LINE);
	return HTTP_PARSE_MORE;
}

/* field-line = field-name ":" OWS field-value OWS (RFC 9112 section 5). */
static int
parse_header_line(struct http_parser *p, const char *line, size_t len, int trailer)
{
	struct http_response *resp = p->resp;
	size_t colon, start, end, i;

	if (line[0] == ' ' || line[0] == '\t')
		return fail(p, HTTP_ERR_OBS_FOLD);

	for (colon = 0; colon < len && line[colon] != ':'; colon++)
		if (!is_tchar((unsigned char)line[colon]))
			return fail(p, colon > 0 && (line[colon] == ' ' || line[colon] == '\t') ?
			    HTTP_ERR_HEADER_LINE : HTTP_ERR_HEADER_NAME);
	if (colon == len || colon == 0)
		return fail(p, colon == 0 ? HTTP_ERR_HEADER_NAME : HTTP_ERR_HEADER_LINE);

	for (i = colon + 1; i < len; i++)
		if (!is_field_byte((unsigned char)line[i]))
			return fail(p, HTTP_ERR_HEADER_VALUE);
	start = colon + 1;
	end = len;
	while (start < end && (line[start] == ' ' || line[start] == '\t'))
		start++;
	while (end > start && (line[end - 1] == ' ' || line[end - 1] == '\t'))
		end--;

	/* Trailer fields are checked but not kept: RFC 9110 section 6.5.1 forbids merging them blindly. */
	if (trailer)
		return HTTP_PARSE_MORE;

	if (resp->header_count == HTTP_MAX_HEADERS)
		return fail(p, HTTP_ERR_TOO_MANY_HEADERS);
	p->name_offset[resp->header_count] = resp->header_store.len;
	buf_append(&resp->header_store, line, colon);
	buf_putc(&resp->header_store, '\0');
	p->value_offset[resp->header_count] = resp->header_store.len;
	buf_append(&resp->header_store, line + start, end - start);
	buf_putc(&resp->header_store, '\0');
	if (resp->header_store.failed)
		return fail(p, HTTP_ERR_NO_MEMORY);
	resp->header_count++;
	fix_header_pointers(p);
	return HTTP_PARSE_MORE;
}

/* Whether the comma-separated list VALUE contains TOKEN, ignoring case. */
static int
list_has_token(const char *value, const char *token)
{
	size_t n = strlen(token);
	const char *s = value;

	while (*s != '\0') {
		size_t len;

		while (*s == ' ' || *s == '\t' || *s == ',')
			s++;
		len = strcspn(s, ",");
		while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		if (len == n && strncasecmp(s, token, n) == 0)
			return 1;
		s += strcspn(s, ",");
	}
	return 0;
}

/*
 * Read every Content-Length header into *LENGTH. A list of identical values
 * ("42, 42") and repeated identical headers are accepted, as RFC 9110
 * section 8.6 allows; differing values, signs and overflow are not.
 * Returns 1 when there is one, 0 when there is none, or a parse error code
 * negated.
 */
static int
content_length(const struct http_response *resp, unsigned long long *length)
{
	int found = 0;
	size_t i;

	for (i = 0; i < resp->header_count; i++) {
		const char *s = resp->headers[i].value;

		if (strcasecmp(resp->headers[i].name, "Content-Length") != 0)
			continue;
		do {
			unsigned long long v = 0;
			int digits = 0;

			while (*s == ' ' || *s == '\t')
				s++;
			for (; *s >= '0' && *s <= '9'; s++, digits++) {
				if (digits == 18)
					return -HTTP_ERR_CONTENT_LENGTH;
				v = v * 10 + (unsigned)(*s - '0');
			}
			while (*s == ' ' || *s == '\t')
				s++;
			if (digits == 0 || (*s != '\0' && *s != ','))
				return -HTTP_ERR_CONTENT_LENGTH;
			if (found && v != *length)
				return -HTTP_ERR_CONTENT_LENGTH_CONFLICT;
			*length = v;
			found = 1;
		} while (*s++ == ',');
	}
	return found;
}

/*
 * Decide how the body is delimited once the headers are complete
 * (RFC 9112 section 6.3), and whether the connection stays open.
 */
static int
start_body(struct http_parser *p)
{
	struct http_response *resp = p->resp;
	unsigned long long length = 0;
	int chunked = 0, has_te = 0, has_length, keep_alive = 0, close = 0;
	size_t i;

	for (i = 0; i < resp->header_count; i++) {
		const char *name = resp->headers[i].name, *value = resp->headers[i].value;

		if (strcasecmp(name, "Connection") == 0) {
			close |= list_has_token(value, "close");
			keep_alive |= list_has_token(value, "keep-alive");
		} else if (strcasecmp(name, "Transfer-Encoding") == 0) {
			/* Only "chunked", exactly once: other codings would need a decoder we do not have. */
			if (chunked || strcasecmp(value, "chunked") != 0)
				return fail(p, HTTP_ERR_TRANSFER_ENCODING);
			chunked = has_te = 1;
		}
	}
	resp->connection_close = close || (resp->minor_version == 0 && !keep_alive);

	has_length = content_length(resp, &length);
	if (has_length < 0)
		return fail(p, (enum http_parse_error)-has_length);

	if (p->head_request || resp->status == 204 || resp->status == 304) {
		p->state = ST_DONE;
		return HTTP_PARSE_DONE;
	}
	if (has_te && has_length)
		return fail(p, HTTP_ERR_LENGTH_AND_CHUNKED);

	resp->body.limit = p->max_body;
	if (chunked) {
		p->state = ST_CHUNK_SIZE;
	} else if (has_length) {
		if (length > p->max_body)
			return fail(p, HTTP_ERR_BODY_TOO_LARGE);
		p->remaining = length;
		p->state = length == 0 ? ST_DONE : ST_BODY_LENGTH;
	} else {
		resp->connection_close = 1;
		p->state = ST_BODY_CLOSE;
	}
	return p->state == ST_DONE ? HTTP_PARSE_DONE : HTTP_PARSE_MORE;
}

static int
end_of_headers(struct http_parser *p)
{
	struct http_response *resp = p->resp;

	if (resp->status == 101)
		return fail(p, HTTP_ERR_SWITCHING_PROTOCOLS);

	/* Interim responses (100 Continue, 103 Early Hints) come before the real one. */
	if (resp->status < 200) {
		reset_headers(p);
		resp->status = 0;
		p->state = ST_STATUS;
		return HTTP_PARSE_MORE;
	}
	return start_body(p);
}

/* chunk-size [ chunk-ext ] CRLF, with chunk-size in hex (RFC 9112 section 7.1). */
static int
parse_chunk_size(struct http_parser *p, const char *line, size_t len)
{
	unsigned long long size = 0;
	size_t i;

	for (i = 0; i < len && isxdigit((unsigned char)line[i]); i++) {
		unsigned c = (unsigned char)line[i];
		unsigned digit = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

		if (size > (~0ull >> 4))
			return fail(p, HTTP_ERR_CHUNK_OVERFLOW);
		size = size << 4 | digit;
	}
	if (i == 0)
		return fail(p, HTTP_ERR_CHUNK_SIZE);

	/* Extensions are ignored, but must be text: BWS ";" name [ "=" value ]. */
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i < len && line[i] != ';')
		return fail(p, HTTP_ERR_CHUNK_SIZE);
	for (; i < len; i++)
		if (!is_field_byte((unsigned char)line[i]))
			return fail(p, HTTP_ERR_CHUNK_SIZE);

	if (size == 0) {
		p->state = ST_TRAILER;
		return HTTP_PARSE_MORE;
	}
	if (size > p->max_body || p->resp->body.len > p->max_body - size)
		return fail(p, HTTP_ERR_BODY_TOO_LARGE);
	p->remaining = size;
	p->state = ST_CHUNK_DATA;
	return HTTP_PARSE_MORE;
}

/* Handle one complete line (without its line end) in a line-based state. */
static int
handle_line(struct http_parser *p, const char *line, size_t len)
{
	switch (p->state) {
	case ST_STATUS:
		return parse_status_line(p, line, len);
	case ST_HEADER:
		if (len == 0)
			return end_of_headers(p);
		return parse_header_line(p, line, len, 0);
	case ST_CHUNK_SIZE:
		return parse_chunk_size(p, line, len);
	case ST_CHUNK_DATA_END:
		if (len != 0)
			return fail(p, HTTP_ERR_CHUNK_END);
		p->state = ST_CHUNK_SIZE;
		return HTTP_PARSE_MORE;
	case ST_TRAILER:
		if (len == 0) {
			p->state = ST_DONE;
			return HTTP_PARSE_DONE;
		}
		return parse_header_line(p, line, len, 1);
	default:
		return fail(p, HTTP_ERR_STATUS_LINE);
	}
}

/* Whether a line of LEN more bytes stays within the limit of the current state. */
static int
line_fits(const struct http_parser *p, size_t len, enum http_parse_error *error)
{
	switch (p->state) {
	case ST_CHUNK_SIZE:
		*error = HTTP_ERR_CHUNK_LINE_TOO_LONG;
		return p->line.len + len <= HTTP_MAX_CHUNK_LINE;
	case ST_CHUNK_DATA_END:
		*error = HTTP_ERR_CHUNK_END;
		return p->line.len + len <= 2;
	default:
		/* Status lines, headers and trailers share one budget, interim responses included. */
		*error = HTTP_ERR_HEADERS_TOO_LARGE;
		return p->head_bytes + len <= HTTP_MAX_HEADER_BYTES;
	}
}

/*
 * Collect bytes up to and including the next LF into the line buffer, then
 * handle the line. A CR is allowed only right before the LF, and a bare LF
 * ends a line too (RFC 9112 section 2.2 lets a recipient accept it).
 */
static int
feed_line(struct http_parser *p, const char *data, size_t len, size_t *used)
{
	const char *lf = memchr(data, '\n', len);
	size_t take = lf != NULL ? (size_t)(lf - data) + 1 : len;
	enum http_parse_error error;
	size_t line_len, i;
	int r;

	*used = take;
	if (!line_fits(p, take, &error))
		return fail(p, error);
	if (p->state != ST_CHUNK_SIZE && p->state != ST_CHUNK_DATA_END)
		p->head_bytes += take;
	buf_append(&p->line, data, take);
	if (p->line.failed)
		return fail(p, HTTP_ERR_NO_MEMORY);
	if (lf == NULL)
		return HTTP_PARSE_MORE;

	line_len = p->line.len - 1;
	if (line_len > 0 && p->line.data[line_len - 1] == '\r')
		line_len--;
	for (i = 0; i < line_len; i++) {
		if (p->line.data[i] == '\r' || p->line.data[i] == '\0') {
			buf_reset(&p->line);
			if (p->state == ST_STATUS)
				return fail(p, HTTP_ERR_STATUS_LINE);
			if (p->state == ST_CHUNK_SIZE)
				return fail(p, HTTP_ERR_CHUNK_SIZE);
			if (p->state == ST_CHUNK_DATA_END)
				return fail(p, HTTP_ERR_CHUNK_END);
			return fail(p, HTTP_ERR_HEADER_VALUE);
		}
	}

	r = handle_line(p, p->line.data, line_len);
	if (r == HTTP_PARSE_MORE && p->state == ST_STATUS && p->resp->status != 0)
		p->state = ST_HEADER;
	buf_reset(&p->line);
	return r;
}

static int
feed_body(struct http_parser *p, const char *data, size_t len, size_t *used)
{
	struct http_response *resp = p->resp;
	size_t take = len;

	if (p->state != ST_BODY_CLOSE && take > p->remaining)
		take = (size_t)p->remaining;
	if (p->state == ST_BODY_CLOSE && (take > p->max_body || resp->body.len > p->max_body - take))
		return fail(p, HTTP_ERR_BODY_TOO_LARGE);

	buf_append(&resp->body, data, take);
	if (resp->body.failed)
		return fail(p, HTTP_ERR_NO_MEMORY);
	*used = take;
	if (p->state == ST_BODY_CLOSE)
		return HTTP_PARSE_MORE;

	p->remaining -= take;
	if (p->remaining != 0)
		return HTTP_PARSE_MORE;
	if (p->state == ST_CHUNK_DATA) {
		p->state = ST_CHUNK_DATA_END;
		return HTTP_PARSE_MORE;
	}
	p->state = ST_DONE;
	return HTTP_PARSE_DONE;
}

/* see http.h */
void
http_parser_init(struct http_parser *p, struct http_response *resp, int head_request, size_t max_body)
{
	memset(p, 0, sizeof(*p));
	p->line.limit = HTTP_MAX_HEADER_BYTES + 1;
	p->resp = resp;
	p->head_request = head_request;
	p->max_body = max_body != 0 ? max_body : HTTP_DEFAULT_MAX_BODY;
	p->state = ST_STATUS;

	resp->status = 0;
	resp->minor_version = 1;
	resp->connection_close = 0;
	reset_headers(p);
	buf_reset(&resp->body);
}

/* see http.h */
int
http_parser_feed(struct http_parser *p, const void *data, size_t len, size_t *consumed)
{
	const char *bytes = data;
	size_t off = 0;
	int r = HTTP_PARSE_MORE;

	*consumed = 0;
	if (p->state == ST_DONE)
		return HTTP_PARSE_DONE;
	if (p->state == ST_ERROR)
		return HTTP_PARSE_ERROR;

	while (off < len && r == HTTP_PARSE_MORE) {
		size_t used = 0;

		switch (p->state) {
		case ST_BODY_LENGTH:
		case ST_BODY_CLOSE:
		case ST_CHUNK_DATA:
			r = feed_body(p, bytes + off, len - off, &used);
			break;
		default:
			r = feed_line(p, bytes + off, len - off, &used);
			break;
		}
		off += used;
	}
	p->seen += off;
	*consumed = off;
	return r;
}

/* see http.h */
int
http_parser_finish(struct http_parser *p)
{
	switch (p->state) {
	case ST_DONE:
		return HTTP_PARSE_DONE;
	case ST_ERROR:
		return HTTP_PARSE_ERROR;
	case ST_BODY_CLOSE:
		p->state = ST_DONE;
		return HTTP_PARSE_DONE;
	case ST_STATUS:
		return fail(p, p->seen == 0 ? HTTP_ERR_NO_RESPONSE : HTTP_ERR_TRUNCATED_HEADERS);
	case ST_HEADER:
		return fail(p, HTTP_ERR_TRUNCATED_HEADERS);
	case ST_BODY_LENGTH:
		return fail(p, HTTP_ERR_TRUNCATED_BODY);
	default:
		return fail(p, HTTP_ERR_TRUNCATED_CHUNKED);
	}
}

/* see http.h */
void
http_parser_free(struct http_parser *p)
{
	buf_free(&p->line);
}
