/*
 * base64: a streaming base64 decoder (RFC 2045 section 6.8), tolerant as
 * mail readers are. Chunks may be split anywhere: feeding the input whole,
 * byte by byte or in any chunks gives the same bytes and flags.
 *
 * Whitespace is ignored silently; other bytes outside the alphabet are
 * skipped and flagged. '=' ends a quantum (the whole bytes it holds are
 * kept). Decoding goes on if more base64 follows the padding (several
 * encoded blocks glued together), but stops for good at the first byte
 * outside the alphabet after padding: that is a trailer (a signature or a
 * list footer appended to the part), not data. GMime 3.2 stops at the first
 * '=' whatever follows. At the end, leftover bits without padding still
 * give the whole bytes they hold (GMime drops them).
 */
#ifndef TAMIS_MAIL_BASE64_H
#define TAMIS_MAIL_BASE64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/str.h"

struct base64_decoder {
    uint32_t acc;   /* bits not yet emitted (the low nbits) */
    unsigned nbits; /* 0, 2, 4 or 6 */
    unsigned flags; /* BASE64_F_* seen so far */
    bool ended;     /* the last significant byte was padding */
    bool padded;    /* padding was seen since init or finish */
    bool stopped;   /* a trailer was met: the rest is ignored until finish */
};

#define BASE64_F_GARBAGE 0x1   /* bytes outside the alphabet (other than whitespace) were skipped */
#define BASE64_F_TRUNCATED 0x2 /* the input ended with leftover bits (missing padding or a cut quantum) */
#define BASE64_F_AFTER_PAD 0x4 /* base64 went on after padding, and was decoded */
#define BASE64_F_TRAILER 0x8   /* a byte outside the alphabet after padding: it and the rest ignored */

/* Start (or restart) decoding. */
void base64_decoder_init(struct base64_decoder *d);

/* Decode the next len bytes, appending to out. Returns 0, or -1 when out
 * reached its maximum (what fitted is kept; stop feeding then). */
int base64_decode(struct base64_decoder *d, const char *in, size_t len, struct str *out);

/* End of input: sets BASE64_F_TRUNCATED if bits are left over (their whole
 * bytes were already emitted) and readies d for new input (a new stream, so
 * a trailer no longer stops it), keeping the flags seen.
 * Returns 0 (the signature matches base64_decode's; nothing is appended). */
int base64_decode_finish(struct base64_decoder *d, struct str *out);

#endif
