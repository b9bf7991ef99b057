/*
 * The HTTP response parser and header helpers. Every parser case is run
 * three ways, whole, one byte at a time and split at every offset, and the
 * three results must be identical.
 */
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>

#include "http.h"
#include "net.h"
#include "unit.h"

struct parse_case {
	const char *name;
	const char *input;
	size_t len;		/* 0: strlen(input) */
	int head;		/* the request was HEAD */
	size_t max_body;	/* 0: the default */
	int eof;		/* the connection closes after the input */
	enum http_parse_error error;
	int status;
	const char *headers;	/* "name=value\n" for each header, in order */
	const char *body;
	int close;
	size_t consumed;	/* 0: the whole input */
};

static const struct parse_case cases[] = {
	{ "content length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 0, 0, 0, 0,
	    HTTP_ERR_NONE, 200, "Content-Length=5\n", "hello", 0, 0 },
	{ "http 1.0 until close", "HTTP/1.0 200 OK\r\nServer: x\r\n\r\nall of it", 0, 0, 0, 1,
	    HTTP_ERR_NONE, 200, "Server=x\n", "all of it", 1, 0 },
	{ "http 1.0 keep-alive", "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok", 0, 0, 0, 0,
	    HTTP_ERR_NONE, 200, "Connection=Keep-Alive\nContent-Length=2\n", "ok", 0, 0 },
	{ "connection close", "HTTP/1.1 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 0\r\n\r\n", 0, 0, 0, 0,
	    HTTP_ERR_NONE, 200, "Connection=keep-alive, close\nContent-Length=0\n", "", 1, 0 },
	{ "chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 0, 0, 0, 0,
	    HTTP_ERR_NONE, 200, "Transfer-Encoding=chunked\n", "hello", 0, 0 },
	{ "chunked several", "HTTP/1.1 201 Created\r\ntransfer-encoding: Chunked\r\n\r\n3\r\nabc\r\n1\r\nd\r\nA\r\n0123456789\r\n0\r\n\r\n", 0, 0, 0, 0,
	    HTTP_ERR_NONE, 201, "transfer-encoding=Chunked\n", "abcd0123456789", 0, 0 },
	{ "chunk extensions", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;name=value;q=\"x y\"\r\nbody\r\n0;last\r\n\r\n", 0, 0, 0, 0,
	    HTTP_ERR_NONE, 200, "Transfer-Encoding=chunked\n", "body", 0, 0 },
	{ "chunk trailers", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nChecksum: abc\r\nX-T: 1\r\n\r\n", 0, 0, 0, 0,
	    HTTP_ERR_NONE, 200, "Transfer-Encoding=chunked\n", "hi", 0, 0 },
	{ "no content 204", "HTTP/1.1 204 No Content\r\nReplay-Nonce: abc\r\n\r\n", 0, 0, 0, 0,
	    HTTP_ERR_NONE, 204, "Replay-Nonce=abc\n", "", 0, 0 },
	{ "not modified 304 with length", "HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n", 0, 0, 0, 0,
	    HTTP_ERR_NONE, 304, "Content-Length=100\n", "", 0, 0 },
	{ "head with length", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nReplay-Nonce: n1\r\n\r\n", 0, 1, 0, 0,
	    HTTP_ERR_NONE, 200, "Content-Length=100\nReplay-Nonce=n1\n", "", 0, 0 },
	{ "interim 100 skipped", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx", 0, 0, 0, 0,
	    HTTP_ERR_NONE, 200, "Content-Length=1\n", "x", 0, 0 },
	{ "early hints headers dropped", "HTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0, 0, 0, 0,
	    HTTP_ERR_NONE, 200, "Content-Length=0\n", "", 0, 0 },
	{ "repeated headers in order", "HTTP/1.1 200 OK\r\nLink: <a>;rel=up\r\nX: 1\r\nLink: <b>;rel=index\r\nContent-Length: 0\r\n\r\n", 0, 0, 0, 0,
	    HTTP_ERR_NONE, 200, "Link=<a>;rel=up\nX=1\nLink=<b>;rel=index\nContent-Length=0\n", "", 0, 0 },
	{ "whitespace trimmed", "HTTP/1.1 200 OK\r\nreplay-nonce:abc\r\nlocation:\t https://x/y \t\r\ncontent-length:0\r\n\r\n", 0, 0, 0, 0,
	    HTTP_ERR_NONE, 200, "replay-nonce=abc\nlocation=https://x/y\ncontent-length=0\n", "", 0, 0 },
	{ "empty header value", "HTTP/1.1 200 OK\r\nX-Empty:\r\nX-Blank:   \r\nContent-Length: 0\r\n\r\n", 0, 0, 0, 0,
	    HTTP_ERR_NONE, 200, "X-Empty=\nX-Blank=\nContent-Length=0\n", "", 0, 0 },
	{ "no reason phrase", "HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n", 0, 0, 0, 0,
	    HTTP_ERR_NONE, 404, "Content-Length=0\n", "", 0, 0 },
	{ "empty reason phrase", "HTTP/1.1 500 \r\nContent-Length: 0\r\n\r\n", 0, 0, 0, 0,
	    HTTP_ERR_NONE, 500, "Content-Length=0\n", "", 0, 0 },
	{ "bare line feeds", "HTTP/1.1 200 OK\nContent-Length: 3\n\nabc", 0, 0, 0, 0,
	    HTTP_ERR_NONE, 200, "Content-Length=3\n", "abc", 0, 0 },
	{ "length list of equal values", "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nab", 0, 0, 0, 0,
	    HTTP_ERR_NONE, 200, "Content-Length=2, 2\n", "ab", 0, 0 },
	{ "length repeated equal", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab", 0, 0, 0, 0,
	    HTTP_ERR_NONE, 200, "Content-Length=2\nContent-Length=2\n", "ab", 0, 0 },
	{ "obs-text in value", "HTTP/1.1 200 OK\r\nX-Name: caf\xc3\xa9\r\nContent-Length: 0\r\n\r\n", 0, 0, 0, 0,
	    HTTP_ERR_NONE, 200, "X-Name=caf\xc3\xa9\nContent-Length=0\n", "", 0, 0 },
	{ "bytes after the response", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200", 0, 0, 0, 0,
	    HTTP_ERR_NONE, 200, "Content-Length=2\n", "ok", 0, 40 },
	{ "body within limit", "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nfour", 0, 0, 4, 0,
	    HTTP_ERR_NONE, 200, "Content-Length=4\n", "four", 0, 0 },
	{ "binary body", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n\0\r\n",
	    sizeof("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n\0\r\n") - 1, 0, 0, 0,
	    HTTP_ERR_NONE, 200, "Content-Length=3\n", NULL, 0, 0 },

	{ "http 2 version", "HTTP/2 200 OK\r\n\r\n", 0, 0, 0, 0, HTTP_ERR_VERSION, 0, NULL, NULL, 0, 0 },
	{ "http 1.2 version", "HTTP/1.2 200 OK\r\n\r\n", 0, 0, 0, 0, HTTP_ERR_VERSION, 0, NULL, NULL, 0, 0 },
	{ "two digit status", "HTTP/1.1 20 OK\r\n\r\n", 0, 0, 0, 0, HTTP_ERR_STATUS_CODE, 0, NULL, NULL, 0, 0 },
	{ "status 600", "HTTP/1.1 600 Odd\r\n\r\n", 0, 0, 0, 0, HTTP_ERR_STATUS_CODE, 0, NULL, NULL, 0, 0 },
	{ "status four digits", "HTTP/1.1 2000 OK\r\n\r\n", 0, 0, 0, 0, HTTP_ERR_STATUS_CODE, 0, NULL, NULL, 0, 0 },
	{ "not http", "SSH-2.0-OpenSSH_9.6\r\n", 0, 0, 0, 0, HTTP_ERR_STATUS_LINE, 0, NULL, NULL, 0, 0 },
	{ "control in reason", "HTTP/1.1 200 O\x01K\r\n\r\n", 0, 0, 0, 0, HTTP_ERR_STATUS_LINE, 0, NULL, NULL, 0, 0 },
	{ "switching protocols", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n", 0, 0, 0, 0, HTTP_ERR_SWITCHING_PROTOCOLS, 0, NULL, NULL, 0, 0 },
	{ "obsolete folding", "HTTP/1.1 200 OK\r\nX-A: one\r\n two\r\nContent-Length: 0\r\n\r\n", 0, 0, 0, 0, HTTP_ERR_OBS_FOLD, 0, NULL, NULL, 0, 0 },
	{ "folding with tab", "HTTP/1.1 200 OK\r\nX-A: one\r\n\ttwo\r\n\r\n", 0, 0, 0, 0, HTTP_ERR_OBS_FOLD, 0, NULL, NULL, 0, 0 },
	{ "space before colon", "HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n", 0, 0, 0, 0, HTTP_ERR_HEADER_LINE, 0, NULL, NULL, 0, 0 },
	{ "no colon", "HTTP/1.1 200 OK\r\nJustAName\r\n\r\n", 0, 0, 0, 0, HTTP_ERR_HEADER_LINE, 0, NULL, NULL, 0, 0 },
	{ "empty name", "HTTP/1.1 200 OK\r\n: value\r\n\r\n", 0, 0, 0, 0, HTTP_ERR_HEADER_NAME, 0, NULL, NULL, 0, 0 },
	{ "invalid name byte", "HTTP/1.1 200 OK\r\nX(y): 1\r\n\r\n", 0, 0, 0, 0, HTTP_ERR_HEADER_NAME, 0, NULL, NULL, 0, 0 },
	{ "nul in value", "HTTP/1.1 200 OK\r\nX-A: a\0b\r\n\r\n", sizeof("HTTP/1.1 200 OK\r\nX-A: a\0b\r\n\r\n") - 1, 0, 0, 0, HTTP_ERR_HEADER_VALUE, 0, NULL, NULL, 0, 0 },
	{ "control in value", "HTTP/1.1 200 OK\r\nX-A: a\x07" "b\r\n\r\n", 0, 0, 0, 0, HTTP_ERR_HEADER_VALUE, 0, NULL, NULL, 0, 0 },
	{ "bare cr in value", "HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n", 0, 0, 0, 0, HTTP_ERR_HEADER_VALUE, 0, NULL, NULL, 0, 0 },
	{ "delete in value", "HTTP/1.1 200 OK\r\nX-A: a\x7f\r\n\r\n", 0, 0, 0, 0, HTTP_ERR_HEADER_VALUE, 0, NULL, NULL, 0, 0 },
	{ "negative length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 0, 0, 0, 0, HTTP_ERR_CONTENT_LENGTH, 0, NULL, NULL, 0, 0 },
	{ "plus sign length", "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello", 0, 0, 0, 0, HTTP_ERR_CONTENT_LENGTH, 0, NULL, NULL, 0, 0 },
	{ "letters in length", "HTTP/1.1 200 OK\r\nContent-Length: 12ab\r\n\r\n", 0, 0, 0, 0, HTTP_ERR_CONTENT_LENGTH, 0, NULL, NULL, 0, 0 },
	{ "empty length", "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", 0, 0, 0, 0, HTTP_ERR_CONTENT_LENGTH, 0, NULL, NULL, 0, 0 },
	{ "huge length", "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n", 0, 0, 0, 0, HTTP_ERR_CONTENT_LENGTH, 0, NULL, NULL, 0, 0 },
	{ "length list differs", "HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nhello", 0, 0, 0, 0, HTTP_ERR_CONTENT_LENGTH_CONFLICT, 0, NULL, NULL, 0, 0 },
	{ "length headers differ", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 50\r\n\r\nhello", 0, 0, 0, 0, HTTP_ERR_CONTENT_LENGTH_CONFLICT, 0, NULL, NULL, 0, 0 },
	{ "length over limit", "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n", 0, 0, 10, 0, HTTP_ERR_BODY_TOO_LARGE, 0, NULL, NULL, 0, 0 },
	{ "length and chunked", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 0, 0, 0, 0, HTTP_ERR_LENGTH_AND_CHUNKED, 0, NULL, NULL, 0, 0 },
	{ "gzip coding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 0, 0, 0, 0, HTTP_ERR_TRANSFER_ENCODING, 0, NULL, NULL, 0, 0 },
	{ "chunked twice", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 0, 0, 0, 0, HTTP_ERR_TRANSFER_ENCODING, 0, NULL, NULL, 0, 0 },
	{ "chunk size overflow", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n", 0, 0, 0, 0, HTTP_ERR_CHUNK_OVERFLOW, 0, NULL, NULL, 0, 0 },
	{ "chunk size not hex", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 0, 0, 0, 0, HTTP_ERR_CHUNK_SIZE, 0, NULL, NULL, 0, 0 },
	{ "chunk size junk after", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5 x\r\nhello\r\n", 0, 0, 0, 0, HTTP_ERR_CHUNK_SIZE, 0, NULL, NULL, 0, 0 },
	{ "chunk size negative", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\n", 0, 0, 0, 0, HTTP_ERR_CHUNK_SIZE, 0, NULL, NULL, 0, 0 },
	{ "chunked over limit", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n6\r\nghijkl\r\n0\r\n\r\n", 0, 0, 10, 0, HTTP_ERR_BODY_TOO_LARGE, 0, NULL, NULL, 0, 0 },
	{ "chunk data overrun", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n", 0, 0, 0, 0, HTTP_ERR_CHUNK_END, 0, NULL, NULL, 0, 0 },
	{ "close body over limit", "HTTP/1.0 200 OK\r\n\r\n0123456789ab", 0, 0, 10, 1, HTTP_ERR_BODY_TOO_LARGE, 0, NULL, NULL, 0, 0 },
	{ "bad trailer", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nBad Trailer\r\n\r\n", 0, 0, 0, 0, HTTP_ERR_HEADER_LINE, 0, NULL, NULL, 0, 0 },
	{ "truncated status", "HTTP/1.1 200", 0, 0, 0, 1, HTTP_ERR_TRUNCATED_HEADERS, 0, NULL, NULL, 0, 0 },
	{ "truncated headers", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n", 0, 0, 0, 1, HTTP_ERR_TRUNCATED_HEADERS, 0, NULL, NULL, 0, 0 },
	{ "truncated body", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel", 0, 0, 0, 1, HTTP_ERR_TRUNCATED_BODY, 0, NULL, NULL, 0, 0 },
	{ "truncated chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", 0, 0, 0, 1, HTTP_ERR_TRUNCATED_CHUNKED, 0, NULL, NULL, 0, 0 },
	{ "truncated before last chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", 0, 0, 0, 1, HTTP_ERR_TRUNCATED_CHUNKED, 0, NULL, NULL, 0, 0 },
	{ "nothing at all", "", 0, 0, 0, 1, HTTP_ERR_NO_RESPONSE, 0, NULL, NULL, 0, 0 },
};

/* Describe the parser's result in one string, so runs can be compared whole. */
static void
describe(char *out, size_t cap, int result, const struct http_parser *p, const struct http_response *resp,
    size_t consumed)
{
	size_t n, i;

	/* After an error the count of bytes consumed depends on the split; it is not compared. */
	n = (size_t)snprintf(out, cap, "result=%d error=%d status=%d minor=%d close=%d consumed=%zu\n", result,
	    (int)p->error, resp->status, resp->minor_version, resp->connection_close,
	    result == HTTP_PARSE_ERROR ? 0 : consumed);
	if (result != HTTP_PARSE_DONE)
		return;
	for (i = 0; i < resp->header_count && n < cap; i++)
		n += (size_t)snprintf(out + n, cap - n, "%s=%s\n", resp->headers[i].name, resp->headers[i].value);
	if (n < cap)
		n += (size_t)snprintf(out + n, cap - n, "body(%zu)=", resp->body.len);
	for (i = 0; i < resp->body.len && n + 3 < cap; i++)
		n += (size_t)snprintf(out + n, cap - n, "%02x", (unsigned char)resp->body.data[i]);
}

/* Parse INPUT fed in pieces of at most STEP bytes after the first FIRST bytes; describe the result. */
static void
run_split(const struct parse_case *c, const char *input, size_t len, size_t first, size_t step, char *out,
    size_t cap)
{
	struct http_parser p;
	struct http_response resp = { 0 };
	size_t off = 0, used, total = 0;
	int r = HTTP_PARSE_MORE;

	http_parser_init(&p, &resp, c->head, c->max_body);
	while (off < len && r == HTTP_PARSE_MORE) {
		size_t piece = off == 0 && first != 0 ? first : step;

		if (piece > len - off)
			piece = len - off;
		r = http_parser_feed(&p, input + off, piece, &used);
		total += used;
		off += piece;
	}
	if (r == HTTP_PARSE_MORE && c->eof)
		r = http_parser_finish(&p);
	describe(out, cap, r, &p, &resp, total);
	http_parser_free(&p);
	http_response_free(&resp);
}

static void
check_case(const struct parse_case *c, const char *input, size_t len, int every_offset)
{
	static char whole[80000], piece[80000];
	size_t k;

	run_split(c, input, len, 0, len != 0 ? len : 1, whole, sizeof(whole));
	run_split(c, input, len, 0, 1, piece, sizeof(piece));
	if (strcmp(whole, piece) != 0)
		unit_fail(__FILE__, __LINE__, "%s: byte by byte gives\n%s\nbut whole gives\n%s", c->name, piece, whole);
	for (k = 1; every_offset && k < len; k++) {
		run_split(c, input, len, k, len, piece, sizeof(piece));
		if (strcmp(whole, piece) != 0) {
			unit_fail(__FILE__, __LINE__, "%s: split at %zu gives\n%s\nbut whole gives\n%s", c->name, k,
			    piece, whole);
			break;
		}
	}
}

/* The expected description of a case, built from its fields rather than from the parser. */
static void
expected(const struct parse_case *c, size_t len, char *out, size_t cap)
{
	size_t n;

	if (c->error != HTTP_ERR_NONE) {
		snprintf(out, cap, "error=%d", (int)c->error);
		return;
	}
	n = (size_t)snprintf(out, cap, "status=%d close=%d consumed=%zu\n%s", c->status, c->close,
	    c->consumed != 0 ? c->consumed : len, c->headers);
	if (c->body != NULL) {
		size_t i, body_len = strlen(c->body);

		n += (size_t)snprintf(out + n, cap - n, "body(%zu)=", body_len);
		for (i = 0; i < body_len && n + 3 < cap; i++)
			n += (size_t)snprintf(out + n, cap - n, "%02x", (unsigned char)c->body[i]);
	}
}

/* Reduce a full description to the fields expected() covers. */
static void
project(const char *full, const struct parse_case *c, char *out, size_t cap)
{
	int result, error, status, minor, close;
	size_t consumed;
	const char *rest = strchr(full, '\n');

	sscanf(full, "result=%d error=%d status=%d minor=%d close=%d consumed=%zu", &result, &error, &status, &minor,
	    &close, &consumed);
	if (result != HTTP_PARSE_DONE) {
		snprintf(out, cap, "error=%d", error);
		return;
	}
	if (c->body == NULL) {
		const char *b = strstr(full, "body(");

		snprintf(out, cap, "status=%d close=%d consumed=%zu\n%.*s", status, close, consumed,
		    b != NULL ? (int)(b - rest - 1) : 0, rest + 1);
		return;
	}
	snprintf(out, cap, "status=%d close=%d consumed=%zu\n%s", status, close, consumed, rest + 1);
}

TEST(http_parse_table)
{
	char full[8192], got[8192], want[8192];
	size_t i;

	CHECK_INT(sizeof(cases) / sizeof(cases[0]) >= 40, 1);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct parse_case *c = &cases[i];
		size_t len = c->len != 0 ? c->len : strlen(c->input);

		run_split(c, c->input, len, 0, len != 0 ? len : 1, full, sizeof(full));
		project(full, c, got, sizeof(got));
		expected(c, len, want, sizeof(want));
		if (strcmp(got, want) != 0)
			unit_fail(__FILE__, __LINE__, "case '%s':\ngot  %s\nwant %s\n(%s)", c->name, got, want,
			    http_parse_strerror(c->error));
		check_case(c, c->input, len, 1);
	}
}

TEST(http_parse_binary_body)
{
	static const char input[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n\0\r\n";
	struct http_parser p;
	struct http_response resp = { 0 };
	size_t used;

	http_parser_init(&p, &resp, 0, 0);
	CHECK_INT(http_parser_feed(&p, input, sizeof(input) - 1, &used), HTTP_PARSE_DONE);
	CHECK_MEM(resp.body.data, resp.body.len, "\0\r\n", 3);
	http_parser_free(&p);
	http_response_free(&resp);
}

/* Build a response with COUNT header lines of VALUE_LEN bytes each. */
static char *
many_headers(int count, size_t value_len, size_t *len)
{
	struct buf b = { 0 };
	int i;

	b.limit = 1 << 22;
	buf_puts(&b, "HTTP/1.1 200 OK\r\n");
	for (i = 0; i < count; i++) {
		buf_printf(&b, "X-%d: ", i);
		memset(buf_reserve(&b, value_len), 'v', value_len);
		b.len += value_len;
		buf_puts(&b, "\r\n");
	}
	buf_puts(&b, "Content-Length: 0\r\n\r\n");
	*len = b.len;
	return b.data;
}

static enum http_parse_error
parse_once(const char *input, size_t len, size_t max_body)
{
	struct http_parser p;
	struct http_response resp = { 0 };
	enum http_parse_error error;
	size_t used;

	http_parser_init(&p, &resp, 0, max_body);
	http_parser_feed(&p, input, len, &used);
	error = p.error;
	http_parser_free(&p);
	http_response_free(&resp);
	return error;
}

TEST(http_parse_limits)
{
	struct parse_case c = { .name = "limits" };
	size_t len;
	char *input;

	/* 99 headers plus Content-Length is the maximum of 100 lines. */
	input = many_headers(99, 10, &len);
	CHECK_INT(parse_once(input, len, 0), HTTP_ERR_NONE);
	check_case(&c, input, len, 0);
	free(input);

	input = many_headers(100, 10, &len);
	CHECK_INT(parse_once(input, len, 0), HTTP_ERR_TOO_MANY_HEADERS);
	check_case(&c, input, len, 0);
	free(input);

	/* Just under 32 KiB of headers passes; just over fails, wherever the stream is split. */
	input = many_headers(30, 1000, &len);
	CHECK(len < HTTP_MAX_HEADER_BYTES);
	CHECK_INT(parse_once(input, len, 0), HTTP_ERR_NONE);
	free(input);
	input = many_headers(33, 1000, &len);
	CHECK_INT(parse_once(input, len, 0), HTTP_ERR_HEADERS_TOO_LARGE);
	check_case(&c, input, len, 0);
	free(input);

	/* One endless header line hits the same limit before any line end. */
	input = many_headers(1, 40000, &len);
	CHECK_INT(parse_once(input, len, 0), HTTP_ERR_HEADERS_TOO_LARGE);
	free(input);
}

TEST(http_parse_chunk_line_limit)
{
	struct buf b = { 0 };
	struct parse_case c = { .name = "chunk line" };

	buf_puts(&b, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;");
	memset(buf_reserve(&b, 5000), 'e', 5000);
	b.len += 5000;
	buf_puts(&b, "\r\nx\r\n0\r\n\r\n");
	CHECK_INT(parse_once(b.data, b.len, 0), HTTP_ERR_CHUNK_LINE_TOO_LONG);
	check_case(&c, b.data, b.len, 0);
	buf_free(&b);
}

TEST(http_parse_after_done)
{
	static const char input[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
	struct http_parser p;
	struct http_response resp = { 0 };
	size_t used;

	http_parser_init(&p, &resp, 0, 0);
	CHECK_INT(http_parser_feed(&p, input, sizeof(input) - 1, &used), HTTP_PARSE_DONE);
	CHECK_INT(http_parser_feed(&p, "more", 4, &used), HTTP_PARSE_DONE);
	CHECK_INT(used, 0);
	CHECK_INT(http_parser_finish(&p), HTTP_PARSE_DONE);
	http_parser_free(&p);
	http_response_free(&resp);
}

TEST(http_parse_error_messages)
{
	int e;

	for (e = 0; e < HTTP_ERR__MAX; e++)
		CHECK(http_parse_strerror((enum http_parse_error)e) != NULL);
	CHECK_STR(http_parse_strerror(HTTP_ERR_OBS_FOLD), "obsolete line folding in the headers");
	CHECK_STR(http_parse_strerror(HTTP_ERR__MAX), "unknown parse error");
}

/* Parse a 200 response with the header lines HEADERS ("Name: value\r\n" each) into RESP. */
static void
response_with(struct http_response *resp, const char *headers)
{
	struct http_parser p;
	struct buf b = { 0 };
	size_t used;

	buf_printf(&b, "HTTP/1.1 200 OK\r\n%sContent-Length: 0\r\n\r\n", headers);
	http_parser_init(&p, resp, 0, 0);
	if (http_parser_feed(&p, b.data, b.len, &used) != HTTP_PARSE_DONE)
		unit_fail(__FILE__, __LINE__, "test response did not parse: %s", b.data);
	http_parser_free(&p);
	buf_free(&b);
}

static long
retry_after(const char *value, time_t now, int *found)
{
	struct http_response resp = { 0 };
	struct buf h = { 0 };
	long seconds = -1;

	if (value != NULL)
		buf_printf(&h, "Retry-After: %s\r\n", value);
	response_with(&resp, value != NULL ? h.data : "");
	*found = http_retry_after(&resp, now, &seconds);
	buf_free(&h);
	http_response_free(&resp);
	return seconds;
}

TEST(http_retry_after_forms)
{
	/* 1994-11-06 08:49:37 UTC, the example date of RFC 9110. */
	const time_t example = 784111777;
	int found;

	CHECK_INT(retry_after("120", example, &found), 120);
	CHECK_INT(found, 1);
	CHECK_INT(retry_after("0", example, &found), 0);
	CHECK_INT(found, 1);
	CHECK_INT(retry_after("Sun, 06 Nov 1994 08:49:37 GMT", example - 30, &found), 30);
	CHECK_INT(found, 1);
	CHECK_INT(retry_after("Sunday, 06-Nov-94 08:49:37 GMT", example - 60, &found), 60);
	CHECK_INT(found, 1);
	CHECK_INT(retry_after("Sun Nov  6 08:49:37 1994", example - 90, &found), 90);
	CHECK_INT(found, 1);
	CHECK_INT(retry_after("Sun Nov 16 08:49:37 1994", example, &found), 10 * 86400);
	CHECK_INT(found, 1);
	CHECK_INT(retry_after("  45  ", example, &found), 45);
	CHECK_INT(found, 1);
	CHECK_INT(retry_after("99999999999999999999999", example, &found), LONG_MAX);
	CHECK_INT(found, 1);
}

TEST(http_retry_after_past_date)
{
	int found;

	CHECK_INT(retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 1700000000, &found), 0);
	CHECK_INT(found, 1);
	CHECK_INT(retry_after("Wed, 01 Jan 2020 00:00:00 GMT", 1700000000, &found), 0);
	CHECK_INT(found, 1);
}

TEST(http_retry_after_invalid)
{
	static const char *const garbage[] = {
		"soon", "12abc", "-5", "1.5", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 6 Nov 1994 08:49:37 GMT",
		"Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT", "Sunday, 06-Nov-1994 08:49:37 GMT",
		"Sun Nov  6 08:49:37", "Sun, 06 Nov 1994 08:49:37 GMT extra", "",
	};
	size_t i;
	int found;

	for (i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
		retry_after(garbage[i], 784111777, &found);
		if (!CHECK_INT(found, 0))
			unit_fail(__FILE__, __LINE__, "'%s' was accepted", garbage[i]);
	}
	retry_after(NULL, 784111777, &found);
	CHECK_INT(found, 0);
}

static int
links(const char *headers, const char *rel, char (*urls)[HTTP_URL_MAX], int max)
{
	struct http_response resp = { 0 };
	int n;

	response_with(&resp, headers);
	n = http_links(&resp, rel, urls, max);
	http_response_free(&resp);
	return n;
}

TEST(http_links_cases)
{
	static char urls[4][HTTP_URL_MAX];

	CHECK_INT(links("Link: <https://ca/up>;rel=\"up\"\r\n", "up", urls, 4), 1);
	CHECK_STR(urls[0], "https://ca/up");

	/* Several links in one header and over several headers, in order. */
	CHECK_INT(links("Link: <https://ca/a1>; rel=alternate, <https://ca/i>; rel=\"index\"\r\n"
	    "Link: <https://ca/a2>; rel=\"alternate index\"\r\n", "alternate", urls, 4), 2);
	CHECK_STR(urls[0], "https://ca/a1");
	CHECK_STR(urls[1], "https://ca/a2");
	CHECK_INT(links("Link: <https://ca/a1>; rel=alternate, <https://ca/i>; rel=\"index\"\r\n"
	    "Link: <https://ca/a2>; rel=\"alternate index\"\r\n", "index", urls, 4), 2);
	CHECK_STR(urls[0], "https://ca/i");
	CHECK_STR(urls[1], "https://ca/a2");

	/* Quoted parameters may hold commas and semicolons; URLs may hold commas. */
	CHECK_INT(links("Link: <https://ca/x,y>; title=\"a, b; c\"; rel=next, <https://ca/z>; rel=up\r\n", "next",
	    urls, 4), 1);
	CHECK_STR(urls[0], "https://ca/x,y");
	CHECK_INT(links("Link: <https://ca/x,y>; title=\"a, b; c\"; rel=next, <https://ca/z>; rel=up\r\n", "up",
	    urls, 4), 1);
	CHECK_STR(urls[0], "https://ca/z");

	/* Relation types compare without case; escaped quotes stay inside the string. */
	CHECK_INT(links("link: <https://ca/u>; title=\"say \\\"hi\\\"\"; REL=\"UP\"\r\n", "up", urls, 4), 1);
	CHECK_STR(urls[0], "https://ca/u");

	CHECK_INT(links("Link: <https://ca/u>; rel=\"index\"\r\n", "up", urls, 4), 0);
	CHECK_INT(links("Link: https://ca/u; rel=up\r\n", "up", urls, 4), 0);
	CHECK_INT(links("Link: <https://ca/u; rel=up\r\n", "up", urls, 4), 0);
	CHECK_INT(links("Link: <https://ca/u>; rel=\"up\r\n", "up", urls, 4), 0);
	CHECK_INT(links("", "up", urls, 4), 0);

	/* MAX is respected. */
	CHECK_INT(links("Link: <a>;rel=up, <b>;rel=up, <c>;rel=up\r\n", "up", urls, 2), 2);
	CHECK_STR(urls[1], "b");
}

TEST(http_header_lookup)
{
	struct http_response resp = { 0 };

	response_with(&resp, "replay-nonce: abc\r\nLOCATION: https://ca/acct/1\r\nX: first\r\nx: second\r\n");
	CHECK_STR(http_header(&resp, "Replay-Nonce"), "abc");
	CHECK_STR(http_header(&resp, "location"), "https://ca/acct/1");
	CHECK_STR(http_header(&resp, "X"), "first");
	CHECK(http_header(&resp, "Missing") == NULL);
	http_response_free(&resp);
}

TEST(http_url_parse_cases)
{
	struct http_url u;

	CHECK_INT(http_url_parse("https://acme-v02.api.letsencrypt.org/directory", &u), 0);
	CHECK_INT(u.https, 1);
	CHECK_STR(u.host, "acme-v02.api.letsencrypt.org");
	CHECK_INT(u.port, 443);
	CHECK_MEM(u.target, u.target_len, "/directory", 10);

	CHECK_INT(http_url_parse("http://localhost:8080", &u), 0);
	CHECK_INT(u.https, 0);
	CHECK_INT(u.port, 8080);
	CHECK_MEM(u.target, u.target_len, "/", 1);

	CHECK_INT(http_url_parse("https://[::1]:14000/dir?x=1#frag", &u), 0);
	CHECK_STR(u.host, "::1");
	CHECK_INT(u.port, 14000);
	CHECK_MEM(u.target, u.target_len, "/dir?x=1", 8);

	CHECK_INT(http_url_parse("ftp://example.org/", &u), -1);
	CHECK_INT(http_url_parse("https://user:pw@example.org/", &u), -1);
	CHECK_INT(http_url_parse("https://example.org:0/", &u), -1);
	CHECK_INT(http_url_parse("https://example.org:65536/", &u), -1);
	CHECK_INT(http_url_parse("https://example.org:x/", &u), -1);
	CHECK_INT(http_url_parse("https:///path", &u), -1);
	CHECK_INT(http_url_parse("https://exa mple.org/", &u), -1);
	CHECK_INT(http_url_parse("https://example.org/a\r\nX: y", &u), -1);
	CHECK_INT(http_url_parse("https://[::1/", &u), -1);
}

TEST(net_no_proxy_cases)
{
	CHECK_INT(net_no_proxy_match("*", "anything.example"), 1);
	CHECK_INT(net_no_proxy_match("example.org", "example.org"), 1);
	CHECK_INT(net_no_proxy_match("example.org", "acme.example.org"), 1);
	CHECK_INT(net_no_proxy_match(".example.org", "acme.example.org"), 1);
	CHECK_INT(net_no_proxy_match(".example.org", "example.org"), 1);
	CHECK_INT(net_no_proxy_match("example.org", "badexample.org"), 0);
	CHECK_INT(net_no_proxy_match("localhost, 127.0.0.1 ,EXAMPLE.org", "www.example.ORG"), 1);
	CHECK_INT(net_no_proxy_match("localhost,127.0.0.1", "acme-v02.api.letsencrypt.org"), 0);
	CHECK_INT(net_no_proxy_match("example.org:8443", "example.org"), 1);
	CHECK_INT(net_no_proxy_match("", "example.org"), 0);
	CHECK_INT(net_no_proxy_match(",,", "example.org"), 0);
	CHECK_INT(net_no_proxy_match("org.", "example.org"), 0);
}
