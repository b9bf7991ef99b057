/*
 * libFuzzer target for the HTTP response parser. The first input byte
 * picks where the stream is split and whether the request was HEAD; the
 * rest is fed whole and then in two pieces, and both runs must agree.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

static int
parse(const uint8_t *data, size_t len, size_t split, int head, struct http_response *resp, size_t *consumed)
{
	struct http_parser p;
	size_t used = 0;
	int r;

	*consumed = 0;
	http_parser_init(&p, resp, head, 4096);
	r = http_parser_feed(&p, data, split, &used);
	*consumed += used;
	if (r == HTTP_PARSE_MORE) {
		r = http_parser_feed(&p, data + split, len - split, &used);
		*consumed += used;
	}
	if (r == HTTP_PARSE_MORE)
		r = http_parser_finish(&p);
	if (r == HTTP_PARSE_ERROR)
		r = -100 - (int)p.error;
	http_parser_free(&p);
	return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_response whole = { 0 }, pieces = { 0 };
	size_t split, consumed_whole, consumed_pieces, i;
	int head, r1, r2;

	if (size < 1)
		return 0;
	head = data[0] & 1;
	data++;
	size--;
	split = size != 0 ? (size_t)(data[-1] >> 1) % (size + 1) : 0;

	r1 = parse(data, size, size, head, &whole, &consumed_whole);
	r2 = parse(data, size, split, head, &pieces, &consumed_pieces);
	if (r1 != r2)
		abort();
	if (r1 == HTTP_PARSE_DONE) {
		if (consumed_whole != consumed_pieces || whole.status != pieces.status ||
		    whole.header_count != pieces.header_count || whole.body.len != pieces.body.len ||
		    (whole.body.len != 0 && memcmp(whole.body.data, pieces.body.data, whole.body.len) != 0))
			abort();
		for (i = 0; i < whole.header_count; i++)
			if (strcmp(whole.headers[i].name, pieces.headers[i].name) != 0 ||
			    strcmp(whole.headers[i].value, pieces.headers[i].value) != 0)
				abort();
		/* The helpers must cope with whatever headers got through. */
		{
			static char urls[4][HTTP_URL_MAX];
			long seconds;

			http_header(&whole, "Content-Type");
			http_retry_after(&whole, 1700000000, &seconds);
			http_links(&whole, "up", urls, 4);
		}
	}
	http_response_free(&whole);
	http_response_free(&pieces);
	return 0;
}
