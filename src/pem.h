/*
 * PEM (RFC 7468): reading every block of a file and writing blocks.
 *
 * NOTE: this header is the contract other layers code against; the
 * formats implementation may add declarations but keeps these.
 */
#ifndef KEEPCERT_PEM_H
#define KEEPCERT_PEM_H

#include <stddef.h>

#include "buf.h"

#define PEM_LABEL_MAX 64

/*
 * Find the next PEM block at or after *POS (before END), decode its base64
 * into DER (appended), copy its label into LABEL, and move *POS past it.
 * CRLF line ends, trailing whitespace and text between blocks are accepted.
 * Returns 1 for a block, 0 when no block remains, -1 for a malformed block.
 *
 * A block is malformed when its BEGIN line is invalid, or when no END line
 * with the same label follows before the next BEGIN line or the end. It is
 * also malformed when its base64 is invalid: decoding is strict RFC 4648
 * section 4 with padding, but lines may have any length. On -1, error_text()
 * names the block, DER is as it was and *POS is unchanged.
 */
int pem_next(const char **pos, const char *end, char label[PEM_LABEL_MAX], struct buf *der);

/* Append one block with 64-column lines and a final newline. */
void pem_write(struct buf *out, const char *label, const void *der, size_t len);

#endif
