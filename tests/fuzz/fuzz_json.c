/*
 * libFuzzer target for the JSON scanner. Any input must be accepted or
 * rejected without a crash. On success, every token must have the structure
 * json.h documents, every string must read back unchanged after
 * json_write_string, and every member must be found by its own name.
 *
 * Built by hand from the top of the tree (any make target may link more files):
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc \
 *	    -o fuzz_json tests/fuzz/fuzz_json.c src/json.c src/buf.c
 *	./fuzz_json -max_total_time=30 NEW_INPUTS_DIR tests/fuzz/corpus/json
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define MAX_TOKENS 256

/* Check the subtree at TOK and return the index just past it. */
static uint32_t
check_tree(const struct json_doc *doc, uint32_t tok)
{
	const struct json_token *t = &doc->tokens[tok];
	uint32_t child = tok + 1, n;

	if (t->start > t->end || t->end > doc->len || t->next <= tok || t->next > doc->count)
		abort();
	if (t->type != JSON_OBJECT && t->type != JSON_ARRAY) {
		if (t->next != tok + 1 || t->size != 0)
			abort();
		return t->next;
	}
	for (n = 0; n < t->size; n++) {
		if (t->type == JSON_OBJECT) {
			if (doc->tokens[child].type != JSON_STRING)
				abort();
			child = check_tree(doc, child);
		}
		child = check_tree(doc, child);
	}
	if (child != t->next)
		abort();
	return child;
}

/* Write the decoded string S as JSON, scan it again and compare. */
static void
check_round_trip(const char *s, size_t len)
{
	struct json_token tokens[1];
	struct json_doc doc;
	struct buf b = { 0 };
	char out[1024];

	json_write_string(&b, s);
	if (b.failed)
		abort();
	if (json_parse(&doc, b.data, b.len, tokens, 1, NULL) != JSON_OK)
		abort();
	if (json_string(&doc, 0, out, sizeof(out)) != (int)len || memcmp(out, s, len) != 0)
		abort();
	buf_free(&b);
}

static void
check_tokens(const struct json_doc *doc)
{
	char s[1024];
	uint32_t i;
	int64_t v;

	for (i = 0; i < doc->count; i++) {
		const struct json_token *t = &doc->tokens[i];
		int len;

		if (t->type == JSON_STRING) {
			len = json_string(doc, (int)i, s, sizeof(s));
			if (len >= 0) {
				if (json_string_eq(doc, (int)i, s) != 1)
					abort();
				check_round_trip(s, (size_t)len);
			}
		} else if (t->type == JSON_NUMBER) {
			json_int64(doc, (int)i, &v);
		} else if (t->type == JSON_OBJECT) {
			uint32_t k = i + 1, n;

			/* Names are unique, so each finds its own value. */
			for (n = 0; n < t->size; n++) {
				if (json_string(doc, (int)k, s, sizeof(s)) >= 0 &&
				    json_get(doc, (int)i, s) != (int)k + 1)
					abort();
				k = doc->tokens[k + 1].next;
			}
		} else if (t->type == JSON_ARRAY && t->size > 0) {
			if (json_index(doc, (int)i, t->size - 1) < 0 || json_index(doc, (int)i, t->size) != -1)
				abort();
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_token tokens[MAX_TOKENS];
	struct json_doc doc;
	size_t offset;
	int rc;

	rc = json_parse(&doc, (const char *)data, size, tokens, MAX_TOKENS, &offset);
	if (rc != JSON_OK) {
		if (offset > size || doc.count != 0)
			abort();
		return 0;
	}
	if (doc.count == 0 || check_tree(&doc, 0) != doc.count)
		abort();
	check_tokens(&doc);
	return 0;
}
