/*
 * base64: streaming base64 decoding.
 *
 * Untrusted input: yes (message bodies, encoded words). Limits: the output
 * is a struct str whose maximum the caller sets; reaching it returns -1 with
 * what fitted kept. State is a few bits, so chunks may split anywhere.
 */
#include "base64.h"

/* Rank of each byte: 0-63 for the alphabet, WS for whitespace, PAD for '=',
 * BAD for everything else. */
#define WS 64
#define PAD 65
#define BAD 66

static const unsigned char rank[256] = {
    BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, WS,  WS,  WS,  WS,  WS,  BAD, BAD,
    BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
    WS,  BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, 62,  BAD, BAD, BAD, 63,
    52,  53,  54,  55,  56,  57,  58,  59,  60,  61,  BAD, BAD, BAD, PAD, BAD, BAD,
    BAD, 0,   1,   2,   3,   4,   5,   6,   7,   8,   9,   10,  11,  12,  13,  14,
    15,  16,  17,  18,  19,  20,  21,  22,  23,  24,  25,  BAD, BAD, BAD, BAD, BAD,
    BAD, 26,  27,  28,  29,  30,  31,  32,  33,  34,  35,  36,  37,  38,  39,  40,
    41,  42,  43,  44,  45,  46,  47,  48,  49,  50,  51,  BAD, BAD, BAD, BAD, BAD,
    BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
    BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
    BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
    BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
    BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
    BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
    BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
    BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
};

void
base64_decoder_init(struct base64_decoder *d)
{
    d->acc = 0;
    d->nbits = 0;
    d->flags = 0;
    d->ended = false;
    d->padded = false;
    d->stopped = false;
}

int
base64_decode(struct base64_decoder *d, const char *in, size_t len, struct str *out)
{
    const unsigned char *p = (const unsigned char *)in;
    unsigned char buf[512];
    size_t n = 0;
    uint32_t acc = d->acc;
    unsigned nbits = d->nbits;
    if (d->stopped)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned r = rank[p[i]];
        if (r < 64) {
            acc = (acc << 6) | r;
            nbits += 6;
            if (d->ended)
                d->flags |= BASE64_F_AFTER_PAD;
            d->ended = false;
            if (nbits >= 8) {
                nbits -= 8;
                buf[n++] = (unsigned char)(acc >> nbits);
                acc &= (1u << nbits) - 1;
                if (n == sizeof(buf)) {
                    if (str_append_trunc(out, buf, n) < 0)
                        goto full;
                    n = 0;
                }
            }
        } else if (r == PAD) {
            /* A lone sextet holds no byte: that quantum was cut. */
            if (nbits == 6)
                d->flags |= BASE64_F_TRUNCATED;
            acc = 0;
            nbits = 0;
            d->ended = true;
            d->padded = true;
        } else if (r == BAD && d->padded) {
            d->flags |= BASE64_F_TRAILER;
            d->stopped = true;
            break;
        } else if (r == BAD) {
            d->flags |= BASE64_F_GARBAGE;
        }
    }
    d->acc = acc;
    d->nbits = nbits;
    if (str_append_trunc(out, buf, n) < 0)
        return -1;
    return 0;
full:
    d->acc = acc;
    d->nbits = nbits;
    return -1;
}

int
base64_decode_finish(struct base64_decoder *d, struct str *out)
{
    (void)out;
    if (d->nbits != 0)
        d->flags |= BASE64_F_TRUNCATED;
    d->acc = 0;
    d->nbits = 0;
    d->ended = false;
    d->padded = false;
    d->stopped = false;
    return 0;
}
