/*
 * qp: a streaming quoted-printable decoder (RFC 2045 section 6.7) that
 * decodes as GMime does. Chunks may be split anywhere, even between '=' and
 * its hex digits or inside a soft line break "=\r\n": feeding the input
 * whole, byte by byte or in any chunks gives the same bytes and flags.
 *
 * "=XY" (hex digits, either case) is a byte; "=\n" and "=\r\n" are soft line
 * breaks. Any other '=' is kept literally with the two bytes after it and
 * sets QP_F_BAD_ESCAPE. Line ends are kept as they are (LF or CRLF).
 */
#ifndef TAMIS_MAIL_QP_H
#define TAMIS_MAIL_QP_H

#include <stddef.h>

#include "lib/str.h"

struct qp_decoder {
    char pending[3];   /* '=' and what followed it so far */
    unsigned npending; /* 0, 1 or 2 */
    unsigned flags;    /* QP_F_* seen so far */
};

#define QP_F_BAD_ESCAPE 0x1 /* '=' not followed by two hex digits or a line break: kept literally */

/* Start (or restart) decoding. */
void qp_decoder_init(struct qp_decoder *d);

/* Decode the next len bytes, appending to out. Returns 0, or -1 when out
 * reached its maximum (what fitted is kept; stop feeding then). */
int qp_decode(struct qp_decoder *d, const char *in, size_t len, struct str *out);

/* End of input. A lone '=' (or "=\r") at the very end is a soft line break
 * whose line end was cut, and is dropped silently; a cut escape "=X" is
 * dropped too (as GMime does) but sets QP_F_BAD_ESCAPE. Readies d for new
 * input, keeping flags. Returns 0 (nothing is appended). */
int qp_decode_finish(struct qp_decoder *d, struct str *out);

#endif
