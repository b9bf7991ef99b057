#include <string.h>

#include "base64.h"
#include "log.h"
#include "pem.h"

#define PEM_DASHES "-----"
#define PEM_BEGIN "-----BEGIN "
#define PEM_END "-----END "

/* One line of text, without its line end and without surrounding whitespace. */
struct line {
	const char *start;
	size_t len;
};

static int
is_wsp(char c)
{
	/* RFC 7468 section 3 lets lax parsers accept these around and inside the base64 text. */
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Read the line at *POS into LINE, trimmed, and move *POS past its '\n'. Returns 0 at END. */
static int
next_line(const char **pos, const char *end, struct line *line)
{
	const char *s = *pos, *e;

	if (s >= end)
		return 0;
	e = memchr(s, '\n', (size_t)(end - s));
	*pos = e != NULL ? e + 1 : end;
	if (e == NULL)
		e = end;

	while (s < e && is_wsp(*s))
		s++;
	while (e > s && is_wsp(e[-1]))
		e--;
	line->start = s;
	line->len = (size_t)(e - s);
	return 1;
}

static int
starts_with(const struct line *line, const char *prefix)
{
	size_t n = strlen(prefix);

	return line->len >= n && memcmp(line->start, prefix, n) == 0;
}

/*
 * Check the label between PREFIX and the closing dashes of an encapsulation
 * boundary LINE and copy it into LABEL. RFC 7468 section 3 allows printable
 * ASCII other than '-', with single '-' or ' ' between such characters, and
 * an empty label. Returns 0, or -1 when the line is not a valid boundary.
 */
static int
boundary_label(const struct line *line, const char *prefix, char label[PEM_LABEL_MAX])
{
	size_t n = strlen(prefix), dashes = strlen(PEM_DASHES), len, i;
	const char *s;

	if (line->len < n + dashes || memcmp(line->start + line->len - dashes, PEM_DASHES, dashes) != 0)
		return -1;
	s = line->start + n;
	len = line->len - n - dashes;
	if (len >= PEM_LABEL_MAX)
		return -1;

	for (i = 0; i < len; i++) {
		int inner = i > 0 && i + 1 < len;

		if (s[i] > 0x20 && s[i] < 0x7f && s[i] != '-')
			continue;
		/* A hyphen or space only between two label characters. */
		if ((s[i] == '-' || s[i] == ' ') && inner && s[i - 1] != '-' && s[i - 1] != ' ')
			continue;
		return -1;
	}
	memcpy(label, s, len);
	label[len] = '\0';
	return 0;
}

/* Append the base64 characters of LINE to TEXT. Returns 0, or -1 for any other byte. */
static int
append_base64(struct buf *text, const struct line *line)
{
	size_t i;

	for (i = 0; i < line->len; i++) {
		char c = line->start[i];

		if (is_wsp(c))
			continue;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '+' || c == '/' || c == '='))
			return -1;
		buf_putc(text, c);
	}
	return 0;
}

/* Decode the base64 in TEXT and append it to DER. Returns 0, or -1 with error_text() set. */
static int
decode_body(const struct buf *text, struct buf *der, const char *label)
{
	size_t cap = text->len / 4 * 3, out_len;
	char *out;

	if (text->failed)
		return error_set("PEM block \"%s\" is too large to read", label);
	if (text->len % 4 != 0)
		return error_set("PEM block \"%s\" has invalid base64: its length is not a multiple of 4", label);
	out = buf_reserve(der, cap);
	if (out == NULL)
		return error_set("PEM block \"%s\" is too large to decode", label);
	if (base64_decode(out, cap, &out_len, text->len != 0 ? text->data : "", text->len, BASE64_STD) != 0) {
		explicit_bzero(out, cap);
		return error_set("PEM block \"%s\" has invalid base64", label);
	}
	der->len += out_len;
	der->data[der->len] = '\0';
	return 0;
}

/*
 * Read the lines after a BEGIN line up to the END line with the same label,
 * collecting their base64 into TEXT. *POS moves past the END line.
 */
static int
read_body(const char **pos, const char *end, const char *label, struct buf *text)
{
	char end_label[PEM_LABEL_MAX];
	struct line line;

	while (next_line(pos, end, &line)) {
		if (starts_with(&line, PEM_END)) {
			if (boundary_label(&line, PEM_END, end_label) != 0)
				return error_set("PEM block \"%s\" has an invalid END line", label);
			if (strcmp(end_label, label) != 0)
				return error_set("PEM block \"%s\" ends with END label \"%s\"", label,
				    end_label);
			return 0;
		}
		if (starts_with(&line, PEM_BEGIN))
			return error_set("PEM block \"%s\" has no END line before the next BEGIN line", label);
		if (append_base64(text, &line) != 0)
			return error_set("PEM block \"%s\" has a character outside base64", label);
	}
	return error_set("PEM block \"%s\" has no END line", label);
}

/* see pem.h */
int
pem_next(const char **pos, const char *end, char label[PEM_LABEL_MAX], struct buf *der)
{
	const char *p = *pos;
	size_t der_len = der->len;
	struct buf text = { 0 };
	struct line line;
	int found = 0, rc;

	/* Text before the block, such as "subject=" lines from openssl, is skipped. */
	while (next_line(&p, end, &line)) {
		if (starts_with(&line, PEM_BEGIN)) {
			found = 1;
			break;
		}
	}
	if (!found) {
		*pos = end;
		return 0;
	}
	if (boundary_label(&line, PEM_BEGIN, label) != 0) {
		label[0] = '\0';
		return error_set("PEM BEGIN line \"%.*s\" is invalid", line.len > 80 ? 80 : (int)line.len,
		    line.start);
	}

	rc = read_body(&p, end, label, &text);
	if (rc == 0)
		rc = decode_body(&text, der, label);
	/* The base64 of a private key is as secret as the key. */
	buf_free(&text);
	if (rc != 0) {
		if (der->data != NULL)
			explicit_bzero(der->data + der_len, der->len - der_len);
		der->len = der_len;
		return -1;
	}
	*pos = p;
	return 1;
}

/* see pem.h */
void
pem_write(struct buf *out, const char *label, const void *der, size_t len)
{
	const unsigned char *p = der;
	size_t i;

	/* RFC 7468 section 2: 64 base64 characters (48 bytes) per line. */
	buf_printf(out, "%s%s%s\n", PEM_BEGIN, label, PEM_DASHES);
	for (i = 0; i < len; i += 48) {
		buf_base64(out, p + i, len - i < 48 ? len - i : 48, BASE64_STD);
		buf_putc(out, '\n');
	}
	buf_printf(out, "%s%s%s\n", PEM_END, label, PEM_DASHES);
}
