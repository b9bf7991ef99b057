#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* see buf.h */
char *
buf_reserve(struct buf *b, size_t len)
{
	size_t limit = b->limit != 0 ? b->limit : BUF_DEFAULT_LIMIT;
	size_t need, cap;
	char *p;

	if (b->failed)
		return NULL;
	if (len > limit || b->len > limit - len) {
		b->failed = 1;
		return NULL;
	}
	need = b->len + len + 1;
	if (need <= b->cap)
		return b->data + b->len;

	cap = b->cap != 0 ? b->cap : 256;
	while (cap < need)
		cap *= 2;

	/* Grow by copy rather than realloc, so the old block can be wiped. */
	p = malloc(cap);
	if (p == NULL) {
		b->failed = 1;
		return NULL;
	}
	if (b->data != NULL) {
		memcpy(p, b->data, b->len);
		explicit_bzero(b->data, b->cap);
		free(b->data);
	}
	b->data = p;
	b->cap = cap;
	return b->data + b->len;
}

/* see buf.h */
void
buf_append(struct buf *b, const void *data, size_t len)
{
	char *p = buf_reserve(b, len);

	if (p == NULL)
		return;
	if (len != 0)
		memcpy(p, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

/* see buf.h */
void
buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

/* see buf.h */
void
buf_putc(struct buf *b, char c)
{
	buf_append(b, &c, 1);
}

/* see buf.h */
void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = 1;
		return;
	}

	p = buf_reserve(b, (size_t)n);
	if (p == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* see buf.h */
void
buf_reset(struct buf *b)
{
	b->len = 0;
	b->failed = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

/* see buf.h */
void
buf_free(struct buf *b)
{
	if (b->data != NULL) {
		explicit_bzero(b->data, b->cap);
		free(b->data);
	}
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->failed = 0;
}
