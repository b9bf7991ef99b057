/*
 * A growable byte buffer. Appends never fail silently: the first failed
 * allocation, or growth past the buffer's limit, makes the buffer "failed";
 * later appends do nothing, and the caller checks buf.failed once at the end.
 * The data is always followed by a NUL byte that is not counted in len, so a
 * buffer of text can be used as a C string.
 */
#ifndef KEEPCERT_BUF_H
#define KEEPCERT_BUF_H

#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
	size_t limit;	/* maximum len; 0 means BUF_DEFAULT_LIMIT */
	int failed;
};

#define BUF_DEFAULT_LIMIT (4u << 20)

void buf_append(struct buf *b, const void *data, size_t len);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Make room for LEN more bytes and return where they go, or NULL once failed. */
char *buf_reserve(struct buf *b, size_t len);

/* Empty the buffer, keeping its memory and clearing the failed flag. */
void buf_reset(struct buf *b);

/* Zero the whole allocation and free it: use for anything that held a secret too. */
void buf_free(struct buf *b);

#endif
