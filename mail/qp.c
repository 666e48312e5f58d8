/*
 * qp: streaming quoted-printable decoding.
 *
 * Untrusted input: yes (message bodies). Limits: the output is a struct str
 * whose maximum the caller sets; reaching it returns -1 with what fitted
 * kept. At most two bytes are held between chunks.
 */
#include "lib/chars.h"
#include "qp.h"

#include <string.h>

void
qp_decoder_init(struct qp_decoder *d)
{
    memset(d->pending, 0, sizeof(d->pending));
    d->npending = 0;
    d->flags = 0;
}

/* The byte c completes "=" c1 c: a byte, a soft break, or literal text. */
static int
qp_escape(struct qp_decoder *d, unsigned char c1, unsigned char c, struct str *out)
{
    int hi = chars_hexval(c1), lo = chars_hexval(c);
    if (hi >= 0 && lo >= 0)
        return str_appendc(out, (hi << 4) | lo);
    if (c1 == '\r' && c == '\n')
        return 0;
    char lit[3] = {'=', (char)c1, (char)c};
    d->flags |= QP_F_BAD_ESCAPE;
    return str_append_trunc(out, lit, 3);
}

int
qp_decode(struct qp_decoder *d, const char *in, size_t len, struct str *out)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)in[i];
        if (d->npending == 0) {
            const char *eq = memchr(in + i, '=', len - i);
            size_t run = eq ? (size_t)(eq - (in + i)) : len - i;
            if (str_append_trunc(out, in + i, run) < 0)
                return -1;
            i += run;
            if (eq) {
                d->pending[0] = '=';
                d->npending = 1;
                i++;
            }
        } else if (d->npending == 1) {
            if (c == '\n')
                d->npending = 0; /* soft break, bare LF */
            else
                d->pending[1] = (char)c, d->npending = 2;
            i++;
        } else {
            d->npending = 0;
            i++;
            if (qp_escape(d, (unsigned char)d->pending[1], c, out) < 0)
                return -1;
        }
    }
    return 0;
}

int
qp_decode_finish(struct qp_decoder *d, struct str *out)
{
    (void)out;
    if (d->npending == 2 && d->pending[1] != '\r')
        d->flags |= QP_F_BAD_ESCAPE;
    d->npending = 0;
    return 0;
}
